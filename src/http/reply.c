/* Request input helpers and replies, independent of h2o. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "http/http.h"

void tb_reply_raw(tb_req *r, int status, const char *type, const char *body, size_t len)
{
    if (r->replied) {
        tb_error("http: second reply for %s %s ignored", r->method, r->path);
        return;
    }
    r->replied = true;
    r->status = status;
    r->resp_type = type;
    r->resp_body = body;
    r->resp_len = len;
}

void tb_reply_json(tb_req *r, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!s) {
        static const char oom[] = "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"服务器内部错误\"}}";
        tb_reply_raw(r, 500, "application/json; charset=utf-8", oom, sizeof oom - 1);
        return;
    }
    size_t n = strlen(s);
    char *copy = tb_arena_strndup(r->arena, s, n);
    free(s);
    tb_reply_raw(r, status, "application/json; charset=utf-8", copy, n);
}

void tb_reply_error(tb_req *r, tb_error *e)
{
    if (e->code == TB_E_OK)
        e->code = TB_E_INTERNAL;
    tb_reply_json(r, tb_err_status(e->code), tb_error_json(e));
    tb_error_clear(e);
}

void tb_reply_err(tb_req *r, tb_errcode code, const char *field)
{
    tb_error e = {code, field, NULL, NULL};
    tb_reply_error(r, &e);
}

int tb_reply_fail(tb_req *r, tb_errcode code, const char *field, const char *message)
{
    tb_error e = {code, field, message, NULL};
    tb_reply_error(r, &e);
    return -1;
}

const char *tb_req_iso(tb_req *r, int64_t t)
{
    if (!t)
        return NULL;
    char *s = tb_arena_alloc(r->arena, 32);
    tb_time_iso(t, s);
    return s;
}

void tb_reply_header(tb_req *r, const char *name, const char *value)
{
    if (r->nheaders < (int)(sizeof r->headers / sizeof r->headers[0])) {
        r->headers[r->nheaders][0] = name;
        r->headers[r->nheaders][1] = value;
        r->nheaders++;
    }
}

const char *tb_req_query(tb_req *r, const char *key)
{
    bool bad = false;
    if (!r->query)
        return NULL;
    const char *v = tb_query_get(r->arena, r->query, r->query_len, key, &bad);
    if (bad) {
        tb_reply_err(r, TB_E_INVALID_FIELD, tb_arena_strdup(r->arena, key));
        return NULL;
    }
    return v;
}

int tb_req_query_int(tb_req *r, const char *key, int64_t dflt, int64_t min, int64_t max, int64_t *out)
{
    const char *v = tb_req_query(r, key);
    if (r->replied)
        return -1;
    if (!v || !*v) {
        *out = dflt;
        return 0;
    }
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || strlen(v) > 12 || n < min || n > max) {
        tb_reply_err(r, TB_E_INVALID_FIELD, key);
        return -1;
    }
    *out = n;
    return 0;
}

int tb_req_page(tb_req *r, int64_t *page, int64_t *page_size)
{
    if (tb_req_query_int(r, "page", 1, 1, 100000, page) != 0)
        return -1;
    return tb_req_query_int(r, "page_size", 20, 1, 100, page_size);
}

/* Bodies are parsed once per request; keep the object alive in the arena's
 * lifetime by parking it on the thread's cleanup list via the reply path. */
json_t *tb_req_json(tb_req *r)
{
    tb_error e = {0};
    json_t *j = tb_json_parse_object(r->body, r->body_len, &e);
    if (!j) {
        tb_reply_error(r, &e);
        return NULL;
    }
    tb_req_own_json(r, j);
    return j;
}

json_t *tb_req_json_spec(tb_req *r, const void *spec)
{
    json_t *j = tb_req_json(r);
    if (!j)
        return NULL;
    tb_error e = {0};
    if (tb_json_unpack(j, spec, &e) != 0) {
        tb_reply_error(r, &e);
        return NULL;
    }
    return j;
}

void tb_req_own_json(tb_req *r, json_t *j)
{
    if (r->nowned < (int)(sizeof r->owned / sizeof r->owned[0]))
        r->owned[r->nowned++] = j;
    else
        tb_error("http: too many owned JSON values; leaking one");
}

void tb_req_finish(tb_req *r)
{
    for (int i = 0; i < r->nowned; i++)
        json_decref(r->owned[i]);
    r->nowned = 0;
}
