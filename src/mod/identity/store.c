/* SQL of the identity module: citizens, staff, sessions, SMS codes. */
#include <string.h>

#include "core/config.h"
#include "core/timeutil.h"
#include "mod/identity/identity_internal.h"

static const char SQL_CIT_BY_ID_BIDX[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE id_number_bidx = ?";
static const char SQL_CIT_BY_PHONE_BIDX[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE phone_bidx = ?";
static const char SQL_CIT_BY_USCC[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE uscc = ?";
static const char SQL_CIT_BY_PK[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE id = ?";
static const char SQL_CIT_EXISTS[] = "SELECT COUNT(*) FROM citizens WHERE id_number_bidx = ? OR phone_bidx = ? "
                                     "OR uscc = ?";
static const char SQL_CIT_INSERT[] =
    "INSERT INTO citizens(type, name, id_number_enc, id_number_bidx, phone_enc, phone_bidx, uscc, legal_rep, "
    "contact_name, password_hash, created_at, updated_at, password_changed_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_CIT_SET_PW[] = "UPDATE citizens SET password_hash = ?, password_changed_at = ?, "
                                     "updated_at = ? WHERE id = ?";
#define STAFF_COLS "id, login, name, role, password_hash, status"
static const char SQL_STAFF_BY_LOGIN[] = "SELECT " STAFF_COLS " FROM staff WHERE login = ?";
static const char SQL_STAFF_BY_ID[] = "SELECT " STAFF_COLS " FROM staff WHERE id = ?";
static const char SQL_STAFF_INSERT[] = "INSERT INTO staff(login, name, role, password_hash, created_at, updated_at) "
                                       "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_SES_INSERT[] = "INSERT INTO sessions(token_digest, realm, subject_id, csrf, created_at, "
                                     "last_seen, expires_at, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SES_GET[] = "SELECT subject_id, csrf, last_seen, expires_at FROM sessions "
                                  "WHERE token_digest = ? AND realm = ?";
static const char SQL_SES_TOUCH[] = "UPDATE sessions SET last_seen = ? WHERE token_digest = ?";
static const char SQL_SES_DELETE[] = "DELETE FROM sessions WHERE token_digest = ?";
static const char SQL_SES_DELETE_SUBJECT[] = "DELETE FROM sessions WHERE realm = ? AND subject_id = ? "
                                             "AND token_digest <> ?";
static const char SQL_SES_PRUNE[] = "DELETE FROM sessions WHERE expires_at < ? OR last_seen < ?";
static const char SQL_SMS_INSERT[] = "INSERT INTO sms_codes(phone_bidx, purpose, code_digest, created_at, "
                                     "expires_at) VALUES (?, ?, ?, ?, ?)";
static const char SQL_SMS_LATEST[] = "SELECT id, code_digest, expires_at, attempts FROM sms_codes "
                                     "WHERE phone_bidx = ? AND purpose = ? AND used = 0 ORDER BY id DESC LIMIT 1";
static const char SQL_SMS_ATTEMPT[] = "UPDATE sms_codes SET attempts = attempts + 1, used = ? WHERE id = ?";
static const char SQL_SMS_USE[] = "UPDATE sms_codes SET used = 1 WHERE id = ?";

static const char *dup(tb_req *r, tb_stmt *st, int col) { return tb_arena_strdup(r->arena, tb_stmt_text(st, col)); }

int store_read_citizen(tb_req *r, tb_stmt *st, citizen_row *c)
{
    if (!st)
        return -1;
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    c->id = tb_stmt_int(st, 0);
    c->type = dup(r, st, 1);
    c->name = dup(r, st, 2);
    c->id_number_enc = dup(r, st, 3);
    c->phone_enc = dup(r, st, 4);
    c->uscc = dup(r, st, 5);
    c->legal_rep = dup(r, st, 6);
    c->contact_name = dup(r, st, 7);
    c->password_hash = dup(r, st, 8);
    c->status = dup(r, st, 9);
    tb_stmt_done(st);
    return 0;
}

int store_citizen_by_bidx(tb_req *r, const char *column, const char *value, citizen_row *out)
{
    const char *sql = !strcmp(column, "id_number") ? SQL_CIT_BY_ID_BIDX
                      : !strcmp(column, "phone")   ? SQL_CIT_BY_PHONE_BIDX
                                                   : SQL_CIT_BY_USCC;
    return store_read_citizen(r, tb_db_query(r->db, sql, "t", value), out);
}

int store_citizen_by_id(tb_req *r, int64_t id, citizen_row *out)
{
    return store_read_citizen(r, tb_db_query(r->db, SQL_CIT_BY_PK, "i", id), out);
}

int store_citizen_exists(tb_db *db, const char *id_bidx, const char *phone_bidx, const char *uscc)
{
    tb_stmt *st = tb_db_query(db, SQL_CIT_EXISTS, "ttt", id_bidx, phone_bidx, uscc);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return -1;
    int n = (int)tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return n > 0;
}

int64_t store_citizen_insert(tb_db *db, const citizen_row *c, const char *id_bidx, const char *phone_bidx)
{
    int64_t now = tb_now();
    tb_stmt *st = tb_db_query(db, SQL_CIT_INSERT, "ttttttttttiii", c->type, c->name, c->id_number_enc, id_bidx,
                              c->phone_enc, phone_bidx, c->uscc, c->legal_rep, c->contact_name, c->password_hash, now,
                              now, now);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return -1;
    int64_t id = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return id;
}

int store_citizen_set_password(tb_db *db, int64_t id, const char *hash)
{
    int64_t now = tb_now();
    return tb_db_exec(db, SQL_CIT_SET_PW, "tiii", hash, now, now, id) == 1 ? 0 : -1;
}

static int read_staff(tb_req *r, tb_stmt *st, staff_row *s)
{
    if (!st)
        return -1;
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    s->id = tb_stmt_int(st, 0);
    s->login = dup(r, st, 1);
    s->name = dup(r, st, 2);
    s->role = dup(r, st, 3);
    s->password_hash = dup(r, st, 4);
    s->status = dup(r, st, 5);
    tb_stmt_done(st);
    return 0;
}

int store_staff_by_login(tb_req *r, const char *login, staff_row *out)
{
    return read_staff(r, tb_db_query(r->db, SQL_STAFF_BY_LOGIN, "t", login), out);
}

int store_staff_by_id(tb_req *r, int64_t id, staff_row *out)
{
    return read_staff(r, tb_db_query(r->db, SQL_STAFF_BY_ID, "i", id), out);
}

int64_t store_staff_insert(tb_db *db, const char *login, const char *name, const char *role, const char *hash)
{
    int64_t now = tb_now();
    tb_stmt *st = tb_db_query(db, SQL_STAFF_INSERT, "ttttii", login, name, role, hash, now, now);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return -1;
    int64_t id = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return id;
}

int store_session_insert(tb_db *db, const char *digest, const char *realm, int64_t subject, const char *csrf,
                         int64_t expires, const char *ip)
{
    int64_t now = tb_now();
    /* expired sessions of everyone go with each login: cheap, indexless */
    tb_db_exec(db, SQL_SES_PRUNE, "ii", now, now - (int64_t)tb_cfg.session_idle_minutes * 60);
    return tb_db_exec(db, SQL_SES_INSERT, "ttitiiit", digest, realm, subject, csrf, now, now, expires, ip) == 1 ? 0
                                                                                                           : -1;
}

int store_session_get(tb_req *r, const char *digest, const char *realm, int64_t *subject, const char **csrf)
{
    tb_stmt *st = tb_db_query(r->db, SQL_SES_GET, "tt", digest, realm);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    int64_t now = tb_now(), last = tb_stmt_int(st, 2), expires = tb_stmt_int(st, 3);
    *subject = tb_stmt_int(st, 0);
    *csrf = dup(r, st, 1);
    tb_stmt_done(st);
    if (now >= expires || now - last > (int64_t)tb_cfg.session_idle_minutes * 60) {
        store_session_delete(r->db, digest);
        return -1;
    }
    if (now - last >= 30) /* write at most twice a minute per session */
        tb_db_exec(r->db, SQL_SES_TOUCH, "it", now, digest);
    return 0;
}

int store_session_delete(tb_db *db, const char *digest)
{
    return tb_db_exec(db, SQL_SES_DELETE, "t", digest) < 0 ? -1 : 0;
}

int store_sessions_delete_subject(tb_db *db, const char *realm, int64_t subject, const char *keep)
{
    return tb_db_exec(db, SQL_SES_DELETE_SUBJECT, "tit", realm, subject, keep ? keep : "") < 0 ? -1 : 0;
}

int store_sms_code_insert(tb_db *db, const char *phone_bidx, const char *purpose, const char *digest)
{
    int64_t now = tb_now();
    return tb_db_exec(db, SQL_SMS_INSERT, "tttii", phone_bidx, purpose, digest, now, now + 300) == 1 ? 0 : -1;
}

int store_sms_code_latest(tb_req *r, const char *phone_bidx, const char *purpose, int64_t *id, const char **digest,
                          int64_t *expires, int64_t *attempts)
{
    tb_stmt *st = tb_db_query(r->db, SQL_SMS_LATEST, "tt", phone_bidx, purpose);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    *id = tb_stmt_int(st, 0);
    *digest = dup(r, st, 1);
    *expires = tb_stmt_int(st, 2);
    *attempts = tb_stmt_int(st, 3);
    tb_stmt_done(st);
    return 0;
}

int store_sms_code_attempt(tb_db *db, int64_t id, bool burn)
{
    return tb_db_exec(db, SQL_SMS_ATTEMPT, "ii", (int64_t)burn, id) < 0 ? -1 : 0;
}

int store_sms_code_use(tb_db *db, int64_t id) { return tb_db_exec(db, SQL_SMS_USE, "i", id) < 0 ? -1 : 0; }

/* ---- staff second-factor challenges ---- */
static const char SQL_MFA_PRUNE[] = "DELETE FROM staff_mfa_challenges WHERE expires_at < ?";
static const char SQL_MFA_INSERT[] = "INSERT INTO staff_mfa_challenges(token_digest, staff_id, created_at, expires_at) "
                                     "VALUES (?, ?, ?, ?)";
static const char SQL_MFA_GET[] = "SELECT staff_id, sms_digest, sms_expires FROM staff_mfa_challenges "
                                  "WHERE token_digest = ? AND expires_at > ?";
static const char SQL_MFA_SET_SMS[] = "UPDATE staff_mfa_challenges SET sms_digest = ?, sms_expires = ? "
                                      "WHERE token_digest = ?";
static const char SQL_MFA_DELETE[] = "DELETE FROM staff_mfa_challenges WHERE token_digest = ?";

int store_mfa_insert(tb_db *db, const char *digest, int64_t staff_id, int64_t expires)
{
    int64_t now = tb_now();
    tb_db_exec(db, SQL_MFA_PRUNE, "i", now);
    return tb_db_exec(db, SQL_MFA_INSERT, "tiii", digest, staff_id, now, expires) == 1 ? 0 : -1;
}

int store_mfa_get(tb_req *r, const char *digest, int64_t *staff_id, const char **sms_digest, int64_t *sms_expires)
{
    tb_stmt *st = tb_db_query(r->db, SQL_MFA_GET, "ti", digest, tb_now());
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    *staff_id = tb_stmt_int(st, 0);
    *sms_digest = tb_stmt_null(st, 1) ? NULL : dup(r, st, 1);
    *sms_expires = tb_stmt_int(st, 2);
    tb_stmt_done(st);
    return 0;
}

int store_mfa_set_sms(tb_db *db, const char *digest, const char *sms_digest, int64_t sms_expires)
{
    return tb_db_exec(db, SQL_MFA_SET_SMS, "tit", sms_digest, sms_expires, digest) == 1 ? 0 : -1;
}

int store_mfa_delete(tb_db *db, const char *digest)
{
    return tb_db_exec(db, SQL_MFA_DELETE, "t", digest) < 0 ? -1 : 0;
}
