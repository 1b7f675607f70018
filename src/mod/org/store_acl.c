/* SQL of roles, their permissions and custom departments, and staff→role
 * assignments. Every insert writes the row's MAC; every read used for an
 * access decision checks it. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/org/org_internal.h"

#define ROLE_COLS "id, code, name, kind, scope, mfa"
static const char SQL_ROLE_INSERT[] = "INSERT INTO roles(code, name, kind, scope, mfa, mac, created_at, updated_at) "
                                      "VALUES (?, ?, ?, ?, ?, '', ?, ?) RETURNING id";
static const char SQL_ROLE_SET_MAC[] = "UPDATE roles SET mac = ? WHERE id = ?";
static const char SQL_ROLE_UPDATE[] = "UPDATE roles SET code = ?, name = ?, kind = ?, scope = ?, mfa = ?, mac = ?, "
                                      "updated_at = ? WHERE id = ?";
static const char SQL_ROLE_DELETE[] = "DELETE FROM roles WHERE id = ?";
static const char SQL_ROLE_DEL_PERMS[] = "DELETE FROM role_permissions WHERE role_id = ?";
static const char SQL_ROLE_DEL_DEPTS[] = "DELETE FROM role_scope_departments WHERE role_id = ?";
static const char SQL_ROLE_BY_CODE[] = "SELECT " ROLE_COLS " FROM roles WHERE code = ?";
static const char SQL_ROLE_BY_ID[] = "SELECT " ROLE_COLS " FROM roles WHERE id = ?";
static const char SQL_ROLES[] = "SELECT r.id, r.code, r.name, r.kind, r.scope, r.mfa, "
                                "(SELECT COUNT(*) FROM staff_roles sr WHERE sr.role_id = r.id) "
                                "FROM roles r ORDER BY r.id";
static const char SQL_PERM_INSERT[] = "INSERT INTO role_permissions(role_id, perm, mac) VALUES (?, ?, ?)";
static const char SQL_PERMS_OF[] = "SELECT id, perm, mac FROM role_permissions WHERE role_id = ? ORDER BY perm";
static const char SQL_PERM_ONE[] = "SELECT id, mac FROM role_permissions WHERE role_id = ? AND perm = ?";
static const char SQL_RDEPT_INSERT[] = "INSERT INTO role_scope_departments(role_id, department_id, mac) "
                                       "VALUES (?, ?, ?)";
static const char SQL_RDEPTS_OF[] = "SELECT id, department_id, mac FROM role_scope_departments WHERE role_id = ? "
                                    "ORDER BY department_id";
static const char SQL_MEMBER_COUNT[] = "SELECT COUNT(*) FROM staff_roles WHERE role_id = ?";
static const char SQL_SR_INSERT[] = "INSERT INTO staff_roles(staff_id, role_id, mac) VALUES (?, ?, ?)";
static const char SQL_SR_DELETE[] = "DELETE FROM staff_roles WHERE staff_id = ? AND role_id = ?";
static const char SQL_SR_ROWS[] = "SELECT sr.id, sr.role_id, sr.mac, r.id, r.code, r.name, r.kind, r.scope, r.mfa, "
                                  "r.mac FROM staff_roles sr JOIN roles r ON r.id = sr.role_id "
                                  "WHERE sr.staff_id = ? ORDER BY r.id";
static const char SQL_MEMBERS[] =
    "SELECT s.id, s.login, s.name, s.status, s.department_id, d.name FROM staff_roles sr "
    "JOIN staff s ON s.id = sr.staff_id LEFT JOIN departments d ON d.id = s.department_id "
    "WHERE sr.role_id = ? AND (? = '' OR s.name LIKE ?) AND (? = 0 OR s.department_id = ?) "
    "ORDER BY s.id LIMIT ? OFFSET ?";
static const char SQL_MEMBERS_COUNT[] =
    "SELECT COUNT(*) FROM staff_roles sr JOIN staff s ON s.id = sr.staff_id "
    "WHERE sr.role_id = ? AND (? = '' OR s.name LIKE ?) AND (? = 0 OR s.department_id = ?)";
static const char SQL_ROLE_USERS[] = "SELECT sr.id, sr.staff_id, sr.role_id, sr.mac FROM staff_roles sr "
                                     "JOIN roles r ON r.id = sr.role_id JOIN staff s ON s.id = sr.staff_id "
                                     "WHERE r.code = ? AND s.status = 'active' ORDER BY sr.staff_id";
static const char SQL_ALL_ROLES[] = "SELECT id, code, kind, scope, mfa, mac FROM roles ORDER BY id";
static const char SQL_ALL_PERMS[] = "SELECT id, role_id, perm, mac FROM role_permissions ORDER BY id";
static const char SQL_ALL_SR[] = "SELECT id, staff_id, role_id, mac FROM staff_roles ORDER BY id";
static const char SQL_ALL_RDEPTS[] = "SELECT id, role_id, department_id, mac FROM role_scope_departments ORDER BY id";

static const char *dup(tb_arena *a, tb_stmt *st, int col) { return tb_arena_strdup(a, tb_stmt_text(st, col)); }

static void read_role(tb_arena *a, tb_stmt *st, int c, org_role *o)
{
    o->id = tb_stmt_int(st, c);
    o->code = dup(a, st, c + 1);
    o->name = dup(a, st, c + 2);
    o->kind = dup(a, st, c + 3);
    o->scope = dup(a, st, c + 4);
    o->mfa = tb_stmt_int(st, c + 5) != 0;
}

static int one_role(tb_arena *a, tb_stmt *st, org_role *out)
{
    if (!st)
        return -1;
    int rc = tb_stmt_step(st) == TB_ROW ? 0 : -1;
    if (rc == 0)
        read_role(a, st, 0, out);
    tb_stmt_done(st);
    return rc;
}

int64_t org_store_role_insert(tb_db *db, const char *code, const char *name, const char *kind, const char *scope, bool mfa)
{
    int64_t now = tb_now();
    int64_t id = tb_db_int(db, -1, SQL_ROLE_INSERT, "ttttiii", code, name, kind, scope, (int64_t)mfa, now, now);
    if (id < 0)
        return -1;
    char m[65];
    acl_mac_role(id, code, kind, scope, mfa, m);
    return tb_db_exec(db, SQL_ROLE_SET_MAC, "ti", m, id) == 1 ? id : -1;
}

int org_store_role_update(tb_db *db, int64_t id, const char *code, const char *name, const char *kind, const char *scope,
                      bool mfa)
{
    char m[65];
    acl_mac_role(id, code, kind, scope, mfa, m);
    return tb_db_exec(db, SQL_ROLE_UPDATE, "ttttitii", code, name, kind, scope, (int64_t)mfa, m, tb_now(), id) == 1
               ? 0
               : -1;
}

int org_store_role_delete(tb_db *db, int64_t id)
{
    if (tb_db_exec(db, SQL_ROLE_DEL_PERMS, "i", id) < 0 || tb_db_exec(db, SQL_ROLE_DEL_DEPTS, "i", id) < 0)
        return -1;
    return tb_db_exec(db, SQL_ROLE_DELETE, "i", id) == 1 ? 0 : -1;
}

int org_store_role_by_code(tb_db *db, tb_arena *a, const char *code, org_role *out)
{
    return one_role(a, tb_db_query(db, SQL_ROLE_BY_CODE, "t", code), out);
}

int org_store_role_by_id(tb_db *db, tb_arena *a, int64_t id, org_role *out)
{
    return one_role(a, tb_db_query(db, SQL_ROLE_BY_ID, "i", id), out);
}

json_t *org_store_roles_list(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_ROLES, NULL);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:I}", "id",
                                           (json_int_t)tb_stmt_int(st, 0), "code", tb_stmt_text(st, 1), "name",
                                           tb_stmt_text(st, 2), "kind", tb_stmt_text(st, 3), "scope",
                                           tb_stmt_text(st, 4), "mfa", (int)tb_stmt_int(st, 5), "members",
                                           (json_int_t)tb_stmt_int(st, 6)));
    return a;
}

int org_store_role_perms_set(tb_db *db, int64_t role_id, json_t *perms)
{
    size_t i;
    json_t *v;
    if (tb_db_exec(db, SQL_ROLE_DEL_PERMS, "i", role_id) < 0)
        return -1;
    json_array_foreach(perms, i, v) {
        char m[65];
        acl_mac_role_perm(role_id, json_string_value(v), m);
        if (tb_db_exec(db, SQL_PERM_INSERT, "itt", role_id, json_string_value(v), m) != 1)
            return -1;
    }
    return 0;
}

int org_store_role_depts_set(tb_db *db, int64_t role_id, json_t *depts)
{
    size_t i;
    json_t *v;
    if (tb_db_exec(db, SQL_ROLE_DEL_DEPTS, "i", role_id) < 0)
        return -1;
    json_array_foreach(depts, i, v) {
        char m[65];
        acl_mac_role_dept(role_id, json_integer_value(v), m);
        if (tb_db_exec(db, SQL_RDEPT_INSERT, "iit", role_id, (int64_t)json_integer_value(v), m) != 1)
            return -1;
    }
    return 0;
}

json_t *org_store_role_perms(tb_db *db, tb_arena *a, const char *ip, int64_t role_id)
{
    tb_stmt *st = tb_db_query(db, SQL_PERMS_OF, "i", role_id);
    if (!st)
        return NULL;
    json_t *arr = json_array();
    while (tb_stmt_step(st) == TB_ROW) {
        char m[65];
        acl_mac_role_perm(role_id, tb_stmt_text(st, 1), m);
        if (acl_mac_ok(tb_stmt_text(st, 2), m))
            json_array_append_new(arr, json_string(tb_stmt_text(st, 1)));
        else /* shown as broken, never as granted */
            json_array_append_new(arr, json_pack("{s:I, s:b}", "broken_row", (json_int_t)tb_stmt_int(st, 0),
                                                 "integrity_violation", 1));
    }
    return arr;
}

json_t *org_store_role_depts(tb_db *db, tb_arena *a, const char *ip, int64_t role_id)
{
    int64_t *ids;
    int n = org_store_custom_depts(db, a, ip, role_id, &ids);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(ids[i]));
    return arr;
}

int org_store_role_has_perm(tb_db *db, const char *ip, int64_t role_id, const char *perm)
{
    tb_stmt *st = tb_db_query(db, SQL_PERM_ONE, "it", role_id, perm);
    if (!st)
        return -1;
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return 0;
    }
    int64_t id = tb_stmt_int(st, 0);
    char m[65];
    acl_mac_role_perm(role_id, perm, m);
    bool ok = acl_mac_ok(tb_stmt_text(st, 1), m);
    tb_stmt_done(st);
    if (!ok)
        acl_alarm(db, ip, "role_permissions", id);
    return ok ? 1 : 0;
}

int org_store_role_member_count(tb_db *db, int64_t role_id)
{
    return (int)tb_db_int(db, -1, SQL_MEMBER_COUNT, "i", role_id);
}

int org_store_staff_role_add(tb_db *db, int64_t staff_id, int64_t role_id)
{
    char m[65];
    acl_mac_staff_role(staff_id, role_id, m);
    return tb_db_exec(db, SQL_SR_INSERT, "iit", staff_id, role_id, m) == 1 ? 0 : -1;
}

int org_store_staff_role_remove(tb_db *db, int64_t staff_id, int64_t role_id)
{
    long n = tb_db_exec(db, SQL_SR_DELETE, "ii", staff_id, role_id);
    return n < 0 ? -1 : (int)n;
}

int org_store_staff_role_rows(tb_db *db, tb_arena *a, int64_t staff_id, staff_role_row **out)
{
    tb_stmt *st = tb_db_query(db, SQL_SR_ROWS, "i", staff_id);
    if (!st)
        return -1;
    int n = 0, cap = 8;
    staff_role_row *rows = tb_arena_alloc(a, sizeof *rows * (size_t)cap);
    while (tb_stmt_step(st) == TB_ROW) {
        if (n == cap) {
            staff_role_row *g = tb_arena_alloc(a, sizeof *rows * (size_t)cap * 2);
            memcpy(g, rows, sizeof *rows * (size_t)n);
            rows = g;
            cap *= 2;
        }
        rows[n].link_id = tb_stmt_int(st, 0);
        rows[n].role_id = tb_stmt_int(st, 1);
        rows[n].link_mac = dup(a, st, 2);
        read_role(a, st, 3, &rows[n].role);
        rows[n].role_mac = dup(a, st, 9);
        n++;
    }
    *out = rows;
    return n;
}

json_t *org_store_role_members(tb_db *db, int64_t role_id, const char *q, int64_t dept, int64_t limit, int64_t offset)
{
    char like[200];
    snprintf(like, sizeof like, "%%%s%%", q ? q : "");
    q = q ? q : "";
    int64_t n = tb_db_int(db, -1, SQL_MEMBERS_COUNT, "ittii", role_id, q, like, dept, dept);
    if (n < 0)
        return NULL;
    json_int_t total = n;
    tb_stmt *st = tb_db_query(db, SQL_MEMBERS, "ittiiii", role_id, q, like, dept, dept, limit, offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:I, s:s?}", "id",
                                               (json_int_t)tb_stmt_int(st, 0), "login", tb_stmt_text(st, 1), "name",
                                               tb_stmt_text(st, 2), "status", tb_stmt_text(st, 3), "department_id",
                                               (json_int_t)tb_stmt_int(st, 4), "department_name",
                                               tb_stmt_null(st, 5) ? NULL : tb_stmt_text(st, 5)));
    return json_pack("{s:o, s:I}", "items", items, "total", total);
}

int org_store_role_users(tb_db *db, const char *code, int64_t *out, int max)
{
    tb_stmt *st = tb_db_query(db, SQL_ROLE_USERS, "t", code);
    if (!st)
        return -1;
    int n = 0;
    while (tb_stmt_step(st) == TB_ROW) {
        char m[65];
        acl_mac_staff_role(tb_stmt_int(st, 1), tb_stmt_int(st, 2), m);
        if (!acl_mac_ok(tb_stmt_text(st, 3), m))
            continue; /* alarmed when that staff member's roles are next resolved */
        if (n < max)
            out[n] = tb_stmt_int(st, 1);
        n++;
    }
    return n;
}

int org_store_custom_depts(tb_db *db, tb_arena *a, const char *ip, int64_t role_id, int64_t **out)
{
    tb_stmt *st = tb_db_query(db, SQL_RDEPTS_OF, "i", role_id);
    if (!st)
        return -1;
    int n = 0, cap = 16;
    int64_t *ids = tb_arena_alloc(a, sizeof *ids * (size_t)cap), bad[16];
    int nbad = 0;
    while (tb_stmt_step(st) == TB_ROW) {
        char m[65];
        acl_mac_role_dept(role_id, tb_stmt_int(st, 1), m);
        if (!acl_mac_ok(tb_stmt_text(st, 2), m)) {
            if (nbad < 16)
                bad[nbad++] = tb_stmt_int(st, 0);
            continue;
        }
        if (n == cap) {
            int64_t *g = tb_arena_alloc(a, sizeof *ids * (size_t)cap * 2);
            memcpy(g, ids, sizeof *ids * (size_t)n);
            ids = g;
            cap *= 2;
        }
        ids[n++] = tb_stmt_int(st, 1);
    }
    for (int i = 0; i < nbad; i++) /* after the statement: the alarm writes */
        acl_alarm(db, ip, "role_scope_departments", bad[i]);
    *out = ids;
    return n;
}

/* ---- tongban audit verify ---- */
static int verify_roles(tb_db *db, FILE *out)
{
    tb_stmt *st = tb_db_query(db, SQL_ALL_ROLES, NULL);
    int bad = 0;
    while (st && tb_stmt_step(st) == TB_ROW) {
        char m[65];
        acl_mac_role(tb_stmt_int(st, 0), tb_stmt_text(st, 1), tb_stmt_text(st, 2), tb_stmt_text(st, 3),
                     tb_stmt_int(st, 4), m);
        if (!acl_mac_ok(tb_stmt_text(st, 5), m) && ++bad)
            fprintf(out, "roles %lld: altered (MAC mismatch)\n", (long long)tb_stmt_int(st, 0));
    }
    return st ? bad : bad + 1;
}

static int verify_links(tb_db *db, FILE *out, const char *sql, const char *table)
{
    tb_stmt *st = tb_db_query(db, sql, NULL);
    int bad = 0;
    while (st && tb_stmt_step(st) == TB_ROW) {
        char m[65];
        int64_t a = tb_stmt_int(st, 1);
        if (sql == SQL_ALL_PERMS)
            acl_mac_role_perm(a, tb_stmt_text(st, 2), m);
        else if (sql == SQL_ALL_SR)
            acl_mac_staff_role(a, tb_stmt_int(st, 2), m);
        else
            acl_mac_role_dept(a, tb_stmt_int(st, 2), m);
        if (!acl_mac_ok(tb_stmt_text(st, 3), m) && ++bad)
            fprintf(out, "%s %lld: altered (MAC mismatch)\n", table, (long long)tb_stmt_int(st, 0));
    }
    return st ? bad : bad + 1;
}

int org_store_acl_verify(tb_db *db, FILE *out)
{
    return verify_roles(db, out) + verify_links(db, out, SQL_ALL_PERMS, "role_permissions") +
           verify_links(db, out, SQL_ALL_SR, "staff_roles") +
           verify_links(db, out, SQL_ALL_RDEPTS, "role_scope_departments");
}

int org_verify_acl(tb_db *db, FILE *out) { return org_store_acl_verify(db, out); }
