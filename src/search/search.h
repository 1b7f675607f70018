/* Full-text search over in-memory corpora (matters, notices, FAQ, knowledge
 * items); the engine knows nothing of what the documents are.
 *
 * Text is normalised (full-width ASCII and the ideographic space to
 * half-width, circled and Roman numerals to digits and letters, Latin case
 * and pinyin tone marks folded) and cut into CJK unigrams plus bigrams, so
 * 2-character Chinese terms (护照, 驾驶) are found without a dictionary, and
 * Latin/digit words. Fields carry BM25F weights (name > short name >
 * keywords > body). Title-like fields are also indexed by the pinyin of
 * each character pair, full and initials, so huzhao and hz find 护照.
 * Queries expand synonyms (驾照 → 驾驶证, configurable at run time), drop
 * stopwords (我想, 怎么), correct one typo in Latin words of 4+ letters and
 * in pinyin, and take `-word` to exclude.
 *
 * Documents are caller ids (int >= 0). Adding text to a document whose
 * current version was deleted starts a new version, so an update is
 * tb_search_delete + tb_search_add/tb_search_text again, searchable at
 * once. tb_search_build (the rebuild) drops deleted versions, compacts the
 * postings of the versions added since the last build (weights use that
 * build's field averages; a new engine recomputes all), refreshes the
 * suggestion list, and may be called any number of times. An engine holds
 * at most 2^23 document versions (deleted ones count until the next build).
 *
 * Threads: every function taking a const tb_search * only reads, so any
 * number of threads may query one engine at once while nobody changes it.
 * Changes (add, text, keyword, delete, build, synonyms) need the caller's
 * exclusive lock — a rwlock held for writing — or, better, are made on a
 * new engine that is then swapped in for the readers' next query (the
 * catalog's snapshot pattern). tb_search_hot has its own lock.
 *
 * Ownership: the engine copies every string it is given; results point
 * into the engine and stay valid until its next change. */
#ifndef TB_SEARCH_H
#define TB_SEARCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct tb_search tb_search;
typedef struct {
    int doc;
    double score;
} tb_search_hit;

#define TB_TOKEN_MAX 32

/* ---- the original interface, same meaning as before */

/* An engine with the default synonyms and stopwords; ndocs bounds the ids
 * tb_search_add accepts (0..ndocs-1); the field functions accept any id. */
tb_search *tb_search_new(int ndocs);
void tb_search_free(tb_search *s);
/* Adds text to document doc with a field weight (e.g. name 4, body 0.5).
 * Each distinct weight is a field of its own; fields of weight >= 2 are
 * taken as titles: pinyin-indexed and offered as suggestions. */
void tb_search_add(tb_search *s, int doc, const char *text, double weight);
/* Finishes (or rebuilds) the index; call before querying. */
void tb_search_build(tb_search *s);
/* Documents matching every query word, best first; when none matches them
 * all, documents matching any. Returns the number of hits (<= max). */
int tb_search_query(const tb_search *s, const char *q, tb_search_hit *hits, int max);
/* Tokenizer, exposed for tests: writes up to max tokens; returns the count.
 * query=1 drops CJK unigrams inside longer runs (bigrams carry them). */
int tb_search_tokens(const char *text, char (*out)[TB_TOKEN_MAX], int max, int query);

/* ---- normalisation */

/* Writes the normalised text (NUL-terminated, truncated to cap) and returns
 * its length: half-width, lower case, runs of spaces as one. */
size_t tb_search_normalize(const char *text, char *out, size_t cap);

/* ---- fields, facets, documents */

enum { TB_FIELD_PINYIN = 1, TB_FIELD_SUGGEST = 2 };
/* Declares a text field (at most 8); returns its id, or -1. Declaring an
 * existing name returns its id and keeps its first weight. */
int tb_search_field(tb_search *s, const char *name, double weight, unsigned flags);
/* Declares a keyword field for filters and facets (at most 16); returns its id, or -1. */
int tb_search_facet(tb_search *s, const char *name);
/* Appends text to a field of a document. */
void tb_search_text(tb_search *s, int doc, int field, const char *text);
/* Adds a keyword value (e.g. police category "traffic"); a field may hold several. */
void tb_search_keyword(tb_search *s, int doc, int facet, const char *value);
/* Popularity of a document (>= 0, e.g. visits per day): a light boost in
 * ranking and in suggestions. */
void tb_search_popularity(tb_search *s, int doc, double popularity);
/* Removes a document at once; returns 0, or -1 when it is not indexed. */
int tb_search_delete(tb_search *s, int doc);
/* Live documents. */
int tb_search_count(const tb_search *s);
/* Bytes held by the index (terms, postings, documents, suggestions). */
size_t tb_search_memory(const tb_search *s);

/* ---- synonyms */

/* Adds rules in the text format of src/search/data/synonyms.txt ("a, b, c"
 * interchangeable; "a => b, c" one way); returns the rules read, or -1 and
 * nothing added on a malformed line. */
int tb_search_synonyms_load(tb_search *s, const char *rules);
/* Forgets every synonym (the defaults too). */
void tb_search_synonyms_clear(tb_search *s);
/* The built-in rules every new engine starts with (synonyms.txt, comments included). */
const char *tb_search_synonyms_builtin(void);

/* ---- the full query: words, advanced query, filters, facets, paging */

typedef struct {
    const char *facet, *value;
} tb_search_filter;

typedef struct {
    const char *q;    /* free text; -word excludes */
    const char *all;  /* advanced query: every one of these words */
    const char *any;  /* at least one of these words */
    const char *none; /* none of these words */
    const tb_search_filter *filters; /* same facet: any value; different facets: all */
    int nfilters;
    const char *const *facets; /* facets to count over the matching set */
    int nfacets;
    int offset, limit; /* limit 0: 10 */
    int strict;        /* 1: no fallback to partial matches (implied by all and any) */
} tb_search_request;

typedef struct {
    const char *value;
    int count;
} tb_search_facet_count;

typedef struct {
    tb_search_hit *hits;
    int nhits; /* hits on this page */
    int total; /* matching documents after filters */
    int partial; /* 1 when no document matched every word and these match some */
    tb_search_facet_count *facets[16]; /* per requested facet, most frequent first */
    int nfacet_values[16];
} tb_search_result;

/* Runs a request; returns 0 (fill res; free it with tb_search_result_free) or -1. */
int tb_search_run(const tb_search *s, const tb_search_request *req, tb_search_result *res);
void tb_search_result_free(tb_search_result *res);

/* ---- suggestions as the user types */

typedef struct {
    const char *text; /* points into the engine */
    int docs;         /* documents carrying this text in a suggest field */
    double score;
} tb_search_suggestion;

/* Suggest-field texts starting with prefix — or whose pinyin or pinyin
 * initials do — then ones containing it; ranked by prefix match, document
 * count and popularity. Returns the count (<= max). */
int tb_search_suggest(const tb_search *s, const char *prefix, tb_search_suggestion *out, int max);
/* Adds a suggestion of the caller's (e.g. a hot search) with a popularity;
 * takes effect at the next tb_search_build. */
void tb_search_suggest_add(tb_search *s, const char *text, double popularity);

/* ---- highlights */

typedef struct {
    size_t start, end; /* byte range in the text */
} tb_search_span;

/* Byte ranges of text that match the query's words, their synonyms and
 * pinyin, merged and in order. Returns the count (<= max). */
int tb_search_highlight(const tb_search *s, const char *q, const char *text, tb_search_span *out, int max);
/* A snippet of at most about maxchars characters around the first match,
 * matches wrapped in open/close (e.g. "<em>", "</em>"); returns its length
 * (NUL-terminated in out, truncated to cap). */
size_t tb_search_snippet(const tb_search *s, const char *q, const char *text, const char *open, const char *close,
                         int maxchars, char *out, size_t cap);

/* ---- hot searches: top queries over a sliding window of the query log */

typedef struct tb_search_hot tb_search_hot;
typedef struct {
    char text[64];
    int count;
} tb_search_hot_entry;

/* Keeps the last capacity queries of the last window_seconds. Thread-safe. */
tb_search_hot *tb_search_hot_new(int64_t window_seconds, int capacity);
void tb_search_hot_free(tb_search_hot *h);
/* Records a query (normalised; empty ones ignored) made at time now (seconds). */
void tb_search_hot_record(tb_search_hot *h, const char *query, int64_t now);
/* The same from a client (an opaque key, e.g. a keyed hash of its address,
 * below 2^63): a query counts once per client in the top list, however
 * often that client repeats it. */
void tb_search_hot_record_client(tb_search_hot *h, const char *query, uint64_t client, int64_t now);
/* The max most frequent queries in (now - window, now], counted in distinct
 * clients (each tb_search_hot_record call is a client of its own); returns the count. */
int tb_search_hot_top(tb_search_hot *h, int64_t now, tb_search_hot_entry *out, int max);

#endif
