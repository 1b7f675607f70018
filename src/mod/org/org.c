/* The org module's public functions for the workbench and the identity
 * module, and its registration. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mod/org/org_internal.h"

void org_register(void)
{
    org_dept_register();
    org_staff_register();
    org_role_register();
    org_group_register();
}

int org_staff_get(tb_req *r, int64_t staff_id, org_staff *out)
{
    org_staff_row s;
    if (org_store_staff_get(r->db, r->arena, staff_id, &s) != 0)
        return -1;
    *out = (org_staff){.id = s.id, .login = s.login, .name = s.name, .department_id = s.department_id,
                       .department_name = s.department_name, .region = s.region};
    return 0;
}

int64_t org_department_for_region(tb_req *r, const char *region)
{
    if (!region || strlen(region) != 6)
        return 0;
    int64_t id = org_store_dept_for_region(r->db, region);
    if (!id && strcmp(region + 4, "00")) /* a county without its own branch: the city's bureau */
        id = org_store_dept_for_region(r->db, tb_arena_printf(r->arena, "%.4s00", region));
    if (!id && strcmp(region + 2, "0000"))
        id = org_store_dept_for_region(r->db, tb_arena_printf(r->arena, "%.2s0000", region));
    return id;
}

int org_flow_actor(tb_req *r, flow_actor *out)
{
    org_staff_row s;
    org_role *roles;
    int64_t *groups;
    int n = authz_roles(r->db, r->arena, r->ip, r->subject_id, &roles);
    int ng = org_store_staff_groups(r->db, r->arena, r->subject_id, &groups);
    if (n < 0 || ng < 0 || org_store_staff_get(r->db, r->arena, r->subject_id, &s) != 0)
        return -1;
    const char **codes = tb_arena_alloc(r->arena, sizeof *codes * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        codes[i] = roles[i].code;
    *out = (flow_actor){.user = s.id, .department = s.department_id, .roles = codes, .nroles = (size_t)n,
                        .groups = groups, .ngroups = (size_t)ng,
                        .admin = org_has_permission(r, "work.case.supervise")};
    return 0;
}

/* ---- flow directory: arg is the calling thread's tb_db * ---- */
static int dir_user_department(void *arg, int64_t user, int64_t *dept)
{
    tb_arena *a = tb_arena_new(1024);
    org_staff_row s;
    int rc = org_store_staff_get(arg, a, user, &s);
    *dept = rc == 0 ? s.department_id : 0;
    tb_arena_free(a);
    return rc != 0 || !*dept ? FLOW_DIR_NOT_FOUND : FLOW_DIR_OK;
}

static int dir_parent_department(void *arg, int64_t dept, int64_t *parent)
{
    if (org_store_dept_parent(arg, dept, parent) != 0 || !*parent)
        return FLOW_DIR_NOT_FOUND;
    return FLOW_DIR_OK;
}

static int dir_region_department(void *arg, const char *region, int64_t *dept)
{
    tb_arena *a = tb_arena_new(1024);
    tb_req fake = {.arena = a, .db = arg};
    *dept = org_department_for_region(&fake, region);
    tb_arena_free(a);
    return *dept ? FLOW_DIR_OK : FLOW_DIR_NOT_FOUND;
}

static int dir_role_users(void *arg, const char *role, int64_t *out, int max)
{
    return org_store_role_users(arg, role, out, max);
}

static const flow_directory directory = {
    .arg = NULL,
    .user_department = dir_user_department,
    .parent_department = dir_parent_department,
    .region_legal_department = dir_region_department,
    .role_users = dir_role_users,
};

const flow_directory *org_flow_directory(void) { return &directory; }

/* ---- for the identity module ---- */
const char *org_staff_phone(tb_req *r, int64_t staff_id)
{
    org_staff_row s;
    if (org_store_staff_get(r->db, r->arena, staff_id, &s) != 0 || !s.phone_enc)
        return NULL;
    char *p = tb_field_decrypt(s.phone_enc);
    if (!p)
        return NULL;
    const char *copy = tb_arena_strdup(r->arena, p);
    tb_wipe(p, strlen(p));
    free(p);
    return copy;
}

int org_mfa_methods(tb_req *r, int64_t staff_id, const char *methods[2])
{
    const char *enc;
    int64_t last;
    int n = 0;
    if (org_store_staff_totp(r->db, r->arena, staff_id, &enc, &last) == 0 && enc)
        methods[n++] = "totp";
    if (org_staff_phone(r, staff_id))
        methods[n++] = "sms";
    return n;
}

/* The subject's own data scope, for the work portal (and for tests of the scope rules). */
static json_t *scope_json(tb_req *r)
{
    const int64_t *ids;
    size_t n;
    bool self;
    bool all = org_scope(r, &ids, &n, &self);
    json_t *d = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(d, json_integer(ids[i]));
    return json_pack("{s:b, s:o, s:b}", "all", all, "departments", d, "self_only", !all && self);
}

json_t *org_staff_profile_json(tb_req *r, int64_t staff_id)
{
    org_role *roles;
    org_staff_row s;
    int n = authz_roles(r->db, r->arena, r->ip, staff_id, &roles);
    if (n < 0 || org_store_staff_get(r->db, r->arena, staff_id, &s) != 0)
        return NULL;
    json_t *codes = json_array(), *detail = json_array(), *perms = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(codes, json_string(roles[i].code));
        json_array_append_new(detail, json_pack("{s:s, s:s, s:s, s:s}", "code", roles[i].code, "name",
                                                roles[i].name, "kind", roles[i].kind, "scope", roles[i].scope));
        json_t *p = org_store_role_perms(r->db, r->arena, r->ip, roles[i].id);
        size_t k;
        json_t *v;
        json_array_foreach(p, k, v) if (json_is_string(v) && org_perm_find(json_string_value(v)) &&
                                        !strcmp(org_perm_find(json_string_value(v))->category, roles[i].kind))
            json_array_append(perms, v);
        json_decref(p);
    }
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:s?, s:s?}", "roles", codes, "role_details", detail, "permissions",
                          perms, "department_id", s.department_id ? json_integer(s.department_id) : json_null(),
                          "department_name", s.department_name, "police_no", s.police_no);
    if (staff_id == r->subject_id)
        json_object_set_new(o, "scope", scope_json(r));
    return o;
}
