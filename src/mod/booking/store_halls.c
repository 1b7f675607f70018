/* SQL of halls, their windows and bookable matters, and of the 'halls'
 * cache epoch. Readers do not query these tables per request: the hall cache
 * (cache.c) loads them whole through bk_store_hall_rows, and every write here
 * goes with bk_store_halls_bump in the same transaction. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/booking/booking_internal.h"

#define HALL_COLS                                                                                               \
    "h.id, h.department_id, h.booking_days, h.name, h.address, h.region, COALESCE(h.lng, ''), COALESCE(h.lat, ''), " \
    "COALESCE(h.phone, ''), h.validity, h.status, COALESCE(d.name, ''), h.hours "
static const char SQL_HALLS_ALL[] = "SELECT " HALL_COLS "FROM halls h LEFT JOIN departments d ON d.id = h.department_id "
                                    "ORDER BY h.id";
static const char SQL_WINDOWS_ALL[] = "SELECT hall_id, id, no, name, matters FROM hall_windows WHERE status = 'open' "
                                      "ORDER BY hall_id, LENGTH(no), no";
static const char SQL_HALL_MATTERS_ALL[] =
    "SELECT hm.hall_id, hm.matter_code, COALESCE(m.name, hm.matter_code), hm.bookable, hm.quota, "
    "CASE WHEN m.status = 'published' THEN 1 ELSE 0 END FROM hall_matters hm "
    "LEFT JOIN matters m ON m.code = hm.matter_code ORDER BY hm.hall_id, m.sort, hm.matter_code";
/* departments have no epoch of their own: their last change stands for one */
static const char SQL_EPOCHS[] = "SELECT (SELECT epoch FROM cache_epochs WHERE name = 'halls'), "
                                 "(SELECT epoch FROM cache_epochs WHERE name = 'catalog'), "
                                 "(SELECT COALESCE(MAX(updated_at), 0) FROM departments)";
static const char SQL_BUMP[] = "UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = 'halls'";
static const char SQL_HALL_INSERT[] =
    "INSERT INTO halls(department_id, name, address, region, lng, lat, phone, hours, booking_days, validity, status, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_HALL_UPDATE[] =
    "UPDATE halls SET department_id = ?, name = ?, address = ?, region = ?, lng = ?, lat = ?, phone = ?, hours = ?, "
    "booking_days = ?, validity = ?, status = ?, updated_at = ? WHERE id = ?";
static const char SQL_HALL_BY_NAME[] = "SELECT id FROM halls WHERE name = ?";
static const char SQL_DEPT_BY_NAME[] = "SELECT id FROM departments WHERE name = ?";
static const char SQL_HALL_LOCK[] = "UPDATE halls SET queue_version = queue_version + 1 WHERE id = ?";
static const char SQL_HM_SET[] =
    "INSERT INTO hall_matters(hall_id, matter_code, bookable, quota) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(hall_id, matter_code) DO UPDATE SET bookable = excluded.bookable, quota = excluded.quota";
static const char SQL_HM_DELETE[] = "DELETE FROM hall_matters WHERE hall_id = ? AND matter_code = ?";
static const char SQL_HM_ACTIVE[] = "SELECT COUNT(*) FROM bookings WHERE hall_id = ? AND matter_code = ? "
                                    "AND status IN ('booked','checked_in')";
static const char SQL_MATTER_NAME[] = "SELECT name FROM matters WHERE code = ? AND status = 'published'";
static const char SQL_WINDOW_INSERT[] = "INSERT INTO hall_windows(hall_id, no, name, matters) VALUES (?, ?, ?, ?) "
                                        "RETURNING id";
static const char SQL_WINDOW_UPDATE[] = "UPDATE hall_windows SET no = COALESCE(?, no), name = COALESCE(?, name), "
                                        "matters = COALESCE(?, matters) WHERE id = ? AND hall_id = ?";
static const char SQL_WINDOW_DELETE[] = "DELETE FROM hall_windows WHERE id = ? AND hall_id = ?";

/* ---- the cache's load ---- */
static int hall_rows(tb_db *db, const bk_hall_rows *fn, void *arg)
{
    tb_stmt *st = tb_db_query(db, SQL_HALLS_ALL, NULL);
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        bk_hall h = {.id = tb_stmt_int(st, 0), .department_id = tb_stmt_int(st, 1), .booking_days = tb_stmt_int(st, 2)};
        const char **s[] = {&h.name, &h.address, &h.region, &h.lng, &h.lat, &h.phone, &h.validity, &h.status,
                            &h.department_name};
        for (int i = 0; i < 9; i++)
            *s[i] = tb_stmt_text(st, 3 + i);
        fn->hall(arg, &h, tb_stmt_text(st, 12));
    }
    return rc == TB_DONE ? 0 : -1;
}

static int window_rows(tb_db *db, const bk_hall_rows *fn, void *arg)
{
    tb_stmt *st = tb_db_query(db, SQL_WINDOWS_ALL, NULL);
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        bk_window w = {.id = tb_stmt_int(st, 1), .no = tb_stmt_text(st, 2), .name = tb_stmt_text(st, 3),
                       .matters = tb_stmt_text(st, 4)};
        fn->window(arg, tb_stmt_int(st, 0), &w);
    }
    return rc == TB_DONE ? 0 : -1;
}

static int matter_rows(tb_db *db, const bk_hall_rows *fn, void *arg)
{
    tb_stmt *st = tb_db_query(db, SQL_HALL_MATTERS_ALL, NULL);
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        bk_hall_matter m = {.code = tb_stmt_text(st, 1), .name = tb_stmt_text(st, 2), .bookable = tb_stmt_int(st, 3),
                            .quota = tb_stmt_int(st, 4), .published = tb_stmt_int(st, 5)};
        fn->matter(arg, tb_stmt_int(st, 0), &m);
    }
    return rc == TB_DONE ? 0 : -1;
}

int bk_store_hall_rows(tb_db *db, const bk_hall_rows *fn, void *arg)
{
    return hall_rows(db, fn, arg) == 0 && window_rows(db, fn, arg) == 0 && matter_rows(db, fn, arg) == 0 ? 0 : -1;
}

int bk_store_hall_epochs(tb_db *db, int64_t out[3])
{
    tb_stmt *st = tb_db_query(db, SQL_EPOCHS, NULL);
    int rc = st && tb_stmt_step(st) == TB_ROW && !tb_stmt_null(st, 0) ? 0 : -1;
    for (int i = 0; rc == 0 && i < 3; i++)
        out[i] = tb_stmt_int(st, i);
    tb_stmt_done(st);
    return rc;
}

int bk_store_halls_bump(tb_db *db) { return tb_db_exec(db, SQL_BUMP, NULL) == 1 ? 0 : -1; }

/* ---- writes ---- */
int64_t bk_store_hall_insert(tb_db *db, const bk_hall *h, const char *hours_json)
{
    int64_t now = tb_now();
    return tb_db_int(db, -1, SQL_HALL_INSERT, "itttttttittii", h->department_id, h->name, h->address, h->region,
                     h->lng, h->lat, h->phone, hours_json, h->booking_days, h->validity, h->status, now, now);
}

int bk_store_hall_update(tb_db *db, const bk_hall *h, const char *hours_json)
{
    return tb_db_exec(db, SQL_HALL_UPDATE, "itttttttittii", h->department_id, h->name, h->address, h->region, h->lng,
                      h->lat, h->phone, hours_json, h->booking_days, h->validity, h->status, tb_now(), h->id) < 0 ? -1
                                                                                                                 : 0;
}

int64_t bk_store_hall_by_name(tb_db *db, const char *name) { return tb_db_int(db, 0, SQL_HALL_BY_NAME, "t", name); }

int64_t bk_store_department_by_name(tb_db *db, const char *name)
{
    return tb_db_int(db, 0, SQL_DEPT_BY_NAME, "t", name);
}

int bk_store_hall_lock(tb_db *db, int64_t hall) { return tb_db_exec(db, SQL_HALL_LOCK, "i", hall) == 1 ? 0 : -1; }

int bk_store_hall_matter_set(tb_db *db, int64_t hall, const char *matter, bool bookable, int64_t quota)
{
    return tb_db_exec(db, SQL_HM_SET, "itii", hall, matter, (int64_t)bookable, quota) < 0 ? -1 : 0;
}

int bk_store_hall_matter_delete(tb_db *db, int64_t hall, const char *matter)
{
    return (int)tb_db_exec(db, SQL_HM_DELETE, "it", hall, matter);
}

int64_t bk_store_matter_active_bookings(tb_db *db, int64_t hall, const char *matter)
{
    return tb_db_int(db, 0, SQL_HM_ACTIVE, "it", hall, matter);
}

const char *bk_store_matter_name(tb_req *r, const char *code)
{
    tb_stmt *st = tb_db_query(r->db, SQL_MATTER_NAME, "t", code);
    const char *name = st && tb_stmt_step(st) == TB_ROW ? tb_arena_strdup(r->arena, tb_stmt_text(st, 0)) : NULL;
    tb_stmt_done(st);
    return name;
}

int64_t bk_store_window_insert(tb_db *db, int64_t hall, const char *no, const char *name, const char *matters)
{
    return tb_db_int(db, -1, SQL_WINDOW_INSERT, "ittt", hall, no, name, matters);
}

int bk_store_window_update(tb_db *db, int64_t hall, int64_t window, const char *no, const char *name,
                           const char *matters)
{
    return (int)tb_db_exec(db, SQL_WINDOW_UPDATE, "tttii", no, name, matters, window, hall);
}

int bk_store_window_delete(tb_db *db, int64_t hall, int64_t window)
{
    return (int)tb_db_exec(db, SQL_WINDOW_DELETE, "ii", window, hall);
}
