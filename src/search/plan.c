/* From query text to a plan: concepts (what the user means by one word),
 * each with alternatives (the word itself, its synonyms, its pinyin, a
 * typo's correction), each a list of index terms. Terms that no document
 * has are dropped, so the junk bigram across two words (护照办理 → 照办)
 * does not make a document fail the query. */
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

#define W_SYNONYM 0.85f
#define W_PINYIN 0.9f
#define W_INITIALS 0.6f
#define W_TYPO 0.7f

static int live(const tb_search *s, const char *text, uint32_t *id)
{
    int32_t t = term_find(s, text);
    if (t < 0 || s->terms[t].df == 0)
        return 0;
    *id = (uint32_t)t;
    return 1;
}

static void alt_add_term(const tb_search *s, alt *a, const char *text)
{
    uint32_t id;
    if (a->nterms < MAX_ALT_TERMS && live(s, text, &id)) {
        for (int i = 0; i < a->nterms; i++)
            if (a->terms[i] == id)
                return;
        a->terms[a->nterms++] = id;
    }
}

static alt *alt_new(concept *c, float weight)
{
    if (c->nalts == MAX_ALTS)
        return NULL;
    alt *a = &c->alts[c->nalts++];
    a->nterms = 0;
    a->weight = weight;
    return a;
}

/* Keeps an alternative only when some of its terms exist. */
static void alt_done(concept *c)
{
    if (c->nalts && c->alts[c->nalts - 1].nterms == 0)
        c->nalts--;
}

typedef struct {
    const tb_search *s;
    alt *a;
    int missing;
} alt_filler;

static void fill_tok(const tok *t, void *arg)
{
    alt_filler *f = arg;
    uint32_t id;
    f->missing |= !live(f->s, t->text, &id);
    alt_add_term(f->s, f->a, t->text);
}

/* strict: every term must exist — a synonym is a curated word, and 驾驶执照
 * reduced to the 驾驶 it shares with 驾驶人 would find the wrong things. */
static void alt_from_text(const tb_search *s, concept *c, const char *text, float weight, int strict)
{
    alt *a = alt_new(c, weight);
    if (!a)
        return;
    alt_filler f = {s, a, 0};
    tok_each(text, 0, fill_tok, &f);
    if (strict && f.missing)
        a->nterms = 0;
    alt_done(c);
}

/* Pinyin terms of a syllable sequence: ^ab for full, ~xy for initials. */
static void alt_from_syllables(const tb_search *s, concept *c, const uint16_t *syl, int n, float weight)
{
    alt *a = alt_new(c, weight);
    if (!a)
        return;
    for (int i = 0; i + 1 < n; i++) {
        char term[TB_TOKEN_MAX] = {PINYIN_FULL};
        strcat(term, py_syllable(syl[i]));
        strcat(term, py_syllable(syl[i + 1]));
        alt_add_term(s, a, term);
    }
    alt_done(c);
}

static int vowels(const char *w)
{
    int n = 0;
    for (; *w; w++)
        n += strchr("aeiouv", *w) != NULL;
    return n;
}

static int letters_only(const char *w)
{
    for (; *w; w++)
        if (*w < 'a' || *w > 'z')
            return 0;
    return 1;
}

/* Initials as typed by people who know the input-method trick: hz, sfz,
 * jsz — short, and mostly consonants. */
static void alt_initials(const tb_search *s, concept *c, const char *w)
{
    size_t n = strlen(w);
    if (n < 2 || n > 6 || vowels(w) > 1)
        return;
    alt *a = alt_new(c, W_INITIALS);
    if (!a)
        return;
    for (size_t i = 0; i + 1 < n; i++) {
        char term[4] = {PINYIN_INIT, w[i], w[i + 1], 0};
        alt_add_term(s, a, term);
    }
    if (a->nterms < (int)n - 1) /* initials are unselective: all pairs or nothing */
        a->nterms = 0;
    alt_done(c);
}

/* ---- one typo: the edit-distance-1 neighbours of a word */

typedef struct {
    const tb_search *s;
    char best[2][TB_TOKEN_MAX];
    uint32_t best_df[2];
    int pinyin;
} typo_search;

static uint32_t pinyin_df(const tb_search *s, const char *w)
{
    uint16_t syl[16];
    int n = py_segment(w, syl, 16);
    uint32_t df = UINT32_MAX, id;
    if (n < 2)
        return 0;
    for (int i = 0; i + 1 < n; i++) {
        char term[TB_TOKEN_MAX] = {PINYIN_FULL};
        strcat(term, py_syllable(syl[i]));
        strcat(term, py_syllable(syl[i + 1]));
        if (!live(s, term, &id))
            return 0;
        if (s->terms[id].df < df)
            df = s->terms[id].df;
    }
    return df;
}

static void consider(typo_search *t, const char *w)
{
    uint32_t id, df = 0;
    if (t->pinyin)
        df = pinyin_df(t->s, w);
    else if (live(t->s, w, &id))
        df = t->s->terms[id].df;
    if (!df || !strcmp(w, t->best[0]) || !strcmp(w, t->best[1]))
        return;
    int k = df > t->best_df[0] ? 0 : df > t->best_df[1] ? 1 : -1;
    if (k < 0)
        return;
    if (k == 0) {
        memcpy(t->best[1], t->best[0], TB_TOKEN_MAX);
        t->best_df[1] = t->best_df[0];
    }
    strcpy(t->best[k], w);
    t->best_df[k] = df;
}

static void neighbours(typo_search *t, const char *w)
{
    size_t n = strlen(w);
    char v[TB_TOKEN_MAX + 1];
    for (size_t i = 0; i < n; i++) { /* deletion */
        memcpy(v, w, i);
        strcpy(v + i, w + i + 1);
        consider(t, v);
    }
    for (size_t i = 0; i + 1 < n; i++) { /* transposition */
        strcpy(v, w);
        v[i] = w[i + 1];
        v[i + 1] = w[i];
        consider(t, v);
    }
    for (size_t i = 0; i < n; i++) /* substitution */
        for (char ch = 'a'; ch <= 'z'; ch++) {
            strcpy(v, w);
            v[i] = ch;
            consider(t, v);
        }
    if (n + 1 >= TB_TOKEN_MAX)
        return;
    for (size_t i = 0; i <= n; i++) /* insertion */
        for (char ch = 'a'; ch <= 'z'; ch++) {
            memcpy(v, w, i);
            v[i] = ch;
            strcpy(v + i + 1, w + i);
            consider(t, v);
        }
}

static void alt_typos(const tb_search *s, concept *c, const char *w, int pinyin)
{
    typo_search t = {.s = s, .pinyin = pinyin};
    neighbours(&t, w);
    for (int k = 0; k < 2; k++) {
        if (!t.best_df[k])
            continue;
        if (!pinyin) {
            alt *a = alt_new(c, W_TYPO);
            if (a)
                alt_add_term(s, a, t.best[k]);
            alt_done(c);
            continue;
        }
        uint16_t syl[16];
        int n = py_segment(t.best[k], syl, 16);
        alt_from_syllables(s, c, syl, n, W_TYPO);
    }
}

/* A Latin or digit word: itself, its pinyin, its initials, and when none
 * of these exists, its nearest neighbours in the index. */
static void latin_concept(const tb_search *s, concept *c, const char *w)
{
    alt_from_text(s, c, w, 1, 0);
    if (letters_only(w)) {
        uint16_t syl[16];
        int n = py_segment(w, syl, 16);
        if (n >= 2)
            alt_from_syllables(s, c, syl, n, W_PINYIN);
        alt_initials(s, c, w);
    }
    size_t len = strlen(w);
    if (c->nalts == 0 && len >= 4 && letters_only(w)) { /* neither a word of the index nor pinyin */
        int before = c->nalts;
        alt_typos(s, c, w, 1);
        if (c->nalts == before)
            alt_typos(s, c, w, 0);
    }
}

/* ---- from words to concepts */

static concept *concept_new(plan *p, int mode)
{
    if (p->n == MAX_CONCEPTS)
        return NULL;
    concept *c = &p->c[p->n++];
    c->nalts = 0;
    c->mode = mode;
    return c;
}

static int subset(const alt *a, const alt *b)
{
    for (int i = 0; i < a->nterms; i++) {
        int found = 0;
        for (int j = 0; j < b->nterms && !found; j++)
            found = a->terms[i] == b->terms[j];
        if (!found)
            return 0;
    }
    return 1;
}

/* An alternative holding all the terms of another (机动车驾驶证 beside
 * 驾驶证) finds nothing more and costs a pass over the same postings: it goes. */
static void drop_supersets(concept *c)
{
    for (int j = 0; j < c->nalts; j++)
        for (int i = 0; i < c->nalts; i++)
            if (i != j && subset(&c->alts[i], &c->alts[j]) && (c->alts[i].nterms < c->alts[j].nterms || i < j)) {
                c->alts[j--] = c->alts[--c->nalts];
                break;
            }
}

static void concept_done(plan *p)
{
    if (p->n)
        drop_supersets(&p->c[p->n - 1]);
    if (p->n && p->c[p->n - 1].nalts == 0)
        p->n--;
}

typedef struct {
    const tb_search *s;
    plan *p;
    int mode;
    concept *cjk; /* the concept of the CJK run being read */
    size_t run_end;
} piece_reader;

static void close_run(piece_reader *r)
{
    if (!r->cjk)
        return;
    alt_done(r->cjk);
    concept_done(r->p);
    r->cjk = NULL;
}

static void piece_tok(const tok *t, void *arg)
{
    piece_reader *r = arg;
    if (t->kind == TOK_WORD) {
        close_run(r);
        concept *c = concept_new(r->p, r->mode);
        if (c) {
            latin_concept(r->s, c, t->text);
            concept_done(r->p);
        }
        return;
    }
    if (r->cjk && t->start >= r->run_end) /* a new run: the bigrams of one run overlap */
        close_run(r);
    if (!r->cjk) {
        r->cjk = concept_new(r->p, r->mode);
        if (r->cjk && !alt_new(r->cjk, 1))
            r->cjk = NULL;
    }
    r->run_end = t->end;
    if (r->cjk)
        alt_add_term(r->s, &r->cjk->alts[0], t->text);
}

static int one_char(const char *t)
{
    uint32_t cp;
    int n = *t ? utf8_decode((const unsigned char *)t, &cp) : 0;
    return n > 0 && !t[n];
}

/* Plain text (no synonym in it): one concept per CJK run and per word. A
 * single character left between synonyms and stopwords (开 in 开无犯罪证明,
 * 办 in 办保安证) is a verb, not a thing sought: it is dropped. */
static void plain_piece(const tb_search *s, plan *p, const char *text, int mode, int whole)
{
    if (!whole && one_char(text))
        return;
    piece_reader r = {s, p, mode, NULL, 0};
    tok_each(text, 0, piece_tok, &r);
    close_run(&r);
}

static void synonym_piece(const tb_search *s, plan *p, const synonym *y, int mode)
{
    concept *c = concept_new(p, mode);
    if (!c)
        return;
    alt_from_text(s, c, y->key, 1, 1);
    for (int i = 0; i < y->ntargets; i++)
        alt_from_text(s, c, y->targets[i], W_SYNONYM, 1);
    concept_done(p);
}

static int alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

/* One word of the query (no spaces): synonyms are cut out as concepts of
 * their own, stopwords dropped, the rest read as plain text. */
static void word(const tb_search *s, plan *p, const char *w, int mode, int stopwords)
{
    size_t n = strlen(w), plain = 0;
    char *buf = xrealloc(NULL, n + 1);
    int before = p->n;
    for (size_t i = 0; i < n;) {
        const synonym *y;
        int stop;
        size_t len = (i > 0 && alnum(w[i - 1]) && alnum(w[i])) ? 0 : syn_match(s, w + i, &y, &stop);
        if (len && (y || (stop && stopwords))) {
            buf[plain] = '\0';
            plain_piece(s, p, buf, mode, 0);
            plain = 0;
            if (y)
                synonym_piece(s, p, y, mode);
            i += len;
            continue;
        }
        do /* copy one UTF-8 character */
            buf[plain++] = w[i++];
        while (i < n && (w[i] & 0xC0) == 0x80);
    }
    buf[plain] = '\0';
    plain_piece(s, p, buf, mode, plain == n);
    free(buf);
    if (p->n == before && stopwords)
        word(s, p, w, mode, 0); /* only stopwords: search them as typed */
}

static void words(const tb_search *s, plan *p, const char *text, int mode)
{
    if (!text)
        return;
    char *norm = norm_dup(text);
    for (char *save = NULL, *w = strtok_r(norm, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        int m = mode;
        if (w[0] == '-' && w[1] && mode != C_NOT) { /* -港澳 */
            m = C_NOT;
            w++;
        }
        word(s, p, w, m, m != C_NOT);
    }
    free(norm);
}

void plan_build(const tb_search *s, const tb_search_request *req, plan *p)
{
    p->n = 0;
    words(s, p, req->q, C_MUST);
    words(s, p, req->all, C_MUST);
    words(s, p, req->any, C_SHOULD);
    words(s, p, req->none, C_NOT);
}
