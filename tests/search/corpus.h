/* The seed matters as a search corpus, shared by the relevance runner and
 * bench/search_bench.c: the same four fields go into the engine and into an
 * SQLite FTS5 trigram table, so both are judged on the same text. */
#ifndef TB_TEST_SEARCH_CORPUS_H
#define TB_TEST_SEARCH_CORPUS_H

#include <sqlite3.h>

#include "search/search.h"

typedef struct {
    char *code, *name, *short_name, *keywords, *body;
    char *police, *theme, *online;
} corpus_doc;

/* Field weights of both engines: name > short name > keywords > body. */
#define W_NAME 4.0
#define W_SHORT 3.0
#define W_KEYWORDS 1.5
#define W_BODY 0.5

/* Reads seed/matters.json; returns the number of documents, or -1. */
int corpus_load(const char *path, corpus_doc **out);
void corpus_free(corpus_doc *d, int n);
/* Adds document i (id doc) to an engine whose fields corpus_fields declared. */
void corpus_fields(tb_search *s);
void corpus_add(tb_search *s, int doc, const corpus_doc *d);
/* An in-memory FTS5 trigram table over the same fields (rowid = doc + 1). */
sqlite3 *corpus_fts_open(void);
void corpus_fts_add(sqlite3 *db, sqlite3_stmt *ins, int doc, const corpus_doc *d);
sqlite3_stmt *corpus_fts_insert_stmt(sqlite3 *db);
/* Top max documents of FTS5 for q: its words as phrases (AND, then OR when
 * nothing matches all), -word excluded; words under three characters, which
 * the trigram index cannot match, become LIKE conditions. Returns the count. */
int corpus_fts_query(sqlite3 *db, const char *q, int *docs, int max);

#endif
