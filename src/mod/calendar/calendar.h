/* The working-day calendar shared by the deadline clock and appointment
 * booking.
 *
 * Days are whole dates in China Standard Time (+08:00, no daylight saving),
 * held as day numbers: days since 1970-01-01. A weekday (Mon–Fri) is a
 * working day unless the calendar lists it as a holiday; a weekend day is a
 * rest day unless the calendar lists it as a workday (调休上班). Listing a
 * weekend day as a holiday changes nothing for the arithmetic but names it
 * in the published calendar (e.g. the Saturday inside 国庆 leave).
 *
 * A calendar is an immutable, reference-counted snapshot, so server threads
 * can share one without locks. calendar.c does the arithmetic and never
 * touches the database; store.c loads snapshots and edits the table. */
#ifndef TB_MOD_CALENDAR_H
#define TB_MOD_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

typedef enum { CALENDAR_NORMAL = 0, CALENDAR_HOLIDAY, CALENDAR_WORKDAY } calendar_kind;

typedef struct {
    int32_t day;        /* day number, +08:00 */
    calendar_kind kind; /* HOLIDAY or WORKDAY */
    const char *name;   /* "国庆节" …; copied by calendar_new */
} calendar_entry;

typedef struct calendar calendar;

/* Bounds of the dates the calendar accepts (parse, API, arithmetic). */
#define CALENDAR_MIN_YEAR 1970
#define CALENDAR_MAX_YEAR 2199
/* Largest N accepted by the working-day arithmetic (about 40 years). */
#define CALENDAR_MAX_DAYS 10000

/* ---- dates ---- */
/* Strict "YYYY-MM-DD" of a real date within the bounds: 0, or -1. */
int calendar_parse_date(const char *s, int32_t *day);
/* "YYYY-MM-DD"; out needs 11 bytes. */
void calendar_format_date(int32_t day, char out[11]);
int32_t calendar_day_from_ymd(int year, int month, int mday);
void calendar_ymd(int32_t day, int *year, int *month, int *mday);
/* The +08:00 date of an epoch time, and the epoch of 00:00:00 +08:00. */
int32_t calendar_day_of(int64_t epoch);
int64_t calendar_day_start(int32_t day);
/* ISO weekday: 1 = Monday … 7 = Sunday. */
int calendar_weekday(int32_t day);
const char *calendar_kind_name(calendar_kind kind); /* "holiday" | "workday" | "normal" */
/* "holiday" / "workday" -> kind; -1 for anything else. */
int calendar_kind_parse(const char *s, calendar_kind *kind);

/* ---- snapshots ---- */
/* A new calendar (one reference) from entries in any order; names are
 * copied. A later entry for the same day replaces an earlier one. NULL when
 * out of memory. */
calendar *calendar_new(const calendar_entry *entries, size_t n);
calendar *calendar_retain(calendar *c);
void calendar_release(calendar *c); /* NULL is fine */
/* The entries with from <= day <= to, sorted by day (borrowed from c). */
const calendar_entry *calendar_entries(const calendar *c, int32_t from, int32_t to, size_t *n);
/* The entry of one day, or NULL for an ordinary weekday/weekend. */
const calendar_entry *calendar_entry_of(const calendar *c, int32_t day);

/* ---- working-day arithmetic ---- */
bool calendar_is_working_day(const calendar *c, int32_t day);
/* Working days in [from, to] (inclusive); 0 when to < from. */
int calendar_count_working_days(const calendar *c, int32_t from, int32_t to);
int calendar_working_days_in_year(const calendar *c, int year);

/* Deadline of "N 个工作日" for something received at `from` (epoch).
 * As in 民法典 art. 201, the day of receipt is not counted: working day 1 is
 * the first working day after the +08:00 date of `from`, whatever the hour.
 * The deadline is the end of working day N, 23:59:59 +08:00.
 * N = 0 means "当场/即办": the end of the date of `from` when that is a
 * working day, else the end of the next working day.
 * Returns 0 with *due set, or -1 when days is outside [0, CALENDAR_MAX_DAYS]
 * or a date falls outside the calendar's years. */
int calendar_add_working_days(const calendar *c, int64_t from, int days, int64_t *due);
/* The same for a workflow engine that knows only an opaque pointer. */
int calendar_add_working_days_cb(void *cal, int64_t from, int days, int64_t *out);

/* Working days left until `due`, for yellow/red warnings:
 *   now <= due: the working days after today's date up to and including the
 *               due date; 0 means "due today" (or the due day is a rest day
 *               and no working day remains), N means N more working days.
 *   now >  due: -k, k = the working days after the due date up to and
 *               including today's date, at least 1 (overdue by k). */
int calendar_working_days_left(const calendar *c, int64_t now, int64_t due);

/* The first `count` working days on or after `from`, into out[count]
 * (booking passes tomorrow's date to offer "the next N working days").
 * Returns count, or -1 when count is outside [1, CALENDAR_MAX_DAYS] or the
 * dates leave the calendar's years. */
int calendar_working_days_from(const calendar *c, int32_t from, int count, int32_t *out);

/* ---- the database's calendar (store.c) ---- */
/* The current snapshot, reloaded when the `cache_epochs` row 'calendar'
 * moves (asked at most once a second per process). Borrowed: valid on this
 * thread until its next calendar_current call; calendar_retain it to keep it
 * longer. NULL only when nothing could ever be loaded. */
const calendar *calendar_current(tb_db *db);
/* Reloads now (after an edit, so this node reads its own writes). */
void calendar_reload(tb_db *db);
/* Sets (inserts or replaces) or deletes one special day and bumps the
 * 'calendar' epoch; call inside tb_db_tx so both land together (with the
 * audit row). actor: 'staff:<id>'. set: 0 or -1. delete: 1 deleted,
 * 0 no such day (nothing bumped), -1 error. */
int calendar_store_set(tb_db *db, int32_t day, calendar_kind kind, const char *name, const char *actor);
int calendar_store_delete(tb_db *db, int32_t day);
/* Routes of the module. */
void calendar_register(void);

#endif
