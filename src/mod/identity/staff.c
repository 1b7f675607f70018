/* Staff realm: sign-in with two factors, the current staff member, TOTP
 * re-enrolment, and the account-creation half of `tongban user add`.
 *
 * Sign-in is two steps when the staff member's roles ask for a second factor
 * (administrators always): the password answers an `mfa_token` (no session
 * yet), then a TOTP code or an SMS code to the staff phone opens the session.
 * Failures of both steps count towards the same lockout of the account. */
#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/guard/guard.h"
#include "mod/identity/identity_internal.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"
#include "rules/validators.h"

#define MFA_TTL 300
#define MFA_SMS_RESEND 60

static json_t *staff_json(tb_req *r, const staff_row *s)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)s->id, "login", s->login, "name", s->name, "role",
                          s->role);
    json_t *p = org_staff_profile_json(r, s->id);
    if (p) {
        json_object_update(o, p);
        json_decref(p);
    }
    return o;
}

static const char *lock_key(tb_req *r, const char *login) { return tb_arena_printf(r->arena, "staff:%s", login); }

/* Password accepted: a challenge for the second factor. */
static void reply_challenge(tb_req *r, const staff_row *s)
{
    const char *methods[2];
    int n = org_mfa_methods(r, s->id, methods);
    const char *object = tb_arena_printf(r->arena, "staff:%lld", (long long)s->id);
    if (n == 0) {
        audit_record(r, "staff.login", object, "refused", "no second factor enrolled");
        tb_error e = {TB_E_FORBIDDEN, NULL, "账号未配置第二认证因素，请联系安全管理员重置凭据", NULL};
        return tb_reply_error(r, &e);
    }
    char token[48], digest[65];
    tb_random_token(token, 32);
    tb_token_digest(token, digest);
    if (store_mfa_insert(r->db, digest, s->id, tb_now() + MFA_TTL) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "staff.login", object, "pending", "password ok, second factor required");
    json_t *m = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(m, json_string(methods[i]));
    tb_reply_json(r, 200, json_pack("{s:b, s:s, s:o, s:i}", "mfa_required", 1, "mfa_token", token, "methods", m,
                                    "expires_in", MFA_TTL));
    tb_wipe(token, sizeof token);
}

void identity_staff_login(tb_req *r)
{
    const char *login = NULL, *password = NULL;
    tb_jfield spec[] = {TB_JSTR("login", &login, true, 64), TB_JSTR("password", &password, true, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    staff_row s;
    bool found = store_staff_by_login(r, login, &s) == 0 && !strcmp(s.status, "active");
    const char *key = lock_key(r, login);
    if (found && org_mfa_required(r->db, s.id)) {
        if (login_password_check(r, "staff", key, s.id, s.password_hash, password))
            reply_challenge(r, &s);
        return;
    }
    const char *csrf = login_attempt(r, "staff", key, found ? s.id : 0, found ? s.password_hash : NULL, password);
    if (!csrf)
        return;
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "staff", staff_json(r, &s), "csrf_token", csrf));
}

/* The challenge named by a token, with its staff member (active). -1 after replying. */
static int challenge(tb_req *r, const char *token, char digest[65], staff_row *s, const char **sms_digest,
                     int64_t *sms_expires)
{
    int64_t staff_id;
    tb_token_digest(token, digest);
    if (!tb_is_token(token, 64) || store_mfa_get(r, digest, &staff_id, sms_digest, sms_expires) != 0 ||
        store_staff_by_id(r, staff_id, s) != 0 || strcmp(s->status, "active")) {
        tb_reply_err(r, TB_E_MFA_TOKEN_INVALID, "mfa_token");
        return -1;
    }
    r->subject_realm = "staff";
    return 0;
}

static void sms_digest_of(const char *challenge_digest, const char *code, char out[65])
{
    char msg[128];
    snprintf(msg, sizeof msg, "staff-mfa|%s|%s", challenge_digest, code);
    tb_token_digest(msg, out);
}

void identity_staff_mfa(tb_req *r)
{
    const char *token = NULL, *method = NULL, *code = NULL, *sms_digest;
    tb_jfield spec[] = {TB_JSTR("mfa_token", &token, true, 64), TB_JSTR("method", &method, true, 8),
                        TB_JSTR("code", &code, true, 10), TB_JEND};
    char digest[65];
    staff_row s;
    int64_t sms_expires;
    if (!tb_req_json_spec(r, spec))
        return;
    if (strcmp(method, "totp") && strcmp(method, "sms"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "method");
    if (challenge(r, token, digest, &s, &sms_digest, &sms_expires) != 0)
        return;
    const char *key = lock_key(r, s.login), *object = tb_arena_printf(r->arena, "staff:%lld", (long long)s.id);
    if (login_locked(r, key))
        return (void)audit_record(r, "staff.login", object, "refused", "locked");
    bool ok;
    if (!strcmp(method, "totp")) {
        ok = org_totp_accept(r, s.id, code);
    } else {
        char want[65];
        sms_digest_of(digest, code, want);
        ok = sms_digest && sms_expires > tb_now() && tb_ct_equal(want, sms_digest, 64);
    }
    if (!ok) {
        login_failed(r, key);
        audit_record(r, "staff.login", object, "failed", tb_arena_printf(r->arena, "second factor %s", method));
        return tb_reply_err(r, TB_E_MFA_CODE_INVALID, "code");
    }
    store_mfa_delete(r->db, digest);
    login_succeeded(r, key);
    const char *csrf = session_start(r, "staff", s.id);
    if (!csrf)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "staff.login", object, "ok", tb_arena_printf(r->arena, "password+%s", method));
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "staff", staff_json(r, &s), "csrf_token", csrf));
}

void identity_staff_mfa_sms(tb_req *r)
{
    const char *token = NULL, *sms_digest;
    tb_jfield spec[] = {TB_JSTR("mfa_token", &token, true, 64), TB_JEND};
    char digest[65], code[8], want[65], masked[64];
    staff_row s;
    int64_t sms_expires;
    if (!tb_req_json_spec(r, spec) || challenge(r, token, digest, &s, &sms_digest, &sms_expires) != 0)
        return;
    const char *phone = org_staff_phone(r, s.id);
    if (!phone)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "method");
    const char *bucket = tb_arena_printf(r->arena, "staffsms:%lld", (long long)s.id);
    if (guard_age(r->db, bucket) < MFA_SMS_RESEND)
        return tb_reply_err(r, TB_E_SMS_TOO_FREQUENT, NULL);
    guard_hit(r->db, bucket, MFA_SMS_RESEND);
    tb_random_digits(code, 6);
    sms_digest_of(digest, code, want);
    char text[200];
    snprintf(text, sizeof text, "【黑龙江公安】您正在登录通办工作门户，验证码%s，5分钟内有效。如非本人操作，请立即联系安全管理员。",
             code);
    tb_wipe(code, sizeof code);
    if (store_mfa_set_sms(r->db, digest, want, tb_now() + MFA_TTL) != 0 ||
        notify_sms_send(r->db, phone, "staff_login", text) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_wipe(text, sizeof text);
    tb_mask_phone(phone, masked);
    audit_record(r, "staff.mfa_sms_sent", tb_arena_printf(r->arena, "staff:%lld", (long long)s.id), "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b, s:s, s:i, s:i}", "sent", 1, "phone_masked", masked, "expires_in", MFA_TTL,
                                    "resend_after", MFA_SMS_RESEND));
}

void identity_staff_logout(tb_req *r)
{
    session_end(r, "staff");
    audit_record(r, "staff.logout", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

void identity_staff_me(tb_req *r)
{
    staff_row s;
    int64_t subject;
    const char *csrf;
    if (store_staff_by_id(r, r->subject_id, &s) != 0 ||
        store_session_get(r, r->session_digest, "staff", &subject, &csrf) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "staff", staff_json(r, &s), "csrf_token", csrf));
}

/* Re-enrolment of the authenticator: the password again (a sensitive change), then a new secret,
 * shown once. The old secret stops working at once. */
static void post_me_totp(tb_req *r)
{
    const char *password = NULL, *secret, *uri;
    tb_jfield spec[] = {TB_JSTR("password", &password, true, 200), TB_JEND};
    staff_row s;
    if (!tb_req_json_spec(r, spec))
        return;
    if (store_staff_by_id(r, r->subject_id, &s) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    if (login_locked(r, lock_key(r, s.login)))
        return;
    if (!tb_password_verify(s.password_hash, password)) {
        login_failed(r, lock_key(r, s.login));
        audit_record(r, "staff.totp_enrol", tb_arena_printf(r->arena, "staff:%lld", (long long)s.id), "failed",
                     "wrong password");
        return tb_reply_err(r, TB_E_PASSWORD_MISMATCH, "password");
    }
    if (org_totp_enrol(r, s.id, &secret, &uri) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "staff.totp_enrol", tb_arena_printf(r->arena, "staff:%lld", (long long)s.id), "ok", "");
    tb_reply_json(r, 200, json_pack("{s:s, s:s}", "totp_secret", secret, "otpauth_uri", uri));
}

static const tb_route routes[] = {
    {"POST", "/api/v1/staff/auth/mfa", identity_staff_mfa, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "staff",
     "工作人员登录第二步（动态口令或短信验证码）"},
    {"POST", "/api/v1/staff/auth/mfa/sms", identity_staff_mfa_sms, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "staff",
     "发送登录短信验证码（工作人员）"},
    {"POST", "/api/v1/staff/me/totp", post_me_totp, TB_AUTH_STAFF, NULL, TB_R_JSON, "staff",
     "重新绑定动态口令（需再次输入密码）"},
};

void identity_staff_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }

int identity_staff_add(tb_db *db, const char *login, const char *name, const char *role, const char *password,
                       char *err, size_t errlen)
{
    if (!tb_is_token(login, 32)) {
        snprintf(err, errlen, "登录名只能包含字母、数字、下划线和连字符，最长32位");
        return -1;
    }
    if (!tb_valid_person_name(name)) {
        snprintf(err, errlen, "姓名格式不正确");
        return -1;
    }
    if (!tb_is_token(role, 32)) { /* a role code of the org module, which grants it */
        snprintf(err, errlen, "角色代码无效");
        return -1;
    }
    const char *weak = tb_password_policy(password, NULL, NULL);
    if (weak) {
        snprintf(err, errlen, "%s", weak);
        return -1;
    }
    char hash[128];
    if (tb_password_hash(password, hash) != 0) {
        snprintf(err, errlen, "密码哈希失败");
        return -1;
    }
    if (store_staff_insert(db, login, name, role, hash) < 0) {
        snprintf(err, errlen, tb_db_errkind_last(db) == TB_DBE_UNIQUE ? "登录名已存在" : "%s", tb_db_errmsg(db));
        return -1;
    }
    audit_record_as(db, "system", "cli", "local", "staff.create", login, "ok", role);
    return 0;
}
