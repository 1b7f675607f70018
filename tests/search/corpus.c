/* See corpus.h. */
#include "corpus.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *join(json_t *arr, const char *key)
{
    size_t cap = 1, n = 0, i;
    json_t *v;
    json_array_foreach(arr, i, v) cap += strlen(json_string_value(json_object_get(v, key)) ?: "") + 1;
    char *out = malloc(cap);
    out[0] = '\0';
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(json_object_get(v, key)) ?: "";
        n += (size_t)sprintf(out + n, "%s%s", n ? " " : "", s);
    }
    return out;
}

static char *cat(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *out = malloc(n);
    snprintf(out, n, "%s %s %s", a, b, c);
    return out;
}

static char *str(json_t *o, const char *key) { return strdup(json_string_value(json_object_get(o, key)) ?: ""); }

int corpus_load(const char *path, corpus_doc **out)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!json_is_array(root)) {
        fprintf(stderr, "%s: %s\n", path, err.text);
        json_decref(root);
        return -1;
    }
    int n = (int)json_array_size(root);
    corpus_doc *d = calloc((size_t)n, sizeof *d);
    for (int i = 0; i < n; i++) {
        json_t *m = json_array_get(root, (size_t)i);
        char *mat = join(json_object_get(m, "materials"), "name"), *q = join(json_object_get(m, "faq"), "q"),
             *a = join(json_object_get(m, "faq"), "a"), *result = str(m, "result_name"), *cond = str(m, "conditions");
        d[i] = (corpus_doc){str(m, "code"), str(m, "name"), str(m, "short_name"), cat(result, mat, ""),
                            cat(cond, q, a), str(m, "police_category"), str(m, "theme"), str(m, "online_level")};
        free(mat), free(q), free(a), free(result), free(cond);
    }
    json_decref(root);
    *out = d;
    return n;
}

void corpus_free(corpus_doc *d, int n)
{
    for (int i = 0; i < n; i++) {
        char **f[] = {&d[i].code, &d[i].name, &d[i].short_name, &d[i].keywords, &d[i].body,
                      &d[i].police, &d[i].theme, &d[i].online};
        for (size_t k = 0; k < sizeof f / sizeof *f; k++)
            free(*f[k]);
    }
    free(d);
}

void corpus_fields(tb_search *s)
{
    tb_search_field(s, "name", W_NAME, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    tb_search_field(s, "short_name", W_SHORT, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    tb_search_field(s, "keywords", W_KEYWORDS, 0);
    tb_search_field(s, "body", W_BODY, 0);
    tb_search_facet(s, "police");
    tb_search_facet(s, "theme");
    tb_search_facet(s, "online");
}

void corpus_add(tb_search *s, int doc, const corpus_doc *d)
{
    tb_search_text(s, doc, 0, d->name);
    tb_search_text(s, doc, 1, d->short_name);
    tb_search_text(s, doc, 2, d->keywords);
    tb_search_text(s, doc, 3, d->body);
    tb_search_keyword(s, doc, 0, d->police);
    tb_search_keyword(s, doc, 1, d->theme);
    tb_search_keyword(s, doc, 2, d->online);
}

sqlite3 *corpus_fts_open(void)
{
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(name, short_name, keywords, body, tokenize='trigram')",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5: %s\n", sqlite3_errmsg(db));
        exit(2);
    }
    return db;
}

sqlite3_stmt *corpus_fts_insert_stmt(sqlite3 *db)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO docs(rowid, name, short_name, keywords, body) VALUES (?,?,?,?,?)", -1, &st,
                       NULL);
    return st;
}

void corpus_fts_add(sqlite3 *db, sqlite3_stmt *ins, int doc, const corpus_doc *d)
{
    (void)db;
    sqlite3_bind_int(ins, 1, doc + 1);
    sqlite3_bind_text(ins, 2, d->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, d->short_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, d->keywords, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, d->body, -1, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
}

/* ---- the FTS5 query */

static int chars(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

typedef struct {
    char sql[4096], match[1024];
    const char *likes[32];
    int nlikes;
    const char *nots[16];
    int nnots;
} fts_q;

static void add_phrase(fts_q *f, const char *w, const char *op)
{
    size_t n = strlen(f->match);
    if (n)
        n += (size_t)snprintf(f->match + n, sizeof f->match - n, " %s ", op);
    n += (size_t)snprintf(f->match + n, sizeof f->match - n, "\"");
    for (; *w && n + 3 < sizeof f->match; w++) { /* a quote inside a phrase is doubled */
        if (*w == '"')
            f->match[n++] = '"';
        f->match[n++] = *w;
    }
    snprintf(f->match + n, sizeof f->match - n, "\"");
}

static const char like_cols[] = "(name LIKE ?%d OR short_name LIKE ?%d OR keywords LIKE ?%d OR body LIKE ?%d)";

static int run(sqlite3 *db, fts_q *f, int any, int *docs, int max)
{
    size_t n = (size_t)snprintf(f->sql, sizeof f->sql, "SELECT rowid FROM docs WHERE %s",
                                f->match[0] ? "docs MATCH ?1" : "1");
    int p = 2;
    for (int i = 0; i < f->nlikes; i++, p++) {
        n += (size_t)snprintf(f->sql + n, sizeof f->sql - n, i == 0 && any && !f->match[0] ? " AND (" : any ? " OR " : " AND ");
        n += (size_t)snprintf(f->sql + n, sizeof f->sql - n, like_cols, p, p, p, p);
    }
    if (any && !f->match[0] && f->nlikes)
        n += (size_t)snprintf(f->sql + n, sizeof f->sql - n, ")");
    for (int i = 0; i < f->nnots; i++, p++) {
        n += (size_t)snprintf(f->sql + n, sizeof f->sql - n, " AND NOT ");
        n += (size_t)snprintf(f->sql + n, sizeof f->sql - n, like_cols, p, p, p, p);
    }
    snprintf(f->sql + n, sizeof f->sql - n, f->match[0] ? " ORDER BY bm25(docs, %g, %g, %g, %g) LIMIT %d"
                                                          : " ORDER BY (name LIKE ?2)*%g + (short_name LIKE ?2)*%g + "
                                                            "(keywords LIKE ?2)*%g + (body LIKE ?2)*%g DESC, rowid LIMIT %d",
             W_NAME, W_SHORT, W_KEYWORDS, W_BODY, max);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, f->sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (f->match[0])
        sqlite3_bind_text(st, 1, f->match, -1, SQLITE_STATIC);
    p = 2;
    char pat[256];
    for (int i = 0; i < f->nlikes + f->nnots; i++, p++) {
        snprintf(pat, sizeof pat, "%%%s%%", i < f->nlikes ? f->likes[i] : f->nots[i - f->nlikes]);
        sqlite3_bind_text(st, p, pat, -1, SQLITE_TRANSIENT);
    }
    int k = 0;
    while (k < max && sqlite3_step(st) == SQLITE_ROW)
        docs[k++] = sqlite3_column_int(st, 0) - 1;
    sqlite3_finalize(st);
    return k;
}

/* OR within MATCH cannot mix with LIKE (FTS5 takes MATCH only as a
 * top-level AND term), so the fallback ORs the long words, or else the short. */
int corpus_fts_query(sqlite3 *db, const char *q, int *docs, int max)
{
    char *copy = strdup(q);
    fts_q f = {.match = ""};
    const char *longw[32];
    int nlong = 0;
    for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (w[0] == '-' && w[1] && f.nnots < 16)
            f.nots[f.nnots++] = w + 1;
        else if (chars(w) >= 3 && nlong < 32)
            longw[nlong++] = w;
        else if (f.nlikes < 32)
            f.likes[f.nlikes++] = w;
    }
    for (int i = 0; i < nlong; i++)
        add_phrase(&f, longw[i], "AND");
    int n = nlong || f.nlikes ? run(db, &f, 0, docs, max) : 0;
    if (n == 0 && nlong + f.nlikes > 1) {
        f.match[0] = '\0';
        for (int i = 0; i < nlong; i++)
            add_phrase(&f, longw[i], "OR");
        if (nlong)
            f.nlikes = 0;
        n = run(db, &f, 1, docs, max);
    }
    free(copy);
    return n;
}
