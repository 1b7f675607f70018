/* Small string helpers for HTTP inputs. */
#ifndef TB_CORE_STRX_H
#define TB_CORE_STRX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/* Decodes %XX and '+' in place; returns the new length or -1 on a bad escape
 * or a decoded NUL byte. */
long tb_url_decode(char *s, size_t len);
/* The decoded value of `key` in a raw query string (without '?'), from the
 * arena; NULL when absent, "" when present without a value. *bad is set when
 * the value is malformed. */
char *tb_query_get(tb_arena *a, const char *query, size_t qlen, const char *key, bool *bad);
/* Value of cookie `name` in a Cookie header, copied to out (NUL-terminated);
 * false when absent or longer than outlen-1. */
bool tb_cookie_get(const char *hdr, size_t hdrlen, const char *name, char *out, size_t outlen);
/* write(2) until done, retrying on EINTR; 0 or -1. */
int tb_write_all(int fd, const void *buf, size_t n);
/* Lower-hex encoding. out must hold 2n+1 bytes. */
void tb_hex(const unsigned char *in, size_t n, char *out);
/* JSON-escape-free check: only [A-Za-z0-9_-], 1..max chars. */
bool tb_is_token(const char *s, size_t max);
bool tb_is_digits(const char *s, size_t n);

#endif
