/* Shared pieces of the feedback module: names, deadlines, encryption and
 * masking, the JSON shapes for citizens and staff, the staff data scope, and
 * the registration of the routes. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/calendar/calendar.h"
#include "mod/feedback/feedback_internal.h"
#include "mod/org/org.h"
#include "rules/validators.h"

static const char *lookup(const char *const (*table)[2], size_t n, const char *key)
{
    for (size_t i = 0; key && i < n; i++)
        if (!strcmp(table[i][0], key))
            return table[i][1];
    return "";
}
#define LOOKUP(t, k) lookup((t), sizeof(t) / sizeof((t)[0]), (k))

static const char *const kinds[][2] = {{"consultation", "咨询"}, {"complaint", "投诉"}, {"suggestion", "建议"}};
static const char *const statuses[][2] = {{"submitted", "待处理"},  {"replied", "已答复"},   {"registered", "已登记"},
                                          {"investigated", "已调查"}, {"reviewed", "已审核"}, {"instructed", "已批示"},
                                          {"concluded", "已办结"}};
static const char *const findings[][2] = {{"founded", "成立"}, {"partly", "部分成立"}, {"unfounded", "不成立"}};
static const char *const channels[][2] = {{"web", "网上"}, {"mobile", "移动端"}, {"phone", "来电"}, {"visit", "来访"}};

const char *fb_kind_name(const char *kind) { return LOOKUP(kinds, kind); }
const char *fb_status_name(const char *status) { return LOOKUP(statuses, status); }
const char *fb_finding_name(const char *finding) { return LOOKUP(findings, finding); }
const char *fb_channel_name(const char *channel) { return LOOKUP(channels, channel); }

int fb_due_days(const char *kind)
{
    return !strcmp(kind, "complaint") ? FB_DAYS_COMPLAINT
           : !strcmp(kind, "suggestion") ? FB_DAYS_SUGGESTION
                                         : FB_DAYS_CONSULTATION;
}

int64_t fb_due(tb_req *r, const char *kind, int64_t at)
{
    const calendar *c = calendar_current(r->db);
    int64_t due = 0;
    if (!c || calendar_add_working_days(c, at, fb_due_days(kind), &due) != 0)
        return 0;
    return due;
}

bool fb_final(const fb_item *f) { return !strcmp(f->status, "replied") || !strcmp(f->status, "concluded"); }

char *fb_encrypt(tb_req *r, const char *plain)
{
    if (!plain || !*plain)
        return NULL;
    char *enc = tb_field_encrypt(plain);
    char *out = enc ? tb_arena_strdup(r->arena, enc) : NULL;
    free(enc);
    return out;
}

const char *fb_decrypt(tb_req *r, const char *enc)
{
    if (!enc || !*enc)
        return NULL;
    char *plain = tb_field_decrypt(enc);
    if (!plain)
        return NULL;
    const char *out = tb_arena_strdup(r->arena, plain);
    tb_wipe(plain, strlen(plain));
    free(plain);
    return out;
}

const char *fb_masked(tb_req *r, const char *enc, void (*mask)(const char *, char out[64]))
{
    const char *plain = fb_decrypt(r, enc);
    if (!plain)
        return NULL;
    char out[64];
    mask(plain, out);
    return tb_arena_strdup(r->arena, out);
}

/* "a***@example.com" */
static const char *mask_email(tb_req *r, const char *enc)
{
    const char *plain = fb_decrypt(r, enc);
    if (!plain)
        return NULL;
    const char *at = strchr(plain, '@');
    return tb_arena_printf(r->arena, "%c***%s", plain[0], at ? at : "");
}

const char *fb_scope_text(tb_req *r)
{
    const int64_t *depts;
    size_t n;
    bool self_only;
    if (org_scope(r, &depts, &n, &self_only))
        return NULL;
    if (n == 0)
        return "0";
    const char *s = "";
    for (size_t i = 0; i < n; i++)
        s = tb_arena_printf(r->arena, "%s%s%lld", s, i ? "," : "", (long long)depts[i]);
    return s;
}

const fb_item *fb_staff_item(tb_req *r)
{
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    fb_item *f = tb_arena_alloc(r->arena, sizeof *f);
    int rc = *end || id <= 0 ? 1 : fb_store_get(r, id, f);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    if (rc == 1 || !org_can_see_department(r, f->department_id))
        return tb_reply_err(r, TB_E_FEEDBACK_NOT_FOUND, "id"), NULL;
    return f;
}

const char *fb_staff_name(tb_req *r)
{
    org_staff s;
    return org_staff_get(r, r->subject_id, &s) == 0 ? s.name : "";
}

int fb_check_submission(tb_req *r, fb_item *f, int64_t department_id, const char *email)
{
    size_t tl = tb_json_cp_len(f->title), cl = tb_json_cp_len(f->content);
    if (tl < FB_TITLE_MIN)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "title",
                             tb_arena_printf(r->arena, "标题至少 %d 个字", FB_TITLE_MIN));
    if (cl < FB_CONTENT_MIN)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "content",
                             tb_arena_printf(r->arena, "内容至少 %d 个字", FB_CONTENT_MIN));
    if (email && *email && !tb_valid_email(email))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "email", "邮箱格式不正确");
    f->department_id = department_id;
    f->department_name = fb_store_department_name(r, department_id);
    if (!f->department_name)
        return tb_reply_fail(r, TB_E_DEPARTMENT_NOT_FOUND, "department_id", NULL);
    if (f->matter_code && *f->matter_code) {
        f->matter_name = fb_store_matter_name(r, f->matter_code);
        if (!f->matter_name)
            return tb_reply_fail(r, TB_E_MATTER_NOT_FOUND, "matter_code", NULL);
    } else {
        f->matter_code = f->matter_name = NULL;
    }
    f->email_enc = fb_encrypt(r, email);
    return 0;
}

static void set_common(tb_req *r, json_t *o, const fb_item *f)
{
    json_object_set_new(o, "id", json_integer(f->id));
    json_object_set_new(o, "kind", json_string(f->kind));
    json_object_set_new(o, "kind_name", json_string(fb_kind_name(f->kind)));
    json_object_set_new(o, "channel", json_string(f->channel));
    json_object_set_new(o, "channel_name", json_string(fb_channel_name(f->channel)));
    json_object_set_new(o, "title", json_string(f->title));
    json_object_set_new(o, "status", json_string(f->status));
    json_object_set_new(o, "status_name", json_string(fb_status_name(f->status)));
    json_object_set_new(o, "department", json_pack("{s:I, s:s}", "id", (json_int_t)f->department_id, "name",
                                                   f->department_name));
    json_object_set_new(o, "matter", f->matter_code && *f->matter_code
                                         ? json_pack("{s:s, s:s}", "code", f->matter_code, "name", f->matter_name)
                                         : json_null());
    json_object_set_new(o, "created_at", json_string(tb_req_iso(r, f->created_at)));
    json_object_set_new(o, "due_at", f->due_at ? json_string(tb_req_iso(r, f->due_at)) : json_null());
    json_object_set_new(o, "finished", json_boolean(fb_final(f)));
}

json_t *fb_citizen_json(tb_req *r, const fb_item *f, bool detail)
{
    json_t *o = json_object();
    set_common(r, o, f);
    bool complaint = !strcmp(f->kind, "complaint");
    if (complaint) /* the conclusion itself is read behind the second factor */
        json_object_set_new(o, "concluded_at",
                            f->concluded_at ? json_string(tb_req_iso(r, f->concluded_at)) : json_null());
    else
        json_object_set_new(o, "replied_at", f->replied_at ? json_string(tb_req_iso(r, f->replied_at)) : json_null());
    if (!detail)
        return o;
    json_object_set_new(o, "content", json_string(f->content));
    const char *email = fb_decrypt(r, f->email_enc);
    json_object_set_new(o, "email", email ? json_string(email) : json_null());
    if (!complaint)
        json_object_set_new(o, "reply", *f->reply ? json_string(f->reply) : json_null());
    json_object_set_new(o, "steps", fb_store_steps(r, f->id, false));
    return o;
}

json_t *fb_staff_json(tb_req *r, const fb_item *f, bool detail)
{
    json_t *o = json_object();
    set_common(r, o, f);
    char name[64];
    tb_mask_name(f->contact_name, name);
    json_object_set_new(o, "contact_name", json_string(detail ? f->contact_name : name));
    bool open = !fb_final(f);
    int64_t now = tb_now();
    const calendar *c = calendar_current(r->db);
    json_object_set_new(o, "overdue", json_boolean(open && f->due_at && now > f->due_at));
    json_object_set_new(o, "days_left", open && f->due_at && c ? json_integer(calendar_working_days_left(c, now, f->due_at))
                                                               : json_null());
    if (!strcmp(f->kind, "complaint"))
        json_object_set_new(o, "finding", *f->finding ? json_pack("{s:s, s:s}", "code", f->finding, "name",
                                                                   fb_finding_name(f->finding))
                                                       : json_null());
    if (!detail)
        return o;
    json_object_set_new(o, "content", json_string(f->content));
    const char *phone = fb_masked(r, f->contact_phone_enc, tb_mask_phone);
    json_object_set_new(o, "contact_phone", phone ? json_string(phone) : json_null());
    const char *email = mask_email(r, f->email_enc);
    json_object_set_new(o, "email", email ? json_string(email) : json_null());
    json_object_set_new(o, "citizen_account", json_boolean(f->citizen_id > 0));
    json_object_set_new(o, "reply", *f->reply ? json_string(f->reply) : json_null());
    json_object_set_new(o, "replied_at", f->replied_at ? json_string(tb_req_iso(r, f->replied_at)) : json_null());
    json_object_set_new(o, "concluded_at", f->concluded_at ? json_string(tb_req_iso(r, f->concluded_at)) : json_null());
    json_object_set_new(o, "target_department",
                        f->target_department_id ? json_pack("{s:I, s:s}", "id", (json_int_t)f->target_department_id,
                                                            "name", f->target_department_name)
                                                : json_null());
    json_object_set_new(o, "target_staff", f->target_staff_id ? json_pack("{s:I, s:s}", "id",
                                                                           (json_int_t)f->target_staff_id, "name",
                                                                           f->target_staff_name)
                                                              : json_null());
    json_object_set_new(o, "steps", fb_store_steps(r, f->id, true));
    /* what the viewer may do next */
    json_t *acts = json_array();
    if (!strcmp(f->kind, "complaint")) {
        bool handle = org_has_permission(r, "complaint.handle"), review = org_has_permission(r, "complaint.review");
        if (handle && !strcmp(f->status, "submitted"))
            json_array_append_new(acts, json_string("register"));
        if (handle && !strcmp(f->status, "registered"))
            json_array_append_new(acts, json_string("investigate"));
        if (review && !strcmp(f->status, "investigated"))
            json_array_append_new(acts, json_string("review"));
        if (review && !strcmp(f->status, "reviewed"))
            json_array_append_new(acts, json_string("instruct"));
        if (handle && (!strcmp(f->status, "reviewed") || !strcmp(f->status, "instructed")))
            json_array_append_new(acts, json_string("conclude"));
    } else if (!strcmp(f->status, "submitted") && org_has_permission(r, "feedback.reply")) {
        json_array_append_new(acts, json_string("reply"));
    }
    json_object_set_new(o, "actions", acts);
    return o;
}

void feedback_register(void)
{
    tb_router_add(fb_citizen_routes, fb_citizen_nroutes);
    tb_router_add(fb_work_routes, fb_work_nroutes);
}
