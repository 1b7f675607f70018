/* The message center's queue: notify_enqueue (every message, the platform's
 * own SMS included, becomes a row of `messages` — the queue and the delivery
 * log at once), template rendering, and the send API of registered business
 * applications (single and batch, idempotency keys, scheduled sending, rate
 * limits per application and per recipient, HMAC-SM3 request signatures). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity.h"
#include "mod/notify/notify_internal.h"
#include "rules/validators.h"

#define SIGNATURE_SKEW 300     /* seconds a signed request stays valid */
#define RECIPIENT_PER_HOUR 20  /* messages to one recipient from one application */
#define BATCH_MAX 100

typedef struct {
    const notify_message *m;
    int64_t *existing;
    bool *delivered;
    int64_t id;
} enqueue_ctx;

/* A message for a local provider (the sandbox), due now, is inserted already `delivered` and handed to the
 * provider in the same transaction: one row written once, no update. */
static int enqueue_tx(tb_db *db, void *arg)
{
    enqueue_ctx *c = arg;
    const notify_message *m = c->m;
    int64_t now = tb_now();
    bool local = m->send_at <= now && notify_channel_local(m->channel);
    char bidx[65];
    char *enc = tb_field_encrypt(m->recipient);
    if (!enc)
        return c->id = -1, -1;
    if (m->recipient_bidx)
        snprintf(bidx, sizeof bidx, "%s", m->recipient_bidx);
    else
        tb_blind_index(m->recipient, bidx);
    const char *provider = !local ? NULL : strcmp(m->channel, "inapp") ? "sandbox" : "inbox";
    c->id = notify_store_msg_insert(db, m, enc, bidx, now, provider);
    if (c->id == -2 && c->existing)
        *c->existing = notify_store_msg_by_idem(db, m->app, m->idem_key);
    int rc = c->id > 0 && local ? notify_deliver_local(db, m, enc, bidx) : 0;
    free(enc);
    if (rc != 0)
        return c->id = -1, -1;
    if (c->delivered)
        *c->delivered = c->id > 0 && local;
    return c->id == -1 ? -1 : 0;
}

int64_t notify_enqueue(tb_db *db, const notify_message *m, int64_t *existing, bool *delivered)
{
    enqueue_ctx c = {m, existing, delivered, -1};
    if (db->tx_depth) /* the caller's transaction */
        return enqueue_tx(db, &c) == 0 || c.id == -2 ? c.id : -1;
    int rc = tb_db_tx(db, enqueue_tx, &c);
    return rc == 0 || c.id == -2 ? c.id : -1;
}

int notify_sms_send(tb_db *db, const char *phone, const char *purpose, const char *text)
{
    notify_message m = {.app = "platform", .channel = "sms", .recipient = phone, .body = text, .purpose = purpose};
    return notify_enqueue(db, &m, NULL, NULL) > 0 ? 0 : -1;
}

int notify_email_send(tb_db *db, const char *to, const char *purpose, const char *subject, const char *text)
{
    notify_message m = {.app = "platform", .channel = "email", .recipient = to, .subject = subject, .body = text,
                        .purpose = purpose};
    return notify_enqueue(db, &m, NULL, NULL) > 0 ? 0 : -1;
}

/* {{name}} replaced by vars.name (strings and numbers). NULL with *missing set when a variable has no
 * value. */
static char *render(tb_req *r, const char *tpl, const json_t *vars, const char **missing)
{
    size_t cap = strlen(tpl) + 1024, n = 0;
    char *out = tb_arena_alloc(r->arena, cap);
    for (const char *p = tpl; *p;) {
        const char *open = strstr(p, "{{"), *close = open ? strstr(open, "}}") : NULL;
        size_t lit = open && close ? (size_t)(open - p) : strlen(p);
        const char *val = NULL;
        char num[32], name[64];
        if (open && close) {
            size_t len = (size_t)(close - open - 2);
            snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), open + 2);
            json_t *v = json_object_get(vars, name);
            if (json_is_string(v))
                val = json_string_value(v);
            else if (json_is_integer(v))
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), val = num;
            if (!val) {
                *missing = tb_arena_strdup(r->arena, name);
                return NULL;
            }
        }
        size_t need = n + lit + (val ? strlen(val) : 0) + 1;
        if (need > cap) {
            char *bigger = tb_arena_alloc(r->arena, need * 2);
            memcpy(bigger, out, n);
            out = bigger, cap = need * 2;
        }
        memcpy(out + n, p, lit), n += lit;
        if (val)
            memcpy(out + n, val, strlen(val)), n += strlen(val);
        p = open && close ? close + 2 : p + lit;
    }
    out[n] = 0;
    return out;
}

/* ---- application authentication ----
 * X-Tongban-App: code, X-Tongban-Timestamp: epoch seconds, X-Tongban-Signature: hex HMAC-SM3 of
 * "<timestamp>\n<body>" under the application's secret. */
static json_t *authenticate_app(tb_req *r)
{
    const char *code = tb_req_header(r, "x-tongban-app");
    char *key = NULL;
    json_t *app = code && tb_is_token(code, 40) ? notify_store_app(r->db, code, &key) : NULL;
    bool ok = app && key && strcmp(tb_json_str(app, "status"), "active") == 0 &&
              tb_req_signed(r, key, SIGNATURE_SKEW);
    if (key)
        tb_wipe(key, strlen(key)), free(key);
    if (!ok) {
        json_decref(app);
        audit_record(r, "notify.app_auth", code ? code : "", "refused", "");
        tb_reply_err(r, TB_E_APP_SIGNATURE_INVALID, NULL);
        return NULL;
    }
    tb_req_own_json(r, app);
    return app;
}

/* The templates a request used, read once per request (a batch names the same template again and again). */
#define TPL_CACHE 8
typedef struct {
    int n;
    struct {
        const char *code;
        int64_t version;
        json_t *tpl; /* owned by the request */
    } e[TPL_CACHE];
} tpl_cache;

static json_t *template_of(tb_req *r, tpl_cache *tc, const char *code, int64_t version)
{
    for (int i = 0; i < tc->n; i++)
        if (tc->e[i].version == version && !strcmp(tc->e[i].code, code))
            return tc->e[i].tpl;
    json_t *tpl = notify_store_template(r->db, code, version);
    if (!tpl)
        return NULL;
    tb_req_own_json(r, tpl);
    if (tc->n < TPL_CACHE) {
        tc->e[tc->n].code = tb_arena_strdup(r->arena, code);
        tc->e[tc->n].version = version;
        tc->e[tc->n++].tpl = tpl;
    }
    return tpl;
}

/* One message of a send request; on refusal *e is set and -1 returned. *status: the message's status
 * ("accepted", "delivered", or for a duplicate the status of the message sent before). */
static int64_t send_one(tb_req *r, const json_t *app, tpl_cache *tc, json_t *in, tb_error *e, bool *duplicate,
                        const char **status)
{
    const char *tpl_code = NULL, *to = NULL, *key = NULL, *send_at_s = NULL, *channel = NULL;
    int64_t version = 0;
    json_t *vars = NULL;
    tb_jfield spec[] = {TB_JSTR("template", &tpl_code, true, 64), TB_JINT("version", &version, false, 1, 100000),
                        TB_JSTR("channel", &channel, false, 8),   TB_JSTR("to", &to, true, 254),
                        TB_JOBJ("vars", &vars, false),           TB_JSTR("idempotency_key", &key, false, 64),
                        TB_JSTR("send_at", &send_at_s, false, 32), TB_JEND};
    if (!json_is_object(in))
        return tb_fail(e, TB_E_WRONG_TYPE, "messages");
    if (tb_json_unpack(in, spec, e) != 0)
        return -1;
    json_t *list = json_object_get(app, "templates"), *t;
    size_t i;
    bool permitted = false;
    json_array_foreach(list, i, t) permitted |= !strcmp(json_string_value(t), tpl_code);
    if (!permitted)
        return tb_fail(e, TB_E_TEMPLATE_NOT_ALLOWED, "template");
    json_t *tpl = template_of(r, tc, tpl_code, version);
    if (!tpl || strcmp(tb_json_str(tpl, "status"), "active"))
        return tb_fail(e, TB_E_TEMPLATE_NOT_FOUND, "template");
    const char *ch = tb_json_str(tpl, "channel");
    if (channel && strcmp(channel, ch))
        return tb_fail_msg(e, TB_E_INVALID_FIELD, "channel", "渠道与模板的渠道不一致");
    const char *realm = NULL;
    int64_t sub = 0;
    if (!strcmp(ch, "inapp") && identity_account_lookup(r, to, &realm, &sub) != 0)
        return tb_fail_msg(e, TB_E_INVALID_FIELD, "to",
                           "站内消息的接收人须为已注册账号的身份证号、统一社会信用代码或「staff:登录名」");
    if (!strcmp(ch, "sms") ? !tb_valid_phone(to) : !strcmp(ch, "email") ? !tb_valid_email(to) : !realm)
        return tb_fail(e, !strcmp(ch, "sms") ? TB_E_INVALID_PHONE : TB_E_INVALID_FIELD, "to");
    int64_t send_at = 0;
    if (send_at_s) {
        char *end;
        long long v = strtoll(send_at_s, &end, 10);
        if (*end || v <= 0 || v > tb_now() + 30LL * 86400)
            return tb_fail_msg(e, TB_E_INVALID_FIELD, "send_at", "定时发送时间须为 30 天内的时间戳（秒）");
        send_at = v;
        if (realm) /* the inbox is written when the message is accepted */
            return tb_fail_msg(e, TB_E_INVALID_FIELD, "send_at", "站内消息不支持定时发送");
    }
    const char *missing = NULL;
    char *body = render(r, tb_json_str(tpl, "body"), vars, &missing);
    char *subject = body ? render(r, tb_json_str(tpl, "subject"), vars, &missing) : NULL;
    if (!body || !subject)
        return tb_fail_msg(e, TB_E_TEMPLATE_VARIABLE_MISSING, tb_arena_printf(r->arena, "vars.%s", missing),
                           tb_arena_printf(r->arena, "缺少模板变量 %s", missing));
    if (realm && !*subject) /* an in-app message needs a title: the template's name */
        subject = tb_arena_strdup(r->arena, tb_json_str(tpl, "name"));
    char bidx[65];
    tb_blind_index(to, bidx);
    if (notify_store_recent_to(r->db, bidx, tb_json_str(app, "code"), tb_now() - 3600) >= RECIPIENT_PER_HOUR)
        return tb_fail_msg(e, TB_E_RATE_LIMITED, "to", "向同一接收人发送过于频繁（每小时上限）");
    notify_message m = {.app = tb_json_str(app, "code"), .idem_key = key, .template_code = tpl_code,
                        .template_version = (int)tb_json_int(tpl, "version", 0), .channel = ch, .recipient = to,
                        .recipient_bidx = bidx, .subject = subject, .body = body, .purpose = tpl_code,
                        .send_at = send_at, .inbox_realm = realm, .inbox_subject = sub};
    int64_t existing = 0;
    bool delivered = false;
    int64_t id = notify_enqueue(r->db, &m, &existing, &delivered);
    if (id == -2 && existing > 0) { /* the same request again: the same answer, nothing sent twice */
        char *st = notify_store_msg_status(r->db, existing);
        if (!st)
            return tb_fail(e, TB_E_INTERNAL, NULL);
        *status = tb_arena_strdup(r->arena, st);
        free(st);
        return *duplicate = true, existing;
    }
    if (id < 0)
        return tb_fail(e, TB_E_INTERNAL, NULL);
    *status = delivered ? "delivered" : "accepted";
    return id;
}

static json_t *status_json(int64_t id, const char *status, bool duplicate)
{
    return json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "status", status, "duplicate", duplicate);
}

/* One request's messages, counted against the application's per_minute limit in the request's transaction
 * (one counter row per application and minute). */
typedef struct {
    tb_req *r;
    json_t *app, *in, *out;
    tb_error e;
    int64_t id;
    bool dup, limited;
    const char *status;
} send_ctx;

static int rate_take(tb_db *db, send_ctx *c, int n)
{
    int ok = notify_store_rate_take(db, tb_json_str(c->app, "code"), n, tb_json_int(c->app, "per_minute", 600),
                                    tb_now());
    c->limited = ok == 0;
    return ok < 0 ? -1 : 0;
}

static int send_tx(tb_db *db, void *arg)
{
    send_ctx *c = arg;
    tpl_cache tc = {0};
    c->dup = c->limited = false;
    tb_error_clear(&c->e);
    if (rate_take(db, c, 1) != 0)
        return -1;
    if (c->limited)
        return 0;
    c->id = send_one(c->r, c->app, &tc, c->in, &c->e, &c->dup, &c->status);
    return c->id < 0 && c->e.code == TB_E_INTERNAL ? -1 : 0;
}

static void post_send(tb_req *r)
{
    json_t *app = authenticate_app(r);
    json_t *in = app ? tb_req_json(r) : NULL;
    if (!in)
        return;
    send_ctx c = {.r = r, .app = app, .in = in};
    if (tb_db_tx(r->db, send_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (c.limited)
        return tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
    if (c.id < 0)
        return tb_reply_error(r, &c.e);
    tb_reply_json(r, c.dup ? 200 : 202, status_json(c.id, c.status, c.dup));
}

static int batch_tx(tb_db *db, void *arg)
{
    send_ctx *c = arg;
    tpl_cache tc = {0};
    size_t i;
    json_t *one;
    json_array_clear(c->out); /* a retried transaction starts over */
    c->limited = false;
    if (rate_take(db, c, (int)json_array_size(c->in)) != 0)
        return -1;
    if (c->limited)
        return 0;
    json_array_foreach(c->in, i, one) {
        tb_error e = {0};
        bool dup = false;
        const char *status = NULL;
        int64_t id = send_one(c->r, c->app, &tc, one, &e, &dup, &status);
        if (id < 0 && e.code == TB_E_INTERNAL) {
            tb_error_clear(&e);
            return -1; /* a database failure: none of the batch is accepted */
        }
        if (id < 0) {
            json_array_append_new(c->out, json_pack("{s:I, s:{s:s, s:s, s:s?}}", "index", (json_int_t)i, "error",
                                                    "code", tb_err_name(e.code), "message",
                                                    e.message ? e.message : tb_err_message(e.code), "field",
                                                    e.field));
            tb_error_clear(&e);
        } else {
            json_t *s = status_json(id, status, dup);
            json_object_set_new(s, "index", json_integer((json_int_t)i));
            json_array_append_new(c->out, s);
        }
    }
    return 0;
}

static void post_send_batch(tb_req *r)
{
    json_t *app = authenticate_app(r), *list = NULL;
    if (!app)
        return;
    tb_jfield spec[] = {TB_JARR("messages", &list, true), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    size_t n = json_array_size(list);
    if (n == 0 || n > BATCH_MAX) {
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "messages", "每批 1–100 条");
    }
    send_ctx c = {.r = r, .app = app, .in = list, .out = json_array()};
    if (tb_db_tx(r->db, batch_tx, &c) != 0) {
        json_decref(c.out);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    if (c.limited) {
        json_decref(c.out);
        return tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
    }
    tb_reply_json(r, 202, json_pack("{s:o}", "items", c.out));
}

static void get_message(tb_req *r)
{
    json_t *app = authenticate_app(r);
    if (!app)
        return;
    json_t *m = notify_store_msg_get(r->db, strtoll(r->params[0], NULL, 10));
    if (!m || strcmp(tb_json_str(m, "app"), tb_json_str(app, "code"))) {
        json_decref(m);
        return tb_reply_err(r, TB_E_MESSAGE_NOT_FOUND, "id"); /* another application's message: not found */
    }
    json_object_del(m, "body");
    tb_reply_json(r, 200, m);
}

static const tb_route routes[] = {
    {"POST", "/api/v1/msg/send", post_send, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "notify",
     "消息中心：业务系统按模板发送一条消息（应用签名、幂等键、定时发送）"},
    {"POST", "/api/v1/msg/send-batch", post_send_batch, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "notify",
     "消息中心：批量发送（每批不超过 100 条，逐条返回结果）"},
    {"GET", "/api/v1/msg/messages/{id}", get_message, TB_AUTH_PUBLIC, NULL, 0, "notify",
     "消息中心：查询本应用一条消息的投递状态"},
};

void notify_queue_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
