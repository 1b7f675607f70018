/* Sliding-window counters in the database, so limits hold across nodes:
 * login failures, SMS sends, progress queries. Buckets are opaque strings
 * (callers put a keyed digest, never a raw phone or ID number, in them). */
#ifndef TB_MOD_GUARD_H
#define TB_MOD_GUARD_H

#include "db/db.h"

/* Hits in the last window_s seconds, or -1 on a database error. */
int guard_count(tb_db *db, const char *bucket, int window_s);
/* Records one hit and returns the count including it (-1 on error). */
int guard_hit(tb_db *db, const char *bucket, int window_s);
/* Seconds since the newest hit (a large number when none). */
long guard_age(tb_db *db, const char *bucket);
void guard_clear(tb_db *db, const char *bucket);

#endif
