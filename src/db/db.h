/* Storage interface. One connection per server thread; SQLite (embedded
 * default) and PostgreSQL behind the same small set of calls.
 *
 * SQL is written once, portable, with `?` placeholders; the PostgreSQL
 * backend rewrites them to $1..$n. Prepared statements are cached per
 * connection, keyed by the address of the SQL text, so pass string literals
 * or other static strings.
 *
 *   tb_stmt *st = tb_db_query(db, SQL_FIND_USER, "t", phone_bidx);
 *   while (tb_stmt_step(st) == TB_ROW) use(tb_stmt_text(st, 0));
 *
 * Values cross the interface as text or 64-bit integers; times are BIGINT
 * epoch seconds, booleans INTEGER 0/1, documents TEXT holding JSON. */
#ifndef TB_DB_H
#define TB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tb_db tb_db;
typedef struct tb_stmt tb_stmt;

typedef enum { TB_DB_SQLITE, TB_DB_PG } tb_db_kind;

enum { TB_DONE = 0, TB_ROW = 1, TB_DB_ERROR = -1 };

/* Why the last call failed, for the callers that care. */
typedef enum { TB_DBE_NONE, TB_DBE_UNIQUE, TB_DBE_BUSY, TB_DBE_OTHER } tb_db_errkind;

/* url: "postgres://…" / "postgresql://…" or a SQLite file path. */
tb_db *tb_db_open(const char *url, char *err, size_t errlen);
void tb_db_close(tb_db *db);
tb_db_kind tb_db_kind_of(const tb_db *db);
/* Runs a script of several statements without parameters (migrations). */
int tb_db_exec_script(tb_db *db, const char *sql);

/* Prepares (or fetches from the cache) and binds. types: one letter per
 * argument: 't' const char * (NULL binds SQL NULL), 'i' int64_t, 'd' int.
 * Returns NULL on error (see tb_db_errmsg). The statement stays valid until
 * the next tb_db_query of the same SQL on this connection. */
tb_stmt *tb_db_query(tb_db *db, const char *sql, const char *types, ...);
/* Query that returns no rows: returns the number of changed rows or -1. */
long tb_db_exec(tb_db *db, const char *sql, const char *types, ...);
/* Query for one integer (a COUNT, an id from RETURNING, a flag): the first
 * column of the first row, or dflt when there is no row or that value is
 * NULL; the statement is finished before it returns. An error also gives
 * dflt, so pass one no real value takes (-1 for a count or an id) where a
 * failure must be told apart; tb_db_errkind_last is TB_DBE_NONE after a
 * success and names the failure after an error.
 *
 *   int64_t n = tb_db_int(db, -1, SQL_COUNT_IN_DEPT, "i", dept);
 *   if (n < 0) return -1; */
int64_t tb_db_int(tb_db *db, int64_t dflt, const char *sql, const char *types, ...);

int tb_stmt_step(tb_stmt *st);
/* Column accessors for the current row; text is valid until the next step. */
const char *tb_stmt_text(tb_stmt *st, int col);
int64_t tb_stmt_int(tb_stmt *st, int col);
bool tb_stmt_null(tb_stmt *st, int col);
/* Ends the statement early (releases locks/results). */
void tb_stmt_done(tb_stmt *st);

/* Transactions. begin is BEGIN IMMEDIATE on SQLite (the writer lock is
 * taken up front so two writers never deadlock on an upgrade). */
int tb_db_begin(tb_db *db);
int tb_db_commit(tb_db *db);
void tb_db_rollback(tb_db *db);
/* Runs fn inside a transaction and retries it on busy/serialization
 * failures. fn returns 0 to commit, anything else to roll back (returned). */
int tb_db_tx(tb_db *db, int (*fn)(tb_db *db, void *arg), void *arg);

const char *tb_db_errmsg(tb_db *db);
tb_db_errkind tb_db_errkind_last(tb_db *db);
bool tb_db_ping(tb_db *db);

/* Migrations embedded in the binary (src/db/migrations/NNNN_name.sql).
 * Applies what is missing in order, each in its own transaction; on
 * PostgreSQL under an advisory lock so several nodes may start together. */
int tb_db_migrate(tb_db *db, char *err, size_t errlen);
/* The newest migration version applied (0 for an empty database). */
int tb_db_schema_version(tb_db *db);

/* ---- backend interface (internal) ---- */
typedef struct tb_db_ops {
    void (*close)(tb_db *db);
    int (*exec_script)(tb_db *db, const char *sql);
    tb_stmt *(*prepare)(tb_db *db, const char *sql);
    void (*reset)(tb_stmt *st);
    int (*bind_text)(tb_stmt *st, int idx, const char *v);
    int (*bind_int)(tb_stmt *st, int idx, int64_t v);
    int (*step)(tb_stmt *st);
    const char *(*text)(tb_stmt *st, int col);
    int64_t (*integer)(tb_stmt *st, int col);
    bool (*isnull)(tb_stmt *st, int col);
    long (*changes)(tb_stmt *st);
    const char *begin_sql;
    /* Optional: serialise this process's write transactions (SQLite has one
     * writer; waiting on a mutex beats polling the file lock). */
    void (*tx_lock)(void);
    void (*tx_unlock)(void);
} tb_db_ops;

struct tb_db {
    const tb_db_ops *ops;
    tb_db_kind kind;
    char err[512];
    tb_db_errkind errkind;
    int tx_depth;
};

tb_db *tb_db_sqlite_open(const char *path, char *err, size_t errlen);
tb_db *tb_db_pg_open(const char *url, char *err, size_t errlen);
void tb_db_set_error(tb_db *db, tb_db_errkind kind, const char *fmt, ...);

#endif
