/* The rules of the agent desk: fair assignment, messages and their events,
 * closing, the idle prompt and close, queue positions, the sweep. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/acmatch.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/agent/agent_internal.h"
#include "mod/audit/audit.h"

const char *ag_sensitive(tb_req *r, const char *text)
{
    char word[128];
    if (!text || !tb_sensitive_hit(text, word, sizeof word))
        return NULL;
    return tb_arena_strdup(r->arena, word);
}

static void iso_or_null(json_t *j, const char *key, int64_t at)
{
    if (at > 0) {
        char buf[32];
        tb_time_iso(at, buf);
        json_object_set_new(j, key, json_string(buf));
    } else {
        json_object_set_new(j, key, json_null());
    }
}

json_t *ag_session_json(tb_req *r, const ag_session *s, bool for_staff)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)s->id, "status", s->status, "question",
                          s->question, "source", s->source, "skill", s->skill, "agent_name", s->agent_name);
    iso_or_null(j, "created_at", s->created_at);
    iso_or_null(j, "accepted_at", s->accepted_at);
    iso_or_null(j, "closed_at", s->closed_at);
    json_object_set_new(j, "close_reason", *s->close_reason ? json_string(s->close_reason) : json_null());
    if (!strcmp(s->status, "waiting")) {
        json_object_set_new(j, "position", json_integer(ag_store_position(r, s)));
        json_object_set_new(j, "waiting", json_integer(ag_store_waiting_count(r->db)));
    }
    json_object_set_new(j, "rating",
                        *s->rating ? json_pack("{s:s, s:s, s:s}", "result", s->rating, "reason", s->rating_reason,
                                               "comment", s->rating_comment)
                                   : json_null());
    if (for_staff) {
        json_object_set_new(j, "name", json_string(*s->name ? s->name : (s->citizen_id ? "市民" : "访客")));
        json_object_set_new(j, "visitor", json_string(s->citizen_id ? "citizen" : "anonymous"));
        json_object_set_new(j, "agent_id", json_integer(s->agent_id));
        json_object_set_new(j, "unread", json_integer(s->agent_unread));
    }
    return j;
}

int64_t ag_emit(tb_req *r, int64_t session, bool citizen, int64_t staff, const char *event, json_t *data)
{
    if (session && !json_object_get(data, "session_id"))
        json_object_set_new(data, "session_id", json_integer(session));
    char *s = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    /* event ids must become visible in id order (the streams' cursors only move forward): every
     * transaction that writes events holds the dispatch lock row until it commits */
    if (!s || ag_store_lock(r->db) != 0) {
        free(s);
        return -1;
    }
    int64_t id = ag_store_event(r->db, session, citizen, staff, event, s);
    free(s);
    return id;
}

static json_t *message_json(int64_t id, int64_t session, const char *sender, const char *text, const char *agent_name)
{
    char at[32];
    tb_time_iso(tb_now(), at);
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "session_id", (json_int_t)session,
                     "sender", sender, "text", text, "at", at, "agent_name", agent_name ? agent_name : "");
}

int64_t ag_post(tb_req *r, const ag_session *s, const char *sender, int64_t staff, const char *text)
{
    int64_t id = ag_store_message_insert(r->db, s->id, sender, staff, text);
    if (id < 0)
        return -1;
    if (!strcmp(sender, "citizen")) {
        if (ag_store_touch_citizen(r->db, s->id) < 0)
            return -1;
        if (s->agent_id && ag_store_unread(r->db, s->id, false) < 0)
            return -1;
    }
    /* one row for both sides: the citizen's stream and the agent's */
    if (ag_emit(r, s->id, true, s->agent_id, "message",
                message_json(id, s->id, sender, text, !strcmp(sender, "agent") ? s->agent_name : "")) < 0)
        return -1;
    return id;
}

typedef struct {
    tb_req *r;
    const ag_session *s;
    const char *sender, *text;
    int64_t staff, id;
} post_ctx;

static int post_tx(tb_db *db, void *arg)
{
    post_ctx *c = arg;
    if (ag_store_lock(db) != 0) /* first: see ag_emit */
        return -1;
    c->id = ag_post(c->r, c->s, c->sender, c->staff, c->text);
    return c->id < 0 ? -1 : 0;
}

int ag_post_reply(tb_req *r, const ag_session *s, const char *sender, int64_t staff, const char *text)
{
    post_ctx c = {r, s, sender, text, staff, 0};
    if (tb_db_tx(r->db, post_tx, &c) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL), -1;
    tb_reply_json(r, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)c.id, "sender", sender, "text", text,
                                    "at", tb_req_iso(r, tb_now())));
    return 0;
}

/* ---- assignment ---- */
typedef struct {
    tb_req *r;
    int assigned;
} dispatch_ctx;

static int dispatch_tx(tb_db *db, void *arg)
{
    dispatch_ctx *c = arg;
    tb_req *r = c->r;
    c->assigned = 0;
    if (ag_store_lock(db) != 0)
        return -1;
    int64_t ids[200];
    int n = ag_store_waiting_ids(db, ids, 200);
    /* the longest waiting first; a session no free agent may take (its skill group is busy) does not
     * hold up those behind it */
    for (int i = 0; i < n; i++) {
        ag_session s;
        if (ag_store_session(r, ids[i], &s) != 0)
            continue;
        int64_t agent = ag_store_pick_agent(db, &s);
        if (agent <= 0)
            continue;
        if (ag_store_assign(db, s.id, agent) != 0)
            return -1;
        ag_session now;
        if (ag_store_session(r, s.id, &now) != 0)
            return -1;
        const char *hello = tb_arena_printf(r->arena, "客服%s为您服务，请问有什么可以帮您？", now.agent_name);
        if (ag_post(r, &now, "system", 0, hello) < 0)
            return -1;
        if (ag_emit(r, s.id, true, 0, "assigned", json_pack("{s:s}", "agent_name", now.agent_name)) < 0 ||
            ag_emit(r, s.id, false, agent, "session", json_pack("{s:o}", "session", ag_session_json(r, &now, true))) < 0)
            return -1;
        if (audit_record(r, "agent.assign", tb_arena_printf(r->arena, "agent_session:%lld", (long long)s.id), "ok",
                         tb_arena_printf(r->arena, "staff=%lld", (long long)agent)) != 0)
            return -1;
        c->assigned++;
    }
    return 0;
}

int ag_dispatch(tb_req *r)
{
    dispatch_ctx c = {r, 0};
    if (tb_db_tx(r->db, dispatch_tx, &c) != 0) {
        tb_error("agent: assignment failed: %s", tb_db_errmsg(r->db));
        return -1;
    }
    return c.assigned;
}

/* ---- closing ---- */
typedef struct {
    tb_req *r;
    int64_t id;
    const char *reason;
    int outcome;
} close_ctx;

static int close_tx(tb_db *db, void *arg)
{
    close_ctx *c = arg;
    ag_session s;
    if (ag_store_lock(db) != 0 || ag_store_session(c->r, c->id, &s) != 0)
        return -1;
    int rc = ag_store_close(db, c->id, c->reason);
    if (rc != 0) {
        c->outcome = rc;
        return rc < 0 ? -1 : 0;
    }
    const char *text = !strcmp(c->reason, "idle")     ? "由于您长时间未回复，本次会话已自动结束。欢迎对本次服务进行评价。"
                       : !strcmp(c->reason, "agent")  ? "客服已结束本次会话，欢迎对本次服务进行评价。"
                                                      : "您已结束本次会话，欢迎对本次服务进行评价。";
    if (ag_post(c->r, &s, "system", 0, text) < 0 ||
        ag_emit(c->r, s.id, true, s.agent_id, "closed", json_pack("{s:s}", "reason", c->reason)) < 0)
        return -1;
    if (audit_record(c->r, "agent.session.close", tb_arena_printf(c->r->arena, "agent_session:%lld", (long long)s.id),
                     "ok", tb_arena_printf(c->r->arena, "reason=%s", c->reason)) != 0)
        return -1;
    c->outcome = 0;
    return 0;
}

int ag_close(tb_req *r, int64_t session, const char *reason)
{
    close_ctx c = {r, session, reason, -1};
    if (tb_db_tx(r->db, close_tx, &c) < 0)
        return -1;
    if (c.outcome == 0)
        ag_dispatch(r); /* a channel is free */
    return c.outcome;
}

/* ---- the sweep ---- */
static void idle_prompts(tb_req *r, int64_t now)
{
    int64_t ids[100];
    int secs = tb_cfg.agent_idle_prompt_seconds > 0 ? tb_cfg.agent_idle_prompt_seconds : 120;
    int close = tb_cfg.agent_idle_close_seconds > 0 ? tb_cfg.agent_idle_close_seconds : 300;
    int n = ag_store_idle(r->db, now - secs, true, ids, 100);
    for (int i = 0; i < n; i++) {
        ag_session s;
        if (tb_db_begin(r->db) != 0)
            return;
        if (ag_store_lock(r->db) != 0) {
            tb_db_rollback(r->db);
            return;
        }
        int ok = ag_store_session(r, ids[i], &s) == 0 && !strcmp(s.status, "active") &&
                 ag_store_prompted(r->db, s.id) == 0;
        int left = close - secs > 0 ? (close - secs + 59) / 60 : 1;
        const char *text = tb_arena_printf(r->arena, "您好，请问还在吗？如 %d 分钟内没有回复，本次会话将自动结束。", left);
        if (ok && (ag_post(r, &s, "system", 0, text) < 0 ||
                   ag_emit(r, s.id, true, s.agent_id, "idle", json_pack("{s:s}", "text", text)) < 0))
            ok = -1;
        if (ok < 0) {
            tb_db_rollback(r->db);
            continue;
        }
        tb_db_commit(r->db);
    }
    n = ag_store_idle(r->db, now - close, false, ids, 100);
    for (int i = 0; i < n; i++)
        ag_close(r, ids[i], "idle");
}

static void queue_positions(tb_req *r, int64_t now)
{
    int64_t ids[200];
    int n = ag_store_waiting_ids(r->db, ids, 200);
    int64_t waiting = ag_store_waiting_count(r->db);
    int every = tb_cfg.agent_queue_notify_seconds > 0 ? tb_cfg.agent_queue_notify_seconds : 10;
    for (int i = 0; i < n; i++) {
        ag_session s;
        if (ag_store_session(r, ids[i], &s) != 0)
            continue;
        int64_t pos = ag_store_position(r, &s);
        if (pos == s.last_pos && now - s.pos_sent_at < every)
            continue;
        if (tb_db_begin(r->db) != 0)
            return;
        if (ag_store_lock(r->db) != 0 || ag_store_pos_sent(r->db, s.id, pos) < 0 ||
            ag_emit(r, s.id, true, 0, "queue", json_pack("{s:I, s:I}", "position", (json_int_t)pos, "waiting",
                                                         (json_int_t)waiting)) < 0) {
            tb_db_rollback(r->db);
            continue;
        }
        tb_db_commit(r->db);
    }
}

void ag_sweep_once(tb_req *r)
{
    int64_t now = tb_now();
    ag_dispatch(r);
    idle_prompts(r, now);
    queue_positions(r, now);
}

static void *sweep_main(void *arg)
{
    (void)arg;
    char err[512];
    tb_db *db = tb_db_open(tb_cfg.database, err, sizeof err);
    if (!db) {
        tb_error("agent sweep: %s", err);
        return NULL;
    }
    tb_thread thread = {.index = -1, .db = db, .arena = tb_arena_new(256 * 1024)};
    tb_req r = {.arena = thread.arena, .db = db, .thread = &thread, .subject_realm = "system"};
    strcpy(r.ip, "local");
    int ms = tb_cfg.agent_sweep_ms > 0 ? tb_cfg.agent_sweep_ms : 1000;
    while (!tb_server_stopping()) {
        ag_sweep_once(&r);
        tb_arena_reset(thread.arena);
        for (int waited = 0; waited < ms && !tb_server_stopping(); waited += 100)
            usleep(100000);
    }
    tb_arena_free(thread.arena);
    tb_db_close(db);
    return NULL;
}

int agent_sweep_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sweep_main, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
