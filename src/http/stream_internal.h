/* The server's side of server-sent events (src/http/stream.c): what
 * server.c calls to start a stream's response and to give each event loop
 * its stream list and timer. */
#ifndef TB_HTTP_STREAM_INTERNAL_H
#define TB_HTTP_STREAM_INTERNAL_H

#include "http/server_internal.h"

/* Starts the text/event-stream response of a request whose handler called
 * tb_reply_stream (r->stream set); returns the bytes queued. */
size_t tb_stream_begin(h2o_req_t *req, tb_req *r);
/* Per loop thread, once, after its h2o context exists: the stream list and
 * the poll/heartbeat timer (sse_poll_ms). */
void tb_stream_loop_init(tb_thread *thread, h2o_loop_t *loop);

#endif
