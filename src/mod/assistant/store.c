/* SQL of the assistant: chat sessions, messages with their ratings, the
 * phrase tables (chit-chat, common questions, guide, tools) and the guided
 * dialogues. */
#include <stdlib.h>
#include <string.h>

#include "mod/assistant/assistant_internal.h"

static const char SQL_SESSION_GET[] =
    "SELECT id, COALESCE(citizen_id, 0), COALESCE(dialogue_id, 0), COALESCE(state_at, 0), "
    "COALESCE(dialogue_version, 0), region, dialogue_node FROM assistant_sessions WHERE token_hash = ?";
static const char SQL_SESSION_CREATE[] =
    "INSERT INTO assistant_sessions(token_hash, citizen_id, region, created_at, updated_at) "
    "VALUES (?, NULLIF(?, 0), ?, ?, ?) RETURNING id";
static const char SQL_SESSION_CLAIM[] =
    "UPDATE assistant_sessions SET citizen_id = ?, updated_at = ? WHERE id = ? AND citizen_id IS NULL";
static const char SQL_MESSAGES_CLAIM[] =
    "UPDATE assistant_messages SET citizen_id = ? WHERE session_id = ? AND citizen_id IS NULL";
static const char SQL_PURGE_MESSAGES[] = "DELETE FROM assistant_messages WHERE created_at < ?";
static const char SQL_PURGE_SESSIONS[] =
    "DELETE FROM assistant_sessions WHERE updated_at < ? AND NOT EXISTS "
    "(SELECT 1 FROM assistant_messages m WHERE m.session_id = assistant_sessions.id)";
static const char SQL_SESSION_REGION[] = "UPDATE assistant_sessions SET region = ?, updated_at = ? WHERE id = ?";
static const char SQL_SESSION_STATE[] =
    "UPDATE assistant_sessions SET dialogue_id = NULLIF(?, 0), dialogue_version = ?, dialogue_node = ?, "
    "state_at = ?, updated_at = ? WHERE id = ?";
static const char SQL_MESSAGE_ADD[] =
    "INSERT INTO assistant_messages(session_id, citizen_id, question, kind, reply, kb_item_id, matter_code, "
    "dialogue_id, region, created_at) VALUES (?, NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0), ?, NULLIF(?, 0), ?, ?) "
    "RETURNING id";
static const char SQL_MESSAGE_GET[] =
    "SELECT id, session_id, COALESCE(citizen_id, 0), COALESCE(kb_item_id, 0), COALESCE(dialogue_id, 0), "
    "COALESCE(rated_at, 0), created_at, question, kind, reply, matter_code, region, rating, reasons, rating_text "
    "FROM assistant_messages WHERE id = ?";
static const char SQL_MESSAGE_RATE[] =
    "UPDATE assistant_messages SET rating = ?, reasons = ?, rating_text = ?, rated_at = ? "
    "WHERE id = ? AND rating IS NULL";
#define HISTORY_WHERE                                                                                     \
    "WHERE ((? <> 0 AND citizen_id = ?) OR (? = 0 AND session_id = ?)) AND created_at >= ? "
static const char SQL_HISTORY[] = "SELECT id, question, kind, reply, rating, created_at FROM assistant_messages "
                                  HISTORY_WHERE "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
static const char SQL_HISTORY_COUNT[] = "SELECT COUNT(*) FROM assistant_messages " HISTORY_WHERE;
static const char SQL_PHRASES[] =
    "SELECT pattern, reply, COALESCE(region, '') FROM assistant_phrases WHERE kind = ? ORDER BY sort, id";
static const char SQL_RECENT[] =
    "SELECT question, COUNT(DISTINCT session_id) AS n FROM assistant_messages "
    "WHERE created_at >= ? AND kind IN ('answer', 'matter', 'dialogue') GROUP BY question "
    "HAVING COUNT(DISTINCT session_id) >= ? ORDER BY n DESC, question LIMIT ?";
#define DIALOGUE_COLS                                                                                         \
    "id, COALESCE(created_at, 0), COALESCE(updated_at, 0), COALESCE(published_at, 0), version, code, name, " \
    "definition, published, updated_by "
static const char SQL_DIALOGUES[] = "SELECT " DIALOGUE_COLS "FROM assistant_dialogues ORDER BY code";
static const char SQL_DIALOGUE_GET[] = "SELECT " DIALOGUE_COLS "FROM assistant_dialogues WHERE id = ?";
static const char SQL_DIALOGUE_BY_CODE[] = "SELECT id FROM assistant_dialogues WHERE code = ?";
static const char SQL_PUBLISHED[] =
    "SELECT id, code, name, version, published FROM assistant_dialogues WHERE published IS NOT NULL ORDER BY id";
static const char SQL_DIALOGUE_INSERT[] =
    "INSERT INTO assistant_dialogues(code, name, definition, version, updated_by, created_at, updated_at) "
    "VALUES (?, ?, ?, 0, ?, ?, ?) RETURNING id";
static const char SQL_DIALOGUE_UPDATE[] =
    "UPDATE assistant_dialogues SET name = ?, definition = ?, updated_by = ?, updated_at = ? WHERE id = ?";
static const char SQL_DIALOGUE_PUBLISH[] =
    "UPDATE assistant_dialogues SET published = definition, version = version + 1, updated_by = ?, "
    "published_at = ?, updated_at = ? WHERE id = ?";
static const char SQL_DIALOGUE_WITHDRAW[] =
    "UPDATE assistant_dialogues SET published = NULL, updated_by = ?, updated_at = ? WHERE id = ? "
    "AND published IS NOT NULL";

static const char *dup(tb_req *r, tb_stmt *st, int col)
{
    return tb_stmt_null(st, col) ? NULL : tb_arena_strdup(r->arena, tb_stmt_text(st, col));
}

/* ---- sessions */

int as_store_session_get(tb_req *r, const char *token_hash, as_session *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_SESSION_GET, "t", token_hash);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc != TB_ROW)
        return rc == TB_DONE ? 1 : -1;
    *out = (as_session){.id = tb_stmt_int(st, 0),
                        .citizen_id = tb_stmt_int(st, 1),
                        .dialogue_id = tb_stmt_int(st, 2),
                        .state_at = tb_stmt_int(st, 3),
                        .dialogue_version = (int)tb_stmt_int(st, 4),
                        .region = dup(r, st, 5),
                        .node = dup(r, st, 6)};
    tb_stmt_done(st);
    return 0;
}

int64_t as_store_session_create(tb_req *r, const char *token_hash, int64_t citizen, const char *region, int64_t now)
{
    return tb_db_int(r->db, -1, SQL_SESSION_CREATE, "titii", token_hash, citizen, region, now, now);
}

typedef struct {
    int64_t id, citizen, now;
} claim_ctx;

static int claim_tx(tb_db *db, void *arg)
{
    claim_ctx *c = arg;
    if (tb_db_exec(db, SQL_SESSION_CLAIM, "iii", c->citizen, c->now, c->id) < 0)
        return -1;
    return tb_db_exec(db, SQL_MESSAGES_CLAIM, "ii", c->citizen, c->id) < 0 ? -1 : 0;
}

int as_store_session_claim(tb_req *r, int64_t id, int64_t citizen, int64_t now)
{
    claim_ctx c = {id, citizen, now};
    return tb_db_tx(r->db, claim_tx, &c);
}

int as_store_session_region(tb_req *r, int64_t id, const char *region, int64_t now)
{
    return tb_db_exec(r->db, SQL_SESSION_REGION, "tii", region, now, id) < 0 ? -1 : 0;
}

int as_store_session_state(tb_req *r, int64_t id, int64_t dialogue_id, int version, const char *node, int64_t at)
{
    return tb_db_exec(r->db, SQL_SESSION_STATE, "iitiii", dialogue_id, (int64_t)version,
                      dialogue_id ? node : NULL, dialogue_id ? at : (int64_t)0, at, id) < 0
               ? -1
               : 0;
}

/* ---- messages */

int64_t as_store_message_add(tb_req *r, const as_message *m)
{
    return tb_db_int(r->db, -1, SQL_MESSAGE_ADD, "iitttititi", m->session_id, m->citizen_id, m->question, m->kind,
                     m->reply, m->kb_item_id, m->matter_code, m->dialogue_id, m->region, m->created_at);
}

int as_store_message_get(tb_req *r, int64_t id, as_message *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_MESSAGE_GET, "i", id);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc != TB_ROW)
        return rc == TB_DONE ? 1 : -1;
    *out = (as_message){.id = tb_stmt_int(st, 0),
                        .session_id = tb_stmt_int(st, 1),
                        .citizen_id = tb_stmt_int(st, 2),
                        .kb_item_id = tb_stmt_int(st, 3),
                        .dialogue_id = tb_stmt_int(st, 4),
                        .rated_at = tb_stmt_int(st, 5),
                        .created_at = tb_stmt_int(st, 6),
                        .question = dup(r, st, 7),
                        .kind = dup(r, st, 8),
                        .reply = dup(r, st, 9),
                        .matter_code = dup(r, st, 10),
                        .region = dup(r, st, 11),
                        .rating = dup(r, st, 12),
                        .reasons = dup(r, st, 13),
                        .rating_text = dup(r, st, 14)};
    tb_stmt_done(st);
    return 0;
}

long as_store_message_rate(tb_db *db, int64_t id, const char *rating, const char *reasons, const char *text,
                           int64_t at)
{
    return tb_db_exec(db, SQL_MESSAGE_RATE, "tttii", rating, reasons, text, at, id);
}

json_t *as_store_history(tb_req *r, int64_t citizen, int64_t session_id, int64_t since, int64_t limit,
                         int64_t offset, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_HISTORY_COUNT, "iiiii", citizen, citizen, citizen, session_id, since);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_HISTORY, "iiiiiii", citizen, citizen, citizen, session_id, since, limit,
                              offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        json_t *reply = json_loads(tb_stmt_text(st, 3), 0, NULL);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:o, s:o, s:s}", "id", (json_int_t)tb_stmt_int(st, 0),
                                               "question", tb_stmt_text(st, 1), "kind", tb_stmt_text(st, 2), "reply",
                                               reply ? reply : json_null(), "rating",
                                               tb_stmt_null(st, 4) ? json_null() : json_string(tb_stmt_text(st, 4)),
                                               "created_at", as_iso(r, tb_stmt_int(st, 5))));
    }
    if (rc != TB_DONE) {
        json_decref(items);
        return NULL;
    }
    return items;
}

json_t *as_store_phrases(tb_req *r, const char *kind, const char *const *regions, int nregions)
{
    json_t *items = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_PHRASES, "t", kind);
    while (st && tb_stmt_step(st) == TB_ROW) {
        const char *region = tb_stmt_text(st, 2);
        bool ok = !*region;
        for (int i = 0; !ok && i < nregions; i++)
            ok = regions[i] && !strcmp(regions[i], region);
        if (ok)
            json_array_append_new(items,
                                  json_pack("{s:s, s:s}", "text", tb_stmt_text(st, 0), "reply", tb_stmt_text(st, 1)));
    }
    return items;
}

json_t *as_store_recent_queries(tb_req *r, int64_t since, int min_sessions, int n)
{
    json_t *items = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_RECENT, "iii", since, (int64_t)min_sessions, (int64_t)n * 4);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, json_pack("{s:s, s:I}", "text", tb_stmt_text(st, 0), "count",
                                               (json_int_t)tb_stmt_int(st, 1)));
    return items;
}

/* ---- dialogues */

static void read_dialogue(tb_req *r, tb_stmt *st, as_dialogue *d)
{
    *d = (as_dialogue){.id = tb_stmt_int(st, 0),
                       .created_at = tb_stmt_int(st, 1),
                       .updated_at = tb_stmt_int(st, 2),
                       .published_at = tb_stmt_int(st, 3),
                       .version = (int)tb_stmt_int(st, 4),
                       .code = dup(r, st, 5),
                       .name = dup(r, st, 6),
                       .definition = dup(r, st, 7),
                       .published = dup(r, st, 8),
                       .updated_by = dup(r, st, 9)};
}

json_t *as_store_dialogues(tb_req *r)
{
    tb_stmt *st = tb_db_query(r->db, SQL_DIALOGUES, "");
    if (!st)
        return NULL;
    json_t *items = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        as_dialogue d;
        read_dialogue(r, st, &d);
        json_t *def = json_loads(d.definition, 0, NULL);
        const char *status = !d.published ? "draft" : strcmp(d.published, d.definition) ? "changed" : "published";
        json_t *triggers = json_incref(json_object_get(def, "triggers"));
        json_array_append_new(
            items, json_pack("{s:I, s:s, s:s, s:i, s:s, s:o, s:s, s:o, s:s}", "id", (json_int_t)d.id, "code", d.code,
                             "name", d.name, "version", d.version, "status", status, "triggers",
                             json_is_array(triggers) ? triggers : json_array(), "updated_at",
                             as_iso(r, d.updated_at), "published_at",
                             d.published_at ? json_string(as_iso(r, d.published_at)) : json_null(), "updated_by",
                             d.updated_by ? d.updated_by : ""));
        if (!json_is_array(triggers))
            json_decref(triggers);
        json_decref(def);
    }
    if (rc != TB_DONE) {
        json_decref(items);
        return NULL;
    }
    return items;
}

int as_store_dialogue_get(tb_req *r, int64_t id, as_dialogue *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_DIALOGUE_GET, "i", id);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc != TB_ROW)
        return rc == TB_DONE ? 1 : -1;
    read_dialogue(r, st, out);
    tb_stmt_done(st);
    return 0;
}

int as_store_dialogue_by_code(tb_db *db, const char *code, int64_t *id)
{
    tb_stmt *st = tb_db_query(db, SQL_DIALOGUE_BY_CODE, "t", code);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc != TB_ROW)
        return rc == TB_DONE ? 1 : -1;
    *id = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return 0;
}

json_t *as_store_published(tb_req *r)
{
    json_t *items = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_PUBLISHED, "");
    while (st && tb_stmt_step(st) == TB_ROW) {
        json_t *def = json_loads(tb_stmt_text(st, 4), 0, NULL);
        if (!json_is_object(def)) {
            json_decref(def);
            continue;
        }
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:i, s:o}", "id", (json_int_t)tb_stmt_int(st, 0),
                                               "code", tb_stmt_text(st, 1), "name", tb_stmt_text(st, 2), "version",
                                               (int)tb_stmt_int(st, 3), "definition", def));
    }
    return items;
}

int64_t as_store_dialogue_insert(tb_db *db, const char *code, const char *name, const char *definition,
                                 const char *actor, int64_t now)
{
    return tb_db_int(db, -1, SQL_DIALOGUE_INSERT, "ttttii", code, name, definition, actor, now, now);
}

long as_store_dialogue_update(tb_db *db, int64_t id, const char *name, const char *definition, const char *actor,
                              int64_t now)
{
    return tb_db_exec(db, SQL_DIALOGUE_UPDATE, "tttii", name, definition, actor, now, id);
}

long as_store_dialogue_publish(tb_db *db, int64_t id, const char *actor, int64_t now)
{
    return tb_db_exec(db, SQL_DIALOGUE_PUBLISH, "tiii", actor, now, now, id);
}

long as_store_dialogue_withdraw(tb_db *db, int64_t id, const char *actor, int64_t now)
{
    return tb_db_exec(db, SQL_DIALOGUE_WITHDRAW, "tii", actor, now, id);
}

long as_store_purge(tb_db *db, int64_t before)
{
    long n = tb_db_exec(db, SQL_PURGE_MESSAGES, "i", before);
    if (n < 0 || tb_db_exec(db, SQL_PURGE_SESSIONS, "i", before) < 0)
        return -1;
    return n;
}
