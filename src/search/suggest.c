/* Suggestions as the user types: the distinct texts of suggest fields (and
 * the caller's phrases), each with its pinyin and initials, in three sorted
 * arrays so a prefix is two binary searches; containment is a scan, done
 * only when prefixes do not fill the list. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

#define SUGGEST_TEXT_MAX 160 /* longer texts are not what one types */
#define CANDIDATES 256

void suggest_record(tb_search *s, uint32_t slot, const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > SUGGEST_TEXT_MAX)
        return;
    if (s->nssrc == s->capssrc) {
        s->capssrc = s->capssrc ? s->capssrc * 2 : 64;
        s->ssrc = xrealloc(s->ssrc, (size_t)s->capssrc * sizeof *s->ssrc);
    }
    s->ssrc[s->nssrc++] = (suggest_src){slot, 0, xstrdup(text)};
}

void tb_search_suggest_add(tb_search *s, const char *text, double popularity)
{
    if (!text)
        return;
    int n = s->nssrc;
    suggest_record(s, UINT32_MAX, text);
    if (s->nssrc > n)
        s->ssrc[n].pop = popularity > 0 ? popularity : 0;
}

static void free_entries(tb_search *s)
{
    for (int i = 0; i < s->nsugg; i++) {
        free(s->sugg[i].text);
        free(s->sugg[i].norm);
        free(s->sugg[i].pinyin);
        free(s->sugg[i].initials);
    }
    free(s->sugg);
    free(s->sugg_by_text);
    free(s->sugg_by_pinyin);
    free(s->sugg_by_initials);
    s->sugg = NULL;
    s->sugg_by_text = s->sugg_by_pinyin = s->sugg_by_initials = NULL;
    s->nsugg = s->capsugg = 0;
}

void suggest_free(tb_search *s)
{
    free_entries(s);
    for (int i = 0; i < s->nssrc; i++)
        free(s->ssrc[i].text);
    free(s->ssrc);
    s->ssrc = NULL;
    s->nssrc = s->capssrc = 0;
}

/* Full pinyin and initials of a normalised text, first readings only;
 * Latin letters and digits are kept as they are. */
static void pinyin_of(const char *norm, char **full, char **initials)
{
    size_t cap = strlen(norm) * 3 + 1, nf = 0, ni = 0;
    char *f = xrealloc(NULL, cap), *i = xrealloc(NULL, cap);
    for (const unsigned char *p = (const unsigned char *)norm; *p;) {
        uint32_t cp;
        p += utf8_decode(p, &cp);
        uint16_t r[PY_MAX_READ];
        if (py_readings(cp, r)) {
            const char *y = py_syllable(r[0]);
            size_t n = strlen(y);
            memcpy(f + nf, y, n); /* a syllable (<= 6) fits in a character's 3 bytes times 3 */
            nf += n;
            i[ni++] = y[0];
        } else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            f[nf++] = (char)cp;
            i[ni++] = (char)cp;
        }
    }
    f[nf] = i[ni] = '\0';
    *full = f;
    *initials = i;
}

static int cmp_src(const void *a, const void *b, void *arg)
{
    const suggest_src *src = arg;
    return strcmp(src[*(const int *)a].text, src[*(const int *)b].text);
}

static int cmp_key(const void *a, const void *b, void *arg)
{
    const tb_search *s = ((void **)arg)[0];
    size_t off = (size_t)((void **)arg)[1];
    const suggestion *x = &s->sugg[*(const uint32_t *)a], *y = &s->sugg[*(const uint32_t *)b];
    return strcmp(*(char *const *)((const char *)x + off), *(char *const *)((const char *)y + off));
}

static uint32_t *sorted_by(tb_search *s, size_t off)
{
    uint32_t *v = xrealloc(NULL, (size_t)(s->nsugg + 1) * sizeof *v);
    for (int i = 0; i < s->nsugg; i++)
        v[i] = (uint32_t)i;
    void *arg[2] = {s, (void *)off};
    qsort_r(v, (size_t)s->nsugg, sizeof *v, cmp_key, arg);
    return v;
}

static void add_entry(tb_search *s, const suggest_src *src, char *norm)
{
    if (s->nsugg == s->capsugg) {
        s->capsugg = s->capsugg ? s->capsugg * 2 : 64;
        s->sugg = xrealloc(s->sugg, (size_t)s->capsugg * sizeof *s->sugg);
    }
    suggestion *e = &s->sugg[s->nsugg++];
    e->text = xstrdup(src->text);
    e->norm = norm;
    pinyin_of(norm, &e->pinyin, &e->initials);
    e->docs = 0;
    e->pop = 0;
}

/* One entry per distinct normalised text: its documents counted, the
 * popularity of its documents and of the caller's phrase summed. */
void suggest_build(tb_search *s)
{
    free_entries(s);
    int *order = xrealloc(NULL, (size_t)(s->nssrc + 1) * sizeof *order);
    suggest_src *norm = xrealloc(NULL, (size_t)(s->nssrc + 1) * sizeof *norm);
    for (int i = 0; i < s->nssrc; i++) {
        order[i] = i;
        norm[i] = s->ssrc[i];
        norm[i].text = norm_dup(s->ssrc[i].text);
    }
    qsort_r(order, (size_t)s->nssrc, sizeof *order, cmp_src, norm);
    for (int k = 0; k < s->nssrc; k++) {
        const suggest_src *src = &norm[order[k]];
        if (!*src->text)
            continue;
        if (!s->nsugg || strcmp(s->sugg[s->nsugg - 1].norm, src->text))
            add_entry(s, &s->ssrc[order[k]], xstrdup(src->text));
        suggestion *e = &s->sugg[s->nsugg - 1];
        e->docs += src->slot != UINT32_MAX;
        e->pop += src->slot != UINT32_MAX ? s->slots[src->slot].pop : src->pop;
    }
    for (int i = 0; i < s->nssrc; i++)
        free(norm[i].text);
    free(norm);
    free(order);
    s->sugg_by_text = sorted_by(s, offsetof(suggestion, norm));
    s->sugg_by_pinyin = sorted_by(s, offsetof(suggestion, pinyin));
    s->sugg_by_initials = sorted_by(s, offsetof(suggestion, initials));
}

/* ---- lookup */

typedef struct {
    uint32_t entry;
    double score;
} cand;

typedef struct {
    cand v[CANDIDATES];
    int n;
} cands;

static void offer(const tb_search *s, cands *c, uint32_t entry, double base)
{
    const suggestion *e = &s->sugg[entry];
    double score = base + log1p(e->docs) + log1p(e->pop);
    for (int i = 0; i < c->n; i++)
        if (c->v[i].entry == entry) {
            if (score > c->v[i].score)
                c->v[i].score = score;
            return;
        }
    if (c->n < CANDIDATES)
        c->v[c->n++] = (cand){entry, score};
}

static const char *key_of(const suggestion *e, size_t off) { return *(char *const *)((const char *)e + off); }

static void prefix_range(const tb_search *s, cands *c, const uint32_t *idx, size_t off, const char *p, double base)
{
    size_t lo = 0, hi = (size_t)s->nsugg, n = strlen(p);
    while (lo < hi) { /* first key >= p */
        size_t mid = (lo + hi) / 2;
        if (strcmp(key_of(&s->sugg[idx[mid]], off), p) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < (size_t)s->nsugg && c->n < CANDIDATES; i++) {
        if (strncmp(key_of(&s->sugg[idx[i]], off), p, n))
            break;
        offer(s, c, idx[i], base);
    }
}

static int by_score(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return x->score != y->score ? (x->score < y->score ? 1 : -1) : (int)x->entry - (int)y->entry;
}

static int latin_only(const char *p)
{
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

int tb_search_suggest(const tb_search *s, const char *prefix, tb_search_suggestion *out, int max)
{
    if (!s || !prefix || max <= 0 || !s->nsugg)
        return 0;
    char p[SUGGEST_TEXT_MAX + 1];
    if (!tb_search_normalize(prefix, p, sizeof p))
        return 0;
    cands *c = xrealloc(NULL, sizeof *c);
    c->n = 0;
    prefix_range(s, c, s->sugg_by_text, offsetof(suggestion, norm), p, 30);
    if (latin_only(p)) { /* jiashi, jsz: what a pinyin keyboard shows before conversion */
        prefix_range(s, c, s->sugg_by_pinyin, offsetof(suggestion, pinyin), p, 20);
        prefix_range(s, c, s->sugg_by_initials, offsetof(suggestion, initials), p, 20);
    }
    for (int i = 0; i < s->nsugg && c->n < max; i++)
        if (strstr(s->sugg[i].norm, p))
            offer(s, c, (uint32_t)i, 10);
    qsort(c->v, (size_t)c->n, sizeof *c->v, by_score);
    int n = c->n < max ? c->n : max;
    for (int i = 0; i < n; i++) {
        const suggestion *e = &s->sugg[c->v[i].entry];
        out[i] = (tb_search_suggestion){e->text, e->docs, c->v[i].score};
    }
    free(c);
    return n;
}
