/* Unit tests of the storage interface and the business-coding rule, on
 * SQLite always and on PostgreSQL when TB_TEST_PG names an empty database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "mod/cases/cases.h"

static char url[512];

static tb_db *open_db(void)
{
    char err[512];
    tb_db *db = tb_db_open(url, err, sizeof err);
    if (!db)
        fail_msg("open %s: %s", url, err);
    return db;
}

static int setup_sqlite(void **state)
{
    snprintf(url, sizeof url, "/tmp/tb-test-db-%d.db", (int)getpid());
    unlink(url);
    return 0;
}

static int setup_pg(void **state)
{
    const char *pg = getenv("TB_TEST_PG");
    if (!pg)
        return 0;
    snprintf(url, sizeof url, "%s", pg);
    tb_db *db = open_db();
    assert_int_equal(tb_db_exec_script(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), 0);
    tb_db_close(db);
    return 0;
}

static void migrate_twice(void **state)
{
    if (!url[0])
        skip();
    tb_db *db = open_db();
    char err[512];
    assert_int_equal(tb_db_migrate(db, err, sizeof err), 0);
    int v = tb_db_schema_version(db);
    assert_true(v >= 1);
    assert_int_equal(tb_db_migrate(db, err, sizeof err), 0); /* idempotent */
    assert_int_equal(tb_db_schema_version(db), v);
    tb_db_close(db);
}

static void statements_and_errors(void **state)
{
    if (!url[0])
        skip();
    tb_db *db = open_db();
    assert_int_equal(tb_db_exec(db, "INSERT INTO regions(code, name, level, parent) VALUES (?, ?, ?, ?)", "ttdt",
                                "239999", "测试区 ' \" ?", 3, NULL), 1);
    tb_stmt *st = tb_db_query(db, "SELECT name, level, parent FROM regions WHERE code = ?", "t", "239999");
    assert_non_null(st);
    assert_int_equal(tb_stmt_step(st), TB_ROW);
    assert_string_equal(tb_stmt_text(st, 0), "测试区 ' \" ?");
    assert_int_equal(tb_stmt_int(st, 1), 3);
    assert_true(tb_stmt_null(st, 2));
    assert_int_equal(tb_stmt_step(st), TB_DONE);
    /* SQL metacharacters are data, never SQL */
    st = tb_db_query(db, "SELECT COUNT(*) FROM regions WHERE code = ?", "t", "' OR '1'='1");
    assert_int_equal(tb_stmt_step(st), TB_ROW);
    assert_int_equal(tb_stmt_int(st, 0), 0);
    tb_stmt_done(st);
    /* unique violation is reported as such */
    assert_int_equal(tb_db_exec(db, "INSERT INTO regions(code, name, level) VALUES (?, ?, ?)", "tti", "239999", "x",
                                (int64_t)3), -1);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_UNIQUE);
    /* rollback undoes */
    assert_int_equal(tb_db_begin(db), 0);
    assert_int_equal(tb_db_exec(db, "DELETE FROM regions WHERE code = ?", "t", "239999"), 1);
    tb_db_rollback(db);
    st = tb_db_query(db, "SELECT COUNT(*) FROM regions WHERE code = ?", "t", "239999");
    assert_int_equal(tb_stmt_step(st), TB_ROW);
    assert_int_equal(tb_stmt_int(st, 0), 1);
    tb_stmt_done(st);
    /* a syntax error is an error, not a crash */
    assert_null(tb_db_query(db, "SELEC nonsense", NULL));
    assert_true(tb_db_ping(db));
    tb_db_close(db);
}

/* tb_db_int: a row, no row, NULL and errors, each telling its case. */
static void scalar_int(void **state)
{
    if (!url[0])
        skip();
    tb_db *db = open_db();
    /* a row, here from RETURNING; the statement is finished, so the insert stands */
    assert_int_equal(tb_db_int(db, -7, "INSERT INTO regions(code, name, level) VALUES (?, ?, ?) RETURNING level",
                               "ttd", "239998", "标量区", 3), 3);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_NONE);
    assert_int_equal(tb_db_int(db, -7, "SELECT level FROM regions WHERE code = ?", "t", "239998"), 3);
    assert_int_equal(tb_db_int(db, -7, "SELECT COUNT(*) FROM regions WHERE code = ?", "t", "239998"), 1);
    assert_int_equal(tb_db_int(db, -7, "SELECT 5000000000", NULL), 5000000000LL); /* 64 bits */
    /* only the first row counts */
    assert_int_equal(tb_db_int(db, -7, "SELECT level FROM regions WHERE code = ? UNION ALL SELECT 9 ORDER BY 1",
                               "t", "239998"), 3);
    /* no row: dflt, and no error */
    assert_int_equal(tb_db_int(db, -7, "SELECT level FROM regions WHERE code = ?", "t", "000000"), -7);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_NONE);
    /* NULL: dflt, and no error */
    assert_int_equal(tb_db_int(db, -7, "SELECT MAX(level) FROM regions WHERE code = ?", "t", "000000"), -7);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_NONE);
    assert_int_equal(tb_db_int(db, -7, "SELECT CAST(parent AS INTEGER) FROM regions WHERE code = ?", "t", "239998"),
                     -7);
    /* errors give dflt and are told by the error kind: bad SQL (prepare), a
     * bad bind type, a failing step (unique violation) */
    assert_int_equal(tb_db_int(db, -7, "SELEC nonsense", NULL), -7);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_OTHER);
    assert_non_null(strstr(tb_db_errmsg(db), "SELEC"));
    assert_int_equal(tb_db_int(db, -7, "SELECT level FROM regions WHERE code = ?", "x", "239998"), -7);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_OTHER);
    assert_int_equal(tb_db_int(db, -7, "INSERT INTO regions(code, name, level) VALUES (?, ?, ?) RETURNING level",
                               "ttd", "239998", "again", 4), -7);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_UNIQUE);
    /* the connection is fine afterwards, and a success clears the error kind */
    assert_int_equal(tb_db_int(db, -7, "SELECT level FROM regions WHERE code = ?", "t", "239998"), 3);
    assert_int_equal(tb_db_errkind_last(db), TB_DBE_NONE);
    assert_int_equal(tb_db_exec(db, "DELETE FROM regions WHERE code = ?", "t", "239998"), 1);
    tb_db_close(db);
}

static void serial_rule_format(void **state)
{
    char out[64], key[64];
    assert_int_equal(cases_serial_format("{region}{date}{seq:5}", "230102", "20261128", NULL, 42, out, sizeof out, key,
                                         sizeof key), 0);
    assert_string_equal(out, "2301022026112800042");
    assert_string_equal(key, "23010220261128#");
    assert_int_equal(cases_serial_format("HL-{matter}-{date}-{seq:3}", "230102", "20261128", "000117004000", 7, out,
                                         sizeof out, key, sizeof key), 0);
    assert_string_equal(out, "HL-000117004000-20261128-007");
    assert_int_equal(cases_serial_format("{region}{seq:2}", "230102", "d", NULL, 100, out, sizeof out, key, sizeof key),
                     -1); /* overflow */
    assert_int_equal(cases_serial_rule_ok("{region}{date}"), -1);            /* no sequence */
    assert_int_equal(cases_serial_rule_ok("{seq:3}{seq:3}"), -1);            /* two sequences */
    assert_int_equal(cases_serial_rule_ok("{region}{bogus}{seq:3}"), -1);    /* unknown token */
    assert_int_equal(cases_serial_rule_ok("{region}{date}{seq:5"), -1);      /* unterminated */
    assert_int_equal(cases_serial_rule_ok("{region}{date}{seq:5}"), 0);
}

#define THREADS 4
#define PER_THREAD 50

static void *serial_worker(void *arg)
{
    char (*out)[64] = arg;
    tb_db *db = open_db();
    for (int i = 0; i < PER_THREAD; i++) {
        for (int attempt = 0;; attempt++) {
            if (tb_db_begin(db) == 0 &&
                cases_serial_next(db, "{region}{date}{seq:5}", "230103", NULL, 1795881600, out[i], 64) == 0 &&
                tb_db_commit(db) == 0)
                break;
            tb_db_rollback(db);
            if (attempt > 50) {
                snprintf(out[i], 64, "failed: %s", tb_db_errmsg(db));
                break;
            }
        }
    }
    tb_db_close(db);
    return NULL;
}

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

static void serial_unique_under_concurrency(void **state)
{
    if (!url[0])
        skip();
    static char out[THREADS * PER_THREAD][64];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, serial_worker, out[i * PER_THREAD]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    qsort(out, THREADS * PER_THREAD, 64, cmp);
    for (int i = 0; i < THREADS * PER_THREAD; i++) {
        assert_int_equal(strncmp(out[i], "23010320261129", 14), 0);
        if (i)
            assert_string_not_equal(out[i], out[i - 1]);
    }
    assert_string_equal(out[0], "2301032026112900001");
    assert_string_equal(out[THREADS * PER_THREAD - 1], "2301032026112900200");
}

int main(void)
{
    const struct CMUnitTest sqlite[] = {
        cmocka_unit_test(migrate_twice),
        cmocka_unit_test(statements_and_errors),
        cmocka_unit_test(scalar_int),
        cmocka_unit_test(serial_rule_format),
        cmocka_unit_test(serial_unique_under_concurrency),
    };
    int failed = cmocka_run_group_tests_name("sqlite", sqlite, setup_sqlite, NULL);
    unlink(url);
    url[0] = '\0';
    if (getenv("TB_TEST_PG")) {
        const struct CMUnitTest pg[] = {
            cmocka_unit_test(migrate_twice),
            cmocka_unit_test(statements_and_errors),
            cmocka_unit_test(scalar_int),
            cmocka_unit_test(serial_unique_under_concurrency),
        };
        failed += cmocka_run_group_tests_name("postgresql", pg, setup_pg, NULL);
    }
    return failed;
}
