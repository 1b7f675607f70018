/* Seed data and the CLI: the department tree and the roles of seed/org.json,
 * and `tongban user add`. Roles are upserted with fresh MACs, so seeding
 * again also repairs nothing silently: a tampered row stays reported by
 * `tongban audit verify` until an administrator rewrites that role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity.h"
#include "mod/org/org_internal.h"

static int seed_dept(tb_db *db, json_t *d, size_t i, char *err, size_t errlen)
{
    const char *parent = tb_json_str(d, "parent");
    org_dept row = {.name = tb_json_str(d, "name"), .short_name = tb_json_str(d, "short_name"),
                    .level = tb_json_int(d, "level", 0), .region = tb_json_str(d, "region"),
                    .sort_order = tb_json_int(d, "sort_order", (int64_t)i)};
    row.parent_id = parent ? org_store_dept_by_name(db, parent) : 0;
    if (!row.name || !row.short_name || !row.region || row.level < 1 || (parent && !row.parent_id)) {
        snprintf(err, errlen, "org.json 第 %zu 个部门无效（名称、简称、级别、区划，上级须在前面）", i + 1);
        return -1;
    }
    if (!org_store_region_exists(db, row.region)) {
        snprintf(err, errlen, "org.json 部门「%s」的区划 %s 不存在（请先导入区划）", row.name, row.region);
        return -1;
    }
    int64_t id = org_store_dept_by_name(db, row.name);
    if (id) {
        row.id = id;
        return org_store_dept_update(db, &row) == 0 && org_store_dept_move(db, id, row.parent_id, row.sort_order) == 0 ? 0 : -1;
    }
    return org_store_dept_insert(db, &row) > 0 ? 0 : -1;
}

static int seed_role(tb_db *db, tb_arena *a, json_t *ro, char *err, size_t errlen)
{
    const char *code = tb_json_str(ro, "code"), *name = tb_json_str(ro, "name"), *kind = tb_json_str(ro, "kind"),
               *scope = tb_json_str(ro, "scope");
    json_t *perms = json_object_get(ro, "permissions"), *v;
    size_t i;
    if (!code || !name || !org_kind_valid(kind) || !org_scope_valid(scope) || !json_is_array(perms)) {
        snprintf(err, errlen, "org.json 角色「%s」无效", code ? code : "?");
        return -1;
    }
    json_array_foreach(perms, i, v) {
        const org_perm *p = org_perm_find(json_string_value(v));
        if (!p || strcmp(p->category, kind)) {
            snprintf(err, errlen, "org.json 角色「%s」的权限 %s 不存在或与角色类别不符", code,
                     json_string_value(v) ? json_string_value(v) : "?");
            return -1;
        }
    }
    bool mfa = strcmp(kind, "business") ? true : json_is_false(json_object_get(ro, "mfa")) ? false : true;
    org_role old;
    int64_t id = org_store_role_by_code(db, a, code, &old) == 0 ? old.id : 0;
    if (id && org_store_role_update(db, id, code, name, kind, scope, mfa) != 0)
        return -1;
    if (!id && (id = org_store_role_insert(db, code, name, kind, scope, mfa)) < 0)
        return -1;
    return org_store_role_perms_set(db, id, perms);
}

static int seed_all(tb_db *db, json_t *doc, char *err, size_t errlen)
{
    json_t *depts = json_object_get(doc, "departments"), *roles = json_object_get(doc, "roles"), *v;
    size_t i;
    tb_arena *a = tb_arena_new(8192);
    int rc = 0;
    json_array_foreach(depts, i, v) if (rc == 0) rc = seed_dept(db, v, i, err, errlen);
    json_array_foreach(roles, i, v) if (rc == 0) rc = seed_role(db, a, v, err, errlen);
    tb_arena_free(a);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "%s", tb_db_errmsg(db));
    return rc;
}

int org_seed(tb_db *db, const char *dir, char *err, size_t errlen)
{
    char path[1024];
    json_error_t je;
    snprintf(path, sizeof path, "%s/org.json", dir);
    json_t *doc = json_load_file(path, 0, &je);
    err[0] = '\0';
    if (!doc) {
        snprintf(err, errlen, "%s: %s（第 %d 行）", path, je.text, je.line);
        return -1;
    }
    if (tb_db_begin(db) != 0) {
        json_decref(doc);
        snprintf(err, errlen, "%s", tb_db_errmsg(db));
        return -1;
    }
    int rc = seed_all(db, doc, err, errlen);
    if (rc == 0)
        rc = audit_record_as(db, "system", "cli", "local", "org.seed", path, "ok", "");
    if (rc == 0 && tb_db_commit(db) != 0)
        rc = -1;
    if (rc != 0)
        tb_db_rollback(db);
    json_decref(doc);
    return rc;
}

/* ---- tongban user add ---- */
static const char *role_alias(const char *role)
{
    if (!strcmp(role, "admin"))
        return "sys_admin";
    if (!strcmp(role, "staff"))
        return "accept_officer";
    return role;
}

static int add_in_tx(tb_db *db, tb_arena *a, const char *const args[4], const char *password, char **secret,
                     char **uri, char *err, size_t errlen)
{
    const char *login = args[0], *name = args[1], *role = role_alias(args[2]), *dept = args[3];
    org_role ro;
    int64_t dept_id = dept ? org_store_dept_by_name(db, dept) : 0;
    if (org_store_role_by_code(db, a, role, &ro) != 0)
        return snprintf(err, errlen, "角色 %s 不存在（先执行 tongban seed 导入角色）", role), -1;
    if (dept && !dept_id)
        return snprintf(err, errlen, "部门「%s」不存在", dept), -1;
    if (identity_staff_add(db, login, name, role, password, err, errlen) != 0)
        return -1;
    int64_t id = org_store_staff_by_login(db, login);
    tb_error e = {0};
    if (!id || org_store_staff_set_profile(db, id, dept_id, NULL, NULL, NULL) != 0 || org_assign_role(db, id, ro.id, &e) != 0)
        return snprintf(err, errlen, "%s", e.code ? tb_err_message(e.code) : tb_db_errmsg(db)), -1;
    if (totp_enrol_db(db, id, login, secret, uri) != 0)
        return snprintf(err, errlen, "动态口令密钥生成失败"), -1;
    audit_record_as(db, "system", "cli", "local", "authz.assign", tb_arena_printf(a, "staff:%lld", (long long)id), "ok",
                    tb_arena_printf(a, "role:%lld", (long long)ro.id));
    return 0;
}

int org_user_add(tb_db *db, const char *login, const char *name, const char *role, const char *department,
                 const char *password, char **secret, char **uri, char *err, size_t errlen)
{
    *secret = *uri = NULL;
    if (tb_db_begin(db) != 0)
        return snprintf(err, errlen, "%s", tb_db_errmsg(db)), -1;
    tb_arena *a = tb_arena_new(4096);
    const char *args[4] = {login, name, role, department};
    int rc = add_in_tx(db, a, args, password, secret, uri, err, errlen);
    tb_arena_free(a);
    if (rc == 0 && tb_db_commit(db) == 0)
        return 0;
    tb_db_rollback(db);
    free(*secret);
    free(*uri);
    *secret = *uri = NULL;
    return -1;
}
