/* The matter catalog (事项目录): national data elements of each service
 * matter, its guide, its form and where it can be applied. Reads are served
 * from an in-memory snapshot of ready JSON bytes, rebuilt when the
 * `catalog` cache epoch in the database changes (any node's write bumps it). */
#ifndef TB_MOD_CATALOG_H
#define TB_MOD_CATALOG_H

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"

typedef struct catalog_matter {
    const char *code, *name, *police, *theme, *online;
    bool appointment, channel_pc;
    unsigned objects;            /* bit n set: service object code n */
    char (*regions)[8];
    int nregions;
    int hot, sort, case_type;
    const char *guide_bytes;     /* the full guide, ready to send */
    size_t guide_len;
    const char *summary_bytes;   /* MatterSummary */
    size_t summary_len;
    json_t *guide;               /* parsed guide: read-only, shared by threads */
} catalog_matter;

void catalog_register(void);
/* A published matter of the current snapshot, valid until the calling
 * thread's next request; NULL when unknown or not published. */
const catalog_matter *catalog_find(tb_req *r, const char *code);
/* Does the matter accept applications in `region` (itself or an ancestor
 * listed)? */
bool catalog_region_allowed(const catalog_matter *m, const char *region);
/* Name of a region / code-list entry, or NULL ("case_status", "police", ...). */
const char *catalog_region_name(tb_req *r, const char *code);
const char *catalog_code_name(tb_req *r, const char *kind, const char *code);
/* Loads demo data (meta codes, regions, matters) from files; used by
 * `tongban seed`. Returns 0, or -1 with a message. */
int catalog_seed(tb_db *db, const char *seed_dir, const char *regions_file, char *err, size_t errlen);
/* Publishes or withdraws a matter (status published | unpublished | draft),
 * optionally setting its channels (array of "pc" "mobile" "kiosk"), and
 * makes every node reload. 0, 1 no such matter, 2 bad channels, -1 error. */
int catalog_set_status(tb_db *db, const char *code, const char *status, const json_t *channels);
/* True when the matter is handled at the window only (no online flow). */
bool catalog_is_window_only(tb_db *db, const char *code);
/* Makes every node reload the catalog. */
int catalog_bump_epoch(tb_db *db);
/* Published matters a question names (full-text search, keeping the hits where the question's
 * words, synonyms or pinyin cover at least two characters of the matter's name or short name),
 * best first, applicable in region when given (NULL/"" = anywhere); up to max (at most 64) into
 * out, valid like catalog_find's. Returns the count. */
int catalog_lookup(tb_req *r, const char *q, const char *region, const catalog_matter **out, int max);
/* The published matter whose full or short name appears in text (the longest such name), or NULL. */
const catalog_matter *catalog_named_in(tb_req *r, const char *text);

#endif
