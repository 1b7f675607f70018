/* SQL of the notify module: the SMS outbox. */
#include <stdlib.h>

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

int notify_outbox_put(tb_db *db, const char *phone, const char *purpose, const char *text, const char *provider)
{
    char bidx[65];
    char *enc = tb_field_encrypt(phone);
    if (!enc)
        return -1;
    tb_blind_index(phone, bidx);
    long n = tb_db_exec(db, SQL_INSERT, "tttttti", enc, bidx, purpose, text, provider, "sent", tb_now());
    free(enc);
    return n < 0 ? -1 : 0;
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
        return NULL;
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

static int64_t count(tb_stmt *st)
{
    int64_t n = st && tb_stmt_step(st) == TB_ROW ? tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    return n;
}

json_t *notify_inbox_list(tb_db *db, const char *realm, int64_t subject, bool unread_only, int64_t limit,
                          int64_t offset, int64_t *total, int64_t *unread)
{
    *total = count(tb_db_query(db, SQL_INBOX_COUNT, "tii", realm, subject, (int64_t)unread_only));
    *unread = count(tb_db_query(db, SQL_INBOX_COUNT, "tii", realm, subject, (int64_t)1));
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
