/* The hall cache: every hall with its opening hours already parsed, its open
 * windows and its matters with quotas, held once per process. Halls are read
 * on every booking, slot listing, queue poll and hall screen; before this
 * each read queried the hall and parsed its hours JSON.
 *
 * One snapshot is current, replaced whole when the database's epochs move
 * (the 'halls' epoch, bumped in the transaction of every hall write, and what
 * the names in it come from: the 'catalog' epoch and the departments). The
 * epochs are asked at most once a second per process, like the catalog and
 * the calendar do, and at once after a write on this node
 * (bk_cache_invalidate), so this node sees its own writes immediately and
 * other nodes' within a second. Readers copy what they need into the request
 * arena under the read lock, so a snapshot is freed as soon as it is
 * replaced and nothing of it outlives the lock. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/booking/booking_internal.h"

typedef struct {
    int64_t epochs[3];
    tb_arena *mem; /* everything below */
    bk_hall *halls; /* by id */
    int n, cap;
} snapshot;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER; /* guards current */
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER; /* one rebuild at a time */
static snapshot *current;
static _Atomic int64_t last_check;

static void snapshot_free(snapshot *s)
{
    if (s)
        tb_arena_free(s->mem), free(s);
}

/* ---- building ---- */
static bk_hall *find(bk_hall *halls, int n, int64_t id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (halls[mid].id == id)
            return &halls[mid];
        if (halls[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* Grows *arr (n used of *cap) in the arena for one more element. */
static void *grow(tb_arena *a, void *arr, int n, int *cap, size_t size)
{
    if (n < *cap)
        return arr;
    int ncap = *cap ? *cap * 2 : 8;
    void *bigger = tb_arena_alloc(a, (size_t)ncap * size);
    if (n)
        memcpy(bigger, arr, (size_t)n * size);
    *cap = ncap;
    return bigger;
}

/* The rows arrive ordered by hall: windows and matters are appended to the array of the hall in hand. */
typedef struct {
    snapshot *s;
    bk_hall *wat, *mat; /* the hall whose windows / matters are being appended */
    int wcap, mcap;
} builder;

static void on_hall(void *arg, const bk_hall *row, const char *hours)
{
    snapshot *s = ((builder *)arg)->s;
    s->halls = grow(s->mem, s->halls, s->n, &s->cap, sizeof *s->halls);
    bk_hall *h = &s->halls[s->n++];
    *h = *row;
    const char **str[] = {&h->name, &h->address, &h->region, &h->lng, &h->lat, &h->phone, &h->validity, &h->status,
                          &h->department_name};
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
        *str[i] = tb_arena_strdup(s->mem, *str[i]);
    json_t *j = json_loads(hours, 0, NULL);
    const char *why = NULL;
    if (bk_hours_from_json(j, &h->hours, &why) != 0) {
        memset(&h->hours, 0, sizeof h->hours); /* unreadable hours: closed rather than guessed */
        tb_warn("booking: hall %lld has unreadable hours: %s", (long long)h->id, why ? why : "");
    }
    json_decref(j);
}

/* The hall of id, switching *at when the rows reach the next hall; NULL for a row of a hall created after
 * the halls were read (the epoch it bumped brings both next time). */
static bk_hall *hall_of(snapshot *s, bk_hall **at, int *cap, int64_t id)
{
    if (!*at || (*at)->id != id) {
        *at = find(s->halls, s->n, id);
        *cap = 0;
    }
    return *at;
}

static void on_window(void *arg, int64_t hall, const bk_window *w)
{
    builder *b = arg;
    bk_hall *h = hall_of(b->s, &b->wat, &b->wcap, hall);
    if (!h)
        return;
    tb_arena *a = b->s->mem;
    bk_window *ws = grow(a, (void *)h->windows, h->nwindows, &b->wcap, sizeof *ws);
    ws[h->nwindows++] = (bk_window){w->id, tb_arena_strdup(a, w->no), tb_arena_strdup(a, w->name),
                                    tb_arena_strdup(a, w->matters)};
    h->windows = ws;
}

static void on_matter(void *arg, int64_t hall, const bk_hall_matter *m)
{
    builder *b = arg;
    bk_hall *h = hall_of(b->s, &b->mat, &b->mcap, hall);
    if (!h)
        return;
    tb_arena *a = b->s->mem;
    bk_hall_matter *ms = grow(a, (void *)h->matters, h->nmatters, &b->mcap, sizeof *ms);
    ms[h->nmatters] = *m;
    ms[h->nmatters].code = tb_arena_strdup(a, m->code);
    ms[h->nmatters].name = tb_arena_strdup(a, m->name);
    h->nmatters++;
    h->matters = ms;
}

static snapshot *build(tb_db *db, const int64_t epochs[3])
{
    snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->mem = tb_arena_new(64 * 1024);
    memcpy(s->epochs, epochs, sizeof s->epochs);
    static const bk_hall_rows fn = {on_hall, on_window, on_matter};
    builder b = {.s = s};
    if (bk_store_hall_rows(db, &fn, &b) != 0) {
        tb_warn("booking: hall cache not loaded: %s", tb_db_errmsg(db));
        snapshot_free(s);
        return NULL;
    }
    return s;
}

/* ---- freshness ---- */
static bool have_current(void)
{
    pthread_rwlock_rdlock(&lock);
    bool have = current != NULL;
    pthread_rwlock_unlock(&lock);
    return have;
}

static bool is_current(const int64_t epochs[3])
{
    pthread_rwlock_rdlock(&lock);
    bool same = current && !memcmp(current->epochs, epochs, sizeof current->epochs);
    pthread_rwlock_unlock(&lock);
    return same;
}

/* Epochs first, then the rows: a snapshot is never older than the epochs it is filed under. */
static void refresh(tb_db *db)
{
    int64_t now = tb_now();
    /* one thread per second asks the database; the others use the snapshot they have */
    bool due = atomic_exchange(&last_check, now) != now;
    if (!due && have_current())
        return;
    int64_t epochs[3];
    if (bk_store_hall_epochs(db, epochs) != 0)
        return; /* keep what we have; the next second asks again */
    if (is_current(epochs))
        return;
    pthread_mutex_lock(&build_lock);
    snapshot *fresh = is_current(epochs) ? NULL : build(db, epochs), *old = NULL;
    if (fresh) {
        pthread_rwlock_wrlock(&lock);
        old = current;
        current = fresh;
        pthread_rwlock_unlock(&lock);
        tb_info("booking: hall cache loaded, %d halls (epoch %lld)", fresh->n, (long long)epochs[0]);
    }
    pthread_mutex_unlock(&build_lock);
    snapshot_free(old);
}

void bk_cache_invalidate(void) { atomic_store(&last_check, 0); }

/* ---- reading ---- */
static void copy_hall(tb_arena *a, const bk_hall *from, bk_hall *to)
{
    *to = *from;
    const char **str[] = {&to->name, &to->address, &to->region, &to->lng, &to->lat, &to->phone, &to->validity,
                          &to->status, &to->department_name};
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++)
        *str[i] = tb_arena_strdup(a, *str[i]);
    bk_window *w = tb_arena_alloc(a, (size_t)from->nwindows * sizeof *w + 1);
    for (int i = 0; i < from->nwindows; i++)
        w[i] = (bk_window){from->windows[i].id, tb_arena_strdup(a, from->windows[i].no),
                           tb_arena_strdup(a, from->windows[i].name), tb_arena_strdup(a, from->windows[i].matters)};
    bk_hall_matter *m = tb_arena_alloc(a, (size_t)from->nmatters * sizeof *m + 1);
    for (int i = 0; i < from->nmatters; i++) {
        m[i] = from->matters[i];
        m[i].code = tb_arena_strdup(a, m[i].code);
        m[i].name = tb_arena_strdup(a, m[i].name);
    }
    to->windows = w;
    to->matters = m;
}

int bk_hall_get(tb_req *r, int64_t id, bk_hall *out)
{
    refresh(r->db);
    pthread_rwlock_rdlock(&lock);
    const bk_hall *h = current ? find(current->halls, current->n, id) : NULL;
    if (h)
        copy_hall(r->arena, h, out);
    pthread_rwlock_unlock(&lock);
    return h ? 0 : -1;
}

static bool listed(const bk_hall *h, const char *matter, const char *region)
{
    if (region && strncmp(h->region, region, strlen(region)))
        return false;
    const bk_hall_matter *m = matter ? bk_hall_find_matter(h, matter) : NULL;
    return !matter || (m && m->bookable);
}

int bk_halls_each(tb_req *r, const char *matter, const char *region, void (*fn)(tb_req *, const bk_hall *, void *),
                  void *arg)
{
    refresh(r->db);
    pthread_rwlock_rdlock(&lock);
    bool loaded = current != NULL;
    int n = 0;
    bk_hall *copies = tb_arena_alloc(r->arena, (current ? (size_t)current->n : 0) * sizeof *copies + 1);
    for (int i = 0; loaded && i < current->n; i++)
        if (listed(&current->halls[i], matter, region))
            copy_hall(r->arena, &current->halls[i], &copies[n++]);
    pthread_rwlock_unlock(&lock);
    for (int i = 0; i < n; i++) /* outside the lock: fn may read halls itself */
        fn(r, &copies[i], arg);
    return loaded ? 0 : -1;
}

const bk_window *bk_hall_window(const bk_hall *h, int64_t id)
{
    for (int i = 0; i < h->nwindows; i++)
        if (h->windows[i].id == id)
            return &h->windows[i];
    return NULL;
}

const bk_hall_matter *bk_hall_find_matter(const bk_hall *h, const char *code)
{
    for (int i = 0; i < h->nmatters; i++)
        if (!strcmp(h->matters[i].code, code))
            return &h->matters[i];
    return NULL;
}

int64_t bk_hall_quota(const bk_hall *h, const char *code, bool *served)
{
    const bk_hall_matter *m = bk_hall_find_matter(h, code);
    *served = m != NULL;
    return m && m->bookable ? m->quota : -1;
}

json_t *bk_hall_matters_json(const bk_hall *h)
{
    json_t *a = json_array();
    for (int i = 0; i < h->nmatters; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:I}", "code", h->matters[i].code, "name",
                                           h->matters[i].name, "bookable", h->matters[i].bookable, "quota",
                                           (json_int_t)h->matters[i].quota));
    return a;
}

json_t *bk_hall_windows_json(const bk_hall *h)
{
    json_t *a = json_array();
    for (int i = 0; i < h->nwindows; i++)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)h->windows[i].id, "no",
                                           h->windows[i].no, "name", h->windows[i].name, "matters",
                                           tb_json_split(h->windows[i].matters)));
    return a;
}
