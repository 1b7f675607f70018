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
