/* Internals of the search engine, shared by its source files only. The
 * public contract is search.h. */
#ifndef TB_SEARCH_INTERNAL_H
#define TB_SEARCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "search/search.h"

#define MAX_FIELDS 8
#define MAX_FACETS 16
#define PINYIN_FULL '^' /* prefix of a bigram's full-pinyin term: ^huzhao */
#define PINYIN_INIT '~' /* prefix of a bigram's initials term: ~hz */

/* ---- text.c: normalisation and tokens with their byte ranges in the input */
enum tok_kind { TOK_UNI, TOK_BI, TOK_WORD };
typedef struct {
    const char *text; /* normalised token, NUL-terminated */
    int kind;
    size_t start, end; /* byte range of the token in the original text */
    uint32_t cp[2];    /* the CJK code points of a unigram or bigram */
} tok;
typedef void (*tok_fn)(const tok *t, void *arg);
/* Calls fn for each token of text: CJK unigrams (when unigrams is set) and
 * bigrams, and Latin/digit words of 2+ characters. */
void tok_each(const char *text, int unigrams, tok_fn fn, void *arg);
int utf8_decode(const unsigned char *p, uint32_t *cp);
int utf8_encode(uint32_t cp, char *out);
int is_cjk(uint32_t c);
/* Normalised form of one code point: writes up to 4 code points, returns how many (0: dropped). */
int norm_char(uint32_t c, uint32_t out[4]);

/* ---- pinyin.c: the embedded table, built once per process */
#define PY_MAX_READ 2
/* Toneless readings of a CJK code point (ids of syllables); returns their count. */
int py_readings(uint32_t cp, uint16_t out[PY_MAX_READ]);
const char *py_syllable(uint16_t id);
/* Splits a run of Latin letters into the fewest pinyin syllables; returns the count, or 0. */
int py_segment(const char *s, uint16_t *out, int max);
/* Calls fn with each pinyin term (^full and ~initials) of the bigram a b. */
/* An embedded data file (pinyin.txt, synonyms.txt, stopwords.txt); "" when absent. */
const char *search_data(const char *name);
void py_bigram_terms(uint32_t a, uint32_t b, void (*fn)(const char *term, void *arg), void *arg);

/* ---- index.c */
typedef struct {
    uint32_t slot;
    uint16_t tf;
    uint8_t field, pad;
} posting;

/* A compiled posting in 32 bits: slot << 9 | title << 8 | weight, the
 * weight being the document's BM25F weight for the term, saturated (so in
 * (0, k1 + 1]) and quantised to 8 bits; idf is applied at query time. Half
 * the size of a (slot, float) pair, for rankings that differ below 0.5%.
 * It bounds an engine to 2^23 (8 million) document versions. */
typedef uint32_t impact;
#define MAX_SLOTS (1u << 23)
#define IMPACT_SLOT(v) ((v) >> 9)
#define IMPACT_TITLE(v) (((v) >> 8) & 1)
#define IMPACT_WEIGHT(v) ((float)((v) & 0xFF) * (float)((BM25_K1 + 1) / 255))
#define BM25_K1 1.2
#define BM25_B 0.75
#define TITLE_WEIGHT 2.0 /* fields this heavy are titles (name, short name) */

/* Postings of the slots compiled by the last build, and raw postings of
 * the text added since (per field, weighted when queried). */
typedef struct {
    char text[TB_TOKEN_MAX];
    impact *cpost;
    posting *post;
    uint32_t cn, n, cap, df, last;
} term;

typedef struct {
    char name[32];
    double weight;
    unsigned flags;
} field_def;

typedef struct {
    char name[32];
    char **values;
    int nvalues, cap;
} facet_def;

typedef struct {
    int doc;
    int dead;
    float pop;
    uint32_t *kw; /* facet << 24 | value */
    int nkw, capkw;
    float len[MAX_FIELDS];
} slot_info;

typedef struct {
    char *key;
    char **targets;
    int ntargets;
} synonym;

typedef struct {
    char *text, *norm, *pinyin, *initials; /* as first given; normalised; its pinyin; initials */
    int docs;
    double pop;
} suggestion;

typedef struct {
    uint32_t slot; /* UINT32_MAX: the caller's own phrase */
    double pop;
    char *text;
} suggest_src;

struct tb_search {
    term *terms;
    uint32_t nterms, capterms;
    uint32_t *table; /* hash slots: term index + 1, 0 empty */
    size_t nslots;

    field_def fields[MAX_FIELDS];
    int nfields;
    facet_def facets[MAX_FACETS];
    int nfacets;

    slot_info *slots;
    float *norm;  /* per slot and field: weight / (1 - b + b * len / avglen) */
    float *boost; /* per slot: the popularity factor; 0 for a deleted slot (read per candidate, so compact) */
    uint32_t nslot, capslot;
    int *slot_of; /* doc -> slot, -1 */
    int ndocs_cap, legacy_ndocs, live;
    double avglen[MAX_FIELDS];
    int built;
    uint32_t compiled; /* slots below this were compiled by the last build */

    synonym *syn;
    int nsyn, capsyn, synmaxchars;
    char **stop;
    int nstop;

    suggest_src *ssrc;
    int nssrc, capssrc;
    suggestion *sugg;
    int nsugg, capsugg;
    uint32_t *sugg_by_text, *sugg_by_pinyin, *sugg_by_initials; /* sorted entry indexes */
};

int32_t term_find(const tb_search *s, const char *text);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Normalises a whole string (lower case, half width, single spaces). */
char *norm_dup(const char *in);

/* ---- synonym.c */
void syn_free(tb_search *s);
void syn_load_defaults(tb_search *s);
/* Longest synonym key or stopword at p (normalised text); returns its byte length. */
size_t syn_match(const tb_search *s, const char *p, const synonym **hit, int *stop);

/* ---- query.c: a parsed query */
#define MAX_ALT_TERMS 24
#define MAX_ALTS 12
#define MAX_CONCEPTS 24
enum { C_MUST, C_SHOULD, C_NOT };
typedef struct {
    uint32_t terms[MAX_ALT_TERMS];
    int nterms;
    float weight;
} alt;
typedef struct {
    alt alts[MAX_ALTS];
    int nalts, mode;
} concept;
typedef struct {
    concept c[MAX_CONCEPTS];
    int n;
} plan;
void plan_build(const tb_search *s, const tb_search_request *req, plan *p);

/* ---- suggest.c */
void suggest_build(tb_search *s);
void suggest_free(tb_search *s);
void suggest_record(tb_search *s, uint32_t slot, const char *text);

#endif
