/* One loop for every background job of the modules (see background.h). */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "mod/background.h"
#include "rules/rules.h"

static void *job_main(void *arg)
{
    const tb_background *job = arg;
    char err[512];
    tb_db *db = tb_db_open(tb_cfg.database, err, sizeof err);
    if (!db) {
        tb_error("%s: %s", job->name, err);
        return NULL;
    }
    tb_thread thread = {.index = -1, .db = db, .arena = tb_arena_new(256 * 1024)};
    if (job->rules)
        thread.rules = tb_rules_new(NULL, (unsigned)tb_cfg.rule_timeout_ms, 32u << 20);
    tb_req r = {.arena = thread.arena, .db = db, .thread = &thread, .subject_realm = "system"};
    strcpy(r.ip, "local");
    void *state = job->init ? job->init(&r) : NULL;
    int period = job->period_ms > 0 ? job->period_ms : 60000;
    while (!tb_server_stopping()) {
        job->tick(&r, state);
        tb_arena_reset(thread.arena);
        /* sleep in short steps so a stopping server is not kept waiting */
        for (int slept = 0; slept < period && !tb_server_stopping(); slept += 200)
            usleep((useconds_t)(period - slept < 200 ? period - slept : 200) * 1000);
    }
    if (thread.rules)
        tb_rules_free(thread.rules);
    tb_arena_free(thread.arena);
    tb_db_close(db);
    return NULL;
}

int tb_background_start(const tb_background *job)
{
    pthread_t t;
    if (pthread_create(&t, NULL, job_main, (void *)job) != 0)
        return -1;
    pthread_detach(t);
    return 0;
}
