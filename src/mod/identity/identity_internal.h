/* Shared between the files of the identity module only. */
#ifndef TB_MOD_IDENTITY_INTERNAL_H
#define TB_MOD_IDENTITY_INTERNAL_H

#include <stdbool.h>

#include "mod/identity/identity.h"

#define COOKIE_CITIZEN "tb_sid"
#define COOKIE_STAFF "tb_staff_sid"

typedef struct {
    int64_t id;
    const char *type, *name, *id_number_enc, *phone_enc, *uscc, *legal_rep, *contact_name, *password_hash, *status;
} citizen_row;

typedef struct {
    int64_t id;
    const char *login, *name, *role, *password_hash, *status;
} staff_row;

/* store.c — every statement of the module */
#define CITIZEN_COLS "id, type, name, id_number_enc, phone_enc, uscc, legal_rep, contact_name, password_hash, status"
/* The citizen row (CITIZEN_COLS, in order) of the first row of st, finishing st; 0, or -1 when there is none. */
int store_read_citizen(tb_req *r, tb_stmt *st, citizen_row *c);
int store_citizen_by_bidx(tb_req *r, const char *column, const char *value, citizen_row *out);
int store_citizen_by_id(tb_req *r, int64_t id, citizen_row *out);
int store_citizen_exists(tb_db *db, const char *id_bidx, const char *phone_bidx, const char *uscc);
int64_t store_citizen_insert(tb_db *db, const citizen_row *c, const char *id_bidx, const char *phone_bidx);
int store_citizen_set_password(tb_db *db, int64_t id, const char *hash);
int store_staff_by_login(tb_req *r, const char *login, staff_row *out);
int store_staff_by_id(tb_req *r, int64_t id, staff_row *out);
int64_t store_staff_insert(tb_db *db, const char *login, const char *name, const char *role, const char *hash);
/* Second-factor challenges of staff sign-in (password accepted, code pending). */
int store_mfa_insert(tb_db *db, const char *digest, int64_t staff_id, int64_t expires);
int store_mfa_get(tb_req *r, const char *digest, int64_t *staff_id, const char **sms_digest, int64_t *sms_expires);
int store_mfa_set_sms(tb_db *db, const char *digest, const char *sms_digest, int64_t sms_expires);
int store_mfa_delete(tb_db *db, const char *digest);
int store_session_insert(tb_db *db, const char *digest, const char *realm, int64_t subject, const char *csrf,
                         int64_t expires, const char *ip);
/* Loads a live session; -1 when missing/expired (and deletes expired ones). */
int store_session_get(tb_req *r, const char *digest, const char *realm, int64_t *subject, const char **csrf);
int store_session_delete(tb_db *db, const char *digest);
int store_sessions_delete_subject(tb_db *db, const char *realm, int64_t subject, const char *keep_digest);
int store_sms_code_insert(tb_db *db, const char *phone_bidx, const char *purpose, const char *digest);
/* The newest unused code: id, digest, expiry, attempts. */
int store_sms_code_latest(tb_req *r, const char *phone_bidx, const char *purpose, int64_t *id, const char **digest,
                          int64_t *expires, int64_t *attempts);
int store_sms_code_attempt(tb_db *db, int64_t id, bool burn);
int store_sms_code_use(tb_db *db, int64_t id);

/* session.c */
int session_auth_hook(tb_req *r, tb_error *e);
/* Starts a session: sets the cookie and returns the CSRF token (arena). */
const char *session_start(tb_req *r, const char *realm, int64_t subject);
void session_end(tb_req *r, const char *realm);
/* Lockout by account key: true when locked (reply sent). */
bool login_locked(tb_req *r, const char *account);
void login_failed(tb_req *r, const char *account);
void login_succeeded(tb_req *r, const char *account);
/* The shared part of both realms' logins: lockout, password check (with
 * comparable time for unknown accounts), session, audit. subject 0 = no
 * such active account. Returns the CSRF token, or NULL with the reply sent. */
const char *login_attempt(tb_req *r, const char *realm, const char *key, int64_t subject, const char *hash,
                          const char *password);
/* The first half of login_attempt: lockout and password (failures counted and audited). true when the
 * password is right; false with the reply sent. The lockout is not cleared: a second factor follows. */
bool login_password_check(tb_req *r, const char *realm, const char *key, int64_t subject, const char *hash,
                          const char *password);
/* Spends comparable time when the account does not exist. */
void password_dummy_verify(const char *pw);

/* staff.c */
void identity_staff_register(void);

/* sms.c */
/* Checks and consumes a code; 0 or -1 with e set (SMS_CODE_INVALID/EXPIRED). */
int sms_code_check(tb_req *r, const char *phone, const char *purpose, const char *code, tb_error *e);

/* api.c */
json_t *citizen_json(tb_req *r, const citizen_row *c, bool owner);

/* ---- account maintenance and the personal space (account.c, elevate.c, space.c, store_space.c) ---- */
#define SMS_CODE_TTL 300
#define SMS_RESEND_AFTER 60
/* sms.c: sends a code for a signed-in citizen's own purpose ("elevate" "phone_old" "phone_new"
 * "deregister") with the public route's limits; 0, or -1 with the reply sent. */
int sms_send_code(tb_req *r, const char *phone, const char *purpose);
/* The same by e-mail ("email_old" "email_new"; to: lower-cased), and its check (EMAIL_CODE_INVALID/EXPIRED,
 * field email_code). */
int email_send_code(tb_req *r, const char *email, const char *purpose);
int email_code_check(tb_req *r, const char *email, const char *purpose, const char *code, tb_error *e);
/* api.c: the arena copy of an encrypted field (NULL stays NULL). */
const char *identity_reveal(tb_req *r, const char *enc);
/* account.c: after a citizen login attempt on a known account: the history row and, on success from a
 * new IP prefix or device, the security notice. result: ok | failed | locked. */
void account_login_recorded(tb_req *r, int64_t citizen_id, const char *result);
/* routes of the files */
void identity_account_register(void);
void identity_space_register(void);
void identity_elevate_register(void);
void identity_email_register(void);
void identity_face_register(void);
/* elevate.c: the elevated-window answer {elevated, elevated_until, seconds_left} */
json_t *elevation_json(int64_t until);
/* "{sent, expires_in, resend_after}" — the answer of every code route */
void reply_code_sent(tb_req *r, const char *phone);
/* space.c: a personal-list row's created_at/updated_at (epoch seconds) as ISO text; the first row of a
 * one-row list (taking the list; NULL when empty or on error). */
void row_times_iso(json_t *row);
json_t *first_row(json_t *rows);
/* account.c: loads the signed-in citizen; false after replying 401 when the account is not active. */
bool active_citizen(tb_req *r, citizen_row *c);

/* store_space.c */
int store_session_windows(tb_req *r, const char *digest, int64_t *elevated_until, int64_t *phone_verified_until);
int store_session_set_elevated(tb_db *db, const char *digest, int64_t until);
int store_session_set_phone_verified(tb_db *db, const char *digest, int64_t until);
int store_citizen_by_released(tb_req *r, const char *column, const char *value, citizen_row *out);
int store_citizen_set_phone(tb_db *db, int64_t id, const char *phone_enc, const char *phone_bidx);
const char *store_citizen_profile(tb_req *r, int64_t id); /* profile_enc or NULL */
int store_citizen_set_profile(tb_db *db, int64_t id, const char *profile_enc);
/* the bound e-mail (email_enc or NULL) and its change; email_enc NULL unbinds */
const char *store_citizen_email(tb_req *r, int64_t id);
int store_citizen_set_email(tb_db *db, int64_t id, const char *email_enc);
int64_t store_session_email_verified(tb_req *r, const char *digest);
/* face-verification challenges of the second factor (face.c) */
typedef struct {
    int64_t id, citizen_id, expires_at;
    const char *session_digest, *status, *reason;
} face_row;
int64_t store_face_insert(tb_db *db, const char *token_digest, int64_t citizen_id, const char *session_digest,
                          int64_t expires_at);
int store_face_get(tb_req *r, const char *token_digest, face_row *out); /* 0, or -1 when missing */
/* pending and unexpired -> status (passed | failed) with reason: 1, or 0 when it was not pending, -1 */
int store_face_settle(tb_db *db, int64_t id, const char *status, const char *reason);
int64_t store_face_recent(tb_db *db, int64_t citizen_id, int64_t since);
int store_session_set_email_verified(tb_db *db, const char *digest, int64_t until);
/* status deregistered, blind indexes moved to released_*, personal lists and sessions deleted */
int store_citizen_deregister(tb_db *db, int64_t id);
int store_login_insert(tb_db *db, int64_t citizen_id, const char *ip, const char *prefix, const char *ua_digest,
                       const char *device, const char *result, bool alerted);
/* successful logins since `since`: total, from prefix, from device */
int store_login_seen(tb_req *r, int64_t citizen_id, int64_t since, const char *prefix, const char *ua_digest,
                     int64_t *total, int64_t *same_prefix, int64_t *same_device);
json_t *store_login_list(tb_req *r, int64_t citizen_id, int64_t limit, int64_t offset, int64_t *total);
/* contacts: rows as JSON objects with the raw (encrypted) columns */
int64_t store_contact_count(tb_db *db, int64_t citizen_id);
int64_t store_contact_insert(tb_db *db, int64_t citizen_id, const char *kind, const char *name, const char *relation,
                             const char *id_enc, const char *id_bidx, const char *phone_enc);
int store_contact_update(tb_db *db, int64_t citizen_id, int64_t id, const char *kind, const char *name,
                         const char *relation, const char *id_enc, const char *id_bidx, const char *phone_enc);
int store_contact_delete(tb_db *db, int64_t citizen_id, int64_t id);
json_t *store_contact_list(tb_req *r, int64_t citizen_id, int64_t id, int64_t limit, int64_t offset, int64_t *total);
/* addresses */
int64_t store_address_count(tb_db *db, int64_t citizen_id);
int64_t store_address_insert(tb_db *db, int64_t citizen_id, const char *name, const char *phone_enc,
                             const char *region, const char *detail_enc, const char *postcode);
int store_address_update(tb_db *db, int64_t citizen_id, int64_t id, const char *name, const char *phone_enc,
                         const char *region, const char *detail_enc, const char *postcode);
int store_address_delete(tb_db *db, int64_t citizen_id, int64_t id);
/* makes id the only default (id 0: the newest address); rows changed or -1 */
int store_address_set_default(tb_db *db, int64_t citizen_id, int64_t id);
json_t *store_address_list(tb_req *r, int64_t citizen_id, int64_t id, int64_t limit, int64_t offset, int64_t *total);
/* favourites and footprints: [{matter_code, at_ms}] newest first */
int store_favorite_add(tb_db *db, int64_t citizen_id, const char *code);
int store_favorite_delete(tb_db *db, int64_t citizen_id, const char *code);
int store_favorite_has(tb_req *r, int64_t citizen_id, const char *code);
json_t *store_favorite_list(tb_req *r, int64_t citizen_id, int64_t limit, int64_t offset, int64_t *total);
int store_footprint_touch(tb_db *db, int64_t citizen_id, const char *code, int keep);
int store_footprint_clear(tb_db *db, int64_t citizen_id);
json_t *store_footprint_list(tb_req *r, int64_t citizen_id, int64_t limit, int64_t offset, int64_t *total);

#endif
