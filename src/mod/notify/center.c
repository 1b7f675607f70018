/* Administration of the message center (§3-1-1-6, §3-1-3-6): templates with
 * versions, business applications with their secret, allowed templates,
 * callback and rate, and the message log: search, statistics, re-send. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/calendar/calendar.h"
#include "mod/notify/notify_internal.h"
#include "rules/validators.h"

static const char *actor(tb_req *r) { return tb_arena_printf(r->arena, "staff:%lld", (long long)r->subject_id); }

/* A code: letters, digits, '.', '_' and '-', starting with a letter. */
static bool code_ok(const char *s)
{
    if (!s || !isalpha((unsigned char)s[0]) || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return false;
    return true;
}

/* ---- templates ---- */
/* The {{variables}} of a body and subject, as a JSON array text. */
static char *variables_of(const char *subject, const char *body)
{
    json_t *a = json_array();
    const char *texts[] = {subject, body};
    for (int k = 0; k < 2; k++)
        for (const char *p = texts[k]; p && (p = strstr(p, "{{"));) {
            const char *e = strstr(p, "}}");
            if (!e)
                break;
            json_t *name = json_stringn(p + 2, (size_t)(e - p - 2));
            size_t i;
            json_t *v;
            bool seen = false;
            json_array_foreach(a, i, v) seen |= json_equal(v, name);
            seen ? json_decref(name) : json_array_append_new(a, name);
            p = e + 2;
        }
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

typedef struct {
    tb_req *r;
    const char *code, *channel, *name, *subject, *body;
    char *vars;
    int64_t version;
} tpl_ctx;

static int tpl_tx(tb_db *db, void *arg)
{
    tpl_ctx *c = arg;
    c->version = notify_store_template_add(db, c->code, c->channel, c->name, c->subject, c->body, c->vars, actor(c->r));
    if (c->version < 0)
        return -1;
    return audit_record(c->r, "notify.template.add", tb_arena_printf(c->r->arena, "%s@%lld", c->code,
                                                                     (long long)c->version), "ok", c->name);
}

static void post_template(tb_req *r)
{
    tpl_ctx c = {.r = r, .subject = ""};
    tb_jfield spec[] = {TB_JSTR("code", &c.code, true, 64),       TB_JSTR("channel", &c.channel, true, 8),
                        TB_JSTR("name", &c.name, true, 60),       TB_JSTR("subject", &c.subject, false, 120),
                        TB_JSTR("body", &c.body, true, 1000),     TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!code_ok(c.code))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "code", "模板编码只能由字母开头，含字母、数字、点、下划线和连字符");
    if (strcmp(c.channel, "sms") && strcmp(c.channel, "email") && strcmp(c.channel, "inapp"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "channel", "渠道只能是 sms、email 或 inapp");
    if (!*c.body)
        return tb_reply_err(r, TB_E_FIELD_REQUIRED, "body");
    if (!strcmp(c.channel, "sms") && !strstr(c.body, "【"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "body", "短信模板须带签名，如【黑龙江公安】");
    c.vars = variables_of(c.subject, c.body);
    int rc = tb_db_tx(r->db, tpl_tx, &c);
    free(c.vars);
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 201, notify_store_template(r->db, c.code, c.version));
}

static void get_templates(tb_req *r)
{
    json_t *items = notify_store_templates(r->db, NULL);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void get_template_versions(tb_req *r)
{
    json_t *items = notify_store_templates(r->db, r->params[0]);
    if (!items || json_array_size(items) == 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_TEMPLATE_NOT_FOUND, "code");
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* ---- applications ---- */
/* ["code",…] of existing templates -> ",a,b," */
static int templates_text(tb_req *r, json_t *list, const char **out)
{
    const char *s = "";
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        const char *code = json_string_value(v);
        json_t *t = code ? notify_store_template(r->db, code, 0) : NULL;
        if (!t)
            return tb_reply_fail(r, TB_E_TEMPLATE_NOT_FOUND, "templates",
                                 tb_arena_printf(r->arena, "模板 %s 不存在", code ? code : "?"));
        json_decref(t);
        s = tb_arena_printf(r->arena, "%s,%s", s, code);
    }
    *out = *s ? tb_arena_printf(r->arena, "%s,", s) : "";
    return 0;
}

static int callback_ok(tb_req *r, const char *url)
{
    if (!url || !*url || !strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))
        return 0;
    return tb_reply_fail(r, TB_E_INVALID_FIELD, "callback_url", "回调地址须为 http(s):// 开头的地址");
}

typedef struct {
    tb_req *r;
    const char *code, *name, *templates, *callback, *status, *key_enc;
    int64_t per_minute;
    int rc;
} app_ctx;

static int app_create_tx(tb_db *db, void *arg)
{
    app_ctx *c = arg;
    c->rc = notify_store_app_insert(db, c->code, c->name, c->key_enc, c->templates, c->callback, c->per_minute);
    if (c->rc != 0)
        return c->rc == -2 ? 1 : -1;
    return audit_record(c->r, "notify.app.create", c->code, "ok", c->name);
}

/* A new secret: 32 random bytes, base64url; its SM4 encryption into *enc (arena). */
static const char *new_secret(tb_req *r, const char **enc)
{
    char *secret = tb_arena_alloc(r->arena, 65);
    tb_random_token(secret, 32);
    char *e = tb_field_encrypt(secret);
    *enc = e ? tb_arena_strdup(r->arena, e) : NULL;
    free(e);
    return secret;
}

static void post_app(tb_req *r)
{
    app_ctx c = {.r = r, .per_minute = 600, .callback = NULL};
    json_t *templates = NULL;
    tb_jfield spec[] = {TB_JSTR("code", &c.code, true, 40),         TB_JSTR("name", &c.name, true, 60),
                        TB_JARR("templates", &templates, false),    TB_JSTR("callback_url", &c.callback, false, 300),
                        TB_JINT("per_minute", &c.per_minute, false, 1, 100000), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!code_ok(c.code) || strlen(c.code) > 40 || !strcmp(c.code, "platform"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "code", "应用编码只能由字母开头，含字母、数字、点、下划线和连字符");
    if (templates_text(r, templates, &c.templates) != 0 || callback_ok(r, c.callback) != 0)
        return;
    const char *secret = new_secret(r, &c.key_enc);
    if (!c.key_enc)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    int rc = tb_db_tx(r->db, app_create_tx, &c);
    if (rc == 1)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "code", "应用编码已存在");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *app = notify_store_app(r->db, c.code, NULL);
    json_object_set_new(app, "secret", json_string(secret)); /* shown this once */
    tb_reply_json(r, 201, app);
}

static int app_update_tx(tb_db *db, void *arg)
{
    app_ctx *c = arg;
    int n = c->key_enc ? notify_store_app_key(db, c->code, c->key_enc)
                       : notify_store_app_update(db, c->code, c->name, c->templates, c->callback, c->per_minute,
                                                 c->status);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    return audit_record(c->r, c->key_enc ? "notify.app.rotate_secret" : "notify.app.update", c->code, "ok", "");
}

static void put_app(tb_req *r)
{
    app_ctx c = {.r = r, .code = r->params[0]};
    json_t *cur = notify_store_app(r->db, c.code, NULL);
    if (!cur)
        return tb_reply_err(r, TB_E_APP_NOT_FOUND, "code");
    tb_req_own_json(r, cur);
    json_t *templates = NULL;
    c.name = tb_json_str(cur, "name");
    c.callback = tb_json_str(cur, "callback_url");
    c.status = tb_json_str(cur, "status");
    c.per_minute = tb_json_int(cur, "per_minute", 600);
    tb_jfield spec[] = {TB_JSTR("name", &c.name, false, 60),      TB_JARR("templates", &templates, false),
                        TB_JSTR("callback_url", &c.callback, false, 300),
                        TB_JINT("per_minute", &c.per_minute, false, 1, 100000),
                        TB_JSTR("status", &c.status, false, 10),  TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (strcmp(c.status, "active") && strcmp(c.status, "disabled"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "status", "状态只能是 active 或 disabled");
    if (templates ? templates_text(r, templates, &c.templates) != 0 : templates_text(r, json_object_get(cur, "templates"), &c.templates) != 0)
        return;
    if (callback_ok(r, c.callback) != 0)
        return;
    if (tb_db_tx(r->db, app_update_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, notify_store_app(r->db, c.code, NULL));
}

static void post_rotate(tb_req *r)
{
    app_ctx c = {.r = r, .code = r->params[0]};
    const char *secret = new_secret(r, &c.key_enc);
    int rc = c.key_enc ? tb_db_tx(r->db, app_update_tx, &c) : -1;
    if (rc == 1)
        return tb_reply_err(r, TB_E_APP_NOT_FOUND, "code");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *app = notify_store_app(r->db, c.code, NULL);
    json_object_set_new(app, "secret", json_string(secret));
    tb_reply_json(r, 200, app);
}

static void get_apps(tb_req *r)
{
    json_t *items = notify_store_apps(r->db);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

/* ---- the message log ---- */
static int date_range(tb_req *r, int64_t *from, int64_t *to)
{
    const char *f = tb_req_query(r, "from"), *t = tb_req_query(r, "to");
    int32_t d;
    *from = 0, *to = INT64_MAX;
    if (r->replied)
        return -1;
    if (f && *f) {
        if (calendar_parse_date(f, &d) != 0)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "from", "日期格式应为 YYYY-MM-DD");
        *from = calendar_day_start(d);
    }
    if (t && *t) {
        if (calendar_parse_date(t, &d) != 0)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "to", "日期格式应为 YYYY-MM-DD");
        *to = calendar_day_start(d) + 86399;
    }
    return 0;
}

static const char *opt(tb_req *r, const char *key)
{
    const char *v = tb_req_query(r, key);
    return v && *v ? v : NULL;
}

static void get_messages(tb_req *r)
{
    int64_t page, size, total;
    notify_filter f = {0};
    if (tb_req_page(r, &page, &size) != 0 || date_range(r, &f.from, &f.to) != 0)
        return;
    f.app = opt(r, "app");
    f.status = opt(r, "status");
    f.channel = opt(r, "channel");
    const char *to = opt(r, "recipient");
    if (r->replied)
        return;
    if (to) {
        char *bidx = tb_arena_alloc(r->arena, 65);
        tb_blind_index(to, bidx);
        f.to_bidx = bidx;
    }
    json_t *items = notify_store_msg_search(r->db, &f, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (to) /* searching by a person's number is a look at personal data */
        audit_record(r, "notify.message.search", "recipient", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

typedef struct {
    tb_req *r;
    int64_t id;
} resend_ctx;

static int resend_tx(tb_db *db, void *arg)
{
    resend_ctx *c = arg;
    int n = notify_store_msg_resend(db, c->id);
    if (n <= 0)
        return n < 0 ? -1 : 1;
    return audit_record(c->r, "notify.message.resend", tb_arena_printf(c->r->arena, "message:%lld", (long long)c->id),
                        "ok", "");
}

static void post_resend(tb_req *r)
{
    resend_ctx c = {r, strtoll(r->params[0], NULL, 10)};
    json_t *m = notify_store_msg_get(r->db, c.id);
    if (!m)
        return tb_reply_err(r, TB_E_MESSAGE_NOT_FOUND, "id");
    json_decref(m);
    int rc = tb_db_tx(r->db, resend_tx, &c);
    if (rc == 1)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "只有发送失败或已进入死信的消息可以重新发送");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, notify_store_msg_get(r->db, c.id));
}

static void get_stats(tb_req *r)
{
    int64_t from, to;
    if (date_range(r, &from, &to) != 0)
        return;
    json_t *rows = notify_store_msg_stats(r->db, from, to);
    if (!rows)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    int64_t total = 0, delivered = 0, dead = 0;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        int64_t n = tb_json_int(v, "count", 0);
        total += n;
        delivered += !strcmp(tb_json_str(v, "status"), "delivered") ? n : 0;
        dead += !strcmp(tb_json_str(v, "status"), "dead") ? n : 0;
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I, s:I, s:I, s:f}", "rows", rows, "total", (json_int_t)total, "delivered",
                                    (json_int_t)delivered, "dead", (json_int_t)dead, "delivery_rate",
                                    total ? (double)delivered / (double)total : 0.0));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/msg/templates", get_templates, TB_AUTH_STAFF, "notify.template.write", 0, "notify",
     "消息模板（各模板的最新版本）"},
    {"POST", "/api/v1/admin/msg/templates", post_template, TB_AUTH_STAFF, "notify.template.write", TB_R_JSON, "notify",
     "新增消息模板或模板的新版本"},
    {"GET", "/api/v1/admin/msg/templates/{code}", get_template_versions, TB_AUTH_STAFF, "notify.template.write", 0,
     "notify", "一个模板的全部版本"},
    {"GET", "/api/v1/admin/msg/apps", get_apps, TB_AUTH_STAFF, "notify.app.write", 0, "notify", "消息接入应用"},
    {"POST", "/api/v1/admin/msg/apps", post_app, TB_AUTH_STAFF, "notify.app.write", TB_R_JSON, "notify",
     "登记接入应用（密钥只显示一次）"},
    {"PUT", "/api/v1/admin/msg/apps/{code}", put_app, TB_AUTH_STAFF, "notify.app.write", TB_R_JSON, "notify",
     "修改接入应用（可用模板、回调地址、频率、状态）"},
    {"POST", "/api/v1/admin/msg/apps/{code}/rotate-secret", post_rotate, TB_AUTH_STAFF, "notify.app.write", 0,
     "notify", "更换接入应用密钥（新密钥只显示一次）"},
    {"GET", "/api/v1/admin/msg/messages", get_messages, TB_AUTH_STAFF, "notify.message.read", 0, "notify",
     "消息发送记录查询（接收人脱敏）"},
    {"POST", "/api/v1/admin/msg/messages/{id}/resend", post_resend, TB_AUTH_STAFF, "notify.message.read", 0, "notify",
     "重新发送失败或死信消息"},
    {"GET", "/api/v1/admin/msg/stats", get_stats, TB_AUTH_STAFF, "notify.message.read", 0, "notify",
     "消息消费统计（按应用、渠道、状态）"},
};

void notify_center_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
