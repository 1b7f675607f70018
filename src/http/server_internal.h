/* Pieces of the HTTP layer shared between its own files only. */
#ifndef TB_HTTP_SERVER_INTERNAL_H
#define TB_HTTP_SERVER_INTERNAL_H

#define H2O_USE_LIBUV 0
#include <h2o.h>

#include "http/http.h"

void tb_http_security_headers(h2o_req_t *req, const char *request_id);
/* Serves web assets (or the SPA index); returns bytes sent. */
size_t tb_static_serve(h2o_req_t *req, tb_req *r);
void tb_static_init(void);
void tb_metrics_init(void);
/* An Origin header that names another host than the request's. */
bool tb_http_origin_foreign(tb_req *r);

#endif
