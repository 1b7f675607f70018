/* multipart/form-data parser (RFC 7578, delimiter syntax of RFC 2046 §5.1.1). The body is searched
 * for CRLF "--" boundary; a match only counts as a delimiter when followed by "--" (the close) or by
 * optional blanks and CRLF, so binary file data that happens to contain the boundary text followed by
 * anything else stays data. Header blocks are strictly parsed: control characters, lines without a
 * colon and repeated parameters are refused instead of guessed at. */
#include "http/multipart.h"
#include "rules/validators.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define MAX_BOUNDARY 70
#define MAX_HEADER_BLOCK 8192
#define MAX_FILENAME 100

/* ---- small lexical helpers ---- */

static bool lit_ieq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static size_t skip_blanks(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static bool is_tchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* value after '=': a quoted string (returned without quotes, escapes left in place) or a token */
static bool param_value(const char *s, size_t n, size_t *pos, tb_slice *val)
{
    size_t i = *pos;
    if (i < n && s[i] == '"') {
        size_t start = ++i;
        while (i < n && s[i] != '"')
            i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
        if (i >= n)
            return false;
        *val = (tb_slice){s + start, i - start};
        *pos = i + 1;
        return true;
    }
    size_t start = i;
    while (i < n && is_tchar(s[i]))
        i++;
    *val = (tb_slice){s + start, i - start};
    *pos = i;
    return i > start;
}

/* One "; key=value" parameter. 1 parsed, 0 end of input, -1 malformed. */
static int next_param(const char *s, size_t n, size_t *pos, tb_slice *key, tb_slice *val)
{
    size_t i = skip_blanks(s, *pos, n);
    if (i == n)
        return 0;
    if (s[i] != ';')
        return -1;
    i = skip_blanks(s, i + 1, n);
    size_t start = i;
    while (i < n && is_tchar(s[i]))
        i++;
    *key = (tb_slice){s + start, i - start};
    i = skip_blanks(s, i, n);
    if (key->n == 0 || i == n || s[i] != '=')
        return -1;
    i = skip_blanks(s, i + 1, n);
    if (!param_value(s, n, &i, val))
        return -1;
    *pos = i;
    return 1;
}

/* ---- request Content-Type ---- */

static bool boundary_ok(tb_slice b)
{
    if (b.n == 0 || b.n > MAX_BOUNDARY || b.p[b.n - 1] == ' ')
        return false;
    for (size_t i = 0; i < b.n; i++) {
        char c = b.p[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!alnum && !strchr("'()+_,-./:=? ", c))
            return false;
    }
    return true;
}

static bool find_boundary(const char *ct, size_t n, tb_slice *boundary)
{
    size_t i = skip_blanks(ct, 0, n), start = i;
    while (i < n && ct[i] != ';' && ct[i] != ' ' && ct[i] != '\t')
        i++;
    if (!lit_ieq(ct + start, i - start, "multipart/form-data"))
        return false;
    tb_slice key, val;
    bool found = false;
    int rc;
    while ((rc = next_param(ct, n, &i, &key, &val)) == 1) {
        if (!lit_ieq(key.p, key.n, "boundary"))
            continue;
        if (found)
            return false;
        found = true;
        *boundary = val;
    }
    return rc == 0 && found && boundary_ok(*boundary);
}

/* ---- delimiters ---- */

typedef struct {
    const unsigned char *body;
    size_t len;
    char delim[4 + MAX_BOUNDARY];   /* CRLF "--" boundary */
    size_t dlen;
} scanner;

/* Whether the bytes at i (just after "--boundary") complete a delimiter line. Sets *next to the
 * first byte after it and *final for the close delimiter. */
static bool delimiter_tail(const scanner *sc, size_t i, size_t *next, bool *final)
{
    if (i + 2 <= sc->len && sc->body[i] == '-' && sc->body[i + 1] == '-') {
        *final = true;
        *next = i + 2;
        return true;
    }
    i = skip_blanks((const char *)sc->body, i, sc->len);
    if (i + 2 <= sc->len && sc->body[i] == '\r' && sc->body[i + 1] == '\n') {
        *final = false;
        *next = i + 2;
        return true;
    }
    return false;
}

/* First delimiter at or after from; returns where it starts (the end of the preceding data) or
 * (size_t)-1. The first delimiter of a body may lack the leading CRLF. */
static size_t find_delimiter(const scanner *sc, size_t from, size_t *next, bool *final)
{
    if (from == 0 && sc->len >= sc->dlen - 2 && memcmp(sc->body, sc->delim + 2, sc->dlen - 2) == 0
        && delimiter_tail(sc, sc->dlen - 2, next, final))
        return 0;
    while (from < sc->len) {
        const unsigned char *m = memmem(sc->body + from, sc->len - from, sc->delim, sc->dlen);
        if (!m)
            break;
        size_t at = (size_t)(m - sc->body);
        if (delimiter_tail(sc, at + sc->dlen, next, final))
            return at;
        from = at + 1;
    }
    return (size_t)-1;
}

/* ---- part headers ---- */

static bool parse_disposition(const char *v, size_t n, tb_part *part)
{
    size_t i = skip_blanks(v, 0, n), start = i;
    while (i < n && is_tchar(v[i]))
        i++;
    if (!lit_ieq(v + start, i - start, "form-data"))
        return false;
    tb_slice key, val;
    int rc;
    while ((rc = next_param(v, n, &i, &key, &val)) == 1) {
        tb_slice *dst = lit_ieq(key.p, key.n, "name") ? &part->name
                        : lit_ieq(key.p, key.n, "filename") ? &part->filename : NULL;
        if (dst && dst->p)
            return false;   /* a repeated parameter would be read differently by different parsers */
        if (dst)
            *dst = val;
    }
    return rc == 0 && part->name.p && part->name.n > 0;
}

static bool header_line(const char *s, size_t n, tb_part *part, bool *have_cd)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F)
            return false;
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s)
        return false;
    size_t name_n = (size_t)(colon - s);
    for (size_t i = 0; i < name_n; i++)
        if (!is_tchar(s[i]))
            return false;
    size_t vs = skip_blanks(s, name_n + 1, n), ve = n;
    while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
        ve--;
    if (lit_ieq(s, name_n, "Content-Disposition")) {
        if (*have_cd)
            return false;
        *have_cd = true;
        return parse_disposition(s + vs, ve - vs, part);
    }
    if (lit_ieq(s, name_n, "Content-Type")) {
        if (part->content_type.p)
            return false;
        part->content_type = (tb_slice){s + vs, ve - vs};
    }
    return true;
}

/* Parses the header block starting at start; sets *data_start. */
static bool parse_headers(const scanner *sc, size_t start, tb_part *part, size_t *data_start)
{
    size_t avail = sc->len - start, window = avail < MAX_HEADER_BLOCK + 4 ? avail : MAX_HEADER_BLOCK + 4;
    const char *h = (const char *)sc->body + start;
    const char *end = memmem(h, window, "\r\n\r\n", 4);
    if (!end)
        return false;
    size_t block = (size_t)(end - h) + 2;   /* every header line with its CRLF */
    bool have_cd = false;
    for (size_t i = 0; i < block;) {
        const char *eol = memmem(h + i, block - i, "\r\n", 2);
        size_t line = (size_t)(eol - (h + i));
        if (!header_line(h + i, line, part, &have_cd))
            return false;
        i += line + 2;
    }
    *data_start = start + block + 2;
    return have_cd;
}

int tb_multipart_parse(const char *content_type, size_t ct_len, const unsigned char *body, size_t len,
                       tb_part *parts, int max_parts)
{
    tb_slice b = {NULL, 0};
    if (!content_type || !body || !find_boundary(content_type, ct_len, &b))
        return -1;
    scanner sc = {.body = body, .len = len, .dlen = 4 + b.n};
    memcpy(sc.delim, "\r\n--", 4);
    memcpy(sc.delim + 4, b.p, b.n);
    size_t next;
    bool final;
    if (find_delimiter(&sc, 0, &next, &final) == (size_t)-1)
        return -1;
    int count = 0;
    while (!final) {
        if (count >= max_parts)
            return -2;
        tb_part part = {0};
        size_t data;
        if (!parse_headers(&sc, next, &part, &data))
            return -1;
        size_t end = find_delimiter(&sc, data, &next, &final);
        if (end == (size_t)-1)
            return -1;
        part.data = body + data;
        part.len = end - data;
        parts[count++] = part;
    }
    return count;
}

/* ---- content types and names ---- */

const char *tb_sniff_type(const unsigned char *data, size_t len)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (!data)
        return NULL;
    if (len >= 5 && memcmp(data, "%PDF-", 5) == 0)
        return "application/pdf";
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return "image/jpeg";
    if (len >= 8 && memcmp(data, png, 8) == 0)
        return "image/png";
    return NULL;
}

static bool filename_char_dropped(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == '"' || cp == '\'' || cp == '<' || cp == '>' ||
           cp == ':' || cp == '|' || cp == '?' || cp == '*'
           || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)
           || cp == 0xFEFF;
}

/* strips leading dots and spaces (hidden files, "..") and trailing dots and spaces (Windows drops them) */
static void trim_name(char *s)
{
    size_t n = strlen(s), start = 0;
    while (start < n && (s[start] == '.' || s[start] == ' '))
        start++;
    while (n > start && (s[n - 1] == '.' || s[n - 1] == ' '))
        n--;
    memmove(s, s + start, n - start);
    s[n - start] = '\0';
}

void tb_safe_filename(tb_slice in, char out[128])
{
    const char *s = in.p ? in.p : "";
    size_t n = in.p ? in.n : 0, start = 0, o = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == '\\')
            start = i + 1;
    for (size_t i = start; i < n;) {
        unsigned cp;
        size_t k = tb_utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            i++;
            continue;
        }
        if (!filename_char_dropped(cp)) {
            if (o + k > MAX_FILENAME)
                break;
            memcpy(out + o, s + i, k);
            o += k;
        }
        i += k;
    }
    out[o] = '\0';
    trim_name(out);
    if (!out[0])
        strcpy(out, "file");
}
