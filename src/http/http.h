/* The HTTP layer as handlers see it: a request, a reply, a route table.
 * Handlers never touch h2o directly, so they can be read (and tested) as
 * plain functions: decode input -> authorise -> act -> reply. */
#ifndef TB_HTTP_H
#define TB_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

#define TB_MAX_PARAMS 4

typedef struct tb_thread tb_thread;
typedef struct tb_req tb_req;
typedef struct tb_stream tb_stream;

typedef enum { TB_AUTH_PUBLIC = 0, TB_AUTH_CITIZEN, TB_AUTH_STAFF } tb_auth;

enum {
    TB_R_JSON = 1 << 0,      /* takes a JSON object body (415 otherwise) */
    TB_R_MULTIPART = 1 << 1, /* takes multipart/form-data (uploads) */
    TB_R_TEXT = 1 << 2,      /* answers text, not JSON (for the docs) */
    TB_R_STREAM = 1 << 3,    /* answers a server-sent event stream (tb_reply_stream) */
};

/* One row of a module's route table. */
typedef struct tb_route {
    const char *method;       /* GET POST PUT PATCH DELETE */
    const char *pattern;      /* "/api/v1/cases/{serial}" */
    void (*handler)(tb_req *r);
    tb_auth auth;             /* who may call it, checked before the handler */
    const char *perm;         /* staff permission (role) or NULL */
    unsigned flags;
    const char *tag;          /* OpenAPI tag (module) */
    const char *summary;      /* OpenAPI summary, Chinese */
} tb_route;

struct tb_req {
    tb_arena *arena;          /* everything of the request; reset afterwards */
    tb_db *db;                /* this thread's connection */
    tb_thread *thread;
    void *native;             /* h2o_req_t *, NULL in unit tests */
    const tb_route *route;
    const char *method;
    const char *path;         /* normalised, no query */
    const char *query;
    size_t query_len;
    const char *params[TB_MAX_PARAMS];
    int nparams;
    const char *body;
    size_t body_len;
    const char *content_type;
    char request_id[40];
    char ip[64];
    /* set by the authentication hook */
    int64_t subject_id;       /* citizen or staff id, 0 = anonymous */
    const char *subject_realm; /* "citizen" | "staff" once known */
    const char *subject_role; /* staff role */
    char session_digest[65];
    /* reply */
    int status;
    bool replied;
    const char *resp_body;
    size_t resp_len;
    const char *resp_type;
    int nheaders;
    const char *headers[12][2];
    /* JSON values released when the request ends */
    json_t *owned[16];
    int nowned;
    /* set by tb_reply_stream: the reply is an event stream that outlives the handler */
    tb_stream *stream;
};

/* ---- request input ---- */
const char *tb_req_header(tb_req *r, const char *name);
/* Query value (decoded) or NULL; a malformed escape answers 400 itself and
 * returns NULL with *failed set when failed != NULL. */
const char *tb_req_query(tb_req *r, const char *key);
/* Integer query parameter within [min,max]; -1 with a 400 reply on error. */
int tb_req_query_int(tb_req *r, const char *key, int64_t dflt, int64_t min, int64_t max, int64_t *out);
/* Whether the request carries X-Tongban-Timestamp (epoch seconds, within skew_seconds of now) and
 * X-Tongban-Signature = hex HMAC-SM3 of "<timestamp>\n<body>" under key: how the systems that call the
 * platform (business applications, the face-verification service) sign. Never replies. */
bool tb_req_signed(tb_req *r, const char *key, int skew_seconds);
/* Parses the body as a JSON object; NULL after replying 400 on failure.
 * The object lives until the request ends. */
json_t *tb_req_json(tb_req *r);
/* Unpacks a JSON body against a spec; NULL after replying on failure. */
json_t *tb_req_json_spec(tb_req *r, const void *spec /* const tb_jfield * */);
/* Epoch seconds as ISO 8601 (+08:00) in the request arena; NULL for 0 (a time not set). */
const char *tb_req_iso(tb_req *r, int64_t t);
/* Keeps j alive until the request ends (steals the reference). */
void tb_req_own_json(tb_req *r, json_t *j);
/* Releases what the request owns; called by the server after replying. */
void tb_req_finish(tb_req *r);
/* page/page_size into offset/limit; -1 after replying 400. */
int tb_req_page(tb_req *r, int64_t *page, int64_t *page_size);

/* ---- reply (exactly one per request) ---- */
void tb_reply_json(tb_req *r, int status, json_t *body /* stolen */);
void tb_reply_err(tb_req *r, tb_errcode code, const char *field);
/* The same with a message of the caller's (NULL: the registry's). Returns -1, for `return tb_reply_fail(…)`. */
int tb_reply_fail(tb_req *r, tb_errcode code, const char *field, const char *message);
void tb_reply_error(tb_req *r, tb_error *e); /* clears e */
void tb_reply_raw(tb_req *r, int status, const char *type, const char *body, size_t len);
/* Extra response header; name and value must outlive the request (arena). */
void tb_reply_header(tb_req *r, const char *name, const char *value);

/* ---- server-sent events (src/http/stream.c, docs/adr/0007) ----
 * A handler of a TB_R_STREAM route answers with tb_reply_stream(): a
 * `text/event-stream` response starts and the request stays open after the
 * handler returns, holding no thread. A stream belongs to the event loop of
 * its request; everything below is called on that loop only: from the
 * handler (to send a backlog) and from the kind's poll function, which the
 * loop's timer calls every sse_poll_ms with the loop's streams of that kind
 * (it looks up new events, e.g. in the database, and sends them). Silent
 * streams get a heartbeat comment every sse_heartbeat_seconds. A stream is
 * freed when its client goes away; then kind->drop(data) is called. */
typedef struct tb_stream_kind {
    const char *name;
    void (*poll)(tb_thread *t, tb_stream *const *streams, size_t n);
    void (*drop)(void *data); /* frees a stream's data; may be NULL */
} tb_stream_kind;
/* Starts the stream (data: the module's, malloc'd, owned by the stream from now on, also on failure).
 * NULL after replying an error, e.g. 503 STREAM_LIMIT beyond sse_max_streams open streams (or, for
 * HEAD, after answering the headers only). */
tb_stream *tb_reply_stream(tb_req *r, const tb_stream_kind *kind, void *data);
/* Queues one event (id > 0 becomes the `id:` line a reconnecting browser sends back as
 * Last-Event-ID). 0, or -1 when the stream is closing or its client stopped reading (the stream is
 * then closed and may already be freed: do not use s after -1). */
int tb_stream_send(tb_stream *s, const char *event, int64_t id, const char *data);
int tb_stream_comment(tb_stream *s, const char *text);
/* Ends the response after what is queued (the browser's EventSource reconnects unless told not to). */
void tb_stream_close(tb_stream *s);
void *tb_stream_data(tb_stream *s);
/* The highest event id sent (or set), for the poll functions' cursors. */
int64_t tb_stream_last_id(const tb_stream *s);
void tb_stream_set_last_id(tb_stream *s, int64_t id);
/* Open streams in this process (for /metrics and the tests). */
long tb_stream_open_count(void);

/* ---- routing ---- */
/* Modules register their tables at start-up, before the server runs. */
void tb_router_add(const tb_route *routes, size_t n);
void tb_router_reset(void);
/* Finds the route for method+path; fills params (arena). Returns the route,
 * or NULL with *status 404 (no path) or 405 (path, other method). */
const tb_route *tb_router_match(tb_arena *a, const char *method, const char *path, const char **params,
                                int *nparams, int *status);
/* "GET, HEAD, POST" — the methods routed for path (for 405's Allow). */
const char *tb_router_allowed(tb_arena *a, const char *path);
/* Iterate all routes (for OpenAPI and metrics). */
size_t tb_router_count(void);
const tb_route *tb_router_at(size_t i);
size_t tb_router_index(const tb_route *route);

/* ---- hooks the domain registers ---- */
/* Called before every non-public handler: resolves the session for the
 * route's realm, checks CSRF on unsafe methods. Returns 0 or -1 with e set. */
typedef int (*tb_auth_hook)(tb_req *r, tb_error *e);
void tb_http_set_auth_hook(tb_auth_hook hook);
/* Readiness check beyond the database (none yet). */

/* ---- metrics ---- */
void tb_metrics_observe(size_t route_index, int status, double seconds);
void tb_metrics_count(const char *name, long delta); /* named counters: cases_submitted … */
char *tb_metrics_render(tb_arena *a, size_t *len);

/* ---- OpenAPI ---- */
json_t *tb_openapi_document(void);

/* ---- server ---- */
int tb_server_run(void);            /* blocks until SIGINT/SIGTERM */
bool tb_server_stopping(void);

/* Per-thread resources handed to handlers via r->thread. */
struct tb_rules;
struct tb_thread {
    int index;
    tb_db *db;
    tb_arena *arena;
    struct tb_rules *rules;
};

#endif
