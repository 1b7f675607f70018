/* Declarative JSON input: a spec array names every accepted field with its
 * type and bounds; one call checks the body and reports the first problem
 * with a stable code and the field. Unknown fields are refused. */
#ifndef TB_CORE_JSONX_H
#define TB_CORE_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

typedef enum { TB_J_STR, TB_J_INT, TB_J_BOOL, TB_J_OBJ, TB_J_ARR } tb_jtype;

typedef struct {
    const char *name;
    tb_jtype type;
    bool required;
    void *out;      /* const char ** | int64_t * | bool * | json_t ** (borrowed) */
    int64_t min, max; /* STR: code points; INT: value range */
} tb_jfield;

#define TB_JSTR(n, o, req, maxcp) {(n), TB_J_STR, (req), (o), 0, (maxcp)}
#define TB_JINT(n, o, req, mn, mx) {(n), TB_J_INT, (req), (o), (mn), (mx)}
#define TB_JBOOL(n, o, req) {(n), TB_J_BOOL, (req), (o), 0, 0}
#define TB_JOBJ(n, o, req) {(n), TB_J_OBJ, (req), (o), 0, 0}
#define TB_JARR(n, o, req) {(n), TB_J_ARR, (req), (o), 0, 0}
#define TB_JEND {NULL, 0, 0, NULL, 0, 0}

/* Parses a request body that must be one JSON object. */
json_t *tb_json_parse_object(const char *body, size_t len, tb_error *e);
/* 0, or -1 with e set (FIELD_REQUIRED, WRONG_TYPE, INVALID_FIELD, UNKNOWN_FIELD).
 * A required string that is empty counts as missing. */
int tb_json_unpack(json_t *obj, const tb_jfield *spec, tb_error *e);
/* Strings from a JSON object, NULL when absent or not a string. */
const char *tb_json_str(const json_t *obj, const char *key);
/* "a,b,,c" as ["a","b","c"] (empty items skipped; NULL gives []). */
json_t *tb_json_split(const char *csv);
int64_t tb_json_int(const json_t *obj, const char *key, int64_t dflt);
/* Code points of a UTF-8 string (jansson guarantees valid UTF-8). */
size_t tb_json_cp_len(const char *s);

#endif
