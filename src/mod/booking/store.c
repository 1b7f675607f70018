/* SQL of the booking module: slots, bookings, queue tickets and the
 * blacklist (halls, windows and hall matters: store_halls.c). A booking row
 * carries its queue number and a ticket row its booking code, joined in, so
 * lists need no query per row. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/booking/booking_internal.h"

static const char SQL_SLOT_COUNTS[] = "SELECT start_min, booked FROM booking_slots WHERE hall_id = ? AND "
                                      "matter_code = ? AND day = ?";
static const char SQL_SLOT_BOOKED[] = "SELECT booked FROM booking_slots WHERE hall_id = ? AND matter_code = ? AND "
                                      "day = ? AND start_min = ?";
static const char SQL_SLOT_ENSURE[] = "INSERT INTO booking_slots(hall_id, matter_code, day, start_min, booked) "
                                      "VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING";
/* the guard of the quota: the row lock (PostgreSQL) or the single writer
 * (SQLite) makes the check and the increment one step */
static const char SQL_SLOT_TAKE[] = "UPDATE booking_slots SET booked = booked + 1 WHERE hall_id = ? AND "
                                    "matter_code = ? AND day = ? AND start_min = ? AND booked < ?";
static const char SQL_SLOT_RELEASE[] = "UPDATE booking_slots SET booked = booked - 1 WHERE hall_id = ? AND "
                                       "matter_code = ? AND day = ? AND start_min = ? AND booked > 0";

#define BOOKING_COLS                                                                                         \
    "b.id, b.hall_id, b.day, b.start_min, b.end_min, b.valid_from, b.valid_to, b.created_at, "                \
    "COALESCE(b.citizen_id, 0), COALESCE(b.ticket_id, 0), b.qr_version, b.code, b.booker, b.name, "           \
    "b.id_number_enc, b.id_number_bidx, b.phone_enc, b.matter_code, b.status, b.channel, COALESCE(qt.letter, ''), " \
    "COALESCE(qt.number, 0) FROM bookings b LEFT JOIN queue_tickets qt ON qt.id = b.ticket_id "
static const char SQL_BLACKLISTED[] = "SELECT MAX(until_at) FROM booking_blacklist WHERE id_number_bidx = ? AND "
                                      "lifted_at IS NULL AND until_at > ?";
static const char SQL_ACTIVE_BY_BOOKER[] = "SELECT COUNT(*) FROM bookings WHERE booker = ? AND "
                                           "status IN ('booked','checked_in')";
static const char SQL_ACTIVE_EXISTS[] = "SELECT 1 FROM bookings WHERE id_number_bidx = ? AND matter_code = ? AND "
                                        "status IN ('booked','checked_in')";
static const char SQL_BOOKING_INSERT[] =
    "INSERT INTO bookings(code, citizen_id, booker, name, id_number_enc, id_number_bidx, phone_enc, hall_id, "
    "matter_code, day, start_min, end_min, valid_from, valid_to, status, channel, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?) RETURNING id";
static const char SQL_BOOKING_BY_CODE[] = "SELECT " BOOKING_COLS "WHERE b.code = ?";
static const char SQL_BOOKING_BY_ID[] = "SELECT " BOOKING_COLS "WHERE b.id = ?";
static const char SQL_BOOKING_CHECKIN[] = "SELECT " BOOKING_COLS "WHERE b.hall_id = ? AND b.day = ? AND "
                                          "b.id_number_bidx = ? AND b.status = 'booked' ORDER BY b.start_min LIMIT 1";
static const char SQL_BOOKING_STATUS[] = "UPDATE bookings SET status = ?, updated_at = ? WHERE id = ? AND status = ?";
static const char SQL_BOOKING_MOVE[] = "UPDATE bookings SET day = ?, start_min = ?, end_min = ?, valid_from = ?, "
                                       "valid_to = ?, qr_version = qr_version + 1, updated_at = ? WHERE id = ? AND "
                                       "status = 'booked'";
static const char SQL_BOOKING_CHECKED_IN[] = "UPDATE bookings SET status = 'checked_in', checked_in_at = ?, "
                                             "ticket_id = ?, updated_at = ? WHERE id = ? AND status = 'booked'";
static const char SQL_BOOKINGS_CITIZEN[] = "SELECT " BOOKING_COLS "WHERE b.citizen_id = ? "
                                           "ORDER BY b.created_at DESC, b.id DESC LIMIT ? OFFSET ?";
static const char SQL_BOOKINGS_CITIZEN_COUNT[] = "SELECT COUNT(*) FROM bookings WHERE citizen_id = ?";
#define ADMIN_WHERE                                                                                         \
    "WHERE (? = 0 OR b.hall_id = ?) AND (? = 0 OR b.day = ?) AND (CAST(? AS TEXT) IS NULL OR "                 \
    "b.status = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR b.hall_id IN (SELECT id FROM halls WHERE "     \
    "(',' || CAST(? AS TEXT) || ',') LIKE ('%,' || CAST(department_id AS TEXT) || ',%')))"
static const char SQL_BOOKINGS_ADMIN[] = "SELECT " BOOKING_COLS ADMIN_WHERE " ORDER BY b.day DESC, b.start_min, b.id "
                                         "LIMIT ? OFFSET ?";
static const char SQL_BOOKINGS_ADMIN_COUNT[] = "SELECT COUNT(*) FROM bookings b " ADMIN_WHERE;

#define TICKET_COLS                                                                                             \
    "q.id, q.hall_id, q.day, q.number, COALESCE(q.booking_id, 0), COALESCE(q.citizen_id, 0), q.pos, "              \
    "COALESCE(q.window_id, 0), q.returned, q.notified_near, q.issued_at, COALESCE(q.called_at, 0), "               \
    "COALESCE(q.skipped_at, 0), COALESCE(q.started_at, 0), COALESCE(q.finished_at, 0), q.letter, q.kind, "         \
    "q.matter_code, COALESCE(q.name, ''), COALESCE(q.phone_enc, ''), q.status, COALESCE(bk.code, '') "             \
    "FROM queue_tickets q LEFT JOIN bookings bk ON bk.id = q.booking_id "
static const char SQL_COUNTER_ENSURE[] = "INSERT INTO queue_counters(hall_id, day, letter, last) VALUES (?, ?, ?, 0) "
                                         "ON CONFLICT DO NOTHING";
static const char SQL_COUNTER_NEXT[] = "UPDATE queue_counters SET last = last + 1 WHERE hall_id = ? AND day = ? AND "
                                       "letter = ? RETURNING last";
static const char SQL_WAITING_POS[] = "SELECT pos FROM queue_tickets WHERE hall_id = ? AND day = ? AND "
                                      "status = 'waiting' ORDER BY pos, id";
static const char SQL_MAX_POS[] = "SELECT COALESCE(MAX(pos), 0) FROM queue_tickets WHERE hall_id = ? AND day = ?";
static const char SQL_WAITING_IDS[] = "SELECT id FROM queue_tickets WHERE hall_id = ? AND day = ? AND "
                                      "status = 'waiting' ORDER BY pos, id";
static const char SQL_SET_POS[] = "UPDATE queue_tickets SET pos = ? WHERE id = ?";
static const char SQL_TICKET_INSERT[] =
    "INSERT INTO queue_tickets(hall_id, day, letter, number, kind, matter_code, booking_id, citizen_id, name, "
    "phone_enc, pos, status, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?) RETURNING id";
static const char SQL_TICKET[] = "SELECT " TICKET_COLS "WHERE q.id = ?";
static const char SQL_TICKET_SET[] =
    "UPDATE queue_tickets SET status = CAST(? AS TEXT), window_id = CASE WHEN ? = 0 THEN window_id ELSE ? END, "
    "called_at = CASE WHEN CAST(? AS TEXT) = 'called' THEN ? ELSE called_at END, "
    "skipped_at = CASE WHEN CAST(? AS TEXT) = 'skipped' THEN ? ELSE skipped_at END, "
    "started_at = CASE WHEN CAST(? AS TEXT) = 'serving' THEN ? ELSE started_at END, "
    "finished_at = CASE WHEN CAST(? AS TEXT) = 'done' THEN ? ELSE finished_at END "
    "WHERE id = ? AND status = ?";
static const char SQL_TICKET_REQUEUE[] = "UPDATE queue_tickets SET status = 'waiting', pos = ?, returned = 1, "
                                         "window_id = NULL WHERE id = ? AND status = 'skipped' AND returned = 0";
static const char SQL_TICKET_NEAR[] = "UPDATE queue_tickets SET notified_near = 1 WHERE id = ? AND notified_near = 0";
static const char SQL_TICKETS_WAITING[] = "SELECT " TICKET_COLS "WHERE q.hall_id = ? AND q.day = ? "
                                          "AND q.status = ? ORDER BY q.pos, q.id LIMIT ?";
static const char SQL_TICKETS_CALLED[] = "SELECT " TICKET_COLS "WHERE q.hall_id = ? AND q.day = ? "
                                         "AND q.status = ? ORDER BY q.called_at DESC, q.id DESC LIMIT ?";
static const char SQL_TICKETS_RECENT[] = "SELECT " TICKET_COLS "WHERE q.hall_id = ? AND q.day = ? "
                                         "AND q.called_at IS NOT NULL AND CAST(? AS TEXT) = 'recent' "
                                         "ORDER BY q.called_at DESC, q.id DESC LIMIT ?";
static const char SQL_FIRST_WAITING[] =
    "SELECT " TICKET_COLS "WHERE q.hall_id = ? AND q.day = ? AND q.status = 'waiting' AND "
    "(CAST(? AS TEXT) = '' OR CAST(? AS TEXT) LIKE ('%,' || q.matter_code || ',%')) ORDER BY q.pos, q.id LIMIT 1";
static const char SQL_AHEAD[] = "SELECT COUNT(*) FROM queue_tickets WHERE hall_id = ? AND day = ? AND "
                                "status = 'waiting' AND pos < ?";
static const char SQL_WAITING_COUNT[] = "SELECT COUNT(*) FROM queue_tickets WHERE hall_id = ? AND day = ? AND "
                                        "status = 'waiting'";
static const char SQL_CITIZEN_TICKETS[] = "SELECT " TICKET_COLS "WHERE q.citizen_id = ? AND q.day = ? "
                                          "ORDER BY q.id DESC";

static const char SQL_DUE_NOSHOWS[] = "SELECT " BOOKING_COLS "WHERE b.status = 'booked' AND b.valid_to < ? "
                                      "ORDER BY b.valid_to LIMIT ?";
static const char SQL_CLOSE_CHECKED_IN[] = "UPDATE bookings SET status = 'done', updated_at = ? WHERE "
                                           "status = 'checked_in' AND day < ?";
static const char SQL_UNCOUNTED[] = "SELECT code FROM bookings WHERE id_number_bidx = ? AND status = 'no_show' AND "
                                    "noshow_counted = 0 ORDER BY valid_to";
static const char SQL_MARK_COUNTED[] = "UPDATE bookings SET noshow_counted = 1 WHERE id_number_bidx = ? AND "
                                       "status = 'no_show' AND noshow_counted = 0";
static const char SQL_BL_INSERT[] =
    "INSERT INTO booking_blacklist(id_number_bidx, id_number_enc, name, reason, records, created_at, until_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";
#define BL_COLS                                                                                          \
    "id, name, id_number_enc, reason, records, created_at, until_at, COALESCE(lifted_at, 0), "          \
    "COALESCE(lifted_by, ''), COALESCE(lift_reason, '') "
#define BL_WHERE " FROM booking_blacklist WHERE (? = 0 OR (lifted_at IS NULL AND until_at > ?))"
static const char SQL_BL_LIST[] = "SELECT " BL_COLS BL_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_BL_COUNT[] = "SELECT COUNT(*)" BL_WHERE;
static const char SQL_BL_ENTRY[] = "SELECT " BL_COLS "FROM booking_blacklist WHERE id = ?";
static const char SQL_BL_LIFT[] = "UPDATE booking_blacklist SET lifted_at = ?, lifted_by = ?, lift_reason = ? "
                                  "WHERE id = ? AND lifted_at IS NULL";

static const char *dup(tb_req *r, tb_stmt *st, int col) { return tb_arena_strdup(r->arena, tb_stmt_text(st, col)); }

/* ---- slots ---- */
int bk_store_slot_counts(tb_req *r, int64_t hall, const char *matter, int32_t day, const int *starts, int n,
                         int64_t *booked)
{
    memset(booked, 0, (size_t)n * sizeof *booked);
    tb_stmt *st = tb_db_query(r->db, SQL_SLOT_COUNTS, "iti", hall, matter, (int64_t)day);
    if (!st)
        return -1;
    while (tb_stmt_step(st) == TB_ROW)
        for (int i = 0; i < n; i++)
            if (starts[i] == tb_stmt_int(st, 0))
                booked[i] = tb_stmt_int(st, 1);
    return 0;
}

int64_t bk_store_slot_booked(tb_req *r, int64_t hall, const char *matter, int32_t day, int start)
{
    return tb_db_int(r->db, -1, SQL_SLOT_BOOKED, "itii", hall, matter, (int64_t)day, (int64_t)start);
}

int bk_store_slot_take(tb_db *db, int64_t hall, const char *matter, int32_t day, int start, int64_t quota,
                       bool ensure)
{
    if (ensure && tb_db_exec(db, SQL_SLOT_ENSURE, "itii", hall, matter, (int64_t)day, (int64_t)start) < 0)
        return -1;
    long n = tb_db_exec(db, SQL_SLOT_TAKE, "itiii", hall, matter, (int64_t)day, (int64_t)start, quota);
    return n < 0 ? -1 : (int)n;
}

int bk_store_slot_release(tb_db *db, int64_t hall, const char *matter, int32_t day, int start)
{
    return tb_db_exec(db, SQL_SLOT_RELEASE, "itii", hall, matter, (int64_t)day, (int64_t)start) < 0 ? -1 : 0;
}

/* ---- bookings ---- */
bool bk_store_blacklisted(tb_req *r, const char *id_bidx, int64_t *until)
{
    *until = tb_db_int(r->db, 0, SQL_BLACKLISTED, "ti", id_bidx, tb_now());
    return *until > 0;
}

int64_t bk_store_active_by_booker(tb_req *r, const char *booker)
{
    return tb_db_int(r->db, 0, SQL_ACTIVE_BY_BOOKER, "t", booker);
}

bool bk_store_active_exists(tb_req *r, const char *id_bidx, const char *matter)
{
    return tb_db_int(r->db, 0, SQL_ACTIVE_EXISTS, "tt", id_bidx, matter) == 1;
}

int64_t bk_store_booking_insert(tb_db *db, const bk_booking *b)
{
    int64_t now = tb_now();
    tb_stmt *st = tb_db_query(db, SQL_BOOKING_INSERT, "titttttitiiiiitii", b->code,
                              b->citizen_id ? b->citizen_id : (int64_t)0, b->booker, b->name, b->id_number_enc,
                              b->id_number_bidx, b->phone_enc, b->hall_id, b->matter_code, b->day, b->start_min,
                              b->end_min, b->valid_from, b->valid_to, b->channel, now, now);
    if (st && tb_stmt_step(st) == TB_ROW) {
        int64_t id = tb_stmt_int(st, 0);
        tb_stmt_done(st);
        return id;
    }
    tb_stmt_done(st);
    return tb_db_errkind_last(db) == TB_DBE_UNIQUE ? -2 : -1;
}

static void read_booking(tb_req *r, tb_stmt *st, bk_booking *b)
{
    int64_t *n[] = {&b->id, &b->hall_id, &b->day, &b->start_min, &b->end_min, &b->valid_from, &b->valid_to,
                    &b->created_at, &b->citizen_id, &b->ticket_id, &b->qr_version};
    for (int i = 0; i < 11; i++)
        *n[i] = tb_stmt_int(st, i);
    const char **s[] = {&b->code, &b->booker, &b->name, &b->id_number_enc, &b->id_number_bidx, &b->phone_enc,
                        &b->matter_code, &b->status, &b->channel, &b->ticket_letter};
    for (int i = 0; i < 10; i++)
        *s[i] = dup(r, st, 11 + i);
    b->ticket_number = tb_stmt_int(st, 21);
}

static int booking_one(tb_req *r, tb_stmt *st, bk_booking *out)
{
    int rc = st && tb_stmt_step(st) == TB_ROW ? 0 : -1;
    if (rc == 0)
        read_booking(r, st, out);
    tb_stmt_done(st);
    return rc;
}

int bk_store_booking_by_code(tb_req *r, const char *code, bk_booking *out)
{
    return booking_one(r, tb_db_query(r->db, SQL_BOOKING_BY_CODE, "t", code), out);
}

int bk_store_booking_by_id(tb_req *r, int64_t id, bk_booking *out)
{
    return booking_one(r, tb_db_query(r->db, SQL_BOOKING_BY_ID, "i", id), out);
}

int bk_store_booking_for_checkin(tb_req *r, int64_t hall, int32_t day, const char *id_bidx, bk_booking *out)
{
    return booking_one(r, tb_db_query(r->db, SQL_BOOKING_CHECKIN, "iit", hall, (int64_t)day, id_bidx), out);
}

int bk_store_booking_status(tb_db *db, int64_t id, const char *from, const char *to)
{
    return (int)tb_db_exec(db, SQL_BOOKING_STATUS, "tiit", to, tb_now(), id, from);
}

int bk_store_booking_move(tb_db *db, int64_t id, int32_t day, int start, int end, int64_t vfrom, int64_t vto)
{
    return (int)tb_db_exec(db, SQL_BOOKING_MOVE, "iiiiiii", (int64_t)day, (int64_t)start, (int64_t)end, vfrom, vto,
                           tb_now(), id);
}

int bk_store_booking_checked_in(tb_db *db, int64_t id, int64_t ticket)
{
    int64_t now = tb_now();
    return (int)tb_db_exec(db, SQL_BOOKING_CHECKED_IN, "iiii", now, ticket, now, id);
}

static int booking_rows(tb_req *r, tb_stmt *st, void (*fn)(tb_req *, const bk_booking *, void *), void *arg)
{
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        bk_booking b;
        read_booking(r, st, &b);
        fn(r, &b, arg);
    }
    return rc == TB_DONE ? 0 : -1;
}

int bk_store_bookings_of_citizen(tb_req *r, int64_t citizen, int64_t limit, int64_t offset,
                                 void (*fn)(tb_req *, const bk_booking *, void *), void *arg, int64_t *total)
{
    *total = tb_db_int(r->db, 0, SQL_BOOKINGS_CITIZEN_COUNT, "i", citizen);
    return booking_rows(r, tb_db_query(r->db, SQL_BOOKINGS_CITIZEN, "iii", citizen, limit, offset), fn, arg);
}

int bk_store_bookings_admin(tb_req *r, int64_t hall, int64_t day, const char *status, const char *depts,
                            int64_t limit, int64_t offset, void (*fn)(tb_req *, const bk_booking *, void *),
                            void *arg, int64_t *total)
{
    *total = tb_db_int(r->db, 0, SQL_BOOKINGS_ADMIN_COUNT, "iiiitttt", hall, hall, day, day, status, status,
                       depts, depts);
    return booking_rows(r, tb_db_query(r->db, SQL_BOOKINGS_ADMIN, "iiiittttii", hall, hall, day, day, status, status,
                                       depts, depts, limit, offset),
                        fn, arg);
}

/* ---- queue ---- */
int64_t bk_store_counter_next(tb_db *db, int64_t hall, int32_t day, const char *letter)
{
    if (tb_db_exec(db, SQL_COUNTER_ENSURE, "iit", hall, (int64_t)day, letter) < 0)
        return -1;
    return tb_db_int(db, -1, SQL_COUNTER_NEXT, "iit", hall, (int64_t)day, letter);
}

int64_t *bk_store_waiting_pos(tb_req *r, int64_t hall, int32_t day, int *n)
{
    size_t cap = 64;
    int64_t *a = tb_arena_alloc(r->arena, cap * sizeof *a);
    *n = 0;
    tb_stmt *st = tb_db_query(r->db, SQL_WAITING_POS, "ii", hall, (int64_t)day);
    while (st && tb_stmt_step(st) == TB_ROW) {
        if ((size_t)*n == cap) {
            int64_t *b = tb_arena_alloc(r->arena, 2 * cap * sizeof *b);
            memcpy(b, a, cap * sizeof *a);
            a = b, cap *= 2;
        }
        a[(*n)++] = tb_stmt_int(st, 0);
    }
    return a;
}

int64_t bk_store_max_pos(tb_req *r, int64_t hall, int32_t day)
{
    return tb_db_int(r->db, 0, SQL_MAX_POS, "ii", hall, (int64_t)day);
}

/* Spreads the waiting line out again after the max position. Rare: only when
 * repeated insertions filled a gap of 1024. */
int bk_store_renumber(tb_req *r, int64_t hall, int32_t day)
{
    int64_t base = bk_store_max_pos(r, hall, day);
    tb_stmt *st = tb_db_query(r->db, SQL_WAITING_IDS, "ii", hall, (int64_t)day);
    int64_t ids[4096];
    int n = 0;
    while (st && tb_stmt_step(st) == TB_ROW && n < 4096)
        ids[n++] = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    for (int i = 0; i < n; i++)
        if (tb_db_exec(r->db, SQL_SET_POS, "ii", base + (int64_t)(i + 1) * BK_GAP, ids[i]) < 0)
            return -1;
    return 0;
}

int64_t bk_store_ticket_insert(tb_db *db, const bk_ticket *t)
{
    return tb_db_int(db, -1, SQL_TICKET_INSERT, "iitittiittii", t->hall_id, t->day, t->letter, t->number,
                     t->kind, t->matter_code, t->booking_id, t->citizen_id, t->name, t->phone_enc, t->pos,
                     t->issued_at);
}

static void read_ticket(tb_req *r, tb_stmt *st, bk_ticket *t)
{
    int64_t *n[] = {&t->id, &t->hall_id, &t->day, &t->number, &t->booking_id, &t->citizen_id, &t->pos,
                    &t->window_id, &t->returned, &t->notified_near, &t->issued_at, &t->called_at, &t->skipped_at,
                    &t->started_at, &t->finished_at};
    for (int i = 0; i < 15; i++)
        *n[i] = tb_stmt_int(st, i);
    const char **s[] = {&t->letter, &t->kind, &t->matter_code, &t->name, &t->phone_enc, &t->status, &t->booking_code};
    for (int i = 0; i < 7; i++)
        *s[i] = dup(r, st, 15 + i);
}

static int ticket_one(tb_req *r, tb_stmt *st, bk_ticket *out)
{
    int rc = st && tb_stmt_step(st) == TB_ROW ? 0 : -1;
    if (rc == 0)
        read_ticket(r, st, out);
    tb_stmt_done(st);
    return rc;
}

int bk_store_ticket(tb_req *r, int64_t id, bk_ticket *out) { return ticket_one(r, tb_db_query(r->db, SQL_TICKET, "i", id), out); }

int bk_store_ticket_set(tb_db *db, int64_t id, const char *from, const char *to, int64_t window, int64_t at)
{
    return (int)tb_db_exec(db, SQL_TICKET_SET, "tiititititiit", to, window, window, to, at, to, at, to, at, to, at, id,
                           from);
}

int bk_store_ticket_requeue(tb_db *db, int64_t id, int64_t pos)
{
    return (int)tb_db_exec(db, SQL_TICKET_REQUEUE, "ii", pos, id);
}

int bk_store_ticket_near(tb_db *db, int64_t id) { return (int)tb_db_exec(db, SQL_TICKET_NEAR, "i", id); }

static int ticket_rows(tb_req *r, tb_stmt *st, void (*fn)(tb_req *, const bk_ticket *, void *), void *arg)
{
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        bk_ticket t;
        read_ticket(r, st, &t);
        fn(r, &t, arg);
    }
    return rc == TB_DONE ? 0 : -1;
}

int bk_store_tickets(tb_req *r, int64_t hall, int32_t day, const char *status, int64_t limit,
                     void (*fn)(tb_req *, const bk_ticket *, void *), void *arg)
{
    const char *sql = !strcmp(status, "waiting")  ? SQL_TICKETS_WAITING
                      : !strcmp(status, "recent") ? SQL_TICKETS_RECENT
                                                  : SQL_TICKETS_CALLED;
    return ticket_rows(r, tb_db_query(r->db, sql, "iiti", hall, (int64_t)day, status, limit), fn, arg);
}

int bk_store_first_waiting(tb_req *r, int64_t hall, int32_t day, const char *served, bk_ticket *out)
{
    return ticket_one(r, tb_db_query(r->db, SQL_FIRST_WAITING, "iitt", hall, (int64_t)day, served, served), out);
}

int64_t bk_store_ahead(tb_req *r, int64_t hall, int32_t day, int64_t pos)
{
    return tb_db_int(r->db, 0, SQL_AHEAD, "iii", hall, (int64_t)day, pos);
}

int64_t bk_store_waiting_count(tb_req *r, int64_t hall, int32_t day)
{
    return tb_db_int(r->db, 0, SQL_WAITING_COUNT, "ii", hall, (int64_t)day);
}

int bk_store_citizen_tickets(tb_req *r, int64_t citizen, int32_t day, void (*fn)(tb_req *, const bk_ticket *, void *),
                             void *arg)
{
    return ticket_rows(r, tb_db_query(r->db, SQL_CITIZEN_TICKETS, "ii", citizen, (int64_t)day), fn, arg);
}

/* ---- sweep and blacklist ---- */
int bk_store_due_noshows(tb_req *r, int64_t now, int64_t limit, void (*fn)(tb_req *, const bk_booking *, void *),
                         void *arg)
{
    return booking_rows(r, tb_db_query(r->db, SQL_DUE_NOSHOWS, "ii", now, limit), fn, arg);
}

int bk_store_close_checked_in(tb_db *db, int32_t day)
{
    return tb_db_exec(db, SQL_CLOSE_CHECKED_IN, "ii", tb_now(), (int64_t)day) < 0 ? -1 : 0;
}

int bk_store_uncounted_noshows(tb_req *r, const char *id_bidx, const char ***codes)
{
    size_t cap = 8;
    int n = 0;
    *codes = tb_arena_alloc(r->arena, cap * sizeof **codes);
    tb_stmt *st = tb_db_query(r->db, SQL_UNCOUNTED, "t", id_bidx);
    while (st && tb_stmt_step(st) == TB_ROW)
        if ((size_t)n < cap)
            (*codes)[n++] = dup(r, st, 0);
        else
            n++; /* counted, not listed */
    return n;
}

int bk_store_mark_counted(tb_db *db, const char *id_bidx)
{
    return tb_db_exec(db, SQL_MARK_COUNTED, "t", id_bidx) < 0 ? -1 : 0;
}

int64_t bk_store_blacklist_insert(tb_db *db, const char *id_bidx, const char *id_enc, const char *name,
                                  const char *reason, const char *records, int64_t until)
{
    return tb_db_int(db, -1, SQL_BL_INSERT, "tttttii", id_bidx, id_enc, name, reason, records, tb_now(), until);
}

static json_t *blacklist_row(tb_req *r, tb_stmt *st)
{
    char masked[64], until[32], created[32], lifted[32];
    char *id = tb_field_decrypt(tb_stmt_text(st, 2));
    tb_mask_id_number(id ? id : "", masked);
    free(id);
    int64_t now = tb_now(), lifted_at = tb_stmt_int(st, 7), until_at = tb_stmt_int(st, 6);
    tb_time_iso(tb_stmt_int(st, 5), created);
    tb_time_iso(until_at, until);
    tb_time_iso(lifted_at, lifted);
    json_t *records = json_loads(tb_stmt_text(st, 4), 0, NULL);
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s?, s:s?, s:s?, s:b}", "id",
                     (json_int_t)tb_stmt_int(st, 0), "name", tb_stmt_text(st, 1), "id_number", masked, "reason",
                     tb_stmt_text(st, 3), "records", records ? records : json_array(), "created_at", created, "until",
                     until, "lifted_at", lifted_at ? lifted : NULL, "lifted_by",
                     lifted_at ? tb_stmt_text(st, 8) : NULL, "lift_reason", lifted_at ? tb_stmt_text(st, 9) : NULL,
                     "active", !lifted_at && until_at > now);
}

json_t *bk_store_blacklist(tb_req *r, bool active_only, int64_t limit, int64_t offset, int64_t *total)
{
    int64_t now = tb_now(), a = active_only;
    *total = tb_db_int(r->db, 0, SQL_BL_COUNT, "ii", a, now);
    json_t *items = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_BL_LIST, "iiii", a, now, limit, offset);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, blacklist_row(r, st));
    return items;
}

json_t *bk_store_blacklist_entry(tb_req *r, int64_t id)
{
    tb_stmt *st = tb_db_query(r->db, SQL_BL_ENTRY, "i", id);
    json_t *e = st && tb_stmt_step(st) == TB_ROW ? blacklist_row(r, st) : NULL;
    tb_stmt_done(st);
    return e;
}

int bk_store_blacklist_lift(tb_db *db, int64_t id, const char *by, const char *reason)
{
    return (int)tb_db_exec(db, SQL_BL_LIFT, "itti", tb_now(), by, reason, id);
}
