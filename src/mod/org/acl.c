/* MACs of access-control rows. Each is a keyed HMAC-SM3 (the token-MAC key of
 * the crypto module) over a canonical, domain-separated string of the row's
 * content, so a row edited, moved to another role or staff member, or
 * inserted directly in the database does not verify. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/org/org_internal.h"

static void mac(const char *canon, char out[65]) { tb_token_digest(canon, out); }

void acl_mac_role(int64_t id, const char *code, const char *kind, const char *scope, int64_t mfa, char out[65])
{
    char s[512];
    snprintf(s, sizeof s, "acl:v1|role|%lld|%s|%s|%s|%lld", (long long)id, code, kind, scope, (long long)mfa);
    mac(s, out);
}

void acl_mac_role_perm(int64_t role_id, const char *perm, char out[65])
{
    char s[256];
    snprintf(s, sizeof s, "acl:v1|role_perm|%lld|%s", (long long)role_id, perm);
    mac(s, out);
}

void acl_mac_staff_role(int64_t staff_id, int64_t role_id, char out[65])
{
    char s[128];
    snprintf(s, sizeof s, "acl:v1|staff_role|%lld|%lld", (long long)staff_id, (long long)role_id);
    mac(s, out);
}

void acl_mac_role_dept(int64_t role_id, int64_t dept_id, char out[65])
{
    char s[128];
    snprintf(s, sizeof s, "acl:v1|role_dept|%lld|%lld", (long long)role_id, (long long)dept_id);
    mac(s, out);
}

bool acl_mac_ok(const char *stored, const char *expected)
{
    return stored && strlen(stored) == 64 && tb_ct_equal(stored, expected, 64);
}

/* One alarm per row and second on each thread: a request may look at the
 * same broken row several times. */
static __thread char last_key[96];
static __thread int64_t last_at;

void acl_alarm(tb_db *db, const char *ip, const char *table, int64_t id)
{
    char key[96];
    snprintf(key, sizeof key, "%s:%lld", table, (long long)id);
    int64_t now = tb_now();
    if (now == last_at && !strcmp(key, last_key))
        return;
    snprintf(last_key, sizeof last_key, "%s", key);
    last_at = now;
    tb_error("security: integrity violation in %s row %lld (MAC mismatch); the row is ignored", table, (long long)id);
    /* outside the caller's transaction would be ideal, but audit_record_as joins an open one; access
     * decisions run before any business transaction, so the alarm persists */
    audit_record_as(db, "system", "integrity", ip ? ip : "local", "security.integrity_violation", key, "alarm",
                    "MAC mismatch");
}
