/* Citizens' routes: submit a consultation, complaint or suggestion; 我的咨询 /
 * 我的投诉 / 我的建议 (newest first, paged, owner only — another account's item
 * answers 404); a complaint's conclusion behind the SMS second factor; the
 * department list of the forms. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/feedback/feedback_internal.h"
#include "mod/identity/identity.h"

typedef struct {
    tb_req *r;
    fb_item f;
} submit_ctx;

static int submit_tx(tb_db *db, void *arg)
{
    submit_ctx *c = arg;
    c->f.id = fb_store_insert(db, &c->f);
    if (c->f.id < 0 || fb_store_step(db, c->f.id, "submit", "citizen", c->r->subject_id, c->f.contact_name, "",
                                     c->f.created_at) != 0)
        return -1;
    return audit_record(c->r, tb_arena_printf(c->r->arena, "%s.submit", c->f.kind),
                        tb_arena_printf(c->r->arena, "feedback:%lld", (long long)c->f.id), "ok", c->f.channel);
}

static void submit(tb_req *r, const char *kind)
{
    submit_ctx c = {.r = r};
    fb_item *f = &c.f;
    int64_t dept = 0;
    const char *email = NULL;
    f->kind = kind;
    f->channel = "web";
    tb_jfield spec[] = {TB_JSTR("title", &f->title, true, FB_TITLE_MAX),
                        TB_JSTR("content", &f->content, true, FB_CONTENT_MAX),
                        TB_JINT("department_id", &dept, true, 1, INT64_MAX),
                        TB_JSTR("matter_code", &f->matter_code, false, 64),
                        TB_JSTR("email", &email, false, 100),
                        TB_JSTR("channel", &f->channel, false, 10),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (strcmp(f->channel, "web") && strcmp(f->channel, "mobile"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "channel", "网上提交的渠道只能是 web 或 mobile");
    if (fb_check_submission(r, f, dept, email) != 0)
        return;
    identity_citizen me;
    if (identity_citizen_get(r, r->subject_id, &me) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    f->citizen_id = me.id;
    f->contact_name = me.name;
    f->contact_phone_enc = fb_encrypt(r, me.phone);
    f->status = "submitted";
    f->created_at = tb_now();
    f->due_at = fb_due(r, kind, f->created_at);
    if (!f->due_at)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (tb_db_tx(r->db, submit_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    fb_item fresh;
    if (fb_store_get(r, f->id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 201, fb_citizen_json(r, &fresh, true));
}

static void add_item(tb_req *r, const fb_item *f, void *arg) { json_array_append_new(arg, fb_citizen_json(r, f, false)); }

static void list(tb_req *r, const char *kind)
{
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = json_array();
    if (fb_store_of_citizen(r, r->subject_id, kind, size, (page - 1) * size, add_item, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

/* The citizen's own item of this kind; NULL after replying 404 (also for another account's item). */
static const fb_item *own(tb_req *r, const char *kind)
{
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    fb_item *f = tb_arena_alloc(r->arena, sizeof *f);
    int rc = *end || id <= 0 ? 1 : fb_store_get(r, id, f);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    if (rc == 1 || f->citizen_id != r->subject_id || strcmp(f->kind, kind))
        return tb_reply_err(r, TB_E_FEEDBACK_NOT_FOUND, "id"), NULL;
    return f;
}

static void detail(tb_req *r, const char *kind)
{
    const fb_item *f = own(r, kind);
    if (f)
        tb_reply_json(r, 200, fb_citizen_json(r, f, true));
}

static void post_consultation(tb_req *r) { submit(r, "consultation"); }
static void post_complaint(tb_req *r) { submit(r, "complaint"); }
static void post_suggestion(tb_req *r) { submit(r, "suggestion"); }
static void get_consultations(tb_req *r) { list(r, "consultation"); }
static void get_complaints(tb_req *r) { list(r, "complaint"); }
static void get_suggestions(tb_req *r) { list(r, "suggestion"); }
static void get_consultation(tb_req *r) { detail(r, "consultation"); }
static void get_complaint(tb_req *r) { detail(r, "complaint"); }
/* A suggestion and its reply only inside the second-factor window (§1-1-3-7-4-5); the list is open. */
static void get_suggestion(tb_req *r)
{
    const fb_item *f = own(r, "suggestion");
    if (f && identity_elevated(r))
        tb_reply_json(r, 200, fb_citizen_json(r, f, true));
}

/* The conclusion of one's own complaint: only inside the second-factor window. */
static void get_conclusion(tb_req *r)
{
    const fb_item *f = own(r, "complaint");
    if (!f || !identity_elevated(r))
        return;
    if (strcmp(f->status, "concluded"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "投诉尚未办结");
    if (audit_record(r, "complaint.conclusion.read", tb_arena_printf(r->arena, "feedback:%lld", (long long)f->id),
                     "ok", "") != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200,
                  json_pack("{s:I, s:{s:s, s:s}, s:s, s:s, s:s}", "id", (json_int_t)f->id, "finding", "code",
                            f->finding, "name", fb_finding_name(f->finding), "result", f->reply, "department",
                            f->target_department_name, "concluded_at", tb_req_iso(r, f->concluded_at)));
}

static void get_departments(tb_req *r)
{
    json_t *items = fb_store_departments(r);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

const tb_route fb_citizen_routes[] = {
    {"GET", "/api/v1/feedback/departments", get_departments, TB_AUTH_PUBLIC, NULL, 0, "feedback",
     "可受理咨询、投诉、建议的部门（部门树，按层级）"},
    {"POST", "/api/v1/me/consultations", post_consultation, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "feedback", "提交咨询"},
    {"GET", "/api/v1/me/consultations", get_consultations, TB_AUTH_CITIZEN, NULL, 0, "feedback", "我的咨询"},
    {"GET", "/api/v1/me/consultations/{id}", get_consultation, TB_AUTH_CITIZEN, NULL, 0, "feedback",
     "咨询明细及答复（本人）"},
    {"POST", "/api/v1/me/complaints", post_complaint, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "feedback", "提交投诉"},
    {"GET", "/api/v1/me/complaints", get_complaints, TB_AUTH_CITIZEN, NULL, 0, "feedback", "我的投诉"},
    {"GET", "/api/v1/me/complaints/{id}", get_complaint, TB_AUTH_CITIZEN, NULL, 0, "feedback",
     "投诉明细及办理进度（本人）"},
    {"GET", "/api/v1/me/complaints/{id}/conclusion", get_conclusion, TB_AUTH_CITIZEN, NULL, 0, "feedback",
     "投诉办理结果（本人，须在短信二次验证有效期内）"},
    {"POST", "/api/v1/me/suggestions", post_suggestion, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "feedback", "提交建议"},
    {"GET", "/api/v1/me/suggestions", get_suggestions, TB_AUTH_CITIZEN, NULL, 0, "feedback", "我的建议"},
    {"GET", "/api/v1/me/suggestions/{id}", get_suggestion, TB_AUTH_CITIZEN, NULL, 0, "feedback",
     "建议明细及答复（本人）"},
};
const size_t fb_citizen_nroutes = sizeof fb_citizen_routes / sizeof fb_citizen_routes[0];
