/* The h2o server: one event loop per thread, each with its own SO_REUSEPORT
 * listener and its own database connection. Every request goes through
 * on_req: API routes through the router and the auth hook, anything else to
 * the static web assets. Handlers run to completion on the loop. */
#define H2O_USE_LIBUV 0
#include <h2o.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "http/server_internal.h"
#include "http/stream_internal.h"
#include "rules/rules.h"

typedef struct {
    tb_thread base;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    h2o_socket_t *listener;
    uint64_t rid_prefix, rid_counter;
    char logbuf[64 * 1024];
    size_t loglen;
    pthread_t tid;
    int ready;                  /* 1 up, -1 failed */
} server_thread;

static h2o_globalconf_t globalconf;
static tb_auth_hook auth_hook;
static atomic_int stopping;
static struct sockaddr_storage listen_addr;
static socklen_t listen_addrlen;

void tb_http_set_auth_hook(tb_auth_hook hook) { auth_hook = hook; }
bool tb_server_stopping(void) { return atomic_load(&stopping) != 0; }

static server_thread *thread_of(h2o_req_t *req)
{
    return (server_thread *)((char *)req->conn->ctx - offsetof(server_thread, ctx));
}

const char *tb_req_header(tb_req *r, const char *name)
{
    h2o_req_t *req = r->native;
    if (!req)
        return NULL;
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = req->headers.entries[i].value;
    return tb_arena_strndup(r->arena, v.base, v.len);
}

/* ---- access log: JSON lines, buffered per thread, flushed every loop turn ---- */
static void log_escape(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 7 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

static void log_flush(server_thread *t)
{
    if (t->loglen) {
        tb_log_access(t->logbuf, (int)t->loglen);
        t->loglen = 0;
    }
}

static void access_log(server_thread *t, tb_req *r, double secs, size_t bytes)
{
    char ts[40], path[512];
    tb_time_iso_ms(tb_now_ms(), ts);
    log_escape(path, sizeof path, r->path, strlen(r->path));
    if (sizeof t->logbuf - t->loglen < 1024)
        log_flush(t);
    int n = snprintf(t->logbuf + t->loglen, sizeof t->logbuf - t->loglen,
                     "{\"ts\":\"%s\",\"type\":\"access\",\"rid\":\"%s\",\"ip\":\"%s\",\"method\":\"%s\","
                     "\"path\":\"%s\",\"route\":\"%s\",\"status\":%d,\"ms\":%.3f,\"bytes\":%zu,\"user\":%lld}\n",
                     ts, r->request_id, r->ip, r->method, path, r->route ? r->route->pattern : "", r->status,
                     secs * 1000, bytes, (long long)r->subject_id);
    if (n > 0 && (size_t)n < sizeof t->logbuf - t->loglen)
        t->loglen += (size_t)n;
}

/* ---- request set-up ---- */
static void client_ip(h2o_req_t *req, tb_req *r)
{
    if (tb_cfg.trust_proxy) {
        ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, -1);
        if (i >= 0) {
            h2o_iovec_t v = req->headers.entries[i].value;
            size_t n = 0;
            while (n < v.len && n < sizeof r->ip - 1 && v.base[n] != ',' && v.base[n] != ' ')
                n++;
            memcpy(r->ip, v.base, n);
            r->ip[n] = '\0';
            return;
        }
    }
    struct sockaddr_storage sa;
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&sa);
    if (len == 0 || getnameinfo((struct sockaddr *)&sa, len, r->ip, sizeof r->ip, NULL, 0, NI_NUMERICHOST) != 0)
        strcpy(r->ip, "-");
}

static void request_id(server_thread *t, h2o_req_t *req, tb_req *r)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        if (v.len >= 8 && v.len < sizeof r->request_id) {
            memcpy(r->request_id, v.base, v.len);
            r->request_id[v.len] = '\0';
            if (tb_is_token(r->request_id, 39))
                return;
        }
    }
    snprintf(r->request_id, sizeof r->request_id, "%016llx%08llx", (unsigned long long)t->rid_prefix,
             (unsigned long long)(t->rid_counter++ & 0xffffffffULL));
}

static void init_req(server_thread *t, h2o_req_t *req, tb_req *r)
{
    memset(r, 0, sizeof *r);
    r->arena = t->base.arena;
    r->db = t->base.db;
    r->thread = &t->base;
    r->native = req;
    r->method = tb_arena_strndup(r->arena, req->method.base, req->method.len);
    r->path = tb_arena_strndup(r->arena, req->path_normalized.base, req->path_normalized.len);
    if (req->query_at != SIZE_MAX) {
        r->query = req->path.base + req->query_at + 1;
        r->query_len = req->path.len - req->query_at - 1;
    }
    r->body = req->entity.base;
    r->body_len = req->entity.base ? req->entity.len : 0;
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i >= 0)
        r->content_type = tb_arena_strndup(r->arena, req->headers.entries[i].value.base,
                                           req->headers.entries[i].value.len);
    client_ip(req, r);
    request_id(t, req, r);
}

/* ---- response ---- */
#define CSP "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " \
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "  \
            "frame-ancestors 'none'"

void tb_http_security_headers(h2o_req_t *req, const char *rid)
{
    h2o_headers_t *h = &req->res.headers;
    h2o_mem_pool_t *p = &req->pool;
    h2o_add_header_by_str(p, h, H2O_STRLIT("content-security-policy"), 0, NULL, H2O_STRLIT(CSP));
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("referrer-policy"), 0, NULL, H2O_STRLIT("same-origin"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-frame-options"), 0, NULL, H2O_STRLIT("DENY"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("permissions-policy"), 0, NULL,
                          H2O_STRLIT("camera=(), microphone=(), payment=()"));
    if (tb_cfg.secure_cookies)
        h2o_add_header_by_str(p, h, H2O_STRLIT("strict-transport-security"), 0, NULL,
                              H2O_STRLIT("max-age=31536000; includeSubDomains"));
    h2o_add_header_by_str(p, h, H2O_STRLIT("x-request-id"), 0, NULL, rid, strlen(rid));
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

static size_t send_reply(h2o_req_t *req, tb_req *r)
{
    req->res.status = r->status;
    req->res.reason = reason_phrase(r->status);
    tb_http_security_headers(req, r->request_id);
    h2o_headers_t *h = &req->res.headers;
    h2o_add_header(&req->pool, h, H2O_TOKEN_CONTENT_TYPE, NULL, r->resp_type, strlen(r->resp_type));
    h2o_add_header(&req->pool, h, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    for (int i = 0; i < r->nheaders; i++) {
        const char *name = r->headers[i][0], *value = r->headers[i][1];
        h2o_add_header_by_str(&req->pool, h, name, strlen(name), 1, NULL, value, strlen(value));
    }
    req->res.content_length = r->resp_len;
    h2o_send_inline(req, r->resp_body, r->resp_len);
    return r->resp_len;
}

/* ---- dispatch ---- */
static bool is_unsafe(const char *m)
{
    return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

static bool type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Checks that do not depend on the handler: body size and type, session. */
static int precheck(tb_req *r, const tb_route *route)
{
    if (is_unsafe(r->method)) {
        if (route->flags & TB_R_MULTIPART) {
            if (!type_is(r->content_type, "multipart/form-data"))
                return tb_reply_err(r, TB_E_UNSUPPORTED_MEDIA_TYPE, NULL), -1;
            if (r->body_len > (size_t)tb_cfg.upload_max_mb * 1024 * 1024 + 64 * 1024)
                return tb_reply_err(r, TB_E_UPLOAD_TOO_LARGE, "file"), -1;
        } else {
            if (r->body_len > (size_t)tb_cfg.body_max_kb * 1024)
                return tb_reply_err(r, TB_E_BODY_TOO_LARGE, NULL), -1;
            if ((route->flags & TB_R_JSON) && !type_is(r->content_type, "application/json"))
                return tb_reply_err(r, TB_E_UNSUPPORTED_MEDIA_TYPE, NULL), -1;
        }
        if (tb_http_origin_foreign(r))
            return tb_reply_err(r, TB_E_CSRF_FAILED, NULL), -1;
    }
    if (route->auth != TB_AUTH_PUBLIC) {
        tb_error e = {0};
        if (!auth_hook) {
            tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
            return -1;
        }
        if (auth_hook(r, &e) != 0) {
            tb_reply_error(r, &e);
            return -1;
        }
    }
    return 0;
}

static void dispatch_api(tb_req *r)
{
    int status;
    const tb_route *route = tb_router_match(r->arena, r->method, r->path, r->params, &r->nparams, &status);
    if (!route) {
        if (status == 405)
            tb_reply_header(r, "allow", tb_router_allowed(r->arena, r->path));
        tb_reply_err(r, status == 405 ? TB_E_METHOD_NOT_ALLOWED : TB_E_NOT_FOUND, NULL);
        return;
    }
    /* parameters are matched encoded (an escaped slash stays inside its
     * segment) and decoded here; an undecodable one stays as sent and so
     * matches nothing */
    for (int i = 0; i < r->nparams; i++) {
        char *p = tb_arena_strdup(r->arena, r->params[i]);
        if (tb_url_decode(p, strlen(p)) >= 0)
            r->params[i] = p;
    }
    r->route = route;
    if (precheck(r, route) != 0)
        return;
    route->handler(r);
    if (!r->replied) {
        tb_error("http: handler for %s %s did not reply", route->method, route->pattern);
        tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
}

static bool is_api_path(const char *p)
{
    return !strncmp(p, "/api/", 5) || !strcmp(p, "/healthz") || !strcmp(p, "/readyz") || !strcmp(p, "/metrics");
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    server_thread *t = thread_of(req);
    double start = tb_monotonic();
    tb_req r;
    init_req(t, req, &r);
    size_t bytes;
    if (is_api_path(r.path)) {
        size_t raw = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
        r.path = tb_arena_strndup(r.arena, req->path.base, raw);
        dispatch_api(&r);
        /* a TB_R_STREAM handler answered with tb_reply_stream: the response
         * starts here and stays open after this function (src/http/stream.c) */
        bytes = r.stream ? tb_stream_begin(req, &r) : send_reply(req, &r);
    } else {
        bytes = tb_static_serve(req, &r);
    }
    double secs = tb_monotonic() - start;
    tb_metrics_observe(r.route ? tb_router_index(r.route) : tb_router_count(), r.status, secs);
    access_log(t, &r, secs, bytes);
    tb_req_finish(&r);
    tb_arena_reset(t->base.arena);
    return 0;
}

/* ---- listeners and threads ---- */
static int parse_listen(const char *spec)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host)
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *h = host;
    if (h[0] == '[') { /* [::1]:8080 */
        h++;
        h[strlen(h) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *res;
    if (getaddrinfo(*h ? h : "0.0.0.0", colon + 1, &hints, &res) != 0)
        return -1;
    memcpy(&listen_addr, res->ai_addr, res->ai_addrlen);
    listen_addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int open_listener(void)
{
    int fd = socket(listen_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        bind(fd, (struct sockaddr *)&listen_addr, listen_addrlen) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err)
        return;
    server_thread *t = listener->data;
    h2o_socket_t *sock;
    /* drain the accept queue: one wake-up, several connections */
    for (int i = 0; i < 16 && (sock = h2o_evloop_socket_accept(listener)) != NULL; i++)
        h2o_accept(&t->accept, sock);
}

static void *thread_main(void *arg)
{
    server_thread *t = arg;
    char err[512];
    t->base.db = tb_db_open(tb_cfg.database, err, sizeof err);
    int fd = t->base.db ? open_listener() : -1;
    if (fd < 0) {
        tb_error("thread %d: cannot start: %s", t->base.index, t->base.db ? strerror(errno) : err);
        t->ready = -1;
        return NULL;
    }
    t->base.arena = tb_arena_new(64 * 1024);
    t->base.rules = tb_rules_new(NULL, (unsigned)tb_cfg.rule_timeout_ms, 32u << 20);
    if (getrandom(&t->rid_prefix, sizeof t->rid_prefix, 0) != sizeof t->rid_prefix)
        t->rid_prefix = (uint64_t)tb_now_ms() ^ (uint64_t)t->base.index;
    h2o_context_init(&t->ctx, h2o_evloop_create(), &globalconf);
    t->accept.ctx = &t->ctx;
    t->accept.hosts = globalconf.hosts;
    tb_stream_loop_init(&t->base, t->ctx.loop); /* this loop's event streams and their timer */
    t->listener = h2o_evloop_socket_create(t->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);
    t->ready = 1;
    while (!tb_server_stopping()) {
        h2o_evloop_run(t->ctx.loop, 200);
        log_flush(t);
    }
    h2o_socket_read_stop(t->listener);
    h2o_socket_close(t->listener);
    log_flush(t);
    tb_rules_free(t->base.rules);
    tb_db_close(t->base.db);
    tb_arena_free(t->base.arena);
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stopping, 1);
}

static int thread_count(void)
{
    if (tb_cfg.threads > 0)
        return tb_cfg.threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 64 ? (int)n : 2;
}

int tb_server_run(void)
{
    if (parse_listen(tb_cfg.listen) != 0) {
        tb_error("invalid listen address: %s", tb_cfg.listen);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    h2o_config_init(&globalconf);
    globalconf.max_request_entity_size = ((size_t)tb_cfg.upload_max_mb + 4) * 1024 * 1024;
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("tongban"));
    h2o_hostconf_t *host = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
    handler->on_req = on_req;
    tb_static_init();
    tb_metrics_init();

    int n = thread_count();
    server_thread *threads = calloc((size_t)n, sizeof *threads);
    for (int i = 0; i < n; i++) {
        threads[i].base.index = i;
        pthread_create(&threads[i].tid, NULL, thread_main, &threads[i]);
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        while (threads[i].ready == 0)
            usleep(1000);
        failed |= threads[i].ready < 0;
    }
    if (failed)
        atomic_store(&stopping, 1);
    else
        tb_info("tongban listening on http://%s with %d threads, database %s", tb_cfg.listen, n,
                strncmp(tb_cfg.database, "postgres", 8) ? tb_cfg.database : "postgres://…");
    for (int i = 0; i < n; i++)
        pthread_join(threads[i].tid, NULL);
    free(threads);
    tb_info("tongban stopped");
    return failed ? -1 : 0;
}
