/* Unit tests of the working-day calendar: date handling and the arithmetic
 * on an in-memory calendar (2026's 元旦, 春节, 中秋 and 国庆 written out here
 * from 国办发明电〔2025〕7号), then the seeded table and the reload on
 * edits, on SQLite always and on PostgreSQL when TB_TEST_PG names an empty
 * database. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "db/db.h"
#include "mod/calendar/calendar.h"

static int32_t D(const char *s)
{
    int32_t d;
    if (calendar_parse_date(s, &d) != 0)
        fail_msg("bad date in test: %s", s);
    return d;
}

/* Epoch of a +08:00 wall-clock time. */
static int64_t at(const char *date, int h, int m, int s) { return calendar_day_start(D(date)) + h * 3600 + m * 60 + s; }

static void assert_date(int32_t day, const char *want)
{
    char got[11];
    calendar_format_date(day, got);
    assert_string_equal(got, want);
}

static void assert_due(int64_t due, const char *date)
{
    char iso[32], want[32];
    tb_time_iso(due, iso);
    snprintf(want, sizeof want, "%sT23:59:59+08:00", date);
    assert_string_equal(iso, want);
}

/* ---------------------------------------------------------------- fixture */

typedef struct {
    calendar_entry e[64];
    size_t n;
} builder;

static void add_block(builder *b, const char *from, const char *to, calendar_kind kind, const char *name)
{
    for (int32_t d = D(from); d <= D(to); d++)
        b->e[b->n++] = (calendar_entry){d, kind, name};
}

static calendar *cal2026(void)
{
    builder b = {.n = 0};
    add_block(&b, "2025-10-01", "2025-10-08", CALENDAR_HOLIDAY, "国庆节、中秋节");
    add_block(&b, "2025-10-11", "2025-10-11", CALENDAR_WORKDAY, "国庆节调休上班");
    add_block(&b, "2026-01-01", "2026-01-03", CALENDAR_HOLIDAY, "元旦");
    add_block(&b, "2026-01-04", "2026-01-04", CALENDAR_WORKDAY, "元旦调休上班");
    add_block(&b, "2026-02-14", "2026-02-14", CALENDAR_WORKDAY, "春节调休上班");
    add_block(&b, "2026-02-15", "2026-02-23", CALENDAR_HOLIDAY, "春节");
    add_block(&b, "2026-02-28", "2026-02-28", CALENDAR_WORKDAY, "春节调休上班");
    add_block(&b, "2026-09-20", "2026-09-20", CALENDAR_WORKDAY, "国庆节调休上班");
    add_block(&b, "2026-09-25", "2026-09-27", CALENDAR_HOLIDAY, "中秋节");
    add_block(&b, "2026-10-01", "2026-10-07", CALENDAR_HOLIDAY, "国庆节");
    add_block(&b, "2026-10-10", "2026-10-10", CALENDAR_WORKDAY, "国庆节调休上班");
    calendar *c = calendar_new(b.e, b.n);
    assert_non_null(c);
    return c;
}

/* ---------------------------------------------------------------- dates */

static void dates_parse_and_format(void **state)
{
    int32_t d;
    assert_int_equal(calendar_parse_date("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(calendar_parse_date("2024-02-29", &d), 0); /* leap year */
    assert_date(d, "2024-02-29");
    assert_date(D("2026-12-31") + 1, "2027-01-01");
    const char *bad[] = {"2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-1-01",
                         "20260101",   "2026/01/01", "2026-01-01x", " 2026-01-01", "", "1969-12-31",
                         "2200-01-01", "２０２６-01-01", NULL};
    for (int i = 0; bad[i]; i++) {
        if (calendar_parse_date(bad[i], &d) == 0)
            fail_msg("accepted %s", bad[i]);
    }
    assert_int_equal(calendar_parse_date(NULL, &d), -1);
}

static void dates_in_china_standard_time(void **state)
{
    /* 2025-12-31T16:00:00Z is already 2026-01-01 in Beijing */
    assert_date(calendar_day_of(1767196800), "2026-01-01");
    assert_date(calendar_day_of(1767196799), "2025-12-31");
    assert_int_equal(calendar_day_start(D("2026-01-01")), 1767196800);
    assert_int_equal(calendar_weekday(D("2026-01-01")), 4); /* Thursday */
    assert_int_equal(calendar_weekday(D("2026-10-10")), 6);
    assert_int_equal(calendar_weekday(D("2026-09-20")), 7);
    assert_int_equal(calendar_weekday(calendar_day_from_ymd(1969, 12, 29)), 1); /* before day 0 too */
    calendar_kind k;
    assert_int_equal(calendar_kind_parse("holiday", &k), 0);
    assert_int_equal(k, CALENDAR_HOLIDAY);
    assert_int_equal(calendar_kind_parse("Holiday", &k), -1);
    assert_string_equal(calendar_kind_name(CALENDAR_WORKDAY), "workday");
}

/* ---------------------------------------------------------------- arithmetic */

static void weekends_without_entries(void **state)
{
    calendar *c = calendar_new(NULL, 0);
    assert_non_null(c);
    assert_true(calendar_is_working_day(c, D("2026-11-27")));  /* Friday */
    assert_false(calendar_is_working_day(c, D("2026-11-28"))); /* Saturday */
    assert_false(calendar_is_working_day(c, D("2026-11-29")));
    int64_t due;
    /* received Friday evening: day 1 is Monday */
    assert_int_equal(calendar_add_working_days(c, at("2026-11-27", 20, 15, 0), 1, &due), 0);
    assert_due(due, "2026-11-30");
    assert_int_equal(calendar_add_working_days(c, at("2026-11-28", 9, 0, 0), 5, &due), 0);
    assert_due(due, "2026-12-04");
    assert_int_equal(calendar_count_working_days(c, D("2026-11-23"), D("2026-12-06")), 10);
    assert_int_equal(calendar_working_days_in_year(c, 2026), 261);
    assert_int_equal(calendar_working_days_in_year(c, 2028), 260); /* leap year starting on a Saturday */
    calendar_release(c);
}

static void holiday_block_and_weekend_workdays(void **state)
{
    calendar *c = cal2026();
    assert_false(calendar_is_working_day(c, D("2026-10-01")));
    assert_false(calendar_is_working_day(c, D("2026-10-07"))); /* Wednesday inside the block */
    assert_true(calendar_is_working_day(c, D("2026-10-08")));
    assert_true(calendar_is_working_day(c, D("2026-10-10")));  /* Saturday, 调休上班 */
    assert_true(calendar_is_working_day(c, D("2026-09-20")));  /* Sunday, 调休上班 */
    assert_false(calendar_is_working_day(c, D("2026-10-11"))); /* an ordinary Sunday */
    const calendar_entry *e = calendar_entry_of(c, D("2026-10-10"));
    assert_non_null(e);
    assert_int_equal(e->kind, CALENDAR_WORKDAY);
    assert_string_equal(e->name, "国庆节调休上班");
    assert_null(calendar_entry_of(c, D("2026-10-09")));
    /* Sept 14–Oct 11: 20 weekdays + the 9-20 Sunday − 6 weekday holidays (9-25, 10-1, 10-2, 10-5..7) + 10-10 */
    assert_int_equal(calendar_count_working_days(c, D("2026-09-14"), D("2026-10-11")), 16);
    int32_t days[6];
    assert_int_equal(calendar_working_days_from(c, D("2026-09-28"), 6, days), 6);
    const char *want[] = {"2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"};
    for (int i = 0; i < 6; i++)
        assert_date(days[i], want[i]);
    /* "from" itself counts when it is a working day, and is skipped when not */
    assert_int_equal(calendar_working_days_from(c, D("2026-10-01"), 1, days), 1);
    assert_date(days[0], "2026-10-08");
    assert_int_equal(calendar_working_days_from(c, D("2026-10-01"), 0, days), -1);
    calendar_release(c);
}

static void adding_across_spring_festival_2026(void **state)
{
    calendar *c = cal2026();
    int64_t due;
    /* received Friday 2-13: day 1 is Saturday 2-14 (调休上班), then 2-15..23 are off */
    assert_int_equal(calendar_add_working_days(c, at("2026-02-13", 10, 0, 0), 1, &due), 0);
    assert_due(due, "2026-02-14");
    assert_int_equal(calendar_add_working_days(c, at("2026-02-13", 10, 0, 0), 3, &due), 0);
    assert_due(due, "2026-02-25");
    /* received inside the festival: counting starts on 2-24 */
    assert_int_equal(calendar_add_working_days(c, at("2026-02-17", 0, 0, 0), 5, &due), 0);
    assert_due(due, "2026-02-28"); /* 24, 25, 26, 27, and Saturday 28 (调休上班) */
    assert_int_equal(calendar_add_working_days(c, at("2026-02-17", 0, 0, 0), 20, &due), 0);
    assert_due(due, "2026-03-20");
    /* N = 0 (即办): today when working, else the next working day */
    assert_int_equal(calendar_add_working_days(c, at("2026-02-13", 23, 59, 59), 0, &due), 0);
    assert_due(due, "2026-02-13");
    assert_int_equal(calendar_add_working_days(c, at("2026-02-16", 8, 0, 0), 0, &due), 0);
    assert_due(due, "2026-02-24");
    /* through the callback a workflow engine uses */
    assert_int_equal(calendar_add_working_days_cb(c, at("2026-02-13", 10, 0, 0), 3, &due), 0);
    assert_due(due, "2026-02-25");
    assert_int_equal(calendar_add_working_days_cb(NULL, 0, 3, &due), -1);
    assert_int_equal(calendar_add_working_days(c, at("2026-02-13", 10, 0, 0), -1, &due), -1);
    assert_int_equal(calendar_add_working_days(c, at("2026-02-13", 10, 0, 0), CALENDAR_MAX_DAYS + 1, &due), -1);
    calendar_release(c);
}

static void remaining_days_and_overdue(void **state)
{
    calendar *c = cal2026();
    int64_t submitted = at("2026-09-29", 9, 30, 0), due;
    assert_int_equal(calendar_add_working_days(c, submitted, 3, &due), 0);
    assert_due(due, "2026-10-09"); /* 9-30, 10-8, 10-9 */
    assert_int_equal(calendar_working_days_left(c, submitted, due), 3);
    assert_int_equal(calendar_working_days_left(c, at("2026-10-03", 12, 0, 0), due), 2);
    assert_int_equal(calendar_working_days_left(c, at("2026-10-08", 8, 0, 0), due), 1);
    assert_int_equal(calendar_working_days_left(c, at("2026-10-09", 8, 0, 0), due), 0); /* due today */
    assert_int_equal(calendar_working_days_left(c, due, due), 0);
    /* overdue: the 调休 Saturday counts, the Sunday does not, later Monday does */
    assert_int_equal(calendar_working_days_left(c, due + 1, due), -1);
    assert_int_equal(calendar_working_days_left(c, at("2026-10-10", 9, 0, 0), due), -1);
    assert_int_equal(calendar_working_days_left(c, at("2026-10-11", 9, 0, 0), due), -1);
    assert_int_equal(calendar_working_days_left(c, at("2026-10-12", 9, 0, 0), due), -2);
    /* a due time inside a day (not from the arithmetic) is late from the next second */
    assert_int_equal(calendar_working_days_left(c, at("2026-11-27", 12, 0, 1), at("2026-11-27", 12, 0, 0)), -1);
    /* absurd instants stay bounded */
    assert_true(calendar_working_days_left(c, 0, INT64_MAX) > 50000);
    assert_true(calendar_working_days_left(c, INT64_MAX, 0) < -50000);
    calendar_release(c);
}

static void year_boundaries(void **state)
{
    calendar *c = cal2026();
    int64_t due;
    /* 12-31 (Wednesday): 1-1..1-3 off, Sunday 1-4 is 调休上班 */
    assert_int_equal(calendar_add_working_days(c, at("2025-12-31", 17, 0, 0), 1, &due), 0);
    assert_due(due, "2026-01-04");
    assert_int_equal(calendar_add_working_days(c, at("2025-12-30", 17, 0, 0), 2, &due), 0);
    assert_due(due, "2026-01-04");
    /* 23:59:59 on 12-30 is still 12-30 in Beijing (15:59:59Z); one second later is 12-31 */
    assert_int_equal(calendar_add_working_days(c, at("2025-12-30", 23, 59, 59), 1, &due), 0);
    assert_due(due, "2025-12-31");
    assert_int_equal(calendar_add_working_days(c, at("2025-12-31", 0, 0, 0), 1, &due), 0);
    assert_due(due, "2026-01-04");
    assert_int_equal(calendar_count_working_days(c, D("2025-12-29"), D("2026-01-04")), 4);
    /* the entries of one year only */
    size_t n;
    const calendar_entry *e = calendar_entries(c, D("2026-01-01"), D("2026-12-31"), &n);
    assert_int_equal(n, 3 + 1 + 1 + 9 + 1 + 1 + 3 + 7 + 1);
    assert_date(e[0].day, "2026-01-01");
    assert_date(e[n - 1].day, "2026-10-10");
    calendar_entries(c, D("2027-01-01"), D("2027-12-31"), &n);
    assert_int_equal(n, 0);
    calendar_entries(c, D("2026-12-31"), D("2026-01-01"), &n);
    assert_int_equal(n, 0);
    /* the last day the calendar knows */
    int32_t out[2];
    assert_int_equal(calendar_working_days_from(c, D("2199-12-31"), 2, out), -1);
    calendar_release(c);
}

static void later_entries_replace_earlier(void **state)
{
    calendar_entry in[] = {
        {D("2026-11-30"), CALENDAR_HOLIDAY, "甲"},
        {D("2026-11-28"), CALENDAR_WORKDAY, "乙"},
        {D("2026-11-30"), CALENDAR_WORKDAY, "丙"},
        {D("2026-11-29"), CALENDAR_NORMAL, "ignored"},
    };
    calendar *c = calendar_new(in, 4);
    assert_non_null(c);
    size_t n;
    const calendar_entry *e = calendar_entries(c, D("2026-11-01"), D("2026-12-31"), &n);
    assert_int_equal(n, 2);
    assert_string_equal(e[0].name, "乙");
    assert_string_equal(e[1].name, "丙");
    assert_true(calendar_is_working_day(c, D("2026-11-28")));
    assert_false(calendar_is_working_day(c, D("2026-11-29")));
    calendar *again = calendar_retain(c);
    calendar_release(c);
    assert_string_equal(calendar_entry_of(again, D("2026-11-30"))->name, "丙"); /* still alive */
    calendar_release(again);
    calendar_release(NULL);
}

/* ---------------------------------------------------------------- database */

static char url[512];

static tb_db *open_db(void)
{
    char err[512];
    tb_db *db = tb_db_open(url, err, sizeof err);
    if (!db)
        fail_msg("open %s: %s", url, err);
    assert_int_equal(tb_db_migrate(db, err, sizeof err), 0);
    return db;
}

static int setup_sqlite(void **state)
{
    snprintf(url, sizeof url, "/tmp/tb-test-calendar-%d.db", (int)getpid());
    unlink(url);
    return 0;
}

static int setup_pg(void **state)
{
    snprintf(url, sizeof url, "%s", getenv("TB_TEST_PG"));
    char err[512];
    tb_db *db = tb_db_open(url, err, sizeof err);
    if (!db)
        fail_msg("open %s: %s", url, err);
    assert_int_equal(tb_db_exec_script(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), 0);
    tb_db_close(db);
    return 0;
}

/* Working days per year by the notices: 261 weekdays − 13 statutory days. */
static void seeded_years(void **state)
{
    tb_db *db = open_db();
    calendar_reload(db); /* drop a snapshot of another database from an earlier group */
    const calendar *c = calendar_current(db);
    assert_non_null(c);
    assert_int_equal(calendar_working_days_in_year(c, 2025), 248);
    assert_int_equal(calendar_working_days_in_year(c, 2026), 248);
    size_t n;
    calendar_entries(c, D("2025-01-01"), D("2025-12-31"), &n);
    assert_int_equal(n, 33);
    calendar_entries(c, D("2026-01-01"), D("2026-12-31"), &n);
    assert_int_equal(n, 39);
    const calendar_entry *e = calendar_entries(c, D("2027-01-01"), D("2027-12-31"), &n);
    assert_int_equal(n, 13);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(e[i].kind, CALENDAR_HOLIDAY);
        assert_non_null(strstr(e[i].name, "（预排，以国务院通知为准）"));
    }
    assert_true(calendar_is_working_day(c, D("2025-01-26")));
    assert_false(calendar_is_working_day(c, D("2025-10-08")));
    assert_true(calendar_is_working_day(c, D("2026-09-20")));
    tb_db_close(db);
}

static int set_tx(tb_db *db, void *arg)
{
    return calendar_store_set(db, D("2026-11-30"), CALENDAR_HOLIDAY, "测试放假", "staff:1");
}

static int delete_tx(tb_db *db, void *arg) { return calendar_store_delete(db, D("2026-11-30")) == 1 ? 0 : -1; }

static void edits_reach_the_snapshot(void **state)
{
    tb_db *db = open_db();
    int64_t t = at("2026-11-28", 12, 0, 0);
    tb_time_freeze(t);
    calendar_reload(db);
    assert_true(calendar_is_working_day(calendar_current(db), D("2026-11-30")));
    assert_int_equal(tb_db_tx(db, set_tx, NULL), 0);
    /* within the same second the snapshot may still be the old one; a
     * second later the moved epoch makes every thread reload */
    tb_time_freeze(t + 1);
    const calendar *c = calendar_current(db);
    assert_false(calendar_is_working_day(c, D("2026-11-30")));
    assert_string_equal(calendar_entry_of(c, D("2026-11-30"))->name, "测试放假");
    /* upsert: the same day again replaces it */
    assert_int_equal(tb_db_tx(db, set_tx, NULL), 0);
    assert_int_equal(tb_db_tx(db, delete_tx, NULL), 0);
    assert_int_equal(calendar_store_delete(db, D("2026-11-30")), 0); /* nothing left */
    calendar_reload(db);
    assert_true(calendar_is_working_day(calendar_current(db), D("2026-11-30")));
    tb_time_freeze(0);
    tb_db_close(db);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(dates_parse_and_format),
        cmocka_unit_test(dates_in_china_standard_time),
        cmocka_unit_test(weekends_without_entries),
        cmocka_unit_test(holiday_block_and_weekend_workdays),
        cmocka_unit_test(adding_across_spring_festival_2026),
        cmocka_unit_test(remaining_days_and_overdue),
        cmocka_unit_test(year_boundaries),
        cmocka_unit_test(later_entries_replace_earlier),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test(seeded_years),
        cmocka_unit_test(edits_reach_the_snapshot),
    };
    int failed = cmocka_run_group_tests_name("calendar", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("calendar on sqlite", stored, setup_sqlite, NULL);
    unlink(url);
    if (getenv("TB_TEST_PG"))
        failed += cmocka_run_group_tests_name("calendar on postgresql", stored, setup_pg, NULL);
    return failed;
}
