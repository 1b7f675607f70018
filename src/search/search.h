/* Full-text search over small in-memory corpora (the matter catalog, FAQ):
 * CJK text is indexed as character bigrams plus unigrams, so 2-character
 * Chinese terms (护照, 驾驶) are found without a dictionary; Latin words and
 * numbers are indexed lower-cased. Ranking is BM25 with per-field weights.
 * Build once, then query from any number of threads (read-only). */
#ifndef TB_SEARCH_H
#define TB_SEARCH_H

#include <stddef.h>

typedef struct tb_search tb_search;
typedef struct {
    int doc;
    double score;
} tb_search_hit;

#define TB_TOKEN_MAX 32

tb_search *tb_search_new(int ndocs);
void tb_search_free(tb_search *s);
/* Adds text to document doc (0..ndocs-1) with a field weight (e.g. name 3, body 1). */
void tb_search_add(tb_search *s, int doc, const char *text, double weight);
/* Finishes the index; no tb_search_add after this. */
void tb_search_build(tb_search *s);
/* Documents containing every query term, best first; when none contains
 * them all, documents containing any. Returns the number of hits (<= max). */
int tb_search_query(const tb_search *s, const char *q, tb_search_hit *hits, int max);
/* Tokenizer, exposed for tests: writes up to max tokens; returns the count.
 * query=1 drops CJK unigrams inside longer runs (bigrams carry them). */
int tb_search_tokens(const char *text, char (*out)[TB_TOKEN_MAX], int max, int query);

#endif
