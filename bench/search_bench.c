/* In-process search benchmark: a synthetic corpus of 100,000 Chinese
 * documents generated deterministically from the seed matters' vocabulary
 * (names, short names, and the clauses of their conditions, materials and
 * FAQ), indexed by the engine and by SQLite FTS5 (trigram) over the same
 * four fields; the labelled queries of tests/search/queries.tsv are run on
 * both. Prints build time, index memory, p50/p99 latency and single-thread
 * QPS of each, the engine's QPS on all cores, and the ratios.
 *
 * Usage: search_bench seed/matters.json tests/search/queries.tsv [ndocs] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/search/corpus.h"

#define ROUNDS_ENGINE 20
#define ROUNDS_FTS 3

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) /* xorshift64: the same corpus on every run */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of this thread: on a shared machine, wall time also counts the
 * time the scheduler gave to other processes; both are reported. */
static double cpu(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

/* ---- vocabulary: the clauses of the seed text */

typedef struct {
    char **v;
    int n, cap;
} strs;

static void push(strs *s, const char *p, size_t len)
{
    if (s->n == s->cap)
        s->v = realloc(s->v, (size_t)(s->cap = s->cap ? s->cap * 2 : 256) * sizeof *s->v);
    s->v[s->n++] = strndup(p, len);
}

static int is_sep(const char *p)
{
    static const char *const seps[] = {"，", "。", "；", "：", "、", "？", "！", "\n", " ", NULL};
    for (int i = 0; seps[i]; i++)
        if (!strncmp(p, seps[i], strlen(seps[i])))
            return (int)strlen(seps[i]);
    return 0;
}

static void clauses(strs *out, const char *text)
{
    const char *start = text;
    for (const char *p = text;; p++) {
        int sep = *p ? is_sep(p) : 1;
        if (!sep)
            continue;
        if (p - start >= 6)
            push(out, start, (size_t)(p - start));
        if (!*p)
            break;
        p += sep - 1;
        start = p + 1;
    }
}

static char *pick_join(const strs *pool, int k, const char *sep)
{
    size_t cap = 1, n = 0;
    const char *chosen[16];
    for (int i = 0; i < k; i++) {
        chosen[i] = pool->v[next() % (uint64_t)pool->n];
        cap += strlen(chosen[i]) + strlen(sep);
    }
    char *out = malloc(cap);
    out[0] = '\0';
    for (int i = 0; i < k; i++)
        n += (size_t)sprintf(out + n, "%s%s", i ? sep : "", chosen[i]);
    return out;
}

static void synth(const corpus_doc *seed, int nseed, const strs *pool, corpus_doc *d)
{
    const corpus_doc *m = &seed[next() % (uint64_t)nseed];
    char *tail = pick_join(pool, 1, "");
    size_t cut = 0; /* the first 4 characters of a clause make names distinct */
    for (int c = 0; tail[cut] && c < 4; c++)
        do
            cut++;
        while (((unsigned char)tail[cut] & 0xC0) == 0x80);
    tail[cut] = '\0';
    size_t n = strlen(m->name) + strlen(tail) + 8;
    d->name = malloc(n);
    snprintf(d->name, n, "%s（%s）", m->name, tail);
    free(tail);
    d->short_name = strdup(m->short_name);
    d->keywords = pick_join(pool, 2, "，");
    d->body = pick_join(pool, 4 + (int)(next() % 5), "；");
    d->code = strdup(m->code);
    d->police = strdup(m->police);
    d->theme = strdup(m->theme);
    d->online = strdup(m->online);
}

/* ---- queries */

static int load_queries(const char *path, char ***out)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    strs q = {0};
    while (f && fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab || !strncmp(tab, "\t-\t", 3))
            continue;
        push(&q, line, (size_t)(tab - line));
    }
    if (f)
        fclose(f);
    *out = q.v;
    return q.n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double p50, p99, mean;
} timing;

static timing summarise(double *t, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return (timing){t[n / 2], t[(int)(n * 0.99)], sum / n};
}

static const tb_search *engine;
static char **queries;
static int nqueries;

static void engine_one(const char *q)
{
    tb_search_request req = {.q = q, .limit = 10};
    tb_search_result res;
    tb_search_run(engine, &req, &res);
    tb_search_result_free(&res);
}

static void *engine_worker(void *arg)
{
    long *count = arg;
    for (int r = 0; r < ROUNDS_ENGINE; r++)
        for (int i = 0; i < nqueries; i++, ++*count)
            engine_one(queries[(i + r) % nqueries]);
    return NULL;
}

static double parallel_qps(int threads)
{
    pthread_t t[16];
    long counts[16] = {0}, total = 0;
    double t0 = now();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, engine_worker, &counts[i]);
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        total += counts[i];
    }
    return total / (now() - t0);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s matters.json queries.tsv [ndocs]\n", argv[0]);
        return 2;
    }
    int ndocs = argc > 3 ? atoi(argv[3]) : 100000;
    corpus_doc *seed;
    int nseed = corpus_load(argv[1], &seed);
    nqueries = load_queries(argv[2], &queries);
    if (nseed <= 0 || nqueries <= 0 || ndocs <= 0) {
        fprintf(stderr, "search_bench: no corpus or no queries\n");
        return 2;
    }
    strs pool = {0};
    for (int i = 0; i < nseed; i++) {
        clauses(&pool, seed[i].keywords);
        clauses(&pool, seed[i].body);
    }
    corpus_doc *docs = calloc((size_t)ndocs, sizeof *docs);
    size_t bytes = 0;
    for (int i = 0; i < ndocs; i++) {
        synth(seed, nseed, &pool, &docs[i]);
        bytes += strlen(docs[i].name) + strlen(docs[i].short_name) + strlen(docs[i].keywords) + strlen(docs[i].body);
    }
    printf("corpus: %d documents, %.1f MB of text, %d clauses of seed vocabulary; %d queries\n", ndocs, bytes / 1e6,
           pool.n, nqueries);

    double t0 = now();
    tb_search *s = tb_search_new(ndocs);
    corpus_fields(s);
    for (int i = 0; i < ndocs; i++)
        corpus_add(s, i, &docs[i]);
    tb_search_build(s);
    double build_engine = now() - t0;
    engine = s;

    sqlite3_int64 mem0 = sqlite3_memory_used();
    t0 = now();
    sqlite3 *db = corpus_fts_open();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *ins = corpus_fts_insert_stmt(db);
    for (int i = 0; i < ndocs; i++)
        corpus_fts_add(db, ins, i, &docs[i]);
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    double build_fts = now() - t0;
    double mem_fts = (double)(sqlite3_memory_used() - mem0);

    int ne = ROUNDS_ENGINE * nqueries, nf = ROUNDS_FTS * nqueries, hits[10];
    double *te = malloc(sizeof(double) * (size_t)ne), *tf = malloc(sizeof(double) * (size_t)nf);
    double *ce = malloc(sizeof(double) * (size_t)ne), *cf = malloc(sizeof(double) * (size_t)nf);
    for (int i = 0; i < nqueries; i++) /* warm both */
        engine_one(queries[i]), corpus_fts_query(db, queries[i], hits, 10);
    for (int i = 0; i < ne; i++) {
        double a = now(), c = cpu();
        engine_one(queries[i % nqueries]);
        te[i] = now() - a;
        ce[i] = cpu() - c;
    }
    for (int i = 0; i < nf; i++) {
        double a = now(), c = cpu();
        corpus_fts_query(db, queries[i % nqueries], hits, 10);
        tf[i] = now() - a;
        cf[i] = cpu() - c;
    }
    timing e = summarise(te, ne), f = summarise(tf, nf), ec = summarise(ce, ne), fc = summarise(cf, nf);
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    double qps_all = parallel_qps(cores > 16 ? 16 : cores);

    printf("\n| in-process, top 10        | engine      | FTS5 trigram | ratio |\n|---|---|---|---|\n");
    printf("| build (s)                 | %11.2f | %12.2f | %5.2f |\n", build_engine, build_fts, build_fts / build_engine);
    printf("| index memory (MB)         | %11.1f | %12.1f | %5.2f |\n", tb_search_memory(s) / 1e6, mem_fts / 1e6,
           mem_fts / tb_search_memory(s));
    printf("| p50 latency (ms)          | %11.3f | %12.3f | %5.1f |\n", e.p50 * 1e3, f.p50 * 1e3, f.p50 / e.p50);
    printf("| p99 latency (ms)          | %11.3f | %12.3f | %5.1f |\n", e.p99 * 1e3, f.p99 * 1e3, f.p99 / e.p99);
    printf("| p50 CPU time (ms)         | %11.3f | %12.3f | %5.1f |\n", ec.p50 * 1e3, fc.p50 * 1e3, fc.p50 / ec.p50);
    printf("| p99 CPU time (ms)         | %11.3f | %12.3f | %5.1f |\n", ec.p99 * 1e3, fc.p99 * 1e3, fc.p99 / ec.p99);
    printf("| QPS, 1 thread             | %11.0f | %12.0f | %5.1f |\n", 1 / e.mean, 1 / f.mean, f.mean / e.mean);
    printf("| QPS, %d threads            | %11.0f |              |       |\n", cores, qps_all);
    double load[3] = {0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = 0;
        fclose(la);
    }
    printf("\nload average %.2f on %d cores (wall-clock percentiles include time given to other processes)\n",
           load[0], cores);
    printf("goals: p99 <= 5 ms: %s (wall), %s (CPU); QPS >= 3x FTS5: %s\n", e.p99 <= 0.005 ? "met" : "NOT met",
           ec.p99 <= 0.005 ? "met" : "NOT met", f.mean / e.mean >= 3 ? "met" : "NOT met");

    sqlite3_close(db);
    tb_search_free(s);
    corpus_free(docs, ndocs);
    corpus_free(seed, nseed);
    for (int i = 0; i < pool.n; i++)
        free(pool.v[i]);
    free(pool.v);
    for (int i = 0; i < nqueries; i++)
        free(queries[i]);
    free(queries);
    free(te);
    free(tf);
    free(ce);
    free(cf);
    return 0;
}
