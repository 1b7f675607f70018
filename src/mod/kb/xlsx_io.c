/* XLSX export (libxlsxwriter) and import of knowledge items. The import
 * reads the first sheet with the checked reader of the org module
 * (src/mod/org/xlsx_read.c: bounded ZIP and XML parsing of an untrusted
 * upload), checks every row and writes all of them in one transaction, or
 * none: every problem comes back with its row number, column and a Chinese
 * message. A row whose 编号 names an existing item updates that item's
 * working copy (a new draft; the live version keeps answering until the
 * draft is reviewed and published), any other row adds a draft. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/kb/kb_internal.h"
#include "mod/org/org_internal.h" /* the XLSX reader and the upload part (xlsx_parse, import_body) */

static const char *const COLS[] = {"编号", "分类", "标准问题", "相似问题", "答案", "适用区划", "有效期起", "有效期止", "来源", "状态"};
enum { C_ID, C_CAT, C_Q, C_SIM, C_ANS, C_REG, C_FROM, C_TO, C_SRC, C_STATUS, NCOLS };

typedef struct {
    lxw_worksheet *ws;
    int row;
    json_t *paths;
} export_ctx;

static void export_row(tb_req *r, const kb_item *it, void *arg)
{
    export_ctx *x = arg;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)it->category_id);
    json_t *p = json_object_get(x->paths, key);
    /* similar questions one a line, regions comma-separated */
    json_t *sim = json_loads(it->similar, 0, NULL), *regs = json_loads(it->regions, 0, NULL);
    const char *simtxt = "", *regtxt = "";
    size_t i;
    json_t *v;
    json_array_foreach(sim, i, v) simtxt = tb_arena_printf(r->arena, "%s%s%s", simtxt, i ? "\n" : "", json_string_value(v));
    json_array_foreach(regs, i, v) regtxt = tb_arena_printf(r->arena, "%s%s%s", regtxt, i ? "," : "", json_string_value(v));
    json_decref(sim);
    json_decref(regs);
    const char *cells[NCOLS] = {tb_arena_printf(r->arena, "%lld", (long long)it->id),
                                p ? tb_json_str(p, "path") : it->category_name,
                                it->question,
                                simtxt,
                                it->answer,
                                regtxt,
                                it->valid_from ? kb_date(r, it->valid_from) : "",
                                it->valid_to ? kb_date(r, it->valid_to) : "",
                                it->source,
                                kb_status_name(it->status)};
    x->row++;
    for (int c = 0; c < NCOLS; c++)
        worksheet_write_string(x->ws, (lxw_row_t)x->row, (lxw_col_t)c, cells[c], NULL);
}

void kb_get_export(tb_req *r)
{
    char path[] = "/tmp/tongban-kb-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        unlink(path);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "知识");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    for (int c = 0; c < NCOLS; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, COLS[c], bold);
    worksheet_set_column(ws, 1, 3, 30, NULL);
    worksheet_set_column(ws, 4, 4, 60, NULL);
    export_ctx x = {ws, 0, kb_category_paths(r->db)};
    kb_filter f = {0};
    int64_t total = 0, cat = 0;
    if (tb_req_query_int(r, "category_id", 0, 0, INT64_MAX, &cat) != 0) {
        json_decref(x.paths);
        workbook_close(wb);
        unlink(path);
        return;
    }
    if (cat)
        f.cats = tb_arena_printf(r->arena, ",%lld,", (long long)cat);
    int rc = kb_store_items(r, &f, 100000, 0, export_row, &x, &total);
    json_decref(x.paths);
    if (workbook_close(wb) != LXW_NO_ERROR || rc != 0) {
        unlink(path);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    FILE *fp = fopen(path, "rb");
    unlink(path);
    if (!fp)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *data = len > 0 ? tb_arena_alloc(r->arena, (size_t)len) : NULL;
    size_t got = data ? fread(data, 1, (size_t)len, fp) : 0;
    fclose(fp);
    if (!data || got != (size_t)len)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (audit_record(r, "kb.export", "kb_items", "ok", tb_arena_printf(r->arena, "%lld", (long long)total)) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_header(r, "Content-Disposition", "attachment; filename=\"kb-items.xlsx\"");
    tb_reply_raw(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data, (size_t)len);
}

/* ---- import ---- */
static void issue(json_t *issues, int row, int col, const char *msg)
{
    json_array_append_new(issues, json_pack("{s:i, s:s, s:s}", "row", row, "field", COLS[col], "message", msg));
}

static const char *trim(tb_req *r, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return tb_arena_strndup(r->arena, s, n);
}

/* splits on any of the separators into a JSON array of trimmed non-empty parts */
static json_t *split(tb_req *r, const char *s, const char *const *seps)
{
    json_t *a = json_array();
    const char *p = s;
    while (*p) {
        const char *best = NULL;
        size_t bl = 0;
        for (int k = 0; seps[k]; k++) {
            const char *f = strstr(p, seps[k]);
            if (f && (!best || f < best)) {
                best = f;
                bl = strlen(seps[k]);
            }
        }
        const char *end = best ? best : p + strlen(p);
        const char *part = trim(r, tb_arena_strndup(r->arena, p, (size_t)(end - p)));
        if (*part)
            json_array_append_new(a, json_string(part));
        p = best ? best + bl : end;
    }
    return a;
}

static char *dumps(tb_req *r, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    char *out = tb_arena_strdup(r->arena, s ? s : "[]");
    free(s);
    json_decref(j);
    return out;
}

typedef struct {
    kb_item it;
    bool update;
} import_row;

static void check_row(tb_req *r, char **f, int line, json_t *paths_by_name, json_t *issues, import_row *out)
{
    static const char *const SIM_SEPS[] = {"\n", "；", ";", "|", NULL};
    static const char *const REG_SEPS[] = {",", "，", "、", " ", "\n", NULL};
    kb_item *it = &out->it;
    const char *id = trim(r, f[C_ID]);
    if (*id) {
        char *end;
        it->id = strtoll(id, &end, 10);
        if (*end || it->id <= 0) {
            issue(issues, line, C_ID, "编号应为正整数，新增的知识请留空");
        } else {
            kb_item cur;
            int rc = kb_store_item_get(r, it->id, &cur);
            if (rc != 0)
                issue(issues, line, C_ID, "编号对应的知识不存在，新增的知识请留空");
            else if (!strcmp(cur.status, "pending") || !strcmp(cur.status, "pending2"))
                issue(issues, line, C_ID, "该知识正在审核中，不能通过导入修改");
            else
                out->update = true;
        }
    }
    const char *cat = trim(r, f[C_CAT]);
    json_t *cid = json_object_get(paths_by_name, cat);
    if (!*cat)
        issue(issues, line, C_CAT, "分类不能为空");
    else if (!cid)
        issue(issues, line, C_CAT, tb_arena_printf(r->arena, "分类“%s”不存在，请先在栏目分类中新增（多级用“ / ”分隔）", cat));
    else
        it->category_id = json_integer_value(cid);
    it->question = trim(r, f[C_Q]);
    size_t ql = tb_json_cp_len(it->question);
    if (ql < 2 || ql > KB_QUESTION_MAX)
        issue(issues, line, C_Q, ql ? "标准问题应为 2 到 200 个字" : "标准问题不能为空");
    json_t *sim = split(r, f[C_SIM], SIM_SEPS);
    size_t i;
    json_t *v;
    if (json_array_size(sim) > KB_SIMILAR_MAX)
        issue(issues, line, C_SIM, "相似问题最多 20 条");
    json_array_foreach(sim, i, v) {
        size_t n = tb_json_cp_len(json_string_value(v));
        if (n < 2 || n > KB_QUESTION_MAX) {
            issue(issues, line, C_SIM, "每条相似问题应为 2 到 200 个字");
            break;
        }
    }
    it->similar = dumps(r, sim);
    const char *ans = f[C_ANS];
    if (strlen(ans) > KB_ANSWER_MAX)
        issue(issues, line, C_ANS, "答案过长（最多 20000 字节）");
    it->answer = kb_sanitize_html(r->arena, ans);
    if (!*kb_plain_text(r->arena, it->answer))
        issue(issues, line, C_ANS, "答案不能为空");
    json_t *regs = split(r, f[C_REG], REG_SEPS);
    json_array_foreach(regs, i, v) {
        if (!kb_region_valid(json_string_value(v))) {
            issue(issues, line, C_REG, tb_arena_printf(r->arena, "区划代码“%s”应为 6 位数字", json_string_value(v)));
            break;
        }
    }
    it->regions = dumps(r, regs);
    const char *from = trim(r, f[C_FROM]), *to = trim(r, f[C_TO]);
    if (*from && kb_parse_date(from, false, &it->valid_from) != 0)
        issue(issues, line, C_FROM, "日期格式应为 YYYY-MM-DD");
    if (*to && kb_parse_date(to, true, &it->valid_to) != 0)
        issue(issues, line, C_TO, "日期格式应为 YYYY-MM-DD");
    if (it->valid_from && it->valid_to && it->valid_to < it->valid_from)
        issue(issues, line, C_TO, "有效期止不能早于有效期起");
    it->source = trim(r, f[C_SRC]);
    if (tb_json_cp_len(it->source) > KB_SOURCE_MAX)
        issue(issues, line, C_SRC, "来源最多 100 个字");
}

void kb_post_import(tb_req *r)
{
    const char *data;
    size_t len;
    if (import_body(r, &data, &len) != 0)
        return;
    if (!xlsx_sniff(data, len))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "file", "请上传 XLSX 格式的文件（可先导出一份作为模板）");
    csv_row *rows;
    int n;
    tb_error e = {0};
    if (xlsx_parse(r->arena, data, len, &rows, &n, &e) != 0)
        return tb_reply_error(r, &e);
    json_t *issues = json_array();
    if (n < 1 || rows[0].nfields < C_SRC + 1) {
        issue(issues, n ? rows[0].line : 1, C_ID, "第一行应为表头：编号、分类、标准问题、相似问题、答案、适用区划、有效期起、有效期止、来源");
    } else {
        for (int c = 0; c <= C_SRC; c++)
            if (strcmp(trim(r, rows[0].fields[c]), COLS[c]))
                issue(issues, rows[0].line, c, tb_arena_printf(r->arena, "第 %d 列表头应为“%s”", c + 1, COLS[c]));
    }
    if (!json_array_size(issues) && n < 2)
        issue(issues, rows[0].line, C_Q, "文件中没有知识数据");
    import_row *out = n > 1 ? tb_arena_alloc(r->arena, sizeof *out * (size_t)n) : NULL;
    if (!json_array_size(issues)) {
        json_t *paths = kb_category_paths(r->db), *by_name = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(paths, k, v) json_object_set_new(by_name, tb_json_str(v, "path"), json_integer(atoll(k)));
        for (int i = 1; i < n; i++) {
            memset(&out[i], 0, sizeof out[i]);
            check_row(r, rows[i].fields, rows[i].line, by_name, issues, &out[i]);
        }
        json_decref(paths);
        json_decref(by_name);
    }
    if (json_array_size(issues)) {
        tb_error fe = {TB_E_FORM_INVALID, NULL, "导入文件有误，未导入任何数据，请按提示修改后重新上传", issues};
        return tb_reply_error(r, &fe);
    }
    json_decref(issues);
    const char *name = kb_staff_name(r);
    int64_t now = tb_now(), created = 0, updated = 0;
    if (tb_db_begin(r->db) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    for (int i = 1; i < n; i++) {
        kb_item *it = &out[i].it;
        it->status = "draft";
        it->editor_id = r->subject_id;
        it->editor_name = name;
        it->created_at = it->updated_at = now;
        long ok = out[i].update ? kb_store_item_update(r->db, it) : (it->id = kb_store_item_insert(r->db, it)) > 0;
        if (ok != 1 || kb_store_step(r->db, it->id, "import", r->subject_id, name, "", now) != 0) {
            tb_db_rollback(r->db);
            return tb_reply_err(r, TB_E_INTERNAL, NULL);
        }
        out[i].update ? updated++ : created++;
    }
    if (audit_record(r, "kb.import", "kb_items", "ok",
                     tb_arena_printf(r->arena, "created=%lld updated=%lld", (long long)created, (long long)updated)) !=
            0 ||
        tb_db_commit(r->db) != 0) {
        tb_db_rollback(r->db);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:I, s:I, s:I}", "imported", (json_int_t)(created + updated), "created",
                                    (json_int_t)created, "updated", (json_int_t)updated));
}
