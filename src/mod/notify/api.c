/* Routes of the notify module: reading the SMS outbox. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "http/http.h"
#include "mod/audit/audit.h"
#include "mod/notify/notify_internal.h"
#include "rules/validators.h"

bool notify_sms_is_sandbox(void) { return strcmp(tb_cfg.sms_provider, "sandbox") == 0; }

int notify_init(char *err, size_t errlen)
{
    const char *fb = tb_cfg.sms_fallback_provider;
    if (strcmp(fb, "none") && strcmp(fb, "sandbox") && strcmp(fb, "http2")) {
        snprintf(err, errlen, "备用短信通道 \"%s\" 无效：sms_fallback_provider 只能是 none、sandbox 或 http2", fb);
        return -1;
    }
    if (!strcmp(fb, "http2") && strncmp(tb_cfg.sms_http2_url, "http://", 7) &&
        strncmp(tb_cfg.sms_http2_url, "https://", 8)) {
        snprintf(err, errlen, "备用短信通道 http2 需要配置 sms_http2_url（http:// 或 https:// 地址）");
        return -1;
    }
    if (tb_cfg.smtp_url[0] && strncmp(tb_cfg.smtp_url, "smtp://", 7) && strncmp(tb_cfg.smtp_url, "smtps://", 8)) {
        snprintf(err, errlen, "邮件服务器地址 smtp_url 须以 smtp:// 或 smtps:// 开头");
        return -1;
    }
    if (tb_cfg.smtp_url[0] && !notify_email_ok(tb_cfg.smtp_from)) {
        snprintf(err, errlen, "发件人地址 smtp_from 无效");
        return -1;
    }
    if (notify_sms_is_sandbox()) {
        tb_warn("SMS provider is the sandbox: messages are stored in the outbox and readable at "
                "/api/v1/sandbox/sms-outbox. Never run a public deployment like this.");
        return 0;
    }
    if (!strcmp(tb_cfg.sms_provider, "http")) {
        if (strncmp(tb_cfg.sms_http_url, "http://", 7) && strncmp(tb_cfg.sms_http_url, "https://", 8)) {
            snprintf(err, errlen, "短信通道 http 需要配置 sms_http_url（短信服务商接口的 http:// 或 https:// 地址）");
            return -1;
        }
        if (!tb_cfg.sms_http_secret[0])
            tb_warn("sms_http_secret is empty: requests to the SMS provider are signed with an empty key");
        if (!strcmp(fb, "sandbox"))
            tb_warn("sms_fallback_provider is the sandbox: SMS the provider cannot take are kept in the outbox, "
                    "not sent");
        return 0;
    }
    snprintf(err, errlen, "短信通道 \"%s\" 无效：sms_provider 只能是 sandbox 或 http", tb_cfg.sms_provider);
    return -1;
}


static void reply_list(tb_req *r, const char *phone, int64_t page, int64_t size)
{
    int64_t total = 0;
    json_t *items = notify_outbox_list(r->db, phone, size, (page - 1) * size, &total);
    if (!items) {
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return;
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_admin_outbox(tb_req *r)
{
    int64_t page, size;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    const char *phone = tb_req_query(r, "phone");
    if (r->replied)
        return;
    if (phone && *phone && !tb_valid_phone(phone)) {
        tb_reply_err(r, TB_E_INVALID_PHONE, "phone");
        return;
    }
    audit_record(r, "sms_outbox.read", phone && *phone ? "phone" : "all", "ok", "");
    reply_list(r, phone && *phone ? phone : NULL, page, size);
}

static void get_sandbox_outbox(tb_req *r)
{
    if (!notify_sms_is_sandbox()) {
        tb_reply_err(r, TB_E_NOT_FOUND, NULL);
        return;
    }
    const char *phone = tb_req_query(r, "phone");
    if (r->replied)
        return;
    if (!phone || !tb_valid_phone(phone)) {
        tb_reply_err(r, TB_E_INVALID_PHONE, "phone");
        return;
    }
    reply_list(r, phone, 1, 10);
}

bool notify_email_is_sandbox(void) { return notify_sms_is_sandbox() && notify_channel_local("email"); }

/* The sandbox keeps e-mail in the same outbox, under the address's blind index: listed here with the
 * address as `email`, for tests and the demo's 「沙箱邮件」 panel. */
static void get_sandbox_email_outbox(tb_req *r)
{
    if (!notify_email_is_sandbox())
        return tb_reply_err(r, TB_E_NOT_FOUND, NULL);
    const char *email = tb_req_query(r, "email");
    if (r->replied)
        return;
    if (!email || strlen(email) > 254 || !tb_valid_email(email))
        return tb_reply_err(r, TB_E_INVALID_EMAIL, "email");
    char *low = tb_arena_strdup(r->arena, email);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int64_t total = 0;
    json_t *items = notify_outbox_list(r->db, low, 10, 0, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_object_set(it, "email", json_object_get(it, "phone"));
        json_object_del(it, "phone");
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/sms-outbox", get_admin_outbox, TB_AUTH_STAFF, "notify.outbox.read", 0, "notify",
     "短信发件箱（管理员）"},
    {"GET", "/api/v1/sandbox/sms-outbox", get_sandbox_outbox, TB_AUTH_PUBLIC, NULL, 0, "notify",
     "沙箱短信发件箱（仅沙箱模式）"},
    {"GET", "/api/v1/sandbox/email-outbox", get_sandbox_email_outbox, TB_AUTH_PUBLIC, NULL, 0, "notify",
     "沙箱邮件发件箱（仅沙箱模式且未配置 smtp_url）"},
};

void notify_register(void)
{
    tb_router_add(routes, sizeof routes / sizeof routes[0]);
    notify_inbox_register();
    notify_queue_register();
    notify_center_register();
}
