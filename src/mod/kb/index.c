/* The search snapshots of the module: one engine over the live knowledge
 * items, one over the published public content. Each is built from the
 * database into a new engine and swapped in under a mutex; readers hold a
 * reference while they query, so a rebuild never blocks a query for long
 * and never frees an engine in use. A snapshot is rebuilt when its cache
 * epoch ('kb' or 'content' in cache_epochs) moves; the epoch is looked at
 * most once a second, and at once after a write on this node. Validity
 * periods and regions are checked at query time. Also here: the functions
 * of kb.h for the assistant and the human agents. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/kb/kb_internal.h"
#include "search/search.h"

typedef struct snap {
    atomic_int refs;
    int64_t epoch;
    tb_search *idx;
    json_t *docs; /* doc i: the object the engine's id i stands for */
} snap;

typedef struct {
    const char *epoch_name;
    snap *(*build)(tb_db *db, int64_t epoch);
    pthread_mutex_t lock;
    snap *current;
    _Atomic int64_t last_check;
} corpus;

static void release(snap *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    tb_search_free(s->idx);
    json_decref(s->docs);
    free(s);
}

static snap *acquire(corpus *c, tb_db *db)
{
    int64_t now = tb_now();
    /* one thread per second asks the database (any thread after kb_index_invalidate) */
    bool look = atomic_exchange(&c->last_check, now) != now;
    int64_t epoch = look ? kb_store_epoch(db, c->epoch_name) : -1;
    pthread_mutex_lock(&c->lock);
    if (!c->current || (look && epoch >= 0 && epoch != c->current->epoch)) {
        snap *fresh = c->build(db, epoch);
        if (fresh) {
            release(c->current);
            c->current = fresh;
        }
    }
    snap *s = c->current;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&c->lock);
    return s;
}

static snap *snap_new(int64_t epoch, int ndocs, json_t *docs)
{
    snap *s = calloc(1, sizeof *s);
    s->epoch = epoch;
    s->idx = tb_search_new(ndocs > 0 ? ndocs : 1);
    s->docs = docs;
    atomic_store(&s->refs, 1);
    return s;
}

/* ---- knowledge ---- */
enum { KF_QUESTION, KF_SIMILAR, KF_ANSWER };

/* categories: id -> {"name","path","root"} */
static json_t *category_paths(tb_db *db)
{
    json_t *rows = kb_store_categories(db);
    if (!rows)
        return NULL;
    json_t *by = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)tb_json_int(v, "id", 0));
        json_object_set(by, key, v);
    }
    json_t *out = json_object();
    json_array_foreach(rows, i, v) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)tb_json_int(v, "id", 0));
        const char *path = tb_json_str(v, "name"), *root = path;
        char *acc = strdup(path);
        json_t *p = v;
        for (int depth = 0; depth < 16; depth++) {
            char pk[24];
            snprintf(pk, sizeof pk, "%lld", (long long)tb_json_int(p, "parent_id", 0));
            json_t *parent = json_object_get(by, pk);
            if (!parent)
                break;
            root = tb_json_str(parent, "name");
            size_t n = strlen(root) + strlen(acc) + 4;
            char *next = malloc(n);
            snprintf(next, n, "%s / %s", root, acc);
            free(acc);
            acc = next;
            p = parent;
        }
        json_object_set_new(out, key, json_pack("{s:s, s:s, s:s}", "name", path, "path", acc, "root", root));
        free(acc);
    }
    json_decref(by);
    json_decref(rows);
    return out;
}

static snap *build_kb(tb_db *db, int64_t epoch)
{
    json_t *rows = kb_store_live(db), *cats = category_paths(db);
    if (!rows || !cats) {
        json_decref(rows);
        json_decref(cats);
        return NULL;
    }
    json_t *docs = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        json_t *live = json_loads(tb_json_str(v, "live"), 0, NULL);
        if (!json_is_object(live)) {
            json_decref(live);
            continue;
        }
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)tb_json_int(live, "category_id", tb_json_int(v, "category_id", 0)));
        json_t *cat = json_object_get(cats, key);
        json_object_set_new(live, "id", json_integer(tb_json_int(v, "id", 0)));
        json_object_set_new(live, "category", json_string(cat ? tb_json_str(cat, "name") : ""));
        json_object_set_new(live, "category_path", json_string(cat ? tb_json_str(cat, "path") : ""));
        json_object_set_new(live, "library", json_string(cat ? tb_json_str(cat, "root") : ""));
        json_array_append_new(docs, live);
    }
    json_decref(rows);
    json_decref(cats);
    snap *s = snap_new(epoch, (int)json_array_size(docs), docs);
    tb_search_field(s->idx, "question", 4.0, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    tb_search_field(s->idx, "similar", 3.0, TB_FIELD_PINYIN);
    tb_search_field(s->idx, "answer", 0.5, 0);
    tb_arena *a = tb_arena_new(1 << 16);
    json_array_foreach(docs, i, v) {
        tb_search_text(s->idx, (int)i, KF_QUESTION, tb_json_str(v, "question"));
        size_t k;
        json_t *q;
        char norm[2048];
        size_t off = 0;
        off += tb_search_normalize(tb_json_str(v, "question"), norm, sizeof norm);
        json_array_foreach(json_object_get(v, "similar"), k, q) {
            tb_search_text(s->idx, (int)i, KF_SIMILAR, json_string_value(q));
            if (off + 2 < sizeof norm) {
                norm[off++] = '\n';
                off += tb_search_normalize(json_string_value(q), norm + off, sizeof norm - off);
            }
        }
        const char *plain = kb_plain_text(a, tb_json_str(v, "answer"));
        size_t cap = off + strlen(plain) * 2 + 8;
        char *all = malloc(cap);
        memcpy(all, norm, off);
        all[off] = '\n';
        tb_search_normalize(plain, all + off + 1, cap - off - 1);
        json_object_set_new(v, "_norm", json_string(all)); /* for the coverage check of the query's words */
        free(all);
        tb_search_text(s->idx, (int)i, KF_ANSWER, plain);
        tb_arena_reset(a);
    }
    tb_arena_free(a);
    tb_search_build(s->idx);
    tb_info("kb: indexed %zu live knowledge items (epoch %lld)", json_array_size(docs), (long long)epoch);
    return s;
}

/* ---- content ---- */
enum { CF_TITLE, CF_BODY };
enum { CFACET_TYPE };

static snap *build_content(tb_db *db, int64_t epoch)
{
    json_t *docs = content_store_published(db);
    if (!docs)
        return NULL;
    snap *s = snap_new(epoch, (int)json_array_size(docs), docs);
    tb_search_field(s->idx, "title", 4.0, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    tb_search_field(s->idx, "body", 0.5, 0);
    tb_search_facet(s->idx, "type");
    tb_arena *a = tb_arena_new(1 << 16);
    size_t i;
    json_t *v;
    json_array_foreach(docs, i, v) {
        const char *plain = kb_plain_text(a, tb_json_str(v, "body"));
        tb_search_text(s->idx, (int)i, CF_TITLE, tb_json_str(v, "title"));
        tb_search_text(s->idx, (int)i, CF_BODY, plain);
        tb_search_keyword(s->idx, (int)i, CFACET_TYPE, tb_json_str(v, "type"));
        json_object_set_new(v, "_plain", json_string(plain));
        tb_arena_reset(a);
    }
    tb_arena_free(a);
    tb_search_build(s->idx);
    return s;
}

static corpus kb_corpus = {"kb", build_kb, PTHREAD_MUTEX_INITIALIZER, NULL, 0};
static corpus content_corpus = {"content", build_content, PTHREAD_MUTEX_INITIALIZER, NULL, 0};

void kb_index_invalidate(void)
{
    atomic_store(&kb_corpus.last_check, 0);
    atomic_store(&content_corpus.last_check, 0);
}

/* ---- answers ---- */
static bool valid_now(const json_t *d, int64_t now)
{
    int64_t from = tb_json_int(d, "valid_from", 0), to = tb_json_int(d, "valid_to", 0);
    return (!from || from <= now) && (!to || now <= to);
}

static bool in_region(const json_t *d, const char *region)
{
    json_t *regs = json_object_get(d, "regions");
    if (!region || !*region || !json_array_size(regs))
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(regs, i, v) {
        const char *c = json_string_value(v);
        if (c && strlen(c) == 6 && kb_region_covers(c, region))
            return true;
    }
    return false;
}

/* Half of the query's words appear in the item (question, similar questions, answer): the engine
 * leaves out words it has never seen, so a question of mostly unknown words would otherwise be
 * "answered" by its one known word. */
static bool covered(const json_t *d, const char *q)
{
    char toks[32][TB_TOKEN_MAX];
    int n = tb_search_tokens(q, toks, 32, 1), hit = 0;
    const char *norm = tb_json_str(d, "_norm");
    for (int i = 0; i < n && norm; i++)
        hit += strstr(norm, toks[i]) != NULL;
    return n > 0 && hit * 2 >= n;
}

json_t *kb_answer(tb_req *r, const char *question, const char *region, int n)
{
    json_t *out = json_array();
    if (!question || !*question || n <= 0)
        return out;
    if (n > 20)
        n = 20;
    snap *s = acquire(&kb_corpus, r->db);
    int64_t now = tb_now(), best_item = 0, best_cat = 0;
    if (s) {
        tb_search_request req = {.q = question, .limit = 100};
        tb_search_result res;
        if (tb_search_run(s->idx, &req, &res) == 0) {
            for (int i = 0; i < res.nhits && (int)json_array_size(out) < n; i++) {
                json_t *d = json_array_get(s->docs, (size_t)res.hits[i].doc);
                if (!d || !valid_now(d, now) || !in_region(d, region) || !covered(d, question))
                    continue;
                json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:s, s:s}", "id",
                                                     (json_int_t)tb_json_int(d, "id", 0), "question",
                                                     tb_json_str(d, "question"), "answer", tb_json_str(d, "answer"),
                                                     "category", tb_json_str(d, "category"), "category_path",
                                                     tb_json_str(d, "category_path"), "score", res.hits[i].score,
                                                     "library", tb_json_str(d, "library"), "source",
                                                     tb_json_str(d, "source") ? tb_json_str(d, "source") : ""));
                if (json_array_size(out) == 1) {
                    best_item = tb_json_int(d, "id", 0);
                    best_cat = tb_json_int(d, "category_id", 0);
                }
            }
            tb_search_result_free(&res);
        }
        release(s);
    }
    size_t len = strlen(question);
    if (len > 600) { /* at a character boundary */
        len = 600;
        while (len && ((unsigned char)question[len] & 0xC0) == 0x80)
            len--;
    }
    const char *q = tb_arena_strndup(r->arena, question, len);
    if (kb_store_query_log(r->db, q, region, best_item, best_cat, now) != 0)
        tb_warn("kb: could not log a query: %s", tb_db_errmsg(r->db));
    if (!best_item && kb_store_unanswered_add(r->db, q, "query", now, now + 1) != 0)
        tb_warn("kb: could not record an unanswered question: %s", tb_db_errmsg(r->db));
    return out;
}

json_t *kb_suggest(tb_req *r, const char *prefix, int n)
{
    json_t *out = json_array();
    if (!prefix || !*prefix || n <= 0)
        return out;
    if (n > 20)
        n = 20;
    snap *s = acquire(&kb_corpus, r->db);
    if (!s)
        return out;
    tb_search_suggestion sug[40];
    int k = tb_search_suggest(s->idx, prefix, sug, 40);
    int64_t now = tb_now();
    for (int i = 0; i < k && (int)json_array_size(out) < n; i++) {
        size_t j;
        json_t *d;
        json_array_foreach(s->docs, j, d) {
            if (!strcmp(tb_json_str(d, "question"), sug[i].text) && valid_now(d, now)) {
                json_array_append_new(out, json_pack("{s:I, s:s}", "id", (json_int_t)tb_json_int(d, "id", 0),
                                                     "question", sug[i].text));
                break;
            }
        }
    }
    release(s);
    return out;
}

json_t *kb_hot(tb_req *r, int days, int n)
{
    if (days <= 0)
        days = 7;
    if (n <= 0)
        return json_array();
    json_t *a = kb_store_hot(r, tb_now() - (int64_t)days * 86400, n > 50 ? 50 : n);
    return a ? a : json_array();
}

int kb_bad_rating(tb_req *r, int64_t item_id, const char *question, const char *reason_tags, const char *text)
{
    if (!question || !*question)
        return -1;
    int64_t id = kb_store_rating_add(r->db, item_id > 0 ? item_id : 0, question, reason_tags, text, tb_now());
    if (id <= 0)
        return -1;
    return audit_record(r, "kb.rating.bad", tb_arena_printf(r->arena, "kb_rating:%lld", (long long)id), "ok",
                        reason_tags ? reason_tags : "");
}

int kb_unresolved_add(tb_req *r, const char *question, const char *source)
{
    if (!question || !*question)
        return -1;
    int64_t now = tb_now();
    /* the question kb_answer recorded a moment ago counts once */
    return kb_store_unanswered_add(r->db, question, source && *source ? source : "agent", now, now - 10);
}

/* HTML-escapes text and turns the marks \x01 \x02 into <em> </em>. */
static const char *escape_marked(tb_arena *a, const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : (*p == '"' || *p == '\'') ? 6 : *p == 1 ? 4 : *p == 2 ? 5 : 1;
    char *out = tb_arena_alloc(a, n + 1), *o = out;
    for (const char *p = text; *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '"' ? "&quot;"
                        : *p == '\'' ? "&#39;" : *p == 1 ? "<em>" : *p == 2 ? "</em>" : NULL;
        if (rep) {
            size_t k = strlen(rep);
            memcpy(o, rep, k);
            o += k;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

json_t *kb_content_search(tb_req *r, const char *q, const char *type, int n)
{
    json_t *out = json_array();
    if (!q || !*q || n <= 0)
        return out;
    if (n > 100)
        n = 100;
    snap *s = acquire(&content_corpus, r->db);
    if (!s)
        return out;
    tb_search_filter f = {"type", type};
    tb_search_request req = {.q = q, .limit = n, .filters = &f, .nfilters = type && *type ? 1 : 0};
    tb_search_result res;
    if (tb_search_run(s->idx, &req, &res) == 0) {
        for (int i = 0; i < res.nhits; i++) {
            json_t *d = json_array_get(s->docs, (size_t)res.hits[i].doc);
            if (!d)
                continue;
            /* marked with control characters, then escaped: the texts are plain, their HTML is ours */
            char raw[1024], rawt[512];
            tb_search_snippet(s->idx, q, tb_json_str(d, "_plain"), "\x01", "\x02", 80, raw, sizeof raw);
            tb_search_snippet(s->idx, q, tb_json_str(d, "title"), "\x01", "\x02", 200, rawt, sizeof rawt);
            const char *snippet = escape_marked(r->arena, raw), *title = escape_marked(r->arena, rawt);
            json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:f}", "id",
                                                 (json_int_t)tb_json_int(d, "id", 0), "type", tb_json_str(d, "type"),
                                                 "type_name", content_type_name(tb_json_str(d, "type")), "title",
                                                 tb_json_str(d, "title"), "title_highlight", title, "snippet", snippet,
                                                 "source", tb_json_str(d, "source"), "published_at",
                                                 tb_req_iso(r, tb_json_int(d, "published_at", 0)), "score",
                                                 res.hits[i].score));
        }
        tb_search_result_free(&res);
    }
    release(s);
    return out;
}

/* Category paths for the statistics: {"<id>":{"name","path","root"}} */
json_t *kb_category_paths(tb_db *db) { return category_paths(db); }
