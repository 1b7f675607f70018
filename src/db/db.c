#include "db/db.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

tb_db *tb_db_open(const char *url, char *err, size_t errlen)
{
    if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
        return tb_db_pg_open(url, err, errlen);
    return tb_db_sqlite_open(url, err, errlen);
}

void tb_db_close(tb_db *db)
{
    if (db)
        db->ops->close(db);
}

tb_db_kind tb_db_kind_of(const tb_db *db) { return db->kind; }

void tb_db_set_error(tb_db *db, tb_db_errkind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->err, sizeof db->err, fmt, ap);
    va_end(ap);
    db->errkind = kind;
}

const char *tb_db_errmsg(tb_db *db) { return db->err; }
tb_db_errkind tb_db_errkind_last(tb_db *db) { return db->errkind; }

int tb_db_exec_script(tb_db *db, const char *sql) { return db->ops->exec_script(db, sql); }

static tb_stmt *vquery(tb_db *db, const char *sql, const char *types, va_list ap)
{
    db->errkind = TB_DBE_NONE;
    tb_stmt *st = db->ops->prepare(db, sql);
    if (!st)
        return NULL;
    db->ops->reset(st);
    for (int i = 0; types && types[i]; i++) {
        int rc;
        switch (types[i]) {
        case 't':
            rc = db->ops->bind_text(st, i + 1, va_arg(ap, const char *));
            break;
        case 'i':
            rc = db->ops->bind_int(st, i + 1, va_arg(ap, int64_t));
            break;
        case 'd':
            rc = db->ops->bind_int(st, i + 1, (int64_t)va_arg(ap, int));
            break;
        default:
            tb_db_set_error(db, TB_DBE_OTHER, "bad bind type '%c'", types[i]);
            return NULL;
        }
        if (rc != 0) {
            if (db->errkind == TB_DBE_NONE) /* a backend that ran out of memory said nothing */
                tb_db_set_error(db, TB_DBE_OTHER, "cannot bind argument %d", i + 1);
            return NULL;
        }
    }
    return st;
}

tb_stmt *tb_db_query(tb_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    tb_stmt *st = vquery(db, sql, types, ap);
    va_end(ap);
    return st;
}

long tb_db_exec(tb_db *db, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    tb_stmt *st = vquery(db, sql, types, ap);
    va_end(ap);
    if (!st)
        return -1;
    int rc;
    while ((rc = db->ops->step(st)) == TB_ROW)
        ;
    if (rc < 0)
        return -1;
    long n = db->ops->changes(st);
    db->ops->reset(st);
    return n;
}

int64_t tb_db_int(tb_db *db, int64_t dflt, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    tb_stmt *st = vquery(db, sql, types, ap);
    va_end(ap);
    if (!st)
        return dflt;
    int64_t v = dflt;
    if (db->ops->step(st) == TB_ROW && !db->ops->isnull(st, 0))
        v = db->ops->integer(st, 0);
    db->ops->reset(st);
    return v;
}

/* The statement remembers its connection through the ops of the first
 * field; backends embed `tb_db *db` first in their stmt struct. */
struct tb_stmt {
    tb_db *db;
};

int tb_stmt_step(tb_stmt *st) { return st->db->ops->step(st); }
const char *tb_stmt_text(tb_stmt *st, int col) { return st->db->ops->text(st, col); }
int64_t tb_stmt_int(tb_stmt *st, int col) { return st->db->ops->integer(st, col); }
bool tb_stmt_null(tb_stmt *st, int col) { return st->db->ops->isnull(st, col); }
void tb_stmt_done(tb_stmt *st)
{
    if (st)
        st->db->ops->reset(st);
}

int tb_db_begin(tb_db *db)
{
    if (db->ops->tx_lock)
        db->ops->tx_lock();
    if (db->ops->exec_script(db, db->ops->begin_sql) != 0) {
        if (db->ops->tx_unlock)
            db->ops->tx_unlock();
        return -1;
    }
    db->tx_depth = 1;
    return 0;
}

static void tx_end(tb_db *db)
{
    if (db->tx_depth && db->ops->tx_unlock)
        db->ops->tx_unlock();
    db->tx_depth = 0;
}

int tb_db_commit(tb_db *db)
{
    if (db->ops->exec_script(db, "COMMIT") != 0) {
        tb_db_rollback(db); /* a failed COMMIT leaves the transaction open */
        return -1;
    }
    tx_end(db);
    return 0;
}

void tb_db_rollback(tb_db *db)
{
    char keep[sizeof db->err];
    tb_db_errkind kind = db->errkind;
    memcpy(keep, db->err, sizeof keep); /* report the failure, not the rollback */
    db->ops->exec_script(db, "ROLLBACK");
    memcpy(db->err, keep, sizeof keep);
    db->errkind = kind;
    tx_end(db);
}

int tb_db_tx(tb_db *db, int (*fn)(tb_db *, void *), void *arg)
{
    for (int attempt = 0;; attempt++) {
        if (tb_db_begin(db) != 0) {
            if (db->errkind == TB_DBE_BUSY && attempt < 8)
                goto retry;
            return -1;
        }
        int rc = fn(db, arg);
        if (rc == 0 && tb_db_commit(db) == 0)
            return 0;
        tb_db_rollback(db);
        if (db->errkind != TB_DBE_BUSY || attempt >= 8)
            return rc ? rc : -1;
    retry:;
        /* short randomised back-off: contention is brief on both engines */
        struct timespec ts = {0, (long)(1 + attempt * 3) * 1000000L};
        nanosleep(&ts, NULL);
        tb_debug("db: retrying transaction (attempt %d): %s", attempt + 1, db->err);
    }
}

bool tb_db_ping(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, "SELECT 1", NULL);
    if (!st)
        return false;
    int rc = tb_stmt_step(st);
    tb_stmt_done(st);
    return rc == TB_ROW;
}
