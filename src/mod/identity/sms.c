/* SMS verification codes: 6 digits, valid 5 minutes, single use, burnt
 * after 5 wrong tries, resend no sooner than 60 s per phone. */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/guard/guard.h"
#include "mod/identity/identity_internal.h"
#include "mod/notify/notify.h"
#include "rules/validators.h"

#define CODE_TTL 300
#define RESEND_AFTER 60
#define MAX_TRIES 5
#define PER_PHONE_DAY 10

static void code_digest(const char *phone_bidx, const char *code, char out[65])
{
    char buf[128];
    snprintf(buf, sizeof buf, "sms:%s:%s", phone_bidx, code);
    tb_token_digest(buf, out);
}

int identity_sms_code_check(tb_req *r, const char *phone, const char *purpose, const char *code, tb_error *e)
{
    return sms_code_check(r, phone, purpose, code, e);
}

int sms_code_check(tb_req *r, const char *phone, const char *purpose, const char *code, tb_error *e)
{
    char bidx[65], digest[65];
    int64_t id, expires, attempts;
    const char *stored;
    tb_blind_index(phone, bidx);
    if (store_sms_code_latest(r, bidx, purpose, &id, &stored, &expires, &attempts) != 0)
        return tb_fail(e, TB_E_SMS_CODE_INVALID, "sms_code"); /* none was sent to this phone */
    if (expires <= tb_now() || attempts >= MAX_TRIES)
        return tb_fail(e, TB_E_SMS_CODE_EXPIRED, "sms_code");
    if (!code || strlen(code) != 6 || !tb_is_digits(code, 6)) {
        store_sms_code_attempt(r->db, id, attempts + 1 >= MAX_TRIES);
        return tb_fail(e, TB_E_SMS_CODE_INVALID, "sms_code");
    }
    code_digest(bidx, code, digest);
    if (!tb_ct_equal(digest, stored, 64)) {
        store_sms_code_attempt(r->db, id, attempts + 1 >= MAX_TRIES);
        return tb_fail(e, TB_E_SMS_CODE_INVALID, "sms_code");
    }
    store_sms_code_use(r->db, id);
    return 0;
}

static const char *purpose_text(const char *purpose)
{
    if (!strcmp(purpose, "register"))
        return "注册";
    if (!strcmp(purpose, "login"))
        return "登录";
    if (!strcmp(purpose, "reset"))
        return "找回密码";
    if (!strcmp(purpose, "booking"))
        return "预约";
    return NULL;
}

/* Purposes of signed-in citizens' own codes (sms_send_code), never of the public route. */
static const char *account_purpose_text(const char *purpose)
{
    if (!strcmp(purpose, "elevate"))
        return "身份二次认证";
    if (!strcmp(purpose, "phone_old"))
        return "更换手机号（原手机验证）";
    if (!strcmp(purpose, "phone_new"))
        return "更换手机号（新手机验证）";
    if (!strcmp(purpose, "deregister"))
        return "注销账号";
    return NULL;
}

/* Limits: 60 s per phone and purpose, 10 a day per phone, sms_per_ip_hour per client. */
static bool send_limited(tb_req *r, const char *bidx, const char *purpose)
{
    const char *pb = tb_arena_printf(r->arena, "sms:%.32s:%s", bidx, purpose);
    const char *ib = tb_arena_printf(r->arena, "smsip:%s", r->ip);
    if (guard_age(r->db, pb) < RESEND_AFTER) {
        tb_reply_err(r, TB_E_SMS_TOO_FREQUENT, "phone");
        return true;
    }
    const char *day = tb_arena_printf(r->arena, "smsday:%.32s", bidx);
    if (guard_count(r->db, day, 86400) >= PER_PHONE_DAY || guard_count(r->db, ib, 3600) >= tb_cfg.sms_per_ip_hour) {
        tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
        return true;
    }
    guard_hit(r->db, pb, RESEND_AFTER);
    guard_hit(r->db, day, 86400);
    guard_hit(r->db, ib, 3600);
    return false;
}

/* Makes, stores and sends one code. 0 or -1. */
static int deliver_code(tb_req *r, const char *phone, const char *bidx, const char *purpose, const char *what)
{
    char code[8], digest[65], text[256];
    tb_random_digits(code, 6);
    code_digest(bidx, code, digest);
    snprintf(text, sizeof text, "【黑龙江公安】您的%s验证码为%s，%d分钟内有效。如非本人操作，请忽略本短信。", what, code,
             CODE_TTL / 60);
    int rc = store_sms_code_insert(r->db, bidx, purpose, digest) != 0 || notify_sms_send(r->db, phone, purpose, text) != 0
                 ? -1
                 : 0;
    tb_wipe(code, sizeof code);
    tb_wipe(text, sizeof text);
    return rc;
}

int sms_send_code(tb_req *r, const char *phone, const char *purpose)
{
    const char *what = account_purpose_text(purpose);
    char bidx[65];
    if (!what)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
    tb_blind_index(phone, bidx);
    if (send_limited(r, bidx, purpose))
        return -1;
    if (deliver_code(r, phone, bidx, purpose, what) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
    audit_record(r, "sms.code_sent", purpose, "ok", "");
    return 0;
}

void identity_sms_code(tb_req *r)
{
    const char *phone = NULL, *purpose = NULL;
    tb_jfield spec[] = {TB_JSTR("phone", &phone, true, 20), TB_JSTR("purpose", &purpose, true, 20), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!tb_valid_phone(phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "phone");
    const char *what = purpose_text(purpose);
    if (!what)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "purpose");
    char bidx[65];
    tb_blind_index(phone, bidx);
    citizen_row c;
    bool known = store_citizen_by_bidx(r, "phone", bidx, &c) == 0;
    if (known && !strcmp(purpose, "register")) /* registration would say so anyway: spare the SMS */
        return tb_reply_err(r, TB_E_ACCOUNT_EXISTS, "phone");
    if (send_limited(r, bidx, purpose))
        return;
    /* reset/login to an unknown phone: same answer, nothing sent (no probing) */
    /* booking needs no account: anyone may book with name, ID number and a verified phone */
    if ((known || !strcmp(purpose, "register") || !strcmp(purpose, "booking")) &&
        deliver_code(r, phone, bidx, purpose, what) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "sms.code_sent", purpose, known ? "ok" : "unknown_phone", "");
    tb_reply_json(r, 200, json_pack("{s:b, s:i, s:i}", "sent", 1, "expires_in", CODE_TTL, "resend_after", RESEND_AFTER));
}
