/* Hot searches: a ring of the last queries with their times and who asked
 * (an opaque client key). The top list is counted on demand over the ring,
 * so memory is fixed (capacity x 80 bytes) and recording is a copy under
 * the lock; callers ask for the top list far less often than they record.
 * A query counts once per client key, so one client repeating a query
 * cannot push it up the list. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

typedef struct {
    int64_t at;
    uint64_t client;
    char text[64];
} event;

struct tb_search_hot {
    pthread_mutex_t lock;
    int64_t window;
    event *ring;
    int cap, head, n;
    uint64_t anon; /* keys of tb_search_hot_record: every call a client of its own */
};

tb_search_hot *tb_search_hot_new(int64_t window_seconds, int capacity)
{
    tb_search_hot *h = xrealloc(NULL, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    h->window = window_seconds > 0 ? window_seconds : 86400;
    h->cap = capacity > 0 ? capacity : 10000;
    h->ring = xrealloc(NULL, (size_t)h->cap * sizeof *h->ring);
    h->head = h->n = 0;
    h->anon = 0;
    return h;
}

void tb_search_hot_free(tb_search_hot *h)
{
    if (!h)
        return;
    pthread_mutex_destroy(&h->lock);
    free(h->ring);
    free(h);
}

static void record(tb_search_hot *h, const char *query, int anon, uint64_t client, int64_t now)
{
    char norm[64];
    if (!h || !query || !tb_search_normalize(query, norm, sizeof norm))
        return;
    pthread_mutex_lock(&h->lock);
    if (anon) /* the top bit set: never equal to a caller's key below 2^63 */
        client = (uint64_t)1 << 63 | h->anon++;
    event *e = &h->ring[(h->head + h->n) % h->cap];
    if (h->n < h->cap)
        h->n++;
    else
        h->head = (h->head + 1) % h->cap; /* full: the oldest goes */
    e->at = now;
    e->client = client;
    memcpy(e->text, norm, sizeof norm);
    pthread_mutex_unlock(&h->lock);
}

void tb_search_hot_record(tb_search_hot *h, const char *query, int64_t now) { record(h, query, 1, 0, now); }

void tb_search_hot_record_client(tb_search_hot *h, const char *query, uint64_t client, int64_t now)
{
    record(h, query, 0, client & ~((uint64_t)1 << 63), now);
}

static int by_count(const void *a, const void *b)
{
    const tb_search_hot_entry *x = a, *y = b;
    return x->count != y->count ? y->count - x->count : strcmp(x->text, y->text);
}

/* By text, then client: equal queries side by side, a client's repeats together. */
static int cmp_text(const void *a, const void *b)
{
    const event *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : x->client < y->client ? -1 : x->client > y->client;
}

int tb_search_hot_top(tb_search_hot *h, int64_t now, tb_search_hot_entry *out, int max)
{
    if (!h || max <= 0)
        return 0;
    event *v = xrealloc(NULL, (size_t)h->cap * sizeof *v);
    int n = 0;
    pthread_mutex_lock(&h->lock);
    for (int i = 0; i < h->n; i++) {
        const event *e = &h->ring[(h->head + i) % h->cap];
        if (e->at > now - h->window && e->at <= now)
            v[n++] = *e;
    }
    pthread_mutex_unlock(&h->lock);
    qsort(v, (size_t)n, sizeof *v, cmp_text); /* counted in one pass */
    tb_search_hot_entry *all = xrealloc(NULL, (size_t)(n + 1) * sizeof *all);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k && !strcmp(all[k - 1].text, v[i].text)) {
            if (v[i].client != v[i - 1].client) /* distinct clients only */
                all[k - 1].count++;
            continue;
        }
        memcpy(all[k].text, v[i].text, sizeof all[k].text);
        all[k++].count = 1;
    }
    qsort(all, (size_t)k, sizeof *all, by_count);
    int m = k < max ? k : max;
    memcpy(out, all, (size_t)m * sizeof *out);
    free(all);
    free(v);
    return m;
}
