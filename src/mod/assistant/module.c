/* Registration, start-up and the seed of the assistant module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/acmatch.h"
#include "core/log.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/assistant/assistant_internal.h"
#include "mod/audit/audit.h"
#include "mod/background.h"

void assistant_register(void)
{
    tb_router_add(as_public_routes, as_public_nroutes);
    tb_router_add(as_work_routes, as_work_nroutes);
}

/* Hourly: questions older than AS_RETENTION_DAYS are deleted (any node may do it; it is idempotent). */
static void purge_tick(tb_req *r, void *state)
{
    (void)state;
    long n = as_store_purge(r->db, tb_now() - (int64_t)AS_RETENTION_DAYS * 86400);
    if (n < 0)
        tb_warn("assistant: retention purge failed: %s", tb_db_errmsg(r->db));
    else if (n > 0)
        tb_info("assistant: deleted %ld questions older than %d days", n, AS_RETENTION_DAYS);
}

int assistant_init(char *err, size_t errlen)
{
    static const tb_background purge = {.name = "assistant retention", .period_ms = 3600 * 1000, .tick = purge_tick};
    tb_sensitive_watch_sighup();
    tb_sensitive_count(); /* loads the list now, so a bad path shows in the start-up log */
    if (tb_background_start(&purge) != 0) {
        snprintf(err, errlen, "assistant: the retention job could not start");
        return -1;
    }
    return 0;
}

typedef struct {
    const json_t *list;
    char *err;
    size_t errlen;
} seed_ctx;

static int seed_tx(tb_db *db, void *arg)
{
    seed_ctx *c = arg;
    size_t i;
    json_t *d;
    int64_t now = tb_now();
    json_array_foreach(c->list, i, d)
    {
        const char *code = tb_json_str(d, "code"), *name = tb_json_str(d, "name");
        json_t *def = json_object_get(d, "definition");
        if (!code || !name || !json_is_object(def)) {
            snprintf(c->err, c->errlen, "dialogues.json: 第 %zu 个模板缺少 code、name 或 definition", i + 1);
            return -1;
        }
        json_t *problems = as_dialogue_validate(def, NULL, NULL);
        if (json_array_size(problems) > 0) {
            char *p = json_dumps(json_array_get(problems, 0), JSON_COMPACT);
            snprintf(c->err, c->errlen, "dialogues.json: 模板 %s 校验未通过: %s", code, p ? p : "");
            free(p);
            json_decref(problems);
            return -1;
        }
        json_decref(problems);
        int64_t id;
        int rc = as_store_dialogue_by_code(db, code, &id);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue; /* already there: edits made in the work portal stay */
        char obj[96];
        snprintf(obj, sizeof obj, "dialogue:%s", code);
        char *text = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
        id = text ? as_store_dialogue_insert(db, code, name, text, "seed", now) : -1;
        free(text);
        if (id < 0 || as_store_dialogue_publish(db, id, "seed", now) != 1 ||
            audit_record_as(db, "system", "seed", "local", "assistant.dialogue.publish",
                            obj, "ok", name) != 0)
            return -1;
    }
    return 0;
}

int assistant_seed(tb_db *db, const char *dir, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/dialogues.json", dir);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: %s (第 %d 行)", path, je.text, je.line);
        return -1;
    }
    seed_ctx c = {json_object_get(doc, "dialogues"), err, errlen};
    err[0] = '\0';
    int rc = json_is_array(c.list) ? tb_db_tx(db, seed_tx, &c) : -1;
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "%s: 导入多轮问答模板失败: %s", path, json_is_array(c.list) ? tb_db_errmsg(db) : "缺少 dialogues 数组");
    json_decref(doc);
    return rc == 0 ? 0 : -1;
}
