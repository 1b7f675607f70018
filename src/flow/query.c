/* The read side: task lists per actor, task and instance detail, definitions. Plain SELECTs outside
 * any transaction; each answer is a JSON object the API layer can return as it is. */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

#define TASK_COLS                                                                                             \
    "t.id, t.instance_id, t.node_id, t.name, t.state, t.assignee, t.owner, t.claimed_at, t.due_at, t.overdue, " \
    "t.created_at, t.ended_at, t.decision, t.comment, t.mi_index, i.def_key, i.business_key, i.status"
/* visible: assigned to the actor, or a candidate key of the actor on an unassigned task, or an
 * escalation candidate (who sees the task even when it is assigned). Four static variants so that the
 * state and business-key filters stay index lookups. */
#define VIS_FROM " FROM flow_tasks t JOIN flow_instances i ON i.id = t.instance_id WHERE "
/* With a business key the instance is found first through its index: SQLite
 * keeps the order of a CROSS JOIN (PostgreSQL plans it as an inner join), so
 * the open tasks of one case never mean a scan of every open task. */
#define VIS_FROM_BKEY " FROM flow_instances i CROSS JOIN flow_tasks t WHERE t.instance_id = i.id AND "
#define VIS_ACTOR                                                                                                \
    " AND i.def_key = COALESCE(?, i.def_key) AND (t.assignee = ? OR (EXISTS (SELECT 1 FROM flow_task_candidates " \
    "c WHERE c.task_id = t.id AND " CAND_MATCH " AND (t.assignee IS NULL OR c.escalated = 1))))"
#define VIS_STATE "t.state = ?"
#define VIS_ANY "CAST(? AS TEXT) = 'any'"
#define VIS_BKEY " AND i.business_key = ?"
#define VIS_NOBKEY " AND CAST(? AS TEXT) IS NULL"
#define VIS_PAGE " ORDER BY t.id LIMIT ? OFFSET ?"
static const char *const SQL_VISIBLE[2][2] = {
    {"SELECT " TASK_COLS VIS_FROM VIS_STATE VIS_NOBKEY VIS_ACTOR VIS_PAGE,
     "SELECT " TASK_COLS VIS_FROM_BKEY VIS_STATE VIS_BKEY VIS_ACTOR VIS_PAGE},
    {"SELECT " TASK_COLS VIS_FROM VIS_ANY VIS_NOBKEY VIS_ACTOR VIS_PAGE,
     "SELECT " TASK_COLS VIS_FROM_BKEY VIS_ANY VIS_BKEY VIS_ACTOR VIS_PAGE}};
static const char *const SQL_VISIBLE_COUNT[2][2] = {
    {"SELECT COUNT(*)" VIS_FROM VIS_STATE VIS_NOBKEY VIS_ACTOR,
     "SELECT COUNT(*)" VIS_FROM_BKEY VIS_STATE VIS_BKEY VIS_ACTOR},
    {"SELECT COUNT(*)" VIS_FROM VIS_ANY VIS_NOBKEY VIS_ACTOR, "SELECT COUNT(*)" VIS_FROM_BKEY VIS_ANY VIS_BKEY VIS_ACTOR}};
static const char SQL_TASK[] = "SELECT " TASK_COLS " FROM flow_tasks t JOIN flow_instances i ON i.id = "
                               "t.instance_id WHERE t.id = ?";
static const char SQL_INSTANCE_TASKS[] = "SELECT " TASK_COLS " FROM flow_tasks t JOIN flow_instances i ON i.id = "
                                         "t.instance_id WHERE t.instance_id = ? ORDER BY t.id";
static const char SQL_CANDIDATES[] = "SELECT ckey, escalated FROM flow_task_candidates WHERE task_id = ? "
                                     "ORDER BY ckey";
static const char SQL_INSTANCE[] =
    "SELECT i.id, i.def_id, i.def_key, d.version, d.name, i.business_key, i.status, i.variables, i.initiator, "
    "i.initiator_dept, i.region, i.parent_id, i.version, i.incident, i.started_at, i.ended_at, i.suspended_at, "
    "i.suspended_secs, i.last_task FROM flow_instances i JOIN flow_defs d ON d.id = i.def_id WHERE i.id = ?";
static const char SQL_HISTORY[] = "SELECT id, task_id, node_id, action, actor, target, decision, comment, at FROM "
                                  "flow_history WHERE instance_id = ? ORDER BY id";
static const char SQL_PATH[] = "SELECT kind, ref FROM flow_path WHERE instance_id = ? ORDER BY id";
static const char SQL_LIVE[] = "SELECT id, node_id, state FROM flow_tokens WHERE instance_id = ? AND "
                               "state IN ('active', 'waiting', 'failed') ORDER BY id";
static const char SQL_CHILDREN[] = "SELECT id, def_key, status FROM flow_instances WHERE parent_id = ? ORDER BY id";
static const char SQL_BY_BKEY[] = "SELECT id FROM flow_instances WHERE business_key = ? AND parent_id IS NULL "
                                  "ORDER BY id DESC LIMIT 1";
static const char SQL_DEF[] = "SELECT id, def_key, version, name, body, deployed_by, deployed_at FROM flow_defs "
                              "WHERE id = ?";
static const char SQL_DEFS_ALL[] = "SELECT def_key, name, version, id, deployed_at FROM flow_defs "
                                   "ORDER BY def_key, version";
static const char SQL_DEFS_KEY[] = "SELECT def_key, name, version, id, deployed_at FROM flow_defs WHERE def_key = ? "
                                   "ORDER BY version";

static json_t *fail_null(flow_error *e, tb_db *db, flow_err code, const char *what)
{
    if (code == FLOW_E_DB)
        flow_fail(e, code, NULL, "数据库操作失败：%s", tb_db_errmsg(db));
    else
        flow_fail(e, code, NULL, "%s", what);
    return NULL;
}

static json_t *opt_int(tb_stmt *st, int col)
{
    return tb_stmt_null(st, col) ? json_null() : json_integer(tb_stmt_int(st, col));
}

static json_t *opt_text(tb_stmt *st, int col)
{
    return tb_stmt_null(st, col) ? json_null() : json_string(tb_stmt_text(st, col));
}

static json_t *task_json(tb_stmt *st)
{
    return json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:b,s:I,s:o,s:o,s:o,s:I,s:s,s:o,s:s}", "id",
                     (json_int_t)tb_stmt_int(st, 0), "instance_id", (json_int_t)tb_stmt_int(st, 1), "node_id",
                     tb_stmt_text(st, 2), "name", tb_stmt_text(st, 3), "state", tb_stmt_text(st, 4), "assignee",
                     opt_int(st, 5), "owner", opt_int(st, 6), "claimed_at", opt_int(st, 7), "due_at", opt_int(st, 8),
                     "overdue", (int)tb_stmt_int(st, 9), "created_at", (json_int_t)tb_stmt_int(st, 10), "ended_at",
                     opt_int(st, 11), "decision", opt_text(st, 12), "comment", opt_text(st, 13), "mi_index",
                     (json_int_t)tb_stmt_int(st, 14), "def_key", tb_stmt_text(st, 15), "business_key",
                     opt_text(st, 16), "instance_status", tb_stmt_text(st, 17));
}

/* Runs a prepared statement into a JSON array built by row(). NULL on error. */
static json_t *collect(tb_stmt *st, json_t *(*row)(tb_stmt *))
{
    json_t *arr = json_array();
    if (!st || !arr) {
        tb_stmt_done(st);
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        json_t *r = row(st);
        if (!r || json_array_append_new(arr, r)) {
            tb_stmt_done(st);
            json_decref(arr);
            return NULL;
        }
    }
    if (rc != TB_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

json_t *flow_tasks_visible(tb_db *db, const flow_actor *a, const flow_task_filter *f, flow_error *e)
{
    memset(e, 0, sizeof *e);
    flow_task_filter dflt = {0};
    f = f ? f : &dflt;
    char *keys = a ? actor_keystr(a) : NULL;
    if (!keys)
        return fail_null(e, db, FLOW_E_INVALID, "缺少办理人");
    const char *state = f->state ? f->state : "open";
    int size = f->page_size > 0 && f->page_size <= 200 ? f->page_size : 20;
    int page = f->page > 0 ? f->page : 1;
    int any = !strcmp(state, "any"), bk = f->business_key != NULL;
    tb_stmt *st = tb_db_query(db, SQL_VISIBLE_COUNT[any][bk], "tttit", state, f->business_key, f->def_key, a->user,
                              keys);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        free(keys);
        return fail_null(e, db, FLOW_E_DB, NULL);
    }
    int64_t total = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    json_t *items = collect(tb_db_query(db, SQL_VISIBLE[any][bk], "tttitdd", state, f->business_key, f->def_key,
                                        a->user, keys, size, (page - 1) * size),
                            task_json);
    free(keys);
    if (!items)
        return fail_null(e, db, FLOW_E_DB, NULL);
    return json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
}

static json_t *candidate_json(tb_stmt *st)
{
    return json_pack("{s:s,s:b}", "key", tb_stmt_text(st, 0), "escalated", (int)tb_stmt_int(st, 1));
}

json_t *flow_task_detail(tb_db *db, int64_t task, flow_error *e)
{
    memset(e, 0, sizeof *e);
    tb_stmt *st = tb_db_query(db, SQL_TASK, "i", task);
    if (!st)
        return fail_null(e, db, FLOW_E_DB, NULL);
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return fail_null(e, db, FLOW_E_NOT_FOUND, "任务不存在");
    }
    json_t *t = task_json(st);
    tb_stmt_done(st);
    json_t *cands = collect(tb_db_query(db, SQL_CANDIDATES, "i", task), candidate_json);
    if (!t || !cands) {
        json_decref(t);
        json_decref(cands);
        return fail_null(e, db, FLOW_E_DB, NULL);
    }
    json_object_set_new(t, "candidates", cands);
    return t;
}

static json_t *history_json(tb_stmt *st)
{
    return json_pack("{s:I,s:o,s:o,s:s,s:I,s:o,s:o,s:o,s:I}", "id", (json_int_t)tb_stmt_int(st, 0), "task_id",
                     opt_int(st, 1), "node_id", opt_text(st, 2), "action", tb_stmt_text(st, 3), "actor",
                     (json_int_t)tb_stmt_int(st, 4), "target", opt_text(st, 5), "decision", opt_text(st, 6), "comment",
                     opt_text(st, 7), "at", (json_int_t)tb_stmt_int(st, 8));
}

static json_t *path_json(tb_stmt *st) { return json_pack("{s:s,s:s}", "kind", tb_stmt_text(st, 0), "ref", tb_stmt_text(st, 1)); }

static json_t *live_json(tb_stmt *st)
{
    return json_pack("{s:I,s:s,s:s}", "token", (json_int_t)tb_stmt_int(st, 0), "node_id", tb_stmt_text(st, 1),
                     "state", tb_stmt_text(st, 2));
}

static json_t *child_json(tb_stmt *st)
{
    return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)tb_stmt_int(st, 0), "def_key", tb_stmt_text(st, 1),
                     "status", tb_stmt_text(st, 2));
}

static json_t *instance_json(tb_stmt *st)
{
    json_t *vars = json_loads(tb_stmt_text(st, 7), 0, NULL);
    return json_pack("{s:I,s:I,s:s,s:I,s:s,s:o,s:s,s:o,s:I,s:I,s:o,s:o,s:I,s:o,s:I,s:o,s:o,s:I,s:o}", "id",
                     (json_int_t)tb_stmt_int(st, 0), "def_id", (json_int_t)tb_stmt_int(st, 1), "def_key",
                     tb_stmt_text(st, 2), "def_version", (json_int_t)tb_stmt_int(st, 3), "def_name",
                     tb_stmt_text(st, 4), "business_key", opt_text(st, 5), "status", tb_stmt_text(st, 6), "variables",
                     vars ? vars : json_object(), "initiator", (json_int_t)tb_stmt_int(st, 8), "initiator_department",
                     (json_int_t)tb_stmt_int(st, 9), "region", opt_text(st, 10), "parent_id", opt_int(st, 11),
                     "version", (json_int_t)tb_stmt_int(st, 12), "incident", opt_text(st, 13), "started_at",
                     (json_int_t)tb_stmt_int(st, 14), "ended_at", opt_int(st, 15), "suspended_at", opt_int(st, 16),
                     "suspended_seconds", (json_int_t)tb_stmt_int(st, 17), "withdrawable_task", opt_int(st, 18));
}

/* the path taken, split into node ids and flow ids, each in the order they were passed */
static json_t *split_path(json_t *rows)
{
    json_t *nodes = json_array(), *flows = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *dst = !strcmp(json_string_value(json_object_get(r, "kind")), "node") ? nodes : flows;
        json_array_append(dst, json_object_get(r, "ref"));
    }
    return json_pack("{s:o,s:o}", "nodes", nodes, "flows", flows);
}

/* Nodes and flows still reachable from the current positions (not counting the positions). */
static json_t *expected_path(const flow_def *d, json_t *live)
{
    unsigned char *seen = calloc((size_t)d->nn + 1, 1), *fseen = calloc((size_t)d->nf + 1, 1);
    int *stack = malloc(sizeof(int) * (size_t)(d->nn + 1));
    json_t *nodes = json_array(), *flows = json_array();
    if (!seen || !fseen || !stack)
        goto out;
    int sp = 0;
    size_t i;
    json_t *t;
    json_array_foreach(live, i, t)
    {
        int n = def_node(d, json_string_value(json_object_get(t, "node_id")));
        if (n >= 0 && !seen[n]) {
            seen[n] = 2; /* a current position */
            stack[sp++] = n;
        }
    }
    while (sp) {
        const fnode *n = &d->nodes[stack[--sp]];
        for (int k = 0; k < n->nout; k++) {
            int f = n->out[k], to = d->flows[f].to;
            fseen[f] = 1;
            if (!seen[to]) {
                seen[to] = 1;
                stack[sp++] = to;
            }
        }
    }
    for (int k = 0; k < d->nn; k++)
        if (seen[k] == 1)
            json_array_append_new(nodes, json_string(d->nodes[k].id));
    for (int k = 0; k < d->nf; k++)
        if (fseen[k])
            json_array_append_new(flows, json_string(d->flows[k].id));
out:
    free(seen);
    free(fseen);
    free(stack);
    return json_pack("{s:o,s:o}", "nodes", nodes, "flows", flows);
}

static json_t *current_nodes(const flow_def *d, json_t *live, json_t *tasks)
{
    json_t *cur = json_array();
    size_t i, k;
    json_t *t, *task;
    json_array_foreach(live, i, t)
    {
        const char *id = json_string_value(json_object_get(t, "node_id"));
        int n = def_node(d, id);
        json_t *open = json_array();
        json_array_foreach(tasks, k, task) if (!strcmp(json_string_value(json_object_get(task, "state")), "open") &&
                                               !strcmp(json_string_value(json_object_get(task, "node_id")), id))
            json_array_append(open, task);
        json_array_append_new(cur, json_pack("{s:s,s:s,s:s,s:o}", "node_id", id, "name",
                                             n >= 0 ? d->nodes[n].name : id, "state",
                                             json_string_value(json_object_get(t, "state")), "tasks", open));
    }
    return cur;
}

json_t *flow_instance_detail(tb_db *db, flow_ctx *ctx, int64_t instance, flow_error *e)
{
    memset(e, 0, sizeof *e);
    tb_stmt *st = tb_db_query(db, SQL_INSTANCE, "i", instance);
    if (!st)
        return fail_null(e, db, FLOW_E_DB, NULL);
    if (tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return fail_null(e, db, FLOW_E_NOT_FOUND, "流程实例不存在");
    }
    json_t *out = instance_json(st);
    int64_t def_id = tb_stmt_int(st, 1);
    tb_stmt_done(st);
    const flow_def *d = def_load(db, ctx, def_id, e);
    json_t *tasks = collect(tb_db_query(db, SQL_INSTANCE_TASKS, "i", instance), task_json);
    json_t *hist = collect(tb_db_query(db, SQL_HISTORY, "i", instance), history_json);
    json_t *path = collect(tb_db_query(db, SQL_PATH, "i", instance), path_json);
    json_t *live = collect(tb_db_query(db, SQL_LIVE, "i", instance), live_json);
    json_t *kids = collect(tb_db_query(db, SQL_CHILDREN, "i", instance), child_json);
    if (!out || !d || !tasks || !hist || !path || !live || !kids) {
        json_decref(out);
        out = e->code ? NULL : fail_null(e, db, FLOW_E_DB, NULL);
    } else {
        json_object_set_new(out, "current", current_nodes(d, live, tasks));
        json_object_set_new(out, "path", split_path(path));
        json_object_set_new(out, "expected", expected_path(d, live));
        json_object_set(out, "tasks", tasks);
        json_object_set(out, "history", hist);
        json_object_set(out, "children", kids);
    }
    json_decref(tasks);
    json_decref(hist);
    json_decref(path);
    json_decref(live);
    json_decref(kids);
    return out;
}

int64_t flow_instance_by_business_key(tb_db *db, const char *business_key)
{
    tb_stmt *st = tb_db_query(db, SQL_BY_BKEY, "t", business_key);
    int64_t id = st && tb_stmt_step(st) == TB_ROW ? tb_stmt_int(st, 0) : 0;
    tb_stmt_done(st);
    return id;
}

json_t *flow_def_get(tb_db *db, const char *key, int version, flow_error *e)
{
    memset(e, 0, sizeof *e);
    int64_t id = key ? st_latest_def(db, key, version) : 0;
    if (id < 0)
        return fail_null(e, db, FLOW_E_DB, NULL);
    if (id == 0)
        return fail_null(e, db, FLOW_E_NOT_FOUND, "流程定义不存在");
    tb_stmt *st = tb_db_query(db, SQL_DEF, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return fail_null(e, db, FLOW_E_DB, NULL);
    }
    json_t *body = json_loads(tb_stmt_text(st, 4), 0, NULL);
    json_t *out = json_pack("{s:I,s:s,s:I,s:s,s:s,s:I,s:o}", "id", (json_int_t)tb_stmt_int(st, 0), "key",
                            tb_stmt_text(st, 1), "version", (json_int_t)tb_stmt_int(st, 2), "name",
                            tb_stmt_text(st, 3), "deployed_by", tb_stmt_text(st, 5), "deployed_at",
                            (json_int_t)tb_stmt_int(st, 6), "definition", body ? body : json_object());
    tb_stmt_done(st);
    return out ? out : fail_null(e, db, FLOW_E_NOMEM, "内存不足");
}

static json_t *def_row(tb_stmt *st)
{
    return json_pack("{s:s,s:s,s:I,s:I,s:I}", "key", tb_stmt_text(st, 0), "name", tb_stmt_text(st, 1), "version",
                     (json_int_t)tb_stmt_int(st, 2), "id", (json_int_t)tb_stmt_int(st, 3), "deployed_at",
                     (json_int_t)tb_stmt_int(st, 4));
}

json_t *flow_def_list(tb_db *db, const char *key, flow_error *e)
{
    memset(e, 0, sizeof *e);
    json_t *out = collect(key ? tb_db_query(db, SQL_DEFS_KEY, "t", key) : tb_db_query(db, SQL_DEFS_ALL, NULL),
                          def_row);
    return out ? out : fail_null(e, db, FLOW_E_DB, NULL);
}
