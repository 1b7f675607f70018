/* XLSX reader for checked imports: the first worksheet of an uploaded
 * workbook becomes the same rows csv_parse produces, so both formats share
 * one validation and one transaction. The upload is untrusted: the ZIP is
 * read through its central directory with every offset and length checked,
 * entries are stored or raw deflate, and the total inflated size is capped
 * while inflating (a zip bomb stops at the cap, not at the end). The XML is
 * read by a small strict scanner that knows only what a sheet needs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/err.h"
#include "mod/org/org_internal.h"

#define XLSX_MAX_BYTES (20u << 20) /* all inflated entries together */
#define XLSX_MAX_ROWS 10000
#define XLSX_MAX_COLS 50
#define ZIP_MAX_ENTRIES 4096

static const char TOO_BIG[] = "工作簿解压后超过20MB";
static const char BROKEN[] = "XLSX 文件已损坏或格式不受支持";

/* ---- ZIP ---- */
typedef struct {
    const unsigned char *p;
    size_t len;
    size_t cd, cd_len; /* central directory */
    unsigned entries;
    size_t budget; /* inflated bytes still allowed */
    tb_error *e;
} zip;

static uint32_t rd(const unsigned char *p, int bytes)
{
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The end-of-central-directory record: the last signature within the comment's reach. */
static int zip_open(zip *z)
{
    if (z->len < 22)
        return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
    size_t lo = z->len > 22 + 0xFFFF ? z->len - 22 - 0xFFFF : 0;
    for (size_t i = z->len - 22 + 1; i-- > lo;) {
        const unsigned char *q = z->p + i;
        if (rd(q, 4) != 0x06054b50)
            continue;
        if (i >= 20 && rd(q - 20, 4) == 0x07064b50)
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不支持 ZIP64 格式的文件");
        if (rd(q + 4, 2) != 0 || rd(q + 6, 2) != 0 || rd(q + 8, 2) != rd(q + 10, 2))
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不支持分卷压缩的文件");
        z->entries = rd(q + 10, 2);
        z->cd_len = rd(q + 12, 4);
        z->cd = rd(q + 16, 4);
        if (z->entries == 0xFFFF || z->cd == 0xFFFFFFFFu || z->cd_len == 0xFFFFFFFFu)
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不支持 ZIP64 格式的文件");
        if (z->cd > i || z->cd_len > i - z->cd || z->entries > ZIP_MAX_ENTRIES)
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
        return 0;
    }
    return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
}

typedef struct {
    unsigned method, flags;
    uint32_t crc, csize, usize, offset;
} zip_entry;

/* Central directory entry called name; 1 found, 0 absent, -1 broken or unsupported. */
static int zip_find(zip *z, const char *name, zip_entry *out)
{
    size_t off = z->cd, end = z->cd + z->cd_len, nlen = strlen(name);
    for (unsigned i = 0; i < z->entries; i++) {
        if (end - off < 46 || rd(z->p + off, 4) != 0x02014b50)
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
        const unsigned char *h = z->p + off;
        size_t n = rd(h + 28, 2), skip = 46 + n + rd(h + 30, 2) + rd(h + 32, 2);
        if (end - off < skip)
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
        if (n == nlen && !memcmp(h + 46, name, n)) {
            *out = (zip_entry){rd(h + 10, 2), rd(h + 8, 2), rd(h + 16, 4), rd(h + 20, 4), rd(h + 24, 4), rd(h + 42, 4)};
            if (out->flags & 0x41) /* traditional or strong encryption */
                return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不支持加密的工作簿");
            if (out->csize == 0xFFFFFFFFu || out->usize == 0xFFFFFFFFu || out->offset == 0xFFFFFFFFu)
                return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不支持 ZIP64 格式的文件");
            if (out->method != 0 && out->method != 8)
                return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不支持的压缩方式（仅支持存储和 deflate）");
            return 1;
        }
        off += skip;
    }
    return 0;
}

/* Raw deflate into out, stopping as soon as the output passes the remaining budget. */
static int inflate_to(zip *z, const unsigned char *src, size_t n, tb_buf *out)
{
    z_stream s = {0};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
        return tb_fail(z->e, TB_E_INTERNAL, NULL);
    s.next_in = (unsigned char *)(uintptr_t)src; /* zlib's API is not const, it does not write */
    s.avail_in = (uInt)n;
    int rc = Z_OK;
    bool over = false;
    char chunk[16384];
    while (rc == Z_OK && !over) {
        s.next_out = (unsigned char *)chunk;
        s.avail_out = sizeof chunk;
        rc = inflate(&s, Z_NO_FLUSH);
        size_t got = sizeof chunk - s.avail_out;
        over = got > z->budget;
        if (!over) {
            z->budget -= got;
            buf_put(out, chunk, got);
        }
        if (rc == Z_OK && s.avail_in == 0 && got == 0) /* input used up before the end of the stream */
            break;
    }
    inflateEnd(&s);
    if (over)
        return tb_fail_msg(z->e, TB_E_UPLOAD_TOO_LARGE, "file", TOO_BIG);
    return rc == Z_STREAM_END ? 0 : tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
}

/* The content of a found entry (malloc'd, NUL-terminated, in out). */
static int zip_read(zip *z, const zip_entry *en, tb_buf *out)
{
    size_t off = en->offset;
    if (off > z->len || z->len - off < 30 || rd(z->p + off, 4) != 0x04034b50)
        return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
    size_t data = off + 30 + rd(z->p + off + 26, 2) + rd(z->p + off + 28, 2);
    if (data > z->len || z->len - data < en->csize)
        return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
    /* the declared size refuses an honest big file early; a lying one is stopped while inflating */
    if (en->usize > z->budget)
        return tb_fail_msg(z->e, TB_E_UPLOAD_TOO_LARGE, "file", TOO_BIG);
    buf_put(out, "", 0);
    if (en->method == 0) {
        if (en->csize != en->usize)
            return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
        z->budget -= en->csize;
        buf_put(out, (const char *)z->p + data, en->csize);
    } else if (inflate_to(z, z->p + data, en->csize, out) != 0) {
        return -1;
    }
    if (out->n != en->usize || crc32(0L, (const Bytef *)out->p, (uInt)out->n) != en->crc)
        return tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", BROKEN);
    return 0;
}

/* Reads a named entry; a missing one is an error only when required. */
static int zip_get(zip *z, const char *name, bool required, tb_buf *out)
{
    zip_entry en = {0};
    int found = zip_find(z, name, &en);
    if (found < 0)
        return -1;
    if (!found)
        return required ? tb_fail_msg(z->e, TB_E_INVALID_FIELD, "file", "不是 XLSX 工作簿（缺少工作簿或工作表）") : 0;
    return zip_read(z, &en, out);
}

/* ---- XML ---- */
typedef struct {
    const char *p, *end;
} xml;

typedef struct {
    const char *name; /* local name (after any prefix) */
    size_t name_n;
    const char *attrs, *attrs_end;
    bool close, empty; /* </x>, <x/> */
} xml_tag;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Skips the construct at '<' that is not an element; false when it does not end. */
static bool skip_special(xml *x)
{
    bool comment = x->end - x->p >= 4 && !memcmp(x->p, "<!--", 4);
    const char *stop = x->p[1] == '?' ? "?>" : comment ? "-->" : NULL;
    if (!stop) /* DOCTYPE, CDATA: never written by spreadsheet programs, so refused */
        return false;
    size_t sn = strlen(stop);
    for (const char *q = x->p + 2; (size_t)(x->end - q) >= sn; q++)
        if (!memcmp(q, stop, sn)) {
            x->p = q + sn;
            return true;
        }
    return false;
}

/* The next tag after the current position; text before it is skipped. 1 tag, 0 end, -1 malformed. */
static int next_tag(xml *x, xml_tag *t)
{
    for (;;) {
        const char *lt = memchr(x->p, '<', (size_t)(x->end - x->p));
        if (!lt)
            return 0;
        x->p = lt;
        if (x->end - lt < 2)
            return -1;
        if (lt[1] == '?' || lt[1] == '!') {
            if (!skip_special(x))
                return -1;
            continue;
        }
        const char *gt = lt + 1;
        char quote = 0;
        for (; gt < x->end && (quote || *gt != '>'); gt++)
            if (*gt == '"' || *gt == '\'')
                quote = quote == *gt ? 0 : quote ? quote : *gt;
        if (gt >= x->end)
            return -1;
        t->close = lt[1] == '/';
        t->empty = gt[-1] == '/' && !t->close;
        const char *n = lt + 1 + t->close, *ne = n;
        while (ne < gt && !is_space(*ne) && *ne != '/')
            ne++;
        const char *colon = memchr(n, ':', (size_t)(ne - n));
        t->name = colon ? colon + 1 : n;
        t->name_n = (size_t)(ne - t->name);
        t->attrs = ne;
        t->attrs_end = gt - t->empty;
        x->p = gt + 1;
        return t->name_n ? 1 : -1;
    }
}

static bool tag_is(const xml_tag *t, const char *name)
{
    return t->name_n == strlen(name) && !memcmp(t->name, name, t->name_n);
}

/* The raw (undecoded) value of attribute name (local name), or false. */
static bool attr(const xml_tag *t, const char *name, const char **v, size_t *vn)
{
    const char *p = t->attrs;
    size_t want = strlen(name);
    while (p < t->attrs_end) {
        while (p < t->attrs_end && is_space(*p))
            p++;
        const char *n = p;
        while (p < t->attrs_end && *p != '=' && !is_space(*p))
            p++;
        const char *ne = p, *colon = memchr(n, ':', (size_t)(ne - n));
        const char *local = colon ? colon + 1 : n;
        while (p < t->attrs_end && (is_space(*p) || *p == '='))
            p++;
        if (p >= t->attrs_end || (*p != '"' && *p != '\''))
            return false;
        const char *q = memchr(p + 1, *p, (size_t)(t->attrs_end - p - 1));
        if (!q)
            return false;
        if ((size_t)(ne - local) == want && !memcmp(local, name, want)) {
            *v = p + 1;
            *vn = (size_t)(q - p - 1);
            return true;
        }
        p = q + 1;
    }
    return false;
}

static void put_utf8(tb_buf *b, uint32_t c)
{
    char o[4];
    size_t n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--, c >>= 6)
        o[i] = (char)(0x80 | (c & 0x3F));
    o[0] = (char)(lead[n] | c);
    buf_put(b, o, n);
}

static int digit(char c, bool hex)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (hex && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One entity at p (after '&'); advances p past ';'. */
static bool entity(const char **p, const char *end, tb_buf *b)
{
    static const struct { const char *name; char c; } named[] = {
        {"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - *p) >= n && !memcmp(*p, named[i].name, n)) {
            buf_put(b, &named[i].c, 1);
            *p += n;
            return true;
        }
    }
    if (*p >= end || **p != '#')
        return false;
    bool hex = end - *p > 1 && (*p)[1] == 'x';
    const char *q = *p + 1 + hex;
    uint32_t c = 0;
    int digits = 0;
    for (; q < end && *q != ';' && digits < 8; q++, digits++) {
        int d = digit(*q, hex);
        if (d < 0)
            return false;
        c = c * (hex ? 16 : 10) + (uint32_t)d;
    }
    bool xml_char = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF));
    if (q >= end || *q != ';' || !digits || !xml_char)
        return false;
    put_utf8(b, c);
    *p = q + 1;
    return true;
}

/* Text content up to the next '<', entities decoded, appended to b. */
static bool text(xml *x, tb_buf *b)
{
    const char *lt = memchr(x->p, '<', (size_t)(x->end - x->p));
    const char *end = lt ? lt : x->end;
    while (x->p < end) {
        const char *amp = memchr(x->p, '&', (size_t)(end - x->p));
        const char *stop = amp ? amp : end;
        buf_put(b, x->p, (size_t)(stop - x->p));
        x->p = stop;
        if (amp) {
            x->p++;
            if (!entity(&x->p, end, b))
                return false;
        }
    }
    return true;
}

/* Concatenated <t> texts inside the element just opened (until </until>), skipping the
 * phonetic runs <rPh> whose text is a reading aid, not the value. */
static bool rich_text(xml *x, const char *until, tb_buf *b)
{
    xml_tag t;
    int in_phonetic = 0;
    while (next_tag(x, &t) == 1) {
        if (t.close && tag_is(&t, until))
            return true;
        if (tag_is(&t, "rPh") && !t.empty)
            in_phonetic = !t.close;
        else if (tag_is(&t, "t") && !t.close && !t.empty && !in_phonetic && !text(x, b))
            return false;
    }
    return false;
}

/* ---- workbook ---- */
typedef struct {
    tb_arena *a;
    const char **strings;
    int nstrings, cap;
} sst;

static void sst_add(sst *s, const char *v, size_t n)
{
    if (s->nstrings == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        const char **g = tb_arena_alloc(s->a, sizeof *g * (size_t)s->cap);
        if (s->nstrings)
            memcpy(g, s->strings, sizeof *g * (size_t)s->nstrings);
        s->strings = g;
    }
    s->strings[s->nstrings++] = tb_arena_strndup(s->a, v, n);
}

static bool shared_strings(tb_buf *data, sst *s)
{
    xml x = {data->p, data->p + data->n};
    xml_tag t;
    int rc;
    while ((rc = next_tag(&x, &t)) == 1) {
        if (!tag_is(&t, "si") || t.close)
            continue;
        if (s->nstrings >= XLSX_MAX_ROWS * XLSX_MAX_COLS) /* more than a full sheet could use */
            return false;
        tb_buf b = {0};
        bool ok = t.empty || rich_text(&x, "si", &b);
        if (ok)
            sst_add(s, b.p ? b.p : "", b.n);
        free(b.p);
        if (!ok)
            return false;
    }
    return rc == 0;
}

/* Path of the first sheet: workbook.xml's first <sheet r:id> resolved through the relationships;
 * the conventional sheet1.xml when either part does not say. */
static const char *first_sheet(tb_arena *a, tb_buf *wb, tb_buf *rels)
{
    xml x = {wb->p, wb->p + wb->n};
    xml_tag t;
    const char *id = NULL, *v;
    size_t idn = 0, vn;
    while (next_tag(&x, &t) == 1)
        if (tag_is(&t, "sheet") && !t.close) {
            if (attr(&t, "id", &v, &vn))
                id = v, idn = vn;
            break;
        }
    xml y = {rels->p, rels->p ? rels->p + rels->n : NULL};
    while (id && rels->p && next_tag(&y, &t) == 1) {
        const char *rid;
        size_t ridn;
        if (!tag_is(&t, "Relationship") || !attr(&t, "Id", &rid, &ridn) || ridn != idn || memcmp(rid, id, idn) ||
            !attr(&t, "Target", &v, &vn) || !vn)
            continue;
        return v[0] == '/' ? tb_arena_strndup(a, v + 1, vn - 1) : tb_arena_printf(a, "xl/%.*s", (int)vn, v);
    }
    return "xl/worksheets/sheet1.xml";
}

/* ---- sheet ---- */
typedef struct {
    tb_arena *a;
    const sst *strings;
    csv_row *rows;
    int nrows, width;
    char *empty; /* the value of an absent cell */
    tb_error *e;
} sheet;

/* Column of a cell reference like "AB12" (1-based), 0 when absent or malformed. */
static int ref_column(const char *v, size_t n)
{
    int col = 0;
    size_t i = 0;
    for (; i < n && v[i] >= 'A' && v[i] <= 'Z' && col <= XLSX_MAX_COLS; i++)
        col = col * 26 + (v[i] - 'A' + 1);
    return i > 0 && i < n ? col : 0;
}

static int attr_int(const xml_tag *t, const char *name, int dflt)
{
    const char *v;
    size_t n;
    if (!attr(t, name, &v, &n))
        return dflt;
    long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        if (x > XLSX_MAX_ROWS) /* reported as too many rows, not as a bad number */
            return XLSX_MAX_ROWS + 1;
        x = x * 10 + (v[i] - '0');
    }
    return n ? (int)x : -1;
}

/* The value of the cell just opened: <v> (a shared-string index when t="s") or an inline <is>. */
static bool cell_value(xml *x, const xml_tag *c, const sst *s, tb_buf *b)
{
    const char *ty = "n", *v;
    size_t tn = 1;
    attr(c, "t", &ty, &tn);
    bool shared = tn == 1 && ty[0] == 's';
    xml_tag t;
    bool closed = false;
    while (!closed && next_tag(x, &t) == 1) {
        closed = t.close && tag_is(&t, "c");
        if (tag_is(&t, "is") && !t.close && !t.empty && !rich_text(x, "is", b))
            return false;
        if (tag_is(&t, "v") && !t.close && !t.empty && !text(x, b))
            return false;
    }
    if (!closed)
        return false;
    if (!shared)
        return true;
    char *end;
    long i = b->n ? strtol(b->p, &end, 10) : -1;
    if (i < 0 || i >= s->nstrings || *end)
        return false;
    v = s->strings[i];
    b->n = 0;
    buf_put(b, v, strlen(v));
    return true;
}

static int fail_at(sheet *sh, int line, const char *what)
{
    return tb_fail_msg(sh->e, TB_E_INVALID_FIELD, "file", tb_arena_printf(sh->a, "第%d行：%s", line, what));
}

/* One <row>: its cells in column order into row->fields (length = the last non-empty column). */
static int read_row(sheet *sh, xml *x, const xml_tag *rt, csv_row *row)
{
    char *cells[XLSX_MAX_COLS + 1] = {0};
    int col = 0, last = 0;
    bool closed = rt->empty;
    xml_tag t;
    while (!closed && next_tag(x, &t) == 1) {
        closed = t.close && tag_is(&t, "row");
        if (!tag_is(&t, "c") || t.close)
            continue;
        const char *ref;
        size_t refn;
        int c = attr(&t, "r", &ref, &refn) ? ref_column(ref, refn) : col + 1;
        if (c <= col)
            return fail_at(sh, row->line, "单元格引用无效或顺序错误");
        if (c > XLSX_MAX_COLS)
            return fail_at(sh, row->line, "超过50列");
        col = c;
        tb_buf b = {0};
        bool ok = t.empty || cell_value(x, &t, sh->strings, &b);
        cells[c] = tb_arena_strndup(sh->a, b.p ? b.p : "", b.n);
        free(b.p);
        if (!ok)
            return fail_at(sh, row->line, "单元格内容无法读取");
        if (cells[c][0])
            last = c;
    }
    if (!closed)
        return tb_fail_msg(sh->e, TB_E_INVALID_FIELD, "file", BROKEN);
    row->nfields = last;
    row->fields = tb_arena_alloc(sh->a, sizeof(char *) * (size_t)(last ? last : 1));
    for (int i = 1; i <= last; i++)
        row->fields[i - 1] = cells[i] ? cells[i] : sh->empty;
    return 0;
}

static void add_row(sheet *sh, const csv_row *row, int *cap)
{
    if (!row->nfields) /* blank rows are skipped, as in CSV */
        return;
    if (sh->nrows == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        csv_row *g = tb_arena_alloc(sh->a, sizeof *g * (size_t)*cap);
        if (sh->nrows)
            memcpy(g, sh->rows, sizeof *g * (size_t)sh->nrows);
        sh->rows = g;
    }
    sh->rows[sh->nrows++] = *row;
    sh->width = row->nfields > sh->width ? row->nfields : sh->width;
}

static int read_sheet(sheet *sh, tb_buf *data)
{
    xml x = {data->p, data->p + data->n};
    xml_tag t;
    int line = 0, cap = 0;
    while (next_tag(&x, &t) == 1) {
        if (tag_is(&t, "sheetData") && (t.close || t.empty)) /* <sheetData/>: an empty sheet */
            return 0;
        if (!tag_is(&t, "row") || t.close)
            continue;
        int r = attr_int(&t, "r", line + 1);
        if (r > XLSX_MAX_ROWS)
            return fail_at(sh, line + 1, "超过10000行");
        if (r <= line)
            return fail_at(sh, line + 1, "行号无效或顺序错误");
        csv_row row = {.line = r};
        line = r;
        if (read_row(sh, &x, &t, &row) != 0)
            return -1;
        add_row(sh, &row, &cap);
    }
    /* a sheet always ends its data with </sheetData>: anything else is cut short or malformed */
    return tb_fail_msg(sh->e, TB_E_INVALID_FIELD, "file", BROKEN);
}

/* Spreadsheets leave out trailing empty cells, so every row is as wide as the widest. */
static void pad_rows(sheet *sh)
{
    for (int i = 0; i < sh->nrows; i++) {
        csv_row *row = &sh->rows[i];
        if (row->nfields == sh->width)
            continue;
        char **f = tb_arena_alloc(sh->a, sizeof *f * (size_t)sh->width);
        memcpy(f, row->fields, sizeof *f * (size_t)row->nfields);
        for (int k = row->nfields; k < sh->width; k++)
            f[k] = sh->empty;
        row->fields = f;
        row->nfields = sh->width;
    }
}

bool xlsx_sniff(const char *data, size_t len) { return len >= 4 && !memcmp(data, "PK\x03\x04", 4); }

int xlsx_parse(tb_arena *a, const char *data, size_t len, csv_row **rows, int *nrows, tb_error *e)
{
    zip z = {(const unsigned char *)data, len, 0, 0, 0, XLSX_MAX_BYTES, e};
    tb_buf wb = {0}, rels = {0}, ss = {0}, ws = {0};
    sst strings = {a, NULL, 0, 0};
    sheet sh = {a, &strings, NULL, 0, 0, tb_arena_strdup(a, ""), e};
    int rc = -1;
    if (zip_open(&z) != 0 || zip_get(&z, "xl/workbook.xml", true, &wb) != 0 ||
        zip_get(&z, "xl/_rels/workbook.xml.rels", false, &rels) != 0 ||
        zip_get(&z, "xl/sharedStrings.xml", false, &ss) != 0)
        goto out;
    if (ss.p && !shared_strings(&ss, &strings)) {
        tb_fail_msg(e, TB_E_INVALID_FIELD, "file", BROKEN);
        goto out;
    }
    if (zip_get(&z, first_sheet(a, &wb, &rels), true, &ws) != 0 || read_sheet(&sh, &ws) != 0)
        goto out;
    pad_rows(&sh);
    *rows = sh.rows;
    *nrows = sh.nrows;
    rc = 0;
out:
    free(wb.p);
    free(rels.p);
    free(ss.p);
    free(ws.p);
    return rc;
}

int import_rows(tb_req *r, const char *data, size_t len, csv_row **rows, int *n, const char **format)
{
    int bad;
    *format = xlsx_sniff(data, len) ? "xlsx" : "csv";
    if (**format == 'x') {
        tb_error e = {0};
        if (xlsx_parse(r->arena, data, len, rows, n, &e) == 0)
            return 0;
        tb_reply_error(r, &e);
        return -1;
    }
    if (csv_parse(r->arena, data, len, rows, n, &bad) == 0)
        return 0;
    reply_import(r, json_pack("[o]", import_issue(bad, "file", TB_E_BAD_REQUEST, "引号未闭合")), 0);
    return -1;
}
