/* Unit tests of the booking rules (src/mod/booking/rules.c): opening hours,
 * one-hour slots and their boundaries, working days and 调休, validity
 * windows, the insert-three-ahead rule at 0, 1, 2, 3 and 10 waiting, and
 * signed QR payloads (forged, altered, truncated). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/qr.h"
#include "crypto/crypto.h"
#include "mod/booking/booking_internal.h"

static int32_t D(const char *s)
{
    int32_t d;
    if (calendar_parse_date(s, &d) != 0)
        fail_msg("bad date in test: %s", s);
    return d;
}

static bk_hours hours_of(const char *json)
{
    bk_hours h;
    const char *why = NULL;
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    assert_int_equal(bk_hours_from_json(j, &h, &why), 0);
    json_decref(j);
    return h;
}

static int bad_hours(const char *json)
{
    bk_hours h;
    const char *why = NULL;
    json_t *j = json_loads(json, 0, NULL);
    int rc = bk_hours_from_json(j, &h, &why);
    json_decref(j);
    if (rc != 0)
        assert_non_null(why);
    return rc;
}

static void test_hhmm(void **state)
{
    (void)state;
    assert_int_equal(bk_parse_hhmm("00:00"), 0);
    assert_int_equal(bk_parse_hhmm("08:30"), 510);
    assert_int_equal(bk_parse_hhmm("24:00"), 1440);
    assert_int_equal(bk_parse_hhmm("24:01"), -1);
    assert_int_equal(bk_parse_hhmm("12:60"), -1);
    assert_int_equal(bk_parse_hhmm("8:30"), -1);
    assert_int_equal(bk_parse_hhmm("08-30"), -1);
    assert_int_equal(bk_parse_hhmm("0a:30"), -1);
    assert_int_equal(bk_parse_hhmm(NULL), -1);
    char out[6];
    bk_format_hhmm(510, out);
    assert_string_equal(out, "08:30");
    bk_format_hhmm(1440, out);
    assert_string_equal(out, "24:00");
}

static void test_hours_parse(void **state)
{
    (void)state;
    bk_hours h = hours_of("{\"1\":[\"09:00-12:00\",\"13:00-17:00\"],\"6\":[]}");
    assert_int_equal(h.wd[1].n, 2);
    assert_int_equal(h.wd[1].iv[1].from, 13 * 60);
    assert_int_equal(h.wd[6].n, 0);
    assert_int_equal(h.wd[3].n, 0); /* missing weekday: closed */
    assert_int_not_equal(bad_hours("{\"8\":[]}"), 0);
    assert_int_not_equal(bad_hours("{\"1\":[\"12:00-09:00\"]}"), 0);                 /* backwards */
    assert_int_not_equal(bad_hours("{\"1\":[\"09:00-12:00\",\"11:00-13:00\"]}"), 0); /* overlap */
    assert_int_not_equal(bad_hours("{\"1\":[\"13:00-17:00\",\"09:00-12:00\"]}"), 0); /* out of order */
    assert_int_not_equal(bad_hours("{\"1\":[\"09:00-12:00\",\"12:00-13:00\",\"13:00-14:00\",\"14:00-15:00\","
                                   "\"15:00-16:00\"]}"),
                         0); /* five intervals */
    assert_int_not_equal(bad_hours("[]"), 0);
    assert_int_not_equal(bad_hours("{\"1\":[9]}"), 0);
    /* the JSON form round-trips */
    json_t *j = bk_hours_json(&h);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"1\":[\"09:00-12:00\",\"13:00-17:00\"],\"2\":[],\"3\":[],\"4\":[],\"5\":[],\"6\":[],\"7\":[]}");
    free(s);
    json_decref(j);
}

static void test_slots(void **state)
{
    (void)state;
    bk_hours h = hours_of("{\"1\":[\"08:30-11:30\",\"13:30-16:45\"],\"2\":[\"09:00-09:59\"]}");
    int s[BK_MAX_SLOTS];
    int n = bk_slots(&h.wd[1], s, BK_MAX_SLOTS);
    /* from each opening, while a whole hour fits: 16:30 would end at 17:30, after 16:45 */
    int want[] = {510, 570, 630, 810, 870, 930};
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++)
        assert_int_equal(s[i], want[i]);
    assert_true(bk_slot_valid(&h.wd[1], 570));
    assert_false(bk_slot_valid(&h.wd[1], 540)); /* 09:00 is inside the hours but not a slot start */
    assert_false(bk_slot_valid(&h.wd[1], 690)); /* 11:30: the interval closes */
    assert_int_equal(bk_slots(&h.wd[2], s, BK_MAX_SLOTS), 0); /* 59 minutes hold no slot */
    bk_hours all = hours_of("{\"1\":[\"00:00-24:00\"]}");
    assert_int_equal(bk_slots(&all.wd[1], s, BK_MAX_SLOTS), 24);
    assert_int_equal(s[23], 23 * 60);
}

static void test_working_days(void **state)
{
    (void)state;
    /* 2026-10-01..08 国庆 holidays; Sunday 2026-09-27 and Saturday 2026-10-10 are make-up workdays */
    calendar_entry e[] = {{D("2026-10-01"), CALENDAR_HOLIDAY, "国庆节"}, {D("2026-10-02"), CALENDAR_HOLIDAY, "国庆节"},
                          {D("2026-10-03"), CALENDAR_HOLIDAY, "国庆节"},
                          {D("2026-09-27"), CALENDAR_WORKDAY, "调休上班"}, {D("2026-10-10"), CALENDAR_WORKDAY, "调休上班"}};
    calendar *c = calendar_new(e, 5);
    bk_hours h = hours_of("{\"1\":[\"08:30-11:30\"],\"4\":[\"09:00-12:00\"],\"6\":[\"09:00-10:00\"]}");
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-01"))->n, 0);          /* Thursday holiday */
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-08"))->n, 1);          /* an ordinary Thursday */
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-08"))->iv[0].from, 540);
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-03"))->n, 0);          /* a holiday Saturday */
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-17"))->iv[0].from, 540); /* an ordinary Saturday: its hours */
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-18"))->n, 0);          /* an ordinary Sunday: none */
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-10-10"))->iv[0].from, 540); /* make-up Saturday: its own hours */
    assert_int_equal(bk_hours_of_day(&h, c, D("2026-09-27"))->iv[0].from, 510); /* make-up Sunday: Monday's */
    assert_int_equal(bk_hours_of_day(&h, NULL, D("2026-10-08"))->n, 0);       /* no calendar: closed */
    /* "the next five working days from tomorrow" skips the holidays */
    int32_t days[5];
    assert_int_equal(calendar_working_days_from(c, D("2026-09-30") + 1, 5, days), 5);
    assert_int_equal(days[0], D("2026-10-05"));
    calendar_release(c);
}

static void test_validity(void **state)
{
    (void)state;
    bk_hours h = hours_of("{\"1\":[\"09:00-12:00\",\"13:00-17:00\"]}");
    int32_t day = D("2026-11-30");
    int64_t base = calendar_day_start(day), from, to;
    bk_validity(&h.wd[1], day, 600, "halfday", &from, &to); /* 10:00 slot: valid all morning */
    assert_int_equal(from, base + 9 * 3600);
    assert_int_equal(to, base + 12 * 3600);
    bk_validity(&h.wd[1], day, 900, "halfday", &from, &to); /* 15:00 slot: all afternoon */
    assert_int_equal(from, base + 13 * 3600);
    assert_int_equal(to, base + 17 * 3600);
    bk_validity(&h.wd[1], day, 600, "slot", &from, &to); /* 09:30 … 11:00 */
    assert_int_equal(from, base + 9 * 3600 + 1800);
    assert_int_equal(to, base + 11 * 3600);
    assert_true(bk_validity_mode_ok("halfday"));
    assert_false(bk_validity_mode_ok("day"));
}

/* Simulates the line with the same positions the server computes. */
static int place(int64_t *line, int n, int64_t max_pos, bool front)
{
    int idx = bk_insert_index(n, front);
    int64_t pos, prev = idx == n ? max_pos : idx > 0 ? line[idx - 1] : line[0] - 2 * BK_GAP;
    assert_true(bk_pos_between(prev, idx == n ? INT64_MAX : line[idx], &pos));
    memmove(line + idx + 1, line + idx, (size_t)(n - idx) * sizeof *line);
    line[idx] = pos;
    for (int i = 1; i <= n; i++)
        assert_true(line[i - 1] < line[i]);
    return idx;
}

static void test_insert_three_ahead(void **state)
{
    (void)state;
    int cases[][2] = {{0, 0}, {1, 1}, {2, 2}, {3, 0}, {10, 7}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int n = cases[k][0];
        assert_int_equal(bk_insert_index(n, false), cases[k][1]);
        int64_t line[32];
        for (int i = 0; i < n; i++)
            line[i] = (int64_t)(i + 1) * BK_GAP;
        int idx = place(line, n, n * BK_GAP, false);
        assert_int_equal(idx, cases[k][1]);
        assert_int_equal(n + 1 - idx - 1, n < 3 ? 0 : 3); /* numbers behind the booked one */
    }
    /* the other reading: behind the first three waiting */
    int front[][2] = {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {10, 3}};
    for (size_t k = 0; k < sizeof front / sizeof front[0]; k++) {
        int n = front[k][0];
        int64_t line[32];
        for (int i = 0; i < n; i++)
            line[i] = (int64_t)(i + 1) * BK_GAP;
        assert_int_equal(place(line, n, n * BK_GAP, true), front[k][1]);
    }
    /* repeated insertions narrow the gap until renumbering is needed */
    int64_t out;
    assert_true(bk_pos_between(0, 2, &out));
    assert_int_equal(out, 1);
    assert_false(bk_pos_between(5, 6, &out));
    assert_true(bk_pos_between(7, INT64_MAX, &out));
    assert_int_equal(out, 7 + BK_GAP);
}

static void test_qr(void **state)
{
    (void)state;
    char p[256], kind, ref[64];
    int64_t hall, exp;
    bk_qr_sign('B', "BR47PVZ5VXBS", 3, 1796011200, p, sizeof p);
    assert_int_equal(bk_qr_verify(p, &kind, ref, sizeof ref, &hall, &exp), 0);
    assert_int_equal(kind, 'B');
    assert_string_equal(ref, "BR47PVZ5VXBS");
    assert_int_equal(hall, 3);
    assert_int_equal(exp, 1796011200);
    /* altered: another hall, another code, a later expiry, one flipped MAC digit */
    char q[256];
    const char *edits[][2] = {{".3.", ".4."}, {"BR47", "BR48"}, {"1796011200", "1796097600"}};
    for (size_t i = 0; i < 3; i++) {
        strcpy(q, p);
        char *at = strstr(q, edits[i][0]);
        assert_non_null(at);
        memcpy(at, edits[i][1], strlen(edits[i][1]));
        assert_int_equal(bk_qr_verify(q, &kind, ref, sizeof ref, &hall, &exp), -1);
    }
    strcpy(q, p);
    q[strlen(q) - 1] = q[strlen(q) - 1] == '0' ? '1' : '0';
    assert_int_equal(bk_qr_verify(q, &kind, ref, sizeof ref, &hall, &exp), -1);
    /* forged from scratch, truncated, empty, wrong version */
    assert_int_equal(bk_qr_verify("TBQ1.B.AAAAAAAAAAAA.3.1796011200.00000000000000000000000000000000", &kind, ref,
                                  sizeof ref, &hall, &exp), -1);
    strcpy(q, p);
    q[strlen(q) - 5] = 0;
    assert_int_equal(bk_qr_verify(q, &kind, ref, sizeof ref, &hall, &exp), -1);
    assert_int_equal(bk_qr_verify("", &kind, ref, sizeof ref, &hall, &exp), -1);
    strcpy(q, p);
    q[3] = '2';
    assert_int_equal(bk_qr_verify(q, &kind, ref, sizeof ref, &hall, &exp), -1);
    /* the SVG encodes something and is well formed enough to start and end right */
    size_t len;
    char *svg = tb_qr_svg(p, &len);
    assert_non_null(svg);
    assert_true(len > 1000);
    assert_memory_equal(svg, "<svg ", 5);
    assert_string_equal(svg + len - 6, "</svg>");
    free(svg);
}

static void test_codes(void **state)
{
    (void)state;
    char a[13], b[13];
    bk_new_code(a);
    bk_new_code(b);
    assert_int_equal(strlen(a), 12);
    assert_string_not_equal(a, b);
    assert_null(strpbrk(a, "01ILO"));
}

int main(void)
{
    unsigned char key[64];
    memset(key, 7, sizeof key);
    tb_crypto_init_with_key(key);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hhmm),     cmocka_unit_test(test_hours_parse),        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_working_days), cmocka_unit_test(test_validity), cmocka_unit_test(test_insert_three_ahead),
        cmocka_unit_test(test_qr),       cmocka_unit_test(test_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
