/* SQL of departments. */
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"
#include "mod/org/org_internal.h"

#define DEPT_COLS "id, name, short_name, level, parent_id, region, sort_order, head_staff_id"
static const char SQL_GET[] = "SELECT " DEPT_COLS " FROM departments WHERE id = ?";
static const char SQL_BY_NAME[] = "SELECT id FROM departments WHERE name = ? OR short_name = ? ORDER BY id LIMIT 1";
static const char SQL_INSERT[] = "INSERT INTO departments(name, short_name, level, parent_id, region, sort_order, "
                                 "head_staff_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                                 "RETURNING id";
static const char SQL_UPDATE[] = "UPDATE departments SET name = ?, short_name = ?, level = ?, region = ?, "
                                 "head_staff_id = ?, updated_at = ? WHERE id = ?";
static const char SQL_MOVE[] = "UPDATE departments SET parent_id = ?, sort_order = ?, updated_at = ? WHERE id = ?";
static const char SQL_DELETE[] = "DELETE FROM departments WHERE id = ?";
static const char SQL_LIST[] =
    "SELECT d.id, d.name, d.short_name, d.level, d.parent_id, d.region, d.sort_order, d.head_staff_id, "
    "(SELECT COUNT(*) FROM departments c WHERE c.parent_id = d.id), "
    "(SELECT COUNT(*) FROM staff s WHERE s.department_id = d.id AND s.status <> 'retired'), p.name "
    "FROM departments d LEFT JOIN departments p ON p.id = d.parent_id "
    "WHERE (? = '' OR d.short_name LIKE ? OR d.name LIKE ?) AND (? = 0 OR d.parent_id = ?) "
    "ORDER BY d.level, d.parent_id, d.sort_order, d.id";
static const char SQL_LIST_ROOTS[] =
    "SELECT d.id, d.name, d.short_name, d.level, d.parent_id, d.region, d.sort_order, d.head_staff_id, "
    "(SELECT COUNT(*) FROM departments c WHERE c.parent_id = d.id), "
    "(SELECT COUNT(*) FROM staff s WHERE s.department_id = d.id AND s.status <> 'retired'), NULL "
    "FROM departments d WHERE d.parent_id IS NULL ORDER BY d.sort_order, d.id";
static const char SQL_CHILDREN[] = "SELECT COUNT(*) FROM departments WHERE parent_id = ?";
static const char SQL_STAFF_IN[] = "SELECT COUNT(*) FROM staff WHERE department_id = ?";
static const char SQL_ROLES_IN[] = "SELECT COUNT(*) FROM role_scope_departments WHERE department_id = ?";
static const char SQL_SUBTREE[] = "WITH RECURSIVE t(id) AS (SELECT CAST(? AS BIGINT) UNION "
                                  "SELECT d.id FROM departments d JOIN t ON d.parent_id = t.id) SELECT id FROM t";
static const char SQL_REGION_PREFIX[] = "SELECT id FROM departments WHERE region LIKE ? ORDER BY id";
static const char SQL_FOR_REGION[] = "SELECT id FROM departments WHERE region = ? ORDER BY level ASC, sort_order, id "
                                     "LIMIT 1";
static const char SQL_PARENT[] = "SELECT parent_id FROM departments WHERE id = ?";
static const char SQL_REGION[] = "SELECT COUNT(*) FROM regions WHERE code = ?";

int org_store_dept_get(tb_db *db, tb_arena *a, int64_t id, org_dept *out)
{
    tb_stmt *st = tb_db_query(db, SQL_GET, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    out->id = tb_stmt_int(st, 0);
    out->name = tb_arena_strdup(a, tb_stmt_text(st, 1));
    out->short_name = tb_arena_strdup(a, tb_stmt_text(st, 2));
    out->level = tb_stmt_int(st, 3);
    out->parent_id = tb_stmt_null(st, 4) ? 0 : tb_stmt_int(st, 4);
    out->region = tb_arena_strdup(a, tb_stmt_text(st, 5));
    out->sort_order = tb_stmt_int(st, 6);
    out->head_staff_id = tb_stmt_null(st, 7) ? 0 : tb_stmt_int(st, 7);
    tb_stmt_done(st);
    return 0;
}

int64_t org_store_dept_by_name(tb_db *db, const char *name)
{
    return tb_db_int(db, 0, SQL_BY_NAME, "tt", name, name);
}

/* 0 stands for "none" in the C structs and NULL in the table (bound as text). */
int64_t org_store_dept_insert(tb_db *db, const org_dept *d)
{
    int64_t now = tb_now();
    char parent[24] = "", head[24] = "";
    if (d->parent_id)
        snprintf(parent, sizeof parent, "%lld", (long long)d->parent_id);
    if (d->head_staff_id)
        snprintf(head, sizeof head, "%lld", (long long)d->head_staff_id);
    return tb_db_int(db, -1, SQL_INSERT, "ttittitii", d->name, d->short_name, d->level, d->parent_id ? parent : NULL,
                     d->region, d->sort_order, d->head_staff_id ? head : NULL, now, now);
}

int org_store_dept_update(tb_db *db, const org_dept *d)
{
    char head[24];
    snprintf(head, sizeof head, "%lld", (long long)d->head_staff_id);
    return tb_db_exec(db, SQL_UPDATE, "ttittii", d->name, d->short_name, d->level, d->region,
                      d->head_staff_id ? head : NULL, tb_now(), d->id) == 1
               ? 0
               : -1;
}

int org_store_dept_move(tb_db *db, int64_t id, int64_t parent, int64_t sort)
{
    char p[24];
    snprintf(p, sizeof p, "%lld", (long long)parent);
    return tb_db_exec(db, SQL_MOVE, "tiii", parent ? p : NULL, sort, tb_now(), id) == 1 ? 0 : -1;
}

int org_store_dept_delete(tb_db *db, int64_t id) { return tb_db_exec(db, SQL_DELETE, "i", id) == 1 ? 0 : -1; }

static json_t *dept_json(tb_stmt *st)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:I, s:o, s:I, s:I, s:s?}", "id", (json_int_t)tb_stmt_int(st, 0),
                     "name", tb_stmt_text(st, 1), "short_name", tb_stmt_text(st, 2), "level",
                     (json_int_t)tb_stmt_int(st, 3), "parent_id",
                     tb_stmt_null(st, 4) ? json_null() : json_integer(tb_stmt_int(st, 4)), "region",
                     tb_stmt_text(st, 5), "sort_order", (json_int_t)tb_stmt_int(st, 6), "head_staff_id",
                     tb_stmt_null(st, 7) ? json_null() : json_integer(tb_stmt_int(st, 7)), "children",
                     (json_int_t)tb_stmt_int(st, 8), "staff", (json_int_t)tb_stmt_int(st, 9), "parent_name",
                     tb_stmt_null(st, 10) ? NULL : tb_stmt_text(st, 10));
}

json_t *org_store_dept_list(tb_db *db, const char *q, int64_t parent, bool roots)
{
    char like[200];
    snprintf(like, sizeof like, "%%%s%%", q ? q : "");
    tb_stmt *st = roots ? tb_db_query(db, SQL_LIST_ROOTS, NULL)
                        : tb_db_query(db, SQL_LIST, "tttii", q ? q : "", like, like, parent, parent);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, dept_json(st));
    return a;
}

void org_store_dept_usage(tb_db *db, int64_t id, int64_t *children, int64_t *staff, int64_t *roles)
{
    *children = tb_db_int(db, -1, SQL_CHILDREN, "i", id);
    *staff = tb_db_int(db, -1, SQL_STAFF_IN, "i", id);
    *roles = tb_db_int(db, -1, SQL_ROLES_IN, "i", id);
}

int org_store_ids(tb_stmt *st, tb_arena *a, int64_t **out)
{
    if (!st)
        return -1;
    int n = 0, cap = 32;
    int64_t *ids = tb_arena_alloc(a, sizeof *ids * (size_t)cap);
    while (tb_stmt_step(st) == TB_ROW) {
        if (n == cap) {
            int64_t *g = tb_arena_alloc(a, sizeof *ids * (size_t)cap * 2);
            memcpy(g, ids, sizeof *ids * (size_t)n);
            ids = g;
            cap *= 2;
        }
        ids[n++] = tb_stmt_int(st, 0);
    }
    *out = ids;
    return n;
}

int org_store_dept_subtree(tb_db *db, tb_arena *a, int64_t root, int64_t **out)
{
    return org_store_ids(tb_db_query(db, SQL_SUBTREE, "i", root), a, out);
}

int org_store_dept_region_prefix(tb_db *db, tb_arena *a, const char *prefix, int64_t **out)
{
    return org_store_ids(tb_db_query(db, SQL_REGION_PREFIX, "t", tb_arena_printf(a, "%s%%", prefix)), a, out);
}

int64_t org_store_dept_for_region(tb_db *db, const char *region)
{
    return tb_db_int(db, 0, SQL_FOR_REGION, "t", region);
}

int org_store_dept_parent(tb_db *db, int64_t id, int64_t *parent)
{
    tb_stmt *st = tb_db_query(db, SQL_PARENT, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    *parent = tb_stmt_null(st, 0) ? 0 : tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return 0;
}

bool org_store_dept_is_descendant(tb_db *db, int64_t node, int64_t ancestor)
{
    for (int depth = 0; node && depth < 64; depth++) { /* the tree is shallow; 64 stops a corrupt cycle */
        if (node == ancestor)
            return true;
        if (org_store_dept_parent(db, node, &node) != 0)
            return false;
    }
    return false;
}

bool org_store_region_exists(tb_db *db, const char *code)
{
    return tb_db_int(db, 0, SQL_REGION, "t", code) > 0;
}
