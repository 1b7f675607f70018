/* The workbench's side of the flow engine: one engine context per server
 * thread, the directory and calendar it resolves through, and the events
 * that keep a case in step with its flow instance (inside the same
 * transaction as the transition). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/calendar/calendar.h"
#include "mod/catalog/catalog.h"
#include "mod/org/org.h"
#include "mod/work/work_internal.h"
#include "rules/validators.h"

static __thread flow_ctx *thread_ctx;

/* The calendar snapshot moves when administrators edit it: look it up on
 * every use rather than keeping a pointer. */
static int add_working_days(void *db, int64_t from, int days, int64_t *out)
{
    const calendar *c = calendar_current(db);
    return c ? calendar_add_working_days(c, from, days, out) : -1;
}

flow_ctx *work_flow(tb_req *r)
{
    if (thread_ctx)
        return thread_ctx;
    flow_env env = {.rules = r->thread ? r->thread->rules : NULL,
                    .dir = *org_flow_directory(),
                    .calendar = r->db,
                    .add_working_days = add_working_days,
                    .on_event = work_on_flow_event};
    env.dir.arg = r->db; /* each thread's own connection */
    thread_ctx = flow_ctx_new(&env);
    return thread_ctx;
}

void work_flow_error(tb_error *e, const flow_error *fe)
{
    switch (fe->code) {
    case FLOW_E_NOT_FOUND: e->code = TB_E_NOT_FOUND; break;
    case FLOW_E_FORBIDDEN: e->code = TB_E_FORBIDDEN; break;
    case FLOW_E_STATE:
    case FLOW_E_CONFLICT: e->code = TB_E_CONFLICT; break;
    case FLOW_E_INVALID: e->code = TB_E_INVALID_FIELD; break;
    default: e->code = TB_E_INTERNAL; break;
    }
    e->message = NULL;
    e->field = NULL;
}

/* ---- events, inside the transition's transaction ---- */
static int on_task_created(tb_db *db, const flow_event *ev)
{
    flow_error fe = {0};
    json_t *task = flow_task_detail(db, ev->task_id, &fe);
    const char *name = tb_json_str(task, "name");
    int rc = store_case_step_by_serial(db, ev->business_key, name ? name : ev->node_id);
    json_decref(task);
    flow_error_clear(&fe);
    return rc;
}

static int on_instance_ended(tb_db *db, const flow_event *ev)
{
    if (strcmp(ev->status, "completed"))
        return 0; /* cancellations are driven by the case actions themselves */
    tb_arena *a = tb_arena_new(4096);
    work_case c;
    int rc = 0;
    if (store_case_load(db, ev->business_key, &c, a) == 0 && strcmp(c.status, "completed") &&
        strcmp(c.status, "refused") && strcmp(c.status, "voided")) {
        /* the staff action that ended the flow writes the history lines */
        rc = store_case_finish(db, c.id, "completed", NULL, tb_now());
    }
    tb_arena_free(a);
    return rc ? -1 : 0;
}

int work_on_flow_event(void *arg, tb_db *db, const flow_event *ev)
{
    (void)arg;
    if (ev->parent_id || !ev->business_key) /* sub-processes speak through their parent */
        return 0;
    switch (ev->kind) {
    case FLOW_EV_TASK_CREATED: return on_task_created(db, ev);
    case FLOW_EV_INSTANCE_ENDED: return on_instance_ended(db, ev);
    case FLOW_EV_INSTANCE_FAILED:
        tb_error("work: flow instance %lld of case %s failed: %s", (long long)ev->instance_id, ev->business_key,
                 ev->message ? ev->message : "");
        return 0;
    default: return 0;
    }
}

/* Variables a flow may branch on: the form without its personal
 * identifiers (ID numbers, phones, e-mail stay encrypted with the case and
 * never reach the engine's tables), plus facts derived from the applicant
 * that definitions often need (age from the ID number). */
static json_t *start_variables(tb_req *r, const char *matter_code, const json_t *form)
{
    json_t *vars = json_deep_copy(form);
    const catalog_matter *m = catalog_find(r, matter_code);
    const char *id = NULL;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(m ? json_object_get(m->guide, "form") : NULL, "fields"), i, f) {
        const char *type = tb_json_str(f, "type"), *name = tb_json_str(f, "name");
        if (!type || !name || (strcmp(type, "id_number") && strcmp(type, "phone") && strcmp(type, "email")))
            continue;
        if (!strcmp(type, "id_number") && !id)
            id = tb_arena_strdup(r->arena, tb_json_str(vars, name));
        json_object_del(vars, name);
    }
    char birth[11], sex;
    if (id && tb_id_number_birth(id, birth, &sex)) {
        char today[9];
        tb_date_compact(tb_now(), today);
        int y = atoi(birth), md = atoi(birth + 5) * 100 + atoi(birth + 8);
        int ty = atoi(today) / 10000, tmd = atoi(today) % 10000;
        json_object_set_new(vars, "applicant_age", json_integer(ty - y - (tmd < md)));
    }
    return vars;
}

int work_case_submitted(tb_req *r, int64_t case_id, const char *serial, const char *matter_code, const char *region,
                        const json_t *form, tb_error *e)
{
    int64_t dept = org_department_for_region(r, region), instance = 0;
    work_binding b;
    if (store_binding_get(r->db, matter_code, &b, r->arena) == 0) {
        flow_error fe = {0};
        json_t *vars = start_variables(r, matter_code, form);
        flow_start_args a = {.key = b.flow_key, .version = b.flow_version, .business_key = serial,
                             .variables = vars, .initiator = 0, .initiator_department = dept, .region = region};
        int rc = flow_start(r->db, work_flow(r), &a, &instance, &fe);
        json_decref(vars);
        if (rc != 0) {
            tb_error("work: cannot start flow %s for case %s: %s", b.flow_key, serial, fe.message);
            work_flow_error(e, &fe);
            flow_error_clear(&fe);
            return -1;
        }
    }
    if (store_case_set_department(r->db, case_id, dept, instance) != 0)
        return tb_fail(e, TB_E_INTERNAL, NULL);
    return 0;
}

int work_case_resubmitted(tb_req *r, const char *serial, tb_error *e)
{
    work_case c;
    if (store_case_load(r->db, serial, &c, r->arena) != 0)
        return tb_fail(e, TB_E_CASE_NOT_FOUND, "serial");
    if (c.flow_instance_id) { /* the citizen's correction restarts the waiting flow */
        flow_actor system = {.admin = true};
        flow_error fe = {0};
        if (flow_instance_resume(r->db, work_flow(r), c.flow_instance_id, &system, "补正后重新提交", &fe) != 0) {
            work_flow_error(e, &fe);
            flow_error_clear(&fe);
            return -1;
        }
    }
    if (store_case_unpause(r->db, c.id, tb_now()) != 0)
        return tb_fail(e, TB_E_CONFLICT, NULL);
    return 0;
}
