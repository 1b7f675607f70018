/* Delivery providers of the message center behind one interface: the sandbox outbox, SMS over an HTTP
 * provider API (signed JSON, two configurable endpoints for fail-over) and e-mail over SMTP, both through
 * libcurl. Every provider has a circuit breaker in this process: notify_breaker_failures consecutive
 * failures open it for notify_breaker_seconds, then one trial decides whether it closes again.
 * Secrets (sms_http_secret, smtp_password) and recipients never reach the log. */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/notify/notify_internal.h"

enum { K_SANDBOX, K_HTTP, K_HTTP2, K_SMTP };

struct notify_provider {
    const char *name;
    int kind;
    pthread_mutex_t mu;
    notify_breaker br;
};

static notify_provider p_sandbox = {"sandbox", K_SANDBOX, PTHREAD_MUTEX_INITIALIZER, {0, 0, false}};
static notify_provider p_http = {"http", K_HTTP, PTHREAD_MUTEX_INITIALIZER, {0, 0, false}};
static notify_provider p_http2 = {"http2", K_HTTP2, PTHREAD_MUTEX_INITIALIZER, {0, 0, false}};
static notify_provider p_smtp = {"smtp", K_SMTP, PTHREAD_MUTEX_INITIALIZER, {0, 0, false}};

/* ---- pure parts ---- */

bool notify_breaker_allow(notify_breaker *b, int64_t now)
{
    if (b->open_until == 0)
        return true;
    if (now < b->open_until || b->trial)
        return false;
    b->trial = true; /* half-open: exactly one trial */
    return true;
}

void notify_breaker_result(notify_breaker *b, bool ok, int64_t now, int threshold, int open_seconds)
{
    if (ok) {
        b->failures = 0;
        b->open_until = 0;
        b->trial = false;
        return;
    }
    b->failures++;
    if (b->trial || (threshold > 0 && b->failures >= threshold))
        b->open_until = now + (open_seconds > 0 ? open_seconds : 1);
    b->trial = false;
}

int64_t notify_backoff(int attempts, int base)
{
    if (attempts < 1)
        attempts = 1;
    if (base < 1)
        base = 1;
    int64_t d = base;
    for (int i = 1; i < attempts && d < 3600; i++)
        d *= 2;
    return d < 3600 ? d : 3600;
}

void notify_sign(const char *secret, const char *ts, const char *body, char out[65])
{
    size_t lt = strlen(ts), lb = strlen(body);
    unsigned char mac[32];
    char *buf = malloc(lt + lb + 2);
    if (!buf) {
        out[0] = '\0';
        return;
    }
    memcpy(buf, ts, lt);
    buf[lt] = '\n';
    memcpy(buf + lt + 1, body, lb + 1);
    tb_hmac_sm3(secret, strlen(secret), buf, lt + 1 + lb, mac);
    free(buf);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

static char *b64(const unsigned char *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

char *notify_mime_header(const char *s)
{
    bool plain = strstr(s, "=?") == NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p && plain; p++)
        plain = *p >= 0x20 && *p < 0x7f;
    if (plain)
        return strdup(s);
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 64), *o = out; /* 45 bytes -> 75 characters + 3 of folding */
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t take = n - i < 45 ? n - i : 45;
        while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
            take--; /* never split a UTF-8 sequence */
        if (take == 0)
            take = n - i < 45 ? n - i : 45;
        char *enc = b64((const unsigned char *)s + i, take);
        if (!enc) {
            free(out);
            return NULL;
        }
        o += sprintf(o, "%s=?UTF-8?B?%s?=", o == out ? "" : "\r\n ", enc);
        free(enc);
        i += take;
    }
    return out;
}

bool notify_email_ok(const char *a)
{
    size_t n = strlen(a);
    const char *at = strchr(a, '@');
    if (n < 3 || n > 254 || !at || at == a || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return false;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
            return false;
    return true;
}

/* ---- breakers ---- */

bool notify_provider_allow(const notify_provider *cp, int64_t now)
{
    notify_provider *p = (notify_provider *)cp;
    pthread_mutex_lock(&p->mu);
    bool ok = notify_breaker_allow(&p->br, now);
    pthread_mutex_unlock(&p->mu);
    return ok;
}

void notify_provider_result(const notify_provider *cp, bool ok, int64_t now)
{
    notify_provider *p = (notify_provider *)cp;
    pthread_mutex_lock(&p->mu);
    notify_breaker_result(&p->br, ok, now, tb_cfg.notify_breaker_failures, tb_cfg.notify_breaker_seconds);
    pthread_mutex_unlock(&p->mu);
}

int64_t notify_provider_reopens(const notify_provider *cp)
{
    notify_provider *p = (notify_provider *)cp;
    pthread_mutex_lock(&p->mu);
    int64_t t = p->br.open_until;
    pthread_mutex_unlock(&p->mu);
    return t;
}

const char *notify_provider_name(const notify_provider *p) { return p->name; }

static const notify_provider *by_name(const char *name)
{
    if (!strcmp(name, "sandbox"))
        return &p_sandbox;
    if (!strcmp(name, "http"))
        return &p_http;
    if (!strcmp(name, "http2"))
        return &p_http2;
    return NULL;
}

int notify_chain(const char *channel, const notify_provider **out, int max)
{
    int n = 0;
    if (!strcmp(channel, "email")) {
        if (max > 0)
            out[n++] = tb_cfg.smtp_url[0] ? &p_smtp : &p_sandbox;
        return n;
    }
    if (strcmp(channel, "sms"))
        return 0;
    const notify_provider *a = by_name(tb_cfg.sms_provider), *b = by_name(tb_cfg.sms_fallback_provider);
    if (a && n < max)
        out[n++] = a;
    if (b && b != a && n < max)
        out[n++] = b;
    return n;
}

/* ---- libcurl ---- */

typedef struct {
    char buf[8192];
    size_t len;
} sink;

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
    sink *s = arg;
    size_t n = size * nmemb, room = sizeof s->buf - 1 - s->len;
    memcpy(s->buf + s->len, p, n < room ? n : room);
    s->len += n < room ? n : room;
    s->buf[s->len] = '\0';
    return n;
}

static long timeout_s(void) { return tb_cfg.notify_timeout_seconds > 0 ? tb_cfg.notify_timeout_seconds : 10; }

static void curl_reason(CURLcode rc, char *err, size_t errlen)
{
    if (rc == CURLE_OPERATION_TIMEDOUT)
        snprintf(err, errlen, "服务商应答超时（%ld 秒）", timeout_s());
    else
        snprintf(err, errlen, "连接服务商失败：%s", curl_easy_strerror(rc));
}

int notify_http_post(const char *url, const char *secret, const char *ts, const char *body, bool require_accepted,
                     char *err, size_t errlen)
{
    char sig[65], h_ts[64], h_sig[100];
    notify_sign(secret, ts, body, sig);
    snprintf(h_ts, sizeof h_ts, "X-Tongban-Timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "X-Tongban-Signature: %s", sig);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "libcurl 初始化失败");
        return -1;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    h = curl_slist_append(h, h_ts);
    h = curl_slist_append(h, h_sig);
    h = curl_slist_append(h, "Expect:");
    sink s = {.len = 0};
    s.buf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s() < 5 ? timeout_s() : 5L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tongban/" TB_VERSION);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        curl_reason(rc, err, errlen);
        return -1;
    }
    json_t *doc = json_loadb(s.buf, s.len, 0, NULL);
    int out = -1;
    if (status >= 200 && status < 300 && (!require_accepted || json_is_true(json_object_get(doc, "accepted")))) {
        out = 0;
    } else {
        const char *why = json_string_value(json_object_get(doc, "error"));
        if (!why)
            why = json_string_value(json_object_get(doc, "message"));
        if (status >= 200 && status < 300)
            snprintf(err, errlen, "服务商未受理%s%.200s", why ? "：" : "（应答无 accepted）", why ? why : "");
        else
            snprintf(err, errlen, "服务商应答 HTTP %ld%s%.200s", status, why ? "：" : "", why ? why : "");
    }
    json_decref(doc);
    return out;
}

static int send_http(const notify_outgoing *m, const char *url, const char *secret, char *err, size_t errlen)
{
    if (!url[0]) {
        snprintf(err, errlen, "未配置服务商地址");
        return -1;
    }
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)tb_now());
    json_t *o = json_pack("{s:s, s:s, s:I, s:s}", "phone", m->recipient, "text", m->body, "id", (json_int_t)m->id,
                          "ts", ts);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!body) {
        snprintf(err, errlen, "无法生成请求");
        return -1;
    }
    int rc = notify_http_post(url, secret, ts, body, true, err, errlen);
    free(body);
    return rc;
}

typedef struct {
    const char *p;
    size_t left;
} source;

static size_t on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
    source *s = arg;
    size_t n = size * nmemb < s->left ? size * nmemb : s->left;
    memcpy(buf, s->p, n);
    s->p += n;
    s->left -= n;
    return n;
}

/* The RFC 5322 message: UTF-8 subject as encoded words, text/plain body in base64 (76-column lines). */
static char *build_mail(const notify_outgoing *m)
{
    char *subject = notify_mime_header(m->subject && *m->subject ? m->subject : "通知");
    size_t blen = strlen(m->body);
    char *body = b64((const unsigned char *)m->body, blen);
    if (!subject || !body) {
        free(subject);
        free(body);
        return NULL;
    }
    char date[64];
    time_t now = (time_t)tb_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    size_t bl = strlen(body);
    size_t cap = strlen(subject) + bl + bl / 76 * 2 + strlen(m->recipient) + strlen(tb_cfg.smtp_from) + 512;
    char *out = malloc(cap);
    if (out) {
        int n = snprintf(out, cap,
                         "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <tb.%lld.%lld@tongban>\r\n"
                         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n",
                         date, tb_cfg.smtp_from, m->recipient, subject, (long long)m->id, (long long)now);
        char *o = out + n;
        for (size_t i = 0; i < bl; i += 76) {
            size_t k = bl - i < 76 ? bl - i : 76;
            memcpy(o, body + i, k);
            o += k;
            *o++ = '\r';
            *o++ = '\n';
        }
        *o = '\0';
    }
    free(subject);
    free(body);
    return out;
}

static int send_smtp(const notify_outgoing *m, char *err, size_t errlen)
{
    if (!notify_email_ok(m->recipient) || !notify_email_ok(tb_cfg.smtp_from)) {
        snprintf(err, errlen, "邮件地址无效");
        return -1;
    }
    char *mail = build_mail(m);
    if (!mail) {
        snprintf(err, errlen, "无法生成邮件");
        return -1;
    }
    char from[300], to[300];
    snprintf(from, sizeof from, "<%s>", tb_cfg.smtp_from);
    snprintf(to, sizeof to, "<%s>", m->recipient);
    CURL *c = curl_easy_init();
    if (!c) {
        free(mail);
        snprintf(err, errlen, "libcurl 初始化失败");
        return -1;
    }
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    source src = {mail, strlen(mail)};
    curl_easy_setopt(c, CURLOPT_URL, tb_cfg.smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &src);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s());
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s() < 5 ? timeout_s() : 5L);
    if (!strncmp(tb_cfg.smtp_url, "smtp://", 7))
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY); /* STARTTLS when the server offers it */
    if (tb_cfg.smtp_user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, tb_cfg.smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, tb_cfg.smtp_password);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    tb_wipe(mail, strlen(mail));
    free(mail);
    if (rc == CURLE_OK)
        return 0;
    if (status >= 400)
        snprintf(err, errlen, "邮件服务器拒收（SMTP %ld）", status);
    else
        curl_reason(rc, err, errlen);
    return -1;
}

static int send_sandbox(const notify_outgoing *m, char *err, size_t errlen)
{
    const char *text = m->body;
    char *joined = NULL;
    if (!strcmp(m->channel, "email") && m->subject && *m->subject) {
        size_t n = strlen(m->subject) + strlen(m->body) + 2;
        joined = malloc(n);
        if (joined) {
            snprintf(joined, n, "%s\n%s", m->subject, m->body);
            text = joined;
        }
    }
    int rc = notify_outbox_put(m->db, m->recipient, m->purpose ? m->purpose : "", text, "sandbox");
    free(joined);
    if (rc != 0)
        snprintf(err, errlen, "沙箱发件箱写入失败");
    return rc;
}

int notify_provider_send(const notify_provider *p, const notify_outgoing *m, char *err, size_t errlen)
{
    switch (p->kind) {
    case K_SANDBOX:
        return send_sandbox(m, err, errlen);
    case K_HTTP:
        return send_http(m, tb_cfg.sms_http_url, tb_cfg.sms_http_secret, err, errlen);
    case K_HTTP2:
        return send_http(m, tb_cfg.sms_http2_url, tb_cfg.sms_http2_secret, err, errlen);
    default:
        return send_smtp(m, err, errlen);
    }
}
