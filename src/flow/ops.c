/* The public operations. Each runs as one transaction: lock the instance row (version + 1), read the
 * task under that lock, check state and actor, move, save. Two completions of one task serialise on
 * the instance row; the second sees the task completed and gets FLOW_E_CONFLICT. */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

typedef struct op op;
typedef int (*task_fn)(exec *x, task_row *t, op *o);
typedef int (*inst_fn)(exec *x, op *o);

struct op {
    flow_ctx *ctx;
    flow_error *e;
    const flow_actor *a;
    int64_t id; /* task or instance */
    const char *decision, *comment, *target;
    const json_t *vars;
    int64_t expect, to_user, due_at;
    task_fn tfn;
    inst_fn ifn;
    /* start and deploy */
    const flow_start_args *start;
    const flow_def *def;
    const char *body, *by;
    int64_t out_id;
    int out_version;
};

static void exec_init(exec *x, tb_db *db, op *o)
{
    memset(x, 0, sizeof *x);
    x->ctx = o->ctx;
    x->db = db;
    x->e = o->e;
    x->actor = o->a ? o->a->user : 0;
}

static int require_running(exec *x)
{
    if (!strcmp(x->status, "running"))
        return 0;
    if (!strcmp(x->status, "suspended"))
        return flow_fail(x->e, FLOW_E_STATE, NULL, "流程已挂起，不能办理");
    if (!strcmp(x->status, "failed"))
        return flow_fail(x->e, FLOW_E_STATE, NULL, "流程发生异常（%s），需先处理", x->incident ? x->incident : "");
    return flow_fail(x->e, FLOW_E_STATE, NULL, "流程已结束");
}

static int require_open(exec *x, const task_row *t)
{
    return strcmp(t->state, "open") ? flow_fail(x->e, FLOW_E_CONFLICT, t->node_id, "任务已被处理（%s）", t->state) : 0;
}

static int may_act(exec *x, const task_row *t, const flow_actor *a)
{
    if (a->admin || (t->assignee && t->assignee == a->user))
        return 0;
    bool escalated = false;
    int c = st_is_candidate(x->db, t->id, a, &escalated);
    if (c < 0)
        return flow_fail(x->e, FLOW_E_INVALID, NULL, "无法判断办理权限（角色或用户组过多，或数据库错误）");
    if (c && (!t->assignee || escalated))
        return 0;
    return flow_fail(x->e, FLOW_E_FORBIDDEN, t->node_id, "无权办理该任务");
}

/* A claim, transfer or delegation of a task the last completion created means the next one acted. */
static void touched(exec *x, const task_row *t)
{
    if (x->last_task && t->cause_task == x->last_task)
        x->last_task = 0;
}

static int run_task_op(tb_db *db, void *p)
{
    op *o = p;
    exec x;
    exec_init(&x, db, o);
    task_row t;
    int64_t inst = st_task_instance(db, o->id);
    int rc;
    if (inst < 0)
        rc = flow_fail(o->e, FLOW_E_DB, NULL, "数据库操作失败：%s", tb_db_errmsg(db));
    else if (inst == 0)
        rc = flow_fail(o->e, FLOW_E_NOT_FOUND, NULL, "任务 %lld 不存在", (long long)o->id);
    else if ((rc = exec_lock(&x, inst)) == 0 && (rc = st_task_get(db, o->id, &t)) != 0)
        rc = flow_fail(o->e, rc, NULL, "读取任务失败");
    if (rc == 0 && o->expect && o->expect != x.version - 1)
        rc = flow_fail(o->e, FLOW_E_CONFLICT, NULL, "流程已被他人更新，请刷新后重试");
    if (rc == 0)
        rc = o->tfn(&x, &t, o);
    if (rc == 0)
        rc = exec_save(&x);
    exec_release(&x);
    return rc;
}

static int task_op(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, op *o, task_fn fn, flow_error *e)
{
    memset(e, 0, sizeof *e);
    if (!a)
        return flow_fail(e, FLOW_E_INVALID, NULL, "缺少办理人");
    o->ctx = ctx;
    o->e = e;
    o->a = a;
    o->id = task;
    o->tfn = fn;
    return flow_tx(db, run_task_op, o, e);
}

/* ---- claim ---- */

static int claim_fn(exec *x, task_row *t, op *o)
{
    if (require_running(x) || require_open(x, t))
        return x->e->code;
    if (t->assignee == o->a->user && t->claimed_at)
        return 0; /* claiming twice is harmless */
    if (t->assignee && t->assignee != o->a->user)
        return flow_fail(x->e, FLOW_E_CONFLICT, t->node_id, "任务已由他人签收");
    if (may_act(x, t, o->a) || st_task_set_assignee(x, t->id, o->a->user, t->owner, true))
        return x->e->code;
    touched(x, t);
    return st_history(x, t->id, t->node_id, "claim", NULL, NULL, NULL, NULL);
}

int flow_task_claim(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, flow_error *e)
{
    op o = {0};
    return task_op(db, ctx, task, a, &o, claim_fn, e);
}

/* ---- complete ---- */

static void record_decision(exec *x, const char *node, const char *decision)
{
    json_t *all = json_object_get(x->vars, "decisions");
    if (!json_is_object(all)) {
        all = json_object();
        json_object_set_new(x->vars, "decisions", all);
    }
    json_object_set_new(all, node, json_string(decision));
    json_object_set_new(x->vars, "decision", json_string(decision));
}

static int multi_after(exec *x, const fnode *n, int node, const task_row *t)
{
    json_t *m = json_object_get(n->j, "multi");
    char *list = st_token_mi_users(x, t->token_id);
    json_t *users = list ? json_loads(list, 0, NULL) : NULL;
    json_t *decisions = json_object();
    free(list);
    int open = 0, done = 0, rows = 0, total = (int)json_array_size(users), rc;
    if (!users || !decisions)
        rc = flow_fail(x->e, FLOW_E_NOMEM, NULL, "读取会签人员失败");
    else
        rc = st_token_tasks(x, t->token_id, &open, &done, &rows, decisions);
    if (rc == 0) {
        json_t *stats = json_object_get(x->vars, "multi");
        if (!json_is_object(stats)) {
            stats = json_object();
            json_object_set_new(x->vars, "multi", stats);
        }
        json_object_set_new(stats, n->id, json_pack("{s:i,s:i,s:O}", "total", total, "completed", done,
                                                    "decisions", decisions));
        bool sequential = !strcmp(json_string_value(json_object_get(m, "mode")), "sequential");
        if (multi_condition_ok(json_object_get(m, "complete"), total, done)) {
            /* 或签 / at least N: the others' tasks are no longer needed */
            if ((rc = st_cancel_open_tasks_of_token(x, t->token_id)) == 0 &&
                (rc = token_remove(x, t->token_id, "done")) == 0)
                rc = exec_follow(x, n->out[0]);
        } else if (sequential && open == 0 && t->mi_index + 1 < total) {
            rc = task_create(x, node, t->token_id, t->mi_index + 1,
                             json_integer_value(json_array_get(users, (size_t)t->mi_index + 1)), NULL, 0, false);
        }
    }
    json_decref(users);
    json_decref(decisions);
    return rc;
}

static int advance_after(exec *x, const task_row *t)
{
    int node = def_node(x->def, t->node_id);
    if (node < 0)
        return flow_fail(x->e, FLOW_E_STATE, t->node_id, "任务所在节点不在流程定义中");
    const fnode *n = &x->def->nodes[node];
    if (json_object_get(n->j, "multi"))
        return multi_after(x, n, node, t);
    if (token_remove(x, t->token_id, "done"))
        return x->e->code;
    return exec_follow(x, n->out[0]);
}

static int resolve_delegation(exec *x, task_row *t, op *o)
{
    if (st_task_set_assignee(x, t->id, t->owner, 0, true))
        return x->e->code;
    return st_history(x, t->id, t->node_id, "resolve", NULL, o->decision, o->comment, NULL);
}

static int complete_fn(exec *x, task_row *t, op *o)
{
    if (require_running(x) || require_open(x, t) || may_act(x, t, o->a))
        return x->e->code;
    if (t->owner && t->assignee == o->a->user)
        return resolve_delegation(x, t, o);
    const char *decision = o->decision && *o->decision ? o->decision : "complete";
    char *before = json_dumps(x->vars, JSON_COMPACT);
    if (!before)
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    if (o->vars)
        json_object_update(x->vars, (json_t *)o->vars);
    record_decision(x, t->node_id, decision);
    int rc = st_task_finish(x, t->id, "completed", o->a->user, decision, o->comment);
    if (rc == 0)
        rc = st_history(x, t->id, t->node_id, "complete", NULL, decision, o->comment, before);
    free(before);
    if (rc)
        return rc;
    x->cause = t->id;
    x->last_task = t->id;
    flow_event ev = {.kind = FLOW_EV_TASK_COMPLETED, .instance_id = x->id, .parent_id = x->parent_id,
                     .def_key = x->def_key, .business_key = x->bkey, .node_id = t->node_id, .task_id = t->id,
                     .actor = o->a->user, .decision = decision, .status = x->status, .variables = x->vars};
    if (emit(x->ctx, x->db, &ev, x->e) || advance_after(x, t))
        return x->e->code;
    return exec_settle(x);
}

int flow_task_complete(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, const char *decision,
                       const char *comment, const json_t *vars, int64_t expect_version, flow_error *e)
{
    if (vars && !json_is_object(vars)) {
        memset(e, 0, sizeof *e);
        return flow_fail(e, FLOW_E_INVALID, NULL, "变量必须是 JSON 对象");
    }
    op o = {.decision = decision, .comment = comment, .vars = vars, .expect = expect_version};
    return task_op(db, ctx, task, a, &o, complete_fn, e);
}

/* ---- return (退回) ---- */

static int return_fn(exec *x, task_row *t, op *o)
{
    if (require_running(x) || require_open(x, t) || may_act(x, t, o->a))
        return x->e->code;
    int target = def_node(x->def, o->target);
    if (target < 0 || x->def->nodes[target].type != N_USER)
        return flow_fail(x->e, FLOW_E_NOT_FOUND, o->target, "退回目标 %s 不是本流程的用户任务", o->target ? o->target : "");
    int64_t prev = st_last_completer(x, o->target);
    if (!prev)
        return flow_fail(x->e, FLOW_E_STATE, o->target, "环节 %s 尚未办理过，不能退回到该环节", o->target);
    x->cause = t->id;
    if (st_task_finish(x, t->id, "returned", o->a->user, "return", o->comment) || cancel_children(x, "退回") ||
        st_cancel_open_tasks(x) || st_cancel_live_tokens(x) ||
        st_history(x, t->id, t->node_id, "return", o->target, "return", o->comment, NULL))
        return x->e->code;
    record_decision(x, t->node_id, "return");
    x->last_task = 0;
    const fnode *n = &x->def->nodes[target];
    if (json_object_get(n->j, "multi")) /* a 会签 step is asked again as a whole */
        return exec_route(x, target, -1) || exec_settle(x) ? x->e->code : 0;
    int64_t tok;
    if (st_path(x, "node", o->target) || token_add(x, target, -1, 'a', NULL, &tok) ||
        task_create(x, target, tok, 0, prev, NULL, 0, false))
        return x->e->code;
    return 0;
}

int flow_task_return(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, const char *target_node,
                     const char *comment, flow_error *e)
{
    op o = {.target = target_node, .comment = comment};
    return task_op(db, ctx, task, a, &o, return_fn, e);
}

/* ---- transfer and delegate ---- */

static int handover(exec *x, task_row *t, op *o, bool delegate)
{
    if (require_running(x) || require_open(x, t) || may_act(x, t, o->a))
        return x->e->code;
    if (o->to_user <= 0 || o->to_user == o->a->user)
        return flow_fail(x->e, FLOW_E_INVALID, t->node_id, "请选择其他办理人");
    /* a delegated task keeps coming back to its original owner */
    int64_t owner = delegate ? (t->owner ? t->owner : o->a->user) : 0;
    if (st_task_set_assignee(x, t->id, o->to_user, owner, delegate))
        return x->e->code;
    touched(x, t);
    char target[32];
    snprintf(target, sizeof target, "%lld", (long long)o->to_user);
    return st_history(x, t->id, t->node_id, delegate ? "delegate" : "transfer", target, NULL, o->comment, NULL);
}

static int transfer_fn(exec *x, task_row *t, op *o) { return handover(x, t, o, false); }
static int delegate_fn(exec *x, task_row *t, op *o) { return handover(x, t, o, true); }

int flow_task_transfer(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, int64_t to_user,
                       const char *comment, flow_error *e)
{
    op o = {.to_user = to_user, .comment = comment};
    return task_op(db, ctx, task, a, &o, transfer_fn, e);
}

int flow_task_delegate(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, int64_t to_user,
                       const char *comment, flow_error *e)
{
    op o = {.to_user = to_user, .comment = comment};
    return task_op(db, ctx, task, a, &o, delegate_fn, e);
}

/* ---- withdraw (撤回) ---- */

static int withdraw_fn(exec *x, task_row *t, op *o)
{
    const char *why = NULL;
    if (require_running(x))
        return x->e->code;
    if (strcmp(t->state, "completed"))
        return flow_fail(x->e, FLOW_E_STATE, t->node_id, "只能撤回已办理的任务");
    if (t->assignee != o->a->user)
        return flow_fail(x->e, FLOW_E_FORBIDDEN, t->node_id, "只有办理人本人可以撤回");
    if (x->last_task != t->id)
        return flow_fail(x->e, FLOW_E_STATE, t->node_id, "后续环节已办理，不能撤回");
    int rc = st_withdraw_check(x, t->id, &why);
    if (rc > 0)
        return flow_fail(x->e, FLOW_E_STATE, t->node_id, "%s", why);
    char *before = rc ? NULL : st_vars_before(x, t->id);
    json_t *vars = before ? json_loads(before, 0, NULL) : NULL;
    free(before);
    if (!rc && !vars)
        rc = flow_fail(x->e, FLOW_E_STATE, t->node_id, "找不到办理前的流程变量，不能撤回");
    if (rc == 0 && (rc = st_withdraw_revert(x, t)) == 0 && (rc = st_path_forget(x, t->id)) == 0 &&
        (rc = st_tokens_live(x)) == 0) {
        json_decref(x->vars);
        x->vars = vars;
        vars = NULL;
        x->last_task = 0;
        rc = st_history(x, t->id, t->node_id, "withdraw", NULL, NULL, o->comment, NULL);
    }
    json_decref(vars);
    return rc;
}

int flow_task_withdraw(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, const char *comment,
                       flow_error *e)
{
    op o = {.comment = comment};
    return task_op(db, ctx, task, a, &o, withdraw_fn, e);
}

/* ---- due date ---- */

static int due_fn(exec *x, task_row *t, op *o)
{
    if (!o->a->admin)
        return flow_fail(x->e, FLOW_E_FORBIDDEN, t->node_id, "无权修改办理期限");
    if (require_open(x, t) || st_set_due(x, t->id, o->due_at))
        return x->e->code;
    char target[32];
    snprintf(target, sizeof target, "%lld", (long long)o->due_at);
    return st_history(x, t->id, t->node_id, "due", target, NULL, NULL, NULL);
}

int flow_task_set_due(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, int64_t due_at,
                      flow_error *e)
{
    op o = {.due_at = due_at};
    if (due_at <= 0) {
        memset(e, 0, sizeof *e);
        return flow_fail(e, FLOW_E_INVALID, NULL, "办理期限无效");
    }
    return task_op(db, ctx, task, a, &o, due_fn, e);
}

/* ---- instance operations ---- */

static int run_instance_op(tb_db *db, void *p)
{
    op *o = p;
    exec x;
    exec_init(&x, db, o);
    int rc = exec_lock(&x, o->id);
    if (rc == 0 && !o->a->admin && x.initiator != o->a->user && !st_holds_task(&x, o->a->user))
        rc = flow_fail(o->e, FLOW_E_FORBIDDEN, NULL, "无权管理该流程");
    if (rc == 0)
        rc = o->ifn(&x, o);
    if (rc == 0)
        rc = exec_save(&x);
    exec_release(&x);
    return rc;
}

static int instance_op(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, op *o, inst_fn fn,
                       flow_error *e)
{
    memset(e, 0, sizeof *e);
    if (!a)
        return flow_fail(e, FLOW_E_INVALID, NULL, "缺少操作人");
    o->ctx = ctx;
    o->e = e;
    o->a = a;
    o->id = instance;
    o->ifn = fn;
    return flow_tx(db, run_instance_op, o, e);
}

/* Applies suspend (to = "suspended") or resume (to = "running") to x and its sub-processes. */
static int set_suspended(exec *x, bool suspend, const char *reason)
{
    if (suspend) {
        x->suspended_at = x->now;
    } else {
        int64_t delta = x->suspended_at ? x->now - x->suspended_at : 0;
        if (delta > 0 && st_shift_due(x, delta))
            return x->e->code;
        x->suspended_at = 0;
    }
    snprintf(x->status, sizeof x->status, "%s", suspend ? "suspended" : "running");
    if (st_history(x, 0, NULL, suspend ? "suspend" : "resume", NULL, NULL, reason, NULL))
        return x->e->code;
    int64_t *ids = NULL;
    int n = 0, rc = st_children(x, &ids, &n);
    for (int i = 0; rc == 0 && i < n; i++) {
        exec c;
        memset(&c, 0, sizeof c);
        c.ctx = x->ctx;
        c.db = x->db;
        c.e = x->e;
        c.actor = x->actor;
        if ((rc = exec_lock(&c, ids[i])) == 0 && !strcmp(c.status, suspend ? "running" : "suspended") &&
            (rc = set_suspended(&c, suspend, reason)) == 0)
            rc = exec_save(&c);
        exec_release(&c);
    }
    free(ids);
    return rc;
}

static int suspend_fn(exec *x, op *o)
{
    if (require_running(x))
        return x->e->code;
    return set_suspended(x, true, o->comment);
}

static int resume_fn(exec *x, op *o)
{
    if (strcmp(x->status, "suspended"))
        return flow_fail(x->e, FLOW_E_STATE, NULL, "流程未挂起");
    if (x->parent_id)
        return flow_fail(x->e, FLOW_E_STATE, NULL, "子流程随父流程恢复");
    return set_suspended(x, false, o->comment);
}

static int cancel_fn(exec *x, op *o)
{
    if (strcmp(x->status, "running") && strcmp(x->status, "suspended") && strcmp(x->status, "failed"))
        return flow_fail(x->e, FLOW_E_STATE, NULL, "流程已结束");
    if (x->parent_id)
        return flow_fail(x->e, FLOW_E_STATE, NULL, "子流程只能随父流程取消");
    if (cancel_children(x, o->comment) || st_cancel_open_tasks(x) || st_cancel_live_tokens(x))
        return x->e->code;
    snprintf(x->status, sizeof x->status, "cancelled");
    x->ended_at = x->now;
    x->suspended_at = 0;
    x->last_task = 0;
    if (st_history(x, 0, NULL, "cancel", NULL, NULL, o->comment, NULL))
        return x->e->code;
    flow_event ev = {.kind = FLOW_EV_INSTANCE_ENDED, .instance_id = x->id, .def_key = x->def_key,
                     .business_key = x->bkey, .actor = x->actor, .status = x->status, .message = o->comment,
                     .variables = x->vars};
    return emit(x->ctx, x->db, &ev, x->e);
}

static int retry_fn(exec *x, op *o)
{
    if (!o->a->admin)
        return flow_fail(x->e, FLOW_E_FORBIDDEN, NULL, "只有管理员可以重试异常流程");
    if (strcmp(x->status, "failed"))
        return flow_fail(x->e, FLOW_E_STATE, NULL, "流程没有异常");
    if (st_history(x, 0, NULL, "retry", NULL, NULL, x->incident, NULL))
        return x->e->code;
    return exec_retry_failed(x);
}

int flow_instance_suspend(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, const char *reason,
                          flow_error *e)
{
    op o = {.comment = reason};
    return instance_op(db, ctx, instance, a, &o, suspend_fn, e);
}

int flow_instance_resume(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, const char *reason,
                         flow_error *e)
{
    op o = {.comment = reason};
    return instance_op(db, ctx, instance, a, &o, resume_fn, e);
}

int flow_instance_cancel(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, const char *reason,
                         flow_error *e)
{
    op o = {.comment = reason};
    return instance_op(db, ctx, instance, a, &o, cancel_fn, e);
}

int flow_instance_retry(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, flow_error *e)
{
    op o = {0};
    return instance_op(db, ctx, instance, a, &o, retry_fn, e);
}

/* ---- start ---- */

static int start_fn(tb_db *db, void *p)
{
    op *o = p;
    const flow_start_args *a = o->start;
    int64_t def_id = st_latest_def(db, a->key, a->version);
    if (def_id < 0)
        return flow_fail(o->e, FLOW_E_DB, NULL, "数据库操作失败：%s", tb_db_errmsg(db));
    if (def_id == 0)
        return flow_fail(o->e, FLOW_E_NOT_FOUND, NULL, "流程 %s 未发布", a->key);
    exec x;
    exec_init(&x, db, o);
    x.actor = a->initiator;
    x.now = flow_now(o->ctx);
    x.initiator = a->initiator;
    x.initiator_dept = a->initiator_department;
    const flow_directory *d = &o->ctx->env.dir;
    if (!x.initiator_dept && a->initiator > 0 && d->user_department &&
        d->user_department(d->arg, a->initiator, &x.initiator_dept) != FLOW_DIR_OK)
        x.initiator_dept = 0; /* only relative assignments need it; they report the gap */
    x.def = def_load(db, o->ctx, def_id, o->e);
    x.def_key = strdup(a->key);
    x.bkey = a->business_key ? strdup(a->business_key) : NULL;
    x.region = a->region ? strdup(a->region) : NULL;
    x.vars = a->variables ? json_deep_copy(a->variables) : json_object();
    int rc;
    if (!x.def)
        rc = o->e->code;
    else if (!x.def_key || !x.vars || (a->business_key && !x.bkey) || (a->region && !x.region))
        rc = flow_fail(o->e, FLOW_E_NOMEM, NULL, "内存不足");
    else if ((rc = st_insert_instance(&x, def_id)) == 0 &&
             (rc = st_history(&x, 0, NULL, "start", a->key, NULL, NULL, NULL)) == 0 &&
             (rc = exec_route(&x, x.def->start, -1)) == 0 && (rc = exec_settle(&x)) == 0)
        rc = exec_save(&x);
    o->out_id = x.id;
    exec_release(&x);
    return rc;
}

int flow_start(tb_db *db, flow_ctx *ctx, const flow_start_args *a, int64_t *instance_id, flow_error *e)
{
    memset(e, 0, sizeof *e);
    if (!a || !a->key || (a->variables && !json_is_object(a->variables)))
        return flow_fail(e, FLOW_E_INVALID, NULL, "缺少流程 key，或变量不是 JSON 对象");
    op o = {.ctx = ctx, .e = e, .start = a};
    int rc = flow_tx(db, start_fn, &o, e);
    if (rc == 0 && instance_id)
        *instance_id = o.out_id;
    return rc;
}

/* ---- deploy ---- */

/* Parses and validates; on success *root and *def are set (caller frees both). */
static int prepare(tb_db *db, flow_ctx *ctx, const char *json, json_t **root, flow_def **def, flow_error *e)
{
    memset(e, 0, sizeof *e);
    json_error_t jerr;
    *def = NULL;
    *root = json ? json_loads(json, 0, &jerr) : NULL;
    if (!*root)
        return flow_fail(e, FLOW_E_INVALID, NULL, "流程定义不是合法的 JSON：%s", json ? jerr.text : "空");
    json_object_del(*root, "version"); /* versions are assigned by deploy */
    e->details = json_array();
    if (!e->details)
        return flow_fail(e, FLOW_E_NOMEM, NULL, "内存不足");
    *def = def_parse(*root, e->details);
    if (!*def || def_validate(db, ctx, *def, e->details)) {
        json_t *first = json_array_get(e->details, 0);
        flow_fail(e, FLOW_E_INVALID, json_string_value(json_object_get(first, "node")), "流程定义有 %zu 处错误：%s",
                  json_array_size(e->details), json_string_value(json_object_get(first, "message")));
        return e->code;
    }
    json_decref(e->details);
    e->details = NULL;
    return 0;
}

int flow_validate(tb_db *db, flow_ctx *ctx, const char *json, flow_error *e)
{
    json_t *root;
    flow_def *d;
    int rc = prepare(db, ctx, json, &root, &d, e);
    def_free(d);
    json_decref(root);
    return rc;
}

static int deploy_fn(tb_db *db, void *p)
{
    op *o = p;
    bool same = false;
    int version = 0;
    int found = st_def_latest(db, o->def->key, o->body, &o->out_id, &version, &same);
    if (found < 0)
        return flow_fail(o->e, FLOW_E_DB, NULL, "数据库操作失败：%s", tb_db_errmsg(db));
    o->out_version = version;
    if (found && same)
        return 0;
    o->out_version = version + 1;
    if (st_def_insert(db, o->def->key, version + 1, o->def->name, o->body, o->by, flow_now(o->ctx), &o->out_id))
        return flow_fail(o->e, tb_db_errkind_last(db) == TB_DBE_UNIQUE ? FLOW_E_CONFLICT : FLOW_E_DB, NULL,
                         "保存流程定义失败：%s", tb_db_errmsg(db));
    return 0;
}

int flow_deploy(tb_db *db, flow_ctx *ctx, const char *json, const char *deployed_by, int64_t *def_id,
                int *version, flow_error *e)
{
    json_t *root;
    flow_def *d;
    int rc = prepare(db, ctx, json, &root, &d, e);
    char *body = rc ? NULL : json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (rc == 0 && !body)
        rc = flow_fail(e, FLOW_E_NOMEM, NULL, "内存不足");
    if (rc == 0) {
        op o = {.ctx = ctx, .e = e, .def = d, .body = body, .by = deployed_by ? deployed_by : ""};
        rc = flow_tx(db, deploy_fn, &o, e);
        if (rc == 0 && def_id)
            *def_id = o.out_id;
        if (rc == 0 && version)
            *version = o.out_version;
    }
    free(body);
    def_free(d);
    json_decref(root);
    return rc;
}
