/* The portal's routes of the assistant: chat, suggestions while typing, the
 * welcome page (hot and common questions, quick phrases, guide, tools),
 * rating an answer and the history. Public routes: a signed-in citizen is
 * recognised (identity_citizen_optional) and owns the sessions they use. */
#include <stdlib.h>
#include <string.h>

#include "core/acmatch.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "mod/assistant/assistant_internal.h"
#include "mod/audit/audit.h"
#include "mod/catalog/catalog.h"
#include "mod/guard/guard.h"
#include "mod/identity/identity.h"
#include "mod/kb/kb.h"
#include "search/search.h"

#define BLOCKED_MESSAGE "您的问题中含有不适宜的词语，请换一种说法，咨询与公安政务服务相关的问题。"
#define DEFAULT_MESSAGE                                                                                  \
    "抱歉，我暂时没能找到这个问题的答案。您可以换个说法再问，或者转人工客服、拨打政务服务热线 12345 咨询，" \
    "也可以联系就近的办事大厅。"
#define SUGGEST_N 10
#define SUGGEST_TRIGGERS 3 /* at most this many dialogue triggers, then questions, then matters */
#define HOT_DAYS 30
#define QUICK_DAYS 7
#define QUICK_MIN_SESSIONS 2

typedef struct {
    tb_req *r;
    as_session *s;
    const char *text, *norm, *region;
    int64_t now;
    json_t *reply;
    as_message m;
} chat_ctx;

static bool optional_citizen(tb_req *r)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0) {
        tb_reply_error(r, &e);
        return false;
    }
    return true;
}

static json_t *new_reply(chat_ctx *c, const char *kind, const char *text)
{
    c->m.kind = kind;
    return json_pack("{s:s, s:s, s:b, s:n, s:[], s:[], s:n, s:[], s:n, s:b, s:n, s:b, s:o}", "kind", kind, "text",
                     text ? text : "", "blocked", 0, "answer", "libraries", "related", "matter", "matters", "dialogue", "handoff",
                     0, "channels", "rateable", 0, "region", as_region_json(c->r, c->region));
}

/* Stores the question and the reply, then sends it with its id. */
static void finish(chat_ctx *c)
{
    tb_req *r = c->r;
    char *body = json_dumps(c->reply, JSON_COMPACT);
    c->m.session_id = c->s->id;
    c->m.citizen_id = c->s->citizen_id;
    c->m.reply = body ? tb_arena_strdup(r->arena, body) : "{}";
    c->m.region = c->region;
    c->m.created_at = c->now;
    free(body);
    if (!c->m.question)
        c->m.question = c->text;
    int64_t id = as_store_message_add(r, &c->m);
    if (id < 0) {
        json_decref(c->reply);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    json_object_set_new(c->reply, "id", json_integer(id));
    tb_reply_json(r, 200, c->reply);
}

/* ---- guided dialogues */

static json_t *find_published(json_t *list, int64_t id)
{
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d) if (tb_json_int(d, "id", 0) == id) return d;
    return NULL;
}

static json_t *dialogue_json(const json_t *d, const char *node_id, const json_t *node, bool done)
{
    json_t *opts = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(done ? NULL : json_object_get(node, "options"), i, o)
        json_array_append_new(opts, json_pack("{s:s, s:s}", "id", tb_json_str(o, "id"), "label", tb_json_str(o, "label")));
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)tb_json_int(d, "id", 0), "code",
                     tb_json_str(d, "code"), "name", tb_json_str(d, "name"), "node", node_id, "options", opts, "done",
                     done);
}

/* Moves the session to node (a question: asks it; an answer: ends the dialogue with it). */
static void dialogue_goto(chat_ctx *c, const json_t *d, const char *node_id)
{
    const json_t *def = json_object_get(d, "definition");
    const json_t *node = as_dialogue_node(def, node_id);
    int64_t did = tb_json_int(d, "id", 0);
    const json_t *answer = json_object_get(node, "answer");
    c->m.dialogue_id = did;
    if (!answer) {
        if (as_store_session_state(c->r, c->s->id, did, (int)tb_json_int(d, "version", 0), node_id, c->now) != 0)
            return tb_reply_err(c->r, TB_E_INTERNAL, NULL);
        c->reply = new_reply(c, c->m.kind ? c->m.kind : "dialogue", tb_json_str(node, "prompt"));
        json_object_set_new(c->reply, "dialogue", dialogue_json(d, node_id, node, false));
        return finish(c);
    }
    if (as_store_session_state(c->r, c->s->id, 0, 0, NULL, c->now) != 0)
        return tb_reply_err(c->r, TB_E_INTERNAL, NULL);
    c->reply = new_reply(c, "dialogue_answer", tb_json_str(answer, "text"));
    const char *code = tb_json_str(answer, "matter_code");
    json_t *card = as_matter_card(c->r, code, json_object_get(answer, "materials"), c->region);
    if (card) {
        json_object_set_new(c->reply, "matter", card);
        c->m.matter_code = code;
    }
    json_object_set_new(c->reply, "dialogue", dialogue_json(d, node_id, node, true));
    json_object_set_new(c->reply, "rateable", json_true());
    finish(c);
}

static bool state_live(const chat_ctx *c, json_t *published, json_t **d)
{
    *d = c->s->dialogue_id ? find_published(published, c->s->dialogue_id) : NULL;
    return *d && c->s->node && c->s->state_at + AS_STATE_SECONDS >= c->now &&
           tb_json_int(*d, "version", 0) == c->s->dialogue_version &&
           as_dialogue_node(json_object_get(*d, "definition"), c->s->node);
}

/* ---- chit-chat */

static const char *strip_tail(tb_req *r, const char *norm)
{
    static const char *const tails[] = {"!", "！", "?", "？", "。", ".", ",", "，", "~", "～", " ", "啊", "呀",
                                        "呢", "哦", "吧", "啦", "嘛", NULL};
    char *s = tb_arena_strdup(r->arena, norm);
    for (bool again = true; again && *s;) {
        again = false;
        size_t n = strlen(s);
        for (int i = 0; tails[i]; i++) {
            size_t k = strlen(tails[i]);
            if (n > k && !strcmp(s + n - k, tails[i])) {
                s[n - k] = '\0';
                again = true;
                break;
            }
        }
    }
    return s;
}

static const char *chitchat(chat_ctx *c)
{
    const char *q = strip_tail(c->r, c->norm);
    json_t *rows = as_store_phrases(c->r, "chitchat", NULL, 0);
    const char *found = NULL;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *p = as_normalise(c->r, tb_json_str(row, "text"));
        size_t n = strlen(p);
        if (!strcmp(q, p) || (!strncmp(q, p, n) && tb_json_cp_len(q + n) <= 2 && tb_json_cp_len(q) > 0)) {
            found = tb_arena_strdup(c->r->arena, tb_json_str(row, "reply"));
            break;
        }
    }
    json_decref(rows);
    return found;
}

/* ---- knowledge and matters */

static json_t *kb_item_json(const json_t *it)
{
    json_t *score = json_object_get(it, "score");
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)tb_json_int(it, "id", 0), "question",
                     tb_json_str(it, "question") ? tb_json_str(it, "question") : "", "answer",
                     tb_json_str(it, "answer") ? tb_json_str(it, "answer") : "", "category",
                     tb_json_str(it, "category") ? tb_json_str(it, "category") : "", "library",
                     tb_json_str(it, "library") ? tb_json_str(it, "library") : "知识库", "score",
                     json_is_number(score) ? json_copy(score) : json_integer(0));
}

/* [{"library","items":[…]}] in the order of each library's best item */
static json_t *by_library(const json_t *items)
{
    json_t *libs = json_array();
    size_t i, k;
    json_t *it, *lib;
    json_array_foreach(items, i, it)
    {
        const char *name = tb_json_str(it, "library") ? tb_json_str(it, "library") : "知识库";
        json_t *group = NULL;
        json_array_foreach(libs, k, lib) if (!strcmp(tb_json_str(lib, "library"), name)) group = lib;
        if (!group) {
            group = json_pack("{s:s, s:[]}", "library", name, "items");
            json_array_append_new(libs, group);
        }
        json_array_append_new(json_object_get(group, "items"), kb_item_json(it));
    }
    return libs;
}

static void knowledge(chat_ctx *c)
{
    tb_req *r = c->r;
    json_t *kb = kb_answer(r, c->text, c->region, AS_KB_N);
    if (!json_is_array(kb)) {
        json_decref(kb);
        kb = json_array();
    }
    const catalog_matter *named = catalog_named_in(r, c->text);
    const catalog_matter *hits[AS_MATTERS_N + 1];
    int nh = catalog_lookup(r, c->text, c->region, hits, AS_MATTERS_N + 1);
    const catalog_matter *primary = named ? named : json_array_size(kb) == 0 && nh > 0 ? hits[0] : NULL;
    if (!primary && json_array_size(kb) == 0) {
        json_decref(kb);
        c->reply = new_reply(c, "default", DEFAULT_MESSAGE);
        json_object_set_new(c->reply, "handoff", json_true());
        json_object_set_new(c->reply, "channels", as_channels());
        if (kb_unresolved_add(r, c->text, "assistant") != 0)
            tb_warn("assistant: could not record an unresolved question");
        return finish(c);
    }
    if (primary) {
        c->reply = new_reply(c, "matter", tb_arena_printf(r->arena, "为您找到事项“%s”，办理须知如下：", primary->name));
        json_t *card = as_matter_card(r, primary->code, NULL, c->region);
        json_object_set_new(c->reply, "matter", card ? card : json_null());
        c->m.matter_code = primary->code;
    } else {
        const json_t *best = json_array_get(kb, 0);
        c->reply = new_reply(c, "answer", "");
        json_object_set_new(c->reply, "answer", kb_item_json(best));
        c->m.kb_item_id = tb_json_int(best, "id", 0);
    }
    json_object_set_new(c->reply, "rateable", json_true());
    json_object_set_new(c->reply, "libraries", by_library(kb));
    json_t *related = json_object_get(c->reply, "related");
    size_t i;
    json_t *it;
    json_array_foreach(kb, i, it)
    {
        if ((!primary && i == 0) || json_array_size(related) >= AS_RELATED_N)
            continue;
        json_array_append_new(related, json_pack("{s:I, s:s}", "id", (json_int_t)tb_json_int(it, "id", 0), "question",
                                                 tb_json_str(it, "question") ? tb_json_str(it, "question") : ""));
    }
    json_t *matters = json_object_get(c->reply, "matters");
    for (int k = 0; k < nh && json_array_size(matters) < AS_MATTERS_N; k++)
        if (hits[k] != primary)
            json_array_append_new(matters, json_pack("{s:s, s:s, s:s}", "code", hits[k]->code, "name", hits[k]->name,
                                                     "guide_url",
                                                     tb_arena_printf(r->arena, "/matters/%s", hits[k]->code)));
    json_decref(kb);
    finish(c);
}

/* ---- POST /api/v1/assistant/chat */

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            return true;
    return false;
}

static void post_chat(tb_req *r)
{
    if (!optional_citizen(r))
        return;
    const char *token = NULL, *text = NULL, *region = NULL, *option = NULL;
    tb_jfield spec[] = {TB_JSTR("session", &token, true, 64), TB_JSTR("text", &text, false, AS_TEXT_MAX),
                        TB_JSTR("region", &region, false, 6), TB_JSTR("option", &option, false, 32), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (text) {
        /* trim spaces around the question */
        while (*text == ' ')
            text++;
        char *t = tb_arena_strdup(r->arena, text);
        for (size_t n = strlen(t); n > 0 && t[n - 1] == ' ';)
            t[--n] = '\0';
        text = *t ? t : NULL;
    }
    if (!text && !option)
        return (void)tb_reply_fail(r, TB_E_FIELD_REQUIRED, "text", "请输入您的问题");
    /* every question is stored: a flood from one address is refused */
    if (guard_hit(r->db, tb_arena_printf(r->arena, "assistant:%s", r->ip), 60) > AS_CHAT_PER_MINUTE)
        return tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
    if (text && has_control(text))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "text", "问题中不能含有控制字符");
    const char *chain[4];
    if (region && *region && as_region_chain(r, region, chain) == 0)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "region", "区划代码不存在");
    chat_ctx c = {.r = r, .now = tb_now()};
    if (!(c.s = as_session_open(r, token, true)))
        return;
    if (region) {
        if (as_store_session_region(r, c.s->id, *region ? region : NULL, c.now) != 0)
            return tb_reply_err(r, TB_E_INTERNAL, NULL);
        c.s->region = *region ? region : NULL;
    }
    c.region = c.s->region;
    c.text = text;
    /* 1. sensitive words: ask to rephrase, send nowhere */
    if (text && tb_sensitive_hit(text, NULL, 0)) {
        char *masked = tb_sensitive_mask(text);
        c.m.question = tb_arena_strdup(r->arena, masked ? masked : "***");
        free(masked);
        c.reply = new_reply(&c, "blocked", BLOCKED_MESSAGE);
        json_object_set_new(c.reply, "blocked", json_true());
        json_object_set_new(c.reply, "message", json_string(BLOCKED_MESSAGE));
        return finish(&c);
    }
    json_t *published = as_store_published(r);
    tb_req_own_json(r, published);
    json_t *d = NULL;
    bool live = state_live(&c, published, &d);
    /* 2. a button of the dialogue in progress */
    if (option) {
        if (!live) {
            if (c.s->dialogue_id && as_store_session_state(r, c.s->id, 0, 0, NULL, c.now) != 0)
                return tb_reply_err(r, TB_E_INTERNAL, NULL);
            return tb_reply_err(r, TB_E_ASSISTANT_DIALOGUE_EXPIRED, "option");
        }
        const json_t *node = as_dialogue_node(json_object_get(d, "definition"), c.s->node);
        const json_t *opt = as_dialogue_option(node, option, false);
        if (!opt)
            return tb_reply_err(r, TB_E_ASSISTANT_OPTION_UNKNOWN, "option");
        c.m.question = tb_json_str(opt, "label");
        c.m.kind = "dialogue_step";
        return dialogue_goto(&c, d, tb_json_str(opt, "next"));
    }
    c.norm = as_normalise(r, text);
    /* 3. a typed answer to the dialogue's question: its button's label */
    if (live) {
        const json_t *node = as_dialogue_node(json_object_get(d, "definition"), c.s->node);
        const json_t *opt = as_dialogue_option(node, text, true);
        if (opt) {
            c.m.kind = "dialogue_step";
            return dialogue_goto(&c, d, tb_json_str(opt, "next"));
        }
        /* anything else leaves the dialogue */
        if (as_store_session_state(r, c.s->id, 0, 0, NULL, c.now) != 0)
            return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    /* 4. a trigger of a published dialogue: the longest wins */
    size_t best = 0, i;
    json_t *p, *start = NULL;
    json_array_foreach(published, i, p)
    {
        size_t n = as_dialogue_trigger(json_object_get(p, "definition"), c.norm);
        if (n > best) {
            best = n;
            start = p;
        }
    }
    if (start) {
        c.m.kind = "dialogue";
        return dialogue_goto(&c, start, tb_json_str(json_object_get(start, "definition"), "start"));
    }
    /* 5. chit-chat */
    const char *small = chitchat(&c);
    if (small) {
        c.reply = new_reply(&c, "chitchat", small);
        return finish(&c);
    }
    /* 6. the knowledge base and the matters; 7. the default reply */
    knowledge(&c);
}

/* ---- GET /api/v1/assistant/suggest?q= */

static bool add_unique(json_t *items, const char *text, const char *source, size_t cap)
{
    size_t i;
    json_t *it;
    if (!text || !*text || json_array_size(items) >= cap)
        return false;
    json_array_foreach(items, i, it) if (!strcmp(tb_json_str(it, "text"), text)) return false;
    json_array_append_new(items, json_pack("{s:s, s:s}", "text", text, "source", source));
    return true;
}

static void get_suggest(tb_req *r)
{
    const char *q = tb_req_query(r, "q");
    if (r->replied)
        return;
    json_t *items = json_array();
    if (q && tb_json_cp_len(q) > 50) {
        json_decref(items);
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "q", "输入内容过长");
    }
    if (q && *q && !has_control(q) && !tb_sensitive_hit(q, NULL, 0)) {
        char *norm = as_normalise(r, q);
        /* dialogue triggers first: they start a guided conversation */
        json_t *published = as_store_published(r);
        size_t i, k;
        json_t *d, *t;
        json_array_foreach(published, i, d) json_array_foreach(json_object_get(json_object_get(d, "definition"), "triggers"), k, t)
        {
            char buf[256];
            if (json_is_string(t) && *norm) {
                tb_search_normalize(json_string_value(t), buf, sizeof buf);
                if (strstr(buf, norm))
                    add_unique(items, json_string_value(t), "dialogue", SUGGEST_TRIGGERS);
            }
        }
        json_decref(published);
        json_t *kb = kb_suggest(r, q, SUGGEST_N);
        json_array_foreach(kb, i, t) add_unique(items, json_is_string(t) ? json_string_value(t) : tb_json_str(t, "question"),
                                                "kb", SUGGEST_N - 2);
        json_decref(kb);
        const catalog_matter *hits[SUGGEST_N];
        int nh = catalog_lookup(r, q, NULL, hits, SUGGEST_N);
        for (int h = 0; h < nh; h++)
            add_unique(items, hits[h]->name, "matter", SUGGEST_N);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* ---- GET /api/v1/assistant/home?region= */

static bool quick_ok(const char *text)
{
    size_t n = tb_json_cp_len(text), run = 0;
    if (n < 2 || n > 20)
        return false;
    for (const char *p = text; *p; p++) {
        run = *p >= '0' && *p <= '9' ? run + 1 : 0;
        if (run >= 4)
            return false; /* could be a number of someone's */
    }
    return !tb_sensitive_hit(text, NULL, 0);
}

static void get_home(tb_req *r)
{
    const char *region = tb_req_query(r, "region");
    if (r->replied)
        return;
    const char *chain[4];
    int nchain = 0;
    if (region && *region && (nchain = as_region_chain(r, region, chain)) == 0)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "region", "区划代码不存在");
    json_t *hot = kb_hot(r, HOT_DAYS, 8);
    if (!json_is_array(hot)) {
        json_decref(hot);
        hot = json_array();
    }
    json_t *common = as_store_phrases(r, "common", chain, nchain), *out_common = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(common, i, it) json_array_append_new(out_common, json_pack("{s:s}", "question", tb_json_str(it, "text")));
    json_decref(common);
    json_t *recent = as_store_recent_queries(r, tb_now() - QUICK_DAYS * 86400, QUICK_MIN_SESSIONS, 8);
    json_t *quick = json_array();
    json_array_foreach(recent, i, it) if (json_array_size(quick) < 8 && quick_ok(tb_json_str(it, "text")))
        json_array_append(quick, it);
    json_decref(recent);
    json_t *guide = as_store_phrases(r, "guide", NULL, 0), *out_guide = json_array();
    json_array_foreach(guide, i, it) json_array_append_new(out_guide, json_string(tb_json_str(it, "text")));
    json_decref(guide);
    json_t *tools = as_store_phrases(r, "tool", NULL, 0), *out_tools = json_array();
    json_array_foreach(tools, i, it)
        json_array_append_new(out_tools, json_pack("{s:s, s:s}", "name", tb_json_str(it, "text"), "url", tb_json_str(it, "reply")));
    json_decref(tools);
    tb_reply_json(r, 200,
                  json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "welcome",
                            "您好！我是通办智能客服，可以解答户籍、出入境、交通管理等公安政务服务问题。", "hot", hot,
                            "common", out_common, "quick_phrases", quick, "guide", out_guide, "tools", out_tools,
                            "reasons", as_reason_tags_json(), "channels", as_channels(), "region",
                            as_region_json(r, region)));
}

/* ---- POST /api/v1/assistant/answers/{id}/rating */

typedef struct {
    tb_req *r;
    const as_message *m;
    const char *rating, *reasons, *text, *question;
    long changed;
} rate_ctx;

static int rate_tx(tb_db *db, void *arg)
{
    rate_ctx *c = arg;
    c->changed = as_store_message_rate(db, c->m->id, c->rating, c->reasons, c->text, tb_now());
    if (c->changed <= 0)
        return c->changed < 0 ? -1 : 0;
    if (!strcmp(c->rating, "unsatisfied") &&
        kb_bad_rating(c->r, c->m->kb_item_id, c->question, c->reasons, c->text ? c->text : "") != 0)
        return -1;
    return audit_record(c->r, "assistant.rating", tb_arena_printf(c->r->arena, "assistant_message:%lld",
                                                                  (long long)c->m->id),
                        "ok", tb_arena_printf(c->r->arena, "%s %s", c->rating, c->reasons ? c->reasons : ""));
}

static void post_rating(tb_req *r)
{
    if (!optional_citizen(r))
        return;
    const char *token = NULL, *rating = NULL, *text = NULL;
    json_t *reasons = NULL;
    tb_jfield spec[] = {TB_JSTR("session", &token, true, 64), TB_JSTR("rating", &rating, true, 16),
                        TB_JARR("reasons", &reasons, false), TB_JSTR("text", &text, false, AS_RATING_TEXT_MAX),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!strcmp(rating, "满意"))
        rating = "satisfied";
    else if (!strcmp(rating, "不满意"))
        rating = "unsatisfied";
    if (strcmp(rating, "satisfied") && strcmp(rating, "unsatisfied"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "rating", "评价只能是满意（satisfied）或不满意（unsatisfied）");
    /* reason tags: from the fixed list, joined with commas */
    char *joined = tb_arena_strdup(r->arena, "");
    size_t i;
    json_t *v;
    json_array_foreach(reasons, i, v)
    {
        bool known = false;
        for (int k = 0; json_is_string(v) && as_reason_tags[k]; k++)
            known = known || !strcmp(as_reason_tags[k], json_string_value(v));
        if (!known)
            return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "reasons", "不满意原因须从给出的标签中选择");
        if (!strstr(joined, json_string_value(v)))
            joined = tb_arena_printf(r->arena, "%s%s%s", joined, *joined ? "," : "", json_string_value(v));
    }
    if (text && has_control(text))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "text", "不能含有控制字符");
    if (text && !*text)
        text = NULL;
    bool bad = !strcmp(rating, "unsatisfied");
    if (bad && !*joined && !text)
        return tb_reply_err(r, TB_E_ASSISTANT_REASON_REQUIRED, "reasons");
    if (!bad && (*joined || text))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "reasons", "满意时无需填写原因");
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    as_session *s = as_session_open(r, token, false);
    if (!s)
        return;
    as_message m;
    int rc = *end || id <= 0 ? 1 : as_store_message_get(r, id, &m);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (rc == 1 || m.session_id != s->id)
        return tb_reply_err(r, TB_E_ASSISTANT_ANSWER_NOT_FOUND, "id");
    if (strcmp(m.kind, "answer") && strcmp(m.kind, "matter") && strcmp(m.kind, "dialogue_answer"))
        return tb_reply_err(r, TB_E_ASSISTANT_NOT_RATEABLE, "id");
    if (m.rating)
        return tb_reply_err(r, TB_E_ASSISTANT_ALREADY_RATED, "id");
    /* the question as the editors see it: what kind of answer it got */
    const char *q = m.question;
    if (!strcmp(m.kind, "matter") && m.matter_code)
        q = tb_arena_printf(r->arena, "【事项 %s】%s", m.matter_code, m.question);
    else if (!strcmp(m.kind, "dialogue_answer")) {
        json_t *reply = json_loads(m.reply, 0, NULL);
        const char *name = tb_json_str(json_object_get(reply, "dialogue"), "name");
        q = tb_arena_printf(r->arena, "【多轮问答·%s】%s", name ? name : "", m.question);
        json_decref(reply);
    }
    rate_ctx c = {.r = r, .m = &m, .rating = rating, .reasons = *joined ? joined : NULL, .text = text, .question = q};
    if (tb_db_tx(r->db, rate_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (c.changed == 0)
        return tb_reply_err(r, TB_E_ASSISTANT_ALREADY_RATED, "id");
    tb_reply_json(r, 200, json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)m.id, "rating", rating, "reasons",
                                    reasons ? json_incref(reasons) : json_array(), "text",
                                    text ? json_string(text) : json_null()));
}

/* ---- GET /api/v1/assistant/history?session=&page=&page_size= */

static void get_history(tb_req *r)
{
    if (!optional_citizen(r))
        return;
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    const char *token = tb_req_query(r, "session");
    if (r->replied)
        return;
    bool citizen = r->subject_realm && !strcmp(r->subject_realm, "citizen") && r->subject_id;
    int64_t session_id = 0;
    if (!citizen) {
        if (!token || !*token)
            return (void)tb_reply_fail(r, TB_E_FIELD_REQUIRED, "session", "请提供会话标识");
        as_session *s = as_session_open(r, token, false);
        if (!s)
            return;
        session_id = s->id;
    }
    json_t *items = as_store_history(r, citizen ? r->subject_id : 0, session_id,
                                     tb_now() - (int64_t)AS_HISTORY_DAYS * 86400, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

const tb_route as_public_routes[] = {
    {"POST", "/api/v1/assistant/chat", post_chat, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "assistant",
     "智能客服问答：最佳答案、相关问题、分库答案、事项材料、多轮问答、闲聊、敏感词提示与人工客服转接"},
    {"GET", "/api/v1/assistant/suggest", get_suggest, TB_AUTH_PUBLIC, NULL, 0, "assistant", "智能提示（边输入边提示）"},
    {"GET", "/api/v1/assistant/home", get_home, TB_AUTH_PUBLIC, NULL, 0, "assistant",
     "智能客服首页：热点问题、常见问题、快捷短语、快速指南、常用工具"},
    {"POST", "/api/v1/assistant/answers/{id}/rating", post_rating, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "assistant",
     "评价一条回答（满意／不满意及原因标签；不满意生成差评处置任务）"},
    {"GET", "/api/v1/assistant/history", get_history, TB_AUTH_PUBLIC, NULL, 0, "assistant",
     "智能客服历史记录（本人 30 天内；匿名访客凭会话标识）"},
};
const size_t as_public_nroutes = sizeof as_public_routes / sizeof as_public_routes[0];
