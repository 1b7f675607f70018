/* `tongban seed`: the public content of <dir>/content.json (notices,
 * policies, portal FAQ) and a starter knowledge base (categories and
 * published items). Idempotent: content is matched by type and title,
 * categories by parent and name, items by their standard question. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/kb/kb_internal.h"

static int64_t seed_categories(tb_db *db, json_t *list, int64_t parent, json_t *ids, const char *prefix, int64_t now)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *name = tb_json_str(v, "name");
        if (!name)
            return -1;
        int64_t id = kb_store_category_ensure(db, parent, name, (int64_t)i, now);
        if (id <= 0)
            return -1;
        size_t n = strlen(prefix) + strlen(name) + 4;
        char *path = malloc(n);
        snprintf(path, n, "%s%s%s", prefix, *prefix ? " / " : "", name);
        json_object_set_new(ids, path, json_integer(id));
        int rc = (int)seed_categories(db, json_object_get(v, "children"), id, ids, path, now);
        free(path);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int seed_tx(tb_db *db, void *arg)
{
    json_t *doc = arg;
    int64_t now = tb_now();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "content"), i, v) {
        const char *type = tb_json_str(v, "type"), *title = tb_json_str(v, "title"), *body = tb_json_str(v, "body");
        int64_t at = now;
        if (!content_type_valid(type) || !title || !body ||
            (tb_json_str(v, "published_at") && kb_parse_date(tb_json_str(v, "published_at"), false, &at) != 0))
            return -1;
        const char *src = tb_json_str(v, "source");
        if (content_store_upsert_seed(db, type, title, body, src ? src : "", at, now) <= 0)
            return -1;
    }
    json_t *ids = json_object();
    if (seed_categories(db, json_object_get(doc, "categories"), 0, ids, "", now) != 0) {
        json_decref(ids);
        return -1;
    }
    json_array_foreach(json_object_get(doc, "knowledge"), i, v) {
        json_t *cid = json_object_get(ids, tb_json_str(v, "category") ? tb_json_str(v, "category") : "");
        const char *q = tb_json_str(v, "question"), *a = tb_json_str(v, "answer"), *src = tb_json_str(v, "source");
        json_t *sim = json_object_get(v, "similar");
        if (!cid || !q || !a) {
            json_decref(ids);
            return -1;
        }
        json_t *live = json_pack("{s:s, s:O, s:s, s:[], s:I, s:I, s:s, s:I}", "question", q, "similar",
                                 json_is_array(sim) ? sim : json_array(), "answer", a, "regions", "valid_from",
                                 (json_int_t)0, "valid_to", (json_int_t)0, "source", src ? src : "", "category_id",
                                 (json_int_t)json_integer_value(cid));
        char *live_s = json_dumps(live, JSON_COMPACT), *sim_s = json_dumps(json_object_get(live, "similar"), JSON_COMPACT);
        int64_t id = kb_store_seed_item(db, json_integer_value(cid), q, sim_s, a, src ? src : "", live_s, now);
        free(live_s);
        free(sim_s);
        json_decref(live);
        if (id <= 0) {
            json_decref(ids);
            return -1;
        }
    }
    json_decref(ids);
    return kb_store_bump(db, "kb") == 0 && kb_store_bump(db, "content") == 0 ? 0 : -1;
}

int kb_seed(tb_db *db, const char *dir, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/content.json", dir);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: %s (line %d)", path, je.text, je.line);
        return -1;
    }
    int rc = tb_db_tx(db, seed_tx, doc);
    if (rc != 0)
        snprintf(err, errlen, "%s: 公开内容或知识库数据无效，或写入失败: %s", path, tb_db_errmsg(db));
    json_decref(doc);
    return rc == 0 ? 0 : -1;
}
