/* The default-rating sweep (§3-1-1-7-2): an evaluation not given within
 * evaluation_default_days natural days of being owed becomes 基本满意 on the
 * channel 系统默认评价. Runs on every node; each row changes in its own
 * transaction guarded by `level IS NULL`, so two nodes never rate one twice
 * and a citizen's rating that arrives first wins. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/evaluation/evaluation_internal.h"

typedef struct {
    tb_req *r;
    int64_t id;
} default_ctx;

static int default_tx(tb_db *db, void *arg)
{
    default_ctx *c = arg;
    int n = ev_store_set_default(db, c->id, tb_now());
    if (n != 1)
        return n < 0 ? -1 : 0; /* rated meanwhile */
    return audit_record_as(db, "system", "scheduler", "local", "evaluation.default",
                           tb_arena_printf(c->r->arena, "evaluation:%lld", (long long)c->id), "ok", "basic");
}

void ev_sweep_once(tb_req *r)
{
    int64_t *ids;
    int64_t days = tb_cfg.evaluation_default_days > 0 ? tb_cfg.evaluation_default_days : 7;
    int n = ev_store_due_defaults(r, tb_now() - days * 86400, &ids, 256);
    for (int i = 0; i < n; i++) {
        default_ctx c = {r, ids[i]};
        if (tb_db_tx(r->db, default_tx, &c) < 0)
            tb_error("evaluation sweep: %s", tb_db_errmsg(r->db));
    }
}

static void *sweep_main(void *arg)
{
    (void)arg;
    char err[512];
    tb_db *db = tb_db_open(tb_cfg.database, err, sizeof err);
    if (!db) {
        tb_error("evaluation sweep: %s", err);
        return NULL;
    }
    tb_thread thread = {.index = -1, .db = db, .arena = tb_arena_new(256 * 1024)};
    tb_req r = {.arena = thread.arena, .db = db, .thread = &thread, .subject_realm = "system"};
    strcpy(r.ip, "local");
    int period = tb_cfg.evaluation_sweep_seconds > 0 ? tb_cfg.evaluation_sweep_seconds : 10;
    while (!tb_server_stopping()) {
        ev_sweep_once(&r);
        tb_arena_reset(thread.arena);
        for (int s = 0; s < period * 5 && !tb_server_stopping(); s++)
            usleep(200000);
    }
    tb_arena_free(thread.arena);
    tb_db_close(db);
    return NULL;
}

int evaluation_sweep_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sweep_main, NULL) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
