/* PostgreSQL backend (libpq): `?` placeholders rewritten to $n, statements
 * prepared once per connection, results fetched whole (text format). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

#define MAX_PARAMS 32
#define NBUCKETS 256

typedef struct pg_stmt {
    tb_db *db;              /* first: see db.c */
    const char *sql;        /* cache key (address) */
    char name[16];
    int nparams;
    char *params[MAX_PARAMS];
    PGresult *res;
    int row, nrows, executed;
    struct pg_stmt *next;
} pg_stmt;

typedef struct {
    tb_db base;
    PGconn *conn;
    int counter;
    pg_stmt *buckets[NBUCKETS];
} pg_db;

static unsigned bucket_of(const char *sql) { return (unsigned)(((uintptr_t)sql >> 4) % NBUCKETS); }

static void pg_error_res(pg_db *d, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    tb_db_errkind kind = TB_DBE_OTHER;
    if (state && !strcmp(state, "23505"))
        kind = TB_DBE_UNIQUE;
    else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")))
        kind = TB_DBE_BUSY;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn);
    tb_db_set_error(&d->base, kind, "postgres: %s", msg && *msg ? msg : PQerrorMessage(d->conn));
}

static void stmt_clear(pg_stmt *s)
{
    for (int i = 0; i < MAX_PARAMS; i++) {
        free(s->params[i]);
        s->params[i] = NULL;
    }
    if (s->res)
        PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
    s->executed = 0;
}

static void drop_cache(pg_db *d)
{
    for (int i = 0; i < NBUCKETS; i++) {
        for (pg_stmt *s = d->buckets[i], *n; s; s = n) {
            n = s->next;
            stmt_clear(s);
            free(s);
        }
        d->buckets[i] = NULL;
    }
}

static void pg_close(tb_db *db)
{
    pg_db *d = (pg_db *)db;
    drop_cache(d);
    PQfinish(d->conn);
    free(d);
}

static int pg_exec_script(tb_db *db, const char *sql)
{
    pg_db *d = (pg_db *)db;
    PGresult *res = PQexec(d->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
        pg_error_res(d, res);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

/* `?` -> `$n` outside quotes; returns a malloc'd string and the count. */
static char *rewrite(const char *sql, int *nparams)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?') {
            o += (size_t)sprintf(out + o, "$%d", ++n);
            continue;
        }
        out[o++] = *p;
    }
    out[o] = '\0';
    *nparams = n;
    return out;
}

static int ensure_conn(pg_db *d)
{
    if (PQstatus(d->conn) == CONNECTION_OK)
        return 0;
    drop_cache(d);              /* prepared statements died with the session */
    PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        tb_db_set_error(&d->base, TB_DBE_OTHER, "postgres: %s", PQerrorMessage(d->conn));
        return -1;
    }
    return 0;
}

static tb_stmt *pg_prepare(tb_db *db, const char *sql)
{
    pg_db *d = (pg_db *)db;
    if (ensure_conn(d) != 0)
        return NULL;
    unsigned b = bucket_of(sql);
    for (pg_stmt *s = d->buckets[b]; s; s = s->next)
        if (s->sql == sql)
            return (tb_stmt *)s;
    pg_stmt *s = calloc(1, sizeof *s);
    int n = 0;
    char *text = rewrite(sql, &n);
    if (!s || !text || n > MAX_PARAMS) {
        free(s);
        free(text);
        tb_db_set_error(db, TB_DBE_OTHER, "postgres: cannot prepare (memory or >%d params)", MAX_PARAMS);
        return NULL;
    }
    snprintf(s->name, sizeof s->name, "tb%d", ++d->counter);
    PGresult *res = PQprepare(d->conn, s->name, text, 0, NULL);
    free(text);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        pg_error_res(d, res);
        PQclear(res);
        free(s);
        return NULL;
    }
    PQclear(res);
    s->db = db;
    s->sql = sql;
    s->nparams = n;
    s->row = -1;
    s->next = d->buckets[b];
    d->buckets[b] = s;
    return (tb_stmt *)s;
}

static void pg_reset(tb_stmt *t) { stmt_clear((pg_stmt *)t); }

static int pg_bind_text(tb_stmt *t, int idx, const char *v)
{
    pg_stmt *s = (pg_stmt *)t;
    if (idx < 1 || idx > s->nparams) {
        tb_db_set_error(s->db, TB_DBE_OTHER, "postgres: bind index %d out of range", idx);
        return -1;
    }
    free(s->params[idx - 1]);
    s->params[idx - 1] = v ? strdup(v) : NULL;
    if (v && !s->params[idx - 1])
        return -1;
    return 0;
}

static int pg_bind_int(tb_stmt *t, int idx, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return pg_bind_text(t, idx, buf);
}

static int pg_step(tb_stmt *t)
{
    pg_stmt *s = (pg_stmt *)t;
    pg_db *d = (pg_db *)s->db;
    if (!s->executed) {
        s->executed = 1;
        s->res = PQexecPrepared(d->conn, s->name, s->nparams, (const char *const *)s->params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(s->res);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            pg_error_res(d, s->res);
            return TB_DB_ERROR;
        }
        s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        s->row = -1;
    }
    if (s->row + 1 < s->nrows) {
        s->row++;
        return TB_ROW;
    }
    return TB_DONE;
}

static const char *pg_text(tb_stmt *t, int col)
{
    pg_stmt *s = (pg_stmt *)t;
    if (!s->res || s->row < 0 || col >= PQnfields(s->res) || PQgetisnull(s->res, s->row, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static int64_t pg_int(tb_stmt *t, int col)
{
    const char *v = pg_text(t, col);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1])   /* booleans from expressions */
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    return strtoll(v, NULL, 10);
}

static bool pg_isnull(tb_stmt *t, int col) { return pg_text(t, col) == NULL; }

static long pg_changes(tb_stmt *t)
{
    pg_stmt *s = (pg_stmt *)t;
    const char *n = s->res ? PQcmdTuples(s->res) : "";
    return *n ? atol(n) : 0;
}

static const tb_db_ops pg_ops = {
    .close = pg_close,
    .exec_script = pg_exec_script,
    .prepare = pg_prepare,
    .reset = pg_reset,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .step = pg_step,
    .text = pg_text,
    .integer = pg_int,
    .isnull = pg_isnull,
    .changes = pg_changes,
    .begin_sql = "BEGIN",
};

static void quiet_notice(void *arg, const char *msg) { (void)arg; (void)msg; }

tb_db *tb_db_pg_open(const char *url, char *err, size_t errlen)
{
    pg_db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->base.ops = &pg_ops;
    d->base.kind = TB_DB_PG;
    d->conn = PQconnectdb(url);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        snprintf(err, errlen, "无法连接 PostgreSQL: %s", PQerrorMessage(d->conn));
        PQfinish(d->conn);
        free(d);
        return NULL;
    }
    PQsetNoticeProcessor(d->conn, quiet_notice, NULL);
    if (pg_exec_script(&d->base, "SET TIME ZONE 'Asia/Shanghai'; SET client_encoding = 'UTF8'") != 0) {
        snprintf(err, errlen, "PostgreSQL 会话初始化失败: %s", d->base.err);
        pg_close(&d->base);
        return NULL;
    }
    return &d->base;
}
