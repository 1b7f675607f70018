/* Evaluating a plan. Scores accumulate in dense arrays over the slots,
 * one set per thread, reused from query to query: a slot's entry counts
 * only when its stamp is the current epoch, so nothing is cleared between
 * alternatives or queries, and nothing is shared between threads. Three
 * levels: an alternative sums its terms, a concept keeps its best
 * alternative, the query sums its concepts. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

#define TITLE_BOOST 2.0f

/* Per-slot state of each level in one record, so a first touch is one
 * cache miss rather than one per array. */
typedef struct {
    uint32_t stamp;
    float score;
    uint8_t cnt, last, title; /* terms matched, the last one counted, terms in a title */
} a_state;

typedef struct {
    uint32_t stamp;
    float score;
    uint8_t full;
} c_state;

typedef struct {
    uint32_t stamp;
    float score;
    uint32_t full, any; /* concepts matched wholly, and at all */
} q_state;

typedef struct {
    uint32_t cap;
    uint32_t a_epoch, c_epoch, q_epoch;
    a_state *a;
    c_state *c;
    q_state *q;
    uint32_t *a_list, *c_list, *q_list; /* the slots touched at each level */
    uint32_t na, nc, nq;
} scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    scratch *w = p;
    if (!w)
        return;
    free(w->a), free(w->c), free(w->q);
    free(w->a_list), free(w->c_list), free(w->q_list);
    free(w);
}

static void scratch_key_init(void) { pthread_key_create(&scratch_key, scratch_free); }

#define GROW(p, n) ((p) = xrealloc((p), (size_t)(n) * sizeof *(p)))

/* This thread's arrays, large enough for n slots. */
static scratch *scratch_get(uint32_t n)
{
    pthread_once(&scratch_once, scratch_key_init);
    scratch *w = pthread_getspecific(scratch_key);
    if (!w) {
        w = xrealloc(NULL, sizeof *w);
        memset(w, 0, sizeof *w);
        pthread_setspecific(scratch_key, w);
    }
    if (n <= w->cap && w->q_epoch < UINT32_MAX - 1 && w->a_epoch < UINT32_MAX - 64 && w->c_epoch < UINT32_MAX - 64)
        return w;
    n = n > w->cap ? n : w->cap;
    GROW(w->a, n), GROW(w->c, n), GROW(w->q, n), GROW(w->a_list, n), GROW(w->c_list, n), GROW(w->q_list, n);
    memset(w->a, 0, n * sizeof *w->a); /* new or wrapped: every stamp is stale */
    memset(w->c, 0, n * sizeof *w->c);
    memset(w->q, 0, n * sizeof *w->q);
    w->a_epoch = w->c_epoch = w->q_epoch = 0;
    w->cap = n;
    return w;
}

static inline void a_add(scratch *w, uint32_t slot, float score, int title, uint8_t k)
{
    a_state *a = &w->a[slot];
    if (a->stamp != w->a_epoch) {
        *a = (a_state){w->a_epoch, 0, 0, 0, 0};
        w->a_list[w->na++] = slot;
    }
    a->score += score;
    if (a->last != k) { /* a term counts once, even when compiled and raw postings both have it */
        a->last = k;
        a->cnt++;
        a->title += title != 0;
    }
}

/* One term's postings into the alternative's arrays; k is the term's
 * number in the alternative, from 1. */
static void add_term(const tb_search *s, scratch *w, const term *t, uint8_t k)
{
    double n = s->nslot ? s->nslot : 1;
    float idf = (float)log(1 + (n - t->df + 0.5) / (t->df + 0.5));
    for (uint32_t i = 0; i < t->cn; i++) {
        impact v = t->cpost[i];
        a_add(w, IMPACT_SLOT(v), idf * IMPACT_WEIGHT(v), (int)IMPACT_TITLE(v), k);
    }
    for (uint32_t i = 0; i < t->n;) { /* added since the last build */
        uint32_t slot = t->post[i].slot, title = 0;
        float tf = 0;
        for (; i < t->n && t->post[i].slot == slot; i++) {
            tf += t->post[i].tf * s->norm[slot * MAX_FIELDS + t->post[i].field];
            title |= s->fields[t->post[i].field].weight >= TITLE_WEIGHT;
        }
        a_add(w, slot, idf * tf * (float)(BM25_K1 + 1) / (tf + (float)BM25_K1), (int)title, k);
    }
}

/* An alternative's documents: all its terms make a whole match; long CJK
 * runs may miss one bigram (a word boundary the user did not mark).
 * Partial matches score in proportion, for the fallback. The whole word in
 * a title field doubles the score: that is what the user names. */
static void eval_alt(const tb_search *s, scratch *w, const alt *a)
{
    w->a_epoch++;
    w->na = 0;
    for (int i = 0; i < a->nterms; i++)
        add_term(s, w, &s->terms[a->terms[i]], (uint8_t)(i + 1));
    uint8_t need = (uint8_t)(a->nterms >= 4 ? a->nterms - 1 : a->nterms);
    float per_term = a->weight / (float)a->nterms;
    for (uint32_t i = 0; i < w->na; i++) {
        uint32_t slot = w->a_list[i];
        const a_state *x = &w->a[slot];
        float score = x->score * per_term * x->cnt;
        if (x->title == a->nterms)
            score *= TITLE_BOOST;
        c_state *c = &w->c[slot];
        if (c->stamp != w->c_epoch) {
            *c = (c_state){w->c_epoch, score, x->cnt >= need};
            w->c_list[w->nc++] = slot;
            continue;
        }
        c->score = fmaxf(c->score, score);
        c->full |= x->cnt >= need;
    }
}

static void eval_concept(const tb_search *s, scratch *w, const concept *c, int bit)
{
    w->c_epoch++;
    w->nc = 0;
    for (int i = 0; i < c->nalts; i++)
        eval_alt(s, w, &c->alts[i]);
    for (uint32_t i = 0; i < w->nc; i++) {
        uint32_t slot = w->c_list[i];
        const c_state *x = &w->c[slot];
        q_state *q = &w->q[slot];
        if (q->stamp != w->q_epoch) {
            *q = (q_state){w->q_epoch, 0, 0, 0};
            w->q_list[w->nq++] = slot;
        }
        q->score += x->score;
        q->full |= x->full ? 1u << bit : 0;
        q->any |= 1u << bit;
    }
}

/* ---- filters */

typedef struct {
    int facet;
    uint32_t values[16];
    int nvalues;
} filter_group;

static int find_facet(const tb_search *s, const char *name)
{
    for (int f = 0; name && f < s->nfacets; f++)
        if (!strcmp(s->facets[f].name, name))
            return f;
    return -1;
}

/* Groups filters by facet; returns the group count, or -1 when a filter
 * names an unknown facet (nothing can match it). */
static int filter_groups(const tb_search *s, const tb_search_request *req, filter_group *g, int max)
{
    int n = 0;
    for (int i = 0; i < req->nfilters; i++) {
        int f = find_facet(s, req->filters[i].facet), k;
        if (f < 0)
            return -1;
        for (k = 0; k < n && g[k].facet != f; k++)
            ;
        if (k == n) {
            if (n == max)
                continue;
            g[n++] = (filter_group){f, {0}, 0};
        }
        const facet_def *d = &s->facets[f];
        for (int v = 0; v < d->nvalues; v++)
            if (req->filters[i].value && !strcmp(d->values[v], req->filters[i].value) && g[k].nvalues < 16)
                g[k].values[g[k].nvalues++] = (uint32_t)f << 24 | (uint32_t)v;
    }
    return n;
}

static int passes(const slot_info *si, const filter_group *g, int n)
{
    for (int k = 0; k < n; k++) {
        int ok = 0;
        for (int i = 0; i < si->nkw && !ok; i++)
            for (int v = 0; v < g[k].nvalues && !ok; v++)
                ok = si->kw[i] == g[k].values[v];
        if (!ok)
            return 0;
    }
    return 1;
}

/* ---- top k: a min-heap on (score, then lower doc first) */

static int worse(const tb_search_hit *a, const tb_search_hit *b)
{
    return a->score != b->score ? a->score < b->score : a->doc > b->doc;
}

static void heap_push(tb_search_hit *h, int *n, int k, tb_search_hit x)
{
    if (*n == k) {
        if (!worse(&h[0], &x))
            return;
        h[0] = h[--*n];
        for (int i = 0;;) { /* sift down */
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < *n && worse(&h[l], &h[m]))
                m = l;
            if (r < *n && worse(&h[r], &h[m]))
                m = r;
            if (m == i)
                break;
            tb_search_hit t = h[i];
            h[i] = h[m];
            h[m] = t;
            i = m;
        }
    }
    int i = (*n)++;
    h[i] = x;
    while (i > 0 && worse(&h[i], &h[(i - 1) / 2])) {
        tb_search_hit t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static int best_first(const void *a, const void *b)
{
    const tb_search_hit *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

/* ---- the request */

typedef struct {
    const tb_search *s;
    const tb_search_request *req;
    tb_search_result *res;
    filter_group groups[MAX_FACETS];
    int ngroups;
    int facet_ids[16], *counts[16];
    tb_search_hit *heap;
    int nheap, k;
} collector;

/* Called for every matching document, so it reads the slot's record only
 * when filters or facets need it. */
static void keep(collector *c, uint32_t slot, float score)
{
    const tb_search *s = c->s;
    float boost = s->boost[slot];
    if (boost == 0) /* deleted */
        return;
    if (c->ngroups > 0 || c->req->nfacets > 0) {
        const slot_info *si = &s->slots[slot];
        if (!passes(si, c->groups, c->ngroups))
            return;
        for (int f = 0; f < c->req->nfacets && f < 16; f++)
            for (int i = 0; c->facet_ids[f] >= 0 && i < si->nkw; i++)
                if ((int)(si->kw[i] >> 24) == c->facet_ids[f])
                    c->counts[f][si->kw[i] & 0xFFFFFF]++;
    }
    c->res->total++;
    score *= boost;
    if (c->nheap == c->k && score < c->heap[0].score)
        return;
    heap_push(c->heap, &c->nheap, c->k, (tb_search_hit){s->slots[slot].doc, score});
}

static void reset_counts(collector *c)
{
    c->res->total = 0;
    c->nheap = 0;
    for (int f = 0; f < c->req->nfacets && f < 16; f++)
        if (c->facet_ids[f] >= 0)
            memset(c->counts[f], 0, (size_t)c->s->facets[c->facet_ids[f]].nvalues * sizeof(int));
}

static int popcount(uint32_t x) { return __builtin_popcount(x); }

/* Whole matches first; when there are none (and the request allows it),
 * documents matching some of the words, scored by the share matched. */
static void select_hits(collector *c, const scratch *w, uint32_t must, uint32_t should, uint32_t not)
{
    for (uint32_t i = 0; i < w->nq; i++) {
        const q_state *q = &w->q[w->q_list[i]];
        if ((q->full & must) == must && (!should || (q->full & should)) && !(q->full & not))
            keep(c, w->q_list[i], q->score);
    }
    uint32_t pos = must | should;
    if (c->res->total || c->req->strict || c->req->all || c->req->any) /* the advanced query means what it says */
        return;
    reset_counts(c);
    c->res->partial = 1;
    for (uint32_t i = 0; i < w->nq; i++) {
        const q_state *q = &w->q[w->q_list[i]];
        uint32_t any = q->any & pos;
        float share = (float)popcount(any) / (float)popcount(pos);
        if (any && !(q->full & not))
            keep(c, w->q_list[i], q->score * share * share);
    }
}

/* Filters alone (no words): every document that passes them. */
static void browse(collector *c)
{
    for (uint32_t slot = 0; slot < c->s->nslot; slot++)
        keep(c, slot, 0);
}

static void facet_results(collector *c)
{
    for (int f = 0; f < c->req->nfacets && f < 16; f++) {
        int id = c->facet_ids[f], n = 0;
        if (id < 0)
            continue;
        const facet_def *d = &c->s->facets[id];
        tb_search_facet_count *out = xrealloc(NULL, (size_t)(d->nvalues + 1) * sizeof *out);
        for (int v = 0; v < d->nvalues; v++)
            if (c->counts[f][v])
                out[n++] = (tb_search_facet_count){d->values[v], c->counts[f][v]};
        for (int i = 1; i < n; i++) /* insertion sort: facets have few values */
            for (int j = i; j > 0 && (out[j].count > out[j - 1].count ||
                                      (out[j].count == out[j - 1].count && strcmp(out[j].value, out[j - 1].value) < 0));
                 j--) {
                tb_search_facet_count t = out[j];
                out[j] = out[j - 1];
                out[j - 1] = t;
            }
        c->res->facets[f] = out;
        c->res->nfacet_values[f] = n;
    }
}

static void page(collector *c)
{
    qsort(c->heap, (size_t)c->nheap, sizeof *c->heap, best_first);
    int from = c->req->offset > 0 ? c->req->offset : 0;
    int n = c->nheap > from ? c->nheap - from : 0;
    c->res->hits = xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *c->res->hits);
    memcpy(c->res->hits, c->heap + from, (size_t)n * sizeof *c->res->hits);
    c->res->nhits = n;
}

static void evaluate(collector *c, const plan *p)
{
    scratch *w = scratch_get(c->s->nslot);
    uint32_t must = 0, should = 0, not = 0;
    w->q_epoch++;
    w->nq = 0;
    for (int i = 0; i < p->n; i++) {
        eval_concept(c->s, w, &p->c[i], i);
        *(p->c[i].mode == C_MUST ? &must : p->c[i].mode == C_SHOULD ? &should : &not) |= 1u << i;
    }
    if (must | should) {
        select_hits(c, w, must, should, not);
        return;
    }
    if (c->req->nfilters) /* only exclusions and filters: browse what is left */
        for (uint32_t slot = 0; slot < c->s->nslot; slot++)
            if (!(w->q[slot].stamp == w->q_epoch && (w->q[slot].full & not)))
                keep(c, slot, 0);
}

int tb_search_run(const tb_search *s, const tb_search_request *req, tb_search_result *res)
{
    if (!s || !req || !res)
        return -1;
    memset(res, 0, sizeof *res);
    collector c = {.s = s, .req = req, .res = res};
    int limit = req->limit > 0 ? req->limit : 10;
    c.k = (req->offset > 0 ? req->offset : 0) + limit;
    c.heap = xrealloc(NULL, (size_t)c.k * sizeof *c.heap);
    c.ngroups = filter_groups(s, req, c.groups, MAX_FACETS);
    for (int f = 0; f < req->nfacets && f < 16; f++) {
        c.facet_ids[f] = find_facet(s, req->facets[f]);
        c.counts[f] = c.facet_ids[f] >= 0 ? calloc((size_t)s->facets[c.facet_ids[f]].nvalues + 1, sizeof(int)) : NULL;
    }
    if (c.ngroups >= 0) {
        plan *p = xrealloc(NULL, sizeof *p);
        plan_build(s, req, p);
        if (p->n)
            evaluate(&c, p);
        else if (!req->q && !req->all && !req->any && req->nfilters)
            browse(&c);
        free(p);
    }
    page(&c);
    facet_results(&c);
    for (int f = 0; f < req->nfacets && f < 16; f++)
        free(c.counts[f]);
    free(c.heap);
    return 0;
}

void tb_search_result_free(tb_search_result *res)
{
    if (!res)
        return;
    free(res->hits);
    for (int f = 0; f < 16; f++)
        free(res->facets[f]);
    memset(res, 0, sizeof *res);
}

int tb_search_query(const tb_search *s, const char *q, tb_search_hit *hits, int max)
{
    if (!s || !q || max <= 0)
        return 0;
    tb_search_request req = {.q = q, .limit = max};
    tb_search_result res;
    if (tb_search_run(s, &req, &res) != 0)
        return 0;
    memcpy(hits, res.hits, (size_t)res.nhits * sizeof *hits);
    int n = res.nhits;
    tb_search_result_free(&res);
    return n;
}
