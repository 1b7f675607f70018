/* Demo flows (every .json file in seed/flows) and their bindings to matters
 * (seed/bindings.json), loaded by `tongban seed`. Deploying an unchanged
 * definition keeps its version, so seeding again changes nothing. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "mod/work/work_internal.h"
#include "rules/rules.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static int deploy_all(tb_db *db, flow_ctx *fc, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;
    if (!d)
        return 0; /* no demo flows */
    while (rc == 0 && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
            continue;
        char path[1200], *text;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        flow_error fe = {0};
        int64_t id;
        int version;
        if (!(text = read_file(path)) || flow_deploy(db, fc, text, "seed", &id, &version, &fe) != 0) {
            snprintf(err, errlen, "流程 %s 部署失败: %s", e->d_name, text ? fe.message : "无法读取");
            rc = -1;
        }
        flow_error_clear(&fe);
        free(text);
    }
    closedir(d);
    return rc;
}

static int bind_all(tb_db *db, const char *path, char *err, size_t errlen)
{
    json_t *doc = json_load_file(path, 0, NULL);
    size_t i;
    json_t *b;
    int rc = 0;
    json_array_foreach(json_object_get(doc, "bindings"), i, b) {
        const char *code = tb_json_str(b, "matter_code"), *key = tb_json_str(b, "flow_key");
        flow_error fe = {0};
        json_t *def = key ? flow_def_get(db, key, 0, &fe) : NULL;
        int form_version = code ? store_matter_form_version(db, code) : 0;
        work_binding wb = {.form_version = form_version, .flow_key = key,
                           .flow_version = (int)tb_json_int(def, "version", 0)};
        if (!def || !form_version || store_binding_set(db, code, &wb, "seed") != 0) {
            snprintf(err, errlen, "事项 %s 绑定流程 %s 失败", code ? code : "?", key ? key : "?");
            rc = -1;
        }
        json_decref(def);
        flow_error_clear(&fe);
    }
    json_decref(doc);
    return rc;
}

int work_seed(tb_db *db, const char *seed_dir, char *err, size_t errlen)
{
    char dir[1100], bindings[1100];
    snprintf(dir, sizeof dir, "%s/flows", seed_dir);
    snprintf(bindings, sizeof bindings, "%s/bindings.json", seed_dir);
    tb_rules *rules = tb_rules_new(NULL, 1000, 0); /* conditions are compiled at deploy */
    flow_env env = {.rules = rules};
    flow_ctx *fc = flow_ctx_new(&env);
    int rc = fc ? deploy_all(db, fc, dir, err, errlen) : -1;
    if (rc == 0)
        rc = bind_all(db, bindings, err, errlen);
    flow_ctx_free(fc);
    tb_rules_free(rules);
    return rc;
}
