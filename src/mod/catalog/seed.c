/* Demo data: code lists (seed/meta.json), Heilongjiang's divisions
 * (generated at build time from an npm data package) and the matters
 * (seed/matters.json). Idempotent: running it again updates in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "mod/catalog/catalog_internal.h"

static const char *const meta_kinds[][2] = {
    {"police_categories", "police"}, {"themes", "theme"},          {"service_objects", "object"},
    {"online_levels", "online"},     {"matter_types", "matter_type"}, {"exercise_levels", "exercise_level"},
    {"case_statuses", "case_status"}, {NULL, NULL}};

static int seed_meta(tb_db *db, json_t *meta, char *err, size_t errlen)
{
    for (int k = 0; meta_kinds[k][0]; k++) {
        json_t *list = json_object_get(meta, meta_kinds[k][0]);
        size_t i;
        json_t *v;
        if (!json_is_array(list)) {
            snprintf(err, errlen, "meta.json 缺少 %s", meta_kinds[k][0]);
            return -1;
        }
        json_array_foreach(list, i, v) {
            json_t *c = json_object_get(v, "code");
            char code[32];
            if (json_is_integer(c))
                snprintf(code, sizeof code, "%lld", (long long)json_integer_value(c));
            else
                snprintf(code, sizeof code, "%s", json_string_value(c) ? json_string_value(c) : "");
            if (!code[0] || !tb_json_str(v, "name") ||
                store_upsert_meta(db, meta_kinds[k][1], code, tb_json_str(v, "name"), (int)i) != 0) {
                snprintf(err, errlen, "meta.json %s 第 %zu 项无效: %s", meta_kinds[k][0], i + 1, tb_db_errmsg(db));
                return -1;
            }
        }
    }
    return 0;
}

static int seed_regions(tb_db *db, json_t *regions, char *err, size_t errlen)
{
    size_t i;
    json_t *v;
    if (!json_is_array(regions) || json_array_size(regions) < 14) {
        snprintf(err, errlen, "区划文件内容不足（应包含省、13个地市及县级区划）");
        return -1;
    }
    json_array_foreach(regions, i, v) {
        const char *code = tb_json_str(v, "code"), *name = tb_json_str(v, "name");
        if (!code || strlen(code) != 6 || !name ||
            store_upsert_region(db, code, name, (int)tb_json_int(v, "level", 0), tb_json_str(v, "parent"),
                                (int)i) != 0) {
            snprintf(err, errlen, "区划第 %zu 项无效", i + 1);
            return -1;
        }
    }
    return 0;
}

/* The name of a code in meta.json's list (code as string or integer). */
static const char *meta_name(json_t *meta, const char *list, json_t *code)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(meta, list), i, v) if (json_equal(json_object_get(v, "code"), code)) return
        tb_json_str(v, "name");
    return NULL;
}

static void add_name(json_t *g, json_t *meta, const char *key, const char *list)
{
    json_t *code = json_object_get(g, key);
    const char *name = code ? meta_name(meta, list, code) : NULL;
    char k[64];
    snprintf(k, sizeof k, "%s_name", key);
    json_object_set_new(g, k, name ? json_string(name) : json_null());
}

static int seed_matter(tb_db *db, json_t *meta, json_t *g, int sort, char *err, size_t errlen)
{
    static const char *const required[] = {"code", "name", "police_category", "online_level", "status", "regions",
                                           "channels", "service_objects", "materials", "form", NULL};
    for (int k = 0; required[k]; k++)
        if (!json_object_get(g, required[k])) {
            snprintf(err, errlen, "事项第 %d 项缺少字段 %s", sort + 1, required[k]);
            return -1;
        }
    json_t *guide = json_deep_copy(g);
    int hot = (int)tb_json_int(guide, "hot", 0);
    json_object_del(guide, "hot");
    add_name(guide, meta, "police_category", "police_categories");
    add_name(guide, meta, "theme", "themes");
    add_name(guide, meta, "online_level", "online_levels");
    add_name(guide, meta, "matter_type", "matter_types");
    json_object_set_new(guide, "case_type_name",
                        json_string(tb_json_int(guide, "case_type", 2) == 1 ? "即办件" : "承诺件"));
    char *text = json_dumps(guide, JSON_COMPACT);
    int rc = text ? store_upsert_matter(db, guide, text, hot, sort) : -1;
    if (rc != 0)
        snprintf(err, errlen, "事项 %s 写入失败: %s", tb_json_str(g, "code"), tb_db_errmsg(db));
    free(text);
    json_decref(guide);
    return rc;
}

static json_t *load(const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        snprintf(err, errlen, "无法读取 %s: %s (第 %d 行)", path, je.text, je.line);
    return j;
}

static int seed_all(tb_db *db, json_t *meta, json_t *regions, json_t *matters, char *err, size_t errlen)
{
    if (seed_meta(db, meta, err, errlen) != 0 || seed_regions(db, regions, err, errlen) != 0)
        return -1;
    size_t i;
    json_t *g;
    json_array_foreach(matters, i, g) if (seed_matter(db, meta, g, (int)i, err, errlen) != 0) return -1;
    return catalog_bump_epoch(db);
}

int catalog_seed(tb_db *db, const char *seed_dir, const char *regions_file, char *err, size_t errlen)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/meta.json", seed_dir);
    json_t *meta = load(path, err, errlen), *matters = NULL, *regions = NULL;
    if (meta) {
        snprintf(path, sizeof path, "%s/matters.json", seed_dir);
        matters = load(path, err, errlen);
    }
    if (matters)
        regions = load(regions_file, err, errlen);
    int rc = -1;
    if (regions && json_is_array(matters)) {
        if (tb_db_begin(db) == 0) {
            rc = seed_all(db, meta, regions, matters, err, errlen);
            if (rc == 0)
                rc = tb_db_commit(db);
            else
                tb_db_rollback(db);
        } else {
            snprintf(err, errlen, "无法开始事务: %s", tb_db_errmsg(db));
        }
    }
    json_decref(meta);
    json_decref(matters);
    json_decref(regions);
    return rc;
}
