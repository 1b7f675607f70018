/* SQL of the account and personal-space part of the identity module: session windows, profile,
 * deregistration, login history, contacts, addresses, favourites and footprints. Every statement
 * of a personal list names the owner (citizen_id = ?), so one citizen never reaches another's rows. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "mod/identity/identity_internal.h"


static const char SQL_SES_WINDOWS[] = "SELECT elevated_until, phone_verified_until FROM sessions WHERE token_digest = ?";
static const char SQL_SES_ELEVATE[] = "UPDATE sessions SET elevated_until = ? WHERE token_digest = ?";
static const char SQL_SES_PHONE[] = "UPDATE sessions SET phone_verified_until = ? WHERE token_digest = ?";
static const char SQL_CIT_REL_ID[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE released_id_bidx = ? "
                                     "AND status = 'deregistered' ORDER BY id DESC LIMIT 1";
static const char SQL_CIT_REL_PHONE[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE released_phone_bidx = ? "
                                        "AND status = 'deregistered' ORDER BY id DESC LIMIT 1";
static const char SQL_CIT_REL_USCC[] = "SELECT " CITIZEN_COLS " FROM citizens WHERE released_uscc = ? "
                                       "AND status = 'deregistered' ORDER BY id DESC LIMIT 1";
static const char SQL_CIT_SET_PHONE[] = "UPDATE citizens SET phone_enc = ?, phone_bidx = ?, updated_at = ? "
                                        "WHERE id = ? AND status = 'active'";
static const char SQL_SES_EMAIL[] = "SELECT email_verified_until FROM sessions WHERE token_digest = ?";
static const char SQL_SES_SET_EMAIL[] = "UPDATE sessions SET email_verified_until = ? WHERE token_digest = ?";
static const char SQL_FACE_INSERT[] = "INSERT INTO face_challenges(token_digest, citizen_id, session_digest, "
                                      "created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_FACE_GET[] = "SELECT id, citizen_id, session_digest, status, COALESCE(reason, ''), expires_at "
                                   "FROM face_challenges WHERE token_digest = ?";
static const char SQL_FACE_SETTLE[] = "UPDATE face_challenges SET status = ?, reason = ?, result_at = ? "
                                      "WHERE id = ? AND status = 'pending' AND expires_at > ?";
static const char SQL_FACE_RECENT[] = "SELECT COUNT(*) FROM face_challenges WHERE citizen_id = ? AND created_at >= ?";
static const char SQL_CIT_EMAIL[] = "SELECT email_enc FROM citizens WHERE id = ?";
static const char SQL_CIT_SET_EMAIL[] = "UPDATE citizens SET email_enc = ?, updated_at = ? WHERE id = ? "
                                        "AND status = 'active'";
static const char SQL_CIT_PROFILE[] = "SELECT profile_enc FROM citizens WHERE id = ?";
static const char SQL_CIT_SET_PROFILE[] = "UPDATE citizens SET profile_enc = ?, updated_at = ? WHERE id = ? "
                                          "AND status = 'active'";
static const char SQL_CIT_DEREGISTER[] =
    "UPDATE citizens SET status = 'deregistered', deregistered_at = ?, updated_at = ?, "
    "released_id_bidx = id_number_bidx, released_phone_bidx = phone_bidx, released_uscc = uscc, "
    "id_number_bidx = NULL, uscc = NULL, phone_bidx = ?, profile_enc = NULL, email_enc = NULL "
    "WHERE id = ? AND status = 'active'";
static const char SQL_DEL_ADDRESSES[] = "DELETE FROM citizen_addresses WHERE citizen_id = ?";
static const char SQL_DEL_CONTACTS[] = "DELETE FROM citizen_contacts WHERE citizen_id = ?";
static const char SQL_DEL_FAVORITES[] = "DELETE FROM citizen_favorites WHERE citizen_id = ?";
static const char SQL_DEL_FOOTPRINTS[] = "DELETE FROM citizen_footprints WHERE citizen_id = ?";
static const char SQL_DEL_SESSIONS[] = "DELETE FROM sessions WHERE realm = 'citizen' AND subject_id = ?";

static const char SQL_LOGIN_INSERT[] = "INSERT INTO login_history(citizen_id, at, ip, ip_prefix, ua_digest, device, "
                                       "result, alerted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_LOGIN_SEEN[] =
    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN ip_prefix = ? THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN ua_digest = ? THEN 1 ELSE 0 END), 0) FROM login_history "
    "WHERE citizen_id = ? AND result = 'ok' AND at >= ?";
static const char SQL_LOGIN_COUNT[] = "SELECT COUNT(*) FROM login_history WHERE citizen_id = ?";
static const char SQL_LOGIN_LIST[] = "SELECT id, at, ip, device, result, alerted FROM login_history "
                                     "WHERE citizen_id = ? ORDER BY id DESC LIMIT ? OFFSET ?";

static const char SQL_CON_COUNT[] = "SELECT COUNT(*) FROM citizen_contacts WHERE citizen_id = ?";
static const char SQL_CON_INSERT[] = "INSERT INTO citizen_contacts(citizen_id, kind, name, relation, id_number_enc, "
                                     "id_number_bidx, phone_enc, created_at, updated_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_CON_UPDATE[] = "UPDATE citizen_contacts SET kind = ?, name = ?, relation = ?, id_number_enc = ?, "
                                     "id_number_bidx = ?, phone_enc = ?, updated_at = ? WHERE id = ? AND citizen_id = ?";
static const char SQL_CON_DELETE[] = "DELETE FROM citizen_contacts WHERE id = ? AND citizen_id = ?";
static const char SQL_CON_LIST[] = "SELECT id, kind, name, relation, id_number_enc, phone_enc, created_at, updated_at "
                                   "FROM citizen_contacts WHERE citizen_id = ? ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_CON_ONE[] = "SELECT id, kind, name, relation, id_number_enc, phone_enc, created_at, updated_at "
                                  "FROM citizen_contacts WHERE citizen_id = ? AND id = ?";

static const char SQL_ADR_COUNT[] = "SELECT COUNT(*) FROM citizen_addresses WHERE citizen_id = ?";
static const char SQL_ADR_INSERT[] = "INSERT INTO citizen_addresses(citizen_id, name, phone_enc, region, detail_enc, "
                                     "postcode, is_default, created_at, updated_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) RETURNING id";
static const char SQL_ADR_UPDATE[] = "UPDATE citizen_addresses SET name = ?, phone_enc = ?, region = ?, detail_enc = ?, "
                                     "postcode = ?, updated_at = ? WHERE id = ? AND citizen_id = ?";
static const char SQL_ADR_DELETE[] = "DELETE FROM citizen_addresses WHERE id = ? AND citizen_id = ?";
static const char SQL_ADR_DEFAULT[] = "UPDATE citizen_addresses SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END "
                                      "WHERE citizen_id = ?";
static const char SQL_ADR_NEWEST[] = "SELECT MAX(id) FROM citizen_addresses WHERE citizen_id = ?";
static const char SQL_ADR_LIST[] = "SELECT id, name, phone_enc, region, detail_enc, postcode, is_default, created_at, "
                                   "updated_at FROM citizen_addresses WHERE citizen_id = ? "
                                   "ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_ADR_ONE[] = "SELECT id, name, phone_enc, region, detail_enc, postcode, is_default, created_at, "
                                  "updated_at FROM citizen_addresses WHERE citizen_id = ? AND id = ?";

static const char SQL_FAV_ADD[] = "INSERT INTO citizen_favorites(citizen_id, matter_code, created_at) VALUES (?, ?, ?) "
                                  "ON CONFLICT (citizen_id, matter_code) DO NOTHING";
static const char SQL_FAV_DELETE[] = "DELETE FROM citizen_favorites WHERE citizen_id = ? AND matter_code = ?";
static const char SQL_FAV_HAS[] = "SELECT COUNT(*) FROM citizen_favorites WHERE citizen_id = ? AND matter_code = ?";
static const char SQL_FAV_COUNT[] = "SELECT COUNT(*) FROM citizen_favorites WHERE citizen_id = ?";
static const char SQL_FAV_LIST[] = "SELECT matter_code, created_at FROM citizen_favorites WHERE citizen_id = ? "
                                   "ORDER BY created_at DESC, matter_code LIMIT ? OFFSET ?";
static const char SQL_FOOT_TOUCH[] =
    "INSERT INTO citizen_footprints(citizen_id, matter_code, visited_at, visits) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (citizen_id, matter_code) DO UPDATE SET visited_at = excluded.visited_at, "
    "visits = citizen_footprints.visits + 1";
static const char SQL_FOOT_TRIM[] =
    "DELETE FROM citizen_footprints WHERE citizen_id = ? AND matter_code IN (SELECT matter_code FROM "
    "citizen_footprints WHERE citizen_id = ? ORDER BY visited_at DESC, matter_code LIMIT 1000000 OFFSET ?)";
static const char SQL_FOOT_CLEAR[] = "DELETE FROM citizen_footprints WHERE citizen_id = ?";
static const char SQL_FOOT_COUNT[] = "SELECT COUNT(*) FROM citizen_footprints WHERE citizen_id = ?";
static const char SQL_FOOT_LIST[] = "SELECT matter_code, visited_at, visits FROM citizen_footprints "
                                    "WHERE citizen_id = ? ORDER BY visited_at DESC, matter_code LIMIT ? OFFSET ?";

/* ---- helpers ---- */
/* Rows into an array of objects; types: one letter per column, 't' text (NULL -> null), 'i' integer. */
static json_t *rows(tb_stmt *st, const char *const *names, const char *types)
{
    if (!st)
        return NULL;
    json_t *arr = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        json_t *o = json_object();
        for (int i = 0; types[i]; i++) {
            json_t *v = tb_stmt_null(st, i) ? json_null()
                        : types[i] == 'i'   ? json_integer((json_int_t)tb_stmt_int(st, i))
                                            : json_string(tb_stmt_text(st, i));
            json_object_set_new(o, names[i], v ? v : json_null());
        }
        json_array_append_new(arr, o);
    }
    tb_stmt_done(st);
    if (rc != TB_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static const char *dup(tb_req *r, tb_stmt *st, int col) { return tb_arena_strdup(r->arena, tb_stmt_text(st, col)); }

/* ---- sessions ---- */
int store_session_windows(tb_req *r, const char *digest, int64_t *elevated_until, int64_t *phone_verified_until)
{
    tb_stmt *st = tb_db_query(r->db, SQL_SES_WINDOWS, "t", digest);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return tb_stmt_done(st), -1;
    *elevated_until = tb_stmt_int(st, 0);
    *phone_verified_until = tb_stmt_int(st, 1);
    tb_stmt_done(st);
    return 0;
}

int store_session_set_elevated(tb_db *db, const char *digest, int64_t until)
{
    return tb_db_exec(db, SQL_SES_ELEVATE, "it", until, digest) == 1 ? 0 : -1;
}

int store_session_set_phone_verified(tb_db *db, const char *digest, int64_t until)
{
    return tb_db_exec(db, SQL_SES_PHONE, "it", until, digest) == 1 ? 0 : -1;
}

int64_t store_session_email_verified(tb_req *r, const char *digest)
{
    return tb_db_int(r->db, 0, SQL_SES_EMAIL, "t", digest);
}

int store_session_set_email_verified(tb_db *db, const char *digest, int64_t until)
{
    return tb_db_exec(db, SQL_SES_SET_EMAIL, "it", until, digest) == 1 ? 0 : -1;
}

/* ---- face-verification challenges ---- */
int64_t store_face_insert(tb_db *db, const char *token_digest, int64_t citizen_id, const char *session_digest,
                          int64_t expires_at)
{
    return tb_db_int(db, -1, SQL_FACE_INSERT, "titii", token_digest, citizen_id,
                     session_digest, tb_now(), expires_at);
}

int store_face_get(tb_req *r, const char *token_digest, face_row *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_FACE_GET, "t", token_digest);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return tb_stmt_done(st), -1;
    *out = (face_row){tb_stmt_int(st, 0), tb_stmt_int(st, 1), tb_stmt_int(st, 5), dup(r, st, 2), dup(r, st, 3),
                      dup(r, st, 4)};
    tb_stmt_done(st);
    return 0;
}

int store_face_settle(tb_db *db, int64_t id, const char *status, const char *reason)
{
    int64_t now = tb_now();
    long n = tb_db_exec(db, SQL_FACE_SETTLE, "ttiii", status, reason, now, id, now);
    return n < 0 ? -1 : n > 0;
}

int64_t store_face_recent(tb_db *db, int64_t citizen_id, int64_t since)
{
    return tb_db_int(db, -1, SQL_FACE_RECENT, "ii", citizen_id, since);
}

/* ---- e-mail ---- */
const char *store_citizen_email(tb_req *r, int64_t id)
{
    tb_stmt *st = tb_db_query(r->db, SQL_CIT_EMAIL, "i", id);
    const char *enc = st && tb_stmt_step(st) == TB_ROW && !tb_stmt_null(st, 0) ? dup(r, st, 0) : NULL;
    tb_stmt_done(st);
    return enc;
}

int store_citizen_set_email(tb_db *db, int64_t id, const char *email_enc)
{
    return tb_db_exec(db, SQL_CIT_SET_EMAIL, "tii", email_enc, tb_now(), id) == 1 ? 0 : -1;
}

/* ---- citizens ---- */
int store_citizen_by_released(tb_req *r, const char *column, const char *value, citizen_row *c)
{
    const char *sql = !strcmp(column, "id_number") ? SQL_CIT_REL_ID
                      : !strcmp(column, "phone")   ? SQL_CIT_REL_PHONE
                                                   : SQL_CIT_REL_USCC;
    return store_read_citizen(r, tb_db_query(r->db, sql, "t", value), c);
}

int store_citizen_set_phone(tb_db *db, int64_t id, const char *phone_enc, const char *phone_bidx)
{
    return tb_db_exec(db, SQL_CIT_SET_PHONE, "ttii", phone_enc, phone_bidx, tb_now(), id) == 1 ? 0 : -1;
}

const char *store_citizen_profile(tb_req *r, int64_t id)
{
    tb_stmt *st = tb_db_query(r->db, SQL_CIT_PROFILE, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return tb_stmt_done(st), NULL;
    const char *v = tb_stmt_null(st, 0) ? NULL : dup(r, st, 0);
    tb_stmt_done(st);
    return v;
}

int store_citizen_set_profile(tb_db *db, int64_t id, const char *profile_enc)
{
    return tb_db_exec(db, SQL_CIT_SET_PROFILE, "tii", profile_enc, tb_now(), id) == 1 ? 0 : -1;
}

int store_citizen_deregister(tb_db *db, int64_t id)
{
    char placeholder[48];
    int64_t now = tb_now();
    snprintf(placeholder, sizeof placeholder, "released:%lld", (long long)id); /* phone_bidx is NOT NULL UNIQUE */
    if (tb_db_exec(db, SQL_CIT_DEREGISTER, "iiti", now, now, placeholder, id) != 1)
        return -1;
    const char *lists[] = {SQL_DEL_ADDRESSES, SQL_DEL_CONTACTS, SQL_DEL_FAVORITES, SQL_DEL_FOOTPRINTS,
                           SQL_DEL_SESSIONS};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (tb_db_exec(db, lists[i], "i", id) < 0)
            return -1;
    return 0;
}

/* ---- login history ---- */
int store_login_insert(tb_db *db, int64_t citizen_id, const char *ip, const char *prefix, const char *ua_digest,
                       const char *device, const char *result, bool alerted)
{
    return tb_db_exec(db, SQL_LOGIN_INSERT, "iittttti", citizen_id, tb_now(), ip, prefix, ua_digest, device, result,
                      (int64_t)alerted) == 1
               ? 0
               : -1;
}

int store_login_seen(tb_req *r, int64_t citizen_id, int64_t since, const char *prefix, const char *ua_digest,
                     int64_t *total, int64_t *same_prefix, int64_t *same_device)
{
    tb_stmt *st = tb_db_query(r->db, SQL_LOGIN_SEEN, "ttii", prefix, ua_digest, citizen_id, since);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return tb_stmt_done(st), -1;
    *total = tb_stmt_int(st, 0);
    *same_prefix = tb_stmt_int(st, 1);
    *same_device = tb_stmt_int(st, 2);
    tb_stmt_done(st);
    return 0;
}

json_t *store_login_list(tb_req *r, int64_t citizen_id, int64_t limit, int64_t offset, int64_t *total)
{
    static const char *const names[] = {"id", "at", "ip", "device", "result", "alerted"};
    *total = tb_db_int(r->db, 0, SQL_LOGIN_COUNT, "i", citizen_id);
    return rows(tb_db_query(r->db, SQL_LOGIN_LIST, "iii", citizen_id, limit, offset), names, "iittti");
}

/* ---- contacts ---- */
static const char *const CONTACT_NAMES[] = {"id", "kind", "name", "relation", "id_number_enc", "phone_enc",
                                            "created_at", "updated_at"};

int64_t store_contact_count(tb_db *db, int64_t citizen_id)
{
    return tb_db_int(db, -1, SQL_CON_COUNT, "i", citizen_id);
}

int64_t store_contact_insert(tb_db *db, int64_t citizen_id, const char *kind, const char *name, const char *relation,
                             const char *id_enc, const char *id_bidx, const char *phone_enc)
{
    int64_t now = tb_now();
    return tb_db_int(db, -1, SQL_CON_INSERT, "ittttttii", citizen_id, kind, name, relation, id_enc, id_bidx, phone_enc,
                     now, now);
}

int store_contact_update(tb_db *db, int64_t citizen_id, int64_t id, const char *kind, const char *name,
                         const char *relation, const char *id_enc, const char *id_bidx, const char *phone_enc)
{
    long n = tb_db_exec(db, SQL_CON_UPDATE, "ttttttiii", kind, name, relation, id_enc, id_bidx, phone_enc, tb_now(), id,
                        citizen_id);
    return n < 0 ? -1 : (int)n;
}

int store_contact_delete(tb_db *db, int64_t citizen_id, int64_t id)
{
    long n = tb_db_exec(db, SQL_CON_DELETE, "ii", id, citizen_id);
    return n < 0 ? -1 : (int)n;
}

json_t *store_contact_list(tb_req *r, int64_t citizen_id, int64_t id, int64_t limit, int64_t offset, int64_t *total)
{
    if (id) {
        *total = 1;
        return rows(tb_db_query(r->db, SQL_CON_ONE, "ii", citizen_id, id), CONTACT_NAMES, "itttttii");
    }
    *total = tb_db_int(r->db, 0, SQL_CON_COUNT, "i", citizen_id);
    return rows(tb_db_query(r->db, SQL_CON_LIST, "iii", citizen_id, limit, offset), CONTACT_NAMES, "itttttii");
}

/* ---- addresses ---- */
static const char *const ADDRESS_NAMES[] = {"id", "name", "phone_enc", "region", "detail_enc", "postcode",
                                            "is_default", "created_at", "updated_at"};
#define ADDRESS_TYPES "itttttiii"

int64_t store_address_count(tb_db *db, int64_t citizen_id)
{
    return tb_db_int(db, -1, SQL_ADR_COUNT, "i", citizen_id);
}

int64_t store_address_insert(tb_db *db, int64_t citizen_id, const char *name, const char *phone_enc,
                             const char *region, const char *detail_enc, const char *postcode)
{
    int64_t now = tb_now();
    return tb_db_int(db, -1, SQL_ADR_INSERT, "itttttii", citizen_id, name, phone_enc, region, detail_enc, postcode, now,
                     now);
}

int store_address_update(tb_db *db, int64_t citizen_id, int64_t id, const char *name, const char *phone_enc,
                         const char *region, const char *detail_enc, const char *postcode)
{
    long n = tb_db_exec(db, SQL_ADR_UPDATE, "tttttiii", name, phone_enc, region, detail_enc, postcode, tb_now(), id,
                        citizen_id);
    return n < 0 ? -1 : (int)n;
}

int store_address_delete(tb_db *db, int64_t citizen_id, int64_t id)
{
    long n = tb_db_exec(db, SQL_ADR_DELETE, "ii", id, citizen_id);
    return n < 0 ? -1 : (int)n;
}

int store_address_set_default(tb_db *db, int64_t citizen_id, int64_t id)
{
    if (!id) {
        id = tb_db_int(db, 0, SQL_ADR_NEWEST, "i", citizen_id);
        if (id <= 0)
            return id < 0 ? -1 : 0;
    }
    long n = tb_db_exec(db, SQL_ADR_DEFAULT, "ii", id, citizen_id);
    return n < 0 ? -1 : (int)n;
}

json_t *store_address_list(tb_req *r, int64_t citizen_id, int64_t id, int64_t limit, int64_t offset, int64_t *total)
{
    if (id) {
        *total = 1;
        return rows(tb_db_query(r->db, SQL_ADR_ONE, "ii", citizen_id, id), ADDRESS_NAMES, ADDRESS_TYPES);
    }
    *total = tb_db_int(r->db, 0, SQL_ADR_COUNT, "i", citizen_id);
    return rows(tb_db_query(r->db, SQL_ADR_LIST, "iii", citizen_id, limit, offset), ADDRESS_NAMES, ADDRESS_TYPES);
}

/* ---- favourites and footprints (times in milliseconds: two clicks in one second keep their order) ---- */
int store_favorite_add(tb_db *db, int64_t citizen_id, const char *code)
{
    return tb_db_exec(db, SQL_FAV_ADD, "iti", citizen_id, code, tb_now_ms()) < 0 ? -1 : 0;
}

int store_favorite_delete(tb_db *db, int64_t citizen_id, const char *code)
{
    long n = tb_db_exec(db, SQL_FAV_DELETE, "it", citizen_id, code);
    return n < 0 ? -1 : (int)n;
}

int store_favorite_has(tb_req *r, int64_t citizen_id, const char *code)
{
    int64_t n = tb_db_int(r->db, -1, SQL_FAV_HAS, "it", citizen_id, code);
    return n < 0 ? -1 : n > 0;
}

json_t *store_favorite_list(tb_req *r, int64_t citizen_id, int64_t limit, int64_t offset, int64_t *total)
{
    static const char *const names[] = {"matter_code", "at_ms"};
    *total = tb_db_int(r->db, 0, SQL_FAV_COUNT, "i", citizen_id);
    return rows(tb_db_query(r->db, SQL_FAV_LIST, "iii", citizen_id, limit, offset), names, "ti");
}

int store_footprint_touch(tb_db *db, int64_t citizen_id, const char *code, int keep)
{
    if (tb_db_exec(db, SQL_FOOT_TOUCH, "iti", citizen_id, code, tb_now_ms()) < 0)
        return -1;
    return tb_db_exec(db, SQL_FOOT_TRIM, "iii", citizen_id, citizen_id, (int64_t)keep) < 0 ? -1 : 0;
}

int store_footprint_clear(tb_db *db, int64_t citizen_id)
{
    return tb_db_exec(db, SQL_FOOT_CLEAR, "i", citizen_id) < 0 ? -1 : 0;
}

json_t *store_footprint_list(tb_req *r, int64_t citizen_id, int64_t limit, int64_t offset, int64_t *total)
{
    static const char *const names[] = {"matter_code", "at_ms", "visits"};
    *total = tb_db_int(r->db, 0, SQL_FOOT_COUNT, "i", citizen_id);
    return rows(tb_db_query(r->db, SQL_FOOT_LIST, "iii", citizen_id, limit, offset), names, "tii");
}
