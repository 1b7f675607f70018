/* Shared between the files of the booking module only. */
#ifndef TB_MOD_BOOKING_INTERNAL_H
#define TB_MOD_BOOKING_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "http/http.h"
#include "mod/booking/booking.h"
#include "mod/calendar/calendar.h"

/* ---- rules.c: the arithmetic of hours, slots, validity and the line (no database) ---- */
#define BK_MAX_INTERVALS 4
#define BK_SLOT_MINUTES 60
#define BK_MAX_SLOTS 24
#define BK_GAP 1024 /* spacing of queue positions */

typedef struct {
    int from, to; /* minutes after midnight, from < to <= 1440 */
} bk_interval;
typedef struct {
    bk_interval iv[BK_MAX_INTERVALS];
    int n;
} bk_dayhours;
typedef struct {
    bk_dayhours wd[8]; /* 1 = Monday … 7 = Sunday; [0] unused */
} bk_hours;

/* "HH:MM" (00:00 … 24:00) -> minutes, or -1. */
int bk_parse_hhmm(const char *s);
void bk_format_hhmm(int minutes, char out[6]);
/* {"1":["09:00-12:00",…],…}; weekdays missing from the object are closed. 0, or -1 with *why (Chinese). */
int bk_hours_from_json(const json_t *obj, bk_hours *h, const char **why);
json_t *bk_hours_json(const bk_hours *h);
/* The opening intervals of a date: the hall's hours of that weekday, none on a holiday; a weekend day
 * made a working day (调休上班) opens with Monday's hours when the hall has none that weekday. Booking
 * offers working days only (calendar_working_days_from); walk-ins follow the hours. */
const bk_dayhours *bk_hours_of_day(const bk_hours *h, const calendar *c, int32_t day);
/* Start minutes of the one-hour slots inside the intervals (each interval from its opening, while a
 * whole hour fits); returns the count (<= cap). */
int bk_slots(const bk_dayhours *dh, int *starts, int cap);
bool bk_slot_valid(const bk_dayhours *dh, int start);
/* The validity window of a booked slot as epoch seconds: "halfday" = the opening interval that holds the
 * slot (a morning slot is valid all morning), "slot" = from 30 minutes before the slot to its end. */
void bk_validity(const bk_dayhours *dh, int32_t day, int start, const char *mode, int64_t *from, int64_t *to);
bool bk_validity_mode_ok(const char *mode);
/* Where a booked number enters a waiting line of n numbers (顺延三位, §1-1-3-2-4-5 1): at index n - 3,
 * three numbers staying behind it (queue_booked_insert = end3, the default), or at index 3, behind the
 * first three (front3); at the end, n, when fewer than three wait. */
int bk_insert_index(int waiting, bool from_front);
/* The configured reading (tb_cfg.queue_booked_insert). */
bool bk_insert_from_front(void);
/* A position strictly between prev and next (next = INT64_MAX: after prev); false when there is no room
 * and the line must be renumbered. */
bool bk_pos_between(int64_t prev, int64_t next, int64_t *out);

/* Signed QR payloads: "TBQ1.<kind>.<ref>.<hall>.<n>.<mac>", kind B (booking: ref = code, n = its
 * qr_version) or T (queue ticket: ref = ticket id, n = expiry epoch); mac = HMAC-SM3 (token key) truncated
 * to 128 bits. */
void bk_qr_sign(char kind, const char *ref, int64_t hall, int64_t n, char *out, size_t cap);
/* 0 when intact (fields copied out), -1 when forged, altered or malformed. */
int bk_qr_verify(const char *payload, char *kind, char *ref, size_t refcap, int64_t *hall, int64_t *n);
/* 12 characters from an unambiguous alphabet, for booking codes. out[13]. */
void bk_new_code(char out[13]);

/* ---- store.c, store_halls.c: every statement of the module ---- */
typedef struct {
    int64_t id;
    const char *no, *name, *matters; /* matters: ",code,code," served ("" = all) */
} bk_window;

typedef struct {
    const char *code, *name; /* name: the matter's, or the code when the catalog lacks it */
    bool bookable, published;
    int64_t quota;
} bk_hall_matter;

typedef struct {
    int64_t id, department_id, booking_days;
    const char *name, *address, *region, *lng, *lat, *phone, *validity, *status, *department_name;
    bk_hours hours;
    const bk_window *windows; /* open windows, by number */
    const bk_hall_matter *matters; /* in catalog order */
    int nwindows, nmatters;
} bk_hall;

typedef struct {
    int64_t id, hall_id, day, start_min, end_min, valid_from, valid_to, created_at, citizen_id, ticket_id, qr_version;
    const char *code, *booker, *name, *id_number_enc, *id_number_bidx, *phone_enc, *matter_code, *status,
        *channel;
    const char *ticket_letter; /* the queue number of a checked-in booking ("" none), joined in */
    int64_t ticket_number;
} bk_booking;

typedef struct {
    int64_t id, hall_id, day, number, booking_id, citizen_id, pos, window_id, returned, notified_near, issued_at,
        called_at, skipped_at, started_at, finished_at;
    const char *letter, *kind, *matter_code, *name, *phone_enc, *status;
    const char *booking_code; /* "" for numbers without a booking, joined in */
} bk_ticket;

/* halls (store_halls.c). Readers go through the hall cache (cache.c); these feed it and write. */
/* The rows of every hall, open window and hall matter, each ordered by hall id (strings valid during the
 * call); hours is the hall's JSON text. 0 or -1. */
typedef struct {
    void (*hall)(void *arg, const bk_hall *h, const char *hours);
    void (*window)(void *arg, int64_t hall, const bk_window *w);
    void (*matter)(void *arg, int64_t hall, const bk_hall_matter *m);
} bk_hall_rows;
int bk_store_hall_rows(tb_db *db, const bk_hall_rows *fn, void *arg);
/* What the cache depends on: the 'halls' and 'catalog' epochs (matter names and status) and the last change
 * of a department (their names). 0 or -1. */
int bk_store_hall_epochs(tb_db *db, int64_t out[3]);
/* Makes every node reload its hall cache: call in the transaction of every write to halls, windows or hall
 * matters. 0 or -1. */
int bk_store_halls_bump(tb_db *db);
int64_t bk_store_hall_insert(tb_db *db, const bk_hall *h, const char *hours_json);
int bk_store_hall_update(tb_db *db, const bk_hall *h, const char *hours_json);
int64_t bk_store_hall_by_name(tb_db *db, const char *name);
int64_t bk_store_department_by_name(tb_db *db, const char *name);
/* Takes the hall's queue lock (a row lock on PostgreSQL; SQLite has one writer anyway). */
int bk_store_hall_lock(tb_db *db, int64_t hall);
int bk_store_hall_matter_set(tb_db *db, int64_t hall, const char *matter, bool bookable, int64_t quota);
int bk_store_hall_matter_delete(tb_db *db, int64_t hall, const char *matter);
int64_t bk_store_matter_active_bookings(tb_db *db, int64_t hall, const char *matter);
const char *bk_store_matter_name(tb_req *r, const char *code); /* published matters; NULL otherwise */
int64_t bk_store_window_insert(tb_db *db, int64_t hall, const char *no, const char *name, const char *matters);
int bk_store_window_update(tb_db *db, int64_t hall, int64_t window, const char *no, const char *name,
                           const char *matters);
int bk_store_window_delete(tb_db *db, int64_t hall, int64_t window);

/* slots */
/* booked counts of the slots of (hall, matter, day): fills booked[] by start minute. */
int bk_store_slot_counts(tb_req *r, int64_t hall, const char *matter, int32_t day, const int *starts, int n,
                         int64_t *booked);
/* places taken in a slot; -1 when nobody booked it yet (no row) */
int64_t bk_store_slot_booked(tb_req *r, int64_t hall, const char *matter, int32_t day, int start);
/* Takes one place if fewer than quota are taken: 1 taken, 0 full, -1 error. ensure: create the slot's row
 * first (it may not exist yet). */
int bk_store_slot_take(tb_db *db, int64_t hall, const char *matter, int32_t day, int start, int64_t quota,
                       bool ensure);
int bk_store_slot_release(tb_db *db, int64_t hall, const char *matter, int32_t day, int start);

/* bookings */
bool bk_store_blacklisted(tb_req *r, const char *id_bidx, int64_t *until);
int64_t bk_store_active_by_booker(tb_req *r, const char *booker);
bool bk_store_active_exists(tb_req *r, const char *id_bidx, const char *matter);
/* Inserts; -1 error, -2 the person already holds an active booking of the matter (unique index). */
int64_t bk_store_booking_insert(tb_db *db, const bk_booking *b);
int bk_store_booking_by_code(tb_req *r, const char *code, bk_booking *out);
int bk_store_booking_by_id(tb_req *r, int64_t id, bk_booking *out);
/* The person's booking at the hall on day in status booked, earliest slot first. */
int bk_store_booking_for_checkin(tb_req *r, int64_t hall, int32_t day, const char *id_bidx, bk_booking *out);
int bk_store_booking_status(tb_db *db, int64_t id, const char *from, const char *to);
int bk_store_booking_move(tb_db *db, int64_t id, int32_t day, int start, int end, int64_t vfrom, int64_t vto);
int bk_store_booking_checked_in(tb_db *db, int64_t id, int64_t ticket);
int bk_store_bookings_of_citizen(tb_req *r, int64_t citizen, int64_t limit, int64_t offset,
                                 void (*fn)(tb_req *, const bk_booking *, void *), void *arg, int64_t *total);
int bk_store_bookings_admin(tb_req *r, int64_t hall, int64_t day, const char *status, const char *depts,
                            int64_t limit, int64_t offset, void (*fn)(tb_req *, const bk_booking *, void *),
                            void *arg, int64_t *total);

/* queue */
int64_t bk_store_counter_next(tb_db *db, int64_t hall, int32_t day, const char *letter);
/* positions of the waiting line in order (arena array), *n set */
int64_t *bk_store_waiting_pos(tb_req *r, int64_t hall, int32_t day, int *n);
int64_t bk_store_max_pos(tb_req *r, int64_t hall, int32_t day);
int bk_store_renumber(tb_req *r, int64_t hall, int32_t day);
int64_t bk_store_ticket_insert(tb_db *db, const bk_ticket *t);
int bk_store_ticket(tb_req *r, int64_t id, bk_ticket *out);
int bk_store_ticket_set(tb_db *db, int64_t id, const char *from, const char *to, int64_t window, int64_t at);
int bk_store_ticket_requeue(tb_db *db, int64_t id, int64_t pos);
int bk_store_ticket_near(tb_db *db, int64_t id);
/* tickets of the hall today in a status (or "recent": every called one), ordered (waiting by pos, others
 * newest call first) */
int bk_store_tickets(tb_req *r, int64_t hall, int32_t day, const char *status, int64_t limit,
                     void (*fn)(tb_req *, const bk_ticket *, void *), void *arg);
/* first waiting ticket whose matter is in served (",a,b," or "" for all); -1 none */
int bk_store_first_waiting(tb_req *r, int64_t hall, int32_t day, const char *served, bk_ticket *out);
int64_t bk_store_ahead(tb_req *r, int64_t hall, int32_t day, int64_t pos);
int64_t bk_store_waiting_count(tb_req *r, int64_t hall, int32_t day);
int bk_store_citizen_tickets(tb_req *r, int64_t citizen, int32_t day, void (*fn)(tb_req *, const bk_ticket *, void *),
                             void *arg);

/* sweep and blacklist */
/* bookings still `booked` whose window ended before now (at most limit) */
int bk_store_due_noshows(tb_req *r, int64_t now, int64_t limit, void (*fn)(tb_req *, const bk_booking *, void *),
                         void *arg);
/* checked-in bookings of days before `day` are done */
int bk_store_close_checked_in(tb_db *db, int32_t day);
/* uncounted no-shows of a person: codes in arena array, returns count */
int bk_store_uncounted_noshows(tb_req *r, const char *id_bidx, const char ***codes);
int bk_store_mark_counted(tb_db *db, const char *id_bidx);
int64_t bk_store_blacklist_insert(tb_db *db, const char *id_bidx, const char *id_enc, const char *name,
                                  const char *reason, const char *records, int64_t until);
json_t *bk_store_blacklist(tb_req *r, bool active_only, int64_t limit, int64_t offset, int64_t *total);
json_t *bk_store_blacklist_entry(tb_req *r, int64_t id);
int bk_store_blacklist_lift(tb_db *db, int64_t id, const char *by, const char *reason);

/* ---- cache.c: every hall with its windows and matters, hours parsed, per process ---- */
/* Rebuilt when bk_store_hall_epochs moves: looked at once a second (at once after bk_cache_invalidate), so
 * another node's write shows within a second. Results are copied into the request arena. */
int bk_hall_get(tb_req *r, int64_t id, bk_hall *out); /* 0, or -1 when there is no such hall */
/* Visits every hall (optionally only those where matter is bookable, those in region or below), by id. */
int bk_halls_each(tb_req *r, const char *matter, const char *region, void (*fn)(tb_req *, const bk_hall *, void *),
                  void *arg);
/* After the commit of a write that bumped the halls epoch: this node looks at the epoch on its next read. */
void bk_cache_invalidate(void);
const bk_window *bk_hall_window(const bk_hall *h, int64_t id);
const bk_hall_matter *bk_hall_find_matter(const bk_hall *h, const char *code);
/* quota of a bookable matter at a hall; -1 when not bookable there; *served: the hall has the matter */
int64_t bk_hall_quota(const bk_hall *h, const char *code, bool *served);
/* [{"code","name","bookable","quota"}] and [{"id","no","name","matters":[…]}] */
json_t *bk_hall_matters_json(const bk_hall *h);
json_t *bk_hall_windows_json(const bk_hall *h);

/* ---- lookup.c: what the rows of one request share (halls, matter names), in the request arena ---- */
typedef struct bk_lookup bk_lookup;
bk_lookup *bk_lookup_new(tb_req *r);
/* Lends a hall this request already holds (kept by pointer). */
void bk_lookup_add_hall(bk_lookup *lk, const bk_hall *h);
const bk_hall *bk_lookup_hall(bk_lookup *lk, int64_t id); /* NULL when there is no such hall */
/* Name of a published matter, NULL otherwise: from the hall's matters, else asked once per request. */
const char *bk_lookup_matter_name(bk_lookup *lk, int64_t hall, const char *code);

/* ---- sweep.c ---- */
/* One pass: due no-shows (and the blacklist entries they cause), past check-ins closed. */
void bk_sweep_once(tb_req *r);

/* ---- common.c ---- */
/* SMS to an encrypted phone (NULL/empty: nobody to tell). */
void bk_notify(tb_req *r, const char *phone_enc, const char *text);

/* ---- api files ---- */
/* The hall for {id} (path param idx) or NULL after replying 404. */
const bk_hall *bk_hall_param(tb_req *r, int idx);
json_t *bk_hall_json(tb_req *r, const bk_hall *h, bool full);
/* lk: the request's lookup, or NULL for a single row */
json_t *bk_booking_json(tb_req *r, bk_lookup *lk, const bk_booking *b, bool owner);
/* A page of bookings as JSON: pass bk_booking_list_add and the list to the bk_store_bookings_* readers. */
typedef struct {
    bk_lookup *lk; /* halls and matter names, once for the page */
    json_t *items;
    bool owner;    /* the booker's own view (bk_booking_json) */
} bk_booking_list;
void bk_booking_list_add(tb_req *r, const bk_booking *b, void *arg);
/* ahead: the waiting numbers before t when the caller knows them (from the ordered line it loaded), or
 * BK_AHEAD_ASK to count them in the database; 0 for numbers not waiting. */
#define BK_AHEAD_ASK (-1)
json_t *bk_ticket_json(tb_req *r, bk_lookup *lk, const bk_ticket *t, int64_t ahead);
/* Whether the staff subject may operate the hall (its department is in their scope); replies 404. */
bool bk_staff_hall(tb_req *r, const bk_hall *h);
int32_t bk_today(void);
/* issue a queue ticket in the caller's transaction (hall locked); kind booked|walkin|online */
int64_t bk_queue_issue(tb_req *r, const bk_hall *h, const char *kind, const char *matter, int64_t booking,
                       int64_t citizen, const char *name, const char *phone_enc);

/* the route tables: api_public.c, api_booking.c, queue.c (numbers), window.c (calling), admin.c */
extern const tb_route bk_public_routes[], bk_booking_routes[], bk_queue_routes[], bk_window_routes[],
    bk_admin_routes[];
extern const size_t bk_public_nroutes, bk_booking_nroutes, bk_queue_nroutes, bk_window_nroutes, bk_admin_nroutes;

#endif
