/* Routes of the cases module: upload materials, submit an application,
 * my cases, and the anonymous progress query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/cases/cases_internal.h"
#include "mod/catalog/catalog.h"
#include "mod/forms/forms.h"
#include "mod/guard/guard.h"
#include "mod/identity/identity.h"
#include "mod/work/work.h"

enum { VIEW_SUMMARY, VIEW_OWNER, VIEW_PROGRESS, VIEW_STAFF };

static const char *action_name(const char *action)
{
    static const char *const names[][2] = {
        {"submit", "提交申请"}, {"resubmit", "补正后重新提交"}, {"accept", "受理"}, {"reject", "不予受理"},
        {"return", "退回补正"}, {"approve", "审批通过"}, {"refuse", "不予许可"}, {"suspend", "挂起"},
        {"resume", "重启"},     {"finish", "办结"},             {"void", "作废"},   {"overdue", "超期督办"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i][0], action))
            return names[i][1];
    return action;
}

static void set_time(json_t *o, const char *key, int64_t t)
{
    char iso[32];
    tb_time_iso(t, iso);
    json_object_set_new(o, key, json_string(iso));
}

/* Turns store rows' epoch integers into ISO strings and adds names. */
void cases_decorate(tb_req *r, json_t *o)
{
    const char *status = tb_json_str(o, "status"), *region = tb_json_str(o, "region");
    const char *sn = catalog_code_name(r, "case_statuses", status);
    json_object_set_new(o, "status_name", json_string(sn ? sn : status));
    const char *rn = catalog_region_name(r, region);
    json_object_set_new(o, "region_name", rn ? json_string(rn) : json_null());
    static const char *const times[] = {"submitted_at", "updated_at", "at", NULL};
    for (int i = 0; times[i]; i++)
        if (json_is_integer(json_object_get(o, times[i])))
            set_time(o, times[i], json_integer_value(json_object_get(o, times[i])));
}

static json_t *history_json(tb_req *r, int64_t case_id)
{
    json_t *h = store_case_history(r, case_id);
    size_t i;
    json_t *v;
    json_array_foreach(h, i, v) {
        set_time(v, "at", json_integer_value(json_object_get(v, "at")));
        json_object_set_new(v, "action_name", json_string(action_name(tb_json_str(v, "action"))));
    }
    return h;
}

static json_t *case_json(tb_req *r, const case_row *c, int view)
{
    char masked_name[64] = "", masked_id[64] = "";
    char *id = c->applicant_id_enc ? tb_field_decrypt(c->applicant_id_enc) : NULL;
    if (id)
        tb_mask_id_number(id, masked_id);
    free(id);
    if (view == VIEW_PROGRESS)
        tb_mask_name(c->applicant_name, masked_name);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s?, s:s?, s:s?}", "serial", c->serial,
                          "matter_code", c->matter_code, "matter_name", c->matter_name, "region", c->region, "status",
                          c->status, "current_step", c->current_step, "submitted_at", (json_int_t)c->submitted_at,
                          "updated_at", (json_int_t)c->updated_at, "applicant_name",
                          view == VIEW_PROGRESS ? masked_name : c->applicant_name, "applicant_id_number_masked",
                          masked_id[0] ? masked_id : NULL, "payment_status", c->payment_status, "delivery_status",
                          c->delivery_status);
    cases_decorate(r, o);
    work_deadline_json(r, c->due_at, c->paused_at, c->status, o);
    if (view == VIEW_SUMMARY)
        return o;
    json_object_set_new(o, "history", history_json(r, c->id));
    if (view == VIEW_OWNER || view == VIEW_STAFF) {
        char *form = tb_field_decrypt(c->form_enc);
        json_t *f = form ? json_loads(form, 0, NULL) : NULL;
        if (form)
            tb_wipe(form, strlen(form));
        free(form);
        json_object_set_new(o, "form", f ? f : json_object());
        json_object_set_new(o, "materials", store_case_materials(r, c->id));
    }
    return o;
}

/* ---- submission ---- */
typedef struct {
    tb_req *r;
    const catalog_matter *m;
    identity_citizen who;
    const char *region, *idem;
    json_t *form, *materials;
    upload_row *uploads;      /* one per materials entry */
    const char **mat_names;
    case_row c;
    char serial[64], password[10];
    json_t *body;             /* the answer, built inside the transaction */
    tb_error err;             /* a refusal from inside the transaction */
} submission;

static const json_t *find_material(const catalog_matter *m, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(m->guide, "materials"), i, v) {
        const char *mid = tb_json_str(v, "id");
        if (mid && !strcmp(mid, id))
            return v;
    }
    return NULL;
}

/* Checks the materials list; adds 422 details to errors, or replies itself. */
static int check_materials(tb_req *r, submission *s, json_t *errors)
{
    size_t n = json_array_size(s->materials), i;
    json_t *v;
    s->uploads = tb_arena_alloc(r->arena, sizeof *s->uploads * (n + 1));
    s->mat_names = tb_arena_alloc(r->arena, sizeof *s->mat_names * (n + 1));
    json_array_foreach(s->materials, i, v) {
        const char *mid = tb_json_str(v, "material_id"), *uid = tb_json_str(v, "upload_id");
        const json_t *def = find_material(s->m, mid);
        if (!def) {
            json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field",
                                                    tb_arena_printf(r->arena, "materials.%s", mid), "code",
                                                    "UNKNOWN_FIELD", "message", "该事项没有此材料"));
            continue;
        }
        if (store_upload_get(r, uid, r->subject_id, &s->uploads[i]) != 0)
            return tb_reply_err(r, TB_E_UPLOAD_NOT_FOUND, tb_arena_printf(r->arena, "materials.%s", mid)), -1;
        s->mat_names[i] = tb_json_str(def, "name");
    }
    json_array_foreach(json_object_get(s->m->guide, "materials"), i, v) {
        if (!json_is_true(json_object_get(v, "required")))
            continue;
        const char *mid = tb_json_str(v, "id");
        bool given = false;
        size_t k;
        json_t *e;
        json_array_foreach(s->materials, k, e) given |= !strcmp(tb_json_str(e, "material_id"), mid);
        if (!given)
            json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field",
                                                    tb_arena_printf(r->arena, "materials.%s", mid), "code",
                                                    "MATERIAL_REQUIRED", "message",
                                                    tb_arena_printf(r->arena, "请上传：%s", tb_json_str(v, "name"))));
    }
    return 0;
}

static bool object_served(const catalog_matter *m, const identity_citizen *who)
{
    if (!strcmp(who->type, "person"))
        return m->objects & (1u << 1);
    return m->objects & ~(1u << 1); /* any legal-person or organisation code */
}

/* Each materials entry is {"material_id": string, "upload_id": string}. */
static int check_material_shapes(tb_req *r, json_t *materials)
{
    size_t i;
    json_t *v;
    if (json_array_size(materials) > 50)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "materials"), -1;
    json_array_foreach(materials, i, v) {
        const char *mid = NULL, *uid = NULL;
        tb_jfield spec[] = {TB_JSTR("material_id", &mid, true, 32), TB_JSTR("upload_id", &uid, true, 64), TB_JEND};
        tb_error e = {0};
        if (!json_is_object(v)) {
            e.code = TB_E_WRONG_TYPE;
            e.field = tb_arena_printf(r->arena, "materials[%zu]", i);
            return tb_reply_error(r, &e), -1;
        }
        if (tb_json_unpack(v, spec, &e) != 0) {
            e.field = tb_arena_printf(r->arena, "materials[%zu].%s", i, e.field ? e.field : "");
            return tb_reply_error(r, &e), -1;
        }
    }
    return 0;
}

/* Everything that can be refused before the transaction. */
static int check_submission(tb_req *r, submission *s)
{
    const char *code = NULL;
    tb_jfield spec[] = {TB_JSTR("matter_code", &code, true, 64), TB_JSTR("region", &s->region, true, 6),
                        TB_JOBJ("form", &s->form, true), TB_JARR("materials", &s->materials, false), TB_JEND};
    if (!tb_req_json_spec(r, spec) || (s->materials && check_material_shapes(r, s->materials) != 0))
        return -1;
    if (!(s->m = catalog_find(r, code)))
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "matter_code"), -1;
    if (strlen(s->region) != 6 || !tb_is_digits(s->region, 6) || !catalog_region_name(r, s->region) ||
        !catalog_region_allowed(s->m, s->region))
        return tb_reply_err(r, TB_E_REGION_NOT_ALLOWED, "region"), -1;
    if (identity_citizen_get(r, r->subject_id, &s->who) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL), -1;
    if (!object_served(s->m, &s->who)) {
        tb_error e = {TB_E_FORBIDDEN, "matter_code", "该事项的服务对象不包括当前用户类型", NULL};
        return tb_reply_error(r, &e), -1;
    }
    json_t *errors = forms_validate(r, json_object_get(s->m->guide, "form"), s->form);
    if (!errors)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
    if (!s->materials)
        s->materials = json_array(), tb_req_own_json(r, s->materials);
    if (check_materials(r, s, errors) != 0) {
        json_decref(errors);
        return -1;
    }
    if (json_array_size(errors)) {
        tb_error e = {TB_E_FORM_INVALID, NULL, NULL, errors};
        return tb_reply_error(r, &e), -1;
    }
    json_decref(errors);
    return 0;
}

static int first_step(const catalog_matter *m, const char **step)
{
    json_t *steps = json_object_get(m->guide, "flow_steps");
    *step = json_string_value(json_array_get(steps, 0)) ? json_string_value(json_array_get(steps, 0)) : "网上申请";
    return 0;
}

/* The 201 answer; with an Idempotency-Key it is stored (encrypted) in the
 * same transaction, so a concurrent twin that loses the unique race always
 * finds it. */
static int build_answer(tb_req *r, submission *s)
{
    case_row c;
    json_decref(s->body);
    s->body = NULL;
    if (store_case_get(r, s->serial, r->subject_id, &c) != 0)
        return -1;
    s->body = json_pack("{s:s, s:s, s:o}", "serial", s->serial, "query_password", s->password, "case",
                        case_json(r, &c, VIEW_OWNER));
    if (!s->idem)
        return 0;
    char *text = json_dumps(s->body, JSON_COMPACT), *enc = text ? tb_field_encrypt(text) : NULL;
    int rc = enc ? store_case_set_idem_response(r->db, c.id, enc) : -1;
    if (text)
        tb_wipe(text, strlen(text));
    free(text);
    free(enc);
    return rc;
}

/* The transaction: serial, case, materials, history, audit, answer. */
static int submit_tx(tb_db *db, void *arg)
{
    submission *s = arg;
    tb_req *r = s->r;
    int64_t now = tb_now();
    const char *basic = tb_json_str(s->m->guide, "basic_code");
    if (cases_serial_next(db, tb_cfg.serial_rule, s->region, basic, now, s->serial, sizeof s->serial) != 0)
        return -1;
    char pw_msg[96], digest[65], bidx[65] = "";
    tb_random_query_password(s->password);
    snprintf(pw_msg, sizeof pw_msg, "q:%s:%s", s->serial, s->password);
    tb_token_digest(pw_msg, digest);
    s->c.serial = s->serial;
    s->c.query_digest = tb_arena_strdup(r->arena, digest);
    s->c.submitted_at = s->c.updated_at = now;
    if (s->who.id_number)
        tb_blind_index(s->who.id_number, bidx);
    if ((s->c.id = store_case_insert(db, &s->c, s->who.id_number ? bidx : NULL, s->idem)) < 0)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(s->materials, i, v) {
        if (store_material_insert(db, s->c.id, tb_json_str(v, "material_id"), s->mat_names[i], &s->uploads[i]) != 0)
            return -1;
    }
    if (store_history_insert(db, s->c.id, now, s->c.current_step, "submit", "submitted", "申请人", "") != 0)
        return -1;
    tb_error_clear(&s->err);
    if (work_case_submitted(r, s->c.id, s->serial, s->c.matter_code, s->region, s->form, &s->err) != 0)
        return -1;
    if (audit_record(r, "case.submit", s->serial, "ok", s->c.matter_code) != 0)
        return -1;
    /* with an Idempotency-Key the answer is part of the transaction; without
     * one it is built after the commit, outside the writer lock */
    return s->idem ? build_answer(r, s) : 0;
}

/* The first answer to a repeated Idempotency-Key, or NULL. */
static bool replay(tb_req *r, const char *key)
{
    const char *enc = store_case_idem_response(r, r->subject_id, key);
    char *body = enc ? tb_field_decrypt(enc) : NULL;
    if (!body)
        return false;
    char *copy = tb_arena_strdup(r->arena, body);
    tb_wipe(body, strlen(body));
    free(body);
    tb_reply_raw(r, 201, "application/json; charset=utf-8", copy, strlen(copy));
    return true;
}

static void post_case(tb_req *r)
{
    submission s = {.r = r};
    s.idem = tb_req_header(r, "idempotency-key");
    if (s.idem && !tb_is_token(s.idem, 64))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "Idempotency-Key");
    if (s.idem && replay(r, s.idem))
        return;
    if (check_submission(r, &s) != 0)
        return;
    s.c.matter_code = s.m->code;
    s.c.matter_name = s.m->name;
    s.c.region = s.region;
    s.c.applicant_id = r->subject_id;
    s.c.applicant_name = s.who.name;
    s.c.case_type = s.m->case_type;
    s.c.form_version = tb_json_int(json_object_get(s.m->guide, "form"), "version", 1);
    s.c.status = "submitted";
    first_step(s.m, &s.c.current_step);
    char *form_text = json_dumps(s.form, JSON_COMPACT), *form_enc = form_text ? tb_field_encrypt(form_text) : NULL;
    char *id_enc = s.who.id_number ? tb_field_encrypt(s.who.id_number) : NULL;
    free(form_text);
    s.c.form_enc = form_enc;
    s.c.applicant_id_enc = id_enc;
    int rc = form_enc ? tb_db_tx(r->db, submit_tx, &s) : -1;
    tb_db_errkind kind = tb_db_errkind_last(r->db);
    free(form_enc);
    free(id_enc);
    if (rc != 0) {
        tb_wipe(s.password, sizeof s.password);
        json_decref(s.body);
        if (s.idem && kind == TB_DBE_UNIQUE && replay(r, s.idem)) /* a concurrent twin won */
            return;
        if (s.err.code != TB_E_OK)
            return tb_reply_error(r, &s.err);
        return tb_reply_err(r, s.idem && kind == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, NULL);
    }
    tb_metrics_count("cases_submitted_total", 1);
    rc = s.body ? 0 : build_answer(r, &s);
    tb_wipe(s.password, sizeof s.password);
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 201, s.body);
}

/* ---- reading ---- */
static void get_cases(tb_req *r)
{
    int64_t page, size, total;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = store_case_list(r, r->subject_id, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) cases_decorate(r, v);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_case(tb_req *r)
{
    case_row c;
    if (strlen(r->params[0]) > 64 || store_case_get(r, r->params[0], r->subject_id, &c) != 0)
        return tb_reply_err(r, TB_E_CASE_NOT_FOUND, "serial");
    tb_reply_json(r, 200, case_json(r, &c, VIEW_OWNER));
}

json_t *cases_detail_json(tb_req *r, const char *serial, bool staff)
{
    case_row c;
    if (store_case_get(r, serial, staff ? 0 : r->subject_id, &c) != 0)
        return NULL;
    return case_json(r, &c, staff ? VIEW_STAFF : VIEW_OWNER);
}

/* ---- 补正: the applicant amends a returned case ---- */
typedef struct {
    submission *s;
    case_row *c;
} resubmission;

static int resubmit_tx(tb_db *db, void *arg)
{
    resubmission *x = arg;
    submission *s = x->s;
    char *text = json_dumps(s->form, JSON_COMPACT), *enc = text ? tb_field_encrypt(text) : NULL;
    if (text)
        tb_wipe(text, strlen(text));
    free(text);
    int rc = enc ? store_case_replace_form(db, x->c->id, enc) : -1;
    free(enc);
    if (rc != 0 || store_materials_clear(db, x->c->id) != 0)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(s->materials, i, v) {
        if (store_material_insert(db, x->c->id, tb_json_str(v, "material_id"), s->mat_names[i], &s->uploads[i]) != 0)
            return -1;
    }
    if (store_history_insert(db, x->c->id, tb_now(), x->c->current_step, "resubmit", "submitted", "申请人",
                             "补正后重新提交") != 0)
        return -1;
    if (work_case_resubmitted(s->r, x->c->serial, &s->err) != 0)
        return -1;
    return audit_record(s->r, "case.resubmit", x->c->serial, "ok", "");
}

static void post_resubmit(tb_req *r)
{
    submission s = {.r = r};
    case_row c;
    tb_jfield spec[] = {TB_JOBJ("form", &s.form, true), TB_JARR("materials", &s.materials, false), TB_JEND};
    if (!tb_req_json_spec(r, spec) || (s.materials && check_material_shapes(r, s.materials) != 0))
        return;
    if (strlen(r->params[0]) > 64 || store_case_get(r, r->params[0], r->subject_id, &c) != 0)
        return tb_reply_err(r, TB_E_CASE_NOT_FOUND, "serial");
    if (strcmp(c.status, "returned")) {
        tb_error e = {TB_E_CONFLICT, "serial", "只有需要补正的办件可以重新提交", NULL};
        return tb_reply_error(r, &e);
    }
    if (!(s.m = catalog_find(r, c.matter_code)))
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "matter_code");
    if (!s.materials)
        s.materials = json_array(), tb_req_own_json(r, s.materials);
    json_t *errors = forms_validate(r, json_object_get(s.m->guide, "form"), s.form);
    if (!errors)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (check_materials(r, &s, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (json_array_size(errors)) {
        tb_error e = {TB_E_FORM_INVALID, NULL, NULL, errors};
        return tb_reply_error(r, &e);
    }
    json_decref(errors);
    resubmission x = {&s, &c};
    if (tb_db_tx(r->db, resubmit_tx, &x) != 0)
        return s.err.code != TB_E_OK ? tb_reply_error(r, &s.err) : tb_reply_err(r, TB_E_INTERNAL, NULL);
    store_case_get(r, c.serial, r->subject_id, &c);
    tb_reply_json(r, 200, case_json(r, &c, VIEW_OWNER));
}

static void post_progress(tb_req *r)
{
    const char *serial = NULL, *password = NULL;
    tb_jfield spec[] = {TB_JSTR("serial", &serial, true, 64), TB_JSTR("query_password", &password, true, 32),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    const char *bucket = tb_arena_printf(r->arena, "progress:%s", r->ip);
    if (guard_hit(r->db, bucket, 60) > tb_cfg.progress_per_minute) {
        audit_record(r, "case.progress_query", "rate", "refused", "");
        return tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
    }
    case_row c;
    char msg[128], digest[65];
    snprintf(msg, sizeof msg, "q:%s:%s", serial, password);
    tb_token_digest(msg, digest);
    bool found = store_case_get(r, serial, 0, &c) == 0;
    if (!found || !tb_ct_equal(digest, c.query_digest, 64)) {
        audit_record(r, "case.progress_query", "-", "failed", "");
        return tb_reply_err(r, TB_E_PROGRESS_NOT_FOUND, NULL);
    }
    audit_record(r, "case.progress_query", serial, "ok", "");
    tb_reply_json(r, 200, case_json(r, &c, VIEW_PROGRESS));
}

static const tb_route routes[] = {
    {"POST", "/api/v1/uploads", cases_post_upload, TB_AUTH_CITIZEN, NULL, TB_R_MULTIPART, "cases", "上传申请材料"},
    {"POST", "/api/v1/cases", post_case, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "cases", "提交网上申请"},
    {"GET", "/api/v1/cases", get_cases, TB_AUTH_CITIZEN, NULL, 0, "cases", "我的办件"},
    {"GET", "/api/v1/cases/{serial}", get_case, TB_AUTH_CITIZEN, NULL, 0, "cases", "办件详情（本人）"},
    {"POST", "/api/v1/cases/{serial}/resubmit", post_resubmit, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "cases",
     "补正后重新提交"},
    {"POST", "/api/v1/progress", post_progress, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "cases", "办件进度查询（编号+查询密码）"},
};

void cases_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
