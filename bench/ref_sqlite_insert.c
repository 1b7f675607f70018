/* bench/ref_sqlite_insert.c — the reference for the SQLite submission bench:
 * a plain loop of single-row INSERTs, one transaction (autocommit) per row, in
 * WAL mode, one connection, for a fixed time.
 *
 *   ref_sqlite_insert DB_PATH SECONDS [SYNCHRONOUS]     (default NORMAL)
 * prints:  REF inserts=N seconds=S rate=R
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "ref_sqlite_insert: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DB_PATH SECONDS [SYNCHRONOUS]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    double seconds = atof(argv[2]);
    const char *sync = argc > 3 ? argv[3] : "NORMAL";
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die(db, "open");
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA busy_timeout=5000;"
             "CREATE TABLE IF NOT EXISTS bench_ref(id INTEGER PRIMARY KEY, v TEXT NOT NULL, at TEXT NOT NULL);",
             sync);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die(db, "setup");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO bench_ref(v, at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%f','now'))", -1,
                           &st, NULL) != SQLITE_OK)
        die(db, "prepare");
    char v[64];
    long n = 0;
    double t0 = now(), t = t0;
    while (t - t0 < seconds) {
        snprintf(v, sizeof v, "2301022026112800000-%ld", n);
        sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            die(db, "insert");
        sqlite3_reset(st);
        n++;
        if ((n & 63) == 0)
            t = now();
    }
    t = now();
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("REF inserts=%ld seconds=%.3f rate=%.1f\n", n, t - t0, n / (t - t0));
    return 0;
}
