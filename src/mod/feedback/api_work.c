/* Staff routes (work portal): the list and detail of consultations,
 * complaints and suggestions in the data scope, replies to consultations and
 * suggestions, complaints typed in from phone calls and visits, the complaint
 * steps 登记 → 调查 → 审核 → (批示) → 办结 and the statistics per department
 * and officer. Every step is recorded with actor, time and opinion and
 * audited in its transaction; the result goes back to the citizen (in-app
 * message + SMS) in the same transaction. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/calendar/calendar.h"
#include "mod/feedback/feedback_internal.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"
#include "rules/validators.h"

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (!strcmp(s, *set))
            return true;
    return false;
}

static const char *const KINDS[] = {"consultation", "complaint", "suggestion", NULL};
static const char *const STATUSES[] = {"open",       "submitted", "replied",    "registered",
                                       "investigated", "reviewed", "instructed", "concluded", NULL};
static const char *const CHANNELS[] = {"web", "mobile", "phone", "visit", NULL};
static const char *const FINDINGS[] = {"founded", "partly", "unfounded", NULL};

/* ---- list and detail ---- */
static void add_item(tb_req *r, const fb_item *f, void *arg) { json_array_append_new(arg, fb_staff_json(r, f, false)); }

static const char *query_in(tb_req *r, const char *key, const char *const *set)
{
    const char *v = tb_req_query(r, key);
    if (r->replied || !v || !*v)
        return NULL;
    if (!one_of(v, set)) {
        tb_reply_err(r, TB_E_INVALID_FIELD, key);
        return NULL;
    }
    return v;
}

static void get_list(tb_req *r)
{
    int64_t page, size, total = 0, overdue = 0;
    fb_filter f = {.now = tb_now()};
    if (tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "department_id", 0, 0, INT64_MAX, &f.department_id) != 0 ||
        tb_req_query_int(r, "overdue", 0, 0, 1, &overdue) != 0)
        return;
    f.kind = query_in(r, "kind", KINDS);
    f.status = query_in(r, "status", STATUSES);
    f.channel = query_in(r, "channel", CHANNELS);
    f.q = tb_req_query(r, "q");
    if (r->replied)
        return;
    if (f.q && !*f.q)
        f.q = NULL;
    if (f.q && tb_json_cp_len(f.q) > 50)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "q");
    f.overdue = overdue == 1;
    f.scope = fb_scope_text(r);
    json_t *items = json_array();
    if (fb_store_list(r, &f, size, (page - 1) * size, add_item, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_detail(tb_req *r)
{
    const fb_item *f = fb_staff_item(r);
    if (f)
        tb_reply_json(r, 200, fb_staff_json(r, f, true));
}

static void reply_fresh(tb_req *r, int64_t id, int status)
{
    fb_item fresh;
    if (fb_store_get(r, id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, status, fb_staff_json(r, &fresh, true));
}

/* ---- reply to a consultation or suggestion ---- */
typedef struct {
    tb_req *r;
    const fb_item *f;
    const char *text, *name;
} reply_ctx;

static int reply_tx(tb_db *db, void *arg)
{
    reply_ctx *c = arg;
    tb_req *r = c->r;
    int64_t now = tb_now();
    long n = fb_store_reply(db, c->f->id, c->text, r->subject_id, now);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    if (fb_store_step(db, c->f->id, "reply", "staff", r->subject_id, c->name, c->text, now) != 0 ||
        audit_record(r, tb_arena_printf(r->arena, "%s.reply", c->f->kind),
                     tb_arena_printf(r->arena, "feedback:%lld", (long long)c->f->id), "ok", "") != 0)
        return -1;
    if (c->f->citizen_id > 0) {
        const char *what = fb_kind_name(c->f->kind);
        const char *link = tb_arena_printf(r->arena, "/my/%ss/%lld", c->f->kind, (long long)c->f->id);
        if (notify_citizen(r, c->f->citizen_id, c->f->kind, tb_arena_printf(r->arena, "您的%s已答复", what),
                           tb_arena_printf(r->arena, "您提交的%s“%s”已有答复，请登录个人空间查看。", what, c->f->title),
                           link) != 0)
            return -1;
    }
    return 0;
}

static void post_reply(tb_req *r)
{
    reply_ctx c = {.r = r};
    tb_jfield spec[] = {TB_JSTR("reply", &c.text, true, FB_REPLY_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !(c.f = fb_staff_item(r)))
        return;
    if (!strcmp(c.f->kind, "complaint"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "投诉按登记、调查、审核、批示、办结流程处理，不能直接答复");
    c.name = fb_staff_name(r);
    int rc = tb_db_tx(r->db, reply_tx, &c);
    if (rc == 1)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "已答复，不能重复答复");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, c.f->id, 200);
}

/* ---- a complaint received by phone or at a visit, typed in by staff ---- */
typedef struct {
    tb_req *r;
    fb_item f;
    const char *name;
} typed_ctx;

static int typed_tx(tb_db *db, void *arg)
{
    typed_ctx *c = arg;
    c->f.id = fb_store_insert(db, &c->f);
    if (c->f.id < 0 || fb_store_step(db, c->f.id, "typed", "staff", c->r->subject_id, c->name,
                                     tb_arena_printf(c->r->arena, "%s投诉录入", fb_channel_name(c->f.channel)),
                                     c->f.created_at) != 0)
        return -1;
    return audit_record(c->r, "complaint.typed", tb_arena_printf(c->r->arena, "feedback:%lld", (long long)c->f.id), "ok",
                        c->f.channel);
}

static void post_typed(tb_req *r)
{
    typed_ctx c = {.r = r};
    fb_item *f = &c.f;
    int64_t dept = 0;
    const char *email = NULL, *phone = NULL;
    f->kind = "complaint";
    tb_jfield spec[] = {TB_JSTR("channel", &f->channel, true, 10),
                        TB_JSTR("title", &f->title, true, FB_TITLE_MAX),
                        TB_JSTR("content", &f->content, true, FB_CONTENT_MAX),
                        TB_JINT("department_id", &dept, true, 1, INT64_MAX),
                        TB_JSTR("matter_code", &f->matter_code, false, 64),
                        TB_JSTR("contact_name", &f->contact_name, true, 30),
                        TB_JSTR("contact_phone", &phone, false, 20),
                        TB_JSTR("email", &email, false, 100),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (strcmp(f->channel, "phone") && strcmp(f->channel, "visit"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "channel", "工作人员录入的投诉渠道只能是 phone（来电）或 visit（来访）");
    if (phone && *phone && !tb_valid_phone(phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "contact_phone");
    if (fb_check_submission(r, f, dept, email) != 0)
        return;
    if (!org_can_see_department(r, dept))
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "department_id");
    f->contact_phone_enc = fb_encrypt(r, phone);
    f->created_by = r->subject_id;
    f->created_at = tb_now();
    f->due_at = fb_due(r, "complaint", f->created_at);
    if (!f->due_at)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    c.name = fb_staff_name(r);
    if (tb_db_tx(r->db, typed_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, f->id, 201);
}

/* ---- the complaint steps ---- */
typedef struct {
    tb_req *r;
    const fb_item *f;
    const char *step, *from, *to, *opinion, *finding, *name;
    bool approved;
    int64_t tdept, tstaff;
} step_ctx;

static int conclude_notice(step_ctx *c)
{
    tb_req *r = c->r;
    const char *text = tb_arena_printf(r->arena, "您的投诉“%s”已办结，请登录个人空间“我的投诉”查看办理结果。", c->f->title);
    if (c->f->citizen_id > 0)
        return notify_citizen(r, c->f->citizen_id, "complaint", "您的投诉已办结", text,
                              tb_arena_printf(r->arena, "/my/complaints/%lld", (long long)c->f->id));
    const char *phone = fb_decrypt(r, c->f->contact_phone_enc);
    if (!phone) /* a visitor who left no phone is told at the counter */
        return 0;
    return notify_sms_send(r->db, phone, "complaint",
                           tb_arena_printf(r->arena, "【黑龙江公安】您的投诉“%s”已办结，结论：%s。", c->f->title,
                                           fb_finding_name(c->finding)));
}

static int step_tx(tb_db *db, void *arg)
{
    step_ctx *c = arg;
    tb_req *r = c->r;
    int64_t now = tb_now();
    long n = 0;
    if (!strcmp(c->step, "conclude")) {
        n = fb_store_conclude(db, c->f->id, c->finding, c->tdept, c->tstaff, c->opinion, r->subject_id, now);
    } else {
        n = fb_store_move(db, c->f->id, c->from, c->to, now);
    }
    if (n <= 0)
        return n < 0 ? -1 : 1;
    const char *step = !strcmp(c->step, "review") && !c->approved ? "return" : c->step;
    if (fb_store_step(db, c->f->id, step, "staff", r->subject_id, c->name, c->opinion, now) != 0)
        return -1;
    const char *detail = !strcmp(c->step, "conclude")
                             ? tb_arena_printf(r->arena, "finding=%s department=%lld staff=%lld", c->finding,
                                               (long long)c->tdept, (long long)c->tstaff)
                             : step;
    if (audit_record(r, tb_arena_printf(r->arena, "complaint.%s", c->step),
                     tb_arena_printf(r->arena, "feedback:%lld", (long long)c->f->id), "ok", detail) != 0)
        return -1;
    return !strcmp(c->step, "conclude") ? conclude_notice(c) : 0;
}

static const char *step_order_message(const char *step)
{
    if (!strcmp(step, "register"))
        return "只有待处理的投诉可以登记";
    if (!strcmp(step, "investigate"))
        return "投诉须先登记才能调查";
    if (!strcmp(step, "review"))
        return "投诉须先调查才能审核";
    if (!strcmp(step, "instruct"))
        return "投诉须先审核通过才能批示";
    return "投诉须审核通过（或批示）后才能办结";
}

static void complaint_step(tb_req *r, const char *step, const char *from, const char *to)
{
    step_ctx c = {.r = r, .step = step, .from = from, .to = to, .approved = true};
    tb_jfield basic[] = {TB_JSTR("opinion", &c.opinion, true, FB_OPINION_MAX), TB_JEND};
    tb_jfield review[] = {TB_JSTR("opinion", &c.opinion, true, FB_OPINION_MAX), TB_JBOOL("approved", &c.approved, false),
                          TB_JEND};
    tb_jfield conclude[] = {TB_JSTR("opinion", &c.opinion, true, FB_REPLY_MAX),
                            TB_JSTR("finding", &c.finding, true, 10),
                            TB_JINT("target_department_id", &c.tdept, false, 1, INT64_MAX),
                            TB_JINT("target_staff_id", &c.tstaff, false, 1, INT64_MAX),
                            TB_JEND};
    const tb_jfield *spec = !strcmp(step, "review") ? review : !strcmp(step, "conclude") ? conclude : basic;
    if (!tb_req_json_spec(r, spec))
        return;
    if (c.finding && !one_of(c.finding, FINDINGS))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "finding",
                                   "认定结论只能是 founded（成立）、partly（部分成立）或 unfounded（不成立）");
    if (!(c.f = fb_staff_item(r)))
        return;
    if (strcmp(c.f->kind, "complaint"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "咨询和建议直接答复，不走投诉处理流程");
    if (!strcmp(step, "review") && !c.approved)
        c.to = "registered"; /* sent back for another investigation */
    if (!strcmp(step, "conclude")) {
        if (!c.tdept)
            c.tdept = c.f->department_id;
        else if (!fb_store_department_name(r, c.tdept))
            return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "target_department_id");
        org_staff s;
        if (c.tstaff && org_staff_get(r, c.tstaff, &s) != 0)
            return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "target_staff_id");
    }
    c.name = fb_staff_name(r);
    int rc = tb_db_tx(r->db, step_tx, &c);
    if (rc == 1)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", step_order_message(step));
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, c.f->id, 200);
}

static void post_register(tb_req *r) { complaint_step(r, "register", "submitted", "registered"); }
static void post_investigate(tb_req *r) { complaint_step(r, "investigate", "registered", "investigated"); }
static void post_review(tb_req *r) { complaint_step(r, "review", "investigated", "reviewed"); }
static void post_instruct(tb_req *r) { complaint_step(r, "instruct", "reviewed", "instructed"); }
static void post_conclude(tb_req *r) { complaint_step(r, "conclude", NULL, "concluded"); }

/* ---- the officers of a department, for the conclusion ---- */
static void get_department_staff(tb_req *r)
{
    int64_t dept = 0;
    if (tb_req_query_int(r, "department_id", 0, 1, INT64_MAX, &dept) != 0)
        return;
    if (!dept)
        return tb_reply_err(r, TB_E_FIELD_REQUIRED, "department_id");
    if (!fb_store_department_name(r, dept))
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "department_id");
    json_t *items = fb_store_department_staff(r, dept);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* ---- statistics ---- */
static int date_param(tb_req *r, const char *key, bool end, int64_t *out)
{
    const char *s = tb_req_query(r, key);
    if (r->replied)
        return -1;
    if (!s || !*s)
        return 0;
    int32_t day;
    if (calendar_parse_date(s, &day) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, key, "日期格式应为 YYYY-MM-DD");
    *out = calendar_day_start(day) + (end ? 86399 : 0);
    return 0;
}

static void get_stats(tb_req *r)
{
    int64_t from = 0, to = INT64_MAX / 2;
    if (date_param(r, "from", false, &from) != 0 || date_param(r, "to", true, &to) != 0)
        return;
    if (from > to)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "to", "结束日期不能早于开始日期");
    const char *scope = fb_scope_text(r);
    json_t *depts = fb_store_stats_departments(r, from, to, scope);
    json_t *officers = fb_store_stats_officers(r, from, to, scope);
    int64_t received = 0, concluded = 0, founded = 0;
    size_t i;
    json_t *v;
    json_array_foreach(depts, i, v) {
        received += json_integer_value(json_object_get(v, "received"));
        concluded += json_integer_value(json_object_get(v, "concluded"));
        founded += json_integer_value(json_object_get(v, "founded"));
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:o, s:{s:I, s:I, s:I}}", "departments", depts, "officers", officers,
                                    "totals", "received", (json_int_t)received, "concluded", (json_int_t)concluded,
                                    "founded", (json_int_t)founded));
}

const tb_route fb_work_routes[] = {
    {"GET", "/api/v1/work/feedback", get_list, TB_AUTH_STAFF, "feedback.read", 0, "feedback",
     "咨询、投诉、建议列表（数据范围内；按类别、状态、渠道、部门、超期筛选）"},
    {"GET", "/api/v1/work/feedback/{id}", get_detail, TB_AUTH_STAFF, "feedback.read", 0, "feedback",
     "咨询、投诉、建议详情及处理记录"},
    {"POST", "/api/v1/work/feedback/{id}/reply", post_reply, TB_AUTH_STAFF, "feedback.reply", TB_R_JSON, "feedback",
     "答复咨询或建议（短信和站内信通知群众）"},
    {"POST", "/api/v1/work/complaints", post_typed, TB_AUTH_STAFF, "complaint.handle", TB_R_JSON, "feedback",
     "录入来电、来访投诉"},
    {"POST", "/api/v1/work/complaints/{id}/register", post_register, TB_AUTH_STAFF, "complaint.handle", TB_R_JSON,
     "feedback", "投诉登记"},
    {"POST", "/api/v1/work/complaints/{id}/investigate", post_investigate, TB_AUTH_STAFF, "complaint.handle", TB_R_JSON,
     "feedback", "投诉调查"},
    {"POST", "/api/v1/work/complaints/{id}/review", post_review, TB_AUTH_STAFF, "complaint.review", TB_R_JSON,
     "feedback", "投诉审核（通过，或退回重新调查）"},
    {"POST", "/api/v1/work/complaints/{id}/instruct", post_instruct, TB_AUTH_STAFF, "complaint.review", TB_R_JSON,
     "feedback", "领导批示"},
    {"POST", "/api/v1/work/complaints/{id}/conclude", post_conclude, TB_AUTH_STAFF, "complaint.handle", TB_R_JSON,
     "feedback", "投诉办结：认定结论、被投诉部门和人员（推送结果给群众）"},
    {"GET", "/api/v1/work/complaint-staff", get_department_staff, TB_AUTH_STAFF, "complaint.handle", 0, "feedback",
     "部门在职人员（办结时选择被投诉人员）"},
    {"GET", "/api/v1/work/complaint-stats", get_stats, TB_AUTH_STAFF, "complaint.stats", 0, "feedback",
     "投诉统计：按部门、按人员的受理量、成立数、平均办理天数"},
};
const size_t fb_work_nroutes = sizeof fb_work_routes / sizeof fb_work_routes[0];
