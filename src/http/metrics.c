/* Prometheus metrics: request counts by route and status class, a latency
 * histogram per route, and named counters modules bump. Lock-free: relaxed
 * atomics, rendered on demand. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "http/server_internal.h"

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NB (sizeof buckets / sizeof buckets[0])

typedef struct {
    atomic_long status[6];      /* 1xx..5xx by class, [0] unused */
    atomic_long hist[NB + 1];
    atomic_long sum_us;
} route_stats;

static route_stats *stats;
static size_t nstats;
static int64_t started;

#define MAX_COUNTERS 32
static struct {
    _Atomic(const char *) name;
    atomic_long value;
} counters[MAX_COUNTERS];

void tb_metrics_init(void)
{
    nstats = tb_router_count() + 1;   /* last slot: static files */
    stats = calloc(nstats, sizeof *stats);
    started = tb_now();
}

void tb_metrics_observe(size_t idx, int status, double secs)
{
    if (!stats || idx >= nstats)
        return;
    route_stats *s = &stats[idx];
    int cls = status / 100;
    atomic_fetch_add_explicit(&s->status[cls >= 1 && cls <= 5 ? cls : 5], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NB && secs > buckets[b])
        b++;
    atomic_fetch_add_explicit(&s->hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (long)(secs * 1e6), memory_order_relaxed);
}

/* Names are static strings; registration races are benign because every
 * module registers the same literal. */
void tb_metrics_count(const char *name, long delta)
{
    for (int i = 0; i < MAX_COUNTERS; i++) {
        const char *expected = NULL;
        atomic_compare_exchange_strong(&counters[i].name, &expected, name);
        const char *have = atomic_load(&counters[i].name);
        if (have == name || !strcmp(have, name)) {
            atomic_fetch_add_explicit(&counters[i].value, delta, memory_order_relaxed);
            return;
        }
    }
}

typedef struct {
    char *p;
    size_t len, cap;
    tb_arena *a;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap * 2 + (size_t)n;
        char *np = tb_arena_alloc(b->a, ncap);
        memcpy(np, b->p, b->len);
        b->p = np;
        b->cap = ncap;
    }
}

static void render_counts(sbuf *b, size_t i)
{
    const tb_route *r = tb_router_at(i);
    const char *m = r ? r->method : "GET", *p = r ? r->pattern : "static";
    for (int c = 1; c <= 5; c++) {
        long v = atomic_load_explicit(&stats[i].status[c], memory_order_relaxed);
        if (v)
            put(b, "tongban_http_requests_total{method=\"%s\",route=\"%s\",status=\"%dxx\"} %ld\n", m, p, c, v);
    }
}

static void render_histogram(sbuf *b, size_t i)
{
    const tb_route *r = tb_router_at(i);
    const char *m = r ? r->method : "GET", *p = r ? r->pattern : "static";
    route_stats *s = &stats[i];
    long cum = 0;
    for (size_t k = 0; k <= NB; k++) {
        cum += atomic_load_explicit(&s->hist[k], memory_order_relaxed);
        if (k < NB)
            put(b, "tongban_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %ld\n", m, p,
                buckets[k], cum);
        else
            put(b, "tongban_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %ld\n", m,
                p, cum);
    }
    put(b, "tongban_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, p,
        atomic_load_explicit(&s->sum_us, memory_order_relaxed) / 1e6);
    put(b, "tongban_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %ld\n", m, p, cum);
}

char *tb_metrics_render(tb_arena *a, size_t *len)
{
    sbuf b = {tb_arena_alloc(a, 16384), 0, 16384, a};
    put(&b, "# HELP tongban_build_info Build information.\n# TYPE tongban_build_info gauge\n");
    put(&b, "tongban_build_info{version=\"%s\"} 1\n", TB_VERSION);
    put(&b, "# HELP tongban_uptime_seconds Seconds since the server started.\n# TYPE tongban_uptime_seconds gauge\n");
    put(&b, "tongban_uptime_seconds %lld\n", (long long)(tb_now() - started));
    put(&b, "# HELP tongban_sse_streams_open Server-sent event streams open in this process.\n"
            "# TYPE tongban_sse_streams_open gauge\ntongban_sse_streams_open %ld\n", tb_stream_open_count());
    put(&b, "# HELP tongban_http_requests_total HTTP requests by route and status class.\n"
            "# TYPE tongban_http_requests_total counter\n");
    for (size_t i = 0; stats && i < nstats; i++) /* one family = one contiguous group */
        render_counts(&b, i);
    put(&b, "# HELP tongban_http_request_duration_seconds Handler latency.\n"
            "# TYPE tongban_http_request_duration_seconds histogram\n");
    for (size_t i = 0; stats && i < nstats; i++)
        render_histogram(&b, i);
    for (int i = 0; i < MAX_COUNTERS && counters[i].name; i++) {
        put(&b, "# TYPE tongban_%s counter\ntongban_%s %ld\n", counters[i].name, counters[i].name,
            atomic_load_explicit(&counters[i].value, memory_order_relaxed));
    }
    *len = b.len;
    return b.p;
}
