#include "core/err.h"

static const struct {
    const char *name;
    int status;
    const char *msg;
} registry[] = {
#define X(name, status, msg) {#name, status, msg},
#include "core/errors.def"
#undef X
};

const char *tb_err_name(tb_errcode code) { return code < TB_E__COUNT ? registry[code].name : "INTERNAL"; }
int tb_err_status(tb_errcode code) { return code < TB_E__COUNT ? registry[code].status : 500; }
const char *tb_err_message(tb_errcode code) { return code < TB_E__COUNT ? registry[code].msg : "服务器内部错误"; }

int tb_fail(tb_error *e, tb_errcode code, const char *field)
{
    return tb_fail_msg(e, code, field, NULL);
}

int tb_fail_msg(tb_error *e, tb_errcode code, const char *field, const char *message)
{
    if (e) {
        e->code = code;
        e->field = field;
        e->message = message;
    }
    return -1;
}

void tb_error_clear(tb_error *e)
{
    if (e->details)
        json_decref(e->details);
    e->details = NULL;
    e->code = TB_E_OK;
    e->field = e->message = NULL;
}

json_t *tb_error_json(const tb_error *e)
{
    json_t *inner = json_pack("{s:s, s:s}", "code", tb_err_name(e->code), "message",
                              e->message ? e->message : tb_err_message(e->code));
    if (e->field)
        json_object_set_new(inner, "field", json_string(e->field));
    if (e->details)
        json_object_set(inner, "details", e->details);
    return json_pack("{s:o}", "error", inner);
}
