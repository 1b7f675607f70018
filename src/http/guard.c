/* Request guards that need no domain knowledge. */
#include <string.h>

#include "http/server_internal.h"

/* Browsers send Origin on cross-site POSTs; refuse one naming another host.
 * A missing Origin (curl, other systems) is judged by the CSRF token. */
bool tb_http_origin_foreign(tb_req *r)
{
    h2o_req_t *req = r->native;
    if (!req)
        return false;
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    if (i < 0)
        return false;
    h2o_iovec_t o = req->headers.entries[i].value;
    if (o.len == 4 && !memcmp(o.base, "null", 4))
        return true;
    const char *p = memchr(o.base, ':', o.len);
    if (!p || (size_t)(p - o.base) + 3 > o.len || p[1] != '/' || p[2] != '/')
        return true;
    const char *host = p + 3;
    size_t hlen = o.len - (size_t)(host - o.base);
    return hlen != req->authority.len || strncasecmp(host, req->authority.base, hlen) != 0;
}
