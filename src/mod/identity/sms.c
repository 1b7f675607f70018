/* Verification codes: 6 digits, valid 5 minutes, single use, burnt after 5 wrong tries, resend no
 * sooner than 60 s per recipient and purpose, 10 a day per recipient. Two channels share the rules
 * and the sms_codes table: SMS to a phone, and e-mail to an address (the blind index of the
 * lower-cased address; the digests and rate buckets carry the channel's tag, so a phone and an
 * address never share a code or a limit). */
#include <ctype.h>
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
#define PER_RECIPIENT_DAY 10

typedef struct {
    const char *tag;   /* digest and rate-bucket prefix */
    const char *field; /* the request field named in errors */
    tb_errcode invalid, expired;
} code_channel;

static const code_channel SMS = {"sms", "sms_code", TB_E_SMS_CODE_INVALID, TB_E_SMS_CODE_EXPIRED};
static const code_channel MAIL = {"mail", "email_code", TB_E_EMAIL_CODE_INVALID, TB_E_EMAIL_CODE_EXPIRED};

static void code_digest(const code_channel *ch, const char *bidx, const char *code, char out[65])
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s:%s:%s", ch->tag, bidx, code);
    tb_token_digest(buf, out);
}

/* The blind index of a recipient: e-mail addresses compare case-insensitively. */
static void recipient_bidx(const code_channel *ch, const char *to, char out[65])
{
    if (ch == &MAIL) {
        char low[256];
        size_t n = 0;
        for (; to[n] && n < sizeof low - 1; n++)
            low[n] = (char)tolower((unsigned char)to[n]);
        low[n] = '\0';
        tb_blind_index(low, out);
        return;
    }
    tb_blind_index(to, out);
}

static int code_check(tb_req *r, const code_channel *ch, const char *to, const char *purpose, const char *code,
                      tb_error *e)
{
    char bidx[65], digest[65];
    int64_t id, expires, attempts;
    const char *stored;
    recipient_bidx(ch, to, bidx);
    if (store_sms_code_latest(r, bidx, purpose, &id, &stored, &expires, &attempts) != 0)
        return tb_fail(e, ch->invalid, ch->field); /* none was sent to this recipient */
    if (expires <= tb_now() || attempts >= MAX_TRIES)
        return tb_fail(e, ch->expired, ch->field);
    if (!code || strlen(code) != 6 || !tb_is_digits(code, 6)) {
        store_sms_code_attempt(r->db, id, attempts + 1 >= MAX_TRIES);
        return tb_fail(e, ch->invalid, ch->field);
    }
    code_digest(ch, bidx, code, digest);
    if (!tb_ct_equal(digest, stored, 64)) {
        store_sms_code_attempt(r->db, id, attempts + 1 >= MAX_TRIES);
        return tb_fail(e, ch->invalid, ch->field);
    }
    store_sms_code_use(r->db, id);
    return 0;
}

int identity_sms_code_check(tb_req *r, const char *phone, const char *purpose, const char *code, tb_error *e)
{
    return code_check(r, &SMS, phone, purpose, code, e);
}

int sms_code_check(tb_req *r, const char *phone, const char *purpose, const char *code, tb_error *e)
{
    return code_check(r, &SMS, phone, purpose, code, e);
}

int email_code_check(tb_req *r, const char *email, const char *purpose, const char *code, tb_error *e)
{
    return code_check(r, &MAIL, email, purpose, code, e);
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

/* Purposes of signed-in citizens' own codes (sms_send_code, email_send_code), never of the public route. */
static const char *account_purpose_text(const char *purpose)
{
    static const char *const T[][2] = {
        {"elevate", "身份二次认证"},           {"phone_old", "更换手机号（原手机验证）"},
        {"phone_new", "更换手机号（新手机验证）"}, {"deregister", "注销账号"},
        {"email_old", "更换邮箱（原邮箱验证）"}, {"email_new", "绑定邮箱（新邮箱验证）"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (!strcmp(purpose, T[i][0]))
            return T[i][1];
    return NULL;
}

/* Limits: 60 s per recipient and purpose, 10 a day per recipient, sms_per_ip_hour per client and
 * channel. true when limited (reply sent). */
static bool send_limited(tb_req *r, const code_channel *ch, const char *bidx, const char *purpose, const char *field)
{
    const char *pb = tb_arena_printf(r->arena, "%s:%.32s:%s", ch->tag, bidx, purpose);
    const char *ib = tb_arena_printf(r->arena, "%sip:%s", ch->tag, r->ip);
    if (guard_age(r->db, pb) < RESEND_AFTER) {
        tb_reply_err(r, TB_E_SMS_TOO_FREQUENT, field);
        return true;
    }
    const char *day = tb_arena_printf(r->arena, "%sday:%.32s", ch->tag, bidx);
    if (guard_count(r->db, day, 86400) >= PER_RECIPIENT_DAY || guard_count(r->db, ib, 3600) >= tb_cfg.sms_per_ip_hour) {
        tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
        return true;
    }
    guard_hit(r->db, pb, RESEND_AFTER);
    guard_hit(r->db, day, 86400);
    guard_hit(r->db, ib, 3600);
    return false;
}

/* Makes, stores and sends one code. 0 or -1. */
static int deliver_code(tb_req *r, const code_channel *ch, const char *to, const char *bidx, const char *purpose,
                        const char *what)
{
    char code[8], digest[65], text[384];
    tb_random_digits(code, 6);
    code_digest(ch, bidx, code, digest);
    int rc = store_sms_code_insert(r->db, bidx, purpose, digest);
    if (ch == &MAIL) {
        snprintf(text, sizeof text,
                 "您好！您正在办理%s，验证码为 %s，%d 分钟内有效。\n如非本人操作，请忽略本邮件，并及时修改账号密码。\n\n"
                 "黑龙江省公安厅“互联网+公安政务服务”平台（系统邮件，请勿回复）",
                 what, code, CODE_TTL / 60);
        rc = rc != 0 ? -1 : notify_email_send(r->db, to, purpose, "【黑龙江公安】邮箱验证码", text);
    } else {
        snprintf(text, sizeof text, "【黑龙江公安】您的%s验证码为%s，%d分钟内有效。如非本人操作，请忽略本短信。", what,
                 code, CODE_TTL / 60);
        rc = rc != 0 ? -1 : notify_sms_send(r->db, to, purpose, text);
    }
    tb_wipe(code, sizeof code);
    tb_wipe(text, sizeof text);
    return rc;
}

static int send_code(tb_req *r, const code_channel *ch, const char *to, const char *purpose, const char *field)
{
    const char *what = account_purpose_text(purpose);
    char bidx[65];
    if (!what)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
    recipient_bidx(ch, to, bidx);
    if (send_limited(r, ch, bidx, purpose, field))
        return -1;
    if (deliver_code(r, ch, to, bidx, purpose, what) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
    audit_record(r, ch == &MAIL ? "email.code_sent" : "sms.code_sent", purpose, "ok", "");
    return 0;
}

int sms_send_code(tb_req *r, const char *phone, const char *purpose) { return send_code(r, &SMS, phone, purpose, "phone"); }

int email_send_code(tb_req *r, const char *email, const char *purpose)
{
    return send_code(r, &MAIL, email, purpose, "email");
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
    if (send_limited(r, &SMS, bidx, purpose, "phone"))
        return;
    /* reset/login to an unknown phone: same answer, nothing sent (no probing) */
    /* booking needs no account: anyone may book with name, ID number and a verified phone */
    if ((known || !strcmp(purpose, "register") || !strcmp(purpose, "booking")) &&
        deliver_code(r, &SMS, phone, bidx, purpose, what) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "sms.code_sent", purpose, known ? "ok" : "unknown_phone", "");
    tb_reply_json(r, 200, json_pack("{s:b, s:i, s:i}", "sent", 1, "expires_in", CODE_TTL, "resend_after", RESEND_AFTER));
}
