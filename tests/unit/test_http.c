/* Unit tests of the route table and the OpenAPI document generated from it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "http/http.h"
#include "mod/modules.h"

static void h(tb_req *r) { (void)r; }

static const tb_route table[] = {
    {"GET", "/api/v1/matters", h, TB_AUTH_PUBLIC, NULL, 0, "t", "list"},
    {"GET", "/api/v1/matters/hot", h, TB_AUTH_PUBLIC, NULL, 0, "t", "hot"},
    {"GET", "/api/v1/matters/{code}", h, TB_AUTH_PUBLIC, NULL, 0, "t", "one"},
    {"POST", "/api/v1/matters/{code}/form/validate", h, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "t", "validate"},
    {"DELETE", "/api/v1/things/{a}/parts/{b}", h, TB_AUTH_STAFF, "admin", 0, "t", "two params"},
};

static int setup(void **state)
{
    tb_router_reset();
    tb_router_add(table, sizeof table / sizeof table[0]);
    return 0;
}

static void literal_beats_param(void **state)
{
    tb_arena *a = tb_arena_new(0);
    const char *params[TB_MAX_PARAMS];
    int np = 0, status = 0;
    const tb_route *r = tb_router_match(a, "GET", "/api/v1/matters/hot", params, &np, &status);
    assert_ptr_equal(r, &table[1]);
    assert_int_equal(np, 0);
    r = tb_router_match(a, "GET", "/api/v1/matters/ABC123", params, &np, &status);
    assert_ptr_equal(r, &table[2]);
    assert_int_equal(np, 1);
    assert_string_equal(params[0], "ABC123");
    r = tb_router_match(a, "HEAD", "/api/v1/matters", params, &np, &status);
    assert_ptr_equal(r, &table[0]);
    tb_arena_free(a);
}

static void params_404_405(void **state)
{
    tb_arena *a = tb_arena_new(0);
    const char *params[TB_MAX_PARAMS];
    int np = 0, status = 0;
    const tb_route *r = tb_router_match(a, "DELETE", "/api/v1/things/x1/parts/y2", params, &np, &status);
    assert_ptr_equal(r, &table[4]);
    assert_int_equal(np, 2);
    assert_string_equal(params[0], "x1");
    assert_string_equal(params[1], "y2");
    assert_null(tb_router_match(a, "POST", "/api/v1/matters", params, &np, &status));
    assert_int_equal(status, 405);
    assert_null(tb_router_match(a, "GET", "/api/v1/nothing", params, &np, &status));
    assert_int_equal(status, 404);
    assert_null(tb_router_match(a, "GET", "/api/v1/matters/", params, &np, &status)); /* empty param */
    assert_int_equal(status, 404);
    assert_null(tb_router_match(a, "GET", "/api/v1/matters/a/b", params, &np, &status));
    assert_null(tb_router_match(a, "GET", "/api/v1", params, &np, &status));
    assert_null(tb_router_match(a, "GET", "", params, &np, &status));
    tb_arena_free(a);
}

static void openapi_lists_every_route(void **state)
{
    tb_modules_register(); /* the real tables */
    assert_true(tb_router_count() > 15);
    json_t *doc = tb_openapi_document();
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    json_t *paths = json_object_get(doc, "paths");
    for (size_t i = 0; i < tb_router_count(); i++) {
        const tb_route *r = tb_router_at(i);
        char m[16];
        size_t k = 0;
        for (; r->method[k]; k++)
            m[k] = (char)(r->method[k] | 0x20);
        m[k] = 0;
        json_t *op = json_object_get(json_object_get(paths, r->pattern), m);
        assert_non_null(op);
        assert_non_null(json_object_get(op, "responses"));
        if (strchr(r->pattern, '{'))
            assert_true(json_array_size(json_object_get(op, "parameters")) >= 1);
    }
    json_decref(doc);
    setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(literal_beats_param, setup),
        cmocka_unit_test_setup(params_404_405, setup),
        cmocka_unit_test(openapi_lists_every_route),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
