/* Sessions, the authentication hook, CSRF and login lockout. The cookie
 * carries a 256-bit random token; the database keeps only its keyed digest,
 * so a leaked database does not yield live sessions. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/guard/guard.h"
#include "mod/identity/identity_internal.h"
#include "mod/org/org.h"

static const char *cookie_name(const char *realm)
{
    return strcmp(realm, "staff") == 0 ? COOKIE_STAFF : COOKIE_CITIZEN;
}

static const char *cookie_attrs(void)
{
    return tb_cfg.secure_cookies ? "; Path=/; HttpOnly; SameSite=Lax; Secure" : "; Path=/; HttpOnly; SameSite=Lax";
}

/* The session token from the request's cookie into out (false if none). */
static bool cookie_token(tb_req *r, const char *realm, char *out, size_t outlen)
{
    const char *hdr = tb_req_header(r, "cookie");
    return hdr && tb_cookie_get(hdr, strlen(hdr), cookie_name(realm), out, outlen) && tb_is_token(out, 64);
}

const char *session_start(tb_req *r, const char *realm, int64_t subject)
{
    char token[80], old[80], digest[65], csrf[48];
    if (cookie_token(r, realm, old, sizeof old)) { /* a fresh id at every login */
        tb_token_digest(old, digest);
        store_session_delete(r->db, digest);
    }
    tb_random_token(token, 32);
    tb_random_token(csrf, 18);
    tb_token_digest(token, digest);
    int64_t expires = tb_now() + (int64_t)tb_cfg.session_absolute_hours * 3600;
    if (store_session_insert(r->db, digest, realm, subject, csrf, expires, r->ip) != 0)
        return NULL;
    tb_reply_header(r, "set-cookie", tb_arena_printf(r->arena, "%s=%s%s", cookie_name(realm), token, cookie_attrs()));
    tb_wipe(token, sizeof token);
    r->subject_id = subject;
    r->subject_realm = strcmp(realm, "staff") == 0 ? "staff" : "citizen";
    memcpy(r->session_digest, digest, sizeof digest);
    return tb_arena_strdup(r->arena, csrf);
}

void session_end(tb_req *r, const char *realm)
{
    if (r->session_digest[0])
        store_session_delete(r->db, r->session_digest);
    tb_reply_header(r, "set-cookie",
                    tb_arena_printf(r->arena, "%s=; Max-Age=0%s", cookie_name(realm), cookie_attrs()));
}

static bool csrf_ok(tb_req *r, const char *csrf)
{
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
        return true;
    const char *sent = tb_req_header(r, "x-csrf-token");
    return sent && strlen(sent) == strlen(csrf) && tb_ct_equal(sent, csrf, strlen(csrf));
}

int session_auth_hook(tb_req *r, tb_error *e)
{
    const char *realm = r->route->auth == TB_AUTH_STAFF ? "staff" : "citizen";
    char token[80], digest[65];
    int64_t subject;
    const char *csrf;
    if (!cookie_token(r, realm, token, sizeof token))
        return tb_fail(e, TB_E_UNAUTHENTICATED, NULL);
    tb_token_digest(token, digest);
    if (store_session_get(r, digest, realm, &subject, &csrf) != 0)
        return tb_fail(e, TB_E_UNAUTHENTICATED, NULL);
    r->subject_id = subject;
    r->subject_realm = r->route->auth == TB_AUTH_STAFF ? "staff" : "citizen";
    memcpy(r->session_digest, digest, sizeof digest);
    if (!csrf_ok(r, csrf)) {
        audit_record(r, "security.csrf_refused", r->route->pattern, "refused", "");
        return tb_fail(e, TB_E_CSRF_FAILED, NULL);
    }
    if (r->route->auth == TB_AUTH_STAFF) {
        staff_row s;
        if (store_staff_by_id(r, subject, &s) != 0 || strcmp(s.status, "active"))
            return tb_fail(e, TB_E_UNAUTHENTICATED, NULL);
        r->subject_role = s.role;
        /* the route's permission, through roles whose rows pass their MAC; refusals are audited */
        return org_authorize(r, r->route->perm, e);
    }
    return 0;
}

int identity_citizen_optional(tb_req *r, tb_error *e)
{
    char token[80], digest[65];
    int64_t subject;
    const char *csrf;
    if (!cookie_token(r, "citizen", token, sizeof token))
        return 0;
    tb_token_digest(token, digest);
    if (store_session_get(r, digest, "citizen", &subject, &csrf) != 0)
        return 0; /* an expired cookie: the request goes on without a session */
    if (!csrf_ok(r, csrf)) {
        audit_record(r, "security.csrf_refused", r->route->pattern, "refused", "");
        return tb_fail(e, TB_E_CSRF_FAILED, NULL);
    }
    r->subject_id = subject;
    r->subject_realm = "citizen";
    memcpy(r->session_digest, digest, sizeof digest);
    return 0;
}

/* ---- login lockout, keyed by a digest of the account name ----
 * (the security administrator's unlock in src/mod/org/api_staff.c clears the same bucket) */
static const char *lock_bucket(tb_req *r, const char *account)
{
    char d[65];
    tb_token_digest(account, d);
    return tb_arena_printf(r->arena, "login:%.32s", d);
}

bool login_locked(tb_req *r, const char *account)
{
    const char *b = lock_bucket(r, account);
    int window = tb_cfg.login_window_minutes * 60, lock = tb_cfg.login_lock_minutes * 60;
    int n = guard_count(r->db, b, window + lock);
    if (n < tb_cfg.login_max_failures || guard_age(r->db, b) >= lock)
        return false;
    tb_reply_err(r, TB_E_LOGIN_LOCKED, NULL);
    return true;
}

void login_failed(tb_req *r, const char *account)
{
    guard_hit(r->db, lock_bucket(r, account), (tb_cfg.login_window_minutes + tb_cfg.login_lock_minutes) * 60);
}

void login_succeeded(tb_req *r, const char *account) { guard_clear(r->db, lock_bucket(r, account)); }

static char dummy_hash[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    if (tb_password_hash("tongban-dummy-password-Aa1!", dummy_hash) != 0)
        dummy_hash[0] = '\0';
}

bool login_password_check(tb_req *r, const char *realm, const char *key, int64_t subject, const char *hash,
                          const char *password)
{
    const char *action = tb_arena_printf(r->arena, "%s.login", realm);
    const char *object = subject ? tb_arena_printf(r->arena, "%s:%lld", realm, (long long)subject) : "unknown";
    r->subject_realm = strcmp(realm, "staff") == 0 ? "staff" : "citizen";
    if (login_locked(r, key)) {
        audit_record(r, action, object, "refused", "locked");
        return false;
    }
    bool ok = subject ? tb_password_verify(hash, password) : (password_dummy_verify(password), false);
    if (!ok) {
        login_failed(r, key);
        audit_record(r, action, object, "failed", "password");
        tb_reply_err(r, TB_E_LOGIN_FAILED, NULL);
        return false;
    }
    return true;
}

const char *login_attempt(tb_req *r, const char *realm, const char *key, int64_t subject, const char *hash,
                          const char *password)
{
    const char *action = tb_arena_printf(r->arena, "%s.login", realm);
    const char *object = subject ? tb_arena_printf(r->arena, "%s:%lld", realm, (long long)subject) : "unknown";
    if (!login_password_check(r, realm, key, subject, hash, password))
        return NULL;
    login_succeeded(r, key);
    const char *csrf = session_start(r, realm, subject);
    if (!csrf) {
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return NULL;
    }
    audit_record(r, action, object, "ok", "");
    return csrf;
}

void password_dummy_verify(const char *pw)
{
    pthread_once(&dummy_once, dummy_init);
    if (dummy_hash[0])
        tb_password_verify(dummy_hash, pw);
}
