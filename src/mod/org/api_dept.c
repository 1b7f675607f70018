/* Routes of departments: the tree, fuzzy search by short name, create, edit,
 * move (drag and drop), guarded bulk delete, checked CSV/XLSX import and export. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "mod/audit/audit.h"
#include "mod/org/org_internal.h"

/* ---- validation shared by the API and the import ---- */
typedef struct {
    tb_errcode code;
    const char *field, *message;
} issue;

static bool check_dept(tb_db *db, const org_dept *d, issue *is)
{
    size_t nl = tb_json_cp_len(d->name), sl = tb_json_cp_len(d->short_name);
    if (nl < 2 || nl > 60)
        *is = (issue){TB_E_INVALID_FIELD, "name", "全称应为2至60个字"};
    else if (sl < 1 || sl > 30)
        *is = (issue){TB_E_INVALID_FIELD, "short_name", "简称应为1至30个字"};
    else if (d->level < 1 || d->level > 5)
        *is = (issue){TB_E_INVALID_FIELD, "level", "级别应为1至5"};
    else if (!d->region || !org_store_region_exists(db, d->region))
        *is = (issue){TB_E_INVALID_FIELD, "region", "区划代码不存在"};
    else if (d->sort_order < 0 || d->sort_order > 1000000)
        *is = (issue){TB_E_INVALID_FIELD, "sort_order", "排序号应为0至1000000"};
    else
        return true;
    return false;
}

static json_t *dept_out(tb_req *r, int64_t id)
{
    org_dept d;
    if (org_store_dept_get(r->db, r->arena, id, &d) != 0)
        return json_null();
    return json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:I, s:o}", "id", (json_int_t)d.id, "name", d.name, "short_name",
                     d.short_name, "level", (json_int_t)d.level, "parent_id",
                     d.parent_id ? json_integer(d.parent_id) : json_null(), "region", d.region, "sort_order",
                     (json_int_t)d.sort_order, "head_staff_id",
                     d.head_staff_id ? json_integer(d.head_staff_id) : json_null());
}

/* ---- read ---- */
static void get_list(tb_req *r)
{
    int64_t parent;
    const char *q = tb_req_query(r, "q");
    if (r->replied || tb_req_query_int(r, "parent", 0, 0, INT64_MAX, &parent) != 0)
        return;
    json_t *items = org_store_dept_list(r->db, q && *q ? q : NULL, parent, false);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:I, s:o}", "total", (json_int_t)json_array_size(items), "items", items));
}

/* Nested {…, "children":[…]} from the flat list, which is ordered parents first. */
static void get_tree(tb_req *r)
{
    json_t *flat = org_store_dept_list(r->db, NULL, 0, false), *roots = json_array(), *by_id = json_object();
    if (!flat)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), json_decref(roots), json_decref(by_id);
    size_t i;
    json_t *d;
    json_array_foreach(flat, i, d) {
        char key[24];
        json_object_set_new(d, "children", json_array());
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(d, "id")));
        json_object_set(by_id, key, d);
    }
    json_array_foreach(flat, i, d) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(d, "parent_id")));
        json_t *p = json_object_get(by_id, key);
        json_array_append(p ? json_object_get(p, "children") : roots, d);
    }
    json_decref(by_id);
    json_decref(flat);
    tb_reply_json(r, 200, json_pack("{s:o}", "items", roots));
}

static void get_one(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    if (id < 0)
        return;
    json_t *d = dept_out(r, id);
    if (json_is_null(d))
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "id");
    tb_reply_json(r, 200, d);
}

/* ---- write ---- */
static int read_dept(tb_req *r, org_dept *d, bool create)
{
    int64_t parent = 0, head = 0, level = 3, sort = 0;
    const char *name = NULL, *short_name = NULL, *region = NULL;
    tb_jfield spec[] = {TB_JSTR("name", &name, true, 60),           TB_JSTR("short_name", &short_name, true, 30),
                        TB_JINT("level", &level, false, 1, 5),       TB_JINT("parent_id", &parent, false, 0, INT64_MAX),
                        TB_JSTR("region", &region, true, 6),         TB_JINT("sort_order", &sort, false, 0, 1000000),
                        TB_JINT("head_staff_id", &head, false, 0, INT64_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return -1;
    *d = (org_dept){.name = name, .short_name = short_name, .level = level, .parent_id = create ? parent : 0,
                    .region = region, .sort_order = sort, .head_staff_id = head};
    issue is;
    if (!check_dept(r->db, d, &is)) {
        tb_error e = {is.code, is.field, is.message, NULL};
        return tb_reply_error(r, &e), -1;
    }
    org_dept p;
    if (create && parent && org_store_dept_get(r->db, r->arena, parent, &p) != 0)
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "parent_id"), -1;
    org_staff_row s;
    if (head && org_store_staff_get(r->db, r->arena, head, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "head_staff_id"), -1;
    return 0;
}

static void post_create(tb_req *r)
{
    org_dept d;
    if (read_dept(r, &d, true) != 0 || tx_open(r) != 0)
        return;
    int64_t id = org_store_dept_insert(r->db, &d);
    if (id < 0)
        return tx_abort(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, "name");
    audit_record(r, "org.dept.create", obj(r, "dept", id), "ok", d.name);
    tx_commit_reply(r, 201, dept_out(r, id));
}

static void put_update(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    org_dept d, old;
    if (id < 0 || read_dept(r, &d, false) != 0)
        return;
    if (org_store_dept_get(r->db, r->arena, id, &old) != 0)
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "id");
    d.id = id;
    if (tx_open(r) != 0)
        return;
    if (org_store_dept_update(r->db, &d) != 0)
        return tx_abort(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, "name");
    audit_record(r, "org.dept.update", obj(r, "dept", id), "ok", d.name);
    tx_commit_reply(r, 200, dept_out(r, id));
}

static void post_move(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), parent = 0, sort = 0;
    tb_jfield spec[] = {TB_JINT("parent_id", &parent, false, 0, INT64_MAX),
                        TB_JINT("sort_order", &sort, true, 0, 1000000), TB_JEND};
    org_dept d, p;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_dept_get(r->db, r->arena, id, &d) != 0)
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "id");
    if (parent && org_store_dept_get(r->db, r->arena, parent, &p) != 0)
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "parent_id");
    if (parent && org_store_dept_is_descendant(r->db, parent, id)) { /* no cycles: not under itself */
        tb_error e = {TB_E_INVALID_FIELD, "parent_id", "不能移动到自身或其下级部门之下", NULL};
        return tb_reply_error(r, &e);
    }
    if (tx_open(r) != 0)
        return;
    if (org_store_dept_move(r->db, id, parent, sort) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "org.dept.move", obj(r, "dept", id), "ok",
                 tb_arena_printf(r->arena, "parent=%lld sort=%lld", (long long)parent, (long long)sort));
    tx_commit_reply(r, 200, dept_out(r, id));
}

/* Why each department is still in use, or NULL when every one can go. */
static const char *usage_report(tb_req *r, json_t *ids)
{
    const char *report = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        int64_t ch, st, ro, id = json_integer_value(v);
        org_dept d;
        if (org_store_dept_get(r->db, r->arena, id, &d) != 0)
            return tb_arena_printf(r->arena, "部门 %lld 不存在", (long long)id);
        org_store_dept_usage(r->db, id, &ch, &st, &ro);
        size_t k; /* children deleted in the same request do not count */
        json_t *w;
        json_array_foreach(ids, k, w) {
            int64_t parent;
            if (org_store_dept_parent(r->db, json_integer_value(w), &parent) == 0 && parent == id)
                ch--;
        }
        if (ch > 0 || st > 0 || ro > 0)
            report = tb_arena_printf(r->arena, "%s%s「%s」：下级部门%lld个、人员%lld名、角色数据范围引用%lld处", report ? report : "",
                                     report ? "；" : "", d.name, (long long)ch, (long long)st, (long long)ro);
    }
    return report;
}

static void post_delete(tb_req *r)
{
    json_t *ids = NULL;
    tb_jfield spec[] = {TB_JARR("ids", &ids, true), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    size_t i, n = json_array_size(ids);
    json_t *v;
    json_array_foreach(ids, i, v) if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return tb_reply_err(r, TB_E_WRONG_TYPE, "ids");
    if (n == 0 || n > 500)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "ids");
    const char *report = usage_report(r, ids);
    if (report) {
        audit_record(r, "org.dept.delete", "bulk", "refused", "in use");
        tb_error e = {TB_E_DEPARTMENT_IN_USE, "ids", tb_arena_printf(r->arena, "部门仍在使用中，未删除任何部门。%s", report),
                      NULL};
        return tb_reply_error(r, &e);
    }
    if (tx_open(r) != 0)
        return;
    /* deepest first, so children listed with their parent go before it */
    for (int pass = 0; pass < 8; pass++)
        json_array_foreach(ids, i, v) {
            int64_t ch, st, ro, id = json_integer_value(v);
            org_dept d;
            if (org_store_dept_get(r->db, r->arena, id, &d) != 0)
                continue;
            org_store_dept_usage(r->db, id, &ch, &st, &ro);
            if (ch == 0 && org_store_dept_delete(r->db, id) == 0)
                audit_record(r, "org.dept.delete", obj(r, "dept", id), "ok", d.name);
        }
    tx_commit_reply(r, 200, json_pack("{s:I}", "deleted", (json_int_t)n));
}

/* ---- import / export ---- */
/* Columns: 全称,简称,级别,上级部门(全称，空=顶级),区划代码,排序 */
static bool header_row(const csv_row *row) { return !strcmp(row->fields[0], "全称") || !strcmp(row->fields[0], "name"); }

static bool in_file(const csv_row *rows, int upto, const char *name)
{
    for (int i = 0; i < upto; i++)
        if (rows[i].nfields >= 1 && !strcmp(rows[i].fields[0], name))
            return true;
    return false;
}

static void check_row(tb_req *r, const csv_row *rows, int i, int first, json_t *issues)
{
    const csv_row *row = &rows[i];
    if (row->nfields != 6) {
        json_array_append_new(issues, import_issue(row->line, "columns", TB_E_INVALID_FIELD, "应有6列"));
        return;
    }
    char *end;
    org_dept d = {.name = row->fields[0], .short_name = row->fields[1], .level = strtoll(row->fields[2], &end, 10),
                  .region = row->fields[4], .sort_order = row->fields[5][0] ? strtoll(row->fields[5], NULL, 10) : 0};
    issue is;
    if (!check_dept(r->db, &d, &is))
        json_array_append_new(issues, import_issue(row->line, is.field, is.code, is.message));
    else if (org_store_dept_by_name(r->db, d.name) || in_file(rows + first, i - first, d.name))
        json_array_append_new(issues, import_issue(row->line, "name", TB_E_CONFLICT, "部门全称已存在"));
    else if (row->fields[3][0] && !org_store_dept_by_name(r->db, row->fields[3]) &&
             !in_file(rows + first, i - first, row->fields[3]))
        json_array_append_new(issues, import_issue(row->line, "parent", TB_E_DEPARTMENT_NOT_FOUND,
                                                   "上级部门不存在（须已存在或在本文件靠前的行中）"));
}

static int insert_rows(tb_req *r, const csv_row *rows, int first, int n)
{
    for (int i = first; i < n; i++) {
        const csv_row *row = &rows[i];
        org_dept d = {.name = row->fields[0], .short_name = row->fields[1],
                      .level = strtoll(row->fields[2], NULL, 10), .region = row->fields[4],
                      .sort_order = strtoll(row->fields[5], NULL, 10),
                      .parent_id = row->fields[3][0] ? org_store_dept_by_name(r->db, row->fields[3]) : 0};
        int64_t id = org_store_dept_insert(r->db, &d);
        if (id < 0)
            return -1;
        audit_record(r, "org.dept.import", obj(r, "dept", id), "ok", d.name);
    }
    return 0;
}

static void post_import(tb_req *r)
{
    const char *data;
    size_t len;
    const char *format;
    csv_row *rows;
    int n;
    if (import_body(r, &data, &len) != 0 || import_rows(r, data, len, &rows, &n, &format) != 0)
        return;
    int first = n > 0 && header_row(&rows[0]) ? 1 : 0;
    json_t *issues = json_array();
    if (n - first <= 0)
        json_array_append_new(issues, import_issue(1, "file", TB_E_FIELD_REQUIRED, "文件中没有数据行"));
    for (int i = first; i < n; i++)
        check_row(r, rows, i, first, issues);
    if (json_array_size(issues)) {
        audit_record(r, "org.dept.import", format, "refused", tb_arena_printf(r->arena, "%zu issues", json_array_size(issues)));
        return reply_import(r, issues, 0);
    }
    if (tx_open(r) != 0)
        return json_decref(issues);
    if (insert_rows(r, rows, first, n) != 0) {
        json_decref(issues);
        return tx_abort(r, TB_E_INTERNAL, NULL);
    }
    if (tb_db_commit(r->db) != 0) {
        tb_db_rollback(r->db);
        json_decref(issues);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    reply_import(r, issues, n - first);
}

static void get_export(tb_req *r)
{
    const char *format = export_format(r);
    json_t *items = format ? org_store_dept_list(r->db, NULL, 0, false) : NULL;
    if (!format)
        return;
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i, n = json_array_size(items);
    const char **cells = tb_arena_alloc(r->arena, sizeof *cells * 6 * (n + 1));
    const char *head[] = {"全称", "简称", "级别", "上级部门", "区划代码", "排序"};
    memcpy(cells, head, sizeof head);
    json_t *d;
    json_array_foreach(items, i, d) {
        const char **row = cells + 6 * (i + 1);
        row[0] = tb_arena_strdup(r->arena, tb_json_str(d, "name"));
        row[1] = tb_arena_strdup(r->arena, tb_json_str(d, "short_name"));
        row[2] = tb_arena_printf(r->arena, "%lld", (long long)json_integer_value(json_object_get(d, "level")));
        row[3] = tb_json_str(d, "parent_name") ? tb_arena_strdup(r->arena, tb_json_str(d, "parent_name")) : "";
        row[4] = tb_arena_strdup(r->arena, tb_json_str(d, "region"));
        row[5] = tb_arena_printf(r->arena, "%lld", (long long)json_integer_value(json_object_get(d, "sort_order")));
    }
    json_decref(items);
    audit_record(r, "org.dept.export", format, "ok", tb_arena_printf(r->arena, "%zu rows", n));
    reply_table(r, format, "departments", "部门", cells, 6, (int)n + 1);
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/departments", get_list, TB_AUTH_STAFF, "org.dept.read", 0, "org", "部门列表（按简称模糊查询）"},
    {"GET", "/api/v1/admin/department-tree", get_tree, TB_AUTH_STAFF, "org.dept.read", 0, "org", "部门树"},
    {"GET", "/api/v1/admin/departments-export", get_export, TB_AUTH_STAFF, "org.dept.read", 0, "org",
     "导出部门（CSV 或 XLSX）"},
    {"GET", "/api/v1/admin/departments/{id}", get_one, TB_AUTH_STAFF, "org.dept.read", 0, "org", "部门详情"},
    {"POST", "/api/v1/admin/departments", post_create, TB_AUTH_STAFF, "org.dept.write", TB_R_JSON, "org", "新增部门"},
    {"PUT", "/api/v1/admin/departments/{id}", put_update, TB_AUTH_STAFF, "org.dept.write", TB_R_JSON, "org",
     "修改部门"},
    {"POST", "/api/v1/admin/departments/{id}/move", post_move, TB_AUTH_STAFF, "org.dept.write", TB_R_JSON, "org",
     "移动部门（调整上级与排序）"},
    {"POST", "/api/v1/admin/departments-delete", post_delete, TB_AUTH_STAFF, "org.dept.write", TB_R_JSON, "org",
     "批量删除部门（使用中的拒绝）"},
    {"POST", "/api/v1/admin/departments-import", post_import, TB_AUTH_STAFF, "org.dept.write", TB_R_MULTIPART, "org",
     "导入部门（CSV 或 XLSX，逐行校验，全部通过才写入）"},
};

void org_dept_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
