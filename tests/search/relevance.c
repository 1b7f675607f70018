/* The relevance suite: loads the seed matters, indexes them with the engine
 * and with SQLite FTS5 (trigram) over the same fields, runs the labelled
 * queries of queries.tsv on both and prints recall@10 and nDCG@10 per
 * category and overall. Exits 1 when the engine's recall@10 is below 0.95,
 * or when a query labelled "-" (nonsense, hostile input) finds anything.
 *
 * queries.tsv: query <TAB> relevant codes (comma-separated; "-" for none)
 * <TAB> category. Usage: search_relevance seed/matters.json queries.tsv [-v] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

#define K 10
#define GOAL 0.95

typedef struct {
    char cat[32];
    double recall[2], ndcg[2];
    int n;
} category;

static int find_code(const corpus_doc *d, int n, const char *code)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(d[i].code, code))
            return i;
    return -1;
}

/* Binary relevance: nDCG over the first K, recall against min(|R|, K). */
static void score(const int *got, int ngot, const int *rel, int nrel, double *recall, double *ndcg)
{
    double dcg = 0, idcg = 0;
    int found = 0;
    for (int i = 0; i < ngot && i < K; i++)
        for (int j = 0; j < nrel; j++)
            if (got[i] == rel[j]) {
                dcg += 1 / log2(i + 2.0);
                found++;
            }
    for (int i = 0; i < nrel && i < K; i++)
        idcg += 1 / log2(i + 2.0);
    *recall = (double)found / (nrel < K ? nrel : K);
    *ndcg = dcg / idcg;
}

static int engine_query(const tb_search *s, const char *q, int *docs)
{
    tb_search_hit hits[K];
    int n = tb_search_query(s, q, hits, K);
    for (int i = 0; i < n; i++)
        docs[i] = hits[i].doc;
    return n;
}

static category *cat_of(category *cats, int *ncats, const char *name)
{
    for (int i = 0; i < *ncats; i++)
        if (!strcmp(cats[i].cat, name))
            return &cats[i];
    category *c = &cats[(*ncats)++];
    memset(c, 0, sizeof *c);
    snprintf(c->cat, sizeof c->cat, "%s", name);
    return c;
}

static int parse_codes(char *codes, const corpus_doc *d, int n, int *rel, const char *q)
{
    int nrel = 0;
    for (char *save = NULL, *c = strtok_r(codes, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        int i = find_code(d, n, c);
        if (i < 0) {
            fprintf(stderr, "queries.tsv: %s: unknown code %s\n", q, c);
            exit(2);
        }
        rel[nrel++] = i;
    }
    return nrel;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s matters.json queries.tsv [-v]\n", argv[0]);
        return 2;
    }
    int verbose = argc > 3 && !strcmp(argv[3], "-v");
    corpus_doc *d;
    int n = corpus_load(argv[1], &d);
    FILE *f = fopen(argv[2], "r");
    if (n <= 0 || !f) {
        fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    tb_search *s = tb_search_new(n);
    corpus_fields(s);
    sqlite3 *db = corpus_fts_open();
    sqlite3_stmt *ins = corpus_fts_insert_stmt(db);
    for (int i = 0; i < n; i++) {
        corpus_add(s, i, &d[i]);
        corpus_fts_add(db, ins, i, &d[i]);
    }
    sqlite3_finalize(ins);
    tb_search_build(s);

    category cats[32], *all;
    int ncats = 0, nonsense = 0, leaks = 0;
    all = cat_of(cats, &ncats, "all");
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *q = strtok(line, "\t"), *codes = strtok(NULL, "\t"), *cname = strtok(NULL, "\t");
        if (!q || !codes || q[0] == '#')
            continue;
        int got[2][K], ngot[2] = {engine_query(s, q, got[0]), corpus_fts_query(db, q, got[1], K)}, rel[64];
        if (!strcmp(codes, "-")) { /* must find nothing */
            nonsense++;
            if (ngot[0]) {
                printf("LEAK  %s: the engine found %d documents\n", q, ngot[0]);
                leaks++;
            }
            continue;
        }
        int nrel = parse_codes(codes, d, n, rel, q);
        category *c = cat_of(cats, &ncats, cname ? cname : "other");
        for (int e = 0; e < 2; e++) {
            double r, g;
            score(got[e], ngot[e], rel, nrel, &r, &g);
            c->recall[e] += r, c->ndcg[e] += g;
            all->recall[e] += r, all->ndcg[e] += g;
            if (e == 0 && (r < 1 || verbose)) {
                printf("%s  %s [%s]: recall %.2f nDCG %.2f; top:", r < 1 ? "MISS" : "ok  ", q, c->cat, r, g);
                for (int i = 0; i < ngot[0] && i < 3; i++)
                    printf(" %s", d[got[0][i]].short_name);
                printf("\n");
            }
        }
        c->n++, all->n++;
    }
    fclose(f);
    printf("\n%-12s %5s  %-17s  %-17s\n", "category", "n", "engine R@10 nDCG", "FTS5 trigram R@10 nDCG");
    for (int i = ncats - 1; i >= 0; i--) { /* "all" last */
        category *c = &cats[i];
        if (c->n)
            printf("%-12s %5d  %6.3f %6.3f     %6.3f %6.3f\n", c->cat, c->n, c->recall[0] / c->n, c->ndcg[0] / c->n,
                   c->recall[1] / c->n, c->ndcg[1] / c->n);
    }
    double recall = all->n ? all->recall[0] / all->n : 0;
    printf("nonsense queries answered with nothing: %d of %d\n", nonsense - leaks, nonsense);
    int ok = all->n >= 150 && recall >= GOAL && !leaks;
    printf("relevance: engine recall@10 %.3f (goal %.2f over >= 150 queries, %d labelled): %s\n", recall, GOAL,
           all->n, ok ? "passed" : "FAILED");
    sqlite3_close(db);
    tb_search_free(s);
    corpus_free(d, n);
    return ok ? 0 : 1;
}
