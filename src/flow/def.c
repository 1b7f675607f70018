/* Definitions: parsing the JSON into a graph, validating it before deploy, and a per-context cache of
 * parsed deployed versions (a stored version never changes, so the cache needs no invalidation). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

static const char *const TYPE_NAMES[] = {"start", "end", "user_task", "exclusive", "parallel", "inclusive",
                                         "sub_process", "auto_task"};

void problem(json_t *problems, const char *node, const char *code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(problems, json_pack("{s:s,s:s,s:s}", "node", node ? node : "", "code", code,
                                              "message", msg));
}

void def_free(flow_def *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nn; i++) {
        free(d->nodes[i].out);
        free(d->nodes[i].in);
    }
    free(d->nodes);
    free(d->flows);
    free(d->upstream);
    json_decref(d->root);
    free(d);
}

int def_node(const flow_def *d, const char *id)
{
    for (int i = 0; id && i < d->nn; i++)
        if (!strcmp(d->nodes[i].id, id))
            return i;
    return -1;
}

static int def_flow(const flow_def *d, const char *id)
{
    for (int i = 0; id && i < d->nf; i++)
        if (!strcmp(d->flows[i].id, id))
            return i;
    return -1;
}

static bool good_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

static int parse_nodes(flow_def *d, json_t *problems)
{
    json_t *nodes = json_object_get(d->root, "nodes");
    d->nn = (int)json_array_size(nodes);
    d->nodes = calloc(d->nn ? d->nn : 1, sizeof *d->nodes);
    if (!d->nodes)
        return -1;
    int bad = 0;
    for (int i = 0; i < d->nn; i++) {
        fnode *n = &d->nodes[i];
        n->j = json_array_get(nodes, i);
        n->id = json_string_value(json_object_get(n->j, "id"));
        n->name = json_string_value(json_object_get(n->j, "name"));
        n->dflt = n->fail = -1;
        const char *type = json_string_value(json_object_get(n->j, "type"));
        if (!good_id(n->id)) {
            problem(problems, NULL, "BAD_NODE_ID", "第 %d 个节点的 id 缺失或不合法（字母、数字、_-.，至多 63 个字符）", i + 1);
            n->id = "";
            bad++;
            continue;
        }
        if (!n->name)
            n->name = n->id;
        n->type = (ntype)-1;
        for (int t = 0; type && t < (int)(sizeof TYPE_NAMES / sizeof *TYPE_NAMES); t++)
            if (!strcmp(type, TYPE_NAMES[t]))
                n->type = (ntype)t;
        if ((int)n->type < 0) {
            problem(problems, n->id, "BAD_NODE_TYPE", "节点 %s 的类型 %s 未知", n->id, type ? type : "(缺失)");
            bad++;
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(d->nodes[k].id, n->id)) {
                problem(problems, n->id, "DUPLICATE_NODE", "节点 id %s 重复", n->id);
                bad++;
            }
    }
    return bad;
}

static int add_edge(int **arr, int *n, int v)
{
    int *p = realloc(*arr, (size_t)(*n + 1) * sizeof **arr);
    if (!p)
        return -1;
    p[(*n)++] = v;
    *arr = p;
    return 0;
}

static int parse_flows(flow_def *d, json_t *problems)
{
    json_t *flows = json_object_get(d->root, "flows");
    d->nf = (int)json_array_size(flows);
    d->flows = calloc(d->nf ? d->nf : 1, sizeof *d->flows);
    if (!d->flows)
        return -1;
    int bad = 0;
    for (int i = 0; i < d->nf; i++) {
        fflow *f = &d->flows[i];
        json_t *j = json_array_get(flows, i);
        f->id = json_string_value(json_object_get(j, "id"));
        f->cond = json_string_value(json_object_get(j, "condition"));
        const char *from = json_string_value(json_object_get(j, "from"));
        const char *to = json_string_value(json_object_get(j, "to"));
        f->from = def_node(d, from);
        f->to = def_node(d, to);
        if (!good_id(f->id)) {
            problem(problems, NULL, "BAD_FLOW_ID", "第 %d 条连线的 id 缺失或不合法", i + 1);
            f->id = "";
            bad++;
            continue;
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(d->flows[k].id, f->id)) {
                problem(problems, f->id, "DUPLICATE_FLOW", "连线 id %s 重复", f->id);
                bad++;
            }
        if (f->from < 0 || f->to < 0) {
            problem(problems, f->id, "UNKNOWN_REFERENCE", "连线 %s 引用了不存在的节点 %s", f->id,
                    f->from < 0 ? (from ? from : "(缺失)") : (to ? to : "(缺失)"));
            bad++;
            continue;
        }
        if (add_edge(&d->nodes[f->from].out, &d->nodes[f->from].nout, i) ||
            add_edge(&d->nodes[f->to].in, &d->nodes[f->to].nin, i))
            return -1;
    }
    return bad;
}

/* default and on_fail name one of the node's outgoing flows */
static int parse_refs(flow_def *d, json_t *problems)
{
    int bad = 0;
    for (int i = 0; i < d->nn; i++) {
        fnode *n = &d->nodes[i];
        const char *names[2] = {"default", "on_fail"};
        int *slots[2] = {&n->dflt, &n->fail};
        for (int k = 0; k < 2; k++) {
            const char *ref = json_string_value(json_object_get(n->j, names[k]));
            if (!ref)
                continue;
            int f = def_flow(d, ref);
            if (f < 0 || d->flows[f].from != i) {
                problem(problems, n->id, "UNKNOWN_REFERENCE", "节点 %s 的 %s 指向 %s，它不是该节点的出口连线", n->id,
                        names[k], ref);
                bad++;
            } else {
                *slots[k] = f;
            }
        }
    }
    return bad;
}

/* upstream[j][t]: t reaches j without passing through j (reverse walk from j that never re-enters j).
 * A join fires when no live position is upstream of it. */
static int compute_upstream(flow_def *d)
{
    int nn = d->nn;
    d->upstream = calloc((size_t)nn * nn + 1, 1);
    int *stack = malloc(sizeof(int) * (size_t)(nn + d->nf + 1));
    if (!d->upstream || !stack) {
        free(stack);
        return -1;
    }
    for (int j = 0; j < nn; j++) {
        unsigned char *up = d->upstream + (size_t)j * nn;
        int sp = 0;
        stack[sp++] = j;
        while (sp) {
            int v = stack[--sp];
            for (int k = 0; k < d->nodes[v].nin; k++) {
                int u = d->flows[d->nodes[v].in[k]].from;
                if (u == j || up[u])
                    continue;
                up[u] = 1;
                stack[sp++] = u;
            }
        }
    }
    free(stack);
    return 0;
}

flow_def *def_parse(json_t *root, json_t *problems)
{
    if (!json_is_object(root) || !json_is_array(json_object_get(root, "nodes")) ||
        !json_is_array(json_object_get(root, "flows"))) {
        problem(problems, NULL, "BAD_DEFINITION", "流程定义必须是包含 nodes 与 flows 数组的 JSON 对象");
        return NULL;
    }
    flow_def *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->root = json_incref(root);
    d->key = json_string_value(json_object_get(root, "key"));
    d->name = json_string_value(json_object_get(root, "name"));
    d->start = -1;
    int bad = 0;
    if (!good_id(d->key)) {
        problem(problems, NULL, "BAD_KEY", "流程 key 缺失或不合法（字母、数字、_-.，至多 63 个字符）");
        bad++;
    }
    if (!d->name || !*d->name) {
        problem(problems, NULL, "BAD_NAME", "流程名称 name 不能为空");
        bad++;
    }
    int r;
    if ((r = parse_nodes(d, problems)) < 0 || (bad += r, (r = parse_flows(d, problems)) < 0) ||
        (bad += r, (r = parse_refs(d, problems)) < 0) || (bad += r, compute_upstream(d) != 0)) {
        def_free(d);
        return NULL;
    }
    for (int i = 0; i < d->nn; i++)
        if (d->nodes[i].type == N_START && d->start < 0)
            d->start = i;
    if (bad) {
        def_free(d);
        return NULL;
    }
    return d;
}

/* ---- validation ---- */

static void walk(const flow_def *d, int from, bool forward, unsigned char *seen)
{
    int *stack = malloc(sizeof(int) * (size_t)(d->nn + d->nf + 1));
    if (!stack)
        return;
    int sp = 0;
    seen[from] = 1;
    stack[sp++] = from;
    while (sp) {
        int v = stack[--sp];
        const fnode *n = &d->nodes[v];
        int cnt = forward ? n->nout : n->nin;
        for (int k = 0; k < cnt; k++) {
            int u = forward ? d->flows[n->out[k]].to : d->flows[n->in[k]].from;
            if (!seen[u]) {
                seen[u] = 1;
                stack[sp++] = u;
            }
        }
    }
    free(stack);
}

static void check_counts(const flow_def *d, json_t *p)
{
    int starts = 0, ends = 0;
    for (int i = 0; i < d->nn; i++) {
        starts += d->nodes[i].type == N_START;
        ends += d->nodes[i].type == N_END;
    }
    if (starts != 1)
        problem(p, NULL, "START_COUNT", "流程必须有且只有一个开始节点，当前 %d 个", starts);
    if (ends < 1)
        problem(p, NULL, "NO_END", "流程至少需要一个结束节点");
}

static void check_degree(const flow_def *d, int i, json_t *p)
{
    const fnode *n = &d->nodes[i];
    switch (n->type) {
    case N_START:
        if (n->nin)
            problem(p, n->id, "START_INCOMING", "开始节点 %s 不能有进入的连线", n->id);
        if (n->nout != 1)
            problem(p, n->id, "BAD_OUTGOING", "开始节点 %s 必须有且只有一条出口连线", n->id);
        break;
    case N_END:
        if (n->nout)
            problem(p, n->id, "END_OUTGOING", "结束节点 %s 不能有出口连线", n->id);
        break;
    case N_USER:
    case N_SUB:
    case N_AUTO: {
        int want = n->fail >= 0 ? 2 : 1;
        if (n->nout != want)
            problem(p, n->id, "BAD_OUTGOING", "节点 %s 必须有 %d 条出口连线（当前 %d 条）", n->id, want, n->nout);
        break;
    }
    case N_EXCL:
    case N_INCL:
        if (n->nout > 1 && n->dflt < 0)
            problem(p, n->id, "NO_DEFAULT", "网关 %s 有多条出口但没有默认分支（default）", n->id);
        for (int k = 0; k < n->nout; k++) {
            const fflow *f = &d->flows[n->out[k]];
            if (n->nout > 1 && n->out[k] != n->dflt && (!f->cond || !*f->cond))
                problem(p, f->id, "NO_CONDITION", "网关 %s 的非默认分支 %s 缺少条件", n->id, f->id);
        }
        break;
    case N_PAR:
        if (n->nout < 1)
            problem(p, n->id, "BAD_OUTGOING", "并行网关 %s 没有出口连线", n->id);
        break;
    }
    if (n->type != N_EXCL && n->type != N_INCL)
        for (int k = 0; k < n->nout; k++)
            if (d->flows[n->out[k]].cond)
                problem(p, d->flows[n->out[k]].id, "CONDITION_NOT_ALLOWED",
                        "连线 %s 的条件无效：只有排他网关和包容网关的出口可以带条件", d->flows[n->out[k]].id);
}

static void check_reach(const flow_def *d, json_t *p)
{
    unsigned char *fwd = calloc((size_t)d->nn + 1, 1), *back = calloc((size_t)d->nn + 1, 1);
    if (!fwd || !back)
        goto out;
    if (d->start >= 0)
        walk(d, d->start, true, fwd);
    for (int i = 0; i < d->nn; i++)
        if (d->nodes[i].type == N_END)
            walk(d, i, false, back);
    for (int i = 0; i < d->nn; i++) {
        if (d->start >= 0 && !fwd[i])
            problem(p, d->nodes[i].id, "UNREACHABLE", "节点 %s 从开始节点不可达", d->nodes[i].id);
        if (!back[i] && d->nodes[i].type != N_END)
            problem(p, d->nodes[i].id, "DEAD_END", "节点 %s 无法到达任何结束节点", d->nodes[i].id);
    }
out:
    free(fwd);
    free(back);
}

/* A parallel fork needs a parallel join reachable from each of its branches. */
static void check_joins(const flow_def *d, json_t *p)
{
    unsigned char *seen = calloc((size_t)d->nn + 1, 1);
    unsigned char *all = calloc((size_t)d->nn + 1, 1);
    if (!seen || !all)
        goto out;
    for (int i = 0; i < d->nn; i++) {
        const fnode *n = &d->nodes[i];
        if (n->type != N_PAR || n->nout < 2)
            continue;
        memset(all, 1, (size_t)d->nn);
        for (int k = 0; k < n->nout; k++) {
            memset(seen, 0, (size_t)d->nn);
            walk(d, d->flows[n->out[k]].to, true, seen);
            for (int v = 0; v < d->nn; v++)
                all[v] &= seen[v];
        }
        bool found = false;
        for (int v = 0; v < d->nn && !found; v++)
            found = all[v] && v != i && d->nodes[v].type == N_PAR && d->nodes[v].nin > 1;
        if (!found)
            problem(p, n->id, "NO_JOIN", "并行网关 %s 分支后没有汇聚它所有分支的并行网关", n->id);
    }
out:
    free(seen);
    free(all);
}

static bool positive_ids(const json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return false;
    json_array_foreach(a, i, v) if (!json_is_integer(v) || json_integer_value(v) <= 0) return false;
    return true;
}

static bool role_names(const json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return false;
    json_array_foreach(a, i, v) if (!json_is_string(v) || !*json_string_value(v) || json_string_length(v) > 60 ||
                                    strchr(json_string_value(v), '|')) return false;
    return true;
}

static bool relative_ok(const char *r)
{
    return r && (!strcmp(r, "initiator_department") || !strcmp(r, "initiator_department_parent") ||
                 !strcmp(r, "region_legal_department"));
}

static void check_assign(const fnode *n, const json_t *as, json_t *p)
{
    json_t *user = json_object_get(as, "user"), *users = json_object_get(as, "users"),
           *groups = json_object_get(as, "groups"), *roles = json_object_get(as, "roles"),
           *depts = json_object_get(as, "departments"), *rel = json_object_get(as, "relative");
    int kinds = !!user + !!users + !!groups + !!roles + !!depts + !!rel;
    bool ok = json_is_object(as) && kinds >= 1 && json_object_size(as) == (size_t)kinds;
    if (ok && kinds == 2)
        ok = roles && rel; /* the one combination: a role within a relative department */
    if (ok && user)
        ok = json_is_integer(user) && json_integer_value(user) > 0;
    if (ok && users)
        ok = positive_ids(users);
    if (ok && groups)
        ok = positive_ids(groups);
    if (ok && depts)
        ok = positive_ids(depts);
    if (ok && roles)
        ok = role_names(roles);
    if (ok && rel)
        ok = relative_ok(json_string_value(rel));
    if (!ok)
        problem(p, n->id, "BAD_ASSIGN",
                "节点 %s 的办理人设置无效：应为 user、users、groups、roles、departments、relative 之一"
                "（roles 可与 relative 组合）",
                n->id);
}

bool multi_condition_ok(const json_t *complete, int total, int completed)
{
    if (!complete || (json_is_string(complete) && !strcmp(json_string_value(complete), "all")))
        return completed >= total;
    if (json_is_string(complete) && !strcmp(json_string_value(complete), "any"))
        return completed >= 1;
    json_int_t least = json_integer_value(json_object_get(complete, "at_least"));
    if (least > 0)
        return completed >= least || completed >= total;
    json_int_t pct = json_integer_value(json_object_get(complete, "percent"));
    return (json_int_t)completed * 100 >= pct * total;
}

static void check_multi(const fnode *n, const json_t *m, json_t *p)
{
    const char *mode = json_string_value(json_object_get(m, "mode"));
    json_t *over = json_object_get(m, "over"), *c = json_object_get(m, "complete");
    if (!mode || (strcmp(mode, "parallel") && strcmp(mode, "sequential")))
        problem(p, n->id, "BAD_MULTI", "节点 %s 的会签方式 mode 应为 parallel 或 sequential", n->id);
    const char *os = json_string_value(over);
    long size = -1; /* known only for a literal list */
    if (json_is_array(over) && positive_ids(over))
        size = (long)json_array_size(over);
    else if (!os || (strncmp(os, "role:", 5) && strncmp(os, "var:", 4)) || strlen(os) < 5)
        problem(p, n->id, "BAD_MULTI", "节点 %s 的 over 应为用户 id 列表、\"role:角色\" 或 \"var:变量名\"", n->id);
    const char *cs = json_string_value(c);
    json_t *least = json_object_get(c, "at_least"), *pct = json_object_get(c, "percent");
    if (!c || (cs && (!strcmp(cs, "all") || !strcmp(cs, "any"))))
        return;
    if (json_is_object(c) && json_object_size(c) == 1 && json_is_integer(least)) {
        json_int_t v = json_integer_value(least);
        if (v < 1 || (size >= 0 && v > size))
            problem(p, n->id, "BAD_MULTI", "节点 %s 的完成条件至少 %lld 人无法满足（共 %ld 人）", n->id,
                    (long long)v, size);
        return;
    }
    if (json_is_object(c) && json_object_size(c) == 1 && json_is_integer(pct)) {
        json_int_t v = json_integer_value(pct);
        if (v < 1 || v > 100)
            problem(p, n->id, "BAD_MULTI", "节点 %s 的完成比例 %lld%% 应在 1 到 100 之间", n->id, (long long)v);
        return;
    }
    problem(p, n->id, "BAD_MULTI", "节点 %s 的完成条件应为 all、any、{\"at_least\":N} 或 {\"percent\":P}", n->id);
}

static void check_due(const fnode *n, const json_t *due, json_t *p)
{
    json_t *days = json_object_get(due, "days"), *hours = json_object_get(due, "hours"),
           *esc = json_object_get(due, "escalate_to");
    bool working = json_is_true(json_object_get(due, "working"));
    json_int_t dv = json_integer_value(days), hv = json_integer_value(hours);
    bool ok = json_is_object(due) && (!days || (json_is_integer(days) && dv >= 0 && dv <= 3650)) &&
              (!hours || (json_is_integer(hours) && hv >= 0 && hv <= 87600)) && dv + hv > 0;
    if (!ok)
        problem(p, n->id, "BAD_DUE", "节点 %s 的期限应为 {\"days\":N} 或 {\"hours\":N}（正整数）", n->id);
    else if (working && hv > 0)
        problem(p, n->id, "BAD_DUE", "节点 %s：按工作日计算的期限只能以天为单位", n->id);
    if (esc) {
        json_t *r = json_object_get(esc, "role"), *u = json_object_get(esc, "user");
        if (!json_is_object(esc) || json_object_size(esc) != 1 || !((json_is_string(r) && *json_string_value(r)) ||
                                                                   (json_is_integer(u) && json_integer_value(u) > 0)))
            problem(p, n->id, "BAD_DUE", "节点 %s 的 escalate_to 应为 {\"role\":\"角色\"} 或 {\"user\":ID}", n->id);
    }
}

static void check_user_task(const fnode *n, json_t *p)
{
    json_t *as = json_object_get(n->j, "assign"), *m = json_object_get(n->j, "multi"),
           *due = json_object_get(n->j, "due");
    if (m)
        check_multi(n, m, p);
    else if (!as)
        problem(p, n->id, "NO_ASSIGN", "用户任务 %s 没有设置办理人（assign）", n->id);
    if (as)
        check_assign(n, as, p);
    if (due)
        check_due(n, due, p);
}

static void check_sub(tb_db *db, const flow_def *d, const fnode *n, json_t *p)
{
    const char *key = json_string_value(json_object_get(n->j, "process"));
    if (!key || !*key)
        problem(p, n->id, "BAD_SUB_PROCESS", "子流程节点 %s 缺少 process（被调用流程的 key）", n->id);
    else if (d->key && !strcmp(key, d->key))
        problem(p, n->id, "RECURSIVE_SUB_PROCESS", "子流程节点 %s 不能调用流程自身", n->id);
    else if (st_latest_def(db, key, 0) <= 0)
        problem(p, n->id, "UNKNOWN_PROCESS", "子流程节点 %s 调用的流程 %s 尚未发布", n->id, key);
}

static void check_auto(const fnode *n, json_t *p)
{
    const char *action = json_string_value(json_object_get(n->j, "action"));
    void *arg;
    if (!action) {
        problem(p, n->id, "BAD_ACTION", "自动任务 %s 缺少 action（message、check 或 hook）", n->id);
    } else if (!strcmp(action, "message")) {
        if (!json_is_object(json_object_get(n->j, "message")))
            problem(p, n->id, "BAD_ACTION", "自动任务 %s 缺少 message 对象", n->id);
    } else if (!strcmp(action, "check")) {
        if (!json_is_string(json_object_get(n->j, "expr")))
            problem(p, n->id, "BAD_ACTION", "自动任务 %s 缺少校验表达式 expr", n->id);
    } else if (!strcmp(action, "hook")) {
        const char *hook = json_string_value(json_object_get(n->j, "hook"));
        if (!hook || !hook_find(hook, &arg))
            problem(p, n->id, "UNKNOWN_HOOK", "自动任务 %s 的钩子 %s 未注册", n->id, hook ? hook : "(缺失)");
    } else {
        problem(p, n->id, "BAD_ACTION", "自动任务 %s 的 action %s 未知", n->id, action);
    }
}

/* Without a rule worker only brackets and quotes are checked. */
static bool cheap_syntax_ok(const char *s)
{
    char stack[64];
    int sp = 0;
    char quote = 0;
    for (; *s; s++) {
        if (quote) {
            if (*s == '\\' && s[1])
                s++;
            else if (*s == quote)
                quote = 0;
            continue;
        }
        if (*s == '"' || *s == '\'' || *s == '`')
            quote = *s;
        else if (*s == '(' || *s == '[' || *s == '{') {
            if (sp == (int)sizeof stack)
                return false;
            stack[sp++] = *s == '(' ? ')' : *s == '[' ? ']' : '}';
        } else if (*s == ')' || *s == ']' || *s == '}') {
            if (!sp || stack[--sp] != *s)
                return false;
        }
    }
    return !quote && !sp;
}

typedef struct {
    const char *owner, *expr;
} cond_ref;

/* Compiles each expression in the rule worker without running it: `false && (expr)` short-circuits,
 * so only a syntax error can make it throw. */
static void check_syntax(flow_ctx *ctx, cond_ref *refs, int n, json_t *p)
{
    json_t *checks = json_array(), *form = json_object();
    for (int i = 0; checks && i < n; i++) {
        if (strlen(refs[i].expr) > TB_RULES_MAX_EXPR - 32 || !*refs[i].expr) {
            problem(p, refs[i].owner, "BAD_CONDITION", "%s 的条件表达式为空或过长", refs[i].owner);
            refs[i].expr = "true";
        }
        char *w = NULL;
        if (asprintf(&w, "false && (%s\n)", refs[i].expr) < 0)
            w = NULL;
        json_array_append_new(checks, json_pack("{s:s,s:s}", "field", "_", "expr", w ? w : "true"));
        free(w);
    }
    json_t *res = ctx && ctx->env.rules && n ? tb_rules_eval(ctx->env.rules, form, checks) : NULL;
    for (int i = 0; i < n; i++) {
        bool bad;
        const char *msg = "";
        if (res) {
            json_t *r = json_array_get(res, i);
            msg = json_string_value(json_object_get(r, "message"));
            bad = json_object_get(r, "error") != NULL;
            msg = msg ? msg : "";
        } else {
            bad = !cheap_syntax_ok(refs[i].expr);
        }
        if (bad)
            problem(p, refs[i].owner, "BAD_CONDITION", "%s 的条件表达式语法错误：%s %s", refs[i].owner,
                    refs[i].expr, msg);
    }
    json_decref(res);
    json_decref(checks);
    json_decref(form);
}

static void check_conditions(flow_ctx *ctx, const flow_def *d, json_t *p)
{
    cond_ref *refs = calloc((size_t)d->nf + d->nn + 1, sizeof *refs);
    if (!refs)
        return;
    int n = 0;
    for (int i = 0; i < d->nf; i++)
        if (d->flows[i].cond)
            refs[n++] = (cond_ref){d->flows[i].id, d->flows[i].cond};
    for (int i = 0; i < d->nn; i++) {
        const char *x = json_string_value(json_object_get(d->nodes[i].j, "expr"));
        if (d->nodes[i].type == N_AUTO && x)
            refs[n++] = (cond_ref){d->nodes[i].id, x};
    }
    check_syntax(ctx, refs, n, p);
    free(refs);
}

int def_validate(tb_db *db, flow_ctx *ctx, flow_def *d, json_t *p)
{
    size_t before = json_array_size(p);
    check_counts(d, p);
    for (int i = 0; i < d->nn; i++) {
        check_degree(d, i, p);
        const fnode *n = &d->nodes[i];
        if (n->type == N_USER)
            check_user_task(n, p);
        else if (n->type == N_SUB)
            check_sub(db, d, n, p);
        else if (n->type == N_AUTO)
            check_auto(n, p);
    }
    check_reach(d, p);
    check_joins(d, p);
    check_conditions(ctx, d, p);
    return json_array_size(p) > before ? -1 : 0;
}

/* ---- cache of deployed versions ---- */

static const char SQL_DEF_BY_ID[] = "SELECT body, version FROM flow_defs WHERE id = ?";

const flow_def *def_load(tb_db *db, flow_ctx *ctx, int64_t def_id, flow_error *e)
{
    for (int i = 0; i < ctx->ndefs; i++)
        if (ctx->defs[i]->id == def_id)
            return ctx->defs[i];
    tb_stmt *st = tb_db_query(db, SQL_DEF_BY_ID, "i", def_id);
    if (!st) {
        flow_fail(e, FLOW_E_DB, NULL, "读取流程定义失败：%s", tb_db_errmsg(db));
        return NULL;
    }
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        flow_fail(e, FLOW_E_NOT_FOUND, NULL, "流程定义 %lld 不存在", (long long)def_id);
        return NULL;
    }
    json_t *root = json_loads(tb_stmt_text(st, 0), 0, NULL);
    int version = (int)tb_stmt_int(st, 1);
    tb_stmt_done(st);
    json_t *problems = json_array();
    flow_def *d = root && problems ? def_parse(root, problems) : NULL;
    json_decref(root);
    json_decref(problems);
    if (!d) {
        flow_fail(e, FLOW_E_DB, NULL, "流程定义 %lld 已损坏", (long long)def_id);
        return NULL;
    }
    d->id = def_id;
    d->version = version;
    if (ctx->ndefs == ctx->capdefs) {
        int cap = ctx->capdefs ? ctx->capdefs * 2 : 16;
        flow_def **p = realloc(ctx->defs, sizeof *p * (size_t)cap);
        if (!p) {
            def_free(d);
            flow_fail(e, FLOW_E_NOMEM, NULL, "内存不足");
            return NULL;
        }
        ctx->defs = p;
        ctx->capdefs = cap;
    }
    ctx->defs[ctx->ndefs++] = d;
    return d;
}
