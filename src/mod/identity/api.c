/* Routes of the identity module (citizen realm): register, log in and out,
 * the current user, password change and reset. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity_internal.h"
#include "rules/validators.h"

void identity_sms_code(tb_req *r);
void identity_staff_login(tb_req *r);
void identity_staff_logout(tb_req *r);
void identity_staff_me(tb_req *r);

static char *upper(tb_req *r, const char *s)
{
    char *u = tb_arena_strdup(r->arena, s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/* Decrypts into the arena; NULL stays NULL. */
const char *identity_reveal(tb_req *r, const char *enc)
{
    if (!enc)
        return NULL;
    char *plain = tb_field_decrypt(enc);
    if (!plain)
        return NULL;
    const char *copy = tb_arena_strdup(r->arena, plain);
    tb_wipe(plain, strlen(plain));
    free(plain);
    return copy;
}

json_t *citizen_json(tb_req *r, const citizen_row *c, bool owner)
{
    const char *id = identity_reveal(r, c->id_number_enc), *phone = identity_reveal(r, c->phone_enc);
    char id_m[64] = "", phone_m[64] = "";
    if (id)
        tb_mask_id_number(id, id_m);
    if (phone)
        tb_mask_phone(phone, phone_m);
    bool legal = !strcmp(c->type, "legal");
    json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?}", "id", (json_int_t)c->id, "type",
                          c->type, "name", c->name, "id_number_masked", id ? id_m : NULL, "phone_masked", phone_m,
                          "org_name", legal ? c->name : NULL, "uscc", c->uscc, "legal_rep", c->legal_rep,
                          "contact_name", c->contact_name);
    if (owner) {
        json_object_set_new(o, "id_number", id ? json_string(id) : json_null());
        json_object_set_new(o, "phone", phone ? json_string(phone) : json_null());
    }
    return o;
}

int identity_citizen_get(tb_req *r, int64_t id, identity_citizen *out)
{
    citizen_row c;
    if (store_citizen_by_id(r, id, &c) != 0)
        return -1;
    out->id = c.id;
    out->type = c.type;
    out->name = c.name;
    out->id_number = identity_reveal(r, c.id_number_enc);
    out->phone = identity_reveal(r, c.phone_enc);
    out->uscc = c.uscc;
    out->status = c.status;
    return 0;
}

/* ---- register ---- */
/* A resident ID holder's name is written in Chinese characters (with the
 * middle dot of minority names); Latin names belong to other ID types. */
static bool resident_name(const char *name)
{
    if (!tb_valid_person_name(name))
        return false;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x80)
            return false;
    return true;
}

typedef struct {
    const char *type, *name, *id_number, *phone, *sms_code, *password, *org_name, *uscc, *legal_rep, *contact_name;
} reg_input;

static int check_register(tb_req *r, reg_input *in)
{
    bool legal = !strcmp(in->type, "legal");
    if (!legal && strcmp(in->type, "person"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "type"), -1;
    if (!legal) {
        if (!in->name || !in->id_number)
            return tb_reply_err(r, TB_E_FIELD_REQUIRED, in->name ? "id_number" : "name"), -1;
        if (!resident_name(in->name))
            return tb_reply_err(r, TB_E_INVALID_NAME, "name"), -1;
        in->id_number = upper(r, in->id_number);
        if (!tb_valid_id_number(in->id_number))
            return tb_reply_err(r, TB_E_INVALID_ID_NUMBER, "id_number"), -1;
    } else {
        const char *missing = !in->org_name ? "org_name" : !in->uscc ? "uscc" : !in->legal_rep ? "legal_rep"
                              : !in->contact_name ? "contact_name" : NULL;
        if (missing)
            return tb_reply_err(r, TB_E_FIELD_REQUIRED, missing), -1;
        if (tb_utf8_length(in->org_name) < 2)
            return tb_reply_err(r, TB_E_INVALID_FIELD, "org_name"), -1;
        if (!tb_valid_uscc(in->uscc)) /* GB 32100 codes are upper-case: no silent fixing */
            return tb_reply_err(r, TB_E_INVALID_USCC, "uscc"), -1;
        if (!tb_valid_person_name(in->legal_rep))
            return tb_reply_err(r, TB_E_INVALID_NAME, "legal_rep"), -1;
        if (!tb_valid_person_name(in->contact_name))
            return tb_reply_err(r, TB_E_INVALID_NAME, "contact_name"), -1;
    }
    if (!tb_valid_phone(in->phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "phone"), -1;
    const char *weak = tb_password_policy(in->password, in->id_number, in->phone);
    if (weak) {
        tb_error e = {TB_E_WEAK_PASSWORD, "password", weak, NULL};
        return tb_reply_error(r, &e), -1;
    }
    return 0;
}

static void post_register(tb_req *r)
{
    reg_input in = {0};
    tb_jfield spec[] = {
        TB_JSTR("type", &in.type, true, 10),          TB_JSTR("name", &in.name, false, 30),
        TB_JSTR("id_number", &in.id_number, false, 64), TB_JSTR("phone", &in.phone, true, 20),
        TB_JSTR("sms_code", &in.sms_code, true, 10),  TB_JSTR("password", &in.password, true, 200),
        TB_JSTR("org_name", &in.org_name, false, 100), TB_JSTR("uscc", &in.uscc, false, 64),
        TB_JSTR("legal_rep", &in.legal_rep, false, 30), TB_JSTR("contact_name", &in.contact_name, false, 30),
        TB_JEND};
    if (!tb_req_json_spec(r, spec) || check_register(r, &in) != 0)
        return;
    char id_bidx[65] = "", phone_bidx[65];
    if (in.id_number)
        tb_blind_index(in.id_number, id_bidx);
    tb_blind_index(in.phone, phone_bidx);
    int exists = store_citizen_exists(r->db, in.id_number ? id_bidx : NULL, phone_bidx, in.uscc);
    if (exists < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (exists)
        return tb_reply_err(r, TB_E_ACCOUNT_EXISTS, NULL);
    tb_error e = {0};
    if (sms_code_check(r, in.phone, "register", in.sms_code, &e) != 0)
        return tb_reply_error(r, &e);
    bool legal = !strcmp(in.type, "legal");
    char hash[128];
    if (tb_password_hash(in.password, hash) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    citizen_row c = {.type = legal ? "legal" : "person", .name = legal ? in.org_name : in.name,
                     .uscc = in.uscc, .legal_rep = in.legal_rep, .contact_name = in.contact_name,
                     .password_hash = hash, .status = "active"};
    char *id_enc = in.id_number ? tb_field_encrypt(in.id_number) : NULL, *phone_enc = tb_field_encrypt(in.phone);
    c.id_number_enc = id_enc;
    c.phone_enc = phone_enc;
    c.id = store_citizen_insert(r->db, &c, in.id_number ? id_bidx : NULL, phone_bidx);
    tb_db_errkind kind = tb_db_errkind_last(r->db);
    free(id_enc);
    free(phone_enc);
    if (c.id < 0)
        return tb_reply_err(r, kind == TB_DBE_UNIQUE ? TB_E_ACCOUNT_EXISTS : TB_E_INTERNAL, NULL);
    r->subject_id = c.id;
    r->subject_realm = "citizen";
    audit_record(r, "citizen.register", tb_arena_printf(r->arena, "citizen:%lld", (long long)c.id), "ok", c.type);
    store_citizen_by_id(r, c.id, &c);
    tb_reply_json(r, 201, json_pack("{s:o}", "user", citizen_json(r, &c, false)));
}

/* ---- login / logout / me ---- */
static int find_account(tb_req *r, const char *account, citizen_row *c)
{
    char bidx[65];
    if (tb_valid_phone(account)) {
        tb_blind_index(account, bidx);
        return store_citizen_by_bidx(r, "phone", bidx, c);
    }
    if (tb_valid_id_number(account)) {
        tb_blind_index(account, bidx);
        return store_citizen_by_bidx(r, "id_number", bidx, c);
    }
    if (tb_valid_uscc(account))
        return store_citizen_by_bidx(r, "uscc", account, c);
    return -1;
}

int identity_account_lookup(tb_req *r, const char *name, const char **realm, int64_t *id)
{
    if (!strncmp(name, "staff:", 6)) {
        staff_row s;
        if (store_staff_by_login(r, name + 6, &s) != 0 || strcmp(s.status, "active"))
            return -1;
        *realm = "staff", *id = s.id;
        return 0;
    }
    citizen_row c;
    if (tb_valid_phone(name) || find_account(r, name, &c) != 0 || strcmp(c.status, "active"))
        return -1; /* a phone number is not an account's name for other systems */
    *realm = "citizen", *id = c.id;
    return 0;
}

/* The deregistered account an identifier named (its blind index was released). */
static int find_released(tb_req *r, const char *account, citizen_row *c)
{
    char bidx[65];
    if (tb_valid_phone(account)) {
        tb_blind_index(account, bidx);
        return store_citizen_by_released(r, "phone", bidx, c);
    }
    if (tb_valid_id_number(account)) {
        tb_blind_index(account, bidx);
        return store_citizen_by_released(r, "id_number", bidx, c);
    }
    if (tb_valid_uscc(account))
        return store_citizen_by_released(r, "uscc", account, c);
    return -1;
}

static void post_login(tb_req *r)
{
    const char *account = NULL, *password = NULL;
    tb_jfield spec[] = {TB_JSTR("account", &account, true, 64), TB_JSTR("password", &password, true, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    account = upper(r, account);
    citizen_row c;
    bool found = find_account(r, account, &c) == 0 && !strcmp(c.status, "active");
    if (!found && find_released(r, account, &c) == 0) {
        /* a deregistered account: said so only to whoever knows its password */
        const char *key = tb_arena_printf(r->arena, "citizen:%lld", (long long)c.id);
        if (!login_password_check(r, "citizen", key, c.id, c.password_hash, password))
            return;
        audit_record(r, "citizen.login", key, "refused", "deregistered");
        return tb_reply_err(r, TB_E_ACCOUNT_DEREGISTERED, NULL);
    }
    /* the account is locked, whichever identifier names it; unknown names
     * are locked the same way so the answer reveals nothing */
    const char *key = found ? tb_arena_printf(r->arena, "citizen:%lld", (long long)c.id) : account;
    const char *csrf = login_attempt(r, "citizen", key, found ? c.id : 0, found ? c.password_hash : NULL, password);
    if (found) /* 我的安全中心: every attempt on a known account, and the new-place alert */
        account_login_recorded(r, c.id, csrf ? "ok" : r->status == 429 ? "locked" : "failed");
    if (!csrf)
        return;
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "user", citizen_json(r, &c, false), "csrf_token", csrf));
}

static void post_logout(tb_req *r)
{
    session_end(r, "citizen");
    audit_record(r, "citizen.logout", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void get_me(tb_req *r)
{
    citizen_row c;
    const char *csrf = NULL;
    int64_t subject;
    if (store_citizen_by_id(r, r->subject_id, &c) != 0 ||
        store_session_get(r, r->session_digest, "citizen", &subject, &csrf) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "user", citizen_json(r, &c, true), "csrf_token", csrf));
}

/* ---- passwords ---- */
/* Policy check for a citizen's new password; replies itself when weak. */
static int password_acceptable(tb_req *r, const citizen_row *c, const char *pw)
{
    const char *weak = tb_password_policy(pw, identity_reveal(r, c->id_number_enc), identity_reveal(r, c->phone_enc));
    if (!weak)
        return 0;
    tb_error e = {TB_E_WEAK_PASSWORD, "new_password", weak, NULL};
    return tb_reply_error(r, &e), -1;
}

static int set_password(tb_req *r, const citizen_row *c, const char *pw)
{
    if (password_acceptable(r, c, pw) != 0)
        return -1;
    char hash[128];
    if (tb_password_hash(pw, hash) != 0 || store_citizen_set_password(r->db, c->id, hash) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
    return 0;
}

static void post_password(tb_req *r)
{
    const char *old_pw = NULL, *new_pw = NULL;
    tb_jfield spec[] = {TB_JSTR("old_password", &old_pw, true, 200), TB_JSTR("new_password", &new_pw, true, 200),
                        TB_JEND};
    citizen_row c;
    if (!tb_req_json_spec(r, spec))
        return;
    if (store_citizen_by_id(r, r->subject_id, &c) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    if (!tb_password_verify(c.password_hash, old_pw)) {
        audit_record(r, "citizen.password_change", "", "failed", "wrong old password");
        return tb_reply_err(r, TB_E_PASSWORD_MISMATCH, "old_password");
    }
    if (set_password(r, &c, new_pw) != 0)
        return;
    store_sessions_delete_subject(r->db, "citizen", c.id, r->session_digest); /* other devices out */
    audit_record(r, "citizen.password_change", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void post_password_reset(tb_req *r)
{
    const char *phone = NULL, *code = NULL, *new_pw = NULL;
    tb_jfield spec[] = {TB_JSTR("phone", &phone, true, 20), TB_JSTR("sms_code", &code, true, 10),
                        TB_JSTR("new_password", &new_pw, true, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!tb_valid_phone(phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "phone");
    tb_error e = {0};
    char bidx[65];
    citizen_row c;
    tb_blind_index(phone, bidx);
    /* no account: no code was ever sent, so the code is wrong */
    if (store_citizen_by_bidx(r, "phone", bidx, &c) != 0)
        return tb_reply_err(r, TB_E_SMS_CODE_INVALID, "sms_code");
    if (password_acceptable(r, &c, new_pw) != 0) /* before spending the code */
        return;
    if (sms_code_check(r, phone, "reset", code, &e) != 0)
        return tb_reply_error(r, &e);
    if (set_password(r, &c, new_pw) != 0)
        return;
    store_sessions_delete_subject(r->db, "citizen", c.id, NULL);
    r->subject_id = c.id;
    r->subject_realm = "citizen";
    audit_record(r, "citizen.password_reset", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static const tb_route routes[] = {
    {"POST", "/api/v1/auth/sms-code", identity_sms_code, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "identity", "发送短信验证码"},
    {"POST", "/api/v1/auth/register", post_register, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "identity", "注册（个人/法人）"},
    {"POST", "/api/v1/auth/login", post_login, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "identity", "登录"},
    {"POST", "/api/v1/auth/logout", post_logout, TB_AUTH_CITIZEN, NULL, 0, "identity", "退出登录"},
    {"POST", "/api/v1/auth/password-reset", post_password_reset, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "identity",
     "短信找回密码"},
    {"GET", "/api/v1/me", get_me, TB_AUTH_CITIZEN, NULL, 0, "identity", "当前用户"},
    {"POST", "/api/v1/me/password", post_password, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity", "修改密码"},
    {"POST", "/api/v1/staff/auth/login", identity_staff_login, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "staff",
     "工作人员登录"},
    {"POST", "/api/v1/staff/auth/logout", identity_staff_logout, TB_AUTH_STAFF, NULL, 0, "staff", "工作人员退出"},
    {"GET", "/api/v1/staff/me", identity_staff_me, TB_AUTH_STAFF, NULL, 0, "staff", "当前工作人员"},
};

void identity_register(void)
{
    tb_router_add(routes, sizeof routes / sizeof routes[0]);
    identity_elevate_register();
    identity_account_register();
    identity_email_register();
    identity_face_register();
    identity_space_register();
    tb_http_set_auth_hook(session_auth_hook);
}
