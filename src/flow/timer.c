/* Due dates and the overdue scan. Working days come from the application's calendar; without one,
 * Monday to Friday in China Standard Time (+08:00) count, which is what the tests use. */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

#define TZ_OFFSET (8 * 3600)
#define DAY 86400
#define BATCH 500

static int weekday(int64_t t) { return (int)((((t + TZ_OFFSET) / DAY) + 4) % 7); } /* 0 = Sunday */

static int64_t add_weekdays(int64_t from, int days)
{
    int64_t t = from;
    while (days > 0) {
        t += DAY;
        int wd = weekday(t);
        if (wd != 0 && wd != 6)
            days--;
    }
    return t;
}

int flow_due_compute(flow_ctx *ctx, int64_t from, int days, int hours, bool working, int64_t *out)
{
    int64_t t = from;
    if (days > 0 && working) {
        if (ctx && ctx->env.add_working_days) {
            if (ctx->env.add_working_days(ctx->env.calendar, from, days, &t) != 0)
                return -1;
        } else {
            t = add_weekdays(from, days);
        }
    } else if (days > 0) {
        t += (int64_t)days * DAY;
    }
    *out = t + (int64_t)hours * 3600;
    return 0;
}

static const char SQL_OVERDUE[] =
    "SELECT t.id, t.instance_id, t.node_id, t.due_at, i.def_id, i.def_key, i.business_key FROM flow_tasks t "
    "JOIN flow_instances i ON i.id = t.instance_id WHERE t.state = 'open' AND t.overdue = 0 AND "
    "t.due_at IS NOT NULL AND t.due_at <= ? AND i.status = 'running' ORDER BY t.due_at, t.id LIMIT 500";
static const char SQL_MARK[] = "UPDATE flow_tasks SET overdue = 1 WHERE id = ? AND state = 'open' AND overdue = 0";
static const char SQL_HIST[] = "INSERT INTO flow_history(instance_id, task_id, node_id, action, actor, target, at) "
                               "VALUES (?, ?, ?, 'overdue', 0, ?, ?)";

typedef struct {
    int64_t id, instance, due_at, def_id;
    char node[64], def_key[64], bkey[128];
} overdue_row;

typedef struct {
    flow_ctx *ctx;
    flow_error *e;
    int64_t now;
    json_t *out;
} timer_run;

static int load_rows(tb_db *db, int64_t now, overdue_row **rows, int *n)
{
    *rows = calloc(BATCH, sizeof **rows);
    *n = 0;
    tb_stmt *st = *rows ? tb_db_query(db, SQL_OVERDUE, "i", now) : NULL;
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW && *n < BATCH) {
        overdue_row *r = &(*rows)[(*n)++];
        r->id = tb_stmt_int(st, 0);
        r->instance = tb_stmt_int(st, 1);
        snprintf(r->node, sizeof r->node, "%s", tb_stmt_text(st, 2));
        r->due_at = tb_stmt_int(st, 3);
        r->def_id = tb_stmt_int(st, 4);
        snprintf(r->def_key, sizeof r->def_key, "%s", tb_stmt_text(st, 5));
        snprintf(r->bkey, sizeof r->bkey, "%s", tb_stmt_null(st, 6) ? "" : tb_stmt_text(st, 6));
    }
    tb_stmt_done(st);
    return rc == TB_DB_ERROR ? -1 : 0;
}

/* Adds the node's escalate_to candidate; returns its key (or "" when the node has none). */
static int escalate(tb_db *db, const flow_def *d, const overdue_row *r, char *key, size_t len)
{
    int n = def_node(d, r->node);
    json_t *esc = n >= 0 ? json_object_get(json_object_get(d->nodes[n].j, "due"), "escalate_to") : NULL;
    const char *role = json_string_value(json_object_get(esc, "role"));
    json_int_t user = json_integer_value(json_object_get(esc, "user"));
    key[0] = '\0';
    if (role)
        snprintf(key, len, "r:%s", role);
    else if (user > 0)
        snprintf(key, len, "u:%lld", (long long)user);
    return key[0] ? st_candidate_add(db, r->id, key, 1) : 0;
}

static int mark_one(tb_db *db, timer_run *t, const overdue_row *r)
{
    const flow_def *d = def_load(db, t->ctx, r->def_id, t->e);
    if (!d)
        return -1;
    long n = tb_db_exec(db, SQL_MARK, "i", r->id);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    char key[96];
    if (escalate(db, d, r, key, sizeof key) != 0 ||
        tb_db_exec(db, SQL_HIST, "iitti", r->instance, r->id, r->node, key[0] ? key : NULL, t->now) != 1)
        return -1;
    json_t *change = json_pack("{s:I,s:I,s:s,s:s,s:s,s:I,s:[]}", "task_id", (json_int_t)r->id, "instance_id",
                               (json_int_t)r->instance, "node_id", r->node, "business_key", r->bkey, "def_key",
                               r->def_key, "due_at", (json_int_t)r->due_at, "escalated_to");
    if (!change)
        return flow_fail(t->e, FLOW_E_NOMEM, NULL, "内存不足");
    if (key[0])
        json_array_append_new(json_object_get(change, "escalated_to"), json_string(key));
    json_array_append_new(t->out, change);
    flow_event ev = {.kind = FLOW_EV_TASK_OVERDUE, .instance_id = r->instance, .def_key = r->def_key,
                     .business_key = r->bkey, .node_id = r->node, .task_id = r->id, .status = "running"};
    return emit(t->ctx, db, &ev, t->e);
}

static int timers_fn(tb_db *db, void *p)
{
    timer_run *t = p;
    json_array_clear(t->out); /* a retried transaction starts over */
    overdue_row *rows = NULL;
    int n = 0, rc = load_rows(db, t->now, &rows, &n);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = mark_one(db, t, &rows[i]);
    free(rows);
    return rc;
}

json_t *flow_timers_run(tb_db *db, int64_t now, flow_ctx *ctx, flow_error *e)
{
    memset(e, 0, sizeof *e);
    timer_run t = {.ctx = ctx, .e = e, .now = now, .out = json_array()};
    if (!t.out) {
        flow_fail(e, FLOW_E_NOMEM, NULL, "内存不足");
        return NULL;
    }
    if (flow_tx(db, timers_fn, &t, e) != FLOW_OK) {
        json_decref(t.out);
        return NULL;
    }
    return t.out;
}
