/* The default-rating sweep (§3-1-1-7-2): an evaluation not given within
 * evaluation_default_days natural days of being owed becomes 基本满意 on the
 * channel 系统默认评价. Runs on every node; each row changes in its own
 * transaction guarded by `level IS NULL`, so two nodes never rate one twice
 * and a citizen's rating that arrives first wins. */
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/background.h"
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

static void tick(tb_req *r, void *state)
{
    (void)state;
    ev_sweep_once(r);
}

int evaluation_sweep_start(void)
{
    static tb_background job = {.name = "evaluation sweep", .tick = tick};
    job.period_ms = (tb_cfg.evaluation_sweep_seconds > 0 ? tb_cfg.evaluation_sweep_seconds : 10) * 1000;
    return tb_background_start(&job);
}
