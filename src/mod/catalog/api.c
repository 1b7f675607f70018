/* Routes of the catalog module: code lists, regions, matter search and the
 * matter guide, full-text search, suggestions, hot searches and synonym
 * groups (handlers in search.c). Reads come from the snapshot (cache.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/strx.h"
#include "mod/identity/identity.h"
#include "mod/catalog/catalog_internal.h"
#include "mod/forms/forms.h"
#include "mod/notify/notify.h"

#define MAX_HITS 4096

static catalog_snapshot *snap_or_reply(tb_req *r)
{
    catalog_snapshot *s = catalog_snapshot_get(r);
    if (!s)
        tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    return s;
}

const catalog_matter *catalog_find(tb_req *r, const char *code)
{
    catalog_snapshot *s = catalog_snapshot_get(r);
    for (int i = 0; s && i < s->nmatters; i++)
        if (!strcmp(s->matters[i].code, code))
            return &s->matters[i];
    return NULL;
}

/* A listed code covers itself and its descendants: 230000 covers 23xxxx,
 * 230100 covers 2301xx (GB/T 2260 structure). */
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

bool catalog_region_allowed(const catalog_matter *m, const char *region)
{
    for (int i = 0; i < m->nregions; i++)
        if (covers(m->regions[i], region))
            return true;
    return false;
}

const char *catalog_region_name(tb_req *r, const char *code)
{
    catalog_snapshot *s = catalog_snapshot_get(r);
    for (int i = 0; s && code && i < s->nregions; i++)
        if (!strcmp(s->regions[i].code, code))
            return s->regions[i].name;
    return NULL;
}

const char *catalog_code_name(tb_req *r, const char *kind, const char *code)
{
    catalog_snapshot *s = catalog_snapshot_get(r);
    size_t i;
    json_t *v;
    if (!s || !code)
        return NULL;
    json_array_foreach(json_object_get(s->meta, kind), i, v) {
        json_t *c = json_object_get(v, "code");
        if (json_is_string(c) && !strcmp(json_string_value(c), code))
            return tb_json_str(v, "name");
    }
    return NULL;
}

static void get_meta(tb_req *r)
{
    catalog_snapshot *s = snap_or_reply(r);
    if (!s)
        return;
    json_t *meta = json_deep_copy(s->meta);
    json_object_set_new(meta, "default_region", json_string("230100"));
    json_object_set_new(meta, "sandbox_sms", json_boolean(notify_sms_is_sandbox()));
    json_object_set_new(meta, "sandbox_email", json_boolean(notify_email_is_sandbox()));
    json_object_set_new(meta, "face_verification", json_boolean(identity_face_enabled()));
    json_object_set_new(meta, "sandbox_face", json_boolean(identity_face_sandbox()));
    tb_reply_json(r, 200, meta);
}

static void get_regions(tb_req *r)
{
    catalog_snapshot *s = snap_or_reply(r);
    const char *parent = s ? tb_req_query(r, "parent") : NULL;
    if (!s || r->replied)
        return;
    if (!parent || !*parent) {
        char *copy = tb_arena_strndup(r->arena, s->regions_bytes, s->regions_len);
        return tb_reply_raw(r, 200, "application/json; charset=utf-8", copy, s->regions_len);
    }
    if (strlen(parent) != 6 || !tb_is_digits(parent, 6))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "parent");
    json_t *items = json_array();
    for (int i = 0; i < s->nregions; i++) {
        const catalog_region *g = &s->regions[i];
        if (g->parent && !strcmp(g->parent, parent))
            json_array_append_new(items, json_pack("{s:s, s:s, s:i, s:s}", "code", g->code, "name", g->name,
                                                   "level", g->level, "parent", g->parent));
    }
    tb_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- search and filters ---- */
typedef struct {
    const char *q, *police, *theme, *online, *region, *channel;
    int object, appointment; /* -1 = any */
} filters;

static bool has_string(const json_t *arr, const char *want)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), want)) return true;
    return false;
}

static bool keep(const catalog_matter *m, const filters *f)
{
    if (f->channel ? !has_string(json_object_get(m->guide, "channels"), f->channel) : !m->channel_pc)
        return false;
    if (f->police && strcmp(m->police, f->police))
        return false;
    if (f->theme && (!m->theme || strcmp(m->theme, f->theme)))
        return false;
    if (f->online && strcmp(m->online, f->online))
        return false;
    if (f->object > 0 && !(m->objects & (1u << f->object)))
        return false;
    if (f->appointment >= 0 && m->appointment != (f->appointment == 1))
        return false;
    return !f->region || catalog_region_allowed(m, f->region);
}

static int read_filters(tb_req *r, filters *f)
{
    const char *obj, *appt;
    memset(f, 0, sizeof *f);
    f->q = tb_req_query(r, "q");
    f->police = tb_req_query(r, "police");
    f->theme = tb_req_query(r, "theme");
    f->online = tb_req_query(r, "online");
    f->region = tb_req_query(r, "region");
    f->channel = tb_req_query(r, "channel");
    obj = tb_req_query(r, "object");
    appt = tb_req_query(r, "appointment");
    if (r->replied)
        return -1;
#define EMPTY_TO_NULL(x) if (x && !*x) x = NULL
    EMPTY_TO_NULL(f->q); EMPTY_TO_NULL(f->police); EMPTY_TO_NULL(f->theme); EMPTY_TO_NULL(f->online);
    EMPTY_TO_NULL(f->region); EMPTY_TO_NULL(f->channel); EMPTY_TO_NULL(obj); EMPTY_TO_NULL(appt);
#undef EMPTY_TO_NULL
    if (f->q && tb_json_cp_len(f->q) > 50)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "q"), -1;
    if (f->online && strcmp(f->online, "full") && strcmp(f->online, "partial") && strcmp(f->online, "window"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "online"), -1;
    if (f->region && (strlen(f->region) != 6 || !tb_is_digits(f->region, 6)))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "region"), -1;
    if (f->channel && strcmp(f->channel, "pc") && strcmp(f->channel, "mobile") && strcmp(f->channel, "kiosk"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "channel"), -1;
    f->object = obj ? atoi(obj) : 0;
    if (obj && (strlen(obj) != 1 || f->object < 1 || f->object > 9))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "object"), -1;
    f->appointment = !appt ? -1 : !strcmp(appt, "true") ? 1 : !strcmp(appt, "false") ? 0 : -2;
    if (f->appointment == -2)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "appointment"), -1;
    return 0;
}

/* Writes {"items":[summary…],"total":N} from ready bytes, no re-serialising. */
static void reply_summaries(tb_req *r, catalog_snapshot *s, const int *docs, int n, int64_t from, int64_t count)
{
    size_t cap = 64, len = 0;
    int64_t end = from + count < n ? from + count : n;
    for (int64_t i = from; i < end; i++)
        cap += s->matters[docs[i]].summary_len + 1;
    char *out = tb_arena_alloc(r->arena, cap + 32);
    len += (size_t)sprintf(out, "{\"items\":[");
    for (int64_t i = from; i < end; i++) {
        const catalog_matter *m = &s->matters[docs[i]];
        if (i > from)
            out[len++] = ',';
        memcpy(out + len, m->summary_bytes, m->summary_len);
        len += m->summary_len;
    }
    len += (size_t)sprintf(out + len, "],\"total\":%d}", n);
    tb_reply_raw(r, 200, "application/json; charset=utf-8", out, len);
}

static void get_matters(tb_req *r)
{
    filters f;
    int64_t page, size;
    catalog_snapshot *s = snap_or_reply(r);
    if (!s || read_filters(r, &f) != 0 || tb_req_page(r, &page, &size) != 0)
        return;
    int *docs = tb_arena_alloc(r->arena, sizeof(int) * (size_t)(s->nmatters + 1)), n = 0;
    if (f.q) {
        tb_search_hit *hits = tb_arena_alloc(r->arena, sizeof *hits * (size_t)(s->nmatters + 1));
        int nh = tb_search_query(s->index, f.q, hits, s->nmatters);
        for (int i = 0; i < nh; i++)
            if (keep(&s->matters[hits[i].doc], &f))
                docs[n++] = hits[i].doc;
    } else {
        for (int i = 0; i < s->nmatters; i++)
            if (keep(&s->matters[i], &f))
                docs[n++] = i;
    }
    reply_summaries(r, s, docs, n, (page - 1) * size, size);
}

static int by_hot(const void *a, const void *b, void *arg)
{
    const catalog_matter *m = arg;
    const catalog_matter *x = &m[*(const int *)a], *y = &m[*(const int *)b];
    int hx = x->hot > 0 ? x->hot : 1 << 20, hy = y->hot > 0 ? y->hot : 1 << 20;
    return hx != hy ? hx - hy : x->sort - y->sort;
}

static void get_hot(tb_req *r)
{
    catalog_snapshot *s = snap_or_reply(r);
    if (!s)
        return;
    int *docs = tb_arena_alloc(r->arena, sizeof(int) * (size_t)(s->nmatters + 1)), n = 0;
    for (int i = 0; i < s->nmatters; i++)
        if (s->matters[i].channel_pc)
            docs[n++] = i;
    qsort_r(docs, (size_t)n, sizeof *docs, by_hot, s->matters);
    reply_summaries(r, s, docs, n < 8 ? n : 8, 0, 8);
}

static void get_matter(tb_req *r)
{
    const catalog_matter *m = catalog_find(r, r->params[0]);
    if (!m)
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "code");
    identity_footprint_record(r, m->code); /* 我的足迹 of a signed-in citizen */
    char *copy = tb_arena_strndup(r->arena, m->guide_bytes, m->guide_len);
    tb_reply_raw(r, 200, "application/json; charset=utf-8", copy, m->guide_len);
}

static void post_form_validate(tb_req *r)
{
    json_t *form = NULL;
    tb_jfield spec[] = {TB_JOBJ("form", &form, true), TB_JEND};
    const catalog_matter *m = catalog_find(r, r->params[0]);
    if (!m)
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "code");
    if (!tb_req_json_spec(r, spec))
        return;
    json_t *errors = forms_validate(r, json_object_get(m->guide, "form"), form);
    if (!errors)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o}", "errors", errors));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/meta", get_meta, TB_AUTH_PUBLIC, NULL, 0, "catalog", "代码表（警种、主题、服务对象等）"},
    {"GET", "/api/v1/regions", get_regions, TB_AUTH_PUBLIC, NULL, 0, "catalog", "行政区划（GB/T 2260）"},
    {"GET", "/api/v1/matters", get_matters, TB_AUTH_PUBLIC, NULL, 0, "catalog", "事项检索与筛选"},
    {"GET", "/api/v1/matters/hot", get_hot, TB_AUTH_PUBLIC, NULL, 0, "catalog", "热门事项"},
    {"GET", "/api/v1/matters/{code}", get_matter, TB_AUTH_PUBLIC, NULL, 0, "catalog", "办事指南"},
    {"POST", "/api/v1/matters/{code}/form/validate", post_form_validate, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "catalog",
     "表单校验（与提交时同一规则）"},
    /* search.c */
    {"GET", "/api/v1/search", catalog_get_search, TB_AUTH_PUBLIC, NULL, 0, "catalog",
     "全文检索：高亮、分面筛选、高级检索（全部包含/包含任意/不包含、-词排除）、拼音与纠错"},
    {"GET", "/api/v1/search/suggest", catalog_get_suggest, TB_AUTH_PUBLIC, NULL, 0, "catalog",
     "输入提示（前缀、拼音、首字母）"},
    {"GET", "/api/v1/search/hot", catalog_get_search_hot, TB_AUTH_PUBLIC, NULL, 0, "catalog",
     "热门搜索（近24小时，至少3个不同访问者搜索过）"},
    {"GET", "/api/v1/admin/search/synonyms", catalog_get_synonyms, TB_AUTH_STAFF, "search.synonym.write", 0,
     "catalog", "搜索同义词组列表（含内置词组）"},
    {"POST", "/api/v1/admin/search/synonyms", catalog_post_synonym, TB_AUTH_STAFF, "search.synonym.write", TB_R_JSON,
     "catalog", "新增搜索同义词组"},
    {"DELETE", "/api/v1/admin/search/synonyms/{id}", catalog_delete_synonym, TB_AUTH_STAFF, "search.synonym.write", 0,
     "catalog", "删除搜索同义词组"},
};

void catalog_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
