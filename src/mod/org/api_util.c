/* Small helpers shared by the org module's route files. */
#include <stdlib.h>
#include <string.h>

#include "core/strx.h"
#include "mod/org/org_internal.h"

int64_t path_id(tb_req *r, int i, const char *field)
{
    const char *s = i < r->nparams ? r->params[i] : NULL;
    char *end = NULL;
    long long v = s && tb_is_digits(s, strlen(s)) && strlen(s) < 16 ? strtoll(s, &end, 10) : 0;
    if (v <= 0) {
        tb_reply_err(r, TB_E_NOT_FOUND, field);
        return -1;
    }
    return v;
}

const char *obj(tb_req *r, const char *kind, int64_t id) { return tb_arena_printf(r->arena, "%s:%lld", kind, (long long)id); }

void reply_import(tb_req *r, json_t *issues, int imported)
{
    if (json_array_size(issues)) {
        tb_error e = {TB_E_FORM_INVALID, NULL, "导入文件有误，未导入任何数据，请按提示修改后重新上传", issues};
        tb_reply_error(r, &e);
        return;
    }
    json_decref(issues);
    tb_reply_json(r, 200, json_pack("{s:i}", "imported", imported));
}

int tx_open(tb_req *r)
{
    if (tb_db_begin(r->db) == 0)
        return 0;
    tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    return -1;
}

void tx_abort(tb_req *r, tb_errcode code, const char *field)
{
    tb_db_rollback(r->db);
    tb_reply_err(r, code, field);
}

void tx_commit_reply(tb_req *r, int status, json_t *body)
{
    if (tb_db_commit(r->db) != 0) {
        json_decref(body);
        tb_db_rollback(r->db);
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return;
    }
    tb_reply_json(r, status, body);
}


/* Format from ?format=csv|xlsx (csv by default); NULL after replying 400. */
const char *export_format(tb_req *r)
{
    const char *f = tb_req_query(r, "format");
    if (r->replied)
        return NULL;
    if (!f || !*f || !strcmp(f, "csv"))
        return "csv";
    if (!strcmp(f, "xlsx"))
        return "xlsx";
    tb_reply_err(r, TB_E_INVALID_FIELD, "format");
    return NULL;
}

void reply_table(tb_req *r, const char *format, const char *base, const char *sheet, const char *const *cells,
                 int ncols, int nrows)
{
    tb_buf b = {0};
    bool xlsx = !strcmp(format, "xlsx");
    if (xlsx) {
        xlsx_build(&b, sheet, cells, ncols, nrows);
    } else {
        buf_put(&b, "\xEF\xBB\xBF", 3); /* so spreadsheet programs read UTF-8 */
        for (int i = 0; i < ncols * nrows; i++)
            buf_csv_field(&b, cells[i], i % ncols == ncols - 1);
    }
    char *body = tb_arena_alloc(r->arena, b.n ? b.n : 1); /* the reply is sent after the handler returns */
    memcpy(body, b.p, b.n);
    free(b.p);
    tb_reply_header(r, "content-disposition", tb_arena_printf(r->arena, "attachment; filename=\"%s.%s\"", base, format));
    tb_reply_raw(r, 200, xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                              : "text/csv; charset=utf-8",
                 body, b.n);
}
