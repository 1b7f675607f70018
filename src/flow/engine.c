/* Moving an instance: positions (tokens) wait only at user tasks, sub-processes, joins and failed
 * automatic tasks; everything else is passed within the transition. Arrivals are queued and drained in
 * order; joins are decided only when the queue is empty ("settle"), so a branch still on its way is
 * never mistaken for one that was not taken. A join (parallel or inclusive) fires when no live
 * position of the instance can still reach it: this is exact for inclusive joins and makes a
 * parallel join after an exclusive choice wait only for the branch actually taken. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "flow/flow_internal.h"

#define MAX_STEPS 10000 /* arrivals per transition: a loop of gateways without a wait state */
#define MAX_DEPTH 8     /* nested sub-processes */

static int instance_end(exec *x);

int exec_lock(exec *x, int64_t instance)
{
    int64_t def_id = 0;
    x->now = flow_now(x->ctx);
    if (st_lock_instance(x, instance, &def_id))
        return x->e->code;
    x->def = def_load(x->db, x->ctx, def_id, x->e);
    if (!x->def)
        return x->e->code;
    return st_tokens_live(x);
}

void exec_release(exec *x)
{
    free(x->bkey);
    free(x->region);
    free(x->incident);
    free(x->def_key);
    json_decref(x->vars);
    free(x->toks);
    free(x->q);
    x->bkey = x->region = x->incident = x->def_key = NULL;
    x->vars = NULL;
    x->toks = NULL;
    x->q = NULL;
    x->ntok = x->captok = x->nq = x->qh = x->capq = 0;
}

int exec_save(exec *x) { return st_save_instance(x); }

static int push(exec *x, int node, int via)
{
    if (x->nq == x->capq) {
        int cap = x->capq ? x->capq * 2 : 16;
        pending *p = realloc(x->q, sizeof *p * (size_t)cap);
        if (!p)
            return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
        x->q = p;
        x->capq = cap;
    }
    x->q[x->nq++] = (pending){node, via};
    return 0;
}

int exec_follow(exec *x, int flow) { return push(x, x->def->flows[flow].to, flow); }

int exec_route(exec *x, int node, int via) { return push(x, node, via); }

int token_add(exec *x, int node, int via, char state, const char *mi_users, int64_t *id)
{
    return st_token_insert(x, node, via, state, mi_users, id);
}

int token_remove(exec *x, int64_t id, const char *state)
{
    for (int i = 0; i < x->ntok; i++) {
        if (x->toks[i].id != id)
            continue;
        const char *from = x->toks[i].state == 'w' ? "waiting" : x->toks[i].state == 'f' ? "failed" : "active";
        if (st_token_set(x, id, from, from, state, x->cause))
            return x->e->code;
        x->toks[i] = x->toks[--x->ntok];
        return 0;
    }
    return flow_fail(x->e, FLOW_E_CONFLICT, NULL, "流程位置已被其他操作推进");
}

static int event(exec *x, flow_event_kind kind, const char *node, int64_t task, const char *decision,
                 const char *message, const json_t *params)
{
    flow_event ev = {.kind = kind,
                     .instance_id = x->id,
                     .parent_id = x->parent_id,
                     .def_key = x->def_key,
                     .business_key = x->bkey,
                     .node_id = node,
                     .task_id = task,
                     .actor = x->actor,
                     .decision = decision,
                     .status = x->status,
                     .message = message,
                     .variables = x->vars,
                     .params = params};
    return emit(x->ctx, x->db, &ev, x->e);
}

/* ---- user tasks ---- */

static int64_t due_of(exec *x, const fnode *n)
{
    json_t *due = json_object_get(n->j, "due");
    int64_t out = 0;
    if (!due)
        return 0;
    if (flow_due_compute(x->ctx, x->now, (int)json_integer_value(json_object_get(due, "days")),
                         (int)json_integer_value(json_object_get(due, "hours")),
                         json_is_true(json_object_get(due, "working")), &out))
        return 0;
    return out;
}

int task_create(exec *x, int node, int64_t token, int mi_index, int64_t assignee, char **keys, int nkeys,
                bool claimed)
{
    const fnode *n = &x->def->nodes[node];
    int64_t id;
    if (st_task_insert(x, token, mi_index, n, assignee, due_of(x, n), claimed, &id))
        return x->e->code;
    for (int i = 0; i < nkeys; i++)
        if (st_candidate_add(x->db, id, keys[i], 0))
            return flow_fail(x->e, FLOW_E_DB, NULL, "数据库操作失败：%s", tb_db_errmsg(x->db));
    return event(x, FLOW_EV_TASK_CREATED, n->id, id, NULL, NULL, NULL);
}

static int multi_enter(exec *x, int node, int via)
{
    const fnode *n = &x->def->nodes[node];
    int64_t *users = NULL, tok;
    int count = 0;
    if (multi_users(x, n, &users, &count)) {
        free(users);
        return x->e->code;
    }
    json_t *arr = json_array();
    for (int i = 0; arr && i < count; i++)
        json_array_append_new(arr, json_integer(users[i]));
    char *list = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    int rc = list ? token_add(x, node, via, 'a', list, &tok) : flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    bool parallel = !strcmp(json_string_value(json_object_get(json_object_get(n->j, "multi"), "mode")), "parallel");
    for (int i = 0; rc == 0 && i < (parallel ? count : 1); i++)
        rc = task_create(x, node, tok, i, users[i], NULL, 0, false);
    free(list);
    free(users);
    return rc;
}

static int task_enter(exec *x, int node, int via)
{
    const fnode *n = &x->def->nodes[node];
    if (json_object_get(n->j, "multi"))
        return multi_enter(x, node, via);
    assignment as;
    int64_t tok;
    int rc = assign_resolve(x, n, json_object_get(n->j, "assign"), &as);
    if (rc == 0)
        rc = token_add(x, node, via, 'a', NULL, &tok);
    if (rc == 0)
        rc = task_create(x, node, tok, 0, as.assignee, as.keys, as.nkeys, false);
    assignment_free(&as);
    return rc;
}

/* ---- gateways ---- */

/* Evaluates the conditions of the non-default outgoing flows; taken[k] for out[k]. */
static int eval_out(exec *x, const fnode *n, int *taken)
{
    const char **exprs = calloc((size_t)n->nout + 1, sizeof *exprs);
    int *res = calloc((size_t)n->nout + 1, sizeof *res);
    int *slot = calloc((size_t)n->nout + 1, sizeof *slot);
    int m = 0, rc = 0;
    if (!exprs || !res || !slot) {
        rc = flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
        goto out;
    }
    for (int k = 0; k < n->nout; k++) {
        taken[k] = 0;
        const fflow *f = &x->def->flows[n->out[k]];
        if (n->out[k] == n->dflt)
            continue;
        if (!f->cond) { /* a single unconditional exit */
            taken[k] = 1;
            continue;
        }
        exprs[m] = f->cond;
        slot[m++] = k;
    }
    rc = eval_conditions(x->ctx, x->vars, exprs, m, res, x->e);
    for (int i = 0; rc == 0 && i < m; i++)
        taken[slot[i]] = res[i];
out:
    free(exprs);
    free(res);
    free(slot);
    return rc;
}

static int fail_instance(exec *x, int node, int via, const char *message)
{
    int64_t tok;
    if (token_add(x, node, via, 'f', NULL, &tok))
        return x->e->code;
    snprintf(x->status, sizeof x->status, "failed");
    free(x->incident);
    x->incident = strdup(message);
    tb_warn("flow: instance %lld failed at %s: %s", (long long)x->id, x->def->nodes[node].id, message);
    if (st_history(x, 0, x->def->nodes[node].id, "incident", NULL, NULL, message, NULL))
        return x->e->code;
    return event(x, FLOW_EV_INSTANCE_FAILED, x->def->nodes[node].id, 0, NULL, message, NULL);
}

static int gateway(exec *x, int node, int via, bool inclusive)
{
    const fnode *n = &x->def->nodes[node];
    if (n->nout == 1)
        return exec_follow(x, n->out[0]);
    int *taken = calloc((size_t)n->nout, sizeof *taken);
    if (!taken)
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    int rc = eval_out(x, n, taken), followed = 0;
    for (int k = 0; rc == 0 && k < n->nout; k++) {
        if (!taken[k] || (!inclusive && followed))
            continue;
        followed++;
        rc = exec_follow(x, n->out[k]);
    }
    free(taken);
    if (rc || followed)
        return rc;
    if (n->dflt >= 0)
        return exec_follow(x, n->dflt);
    char msg[160];
    snprintf(msg, sizeof msg, "网关 %s 没有满足条件的分支", n->id);
    return fail_instance(x, node, via, msg);
}

static int fork_all(exec *x, int node)
{
    const fnode *n = &x->def->nodes[node];
    for (int k = 0; k < n->nout; k++)
        if (exec_follow(x, n->out[k]))
            return x->e->code;
    return 0;
}

/* ---- sub-processes ---- */

static void exec_init_child(exec *c, exec *x, int64_t tok)
{
    memset(c, 0, sizeof *c);
    c->ctx = x->ctx;
    c->db = x->db;
    c->e = x->e;
    c->parent_exec = x;
    c->parent_id = x->id;
    c->parent_token = tok;
    c->initiator = x->initiator;
    c->initiator_dept = x->initiator_dept;
    c->actor = x->actor;
    c->depth = x->depth + 1;
    c->now = x->now;
}

static int sub_enter(exec *x, int node, int via)
{
    const fnode *n = &x->def->nodes[node];
    const char *key = json_string_value(json_object_get(n->j, "process"));
    int64_t def_id = st_latest_def(x->db, key, 0), tok;
    if (def_id <= 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "子流程 %s 未发布", key ? key : "");
        return fail_instance(x, node, via, msg);
    }
    if (x->depth >= MAX_DEPTH)
        return flow_fail(x->e, FLOW_E_STATE, n->id, "子流程嵌套超过 %d 层", MAX_DEPTH);
    if (token_add(x, node, via, 'a', NULL, &tok))
        return x->e->code;
    exec c;
    exec_init_child(&c, x, tok);
    c.def = def_load(x->db, x->ctx, def_id, x->e);
    c.def_key = strdup(key);
    c.bkey = x->bkey ? strdup(x->bkey) : NULL;
    c.region = x->region ? strdup(x->region) : NULL;
    c.vars = json_deep_copy(x->vars);
    int rc;
    if (!c.def || !c.def_key || !c.vars || (x->bkey && !c.bkey) || (x->region && !c.region))
        rc = flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    else if ((rc = st_insert_instance(&c, def_id)) == 0 &&
             (rc = st_history(&c, 0, NULL, "start", key, NULL, NULL, NULL)) == 0 &&
             (rc = exec_route(&c, c.def->start, -1)) == 0 && (rc = exec_settle(&c)) == 0)
        rc = exec_save(&c);
    exec_release(&c);
    return rc;
}

/* The child ended: its variables flow back and the parent leaves the sub-process node. */
static int parent_resume(exec *p, int64_t tok, const json_t *child_vars)
{
    for (int i = 0; i < p->ntok; i++) {
        if (p->toks[i].id != tok)
            continue;
        int node = p->toks[i].node;
        if (token_remove(p, tok, "done"))
            return p->e->code;
        json_object_update(p->vars, (json_t *)child_vars);
        return exec_follow(p, p->def->nodes[node].out[0]);
    }
    return flow_fail(p->e, FLOW_E_CONFLICT, NULL, "父流程不在子流程节点上");
}

static int resume_stored_parent(exec *x)
{
    exec p;
    memset(&p, 0, sizeof p);
    p.ctx = x->ctx;
    p.db = x->db;
    p.e = x->e;
    p.actor = x->actor;
    p.depth = x->depth > 0 ? x->depth - 1 : 0;
    int rc = exec_lock(&p, x->parent_id);
    if (rc == 0)
        rc = parent_resume(&p, x->parent_token, x->vars);
    if (rc == 0)
        rc = exec_settle(&p);
    if (rc == 0)
        rc = exec_save(&p);
    exec_release(&p);
    return rc;
}

/* ---- automatic tasks ---- */

static int auto_check(exec *x, const fnode *n, char *msg, size_t len)
{
    const char *expr = json_string_value(json_object_get(n->j, "expr"));
    flow_error tmp = {0};
    int ok = 0;
    if (eval_conditions(x->ctx, x->vars, &expr, 1, &ok, &tmp)) {
        snprintf(msg, len, "%s", tmp.message);
        return -1;
    }
    if (!ok)
        snprintf(msg, len, "自动校验 %s 未通过：%s", n->name, expr);
    return ok ? 0 : -1;
}

static int auto_hook(exec *x, const fnode *n, char *msg, size_t len)
{
    const char *name = json_string_value(json_object_get(n->j, "hook"));
    void *arg = NULL;
    flow_hook_fn fn = hook_find(name, &arg);
    if (!fn) {
        snprintf(msg, len, "钩子 %s 未注册", name ? name : "");
        return -1;
    }
    flow_hook_call call = {.instance_id = x->id,
                           .def_key = x->def_key,
                           .business_key = x->bkey,
                           .node_id = n->id,
                           .variables = x->vars,
                           .params = json_object_get(n->j, "params")};
    if (fn(arg, x->db, &call) == 0)
        return 0;
    snprintf(msg, len, "%s", call.message[0] ? call.message : "钩子执行失败");
    return -1;
}

static int auto_run(exec *x, int node, int via)
{
    const fnode *n = &x->def->nodes[node];
    const char *action = json_string_value(json_object_get(n->j, "action"));
    char msg[256] = "";
    int failed = 0;
    if (!strcmp(action, "message")) {
        if (event(x, FLOW_EV_MESSAGE, n->id, 0, NULL, NULL, json_object_get(n->j, "message")) ||
            st_history(x, 0, n->id, "message", NULL, NULL, NULL, NULL))
            return x->e->code;
    } else if (!strcmp(action, "check")) {
        failed = auto_check(x, n, msg, sizeof msg);
    } else {
        failed = auto_hook(x, n, msg, sizeof msg);
    }
    if (x->e->code)
        return x->e->code;
    if (failed && n->fail >= 0) {
        if (st_history(x, 0, n->id, "auto_failed", NULL, NULL, msg, NULL))
            return x->e->code;
        return exec_follow(x, n->fail);
    }
    if (failed)
        return fail_instance(x, node, via, msg);
    for (int k = 0; k < n->nout; k++)
        if (n->out[k] != n->fail)
            return exec_follow(x, n->out[k]);
    return 0;
}

/* ---- the loop ---- */

static int arrive(exec *x, int node, int via)
{
    const fnode *n = &x->def->nodes[node];
    if (++x->steps > MAX_STEPS)
        return flow_fail(x->e, FLOW_E_STATE, n->id, "流程在节点 %s 附近无限循环", n->id);
    if ((via >= 0 && st_path(x, "flow", x->def->flows[via].id)) || st_path(x, "node", n->id))
        return x->e->code;
    int64_t tok;
    switch (n->type) {
    case N_START:
        return exec_follow(x, n->out[0]);
    case N_END:
        return 0;
    case N_USER:
        return task_enter(x, node, via);
    case N_EXCL:
        return gateway(x, node, via, false);
    case N_PAR:
        return n->nin > 1 ? token_add(x, node, via, 'w', NULL, &tok) : fork_all(x, node);
    case N_INCL:
        return n->nin > 1 ? token_add(x, node, via, 'w', NULL, &tok) : gateway(x, node, via, true);
    case N_SUB:
        return sub_enter(x, node, via);
    case N_AUTO:
        return auto_run(x, node, via);
    }
    return flow_fail(x->e, FLOW_E_STATE, n->id, "未知节点类型");
}

static int drain(exec *x)
{
    while (x->qh < x->nq) {
        pending p = x->q[x->qh++];
        if (arrive(x, p.node, p.via))
            return x->e->code;
    }
    x->qh = x->nq = 0;
    return 0;
}

static bool join_ready(const exec *x, int j)
{
    const unsigned char *up = x->def->upstream + (size_t)j * x->def->nn;
    for (int i = 0; i < x->ntok; i++)
        if (x->toks[i].node != j && up[x->toks[i].node])
            return false;
    return true;
}

static int join_fire(exec *x, int j)
{
    for (int i = x->ntok - 1; i >= 0; i--)
        if (x->toks[i].node == j && x->toks[i].state == 'w' && token_remove(x, x->toks[i].id, "done"))
            return x->e->code;
    if (st_path(x, "node", x->def->nodes[j].id))
        return x->e->code;
    return x->def->nodes[j].type == N_PAR ? fork_all(x, j) : gateway(x, j, -1, true);
}

int exec_settle(exec *x)
{
    for (;;) {
        if (drain(x))
            return x->e->code;
        int fired = -1;
        for (int i = 0; i < x->ntok && fired < 0; i++)
            if (x->toks[i].state == 'w' && join_ready(x, x->toks[i].node))
                fired = x->toks[i].node;
        if (fired < 0)
            break;
        if (join_fire(x, fired))
            return x->e->code;
    }
    if (x->ntok == 0 && !strcmp(x->status, "running"))
        return instance_end(x);
    return 0;
}

static int instance_end(exec *x)
{
    snprintf(x->status, sizeof x->status, "completed");
    x->ended_at = x->now;
    x->ended = true;
    if (st_history(x, 0, NULL, "end", NULL, NULL, NULL, NULL) ||
        event(x, FLOW_EV_INSTANCE_ENDED, NULL, 0, NULL, NULL, NULL))
        return x->e->code;
    if (!x->parent_id)
        return 0;
    if (x->parent_exec)
        return parent_resume(x->parent_exec, x->parent_token, x->vars);
    return resume_stored_parent(x);
}

/* Cancels every live sub-process instance of x (depth first), recording why. */
int cancel_children(exec *x, const char *why)
{
    int64_t *ids = NULL;
    int n = 0, rc = st_children(x, &ids, &n);
    for (int i = 0; rc == 0 && i < n; i++) {
        exec c;
        memset(&c, 0, sizeof c);
        c.ctx = x->ctx;
        c.db = x->db;
        c.e = x->e;
        c.actor = x->actor;
        c.cause = 0;
        if ((rc = exec_lock(&c, ids[i])) == 0 && (rc = cancel_children(&c, why)) == 0 &&
            (rc = st_cancel_open_tasks(&c)) == 0 && (rc = st_cancel_live_tokens(&c)) == 0) {
            snprintf(c.status, sizeof c.status, "cancelled");
            c.ended_at = c.now;
            if ((rc = st_history(&c, 0, NULL, "cancel", NULL, NULL, why, NULL)) == 0 &&
                (rc = event(&c, FLOW_EV_INSTANCE_ENDED, NULL, 0, NULL, NULL, NULL)) == 0)
                rc = exec_save(&c);
        }
        exec_release(&c);
    }
    free(ids);
    return rc;
}

/* Runs the failed automatic tasks again (after an incident was fixed). */
int exec_retry_failed(exec *x)
{
    int n = 0;
    pending *again = calloc((size_t)x->ntok + 1, sizeof *again);
    if (!again)
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    for (int i = x->ntok - 1; i >= 0; i--) {
        if (x->toks[i].state != 'f')
            continue;
        again[n++] = (pending){x->toks[i].node, -1};
        if (token_remove(x, x->toks[i].id, "done")) {
            free(again);
            return x->e->code;
        }
    }
    snprintf(x->status, sizeof x->status, "running");
    free(x->incident);
    x->incident = NULL;
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = push(x, again[i].node, again[i].via);
    free(again);
    return rc ? rc : exec_settle(x);
}
