/* `tongban seed`: the demo halls of seed/halls.json with their windows and
 * bookable matters. A hall that already exists by name is left as it is, so
 * seeding twice changes nothing and an administrator's edits survive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "mod/audit/audit.h"
#include "mod/booking/booking_internal.h"

static const char *str_or(const json_t *o, const char *k, const char *dflt)
{
    const char *v = tb_json_str(o, k);
    return v ? v : dflt;
}

static int seed_hall(tb_db *db, const json_t *j, char *err, size_t errlen)
{
    bk_hall h = {.name = tb_json_str(j, "name"), .address = str_or(j, "address", ""), .region = str_or(j, "region", ""),
                 .lng = str_or(j, "lng", ""), .lat = str_or(j, "lat", ""), .phone = str_or(j, "phone", ""),
                 .validity = str_or(j, "validity", "halfday"), .status = "open",
                 .booking_days = tb_json_int(j, "booking_days", 5)};
    const char *dept = tb_json_str(j, "department"), *why = "";
    if (!h.name || !dept || bk_hours_from_json(json_object_get(j, "hours"), &h.hours, &why) != 0) {
        snprintf(err, errlen, "halls.json: 大厅 %s 数据不完整 %s", h.name ? h.name : "?", why);
        return -1;
    }
    if (bk_store_hall_by_name(db, h.name))
        return 0;
    if (!(h.department_id = bk_store_department_by_name(db, dept))) {
        snprintf(err, errlen, "halls.json: 大厅 %s 的部门 %s 不存在", h.name, dept);
        return -1;
    }
    char *hours = json_dumps(json_object_get(j, "hours"), JSON_COMPACT);
    h.id = bk_store_hall_insert(db, &h, hours);
    free(hours);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(j, "matters"), i, m) if (h.id < 0 ||
                                                                bk_store_hall_matter_set(db, h.id, tb_json_str(m, "code"),
                                                                                         json_is_true(json_object_get(m, "bookable")),
                                                                                         tb_json_int(m, "quota", 20)) != 0) h.id = -1;
    json_array_foreach(json_object_get(j, "windows"), i, m) {
        char list[1024] = "";
        size_t k;
        json_t *code;
        json_array_foreach(json_object_get(m, "matters"), k, code) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s,", len ? "" : ",", json_string_value(code));
        }
        if (h.id < 0 || bk_store_window_insert(db, h.id, str_or(m, "no", "?"), str_or(m, "name", "?"), list) < 0)
            h.id = -1;
    }
    if (h.id < 0) {
        snprintf(err, errlen, "halls.json: 大厅 %s 写入失败: %s", h.name, tb_db_errmsg(db));
        return -1;
    }
    if (bk_store_halls_bump(db) != 0) /* a server already running on the database loads the new hall */
        return -1;
    return audit_record_as(db, "system", "seed", "local", "hall.create", h.name, "ok", "seed");
}

typedef struct {
    json_t *doc;
    char *err;
    size_t errlen;
} seed_ctx;

static int seed_tx(tb_db *db, void *arg)
{
    seed_ctx *c = arg;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(c->doc, "halls"), i, h) if (seed_hall(db, h, c->err, c->errlen) != 0) return -1;
    return 0;
}

int booking_seed(tb_db *db, const char *dir, char *err, size_t errlen)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/halls.json", dir);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        snprintf(err, errlen, "%s: %s", path, je.text);
        return -1;
    }
    seed_ctx c = {doc, err, errlen};
    err[0] = 0;
    int rc = tb_db_tx(db, seed_tx, &c);
    json_decref(doc);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "halls.json: %s", tb_db_errmsg(db));
    return rc == 0 ? 0 : -1;
}
