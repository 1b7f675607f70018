/* Unit tests of the rule workers (src/rules/client.c and worker.c). The test binary is its own worker:
 * main() dispatches `rule-worker` exactly as src/main.c does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "rules/rules.h"

#define TIMEOUT_MS 300

static json_t *form;

static int setup(void **state)
{
    tb_rules *r = tb_rules_new(NULL, TIMEOUT_MS, 0);
    if (!r)
        return -1;
    form = json_pack("{s:s,s:i,s:s,s:[i,i],s:n}", "name", "张三", "age", 17, "id", "11010519491231002X", "list",
                     1, 2, "nothing");
    *state = r;
    return form ? 0 : -1;
}

static int teardown(void **state)
{
    tb_rules_free(*state);
    json_decref(form);
    return 0;
}

/* evaluates a list of expressions on field `field` and returns the result array */
static json_t *eval(tb_rules *r, const char *field, const char *const *exprs, size_t n)
{
    json_t *checks = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(checks, json_pack("{s:s,s:s}", "field", field, "expr", exprs[i]));
    json_t *res = tb_rules_eval(r, form, checks);
    json_decref(checks);
    assert_non_null(res);
    assert_int_equal(json_array_size(res), n);
    return res;
}

static json_t *eval1(tb_rules *r, const char *field, const char *expr)
{
    json_t *res = eval(r, field, &expr, 1);
    json_t *one = json_incref(json_array_get(res, 0));
    json_decref(res);
    return one;
}

static void assert_ok(const json_t *res)
{
    assert_true(json_is_true(json_object_get(res, "ok")));
    assert_null(json_object_get(res, "error"));
}

static void assert_fail(const json_t *res, const char *message)
{
    assert_true(json_is_false(json_object_get(res, "ok")));
    assert_null(json_object_get(res, "error"));
    assert_string_equal(json_string_value(json_object_get(res, "message")), message);
}

static void assert_error(const json_t *res, const char *error)
{
    assert_true(json_is_false(json_object_get(res, "ok")));
    assert_string_equal(json_string_value(json_object_get(res, "error")), error);
    assert_non_null(json_string_value(json_object_get(res, "message")));
    assert_null(json_object_get(res, "fatal"));
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_results(void **state)
{
    tb_rules *r = *state;
    const char *exprs[] = {
        "value === '张三'", "value.length == 2 && form.age >= 16", "1", "({})", "false", "0", "null", "undefined",
        "''", "value.length > 5 || '姓名太短'", "typeof value === 'undefined'", "form.list.length === 2",
        "'emoji 🙂 ok'", "typeof print === 'undefined' && typeof alert === 'undefined'",
        "value /* comment */ // trailing comment",
    };
    json_t *res = eval(r, "name", exprs, sizeof exprs / sizeof *exprs);
    assert_ok(json_array_get(res, 0));
    assert_ok(json_array_get(res, 1));
    assert_ok(json_array_get(res, 2));
    assert_ok(json_array_get(res, 3));
    for (int i = 4; i <= 8; i++)
        assert_fail(json_array_get(res, i), "");
    assert_fail(json_array_get(res, 9), "姓名太短");
    assert_fail(json_array_get(res, 10), "");
    assert_ok(json_array_get(res, 11));
    assert_fail(json_array_get(res, 12), "emoji 🙂 ok");
    assert_ok(json_array_get(res, 13));
    assert_fail(json_array_get(res, 14), "张三");
    json_decref(res);

    json_t *one = eval1(r, "missing", "value === undefined");
    assert_ok(one);
    json_decref(one);
    one = eval1(r, "nothing", "value === null");
    assert_ok(one);
    json_decref(one);
}

static void test_form_is_a_copy(void **state)
{
    tb_rules *r = *state;
    const char *exprs[] = {"(form.age = 99, value.push(3), true)", "form.age === 17 && form.list.length === 2"};
    json_t *res = eval(r, "list", exprs, 2);
    assert_ok(json_array_get(res, 0));
    assert_ok(json_array_get(res, 1));
    json_decref(res);
    assert_int_equal(json_integer_value(json_object_get(form, "age")), 17);
    assert_int_equal(json_array_size(json_object_get(form, "list")), 2);
}

static void test_exceptions(void **state)
{
    tb_rules *r = *state;
    json_t *one = eval1(r, "name", "value ===");
    assert_error(one, "exception");
    json_decref(one);
    one = eval1(r, "name", "nosuchfunction()");
    assert_error(one, "exception");
    assert_non_null(strstr(json_string_value(json_object_get(one, "message")), "ReferenceError"));
    json_decref(one);
    one = eval1(r, "name", "(function(){ throw new Error('boom') })()");
    assert_error(one, "exception");
    json_decref(one);

    /* malformed checks are answered without the worker */
    char *big = malloc(TB_RULES_MAX_EXPR + 2);
    assert_non_null(big);
    memset(big, '1', TB_RULES_MAX_EXPR + 1);
    big[TB_RULES_MAX_EXPR + 1] = '\0';
    json_t *checks = json_pack("[{s:s},{s:i},s,{s:s,s:i}]", "expr", big, "expr", 5, "x", "expr", "true", "field", 3);
    free(big);
    json_t *res = tb_rules_eval(r, form, checks);
    assert_int_equal(json_array_size(res), 4);
    for (int i = 0; i < 4; i++)
        assert_error(json_array_get(res, i), "exception");
    json_decref(res);
    json_decref(checks);

    res = tb_rules_eval(r, NULL, NULL);
    assert_int_equal(json_array_size(res), 0);
    json_decref(res);
}

static void test_timeout_then_fresh_worker(void **state)
{
    tb_rules *r = *state;
    double t0 = now_s();
    json_t *one = eval1(r, "name", "(function(){ while(true){} })()");
    assert_error(one, "timeout");
    json_decref(one);
    assert_true(now_s() - t0 < 2.0);
    one = eval1(r, "name", "value === '张三'");
    assert_ok(one);
    json_decref(one);
}

static void test_middle_check_loops(void **state)
{
    tb_rules *r = *state;
    const char *exprs[] = {"value === '张三'", "(function(){ for(;;){} })()", "form.age > 18 || '未成年'"};
    json_t *res = eval(r, "name", exprs, 3);
    assert_ok(json_array_get(res, 0));
    assert_error(json_array_get(res, 1), "timeout");
    assert_fail(json_array_get(res, 2), "未成年");
    json_decref(res);
}

static void test_memory(void **state)
{
    /* with the default 32 MiB a runaway allocation ends as "memory" or, on a slow (sanitizer) build,
     * as "timeout"; never as a hang */
    tb_rules *r = *state;
    double t0 = now_s();
    const char *exprs[] = {"(function(){ var a=[]; for(;;) a.push(new Array(1e6)); })()",
                           "(function(){ var s='x'; for(;;) s = s + s; })()", "true"};
    json_t *res = eval(r, "name", exprs, 3);
    for (int i = 0; i < 2; i++) {
        const char *e = json_string_value(json_object_get(json_array_get(res, i), "error"));
        assert_non_null(e);
        assert_true(strcmp(e, "memory") == 0 || strcmp(e, "timeout") == 0);
    }
    assert_ok(json_array_get(res, 2));
    json_decref(res);
    assert_true(now_s() - t0 < 3.0);

    /* with a small heap and a generous timeout the cap is reported as memory, not as an exception */
    tb_rules *small = tb_rules_new(NULL, 5000, 4u << 20);
    assert_non_null(small);
    json_t *checks = json_pack("[{s:s},{s:s},{s:s},{s:s}]", "expr", exprs[0], "expr", exprs[1], "expr",
                               "(function(){ var o={}; for(var i=0;;i++) o['k'+i]=i; })()", "expr", "true");
    res = tb_rules_eval(small, form, checks);
    assert_non_null(res);
    for (int i = 0; i < 3; i++)
        assert_error(json_array_get(res, i), "memory");
    assert_ok(json_array_get(res, 3));
    json_decref(res);
    json_decref(checks);
    tb_rules_free(small);
}

static void test_small_heap_limit(void **state)
{
    tb_rules *small = tb_rules_new(NULL, TIMEOUT_MS, 4096);
    assert_non_null(small);
    json_t *checks = json_pack("[{s:s,s:s}]", "field", "name", "expr", "true");
    json_t *res = tb_rules_eval(small, form, checks);
    assert_non_null(res);
    assert_error(json_array_get(res, 0), "memory");
    json_decref(res);
    json_decref(checks);
    tb_rules_free(small);
}

static void test_bad_executable(void **state)
{
    tb_rules *bad = tb_rules_new("/nonexistent/tongban", TIMEOUT_MS, 0);
    assert_non_null(bad);
    json_t *checks = json_pack("[{s:s}]", "expr", "true");
    assert_null(tb_rules_eval(bad, form, checks));
    tb_rules_free(bad);
    /* a program that does not speak the protocol */
    bad = tb_rules_new("/bin/true", TIMEOUT_MS, 0);
    assert_non_null(bad);
    assert_null(tb_rules_eval(bad, form, checks));
    tb_rules_free(bad);
    json_decref(checks);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void test_no_fd_or_process_leaks(void **state)
{
    tb_rules *r = tb_rules_new(NULL, TIMEOUT_MS, 0);
    assert_non_null(r);
    json_t *one = eval1(r, "age", "value > 0");   /* worker running before the count */
    json_decref(one);
    int before = count_fds();
    for (int i = 0; i < 200; i++) {
        one = eval1(r, "age", i % 50 == 25 ? "(function(){ for(;;){} })()" : "value === 17");
        if (i % 50 == 25)
            assert_error(one, "timeout");
        else
            assert_ok(one);
        json_decref(one);
    }
    assert_int_equal(count_fds(), before);
    tb_rules_free(r);
    /* every killed worker was reaped: waitpid finds no exited child (the shared worker still runs) */
    assert_true(waitpid(-1, NULL, WNOHANG) <= 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "rule-worker"))
        return tb_rule_worker_main();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_form_is_a_copy),
        cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_timeout_then_fresh_worker),
        cmocka_unit_test(test_middle_check_loops),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_small_heap_limit),
        cmocka_unit_test(test_bad_executable),
        cmocka_unit_test(test_no_fd_or_process_leaks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
