/* The search routes of the catalog (their rows are in api.c's route table):
 * the full search with highlights, facets and filters, the advanced query
 * and paging; suggestions as the user types; hot searches from the query
 * log; and the staff's synonym groups. Queries run on the snapshot's index
 * (cache.c), which every node rebuilds when the catalog or search epoch
 * moves.
 *
 * Hot searches are counted per node, in memory, over the last 24 hours:
 * only queries that found matters, only on their first page, without digit
 * runs that could be an identifier; each client (a keyed hash of its
 * address, the key random per process and never stored) counts once per
 * query, and a query is listed only when HOT_MIN_CLIENTS clients asked it,
 * so one person cannot plant a term and nothing about a person is kept. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/catalog/catalog_internal.h"

#define Q_MAX_CHARS 50
#define MAX_VALUES 16
#define SUMMARY_CHARS 60
#define HOT_WINDOW (24 * 3600)
#define HOT_CAPACITY 20000
#define HOT_MIN_CLIENTS 3
#define SYN_MAX_WORDS 16
#define SYN_MAX_CHARS 20
/* The consultation channels: online human agents (src/mod/agent, the portal's /agent page) and the
 * hotline (the portal shows the same number, web/portal/src/store.js HOTLINE). */
#define CONSULT_HOTLINE "12345"

/* Facets counted for the result page, in display order. */
static const int shown[] = {FACET_POLICE, FACET_DEPARTMENT, FACET_REGION, FACET_OBJECT,
                            FACET_THEME,  FACET_ONLINE,     FACET_APPOINTMENT};
#define NSHOWN ((int)(sizeof shown / sizeof shown[0]))

/* ---- input */

typedef struct {
    const char *q, *all, *any, *none;
    tb_search_filter filters[FACET_COUNT * MAX_VALUES];
    int facet_of[FACET_COUNT * MAX_VALUES];
    int nfilters;
    unsigned filtered; /* bit f: facet f is filtered */
} search_in;

static const char *nonempty(tb_req *r, const char *key)
{
    const char *v = tb_req_query(r, key);
    return v && *v ? v : NULL;
}

static bool one_of(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(v, *set))
            return true;
    return false;
}

static bool valid_value(int facet, const char *v)
{
    static const char *const online[] = {"full", "partial", "window", NULL};
    static const char *const channels[] = {"pc", "mobile", "kiosk", NULL};
    static const char *const booleans[] = {"true", "false", NULL};
    size_t n = strlen(v);
    switch (facet) {
    case FACET_ONLINE: return one_of(v, online);
    case FACET_CHANNEL: return one_of(v, channels);
    case FACET_APPOINTMENT: return one_of(v, booleans);
    case FACET_OBJECT: return n >= 1 && n <= 2 && tb_is_digits(v, n) && atoi(v) >= 1;
    case FACET_REGION: return n == 6 && tb_is_digits(v, 6);
    case FACET_DEPARTMENT: return n > 0 && tb_json_cp_len(v) <= 64;
    default: return tb_is_token(v, 32);
    }
}

/* A parameter of comma-separated values of one facet (same facet: any of them). */
static int read_facet(tb_req *r, search_in *in, int facet, const char *dflt)
{
    const char *name = catalog_facet_names[facet];
    const char *raw = nonempty(r, name);
    if (r->replied)
        return -1;
    if (!raw)
        raw = dflt;
    if (!raw)
        return 0;
    char *copy = tb_arena_strdup(r->arena, raw);
    int count = 0;
    for (char *save = NULL, *v = strtok_r(copy, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
        if (++count > MAX_VALUES || !valid_value(facet, v))
            return tb_reply_err(r, TB_E_INVALID_FIELD, name), -1;
        in->filters[in->nfilters] = (tb_search_filter){catalog_facet_names[facet], v};
        in->facet_of[in->nfilters++] = facet;
        in->filtered |= 1u << facet;
    }
    return 0;
}

static int read_text(tb_req *r, const char *key, const char **out)
{
    *out = nonempty(r, key);
    if (r->replied)
        return -1;
    if (*out && tb_json_cp_len(*out) > Q_MAX_CHARS)
        return tb_reply_err(r, TB_E_INVALID_FIELD, key), -1;
    return 0;
}

static int read_search(tb_req *r, search_in *in)
{
    memset(in, 0, sizeof *in);
    if (read_text(r, "q", &in->q) || read_text(r, "all", &in->all) || read_text(r, "any", &in->any) ||
        read_text(r, "none", &in->none))
        return -1;
    for (int f = 0; f < FACET_COUNT; f++)
        if (read_facet(r, in, f, f == FACET_CHANNEL ? "pc" : NULL) != 0) /* the portal's channel unless asked */
            return -1;
    return 0;
}

/* ---- running */

static int run(const catalog_snapshot *s, const search_in *in, int skip_facet, const int *facets, int nfacets,
               int offset, int limit, tb_search_result *res)
{
    tb_search_filter filters[FACET_COUNT * MAX_VALUES];
    const char *names[16];
    int n = 0;
    for (int i = 0; i < in->nfilters; i++)
        if (in->facet_of[i] != skip_facet)
            filters[n++] = in->filters[i];
    for (int f = 0; f < nfacets; f++)
        names[f] = catalog_facet_names[facets[f]];
    tb_search_request req = {.q = in->q, .all = in->all, .any = in->any, .none = in->none, .filters = filters,
                             .nfilters = n, .facets = names, .nfacets = nfacets, .offset = offset, .limit = limit};
    return tb_search_run(s->index, &req, res);
}

/* ---- HTML-safe highlights: everything escaped, only <em> added */

static size_t esc(char *out, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            memcpy(out + o, rep, strlen(rep));
            o += strlen(rep);
        } else {
            out[o++] = p[i];
        }
    }
    return o;
}

/* The whole text, escaped, with the query's matches in <em>. */
static char *mark_html(tb_req *r, const tb_search *idx, const char *hq, const char *text)
{
    tb_search_span sp[64];
    size_t len = strlen(text);
    int n = hq ? tb_search_highlight(idx, hq, text, sp, 64) : 0;
    char *out = tb_arena_alloc(r->arena, len * 6 + (size_t)n * 9 + 1);
    size_t o = 0, at = 0;
    for (int i = 0; i < n; i++) {
        if (sp[i].start < at || sp[i].end > len)
            continue;
        o += esc(out + o, text + at, sp[i].start - at);
        memcpy(out + o, "<em>", 4), o += 4;
        o += esc(out + o, text + sp[i].start, sp[i].end - sp[i].start);
        memcpy(out + o, "</em>", 5), o += 5;
        at = sp[i].end;
    }
    o += esc(out + o, text + at, len - at);
    out[o] = '\0';
    return out;
}

/* A snippet of about SUMMARY_CHARS characters around the first match:
 * the engine marks matches with \001 \002 (taken out of the text first),
 * which become <em> </em> once the rest is escaped. */
static char *snippet_html(tb_req *r, const tb_search *idx, const char *hq, const char *text)
{
    char *clean = tb_arena_strdup(r->arena, text);
    for (char *c = clean; *c; c++)
        if (*c == '\001' || *c == '\002')
            *c = ' ';
    size_t cap = strlen(clean) + 512;
    char *raw = tb_arena_alloc(r->arena, cap);
    size_t n = tb_search_snippet(idx, hq ? hq : "", clean, "\001", "\002", SUMMARY_CHARS, raw, cap);
    char *out = tb_arena_alloc(r->arena, n * 6 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '\001')
            memcpy(out + o, "<em>", 4), o += 4;
        else if (raw[i] == '\002')
            memcpy(out + o, "</em>", 5), o += 5;
        else
            o += esc(out + o, raw + i, 1);
    }
    out[o] = '\0';
    return out;
}

/* The first of the guide's texts (conditions, result, materials, FAQ) that
 * matches the query, as a snippet; the conditions when none does. */
static char *summary_html(tb_req *r, const tb_search *idx, const char *hq, const json_t *g)
{
    const char *texts[64];
    int n = 0;
    size_t i;
    json_t *v;
    texts[n++] = tb_json_str(g, "conditions");
    texts[n++] = tb_json_str(g, "result_name");
    json_array_foreach(json_object_get(g, "materials"), i, v) if (n < 62) texts[n++] = tb_json_str(v, "name");
    json_array_foreach(json_object_get(g, "faq"), i, v) {
        if (n < 62)
            texts[n++] = tb_json_str(v, "q");
        if (n < 62)
            texts[n++] = tb_json_str(v, "a");
    }
    tb_search_span sp[1];
    for (int k = 0; hq && k < n; k++)
        if (texts[k] && *texts[k] && tb_search_highlight(idx, hq, texts[k], sp, 1) > 0)
            return snippet_html(r, idx, hq, texts[k]);
    return snippet_html(r, idx, NULL, texts[0] ? texts[0] : "");
}

/* ---- facet labels */

static const char *meta_name(const catalog_snapshot *s, const char *list, const char *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(s->meta, list), i, v) {
        json_t *c = json_object_get(v, "code");
        char buf[24];
        const char *cs = json_string_value(c);
        if (json_is_integer(c)) {
            snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(c));
            cs = buf;
        }
        if (cs && !strcmp(cs, code))
            return tb_json_str(v, "name");
    }
    return NULL;
}

static const catalog_region *region_of(const catalog_snapshot *s, const char *code)
{
    for (int i = 0; i < s->nregions; i++)
        if (!strcmp(s->regions[i].code, code))
            return &s->regions[i];
    return NULL;
}

/* Appends a facet's values with labels; regions below the city level are
 * left out of the list (filtering by a district code still works). */
static void facet_json(const catalog_snapshot *s, json_t *facets, int facet, const tb_search_facet_count *fc, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        const char *v = fc[i].value, *name = NULL;
        switch (facet) {
        case FACET_POLICE: name = meta_name(s, "police_categories", v); break;
        case FACET_THEME: name = meta_name(s, "themes", v); break;
        case FACET_ONLINE: name = meta_name(s, "online_levels", v); break;
        case FACET_OBJECT: name = meta_name(s, "service_objects", v); break;
        case FACET_APPOINTMENT: name = !strcmp(v, "true") ? "可网上预约" : "无需预约"; break;
        case FACET_REGION: {
            const catalog_region *g = region_of(s, v);
            if (!g || g->level > 2)
                continue;
            name = g->name;
            break;
        }
        default: name = v;
        }
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i}", "value", v, "name", name ? name : v, "count",
                                             fc[i].count));
    }
    json_object_set_new(facets, catalog_facet_names[facet], arr);
}

/* ---- hot searches */

static tb_search_hot *hot;
static unsigned char hot_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hot_once = PTHREAD_ONCE_INIT;

static void hot_init(void)
{
    hot = tb_search_hot_new(HOT_WINDOW, HOT_CAPACITY);
    tb_random_bytes(hot_key, sizeof hot_key);
}

/* Text worth counting: short, and no run of 6+ digits (an ID or phone number). */
static bool countable(const char *q)
{
    int digits = 0;
    if (strlen(q) >= sizeof(((tb_search_hot_entry *)0)->text))
        return false;
    for (const char *c = q; *c; c++) {
        digits = (*c >= '0' && *c <= '9') ? digits + 1 : 0;
        if (digits >= 6 || *c == '@')
            return false;
    }
    return true;
}

static void hot_record(tb_req *r, const char *q)
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t client = 0;
    pthread_once(&hot_once, hot_init);
    crypto_shorthash(h, (const unsigned char *)r->ip, strlen(r->ip), hot_key);
    memcpy(&client, h, sizeof client < sizeof h ? sizeof client : sizeof h);
    tb_search_hot_record_client(hot, q, client, tb_now());
}

void catalog_get_search_hot(tb_req *r)
{
    int64_t limit;
    if (tb_req_query_int(r, "limit", 10, 1, 20, &limit) != 0)
        return;
    pthread_once(&hot_once, hot_init);
    tb_search_hot_entry top[100];
    int n = tb_search_hot_top(hot, tb_now(), top, 100);
    json_t *items = json_array();
    for (int i = 0; i < n && (int64_t)json_array_size(items) < limit; i++)
        if (top[i].count >= HOT_MIN_CLIENTS)
            json_array_append_new(items, json_pack("{s:s, s:i}", "text", top[i].text, "count", top[i].count));
    tb_reply_json(r, 200, json_pack("{s:o, s:i, s:i}", "items", items, "window_hours", HOT_WINDOW / 3600,
                                    "min_clients", HOT_MIN_CLIENTS));
}

/* ---- GET /api/v1/search */

static json_t *consult_hint(void)
{
    return json_pack("{s:b, s:b, s:s, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "suggest_human", 1, "online_agent", 1,
                     "message",
                     "未找到相关内容。需要人工咨询吗？您可以转在线人工客服，或拨打政务服务便民热线 " CONSULT_HOTLINE
                     "，也可按办事指南中的咨询电话联系办理单位。",
                     "channels", "kind", "agent", "name", "在线人工客服", "link", "/agent?source=search", "kind", "phone",
                     "name", "政务服务便民热线", "number", CONSULT_HOTLINE);
}

static json_t *item_json(tb_req *r, const catalog_snapshot *s, int doc, const char *hq)
{
    const catalog_matter *m = &s->matters[doc];
    json_t *it = json_loadb(m->summary_bytes, m->summary_len, 0, NULL);
    if (!it)
        it = json_object();
    json_object_set_new(it, "highlight", json_pack("{s:s, s:s}", "name", mark_html(r, s->index, hq, m->name),
                                                   "summary", summary_html(r, s->index, hq, m->guide)));
    return it;
}

void catalog_get_search(tb_req *r)
{
    search_in in;
    int64_t page, size;
    catalog_snapshot *s = catalog_snapshot_get(r);
    if (!s)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (read_search(r, &in) != 0)
        return;
    if (tb_req_query_int(r, "page", 1, 1, 100000, &page) != 0 || tb_req_query_int(r, "page_size", 10, 1, 100, &size))
        return;
    int facets[NSHOWN], nf = 0;
    for (int i = 0; i < NSHOWN; i++)
        if (!(in.filtered & (1u << shown[i])))
            facets[nf++] = shown[i];
    /* a page past the end costs nothing: no heap of offset + limit hits */
    int64_t offset = (page - 1) * size;
    bool past = offset >= tb_search_count(s->index);
    tb_search_result res;
    if (run(s, &in, -1, facets, nf, past ? 0 : (int)offset, past ? 1 : (int)size, &res) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    const char *hq = tb_arena_printf(r->arena, "%s %s %s", in.q ? in.q : "", in.all ? in.all : "",
                                     in.any ? in.any : "");
    json_t *items = json_array(), *fj = json_object();
    for (int i = 0; !past && i < res.nhits; i++)
        json_array_append_new(items, item_json(r, s, res.hits[i].doc, hq));
    /* a filtered facet is counted without its own filter, so its other
     * values say what choosing them as well would add */
    for (int i = 0; i < NSHOWN; i++) {
        int f = shown[i];
        if (in.filtered & (1u << f)) {
            tb_search_result one;
            if (run(s, &in, f, &f, 1, 0, 1, &one) == 0) {
                facet_json(s, fj, f, one.facets[0], one.nfacet_values[0]);
                tb_search_result_free(&one);
            }
            continue;
        }
        for (int k = 0; k < nf; k++)
            if (facets[k] == f)
                facet_json(s, fj, f, res.facets[k], res.nfacet_values[k]);
    }
    bool words = in.q || in.all || in.any;
    if (words && page == 1 && in.q && !in.all && !in.any && !in.none && res.total > 0 && !res.partial &&
        countable(in.q))
        hot_record(r, in.q);
    json_t *out = json_pack("{s:o, s:i, s:I, s:I, s:b, s:o}", "items", items, "total", res.total, "page",
                            (json_int_t)page, "page_size", (json_int_t)size, "partial", res.partial, "facets", fj);
    json_object_set_new(out, "consult", words && res.total == 0 ? consult_hint() : json_null());
    tb_search_result_free(&res);
    tb_reply_json(r, 200, out);
}

/* ---- GET /api/v1/search/suggest */

/* The published matter whose name or short name is this text, or NULL. */
static const catalog_matter *matter_named(const catalog_snapshot *s, const char *text, const char *channel)
{
    for (int i = 0; i < s->nmatters; i++) {
        const catalog_matter *m = &s->matters[i];
        const char *sn = tb_json_str(m->guide, "short_name");
        if (strcmp(m->name, text) && (!sn || strcmp(sn, text)))
            continue;
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(m->guide, "channels"), k, v) if (json_is_string(v) &&
                                                                            !strcmp(json_string_value(v), channel))
            return m;
    }
    return NULL;
}

static bool named_elsewhere(const catalog_snapshot *s, const char *text)
{
    for (int i = 0; i < s->nmatters; i++) {
        const char *sn = tb_json_str(s->matters[i].guide, "short_name");
        if (!strcmp(s->matters[i].name, text) || (sn && !strcmp(sn, text)))
            return true;
    }
    return false;
}

void catalog_get_suggest(tb_req *r)
{
    const char *q, *channel;
    int64_t limit;
    catalog_snapshot *s = catalog_snapshot_get(r);
    if (!s)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (read_text(r, "q", &q) != 0 || tb_req_query_int(r, "limit", 8, 1, 20, &limit) != 0)
        return;
    channel = nonempty(r, "channel");
    if (r->replied)
        return;
    if (!channel)
        channel = "pc";
    else if (!valid_value(FACET_CHANNEL, channel))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "channel");
    json_t *items = json_array();
    if (q) {
        tb_search_suggestion sg[40];
        int n = tb_search_suggest(s->index, q, sg, 40);
        /* several suggestions can name one matter (its name and short name): one line each matter */
        const catalog_matter *seen[40];
        int nseen = 0;
        for (int i = 0; i < n && (int64_t)json_array_size(items) < limit; i++) {
            const catalog_matter *m = matter_named(s, sg[i].text, channel);
            if (!m && named_elsewhere(s, sg[i].text))
                continue; /* only matters not offered on this channel carry it */
            int dup = 0;
            for (int k = 0; m && k < nseen; k++)
                dup |= seen[k] == m;
            if (dup)
                continue;
            if (m)
                seen[nseen++] = m;
            json_t *it = json_pack("{s:s, s:s}", "text", sg[i].text, "highlight", mark_html(r, s->index, q, sg[i].text));
            if (m) {
                json_object_set_new(it, "code", json_string(m->code));
                json_object_set_new(it, "name", json_string(m->name));
            }
            json_array_append_new(items, it);
        }
    }
    tb_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- synonym groups (staff) */

static json_t *split_json(const char *list)
{
    json_t *a = json_array();
    char *copy = strdup(list);
    for (char *save = NULL, *w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save)) {
        while (*w == ' ')
            w++;
        if (*w)
            json_array_append_new(a, json_string(w));
    }
    free(copy);
    return a;
}

static json_t *group_json(const json_t *row)
{
    char at[32];
    tb_time_iso(tb_json_int(row, "created_at", 0), at);
    json_t *targets = split_json(tb_json_str(row, "targets"));
    return json_pack("{s:I, s:o, s:o, s:s, s:b, s:s, s:s}", "id", (json_int_t)tb_json_int(row, "id", 0), "words",
                     split_json(tb_json_str(row, "words")), "targets", targets, "kind",
                     json_array_size(targets) ? "one_way" : "equivalent", "builtin", 0, "created_by",
                     tb_json_str(row, "created_by"), "created_at", at);
}

/* The built-in rules, read-only: [{"words":[…],"targets":[…],"kind"}]. */
static json_t *builtin_json(void)
{
    json_t *out = json_array();
    char *copy = strdup(tb_search_synonyms_builtin());
    for (char *save = NULL, *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t')
            line++;
        if (!*line || *line == '#')
            continue;
        char *arrow = strstr(line, "=>");
        if (arrow)
            *arrow = '\0';
        json_t *targets = arrow ? split_json(arrow + 2) : json_array();
        json_array_append_new(out, json_pack("{s:o, s:o, s:s, s:b}", "words", split_json(line), "targets", targets,
                                             "kind", arrow ? "one_way" : "equivalent", "builtin", 1));
    }
    free(copy);
    return out;
}

void catalog_get_synonyms(tb_req *r)
{
    json_t *rows = store_synonyms(r->db);
    if (!rows)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    json_t *items = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) json_array_append_new(items, group_json(v));
    json_decref(rows);
    tb_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "builtin", builtin_json()));
}

/* Checks a word list and joins it as "a, b, c"; NULL after replying. A word
 * holds no separator of the rule format (, ， 、 => #) and no control
 * character, and is at most SYN_MAX_CHARS characters. */
static char *join_words(tb_req *r, const json_t *arr, const char *field, size_t min)
{
    tb_error e = {0};
    size_t n = json_array_size(arr), i, len = 1;
    json_t *v;
    if (n < min || n > SYN_MAX_WORDS) {
        tb_fail_msg(&e, TB_E_INVALID_FIELD, field,
                    min > 1 ? "同义词组至少包含两个词，至多16个" : "每组至多16个词");
        tb_reply_error(r, &e);
        return NULL;
    }
    json_array_foreach(arr, i, v) {
        const char *w = json_string_value(v);
        bool bad = !w || !*w || tb_json_cp_len(w) > SYN_MAX_CHARS || strstr(w, "=>") || strstr(w, "，") ||
                   strstr(w, "、") || strchr(w, ',') || strchr(w, '#');
        for (const char *c = w; !bad && *c; c++)
            bad = (unsigned char)*c < 0x20 || *c == 0x7f;
        char norm[96];
        if (!bad && tb_search_normalize(w, norm, sizeof norm) == 0)
            bad = true; /* nothing left after normalising (spaces only) */
        if (bad) {
            tb_fail_msg(&e, TB_E_INVALID_FIELD, field, "词语须为1至20个字，且不能含逗号、顿号、#、=> 或控制字符");
            tb_reply_error(r, &e);
            return NULL;
        }
        len += strlen(w) + 2;
    }
    char *out = tb_arena_alloc(r->arena, len), *o = out;
    json_array_foreach(arr, i, v) o += sprintf(o, "%s%s", i ? ", " : "", json_string_value(v));
    return out;
}

typedef struct {
    tb_req *r;
    const char *words, *targets;
    int64_t id;
} syn_edit;

static int add_tx(tb_db *db, void *arg)
{
    syn_edit *ed = arg;
    const char *actor = tb_arena_printf(ed->r->arena, "staff:%lld", (long long)ed->r->subject_id);
    ed->id = store_synonym_add(db, ed->words, ed->targets, actor);
    if (ed->id <= 0)
        return -1;
    char *rule = catalog_synonym_rule(ed->words, ed->targets);
    int rc = rule ? audit_record(ed->r, "search.synonym.add", tb_arena_printf(ed->r->arena, "synonym:%lld",
                                                                               (long long)ed->id), "ok", rule)
                  : -1;
    free(rule);
    return rc;
}

void catalog_post_synonym(tb_req *r)
{
    json_t *words = NULL, *targets = NULL;
    tb_jfield spec[] = {TB_JARR("words", &words, true), TB_JARR("targets", &targets, false), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    syn_edit ed = {.r = r};
    bool one_way = targets && json_array_size(targets) > 0;
    if (!(ed.words = join_words(r, words, "words", one_way ? 1 : 2)))
        return;
    ed.targets = "";
    if (one_way && !(ed.targets = join_words(r, targets, "targets", 1)))
        return;
    /* the engine reads the rule as it will at every rebuild: refuse what it refuses */
    char *rule = catalog_synonym_rule(ed.words, ed.targets);
    tb_search *probe = tb_search_new(0);
    tb_search_synonyms_clear(probe);
    int ok = rule && tb_search_synonyms_load(probe, rule) == 1;
    tb_search_free(probe);
    free(rule);
    if (!ok)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "words");
    if (tb_db_tx(r->db, add_tx, &ed) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    catalog_snapshot_invalidate();
    json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)ed.id, "words", ed.words, "targets",
                            ed.targets, "created_by",
                            tb_arena_printf(r->arena, "staff:%lld", (long long)r->subject_id), "created_at",
                            (json_int_t)tb_now());
    json_t *out = group_json(row);
    json_decref(row);
    tb_reply_json(r, 201, out);
}

static int delete_tx(tb_db *db, void *arg)
{
    syn_edit *ed = arg;
    int rc = store_synonym_delete(db, ed->id);
    if (rc != 0)
        return rc;
    return audit_record(ed->r, "search.synonym.delete",
                        tb_arena_printf(ed->r->arena, "synonym:%lld", (long long)ed->id), "ok", "");
}

void catalog_delete_synonym(tb_req *r)
{
    const char *p = r->params[0];
    size_t n = strlen(p);
    if (n == 0 || n > 18 || !tb_is_digits(p, n))
        return tb_reply_err(r, TB_E_SYNONYM_NOT_FOUND, "id");
    syn_edit ed = {.r = r, .id = atoll(p)};
    int rc = tb_db_tx(r->db, delete_tx, &ed);
    if (rc == 1)
        return tb_reply_err(r, TB_E_SYNONYM_NOT_FOUND, "id");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    catalog_snapshot_invalidate();
    tb_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)ed.id, "deleted", 1));
}
