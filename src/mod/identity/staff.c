/* Staff realm: accounts made with `tongban user add`, their own login and
 * cookie. Two-factor sign-in and roles with data scopes come with the work
 * portal; until then a staff role is `admin` or `staff`. */
#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity_internal.h"
#include "rules/validators.h"

static json_t *staff_json(const staff_row *s)
{
    return json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)s->id, "login", s->login, "name", s->name, "role",
                     s->role);
}

void identity_staff_login(tb_req *r)
{
    const char *login = NULL, *password = NULL;
    tb_jfield spec[] = {TB_JSTR("login", &login, true, 64), TB_JSTR("password", &password, true, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    staff_row s;
    bool found = store_staff_by_login(r, login, &s) == 0 && !strcmp(s.status, "active");
    const char *key = tb_arena_printf(r->arena, "staff:%s", login);
    const char *csrf = login_attempt(r, "staff", key, found ? s.id : 0, found ? s.password_hash : NULL, password);
    if (!csrf)
        return;
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "staff", staff_json(&s), "csrf_token", csrf));
}

void identity_staff_logout(tb_req *r)
{
    session_end(r, "staff");
    audit_record(r, "staff.logout", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

void identity_staff_me(tb_req *r)
{
    staff_row s;
    int64_t subject;
    const char *csrf;
    if (store_staff_by_id(r, r->subject_id, &s) != 0 ||
        store_session_get(r, r->session_digest, "staff", &subject, &csrf) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:s}", "staff", staff_json(&s), "csrf_token", csrf));
}

int identity_staff_add(tb_db *db, const char *login, const char *name, const char *role, const char *password,
                       char *err, size_t errlen)
{
    if (!tb_is_token(login, 32)) {
        snprintf(err, errlen, "登录名只能包含字母、数字、下划线和连字符，最长32位");
        return -1;
    }
    if (!tb_valid_person_name(name)) {
        snprintf(err, errlen, "姓名格式不正确");
        return -1;
    }
    if (strcmp(role, "admin") && strcmp(role, "staff")) {
        snprintf(err, errlen, "角色只能是 admin 或 staff");
        return -1;
    }
    const char *weak = tb_password_policy(password, NULL, NULL);
    if (weak) {
        snprintf(err, errlen, "%s", weak);
        return -1;
    }
    char hash[128];
    if (tb_password_hash(password, hash) != 0) {
        snprintf(err, errlen, "密码哈希失败");
        return -1;
    }
    if (store_staff_insert(db, login, name, role, hash) < 0) {
        snprintf(err, errlen, tb_db_errkind_last(db) == TB_DBE_UNIQUE ? "登录名已存在" : "%s", tb_db_errmsg(db));
        return -1;
    }
    audit_record_as(db, "system", "cli", "local", "staff.create", login, "ok", role);
    return 0;
}
