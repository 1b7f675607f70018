/* The citizen's side of 人工客服: start a session (signed in, or as an
 * anonymous visitor known by a random cookie), its event stream, messages,
 * leaving, and rating the closed session. Every session route answers only
 * its owner (404 otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/agent/agent_internal.h"
#include "mod/audit/audit.h"
#include "mod/guard/guard.h"
#include "mod/identity/identity.h"
#include "mod/kb/kb.h"

#define VISITOR_COOKIE "tb_agent_visitor"

static const char *const rating_tags[] = {"问题未解决", "答复不清楚", "态度不好", "响应太慢", "其他"};

/* "c:<citizen>" or "v:<digest of the visitor cookie>"; a new visitor cookie when create. NULL: unknown caller. */
static const char *caller_owner(tb_req *r, bool create)
{
    if (r->subject_id && r->subject_realm && !strcmp(r->subject_realm, "citizen"))
        return tb_arena_printf(r->arena, "c:%lld", (long long)r->subject_id);
    char token[96], digest[65];
    const char *hdr = tb_req_header(r, "cookie");
    if (hdr && tb_cookie_get(hdr, strlen(hdr), VISITOR_COOKIE, token, sizeof token) && tb_is_token(token, 64)) {
        tb_token_digest(token, digest);
        return tb_arena_printf(r->arena, "v:%s", digest);
    }
    if (!create)
        return NULL;
    tb_random_token(token, 24);
    tb_token_digest(token, digest);
    tb_reply_header(r, "set-cookie",
                    tb_arena_printf(r->arena, "%s=%s; Path=/api/v1/agent; Max-Age=%d; HttpOnly; SameSite=Strict%s",
                                    VISITOR_COOKIE, token, 7 * 24 * 3600, tb_cfg.secure_cookies ? "; Secure" : ""));
    return tb_arena_printf(r->arena, "v:%s", digest);
}

int ag_refuse_sensitive(tb_req *r, const char *field, const char *word)
{
    return tb_reply_fail(r, TB_E_AGENT_SENSITIVE_WORD, field,
                         tb_arena_printf(r->arena, "消息含有敏感词「%s」，请修改后再发送", word));
}

/* The caller's session {id}: resolves the optional citizen session first; 404 for anyone else's. */
static int own_session(tb_req *r, ag_session *s)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0)
        return tb_reply_error(r, &e), -1;
    const char *owner = caller_owner(r, false);
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (!owner || *end || id <= 0 || ag_store_session(r, id, s) != 0 || strcmp(s->owner, owner))
        return tb_reply_fail(r, TB_E_AGENT_SESSION_NOT_FOUND, NULL, NULL);
    return 0;
}

static void reply_session(tb_req *r, int status, int64_t id)
{
    ag_session s;
    if (ag_store_session(r, id, &s) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    tb_reply_json(r, status, ag_session_json(r, &s, false));
}

typedef struct {
    tb_req *r;
    ag_session s;
    int64_t id;
} create_ctx;

static int create_tx(tb_db *db, void *arg)
{
    create_ctx *c = arg;
    c->id = ag_store_session_insert(db, &c->s);
    if (c->id < 0)
        return -1;
    if (*c->s.question && ag_store_message_insert(db, c->id, "citizen", 0, c->s.question) < 0)
        return -1;
    return audit_record(c->r, "agent.session.create", tb_arena_printf(c->r->arena, "agent_session:%lld", (long long)c->id),
                        "ok", tb_arena_printf(c->r->arena, "source=%s", c->s.source));
}

static void post_session(tb_req *r)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0)
        return tb_reply_error(r, &e);
    const char *question = NULL, *source = NULL, *name = NULL, *skill = NULL;
    tb_jfield spec[] = {TB_JSTR("question", &question, false, 500), TB_JSTR("source", &source, false, 20),
                        TB_JSTR("name", &name, false, 30), TB_JSTR("skill", &skill, false, 30), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (source && strcmp(source, "assistant") && strcmp(source, "portal") && strcmp(source, "search"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "source", "来源只能是 assistant、portal 或 search");
    const char *word = ag_sensitive(r, question);
    if (word)
        return (void)ag_refuse_sensitive(r, "question", word);
    const char *owner = caller_owner(r, true);
    ag_session open;
    if (ag_store_open_session(r, owner, &open) == 0)
        return tb_reply_json(r, 200, ag_session_json(r, &open, false)); /* one open session per visitor */
    /* anonymous visitors could fill the queue: new sessions per address are limited */
    int limit = tb_cfg.agent_sessions_per_ip_hour > 0 ? tb_cfg.agent_sessions_per_ip_hour : 30;
    const char *bucket = tb_arena_printf(r->arena, "agent.session:%s", r->ip);
    int hits = guard_count(r->db, bucket, 3600);
    if (hits >= limit)
        return (void)tb_reply_fail(r, TB_E_RATE_LIMITED, NULL, "转人工次数过多，请稍后再试或拨打 12345 政务服务便民热线");
    guard_hit(r->db, bucket, 3600);
    create_ctx c = {.r = r};
    c.s.owner = owner;
    c.s.citizen_id = r->subject_id;
    c.s.name = name ? name : "";
    c.s.question = question ? question : "";
    c.s.source = source ? source : "portal";
    c.s.skill = skill ? skill : "";
    if (c.s.citizen_id && !name) {
        identity_citizen me;
        if (identity_citizen_get(r, c.s.citizen_id, &me) == 0 && me.name)
            c.s.name = me.name;
    }
    if (tb_db_tx(r->db, create_tx, &c) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    ag_dispatch(r);
    reply_session(r, 201, c.id);
}

static void get_session(tb_req *r)
{
    ag_session s;
    if (own_session(r, &s) != 0)
        return;
    json_t *j = ag_session_json(r, &s, false);
    json_object_set_new(j, "messages", ag_store_messages(r, s.id));
    tb_reply_json(r, 200, j);
}

static void get_events(tb_req *r)
{
    ag_session s;
    if (own_session(r, &s) != 0)
        return;
    ag_stream_open(r, s.id, 0);
}

static void post_message(tb_req *r)
{
    ag_session s;
    if (own_session(r, &s) != 0)
        return;
    const char *text = NULL;
    tb_jfield spec[] = {TB_JSTR("text", &text, true, 1000), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!strcmp(s.status, "closed"))
        return (void)tb_reply_fail(r, TB_E_AGENT_SESSION_CLOSED, NULL, NULL);
    const char *word = ag_sensitive(r, text);
    if (word)
        return (void)ag_refuse_sensitive(r, "text", word);
    ag_post_reply(r, &s, "citizen", 0, text);
}

static void post_close(tb_req *r)
{
    ag_session s;
    if (own_session(r, &s) != 0)
        return;
    if (!strcmp(s.status, "closed"))
        return (void)tb_reply_fail(r, TB_E_AGENT_SESSION_CLOSED, NULL, NULL);
    if (ag_close(r, s.id, "citizen") < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    reply_session(r, 200, s.id);
}

typedef struct {
    tb_req *r;
    const ag_session *s;
    const char *result, *reason, *comment;
    int outcome;
} rate_ctx;

static int rate_tx(tb_db *db, void *arg)
{
    rate_ctx *c = arg;
    c->outcome = ag_store_rate(db, c->s->id, c->result, c->reason, c->comment);
    if (c->outcome != 0)
        return c->outcome < 0 ? -1 : 0;
    /* a bad rating reaches the knowledge editors' 评价处置 list */
    if (!strcmp(c->result, "unsatisfied") &&
        kb_bad_rating(c->r, 0, *c->s->question ? c->s->question : "人工客服会话", c->reason, c->comment) != 0)
        return -1;
    return audit_record(c->r, "agent.session.rate", tb_arena_printf(c->r->arena, "agent_session:%lld", (long long)c->s->id),
                        "ok", tb_arena_printf(c->r->arena, "%s %s", c->result, c->reason));
}

static void post_rating(tb_req *r)
{
    ag_session s;
    if (own_session(r, &s) != 0)
        return;
    const char *result = NULL, *reason = NULL, *comment = NULL;
    tb_jfield spec[] = {TB_JSTR("result", &result, true, 20), TB_JSTR("reason", &reason, false, 20),
                        TB_JSTR("comment", &comment, false, 300), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    bool bad = !strcmp(result, "unsatisfied");
    if (!bad && strcmp(result, "satisfied"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "result", "评价只能是 satisfied（满意）或 unsatisfied（不满意）");
    if (bad && (!reason || !*reason))
        return (void)tb_reply_fail(r, TB_E_EVALUATION_REASON_REQUIRED, "reason", "不满意时请选择原因");
    if (reason && *reason) {
        bool known = false;
        for (size_t i = 0; i < sizeof rating_tags / sizeof rating_tags[0]; i++)
            known |= !strcmp(rating_tags[i], reason);
        if (!known)
            return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "reason", "原因只能是：问题未解决、答复不清楚、态度不好、响应太慢、其他");
    }
    if (comment && ag_sensitive(r, comment))
        return (void)ag_refuse_sensitive(r, "comment", ag_sensitive(r, comment));
    if (strcmp(s.status, "closed") || *s.rating)
        return (void)tb_reply_fail(r, TB_E_AGENT_RATING_NOT_ALLOWED, NULL, NULL);
    rate_ctx c = {r, &s, result, reason ? reason : "", comment ? comment : "", -1};
    if (tb_db_tx(r->db, rate_tx, &c) < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (c.outcome != 0)
        return (void)tb_reply_fail(r, TB_E_AGENT_RATING_NOT_ALLOWED, NULL, NULL);
    reply_session(r, 200, s.id);
}

static void get_tags(tb_req *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof rating_tags / sizeof rating_tags[0]; i++)
        json_array_append_new(a, json_string(rating_tags[i]));
    tb_reply_json(r, 200, json_pack("{s:o}", "reasons", a));
}

const tb_route ag_citizen_routes[] = {
    {"POST", "/api/v1/agent/sessions", post_session, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "agent",
     "转人工客服：进入排队（登录市民或匿名访客），已有进行中的会话时返回该会话"},
    {"GET", "/api/v1/agent/rating-reasons", get_tags, TB_AUTH_PUBLIC, NULL, 0, "agent", "人工客服不满意原因标签"},
    {"GET", "/api/v1/agent/sessions/{id}", get_session, TB_AUTH_PUBLIC, NULL, 0, "agent",
     "本人的人工客服会话（排队位置、消息）"},
    {"GET", "/api/v1/agent/sessions/{id}/events", get_events, TB_AUTH_PUBLIC, NULL, TB_R_STREAM, "agent",
     "本人会话的事件流（SSE：queue/assigned/message/idle/transfer/closed，支持 Last-Event-ID 续传）"},
    {"POST", "/api/v1/agent/sessions/{id}/messages", post_message, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "agent",
     "市民发送消息（敏感词过滤）"},
    {"POST", "/api/v1/agent/sessions/{id}/close", post_close, TB_AUTH_PUBLIC, NULL, 0, "agent", "市民结束会话"},
    {"POST", "/api/v1/agent/sessions/{id}/rating", post_rating, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "agent",
     "会话结束后评价（满意/不满意+原因标签）"},
};
const size_t ag_citizen_nroutes = sizeof ag_citizen_routes / sizeof ag_citizen_routes[0];
