/* The event streams of citizens and agents (docs/adr/0007): a stream is
 * opened with the backlog since the browser's Last-Event-ID; afterwards each
 * event loop's timer calls poll() with the loop's agent streams, which reads
 * agent_events past the loop's cursor once and hands every row to the
 * streams it is meant for. Events written by any thread or node are found
 * this way, within sse_poll_ms. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "mod/agent/agent_internal.h"

typedef struct {
    int64_t session, staff;
} stream_sub;

static __thread int64_t loop_cursor; /* events up to here were handed out on this loop */

typedef struct {
    tb_stream *const *streams;
    size_t n;
    int64_t last;
} fan_ctx;

static void fan_out(void *arg, const ag_event *ev)
{
    fan_ctx *c = arg;
    c->last = ev->id;
    for (size_t i = 0; i < c->n; i++) {
        tb_stream *s = c->streams[i];
        if (!s)
            continue;
        stream_sub *sub = tb_stream_data(s);
        bool mine = sub->session ? ev->citizen && ev->session_id == sub->session : ev->staff_id == sub->staff;
        if (!mine || ev->id <= tb_stream_last_id(s))
            continue;
        if (tb_stream_send(s, ev->event, ev->id, ev->data) != 0)
            ((tb_stream **)c->streams)[i] = NULL; /* closed: not to be used again */
    }
}

static void poll_streams(tb_thread *t, tb_stream *const *streams, size_t n)
{
    /* a new stream on this loop may have been opened past the cursor (its backlog was sent) */
    int64_t cursor = loop_cursor;
    if (!cursor) {
        cursor = INT64_MAX;
        for (size_t i = 0; i < n; i++)
            if (tb_stream_last_id(streams[i]) < cursor)
                cursor = tb_stream_last_id(streams[i]);
    }
    fan_ctx c = {streams, n, cursor};
    for (int round = 0; round < 10; round++) {
        int got = ag_store_events(t->db, c.last, 0, 0, 0, 500, fan_out, &c);
        if (got < 500)
            break;
    }
    loop_cursor = c.last;
}

static const tb_stream_kind agent_kind = {"agent", poll_streams, free};

typedef struct {
    tb_stream *s;
} backlog_ctx;

static void backlog(void *arg, const ag_event *ev)
{
    backlog_ctx *c = arg;
    if (c->s)
        tb_stream_send(c->s, ev->event, ev->id, ev->data);
}

static int64_t last_event_id(tb_req *r)
{
    const char *h = tb_req_header(r, "last-event-id");
    if (!h || !*h)
        h = tb_req_query(r, "last_event_id");
    if (!h || !*h)
        return 0;
    char *end;
    long long v = strtoll(h, &end, 10);
    return *end || v < 0 ? 0 : (int64_t)v;
}

void ag_stream_open(tb_req *r, int64_t session, int64_t staff)
{
    int64_t after = last_event_id(r);
    if (r->replied)
        return;
    stream_sub *sub = malloc(sizeof *sub);
    if (!sub)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    sub->session = session;
    sub->staff = staff;
    /* everything up to `upto` is sent now; the loop's poll sends what follows */
    int64_t upto = ag_store_max_event(r->db);
    tb_stream *s = tb_reply_stream(r, &agent_kind, sub);
    if (!s)
        return;
    backlog_ctx c = {s};
    if (after > 0 || session) {
        /* a resumed stream gets what it missed; a citizen's first stream the session's history */
        for (int round = 0; round < 20 && after < upto; round++) {
            int64_t before = after;
            int got = ag_store_events(r->db, after, upto, session, staff, 500, backlog, &c);
            after = tb_stream_last_id(s);
            if (got < 500 || after == before)
                break;
        }
    }
    tb_stream_set_last_id(s, upto);
    if (!loop_cursor)
        loop_cursor = upto;
}
