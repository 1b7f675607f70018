/* Unit tests of the workflow engine (src/flow), on SQLite always and on PostgreSQL when TB_TEST_PG
 * names an empty database. The binary is its own rule worker for gateway conditions and checks.
 * Definitions are written with ' for JSON quotes and ~ for a JavaScript quote (see J()). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "flow/flow.h"
#include "rules/rules.h"

static char url[512];
static tb_db *db;
static flow_ctx *ctx;
static tb_rules *rules;
static json_t *events;
static int64_t fake_now;
static int hook_should_fail;

#define MONDAY_0900 1767574800 /* 2026-01-05 09:00 +08:00, a Monday */
#define DAY 86400

/* ---- the application side: directory, clock, events, hooks ---- */

static int dir_user_department(void *arg, int64_t user, int64_t *dept)
{
    if (user <= 0 || user >= 200)
        return FLOW_DIR_NOT_FOUND;
    *dept = user < 100 ? 10 : 20;
    return FLOW_DIR_OK;
}

static int dir_parent(void *arg, int64_t dept, int64_t *parent)
{
    if (dept != 10 && dept != 20)
        return FLOW_DIR_NOT_FOUND;
    *parent = 1;
    return FLOW_DIR_OK;
}

static int dir_legal(void *arg, const char *region, int64_t *dept)
{
    if (strcmp(region, "230100"))
        return FLOW_DIR_NOT_FOUND;
    *dept = 30;
    return FLOW_DIR_OK;
}

static int dir_role_users(void *arg, const char *role, int64_t *out, int max)
{
    if (strcmp(role, "reviewer"))
        return 0;
    for (int i = 0; i < 4 && i < max; i++)
        out[i] = 11 + i;
    return 4;
}

static int64_t clock_now(void) { return fake_now; }

static int on_event(void *arg, tb_db *d, const flow_event *ev)
{
    json_array_append_new(events, json_pack("{s:i,s:I,s:s,s:s,s:I}", "kind", (int)ev->kind, "instance",
                                            (json_int_t)ev->instance_id, "node", ev->node_id ? ev->node_id : "",
                                            "status", ev->status ? ev->status : "", "task", (json_int_t)ev->task_id));
    return 0;
}

static int count_events(int kind, int64_t instance, const char *status)
{
    int n = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) if (json_integer_value(json_object_get(ev, "kind")) == kind &&
                                          json_integer_value(json_object_get(ev, "instance")) == instance &&
                                          (!status || !strcmp(json_string_value(json_object_get(ev, "status")),
                                                              status))) n++;
    return n;
}

static int hook_stamp(void *arg, tb_db *d, flow_hook_call *call)
{
    if (hook_should_fail) {
        snprintf(call->message, sizeof call->message, "外部系统不可用");
        return -1;
    }
    json_object_set_new(call->variables, "stamped", json_string(json_string_value(json_object_get(call->params, "by"))));
    return 0;
}

static flow_ctx *new_ctx(tb_rules *r)
{
    flow_env env = {.rules = r,
                    .dir = {.user_department = dir_user_department, .parent_department = dir_parent,
                            .region_legal_department = dir_legal, .role_users = dir_role_users},
                    .now = clock_now,
                    .on_event = on_event};
    return flow_ctx_new(&env);
}

/* ---- helpers ---- */

static tb_db *open_db(void)
{
    char err[512];
    tb_db *d = tb_db_open(url, err, sizeof err);
    if (!d)
        fail_msg("open %s: %s", url, err);
    return d;
}

/* ' -> " and ~ -> ' so definitions read cleanly in C */
static char *J(const char *s)
{
    static char buf[8][8192];
    static int slot;
    char *out = buf[slot++ % 8];
    size_t i = 0;
    for (; s[i] && i < sizeof buf[0] - 1; i++)
        out[i] = s[i] == '\'' ? '"' : s[i] == '~' ? '\'' : s[i];
    out[i] = '\0';
    return out;
}

static int deploy(const char *def)
{
    flow_error e;
    int version = 0;
    int rc = flow_deploy(db, ctx, J(def), "tester", NULL, &version, &e);
    if (rc)
        fail_msg("deploy: %s %s (%s)", flow_err_name(e.code), e.message, e.node);
    flow_error_clear(&e);
    return version;
}

static int64_t start_as(const char *key, const char *vars, int64_t initiator, const char *region)
{
    json_t *v = vars ? json_loads(J(vars), 0, NULL) : NULL;
    flow_start_args a = {.key = key, .business_key = "BK-1", .variables = v, .initiator = initiator,
                         .region = region};
    int64_t id = 0;
    flow_error e;
    int rc = flow_start(db, ctx, &a, &id, &e);
    json_decref(v);
    if (rc)
        fail_msg("start %s: %s %s", key, flow_err_name(e.code), e.message);
    return id;
}

static int64_t start(const char *key, const char *vars) { return start_as(key, vars, 1, "230100"); }

static flow_actor U(int64_t user)
{
    return (flow_actor){.user = user, .department = user < 100 ? 10 : 20};
}

static json_t *detail(int64_t inst)
{
    flow_error e;
    json_t *d = flow_instance_detail(db, ctx, inst, &e);
    if (!d)
        fail_msg("detail: %s", e.message);
    return d;
}

static const char *status_of(int64_t inst)
{
    static char s[32];
    json_t *d = detail(inst);
    snprintf(s, sizeof s, "%s", json_string_value(json_object_get(d, "status")));
    json_decref(d);
    return s;
}

/* open tasks at a node: ids into out, returns the count */
static int open_at(int64_t inst, const char *node, int64_t *out, int max)
{
    json_t *d = detail(inst);
    size_t i;
    json_t *t;
    int n = 0;
    json_array_foreach(json_object_get(d, "tasks"), i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "state")), "open") ||
            strcmp(json_string_value(json_object_get(t, "node_id")), node))
            continue;
        if (n < max)
            out[n] = json_integer_value(json_object_get(t, "id"));
        n++;
    }
    json_decref(d);
    return n;
}

static int64_t task_at(int64_t inst, const char *node)
{
    int64_t id = 0;
    int n = open_at(inst, node, &id, 1);
    if (n != 1)
        fail_msg("expected one open task at %s, found %d", node, n);
    return id;
}

static int open_count(int64_t inst)
{
    json_t *d = detail(inst);
    int n = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "tasks"), i, t) n +=
        !strcmp(json_string_value(json_object_get(t, "state")), "open");
    json_decref(d);
    return n;
}

static int complete_as(int64_t task, const flow_actor *a, const char *decision, const char *vars)
{
    json_t *v = vars ? json_loads(J(vars), 0, NULL) : NULL;
    flow_error e;
    int rc = flow_task_complete(db, ctx, task, a, decision, "意见", v, 0, &e);
    json_decref(v);
    return rc;
}

static void complete(int64_t task, int64_t user)
{
    flow_actor a = U(user);
    flow_error e;
    int rc = flow_task_complete(db, ctx, task, &a, "approve", "同意", NULL, 0, &e);
    if (rc)
        fail_msg("complete %lld by %lld: %s %s", (long long)task, (long long)user, flow_err_name(e.code),
                 e.message);
}

static bool path_has(int64_t inst, const char *which, const char *kind, const char *id)
{
    json_t *d = detail(inst);
    json_t *arr = json_object_get(json_object_get(d, which), kind);
    bool found = false;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) found |= !strcmp(json_string_value(v), id);
    json_decref(d);
    return found;
}

static int visible_count(const flow_actor *a, const char *key)
{
    flow_task_filter f = {.def_key = key};
    flow_error e;
    json_t *r = flow_tasks_visible(db, a, &f, &e);
    if (!r)
        fail_msg("visible: %s", e.message);
    int n = (int)json_integer_value(json_object_get(r, "total"));
    json_decref(r);
    return n;
}

/* ---- fixtures ---- */

static void remove_sqlite(void)
{
    char p[600];
    unlink(url);
    snprintf(p, sizeof p, "%s-wal", url);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", url);
    unlink(p);
}

static int setup_sqlite(void **state)
{
    snprintf(url, sizeof url, "/tmp/tb-test-flow-%d.db", (int)getpid());
    return 0;
}

static int setup_pg(void **state)
{
    snprintf(url, sizeof url, "%s", getenv("TB_TEST_PG"));
    return 0;
}

/* every test gets an empty, freshly migrated database */
static int setup_test(void **state)
{
    char err[512];
    if (strncmp(url, "postgres", 8) != 0)
        remove_sqlite();
    db = open_db();
    if (strncmp(url, "postgres", 8) == 0 &&
        tb_db_exec_script(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") != 0)
        return -1;
    if (tb_db_migrate(db, err, sizeof err) != 0) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    ctx = new_ctx(rules);
    events = json_array();
    fake_now = MONDAY_0900;
    hook_should_fail = 0;
    return ctx && events ? 0 : -1;
}

static int teardown_test(void **state)
{
    flow_ctx_free(ctx);
    tb_db_close(db);
    json_decref(events);
    return 0;
}

/* ---- definitions used by several tests ---- */

static const char LINE[] =
    "{'key':'line','name':'直线','nodes':[{'id':'start','type':'start'},"
    "{'id':'a','type':'user_task','name':'受理','assign':{'user':1}},"
    "{'id':'b','type':'user_task','name':'审核','assign':{'users':[2,3]}},"
    "{'id':'c','type':'user_task','name':'审批','assign':{'roles':['leader']}},"
    "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'a'},{'id':'f2','from':'a','to':'b'},"
    "{'id':'f3','from':'b','to':'c'},{'id':'f4','from':'c','to':'end'}]}";

/* ---- tests ---- */

static void straight_line(void **state)
{
    deploy(LINE);
    int64_t inst = start("line", "{'age':30}");
    flow_actor u1 = U(1), u2 = U(2), u3 = U(3), u4 = U(4);
    assert_int_equal(visible_count(&u1, "line"), 1);
    assert_int_equal(visible_count(&u2, "line"), 0);
    complete(task_at(inst, "a"), 1);
    /* candidates 2 and 3 both see b; 4 does not */
    assert_int_equal(visible_count(&u2, "line"), 1);
    assert_int_equal(visible_count(&u3, "line"), 1);
    assert_int_equal(visible_count(&u4, "line"), 0);
    int64_t b = task_at(inst, "b");
    flow_error e;
    assert_int_equal(flow_task_claim(db, ctx, b, &u4, &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_task_claim(db, ctx, b, &u3, &e), FLOW_OK);
    assert_int_equal(visible_count(&u2, "line"), 0); /* claimed by 3 */
    assert_int_equal(flow_task_claim(db, ctx, b, &u2, &e), FLOW_E_CONFLICT);
    assert_int_equal(complete_as(b, &u2, "approve", NULL), FLOW_E_FORBIDDEN);
    complete(b, 3);
    /* role candidates */
    const char *roles[] = {"leader"};
    flow_actor leader = {.user = 50, .department = 10, .roles = roles, .nroles = 1};
    assert_int_equal(visible_count(&leader, "line"), 1);
    assert_int_equal(complete_as(task_at(inst, "c"), &leader, "approve", "{'result':'ok'}"), FLOW_OK);
    assert_string_equal(status_of(inst), "completed");
    assert_int_equal(count_events(FLOW_EV_INSTANCE_ENDED, inst, "completed"), 1);
    assert_int_equal(count_events(FLOW_EV_TASK_CREATED, inst, NULL), 3);
    json_t *d = detail(inst);
    json_t *vars = json_object_get(d, "variables");
    assert_string_equal(json_string_value(json_object_get(vars, "result")), "ok");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vars, "decisions"), "b")), "approve");
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "path"), "nodes")), 5);
    assert_int_equal(json_array_size(json_object_get(json_object_get(d, "expected"), "nodes")), 0);
    assert_true(json_array_size(json_object_get(d, "history")) >= 6); /* start, claim, 3 completes, end */
    json_decref(d);
    /* completing a finished task is a conflict, not a second completion */
    assert_int_equal(complete_as(b, &u3, "approve", NULL), FLOW_E_STATE);
}

static const char EXCL[] =
    "{'key':'excl','name':'排他','nodes':[{'id':'start','type':'start'},"
    "{'id':'accept','type':'user_task','name':'受理','assign':{'user':1}},"
    "{'id':'g1','type':'exclusive','default':'f_adult'},"
    "{'id':'guardian','type':'user_task','name':'监护人核验','assign':{'user':2}},"
    "{'id':'approve','type':'user_task','name':'审批','assign':{'user':3}},"
    "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'accept'},"
    "{'id':'f2','from':'accept','to':'g1'},"
    "{'id':'f_minor','from':'g1','to':'guardian','condition':'form.age < 16'},"
    "{'id':'f_adult','from':'g1','to':'approve'},{'id':'f4','from':'guardian','to':'approve'},"
    "{'id':'f5','from':'approve','to':'end'}]}";

static void exclusive_with_default(void **state)
{
    deploy(EXCL);
    int64_t child = start("excl", "{'age':10}");
    complete(task_at(child, "accept"), 1);
    complete(task_at(child, "guardian"), 2);
    complete(task_at(child, "approve"), 3);
    assert_string_equal(status_of(child), "completed");
    assert_true(path_has(child, "path", "flows", "f_minor"));
    int64_t adult = start("excl", "{'age':30}");
    complete(task_at(adult, "accept"), 1);
    assert_int_equal(open_count(adult), 1);
    assert_true(path_has(adult, "path", "flows", "f_adult"));
    assert_false(path_has(adult, "path", "nodes", "guardian"));
    /* a condition on a missing field throws: not taken, the default is */
    int64_t none = start("excl", NULL);
    complete(task_at(none, "accept"), 1);
    task_at(none, "approve");
}

static void parallel_fork_join(void **state)
{
    deploy("{'key':'par','name':'并行','nodes':[{'id':'start','type':'start'},{'id':'fork','type':'parallel'},"
           "{'id':'a','type':'user_task','assign':{'user':1}},{'id':'b','type':'user_task','assign':{'user':2}},"
           "{'id':'join','type':'parallel'},{'id':'c','type':'user_task','assign':{'user':3}},"
           "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'fork'},"
           "{'id':'f2','from':'fork','to':'a'},{'id':'f3','from':'fork','to':'b'},{'id':'f4','from':'a','to':'join'},"
           "{'id':'f5','from':'b','to':'join'},{'id':'f6','from':'join','to':'c'},{'id':'f7','from':'c','to':'end'}]}");
    int64_t inst = start("par", NULL);
    assert_int_equal(open_count(inst), 2);
    assert_true(path_has(inst, "expected", "nodes", "c"));
    complete(task_at(inst, "b"), 2);
    assert_int_equal(open_count(inst), 1); /* a still open, join waiting */
    complete(task_at(inst, "a"), 1);
    complete(task_at(inst, "c"), 3);
    assert_string_equal(status_of(inst), "completed");
}

static void parallel_join_after_exclusive(void **state)
{
    /* one branch is a plain task, the other an exclusive choice whose two arms both run into the join:
     * the join must wait only for the arm taken */
    deploy("{'key':'parx','name':'并行+排他','nodes':[{'id':'start','type':'start'},{'id':'fork','type':'parallel'},"
           "{'id':'a','type':'user_task','assign':{'user':1}},{'id':'x','type':'exclusive','default':'fc'},"
           "{'id':'b','type':'user_task','assign':{'user':2}},{'id':'c','type':'user_task','assign':{'user':3}},"
           "{'id':'join','type':'parallel'},{'id':'d','type':'user_task','assign':{'user':4}},"
           "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'fork'},"
           "{'id':'f2','from':'fork','to':'a'},{'id':'f3','from':'fork','to':'x'},"
           "{'id':'fb','from':'x','to':'b','condition':'form.big === true'},{'id':'fc','from':'x','to':'c'},"
           "{'id':'f4','from':'a','to':'join'},{'id':'f5','from':'b','to':'join'},{'id':'f6','from':'c','to':'join'},"
           "{'id':'f7','from':'join','to':'d'},{'id':'f8','from':'d','to':'end'}]}");
    int64_t inst = start("parx", "{'big':false}");
    assert_int_equal(open_count(inst), 2);
    complete(task_at(inst, "c"), 3);
    assert_int_equal(open_count(inst), 1);
    complete(task_at(inst, "a"), 1);
    complete(task_at(inst, "d"), 4);
    assert_string_equal(status_of(inst), "completed");
    int64_t big = start("parx", "{'big':true}");
    complete(task_at(big, "a"), 1);
    assert_int_equal(open_count(big), 1);
    complete(task_at(big, "b"), 2);
    task_at(big, "d");
}

static void inclusive_two_of_three(void **state)
{
    deploy("{'key':'incl','name':'包容','nodes':[{'id':'start','type':'start'},"
           "{'id':'split','type':'inclusive','default':'fd'},"
           "{'id':'a','type':'user_task','assign':{'user':1}},{'id':'b','type':'user_task','assign':{'user':2}},"
           "{'id':'c','type':'user_task','assign':{'user':3}},{'id':'d','type':'user_task','assign':{'user':4}},"
           "{'id':'merge','type':'inclusive'},{'id':'after','type':'user_task','assign':{'user':5}},"
           "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'split'},"
           "{'id':'fa','from':'split','to':'a','condition':'form.a > 0'},"
           "{'id':'fb','from':'split','to':'b','condition':'form.b > 0'},"
           "{'id':'fc','from':'split','to':'c','condition':'form.c > 0'},{'id':'fd','from':'split','to':'d'},"
           "{'id':'ma','from':'a','to':'merge'},{'id':'mb','from':'b','to':'merge'},"
           "{'id':'mc','from':'c','to':'merge'},{'id':'md','from':'d','to':'merge'},"
           "{'id':'f2','from':'merge','to':'after'},{'id':'f3','from':'after','to':'end'}]}");
    int64_t inst = start("incl", "{'a':1,'b':1,'c':0}");
    assert_int_equal(open_count(inst), 2);
    int64_t none = 0;
    assert_int_equal(open_at(inst, "c", &none, 1), 0);
    complete(task_at(inst, "a"), 1);
    assert_int_equal(open_count(inst), 1); /* waits for b, not for c */
    complete(task_at(inst, "b"), 2);
    complete(task_at(inst, "after"), 5);
    assert_string_equal(status_of(inst), "completed");
    int64_t dflt = start("incl", "{'a':0,'b':0,'c':0}");
    complete(task_at(dflt, "d"), 4);
    task_at(dflt, "after");
}

static void deploy_multi(const char *key, const char *multi)
{
    char def[2048];
    snprintf(def, sizeof def,
             "{'key':'%s','name':'会签','nodes':[{'id':'start','type':'start'},"
             "{'id':'sign','type':'user_task','name':'会签','multi':%s},"
             "{'id':'next','type':'user_task','assign':{'user':9}},{'id':'end','type':'end'}],'flows':["
             "{'id':'f1','from':'start','to':'sign'},{'id':'f2','from':'sign','to':'next'},"
             "{'id':'f3','from':'next','to':'end'}]}",
             key, multi);
    deploy(def);
}

static void multi_instance(void **state)
{
    int64_t ids[8];
    /* parallel, all */
    deploy_multi("m_all", "{'mode':'parallel','over':[1,2,3],'complete':'all'}");
    int64_t inst = start("m_all", NULL);
    assert_int_equal(open_at(inst, "sign", ids, 8), 3);
    complete(ids[0], 1);
    complete(ids[1], 2);
    assert_int_equal(open_at(inst, "next", ids + 4, 1), 0);
    flow_actor u3 = U(3);
    assert_int_equal(complete_as(ids[2], &u3, "reject", NULL), FLOW_OK);
    task_at(inst, "next");
    json_t *d = detail(inst);
    json_t *st = json_object_get(json_object_get(json_object_get(d, "variables"), "multi"), "sign");
    assert_int_equal(json_integer_value(json_object_get(st, "completed")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "decisions"), "approve")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(st, "decisions"), "reject")), 1);
    json_decref(d);
    /* parallel, any (或签): the others are cancelled */
    deploy_multi("m_any", "{'mode':'parallel','over':[1,2,3],'complete':'any'}");
    inst = start("m_any", NULL);
    assert_int_equal(open_at(inst, "sign", ids, 8), 3);
    complete(ids[1], 2);
    assert_int_equal(open_at(inst, "sign", ids, 8), 0);
    task_at(inst, "next");
    flow_actor u1 = U(1);
    assert_int_equal(complete_as(ids[0], &u1, "approve", NULL), FLOW_E_CONFLICT);
    /* at least 2 of the role's 4 users */
    deploy_multi("m_least", "{'mode':'parallel','over':'role:reviewer','complete':{'at_least':2}}");
    inst = start("m_least", NULL);
    assert_int_equal(open_at(inst, "sign", ids, 8), 4);
    complete(ids[0], 11);
    assert_int_equal(open_at(inst, "sign", ids, 8), 3);
    complete(ids[0], 12);
    assert_int_equal(open_at(inst, "sign", ids, 8), 0);
    task_at(inst, "next");
    /* percent: 50% of 4 */
    deploy_multi("m_pct", "{'mode':'parallel','over':[1,2,3,4],'complete':{'percent':50}}");
    inst = start("m_pct", NULL);
    assert_int_equal(open_at(inst, "sign", ids, 8), 4);
    complete(ids[3], 4);
    assert_int_equal(open_at(inst, "next", ids + 4, 1), 0);
    complete(ids[2], 3);
    assert_int_equal(open_at(inst, "sign", ids, 8), 0);
    task_at(inst, "next");
    /* sequential, all: one after the other in list order */
    deploy_multi("m_seq", "{'mode':'sequential','over':[5,6,7]}");
    inst = start("m_seq", NULL);
    for (int64_t u = 5; u <= 7; u++) {
        assert_int_equal(open_at(inst, "sign", ids, 8), 1);
        flow_actor other = U(u == 7 ? 5 : u + 1), me = U(u);
        assert_int_equal(complete_as(ids[0], &other, "approve", NULL), FLOW_E_FORBIDDEN);
        assert_int_equal(complete_as(ids[0], &me, "approve", NULL), FLOW_OK);
    }
    task_at(inst, "next");
    /* sequential from a variable, any */
    deploy_multi("m_seqvar", "{'mode':'sequential','over':'var:signers','complete':'any'}");
    inst = start("m_seqvar", "{'signers':[8,9]}");
    assert_int_equal(open_at(inst, "sign", ids, 8), 1);
    complete(ids[0], 8);
    task_at(inst, "next");
}

static void sub_process(void **state)
{
    deploy("{'key':'child','name':'子流程','nodes':[{'id':'start','type':'start'},"
           "{'id':'check','type':'user_task','assign':{'user':7}},{'id':'end','type':'end'}],"
           "'flows':[{'id':'f1','from':'start','to':'check'},{'id':'f2','from':'check','to':'end'}]}");
    deploy("{'key':'parent','name':'父流程','nodes':[{'id':'start','type':'start'},"
           "{'id':'sub','type':'sub_process','name':'核查','process':'child'},"
           "{'id':'after','type':'user_task','assign':{'user':1}},{'id':'end','type':'end'}],"
           "'flows':[{'id':'f1','from':'start','to':'sub'},{'id':'f2','from':'sub','to':'after'},"
           "{'id':'f3','from':'after','to':'end'}]}");
    int64_t inst = start("parent", "{'x':1}");
    json_t *d = detail(inst);
    json_t *kids = json_object_get(d, "children");
    assert_int_equal(json_array_size(kids), 1);
    int64_t child = json_integer_value(json_object_get(json_array_get(kids, 0), "id"));
    json_decref(d);
    assert_int_equal(open_count(inst), 0);
    flow_actor u7 = U(7);
    assert_int_equal(complete_as(task_at(child, "check"), &u7, "approve", "{'checked':true}"), FLOW_OK);
    assert_string_equal(status_of(child), "completed");
    d = detail(inst);
    assert_true(json_is_true(json_object_get(json_object_get(d, "variables"), "checked")));
    json_decref(d);
    complete(task_at(inst, "after"), 1);
    assert_string_equal(status_of(inst), "completed");
    /* suspend and cancel reach the child */
    int64_t two = start("parent", NULL);
    d = detail(two);
    child = json_integer_value(json_object_get(json_array_get(json_object_get(d, "children"), 0), "id"));
    json_decref(d);
    flow_actor admin = {.user = 99, .admin = true};
    flow_error e;
    assert_int_equal(flow_instance_suspend(db, ctx, two, &admin, "核查暂停", &e), FLOW_OK);
    assert_string_equal(status_of(child), "suspended");
    assert_int_equal(flow_instance_resume(db, ctx, two, &admin, NULL, &e), FLOW_OK);
    assert_string_equal(status_of(child), "running");
    assert_int_equal(flow_instance_cancel(db, ctx, child, &admin, NULL, &e), FLOW_E_STATE);
    assert_int_equal(flow_instance_cancel(db, ctx, two, &admin, "撤销", &e), FLOW_OK);
    assert_string_equal(status_of(child), "cancelled");
    assert_string_equal(status_of(two), "cancelled");
}

static const char AUTO[] =
    "{'key':'auto','name':'自动','nodes':[{'id':'start','type':'start'},"
    "{'id':'notify','type':'auto_task','action':'message','message':{'template':'received','to':'applicant'}},"
    "{'id':'adult','type':'auto_task','action':'check','expr':'form.age >= 18','on_fail':'f_young'},"
    "{'id':'stamp','type':'auto_task','action':'hook','hook':'test.stamp','params':{'by':'system'}},"
    "{'id':'verify','type':'auto_task','action':'check','expr':'form.id_ok === true'},"
    "{'id':'ok','type':'user_task','assign':{'user':1}},{'id':'young','type':'user_task','assign':{'user':2}},"
    "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'notify'},"
    "{'id':'f2','from':'notify','to':'adult'},{'id':'f3','from':'adult','to':'stamp'},"
    "{'id':'f_young','from':'adult','to':'young'},{'id':'f4','from':'stamp','to':'verify'},"
    "{'id':'f5','from':'verify','to':'ok'},{'id':'f6','from':'ok','to':'end'},{'id':'f7','from':'young','to':'end'}]}";

static void auto_tasks(void **state)
{
    deploy(AUTO);
    /* message + check pass + hook + check pass */
    int64_t inst = start("auto", "{'age':30,'id_ok':true}");
    assert_int_equal(count_events(FLOW_EV_MESSAGE, inst, NULL), 1);
    task_at(inst, "ok");
    json_t *d = detail(inst);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "variables"), "stamped")), "system");
    json_decref(d);
    /* check fails with a route */
    int64_t young = start("auto", "{'age':12,'id_ok':true}");
    task_at(young, "young");
    assert_false(path_has(young, "path", "nodes", "stamp"));
    /* check fails without a route: incident */
    int64_t bad = start("auto", "{'age':30,'id_ok':false}");
    assert_string_equal(status_of(bad), "failed");
    assert_int_equal(count_events(FLOW_EV_INSTANCE_FAILED, bad, NULL), 1);
    d = detail(bad);
    assert_non_null(strstr(json_string_value(json_object_get(d, "incident")), "form.id_ok"));
    json_decref(d);
    /* a failing hook also raises an incident; retried once the outside system is back */
    hook_should_fail = 1;
    int64_t hooked = start("auto", "{'age':30,'id_ok':true}");
    assert_string_equal(status_of(hooked), "failed");
    d = detail(hooked);
    assert_string_equal(json_string_value(json_object_get(d, "incident")), "外部系统不可用");
    json_decref(d);
    hook_should_fail = 0;
    flow_actor admin = {.user = 99, .admin = true}, u1 = U(1);
    flow_error e;
    assert_int_equal(flow_instance_retry(db, ctx, hooked, &u1, &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_instance_retry(db, ctx, hooked, &admin, &e), FLOW_OK);
    assert_string_equal(status_of(hooked), "running");
    complete(task_at(hooked, "ok"), 1);
    assert_string_equal(status_of(hooked), "completed");
}

static void return_to_earlier(void **state)
{
    deploy(LINE);
    int64_t inst = start("line", NULL);
    complete(task_at(inst, "a"), 1);
    complete(task_at(inst, "b"), 2);
    const char *roles[] = {"leader"};
    flow_actor leader = {.user = 50, .department = 10, .roles = roles, .nroles = 1};
    int64_t c = task_at(inst, "c");
    flow_error e;
    assert_int_equal(flow_task_return(db, ctx, c, &leader, "c", "x", &e), FLOW_E_STATE); /* c never completed */
    assert_int_equal(flow_task_return(db, ctx, c, &leader, "nope", "x", &e), FLOW_E_NOT_FOUND);
    assert_int_equal(flow_task_return(db, ctx, c, &leader, "a", "材料不全，请补正", &e), FLOW_OK);
    assert_int_equal(open_count(inst), 1);
    int64_t a = task_at(inst, "a");
    json_t *t = flow_task_detail(db, a, &e);
    assert_int_equal(json_integer_value(json_object_get(t, "assignee")), 1); /* its previous assignee */
    json_decref(t);
    complete(a, 1);
    complete(task_at(inst, "b"), 3);
    assert_int_equal(complete_as(task_at(inst, "c"), &leader, "approve", NULL), FLOW_OK);
    assert_string_equal(status_of(inst), "completed");
    json_t *d = detail(inst);
    size_t i;
    json_t *h;
    int returns = 0;
    json_array_foreach(json_object_get(d, "history"), i, h) returns +=
        !strcmp(json_string_value(json_object_get(h, "action")), "return");
    assert_int_equal(returns, 1);
    json_decref(d);
}

static void withdraw(void **state)
{
    deploy(LINE);
    int64_t inst = start("line", "{'n':1}");
    int64_t a = task_at(inst, "a");
    flow_actor u1 = U(1), u2 = U(2);
    assert_int_equal(complete_as(a, &u1, "approve", "{'n':2}"), FLOW_OK);
    flow_error e;
    assert_int_equal(flow_task_withdraw(db, ctx, a, &u2, NULL, &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_task_withdraw(db, ctx, a, &u1, "撤回修改", &e), FLOW_OK);
    assert_int_equal(open_count(inst), 1);
    int64_t again = task_at(inst, "a");
    assert_true(again != a);
    json_t *d = detail(inst);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "variables"), "n")), 1); /* restored */
    assert_false(path_has(inst, "path", "nodes", "b"));
    json_decref(d);
    /* refused once the next task was claimed */
    complete(again, 1);
    int64_t b = task_at(inst, "b");
    assert_int_equal(flow_task_claim(db, ctx, b, &u2, &e), FLOW_OK);
    assert_int_equal(flow_task_withdraw(db, ctx, again, &u1, NULL, &e), FLOW_E_STATE);
    /* and once the next one acted */
    complete(b, 2);
    assert_int_equal(flow_task_withdraw(db, ctx, again, &u1, NULL, &e), FLOW_E_STATE);
}

static void transfer_and_delegate(void **state)
{
    deploy(LINE);
    int64_t inst = start("line", NULL);
    int64_t a = task_at(inst, "a");
    flow_actor u1 = U(1), u2 = U(2), u5 = U(5);
    flow_error e;
    assert_int_equal(flow_task_transfer(db, ctx, a, &u2, 5, NULL, &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_task_transfer(db, ctx, a, &u1, 5, "转办", &e), FLOW_OK);
    assert_int_equal(complete_as(a, &u1, "approve", NULL), FLOW_E_FORBIDDEN);
    assert_int_equal(visible_count(&u5, "line"), 1);
    /* 5 delegates to 2: 2 works on it, then it comes back to 5 */
    assert_int_equal(flow_task_delegate(db, ctx, a, &u5, 2, "请协助", &e), FLOW_OK);
    assert_int_equal(visible_count(&u5, "line"), 0);
    assert_int_equal(complete_as(a, &u2, "approve", NULL), FLOW_OK);
    assert_int_equal(open_count(inst), 1);
    json_t *t = flow_task_detail(db, a, &e);
    assert_string_equal(json_string_value(json_object_get(t, "state")), "open");
    assert_int_equal(json_integer_value(json_object_get(t, "assignee")), 5);
    assert_true(json_is_null(json_object_get(t, "owner")));
    json_decref(t);
    complete(a, 5);
    task_at(inst, "b");
}

static const char DUE[] =
    "{'key':'due','name':'期限','nodes':[{'id':'start','type':'start'},"
    "{'id':'a','type':'user_task','assign':{'user':1},"
    "'due':{'days':2,'working':true,'escalate_to':{'role':'supervisor'}}},"
    "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'a'},{'id':'f2','from':'a','to':'end'}]}";

static int64_t due_of(int64_t task)
{
    flow_error e;
    json_t *t = flow_task_detail(db, task, &e);
    int64_t due = json_integer_value(json_object_get(t, "due_at"));
    json_decref(t);
    return due;
}

static void suspend_resume(void **state)
{
    deploy(DUE);
    int64_t inst = start("due", NULL);
    int64_t a = task_at(inst, "a");
    assert_int_equal(due_of(a), MONDAY_0900 + 2 * DAY); /* Wednesday */
    flow_actor u1 = U(1), u7 = U(7);
    flow_error e;
    assert_int_equal(flow_instance_suspend(db, ctx, inst, &u7, "无关人员", &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_instance_suspend(db, ctx, inst, &u1, "等待补充材料", &e), FLOW_OK);
    assert_int_equal(complete_as(a, &u1, "approve", NULL), FLOW_E_STATE);
    assert_int_equal(flow_task_claim(db, ctx, a, &u1, &e), FLOW_E_STATE);
    /* timers are frozen while suspended */
    fake_now += 5 * DAY;
    json_t *changes = flow_timers_run(db, fake_now, ctx, &e);
    assert_int_equal(json_array_size(changes), 0);
    json_decref(changes);
    assert_int_equal(flow_instance_resume(db, ctx, inst, &u1, "材料已补充", &e), FLOW_OK);
    assert_int_equal(due_of(a), MONDAY_0900 + 7 * DAY); /* shifted by the 5 days suspended */
    json_t *d = detail(inst);
    assert_int_equal(json_integer_value(json_object_get(d, "suspended_seconds")), 5 * DAY);
    json_decref(d);
    assert_int_equal(complete_as(a, &u1, "approve", NULL), FLOW_OK);
    assert_string_equal(status_of(inst), "completed");
}

static void timers_overdue_escalation(void **state)
{
    deploy(DUE);
    fake_now = MONDAY_0900 + 4 * DAY; /* Friday */
    int64_t inst = start("due", NULL);
    int64_t a = task_at(inst, "a");
    assert_int_equal(due_of(a), MONDAY_0900 + 8 * DAY); /* Tuesday: the weekend does not count */
    const char *roles[] = {"supervisor"};
    flow_actor sup = {.user = 80, .department = 10, .roles = roles, .nroles = 1};
    flow_error e;
    assert_int_equal(visible_count(&sup, "due"), 0);
    json_t *changes = flow_timers_run(db, MONDAY_0900 + 7 * DAY, ctx, &e); /* Monday: not yet */
    assert_int_equal(json_array_size(changes), 0);
    json_decref(changes);
    fake_now = MONDAY_0900 + 8 * DAY + 1;
    changes = flow_timers_run(db, fake_now, ctx, &e);
    assert_non_null(changes);
    assert_int_equal(json_array_size(changes), 1);
    json_t *c = json_array_get(changes, 0);
    assert_int_equal(json_integer_value(json_object_get(c, "task_id")), a);
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "escalated_to"), 0)), "r:supervisor");
    json_decref(changes);
    assert_int_equal(count_events(FLOW_EV_TASK_OVERDUE, inst, NULL), 1);
    json_t *t = flow_task_detail(db, a, &e);
    assert_true(json_is_true(json_object_get(t, "overdue")));
    json_decref(t);
    /* the supervisor now sees and may act on the assigned task */
    assert_int_equal(visible_count(&sup, "due"), 1);
    changes = flow_timers_run(db, fake_now + DAY, ctx, &e); /* marked once */
    assert_int_equal(json_array_size(changes), 0);
    json_decref(changes);
    /* a new due date clears the mark */
    flow_actor u1 = U(1), admin = {.user = 99, .admin = true};
    assert_int_equal(flow_task_set_due(db, ctx, a, &u1, fake_now + 3 * DAY, &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_task_set_due(db, ctx, a, &admin, fake_now + 3 * DAY, &e), FLOW_OK);
    assert_int_equal(due_of(a), fake_now + 3 * DAY);
    assert_int_equal(complete_as(a, &sup, "approve", NULL), FLOW_OK);
}

static void assignment_relative(void **state)
{
    deploy("{'key':'rel','name':'相对','nodes':[{'id':'start','type':'start'},"
           "{'id':'own','type':'user_task','assign':{'relative':'initiator_department'}},"
           "{'id':'up','type':'user_task','assign':{'relative':'initiator_department_parent'}},"
           "{'id':'lead','type':'user_task','assign':{'roles':['leader'],'relative':'initiator_department'}},"
           "{'id':'legal','type':'user_task','assign':{'relative':'region_legal_department'}},"
           "{'id':'end','type':'end'}],'flows':[{'id':'f1','from':'start','to':'own'},"
           "{'id':'f2','from':'own','to':'up'},{'id':'f3','from':'up','to':'lead'},"
           "{'id':'f4','from':'lead','to':'legal'},{'id':'f5','from':'legal','to':'end'}]}");
    int64_t inst = start_as("rel", NULL, 150, "230100"); /* initiator in department 20 */
    flow_actor in10 = {.user = 5, .department = 10}, in20 = {.user = 105, .department = 20};
    flow_actor in1 = {.user = 6, .department = 1}, in30 = {.user = 7, .department = 30};
    assert_int_equal(visible_count(&in10, "rel"), 0);
    assert_int_equal(visible_count(&in20, "rel"), 1);
    assert_int_equal(complete_as(task_at(inst, "own"), &in20, "approve", NULL), FLOW_OK);
    assert_int_equal(complete_as(task_at(inst, "up"), &in1, "approve", NULL), FLOW_OK);
    const char *roles[] = {"leader"};
    flow_actor lead10 = {.user = 8, .department = 10, .roles = roles, .nroles = 1};
    flow_actor lead20 = {.user = 108, .department = 20, .roles = roles, .nroles = 1};
    assert_int_equal(visible_count(&lead10, "rel"), 0); /* a leader, but of another department */
    assert_int_equal(complete_as(task_at(inst, "lead"), &lead20, "approve", NULL), FLOW_OK);
    assert_int_equal(complete_as(task_at(inst, "legal"), &in30, "approve", NULL), FLOW_OK);
    assert_string_equal(status_of(inst), "completed");
    /* a region without a legal department: the transition fails as a whole, nothing half-done */
    inst = start_as("rel", NULL, 150, "999999");
    int64_t own = task_at(inst, "own");
    assert_int_equal(complete_as(own, &in20, "approve", NULL), FLOW_OK);
    assert_int_equal(complete_as(task_at(inst, "up"), &in1, "approve", NULL), FLOW_OK);
    assert_int_equal(complete_as(task_at(inst, "lead"), &lead20, "approve", NULL), FLOW_E_ASSIGN);
    task_at(inst, "lead"); /* still there, still open */
    /* an initiator the directory does not know cannot get an initiator-relative task */
    json_t *none = NULL;
    flow_start_args s = {.key = "rel", .initiator = 500, .variables = none};
    flow_error e;
    int64_t id = 0;
    assert_int_equal(flow_start(db, ctx, &s, &id, &e), FLOW_E_ASSIGN);
}

static void cancel_and_versions(void **state)
{
    assert_int_equal(deploy(LINE), 1);
    assert_int_equal(deploy(LINE), 1); /* the same body is the same version */
    int64_t v1 = start("line", NULL);
    char changed[sizeof LINE + 16];
    snprintf(changed, sizeof changed, "%s", LINE);
    memcpy(strstr(changed, "直线"), "直达", strlen("直达"));
    assert_int_equal(deploy(changed), 2);
    int64_t v2 = start("line", NULL);
    json_t *d1 = detail(v1), *d2 = detail(v2);
    assert_int_equal(json_integer_value(json_object_get(d1, "def_version")), 1);
    assert_int_equal(json_integer_value(json_object_get(d2, "def_version")), 2);
    json_decref(d1);
    json_decref(d2);
    flow_error e;
    json_t *list = flow_def_list(db, "line", &e);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    json_t *def = flow_def_get(db, "line", 1, &e);
    assert_string_equal(json_string_value(json_object_get(json_object_get(def, "definition"), "name")), "直线");
    json_decref(def);
    /* cancel */
    flow_actor u1 = U(1), u9 = U(9);
    assert_int_equal(flow_instance_cancel(db, ctx, v1, &u9, NULL, &e), FLOW_E_FORBIDDEN);
    assert_int_equal(flow_instance_cancel(db, ctx, v1, &u1, "申请人撤件", &e), FLOW_OK); /* the initiator */
    assert_string_equal(status_of(v1), "cancelled");
    assert_int_equal(open_count(v1), 0);
    assert_int_equal(count_events(FLOW_EV_INSTANCE_ENDED, v1, "cancelled"), 1);
    assert_int_equal(flow_instance_cancel(db, ctx, v1, &u1, NULL, &e), FLOW_E_STATE);
    assert_int_equal(flow_instance_by_business_key(db, "BK-1"), v2);
    /* optimistic version: a stale expectation is a conflict */
    json_t *d = detail(v2);
    int64_t version = json_integer_value(json_object_get(d, "version"));
    json_decref(d);
    int64_t a = task_at(v2, "a");
    assert_int_equal(flow_task_complete(db, ctx, a, &u1, "approve", NULL, NULL, version + 1, &e), FLOW_E_CONFLICT);
    assert_int_equal(flow_task_complete(db, ctx, a, &u1, "approve", NULL, NULL, version, &e), FLOW_OK);
}

/* ---- validation ---- */

static void expect_invalid(const char *def, const char *code)
{
    flow_error e;
    int rc = flow_deploy(db, ctx, J(def), "tester", NULL, NULL, &e);
    assert_int_equal(rc, FLOW_E_INVALID);
    bool found = false;
    size_t i;
    json_t *p;
    json_array_foreach(e.details, i, p) found |= !strcmp(json_string_value(json_object_get(p, "code")), code);
    if (!found)
        fail_msg("expected %s in %s", code, json_dumps(e.details, JSON_COMPACT));
    assert_true(e.message[0] != '\0');
    flow_error_clear(&e);
}

#define HEAD "{'key':'bad','name':'错误','nodes':[{'id':'start','type':'start'},"
#define TASK(id) "{'id':'" id "','type':'user_task','assign':{'user':1}},"
#define END "{'id':'end','type':'end'}],"
#define F(id, a, b) "{'id':'" id "','from':'" a "','to':'" b "'}"

static void validation_malformed(void **state)
{
    flow_error e;
    assert_int_equal(flow_deploy(db, ctx, "{not json", "t", NULL, NULL, &e), FLOW_E_INVALID);
    flow_error_clear(&e);
}

static void validation_cases(void **state)
{
    expect_invalid(HEAD "{'id':'s2','type':'start'}," TASK("a") END "'flows':[" F("f1", "start", "a") ","
                   F("f0", "s2", "a") "," F("f2", "a", "end") "]}", "START_COUNT");
    expect_invalid(HEAD TASK("a") "{'id':'x','type':'user_task','assign':{'user':1}}],'flows':["
                   F("f1", "start", "a") "," F("f2", "a", "x") "]}", "NO_END");
    expect_invalid(HEAD TASK("a") END "'flows':[" F("f1", "start", "a") "," F("f2", "a", "ghost") "]}",
                   "UNKNOWN_REFERENCE");
    expect_invalid(HEAD TASK("a") TASK("lost") END "'flows':[" F("f1", "start", "a") "," F("f2", "a", "end") ","
                   F("f3", "lost", "end") "]}", "UNREACHABLE");
    expect_invalid(HEAD "{'id':'g','type':'exclusive','default':'f2'}," TASK("a") TASK("loop") END "'flows':["
                   F("f1", "start", "g") "," F("f2", "g", "a") ",{'id':'f3','from':'g','to':'loop','condition':"
                   "'form.x'}," F("f4", "a", "end") "," F("f5", "loop", "loop") "]}", "DEAD_END");
    expect_invalid(HEAD "{'id':'g','type':'exclusive'}," TASK("a") TASK("b") END "'flows':[" F("f1", "start", "g")
                   ",{'id':'f2','from':'g','to':'a','condition':'form.x > 1'},{'id':'f3','from':'g','to':'b',"
                   "'condition':'form.x <= 1'}," F("f4", "a", "end") "," F("f5", "b", "end") "]}", "NO_DEFAULT");
    expect_invalid(HEAD "{'id':'g','type':'inclusive'}," TASK("a") TASK("b") END "'flows':[" F("f1", "start", "g")
                   ",{'id':'f2','from':'g','to':'a','condition':'form.x > 1'},{'id':'f3','from':'g','to':'b',"
                   "'condition':'form.y'}," F("f4", "a", "end") "," F("f5", "b", "end") "]}", "NO_DEFAULT");
    expect_invalid(HEAD "{'id':'p','type':'parallel'}," TASK("a") TASK("b") END "'flows':[" F("f1", "start", "p")
                   "," F("f2", "p", "a") "," F("f3", "p", "b") "," F("f4", "a", "end") "," F("f5", "b", "end") "]}",
                   "NO_JOIN");
    expect_invalid(HEAD "{'id':'a','type':'user_task'}," END "'flows':[" F("f1", "start", "a") "," F("f2", "a", "end")
                   "]}", "NO_ASSIGN");
    expect_invalid(HEAD "{'id':'a','type':'user_task','assign':{'user':-3}}," END "'flows':[" F("f1", "start", "a")
                   "," F("f2", "a", "end") "]}", "BAD_ASSIGN");
    expect_invalid(HEAD "{'id':'g','type':'exclusive','default':'f3'}," TASK("a") TASK("b") END "'flows':["
                   F("f1", "start", "g") ",{'id':'f2','from':'g','to':'a','condition':'form.age < (16'},"
                   F("f3", "g", "b") "," F("f4", "a", "end") "," F("f5", "b", "end") "]}", "BAD_CONDITION");
    expect_invalid(HEAD "{'id':'s','type':'sub_process','process':'no_such_flow'}," END "'flows':["
                   F("f1", "start", "s") "," F("f2", "s", "end") "]}", "UNKNOWN_PROCESS");
    expect_invalid(HEAD "{'id':'m','type':'user_task','multi':{'mode':'parallel','over':[1,2,3],"
                   "'complete':{'at_least':5}}}," END "'flows':[" F("f1", "start", "m") "," F("f2", "m", "end") "]}",
                   "BAD_MULTI");
    expect_invalid(HEAD "{'id':'m','type':'user_task','multi':{'mode':'parallel','over':'role:x',"
                   "'complete':{'percent':0}}}," END "'flows':[" F("f1", "start", "m") "," F("f2", "m", "end") "]}",
                   "BAD_MULTI");
    expect_invalid(HEAD "{'id':'h','type':'auto_task','action':'hook','hook':'nobody.registered'}," END "'flows':["
                   F("f1", "start", "h") "," F("f2", "h", "end") "]}", "UNKNOWN_HOOK");
    expect_invalid(HEAD "{'id':'a','type':'user_task','assign':{'user':1},'due':{'hours':4,'working':true}}," END
                   "'flows':[" F("f1", "start", "a") "," F("f2", "a", "end") "]}", "BAD_DUE");
    expect_invalid(HEAD "{'id':'a','type':'teleport'}," END "'flows':[" F("f1", "start", "a") "," F("f2", "a", "end")
                   "]}", "BAD_NODE_TYPE");
    /* the problem names the node */
    flow_error e;
    flow_deploy(db, ctx, J(HEAD "{'id':'a','type':'user_task'}," END "'flows':[" F("f1", "start", "a") ","
                           F("f2", "a", "end") "]}"), "t", NULL, NULL, &e);
    assert_string_equal(e.node, "a");
    flow_error_clear(&e);
    /* nothing invalid was stored */
    json_t *list = flow_def_list(db, "bad", &e);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

/* The example in src/flow/README.md deploys and runs: the documentation stays true. */
static void readme_example(void **state)
{
    char path[1024], *text = NULL;
    snprintf(path, sizeof path, "%s/src/flow/README.md", TB_SOURCE_ROOT);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    text = calloc(1, cap + 1);
    assert_non_null(text);
    n = fread(text, 1, cap, f);
    fclose(f);
    text[n] = '\0';
    char *from = strstr(text, "```json\n"), *to = from ? strstr(from + 8, "```") : NULL;
    assert_non_null(to);
    *to = '\0';
    flow_error e;
    int version = 0;
    int rc = flow_deploy(db, ctx, from + 8, "readme", NULL, &version, &e);
    if (rc)
        fail_msg("README example: %s %s", e.message, e.details ? json_dumps(e.details, JSON_COMPACT) : "");
    free(text);
    int64_t inst = start_as("passport_approval", "{'age':10}", 5, "230100");
    const char *roles[] = {"acceptor"};
    flow_actor acc = {.user = 6, .department = 10, .roles = roles, .nroles = 1};
    assert_int_equal(complete_as(task_at(inst, "accept"), &acc, "approve", NULL), FLOW_OK);
    complete(task_at(inst, "guardian"), 12);
    int64_t ids[8];
    assert_int_equal(open_at(inst, "sign", ids, 8), 4); /* the hook passed, 会签 by the 4 reviewers */
    assert_int_equal(count_events(FLOW_EV_MESSAGE, inst, NULL), 1);
}

/* Candidate keys match exactly: LIKE wildcards in role names are data. */
static void candidate_keys_exact(void **state)
{
    deploy("{'key':'keys','name':'键','nodes':[{'id':'start','type':'start'},"
           "{'id':'a','type':'user_task','assign':{'roles':['dept_head%']}},{'id':'end','type':'end'}],"
           "'flows':[{'id':'f1','from':'start','to':'a'},{'id':'f2','from':'a','to':'end'}]}");
    start("keys", NULL);
    const char *near[] = {"deptXheadYZ"}, *exact[] = {"dept_head%"}, *sneaky[] = {"x|r:dept_head%"};
    flow_actor a = {.user = 40, .roles = near, .nroles = 1}, b = {.user = 41, .roles = exact, .nroles = 1},
               c = {.user = 42, .roles = sneaky, .nroles = 1};
    assert_int_equal(visible_count(&a, "keys"), 0);
    assert_int_equal(visible_count(&b, "keys"), 1);
    assert_int_equal(visible_count(&c, "keys"), 0);
}

/* ---- concurrency ---- */

#define RACES 10

typedef struct {
    int64_t task;
    int rc;
    pthread_barrier_t *bar;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    tb_db *d = open_db();
    flow_ctx *c = new_ctx(NULL);
    flow_actor a = {.user = 1, .department = 10};
    flow_error e;
    pthread_barrier_wait(r->bar);
    r->rc = flow_task_complete(d, c, r->task, &a, "approve", NULL, NULL, 0, &e);
    flow_ctx_free(c);
    tb_db_close(d);
    return NULL;
}

static void concurrent_completion(void **state)
{
    deploy(LINE);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    for (int i = 0; i < RACES; i++) {
        int64_t inst = start("line", NULL);
        racer r[2] = {{task_at(inst, "a"), -99, &bar}, {task_at(inst, "a"), -99, &bar}};
        pthread_t t[2];
        for (int k = 0; k < 2; k++)
            pthread_create(&t[k], NULL, race, &r[k]);
        for (int k = 0; k < 2; k++)
            pthread_join(t[k], NULL);
        int ok = (r[0].rc == FLOW_OK) + (r[1].rc == FLOW_OK);
        int conflict = (r[0].rc == FLOW_E_CONFLICT) + (r[1].rc == FLOW_E_CONFLICT);
        if (ok != 1 || conflict != 1)
            fail_msg("race %d: results %d and %d", i, r[0].rc, r[1].rc);
        int64_t ids[4];
        assert_int_equal(open_at(inst, "b", ids, 4), 1); /* exactly one next task */
    }
    pthread_barrier_destroy(&bar);
}

#define FLOW_TESTS                                                                                              \
    cmocka_unit_test_setup_teardown(straight_line, setup_test, teardown_test),                                  \
        cmocka_unit_test_setup_teardown(exclusive_with_default, setup_test, teardown_test),                     \
        cmocka_unit_test_setup_teardown(parallel_fork_join, setup_test, teardown_test),                         \
        cmocka_unit_test_setup_teardown(parallel_join_after_exclusive, setup_test, teardown_test),              \
        cmocka_unit_test_setup_teardown(inclusive_two_of_three, setup_test, teardown_test),                     \
        cmocka_unit_test_setup_teardown(multi_instance, setup_test, teardown_test),                             \
        cmocka_unit_test_setup_teardown(sub_process, setup_test, teardown_test),                                \
        cmocka_unit_test_setup_teardown(auto_tasks, setup_test, teardown_test),                                 \
        cmocka_unit_test_setup_teardown(return_to_earlier, setup_test, teardown_test),                          \
        cmocka_unit_test_setup_teardown(withdraw, setup_test, teardown_test),                                   \
        cmocka_unit_test_setup_teardown(transfer_and_delegate, setup_test, teardown_test),                      \
        cmocka_unit_test_setup_teardown(suspend_resume, setup_test, teardown_test),                             \
        cmocka_unit_test_setup_teardown(timers_overdue_escalation, setup_test, teardown_test),                  \
        cmocka_unit_test_setup_teardown(assignment_relative, setup_test, teardown_test),                        \
        cmocka_unit_test_setup_teardown(cancel_and_versions, setup_test, teardown_test),                        \
        cmocka_unit_test_setup_teardown(validation_malformed, setup_test, teardown_test),                       \
        cmocka_unit_test_setup_teardown(validation_cases, setup_test, teardown_test),                           \
        cmocka_unit_test_setup_teardown(readme_example, setup_test, teardown_test),                             \
        cmocka_unit_test_setup_teardown(candidate_keys_exact, setup_test, teardown_test),                       \
        cmocka_unit_test_setup_teardown(concurrent_completion, setup_test, teardown_test)

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "rule-worker"))
        return tb_rule_worker_main();
    rules = tb_rules_new(NULL, 1000, 0);
    if (!rules || flow_hook_register("test.stamp", hook_stamp, NULL) != 0 ||
        flow_hook_register("cases.check_record", hook_stamp, NULL) != 0)
        return 1;
    const struct CMUnitTest tests[] = {FLOW_TESTS};
    int failed = cmocka_run_group_tests_name("flow sqlite", tests, setup_sqlite, NULL);
    remove_sqlite();
    if (getenv("TB_TEST_PG") && *getenv("TB_TEST_PG"))
        failed += cmocka_run_group_tests_name("flow postgresql", tests, setup_pg, NULL);
    tb_rules_free(rules);
    return failed;
}
