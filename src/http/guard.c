/* Request guards that need no domain knowledge. */
#include <stdlib.h>
#include <string.h>

#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "http/server_internal.h"

bool tb_req_signed(tb_req *r, const char *key, int skew_seconds)
{
    const char *ts = tb_req_header(r, "x-tongban-timestamp"), *sig = tb_req_header(r, "x-tongban-signature");
    if (!key || !*key || !ts || !sig || strlen(sig) != 64)
        return false;
    long long t = strtoll(ts, NULL, 10);
    if (t <= 0 || llabs(t - (long long)tb_now()) > skew_seconds)
        return false;
    size_t tl = strlen(ts);
    char *msg = tb_arena_alloc(r->arena, tl + 1 + r->body_len + 1);
    memcpy(msg, ts, tl);
    msg[tl] = '\n';
    if (r->body_len)
        memcpy(msg + tl + 1, r->body, r->body_len);
    unsigned char mac[32];
    char hex[65];
    tb_hmac_sm3(key, strlen(key), msg, tl + 1 + r->body_len, mac);
    tb_hex(mac, 32, hex);
    return tb_ct_equal(hex, sig, 64);
}

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
