/* Form schemas (versioned JSON, see docs/api.md) and the one validator the
 * submission and the browser's inline check both use. */
#ifndef TB_MOD_FORMS_H
#define TB_MOD_FORMS_H

#include <jansson.h>

#include "http/http.h"

/* Validates values against schema. Returns a new array of every error
 * ([{"field","code","message"}], empty when valid), or NULL on an internal
 * failure. JavaScript `rule`s run in the thread's rule workers. */
json_t *forms_validate(tb_req *r, const json_t *schema, const json_t *values);

#endif
