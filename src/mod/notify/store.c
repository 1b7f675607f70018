/* SQL of the notify module: the SMS outbox. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/notify/notify_internal.h"

static const char SQL_INSERT[] = "INSERT INTO sms_outbox(phone_enc, phone_bidx, purpose, text, provider, status, "
                                 "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_BY_PHONE[] = "SELECT id, phone_enc, purpose, text, created_at FROM sms_outbox "
                                   "WHERE phone_bidx = ? ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_ALL[] = "SELECT id, phone_enc, purpose, text, created_at FROM sms_outbox "
                              "ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_COUNT_PHONE[] = "SELECT COUNT(*) FROM sms_outbox WHERE phone_bidx = ?";
static const char SQL_COUNT_ALL[] = "SELECT COUNT(*) FROM sms_outbox";

int notify_outbox_put_enc(tb_db *db, const char *enc, const char *bidx, const char *purpose, const char *text,
                          const char *provider)
{
    return tb_db_exec(db, SQL_INSERT, "tttttti", enc, bidx, purpose, text, provider, "sent", tb_now()) < 0 ? -1 : 0;
}

int notify_outbox_put(tb_db *db, const char *phone, const char *purpose, const char *text, const char *provider)
{
    char bidx[65];
    char *enc = tb_field_encrypt(phone);
    if (!enc)
        return -1;
    tb_blind_index(phone, bidx);
    int rc = notify_outbox_put_enc(db, enc, bidx, purpose, text, provider);
    free(enc);
    return rc;
}

static json_t *row_json(tb_stmt *st)
{
    char at[32];
    char *phone = tb_field_decrypt(tb_stmt_text(st, 1));
    tb_time_iso(tb_stmt_int(st, 4), at);
    json_t *o = json_pack("{s:I, s:s?, s:s, s:s, s:s}", "id", (json_int_t)tb_stmt_int(st, 0), "phone", phone,
                          "purpose", tb_stmt_text(st, 2), "text", tb_stmt_text(st, 3), "created_at", at);
    free(phone);
    return o;
}

json_t *notify_outbox_list(tb_db *db, const char *phone, int64_t limit, int64_t offset, int64_t *total)
{
    char bidx[65];
    tb_stmt *st;
    if (phone) {
        tb_blind_index(phone, bidx);
        st = tb_db_query(db, SQL_COUNT_PHONE, "t", bidx);
    } else {
        st = tb_db_query(db, SQL_COUNT_ALL, NULL);
    }
    if (!st || tb_stmt_step(st) != TB_ROW)
        return tb_stmt_done(st), NULL;
    *total = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    st = phone ? tb_db_query(db, SQL_BY_PHONE, "tii", bidx, limit, offset)
               : tb_db_query(db, SQL_ALL, "ii", limit, offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW)
        json_array_append_new(items, row_json(st));
    if (rc < 0) {
        json_decref(items);
        return NULL;
    }
    return items;
}

/* ---- in-app inbox and preferences ---- */
static const char SQL_INBOX_PUT[] = "INSERT INTO inbox(realm, subject_id, kind, title, body, link, created_at) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?)";
#define INBOX_WHERE " FROM inbox WHERE realm = ? AND subject_id = ? AND (? = 0 OR read_at IS NULL)"
static const char SQL_INBOX_LIST[] = "SELECT id, kind, title, body, COALESCE(link, ''), created_at, COALESCE(read_at, 0)"
                                     INBOX_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_INBOX_COUNT[] = "SELECT COUNT(*)" INBOX_WHERE;
static const char SQL_INBOX_READ[] = "UPDATE inbox SET read_at = COALESCE(read_at, ?) WHERE id = ? AND realm = ? "
                                     "AND subject_id = ?";
static const char SQL_INBOX_READ_ALL[] = "UPDATE inbox SET read_at = ? WHERE realm = ? AND subject_id = ? AND "
                                         "read_at IS NULL";
static const char SQL_PREF_GET[] = "SELECT sms FROM notify_prefs WHERE citizen_id = ? AND kind = ?";
static const char SQL_PREF_SET[] = "INSERT INTO notify_prefs(citizen_id, kind, sms, updated_at) VALUES (?, ?, ?, ?) "
                                   "ON CONFLICT(citizen_id, kind) DO UPDATE SET sms = excluded.sms, "
                                   "updated_at = excluded.updated_at";

int notify_inbox_put(tb_db *db, const char *realm, int64_t subject, const char *kind, const char *title,
                     const char *body, const char *link)
{
    return tb_db_exec(db, SQL_INBOX_PUT, "titttti", realm, subject, kind, title, body, link, tb_now()) < 0 ? -1 : 0;
}

json_t *notify_inbox_list(tb_db *db, const char *realm, int64_t subject, bool unread_only, int64_t limit,
                          int64_t offset, int64_t *total, int64_t *unread)
{
    *total = tb_db_int(db, 0, SQL_INBOX_COUNT, "tii", realm, subject, (int64_t)unread_only);
    *unread = tb_db_int(db, 0, SQL_INBOX_COUNT, "tii", realm, subject, (int64_t)1);
    tb_stmt *st = tb_db_query(db, SQL_INBOX_LIST, "tiiii", realm, subject, (int64_t)unread_only, limit, offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW) {
        char at[32], read[32];
        tb_time_iso(tb_stmt_int(st, 5), at);
        tb_time_iso(tb_stmt_int(st, 6), read);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s?, s:b}", "id",
                                               (json_int_t)tb_stmt_int(st, 0), "kind", tb_stmt_text(st, 1), "title",
                                               tb_stmt_text(st, 2), "body", tb_stmt_text(st, 3), "link",
                                               *tb_stmt_text(st, 4) ? tb_stmt_text(st, 4) : NULL, "created_at", at,
                                               "read_at", tb_stmt_int(st, 6) ? read : NULL, "read",
                                               tb_stmt_int(st, 6) != 0));
    }
    return items;
}

int notify_inbox_read(tb_db *db, const char *realm, int64_t subject, int64_t id)
{
    return (int)tb_db_exec(db, SQL_INBOX_READ, "iiti", tb_now(), id, realm, subject);
}

long notify_inbox_read_all(tb_db *db, const char *realm, int64_t subject)
{
    return tb_db_exec(db, SQL_INBOX_READ_ALL, "iti", tb_now(), realm, subject);
}

int notify_pref_get(tb_db *db, int64_t citizen, const char *kind, int64_t *sms)
{
    tb_stmt *st = tb_db_query(db, SQL_PREF_GET, "it", citizen, kind);
    int rc = st && tb_stmt_step(st) == TB_ROW ? 0 : -1;
    if (rc == 0)
        *sms = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return rc;
}

int notify_pref_set(tb_db *db, int64_t citizen, const char *kind, bool sms)
{
    return tb_db_exec(db, SQL_PREF_SET, "itii", citizen, kind, (int64_t)sms, tb_now()) < 0 ? -1 : 0;
}

/* ---- the message center: queue, templates, applications ---- */
/* A used idempotency key inserts nothing (no row returned) instead of failing: on PostgreSQL a failed
 * statement would abort the whole transaction of a batch. */
#define MSG_IDEM_CONFLICT " ON CONFLICT (app, idem_key) WHERE idem_key IS NOT NULL DO NOTHING RETURNING id"
static const char SQL_MSG_INSERT[] =
    "INSERT INTO messages(app, idem_key, template, template_version, channel, recipient_enc, recipient_bidx, subject, "
    "body, purpose, status, send_at, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?, ?)"
    MSG_IDEM_CONFLICT;
static const char SQL_MSG_INSERT_DELIVERED[] =
    "INSERT INTO messages(app, idem_key, template, template_version, channel, recipient_enc, recipient_bidx, subject, "
    "body, purpose, status, attempts, provider, send_at, next_at, created_at, sending_at, delivered_at) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'delivered', 1, ?, ?, ?, ?, ?, ?)" MSG_IDEM_CONFLICT;
static const char SQL_MSG_BY_IDEM[] = "SELECT id FROM messages WHERE app = ? AND idem_key = ?";
static const char SQL_MSG_STATUS[] = "SELECT status FROM messages WHERE id = ?";
static const char SQL_RATE_GET[] = "SELECT minute, n FROM msg_rate WHERE app = ? AND minute >= ?";
static const char SQL_RATE_ADD[] = "INSERT INTO msg_rate(app, minute, n) VALUES (?, ?, ?) ON CONFLICT (app, minute) "
                                   "DO UPDATE SET n = msg_rate.n + excluded.n";
static const char SQL_RATE_PRUNE[] = "DELETE FROM msg_rate WHERE app = ? AND minute < ?";
#define MSG_COLS                                                                                              \
    "id, app, COALESCE(idem_key, ''), COALESCE(template, ''), COALESCE(template_version, 0), channel, "        \
    "recipient_enc, subject, body, status, attempts, send_at, COALESCE(provider, ''), COALESCE(error, ''), "    \
    "created_at, COALESCE(delivered_at, 0), COALESCE(failed_at, 0), purpose "
static const char SQL_MSG_GET[] = "SELECT " MSG_COLS "FROM messages WHERE id = ?";
#define MSG_WHERE                                                                                               \
    " FROM messages WHERE (CAST(? AS TEXT) IS NULL OR app = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR "      \
    "status = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR channel = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS " \
    "NULL OR recipient_bidx = CAST(? AS TEXT)) AND created_at >= ? AND created_at <= ?"
static const char SQL_MSG_SEARCH[] = "SELECT " MSG_COLS MSG_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_MSG_COUNT[] = "SELECT COUNT(*)" MSG_WHERE;
static const char SQL_MSG_RESEND[] = "UPDATE messages SET status = 'accepted', next_at = ?, lease_until = NULL, "
                                     "error = NULL WHERE id = ? AND status IN ('failed', 'dead')";
static const char SQL_MSG_STATS[] =
    "SELECT app, channel, status, COUNT(*), COALESCE(SUM(CASE WHEN delivered_at IS NOT NULL THEN delivered_at - "
    "send_at ELSE 0 END), 0) FROM messages WHERE created_at >= ? AND created_at <= ? GROUP BY app, channel, status "
    "ORDER BY app, channel, status";
/* Through messages_recipient (a handful of rows per recipient): written so that no planner takes
 * messages_app (app, created_at) instead, which would count every message the application sent in the
 * hour, once per message sent. */
static const char SQL_MSG_RECENT_TO[] = "SELECT COUNT(*) FROM messages WHERE recipient_bidx = ? AND (app || '') = ? "
                                        "AND (created_at + 0) >= ?";

static const char SQL_TPL_LATEST[] = "SELECT version, channel, name, subject, body, variables, status, created_at, "
                                     "created_by FROM msg_templates WHERE code = ? AND (? = 0 OR version = ?) "
                                     "ORDER BY version DESC LIMIT 1";
static const char SQL_TPL_NEXT[] = "SELECT COALESCE(MAX(version), 0) + 1 FROM msg_templates WHERE code = ?";
static const char SQL_TPL_INSERT[] = "INSERT INTO msg_templates(code, version, channel, name, subject, body, variables, "
                                     "status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)";
static const char SQL_TPL_LIST[] =
    "SELECT t.code, t.version, t.channel, t.name, t.subject, t.body, t.variables, t.status, t.created_at, "
    "t.created_by FROM msg_templates t WHERE (? = 1 AND t.code = ?) OR (? = 0 AND t.version = (SELECT MAX(version) "
    "FROM msg_templates x WHERE x.code = t.code)) ORDER BY t.code, t.version DESC";

static const char SQL_APP_GET[] = "SELECT code, name, key_enc, templates, COALESCE(callback_url, ''), per_minute, "
                                  "status, created_at FROM msg_apps WHERE code = ?";
static const char SQL_APP_LIST[] = "SELECT code, name, key_enc, templates, COALESCE(callback_url, ''), per_minute, "
                                   "status, created_at FROM msg_apps ORDER BY code";
static const char SQL_APP_INSERT[] = "INSERT INTO msg_apps(code, name, key_enc, templates, callback_url, per_minute, "
                                     "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)";
static const char SQL_APP_UPDATE[] = "UPDATE msg_apps SET name = ?, templates = ?, callback_url = ?, per_minute = ?, "
                                     "status = ?, updated_at = ? WHERE code = ?";
static const char SQL_APP_KEY[] = "UPDATE msg_apps SET key_enc = ?, updated_at = ? WHERE code = ?";

int64_t notify_store_msg_insert(tb_db *db, const notify_message *m, const char *enc, const char *bidx, int64_t now,
                                const char *delivered_by)
{
    int64_t at = m->send_at > now ? m->send_at : now;
    const char *subject = m->subject ? m->subject : "", *purpose = m->purpose ? m->purpose : "";
    tb_stmt *st =
        delivered_by ? tb_db_query(db, SQL_MSG_INSERT_DELIVERED, "tttitttttttiiiii", m->app, m->idem_key,
                                   m->template_code, (int64_t)m->template_version, m->channel, enc, bidx, subject,
                                   m->body, purpose, delivered_by, at, at, now, now, now)
                     : tb_db_query(db, SQL_MSG_INSERT, "tttittttttiii", m->app, m->idem_key, m->template_code,
                                   (int64_t)m->template_version, m->channel, enc, bidx, subject, m->body, purpose, at,
                                   at, now);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    int64_t id = rc == TB_ROW ? tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    if (rc == TB_ROW)
        return id;
    if (rc == TB_DONE && m->idem_key)
        return -2; /* the key was used before: nothing inserted */
    return tb_db_errkind_last(db) == TB_DBE_UNIQUE ? -2 : -1;
}

char *notify_store_msg_status(tb_db *db, int64_t id)
{
    tb_stmt *st = tb_db_query(db, SQL_MSG_STATUS, "i", id);
    char *s = st && tb_stmt_step(st) == TB_ROW ? strdup(tb_stmt_text(st, 0)) : NULL;
    tb_stmt_done(st);
    return s;
}

int notify_store_rate_take(tb_db *db, const char *app, int n, int64_t per_minute, int64_t now)
{
    int64_t minute = now / 60, cur = 0, prev = 0;
    bool have_cur = false;
    tb_stmt *st = tb_db_query(db, SQL_RATE_GET, "ti", app, minute - 1);
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        if (tb_stmt_int(st, 0) == minute)
            cur = tb_stmt_int(st, 1), have_cur = true;
        else if (tb_stmt_int(st, 0) == minute - 1)
            prev = tb_stmt_int(st, 1);
    }
    tb_stmt_done(st);
    if (rc < 0)
        return -1;
    /* sliding window: the previous minute weighs what is left of it in the last 60 seconds */
    int64_t used = cur + prev * (60 - now % 60) / 60;
    if (used + n > per_minute)
        return 0;
    if (tb_db_exec(db, SQL_RATE_ADD, "tii", app, minute, (int64_t)n) < 0)
        return -1;
    if (!have_cur && tb_db_exec(db, SQL_RATE_PRUNE, "ti", app, minute - 1) < 0)
        return -1;
    return 1;
}

int64_t notify_store_msg_by_idem(tb_db *db, const char *app, const char *key)
{
    return tb_db_int(db, 0, SQL_MSG_BY_IDEM, "tt", app, key);
}

int64_t notify_store_recent_to(tb_db *db, const char *bidx, const char *app, int64_t since)
{
    return tb_db_int(db, 0, SQL_MSG_RECENT_TO, "tti", bidx, app, since);
}

static json_t *msg_row(tb_stmt *st, bool mask)
{
    char created[32], delivered[32], failed[32], send_at[32], masked[64];
    char *to = tb_field_decrypt(tb_stmt_text(st, 6));
    const char *channel = tb_stmt_text(st, 5);
    if (!to)
        strcpy(masked, "");
    else if (!mask)
        snprintf(masked, sizeof masked, "%s", to);
    else if (!strcmp(channel, "sms"))
        tb_mask_phone(to, masked);
    else { /* e-mail: first character and the domain */
        const char *at = strchr(to, '@');
        snprintf(masked, sizeof masked, "%c***%s", to[0], at ? at : "");
    }
    free(to);
    tb_time_iso(tb_stmt_int(st, 14), created);
    tb_time_iso(tb_stmt_int(st, 11), send_at);
    tb_time_iso(tb_stmt_int(st, 15), delivered);
    tb_time_iso(tb_stmt_int(st, 16), failed);
    return json_pack("{s:I, s:s, s:s?, s:s?, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s}",
                     "id", (json_int_t)tb_stmt_int(st, 0), "app", tb_stmt_text(st, 1), "idempotency_key",
                     *tb_stmt_text(st, 2) ? tb_stmt_text(st, 2) : NULL, "template",
                     *tb_stmt_text(st, 3) ? tb_stmt_text(st, 3) : NULL, "template_version",
                     (json_int_t)tb_stmt_int(st, 4), "channel", channel, "to", masked, "subject", tb_stmt_text(st, 7),
                     "body", tb_stmt_text(st, 8), "status", tb_stmt_text(st, 9), "attempts",
                     (json_int_t)tb_stmt_int(st, 10), "send_at", send_at, "provider",
                     *tb_stmt_text(st, 12) ? tb_stmt_text(st, 12) : NULL, "error",
                     *tb_stmt_text(st, 13) ? tb_stmt_text(st, 13) : NULL, "created_at", created, "delivered_at",
                     tb_stmt_int(st, 15) ? delivered : NULL, "failed_at", tb_stmt_int(st, 16) ? failed : NULL,
                     "purpose", tb_stmt_text(st, 17));
}

json_t *notify_store_msg_get(tb_db *db, int64_t id)
{
    tb_stmt *st = tb_db_query(db, SQL_MSG_GET, "i", id);
    json_t *o = st && tb_stmt_step(st) == TB_ROW ? msg_row(st, true) : NULL;
    tb_stmt_done(st);
    return o;
}

json_t *notify_store_msg_search(tb_db *db, const notify_filter *f, int64_t limit, int64_t offset, int64_t *total)
{
    *total = tb_db_int(db, 0, SQL_MSG_COUNT, "ttttttttii", f->app, f->app, f->status, f->status, f->channel,
                       f->channel, f->to_bidx, f->to_bidx, f->from, f->to);
    tb_stmt *st = tb_db_query(db, SQL_MSG_SEARCH, "ttttttttiiii", f->app, f->app, f->status, f->status, f->channel,
                              f->channel, f->to_bidx, f->to_bidx, f->from, f->to, limit, offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, msg_row(st, true));
    return items;
}

int notify_store_msg_resend(tb_db *db, int64_t id) { return (int)tb_db_exec(db, SQL_MSG_RESEND, "ii", tb_now(), id); }

json_t *notify_store_msg_stats(tb_db *db, int64_t from, int64_t to)
{
    tb_stmt *st = tb_db_query(db, SQL_MSG_STATS, "ii", from, to);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    while (tb_stmt_step(st) == TB_ROW) {
        int64_t n = tb_stmt_int(st, 3), latency = tb_stmt_int(st, 4);
        json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "app", tb_stmt_text(st, 0), "channel", tb_stmt_text(st, 1),
                              "status", tb_stmt_text(st, 2), "count", (json_int_t)n);
        if (!strcmp(tb_stmt_text(st, 2), "delivered") && n > 0)
            json_object_set_new(o, "avg_seconds_to_deliver", json_real((double)latency / (double)n));
        json_array_append_new(rows, o);
    }
    return rows;
}

static json_t *tpl_row(tb_stmt *st, int off, const char *code)
{
    char at[32];
    tb_time_iso(tb_stmt_int(st, off + 7), at);
    json_t *vars = json_loads(tb_stmt_text(st, off + 5), 0, NULL);
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "code", code, "version",
                     (json_int_t)tb_stmt_int(st, off), "channel", tb_stmt_text(st, off + 1), "name",
                     tb_stmt_text(st, off + 2), "subject", tb_stmt_text(st, off + 3), "body", tb_stmt_text(st, off + 4),
                     "variables", vars ? vars : json_array(), "status", tb_stmt_text(st, off + 6), "created_at", at,
                     "created_by", tb_stmt_text(st, off + 8));
}

json_t *notify_store_template(tb_db *db, const char *code, int64_t version)
{
    tb_stmt *st = tb_db_query(db, SQL_TPL_LATEST, "tii", code, version, version);
    json_t *o = st && tb_stmt_step(st) == TB_ROW ? tpl_row(st, 0, code) : NULL;
    tb_stmt_done(st);
    return o;
}

json_t *notify_store_templates(tb_db *db, const char *code)
{
    int64_t one = code != NULL;
    tb_stmt *st = tb_db_query(db, SQL_TPL_LIST, "iti", one, code ? code : "", one);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, tpl_row(st, 1, tb_stmt_text(st, 0)));
    return items;
}

int64_t notify_store_template_add(tb_db *db, const char *code, const char *channel, const char *name,
                                  const char *subject, const char *body, const char *variables, const char *by)
{
    int64_t v = tb_db_int(db, 0, SQL_TPL_NEXT, "t", code);
    if (v <= 0 || tb_db_exec(db, SQL_TPL_INSERT, "titttttit", code, v, channel, name, subject, body, variables,
                             tb_now(), by) < 0)
        return -1;
    return v;
}

static json_t *app_row(tb_stmt *st, char **key)
{
    char at[32];
    tb_time_iso(tb_stmt_int(st, 7), at);
    if (key)
        *key = tb_field_decrypt(tb_stmt_text(st, 2));
    json_t *templates = tb_json_split(tb_stmt_text(st, 3));
    return json_pack("{s:s, s:s, s:o, s:s?, s:I, s:s, s:s}", "code", tb_stmt_text(st, 0), "name", tb_stmt_text(st, 1),
                     "templates", templates, "callback_url", *tb_stmt_text(st, 4) ? tb_stmt_text(st, 4) : NULL,
                     "per_minute", (json_int_t)tb_stmt_int(st, 5), "status", tb_stmt_text(st, 6), "created_at", at);
}

json_t *notify_store_app(tb_db *db, const char *code, char **key)
{
    tb_stmt *st = tb_db_query(db, SQL_APP_GET, "t", code);
    json_t *o = st && tb_stmt_step(st) == TB_ROW ? app_row(st, key) : NULL;
    tb_stmt_done(st);
    return o;
}

json_t *notify_store_apps(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_APP_LIST, NULL);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, app_row(st, NULL));
    return items;
}

int notify_store_app_insert(tb_db *db, const char *code, const char *name, const char *key_enc, const char *templates,
                            const char *callback, int64_t per_minute)
{
    int64_t now = tb_now();
    long n = tb_db_exec(db, SQL_APP_INSERT, "tttttiii", code, name, key_enc, templates, callback, per_minute, now, now);
    return n < 0 ? (tb_db_errkind_last(db) == TB_DBE_UNIQUE ? -2 : -1) : 0;
}

int notify_store_app_update(tb_db *db, const char *code, const char *name, const char *templates, const char *callback,
                            int64_t per_minute, const char *status)
{
    return (int)tb_db_exec(db, SQL_APP_UPDATE, "tttitit", name, templates, callback, per_minute, status, tb_now(), code);
}

int notify_store_app_key(tb_db *db, const char *code, const char *key_enc)
{
    return (int)tb_db_exec(db, SQL_APP_KEY, "tit", key_enc, tb_now(), code);
}
