/* Workflow engine throughput, in process: a 3-user-task flow deployed once, then N instances started
 * and each run to its end (claim + complete of every task, finding each task through the actor's todo
 * list as a workbench would). Also starts N instances without running them, the figure vendors quote.
 * Runs on a temporary SQLite file, and on PostgreSQL when TB_TEST_PG names an empty database (its
 * schema `public` is dropped and recreated, as the unit tests do).
 *
 *   flow_bench [N]        (default 2000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "db/db.h"
#include "flow/flow.h"
#include "rules/rules.h"

static const char DEF[] =
    "{\"key\":\"bench3\",\"name\":\"三步审批\",\"nodes\":["
    "{\"id\":\"start\",\"type\":\"start\"},"
    "{\"id\":\"accept\",\"type\":\"user_task\",\"name\":\"受理\",\"assign\":{\"user\":1}},"
    "{\"id\":\"review\",\"type\":\"user_task\",\"name\":\"审核\",\"assign\":{\"roles\":[\"reviewer\"]}},"
    "{\"id\":\"approve\",\"type\":\"user_task\",\"name\":\"审批\",\"assign\":{\"users\":[1,2]},"
    "\"due\":{\"days\":3,\"working\":true}},"
    "{\"id\":\"end\",\"type\":\"end\"}],\"flows\":["
    "{\"id\":\"f1\",\"from\":\"start\",\"to\":\"accept\"},{\"id\":\"f2\",\"from\":\"accept\",\"to\":\"review\"},"
    "{\"id\":\"f3\",\"from\":\"review\",\"to\":\"approve\"},{\"id\":\"f4\",\"from\":\"approve\",\"to\":\"end\"}]}";

static void die(const char *what, const flow_error *e)
{
    fprintf(stderr, "flow_bench: %s: %s %s\n", what, flow_err_name(e->code), e->message);
    exit(1);
}

static int64_t first_task(tb_db *db, const flow_actor *a, const char *bkey)
{
    flow_task_filter f = {.business_key = bkey, .page_size = 1};
    flow_error e;
    json_t *r = flow_tasks_visible(db, a, &f, &e);
    if (!r)
        die("todo list", &e);
    int64_t id = json_integer_value(json_object_get(json_array_get(json_object_get(r, "items"), 0), "id"));
    json_decref(r);
    return id;
}

static void run_one(tb_db *db, flow_ctx *ctx, const flow_actor *a, int i)
{
    char bkey[32];
    snprintf(bkey, sizeof bkey, "B%d", i);
    flow_start_args s = {.key = "bench3", .business_key = bkey, .initiator = 1};
    flow_error e;
    int64_t inst;
    if (flow_start(db, ctx, &s, &inst, &e))
        die("start", &e);
    for (int step = 0; step < 3; step++) {
        int64_t t = first_task(db, a, bkey);
        if (!t) {
            fprintf(stderr, "flow_bench: no task at step %d of %s\n", step, bkey);
            exit(1);
        }
        if (flow_task_claim(db, ctx, t, a, &e) || flow_task_complete(db, ctx, t, a, "approve", "同意", NULL, 0, &e))
            die("claim/complete", &e);
    }
}

static void bench(const char *label, const char *url, int n, tb_rules *rules)
{
    char err[512];
    tb_db *db = tb_db_open(url, err, sizeof err);
    if (!db || (strncmp(url, "postgres", 8) == 0 &&
                tb_db_exec_script(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public") != 0) ||
        tb_db_migrate(db, err, sizeof err) != 0) {
        fprintf(stderr, "flow_bench: %s: %s\n", url, db ? err : err);
        exit(1);
    }
    flow_env env = {.rules = rules};
    flow_ctx *ctx = flow_ctx_new(&env);
    flow_error e;
    if (!ctx || flow_deploy(db, ctx, DEF, "bench", NULL, NULL, &e))
        die("deploy", &e);
    const char *roles[] = {"reviewer"};
    flow_actor a = {.user = 1, .department = 10, .roles = roles, .nroles = 1};
    double t0 = tb_monotonic();
    for (int i = 0; i < n; i++)
        run_one(db, ctx, &a, i);
    double run = tb_monotonic() - t0;
    t0 = tb_monotonic();
    for (int i = 0; i < n; i++) {
        flow_start_args s = {.key = "bench3", .business_key = "S", .initiator = 1};
        if (flow_start(db, ctx, &s, NULL, &e))
            die("start", &e);
    }
    double start = tb_monotonic() - t0;
    printf("%-10s %d instances run to the end (3 tasks, claim+complete each): %.2f s, %.0f instances/s, "
           "%.0f task completions/s\n",
           label, n, run, n / run, 3 * n / run);
    printf("%-10s %d instances started only: %.2f s, %.0f instances started/s\n", label, n, start, n / start);
    flow_ctx_free(ctx);
    tb_db_close(db);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "rule-worker"))
        return tb_rule_worker_main();
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    if (n <= 0)
        n = 2000;
    tb_rules *rules = tb_rules_new(NULL, 1000, 0);
    char path[128];
    snprintf(path, sizeof path, "/tmp/tb-flow-bench-%d.db", (int)getpid());
    printf("flow_bench: one thread, one connection, each operation its own transaction\n");
    bench("sqlite", path, n, rules);
    unlink(path);
    char side[160];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    const char *pg = getenv("TB_TEST_PG");
    if (pg && *pg)
        bench("postgresql", pg, n, rules);
    printf("Zeebe (published): ~1,300 instances started/s per broker — vendor benchmark, different hardware and "
           "workload (start only, not run to end)\n");
    tb_rules_free(rules);
    return 0;
}
