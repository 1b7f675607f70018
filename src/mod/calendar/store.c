/* SQL of the calendar module and the process-wide snapshot built from it.
 * One snapshot is current; each server thread keeps a reference to the one
 * it last used, and the current one is replaced when the database's
 * 'calendar' epoch moves (asked at most once a second), so every node sees
 * an administrator's edit within a second without reading the table per
 * request. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "mod/calendar/calendar.h"

static const char SQL_EPOCH[] = "SELECT epoch FROM cache_epochs WHERE name = 'calendar'";
static const char SQL_BUMP[] = "UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = 'calendar'";
static const char SQL_ALL[] = "SELECT day, kind, name FROM calendar_days ORDER BY day";
static const char SQL_UPSERT[] = "INSERT INTO calendar_days(day, kind, name, updated_at, updated_by) "
                                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, "
                                 "name = excluded.name, updated_at = excluded.updated_at, "
                                 "updated_by = excluded.updated_by";
static const char SQL_DELETE[] = "DELETE FROM calendar_days WHERE day = ?";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static calendar *current;      /* guarded by lock */
static int64_t current_epoch;  /* guarded by lock */
static _Atomic int64_t last_check;
static __thread calendar *mine;

/* ---------------------------------------------------------------- reading */

static int64_t read_epoch(tb_db *db) { return tb_db_int(db, -1, SQL_EPOCH, NULL); }

typedef struct {
    calendar_entry *e;
    size_t n, cap;
} entry_list;

static void list_free(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->e[i].name);
    free(l->e);
}

/* Appends one row; a row the arithmetic cannot use is skipped with a
 * warning rather than failing the whole calendar. */
static int list_add(entry_list *l, const char *day, const char *kind, const char *name)
{
    calendar_entry e = {0};
    if (calendar_parse_date(day, &e.day) != 0 || calendar_kind_parse(kind, &e.kind) != 0) {
        tb_warn("calendar: ignoring row day=%s kind=%s", day ? day : "", kind ? kind : "");
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 128;
        calendar_entry *grown = realloc(l->e, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->e = grown;
        l->cap = cap;
    }
    if (!(e.name = strdup(name ? name : "")))
        return -1;
    l->e[l->n++] = e;
    return 0;
}

static calendar *load(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_ALL, NULL);
    if (!st)
        return NULL;
    entry_list l = {0};
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        if (list_add(&l, tb_stmt_text(st, 0), tb_stmt_text(st, 1), tb_stmt_text(st, 2)) != 0) {
            tb_stmt_done(st);
            rc = TB_DB_ERROR;
            break;
        }
    }
    calendar *c = rc == TB_DONE ? calendar_new(l.e, l.n) : NULL;
    list_free(&l);
    return c;
}

/* ---------------------------------------------------------------- snapshot */

static void refresh(tb_db *db, bool force)
{
    int64_t epoch = read_epoch(db);
    pthread_mutex_lock(&lock);
    if (force || !current || (epoch >= 0 && epoch != current_epoch)) {
        calendar *fresh = load(db);
        if (fresh) {
            calendar_release(current);
            current = fresh;
            current_epoch = epoch;
            tb_info("calendar: loaded (epoch %lld)", (long long)epoch);
        } else {
            tb_warn("calendar: reload failed, keeping the previous calendar: %s", tb_db_errmsg(db));
        }
    }
    pthread_mutex_unlock(&lock);
}

const calendar *calendar_current(tb_db *db)
{
    int64_t now = tb_now();
    /* one thread per second asks the database; the others take the pointer */
    bool due = atomic_exchange(&last_check, now) != now;
    pthread_mutex_lock(&lock);
    bool empty = !current;
    pthread_mutex_unlock(&lock);
    if (due || empty)
        refresh(db, false);
    pthread_mutex_lock(&lock);
    if (mine != current) {
        calendar_release(mine);
        mine = calendar_retain(current);
    }
    pthread_mutex_unlock(&lock);
    return mine;
}

void calendar_reload(tb_db *db) { refresh(db, true); }

/* ---------------------------------------------------------------- writing */

int calendar_store_set(tb_db *db, int32_t day, calendar_kind kind, const char *name, const char *actor)
{
    char text[11];
    calendar_format_date(day, text);
    if (tb_db_exec(db, SQL_UPSERT, "tttit", text, calendar_kind_name(kind), name, tb_now(), actor) != 1)
        return -1;
    return tb_db_exec(db, SQL_BUMP, NULL) == 1 ? 0 : -1;
}

int calendar_store_delete(tb_db *db, int32_t day)
{
    char text[11];
    calendar_format_date(day, text);
    long n = tb_db_exec(db, SQL_DELETE, "t", text);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    return tb_db_exec(db, SQL_BUMP, NULL) == 1 ? 1 : -1;
}
