/* CSV for checked imports and exports (RFC 4180, UTF-8). The whole file is
 * parsed first; rows are validated one by one and every problem is reported
 * with its line and field; nothing is written unless every row is valid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "http/multipart.h"
#include "mod/org/org_internal.h"

typedef struct {
    tb_arena *a;
    const char *p, *end;
    int line;
} csv_in;

/* One field at p; sets *eol at the end of a record. NULL on an unterminated quote. */
static char *field(csv_in *in, bool *eol)
{
    tb_buf b = {0};
    *eol = false;
    if (in->p < in->end && *in->p == '"') {
        for (in->p++;; in->p++) {
            if (in->p >= in->end) {
                free(b.p);
                return NULL;
            }
            if (*in->p == '"' && in->p + 1 < in->end && in->p[1] == '"') {
                buf_put(&b, "\"", 1);
                in->p++;
            } else if (*in->p == '"') {
                break;
            } else {
                if (*in->p == '\n')
                    in->line++;
                buf_put(&b, in->p, 1);
            }
        }
        in->p++;
    }
    const char *start = in->p;
    while (in->p < in->end && *in->p != ',' && *in->p != '\n' && *in->p != '\r')
        in->p++;
    buf_put(&b, start, (size_t)(in->p - start));
    if (in->p < in->end && *in->p == '\r')
        in->p++;
    if (in->p >= in->end || *in->p == '\n')
        *eol = true;
    if (in->p < in->end)
        in->p++;
    char *s = tb_arena_strndup(in->a, b.p ? b.p : "", b.n);
    free(b.p);
    return s;
}

static bool blank(const csv_row *row) { return row->nfields == 1 && !row->fields[0][0]; }

int csv_parse(tb_arena *a, const char *text, size_t len, csv_row **rows, int *nrows, int *err_line)
{
    csv_in in = {a, text, text + len, 1};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) /* Excel's BOM */
        in.p += 3;
    int n = 0, cap = 64;
    csv_row *out = tb_arena_alloc(a, sizeof *out * (size_t)cap);
    while (in.p < in.end) {
        csv_row row = {.line = in.line};
        char *f[64];
        bool eol = false;
        while (!eol) {
            char *v = field(&in, &eol);
            if (!v) {
                *err_line = row.line;
                return -1;
            }
            if (row.nfields < 64)
                f[row.nfields++] = v;
        }
        in.line++;
        row.fields = tb_arena_alloc(a, sizeof(char *) * (size_t)row.nfields);
        memcpy(row.fields, f, sizeof(char *) * (size_t)row.nfields);
        if (blank(&row))
            continue;
        if (n == cap) {
            csv_row *g = tb_arena_alloc(a, sizeof *out * (size_t)cap * 2);
            memcpy(g, out, sizeof *out * (size_t)n);
            out = g;
            cap *= 2;
        }
        out[n++] = row;
    }
    *rows = out;
    *nrows = n;
    return 0;
}

void buf_put(tb_buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n;
        char *g = realloc(b->p, cap);
        if (!g)
            abort(); /* as the arena does: no half-built export */
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void buf_csv_field(tb_buf *b, const char *s, bool last)
{
    s = s ? s : "";
    /* a leading = + - @ would be a formula in a spreadsheet: prefix a quote (CSV injection) */
    bool formula = strchr("=+-@", s[0]) && s[0];
    if (strpbrk(s, ",\"\r\n") || formula) {
        buf_put(b, "\"", 1);
        if (formula)
            buf_put(b, "'", 1);
        for (const char *p = s; *p; p++) {
            buf_put(b, p, 1);
            if (*p == '"')
                buf_put(b, "\"", 1);
        }
        buf_put(b, "\"", 1);
    } else {
        buf_put(b, s, strlen(s));
    }
    buf_put(b, last ? "\r\n" : ",", last ? 2 : 1);
}

json_t *import_issue(int line, const char *field_name, tb_errcode code, const char *msg)
{
    char f[96], m[512];
    snprintf(f, sizeof f, "line%d.%s", line, field_name);
    snprintf(m, sizeof m, "第%d行 %s：%s", line, field_name, msg ? msg : tb_err_message(code));
    return json_pack("{s:s, s:s, s:s, s:i}", "field", f, "code", tb_err_name(code), "message", m, "line", line);
}

int import_body(tb_req *r, const char **data, size_t *len)
{
    const char *ct = r->content_type ? r->content_type : "";
    tb_part parts[4];
    int n = tb_multipart_parse(ct, strlen(ct), (const unsigned char *)r->body, r->body_len, parts, 4);
    for (int i = 0; i < n; i++)
        if (parts[i].name.n == 4 && !memcmp(parts[i].name.p, "file", 4)) {
            *data = (const char *)parts[i].data;
            *len = parts[i].len;
            return 0;
        }
    tb_reply_err(r, n < 0 ? TB_E_BAD_REQUEST : TB_E_FIELD_REQUIRED, "file");
    return -1;
}
