/* Shared between the files of the agent module only. Strings handed out
 * live in the request arena. */
#ifndef TB_MOD_AGENT_INTERNAL_H
#define TB_MOD_AGENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "http/http.h"
#include "mod/agent/agent.h"

typedef struct {
    int64_t id, citizen_id, want_agent, prev_agent, agent_id, created_at, queued_at, accepted_at, closed_at,
        last_citizen_at, idle_prompted, agent_unread, last_pos, pos_sent_at, rated_at;
    const char *owner, *name, *question, *source, *status, *skill, *close_reason, *rating, *rating_reason,
        *rating_comment, *agent_name;
} ag_session;

typedef struct {
    int64_t staff_id, max_sessions, status_at, load;
    const char *status, *skill, *name;
} ag_profile;

/* ---- store.c: every statement of the module ---- */
int ag_store_session(tb_req *r, int64_t id, ag_session *out);
/* the owner's waiting or active session; -1 none */
int ag_store_open_session(tb_req *r, const char *owner, ag_session *out);
int64_t ag_store_session_insert(tb_db *db, const ag_session *s);
/* the agent's profile, created with the defaults on first use (role cs_expert: skill "expert") */
int ag_store_profile(tb_req *r, int64_t staff_id, ag_profile *out);
int ag_store_profile_status(tb_db *db, int64_t staff_id, const char *status);
int ag_store_profile_config(tb_db *db, int64_t staff_id, int64_t max_sessions, const char *skill);
int64_t ag_store_message_insert(tb_db *db, int64_t session, const char *sender, int64_t staff, const char *body);
json_t *ag_store_messages(tb_req *r, int64_t session);
int64_t ag_store_event(tb_db *db, int64_t session, bool citizen, int64_t staff, const char *event, const char *data);
int64_t ag_store_max_event(tb_db *db);
typedef struct {
    int64_t id, session_id, citizen, staff_id;
    const char *event, *data;
} ag_event;
/* events after `after` (at most limit), in order; filter: session > 0 (citizen events of it), staff > 0
 * (events of the agent), both 0: every event. Returns the rows read. */
int ag_store_events(tb_db *db, int64_t after, int64_t upto, int64_t session, int64_t staff, int limit,
                    void (*fn)(void *arg, const ag_event *ev), void *arg);
/* queue position of a waiting session (1 = next), and the number waiting */
int64_t ag_store_position(tb_req *r, const ag_session *s);
int64_t ag_store_waiting_count(tb_db *db);
int ag_store_lock(tb_db *db);
/* waiting sessions, oldest first: ids into out (at most cap); count */
int ag_store_waiting_ids(tb_db *db, int64_t *out, int cap);
/* the least loaded online agent that may take s (skill, named agent), -1 none */
int64_t ag_store_pick_agent(tb_db *db, const ag_session *s);
int ag_store_assign(tb_db *db, int64_t session, int64_t staff);
int ag_store_requeue(tb_db *db, int64_t session, const char *skill, int64_t want_agent, int64_t prev_agent);
int ag_store_reassign(tb_db *db, int64_t session, int64_t to_staff);
int64_t ag_store_transfer_insert(tb_db *db, int64_t session, int64_t from, int64_t to, const char *skill,
                                 const char *reason);
int ag_store_close(tb_db *db, int64_t session, const char *reason);
int ag_store_touch_citizen(tb_db *db, int64_t session);
int ag_store_unread(tb_db *db, int64_t session, bool reset);
int ag_store_rate(tb_db *db, int64_t session, const char *rating, const char *reason, const char *comment);
int ag_store_pos_sent(tb_db *db, int64_t session, int64_t pos);
int ag_store_prompted(tb_db *db, int64_t session);
/* sessions of an agent (active, unread first) as JSON */
json_t *ag_store_agent_sessions(tb_req *r, int64_t staff);
int64_t ag_store_agent_load(tb_db *db, int64_t staff);
/* the owner's other sessions since `since`, newest first, with their messages */
json_t *ag_store_history(tb_req *r, const char *owner, int64_t except, int64_t since);
/* 常用语 */
/* category "" / q "" = all; q: a substring of the text */
json_t *ag_store_phrases(tb_req *r, int64_t staff, const char *category, const char *q);
const char *ag_store_phrase_text(tb_req *r, int64_t staff, int64_t id);
int64_t ag_store_phrase_insert(tb_db *db, int64_t staff, const char *category, const char *text, int64_t sort);
int ag_store_phrase_update(tb_db *db, int64_t staff, int64_t id, const char *category, const char *text, int64_t sort);
int ag_store_phrase_delete(tb_db *db, int64_t staff, int64_t id);
/* supervisor */
json_t *ag_store_agents(tb_req *r);
json_t *ag_store_live_sessions(tb_req *r);
bool ag_store_staff_exists(tb_req *r, int64_t staff);
/* 历史聊天记录: sessions (any status) by agent (0 any), status ("" any), created in [from, to), q ("" any:
 * a substring of the question or of a message), newest first */
json_t *ag_store_records(tb_req *r, int64_t agent, const char *status, int64_t from, int64_t to, const char *q,
                         int64_t limit, int64_t offset, int64_t *total);
/* sweep: sessions due for an idle prompt / close, waiting sessions (ids, at most cap) */
int ag_store_idle(tb_db *db, int64_t before, bool prompted, int64_t *out, int cap);

/* ---- logic.c ---- */
/* Assigns waiting sessions to free agents (in its own transaction); the number assigned. */
int ag_dispatch(tb_req *r);
/* The session's JSON for its citizen (with the queue position when waiting). */
json_t *ag_session_json(tb_req *r, const ag_session *s, bool for_staff);
/* Appends an event: to the citizen of session (citizen), and/or the agent staff (0: none). */
int64_t ag_emit(tb_req *r, int64_t session, bool citizen, int64_t staff, const char *event, json_t *data /* stolen */);
/* Closes an open session (reason citizen|agent|idle), tells both sides, frees the channel. 0, 1 already closed, -1 error */
int ag_close(tb_req *r, int64_t session, const char *reason);
/* A message into a session (sender citizen|agent|system), with its events. Returns the message id. */
int64_t ag_post(tb_req *r, const ag_session *s, const char *sender, int64_t staff, const char *text);
/* A person's message (sender citizen|agent; staff: the agent, else 0) in a transaction of its own that takes the
 * agent lock first (see ag_emit), answered 201 {id, sender, text, at}. 0, or -1 after a 503 DB_UNAVAILABLE. */
int ag_post_reply(tb_req *r, const ag_session *s, const char *sender, int64_t staff, const char *text);
void ag_sweep_once(tb_req *r);
/* "…" with the first sensitive word found in text, or NULL */
const char *ag_sensitive(tb_req *r, const char *text);
/* 422 AGENT_SENSITIVE_WORD naming the word; returns -1 (api_citizen.c). */
int ag_refuse_sensitive(tb_req *r, const char *field, const char *word);

/* ---- events.c: the event streams ---- */
/* Opens the stream of a session's citizen (session > 0) or of an agent (staff > 0), replaying
 * events after last_id (Last-Event-ID header or ?last_event_id=). */
void ag_stream_open(tb_req *r, int64_t session, int64_t staff);

/* route tables: api_citizen.c, api_agent.c */
extern const tb_route ag_citizen_routes[], ag_agent_routes[];
extern const size_t ag_citizen_nroutes, ag_agent_nroutes;

#endif
