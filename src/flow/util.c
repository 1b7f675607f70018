/* Shared helpers of the engine: errors, context, transactions, hooks, events, condition evaluation. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "flow/flow_internal.h"

void flow_error_clear(flow_error *e)
{
    if (!e)
        return;
    json_decref(e->details);
    memset(e, 0, sizeof *e);
}

const char *flow_err_name(flow_err code)
{
    switch (code) {
    case FLOW_OK: return "OK";
    case FLOW_E_INVALID: return "FLOW_INVALID";
    case FLOW_E_NOT_FOUND: return "FLOW_NOT_FOUND";
    case FLOW_E_FORBIDDEN: return "FLOW_FORBIDDEN";
    case FLOW_E_STATE: return "FLOW_WRONG_STATE";
    case FLOW_E_CONFLICT: return "FLOW_CONFLICT";
    case FLOW_E_ASSIGN: return "FLOW_ASSIGNMENT_FAILED";
    case FLOW_E_RULE: return "FLOW_RULE_FAILED";
    case FLOW_E_DB: return "FLOW_STORAGE";
    case FLOW_E_NOMEM: return "FLOW_NO_MEMORY";
    }
    return "FLOW_UNKNOWN";
}

int flow_err_status(flow_err code)
{
    switch (code) {
    case FLOW_OK: return 200;
    case FLOW_E_INVALID: return 422;
    case FLOW_E_NOT_FOUND: return 404;
    case FLOW_E_FORBIDDEN: return 403;
    case FLOW_E_STATE:
    case FLOW_E_CONFLICT: return 409;
    case FLOW_E_ASSIGN: return 422;
    case FLOW_E_RULE:
    case FLOW_E_DB: return 503;
    case FLOW_E_NOMEM: return 500;
    }
    return 500;
}

int flow_fail(flow_error *e, flow_err code, const char *node, const char *fmt, ...)
{
    /* the first failure explains best: later ones are usually its consequences */
    if (e && e->code == FLOW_OK) {
        e->code = code;
        snprintf(e->node, sizeof e->node, "%s", node ? node : "");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int64_t flow_now(const flow_ctx *ctx) { return ctx && ctx->env.now ? ctx->env.now() : tb_now(); }

flow_ctx *flow_ctx_new(const flow_env *env)
{
    flow_ctx *c = calloc(1, sizeof *c);
    if (c && env)
        c->env = *env;
    return c;
}

void flow_ctx_free(flow_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < ctx->ndefs; i++)
        def_free(ctx->defs[i]);
    free(ctx->defs);
    free(ctx);
}

typedef struct {
    int (*fn)(tb_db *, void *);
    void *arg;
    flow_error *e;
} tx_call;

/* tb_db_tx may run fn again after a busy failure: the error of a failed attempt is forgotten. */
static int tx_attempt(tb_db *db, void *p)
{
    tx_call *c = p;
    json_t *keep = c->e->details;
    memset(c->e, 0, sizeof *c->e);
    c->e->details = keep;
    int rc = c->fn(db, c->arg);
    if (rc && c->e->code == FLOW_OK)
        flow_fail(c->e, FLOW_E_DB, NULL, "数据库操作失败：%s", tb_db_errmsg(db));
    return rc ? -1 : 0;
}

int flow_tx(tb_db *db, int (*fn)(tb_db *, void *), void *arg, flow_error *e)
{
    tx_call c = {fn, arg, e};
    if (db->tx_depth)
        return tx_attempt(db, &c) ? e->code : FLOW_OK;
    int rc = tb_db_tx(db, tx_attempt, &c);
    if (rc == 0)
        return FLOW_OK;
    if (e->code == FLOW_OK || (e->code == FLOW_E_DB && tb_db_errkind_last(db) == TB_DBE_UNIQUE)) {
        /* a unique index refused a duplicate: somebody else made the same change first */
        e->code = FLOW_OK;
        flow_fail(e, tb_db_errkind_last(db) == TB_DBE_UNIQUE || tb_db_errkind_last(db) == TB_DBE_BUSY
                         ? FLOW_E_CONFLICT : FLOW_E_DB,
                  NULL, "数据库事务失败：%s", tb_db_errmsg(db));
    }
    return e->code;
}

/* ---- hooks ---- */

#define MAX_HOOKS 64
static struct {
    char name[64];
    flow_hook_fn fn;
    void *arg;
} hooks[MAX_HOOKS];
static int nhooks;

int flow_hook_register(const char *name, flow_hook_fn fn, void *arg)
{
    if (!name || !*name || strlen(name) >= sizeof hooks[0].name || !fn)
        return -1;
    for (int i = 0; i < nhooks; i++)
        if (!strcmp(hooks[i].name, name)) {
            hooks[i].fn = fn;
            hooks[i].arg = arg;
            return 0;
        }
    if (nhooks == MAX_HOOKS)
        return -1;
    snprintf(hooks[nhooks].name, sizeof hooks[nhooks].name, "%s", name);
    hooks[nhooks].fn = fn;
    hooks[nhooks].arg = arg;
    nhooks++;
    return 0;
}

flow_hook_fn hook_find(const char *name, void **arg)
{
    for (int i = 0; name && i < nhooks; i++)
        if (!strcmp(hooks[i].name, name)) {
            *arg = hooks[i].arg;
            return hooks[i].fn;
        }
    return NULL;
}

int emit(flow_ctx *ctx, tb_db *db, const flow_event *ev, flow_error *e)
{
    if (!ctx->env.on_event)
        return 0;
    if (ctx->env.on_event(ctx->env.event_arg, db, ev) != 0)
        return flow_fail(e, FLOW_E_DB, ev->node_id, "应用处理流程事件失败：%s", tb_db_errmsg(db));
    return 0;
}

int eval_conditions(flow_ctx *ctx, const json_t *vars, const char *const *exprs, int n, int *out, flow_error *e)
{
    if (n == 0)
        return 0;
    if (!ctx->env.rules)
        return flow_fail(e, FLOW_E_RULE, NULL, "没有可用的规则执行器，无法计算条件");
    json_t *checks = json_array();
    for (int i = 0; checks && i < n; i++)
        json_array_append_new(checks, json_pack("{s:s,s:s}", "field", "_", "expr", exprs[i]));
    json_t *res = checks ? tb_rules_eval(ctx->env.rules, vars, checks) : NULL;
    json_decref(checks);
    if (!res)
        return flow_fail(e, FLOW_E_RULE, NULL, "规则执行器不可用，无法计算条件");
    int rc = 0;
    for (int i = 0; i < n; i++) {
        json_t *r = json_array_get(res, i);
        const char *err = json_string_value(json_object_get(r, "error"));
        out[i] = json_is_true(json_object_get(r, "ok"));
        if (err && strcmp(err, "exception") != 0)
            rc = flow_fail(e, FLOW_E_RULE, NULL, "条件 %s 执行失败（%s）", exprs[i], err);
        else if (err) /* a condition that throws (e.g. a missing field) is simply not taken */
            tb_debug("flow: condition %s threw: %s", exprs[i], json_string_value(json_object_get(r, "message")));
    }
    json_decref(res);
    return rc;
}
