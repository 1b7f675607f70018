/* Routes of citizens and the public: the vocabularies, the aggregate of a
 * matter with its reviewed texts (no personal data), 我的评价 (owner only,
 * newest first, paged), rating and changing a rating, and the follow-up
 * (追评). Every write is audited in its transaction. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/catalog/catalog.h"
#include "mod/evaluation/evaluation_internal.h"

static void get_options(tb_req *r) { tb_reply_json(r, 200, ev_options_json()); }

typedef struct {
    json_t *out;
} one_group;

static void keep_group(tb_req *r, const char *key, const char *name, const int64_t counts[5], void *arg)
{
    (void)r, (void)key, (void)name;
    json_t *c = ev_counts_json(counts);
    json_object_update(((one_group *)arg)->out, c);
    json_decref(c);
}

static void get_matter_evaluations(tb_req *r)
{
    const catalog_matter *m = catalog_find(r, r->params[0]);
    if (!m)
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "code");
    int64_t zero[5] = {0};
    one_group g = {ev_counts_json(zero)};
    ev_filter f = {.matter = m->code};
    if (ev_store_aggregate(r, &f, "all", keep_group, &g) != 0) {
        json_decref(g.out);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    json_object_set_new(g.out, "matter_code", json_string(m->code));
    json_object_set_new(g.out, "comments", ev_store_public_comments(r, m->code, 10));
    tb_reply_json(r, 200, g.out);
}

static void add_own(tb_req *r, const ev_row *e, void *arg) { json_array_append_new(arg, ev_json(r, e, 'c')); }

static void get_my_evaluations(tb_req *r)
{
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    const char *serial = tb_req_query(r, "serial");
    json_t *items = json_array();
    if (ev_store_of_citizen(r, r->subject_id, serial && *serial ? serial : NULL, size, (page - 1) * size, add_own,
                            items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_my_evaluation(tb_req *r)
{
    ev_row *e = ev_param(r, 0, false);
    if (e)
        tb_reply_json(r, 200, ev_json(r, e, 'c'));
}

/* ---- rate or change ---- */
typedef struct {
    tb_req *r;
    ev_row *e;
    const char *level, *channel, *tags, *content;
} rate_ctx;

static int rate_tx(tb_db *db, void *arg)
{
    rate_ctx *c = arg;
    int64_t now = tb_now();
    bool text = *c->content || (c->e->followup && *c->e->followup);
    int n = ev_store_rate(db, c->e->id, c->level, c->channel, c->tags, c->content, text ? "pending" : "none",
                          text ? now + (int64_t)EV_REVIEW_DAYS * 86400 : 0, now);
    if (n != 1)
        return n < 0 ? -1 : 1;
    return audit_record(c->r, c->e->level ? "evaluation.change" : "evaluation.rate",
                        tb_arena_printf(c->r->arena, "evaluation:%lld", (long long)c->e->id), "ok",
                        tb_arena_printf(c->r->arena, "%s %s %s", c->e->serial, c->level, c->channel));
}

/* Only spaces (ASCII or the ideographic space U+3000), tabs and line breaks. */
static bool blank(const char *s)
{
    while (*s)
        if (strchr(" \t\r\n", *s) && *s)
            s++;
        else if (!strncmp(s, "\xE3\x80\x80", 3))
            s += 3;
        else
            return false;
    return true;
}

/* ["tag",…] -> canonical JSON text of known, distinct tags; NULL after replying. */
static const char *tags_text(tb_req *r, json_t *tags)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(tags, i, v) {
        const ev_named *t = ev_tag_find(json_string_value(v));
        if (!t) {
            json_decref(out);
            tb_reply_fail(r, TB_E_INVALID_FIELD, "tags", "评价理由只能从给定的选项中选择");
            return NULL;
        }
        bool seen = false;
        size_t j;
        json_t *w;
        json_array_foreach(out, j, w) seen |= !strcmp(json_string_value(w), t->key);
        if (!seen)
            json_array_append_new(out, json_string(t->key));
    }
    char *s = json_dumps(out, JSON_COMPACT);
    const char *text = tb_arena_strdup(r->arena, s);
    free(s);
    json_decref(out);
    return text;
}

static void put_my_evaluation(tb_req *r)
{
    rate_ctx c = {.r = r, .channel = "pc", .content = ""};
    json_t *tags = NULL;
    tb_jfield spec[] = {TB_JSTR("level", &c.level, true, 20), TB_JSTR("channel", &c.channel, false, 20),
                        TB_JARR("tags", &tags, false), TB_JSTR("content", &c.content, false, EV_TEXT_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!(c.e = ev_param(r, 0, false)))
        return;
    if (!ev_level_find(c.level))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "level", "评价等级只能是非常满意、满意、基本满意、不满意、非常不满意");
    if (!ev_channel_find(c.channel) || !strcmp(c.channel, "default"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "channel", "评价渠道无效");
    if (!(c.tags = tags_text(r, tags)))
        return;
    bool bad = ev_level_bad(c.level), has_tags = strcmp(c.tags, "[]") != 0;
    if (!bad && has_tags)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "tags", "只有不满意、非常不满意的评价需要选择理由");
    if (bad && !has_tags && blank(c.content))
        return (void)tb_reply_fail(r, TB_E_EVALUATION_REASON_REQUIRED, "tags", NULL);
    if (c.e->verify && !strcmp(c.e->verify, "verified"))
        return (void)tb_reply_fail(r, TB_E_EVALUATION_LOCKED, "level", NULL);
    int rc = tb_db_tx(r->db, rate_tx, &c);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_EVALUATION_LOCKED, "level", NULL);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    ev_row fresh;
    if (ev_store_get(r, c.e->id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, ev_json(r, &fresh, 'c'));
}

/* ---- 追评 ---- */
typedef struct {
    tb_req *r;
    ev_row *e;
    const char *content;
} followup_ctx;

static int followup_tx(tb_db *db, void *arg)
{
    followup_ctx *c = arg;
    int64_t now = tb_now();
    int n = ev_store_followup(db, c->e->id, c->content, now + (int64_t)EV_REVIEW_DAYS * 86400, now);
    if (n != 1)
        return n < 0 ? -1 : 1;
    return audit_record(c->r, "evaluation.followup", tb_arena_printf(c->r->arena, "evaluation:%lld", (long long)c->e->id),
                        "ok", c->e->serial);
}

static void post_followup(tb_req *r)
{
    followup_ctx c = {.r = r};
    tb_jfield spec[] = {TB_JSTR("content", &c.content, true, EV_TEXT_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!(c.e = ev_param(r, 0, false)))
        return;
    if (!c.e->level)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "content", "请先评价，再追加评价");
    if (c.e->followup)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "content", "每次评价只能追评一次");
    int rc = tb_db_tx(r->db, followup_tx, &c);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "content", "每次评价只能追评一次");
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    ev_row fresh;
    if (ev_store_get(r, c.e->id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, ev_json(r, &fresh, 'c'));
}

const tb_route ev_citizen_routes[] = {
    {"GET", "/api/v1/evaluation/options", get_options, TB_AUTH_PUBLIC, NULL, 0, "evaluation",
     "好差评：评价等级（含 GB/T 39046 满意度代码）、评价渠道、差评理由选项"},
    {"GET", "/api/v1/matters/{code}/evaluations", get_matter_evaluations, TB_AUTH_PUBLIC, NULL, 0, "evaluation",
     "事项的评价汇总（各等级数量、满意率）和已审核公开的文字评价，不含个人信息"},
    {"GET", "/api/v1/me/evaluations", get_my_evaluations, TB_AUTH_CITIZEN, NULL, 0, "evaluation",
     "我的评价：待评价和已评价，新的在前，分页；可按办件编号筛选"},
    {"GET", "/api/v1/me/evaluations/{id}", get_my_evaluation, TB_AUTH_CITIZEN, NULL, 0, "evaluation",
     "我的一条评价，含整改反馈"},
    {"PUT", "/api/v1/me/evaluations/{id}", put_my_evaluation, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "evaluation",
     "评价或修改评价：等级、渠道、差评理由（不满意、非常不满意必填）、文字评价（不超过50字）"},
    {"POST", "/api/v1/me/evaluations/{id}/followup", post_followup, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "evaluation",
     "追评（不超过50字，一次）"},
};
const size_t ev_citizen_nroutes = sizeof ev_citizen_routes / sizeof ev_citizen_routes[0];
