/* What the rows of one response share: the halls they belong to (copied from
 * the hall cache once per request, not once per row) and the names of their
 * matters. A list of tickets or bookings builds one lookup and hands it to
 * every row; a single row gets one of its own. Lives in the request arena. */
#include <string.h>

#include "mod/booking/booking_internal.h"

typedef struct hall_memo {
    const bk_hall *h; /* NULL: no such hall (asked once all the same) */
    int64_t id;
    struct hall_memo *next;
} hall_memo;

typedef struct name_memo {
    const char *code, *name;
    struct name_memo *next;
} name_memo;

struct bk_lookup {
    tb_req *r;
    hall_memo *halls;
    name_memo *names;
};

bk_lookup *bk_lookup_new(tb_req *r)
{
    bk_lookup *lk = tb_arena_alloc(r->arena, sizeof *lk);
    lk->r = r;
    return lk;
}

static void remember(bk_lookup *lk, int64_t id, const bk_hall *h)
{
    hall_memo *m = tb_arena_alloc(lk->r->arena, sizeof *m);
    *m = (hall_memo){h, id, lk->halls};
    lk->halls = m;
}

void bk_lookup_add_hall(bk_lookup *lk, const bk_hall *h) { remember(lk, h->id, h); }

const bk_hall *bk_lookup_hall(bk_lookup *lk, int64_t id)
{
    for (hall_memo *m = lk->halls; m; m = m->next)
        if (m->id == id)
            return m->h;
    bk_hall *h = tb_arena_alloc(lk->r->arena, sizeof *h);
    if (bk_hall_get(lk->r, id, h) != 0)
        h = NULL;
    remember(lk, id, h);
    return h;
}

const char *bk_lookup_matter_name(bk_lookup *lk, int64_t hall, const char *code)
{
    const bk_hall *h = bk_lookup_hall(lk, hall);
    const bk_hall_matter *hm = h ? bk_hall_find_matter(h, code) : NULL;
    if (hm) /* the cache knows the matter's name and status (it follows the catalog epoch) */
        return hm->published ? hm->name : NULL;
    for (name_memo *m = lk->names; m; m = m->next)
        if (!strcmp(m->code, code))
            return m->name;
    /* a matter the hall no longer serves: asked once per request */
    name_memo *m = tb_arena_alloc(lk->r->arena, sizeof *m);
    *m = (name_memo){tb_arena_strdup(lk->r->arena, code), bk_store_matter_name(lk->r, code), lk->names};
    lk->names = m;
    return m->name;
}
