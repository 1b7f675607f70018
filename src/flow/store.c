/* Every SQL statement of the engine's transitions (queries for the read side live in query.c).
 * Optional ids are bound as 0 and stored as NULL through NULLIF(CAST(? AS BIGINT), 0), which keeps
 * the statements static and portable. */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

#define OPT "NULLIF(CAST(? AS BIGINT), 0)"

static const char SQL_LOCK[] =
    "UPDATE flow_instances SET version = version + 1 WHERE id = ? RETURNING def_id, def_key, business_key, "
    "status, variables, initiator, initiator_dept, region, parent_id, parent_token, version, last_task, "
    "suspended_at, incident";
static const char SQL_SAVE[] = "UPDATE flow_instances SET status = ?, variables = ?, last_task = " OPT
                               ", incident = ?, ended_at = " OPT ", suspended_at = " OPT " WHERE id = ?";
static const char SQL_INSERT_INSTANCE[] =
    "INSERT INTO flow_instances(def_id, def_key, business_key, status, variables, initiator, initiator_dept, "
    "region, parent_id, parent_token, version, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, " OPT ", " OPT
    ", 1, ?) RETURNING id";
static const char SQL_TOKENS_LIVE[] = "SELECT id, node_id, state FROM flow_tokens WHERE instance_id = ? AND "
                                      "state IN ('active', 'waiting', 'failed') ORDER BY id";
static const char SQL_TOKEN_INSERT[] =
    "INSERT INTO flow_tokens(instance_id, node_id, state, via_flow, cause_task, mi_users, created_at) "
    "VALUES (?, ?, ?, ?, " OPT ", ?, ?) RETURNING id";
static const char SQL_TOKEN_SET[] = "UPDATE flow_tokens SET state = ?, consumed_by = " OPT
                                    " WHERE id = ? AND state IN (?, ?)";
static const char SQL_TOKEN_MI[] = "SELECT mi_users FROM flow_tokens WHERE id = ?";
static const char SQL_TASK_INSERT[] =
    "INSERT INTO flow_tasks(instance_id, token_id, mi_index, node_id, name, state, assignee, claimed_at, due_at, "
    "cause_task, created_at) VALUES (?, ?, ?, ?, ?, 'open', " OPT ", " OPT ", " OPT ", " OPT ", ?) RETURNING id";
static const char SQL_CANDIDATE[] = "INSERT INTO flow_task_candidates(task_id, ckey, escalated) VALUES (?, ?, ?) "
                                    "ON CONFLICT (task_id, ckey) DO UPDATE SET escalated = excluded.escalated";
static const char SQL_HISTORY[] = "INSERT INTO flow_history(instance_id, task_id, node_id, action, actor, target, "
                                  "decision, comment, vars_before, at) VALUES (?, " OPT ", ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_PATH[] = "INSERT INTO flow_path(instance_id, kind, ref, cause_task, at) VALUES (?, ?, ?, " OPT
                               ", ?)";
static const char SQL_TASK_GET[] = "SELECT id, instance_id, token_id, mi_index, node_id, state, assignee, owner, "
                                   "claimed_at, due_at, overdue, cause_task FROM flow_tasks WHERE id = ?";
static const char SQL_TASK_INSTANCE[] = "SELECT instance_id FROM flow_tasks WHERE id = ?";
static const char SQL_IS_CANDIDATE[] = "SELECT MAX(c.escalated) FROM flow_task_candidates c WHERE c.task_id = ? AND "
                                       CAND_MATCH;
static const char SQL_TASK_FINISH[] = "UPDATE flow_tasks SET state = ?, assignee = COALESCE(" OPT
                                      ", assignee), decision = ?, comment = ?, ended_at = ? "
                                      "WHERE id = ? AND state = 'open'";
static const char SQL_TASK_ASSIGN[] = "UPDATE flow_tasks SET assignee = " OPT ", owner = " OPT ", claimed_at = " OPT
                                      " WHERE id = ? AND state = 'open'";
static const char SQL_TOKEN_TASKS[] = "SELECT state, decision FROM flow_tasks WHERE token_id = ?";
static const char SQL_CANCEL_TOKEN_TASKS[] = "UPDATE flow_tasks SET state = 'cancelled', cancelled_by = " OPT
                                             ", ended_at = ? WHERE token_id = ? AND state = 'open'";
static const char SQL_CANCEL_TASKS[] = "UPDATE flow_tasks SET state = 'cancelled', cancelled_by = " OPT
                                       ", ended_at = ? WHERE instance_id = ? AND state = 'open'";
static const char SQL_CANCEL_TOKENS[] = "UPDATE flow_tokens SET state = 'cancelled', consumed_by = " OPT
                                        " WHERE instance_id = ? AND state IN ('active', 'waiting', 'failed')";
static const char SQL_LAST_COMPLETER[] = "SELECT assignee FROM flow_tasks WHERE instance_id = ? AND node_id = ? AND "
                                         "state = 'completed' ORDER BY id DESC LIMIT 1";
static const char SQL_LATEST_DEF[] = "SELECT id FROM flow_defs WHERE def_key = ? ORDER BY version DESC LIMIT 1";
static const char SQL_DEF_VERSION[] = "SELECT id FROM flow_defs WHERE def_key = ? AND version = ?";
static const char SQL_CHILDREN[] = "SELECT id FROM flow_instances WHERE parent_id = ? AND "
                                   "status IN ('running', 'suspended', 'failed') ORDER BY id";
static const char SQL_SHIFT_DUE[] = "UPDATE flow_tasks SET due_at = due_at + ? WHERE instance_id = ? AND "
                                    "state = 'open' AND due_at IS NOT NULL";
static const char SQL_SUSPENDED_SECS[] = "UPDATE flow_instances SET suspended_secs = suspended_secs + ? WHERE id = ?";
static const char SQL_SET_DUE[] = "UPDATE flow_tasks SET due_at = ?, overdue = CASE WHEN ? > ? THEN 0 ELSE overdue "
                                  "END WHERE id = ? AND state = 'open'";
static const char SQL_WD_TASKS[] = "SELECT COUNT(*) FROM flow_tasks WHERE cause_task = ? AND (state <> 'open' OR "
                                   "claimed_at IS NOT NULL OR owner IS NOT NULL) AND state <> 'withdrawn'";
static const char SQL_WD_TOKENS[] = "SELECT node_id, state FROM flow_tokens WHERE cause_task = ? AND "
                                    "(consumed_by IS NULL OR consumed_by <> ?)";
static const char SQL_WD_CANCEL_TASKS[] = "UPDATE flow_tasks SET state = 'withdrawn', ended_at = ? WHERE "
                                          "cause_task = ? AND state = 'open'";
static const char SQL_WD_CANCEL_TOKENS[] = "UPDATE flow_tokens SET state = 'cancelled' WHERE cause_task = ? AND "
                                           "state IN ('active', 'waiting')";
static const char SQL_WD_RESTORE_TOKENS[] =
    "UPDATE flow_tokens SET state = CASE WHEN id = ? THEN 'active' ELSE 'waiting' END, consumed_by = NULL "
    "WHERE consumed_by = ? AND state = 'done' AND (cause_task IS NULL OR cause_task <> ?)";
static const char SQL_WD_RESTORE_TASKS[] = "UPDATE flow_tasks SET state = 'open', cancelled_by = NULL, ended_at = "
                                           "NULL WHERE cancelled_by = ? AND state = 'cancelled'";
static const char SQL_WD_MARK[] = "UPDATE flow_tasks SET state = 'withdrawn', ended_at = ? WHERE id = ? AND "
                                  "state = 'completed'";
static const char SQL_WD_REOPEN[] =
    "INSERT INTO flow_tasks(instance_id, token_id, mi_index, node_id, name, state, assignee, claimed_at, due_at, "
    "overdue, cause_task, created_at) SELECT instance_id, token_id, mi_index, node_id, name, 'open', assignee, ?, "
    "due_at, overdue, cause_task, ? FROM flow_tasks WHERE id = ? RETURNING id";
static const char SQL_WD_CANDIDATES[] = "INSERT INTO flow_task_candidates(task_id, ckey, escalated) SELECT ?, ckey, "
                                        "escalated FROM flow_task_candidates WHERE task_id = ?";
static const char SQL_VARS_BEFORE[] = "SELECT vars_before FROM flow_history WHERE task_id = ? AND "
                                      "action = 'complete' ORDER BY id DESC LIMIT 1";
static const char SQL_PATH_FORGET[] = "DELETE FROM flow_path WHERE cause_task = ?";

static int db_fail(exec *x) { return flow_fail(x->e, FLOW_E_DB, NULL, "数据库操作失败：%s", tb_db_errmsg(x->db)); }

static char *dupcol(tb_stmt *st, int col) { return tb_stmt_null(st, col) ? NULL : strdup(tb_stmt_text(st, col)); }

int st_lock_instance(exec *x, int64_t instance, int64_t *def_id)
{
    tb_stmt *st = tb_db_query(x->db, SQL_LOCK, "i", instance);
    if (!st)
        return db_fail(x);
    int rc = tb_stmt_step(st);
    if (rc != TB_ROW) {
        tb_stmt_done(st);
        return rc == TB_DONE ? flow_fail(x->e, FLOW_E_NOT_FOUND, NULL, "流程实例 %lld 不存在", (long long)instance)
                             : db_fail(x);
    }
    x->id = instance;
    *def_id = tb_stmt_int(st, 0);
    x->def_key = dupcol(st, 1);
    x->bkey = dupcol(st, 2);
    snprintf(x->status, sizeof x->status, "%s", tb_stmt_text(st, 3));
    x->vars = json_loads(tb_stmt_text(st, 4), 0, NULL);
    x->initiator = tb_stmt_int(st, 5);
    x->initiator_dept = tb_stmt_int(st, 6);
    x->region = dupcol(st, 7);
    x->parent_id = tb_stmt_int(st, 8);
    x->parent_token = tb_stmt_int(st, 9);
    x->version = tb_stmt_int(st, 10);
    x->last_task = tb_stmt_int(st, 11);
    x->suspended_at = tb_stmt_int(st, 12);
    x->incident = dupcol(st, 13);
    tb_stmt_done(st);
    if (!x->def_key || !json_is_object(x->vars))
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "读取流程实例失败");
    return 0;
}

int st_save_instance(exec *x)
{
    char *vars = json_dumps(x->vars, JSON_COMPACT);
    if (!vars)
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    long n = tb_db_exec(x->db, SQL_SAVE, "ttitiii", x->status, vars, x->last_task, x->incident, x->ended_at,
                        x->suspended_at, x->id);
    free(vars);
    return n == 1 ? 0 : db_fail(x);
}

int st_insert_instance(exec *x, int64_t def_id)
{
    char *vars = json_dumps(x->vars, JSON_COMPACT);
    if (!vars)
        return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
    tb_stmt *st = tb_db_query(x->db, SQL_INSERT_INSTANCE, "itttiitiii", def_id, x->def_key, x->bkey, vars,
                              x->initiator, x->initiator_dept, x->region, x->parent_id, x->parent_token, x->now);
    free(vars);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return db_fail(x);
    }
    x->id = tb_stmt_int(st, 0);
    x->version = 1;
    snprintf(x->status, sizeof x->status, "running");
    tb_stmt_done(st);
    return 0;
}

static int tok_push(exec *x, int64_t id, int node, char state)
{
    if (x->ntok == x->captok) {
        int cap = x->captok ? x->captok * 2 : 8;
        tok *p = realloc(x->toks, sizeof *p * (size_t)cap);
        if (!p)
            return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
        x->toks = p;
        x->captok = cap;
    }
    x->toks[x->ntok++] = (tok){id, node, state};
    return 0;
}

int st_tokens_live(exec *x)
{
    x->ntok = 0;
    tb_stmt *st = tb_db_query(x->db, SQL_TOKENS_LIVE, "i", x->id);
    if (!st)
        return db_fail(x);
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        int node = def_node(x->def, tb_stmt_text(st, 1));
        const char *s = tb_stmt_text(st, 2);
        if (node >= 0 && tok_push(x, tb_stmt_int(st, 0), node, s[0] == 'w' ? 'w' : s[0] == 'f' ? 'f' : 'a')) {
            tb_stmt_done(st);
            return x->e->code;
        }
    }
    return rc == TB_DONE ? 0 : db_fail(x);
}

static const char *state_name(char s) { return s == 'w' ? "waiting" : s == 'f' ? "failed" : "active"; }

int st_token_insert(exec *x, int node, int via, char state, const char *mi_users, int64_t *id)
{
    tb_stmt *st = tb_db_query(x->db, SQL_TOKEN_INSERT, "itttiti", x->id, x->def->nodes[node].id, state_name(state),
                              via >= 0 ? x->def->flows[via].id : NULL, x->cause, mi_users, x->now);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return db_fail(x);
    }
    *id = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return tok_push(x, *id, node, state);
}

/* The state guard makes a second consumption of the same token change nothing: it is then a conflict. */
int st_token_set(exec *x, int64_t id, const char *from1, const char *from2, const char *to, int64_t by)
{
    long n = tb_db_exec(x->db, SQL_TOKEN_SET, "tiitt", to, by, id, from1, from2);
    if (n < 0)
        return db_fail(x);
    if (n != 1)
        return flow_fail(x->e, FLOW_E_CONFLICT, NULL, "流程位置已被其他操作推进");
    return 0;
}

char *st_token_mi_users(exec *x, int64_t token)
{
    tb_stmt *st = tb_db_query(x->db, SQL_TOKEN_MI, "i", token);
    char *s = st && tb_stmt_step(st) == TB_ROW ? dupcol(st, 0) : NULL;
    tb_stmt_done(st);
    return s;
}

int st_task_insert(exec *x, int64_t token, int mi_index, const fnode *n, int64_t assignee, int64_t due_at,
                   bool claimed, int64_t *id)
{
    tb_stmt *st = tb_db_query(x->db, SQL_TASK_INSERT, "iidttiiiii", x->id, token, mi_index, n->id, n->name, assignee,
                              claimed ? x->now : (int64_t)0, due_at, x->cause, x->now);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return db_fail(x);
    }
    *id = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return 0;
}

int st_candidate_add(tb_db *db, int64_t task, const char *key, int escalated)
{
    return tb_db_exec(db, SQL_CANDIDATE, "itd", task, key, escalated) < 0 ? -1 : 0;
}

int st_history(exec *x, int64_t task, const char *node, const char *action, const char *target,
               const char *decision, const char *comment, const char *vars_before)
{
    return tb_db_exec(x->db, SQL_HISTORY, "iittitttti", x->id, task, node, action, x->actor, target, decision,
                      comment, vars_before, x->now) == 1 ? 0 : db_fail(x);
}

int st_path(exec *x, const char *kind, const char *ref)
{
    return tb_db_exec(x->db, SQL_PATH, "ittii", x->id, kind, ref, x->cause, x->now) == 1 ? 0 : db_fail(x);
}

int st_task_get(tb_db *db, int64_t task, task_row *t)
{
    tb_stmt *st = tb_db_query(db, SQL_TASK_GET, "i", task);
    if (!st)
        return FLOW_E_DB;
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return FLOW_E_NOT_FOUND;
    }
    memset(t, 0, sizeof *t);
    t->id = tb_stmt_int(st, 0);
    t->instance_id = tb_stmt_int(st, 1);
    t->token_id = tb_stmt_int(st, 2);
    t->mi_index = (int)tb_stmt_int(st, 3);
    snprintf(t->node_id, sizeof t->node_id, "%s", tb_stmt_text(st, 4));
    snprintf(t->state, sizeof t->state, "%s", tb_stmt_text(st, 5));
    t->assignee = tb_stmt_int(st, 6);
    t->owner = tb_stmt_int(st, 7);
    t->claimed_at = tb_stmt_int(st, 8);
    t->due_at = tb_stmt_int(st, 9);
    t->overdue = (int)tb_stmt_int(st, 10);
    t->cause_task = tb_stmt_int(st, 11);
    tb_stmt_done(st);
    return 0;
}

int64_t st_task_instance(tb_db *db, int64_t task)
{
    tb_stmt *st = tb_db_query(db, SQL_TASK_INSTANCE, "i", task);
    if (!st)
        return -1;
    int64_t id = tb_stmt_step(st) == TB_ROW ? tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    return id;
}

/* 0 not a candidate, 1 candidate (*escalated when as an escalation candidate), -1 error */
int st_is_candidate(tb_db *db, int64_t task, const flow_actor *a, bool *escalated)
{
    char *keys = actor_keystr(a);
    tb_stmt *st = keys ? tb_db_query(db, SQL_IS_CANDIDATE, "it", task, keys) : NULL;
    free(keys);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    int rc = tb_stmt_null(st, 0) ? 0 : 1;
    *escalated = rc && tb_stmt_int(st, 0) == 1;
    tb_stmt_done(st);
    return rc;
}

int st_task_finish(exec *x, int64_t task, const char *state, int64_t assignee, const char *decision,
                   const char *comment)
{
    long n = tb_db_exec(x->db, SQL_TASK_FINISH, "tittii", state, assignee, decision, comment, x->now, task);
    if (n < 0)
        return db_fail(x);
    return n == 1 ? 0 : flow_fail(x->e, FLOW_E_CONFLICT, NULL, "任务已被他人处理");
}

int st_task_set_assignee(exec *x, int64_t task, int64_t assignee, int64_t owner, bool claim)
{
    long n = tb_db_exec(x->db, SQL_TASK_ASSIGN, "iiii", assignee, owner, claim ? x->now : (int64_t)0, task);
    if (n < 0)
        return db_fail(x);
    return n == 1 ? 0 : flow_fail(x->e, FLOW_E_CONFLICT, NULL, "任务已被他人处理");
}

int st_token_tasks(exec *x, int64_t token, int *open, int *completed, int *total_rows, json_t *decisions)
{
    *open = *completed = *total_rows = 0;
    tb_stmt *st = tb_db_query(x->db, SQL_TOKEN_TASKS, "i", token);
    if (!st)
        return db_fail(x);
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        const char *s = tb_stmt_text(st, 0);
        (*total_rows)++;
        if (!strcmp(s, "open"))
            (*open)++;
        if (strcmp(s, "completed"))
            continue;
        (*completed)++;
        const char *d = tb_stmt_null(st, 1) ? "complete" : tb_stmt_text(st, 1);
        json_object_set_new(decisions, d, json_integer(json_integer_value(json_object_get(decisions, d)) + 1));
    }
    return rc == TB_DONE ? 0 : db_fail(x);
}

int st_cancel_open_tasks_of_token(exec *x, int64_t token)
{
    return tb_db_exec(x->db, SQL_CANCEL_TOKEN_TASKS, "iii", x->cause, x->now, token) < 0 ? db_fail(x) : 0;
}

int st_cancel_open_tasks(exec *x)
{
    return tb_db_exec(x->db, SQL_CANCEL_TASKS, "iii", x->cause, x->now, x->id) < 0 ? db_fail(x) : 0;
}

int st_cancel_live_tokens(exec *x)
{
    if (tb_db_exec(x->db, SQL_CANCEL_TOKENS, "ii", x->cause, x->id) < 0)
        return db_fail(x);
    x->ntok = 0;
    return 0;
}

int64_t st_last_completer(exec *x, const char *node)
{
    tb_stmt *st = tb_db_query(x->db, SQL_LAST_COMPLETER, "it", x->id, node);
    int64_t u = st && tb_stmt_step(st) == TB_ROW ? tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    return u;
}

int64_t st_latest_def(tb_db *db, const char *key, int version)
{
    tb_stmt *st = version > 0 ? tb_db_query(db, SQL_DEF_VERSION, "td", key, version)
                              : tb_db_query(db, SQL_LATEST_DEF, "t", key);
    if (!st)
        return -1;
    int64_t id = tb_stmt_step(st) == TB_ROW ? tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    return id;
}

int st_children(exec *x, int64_t **ids, int *n)
{
    *ids = NULL;
    *n = 0;
    tb_stmt *st = tb_db_query(x->db, SQL_CHILDREN, "i", x->id);
    if (!st)
        return db_fail(x);
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        int64_t *p = realloc(*ids, sizeof *p * (size_t)(*n + 1));
        if (!p) {
            tb_stmt_done(st);
            return flow_fail(x->e, FLOW_E_NOMEM, NULL, "内存不足");
        }
        p[(*n)++] = tb_stmt_int(st, 0);
        *ids = p;
    }
    return rc == TB_DONE ? 0 : db_fail(x);
}

int st_shift_due(exec *x, int64_t delta)
{
    if (tb_db_exec(x->db, SQL_SHIFT_DUE, "ii", delta, x->id) < 0 ||
        tb_db_exec(x->db, SQL_SUSPENDED_SECS, "ii", delta, x->id) != 1)
        return db_fail(x);
    return 0;
}

int st_set_due(exec *x, int64_t task, int64_t due_at)
{
    long n = tb_db_exec(x->db, SQL_SET_DUE, "iiii", due_at, due_at, x->now, task);
    if (n < 0)
        return db_fail(x);
    return n == 1 ? 0 : flow_fail(x->e, FLOW_E_STATE, NULL, "任务已结束，不能修改期限");
}

/* The completion can be withdrawn while what it created is untouched and nothing it created has moved on
 * (a sub-process it started has a life of its own, so that refuses too). */
int st_withdraw_check(exec *x, int64_t task, const char **why)
{
    tb_stmt *st = tb_db_query(x->db, SQL_WD_TASKS, "i", task);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return db_fail(x);
    }
    int64_t touched = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    if (touched) {
        *why = "下一环节已签收或办理，不能撤回";
        return 1;
    }
    st = tb_db_query(x->db, SQL_WD_TOKENS, "ii", task, task);
    if (!st)
        return db_fail(x);
    int rc, bad = 0;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        int n = def_node(x->def, tb_stmt_text(st, 0));
        const char *s = tb_stmt_text(st, 1);
        if ((strcmp(s, "active") && strcmp(s, "waiting")) || n < 0 || x->def->nodes[n].type == N_SUB)
            bad = 1;
    }
    if (rc != TB_DONE)
        return db_fail(x);
    if (bad)
        *why = "流程已进入子流程或后续环节，不能撤回";
    return bad;
}

int st_withdraw_revert(exec *x, const task_row *t)
{
    int64_t id = t->id;
    if (tb_db_exec(x->db, SQL_WD_CANCEL_TASKS, "ii", x->now, id) < 0 ||
        tb_db_exec(x->db, SQL_WD_CANCEL_TOKENS, "i", id) < 0 ||
        tb_db_exec(x->db, SQL_WD_RESTORE_TOKENS, "iii", t->token_id, id, id) < 0 ||
        tb_db_exec(x->db, SQL_WD_RESTORE_TASKS, "i", id) < 0 || tb_db_exec(x->db, SQL_WD_MARK, "ii", x->now, id) != 1)
        return db_fail(x);
    tb_stmt *st = tb_db_query(x->db, SQL_WD_REOPEN, "iii", x->now, x->now, id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return db_fail(x);
    }
    int64_t fresh = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    if (tb_db_exec(x->db, SQL_WD_CANDIDATES, "ii", fresh, id) < 0)
        return db_fail(x);
    return 0;
}

char *st_vars_before(exec *x, int64_t task)
{
    tb_stmt *st = tb_db_query(x->db, SQL_VARS_BEFORE, "i", task);
    char *s = st && tb_stmt_step(st) == TB_ROW ? dupcol(st, 0) : NULL;
    tb_stmt_done(st);
    return s;
}

int st_path_forget(exec *x, int64_t task)
{
    return tb_db_exec(x->db, SQL_PATH_FORGET, "i", task) < 0 ? db_fail(x) : 0;
}

static const char SQL_HOLDS_TASK[] = "SELECT COUNT(*) FROM flow_tasks WHERE instance_id = ? AND state = 'open' AND "
                                     "assignee = ?";
static const char SQL_DEF_LATEST_BODY[] = "SELECT id, version, body FROM flow_defs WHERE def_key = ? "
                                          "ORDER BY version DESC LIMIT 1";
static const char SQL_DEF_INSERT[] = "INSERT INTO flow_defs(def_key, version, name, body, deployed_by, deployed_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";

bool st_holds_task(exec *x, int64_t user)
{
    tb_stmt *st = tb_db_query(x->db, SQL_HOLDS_TASK, "ii", x->id, user);
    bool yes = st && tb_stmt_step(st) == TB_ROW && tb_stmt_int(st, 0) > 0;
    tb_stmt_done(st);
    return yes;
}

/* The newest version of key: 1 found (same_body tells whether its body equals body), 0 none, -1 error */
int st_def_latest(tb_db *db, const char *key, const char *body, int64_t *id, int *version, bool *same_body)
{
    tb_stmt *st = tb_db_query(db, SQL_DEF_LATEST_BODY, "t", key);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc != TB_ROW) {
        tb_stmt_done(st);
        *version = 0;
        return rc == TB_DONE ? 0 : -1;
    }
    *id = tb_stmt_int(st, 0);
    *version = (int)tb_stmt_int(st, 1);
    *same_body = !strcmp(tb_stmt_text(st, 2), body);
    tb_stmt_done(st);
    return 1;
}

int st_def_insert(tb_db *db, const char *key, int version, const char *name, const char *body, const char *by,
                  int64_t at, int64_t *id)
{
    tb_stmt *st = tb_db_query(db, SQL_DEF_INSERT, "tdttti", key, version, name, body, by, at);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    *id = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return 0;
}
