/* Unit tests of src/core: arena, errors, JSON specs, query/cookie parsing,
 * configuration, time formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"

static void arena_alloc_align_reset(void **state)
{
    tb_arena *a = tb_arena_new(128);
    char *p = tb_arena_alloc(a, 3);
    char *q = tb_arena_alloc(a, 5);
    assert_int_equal(((uintptr_t)p) % 16, 0);
    assert_int_equal(((uintptr_t)q) % 16, 0);
    assert_ptr_not_equal(p, q);
    char *big = tb_arena_alloc(a, 10000); /* larger than a block */
    memset(big, 'x', 10000);
    assert_int_equal(tb_arena_used(a), 16 + 16 + 10000);
    assert_string_equal(tb_arena_printf(a, "%s-%d", "ab", 42), "ab-42");
    assert_string_equal(tb_arena_strndup(a, "hello", 3), "hel");
    assert_null(tb_arena_strdup(a, NULL));
    tb_arena_reset(a);
    assert_int_equal(tb_arena_used(a), 0);
    char *z = tb_arena_alloc(a, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    tb_arena_free(a);
}

static void errors_registry(void **state)
{
    assert_string_equal(tb_err_name(TB_E_CASE_NOT_FOUND), "CASE_NOT_FOUND");
    assert_int_equal(tb_err_status(TB_E_CASE_NOT_FOUND), 404);
    assert_int_equal(tb_err_status(TB_E_FORM_INVALID), 422);
    assert_int_equal(tb_err_status(TB_E_LOGIN_LOCKED), 429);
    tb_error e = {0};
    assert_int_equal(tb_fail(&e, TB_E_INVALID_PHONE, "phone"), -1);
    json_t *j = tb_error_json(&e);
    json_t *inner = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(inner, "code")), "INVALID_PHONE");
    assert_string_equal(json_string_value(json_object_get(inner, "field")), "phone");
    assert_string_equal(json_string_value(json_object_get(inner, "message")), "手机号码无效");
    json_decref(j);
}

static void json_spec(void **state)
{
    const char *name = NULL;
    int64_t n = 0;
    bool flag = false;
    tb_jfield spec[] = {TB_JSTR("name", &name, true, 4), TB_JINT("n", &n, false, 1, 10), TB_JBOOL("flag", &flag, false),
                        TB_JEND};
    tb_error e = {0};
    const char *good = "{\"name\":\"张三丰\",\"n\":3,\"flag\":true}";
    json_t *j = tb_json_parse_object(good, strlen(good), &e);
    assert_non_null(j);
    assert_int_equal(tb_json_unpack(j, spec, &e), 0);
    assert_string_equal(name, "张三丰");
    assert_int_equal(n, 3);
    assert_true(flag);
    json_decref(j);

    struct {
        const char *body;
        tb_errcode code;
        const char *field;
    } bad[] = {
        {"{\"name\":\"a\",\"x\":1}", TB_E_UNKNOWN_FIELD, "x"},
        {"{\"n\":3}", TB_E_FIELD_REQUIRED, "name"},
        {"{\"name\":\"\"}", TB_E_FIELD_REQUIRED, "name"},
        {"{\"name\":5}", TB_E_WRONG_TYPE, "name"},
        {"{\"name\":\"abcde\"}", TB_E_INVALID_FIELD, "name"},
        {"{\"name\":\"a\",\"n\":11}", TB_E_INVALID_FIELD, "n"},
        {"{\"name\":\"a\",\"n\":\"3\"}", TB_E_WRONG_TYPE, "n"},
        {"{\"name\":\"a\\u0000b\"}", TB_E_INVALID_FIELD, "name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tb_error_clear(&e);
        j = tb_json_parse_object(bad[i].body, strlen(bad[i].body), &e);
        if (!j) { /* jansson refuses \u0000 by default: that is a parse error, also fine */
            assert_int_equal(e.code, TB_E_INVALID_JSON);
            continue;
        }
        assert_int_equal(tb_json_unpack(j, spec, &e), -1);
        assert_int_equal(e.code, bad[i].code);
        assert_string_equal(e.field, bad[i].field);
        json_decref(j);
    }
    tb_error_clear(&e);
    assert_null(tb_json_parse_object("[1,2]", 5, &e));
    assert_int_equal(e.code, TB_E_INVALID_JSON);
    assert_null(tb_json_parse_object("{\"a\":", 5, &e));
    assert_null(tb_json_parse_object("{\"a\":1,\"a\":2}", 13, &e));
}

static void query_and_cookies(void **state)
{
    tb_arena *a = tb_arena_new(0);
    const char *q = "q=%E6%8A%A4%E7%85%A7&page=2&empty=&flag&plus=a+b";
    bool bad = false;
    assert_string_equal(tb_query_get(a, q, strlen(q), "q", &bad), "护照");
    assert_string_equal(tb_query_get(a, q, strlen(q), "page", &bad), "2");
    assert_string_equal(tb_query_get(a, q, strlen(q), "empty", &bad), "");
    assert_string_equal(tb_query_get(a, q, strlen(q), "flag", &bad), "");
    assert_string_equal(tb_query_get(a, q, strlen(q), "plus", &bad), "a b");
    assert_null(tb_query_get(a, q, strlen(q), "missing", &bad));
    assert_false(bad);
    const char *badq = "a=%zz&b=%4&c=%00";
    assert_null(tb_query_get(a, badq, strlen(badq), "a", &bad));
    assert_true(bad);
    bad = false;
    assert_null(tb_query_get(a, badq, strlen(badq), "b", &bad));
    assert_true(bad);
    bad = false;
    assert_null(tb_query_get(a, badq, strlen(badq), "c", &bad));
    assert_true(bad);

    char out[64];
    const char *hdr = "theme=dark; tb_sid=abc123; tb_staff_sid=zzz";
    assert_true(tb_cookie_get(hdr, strlen(hdr), "tb_sid", out, sizeof out));
    assert_string_equal(out, "abc123");
    assert_true(tb_cookie_get(hdr, strlen(hdr), "tb_staff_sid", out, sizeof out));
    assert_string_equal(out, "zzz");
    assert_false(tb_cookie_get(hdr, strlen(hdr), "sid", out, sizeof out));
    assert_false(tb_cookie_get(hdr, strlen(hdr), "tb_sid", out, 4)); /* too long for the buffer */
    assert_true(tb_is_token("Ab-9_x", 10));
    assert_false(tb_is_token("a b", 10));
    assert_false(tb_is_token("", 10));
    assert_true(tb_is_digits("230102", 6));
    assert_false(tb_is_digits("23010", 6));
    tb_arena_free(a);
}

static void config_layers(void **state)
{
    tb_config c;
    char err[256];
    char path[] = "/tmp/tb-test-config-XXXXXX";
    int fd = mkstemp(path);
    const char ini[] = "listen = 127.0.0.1:9999\nthreads = 3\nsecure_cookies = true\n";
    assert_int_equal(write(fd, ini, sizeof ini - 1), (ssize_t)(sizeof ini - 1));
    close(fd);
    setenv("TONGBAN_THREADS", "4", 1);
    assert_int_equal(tb_config_load(&c, path, err, sizeof err), 0);
    assert_string_equal(c.listen, "127.0.0.1:9999");
    assert_int_equal(c.threads, 4);  /* environment beats the file */
    assert_true(c.secure_cookies);
    assert_string_equal(c.database, "var/tongban.db");
    setenv("TONGBAN_THREADS", "many", 1);
    assert_int_equal(tb_config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "TONGBAN_THREADS"));
    unsetenv("TONGBAN_THREADS");
    assert_int_equal(tb_config_set(&c, "no_such_key", "1"), -1);
    assert_int_equal(tb_config_set(&c, "secure_cookies", "maybe"), -1);
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, "bogus = 1\n", 10), 10);
    close(fd);
    assert_int_equal(tb_config_load(&c, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "bogus"));
    unlink(path);
}

static void time_format(void **state)
{
    char iso[32], ms[40], d[9];
    tb_time_iso(0, iso);
    assert_string_equal(iso, "1970-01-01T08:00:00+08:00");
    tb_time_iso(1795881600, iso); /* 2026-11-28T16:00:00Z */
    assert_string_equal(iso, "2026-11-29T00:00:00+08:00");
    tb_date_compact(1795881600 - 1, d);
    assert_string_equal(d, "20261128");
    tb_date_compact(1795881600, d);
    assert_string_equal(d, "20261129");
    tb_time_iso_ms(1795881600123LL, ms);
    assert_string_equal(ms, "2026-11-29T00:00:00.123+08:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_alloc_align_reset), cmocka_unit_test(errors_registry),
        cmocka_unit_test(json_spec),               cmocka_unit_test(query_and_cookies),
        cmocka_unit_test(config_layers),           cmocka_unit_test(time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
