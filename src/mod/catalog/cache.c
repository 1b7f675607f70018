/* The catalog snapshot: published matters with their guide and summary as
 * ready JSON bytes, the search index, regions and code lists. One snapshot
 * is current; each server thread holds a reference to the one it uses, and
 * swaps when the database's catalog or search epoch moves (checked at most
 * once a second), so reads never parse or serialise matters. The search
 * index is built here too: fields and facets of each matter, the built-in
 * synonyms plus the staff's groups (table search_synonyms). */
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

const char *const catalog_facet_names[FACET_COUNT] = {"police", "theme", "online", "object",
                                                      "department", "region", "channel", "appointment"};

/* Fields as the relevance suite measures them (tests/search/corpus.c). */
enum { F_NAME, F_SHORT, F_KEYWORDS, F_BODY };

static void declare_fields(tb_search *idx)
{
    tb_search_field(idx, "name", 4.0, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    tb_search_field(idx, "short_name", 3.0, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    tb_search_field(idx, "keywords", 1.5, 0);
    tb_search_field(idx, "body", 0.5, 0);
    for (int f = 0; f < FACET_COUNT; f++)
        tb_search_facet(idx, catalog_facet_names[f]);
}

/* A listed code covers itself and its descendants (GB/T 2260 structure). */
static bool covers(const char *listed, const char *region)
{
    if (!strcmp(listed, region))
        return true;
    if (!strcmp(listed + 2, "0000"))
        return !strncmp(listed, region, 2);
    if (!strcmp(listed + 4, "00"))
        return !strncmp(listed, region, 4);
    return false;
}

static void index_matter(catalog_snapshot *s, int doc, const json_t *g)
{
    tb_search *idx = s->index;
    size_t i;
    json_t *v;
    tb_search_text(idx, doc, F_NAME, tb_json_str(g, "name"));
    tb_search_text(idx, doc, F_SHORT, tb_json_str(g, "short_name"));
    tb_search_text(idx, doc, F_KEYWORDS, tb_json_str(g, "police_category_name"));
    tb_search_text(idx, doc, F_KEYWORDS, tb_json_str(g, "theme_name"));
    tb_search_text(idx, doc, F_KEYWORDS, tb_json_str(g, "result_name"));
    json_array_foreach(json_object_get(g, "materials"), i, v) tb_search_text(idx, doc, F_KEYWORDS, tb_json_str(v, "name"));
    tb_search_text(idx, doc, F_BODY, tb_json_str(g, "conditions"));
    json_array_foreach(json_object_get(g, "faq"), i, v) {
        tb_search_text(idx, doc, F_BODY, tb_json_str(v, "q"));
        tb_search_text(idx, doc, F_BODY, tb_json_str(v, "a"));
    }
    tb_search_keyword(idx, doc, FACET_POLICE, tb_json_str(g, "police_category"));
    tb_search_keyword(idx, doc, FACET_THEME, tb_json_str(g, "theme"));
    tb_search_keyword(idx, doc, FACET_ONLINE, tb_json_str(g, "online_level"));
    tb_search_keyword(idx, doc, FACET_DEPARTMENT, tb_json_str(g, "implementer"));
    tb_search_keyword(idx, doc, FACET_APPOINTMENT, json_is_true(json_object_get(g, "appointment")) ? "true" : "false");
    json_array_foreach(json_object_get(g, "service_objects"), i, v) {
        char code[24];
        if (json_is_integer(v)) {
            snprintf(code, sizeof code, "%lld", (long long)json_integer_value(v));
            tb_search_keyword(idx, doc, FACET_OBJECT, code);
        }
    }
    json_array_foreach(json_object_get(g, "channels"), i, v) tb_search_keyword(idx, doc, FACET_CHANNEL, json_string_value(v));
    json_array_foreach(json_object_get(g, "regions"), i, v) {
        const char *listed = json_string_value(v);
        if (!listed || strlen(listed) != 6)
            continue;
        tb_search_keyword(idx, doc, FACET_REGION, listed);
        for (int k = 0; k < s->nregions; k++)
            if (covers(listed, s->regions[k].code))
                tb_search_keyword(idx, doc, FACET_REGION, s->regions[k].code);
    }
}

char *catalog_synonym_rule(const char *words, const char *targets)
{
    size_t n = strlen(words) + strlen(targets) + 8;
    char *rule = malloc(n);
    if (rule)
        snprintf(rule, n, *targets ? "%s => %s" : "%s", words, targets);
    return rule;
}

/* Staff groups on top of the built-in synonyms; a row the engine refuses
 * (it was checked when added) is skipped, not the whole list. */
static void load_synonyms(tb_search *idx, const json_t *rows)
{
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        char *rule = catalog_synonym_rule(tb_json_str(v, "words"), tb_json_str(v, "targets"));
        if (!rule || tb_search_synonyms_load(idx, rule) < 0)
            tb_warn("catalog: synonym group %lld is malformed, skipped", (long long)tb_json_int(v, "id", 0));
        free(rule);
    }
}

int catalog_region_chain(const catalog_snapshot *s, const char *code, const char *out[4])
{
    int n = 0;
    while (code && n < 4) {
        const catalog_region *found = NULL;
        for (int i = 0; i < s->nregions && !found; i++)
            if (!strcmp(s->regions[i].code, code))
                found = &s->regions[i];
        if (!found)
            break;
        out[n++] = found->code;
        code = found->parent;
    }
    return n;
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
    int64_t epoch, search_epoch;
    json_t *all = store_load_all(db, &epoch, &search_epoch);
    if (!all)
        return NULL;
    catalog_snapshot *s = calloc(1, sizeof *s);
    json_t *matters = json_object_get(all, "matters");
    s->matters = calloc(json_array_size(matters) + 1, sizeof *s->matters);
    build_regions(s, json_object_get(all, "regions"));
    s->index = tb_search_new((int)json_array_size(matters));
    declare_fields(s->index);
    load_synonyms(s->index, json_object_get(all, "synonyms"));
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
        index_matter(s, s->nmatters, g);
        s->nmatters++;
    }
    tb_search_build(s->index);
    s->meta = build_meta(json_object_get(all, "meta"));
    s->keep = all;
    s->epoch = epoch;
    s->search_epoch = search_epoch;
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
    int64_t epoch = store_epoch(db), search_epoch = store_search_epoch(db);
    pthread_mutex_lock(&lock);
    if (!current || (epoch >= 0 && epoch != current->epoch) ||
        (search_epoch >= 0 && search_epoch != current->search_epoch)) {
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

void catalog_snapshot_invalidate(void) { atomic_store(&last_check, 0); }

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
