/* Staff actions on a case (受理, 不予受理, 补正, 审批, 不予许可, 挂起, 重启,
 * 办结, 作废) and task claiming. Each action is one transaction: the case row,
 * the flow transition, the history entry and the audit record commit
 * together or not at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/evaluation/evaluation.h"
#include "mod/identity/identity.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"
#include "mod/work/work_internal.h"

typedef struct {
    tb_req *r;
    work_case c;
    const char *action, *comment, *result;
    flow_actor actor;
    org_staff who;
    tb_error err;
} act;

static int fail(act *a, tb_errcode code, const char *field, const char *message)
{
    return tb_fail_msg(&a->err, code, field, message);
}

static int flow_fail(act *a, flow_error *fe)
{
    work_flow_error(&a->err, fe);
    if (fe->message[0])
        a->err.message = tb_arena_strdup(a->r->arena, fe->message);
    flow_error_clear(fe);
    return -1;
}

static bool is(const char *s, const char *a, const char *b) { return !strcmp(s, a) || (b && !strcmp(s, b)); }

/* The case's open task the actor may work on, claimed for the actor; its
 * id and name through out-parameters. */
static int take_task(act *a, int64_t *task, const char **name)
{
    flow_error fe = {0};
    flow_task_filter f = {.state = "open", .business_key = a->c.serial, .page = 1, .page_size = 20};
    json_t *list = flow_tasks_visible(a->r->db, &a->actor, &f, &fe);
    json_t *t = json_array_get(json_object_get(list, "items"), 0);
    if (!t) {
        json_decref(list);
        flow_error_clear(&fe);
        return fail(a, TB_E_FORBIDDEN, NULL, "当前没有您可办理的环节");
    }
    *task = tb_json_int(t, "id", 0);
    *name = tb_arena_strdup(a->r->arena, tb_json_str(t, "name"));
    bool unclaimed = json_is_null(json_object_get(t, "assignee"));
    json_decref(list);
    if (unclaimed && flow_task_claim(a->r->db, work_flow(a->r), *task, &a->actor, &fe) != 0)
        return flow_fail(a, &fe);
    return 0;
}

static int complete(act *a, const char *decision, const char **step)
{
    int64_t task = 0;
    if (!a->c.flow_instance_id) {
        *step = a->c.current_step;
        return 0;
    }
    if (take_task(a, &task, step) != 0)
        return -1;
    json_t *vars = a->result ? json_pack("{s:s}", "result", a->result) : NULL;
    flow_error fe = {0};
    int rc = flow_task_complete(a->r->db, work_flow(a->r), task, &a->actor, decision, a->comment, vars, 0, &fe);
    json_decref(vars);
    return rc ? flow_fail(a, &fe) : 0;
}

static int flow_op(act *a, int (*op)(tb_db *, flow_ctx *, int64_t, const flow_actor *, const char *, flow_error *))
{
    flow_error fe = {0};
    if (!a->c.flow_instance_id)
        return 0;
    flow_actor system = a->actor;
    system.admin = true; /* the case action was authorised by its permission and scope */
    return op(a->r->db, work_flow(a->r), a->c.flow_instance_id, &system, a->comment, &fe) ? flow_fail(a, &fe) : 0;
}

static int history(act *a, const char *step, const char *status)
{
    const char *actor = tb_arena_printf(a->r->arena, "%s（%s）", a->who.name,
                                        a->who.department_name ? a->who.department_name : "工作人员");
    return store_history_add(a->r->db, a->c.id, step ? step : a->c.current_step, a->action, status, actor,
                             a->comment);
}

/* Tells the applicant by SMS; a failure to notify does not undo the action. */
static void tell_applicant(act *a, const char *what)
{
    identity_citizen who;
    if (identity_citizen_get(a->r, a->c.applicant_id, &who) != 0 || !who.phone)
        return;
    char text[512];
    snprintf(text, sizeof text, "【黑龙江公安】您的办件%s%s。%s%s", a->c.serial, what, a->comment ? "说明：" : "",
             a->comment ? a->comment : "");
    if (notify_sms_send(a->r->db, who.phone, "case", text) != 0)
        tb_warn("work: could not notify the applicant of case %s", a->c.serial);
}

static int do_accept(act *a)
{
    const char *step;
    if (!is(a->c.status, "submitted", NULL))
        return fail(a, TB_E_CONFLICT, "action", "只有已提交的办件可以受理");
    if (complete(a, "approve", &step) != 0)
        return -1;
    int64_t now = tb_now();
    if (store_case_accept(a->r->db, a->c.id, now, work_due_from(a->r, a->c.matter_code, "promised", now),
                          work_due_from(a->r, a->c.matter_code, "statutory", now)) != 0)
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    if (evaluation_case_accepted(a->r, a->c.id) != 0) /* 承诺件: the evaluation of the acceptance is due */
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    tell_applicant(a, "已受理");
    return history(a, step, "accepted");
}

static int do_pause(act *a, const char *status, const char *what)
{
    if (!is(a->c.status, "submitted", "accepted"))
        return fail(a, TB_E_CONFLICT, "action", "办件当前状态不能执行该操作");
    if (flow_op(a, flow_instance_suspend) != 0)
        return -1;
    if (store_case_pause(a->r->db, a->c.id, status, a->c.status, tb_now()) != 0)
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    tell_applicant(a, what);
    return history(a, NULL, status);
}

static int do_resume(act *a)
{
    if (!is(a->c.status, "suspended", NULL))
        return fail(a, TB_E_CONFLICT, "action", "只有已挂起的办件可以重启");
    if (flow_op(a, flow_instance_resume) != 0)
        return -1;
    if (store_case_unpause(a->r->db, a->c.id, tb_now()) != 0)
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    return history(a, NULL, a->c.resume_status ? a->c.resume_status : "accepted");
}

/* Ends the case with a final status, cancelling what is left of its flow. */
static int end_case(act *a, const char *status, const char *step, const char *what)
{
    work_case now;
    if (store_case_load(a->r->db, a->c.serial, &now, a->r->arena) != 0)
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    if (!strcmp(now.status, "completed") && !strcmp(status, "completed")) { /* the flow ended it */
        if (history(a, step, status) != 0 || evaluation_case_finished(a->r, a->c.id) != 0)
            return -1;
        tell_applicant(a, what);
        return store_history_add(a->r->db, a->c.id, "办结", "finish", "completed", "系统", "流程办结");
    }
    if (flow_op(a, flow_instance_cancel) != 0 && a->err.code != TB_E_CONFLICT)
        return -1;
    tb_error_clear(&a->err);
    if (store_case_finish(a->r->db, a->c.id, status, a->result, tb_now()) != 0 ||
        (!strcmp(status, "completed") && evaluation_case_finished(a->r, a->c.id) != 0))
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    tell_applicant(a, what);
    return history(a, step, status);
}

static int do_decide(act *a, bool approve)
{
    const char *step;
    if (!is(a->c.status, "accepted", NULL))
        return fail(a, TB_E_CONFLICT, "action", "只有已受理的办件可以审批");
    if (complete(a, approve ? "approve" : "reject", &step) != 0)
        return -1;
    if (!approve)
        return end_case(a, "refused", step, "经审查不予许可");
    work_case now;
    if (store_case_load(a->r->db, a->c.serial, &now, a->r->arena) != 0)
        return fail(a, TB_E_INTERNAL, NULL, NULL);
    if (!a->c.flow_instance_id || !strcmp(now.status, "completed"))
        return end_case(a, "completed", step, "已办结");
    return history(a, step, "accepted");
}

static int do_finish(act *a)
{
    const char *step;
    if (!is(a->c.status, "accepted", NULL))
        return fail(a, TB_E_CONFLICT, "action", "只有已受理的办件可以办结");
    if (!a->result || !*a->result)
        return fail(a, TB_E_FIELD_REQUIRED, "result", "办结时须填写办理结果");
    if (complete(a, "approve", &step) != 0)
        return -1;
    return end_case(a, "completed", step, "已办结");
}

static int act_tx(tb_db *db, void *arg)
{
    act *a = arg;
    const char *x = a->action;
    bool needs_reason = is(x, "reject", "return") || is(x, "refuse", "suspend") || is(x, "void", NULL);
    if (store_case_load(db, a->c.serial, &a->c, a->r->arena) != 0 ||
        !org_can_see_department(a->r, a->c.department_id))
        return fail(a, TB_E_CASE_NOT_FOUND, "serial", NULL); /* out of scope looks like absent */
    if (needs_reason && (!a->comment || !*a->comment))
        return fail(a, TB_E_FIELD_REQUIRED, "comment", "请填写理由");
    int rc;
    if (is(x, "accept", NULL))
        rc = do_accept(a);
    else if (is(x, "reject", NULL))
        rc = is(a->c.status, "submitted", NULL) ? end_case(a, "rejected", NULL, "不予受理")
                                                : fail(a, TB_E_CONFLICT, "action", "只有已提交的办件可以不予受理");
    else if (is(x, "return", NULL))
        rc = do_pause(a, "returned", "需要补正，请登录办事平台修改后重新提交");
    else if (is(x, "approve", "refuse"))
        rc = do_decide(a, is(x, "approve", NULL));
    else if (is(x, "suspend", NULL))
        rc = do_pause(a, "suspended", "已挂起");
    else if (is(x, "resume", NULL))
        rc = do_resume(a);
    else if (is(x, "finish", NULL))
        rc = do_finish(a);
    else if (is(x, "void", NULL))
        rc = is(a->c.status, "completed", "voided") || is(a->c.status, "refused", "rejected")
                 ? fail(a, TB_E_CONFLICT, "action", "办件已结束，不能作废")
                 : end_case(a, "voided", NULL, "已作废");
    else
        rc = fail(a, TB_E_INVALID_FIELD, "action", NULL);
    return rc ? rc : audit_record(a->r, tb_arena_printf(a->r->arena, "case.%s", x), a->c.serial, "ok", "");
}

void work_post_action(tb_req *r)
{
    act a = {.r = r};
    tb_jfield spec[] = {TB_JSTR("action", &a.action, true, 20), TB_JSTR("comment", &a.comment, false, 500),
                        TB_JSTR("result", &a.result, false, 500), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    a.c.serial = r->params[0];
    if (org_flow_actor(r, &a.actor) != 0 || org_staff_get(r, r->subject_id, &a.who) != 0)
        return tb_reply_err(r, TB_E_FORBIDDEN, NULL);
    if (tb_db_tx(r->db, act_tx, &a) != 0) {
        if (a.err.code == TB_E_OK)
            a.err.code = TB_E_INTERNAL;
        return tb_reply_error(r, &a.err);
    }
    work_case c;
    store_case_load(r->db, a.c.serial, &c, r->arena);
    tb_reply_json(r, 200, json_pack("{s:s, s:s, s:s?}", "serial", c.serial, "status", c.status, "current_step",
                                    c.current_step));
}

void work_post_claim(tb_req *r)
{
    flow_actor actor;
    flow_error fe = {0};
    tb_error e = {0};
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id <= 0)
        return tb_reply_err(r, TB_E_NOT_FOUND, "id");
    json_t *task = flow_task_detail(r->db, id, &fe);
    work_case c;
    const char *serial = tb_json_str(task, "business_key");
    bool visible = serial && store_case_load(r->db, serial, &c, r->arena) == 0 &&
                   org_can_see_department(r, c.department_id);
    json_decref(task);
    flow_error_clear(&fe);
    if (!visible || org_flow_actor(r, &actor) != 0)
        return tb_reply_err(r, TB_E_NOT_FOUND, "id");
    if (flow_task_claim(r->db, work_flow(r), id, &actor, &fe) != 0) {
        work_flow_error(&e, &fe);
        flow_error_clear(&fe);
        return tb_reply_error(r, &e);
    }
    audit_record(r, "task.claim", c.serial, "ok", "");
    tb_reply_json(r, 200, json_pack("{s:I, s:s}", "task_id", (json_int_t)id, "serial", c.serial));
}
