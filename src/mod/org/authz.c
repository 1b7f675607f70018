/* Access decisions: the roles a staff member holds through intact rows, the
 * permissions they carry, and the data scope they open. Nothing is cached
 * across requests, so a revoked role or a tampered row takes effect on the
 * next request. */
#include <string.h>

#include "mod/audit/audit.h"
#include "mod/org/org_internal.h"

int authz_roles(tb_db *db, tb_arena *a, const char *ip, int64_t staff_id, org_role **out)
{
    staff_role_row *rows;
    int n = org_store_staff_role_rows(db, a, staff_id, &rows);
    if (n < 0)
        return -1;
    org_role *roles = tb_arena_alloc(a, sizeof *roles * (size_t)(n ? n : 1));
    int k = 0;
    for (int i = 0; i < n; i++) {
        char want[65];
        acl_mac_staff_role(staff_id, rows[i].role_id, want);
        if (!acl_mac_ok(rows[i].link_mac, want)) {
            acl_alarm(db, ip, "staff_roles", rows[i].link_id);
            continue;
        }
        const org_role *ro = &rows[i].role;
        acl_mac_role(ro->id, ro->code, ro->kind, ro->scope, ro->mfa, want);
        if (!acl_mac_ok(rows[i].role_mac, want)) {
            acl_alarm(db, ip, "roles", ro->id);
            continue;
        }
        roles[k++] = *ro;
    }
    *out = roles;
    return k;
}

bool authz_staff_has(tb_db *db, tb_arena *a, const char *ip, int64_t staff_id, const char *perm)
{
    const org_perm *p = org_perm_find(perm);
    org_role *roles;
    int n = p ? authz_roles(db, a, ip, staff_id, &roles) : -1;
    for (int i = 0; i < n; i++)
        /* a role never grants outside its category, even if a row says so */
        if (!strcmp(roles[i].kind, p->category) && org_store_role_has_perm(db, ip, roles[i].id, perm) == 1)
            return true;
    return false;
}

const char *authz_admin_kind(const org_role *roles, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(roles[i].kind, "business"))
            return roles[i].kind;
    return NULL;
}

int org_authorize(tb_req *r, const char *perm, tb_error *e)
{
    if (!perm || authz_staff_has(r->db, r->arena, r->ip, r->subject_id, perm))
        return 0;
    audit_record(r, "security.forbidden", r->route ? r->route->pattern : "", "refused", perm);
    return tb_fail(e, TB_E_FORBIDDEN, NULL);
}

bool org_has_permission(tb_req *r, const char *perm)
{
    return r->subject_id && r->subject_realm && !strcmp(r->subject_realm, "staff") &&
           authz_staff_has(r->db, r->arena, r->ip, r->subject_id, perm);
}

bool org_mfa_required(tb_db *db, int64_t staff_id)
{
    tb_arena *a = tb_arena_new(4096);
    org_role *roles;
    int n = authz_roles(db, a, "local", staff_id, &roles);
    bool need = n <= 0 || authz_admin_kind(roles, n); /* no role: the default, on */
    for (int i = 0; i < n && !need; i++)
        need = roles[i].mfa;
    tb_arena_free(a);
    return need;
}

/* ---- data scope ---- */
typedef struct {
    int64_t *ids;
    size_t n, cap;
} idset;

static void idset_add(tb_arena *a, idset *s, const int64_t *ids, int n)
{
    for (int i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < s->n && !dup; j++)
            dup = s->ids[j] == ids[i];
        if (dup)
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            int64_t *grown = tb_arena_alloc(a, cap * sizeof *grown);
            if (s->n)
                memcpy(grown, s->ids, s->n * sizeof *grown);
            s->ids = grown;
            s->cap = cap;
        }
        s->ids[s->n++] = ids[i];
    }
}

/* Region prefix of a department's region: 230000 → "23", 230100 → "2301", 230102 → "230102". */
static const char *region_prefix(tb_arena *a, const char *region)
{
    size_t n = strlen(region);
    if (n == 6 && !strcmp(region + 2, "0000"))
        n = 2;
    else if (n == 6 && !strcmp(region + 4, "00"))
        n = 4;
    return tb_arena_strndup(a, region, n);
}

static void scope_of_role(tb_req *r, const org_role *ro, const org_staff_row *me, idset *s, bool *self)
{
    int64_t *ids = NULL;
    int n = 0;
    if (!strcmp(ro->scope, "self")) {
        *self = true;
        return;
    }
    if (!strcmp(ro->scope, "custom"))
        n = org_store_custom_depts(r->db, r->arena, r->ip, ro->id, &ids);
    else if (!me->department_id)
        return; /* department-relative scopes open nothing for a staff member without one */
    else if (!strcmp(ro->scope, "dept")) {
        ids = tb_arena_alloc(r->arena, sizeof *ids);
        ids[0] = me->department_id;
        n = 1;
    }
    else if (!strcmp(ro->scope, "dept_tree"))
        n = org_store_dept_subtree(r->db, r->arena, me->department_id, &ids);
    else if (!strcmp(ro->scope, "region") && me->region)
        n = org_store_dept_region_prefix(r->db, r->arena, region_prefix(r->arena, me->region), &ids);
    if (n > 0)
        idset_add(r->arena, s, ids, n);
}

bool org_scope(tb_req *r, const int64_t **depts, size_t *n, bool *self_only)
{
    org_role *roles;
    org_staff_row me;
    idset s = {0};
    bool self = false;
    *depts = NULL;
    *n = 0;
    *self_only = true;
    int k = authz_roles(r->db, r->arena, r->ip, r->subject_id, &roles);
    if (k < 0 || org_store_staff_get(r->db, r->arena, r->subject_id, &me) != 0)
        return false;
    for (int i = 0; i < k; i++) {
        if (!strcmp(roles[i].scope, "all"))
            return true;
        scope_of_role(r, &roles[i], &me, &s, &self);
    }
    *depts = s.ids;
    *n = s.n;
    *self_only = s.n == 0;
    return false;
}

bool org_can_see_department(tb_req *r, int64_t department_id)
{
    const int64_t *ids;
    size_t n;
    bool self;
    if (org_scope(r, &ids, &n, &self))
        return true;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == department_id)
            return true;
    return false;
}
