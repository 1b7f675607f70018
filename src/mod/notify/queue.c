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
#include "mod/guard/guard.h"
#include "mod/notify/notify_internal.h"
#include "rules/validators.h"

#define SIGNATURE_SKEW 300     /* seconds a signed request stays valid */
#define RECIPIENT_PER_HOUR 20  /* messages to one recipient from one application */
#define BATCH_MAX 100

int64_t notify_enqueue(tb_db *db, const notify_message *m, int64_t *existing)
{
    char bidx[65];
    char *enc = tb_field_encrypt(m->recipient);
    if (!enc)
        return -1;
    tb_blind_index(m->recipient, bidx);
    int64_t id = notify_store_msg_insert(db, m, enc, bidx, tb_now());
    free(enc);
    if (id == -2 && existing)
        *existing = notify_store_msg_by_idem(db, m->app, m->idem_key);
    if (id > 0 && m->send_at <= tb_now() && notify_channel_local(m->channel) && notify_deliver_local(db, id, m) != 0)
        return -1;
    return id;
}

int notify_sms_send(tb_db *db, const char *phone, const char *purpose, const char *text)
{
    notify_message m = {.app = "platform", .channel = "sms", .recipient = phone, .body = text, .purpose = purpose};
    return notify_enqueue(db, &m, NULL) > 0 ? 0 : -1;
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
    const char *code = tb_req_header(r, "x-tongban-app"), *ts = tb_req_header(r, "x-tongban-timestamp"),
               *sig = tb_req_header(r, "x-tongban-signature");
    char *key = NULL;
    json_t *app = code && tb_is_token(code, 40) ? notify_store_app(r->db, code, &key) : NULL;
    bool ok = app && key && ts && sig && strlen(sig) == 64 && strcmp(tb_json_str(app, "status"), "active") == 0;
    if (ok) {
        long long t = strtoll(ts, NULL, 10);
        ok = t > 0 && llabs(t - (long long)tb_now()) <= SIGNATURE_SKEW;
    }
    if (ok) {
        unsigned char mac[32];
        char hex[65];
        size_t tl = strlen(ts);
        char *msg = tb_arena_alloc(r->arena, tl + 1 + r->body_len + 1);
        memcpy(msg, ts, tl);
        msg[tl] = '\n';
        if (r->body_len)
            memcpy(msg + tl + 1, r->body, r->body_len);
        tb_hmac_sm3(key, strlen(key), msg, tl + 1 + r->body_len, mac);
        tb_hex(mac, 32, hex);
        ok = tb_ct_equal(hex, sig, 64);
    }
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

/* One message of a send request; on refusal *e is set and -1 returned. */
static int64_t send_one(tb_req *r, const json_t *app, json_t *in, tb_error *e, bool *duplicate)
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
    const char *allowed = tb_arena_printf(r->arena, ",%s,", tpl_code);
    json_t *list = json_object_get(app, "templates"), *t;
    size_t i;
    bool permitted = false;
    json_array_foreach(list, i, t) permitted |= !strcmp(json_string_value(t), tpl_code);
    (void)allowed;
    if (!permitted)
        return tb_fail(e, TB_E_TEMPLATE_NOT_ALLOWED, "template");
    json_t *tpl = notify_store_template(r->db, tpl_code, version);
    if (!tpl || strcmp(tb_json_str(tpl, "status"), "active"))
        return json_decref(tpl), tb_fail(e, TB_E_TEMPLATE_NOT_FOUND, "template");
    tb_req_own_json(r, tpl);
    const char *ch = tb_json_str(tpl, "channel");
    if (channel && strcmp(channel, ch))
        return tb_fail_msg(e, TB_E_INVALID_FIELD, "channel", "渠道与模板的渠道不一致");
    if (!strcmp(ch, "sms") ? !tb_valid_phone(to) : !strcmp(ch, "email") ? !tb_valid_email(to) : true)
        return tb_fail(e, !strcmp(ch, "sms") ? TB_E_INVALID_PHONE : TB_E_INVALID_FIELD, "to");
    int64_t send_at = 0;
    if (send_at_s) {
        char *end;
        long long v = strtoll(send_at_s, &end, 10);
        if (*end || v <= 0 || v > tb_now() + 30LL * 86400)
            return tb_fail_msg(e, TB_E_INVALID_FIELD, "send_at", "定时发送时间须为 30 天内的时间戳（秒）");
        send_at = v;
    }
    const char *missing = NULL;
    char *body = render(r, tb_json_str(tpl, "body"), vars, &missing);
    char *subject = body ? render(r, tb_json_str(tpl, "subject"), vars, &missing) : NULL;
    if (!body || !subject)
        return tb_fail_msg(e, TB_E_TEMPLATE_VARIABLE_MISSING, tb_arena_printf(r->arena, "vars.%s", missing),
                           tb_arena_printf(r->arena, "缺少模板变量 %s", missing));
    char bidx[65];
    tb_blind_index(to, bidx);
    if (notify_store_recent_to(r->db, bidx, tb_json_str(app, "code"), tb_now() - 3600) >= RECIPIENT_PER_HOUR)
        return tb_fail_msg(e, TB_E_RATE_LIMITED, "to", "向同一接收人发送过于频繁（每小时上限）");
    notify_message m = {.app = tb_json_str(app, "code"), .idem_key = key, .template_code = tpl_code,
                        .template_version = (int)tb_json_int(tpl, "version", 0), .channel = ch, .recipient = to,
                        .subject = subject, .body = body, .purpose = tpl_code, .send_at = send_at};
    int64_t existing = 0, id = notify_enqueue(r->db, &m, &existing);
    if (id == -2 && existing > 0)
        return *duplicate = true, existing; /* the same request again: the same answer, nothing sent twice */
    if (id < 0)
        return tb_fail(e, TB_E_INTERNAL, NULL);
    return id;
}

static bool app_rate_ok(tb_req *r, const json_t *app, int n)
{
    const char *bucket = tb_arena_printf(r->arena, "msgapp:%s", tb_json_str(app, "code"));
    if (guard_count(r->db, bucket, 60) + n > tb_json_int(app, "per_minute", 600)) {
        tb_reply_err(r, TB_E_RATE_LIMITED, NULL);
        return false;
    }
    for (int i = 0; i < n; i++)
        guard_hit(r->db, bucket, 60);
    return true;
}

static json_t *status_json(tb_req *r, int64_t id, bool duplicate)
{
    json_t *m = notify_store_msg_get(r->db, id);
    json_t *o = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "status",
                          m ? tb_json_str(m, "status") : "accepted", "duplicate", duplicate);
    json_decref(m);
    return o;
}

static void post_send(tb_req *r)
{
    json_t *app = authenticate_app(r);
    json_t *in = app ? tb_req_json(r) : NULL;
    if (!in || !app_rate_ok(r, app, 1))
        return;
    tb_error e = {0};
    bool dup = false;
    int64_t id = send_one(r, app, in, &e, &dup);
    if (id < 0)
        return tb_reply_error(r, &e);
    tb_reply_json(r, dup ? 200 : 202, status_json(r, id, dup));
}

typedef struct {
    tb_req *r;
    json_t *app, *list, *out;
} batch_ctx;

static int batch_tx(tb_db *db, void *arg)
{
    (void)db;
    batch_ctx *c = arg;
    size_t i;
    json_t *one;
    json_array_foreach(c->list, i, one) {
        tb_error e = {0};
        bool dup = false;
        int64_t id = send_one(c->r, c->app, one, &e, &dup);
        if (id < 0) {
            json_array_append_new(c->out, json_pack("{s:I, s:{s:s, s:s, s:s?}}", "index", (json_int_t)i, "error",
                                                    "code", tb_err_name(e.code), "message",
                                                    e.message ? e.message : tb_err_message(e.code), "field",
                                                    e.field));
            tb_error_clear(&e);
        } else {
            json_t *s = status_json(c->r, id, dup);
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
        tb_error e = {0};
        tb_fail_msg(&e, TB_E_INVALID_FIELD, "messages", "每批 1–100 条");
        return tb_reply_error(r, &e);
    }
    if (!app_rate_ok(r, app, (int)n))
        return;
    batch_ctx c = {r, app, list, json_array()};
    if (tb_db_tx(r->db, batch_tx, &c) != 0) {
        json_decref(c.out);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
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
