/* Account maintenance (§1-1-3-7-3): profile fields (完善个人信息), phone change with a code to the old
 * phone and then to the new one, the security center (login history, alerts on a login from a new
 * place or device), relatives and delegated agents (我的亲属), and deregistration. The e-mail
 * address is in email.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity_internal.h"
#include "mod/notify/notify.h"
#include "rules/validators.h"

#define PHONE_CHANGE_WINDOW 600 /* seconds between verifying the old phone and finishing */
#define NEW_PLACE_DAYS 90
#define MAX_CONTACTS 10

static char *encrypt_arena(tb_req *r, const char *plain)
{
    if (!plain)
        return NULL;
    char *enc = tb_field_encrypt(plain);
    char *out = enc ? tb_arena_strdup(r->arena, enc) : NULL;
    free(enc);
    return out;
}

bool active_citizen(tb_req *r, citizen_row *c)
{
    if (store_citizen_by_id(r, r->subject_id, c) == 0 && !strcmp(c->status, "active"))
        return true;
    tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    return false;
}

static bool parse_id(tb_req *r, const char *s, int64_t *out, tb_errcode missing)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0) {
        tb_reply_err(r, missing, "id");
        return false;
    }
    *out = v;
    return true;
}

/* ================================================================ profile (完善个人信息) */
typedef struct {
    const char *name;
    int64_t max;
    const char *const *allowed; /* NULL-terminated, or NULL = free text */
} profile_field;

static const char *const GENDERS[] = {"male", "female", NULL};
static const char *const BLOOD[] = {"A", "B", "AB", "O", "other", NULL};
static const char *const MARITAL[] = {"single", "married", "divorced", "widowed", NULL};
static const char *const EDUCATION[] = {"primary", "junior", "senior", "college", "bachelor", "master", "doctor",
                                        "other", NULL};
static const profile_field PROFILE[] = {
    {"gender", 10, GENDERS},        {"birthday", 10, NULL},     {"blood_type", 10, BLOOD},
    {"birthplace", 50, NULL},       {"contact_address", 100, NULL}, {"body_type", 20, NULL},
    {"marital_status", 10, MARITAL}, {"education", 10, EDUCATION}, {"occupation", 30, NULL},
    {"employer", 60, NULL},         {"landline", 20, NULL},
};
#define NPROFILE (sizeof PROFILE / sizeof PROFILE[0])

static json_t *profile_of(tb_req *r, int64_t id)
{
    const char *enc = store_citizen_profile(r, id);
    const char *plain = enc ? identity_reveal(r, enc) : NULL;
    json_t *p = plain ? json_loads(plain, 0, NULL) : NULL;
    json_t *out = json_object();
    for (size_t i = 0; i < NPROFILE; i++) {
        json_t *v = p ? json_object_get(p, PROFILE[i].name) : NULL;
        json_object_set(out, PROFILE[i].name, json_is_string(v) ? v : json_null());
    }
    json_decref(p);
    return out;
}

static bool valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' || s[7] != '-')
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100) || y % 400 == 0))
        return false;
    char today[9];
    tb_date_compact(tb_now(), today);
    char compact[9];
    snprintf(compact, sizeof compact, "%04d%02d%02d", y, m, d);
    return strcmp(compact, today) <= 0;
}

static bool printable(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static void get_profile(tb_req *r)
{
    citizen_row c;
    if (!active_citizen(r, &c))
        return;
    tb_reply_json(r, 200, json_pack("{s:o, s:o}", "user", citizen_json(r, &c, false), "profile", profile_of(r, c.id)));
}

static void put_profile(tb_req *r)
{
    const char *vals[NPROFILE] = {0};
    tb_jfield spec[NPROFILE + 1];
    for (size_t i = 0; i < NPROFILE; i++)
        spec[i] = (tb_jfield)TB_JSTR(PROFILE[i].name, &vals[i], false, PROFILE[i].max);
    spec[NPROFILE] = (tb_jfield)TB_JEND;
    citizen_row c;
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c))
        return;
    json_t *p = json_object();
    tb_req_own_json(r, p);
    for (size_t i = 0; i < NPROFILE; i++) {
        const char *v = vals[i];
        if (!v || !*v)
            continue;
        bool ok = printable(v);
        if (ok && PROFILE[i].allowed) {
            ok = false;
            for (const char *const *a = PROFILE[i].allowed; *a; a++)
                ok |= !strcmp(*a, v);
        }
        if (ok && !strcmp(PROFILE[i].name, "birthday"))
            ok = valid_date(v);
        if (ok && !strcmp(PROFILE[i].name, "landline"))
            for (const char *q = v; *q; q++)
                ok &= isdigit((unsigned char)*q) || *q == '-';
        if (!ok)
            return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, PROFILE[i].name, NULL);
        json_object_set_new(p, PROFILE[i].name, json_string(v));
    }
    char *text = json_dumps(p, JSON_COMPACT);
    char *enc = text ? tb_field_encrypt(text) : NULL;
    if (text)
        tb_wipe(text, strlen(text));
    free(text);
    int rc = enc ? store_citizen_set_profile(r->db, c.id, enc) : -1;
    free(enc);
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "citizen.profile_update", tb_arena_printf(r->arena, "citizen:%lld", (long long)c.id), "ok", "");
    tb_reply_json(r, 200, json_pack("{s:o}", "profile", profile_of(r, c.id)));
}

/* ================================================================ phone change */
static void post_phone_old_code(tb_req *r)
{
    citizen_row c;
    if (!active_citizen(r, &c))
        return;
    const char *phone = identity_reveal(r, c.phone_enc);
    if (phone && sms_send_code(r, phone, "phone_old") == 0)
        reply_code_sent(r, phone);
}

static void post_phone_verify_old(tb_req *r)
{
    const char *code = NULL;
    tb_jfield spec[] = {TB_JSTR("sms_code", &code, true, 10), TB_JEND};
    citizen_row c;
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c))
        return;
    tb_error e = {0};
    if (sms_code_check(r, identity_reveal(r, c.phone_enc), "phone_old", code, &e) != 0) {
        audit_record(r, "citizen.phone_verify_old", "", "failed", "sms code");
        return tb_reply_error(r, &e);
    }
    int64_t until = tb_now() + PHONE_CHANGE_WINDOW;
    if (store_session_set_phone_verified(r->db, r->session_digest, until) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "citizen.phone_verify_old", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b, s:i}", "verified", 1, "expires_in", PHONE_CHANGE_WINDOW));
}

/* The new phone: valid, not the current one, not someone else's; the old phone verified in this
 * session. 0, or -1 after replying. */
static int check_new_phone(tb_req *r, const citizen_row *c, const char *phone, char bidx[65])
{
    int64_t elevated, verified = 0;
    if (store_session_windows(r, r->session_digest, &elevated, &verified) != 0 || verified <= tb_now())
        return tb_reply_err(r, TB_E_PHONE_OLD_NOT_VERIFIED, NULL), -1;
    if (!tb_valid_phone(phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "phone"), -1;
    const char *current = identity_reveal(r, c->phone_enc);
    if (current && !strcmp(current, phone))
        return tb_reply_err(r, TB_E_PHONE_SAME, "phone"), -1;
    tb_blind_index(phone, bidx);
    citizen_row other;
    if (store_citizen_by_bidx(r, "phone", bidx, &other) == 0)
        return tb_reply_err(r, TB_E_PHONE_TAKEN, "phone"), -1;
    return 0;
}

static void post_phone_new_code(tb_req *r)
{
    const char *phone = NULL;
    tb_jfield spec[] = {TB_JSTR("phone", &phone, true, 20), TB_JEND};
    citizen_row c;
    char bidx[65];
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c) || check_new_phone(r, &c, phone, bidx) != 0)
        return;
    if (sms_send_code(r, phone, "phone_new") == 0)
        reply_code_sent(r, phone);
}

typedef struct {
    tb_req *r;
    const citizen_row *c;
    const char *phone, *old_phone, *bidx;
    char *enc;
} phone_ctx;

static int phone_tx(tb_db *db, void *arg)
{
    phone_ctx *p = arg;
    tb_req *r = p->r;
    char om[64], nm[64];
    tb_mask_phone(p->old_phone, om);
    tb_mask_phone(p->phone, nm);
    if (store_citizen_set_phone(db, p->c->id, p->enc, p->bidx) != 0 ||
        store_session_set_phone_verified(db, r->session_digest, 0) != 0)
        return -1;
    /* the old phone hears of it too: a stolen session cannot move the account silently */
    if (notify_sms_send(db, p->old_phone, "security",
                        tb_arena_printf(r->arena, "【黑龙江公安】您的账号绑定手机号已由%s更换为%s。如非本人操作，请立即联系我们。",
                                        om, nm)) != 0)
        return -1;
    if (notify_citizen(r, p->c->id, "security", "绑定手机号已更换",
                       tb_arena_printf(r->arena, "您的账号绑定手机号已由%s更换为%s。", om, nm), "/my/security") != 0)
        return -1;
    return audit_record(r, "citizen.phone_change", tb_arena_printf(r->arena, "citizen:%lld", (long long)p->c->id), "ok",
                        tb_arena_printf(r->arena, "%s -> %s", om, nm));
}

static void post_phone(tb_req *r)
{
    const char *phone = NULL, *code = NULL;
    tb_jfield spec[] = {TB_JSTR("phone", &phone, true, 20), TB_JSTR("sms_code", &code, true, 10), TB_JEND};
    citizen_row c;
    char bidx[65];
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c) || check_new_phone(r, &c, phone, bidx) != 0)
        return;
    tb_error e = {0};
    if (sms_code_check(r, phone, "phone_new", code, &e) != 0)
        return tb_reply_error(r, &e);
    phone_ctx p = {r, &c, phone, identity_reveal(r, c.phone_enc), bidx, encrypt_arena(r, phone)};
    int rc = p.enc ? tb_db_tx(r->db, phone_tx, &p) : -1;
    if (rc != 0)
        return tb_reply_err(r, tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? TB_E_PHONE_TAKEN : TB_E_INTERNAL,
                            tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? "phone" : NULL);
    store_citizen_by_id(r, c.id, &c);
    tb_reply_json(r, 200, json_pack("{s:o}", "user", citizen_json(r, &c, false)));
}

/* ================================================================ security center */
static void ip_prefix(const char *ip, char *out, size_t cap)
{
    unsigned char b[16];
    if (inet_pton(AF_INET, ip, b) == 1) {
        snprintf(out, cap, "%u.%u.%u.0/24", b[0], b[1], b[2]);
        return;
    }
    if (inet_pton(AF_INET6, ip, b) == 1) {
        snprintf(out, cap, "%x:%x:%x:%x::/64", b[0] << 8 | b[1], b[2] << 8 | b[3], b[4] << 8 | b[5], b[6] << 8 | b[7]);
        return;
    }
    snprintf(out, cap, "%s", ip);
}

/* The User-Agent cut to 120 bytes of printable ASCII (a device label for the history). */
static const char *device_label(tb_req *r, const char *ua)
{
    if (!ua || !*ua)
        return "未知设备";
    size_t n = strlen(ua) > 120 ? 120 : strlen(ua);
    char *d = tb_arena_strndup(r->arena, ua, n);
    for (char *p = d; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    return d;
}

typedef struct {
    tb_req *r;
    int64_t id;
    const char *prefix, *ua_digest, *device, *result;
    bool alert, new_prefix, new_device;
} login_ctx;

static int login_tx(tb_db *db, void *arg)
{
    login_ctx *l = arg;
    tb_req *r = l->r;
    if (store_login_insert(db, l->id, r->ip, l->prefix, l->ua_digest, l->device, l->result, l->alert) != 0)
        return -1;
    if (!l->alert)
        return 0;
    char iso[32];
    tb_time_iso(tb_now(), iso);
    iso[16] = '\0';
    iso[10] = ' ';
    const char *what = l->new_prefix && l->new_device ? "新的地点和设备" : l->new_prefix ? "新的地点" : "新的设备";
    const char *text = tb_arena_printf(r->arena, "您的账号于%s在%s登录（IP %s）。如非本人操作，请立即修改密码。", iso,
                                       what, l->prefix);
    if (notify_citizen(r, l->id, "security", "异常登录提醒", text, "/my/security") != 0)
        return -1;
    return audit_record(r, "citizen.login_alert", tb_arena_printf(r->arena, "citizen:%lld", (long long)l->id), "ok",
                        what);
}

void account_login_recorded(tb_req *r, int64_t citizen_id, const char *result)
{
    char prefix[64], ua_digest[65];
    const char *ua = tb_req_header(r, "user-agent");
    ip_prefix(r->ip, prefix, sizeof prefix);
    tb_token_digest(ua ? ua : "", ua_digest);
    login_ctx l = {r, citizen_id, prefix, ua_digest, device_label(r, ua), result, false, false, false};
    if (!strcmp(result, "ok")) {
        int64_t total = 0, same_prefix = 0, same_device = 0;
        if (store_login_seen(r, citizen_id, tb_now() - NEW_PLACE_DAYS * 86400LL, prefix, ua_digest, &total,
                             &same_prefix, &same_device) == 0 && total > 0) {
            /* the first sign-in has nothing to compare with */
            l.new_prefix = same_prefix == 0;
            l.new_device = same_device == 0;
            l.alert = l.new_prefix || l.new_device;
        }
    }
    tb_db_tx(r->db, login_tx, &l); /* the login itself stands even if the history write fails */
}

static void get_logins(tb_req *r)
{
    int64_t page, size, total;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = store_login_list(r, r->subject_id, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        char iso[32];
        tb_time_iso(json_integer_value(json_object_get(it, "at")), iso);
        json_object_set_new(it, "at", json_string(iso));
        json_object_set_new(it, "alerted", json_boolean(json_integer_value(json_object_get(it, "alerted"))));
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

/* ================================================================ relatives and agents (我的亲属) */
typedef struct {
    const char *kind, *name, *relation, *id_number, *phone;
} contact_in;

static bool read_contact(tb_req *r, contact_in *in)
{
    tb_jfield spec[] = {TB_JSTR("kind", &in->kind, true, 10),       TB_JSTR("name", &in->name, true, 30),
                        TB_JSTR("relation", &in->relation, true, 10), TB_JSTR("id_number", &in->id_number, false, 20),
                        TB_JSTR("phone", &in->phone, true, 20),     TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return false;
    if (strcmp(in->kind, "agent") && strcmp(in->kind, "emergency"))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "kind", "类型应为 agent（委托代办人）或 emergency（紧急联系人）"), false;
    if (!tb_valid_person_name(in->name))
        return tb_reply_err(r, TB_E_INVALID_NAME, "name"), false;
    if (!printable(in->relation) || tb_utf8_length(in->relation) < 1)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "relation"), false;
    if (in->id_number && !*in->id_number)
        in->id_number = NULL;
    if (!in->id_number && !strcmp(in->kind, "agent"))
        return tb_reply_fail(r, TB_E_FIELD_REQUIRED, "id_number", "委托代办人须填写身份证号"), false;
    if (in->id_number) {
        char *u = tb_arena_strdup(r->arena, in->id_number);
        for (char *p = u; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        in->id_number = u;
        if (!tb_valid_id_number(u))
            return tb_reply_err(r, TB_E_INVALID_ID_NUMBER, "id_number"), false;
    }
    if (!tb_valid_phone(in->phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "phone"), false;
    return true;
}

/* Decrypts and masks the raw columns of a contact row in place. */
static json_t *contact_out(tb_req *r, json_t *row)
{
    char m[64];
    const char *id = identity_reveal(r, json_string_value(json_object_get(row, "id_number_enc")));
    const char *phone = identity_reveal(r, json_string_value(json_object_get(row, "phone_enc")));
    if (id)
        tb_mask_id_number(id, m);
    json_object_set_new(row, "id_number_masked", id ? json_string(m) : json_null());
    tb_mask_phone(phone ? phone : "", m);
    json_object_set_new(row, "phone_masked", json_string(m));
    json_object_del(row, "id_number_enc");
    json_object_del(row, "phone_enc");
    row_times_iso(row);
    return row;
}

static json_t *one_contact(tb_req *r, int64_t id)
{
    int64_t total;
    json_t *row = first_row(store_contact_list(r, r->subject_id, id, 1, 0, &total));
    return row ? contact_out(r, row) : NULL;
}

static void get_contacts(tb_req *r)
{
    int64_t page, size, total;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = store_contact_list(r, r->subject_id, 0, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) contact_out(r, it);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void post_contact(tb_req *r)
{
    contact_in in = {0};
    if (!read_contact(r, &in))
        return;
    if (store_contact_count(r->db, r->subject_id) >= MAX_CONTACTS)
        return tb_reply_err(r, TB_E_CONTACT_LIMIT, NULL);
    char bidx[65];
    if (in.id_number)
        tb_blind_index(in.id_number, bidx);
    int64_t id = store_contact_insert(r->db, r->subject_id, in.kind, in.name, in.relation,
                                      encrypt_arena(r, in.id_number), in.id_number ? bidx : NULL,
                                      encrypt_arena(r, in.phone));
    if (id < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "citizen.contact_add", tb_arena_printf(r->arena, "contact:%lld", (long long)id), "ok", in.kind);
    tb_reply_json(r, 201, one_contact(r, id));
}

static void put_contact(tb_req *r)
{
    int64_t id;
    contact_in in = {0};
    if (!parse_id(r, r->params[0], &id, TB_E_CONTACT_NOT_FOUND) || !read_contact(r, &in))
        return;
    char bidx[65];
    if (in.id_number)
        tb_blind_index(in.id_number, bidx);
    int n = store_contact_update(r->db, r->subject_id, id, in.kind, in.name, in.relation,
                                 encrypt_arena(r, in.id_number), in.id_number ? bidx : NULL,
                                 encrypt_arena(r, in.phone));
    if (n < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (n == 0) /* someone else's contact looks like no contact */
        return tb_reply_err(r, TB_E_CONTACT_NOT_FOUND, "id");
    audit_record(r, "citizen.contact_update", tb_arena_printf(r->arena, "contact:%lld", (long long)id), "ok", in.kind);
    tb_reply_json(r, 200, one_contact(r, id));
}

static void delete_contact(tb_req *r)
{
    int64_t id;
    if (!parse_id(r, r->params[0], &id, TB_E_CONTACT_NOT_FOUND))
        return;
    int n = store_contact_delete(r->db, r->subject_id, id);
    if (n < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (n == 0)
        return tb_reply_err(r, TB_E_CONTACT_NOT_FOUND, "id");
    audit_record(r, "citizen.contact_delete", tb_arena_printf(r->arena, "contact:%lld", (long long)id), "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b}", "deleted", 1));
}

/* ================================================================ deregistration (用户注销) */
static void post_deregister_code(tb_req *r)
{
    citizen_row c;
    if (!active_citizen(r, &c))
        return;
    const char *phone = identity_reveal(r, c.phone_enc);
    if (phone && sms_send_code(r, phone, "deregister") == 0)
        reply_code_sent(r, phone);
}

typedef struct {
    tb_req *r;
    int64_t id;
} dereg_ctx;

static int deregister_tx(tb_db *db, void *arg)
{
    dereg_ctx *d = arg;
    if (store_citizen_deregister(db, d->id) != 0)
        return -1;
    return audit_record(d->r, "citizen.deregister", tb_arena_printf(d->r->arena, "citizen:%lld", (long long)d->id),
                        "ok", "retention: name, encrypted ID number and phone kept; lists deleted");
}

static void post_deregister(tb_req *r)
{
    const char *code = NULL;
    tb_jfield spec[] = {TB_JSTR("sms_code", &code, true, 10), TB_JEND};
    citizen_row c;
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c))
        return;
    tb_error e = {0};
    if (sms_code_check(r, identity_reveal(r, c.phone_enc), "deregister", code, &e) != 0) {
        audit_record(r, "citizen.deregister", tb_arena_printf(r->arena, "citizen:%lld", (long long)c.id), "failed",
                     "sms code");
        return tb_reply_error(r, &e);
    }
    dereg_ctx d = {r, c.id};
    if (tb_db_tx(r->db, deregister_tx, &d) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    session_end(r, "citizen"); /* the cookie goes; every session row went in the transaction */
    tb_reply_json(r, 200, json_pack("{s:b}", "deregistered", 1));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/me/profile", get_profile, TB_AUTH_CITIZEN, NULL, 0, "identity", "个人资料（完善个人信息）"},
    {"PUT", "/api/v1/me/profile", put_profile, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity", "保存个人资料"},
    {"POST", "/api/v1/me/phone/old-code", post_phone_old_code, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "更换手机号：向原手机发送验证码"},
    {"POST", "/api/v1/me/phone/verify-old", post_phone_verify_old, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "更换手机号：校验原手机验证码"},
    {"POST", "/api/v1/me/phone/new-code", post_phone_new_code, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "更换手机号：向新手机发送验证码"},
    {"POST", "/api/v1/me/phone", post_phone, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "更换手机号：校验新手机验证码并完成更换"},
    {"GET", "/api/v1/me/logins", get_logins, TB_AUTH_CITIZEN, NULL, 0, "identity", "安全中心：历史登录记录"},
    {"GET", "/api/v1/me/contacts", get_contacts, TB_AUTH_CITIZEN, NULL, 0, "identity", "我的亲属：委托代办人和紧急联系人"},
    {"POST", "/api/v1/me/contacts", post_contact, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity", "添加亲属或代办人"},
    {"PUT", "/api/v1/me/contacts/{id}", put_contact, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity", "修改亲属或代办人"},
    {"DELETE", "/api/v1/me/contacts/{id}", delete_contact, TB_AUTH_CITIZEN, NULL, 0, "identity", "删除亲属或代办人"},
    {"POST", "/api/v1/me/deregister/sms-code", post_deregister_code, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "注销账号：向绑定手机发送验证码"},
    {"POST", "/api/v1/me/deregister", post_deregister, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity", "注销账号"},
};

void identity_account_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
