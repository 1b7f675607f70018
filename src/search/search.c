/* See search.h. Terms live in an open-addressing hash table; each term has
 * a postings array of (doc, weighted term frequency). */
#include "search/search.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int doc;
    double tf;
} posting;

typedef struct {
    char term[TB_TOKEN_MAX];
    posting *post;
    int npost, cap;
} entry;

struct tb_search {
    entry *table;
    size_t nslots, nterms;
    int ndocs;
    double *doclen, avglen;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

tb_search *tb_search_new(int ndocs)
{
    tb_search *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->nslots = 1024;
    s->table = calloc(s->nslots, sizeof *s->table);
    s->ndocs = ndocs;
    s->doclen = calloc((size_t)(ndocs > 0 ? ndocs : 1), sizeof *s->doclen);
    if (!s->table || !s->doclen)
        abort();
    return s;
}

void tb_search_free(tb_search *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nslots; i++)
        free(s->table[i].post);
    free(s->table);
    free(s->doclen);
    free(s);
}

static entry *slot(entry *table, size_t nslots, const char *term)
{
    size_t i = hash(term) & (nslots - 1);
    while (table[i].term[0] && strcmp(table[i].term, term))
        i = (i + 1) & (nslots - 1);
    return &table[i];
}

static void grow(tb_search *s)
{
    size_t n = s->nslots * 2;
    entry *t = calloc(n, sizeof *t);
    if (!t)
        abort();
    for (size_t i = 0; i < s->nslots; i++)
        if (s->table[i].term[0])
            *slot(t, n, s->table[i].term) = s->table[i];
    free(s->table);
    s->table = t;
    s->nslots = n;
}

static void add_term(tb_search *s, int doc, const char *term, double w)
{
    if (s->nterms * 2 >= s->nslots)
        grow(s);
    entry *e = slot(s->table, s->nslots, term);
    if (!e->term[0]) {
        strcpy(e->term, term);
        s->nterms++;
    }
    if (e->npost && e->post[e->npost - 1].doc == doc) {
        e->post[e->npost - 1].tf += w;
        return;
    }
    if (e->npost == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 4;
        e->post = realloc(e->post, (size_t)e->cap * sizeof *e->post);
        if (!e->post)
            abort();
    }
    e->post[e->npost++] = (posting){doc, w};
}

/* Decodes one UTF-8 code point; returns its length (1 for invalid bytes). */
static int utf8_next(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    int n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            n = 0;
    if (!n) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = n == 2 ? p[0] & 0x1F : n == 3 ? p[0] & 0x0F : p[0] & 0x07;
    for (int i = 1; i < n; i++)
        *cp = (*cp << 6) | (p[i] & 0x3F);
    return n;
}

static int is_cjk(uint32_t c) { return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF); }
static int is_word(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int tb_search_tokens(const char *text, char (*out)[TB_TOKEN_MAX], int max, int query)
{
    const unsigned char *p = (const unsigned char *)text;
    int n = 0;
    const unsigned char *prev = NULL; /* start of the previous CJK char in this run */
    int prevlen = 0, runlen = 0;
    while (*p && n < max) {
        uint32_t c;
        int len = utf8_next(p, &c);
        if (is_cjk(c)) {
            if (prev && n < max) {
                memcpy(out[n], prev, (size_t)(prevlen + len));
                out[n++][prevlen + len] = '\0';
            }
            if (!query && n < max) {
                memcpy(out[n], p, (size_t)len);
                out[n++][len] = '\0';
            }
            prev = p;
            prevlen = len;
            runlen++;
            p += len;
            continue;
        }
        if (query && runlen == 1 && n < max) { /* a lone CJK char in a query is its own term */
            memcpy(out[n], prev, (size_t)prevlen);
            out[n++][prevlen] = '\0';
        }
        prev = NULL;
        runlen = 0;
        if (is_word(c)) {
            if (n >= max)
                break;
            int k = 0;
            while (is_word(*p) && k < TB_TOKEN_MAX - 1)
                out[n][k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p), p++;
            while (is_word(*p))
                p++;
            out[n][k] = '\0';
            if (k >= 2) /* "1", "a": too common to mean anything */
                n++;
            continue;
        }
        p += len;
    }
    if (query && runlen == 1 && n < max) {
        memcpy(out[n], prev, (size_t)prevlen);
        out[n++][prevlen] = '\0';
    }
    return n;
}

void tb_search_add(tb_search *s, int doc, const char *text, double weight)
{
    if (!text || doc < 0 || doc >= s->ndocs)
        return;
    char (*tok)[TB_TOKEN_MAX] = malloc(4096 * sizeof *tok);
    if (!tok)
        abort();
    int n = tb_search_tokens(text, tok, 4096, 0);
    for (int i = 0; i < n; i++)
        add_term(s, doc, tok[i], weight);
    s->doclen[doc] += n * weight;
    free(tok);
}

void tb_search_build(tb_search *s)
{
    double total = 0;
    for (int i = 0; i < s->ndocs; i++)
        total += s->doclen[i];
    s->avglen = s->ndocs ? total / s->ndocs : 1;
    if (s->avglen <= 0)
        s->avglen = 1;
}

static const entry *lookup(const tb_search *s, const char *term)
{
    const entry *e = slot(s->table, s->nslots, term);
    return e->term[0] ? e : NULL;
}

static int by_score(const void *a, const void *b)
{
    const tb_search_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->doc - y->doc;
}

int tb_search_query(const tb_search *s, const char *q, tb_search_hit *hits, int max)
{
    char tok[64][TB_TOKEN_MAX];
    int nt = tb_search_tokens(q, tok, 64, 1);
    if (nt == 0 || s->ndocs == 0)
        return 0;
    double *score = calloc((size_t)s->ndocs, sizeof *score);
    int *matched = calloc((size_t)s->ndocs, sizeof *matched);
    if (!score || !matched)
        abort();
    const double k1 = 1.2, b = 0.75;
    int distinct = 0;
    for (int t = 0; t < nt; t++) {
        int dup = 0;
        for (int u = 0; u < t; u++)
            dup |= !strcmp(tok[u], tok[t]);
        if (dup)
            continue;
        distinct++;
        const entry *e = lookup(s, tok[t]);
        if (!e)
            continue;
        double idf = log(1 + (s->ndocs - e->npost + 0.5) / (e->npost + 0.5));
        for (int i = 0; i < e->npost; i++) {
            const posting *p = &e->post[i];
            double norm = k1 * (1 - b + b * s->doclen[p->doc] / s->avglen);
            score[p->doc] += idf * p->tf * (k1 + 1) / (p->tf + norm);
            matched[p->doc]++;
        }
    }
    int n = 0;
    for (int pass = 0; pass < 2 && n == 0; pass++) /* all terms first, then any */
        for (int d = 0; d < s->ndocs && n < max; d++)
            if (pass == 0 ? matched[d] == distinct : matched[d] > 0)
                hits[n++] = (tb_search_hit){d, score[d]};
    qsort(hits, (size_t)n, sizeof *hits, by_score);
    free(score);
    free(matched);
    return n;
}
