/* What the evaluation module's files share: JSON shapes, the data scope,
 * loading an evaluation from the path, the hooks the workbench calls when a
 * case is accepted or finished, and the registration of the route tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/catalog/catalog.h"
#include "mod/evaluation/evaluation_internal.h"
#include "mod/identity/identity.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"

static json_t *tags_json(const char *tags)
{
    json_t *out = json_array(), *in = json_loads(tags ? tags : "[]", 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(in, i, v) {
        const ev_named *t = ev_tag_find(json_string_value(v));
        if (t)
            json_array_append_new(out, json_pack("{s:s, s:s}", "key", t->key, "name", t->name));
    }
    json_decref(in);
    return out;
}

static const char *review_name(const char *review)
{
    return !strcmp(review, "pending") ? "待审核" : !strcmp(review, "approved") ? "审核通过"
                                          : !strcmp(review, "rejected")        ? "审核不通过（不公开）"
                                                                               : "无文字评价";
}

static const char *rect_status_name(const char *s)
{
    return !strcmp(s, "done") ? "已整改" : !strcmp(s, "extended") ? "已延期" : "整改中";
}

json_t *ev_rect_json(tb_req *r, const ev_rect *x, bool staff)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "id", (json_int_t)x->id,
                          "evaluation_id", (json_int_t)x->evaluation_id, "status", x->status, "status_name",
                          rect_status_name(x->status), "opened_at", tb_req_iso(r, x->opened_at), "due_at",
                          tb_req_iso(r, x->due_at), "original_due_at", tb_req_iso(r, x->original_due_at), "extended_at",
                          tb_req_iso(r, x->extended_at), "extension_reason", x->extension_reason, "done_at",
                          tb_req_iso(r, x->done_at), "feedback", x->feedback);
    if (staff) {
        json_object_set_new(o, "requirement", json_string(x->requirement ? x->requirement : ""));
        json_object_set_new(o, "fix", x->fix ? json_string(x->fix) : json_null());
        json_object_set_new(o, "opened_by", json_string(x->opened_by ? x->opened_by : ""));
        json_object_set_new(o, "done_by", x->done_by ? json_string(x->done_by) : json_null());
        json_object_set_new(o, "department_id", json_integer(x->department_id));
        json_object_set_new(o, "overdue", json_boolean(strcmp(x->status, "done") && x->due_at < tb_now()));
    }
    return o;
}

json_t *ev_json(tb_req *r, const ev_row *e, char who)
{
    const ev_level *l = ev_level_find(e->level);
    const ev_named *ch = ev_channel_find(e->channel);
    const char *region_name = catalog_region_name(r, e->region);
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:I, s:{s:s, s:s}, s:{s:I, s:s}, s:s, s:s, s:I, s:s, s:s?, s:s?, s:s}", "id",
        (json_int_t)e->id, "serial", e->serial, "stage", e->stage, "stage_name",
        !strcmp(e->stage, "accept") ? "受理环节" : "办结环节", "times", (json_int_t)e->seq, "matter", "code",
        e->matter_code, "name", e->matter_name, "department", "id", (json_int_t)e->department_id, "name",
        e->department_name ? e->department_name : "", "region", e->region, "region_name",
        region_name ? region_name : e->region, "case_type", (json_int_t)e->case_type, "case_type_name",
        e->case_type == 1 ? "即办件" : "承诺件", "created_at", tb_req_iso(r, e->created_at), "default_at",
        tb_req_iso(r, e->created_at + (int64_t)tb_cfg.evaluation_default_days * 86400), "status",
        e->level ? "rated" : "pending");
    json_object_set_new(o, "level", l ? json_string(l->key) : json_null());
    json_object_set_new(o, "level_name", l ? json_string(l->name) : json_null());
    json_object_set_new(o, "satisfaction_code", l ? json_integer(l->code) : json_null());
    json_object_set_new(o, "channel", ch ? json_string(ch->key) : json_null());
    json_object_set_new(o, "channel_name", ch ? json_string(ch->name) : json_null());
    json_object_set_new(o, "tags", tags_json(e->tags));
    json_object_set_new(o, "content", json_string(e->content ? e->content : ""));
    json_object_set_new(o, "is_default", json_boolean(e->is_default));
    json_object_set_new(o, "rated_at", e->rated_at ? json_string(tb_req_iso(r, e->rated_at)) : json_null());
    json_object_set_new(o, "changes", json_integer(e->changes));
    json_object_set_new(o, "followup", e->followup ? json_string(e->followup) : json_null());
    json_object_set_new(o, "followup_at", e->followup_at ? json_string(tb_req_iso(r, e->followup_at)) : json_null());
    json_object_set_new(o, "review", json_string(e->review));
    json_object_set_new(o, "review_name", json_string(review_name(e->review)));
    json_object_set_new(o, "verify", e->verify ? json_string(e->verify) : json_null());
    bool locked = e->verify && !strcmp(e->verify, "verified");
    json_object_set_new(o, "can_change", json_boolean(!locked));
    json_object_set_new(o, "can_follow_up", json_boolean(e->level && !e->followup));
    ev_rect x;
    json_object_set_new(o, "rectification",
                        ev_store_rect_of(r, e->id, &x) == 0 ? ev_rect_json(r, &x, who == 's') : json_null());
    if (who == 's') {
        identity_citizen c;
        char masked[64] = "";
        if (identity_citizen_get(r, e->citizen_id, &c) == 0 && c.name)
            tb_mask_name(c.name, masked);
        json_object_set_new(o, "rater", json_string(masked));
        json_object_set_new(o, "review_due_at",
                            e->review_due_at ? json_string(tb_req_iso(r, e->review_due_at)) : json_null());
        json_object_set_new(o, "reviewed_by", e->reviewed_by ? json_string(e->reviewed_by) : json_null());
        json_object_set_new(o, "review_note", e->review_note ? json_string(e->review_note) : json_null());
        json_object_set_new(o, "verified_at",
                            e->verified_at ? json_string(tb_req_iso(r, e->verified_at)) : json_null());
        json_object_set_new(o, "verified_by", e->verified_by ? json_string(e->verified_by) : json_null());
        json_object_set_new(o, "verify_note", e->verify_note ? json_string(e->verify_note) : json_null());
    }
    return o;
}

json_t *ev_counts_json(const int64_t counts[5])
{
    int n;
    const ev_level *lv = ev_levels(&n);
    json_t *c = json_object(), *levels = json_array();
    int64_t total = 0, good = 0;
    for (int i = 0; i < n; i++) {
        json_object_set_new(c, lv[i].key, json_integer(counts[i]));
        json_array_append_new(levels, json_pack("{s:s, s:s, s:i, s:I}", "key", lv[i].key, "name", lv[i].name, "code",
                                                lv[i].code, "count", (json_int_t)counts[i]));
        total += counts[i];
        if (lv[i].code <= 3)
            good += counts[i];
    }
    json_t *o = json_pack("{s:I, s:o, s:o, s:I}", "total", (json_int_t)total, "counts", c, "levels", levels, "bad",
                          (json_int_t)(total - good));
    /* 满意率 = (非常满意 + 满意 + 基本满意) / 评价总数, to four decimals */
    json_object_set_new(o, "satisfaction_rate",
                        total ? json_real((double)((good * 10000 + total / 2) / total) / 10000.0) : json_null());
    return o;
}

const char *ev_scope(tb_req *r)
{
    const int64_t *depts;
    size_t n;
    bool self_only;
    if (org_scope(r, &depts, &n, &self_only))
        return NULL;
    const char *scope = "";
    for (size_t i = 0; i < n; i++)
        scope = tb_arena_printf(r->arena, "%s%s%lld", scope, i ? "," : "", (long long)depts[i]);
    return n ? scope : "0";
}

ev_row *ev_param(tb_req *r, int idx, bool staff)
{
    char *end;
    long long id = strtoll(r->params[idx], &end, 10);
    ev_row *e = tb_arena_alloc(r->arena, sizeof *e);
    if (*end || id <= 0 || ev_store_get(r, id, e) != 0 ||
        (staff ? !org_can_see_department(r, e->department_id) : e->citizen_id != r->subject_id)) {
        tb_reply_err(r, TB_E_EVALUATION_NOT_FOUND, "id"); /* another's looks like absent */
        return NULL;
    }
    return e;
}

/* ---- the hooks of the workbench ---- */
static int owe(tb_req *r, int64_t case_id, const char *stage)
{
    ev_row e;
    if (ev_store_case(r, case_id, &e) != 0)
        return -1;
    bool accept = !strcmp(stage, "accept");
    if (accept && e.case_type != 2)
        return 0; /* a 即办件 is evaluated once, at completion */
    e.stage = stage;
    e.seq = !accept && e.case_type == 2 ? 2 : 1;
    e.created_at = tb_now();
    int64_t id = ev_store_insert(r->db, &e);
    if (id <= 0)
        return (int)id; /* 0: already owed */
    if (audit_record(r, "evaluation.due", tb_arena_printf(r->arena, "evaluation:%lld", (long long)id), "ok",
                     tb_arena_printf(r->arena, "%s %s", e.serial, stage)) != 0)
        return -1;
    const char *text =
        accept ? tb_arena_printf(r->arena, "您的办件%s（%s）已受理，欢迎对受理服务进行评价（我的办件→评价）。",
                                 e.serial, e.matter_name)
               : tb_arena_printf(r->arena, "您的办件%s（%s）已办结，请评价（我的办件→评价），%d日内未评价默认为基本满意。",
                                 e.serial, e.matter_name, tb_cfg.evaluation_default_days);
    return notify_citizen(r, e.citizen_id, "evaluation", accept ? "办件已受理，请评价" : "办件已办结，请评价", text,
                          tb_arena_printf(r->arena, "/my/evaluations/%lld", (long long)id));
}

int evaluation_case_accepted(tb_req *r, int64_t case_id) { return owe(r, case_id, "accept"); }
int evaluation_case_finished(tb_req *r, int64_t case_id) { return owe(r, case_id, "finish"); }

void evaluation_register(void)
{
    tb_router_add(ev_citizen_routes, ev_citizen_nroutes);
    tb_router_add(ev_admin_routes, ev_admin_nroutes);
}
