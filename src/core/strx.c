#include "core/strx.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long tb_url_decode(char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = (char)(h * 16 + l);
            if (c == '\0')
                return -1;
            i += 2;
        }
        s[o++] = c;
    }
    s[o] = '\0';
    return (long)o;
}

char *tb_query_get(tb_arena *a, const char *q, size_t qlen, const char *key, bool *bad)
{
    size_t klen = strlen(key);
    const char *end = q + qlen;
    for (const char *p = q; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        const char *kend = eq ? eq : stop;
        if ((size_t)(kend - p) == klen && memcmp(p, key, klen) == 0) {
            const char *v = eq ? eq + 1 : stop;
            char *out = tb_arena_strndup(a, v, (size_t)(stop - v));
            if (tb_url_decode(out, (size_t)(stop - v)) < 0) {
                if (bad)
                    *bad = true;
                return NULL;
            }
            return out;
        }
        p = stop + 1;
    }
    return NULL;
}

bool tb_cookie_get(const char *hdr, size_t hdrlen, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *end = hdr + hdrlen;
    for (const char *p = hdr; p < end;) {
        while (p < end && (*p == ' ' || *p == ';'))
            p++;
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t vlen = (size_t)(stop - p - nlen - 1);
            if (vlen + 1 > outlen)
                return false;
            memcpy(out, p + nlen + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        p = stop;
    }
    return false;
}

int tb_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void tb_hex(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool tb_is_token(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return n > 0 && n <= max;
}

bool tb_is_digits(const char *s, size_t n)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return i == n;
}
