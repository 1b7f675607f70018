/* Shared between the files of the catalog module only. */
#ifndef TB_MOD_CATALOG_INTERNAL_H
#define TB_MOD_CATALOG_INTERNAL_H

#include <stdatomic.h>

#include "mod/catalog/catalog.h"
#include "search/search.h"

typedef struct {
    char code[8];
    const char *name;
    const char *parent;
    int level;
} catalog_region;

/* Facets of the matter index, in the order declared (cache.c); a matter's
 * "region" values are every code where it can be applied (a listed code
 * and its descendants), so a filter on one code is "applicable there". */
enum { FACET_POLICE, FACET_THEME, FACET_ONLINE, FACET_OBJECT, FACET_DEPARTMENT, FACET_REGION, FACET_CHANNEL,
       FACET_APPOINTMENT, FACET_COUNT };
extern const char *const catalog_facet_names[FACET_COUNT];

typedef struct catalog_snapshot {
    atomic_int refs;
    int64_t epoch, search_epoch;
    catalog_matter *matters;
    int nmatters;
    tb_search *index;
    catalog_region *regions;
    int nregions;
    const char *regions_bytes;   /* {"items":[…]} of all regions */
    size_t regions_len;
    json_t *meta;                /* {"police_categories":[…],…} read-only */
    json_t *keep;                /* owns the strings the structs point into */
} catalog_snapshot;

/* cache.c */
catalog_snapshot *catalog_snapshot_get(tb_req *r);
/* Makes this node's next request look at the epochs at once (after a write). */
void catalog_snapshot_invalidate(void);

/* store.c */
int64_t store_epoch(tb_db *db);
int64_t store_search_epoch(tb_db *db);
/* Loads everything a snapshot needs as JSON: {"matters":[guide…], "rows":[…],
 * "regions":[…], "meta":[{kind,code,name}…], "synonyms":[row…]}; NULL on error. */
json_t *store_load_all(tb_db *db, int64_t *epoch, int64_t *search_epoch);
/* Staff synonym groups [{id, words, targets, created_by, created_at}] (words and
 * targets comma-separated), oldest first; NULL on error. */
json_t *store_synonyms(tb_db *db);
/* Adds a group and bumps the 'search' epoch (call inside a transaction):
 * the new id, or -1. */
int64_t store_synonym_add(tb_db *db, const char *words, const char *targets, const char *actor);
/* Deletes a group and bumps the epoch: 0, 1 no such group, -1 error. */
int store_synonym_delete(tb_db *db, int64_t id);

/* cache.c: the synonym rule of a group row ("a, b" or "a => b, c"), malloc'd */
char *catalog_synonym_rule(const char *words, const char *targets);
/* Region codes from code up to the province (code first); returns the count. */
int catalog_region_chain(const catalog_snapshot *s, const char *code, const char *out[4]);

/* search.c: handlers of the search routes (the route table is in api.c) */
void catalog_get_search(tb_req *r);
void catalog_get_suggest(tb_req *r);
void catalog_get_search_hot(tb_req *r);
void catalog_get_synonyms(tb_req *r);
void catalog_post_synonym(tb_req *r);
void catalog_delete_synonym(tb_req *r);
int store_upsert_matter(tb_db *db, const json_t *guide, const char *text, int hot, int sort);
int store_upsert_region(tb_db *db, const char *code, const char *name, int level, const char *parent, int sort);
int store_upsert_meta(tb_db *db, const char *kind, const char *code, const char *name, int sort);

#endif
