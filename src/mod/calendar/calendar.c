/* Working-day arithmetic over an immutable set of special days. No I/O: the
 * snapshot is built from entries handed in, so every rule here is tested
 * without a database (tests/unit/test_calendar.c). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod/calendar/calendar.h"

#define CST_OFFSET (8 * 3600)
#define DAY_SECONDS 86400

struct calendar {
    _Atomic int refs;
    size_t n;
    calendar_entry e[]; /* sorted by day, one per day; names follow the array */
};

/* ---------------------------------------------------------------- dates */

/* Proleptic Gregorian day number of y-m-d (H. Hinnant's days_from_civil):
 * exact for every year, no table, no time zone involved. */
int32_t calendar_day_from_ymd(int year, int month, int mday)
{
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void calendar_ymd(int32_t day, int *year, int *month, int *mday)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = m;
    *year = (int)(yoe + era * 400 + (m <= 2));
}

static int32_t min_day(void) { return calendar_day_from_ymd(CALENDAR_MIN_YEAR, 1, 1); }
static int32_t max_day(void) { return calendar_day_from_ymd(CALENDAR_MAX_YEAR, 12, 31); }
static bool in_range(int64_t day) { return day >= min_day() && day <= max_day(); }

static int days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int calendar_parse_date(const char *s, int32_t *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < CALENDAR_MIN_YEAR || y > CALENDAR_MAX_YEAR || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *day = calendar_day_from_ymd(y, m, d);
    return 0;
}

void calendar_format_date(int32_t day, char out[11])
{
    int y, m, d;
    calendar_ymd(day, &y, &m, &d);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

/* Floor division, so instants before 1970 land on the right date too. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

int32_t calendar_day_of(int64_t epoch)
{
    /* the offset is added to the remainder, never to epoch, so no instant overflows */
    int64_t d = floor_div(epoch, DAY_SECONDS);
    d += epoch - d * DAY_SECONDS + CST_OFFSET >= DAY_SECONDS;
    return d < INT32_MIN ? INT32_MIN : d > INT32_MAX ? INT32_MAX : (int32_t)d;
}

int64_t calendar_day_start(int32_t day) { return (int64_t)day * DAY_SECONDS - CST_OFFSET; }

int calendar_weekday(int32_t day)
{
    int r = (int)(((int64_t)day % 7 + 7) % 7); /* 0 = 1970-01-01, a Thursday */
    return (r + 3) % 7 + 1;
}

static bool weekend(int32_t day) { return calendar_weekday(day) >= 6; }

const char *calendar_kind_name(calendar_kind kind)
{
    return kind == CALENDAR_HOLIDAY ? "holiday" : kind == CALENDAR_WORKDAY ? "workday" : "normal";
}

int calendar_kind_parse(const char *s, calendar_kind *kind)
{
    if (s && !strcmp(s, "holiday"))
        *kind = CALENDAR_HOLIDAY;
    else if (s && !strcmp(s, "workday"))
        *kind = CALENDAR_WORKDAY;
    else
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- snapshots */

typedef struct {
    calendar_entry e;
    size_t order;
} ranked;

static int by_day_then_order(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->e.day != y->e.day)
        return x->e.day < y->e.day ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorted, special kinds only, the last entry of each day kept; returns the
 * count and the bytes the names need. */
static size_t normalise(const calendar_entry *in, size_t n, ranked *out, size_t *name_bytes)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].kind == CALENDAR_HOLIDAY || in[i].kind == CALENDAR_WORKDAY)
            out[k++] = (ranked){in[i], i};
    }
    qsort(out, k, sizeof *out, by_day_then_order);
    size_t m = 0;
    *name_bytes = 0;
    for (size_t i = 0; i < k; i++) {
        if (i + 1 < k && out[i + 1].e.day == out[i].e.day)
            continue; /* a later entry of the same day wins */
        out[m++] = out[i];
        *name_bytes += strlen(out[i].e.name ? out[i].e.name : "") + 1;
    }
    return m;
}

calendar *calendar_new(const calendar_entry *entries, size_t n)
{
    ranked *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return NULL;
    size_t name_bytes;
    size_t m = normalise(entries, n, tmp, &name_bytes);
    calendar *c = malloc(sizeof *c + m * sizeof c->e[0] + name_bytes);
    if (!c) {
        free(tmp);
        return NULL;
    }
    char *names = (char *)&c->e[m];
    for (size_t i = 0; i < m; i++) {
        const char *nm = tmp[i].e.name ? tmp[i].e.name : "";
        size_t len = strlen(nm) + 1;
        c->e[i] = (calendar_entry){tmp[i].e.day, tmp[i].e.kind, memcpy(names, nm, len)};
        names += len;
    }
    free(tmp);
    c->n = m;
    atomic_init(&c->refs, 1);
    return c;
}

calendar *calendar_retain(calendar *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void calendar_release(calendar *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        free(c);
}

/* Index of the first entry with day >= d. */
static size_t lower_bound(const calendar *c, int32_t d)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->e[mid].day < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const calendar_entry *calendar_entries(const calendar *c, int32_t from, int32_t to, size_t *n)
{
    size_t a = lower_bound(c, from), b = to < from ? a : lower_bound(c, to == INT32_MAX ? to : to + 1);
    *n = b - a;
    return c->e + a;
}

const calendar_entry *calendar_entry_of(const calendar *c, int32_t day)
{
    size_t i = lower_bound(c, day);
    return i < c->n && c->e[i].day == day ? &c->e[i] : NULL;
}

/* ---------------------------------------------------------------- arithmetic */

bool calendar_is_working_day(const calendar *c, int32_t day)
{
    const calendar_entry *e = calendar_entry_of(c, day);
    if (e)
        return e->kind == CALENDAR_WORKDAY;
    return !weekend(day);
}

static int64_t weekdays_between(int32_t from, int32_t to)
{
    int64_t n = (int64_t)to - from + 1;
    int64_t count = n / 7 * 5; /* every full week has five */
    for (int64_t d = from + n / 7 * 7; d <= to; d++)
        count += !weekend((int32_t)d);
    return count;
}

/* Weekdays, less listed holidays on weekdays, plus listed workdays on
 * weekends: O(log n + entries in range), however long the range. */
int calendar_count_working_days(const calendar *c, int32_t from, int32_t to)
{
    if (to < from)
        return 0;
    int64_t count = weekdays_between(from, to);
    size_t n;
    const calendar_entry *e = calendar_entries(c, from, to, &n);
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind == CALENDAR_HOLIDAY && !weekend(e[i].day))
            count--;
        else if (e[i].kind == CALENDAR_WORKDAY && weekend(e[i].day))
            count++;
    }
    return count > INT32_MAX ? INT32_MAX : (int)count;
}

int calendar_working_days_in_year(const calendar *c, int year)
{
    return calendar_count_working_days(c, calendar_day_from_ymd(year, 1, 1), calendar_day_from_ymd(year, 12, 31));
}

/* The first working day on or after d; -1 past the calendar's last year. */
static int64_t next_working(const calendar *c, int64_t d)
{
    for (; d <= max_day(); d++) {
        if (calendar_is_working_day(c, (int32_t)d))
            return d;
    }
    return -1;
}

int calendar_working_days_from(const calendar *c, int32_t from, int count, int32_t *out)
{
    if (count < 1 || count > CALENDAR_MAX_DAYS || !in_range(from))
        return -1;
    int64_t d = from;
    for (int i = 0; i < count; i++) {
        if ((d = next_working(c, d)) < 0)
            return -1;
        out[i] = (int32_t)d++;
    }
    return count;
}

int calendar_add_working_days(const calendar *c, int64_t from, int days, int64_t *due)
{
    int32_t start = calendar_day_of(from);
    if (days < 0 || days > CALENDAR_MAX_DAYS || !in_range(start))
        return -1;
    /* N = 0 may end on the start day itself; N >= 1 starts counting the day after */
    int64_t d = next_working(c, days == 0 ? start : (int64_t)start + 1);
    for (int i = 1; i < days && d >= 0; i++)
        d = next_working(c, d + 1);
    if (d < 0)
        return -1;
    *due = calendar_day_start((int32_t)d + 1) - 1;
    return 0;
}

int calendar_add_working_days_cb(void *cal, int64_t from, int days, int64_t *out)
{
    return cal ? calendar_add_working_days(cal, from, days, out) : -1;
}

/* Keeps absurd instants (a due time of INT64_MAX, a zero "now") inside the
 * calendar's years, so the counts stay bounded and cannot overflow. */
static int32_t clamp_day(int32_t d)
{
    return d < min_day() ? min_day() : d > max_day() ? max_day() : d;
}

int calendar_working_days_left(const calendar *c, int64_t now, int64_t due)
{
    int32_t today = clamp_day(calendar_day_of(now)), due_day = clamp_day(calendar_day_of(due));
    if (now <= due)
        return calendar_count_working_days(c, today + 1, due_day);
    int late = calendar_count_working_days(c, due_day + 1, today);
    return late < 1 ? -1 : -late;
}
