/* The SMS second factor of the user center (§1-1-3-7-4-12). A signed-in citizen asks for a code to the
 * bound phone and enters it; the session row then carries an elevated window (elevate_minutes, default
 * 10). Sensitive handlers (我的地址, 我的预约, …) call identity_elevated() first. */
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity_internal.h"

void reply_code_sent(tb_req *r, const char *phone)
{
    char masked[64];
    tb_mask_phone(phone, masked);
    tb_reply_json(r, 200, json_pack("{s:b, s:i, s:i, s:s}", "sent", 1, "expires_in", SMS_CODE_TTL, "resend_after",
                                    SMS_RESEND_AFTER, "phone_masked", masked));
}

bool identity_elevated(tb_req *r)
{
    int64_t until = 0, phone_until;
    if (r->subject_id && r->session_digest[0] && r->subject_realm && !strcmp(r->subject_realm, "citizen") &&
        store_session_windows(r, r->session_digest, &until, &phone_until) == 0 && until > tb_now())
        return true;
    tb_reply_err(r, TB_E_ELEVATION_REQUIRED, NULL);
    return false;
}

/* The signed-in citizen's phone, or NULL after replying. */
static const char *own_phone(tb_req *r)
{
    citizen_row c;
    const char *phone;
    if (store_citizen_by_id(r, r->subject_id, &c) != 0 || strcmp(c.status, "active") ||
        !(phone = identity_reveal(r, c.phone_enc)))
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL), NULL;
    return phone;
}

static void post_elevate_code(tb_req *r)
{
    const char *phone = own_phone(r);
    if (phone && sms_send_code(r, phone, "elevate") == 0)
        reply_code_sent(r, phone);
}

json_t *elevation_json(int64_t until)
{
    char iso[32];
    bool open = until > tb_now();
    if (open)
        tb_time_iso(until, iso);
    return json_pack("{s:b, s:s?, s:I}", "elevated", open, "elevated_until", open ? iso : NULL, "seconds_left",
                     (json_int_t)(open ? until - tb_now() : 0));
}

static void post_elevate(tb_req *r)
{
    const char *code = NULL;
    tb_jfield spec[] = {TB_JSTR("sms_code", &code, true, 10), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    const char *phone = own_phone(r);
    if (!phone)
        return;
    tb_error e = {0};
    if (sms_code_check(r, phone, "elevate", code, &e) != 0) {
        audit_record(r, "citizen.elevate", "", "failed", "sms code");
        return tb_reply_error(r, &e);
    }
    int64_t until = tb_now() + (int64_t)tb_cfg.elevate_minutes * 60;
    if (store_session_set_elevated(r->db, r->session_digest, until) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "citizen.elevate", "", "ok", "");
    tb_reply_json(r, 200, elevation_json(until));
}

static void get_elevation(tb_req *r)
{
    int64_t until = 0, phone_until;
    if (store_session_windows(r, r->session_digest, &until, &phone_until) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    tb_reply_json(r, 200, elevation_json(until));
}

static const tb_route routes[] = {
    {"POST", "/api/v1/me/elevate/sms-code", post_elevate_code, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "二次认证：向绑定手机发送验证码"},
    {"POST", "/api/v1/me/elevate", post_elevate, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "二次认证：校验短信验证码，开启认证有效期"},
    {"GET", "/api/v1/me/elevation", get_elevation, TB_AUTH_CITIZEN, NULL, 0, "identity", "二次认证状态"},
};

void identity_elevate_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
