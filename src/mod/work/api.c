/* Routes of the workbench: flow definitions, matter configuration, the
 * todo list, case lists and detail, material download, case actions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/calendar/calendar.h"
#include "mod/cases/cases.h"
#include "mod/catalog/catalog.h"
#include "mod/org/org.h"
#include "mod/work/work_internal.h"

/* ---- flow definitions (work.flow.design) ---- */
/* The engine names the node of each problem; the API's error details name
 * a field: "nodes.<id>", or "definition" for the whole. */
static json_t *problems(const flow_error *fe)
{
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(fe->details, i, d) {
        const char *node = tb_json_str(d, "node");
        char field[96];
        snprintf(field, sizeof field, node && *node ? "nodes.%s" : "definition", node);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "field", field, "code",
                                             tb_json_str(d, "code") ? tb_json_str(d, "code") : "INVALID",
                                             "message", tb_json_str(d, "message") ? tb_json_str(d, "message") : ""));
    }
    return out;
}

static void reply_flow_error(tb_req *r, flow_error *fe)
{
    tb_error e = {0};
    work_flow_error(&e, fe);
    if (fe->code == FLOW_E_INVALID) { /* every problem at once, as forms do */
        e.code = TB_E_FORM_INVALID;
        e.details = problems(fe);
    }
    if (fe->message[0])
        e.message = tb_arena_strdup(r->arena, fe->message);
    flow_error_clear(fe);
    tb_reply_error(r, &e);
}

static void get_flows(tb_req *r)
{
    flow_error fe = {0};
    json_t *list = flow_def_list(r->db, r->nparams ? r->params[0] : NULL, &fe);
    if (!list)
        return reply_flow_error(r, &fe);
    tb_reply_json(r, 200, json_pack("{s:o}", "items", list));
}

static void get_flow_version(tb_req *r)
{
    flow_error fe = {0};
    int version = atoi(r->params[1]);
    json_t *def = version > 0 ? flow_def_get(r->db, r->params[0], version, &fe) : NULL;
    if (!def)
        return fe.code ? reply_flow_error(r, &fe) : tb_reply_err(r, TB_E_NOT_FOUND, "version");
    tb_reply_json(r, 200, def);
}

static void post_flow_validate(tb_req *r)
{
    flow_error fe = {0};
    if (!tb_req_json(r))
        return;
    char *body = tb_arena_strndup(r->arena, r->body, r->body_len);
    if (flow_validate(r->db, work_flow(r), body, &fe) == 0)
        return tb_reply_json(r, 200, json_pack("{s:[]}", "errors"));
    if (fe.code != FLOW_E_INVALID)
        return reply_flow_error(r, &fe);
    json_t *errors = problems(&fe);
    flow_error_clear(&fe);
    tb_reply_json(r, 200, json_pack("{s:o}", "errors", errors));
}

static void post_flow(tb_req *r)
{
    flow_error fe = {0};
    int64_t def_id = 0;
    int version = 0;
    if (!tb_req_json(r))
        return;
    char *body = tb_arena_strndup(r->arena, r->body, r->body_len);
    const char *by = tb_arena_printf(r->arena, "staff:%lld", (long long)r->subject_id);
    if (flow_deploy(r->db, work_flow(r), body, by, &def_id, &version, &fe) != 0)
        return reply_flow_error(r, &fe);
    json_t *def = tb_json_parse_object(r->body, r->body_len, &(tb_error){0});
    const char *key = tb_arena_strdup(r->arena, tb_json_str(def, "key"));
    json_decref(def);
    audit_record(r, "flow.deploy", tb_arena_printf(r->arena, "%s@%d", key, version), "ok", "");
    tb_reply_json(r, 201, json_pack("{s:s, s:i}", "key", key, "version", version));
}

/* ---- matter configuration (work.matter.config) ---- */
static void get_admin_matters(tb_req *r)
{
    json_t *items = store_matters_admin(r->db);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* A flow fits a form when every `form.<name>` its conditions read is a
 * field of the form (or a variable the engine or the workbench sets). */
static const char *flow_misfit(tb_req *r, const json_t *def, const json_t *form)
{
    static const char *const builtin[] = {"decision", "decisions", "multi", "applicant_age", "result", NULL};
    size_t i, k;
    json_t *f, *field;
    json_array_foreach(json_object_get(def, "flows"), i, f) {
        const char *cond = tb_json_str(f, "condition");
        for (const char *p = cond ? strstr(cond, "form.") : NULL; p; p = strstr(p + 5, "form.")) {
            char name[64];
            size_t n = 0;
            for (const char *q = p + 5; n < sizeof name - 1 && (*q == '_' || (*q >= 'a' && *q <= 'z') ||
                                                              (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'));
                 q++)
                name[n++] = *q;
            name[n] = '\0';
            bool known = false;
            for (int b = 0; builtin[b]; b++)
                known |= !strcmp(builtin[b], name);
            json_array_foreach(json_object_get(form, "fields"), k, field) known |= !strcmp(tb_json_str(field, "name"),
                                                                                          name);
            if (!known)
                return tb_arena_printf(r->arena, "流程条件引用了表单中不存在的字段 %s", name);
        }
    }
    return NULL;
}

static void put_binding(tb_req *r)
{
    int64_t form_version = 0, flow_version = 0;
    const char *flow_key = NULL;
    tb_jfield spec[] = {TB_JINT("form_version", &form_version, true, 1, 100000),
                        TB_JSTR("flow_key", &flow_key, true, 63), TB_JINT("flow_version", &flow_version, true, 1, 100000),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    const char *schema = store_form_schema(r->db, r->params[0], (int)form_version, r->arena);
    if (!schema)
        return tb_reply_err(r, TB_E_NOT_FOUND, "form_version");
    flow_error fe = {0};
    json_t *def = flow_def_get(r->db, flow_key, (int)flow_version, &fe);
    if (!def) {
        flow_error_clear(&fe);
        return tb_reply_err(r, TB_E_NOT_FOUND, "flow_version");
    }
    json_t *form = json_loads(schema, 0, NULL);
    const char *misfit = flow_misfit(r, json_object_get(def, "definition") ? json_object_get(def, "definition") : def,
                                     form);
    json_decref(form);
    json_decref(def);
    if (misfit) {
        tb_error e = {TB_E_INVALID_FIELD, "flow_key", misfit, NULL};
        return tb_reply_error(r, &e);
    }
    work_binding b = {.form_version = (int)form_version, .flow_version = (int)flow_version, .flow_key = flow_key};
    const char *by = tb_arena_printf(r->arena, "staff:%lld", (long long)r->subject_id);
    if (store_binding_set(r->db, r->params[0], &b, by) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "matter.bind", r->params[0], "ok", tb_arena_printf(r->arena, "%s@%d", flow_key, (int)flow_version));
    tb_reply_json(r, 200, json_pack("{s:s, s:i, s:s, s:i}", "matter_code", r->params[0], "form_version",
                                    (int)form_version, "flow_key", flow_key, "flow_version", (int)flow_version));
}

static void set_status(tb_req *r, const char *status)
{
    work_binding b;
    json_t *channels = NULL;
    if (!strcmp(status, "published")) {
        tb_jfield spec[] = {TB_JARR("channels", &channels, false), TB_JEND};
        if (r->body_len && !tb_req_json_spec(r, spec))
            return;
        if (store_binding_get(r->db, r->params[0], &b, r->arena) != 0 && !catalog_is_window_only(r->db, r->params[0]))
            return tb_reply_err(r, TB_E_CONFLICT, "binding");
    }
    int rc = catalog_set_status(r->db, r->params[0], status, channels);
    if (rc == 1)
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "code");
    if (rc != 0)
        return tb_reply_err(r, rc == 2 ? TB_E_INVALID_FIELD : TB_E_INTERNAL, rc == 2 ? "channels" : NULL);
    audit_record(r, tb_arena_printf(r->arena, "matter.%s", status), r->params[0], "ok", "");
    tb_reply_json(r, 200, json_pack("{s:s, s:s}", "code", r->params[0], "status", status));
}

static void post_publish(tb_req *r) { set_status(r, "published"); }
static void post_unpublish(tb_req *r) { set_status(r, "unpublished"); }

/* ---- the workbench (work.case.read / work.case.act) ---- */
/* The data scope as the list query wants it: NULL (all) or ",1,2,". */
static const char *scope_csv(tb_req *r, bool *none)
{
    const int64_t *depts;
    size_t n;
    bool self_only;
    *none = false;
    if (org_scope(r, &depts, &n, &self_only))
        return NULL;
    if (self_only || n == 0) {
        *none = true; /* personal scope: the todo list shows what is assigned to the person */
        return NULL;
    }
    size_t cap = n * 21 + 2, o = 0;
    char *csv = tb_arena_alloc(r->arena, cap);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(csv + o, cap - o, "%s%lld", i ? "," : "", (long long)depts[i]);
    return csv;
}

/* Replaces a row's raw due_at/paused_at with its "deadline" object. */
static void deadline_of_row(tb_req *r, json_t *row)
{
    work_deadline_json(r, tb_json_int(row, "due_at", 0), tb_json_int(row, "paused_at", 0),
                       tb_json_str(row, "status"), row);
    json_object_del(row, "due_at");
    json_object_del(row, "paused_at");
}

static void decorate(tb_req *r, json_t *row)
{
    deadline_of_row(r, row);
    cases_decorate(r, row);
}

static int64_t parse_time_param(tb_req *r, const char *key, int64_t dflt)
{
    const char *v = tb_req_query(r, key);
    int32_t day;
    if (r->replied || !v || !*v)
        return dflt;
    if (calendar_parse_date(v, &day) != 0) {
        tb_reply_err(r, TB_E_INVALID_FIELD, key);
        return dflt;
    }
    return calendar_day_start(day) + (!strcmp(key, "to") ? 86399 : 0);
}

static void get_cases(tb_req *r)
{
    int64_t page, size, total = 0;
    const char *view = tb_req_query(r, "view"), *matter = tb_req_query(r, "matter"),
               *status = tb_req_query(r, "status"), *q = tb_req_query(r, "q");
    int64_t from = parse_time_param(r, "from", 0), to = parse_time_param(r, "to", (int64_t)1 << 40);
    if (r->replied || tb_req_page(r, &page, &size) != 0)
        return;
    view = view && *view ? view : "doing";
    if (strcmp(view, "doing") && strcmp(view, "done") && strcmp(view, "department"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "view");
    bool none;
    const char *depts = scope_csv(r, &none);
    if (none)
        return tb_reply_json(r, 200, json_pack("{s:[], s:i}", "items", "total", 0));
#define OPT(x) (x && *x ? x : NULL)
    json_t *items = store_work_list(r, view, depts, OPT(matter), OPT(status), OPT(q), from, to, size,
                                    (page - 1) * size, &total);
#undef OPT
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) decorate(r, v);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_tasks(tb_req *r)
{
    int64_t page, size;
    flow_actor actor;
    flow_error fe = {0};
    if (tb_req_page(r, &page, &size) != 0)
        return;
    if (org_flow_actor(r, &actor) != 0)
        return tb_reply_err(r, TB_E_FORBIDDEN, NULL);
    const char *serial = tb_req_query(r, "serial");
    if (r->replied)
        return;
    flow_task_filter f = {.state = "open", .business_key = serial && *serial ? serial : NULL, .page = (int)page,
                          .page_size = (int)size};
    json_t *list = flow_tasks_visible(r->db, &actor, &f, &fe);
    if (!list)
        return reply_flow_error(r, &fe);
    json_t *items = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(list, "items"), i, t) {
        work_case c;
        const char *serial = tb_json_str(t, "business_key");
        if (!serial || store_case_load(r->db, serial, &c, r->arena) != 0 || !org_can_see_department(r, c.department_id))
            continue; /* outside the data scope: not even counted */
        json_t *row = json_pack("{s:I, s:s, s:s, s:O, s:s, s:s, s:s, s:I, s:I}", "task_id",
                                (json_int_t)tb_json_int(t, "id", 0), "task_name", tb_json_str(t, "name"), "serial",
                                serial, "assignee", json_object_get(t, "assignee"), "matter_code", c.matter_code,
                                "status", c.status, "current_step", c.current_step ? c.current_step : "",
                                "due_at", (json_int_t)c.due_at, "paused_at", (json_int_t)c.paused_at);
        deadline_of_row(r, row);
        json_t *task_due = json_object_get(t, "due_at"); /* the task's own limit, before the case clock starts */
        if (json_is_integer(task_due)) {
            char iso[32];
            tb_time_iso(json_integer_value(task_due), iso);
            json_object_set_new(row, "task_due_at", json_string(iso));
        }
        json_object_set(row, "task_overdue", json_object_get(t, "overdue"));
        const catalog_matter *m = catalog_find(r, c.matter_code);
        json_object_set_new(row, "matter_name", json_string(m ? m->name : c.matter_code));
        json_array_append_new(items, row);
    }
    json_decref(list);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void get_case(tb_req *r)
{
    work_case c;
    if (strlen(r->params[0]) > 64 || store_case_load(r->db, r->params[0], &c, r->arena) != 0 ||
        !org_can_see_department(r, c.department_id))
        return tb_reply_err(r, TB_E_CASE_NOT_FOUND, "serial");
    json_t *doc = cases_detail_json(r, c.serial, true);
    if (!doc)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (c.flow_instance_id) {
        flow_error fe = {0};
        json_t *inst = flow_instance_detail(r->db, work_flow(r), c.flow_instance_id, &fe);
        json_t *def = inst ? flow_def_get(r->db, tb_json_str(inst, "def_key"), (int)tb_json_int(inst, "def_version", 0),
                                          &fe) : NULL;
        json_object_set_new(doc, "flow", inst ? inst : json_null());
        json_object_set_new(doc, "flow_definition", def ? json_incref(json_object_get(def, "definition")) : json_null());
        json_decref(def);
        flow_error_clear(&fe);
    }
    audit_record(r, "case.view", c.serial, "ok", "personal data shown to staff");
    tb_reply_json(r, 200, doc);
}

static void get_material(tb_req *r)
{
    work_case c;
    const char *sm3, *name;
    if (strlen(r->params[0]) > 64 || strlen(r->params[1]) > 64 ||
        store_case_load(r->db, r->params[0], &c, r->arena) != 0 || !org_can_see_department(r, c.department_id))
        return tb_reply_err(r, TB_E_CASE_NOT_FOUND, "serial");
    const char *type = store_upload_type(r->db, c.id, r->params[1], &sm3, &name, r->arena);
    size_t len;
    char *bytes = type ? cases_blob_read(r, sm3, &len) : NULL;
    if (!bytes)
        return tb_reply_err(r, TB_E_UPLOAD_NOT_FOUND, "upload_id");
    audit_record(r, "case.material_download", c.serial, "ok", r->params[1]);
    /* served as an attachment, never rendered inline (ASVS 12.5) */
    tb_reply_header(r, "content-disposition", tb_arena_printf(r->arena, "attachment; filename=\"%s\"", r->params[1]));
    tb_reply_raw(r, 200, type, bytes, len);
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/flows", get_flows, TB_AUTH_STAFF, "work.flow.design", 0, "work", "流程定义列表"},
    {"GET", "/api/v1/admin/flows/{key}", get_flows, TB_AUTH_STAFF, "work.flow.design", 0, "work", "流程各版本"},
    {"GET", "/api/v1/admin/flows/{key}/versions/{version}", get_flow_version, TB_AUTH_STAFF, "work.flow.design", 0,
     "work", "流程定义（某版本）"},
    {"POST", "/api/v1/admin/flows/validate", post_flow_validate, TB_AUTH_STAFF, "work.flow.design", TB_R_JSON, "work",
     "校验流程定义"},
    {"POST", "/api/v1/admin/flows", post_flow, TB_AUTH_STAFF, "work.flow.design", TB_R_JSON, "work",
     "发布流程定义（新版本）"},
    {"GET", "/api/v1/admin/matters", get_admin_matters, TB_AUTH_STAFF, "work.matter.config", 0, "work",
     "事项配置列表（含未上架）"},
    {"PUT", "/api/v1/admin/matters/{code}/binding", put_binding, TB_AUTH_STAFF, "work.matter.config", TB_R_JSON,
     "work", "绑定表单版本与流程版本"},
    {"POST", "/api/v1/admin/matters/{code}/publish", post_publish, TB_AUTH_STAFF, "work.matter.config", TB_R_JSON,
     "work", "事项上架"},
    {"POST", "/api/v1/admin/matters/{code}/unpublish", post_unpublish, TB_AUTH_STAFF, "work.matter.config",
     TB_R_JSON, "work", "事项下架"},
    {"GET", "/api/v1/work/tasks", get_tasks, TB_AUTH_STAFF, "work.case.read", 0, "work", "待办任务（数据范围内）"},
    {"POST", "/api/v1/work/tasks/{id}/claim", work_post_claim, TB_AUTH_STAFF, "work.case.act", 0, "work", "签收任务"},
    {"GET", "/api/v1/work/cases", get_cases, TB_AUTH_STAFF, "work.case.read", 0, "work",
     "在办/办结/部门办件列表"},
    {"GET", "/api/v1/work/cases/{serial}", get_case, TB_AUTH_STAFF, "work.case.read", 0, "work",
     "办件详情（表单、材料、流程图、历史）"},
    {"GET", "/api/v1/work/cases/{serial}/materials/{upload_id}", get_material, TB_AUTH_STAFF, "work.case.read", 0,
     "work", "下载申请材料"},
    {"POST", "/api/v1/work/cases/{serial}/actions", work_post_action, TB_AUTH_STAFF, "work.case.act", TB_R_JSON,
     "work", "办件操作（受理、补正、审批、挂起、办结、作废等）"},
};

void work_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
