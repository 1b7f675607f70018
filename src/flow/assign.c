/* Who gets a user task: a single assignee or candidate keys, resolved through the application's
 * directory; and the actor's own keys, which are matched against the candidates.
 * Keys: u:<user> g:<group> d:<department> r:<role> r:<role>@<department>. */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

void assignment_free(assignment *as)
{
    for (int i = 0; i < as->nkeys; i++)
        free(as->keys[i]);
    free(as->keys);
    memset(as, 0, sizeof *as);
}

static int add_key(exec *x, assignment *as, const char *prefix, const char *s, int64_t id, int64_t dept)
{
    char buf[160];
    if (s && dept)
        snprintf(buf, sizeof buf, "%s%s@%lld", prefix, s, (long long)dept);
    else if (s)
        snprintf(buf, sizeof buf, "%s%s", prefix, s);
    else
        snprintf(buf, sizeof buf, "%s%lld", prefix, (long long)id);
    char **p = realloc(as->keys, sizeof *p * (size_t)(as->nkeys + 1));
    char *k = strdup(buf);
    if (!p || !k) {
        free(k);
        if (p)
            as->keys = p;
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    }
    as->keys = p;
    as->keys[as->nkeys++] = k;
    return 0;
}

static int dir_result(exec *x, const fnode *n, int rc, const char *what)
{
    if (rc == FLOW_DIR_OK)
        return 0;
    if (rc == FLOW_DIR_NOT_FOUND)
        return flow_fail(x->e, FLOW_E_ASSIGN, n->id, "环节 %s 无法确定办理人：%s不存在", n->name, what);
    return flow_fail(x->e, FLOW_E_ASSIGN, n->id, "环节 %s 无法确定办理人：查询%s失败", n->name, what);
}

static int relative_department(exec *x, const fnode *n, const char *rel, int64_t *dept)
{
    const flow_directory *d = &x->ctx->env.dir;
    *dept = 0;
    if (!strcmp(rel, "region_legal_department")) {
        if (!d->region_legal_department || !x->region)
            return dir_result(x, n, FLOW_DIR_NOT_FOUND, "区划的法制部门");
        return dir_result(x, n, d->region_legal_department(d->arg, x->region, dept), "区划的法制部门");
    }
    if (!x->initiator_dept)
        return dir_result(x, n, FLOW_DIR_NOT_FOUND, "发起人所在部门");
    if (!strcmp(rel, "initiator_department")) {
        *dept = x->initiator_dept;
        return 0;
    }
    if (!d->parent_department)
        return dir_result(x, n, FLOW_DIR_NOT_FOUND, "上级部门");
    return dir_result(x, n, d->parent_department(d->arg, x->initiator_dept, dept), "上级部门");
}

static int add_ids(exec *x, assignment *as, const char *prefix, const json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (add_key(x, as, prefix, NULL, json_integer_value(v), 0)) return -1;
    return 0;
}

int assign_resolve(exec *x, const fnode *n, const json_t *spec, assignment *out)
{
    memset(out, 0, sizeof *out);
    json_t *rel = json_object_get(spec, "relative"), *roles = json_object_get(spec, "roles");
    int64_t dept = 0;
    size_t i;
    json_t *v;
    out->assignee = json_integer_value(json_object_get(spec, "user"));
    if (add_ids(x, out, "u:", json_object_get(spec, "users")) || add_ids(x, out, "g:", json_object_get(spec, "groups")) ||
        add_ids(x, out, "d:", json_object_get(spec, "departments")))
        return -1;
    if (rel && relative_department(x, n, json_string_value(rel), &dept))
        return -1;
    if (rel && !roles && add_key(x, out, "d:", NULL, dept, 0))
        return -1;
    json_array_foreach(roles, i, v) if (add_key(x, out, "r:", json_string_value(v), 0, dept)) return -1;
    if (!out->assignee && !out->nkeys)
        return flow_fail(x->e, FLOW_E_ASSIGN, n->id, "环节 %s 没有办理人", n->name);
    return 0;
}

#define MAX_MULTI 256

int multi_users(exec *x, const fnode *n, int64_t **users, int *count)
{
    json_t *m = json_object_get(n->j, "multi"), *over = json_object_get(m, "over");
    const char *s = json_string_value(over);
    *users = calloc(MAX_MULTI, sizeof **users);
    *count = 0;
    if (!*users)
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    if (s && !strncmp(s, "var:", 4))
        over = json_object_get(x->vars, s + 4);
    if (json_is_array(over)) {
        size_t i;
        json_t *v;
        json_array_foreach(over, i, v) if (json_integer_value(v) > 0 && *count < MAX_MULTI)(*users)[(*count)++] =
            json_integer_value(v);
    } else if (s && !strncmp(s, "role:", 5)) {
        const flow_directory *d = &x->ctx->env.dir;
        int rc = d->role_users ? d->role_users(d->arg, s + 5, *users, MAX_MULTI) : -1;
        if (rc < 0)
            return flow_fail(x->e, FLOW_E_ASSIGN, n->id, "环节 %s 无法查询角色 %s 的人员", n->name, s + 5);
        *count = rc > MAX_MULTI ? MAX_MULTI : rc;
    }
    if (*count == 0)
        return flow_fail(x->e, FLOW_E_ASSIGN, n->id, "环节 %s 的会签人员为空", n->name);
    json_int_t least = json_integer_value(json_object_get(json_object_get(m, "complete"), "at_least"));
    if (least > *count)
        return flow_fail(x->e, FLOW_E_ASSIGN, n->id, "环节 %s 要求至少 %lld 人办理，但只有 %d 人", n->name,
                         (long long)least, *count);
    return 0;
}

/* "|u:1|d:10|r:leader|r:leader@10|g:3|": matched in SQL with LIKE against each candidate key (see
 * CAND_MATCH in flow_internal.h). A role containing '|' could pose as another key, so it is dropped. */
char *actor_keystr(const flow_actor *a)
{
    size_t cap = 64;
    for (size_t i = 0; i < a->nroles; i++)
        cap += 2 * strlen(a->roles[i] ? a->roles[i] : "") + 48;
    cap += a->ngroups * 24;
    char *s = malloc(cap), *p = s;
    if (!s)
        return NULL;
    p += sprintf(p, "|u:%lld|", (long long)a->user);
    if (a->department)
        p += sprintf(p, "d:%lld|", (long long)a->department);
    for (size_t i = 0; i < a->nroles; i++) {
        const char *r = a->roles[i];
        if (!r || !*r || strchr(r, '|'))
            continue;
        p += sprintf(p, "r:%s|", r);
        if (a->department)
            p += sprintf(p, "r:%s@%lld|", r, (long long)a->department);
    }
    for (size_t i = 0; i < a->ngroups; i++)
        p += sprintf(p, "g:%lld|", (long long)a->groups[i]);
    return s;
}
