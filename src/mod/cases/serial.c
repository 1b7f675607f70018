/* 办件编号: a configurable business-coding rule and a per-key counter that
 * is unique under concurrency on both engines (an atomic upsert that
 * returns the new value inside the submitting transaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "mod/cases/cases.h"

static const char SQL_NEXT[] = "INSERT INTO serial_counters(prefix, value) VALUES (?, 1) "
                               "ON CONFLICT(prefix) DO UPDATE SET value = serial_counters.value + 1 RETURNING value";

static int put(char *out, size_t cap, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n >= cap)
        return -1;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return 0;
}

int cases_serial_format(const char *rule, const char *region, const char *date, const char *matter, long seq,
                        char *out, size_t outlen, char *key, size_t keylen)
{
    size_t o = 0, k = 0;
    int nseq = 0;
    out[0] = key[0] = '\0';
    for (const char *p = rule; *p;) {
        if (*p != '{') {
            char c[2] = {*p++, 0};
            if (put(out, outlen, &o, c) || put(key, keylen, &k, c))
                return -1;
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end)
            return -1;
        size_t n = (size_t)(end - p + 1);
        const char *val = NULL;
        char seqbuf[24];
        if (n == 8 && !strncmp(p, "{region}", n))
            val = region;
        else if (n == 6 && !strncmp(p, "{date}", n))
            val = date;
        else if (n == 8 && !strncmp(p, "{matter}", n))
            val = matter ? matter : "";
        else if (n == 7 && !strncmp(p, "{seq:", 5) && p[5] >= '1' && p[5] <= '9') {
            int digits = p[5] - '0';
            long limit = 1;
            for (int i = 0; i < digits; i++)
                limit *= 10;
            if (seq < 0 || seq >= limit || nseq++)
                return -1;
            snprintf(seqbuf, sizeof seqbuf, "%0*ld", digits, seq);
            if (put(out, outlen, &o, seqbuf) || put(key, keylen, &k, "#"))
                return -1;
            p = end + 1;
            continue;
        } else
            return -1;
        if (put(out, outlen, &o, val) || put(key, keylen, &k, val))
            return -1;
        p = end + 1;
    }
    return nseq == 1 ? 0 : -1;
}

int cases_serial_rule_ok(const char *rule)
{
    char out[128], key[128];
    return cases_serial_format(rule, "230102", "20260101", "000117004000", 1, out, sizeof out, key, sizeof key);
}

int cases_serial_next(tb_db *db, const char *rule, const char *region, const char *matter, int64_t now, char *out,
                      size_t outlen)
{
    char date[9], key[128];
    tb_date_compact(now, date);
    if (cases_serial_format(rule, region, date, matter, 0, out, outlen, key, sizeof key) != 0)
        return -1;
    tb_stmt *st = tb_db_query(db, SQL_NEXT, "t", key);
    if (!st || tb_stmt_step(st) != TB_ROW)
        return -1;
    long seq = (long)tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return cases_serial_format(rule, region, date, matter, seq, out, outlen, key, sizeof key);
}
