/* Unit tests of the org module's pure parts: TOTP against the RFC 6238
 * appendix B vectors (SHA-1 key "12345678901234567890", 8 digits), base32 and
 * secrets, the permission registry's categories, and the MACs of
 * access-control rows (a changed field no longer verifies). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mod/org/org_internal.h"

static void rfc6238_vectors(void **state)
{
    static const struct {
        uint64_t t;
        const char *code;
    } v[] = {{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
             {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000ULL, "65353130"}};
    const unsigned char key[] = "12345678901234567890";
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[10];
        org_totp_code(key, 20, v[i].t / 30, 8, out);
        assert_string_equal(out, v[i].code);
    }
    char six[8];
    org_totp_code(key, 20, 59 / 30, 6, six); /* 6 digits are the last six of the 8-digit value */
    assert_string_equal(six, "287082");
}

static void base32_round_trip(void **state)
{
    unsigned char key[64];
    /* "12345678901234567890" in base32 */
    assert_int_equal(org_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", key, sizeof key), 20);
    assert_memory_equal(key, "12345678901234567890", 20);
    assert_int_equal(org_base32_decode("gezdgnbv", key, sizeof key), 5); /* lower case accepted */
    assert_int_equal(org_base32_decode("GEZ1", key, sizeof key), -1);    /* '1' is not base32 */
    char s[33], t[33];
    org_totp_secret_new(s);
    org_totp_secret_new(t);
    assert_int_equal(strlen(s), 32);
    assert_string_not_equal(s, t);
    assert_int_equal(org_base32_decode(s, key, sizeof key), 20);
}

static void registry_categories(void **state)
{
    assert_string_equal(org_perm_find("audit.read")->category, "audit");
    assert_string_equal(org_perm_find("authz.assign")->category, "security");
    assert_string_equal(org_perm_find("org.dept.write")->category, "system");
    assert_string_equal(org_perm_find("work.case.act")->category, "business");
    assert_string_equal(org_perm_find("calendar.write")->category, "system");
    assert_string_equal(org_perm_find("notify.outbox.read")->category, "system");
    assert_null(org_perm_find("admin"));
    assert_true(org_kind_valid("security"));
    assert_false(org_kind_valid("root"));
    assert_true(org_scope_valid("dept_tree"));
    assert_false(org_scope_valid("everything"));
}

static void row_macs(void **state)
{
    char a[65], b[65];
    acl_mac_role_perm(3, "audit.read", a);
    acl_mac_role_perm(3, "audit.read", b);
    assert_true(acl_mac_ok(a, b));
    acl_mac_role_perm(3, "audit.export", b); /* another permission */
    assert_false(acl_mac_ok(a, b));
    acl_mac_role_perm(4, "audit.read", b); /* moved to another role */
    assert_false(acl_mac_ok(a, b));
    acl_mac_staff_role(7, 3, a);
    acl_mac_role_dept(7, 3, b); /* same numbers, another table */
    assert_false(acl_mac_ok(a, b));
    acl_mac_role(1, "sys_admin", "system", "all", 1, a);
    acl_mac_role(1, "sys_admin", "system", "dept", 1, b); /* scope widened or narrowed */
    assert_false(acl_mac_ok(a, b));
    assert_false(acl_mac_ok(NULL, a));
    assert_false(acl_mac_ok("short", a));
}

int main(void)
{
    unsigned char key[64] = {7};
    tb_crypto_init_with_key(key);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc6238_vectors),
        cmocka_unit_test(base32_round_trip),
        cmocka_unit_test(registry_categories),
        cmocka_unit_test(row_macs),
    };
    return cmocka_run_group_tests_name("org", tests, NULL, NULL);
}
