/* One error model for the whole server: a stable code from errors.def, its
 * HTTP status and a Chinese message, plus the offending field. */
#ifndef TB_CORE_ERR_H
#define TB_CORE_ERR_H

#include <jansson.h>

typedef enum {
#define X(name, status, msg) TB_E_##name,
#include "core/errors.def"
#undef X
    TB_E__COUNT
} tb_errcode;

/* A failure on its way to the client. `field` and `message` are borrowed
 * (static or arena memory); `details` (a JSON array) is owned by the error. */
typedef struct {
    tb_errcode code;
    const char *field;
    const char *message; /* overrides the registry message when set */
    json_t *details;
} tb_error;

const char *tb_err_name(tb_errcode code);
int tb_err_status(tb_errcode code);
const char *tb_err_message(tb_errcode code);

/* Fill *e and return -1, so callers can write `return tb_fail(e, ...)`. */
int tb_fail(tb_error *e, tb_errcode code, const char *field);
int tb_fail_msg(tb_error *e, tb_errcode code, const char *field, const char *message);
void tb_error_clear(tb_error *e);
/* {"error":{"code":…,"message":…,"field":…,"details":…}}; steals nothing. */
json_t *tb_error_json(const tb_error *e);

#endif
