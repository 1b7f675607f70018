/* The agent console (agent.serve) and the supervisor's live view
 * (agent.supervise): status and channels, the agent's sessions with unread
 * counts, replies (typed or canned), transfer to an expert, closing, the
 * visitor's recent history, unresolved questions for the knowledge base,
 * canned phrases, and the agents' event stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/agent/agent_internal.h"
#include "mod/audit/audit.h"
#include "mod/calendar/calendar.h"
#include "mod/kb/kb.h"
#include "mod/org/org.h"

static const char *obj(tb_req *r, int64_t id) { return tb_arena_printf(r->arena, "agent_session:%lld", (long long)id); }

static int64_t param_id(tb_req *r, int idx)
{
    char *end;
    long long v = strtoll(r->params[idx], &end, 10);
    return *end || v <= 0 ? -1 : (int64_t)v;
}

static json_t *profile_json(const ag_profile *p)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:s, s:I}", "staff_id", (json_int_t)p->staff_id, "name", p->name, "status",
                     p->status, "max_sessions", (json_int_t)p->max_sessions, "skill", p->skill, "load",
                     (json_int_t)p->load);
}

/* The session {id} for the signed-in agent: theirs, or any for a supervisor when !write. 404 otherwise. */
static int agent_session(tb_req *r, ag_session *s, bool write)
{
    int64_t id = param_id(r, 0);
    if (id < 0 || ag_store_session(r, id, s) != 0)
        return tb_reply_fail(r, TB_E_AGENT_SESSION_NOT_FOUND, NULL, NULL);
    if (s->agent_id == r->subject_id && !strcmp(s->status, "active"))
        return 0;
    if (!write && (s->agent_id == r->subject_id || org_has_permission(r, "agent.supervise")))
        return 0;
    if (write && s->agent_id == r->subject_id)
        return tb_reply_fail(r, TB_E_AGENT_SESSION_CLOSED, NULL, NULL);
    return tb_reply_fail(r, TB_E_AGENT_SESSION_NOT_FOUND, NULL, NULL);
}

static void get_me(tb_req *r)
{
    ag_profile p;
    if (ag_store_profile(r, r->subject_id, &p) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    tb_reply_json(r, 200, profile_json(&p));
}

static void put_status(tb_req *r)
{
    const char *status = NULL;
    tb_jfield spec[] = {TB_JSTR("status", &status, true, 10), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (strcmp(status, "online") && strcmp(status, "busy") && strcmp(status, "away"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "status", "状态只能是 online（在线）、busy（忙碌）或 away（离开）");
    ag_profile p;
    if (ag_store_profile(r, r->subject_id, &p) != 0 || ag_store_profile_status(r->db, r->subject_id, status) < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    audit_record(r, "agent.status", tb_arena_printf(r->arena, "staff:%lld", (long long)r->subject_id), "ok", status);
    if (!strcmp(status, "online"))
        ag_dispatch(r);
    ag_store_profile(r, r->subject_id, &p);
    tb_reply_json(r, 200, profile_json(&p));
}

static void get_console(tb_req *r)
{
    ag_profile p;
    if (ag_store_profile(r, r->subject_id, &p) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:o, s:I, s:I}", "agent", profile_json(&p), "sessions",
                                    ag_store_agent_sessions(r, r->subject_id), "waiting",
                                    (json_int_t)ag_store_waiting_count(r->db), "last_event_id",
                                    (json_int_t)ag_store_max_event(r->db)));
}

static void get_events(tb_req *r)
{
    ag_profile p;
    if (ag_store_profile(r, r->subject_id, &p) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    ag_stream_open(r, 0, r->subject_id);
}

static void get_session(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, false) != 0)
        return;
    json_t *j = ag_session_json(r, &s, true);
    json_object_set_new(j, "messages", ag_store_messages(r, s.id));
    tb_reply_json(r, 200, j);
}

static void post_read(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, true) != 0)
        return;
    if (ag_store_unread(r->db, s.id, true) < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    tb_reply_json(r, 200, json_pack("{s:I, s:i}", "id", (json_int_t)s.id, "unread", 0));
}

static void get_history(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, false) != 0)
        return;
    int hours = tb_cfg.agent_history_hours > 0 ? tb_cfg.agent_history_hours : 48;
    tb_reply_json(r, 200, json_pack("{s:i, s:o}", "hours", hours, "items",
                                    ag_store_history(r, s.owner, s.id, tb_now() - (int64_t)hours * 3600)));
}

static void post_message(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, true) != 0)
        return;
    const char *text = NULL;
    int64_t phrase = 0;
    tb_jfield spec[] = {TB_JSTR("text", &text, false, 2000), TB_JINT("phrase_id", &phrase, false, 1, INT64_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (phrase) {
        text = ag_store_phrase_text(r, r->subject_id, phrase);
        if (!text)
            return (void)tb_reply_fail(r, TB_E_AGENT_PHRASE_NOT_FOUND, "phrase_id", NULL);
    }
    if (!text || !*text)
        return (void)tb_reply_fail(r, TB_E_FIELD_REQUIRED, "text", NULL);
    const char *word = ag_sensitive(r, text);
    if (word)
        return (void)ag_refuse_sensitive(r, "text", word);
    if (ag_post_reply(r, &s, "agent", r->subject_id, text) == 0)
        ag_store_unread(r->db, s.id, true); /* answering reads the session */
}

typedef struct {
    tb_req *r;
    const ag_session *s;
    int64_t to;
    const char *skill, *reason, *to_name;
    int outcome;
} transfer_ctx;

static int transfer_tx(tb_db *db, void *arg)
{
    transfer_ctx *c = arg;
    tb_req *r = c->r;
    int rc;
    if (ag_store_lock(db) != 0) /* first: see ag_emit */
        return -1;
    if (c->to) {
        /* a named agent takes it now: they must be online with a free channel */
        ag_profile p;
        if (ag_store_profile(r, c->to, &p) != 0)
            return -1;
        if (strcmp(p.status, "online") || p.load >= p.max_sessions) {
            c->outcome = 1;
            return 1;
        }
        c->to_name = p.name;
        rc = ag_store_reassign(db, c->s->id, c->to);
    } else {
        rc = ag_store_requeue(db, c->s->id, c->skill, 0, r->subject_id);
    }
    if (rc != 0) {
        c->outcome = 2;
        return rc < 0 ? -1 : 2;
    }
    if (ag_store_transfer_insert(db, c->s->id, r->subject_id, c->to, c->skill, c->reason) < 0)
        return -1;
    const char *text = c->to ? tb_arena_printf(r->arena, "已为您转接专家坐席%s，请稍候。", c->to_name)
                             : "正在为您转接专家坐席，请稍候。";
    ag_session after;
    if (ag_store_session(r, c->s->id, &after) != 0)
        return -1;
    if (ag_post(r, &after, "system", 0, text) < 0 ||
        ag_emit(r, c->s->id, true, 0, "transfer", json_pack("{s:s}", "text", text)) < 0 ||
        ag_emit(r, c->s->id, false, r->subject_id, "transferred", json_pack("{s:I}", "to", (json_int_t)c->to)) < 0)
        return -1;
    if (c->to && ag_emit(r, c->s->id, false, c->to, "session", json_pack("{s:o}", "session", ag_session_json(r, &after, true))) < 0)
        return -1;
    c->outcome = 0;
    return audit_record(r, "agent.transfer", obj(r, c->s->id), "ok",
                        c->to ? tb_arena_printf(r->arena, "to_staff=%lld", (long long)c->to)
                              : tb_arena_printf(r->arena, "to_skill=%s", c->skill));
}

static void post_transfer(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, true) != 0)
        return;
    int64_t to = 0;
    const char *skill = NULL, *reason = NULL;
    tb_jfield spec[] = {TB_JINT("staff_id", &to, false, 1, INT64_MAX), TB_JSTR("skill", &skill, false, 30),
                        TB_JSTR("reason", &reason, false, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!to == !(skill && *skill))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, to ? "skill" : "staff_id", "请指定转接的客服（staff_id）或技能组（skill）之一");
    if (to == r->subject_id)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "staff_id", "不能转接给自己");
    if (to && !ag_store_staff_exists(r, to))
        return (void)tb_reply_fail(r, TB_E_AGENT_NOT_FOUND, "staff_id", NULL);
    transfer_ctx c = {r, &s, to, skill ? skill : "", reason ? reason : "", NULL, -1};
    int rc = tb_db_tx(r->db, transfer_tx, &c);
    if (rc < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (c.outcome == 1)
        return (void)tb_reply_fail(r, TB_E_AGENT_NOT_AVAILABLE, "staff_id", NULL);
    if (c.outcome != 0)
        return (void)tb_reply_fail(r, TB_E_AGENT_SESSION_CLOSED, NULL, NULL);
    ag_dispatch(r);
    ag_session now;
    if (ag_store_session(r, s.id, &now) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    tb_reply_json(r, 200, ag_session_json(r, &now, true));
}

static void post_close(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, true) != 0)
        return;
    int rc = ag_close(r, s.id, "agent");
    if (rc < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_AGENT_SESSION_CLOSED, NULL, NULL);
    ag_store_session(r, s.id, &s);
    tb_reply_json(r, 200, ag_session_json(r, &s, true));
}

static void post_unresolved(tb_req *r)
{
    ag_session s;
    if (agent_session(r, &s, false) != 0)
        return;
    const char *question = NULL;
    tb_jfield spec[] = {TB_JSTR("question", &question, true, 500), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (kb_unresolved_add(r, question, "agent") != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    audit_record(r, "agent.unresolved", obj(r, s.id), "ok", "");
    tb_reply_json(r, 201, json_pack("{s:s, s:s}", "question", question, "source", "agent"));
}

/* ---- 常用语 ---- */
static void get_phrases(tb_req *r)
{
    const char *category = tb_req_query(r, "category");
    const char *q = r->replied ? NULL : tb_req_query(r, "q");
    if (r->replied)
        return;
    tb_reply_json(r, 200, json_pack("{s:o}", "items", ag_store_phrases(r, r->subject_id, category ? category : "",
                                                                       q ? q : "")));
}

static int phrase_body(tb_req *r, const char **category, const char **text, int64_t *sort)
{
    tb_jfield spec[] = {TB_JSTR("category", category, false, 20), TB_JSTR("text", text, true, 500),
                        TB_JINT("sort", sort, false, 0, 100000), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return -1;
    const char *word = ag_sensitive(r, *text);
    if (word)
        return ag_refuse_sensitive(r, "text", word);
    if (!*category)
        *category = "";
    return 0;
}

static void post_phrase(tb_req *r)
{
    const char *category = NULL, *text = NULL;
    int64_t sort = 0;
    if (phrase_body(r, &category, &text, &sort) != 0)
        return;
    int64_t id = ag_store_phrase_insert(r->db, r->subject_id, category ? category : "", text, sort);
    if (id < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    audit_record(r, "agent.phrase.create", tb_arena_printf(r->arena, "agent_phrase:%lld", (long long)id), "ok", "");
    tb_reply_json(r, 201, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "category", category ? category : "",
                                    "text", text, "sort", (json_int_t)sort));
}

static void put_phrase(tb_req *r)
{
    int64_t id = param_id(r, 0);
    const char *category = NULL, *text = NULL;
    int64_t sort = 0;
    if (phrase_body(r, &category, &text, &sort) != 0)
        return;
    int rc = id < 0 ? 1 : ag_store_phrase_update(r->db, r->subject_id, id, category ? category : "", text, sort);
    if (rc < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_AGENT_PHRASE_NOT_FOUND, NULL, NULL);
    audit_record(r, "agent.phrase.update", tb_arena_printf(r->arena, "agent_phrase:%lld", (long long)id), "ok", "");
    tb_reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "category", category ? category : "",
                                    "text", text, "sort", (json_int_t)sort));
}

static void delete_phrase(tb_req *r)
{
    int64_t id = param_id(r, 0);
    int rc = id < 0 ? 1 : ag_store_phrase_delete(r->db, r->subject_id, id);
    if (rc < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_AGENT_PHRASE_NOT_FOUND, NULL, NULL);
    audit_record(r, "agent.phrase.delete", tb_arena_printf(r->arena, "agent_phrase:%lld", (long long)id), "ok", "");
    tb_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

/* ---- agents and the supervisor ---- */
static void get_agents(tb_req *r) { tb_reply_json(r, 200, json_pack("{s:o}", "items", ag_store_agents(r))); }

static void get_monitor(tb_req *r)
{
    json_t *agents = ag_store_agents(r);
    json_t *sessions = ag_store_live_sessions(r);
    int64_t online = 0, active = 0, waiting = 0;
    size_t i;
    json_t *v;
    json_array_foreach(agents, i, v) online += !strcmp(json_string_value(json_object_get(v, "status")), "online");
    json_array_foreach(sessions, i, v)
    {
        const char *st = json_string_value(json_object_get(v, "status"));
        active += !strcmp(st, "active");
        waiting += !strcmp(st, "waiting");
    }
    char at[32];
    tb_time_iso(tb_now(), at);
    tb_reply_json(r, 200, json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I}, s:s}", "agents", agents, "sessions", sessions,
                                    "totals", "agents", (json_int_t)json_array_size(agents), "online",
                                    (json_int_t)online, "active", (json_int_t)active, "waiting", (json_int_t)waiting,
                                    "at", at));
}

/* 历史聊天记录 of every agent: ?q=&status=&agent_id=&from=YYYY-MM-DD&to=YYYY-MM-DD&page=&page_size= */
static void get_records(tb_req *r)
{
    int64_t page, size, agent;
    if (tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "agent_id", 0, 0, INT64_MAX / 2, &agent) != 0)
        return;
    const char *q = tb_req_query(r, "q"), *status = r->replied ? NULL : tb_req_query(r, "status");
    const char *from = r->replied ? NULL : tb_req_query(r, "from"), *to = r->replied ? NULL : tb_req_query(r, "to");
    if (r->replied)
        return;
    if (status && *status && strcmp(status, "waiting") && strcmp(status, "active") && strcmp(status, "closed"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "status", "状态只能是 waiting、active 或 closed");
    int32_t d;
    int64_t since = 0, until = INT64_MAX / 2;
    if (from && *from) {
        if (calendar_parse_date(from, &d) != 0)
            return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "from", "日期格式应为 YYYY-MM-DD");
        since = calendar_day_start(d);
    }
    if (to && *to) {
        if (calendar_parse_date(to, &d) != 0)
            return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "to", "日期格式应为 YYYY-MM-DD");
        until = calendar_day_start(d) + 86400;
    }
    if (q && tb_json_cp_len(q) > 50)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "q", "关键词最多 50 个字");
    int64_t total = 0;
    json_t *items = ag_store_records(r, agent, status ? status : "", since, until, q ? q : "", size,
                                     (page - 1) * size, &total);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void put_agent(tb_req *r)
{
    int64_t id = param_id(r, 0);
    int64_t max = 0;
    const char *skill = NULL;
    tb_jfield spec[] = {TB_JINT("max_sessions", &max, true, 1, 50), TB_JSTR("skill", &skill, false, 30), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (id < 0 || !ag_store_staff_exists(r, id))
        return (void)tb_reply_fail(r, TB_E_AGENT_NOT_FOUND, NULL, NULL);
    ag_profile p;
    if (ag_store_profile(r, id, &p) != 0 || ag_store_profile_config(r->db, id, max, skill ? skill : p.skill) < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    audit_record(r, "agent.channels", tb_arena_printf(r->arena, "staff:%lld", (long long)id), "ok",
                 tb_arena_printf(r->arena, "max_sessions=%lld skill=%s", (long long)max, skill ? skill : p.skill));
    ag_dispatch(r);
    ag_store_profile(r, id, &p);
    tb_reply_json(r, 200, profile_json(&p));
}

const tb_route ag_agent_routes[] = {
    {"GET", "/api/v1/agent/me", get_me, TB_AUTH_STAFF, "agent.serve", 0, "agent", "本人的坐席状态与通道"},
    {"PUT", "/api/v1/agent/me/status", put_status, TB_AUTH_STAFF, "agent.serve", TB_R_JSON, "agent",
     "切换在线状态（online 在线 / busy 忙碌 / away 离开）"},
    {"GET", "/api/v1/agent/console", get_console, TB_AUTH_STAFF, "agent.serve", 0, "agent",
     "客服工作台：本人的会话（未读置顶）与排队人数"},
    {"GET", "/api/v1/agent/events", get_events, TB_AUTH_STAFF, "agent.serve", TB_R_STREAM, "agent",
     "客服的事件流（SSE：session/message/transferred/closed）"},
    {"GET", "/api/v1/agent/work/sessions/{id}", get_session, TB_AUTH_STAFF, "agent.serve", 0, "agent",
     "会话详情与消息（本人接待的会话；班长可查看全部）"},
    {"POST", "/api/v1/agent/work/sessions/{id}/read", post_read, TB_AUTH_STAFF, "agent.serve", 0, "agent",
     "会话标为已读"},
    {"GET", "/api/v1/agent/work/sessions/{id}/history", get_history, TB_AUTH_STAFF, "agent.serve", 0, "agent",
     "该访客 48 小时内的其他会话记录"},
    {"POST", "/api/v1/agent/work/sessions/{id}/messages", post_message, TB_AUTH_STAFF, "agent.serve", TB_R_JSON,
     "agent", "客服回复（文字或常用语，敏感词过滤）"},
    {"POST", "/api/v1/agent/work/sessions/{id}/transfer", post_transfer, TB_AUTH_STAFF, "agent.serve", TB_R_JSON,
     "agent", "转接专家坐席（指定客服或技能组）"},
    {"POST", "/api/v1/agent/work/sessions/{id}/close", post_close, TB_AUTH_STAFF, "agent.serve", 0, "agent",
     "客服结束会话"},
    {"POST", "/api/v1/agent/work/sessions/{id}/unresolved", post_unresolved, TB_AUTH_STAFF, "agent.serve", TB_R_JSON,
     "agent", "疑难问题登记（进入知识库未解决问题）"},
    {"GET", "/api/v1/agent/phrases", get_phrases, TB_AUTH_STAFF, "agent.serve", 0, "agent", "本人的常用语（?category= 分类、?q= 内容查询）"},
    {"POST", "/api/v1/agent/phrases", post_phrase, TB_AUTH_STAFF, "agent.serve", TB_R_JSON, "agent", "新增常用语"},
    {"PUT", "/api/v1/agent/phrases/{id}", put_phrase, TB_AUTH_STAFF, "agent.serve", TB_R_JSON, "agent", "修改常用语"},
    {"DELETE", "/api/v1/agent/phrases/{id}", delete_phrase, TB_AUTH_STAFF, "agent.serve", 0, "agent", "删除常用语"},
    {"GET", "/api/v1/agent/agents", get_agents, TB_AUTH_STAFF, "agent.serve", 0, "agent",
     "坐席列表（转接时选择客服或技能组）"},
    {"GET", "/api/v1/agent/monitor", get_monitor, TB_AUTH_STAFF, "agent.supervise", 0, "agent",
     "坐席状态监控：坐席、排队与进行中的会话"},
    {"GET", "/api/v1/agent/records", get_records, TB_AUTH_STAFF, "agent.supervise", 0, "agent",
     "历史聊天记录查询（关键词、客服、状态、日期）"},
    {"PUT", "/api/v1/agent/agents/{id}", put_agent, TB_AUTH_STAFF, "agent.supervise", TB_R_JSON, "agent",
     "设置坐席通道数与技能组"},
};
const size_t ag_agent_nroutes = sizeof ag_agent_routes / sizeof ag_agent_routes[0];

void agent_register(void)
{
    tb_router_add(ag_citizen_routes, ag_citizen_nroutes);
    tb_router_add(ag_agent_routes, ag_agent_nroutes);
}
