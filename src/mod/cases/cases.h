/* Cases (办件): online applications, their materials, history and the
 * anonymous progress query. */
#ifndef TB_MOD_CASES_H
#define TB_MOD_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"

void cases_register(void);
/* The whole case (form, materials, history, deadline) for the workbench;
 * callers check the data scope first. NULL when missing. */
json_t *cases_detail_json(tb_req *r, const char *serial, bool staff);
/* Adds status_name and region_name to a case row and turns its epoch
 * times (submitted_at, updated_at, at) into ISO strings. */
void cases_decorate(tb_req *r, json_t *row);
/* A stored material's bytes (arena), or NULL. */
char *cases_blob_read(tb_req *r, const char *sm3, size_t *len);

/* Business coding rule for 办件编号. Tokens: {region} (6-digit GB/T 2260),
 * {date} (yyyymmdd, +08:00), {matter} (the matter's 12-char basic code),
 * {seq:N} (N-digit sequence, 1..9 digits, exactly once). The counter key is
 * the expansion without the sequence, so numbering restarts per region and
 * day with the default rule "{region}{date}{seq:5}".
 * Expands into out and key; returns 0, or -1 for a bad rule or overflow. */
int cases_serial_format(const char *rule, const char *region, const char *date, const char *matter, long seq,
                        char *out, size_t outlen, char *key, size_t keylen);
/* Checks a rule at start-up: 0 or -1. */
int cases_serial_rule_ok(const char *rule);
/* Allocates the next serial inside the caller's transaction. */
int cases_serial_next(tb_db *db, const char *rule, const char *region, const char *matter, int64_t now, char *out,
                      size_t outlen);

#endif
