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

typedef struct catalog_snapshot {
    atomic_int refs;
    int64_t epoch;
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

/* store.c */
int64_t store_epoch(tb_db *db);
/* Loads everything a snapshot needs as JSON: {"matters":[guide…], "rows":[…],
 * "regions":[…], "meta":[{kind,code,name}…]}; NULL on error. */
json_t *store_load_all(tb_db *db, int64_t *epoch);
int store_upsert_matter(tb_db *db, const json_t *guide, const char *text, int hot, int sort);
int store_upsert_region(tb_db *db, const char *code, const char *name, int level, const char *parent, int sort);
int store_upsert_meta(tb_db *db, const char *kind, const char *code, const char *name, int sort);

#endif
