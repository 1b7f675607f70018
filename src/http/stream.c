/* Server-sent events over h2o's streaming responses (docs/adr/0007).
 *
 * A handler answers with tb_reply_stream(): the server then starts a
 * `text/event-stream` response with h2o_start_response() instead of sending
 * a whole body, and the h2o request stays open after the handler returned.
 * No thread waits for the client: the stream is a small object linked into
 * the list of its event loop. Every loop has one timer; each tick it hands
 * the streams of a kind to that kind's poll function (the module looks up
 * new events in the database and sends them) and writes a heartbeat comment
 * to streams that were silent for sse_heartbeat_seconds.
 *
 * h2o allows one h2o_send() in flight per request: data sent meanwhile
 * waits in `pending` and goes out from the proceed callback. A client that
 * stops reading is cut off when pending passes PENDING_MAX (its browser
 * reconnects and resumes with Last-Event-ID). A closed connection reaches
 * us as the generator's stop callback (h2o notices it at the next write; the
 * heartbeat makes sure there is one), which frees the stream.
 *
 * Everything here runs on the stream's own loop thread; only the process
 * counter (for the sse_max_streams cap) is shared. */
#include "http/stream_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"

#define PENDING_MAX (1024 * 1024)
#define MAX_KINDS 8

struct tb_stream {
    h2o_generator_t gen; /* first: h2o hands it back to the callbacks */
    h2o_req_t *req;
    const tb_stream_kind *kind;
    void *data;
    int64_t last_id;
    struct tb_stream *prev, *next;
    char *pending;
    size_t plen, pcap;
    char *inflight;
    bool started, writing, closing, linked;
    double last_write;
};

typedef struct {
    h2o_loop_t *loop;
    tb_thread *thread;
    h2o_timeout_t timeout;
    h2o_timeout_entry_t entry;
    tb_stream *head;
    size_t count;
} stream_loop;

static __thread stream_loop *this_loop;
static atomic_long open_streams;

long tb_stream_open_count(void) { return atomic_load(&open_streams); }

/* ---- buffers ---- */
static int append(tb_stream *s, const char *p, size_t n)
{
    if (s->plen + n > PENDING_MAX)
        return -1;
    if (s->plen + n + 1 > s->pcap) {
        size_t cap = s->pcap ? s->pcap : 1024;
        while (cap < s->plen + n + 1)
            cap *= 2;
        char *b = realloc(s->pending, cap);
        if (!b)
            return -1;
        s->pending = b;
        s->pcap = cap;
    }
    memcpy(s->pending + s->plen, p, n);
    s->plen += n;
    return 0;
}

static void unlink_stream(tb_stream *s)
{
    if (!s->linked)
        return;
    stream_loop *l = this_loop;
    if (s->prev)
        s->prev->next = s->next;
    else if (l)
        l->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->linked = false;
    if (l)
        l->count--;
}

static void destroy(tb_stream *s)
{
    unlink_stream(s);
    if (s->kind && s->kind->drop && s->data)
        s->kind->drop(s->data);
    free(s->pending);
    free(s->inflight);
    free(s);
    atomic_fetch_sub(&open_streams, 1);
}

/* Sends what is pending (one h2o_send in flight at a time), or ends the
 * response when closing and nothing is left. */
static void flush(tb_stream *s)
{
    if (!s->started || s->writing)
        return;
    if (s->closing) {
        /* the last bytes go out from the request's pool: the stream is freed
         * now, h2o clears the pool when the response is done */
        h2o_req_t *req = s->req;
        h2o_iovec_t buf = {NULL, 0};
        if (s->plen) {
            buf.base = h2o_mem_alloc_pool(&req->pool, s->plen);
            memcpy(buf.base, s->pending, s->plen);
            buf.len = s->plen;
        }
        destroy(s);
        h2o_send(req, &buf, buf.len ? 1 : 0, H2O_SEND_STATE_FINAL);
        return;
    }
    if (!s->plen)
        return;
    free(s->inflight);
    s->inflight = s->pending;
    h2o_iovec_t buf = {s->inflight, s->plen};
    s->pending = NULL;
    s->plen = s->pcap = 0;
    s->writing = true;
    s->last_write = tb_monotonic();
    h2o_send(s->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    tb_stream *s = (tb_stream *)gen;
    s->writing = false;
    free(s->inflight);
    s->inflight = NULL;
    flush(s);
}

static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    destroy((tb_stream *)gen); /* the client went away; h2o disposes of the request */
}

/* ---- the API of http.h ---- */
tb_stream *tb_reply_stream(tb_req *r, const tb_stream_kind *kind, void *data)
{
    if (!r->native || !this_loop || !r->route || !(r->route->flags & TB_R_STREAM)) {
        if (kind && kind->drop && data)
            kind->drop(data);
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return NULL;
    }
    if (!strcmp(r->method, "HEAD")) { /* the headers only: no stream to hold open */
        if (kind && kind->drop && data)
            kind->drop(data);
        tb_reply_raw(r, 200, "text/event-stream; charset=utf-8", "", 0);
        return NULL;
    }
    long cap = tb_cfg.sse_max_streams > 0 ? tb_cfg.sse_max_streams : 10000;
    if (atomic_fetch_add(&open_streams, 1) >= cap) {
        atomic_fetch_sub(&open_streams, 1);
        if (kind && kind->drop && data)
            kind->drop(data);
        tb_warn("sse: refused a stream, %ld open (sse_max_streams)", cap);
        tb_reply_err(r, TB_E_STREAM_LIMIT, NULL);
        return NULL;
    }
    tb_stream *s = calloc(1, sizeof *s);
    if (!s) {
        atomic_fetch_sub(&open_streams, 1);
        if (kind && kind->drop && data)
            kind->drop(data);
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return NULL;
    }
    s->gen.proceed = on_proceed;
    s->gen.stop = on_stop;
    s->req = r->native;
    s->kind = kind;
    s->data = data;
    /* the reconnection delay asked of EventSource, then whatever the
     * handler sends (the backlog) before the headers go out */
    static const char hello[] = "retry: 3000\n\n";
    append(s, hello, sizeof hello - 1);
    r->replied = true;
    r->status = 200;
    r->stream = s;
    return s;
}

int tb_stream_send(tb_stream *s, const char *event, int64_t id, const char *data)
{
    if (!s || s->closing)
        return -1;
    char head[160];
    int n = 0;
    if (id > 0)
        n += snprintf(head + n, sizeof head - (size_t)n, "id: %lld\n", (long long)id);
    if (event && *event)
        n += snprintf(head + n, sizeof head - (size_t)n, "event: %.100s\n", event);
    size_t before = s->plen;
    if (append(s, head, (size_t)n) != 0)
        goto overflow;
    /* one data: line per line of the payload (JSON has none, text may) */
    const char *p = data ? data : "";
    do {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (append(s, "data: ", 6) != 0 || append(s, p, len) != 0 || append(s, "\n", 1) != 0)
            goto overflow;
        p = nl ? nl + 1 : NULL;
    } while (p);
    if (append(s, "\n", 1) != 0)
        goto overflow;
    if (id > s->last_id)
        s->last_id = id;
    flush(s);
    return 0;
overflow:
    /* the client does not read: end the response so that it reconnects and
     * resumes from its Last-Event-ID */
    s->plen = before;
    tb_warn("sse: a client stopped reading; its stream is closed");
    tb_stream_close(s);
    return -1;
}

int tb_stream_comment(tb_stream *s, const char *text)
{
    if (!s || s->closing)
        return -1;
    char line[128];
    int n = snprintf(line, sizeof line, ": %.100s\n\n", text ? text : "");
    if (append(s, line, (size_t)n) != 0)
        return -1;
    flush(s);
    return 0;
}

void tb_stream_close(tb_stream *s)
{
    if (!s || s->closing)
        return;
    s->closing = true;
    flush(s);
}

void *tb_stream_data(tb_stream *s) { return s ? s->data : NULL; }
int64_t tb_stream_last_id(const tb_stream *s) { return s ? s->last_id : 0; }
void tb_stream_set_last_id(tb_stream *s, int64_t id)
{
    if (s && id > s->last_id)
        s->last_id = id;
}

/* ---- server side ---- */
size_t tb_stream_begin(h2o_req_t *req, tb_req *r)
{
    tb_stream *s = r->stream;
    req->res.status = 200;
    req->res.reason = "OK";
    tb_http_security_headers(req, r->request_id);
    h2o_headers_t *h = &req->res.headers;
    h2o_add_header(&req->pool, h, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&req->pool, h, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    /* nginx and other proxies: do not buffer this response */
    h2o_add_header_by_str(&req->pool, h, H2O_STRLIT("x-accel-buffering"), 0, NULL, H2O_STRLIT("no"));
    for (int i = 0; i < r->nheaders; i++) {
        const char *name = r->headers[i][0], *value = r->headers[i][1];
        h2o_add_header_by_str(&req->pool, h, name, strlen(name), 1, NULL, value, strlen(value));
    }
    req->res.content_length = SIZE_MAX;
    h2o_start_response(req, &s->gen);
    stream_loop *l = this_loop;
    s->next = l->head;
    if (l->head)
        l->head->prev = s;
    l->head = s;
    s->linked = true;
    l->count++;
    s->started = true;
    size_t n = s->plen;
    flush(s);
    return n;
}

static void on_tick(h2o_timeout_entry_t *entry)
{
    stream_loop *l = this_loop;
    (void)entry;
    if (l->count) {
        /* one poll per kind, over a snapshot of this loop's streams of that kind */
        const tb_stream_kind *kinds[MAX_KINDS];
        int nk = 0;
        tb_stream **all = malloc(l->count * sizeof *all);
        size_t n = 0;
        for (tb_stream *s = l->head; s && all; s = s->next) {
            all[n++] = s;
            bool seen = false;
            for (int k = 0; k < nk; k++)
                seen |= kinds[k] == s->kind;
            if (!seen && s->kind && s->kind->poll && nk < MAX_KINDS)
                kinds[nk++] = s->kind;
        }
        for (int k = 0; k < nk && all; k++) {
            size_t m = 0;
            tb_stream **mine = malloc(n * sizeof *mine);
            for (tb_stream *s = l->head; s && mine; s = s->next)
                if (s->kind == kinds[k] && !s->closing)
                    mine[m++] = s;
            if (mine && m)
                kinds[k]->poll(l->thread, mine, m);
            free(mine);
            tb_arena_reset(l->thread->arena);
        }
        free(all);
        /* heartbeats keep proxies from timing the stream out and let h2o
         * notice clients that left (a write fails) */
        double now = tb_monotonic(), beat = tb_cfg.sse_heartbeat_seconds > 0 ? tb_cfg.sse_heartbeat_seconds : 15;
        tb_stream *s = l->head;
        while (s) {
            tb_stream *next = s->next; /* a failing write never frees synchronously, but be safe */
            if (!s->writing && !s->closing && now - s->last_write >= beat)
                tb_stream_comment(s, "heartbeat");
            s = next;
        }
    }
    h2o_timeout_link(l->loop, &l->timeout, &l->entry);
}

void tb_stream_loop_init(tb_thread *thread, h2o_loop_t *loop)
{
    stream_loop *l = calloc(1, sizeof *l);
    if (!l)
        return;
    l->loop = loop;
    l->thread = thread;
    int ms = tb_cfg.sse_poll_ms > 0 ? tb_cfg.sse_poll_ms : 300;
    h2o_timeout_init(loop, &l->timeout, (uint64_t)ms);
    l->entry.cb = on_tick;
    h2o_timeout_link(loop, &l->timeout, &l->entry);
    this_loop = l;
}
