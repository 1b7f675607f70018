/* The bound e-mail address (§1-1-3-7-3 更换邮箱). A change proves both mailboxes: a code to the old
 * address opens a 10-minute window in this session, then a code to the new address finishes it. The
 * first binding has no old address to prove, so it asks for the second factor (SMS or face) instead; so does
 * unbinding (the way out for someone who lost the old mailbox). The old address, the phone and
 * 我的消息 are told of every change, so a stolen session cannot move the account silently. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity_internal.h"
#include "mod/notify/notify.h"
#include "rules/validators.h"

#define EMAIL_CHANGE_WINDOW 600 /* seconds between verifying the old address and finishing */
#define EMAIL_MAX 254

/* The bound address (lower-case), or NULL. */
static const char *bound_email(tb_req *r, int64_t id)
{
    const char *enc = store_citizen_email(r, id);
    return enc ? identity_reveal(r, enc) : NULL;
}

static const char *masked(tb_req *r, const char *email)
{
    char m[64];
    tb_mask_email(email, m);
    return tb_arena_strdup(r->arena, m);
}

static void reply_mail_sent(tb_req *r, const char *email)
{
    tb_reply_json(r, 200, json_pack("{s:b, s:i, s:i, s:s}", "sent", 1, "expires_in", SMS_CODE_TTL, "resend_after",
                                    SMS_RESEND_AFTER, "email_masked", masked(r, email)));
}

static void get_email(tb_req *r)
{
    citizen_row c;
    if (!active_citizen(r, &c))
        return;
    const char *email = bound_email(r, c.id);
    /* the owner sees the whole address too, as /api/v1/me shows the whole phone */
    tb_reply_json(r, 200, json_pack("{s:b, s:s?, s:s?}", "bound", email != NULL, "email_masked",
                                    email ? masked(r, email) : NULL, "email", email));
}

static void post_old_code(tb_req *r)
{
    citizen_row c;
    if (!active_citizen(r, &c))
        return;
    const char *email = bound_email(r, c.id);
    if (!email)
        return tb_reply_err(r, TB_E_EMAIL_NOT_BOUND, NULL);
    if (email_send_code(r, email, "email_old") == 0)
        reply_mail_sent(r, email);
}

static void post_verify_old(tb_req *r)
{
    const char *code = NULL;
    tb_jfield spec[] = {TB_JSTR("email_code", &code, true, 10), TB_JEND};
    citizen_row c;
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c))
        return;
    const char *email = bound_email(r, c.id);
    if (!email)
        return tb_reply_err(r, TB_E_EMAIL_NOT_BOUND, NULL);
    tb_error e = {0};
    if (email_code_check(r, email, "email_old", code, &e) != 0) {
        audit_record(r, "citizen.email_verify_old", "", "failed", "email code");
        return tb_reply_error(r, &e);
    }
    if (store_session_set_email_verified(r->db, r->session_digest, tb_now() + EMAIL_CHANGE_WINDOW) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    audit_record(r, "citizen.email_verify_old", "", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:b, s:i}", "verified", 1, "expires_in", EMAIL_CHANGE_WINDOW));
}

/* The new address, lower-cased into the arena: valid, not the bound one; the old address verified in
 * this session, or the second factor when nothing is bound. NULL after replying. */
static const char *check_new_email(tb_req *r, const char *old, const char *input)
{
    if (old && store_session_email_verified(r, r->session_digest) <= tb_now())
        return tb_reply_err(r, TB_E_EMAIL_OLD_NOT_VERIFIED, NULL), NULL;
    if (!old && !identity_elevated(r))
        return NULL;
    size_t n = strlen(input);
    char *email = tb_arena_alloc(r->arena, n + 1);
    for (size_t i = 0; i <= n; i++)
        email[i] = (char)tolower((unsigned char)input[i]);
    if (n > EMAIL_MAX || !tb_valid_email(email))
        return tb_reply_err(r, TB_E_INVALID_EMAIL, "email"), NULL;
    if (old && !strcmp(old, email))
        return tb_reply_err(r, TB_E_EMAIL_SAME, "email"), NULL;
    return email;
}

static void post_new_code(tb_req *r)
{
    const char *input = NULL;
    tb_jfield spec[] = {TB_JSTR("email", &input, true, 300), TB_JEND};
    citizen_row c;
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c))
        return;
    const char *email = check_new_email(r, bound_email(r, c.id), input);
    if (email && email_send_code(r, email, "email_new") == 0)
        reply_mail_sent(r, email);
}

typedef struct {
    tb_req *r;
    int64_t id;
    const char *old, *email; /* either may be NULL (bind / unbind), not both */
    char *enc;
} email_ctx;

static int email_tx(tb_db *db, void *arg)
{
    email_ctx *p = arg;
    tb_req *r = p->r;
    const char *om = p->old ? masked(r, p->old) : "", *nm = p->email ? masked(r, p->email) : "";
    const char *what = !p->old   ? tb_arena_printf(r->arena, "您的账号已绑定邮箱%s。", nm)
                       : p->email ? tb_arena_printf(r->arena, "您的账号绑定邮箱已由%s更换为%s。", om, nm)
                                  : tb_arena_printf(r->arena, "您的账号已解除绑定邮箱%s。", om);
    if (store_citizen_set_email(db, p->id, p->enc) != 0 || store_session_set_email_verified(db, r->session_digest, 0) != 0)
        return -1;
    if (p->old && notify_email_send(db, p->old, "security", "【黑龙江公安】账号绑定邮箱变更提醒",
                                    tb_arena_printf(r->arena, "%s如非本人操作，请立即修改密码并联系我们。", what)) != 0)
        return -1;
    if (notify_citizen(r, p->id, "security", p->email ? "绑定邮箱已变更" : "绑定邮箱已解除", what, "/my/security") != 0)
        return -1;
    return audit_record(r, p->email ? (p->old ? "citizen.email_change" : "citizen.email_bind") : "citizen.email_unbind",
                        tb_arena_printf(r->arena, "citizen:%lld", (long long)p->id), "ok",
                        tb_arena_printf(r->arena, "%s -> %s", p->old ? om : "-", p->email ? nm : "-"));
}

static int commit_email(tb_req *r, email_ctx *p)
{
    if (p->email) {
        char *enc = tb_field_encrypt(p->email);
        p->enc = enc ? tb_arena_strdup(r->arena, enc) : NULL;
        free(enc);
        if (!p->enc)
            return -1;
    }
    return tb_db_tx(r->db, email_tx, p);
}

static void post_email(tb_req *r)
{
    const char *input = NULL, *code = NULL;
    tb_jfield spec[] = {TB_JSTR("email", &input, true, 300), TB_JSTR("email_code", &code, true, 10), TB_JEND};
    citizen_row c;
    if (!tb_req_json_spec(r, spec) || !active_citizen(r, &c))
        return;
    const char *old = bound_email(r, c.id), *email = check_new_email(r, old, input);
    if (!email)
        return;
    tb_error e = {0};
    if (email_code_check(r, email, "email_new", code, &e) != 0)
        return tb_reply_error(r, &e);
    email_ctx p = {r, c.id, old, email, NULL};
    if (commit_email(r, &p) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:b, s:s}", "bound", 1, "email_masked", masked(r, email)));
}

static void delete_email(tb_req *r)
{
    citizen_row c;
    if (!identity_elevated(r) || !active_citizen(r, &c))
        return;
    const char *old = bound_email(r, c.id);
    if (!old)
        return tb_reply_err(r, TB_E_EMAIL_NOT_BOUND, NULL);
    email_ctx p = {r, c.id, old, NULL, NULL};
    if (commit_email(r, &p) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:b}", "bound", 0));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/me/email", get_email, TB_AUTH_CITIZEN, NULL, 0, "identity", "绑定邮箱（脱敏显示）"},
    {"POST", "/api/v1/me/email/old-code", post_old_code, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "更换邮箱：向原邮箱发送验证码"},
    {"POST", "/api/v1/me/email/verify-old", post_verify_old, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "更换邮箱：校验原邮箱验证码"},
    {"POST", "/api/v1/me/email/new-code", post_new_code, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "绑定或更换邮箱：向新邮箱发送验证码（首次绑定须先通过短信二次认证）"},
    {"POST", "/api/v1/me/email", post_email, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "绑定或更换邮箱：校验新邮箱验证码并完成"},
    {"DELETE", "/api/v1/me/email", delete_email, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "解除绑定邮箱（须先通过短信二次认证）"},
};

void identity_email_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
