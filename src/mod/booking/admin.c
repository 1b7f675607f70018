/* Administration: halls, their windows and bookable matters with quotas
 * (hall.manage); bookings in scope (booking.read); the blacklist
 * (booking.blacklist). Every write is audited in its transaction, and every
 * write to halls, windows or hall matters bumps the 'halls' cache epoch in
 * it, so every node's hall cache (cache.c) reloads; this node's at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/booking/booking_internal.h"
#include "mod/org/org.h"

typedef struct {
    json_t *items;
} hall_list;

static void add_hall(tb_req *r, const bk_hall *h, void *arg)
{
    if (org_can_see_department(r, h->department_id))
        json_array_append_new(((hall_list *)arg)->items, bk_hall_json(r, h, true));
}

/* Runs a hall write's transaction; on commit this node's hall cache is refreshed before it is read again. */
static int hall_write(tb_req *r, int (*fn)(tb_db *, void *), void *arg)
{
    int rc = tb_db_tx(r->db, fn, arg);
    if (rc == 0) /* after the commit: a reload started before it could file the old rows under the new epoch */
        bk_cache_invalidate();
    return rc;
}

static void get_admin_halls(tb_req *r)
{
    hall_list l = {json_array()};
    bk_halls_each(r, NULL, NULL, add_hall, &l);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", l.items, "total", (json_int_t)json_array_size(l.items)));
}

/* ---- create / update a hall ---- */
typedef struct {
    tb_req *r;
    bk_hall h;
    const char *hours_json;
    bool create;
} hall_edit;

/* Body fields over the hall's current values (all required on create). */
static int read_hall_body(tb_req *r, hall_edit *ed)
{
    int64_t dept = ed->h.department_id, days = ed->h.booking_days;
    json_t *hours = NULL;
    bool req = ed->create;
    tb_jfield spec[] = {TB_JSTR("name", &ed->h.name, req, 60),          TB_JINT("department_id", &dept, req, 1, INT64_MAX),
                        TB_JSTR("address", &ed->h.address, req, 120),   TB_JSTR("region", &ed->h.region, req, 12),
                        TB_JSTR("lng", &ed->h.lng, false, 20),          TB_JSTR("lat", &ed->h.lat, false, 20),
                        TB_JSTR("phone", &ed->h.phone, false, 30),      TB_JOBJ("hours", &hours, req),
                        TB_JINT("booking_days", &days, false, 1, 30),   TB_JSTR("validity", &ed->h.validity, false, 10),
                        TB_JSTR("status", &ed->h.status, false, 10),    TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return -1;
    ed->h.department_id = dept;
    ed->h.booking_days = days;
    const char *why;
    if (hours && bk_hours_from_json(hours, &ed->h.hours, &why) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "hours", why);
    if (!bk_validity_mode_ok(ed->h.validity))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "validity", "号码有效期只能是 halfday（半天）或 slot（所约时段）");
    if (strcmp(ed->h.status, "open") && strcmp(ed->h.status, "closed"))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "status", "状态只能是 open 或 closed");
    if (!org_can_see_department(r, ed->h.department_id))
        return tb_reply_fail(r, TB_E_DEPARTMENT_NOT_FOUND, "department_id", NULL);
    json_t *hj = bk_hours_json(&ed->h.hours);
    char *text = json_dumps(hj, JSON_COMPACT);
    ed->hours_json = tb_arena_strdup(r->arena, text);
    free(text);
    json_decref(hj);
    return 0;
}

static int hall_tx(tb_db *db, void *arg)
{
    hall_edit *ed = arg;
    if (ed->create) {
        ed->h.id = bk_store_hall_insert(db, &ed->h, ed->hours_json);
        if (ed->h.id < 0)
            return -1;
    } else if (bk_store_hall_update(db, &ed->h, ed->hours_json) != 0) {
        return -1;
    }
    if (bk_store_halls_bump(db) != 0)
        return -1;
    return audit_record(ed->r, ed->create ? "hall.create" : "hall.update",
                        tb_arena_printf(ed->r->arena, "hall:%lld", (long long)ed->h.id), "ok", ed->h.name);
}

static void save_hall(tb_req *r, hall_edit *ed)
{
    if (read_hall_body(r, ed) != 0)
        return;
    if (hall_write(r, hall_tx, ed) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    bk_hall fresh;
    if (bk_hall_get(r, ed->h.id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, ed->create ? 201 : 200, bk_hall_json(r, &fresh, true));
}

static void post_hall(tb_req *r)
{
    hall_edit ed = {.r = r, .create = true};
    ed.h.booking_days = 5;
    ed.h.validity = "halfday";
    ed.h.status = "open";
    ed.h.lng = ed.h.lat = ed.h.phone = "";
    save_hall(r, &ed);
}

static void put_hall(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h || !bk_staff_hall(r, h))
        return;
    hall_edit ed = {.r = r, .h = *h};
    save_hall(r, &ed);
}

/* ---- windows ---- */
typedef struct {
    tb_req *r;
    const bk_hall *h;
    int64_t window;
    const char *no, *name, *matters, *action;
    int changed;
} window_edit;

/* ["code",…] -> ",code,code," (every code must be a matter of the hall) */
static int matters_text(tb_req *r, const bk_hall *h, json_t *list, const char **out)
{
    if (!list)
        return *out = NULL, 0;
    size_t i;
    json_t *v;
    const char *s = "";
    json_array_foreach(list, i, v) {
        bool served;
        const char *code = json_string_value(v);
        if (!code || (bk_hall_quota(h, code, &served), !served))
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "matters", "窗口只能办理本大厅已配置的事项");
        s = tb_arena_printf(r->arena, "%s,%s", s, code);
    }
    *out = *s ? tb_arena_printf(r->arena, "%s,", s) : "";
    return 0;
}

static int window_tx(tb_db *db, void *arg)
{
    window_edit *ed = arg;
    if (!strcmp(ed->action, "create")) {
        ed->window = bk_store_window_insert(db, ed->h->id, ed->no, ed->name, ed->matters ? ed->matters : "");
        ed->changed = ed->window > 0;
    } else if (!strcmp(ed->action, "update")) {
        ed->changed = bk_store_window_update(db, ed->h->id, ed->window, ed->no, ed->name, ed->matters);
    } else {
        ed->changed = bk_store_window_delete(db, ed->h->id, ed->window);
    }
    if (ed->changed < 0)
        return tb_db_errkind_last(db) == TB_DBE_UNIQUE ? 2 : -1;
    if (ed->changed == 0)
        return 1;
    if (bk_store_halls_bump(db) != 0)
        return -1;
    return audit_record(ed->r, tb_arena_printf(ed->r->arena, "hall.window.%s", ed->action),
                        tb_arena_printf(ed->r->arena, "hall:%lld/window:%lld", (long long)ed->h->id,
                                        (long long)ed->window),
                        "ok", ed->name ? ed->name : "");
}

static void edit_window(tb_req *r, const char *action)
{
    window_edit ed = {.r = r, .action = action};
    if (!(ed.h = bk_hall_param(r, 0)) || !bk_staff_hall(r, ed.h))
        return;
    if (r->nparams > 1)
        ed.window = strtoll(r->params[1], NULL, 10);
    if (strcmp(action, "delete")) {
        json_t *matters = NULL;
        bool req = !strcmp(action, "create");
        tb_jfield spec[] = {TB_JSTR("no", &ed.no, req, 10), TB_JSTR("name", &ed.name, req, 40),
                            TB_JARR("matters", &matters, false), TB_JEND};
        if (!tb_req_json_spec(r, spec) || matters_text(r, ed.h, matters, &ed.matters) != 0)
            return;
    }
    int rc = hall_write(r, window_tx, &ed);
    if (rc == 2)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "no", "窗口编号在本大厅已存在");
    if (rc == 1)
        return tb_reply_err(r, TB_E_WINDOW_NOT_FOUND, "wid");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (!strcmp(action, "delete"))
        return tb_reply_json(r, 200, json_pack("{s:b}", "deleted", 1));
    bk_hall fresh;
    json_t *windows = bk_hall_get(r, ed.h->id, &fresh) == 0 ? bk_hall_windows_json(&fresh) : json_array(), *w;
    size_t i;
    json_array_foreach(windows, i, w) if (json_integer_value(json_object_get(w, "id")) == ed.window) {
        tb_reply_json(r, strcmp(action, "create") ? 200 : 201, json_incref(w));
        break;
    }
    json_decref(windows);
    if (!r->replied)
        tb_reply_err(r, TB_E_INTERNAL, NULL);
}

static void post_window(tb_req *r) { edit_window(r, "create"); }
static void put_window(tb_req *r) { edit_window(r, "update"); }
static void delete_window(tb_req *r) { edit_window(r, "delete"); }

/* ---- bookable matters and quotas ---- */
typedef struct {
    tb_req *r;
    const bk_hall *h;
    const char *code;
    bool bookable, delete;
    int64_t quota;
} matter_edit;

static int matter_tx(tb_db *db, void *arg)
{
    matter_edit *ed = arg;
    if (ed->delete) {
        if (bk_store_matter_active_bookings(db, ed->h->id, ed->code) > 0)
            return 2;
        int n = bk_store_hall_matter_delete(db, ed->h->id, ed->code);
        if (n <= 0)
            return n < 0 ? -1 : 1;
    } else if (bk_store_hall_matter_set(db, ed->h->id, ed->code, ed->bookable, ed->quota) != 0) {
        return -1;
    }
    if (bk_store_halls_bump(db) != 0)
        return -1;
    return audit_record(ed->r, ed->delete ? "hall.matter.delete" : "hall.matter.set",
                        tb_arena_printf(ed->r->arena, "hall:%lld/%s", (long long)ed->h->id, ed->code), "ok",
                        ed->delete ? "" : tb_arena_printf(ed->r->arena, "bookable=%d quota=%lld", ed->bookable,
                                                          (long long)ed->quota));
}

static void edit_matter(tb_req *r, bool delete)
{
    matter_edit ed = {.r = r, .code = r->params[1], .delete = delete, .bookable = true, .quota = 20};
    if (!(ed.h = bk_hall_param(r, 0)) || !bk_staff_hall(r, ed.h))
        return;
    if (!delete) {
        tb_jfield spec[] = {TB_JBOOL("bookable", &ed.bookable, false), TB_JINT("quota", &ed.quota, false, 1, 100000),
                            TB_JEND};
        if (!tb_req_json_spec(r, spec))
            return;
        if (!bk_store_matter_name(r, ed.code))
            return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "code");
    }
    int rc = hall_write(r, matter_tx, &ed);
    if (rc == 2)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "code", "该事项仍有有效预约，不能从大厅移除");
    if (rc == 1)
        return tb_reply_err(r, TB_E_NOT_FOUND, "code");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (delete)
        return tb_reply_json(r, 200, json_pack("{s:b}", "deleted", 1));
    tb_reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:b, s:I}", "hall_id", (json_int_t)ed.h->id, "code", ed.code,
                                    "name", bk_store_matter_name(r, ed.code), "bookable", ed.bookable, "quota",
                                    (json_int_t)ed.quota));
}

static void put_matter(tb_req *r) { edit_matter(r, false); }
static void delete_matter(tb_req *r) { edit_matter(r, true); }

/* ---- bookings in scope ---- */
static void get_admin_bookings(tb_req *r)
{
    int64_t page, size, hall, total;
    int32_t day = 0;
    const char *day_s = tb_req_query(r, "day"), *status = tb_req_query(r, "status");
    if (tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "hall", 0, 0, INT64_MAX, &hall) != 0 || r->replied)
        return;
    if (day_s && *day_s && calendar_parse_date(day_s, &day) != 0)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "day");
    const int64_t *depts;
    size_t n;
    bool self_only;
    const char *scope = NULL;
    if (!org_scope(r, &depts, &n, &self_only)) {
        scope = "";
        for (size_t i = 0; i < n; i++)
            scope = tb_arena_printf(r->arena, "%s%s%lld", scope, i ? "," : "", (long long)depts[i]);
        if (n == 0)
            scope = "0";
    }
    json_t *items = json_array();
    bk_booking_list l = {bk_lookup_new(r), items, false};
    bk_store_bookings_admin(r, hall, day, status && *status ? status : NULL, scope, size, (page - 1) * size,
                            bk_booking_list_add, &l, &total);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

/* ---- blacklist ---- */
static void get_blacklist(tb_req *r)
{
    int64_t page, size, active, total;
    if (tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "active", 0, 0, 1, &active) != 0)
        return;
    json_t *items = bk_store_blacklist(r, active == 1, size, (page - 1) * size, &total);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

typedef struct {
    tb_req *r;
    int64_t id;
    const char *reason;
} lift_ctx;

static int lift_tx(tb_db *db, void *arg)
{
    lift_ctx *c = arg;
    const char *by = tb_arena_printf(c->r->arena, "staff:%lld", (long long)c->r->subject_id);
    int n = bk_store_blacklist_lift(db, c->id, by, c->reason);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    return audit_record(c->r, "booking.blacklist.lift", tb_arena_printf(c->r->arena, "blacklist:%lld", (long long)c->id),
                        "ok", c->reason);
}

static void post_lift(tb_req *r)
{
    lift_ctx c = {.r = r, .id = strtoll(r->params[0], NULL, 10)};
    tb_jfield spec[] = {TB_JSTR("reason", &c.reason, true, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!*c.reason)
        return tb_reply_err(r, TB_E_FIELD_REQUIRED, "reason");
    json_t *entry = bk_store_blacklist_entry(r, c.id);
    if (!entry)
        return tb_reply_err(r, TB_E_NOT_FOUND, "id");
    json_decref(entry);
    int rc = tb_db_tx(r->db, lift_tx, &c);
    if (rc == 1)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "该记录已解除");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, bk_store_blacklist_entry(r, c.id));
}

const tb_route bk_admin_routes[] = {
    {"GET", "/api/v1/admin/halls", get_admin_halls, TB_AUTH_STAFF, "hall.manage", 0, "booking", "大厅管理：列表"},
    {"POST", "/api/v1/admin/halls", post_hall, TB_AUTH_STAFF, "hall.manage", TB_R_JSON, "booking", "新增办事大厅"},
    {"PUT", "/api/v1/admin/halls/{id}", put_hall, TB_AUTH_STAFF, "hall.manage", TB_R_JSON, "booking",
     "修改办事大厅（办公时间、预约天数、号码有效期等）"},
    {"POST", "/api/v1/admin/halls/{id}/windows", post_window, TB_AUTH_STAFF, "hall.manage", TB_R_JSON, "booking",
     "新增窗口"},
    {"PUT", "/api/v1/admin/halls/{id}/windows/{wid}", put_window, TB_AUTH_STAFF, "hall.manage", TB_R_JSON, "booking",
     "修改窗口及其可办事项"},
    {"DELETE", "/api/v1/admin/halls/{id}/windows/{wid}", delete_window, TB_AUTH_STAFF, "hall.manage", 0, "booking",
     "删除窗口"},
    {"PUT", "/api/v1/admin/halls/{id}/matters/{code}", put_matter, TB_AUTH_STAFF, "hall.manage", TB_R_JSON, "booking",
     "设置大厅事项：是否可预约、每时段号源"},
    {"DELETE", "/api/v1/admin/halls/{id}/matters/{code}", delete_matter, TB_AUTH_STAFF, "hall.manage", 0, "booking",
     "从大厅移除事项"},
    {"GET", "/api/v1/admin/bookings", get_admin_bookings, TB_AUTH_STAFF, "booking.read", 0, "booking",
     "预约记录查询（数据范围内，证件号脱敏）"},
    {"GET", "/api/v1/admin/booking-blacklist", get_blacklist, TB_AUTH_STAFF, "booking.blacklist", 0, "booking",
     "预约黑名单"},
    {"POST", "/api/v1/admin/booking-blacklist/{id}/lift", post_lift, TB_AUTH_STAFF, "booking.blacklist", TB_R_JSON,
     "booking", "解除预约黑名单（须填写原因）"},
};
const size_t bk_admin_nroutes = sizeof bk_admin_routes / sizeof bk_admin_routes[0];
