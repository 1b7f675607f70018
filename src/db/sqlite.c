/* SQLite backend: WAL, busy timeout, foreign keys; statements prepared once
 * per connection and cached by SQL address. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "db/db.h"

typedef struct sq_stmt {
    tb_db *db;              /* first: see db.c */
    sqlite3_stmt *st;
    const char *sql;        /* cache key (address) */
    int last_rc;
    struct sq_stmt *next;
} sq_stmt;

#define NBUCKETS 256

typedef struct {
    tb_db base;
    sqlite3 *h;
    sq_stmt *buckets[NBUCKETS];
} sq_db;

static unsigned bucket_of(const char *sql) { return (unsigned)(((uintptr_t)sql >> 4) % NBUCKETS); }

static void sq_error(sq_db *d, int rc)
{
    int ext = sqlite3_extended_errcode(d->h);
    tb_db_errkind kind = TB_DBE_OTHER;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        kind = TB_DBE_BUSY;
    else if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        kind = TB_DBE_UNIQUE;
    tb_db_set_error(&d->base, kind, "sqlite: %s", sqlite3_errmsg(d->h));
}

static void sq_close(tb_db *db)
{
    sq_db *d = (sq_db *)db;
    for (int i = 0; i < NBUCKETS; i++)
        for (sq_stmt *s = d->buckets[i], *n; s; s = n) {
            n = s->next;
            sqlite3_finalize(s->st);
            free(s);
        }
    sqlite3_close(d->h);
    free(d);
}

static int sq_exec_script(tb_db *db, const char *sql)
{
    sq_db *d = (sq_db *)db;
    char *msg = NULL;
    int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        sq_error(d, rc);
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static tb_stmt *sq_prepare(tb_db *db, const char *sql)
{
    sq_db *d = (sq_db *)db;
    unsigned b = bucket_of(sql);
    for (sq_stmt *s = d->buckets[b]; s; s = s->next)
        if (s->sql == sql)
            return (tb_stmt *)s;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        sq_error(d, rc);
        return NULL;
    }
    sq_stmt *s = calloc(1, sizeof *s);
    if (!s) {
        sqlite3_finalize(st);
        tb_db_set_error(db, TB_DBE_OTHER, "out of memory");
        return NULL;
    }
    s->db = db;
    s->st = st;
    s->sql = sql;
    s->next = d->buckets[b];
    d->buckets[b] = s;
    return (tb_stmt *)s;
}

static void sq_reset(tb_stmt *t)
{
    sq_stmt *s = (sq_stmt *)t;
    sqlite3_reset(s->st);
    sqlite3_clear_bindings(s->st);
    s->last_rc = 0;
}

static int sq_bind_text(tb_stmt *t, int idx, const char *v)
{
    sq_stmt *s = (sq_stmt *)t;
    int rc = v ? sqlite3_bind_text(s->st, idx, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, idx);
    if (rc != SQLITE_OK) {
        sq_error((sq_db *)s->db, rc);
        return -1;
    }
    return 0;
}

static int sq_bind_int(tb_stmt *t, int idx, int64_t v)
{
    sq_stmt *s = (sq_stmt *)t;
    int rc = sqlite3_bind_int64(s->st, idx, v);
    if (rc != SQLITE_OK) {
        sq_error((sq_db *)s->db, rc);
        return -1;
    }
    return 0;
}

static int sq_step(tb_stmt *t)
{
    sq_stmt *s = (sq_stmt *)t;
    int rc = sqlite3_step(s->st);
    s->last_rc = rc;
    if (rc == SQLITE_ROW)
        return TB_ROW;
    if (rc == SQLITE_DONE)
        return TB_DONE;
    sq_error((sq_db *)s->db, rc);
    sqlite3_reset(s->st);
    return TB_DB_ERROR;
}

static const char *sq_text(tb_stmt *t, int col)
{
    return (const char *)sqlite3_column_text(((sq_stmt *)t)->st, col);
}

static int64_t sq_int(tb_stmt *t, int col) { return sqlite3_column_int64(((sq_stmt *)t)->st, col); }

static bool sq_isnull(tb_stmt *t, int col)
{
    return sqlite3_column_type(((sq_stmt *)t)->st, col) == SQLITE_NULL;
}

static long sq_changes(tb_stmt *t)
{
    return (long)sqlite3_changes(((sq_db *)((sq_stmt *)t)->db)->h);
}

/* SQLite's default busy handler sleeps 1, 2, 5 … 100 ms between retries:
 * fine across processes, ruinous between our own threads, whose write
 * transactions last well under a millisecond. Retry after 50–500 µs, for at
 * most ~10 s in all. */
static int busy_wait(void *arg, int count)
{
    (void)arg;
    if (count >= 20000)
        return 0;
    struct timespec ts = {0, (long)(count < 10 ? 50 : count < 100 ? 200 : 500) * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;
static void sq_tx_lock(void) { pthread_mutex_lock(&writer); }
static void sq_tx_unlock(void) { pthread_mutex_unlock(&writer); }

static const tb_db_ops sq_ops = {
    .close = sq_close,
    .exec_script = sq_exec_script,
    .prepare = sq_prepare,
    .reset = sq_reset,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .step = sq_step,
    .text = sq_text,
    .integer = sq_int,
    .isnull = sq_isnull,
    .changes = sq_changes,
    .begin_sql = "BEGIN IMMEDIATE",
    .tx_lock = sq_tx_lock,
    .tx_unlock = sq_tx_unlock,
};

tb_db *tb_db_sqlite_open(const char *path, char *err, size_t errlen)
{
    sq_db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->base.ops = &sq_ops;
    d->base.kind = TB_DB_SQLITE;
    int rc = sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "无法打开 SQLite 数据库 %s: %s", path, d->h ? sqlite3_errmsg(d->h) : "?");
        sqlite3_close(d->h);
        free(d);
        return NULL;
    }
    sqlite3_busy_handler(d->h, busy_wait, NULL);
    /* synchronous=NORMAL in WAL survives a process crash or kill -9 (the
     * WAL is in the OS cache); FULL also survives power loss. See ADR 0003. */
    const char *sync = strcmp(tb_cfg.sqlite_synchronous, "full") == 0 ? "FULL" : "NORMAL";
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON; "
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000; "
             "PRAGMA wal_autocheckpoint=4000;", sync);
    if (sq_exec_script(&d->base, pragmas) != 0) {
        snprintf(err, errlen, "SQLite 初始化失败: %s", d->base.err);
        sq_close(&d->base);
        return NULL;
    }
    return &d->base;
}
