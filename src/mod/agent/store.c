/* SQL of the agent module: profiles (channels, status, skill group),
 * sessions, messages, the event log, canned phrases and transfers. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/agent/agent_internal.h"

#define SESSION_COLS                                                                                            \
    "s.id, COALESCE(s.citizen_id, 0), s.want_agent, s.prev_agent, COALESCE(s.agent_id, 0), s.created_at, "          \
    "s.queued_at, COALESCE(s.accepted_at, 0), COALESCE(s.closed_at, 0), s.last_citizen_at, s.idle_prompted, "       \
    "s.agent_unread, s.last_pos, s.pos_sent_at, COALESCE(s.rated_at, 0), s.owner, s.name, s.question, s.source, "   \
    "s.status, s.skill, COALESCE(s.close_reason, ''), COALESCE(s.rating, ''), COALESCE(s.rating_reason, ''), "      \
    "COALESCE(s.rating_comment, ''), COALESCE(st.name, '') "
#define SESSION_FROM " FROM agent_sessions s LEFT JOIN staff st ON st.id = s.agent_id "
static const char SQL_SESSION[] = "SELECT " SESSION_COLS SESSION_FROM "WHERE s.id = ?";
static const char SQL_OPEN_SESSION[] = "SELECT " SESSION_COLS SESSION_FROM
                                       "WHERE s.owner = ? AND s.status IN ('waiting','active') ORDER BY s.id DESC LIMIT 1";
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO agent_sessions(owner, citizen_id, name, question, source, status, skill, created_at, queued_at, "
    "last_citizen_at) VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?) RETURNING id";

static const char SQL_PROFILE[] =
    "SELECT p.staff_id, p.max_sessions, p.status_at, p.status, p.skill, COALESCE(st.name, ''), "
    "(SELECT COUNT(*) FROM agent_sessions s WHERE s.agent_id = p.staff_id AND s.status = 'active') "
    "FROM agent_profiles p LEFT JOIN staff st ON st.id = p.staff_id WHERE p.staff_id = ?";
static const char SQL_IS_EXPERT[] = "SELECT COUNT(*) FROM staff_roles sr JOIN roles ro ON ro.id = sr.role_id "
                                    "WHERE sr.staff_id = ? AND ro.code = 'cs_expert'";
static const char SQL_PROFILE_INSERT[] = "INSERT INTO agent_profiles(staff_id, status, max_sessions, skill, status_at) "
                                         "VALUES (?, 'away', ?, ?, ?) ON CONFLICT DO NOTHING";
static const char SQL_PROFILE_STATUS[] = "UPDATE agent_profiles SET status = ?, status_at = ? WHERE staff_id = ?";
static const char SQL_PROFILE_CONFIG[] = "UPDATE agent_profiles SET max_sessions = ?, skill = ? WHERE staff_id = ?";

static const char SQL_MESSAGE_INSERT[] = "INSERT INTO agent_messages(session_id, sender, staff_id, body, created_at) "
                                         "VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_MESSAGES[] = "SELECT m.id, m.sender, m.body, m.created_at, COALESCE(st.name, '') FROM "
                                   "agent_messages m LEFT JOIN staff st ON st.id = m.staff_id AND m.staff_id <> 0 "
                                   "WHERE m.session_id = ? ORDER BY m.id";
static const char SQL_EVENT_INSERT[] = "INSERT INTO agent_events(session_id, citizen, staff_id, event, data, created_at) "
                                       "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_MAX_EVENT[] = "SELECT COALESCE(MAX(id), 0) FROM agent_events";
static const char SQL_EVENTS[] =
    "SELECT id, session_id, citizen, staff_id, event, data FROM agent_events WHERE id > ? AND (? = 0 OR id <= ?) "
    "AND (? = 0 OR (session_id = ? AND citizen = 1)) AND (? = 0 OR staff_id = ?) ORDER BY id LIMIT ?";

static const char SQL_POSITION[] = "SELECT COUNT(*) FROM agent_sessions WHERE status = 'waiting' AND "
                                   "(queued_at < ? OR (queued_at = ? AND id <= ?))";
static const char SQL_WAITING_COUNT[] = "SELECT COUNT(*) FROM agent_sessions WHERE status = 'waiting'";
static const char SQL_LOCK[] = "UPDATE agent_dispatch_lock SET n = n + 1 WHERE id = 1";
static const char SQL_WAITING_IDS[] = "SELECT id FROM agent_sessions WHERE status = 'waiting' "
                                      "ORDER BY queued_at, id LIMIT ?";
#define LOAD_OF(p) "(SELECT COUNT(*) FROM agent_sessions a WHERE a.agent_id = " p ".staff_id AND a.status = 'active')"
/* fairness: the least loaded agent, then the one who waited longest since an assignment */
static const char SQL_PICK[] =
    "SELECT p.staff_id FROM agent_profiles p JOIN staff st ON st.id = p.staff_id AND st.status = 'active' "
    "WHERE p.status = 'online' AND p.max_sessions > " LOAD_OF("p")
    " AND (? = 0 OR p.staff_id = ?) AND (CAST(? AS TEXT) = '' OR p.skill = CAST(? AS TEXT)) "
    "AND (? <> 0 OR p.staff_id <> ?) ORDER BY " LOAD_OF("p") ", p.last_assigned_at, p.staff_id LIMIT 1";
static const char SQL_ASSIGN[] = "UPDATE agent_sessions SET status = 'active', agent_id = ?, accepted_at = ?, "
                                 "last_citizen_at = ?, idle_prompted = 0, want_agent = 0 WHERE id = ? AND status = 'waiting'";
static const char SQL_ASSIGNED_AT[] = "UPDATE agent_profiles SET last_assigned_at = ? WHERE staff_id = ?";
static const char SQL_REQUEUE[] = "UPDATE agent_sessions SET status = 'waiting', agent_id = NULL, skill = ?, "
                                  "want_agent = ?, prev_agent = ?, agent_unread = 0 WHERE id = ? AND status = 'active'";
static const char SQL_REASSIGN[] = "UPDATE agent_sessions SET agent_id = ?, prev_agent = agent_id, accepted_at = ?, "
                                   "agent_unread = 0 WHERE id = ? AND status = 'active'";
static const char SQL_TRANSFER_INSERT[] = "INSERT INTO agent_transfers(session_id, from_staff, to_staff, to_skill, "
                                          "reason, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_CLOSE[] = "UPDATE agent_sessions SET status = 'closed', closed_at = ?, close_reason = ? "
                                "WHERE id = ? AND status IN ('waiting','active')";
static const char SQL_TOUCH[] = "UPDATE agent_sessions SET last_citizen_at = ?, idle_prompted = 0 WHERE id = ?";
static const char SQL_UNREAD_INC[] = "UPDATE agent_sessions SET agent_unread = agent_unread + 1 WHERE id = ?";
static const char SQL_UNREAD_RESET[] = "UPDATE agent_sessions SET agent_unread = 0 WHERE id = ?";
static const char SQL_RATE[] = "UPDATE agent_sessions SET rating = ?, rating_reason = ?, rating_comment = ?, "
                               "rated_at = ? WHERE id = ? AND status = 'closed' AND rating IS NULL";
static const char SQL_POS_SENT[] = "UPDATE agent_sessions SET last_pos = ?, pos_sent_at = ? WHERE id = ?";
static const char SQL_PROMPTED[] = "UPDATE agent_sessions SET idle_prompted = 1 WHERE id = ? AND idle_prompted = 0";
static const char SQL_AGENT_SESSIONS[] =
    "SELECT " SESSION_COLS SESSION_FROM "WHERE s.agent_id = ? AND s.status = 'active' "
    "ORDER BY CASE WHEN s.agent_unread > 0 THEN 0 ELSE 1 END, "
    "(SELECT COALESCE(MAX(m.id), 0) FROM agent_messages m WHERE m.session_id = s.id) DESC, s.id DESC";
static const char SQL_AGENT_LOAD[] = "SELECT COUNT(*) FROM agent_sessions WHERE agent_id = ? AND status = 'active'";
static const char SQL_HISTORY[] = "SELECT " SESSION_COLS SESSION_FROM "WHERE s.owner = ? AND s.id <> ? AND "
                                  "s.created_at >= ? ORDER BY s.id DESC LIMIT 20";

static const char SQL_PHRASES[] =
    "SELECT id, category, text, sort FROM agent_phrases WHERE staff_id = ? AND (CAST(? AS TEXT) = '' OR "
    "category = CAST(? AS TEXT)) AND (CAST(? AS TEXT) = '' OR text LIKE ('%' || CAST(? AS TEXT) || '%') ESCAPE '!') "
    "ORDER BY sort, id";
static const char SQL_PHRASE_TEXT[] = "SELECT text FROM agent_phrases WHERE staff_id = ? AND id = ?";
static const char SQL_PHRASE_INSERT[] = "INSERT INTO agent_phrases(staff_id, category, text, sort, created_at, "
                                        "updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_PHRASE_UPDATE[] = "UPDATE agent_phrases SET category = ?, text = ?, sort = ?, updated_at = ? "
                                        "WHERE staff_id = ? AND id = ?";
static const char SQL_PHRASE_DELETE[] = "DELETE FROM agent_phrases WHERE staff_id = ? AND id = ?";

static const char SQL_AGENTS[] =
    "SELECT p.staff_id, COALESCE(st.name, ''), st.login, p.status, p.max_sessions, p.skill, p.status_at, "
    LOAD_OF("p") ", (SELECT COALESCE(SUM(a.agent_unread), 0) FROM agent_sessions a WHERE a.agent_id = p.staff_id "
    "AND a.status = 'active') FROM agent_profiles p JOIN staff st ON st.id = p.staff_id ORDER BY p.staff_id";
static const char SQL_LIVE[] = "SELECT " SESSION_COLS SESSION_FROM "WHERE s.status IN ('waiting','active') "
                               "ORDER BY s.status DESC, s.queued_at, s.id LIMIT 500";
#define RECORDS_WHERE                                                                                         \
    SESSION_FROM "WHERE (? = 0 OR s.agent_id = ?) AND (CAST(? AS TEXT) = '' OR s.status = CAST(? AS TEXT)) "     \
    "AND s.created_at >= ? AND s.created_at < ? AND (CAST(? AS TEXT) = '' OR s.question LIKE ('%' || "            \
    "CAST(? AS TEXT) || '%') ESCAPE '!' OR EXISTS (SELECT 1 FROM agent_messages m WHERE m.session_id = s.id AND " \
    "m.body LIKE ('%' || CAST(? AS TEXT) || '%') ESCAPE '!'))"
static const char SQL_RECORDS[] = "SELECT " SESSION_COLS RECORDS_WHERE " ORDER BY s.id DESC LIMIT ? OFFSET ?";
static const char SQL_RECORDS_COUNT[] = "SELECT COUNT(*)" RECORDS_WHERE;
static const char SQL_STAFF_EXISTS[] = "SELECT COUNT(*) FROM staff WHERE id = ?";
static const char SQL_IDLE[] = "SELECT id FROM agent_sessions WHERE status = 'active' AND last_citizen_at < ? "
                               "AND (? = 0 OR idle_prompted = 0) ORDER BY id LIMIT ?";

static int changed(long n) { return n < 0 ? -1 : n == 0 ? 1 : 0; }

static void read_session(tb_req *r, tb_stmt *st, ag_session *s)
{
    int64_t *n[] = {&s->id, &s->citizen_id, &s->want_agent, &s->prev_agent, &s->agent_id, &s->created_at,
                    &s->queued_at, &s->accepted_at, &s->closed_at, &s->last_citizen_at, &s->idle_prompted,
                    &s->agent_unread, &s->last_pos, &s->pos_sent_at, &s->rated_at};
    for (int i = 0; i < 15; i++)
        *n[i] = tb_stmt_int(st, i);
    const char **t[] = {&s->owner, &s->name, &s->question, &s->source, &s->status, &s->skill, &s->close_reason,
                        &s->rating, &s->rating_reason, &s->rating_comment, &s->agent_name};
    for (int i = 0; i < 11; i++)
        *t[i] = tb_arena_strdup(r->arena, tb_stmt_text(st, 15 + i));
}

static int one_session(tb_req *r, tb_stmt *st, ag_session *out)
{
    int rc = -1;
    if (st && tb_stmt_step(st) == TB_ROW) {
        read_session(r, st, out);
        rc = 0;
    }
    tb_stmt_done(st);
    return rc;
}

int ag_store_session(tb_req *r, int64_t id, ag_session *out)
{
    return one_session(r, tb_db_query(r->db, SQL_SESSION, "i", id), out);
}

int ag_store_open_session(tb_req *r, const char *owner, ag_session *out)
{
    return one_session(r, tb_db_query(r->db, SQL_OPEN_SESSION, "t", owner), out);
}

int64_t ag_store_session_insert(tb_db *db, const ag_session *s)
{
    int64_t now = tb_now();
    return tb_db_int(db, -1, SQL_SESSION_INSERT, "tittttiii", s->owner, s->citizen_id, s->name, s->question, s->source,
                     s->skill, now, now, now);
}

int ag_store_profile(tb_req *r, int64_t staff_id, ag_profile *out)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        tb_stmt *st = tb_db_query(r->db, SQL_PROFILE, "i", staff_id);
        if (st && tb_stmt_step(st) == TB_ROW) {
            out->staff_id = tb_stmt_int(st, 0);
            out->max_sessions = tb_stmt_int(st, 1);
            out->status_at = tb_stmt_int(st, 2);
            out->status = tb_arena_strdup(r->arena, tb_stmt_text(st, 3));
            out->skill = tb_arena_strdup(r->arena, tb_stmt_text(st, 4));
            out->name = tb_arena_strdup(r->arena, tb_stmt_text(st, 5));
            out->load = tb_stmt_int(st, 6);
            tb_stmt_done(st);
            return 0;
        }
        tb_stmt_done(st);
        if (attempt)
            break;
        bool expert = tb_db_int(r->db, 0, SQL_IS_EXPERT, "i", staff_id) > 0;
        int64_t channels = tb_cfg.agent_default_channels > 0 ? tb_cfg.agent_default_channels : 3;
        if (tb_db_exec(r->db, SQL_PROFILE_INSERT, "iiti", staff_id, channels, expert ? "expert" : "", tb_now()) < 0)
            return -1;
    }
    return -1;
}

int ag_store_profile_status(tb_db *db, int64_t staff_id, const char *status)
{
    return changed(tb_db_exec(db, SQL_PROFILE_STATUS, "tii", status, tb_now(), staff_id));
}

int ag_store_profile_config(tb_db *db, int64_t staff_id, int64_t max_sessions, const char *skill)
{
    return changed(tb_db_exec(db, SQL_PROFILE_CONFIG, "iti", max_sessions, skill, staff_id));
}

int64_t ag_store_message_insert(tb_db *db, int64_t session, const char *sender, int64_t staff, const char *body)
{
    return tb_db_int(db, -1, SQL_MESSAGE_INSERT, "ititi", session, sender, staff, body, tb_now());
}

json_t *ag_store_messages(tb_req *r, int64_t session)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_MESSAGES, "i", session);
    while (st && tb_stmt_step(st) == TB_ROW) {
        char at[32];
        tb_time_iso(tb_stmt_int(st, 3), at);
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)tb_stmt_int(st, 0),
                                           "sender", tb_stmt_text(st, 1), "text", tb_stmt_text(st, 2), "at", at,
                                           "agent_name", tb_stmt_text(st, 4)));
    }
    tb_stmt_done(st);
    return a;
}

int64_t ag_store_event(tb_db *db, int64_t session, bool citizen, int64_t staff, const char *event, const char *data)
{
    return tb_db_int(db, -1, SQL_EVENT_INSERT, "iiitti", session, (int64_t)(citizen ? 1 : 0), staff, event, data,
                     tb_now());
}

int64_t ag_store_max_event(tb_db *db) { return tb_db_int(db, 0, SQL_MAX_EVENT, ""); }

int ag_store_events(tb_db *db, int64_t after, int64_t upto, int64_t session, int64_t staff, int limit,
                    void (*fn)(void *arg, const ag_event *ev), void *arg)
{
    tb_stmt *st = tb_db_query(db, SQL_EVENTS, "iiiiiiii", after, upto, upto, session, session, staff, staff,
                              (int64_t)limit);
    int n = 0;
    while (st && tb_stmt_step(st) == TB_ROW) {
        ag_event ev = {tb_stmt_int(st, 0), tb_stmt_int(st, 1), tb_stmt_int(st, 2), tb_stmt_int(st, 3),
                       tb_stmt_text(st, 4), tb_stmt_text(st, 5)};
        fn(arg, &ev);
        n++;
    }
    tb_stmt_done(st);
    return st ? n : -1;
}

int64_t ag_store_position(tb_req *r, const ag_session *s)
{
    return tb_db_int(r->db, 0, SQL_POSITION, "iii", s->queued_at, s->queued_at, s->id);
}

int64_t ag_store_waiting_count(tb_db *db) { return tb_db_int(db, 0, SQL_WAITING_COUNT, ""); }

int ag_store_lock(tb_db *db) { return tb_db_exec(db, SQL_LOCK, "") < 0 ? -1 : 0; }

int ag_store_waiting_ids(tb_db *db, int64_t *out, int cap)
{
    tb_stmt *st = tb_db_query(db, SQL_WAITING_IDS, "i", (int64_t)cap);
    int n = 0;
    while (st && n < cap && tb_stmt_step(st) == TB_ROW)
        out[n++] = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return n;
}

int64_t ag_store_pick_agent(tb_db *db, const ag_session *s)
{
    return tb_db_int(db, -1, SQL_PICK, "iittii", s->want_agent, s->want_agent, s->skill, s->skill, s->want_agent,
                     s->prev_agent);
}

int ag_store_assign(tb_db *db, int64_t session, int64_t staff)
{
    int64_t now = tb_now();
    int rc = changed(tb_db_exec(db, SQL_ASSIGN, "iiii", staff, now, now, session));
    if (rc == 0 && tb_db_exec(db, SQL_ASSIGNED_AT, "ii", now, staff) < 0)
        return -1;
    return rc;
}

int ag_store_requeue(tb_db *db, int64_t session, const char *skill, int64_t want_agent, int64_t prev_agent)
{
    return changed(tb_db_exec(db, SQL_REQUEUE, "tiii", skill, want_agent, prev_agent, session));
}

int ag_store_reassign(tb_db *db, int64_t session, int64_t to_staff)
{
    int64_t now = tb_now();
    int rc = changed(tb_db_exec(db, SQL_REASSIGN, "iii", to_staff, now, session));
    if (rc == 0 && tb_db_exec(db, SQL_ASSIGNED_AT, "ii", now, to_staff) < 0)
        return -1;
    return rc;
}

int64_t ag_store_transfer_insert(tb_db *db, int64_t session, int64_t from, int64_t to, const char *skill,
                                 const char *reason)
{
    return tb_db_int(db, -1, SQL_TRANSFER_INSERT, "iiitti", session, from, to, skill, reason, tb_now());
}

int ag_store_close(tb_db *db, int64_t session, const char *reason)
{
    return changed(tb_db_exec(db, SQL_CLOSE, "iti", tb_now(), reason, session));
}

int ag_store_touch_citizen(tb_db *db, int64_t session)
{
    return changed(tb_db_exec(db, SQL_TOUCH, "ii", tb_now(), session));
}

int ag_store_unread(tb_db *db, int64_t session, bool reset)
{
    return changed(tb_db_exec(db, reset ? SQL_UNREAD_RESET : SQL_UNREAD_INC, "i", session));
}

int ag_store_rate(tb_db *db, int64_t session, const char *rating, const char *reason, const char *comment)
{
    return changed(tb_db_exec(db, SQL_RATE, "tttii", rating, reason, comment, tb_now(), session));
}

int ag_store_pos_sent(tb_db *db, int64_t session, int64_t pos)
{
    return changed(tb_db_exec(db, SQL_POS_SENT, "iii", pos, tb_now(), session));
}

int ag_store_prompted(tb_db *db, int64_t session) { return changed(tb_db_exec(db, SQL_PROMPTED, "i", session)); }

json_t *ag_store_agent_sessions(tb_req *r, int64_t staff)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_AGENT_SESSIONS, "i", staff);
    ag_session *list = NULL;
    int n = 0, cap = 0;
    while (st && tb_stmt_step(st) == TB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ag_session *grown = tb_arena_alloc(r->arena, (size_t)cap * sizeof *grown);
            if (n)
                memcpy(grown, list, (size_t)n * sizeof *grown);
            list = grown;
        }
        read_session(r, st, &list[n++]);
    }
    tb_stmt_done(st);
    for (int i = 0; i < n; i++)
        json_array_append_new(a, ag_session_json(r, &list[i], true));
    return a;
}

int64_t ag_store_agent_load(tb_db *db, int64_t staff) { return tb_db_int(db, 0, SQL_AGENT_LOAD, "i", staff); }

json_t *ag_store_history(tb_req *r, const char *owner, int64_t except, int64_t since)
{
    ag_session list[20];
    int n = 0;
    tb_stmt *st = tb_db_query(r->db, SQL_HISTORY, "tii", owner, except, since);
    while (st && n < 20 && tb_stmt_step(st) == TB_ROW)
        read_session(r, st, &list[n++]);
    tb_stmt_done(st);
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *j = ag_session_json(r, &list[i], true);
        json_object_set_new(j, "messages", ag_store_messages(r, list[i].id));
        json_array_append_new(a, j);
    }
    return a;
}

/* q matched literally by LIKE ... ESCAPE '!': its wildcards escaped */
static const char *like_literal(tb_req *r, const char *q)
{
    char *lit = tb_arena_alloc(r->arena, strlen(q) * 2 + 1), *o = lit;
    for (const char *p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '!')
            *o++ = '!';
        *o++ = *p;
    }
    *o = '\0';
    return lit;
}

json_t *ag_store_records(tb_req *r, int64_t agent, const char *status, int64_t from, int64_t to, const char *q,
                         int64_t limit, int64_t offset, int64_t *total)
{
    const char *lit = like_literal(r, q);
    *total = tb_db_int(r->db, 0, SQL_RECORDS_COUNT, "iittiittt", agent, agent, status, status, from, to, q, lit, lit);
    ag_session *list = tb_arena_alloc(r->arena, (size_t)limit * sizeof *list);
    int n = 0;
    tb_stmt *st = tb_db_query(r->db, SQL_RECORDS, "iittiitttii", agent, agent, status, status, from, to, q, lit, lit,
                              limit, offset);
    while (st && n < limit && tb_stmt_step(st) == TB_ROW)
        read_session(r, st, &list[n++]);
    tb_stmt_done(st);
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, ag_session_json(r, &list[i], true));
    return a;
}

json_t *ag_store_phrases(tb_req *r, int64_t staff, const char *category, const char *q)
{
    json_t *a = json_array();
    const char *lit = like_literal(r, q);
    tb_stmt *st = tb_db_query(r->db, SQL_PHRASES, "itttt", staff, category, category, q, lit);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)tb_stmt_int(st, 0), "category",
                                           tb_stmt_text(st, 1), "text", tb_stmt_text(st, 2), "sort",
                                           (json_int_t)tb_stmt_int(st, 3)));
    tb_stmt_done(st);
    return a;
}

const char *ag_store_phrase_text(tb_req *r, int64_t staff, int64_t id)
{
    const char *out = NULL;
    tb_stmt *st = tb_db_query(r->db, SQL_PHRASE_TEXT, "ii", staff, id);
    if (st && tb_stmt_step(st) == TB_ROW)
        out = tb_arena_strdup(r->arena, tb_stmt_text(st, 0));
    tb_stmt_done(st);
    return out;
}

int64_t ag_store_phrase_insert(tb_db *db, int64_t staff, const char *category, const char *text, int64_t sort)
{
    int64_t now = tb_now();
    return tb_db_int(db, -1, SQL_PHRASE_INSERT, "ittiii", staff, category, text, sort, now, now);
}

int ag_store_phrase_update(tb_db *db, int64_t staff, int64_t id, const char *category, const char *text, int64_t sort)
{
    return changed(tb_db_exec(db, SQL_PHRASE_UPDATE, "ttiiii", category, text, sort, tb_now(), staff, id));
}

int ag_store_phrase_delete(tb_db *db, int64_t staff, int64_t id)
{
    return changed(tb_db_exec(db, SQL_PHRASE_DELETE, "ii", staff, id));
}

json_t *ag_store_agents(tb_req *r)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_AGENTS, "");
    while (st && tb_stmt_step(st) == TB_ROW) {
        char at[32];
        tb_time_iso(tb_stmt_int(st, 6), at);
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I}", "staff_id", (json_int_t)tb_stmt_int(st, 0),
                         "name", tb_stmt_text(st, 1), "login", tb_stmt_text(st, 2), "status", tb_stmt_text(st, 3),
                         "max_sessions", (json_int_t)tb_stmt_int(st, 4), "skill", tb_stmt_text(st, 5), "status_at",
                         at, "load", (json_int_t)tb_stmt_int(st, 7), "unread", (json_int_t)tb_stmt_int(st, 8)));
    }
    tb_stmt_done(st);
    return a;
}

json_t *ag_store_live_sessions(tb_req *r)
{
    ag_session *list = tb_arena_alloc(r->arena, 500 * sizeof *list);
    int n = 0;
    tb_stmt *st = tb_db_query(r->db, SQL_LIVE, "");
    while (st && n < 500 && tb_stmt_step(st) == TB_ROW)
        read_session(r, st, &list[n++]);
    tb_stmt_done(st);
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, ag_session_json(r, &list[i], true));
    return a;
}

bool ag_store_staff_exists(tb_req *r, int64_t staff)
{
    return tb_db_int(r->db, 0, SQL_STAFF_EXISTS, "i", staff) > 0;
}

int ag_store_idle(tb_db *db, int64_t before, bool prompted, int64_t *out, int cap)
{
    tb_stmt *st = tb_db_query(db, SQL_IDLE, "iii", before, (int64_t)(prompted ? 1 : 0), (int64_t)cap);
    int n = 0;
    while (st && n < cap && tb_stmt_step(st) == TB_ROW)
        out[n++] = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return n;
}
