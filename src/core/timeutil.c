#include "core/timeutil.h"

#include <stdio.h>
#include <time.h>

#define CST_OFFSET (8 * 3600)

static int64_t frozen;

void tb_time_freeze(int64_t epoch) { frozen = epoch; }

int64_t tb_now(void) { return frozen ? frozen : (int64_t)time(NULL); }

int64_t tb_now_ms(void)
{
    if (frozen)
        return frozen * 1000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double tb_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Broken-down +08:00 time with every field clamped to its printed width,
 * so the formatting below can never truncate. */
static void cst(int64_t epoch, struct tm *tm)
{
    time_t t = (time_t)(epoch + CST_OFFSET);
    gmtime_r(&t, tm);
    tm->tm_year = (tm->tm_year + 1900) % 10000 - 1900;
}

typedef struct {
    unsigned short y;
    unsigned char mo, d, h, mi, s;
} cst_parts;

static cst_parts parts(int64_t epoch)
{
    struct tm tm;
    cst(epoch, &tm);
    return (cst_parts){(unsigned short)(tm.tm_year + 1900), (unsigned char)(tm.tm_mon + 1), (unsigned char)tm.tm_mday,
                       (unsigned char)tm.tm_hour, (unsigned char)tm.tm_min, (unsigned char)tm.tm_sec};
}

void tb_time_iso(int64_t epoch, char out[32])
{
    cst_parts p = parts(epoch);
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u+08:00", p.y % 10000u, p.mo % 100u, p.d % 100u, p.h % 100u,
             p.mi % 100u, p.s % 100u);
}

void tb_time_iso_ms(int64_t ms, char out[40])
{
    cst_parts p = parts(ms / 1000);
    snprintf(out, 40, "%04u-%02u-%02uT%02u:%02u:%02u.%03u+08:00", p.y % 10000u, p.mo % 100u, p.d % 100u,
             p.h % 100u, p.mi % 100u, p.s % 100u, (unsigned)(ms % 1000));
}

void tb_date_compact(int64_t epoch, char out[9])
{
    cst_parts p = parts(epoch);
    snprintf(out, 9, "%04u%02u%02u", p.y % 10000u, p.mo % 100u, p.d % 100u);
}
