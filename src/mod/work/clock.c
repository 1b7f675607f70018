/* The deadline clock (§2-1-5-5): due dates in working days from the
 * matter's promised and statutory limits, the yellow/red warning shown in
 * every list and in the citizen's progress, and the scheduler thread that
 * marks overdue tasks and cases and sends reminders. */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/background.h"
#include "mod/calendar/calendar.h"
#include "mod/catalog/catalog.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"
#include "mod/work/work_internal.h"
#include "rules/rules.h"

#define WARN_DAYS 2   /* yellow when this many working days or fewer remain */
#define TICK_SECONDS 30

int64_t work_due_from(tb_req *r, const char *matter_code, const char *which, int64_t from)
{
    const catalog_matter *m = catalog_find(r, matter_code);
    char key[64], unit_key[64];
    snprintf(key, sizeof key, "%s_limit", which);
    snprintf(unit_key, sizeof unit_key, "%s_limit_unit", which);
    int64_t n = m ? tb_json_int(m->guide, key, -1) : -1;
    const char *unit = m ? tb_json_str(m->guide, unit_key) : NULL;
    if (n < 0 || n > 3650)
        return 0;
    if (unit && strstr(unit, "自然日"))
        return from + n * 86400;
    const calendar *c = calendar_current(r->db);
    int64_t due;
    return c && calendar_add_working_days(c, from, (int)n, &due) == 0 ? due : 0;
}

void work_deadline_json(tb_req *r, int64_t due_at, int64_t paused_at, const char *status, json_t *into)
{
    static const char *const final[] = {"completed", "refused", "rejected", "voided", NULL};
    for (int i = 0; final[i]; i++)
        if (!strcmp(status, final[i]) || !due_at) {
            json_object_set_new(into, "deadline", json_null());
            return;
        }
    char iso[32];
    tb_time_iso(due_at, iso);
    const calendar *c = calendar_current(r->db);
    int left = c ? calendar_working_days_left(c, paused_at ? paused_at : tb_now(), due_at) : 0;
    const char *warning = paused_at ? "paused" : left < 0 ? "red" : left <= WARN_DAYS ? "yellow" : "green";
    json_object_set_new(into, "deadline", json_pack("{s:s, s:i, s:s}", "due_at", iso, "remaining_working_days", left,
                                                    "warning", warning));
}

/* ---- the scheduler ---- */
static void remind_task(tb_req *r, const json_t *change)
{
    flow_error fe = {0};
    json_t *task = flow_task_detail(r->db, tb_json_int(change, "task_id", 0), &fe);
    int64_t assignee = tb_json_int(task, "assignee", 0);
    const char *phone = assignee ? org_staff_phone(r, assignee) : NULL;
    if (phone) {
        char text[256];
        snprintf(text, sizeof text, "【黑龙江公安】办件%s的环节“%s”已超期，请尽快办理。",
                 tb_json_str(change, "business_key") ? tb_json_str(change, "business_key") : "",
                 tb_json_str(task, "name") ? tb_json_str(task, "name") : "");
        notify_sms_send(r->db, phone, "reminder", text);
    }
    json_decref(task);
    flow_error_clear(&fe);
}

static void tick(tb_req *r, flow_ctx *fc)
{
    flow_error fe = {0};
    int64_t now = tb_now();
    json_t *changes = flow_timers_run(r->db, now, fc, &fe);
    size_t i;
    json_t *v;
    json_array_foreach(changes, i, v) remind_task(r, v);
    json_decref(changes);
    flow_error_clear(&fe);
    json_t *late = store_overdue_cases(r->db, now);
    json_array_foreach(late, i, v) {
        int64_t id = tb_json_int(v, "id", 0);
        store_history_add(r->db, id, "期限督办", "overdue", "accepted", "系统", "已超过承诺办结期限");
        audit_record_as(r->db, "system", "scheduler", "local", "case.overdue", tb_json_str(v, "serial"), "ok", "");
    }
    json_decref(late);
}

static void *scheduler_init(tb_req *r) { return work_flow(r); }

static void scheduler_tick(tb_req *r, void *state) { tick(r, state); }

int work_scheduler_start(void)
{
    static const tb_background job = {.name = "work scheduler", .period_ms = TICK_SECONDS * 1000, .rules = true,
                                       .init = scheduler_init, .tick = scheduler_tick};
    return tb_background_start(&job);
}
