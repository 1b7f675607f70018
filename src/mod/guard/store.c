/* SQL of the guard module: the rate_hits table. */
#include "core/timeutil.h"
#include "mod/guard/guard.h"

static const char SQL_COUNT[] = "SELECT COUNT(*) FROM rate_hits WHERE bucket = ? AND at > ?";
static const char SQL_INSERT[] = "INSERT INTO rate_hits(bucket, at) VALUES (?, ?)";
static const char SQL_PRUNE[] = "DELETE FROM rate_hits WHERE bucket = ? AND at <= ?";
static const char SQL_NEWEST[] = "SELECT MAX(at) FROM rate_hits WHERE bucket = ?";
static const char SQL_CLEAR[] = "DELETE FROM rate_hits WHERE bucket = ?";

int guard_count(tb_db *db, const char *bucket, int window_s)
{
    return (int)tb_db_int(db, -1, SQL_COUNT, "ti", bucket, tb_now() - window_s);
}

int guard_hit(tb_db *db, const char *bucket, int window_s)
{
    int64_t now = tb_now();
    /* the bucket's expired hits go first, so the table stays small */
    if (tb_db_exec(db, SQL_PRUNE, "ti", bucket, now - 86400) < 0 ||
        tb_db_exec(db, SQL_INSERT, "ti", bucket, now) < 0)
        return -1;
    return guard_count(db, bucket, window_s);
}

long guard_age(tb_db *db, const char *bucket)
{
    tb_stmt *st = tb_db_query(db, SQL_NEWEST, "t", bucket);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return -1;
    long age = tb_stmt_null(st, 0) ? 1L << 30 : (long)(tb_now() - tb_stmt_int(st, 0));
    tb_stmt_done(st);
    return age;
}

void guard_clear(tb_db *db, const char *bucket) { tb_db_exec(db, SQL_CLEAR, "t", bucket); }
