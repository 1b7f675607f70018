/* Highlights: the text is tokenised like an indexed field, and a token is
 * marked when it is one of the query plan's terms — so synonyms (驾照 marks
 * 驾驶证) and pinyin (huzhao marks 护照) are marked too. */
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

typedef struct {
    const tb_search *s;
    uint32_t *terms;
    int nterms;
    tb_search_span *spans;
    int n, cap;
} marker;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int wanted(const marker *m, const char *text)
{
    int32_t id = term_find(m->s, text);
    uint32_t key = (uint32_t)id;
    return id >= 0 && bsearch(&key, m->terms, (size_t)m->nterms, sizeof key, cmp_u32);
}

static void mark(marker *m, size_t start, size_t end)
{
    if (m->n && start <= m->spans[m->n - 1].end) { /* tokens come in order: overlaps join */
        if (end > m->spans[m->n - 1].end)
            m->spans[m->n - 1].end = end;
        return;
    }
    if (m->n < m->cap)
        m->spans[m->n++] = (tb_search_span){start, end};
}

typedef struct {
    marker *m;
    int hit;
} pinyin_probe;

static void probe_pinyin(const char *term, void *arg)
{
    pinyin_probe *p = arg;
    p->hit |= wanted(p->m, term);
}

static void mark_tok(const tok *t, void *arg)
{
    marker *m = arg;
    int hit = wanted(m, t->text);
    if (!hit && t->kind == TOK_BI) {
        pinyin_probe p = {m, 0};
        py_bigram_terms(t->cp[0], t->cp[1], probe_pinyin, &p);
        hit = p.hit;
    }
    if (hit)
        mark(m, t->start, t->end);
}

/* The terms of the plan's positive concepts, sorted for bsearch. */
static int plan_terms(const tb_search *s, const char *q, uint32_t **out)
{
    plan *p = xrealloc(NULL, sizeof *p);
    tb_search_request req = {.q = q};
    plan_build(s, &req, p);
    int n = 0, cap = 64;
    uint32_t *v = xrealloc(NULL, (size_t)cap * sizeof *v);
    for (int c = 0; c < p->n; c++)
        for (int a = 0; p->c[c].mode != C_NOT && a < p->c[c].nalts; a++)
            for (int t = 0; t < p->c[c].alts[a].nterms; t++) {
                if (n == cap)
                    v = xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
                v[n++] = p->c[c].alts[a].terms[t];
            }
    free(p);
    qsort(v, (size_t)n, sizeof *v, cmp_u32);
    *out = v;
    return n;
}

int tb_search_highlight(const tb_search *s, const char *q, const char *text, tb_search_span *out, int max)
{
    if (!s || !q || !text || max <= 0)
        return 0;
    marker m = {s, NULL, 0, out, 0, max};
    m.nterms = plan_terms(s, q, &m.terms);
    if (m.nterms)
        tok_each(text, 1, mark_tok, &m);
    free(m.terms);
    return m.n;
}

static size_t put(char *out, size_t cap, size_t n, const char *s, size_t len)
{
    if (n + len >= cap) { /* truncated at a character boundary */
        len = n < cap - 1 ? cap - 1 - n : 0;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out + n, s, len);
    return n + len;
}

/* Start of the character that contains byte i. */
static size_t char_start(const char *t, size_t i)
{
    while (i > 0 && ((unsigned char)t[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* The byte offset maxchars characters after from (or the end). */
static size_t advance(const char *t, size_t from, int chars)
{
    size_t i = from;
    for (int k = 0; t[i] && k < chars; k++)
        do
            i++;
        while (((unsigned char)t[i] & 0xC0) == 0x80);
    return i;
}

size_t tb_search_snippet(const tb_search *s, const char *q, const char *text, const char *open, const char *close,
                         int maxchars, char *out, size_t cap)
{
    if (!cap)
        return 0;
    out[0] = '\0';
    if (!text)
        return 0;
    tb_search_span spans[64];
    int ns = tb_search_highlight(s, q, text, spans, 64);
    size_t from = 0;
    if (ns) { /* a little context before the first match */
        from = spans[0].start;
        for (int k = 0; from > 0 && k < maxchars / 4; k++)
            from = char_start(text, from - 1);
    }
    size_t to = advance(text, from, maxchars > 0 ? maxchars : 80), n = 0;
    if (from > 0)
        n = put(out, cap, n, "…", strlen("…"));
    size_t at = from;
    for (int i = 0; i < ns && spans[i].start < to; i++) {
        if (spans[i].end <= from)
            continue;
        size_t a = spans[i].start > at ? spans[i].start : at, b = spans[i].end < to ? spans[i].end : to;
        n = put(out, cap, n, text + at, a - at);
        n = put(out, cap, n, open, strlen(open));
        n = put(out, cap, n, text + a, b - a);
        n = put(out, cap, n, close, strlen(close));
        at = b;
    }
    n = put(out, cap, n, text + at, to - at);
    if (text[to])
        n = put(out, cap, n, "…", strlen("…"));
    out[n] = '\0';
    return n;
}
