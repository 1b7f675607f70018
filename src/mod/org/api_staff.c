/* Routes of staff administration: accounts and profiles, transfer, retire and
 * the retired archive, checked CSV/XLSX import and export, credential reset, ban
 * and the unban request that the department head decides. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/guard/guard.h"
#include "mod/org/org_internal.h"
#include "rules/validators.h"

typedef struct {
    const char *login, *name, *police_no, *phone;
    int64_t department_id;
} staff_in;

/* Field problem of a staff record, or NULL. *code gets the error code. */
static const char *check_staff(tb_db *db, const staff_in *s, int64_t self, tb_errcode *code, const char **msg)
{
    *code = TB_E_INVALID_FIELD;
    *msg = NULL;
    if (s->login && !tb_is_token(s->login, 32))
        return *msg = "登录名只能包含字母、数字、下划线和连字符，最长32位", "login";
    if (s->login && org_store_staff_by_login(db, s->login))
        return *code = TB_E_CONFLICT, *msg = "登录名已存在", "login";
    if (!s->name || !tb_valid_person_name(s->name))
        return *code = TB_E_INVALID_NAME, "name";
    if (s->police_no && *s->police_no && (!tb_is_token(s->police_no, 12) || strlen(s->police_no) < 4))
        return *msg = "警号应为4至12位字母或数字", "police_no";
    if (s->police_no && *s->police_no && org_store_police_no_taken(db, s->police_no, self))
        return *code = TB_E_CONFLICT, *msg = "警号已被其他人员使用", "police_no";
    if (s->phone && *s->phone && !tb_valid_phone(s->phone))
        return *code = TB_E_INVALID_PHONE, "phone";
    return NULL;
}

static json_t *staff_out(tb_req *r, int64_t id)
{
    json_t *o = org_store_staff_json(r->db, id);
    if (!o)
        return json_null();
    json_t *p = org_staff_profile_json(r, id);
    if (p) {
        json_object_set(o, "roles", json_object_get(p, "role_details"));
        json_decref(p);
    }
    return o;
}

static void random_password(char out[32])
{
    char token[24];
    tb_random_token(token, 12);
    snprintf(out, 32, "Tb-%s9a", token); /* always three character classes */
}

/* Phone into encrypted form and blind index (both NULL when empty). */
static void seal_phone(const char *phone, char **enc, char bidx[65])
{
    *enc = phone && *phone ? tb_field_encrypt(phone) : NULL;
    if (*enc)
        tb_blind_index(phone, bidx);
}

/* ---- read ---- */
static void get_list(tb_req *r)
{
    int64_t page, size, dept, total;
    const char *q = tb_req_query(r, "q"), *status = r->replied ? NULL : tb_req_query(r, "status");
    if (r->replied || tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "department", 0, 0, INT64_MAX, &dept))
        return;
    if (status && *status && strcmp(status, "active") && strcmp(status, "banned") && strcmp(status, "retired"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "status");
    json_t *items = org_store_staff_list(r->db, q, dept, status, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_one(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    if (id < 0)
        return;
    json_t *o = staff_out(r, id);
    if (json_is_null(o))
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    tb_reply_json(r, 200, o);
}

/* YYYY-MM-DD (+08:00) to epoch seconds at the start (end=false) or end of the day. */
static int day_bound(tb_req *r, const char *key, bool end, int64_t dflt, int64_t *out)
{
    const char *s = tb_req_query(r, key);
    if (r->replied)
        return -1;
    if (!s || !*s)
        return *out = dflt, 0;
    struct tm tm = {0};
    char *rest = strptime(s, "%Y-%m-%d", &tm);
    if (!rest || *rest)
        return tb_reply_err(r, TB_E_INVALID_FIELD, key), -1;
    *out = (int64_t)timegm(&tm) - 8 * 3600 + (end ? 86399 : 0);
    return 0;
}

static void get_retired(tb_req *r)
{
    int64_t page, size, from, to, total;
    const char *name = tb_req_query(r, "name"), *dept = r->replied ? NULL : tb_req_query(r, "department");
    if (r->replied || tb_req_page(r, &page, &size) != 0 || day_bound(r, "from", false, 0, &from) != 0 ||
        day_bound(r, "to", true, INT64_MAX / 2, &to) != 0)
        return;
    json_t *items = org_store_staff_retired(r->db, name, dept, from, to, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

/* ---- create / edit ---- */
static int64_t create_account(tb_req *r, const staff_in *in, const char *password, char **secret, char **uri)
{
    char hash[128], bidx[65] = "", *enc;
    if (tb_password_hash(password, hash) != 0)
        return -1;
    seal_phone(in->phone, &enc, bidx);
    int64_t id = org_store_staff_insert_full(r->db, in->login, in->name, hash, in->department_id,
                                         in->police_no && *in->police_no ? in->police_no : NULL, enc,
                                         enc ? bidx : NULL);
    free(enc);
    if (id < 0 || totp_enrol_db(r->db, id, in->login, secret, uri) != 0)
        return -1;
    audit_record(r, "org.staff.create", obj(r, "staff", id), "ok", in->login);
    return id;
}

static json_t *credentials_json(tb_req *r, int64_t id, const char *password, char *secret, char *uri)
{
    json_t *o = json_pack("{s:o, s:s, s:s, s:s}", "staff", staff_out(r, id), "initial_password", password,
                          "totp_secret", secret, "otpauth_uri", uri);
    tb_wipe(secret, strlen(secret));
    free(secret);
    free(uri);
    return o;
}

static void post_create(tb_req *r)
{
    staff_in in = {0};
    tb_jfield spec[] = {TB_JSTR("login", &in.login, true, 32),         TB_JSTR("name", &in.name, true, 30),
                        TB_JINT("department_id", &in.department_id, true, 1, INT64_MAX),
                        TB_JSTR("police_no", &in.police_no, false, 12), TB_JSTR("phone", &in.phone, false, 20),
                        TB_JEND};
    tb_errcode code;
    const char *msg, *bad;
    org_dept d;
    if (!tb_req_json_spec(r, spec))
        return;
    if ((bad = check_staff(r->db, &in, 0, &code, &msg))) {
        tb_error e = {code, bad, msg, NULL};
        return tb_reply_error(r, &e);
    }
    if (org_store_dept_get(r->db, r->arena, in.department_id, &d) != 0)
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "department_id");
    char password[32], *secret, *uri;
    random_password(password);
    if (tx_open(r) != 0)
        return;
    int64_t id = create_account(r, &in, password, &secret, &uri);
    if (id < 0)
        return tx_abort(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_CONFLICT : TB_E_INTERNAL, "login");
    tx_commit_reply(r, 201, credentials_json(r, id, password, secret, uri));
    tb_wipe(password, sizeof password);
}

static void put_update(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    staff_in in = {0};
    tb_jfield spec[] = {TB_JSTR("name", &in.name, true, 30), TB_JSTR("police_no", &in.police_no, false, 12),
                        TB_JSTR("phone", &in.phone, false, 20), TB_JEND};
    org_staff_row s;
    tb_errcode code;
    const char *msg, *bad;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    if ((bad = check_staff(r->db, &in, id, &code, &msg))) {
        tb_error e = {code, bad, msg, NULL};
        return tb_reply_error(r, &e);
    }
    char bidx[65], *enc;
    seal_phone(in.phone, &enc, bidx);
    if (tx_open(r) != 0) {
        free(enc);
        return;
    }
    int rc = org_store_staff_update(r->db, id, in.name, in.police_no && *in.police_no ? in.police_no : NULL, enc,
                                enc ? bidx : NULL);
    free(enc);
    if (rc != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "org.staff.update", obj(r, "staff", id), "ok", "");
    tx_commit_reply(r, 200, staff_out(r, id));
}

static void post_transfer(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), dept = 0;
    const char *note = "";
    tb_jfield spec[] = {TB_JINT("department_id", &dept, true, 1, INT64_MAX), TB_JSTR("note", &note, false, 200),
                        TB_JEND};
    org_staff_row s;
    org_dept d;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    if (strcmp(s.status, "active") && strcmp(s.status, "banned"))
        return tb_reply_err(r, TB_E_STAFF_NOT_ACTIVE, "id");
    if (org_store_dept_get(r->db, r->arena, dept, &d) != 0)
        return tb_reply_err(r, TB_E_DEPARTMENT_NOT_FOUND, "department_id");
    if (tx_open(r) != 0)
        return;
    if (org_store_staff_set_department(r->db, id, dept) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "org.staff.transfer", obj(r, "staff", id), "ok",
                 tb_arena_printf(r->arena, "from=%lld to=%lld %s", (long long)s.department_id, (long long)dept,
                                 note ? note : ""));
    tx_commit_reply(r, 200, staff_out(r, id));
}

static void post_retire(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    const char *note = "";
    tb_jfield spec[] = {TB_JSTR("note", &note, false, 200), TB_JEND};
    org_staff_row s;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    if (!strcmp(s.status, "retired"))
        return tb_reply_err(r, TB_E_STAFF_NOT_ACTIVE, "id");
    if (tx_open(r) != 0)
        return;
    if (org_store_staff_retire(r->db, id, s.department_name ? s.department_name : "") != 0 ||
        org_store_staff_kill_sessions(r->db, id) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "org.staff.retire", obj(r, "staff", id), "ok", note ? note : "");
    tx_commit_reply(r, 200, staff_out(r, id));
}

/* ---- security administrator: credentials, ban, unban request ---- */
static void post_reset(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    const char *reason = "";
    tb_jfield spec[] = {TB_JSTR("reason", &reason, false, 200), TB_JEND};
    org_staff_row s;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    char password[32], hash[128], *secret, *uri;
    random_password(password);
    if (tb_password_hash(password, hash) != 0 || tx_open(r) != 0)
        return r->replied ? (void)0 : tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (org_store_staff_set_password(r->db, id, hash) != 0 || totp_enrol_db(r->db, id, s.login, &secret, &uri) != 0 ||
        org_store_staff_kill_sessions(r->db, id) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "authz.credential.reset", obj(r, "staff", id), "ok",
                 tb_arena_printf(r->arena, "password and TOTP %s", reason ? reason : ""));
    tx_commit_reply(r, 200, credentials_json(r, id, password, secret, uri));
    tb_wipe(password, sizeof password);
}

static void post_ban(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    const char *reason = NULL;
    tb_jfield spec[] = {TB_JSTR("reason", &reason, true, 200), TB_JEND};
    org_staff_row s;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    if (strcmp(s.status, "active"))
        return tb_reply_err(r, TB_E_STAFF_NOT_ACTIVE, "id");
    if (id == r->subject_id) {
        tb_error e = {TB_E_CONFLICT, "id", "不能封禁自己的账号", NULL};
        return tb_reply_error(r, &e);
    }
    if (tx_open(r) != 0)
        return;
    /* sessions go in the same transaction: the ban is immediate */
    if (org_store_staff_set_status(r->db, id, "banned") != 0 || org_store_staff_kill_sessions(r->db, id) != 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "authz.staff.ban", obj(r, "staff", id), "ok", reason);
    tx_commit_reply(r, 200, staff_out(r, id));
}

static void post_unban_request(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    const char *reason = NULL;
    tb_jfield spec[] = {TB_JSTR("reason", &reason, true, 200), TB_JEND};
    org_staff_row s;
    org_dept d;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    if (strcmp(s.status, "banned"))
        return tb_reply_err(r, TB_E_STAFF_NOT_ACTIVE, "id");
    if (org_store_unban_pending(r->db, id))
        return tb_reply_err(r, TB_E_CONFLICT, "id");
    if (!s.department_id || org_store_dept_get(r->db, r->arena, s.department_id, &d) != 0 || !d.head_staff_id) {
        tb_error e = {TB_E_CONFLICT, "id", "该人员所在部门未设置负责人，无法发起解封审批", NULL};
        return tb_reply_error(r, &e);
    }
    if (tx_open(r) != 0)
        return;
    int64_t req = org_store_unban_insert(r->db, id, d.id, r->subject_id, reason);
    if (req < 0)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    audit_record(r, "authz.staff.unban_request", obj(r, "staff", id), "ok", obj(r, "unban", req));
    tx_commit_reply(r, 201, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)req, "status", "pending", "approver_id",
                                      (json_int_t)d.head_staff_id));
}

/* Lifts a login lockout. The bucket is the one session.c's lock_bucket() keeps for the account key
 * "staff:<login>" of both sign-in steps. */
static void post_unlock(tb_req *r)
{
    int64_t id = path_id(r, 0, "id");
    const char *reason = "";
    tb_jfield spec[] = {TB_JSTR("reason", &reason, false, 200), TB_JEND};
    org_staff_row s;
    char digest[65];
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_staff_get(r->db, r->arena, id, &s) != 0)
        return tb_reply_err(r, TB_E_STAFF_NOT_FOUND, "id");
    tb_token_digest(tb_arena_printf(r->arena, "staff:%s", s.login), digest);
    guard_clear(r->db, tb_arena_printf(r->arena, "login:%.32s", digest));
    audit_record(r, "authz.unlock", obj(r, "staff", id), "ok", reason ? reason : "");
    tb_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- department head ---- */
static void get_my_unban_requests(tb_req *r)
{
    json_t *items = org_store_unban_for_head(r->db, r->subject_id);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void post_unban_decide(tb_req *r)
{
    int64_t id = path_id(r, 0, "id"), staff, dept;
    bool approve = false;
    const char *note = "", *status;
    tb_jfield spec[] = {TB_JBOOL("approve", &approve, true), TB_JSTR("note", &note, false, 200), TB_JEND};
    org_dept d;
    if (id < 0 || !tb_req_json_spec(r, spec))
        return;
    if (org_store_unban_get(r->db, r->arena, id, &staff, &dept, &status) != 0)
        return tb_reply_err(r, TB_E_NOT_FOUND, "id");
    /* only the head of the department the request was made for decides */
    if (org_store_dept_get(r->db, r->arena, dept, &d) != 0 || d.head_staff_id != r->subject_id) {
        audit_record(r, "authz.staff.unban_decide", obj(r, "unban", id), "refused", "not the department head");
        return tb_reply_err(r, TB_E_FORBIDDEN, NULL);
    }
    if (strcmp(status, "pending"))
        return tb_reply_err(r, TB_E_CONFLICT, "id");
    if (tx_open(r) != 0)
        return;
    if (org_store_unban_decide(r->db, id, approve ? "approved" : "refused", r->subject_id, note) != 0 ||
        (approve && org_store_staff_set_status(r->db, staff, "active") != 0))
        return tx_abort(r, TB_E_CONFLICT, "id");
    audit_record(r, approve ? "authz.staff.unban" : "authz.staff.unban_refused", obj(r, "staff", staff), "ok",
                 obj(r, "unban", id));
    tx_commit_reply(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", approve ? "approved" : "refused"));
}

/* ---- import / export ---- */
/* Columns: 登录名,姓名,部门(全称或简称),警号,手机号 */
static void check_row(tb_req *r, const csv_row *rows, int i, int first, json_t *issues)
{
    const csv_row *row = &rows[i];
    if (row->nfields != 5) {
        json_array_append_new(issues, import_issue(row->line, "columns", TB_E_INVALID_FIELD, "应有5列"));
        return;
    }
    staff_in in = {row->fields[0], row->fields[1], row->fields[3], row->fields[4], 0};
    tb_errcode code;
    const char *msg, *bad = check_staff(r->db, &in, 0, &code, &msg);
    for (int k = first; !bad && k < i; k++)
        if (!strcmp(rows[k].fields[0], in.login))
            bad = "login", code = TB_E_CONFLICT, msg = "登录名在文件中重复";
    if (bad)
        json_array_append_new(issues, import_issue(row->line, bad, code, msg));
    else if (!org_store_dept_by_name(r->db, row->fields[2]))
        json_array_append_new(issues, import_issue(row->line, "department", TB_E_DEPARTMENT_NOT_FOUND, NULL));
}

static json_t *insert_rows(tb_req *r, const csv_row *rows, int first, int n)
{
    json_t *accounts = json_array();
    for (int i = first; i < n; i++) {
        const csv_row *row = &rows[i];
        staff_in in = {row->fields[0], row->fields[1], row->fields[3], row->fields[4],
                       org_store_dept_by_name(r->db, row->fields[2])};
        char password[32], *secret, *uri;
        random_password(password);
        int64_t id = create_account(r, &in, password, &secret, &uri);
        if (id < 0)
            return json_decref(accounts), NULL;
        json_array_append_new(accounts, json_pack("{s:s, s:s, s:s, s:s}", "login", in.login, "initial_password",
                                                  password, "totp_secret", secret, "otpauth_uri", uri));
        tb_wipe(secret, strlen(secret));
        free(secret);
        free(uri);
    }
    return accounts;
}

static void post_import(tb_req *r)
{
    const char *data;
    size_t len;
    const char *format;
    csv_row *rows;
    int n;
    if (import_body(r, &data, &len) != 0 || import_rows(r, data, len, &rows, &n, &format) != 0)
        return;
    int first = n > 0 && (!strcmp(rows[0].fields[0], "登录名") || !strcmp(rows[0].fields[0], "login")) ? 1 : 0;
    json_t *issues = json_array();
    if (n - first <= 0 || n - first > 2000)
        json_array_append_new(issues, import_issue(1, "file", TB_E_INVALID_FIELD, "数据行应为1至2000行"));
    for (int i = first; i < n && n - first <= 2000; i++)
        check_row(r, rows, i, first, issues);
    if (json_array_size(issues)) {
        audit_record(r, "org.staff.import", format, "refused", tb_arena_printf(r->arena, "%zu issues", json_array_size(issues)));
        return reply_import(r, issues, 0);
    }
    json_decref(issues);
    if (tx_open(r) != 0)
        return;
    json_t *accounts = insert_rows(r, rows, first, n);
    if (!accounts)
        return tx_abort(r, TB_E_INTERNAL, NULL);
    tx_commit_reply(r, 200, json_pack("{s:i, s:o}", "imported", n - first, "accounts", accounts));
}

static void get_export(tb_req *r)
{
    int64_t total;
    const char *format = export_format(r);
    json_t *items = format ? org_store_staff_list(r->db, NULL, 0, NULL, 100000, 0, &total) : NULL;
    if (!format)
        return;
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i, n = json_array_size(items);
    const char **cells = tb_arena_alloc(r->arena, sizeof *cells * 6 * (n + 1));
    const char *head[] = {"登录名", "姓名", "部门", "警号", "手机号（脱敏）", "状态"};
    static const char *const keys[] = {"login", "name", "department_name", "police_no", "phone_masked", "status"};
    memcpy(cells, head, sizeof head);
    json_t *s;
    json_array_foreach(items, i, s) {
        for (int c = 0; c < 6; c++) {
            const char *v = tb_json_str(s, keys[c]);
            cells[6 * (i + 1) + c] = v ? tb_arena_strdup(r->arena, v) : "";
        }
    }
    json_decref(items);
    audit_record(r, "org.staff.export", format, "ok", tb_arena_printf(r->arena, "%zu rows", n));
    reply_table(r, format, "staff", "工作人员", cells, 6, (int)n + 1);
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/staff", get_list, TB_AUTH_STAFF, "org.staff.read", 0, "org", "工作人员列表"},
    {"GET", "/api/v1/admin/staff-retired", get_retired, TB_AUTH_STAFF, "org.staff.read", 0, "org",
     "退休人员档案（按姓名、原部门、退休日期查询）"},
    {"GET", "/api/v1/admin/staff-export", get_export, TB_AUTH_STAFF, "org.staff.read", 0, "org", "导出工作人员（CSV 或 XLSX）"},
    {"GET", "/api/v1/admin/staff/{id}", get_one, TB_AUTH_STAFF, "org.staff.read", 0, "org", "工作人员详情"},
    {"POST", "/api/v1/admin/staff", post_create, TB_AUTH_STAFF, "org.staff.write", TB_R_JSON, "org",
     "新增工作人员（初始密码与动态口令密钥只显示一次）"},
    {"PUT", "/api/v1/admin/staff/{id}", put_update, TB_AUTH_STAFF, "org.staff.write", TB_R_JSON, "org",
     "修改工作人员信息"},
    {"POST", "/api/v1/admin/staff/{id}/transfer", post_transfer, TB_AUTH_STAFF, "org.staff.write", TB_R_JSON, "org",
     "人员调动"},
    {"POST", "/api/v1/admin/staff/{id}/retire", post_retire, TB_AUTH_STAFF, "org.staff.write", TB_R_JSON, "org",
     "人员退休"},
    {"POST", "/api/v1/admin/staff-import", post_import, TB_AUTH_STAFF, "org.staff.write", TB_R_MULTIPART, "org",
     "导入工作人员（CSV 或 XLSX，逐行校验，全部通过才写入）"},
    {"POST", "/api/v1/admin/staff/{id}/reset-credentials", post_reset, TB_AUTH_STAFF, "authz.credential.reset", TB_R_JSON,
     "authz", "重置密码与动态口令"},
    {"POST", "/api/v1/admin/staff/{id}/ban", post_ban, TB_AUTH_STAFF, "authz.staff.ban", TB_R_JSON, "authz",
     "封禁账号（立即下线）"},
    {"POST", "/api/v1/admin/staff/{id}/unban-requests", post_unban_request, TB_AUTH_STAFF, "authz.staff.ban",
     TB_R_JSON, "authz", "申请解封（由所在部门负责人审批）"},
    {"POST", "/api/v1/admin/staff/{id}/unlock", post_unlock, TB_AUTH_STAFF, "authz.unlock", TB_R_JSON, "authz",
     "解除登录锁定"},
    {"GET", "/api/v1/staff/unban-requests", get_my_unban_requests, TB_AUTH_STAFF, NULL, 0, "authz",
     "待我审批的解封申请（部门负责人）"},
    {"POST", "/api/v1/staff/unban-requests/{id}/decide", post_unban_decide, TB_AUTH_STAFF, NULL, TB_R_JSON, "authz",
     "审批解封申请（部门负责人）"},
};

void org_staff_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
