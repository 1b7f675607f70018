/* Routes of roles and permissions (security administrator): the permission
 * registry, roles with their permissions and data scope, members searchable
 * by name and department, assignment under the three-administrator rule.
 * Every change is audited with what it granted or took away. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "mod/audit/audit.h"
#include "mod/org/org_internal.h"

static bool role_code_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 32 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

int org_assign_role(tb_db *db, int64_t staff_id, int64_t role_id, tb_error *e)
{
    tb_arena *a = tb_arena_new(4096);
    org_role *roles, target;
    int n = authz_roles(db, a, "local", staff_id, &roles);
    int rc = n < 0 || org_store_role_by_id(db, a, role_id, &target) != 0 ? tb_fail(e, TB_E_ROLE_NOT_FOUND, "role_id") : 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        if (roles[i].id == role_id)
            rc = tb_fail(e, TB_E_CONFLICT, "staff_id"); /* already held */
        /* 三员分立: one administrator kind per account, and never beside business roles */
        else if (strcmp(roles[i].kind, target.kind) && (strcmp(roles[i].kind, "business") || strcmp(target.kind, "business")))
            rc = tb_fail_msg(e, TB_E_ROLE_SEPARATION, "role_id",
                             strcmp(target.kind, "business") && strcmp(roles[i].kind, "business")
                                 ? "三员分立：该账号已持有另一类管理员角色，不能再持有此管理员角色"
                                 : "三员分立：管理员角色不能与业务角色同时授予同一账号");
    }
    if (rc == 0 && org_store_staff_role_add(db, staff_id, role_id) != 0)
        rc = tb_fail(e, tb_db_errkind_last(db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, NULL);
    tb_arena_free(a);
    return rc;
}

static json_t *role_out(tb_req *r, int64_t id)
{
    org_role ro;
    if (org_store_role_by_id(r->db, r->arena, id, &ro) != 0)
        return json_null();
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:i}", "id", (json_int_t)ro.id, "code", ro.code,
                     "name", ro.name, "kind", ro.kind, "kind_name", org_kind_name(ro.kind), "scope", ro.scope, "mfa",
                     ro.mfa, "permissions", org_store_role_perms(r->db, r->arena, r->ip, id), "departments",
                     org_store_role_depts(r->db, r->arena, r->ip, id), "members", org_store_role_member_count(r->db, id));
}

static void get_permissions(tb_req *r) { tb_reply_json(r, 200, json_pack("{s:o}", "items", org_perms_json())); }

static void get_roles(tb_req *r)
{
    json_t *items = org_store_roles_list(r->db);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void get_role(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    if (id < 0)
        return;
    json_t *o = role_out(r, id);
    if (json_is_null(o))
        return tb_reply_err(r, TB_E_ROLE_NOT_FOUND, "id");
    tb_reply_json(r, 200, o);
}

typedef struct {
    const char *code, *name, *kind, *scope;
    bool mfa;
    json_t *perms, *depts;
} role_in;

/* Checks a role body; replies and returns -1 on the first problem. */
static int check_role(tb_req *r, role_in *in)
{
    size_t i;
    json_t *v;
    if (!role_code_ok(in->code))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "code"), -1;
    if (!org_kind_valid(in->kind))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "kind"), -1;
    if (!org_scope_valid(in->scope))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "scope"), -1;
    json_array_foreach(in->perms, i, v) {
        const org_perm *p = org_perm_find(json_string_value(v));
        if (!p)
            return tb_reply_err(r, TB_E_UNKNOWN_PERMISSION, "permissions"), -1;
        if (strcmp(p->category, in->kind)) {
            tb_error e = {TB_E_PERMISSION_CATEGORY, "permissions",
                          tb_arena_printf(r->arena, "角色只能包含与其类别一致的权限：「%s」属于%s，角色类别为%s", p->name,
                                          org_kind_name(p->category), org_kind_name(in->kind)),
                          NULL};
            return tb_reply_error(r, &e), -1;
        }
    }
    json_array_foreach(in->depts, i, v) {
        org_dept d;
        if (!json_is_integer(v) || org_store_dept_get(r->db, r->arena, json_integer_value(v), &d) != 0)
            return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "departments"), -1;
    }
    if (strcmp(in->kind, "business"))
        in->mfa = true; /* administrators always sign in with two factors */
    return 0;
}

static int read_role(tb_req *r, role_in *in)
{
    *in = (role_in){.mfa = true};
    tb_jfield spec[] = {TB_JSTR("code", &in->code, true, 32),   TB_JSTR("name", &in->name, true, 30),
                        TB_JSTR("kind", &in->kind, true, 16),   TB_JSTR("scope", &in->scope, true, 16),
                        TB_JBOOL("mfa", &in->mfa, false),       TB_JARR("permissions", &in->perms, false),
                        TB_JARR("departments", &in->depts, false), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return -1;
    if (!in->perms) {
        in->perms = json_array();
        tb_req_own_json(r, in->perms);
    }
    if (!in->depts) {
        in->depts = json_array();
        tb_req_own_json(r, in->depts);
    }
    size_t i;
    json_t *v;
    json_array_foreach(in->perms, i, v) {
        if (!json_is_string(v))
            return tb_reply_err(r, TB_E_WRONG_TYPE, "permissions"), -1;
    }
    return check_role(r, in);
}

static const char *perm_list(tb_req *r, json_t *perms)
{
    char *s = json_dumps(perms, JSON_COMPACT);
    const char *out = tb_arena_strdup(r->arena, s ? s : "[]");
    free(s);
    return out;
}

static int write_links(tb_req *r, int64_t id, const role_in *in)
{
    return org_store_role_perms_set(r->db, id, in->perms) != 0 || org_store_role_depts_set(r->db, id, in->depts) != 0 ? -1 : 0;
}

static void post_role(tb_req *r)
{
    role_in in;
    if (read_role(r, &in) != 0 || tx_open(r) != 0)
        return;
    int64_t id = org_store_role_insert(r->db, in.code, in.name, in.kind, in.scope, in.mfa);
    if (id < 0)
        return tx_abort(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, "code");
    if (write_links(r, id, &in) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "authz.role.create", obj(r, "role", id), "ok",
                 tb_arena_printf(r->arena, "%s kind=%s scope=%s perms=%s", in.code, in.kind, in.scope,
                                 perm_list(r, in.perms)));
    tx_commit_reply(r, 201, role_out(r, id));
}

static void put_role(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    role_in in;
    org_role old;
    if (id < 0 || read_role(r, &in) != 0)
        return;
    if (org_store_role_by_id(r->db, r->arena, id, &old) != 0)
        return tb_reply_err(r, TB_E_ROLE_NOT_FOUND, "id");
    if (strcmp(old.kind, in.kind) && org_store_role_member_count(r->db, id) > 0) {
        tb_error e = {TB_E_ROLE_SEPARATION, "kind", "角色已有成员，不能改变其类别（三员分立）", NULL};
        return tb_reply_error(r, &e);
    }
    if (tx_open(r) != 0)
        return;
    if (org_store_role_update(r->db, id, in.code, in.name, in.kind, in.scope, in.mfa) != 0 || write_links(r, id, &in) != 0)
        return tx_abort(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, "code");
    audit_record(r, "authz.role.update", obj(r, "role", id), "ok",
                 tb_arena_printf(r->arena, "%s kind=%s scope=%s perms=%s", in.code, in.kind, in.scope,
                                 perm_list(r, in.perms)));
    tx_commit_reply(r, 200, role_out(r, id));
}

static void delete_role(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    org_role old;
    if (id < 0)
        return;
    if (org_store_role_by_id(r->db, r->arena, id, &old) != 0)
        return tb_reply_err(r, TB_E_ROLE_NOT_FOUND, "id");
    if (org_store_role_member_count(r->db, id) > 0) {
        tb_error e = {TB_E_CONFLICT, "id", "角色仍有成员，请先移除成员", NULL};
        return tb_reply_error(r, &e);
    }
    if (tx_open(r) != 0)
        return;
    if (org_store_role_delete(r->db, id) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "authz.role.delete", obj(r, "role", id), "ok", old.code);
    tx_commit_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static void get_members(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), page, size, dept;
    org_role ro;
    if (id < 0)
        return;
    const char *q = tb_req_query(r, "q");
    if (r->replied || tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "department", 0, 0, INT64_MAX, &dept))
        return;
    if (org_store_role_by_id(r->db, r->arena, id, &ro) != 0)
        return tb_reply_err(r, TB_E_ROLE_NOT_FOUND, "id");
    json_t *o = org_store_role_members(r->db, id, q, dept, size, (page - 1) * size);
    if (!o)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, o);
}

static void post_member(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), staff = 0;
    tb_jfield spec[] = {TB_JINT("staff_id", &staff, true, 1, INT64_MAX), TB_JEND};
    org_staff_row s;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, staff, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "staff_id");
    if (!strcmp(s.status, "retired"))
        return tb_reply_err(r, TB_E_STAFF_NOT_ACTIVE, "staff_id");
    if (tx_open(r) != 0)
        return;
    tb_error e = {0};
    if (org_assign_role(r->db, staff, id, &e) != 0) {
        tb_db_rollback(r->db);
        audit_record(r, "authz.assign", obj(r, "staff", staff), "refused", tb_err_name(e.code));
        return tb_reply_error(r, &e);
    }
    audit_record(r, "authz.assign", obj(r, "staff", staff), "ok", obj(r, "role", id));
    tx_commit_reply(r, 201, json_pack("{s:I, s:I}", "role_id", (json_int_t)id, "staff_id", (json_int_t)staff));
}

static void delete_member(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), staff = id < 0 ? -1 : path_id(r, 1, "staff_id");
    if (id < 0 || staff < 0 || tx_open(r) != 0)
        return;
    int n = org_store_staff_role_remove(r->db, staff, id);
    if (n < 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    if (n == 0)
        return tx_abort(r, TB_E_NOT_FOUND, "staff_id");
    audit_record(r, "authz.revoke", obj(r, "staff", staff), "ok", obj(r, "role", id));
    tx_commit_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

/* The security administrator's staff picker: names and departments only. */
static void get_assignable(tb_req *r)
{
    int64_t page, size, dept, total;
    const char *q = tb_req_query(r, "q");
    if (r->replied || tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "department", 0, 0, INT64_MAX, &dept))
        return;
    json_t *items = org_store_staff_list(r->db, q, dept, "active", size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/authz/staff", get_assignable, TB_AUTH_STAFF, "authz.assign", 0, "authz",
     "可授权人员查询（安全管理员）"},
    {"GET", "/api/v1/admin/permissions", get_permissions, TB_AUTH_STAFF, "authz.role.read", 0, "authz",
     "权限代码表（名称、类别）"},
    {"GET", "/api/v1/admin/roles", get_roles, TB_AUTH_STAFF, "authz.role.read", 0, "authz", "角色列表"},
    {"GET", "/api/v1/admin/roles/{id}", get_role, TB_AUTH_STAFF, "authz.role.read", 0, "authz", "角色详情"},
    {"POST", "/api/v1/admin/roles", post_role, TB_AUTH_STAFF, "authz.role.write", TB_R_JSON, "authz", "新增角色"},
    {"PUT", "/api/v1/admin/roles/{id}", put_role, TB_AUTH_STAFF, "authz.role.write", TB_R_JSON, "authz",
     "修改角色（权限、数据范围）"},
    {"DELETE", "/api/v1/admin/roles/{id}", delete_role, TB_AUTH_STAFF, "authz.role.write", 0, "authz", "删除角色"},
    {"GET", "/api/v1/admin/roles/{id}/members", get_members, TB_AUTH_STAFF, "authz.role.read", 0, "authz",
     "角色成员（按姓名、部门查询）"},
    {"POST", "/api/v1/admin/roles/{id}/members", post_member, TB_AUTH_STAFF, "authz.assign", TB_R_JSON, "authz",
     "授予角色"},
    {"DELETE", "/api/v1/admin/roles/{id}/members/{staff_id}", delete_member, TB_AUTH_STAFF, "authz.assign", 0, "authz",
     "收回角色"},
};

void org_role_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
