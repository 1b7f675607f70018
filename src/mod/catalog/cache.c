/* The catalog snapshot: published matters with their guide and summary as
 * ready JSON bytes, the search index, regions and code lists. One snapshot
 * is current; each server thread holds a reference to the one it uses, and
 * swaps when the database's catalog epoch moves (checked at most once a
 * second), so reads never parse or serialise matters. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/catalog/catalog_internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static catalog_snapshot *_Atomic current;
static _Atomic int64_t last_check;
static __thread catalog_snapshot *mine;

static const char *const summary_keys[] = {
    "code", "name", "short_name", "police_category", "police_category_name", "theme", "theme_name",
    "service_objects", "case_type", "case_type_name", "online_level", "online_level_name", "appointment",
    "delivery", "promised_limit", "promised_limit_unit", "fee_required", "visits_required", NULL};

static void release(catalog_snapshot *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (int i = 0; i < s->nmatters; i++) {
        free(s->matters[i].regions);
        free((char *)s->matters[i].summary_bytes);
    }
    free(s->matters);
    free(s->regions);
    free((char *)s->regions_bytes);
    tb_search_free(s->index);
    json_decref(s->meta);
    json_decref(s->keep);
    free(s);
}

static char *dump(const json_t *j, size_t *len)
{
    char *s = json_dumps(j, JSON_COMPACT);
    *len = s ? strlen(s) : 0;
    return s;
}

static void index_matter(tb_search *idx, int doc, const json_t *g)
{
    size_t i;
    json_t *v;
    tb_search_add(idx, doc, tb_json_str(g, "name"), 4);
    tb_search_add(idx, doc, tb_json_str(g, "short_name"), 3);
    tb_search_add(idx, doc, tb_json_str(g, "police_category_name"), 1);
    tb_search_add(idx, doc, tb_json_str(g, "theme_name"), 1);
    tb_search_add(idx, doc, tb_json_str(g, "conditions"), 0.5);
    tb_search_add(idx, doc, tb_json_str(g, "result_name"), 1);
    json_array_foreach(json_object_get(g, "materials"), i, v) tb_search_add(idx, doc, tb_json_str(v, "name"), 0.5);
    json_array_foreach(json_object_get(g, "faq"), i, v) {
        tb_search_add(idx, doc, tb_json_str(v, "q"), 0.5);
        tb_search_add(idx, doc, tb_json_str(v, "a"), 0.25);
    }
}

static void fill_matter(catalog_matter *m, json_t *g, int hot, int sort)
{
    m->guide = g;
    m->code = tb_json_str(g, "code");
    m->name = tb_json_str(g, "name");
    m->police = tb_json_str(g, "police_category");
    m->theme = tb_json_str(g, "theme");
    m->online = tb_json_str(g, "online_level");
    m->appointment = json_is_true(json_object_get(g, "appointment"));
    m->case_type = (int)tb_json_int(g, "case_type", 2);
    m->hot = hot;
    m->sort = sort;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(g, "service_objects"), i, v) {
        if (json_integer_value(v) > 0 && json_integer_value(v) < 32)
            m->objects |= 1u << json_integer_value(v);
    }
    json_array_foreach(json_object_get(g, "channels"), i, v) {
        const char *ch = json_string_value(v);
        m->channel_pc |= ch && !strcmp(ch, "pc");
    }
    json_t *regs = json_object_get(g, "regions");
    m->regions = calloc(json_array_size(regs) + 1, sizeof *m->regions);
    json_array_foreach(regs, i, v) {
        const char *c = json_string_value(v);
        if (c && strlen(c) == 6)
            strcpy(m->regions[m->nregions++], c);
    }
    json_t *summary = json_object();
    for (int k = 0; summary_keys[k]; k++) {
        json_t *val = json_object_get(g, summary_keys[k]);
        if (val)
            json_object_set(summary, summary_keys[k], val);
    }
    m->summary_bytes = dump(summary, &m->summary_len);
    json_decref(summary);
}

static void build_regions(catalog_snapshot *s, json_t *regions)
{
    size_t i;
    json_t *v;
    s->regions = calloc(json_array_size(regions) + 1, sizeof *s->regions);
    json_array_foreach(regions, i, v) {
        catalog_region *r = &s->regions[s->nregions++];
        snprintf(r->code, sizeof r->code, "%s", tb_json_str(v, "code"));
        r->name = tb_json_str(v, "name");
        r->parent = tb_json_str(v, "parent");
        r->level = (int)tb_json_int(v, "level", 0);
    }
    json_t *wrap = json_pack("{s:O}", "items", regions);
    s->regions_bytes = dump(wrap, &s->regions_len);
    json_decref(wrap);
}

/* meta rows [{kind,code,name}] -> {"police_categories":[{code,name}…], …} */
static json_t *build_meta(json_t *rows)
{
    static const char *const lists[][2] = {
        {"police", "police_categories"}, {"theme", "themes"},          {"object", "service_objects"},
        {"online", "online_levels"},     {"matter_type", "matter_types"}, {"exercise_level", "exercise_levels"},
        {"case_status", "case_statuses"}, {NULL, NULL}};
    json_t *meta = json_object();
    for (int k = 0; lists[k][0]; k++)
        json_object_set_new(meta, lists[k][1], json_array());
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        for (int k = 0; lists[k][0]; k++) {
            if (strcmp(tb_json_str(v, "kind"), lists[k][0]))
                continue;
            const char *code = tb_json_str(v, "code");
            json_t *jc = (!strcmp(lists[k][0], "object") || !strcmp(lists[k][0], "exercise_level"))
                             ? json_integer(atoll(code))
                             : json_string(code);
            json_array_append_new(json_object_get(meta, lists[k][1]),
                                  json_pack("{s:o, s:s}", "code", jc, "name", tb_json_str(v, "name")));
        }
    }
    return meta;
}

static catalog_snapshot *build(tb_db *db)
{
    int64_t epoch;
    json_t *all = store_load_all(db, &epoch);
    if (!all)
        return NULL;
    catalog_snapshot *s = calloc(1, sizeof *s);
    json_t *matters = json_object_get(all, "matters");
    s->matters = calloc(json_array_size(matters) + 1, sizeof *s->matters);
    s->index = tb_search_new((int)json_array_size(matters));
    size_t i;
    json_t *row;
    json_array_foreach(matters, i, row) {
        const char *text = tb_json_str(row, "text");
        json_t *g = json_loads(text, 0, NULL);
        if (!json_is_object(g)) {
            json_decref(g);
            tb_warn("catalog: skipping a matter whose guide is not a JSON object");
            continue;
        }
        json_object_set_new(row, "guide", g); /* `keep` owns it */
        catalog_matter *m = &s->matters[s->nmatters];
        m->guide_bytes = text;
        m->guide_len = strlen(text);
        fill_matter(m, g, (int)tb_json_int(row, "hot", 0), (int)tb_json_int(row, "sort", 0));
        index_matter(s->index, s->nmatters, g);
        s->nmatters++;
    }
    tb_search_build(s->index);
    build_regions(s, json_object_get(all, "regions"));
    s->meta = build_meta(json_object_get(all, "meta"));
    s->keep = all;
    s->epoch = epoch;
    atomic_store(&s->refs, 1);
    return s;
}

/* Rebuilds when the epoch moved; returns the current snapshot (borrowed). */
static catalog_snapshot *refresh(tb_db *db)
{
    int64_t now = tb_now();
    /* one thread per second asks the database; the others read the pointer */
    if (current && (atomic_load(&last_check) == now || atomic_exchange(&last_check, now) == now))
        return current;
    int64_t epoch = store_epoch(db);
    pthread_mutex_lock(&lock);
    if (!current || (epoch >= 0 && epoch != current->epoch)) {
        catalog_snapshot *fresh = build(db);
        if (fresh) {
            release(current);
            current = fresh;
            tb_info("catalog: loaded %d published matters (epoch %lld)", fresh->nmatters, (long long)fresh->epoch);
        }
    }
    pthread_mutex_unlock(&lock);
    return current;
}

catalog_snapshot *catalog_snapshot_get(tb_req *r)
{
    catalog_snapshot *cur = refresh(r->db);
    if (cur != mine) {
        pthread_mutex_lock(&lock);
        cur = current;
        if (cur)
            atomic_fetch_add(&cur->refs, 1);
        pthread_mutex_unlock(&lock);
        release(mine);
        mine = cur;
    }
    return mine;
}
