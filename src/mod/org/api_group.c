/* Routes of staff groups (flow tasks may be assigned to a group). */
#include <string.h>

#include "core/jsonx.h"
#include "mod/audit/audit.h"
#include "mod/org/org_internal.h"

static void get_groups(tb_req *r)
{
    json_t *items = org_store_groups_list(r->db);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void post_group(tb_req *r)
{
    const char *name = NULL, *desc = "";
    tb_jfield spec[] = {TB_JSTR("name", &name, true, 30), TB_JSTR("description", &desc, false, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (tb_json_cp_len(name) < 2)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "name");
    if (tx_open(r) != 0)
        return;
    int64_t id = org_store_group_insert(r->db, name, desc);
    if (id < 0)
        return tx_abort(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, "name");
    audit_record(r, "org.group.create", obj(r, "group", id), "ok", name);
    tx_commit_reply(r, 201, json_pack("{s:I, s:s, s:s, s:i}", "id", (json_int_t)id, "name", name, "description",
                                      desc ? desc : "", "members", 0));
}

static void delete_group(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    if (id < 0 || tx_open(r) != 0)
        return;
    if (org_store_group_delete(r->db, id) != 0)
        return tx_abort(r, TB_E_GROUP_NOT_FOUND, "id");
    audit_record(r, "org.group.delete", obj(r, "group", id), "ok", "");
    tx_commit_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static void get_members(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    if (id < 0)
        return;
    if (!org_store_group_exists(r->db, id))
        return tb_reply_err(r, TB_E_GROUP_NOT_FOUND, "id");
    json_t *items = org_store_group_members(r->db, id);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void post_member(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), staff = 0;
    tb_jfield spec[] = {TB_JINT("staff_id", &staff, true, 1, INT64_MAX), TB_JEND};
    org_staff_row s;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (!org_store_group_exists(r->db, id))
        return tb_reply_err(r, TB_E_GROUP_NOT_FOUND, "id");
    if (org_store_staff_get(r->db, r->arena, staff, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "staff_id");
    if (tx_open(r) != 0)
        return;
    if (org_store_group_member_add(r->db, id, staff) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "org.group.member_add", obj(r, "group", id), "ok", obj(r, "staff", staff));
    tx_commit_reply(r, 201, json_pack("{s:I, s:I}", "group_id", (json_int_t)id, "staff_id", (json_int_t)staff));
}

static void delete_member(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), staff = id < 0 ? -1 : path_id(r, 1, "staff_id");
    if (id < 0 || staff < 0 || tx_open(r) != 0)
        return;
    int n = org_store_group_member_remove(r->db, id, staff);
    if (n <= 0)
        return tx_abort(r, n < 0 ? TB_E_INTERNAL : TB_E_NOT_FOUND, "staff_id");
    audit_record(r, "org.group.member_remove", obj(r, "group", id), "ok", obj(r, "staff", staff));
    tx_commit_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/groups", get_groups, TB_AUTH_STAFF, "org.staff.read", 0, "org", "用户组列表"},
    {"POST", "/api/v1/admin/groups", post_group, TB_AUTH_STAFF, "org.group.write", TB_R_JSON, "org", "新增用户组"},
    {"DELETE", "/api/v1/admin/groups/{id}", delete_group, TB_AUTH_STAFF, "org.group.write", 0, "org", "删除用户组"},
    {"GET", "/api/v1/admin/groups/{id}/members", get_members, TB_AUTH_STAFF, "org.staff.read", 0, "org", "用户组成员"},
    {"POST", "/api/v1/admin/groups/{id}/members", post_member, TB_AUTH_STAFF, "org.group.write", TB_R_JSON, "org",
     "添加用户组成员"},
    {"DELETE", "/api/v1/admin/groups/{id}/members/{staff_id}", delete_member, TB_AUTH_STAFF, "org.group.write", 0,
     "org", "移除用户组成员"},
};

void org_group_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
