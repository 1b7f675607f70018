/* Normalisation and tokenisation. Normalisation covers what users type in
 * practice rather than all of NFKC: full-width ASCII (from Chinese input
 * methods), the ideographic space, circled and Roman numerals, Latin case,
 * and the tone marks of pinyin; a table of our own is a few lines, where
 * ICU would be a large dependency for the same cases. Tokens keep the byte
 * range of their source so highlights can point into the original text. */
#include <stdlib.h>
#include <string.h>

#include "search/internal.h"

int utf8_decode(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    int n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            n = 0;
    if (!n) {
        *cp = 0xFFFD; /* invalid byte: skipped as a separator */
        return 1;
    }
    *cp = n == 2 ? p[0] & 0x1F : n == 3 ? p[0] & 0x0F : p[0] & 0x07;
    for (int i = 1; i < n; i++)
        *cp = (*cp << 6) | (p[i] & 0x3F);
    return n;
}

int utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int is_cjk(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

static int is_word(uint32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

/* Latin letters with the accents of pinyin (and French/German loan words)
 * folded to their base letter; ü is v, as pinyin input methods type it. */
static const struct {
    uint16_t cp;
    char to;
} fold[] = {
    {0xE0, 'a'},   {0xE1, 'a'},   {0xE2, 'a'},   {0xE4, 'a'},   {0x101, 'a'},  {0x1CE, 'a'},  {0xE8, 'e'},
    {0xE9, 'e'},   {0xEA, 'e'},   {0xEB, 'e'},   {0x113, 'e'},  {0x11B, 'e'},  {0xEC, 'i'},   {0xED, 'i'},
    {0xEE, 'i'},   {0xEF, 'i'},   {0x12B, 'i'},  {0x1D0, 'i'},  {0xF2, 'o'},   {0xF3, 'o'},   {0xF4, 'o'},
    {0xF6, 'o'},   {0x14D, 'o'},  {0x1D2, 'o'},  {0xF9, 'u'},   {0xFA, 'u'},   {0xFB, 'u'},   {0x16B, 'u'},
    {0x1D4, 'u'},  {0xFC, 'v'},   {0x1D6, 'v'},  {0x1D8, 'v'},  {0x1DA, 'v'},  {0x1DC, 'v'},  {0xE7, 'c'},
    {0xF1, 'n'},   {0x144, 'n'},  {0x148, 'n'},  {0x1F9, 'n'},  {0x1E3F, 'm'},
};

static const char *const roman[] = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"};

static int put_ascii(const char *s, uint32_t out[4])
{
    int n = 0;
    while (s[n] && n < 4) {
        out[n] = (unsigned char)s[n];
        n++;
    }
    return n;
}

static int put_number(int v, uint32_t out[4])
{
    if (v < 10) {
        out[0] = '0' + (uint32_t)v;
        return 1;
    }
    out[0] = '0' + (uint32_t)(v / 10);
    out[1] = '0' + (uint32_t)(v % 10);
    return 2;
}

/* Upper-case Latin-1 and Latin Extended-A letters to lower case, so the
 * fold table only needs the lower-case forms. */
static uint32_t lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F && !(c & 1) && c != 0x130)
        return c + 1;
    if (c >= 0x1CD && c <= 0x1DC && (c & 1))
        return c + 1;
    return c;
}

int norm_char(uint32_t c, uint32_t out[4])
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        c -= 0xFEE0; /* full-width ASCII */
    else if (c == 0x3000 || c == 0xA0 || c < 0x20 || c == 0x7F)
        c = ' ';
    if (c >= 0x2460 && c <= 0x2473)
        return put_number((int)(c - 0x2460 + 1), out); /* ① */
    if (c >= 0x2474 && c <= 0x2487)
        return put_number((int)(c - 0x2474 + 1), out); /* ⑴ */
    if (c >= 0x2488 && c <= 0x249B)
        return put_number((int)(c - 0x2488 + 1), out); /* ⒈ */
    if (c >= 0x2160 && c <= 0x216B)
        return put_ascii(roman[c - 0x2160], out);
    if (c >= 0x2170 && c <= 0x217B)
        return put_ascii(roman[c - 0x2170], out);
    c = lower(c);
    for (size_t i = 0; i < sizeof fold / sizeof *fold; i++)
        if (fold[i].cp == c)
            c = (uint32_t)fold[i].to;
    out[0] = c;
    return 1;
}

/* The tokenizer's state over one text. */
typedef struct {
    tok_fn fn;
    void *arg;
    int mode; /* 0 index: unigrams + bigrams; 1 query: bigrams, unigram of a lone character */
    uint32_t prev;
    size_t prev_start, prev_end;
    int run;
    char word[TB_TOKEN_MAX];
    int wlen;
    size_t wstart, wend;
} tokenizer;

static void emit_cjk(tokenizer *z, int kind, uint32_t a, uint32_t b, size_t start, size_t end)
{
    char buf[16];
    int n = utf8_encode(a, buf);
    if (kind == TOK_BI)
        n += utf8_encode(b, buf + n);
    buf[n] = '\0';
    tok t = {buf, kind, start, end, {a, b}};
    z->fn(&t, z->arg);
}

static void end_run(tokenizer *z)
{
    if (z->mode == 1 && z->run == 1)
        emit_cjk(z, TOK_UNI, z->prev, 0, z->prev_start, z->prev_end);
    z->run = 0;
}

static void end_word(tokenizer *z)
{
    if (z->wlen >= 2) { /* "1", "a": too common to mean anything */
        z->word[z->wlen] = '\0';
        tok t = {z->word, TOK_WORD, z->wstart, z->wend, {0, 0}};
        z->fn(&t, z->arg);
    }
    z->wlen = 0;
}

static void feed(tokenizer *z, uint32_t c, size_t start, size_t end)
{
    if (is_cjk(c)) {
        end_word(z);
        if (z->run)
            emit_cjk(z, TOK_BI, z->prev, c, z->prev_start, end);
        if (z->mode == 0)
            emit_cjk(z, TOK_UNI, c, 0, start, end);
        z->prev = c;
        z->prev_start = start;
        z->prev_end = end;
        z->run++;
        return;
    }
    end_run(z);
    if (!is_word(c)) {
        end_word(z);
        return;
    }
    if (z->wlen == 0)
        z->wstart = start;
    if (z->wlen < TB_TOKEN_MAX - 1) /* longer words are cut, as before */
        z->word[z->wlen++] = (char)c;
    z->wend = end;
}

static void tokenize(const char *text, int mode, tok_fn fn, void *arg)
{
    tokenizer z = {.fn = fn, .arg = arg, .mode = mode};
    const unsigned char *p = (const unsigned char *)text;
    size_t off = 0;
    while (p[off]) {
        uint32_t c, out[4];
        int len = utf8_decode(p + off, &c);
        int n = norm_char(c, out);
        for (int i = 0; i < n; i++)
            feed(&z, out[i], off, off + (size_t)len);
        off += (size_t)len;
    }
    end_run(&z);
    end_word(&z);
}

void tok_each(const char *text, int unigrams, tok_fn fn, void *arg) { tokenize(text, unigrams ? 0 : 1, fn, arg); }

typedef struct {
    char (*out)[TB_TOKEN_MAX];
    int n, max;
} collect;

static void collect_tok(const tok *t, void *arg)
{
    collect *c = arg;
    if (c->n >= c->max)
        return;
    strncpy(c->out[c->n], t->text, TB_TOKEN_MAX - 1);
    c->out[c->n++][TB_TOKEN_MAX - 1] = '\0';
}

int tb_search_tokens(const char *text, char (*out)[TB_TOKEN_MAX], int max, int query)
{
    collect c = {out, 0, max};
    if (text && max > 0)
        tokenize(text, query ? 1 : 0, collect_tok, &c);
    return c.n;
}

size_t tb_search_normalize(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    int space = 1; /* drops leading spaces and collapses runs */
    const unsigned char *p = (const unsigned char *)text;
    if (!cap)
        return 0;
    while (p && *p) {
        uint32_t c, cps[4];
        p += utf8_decode(p, &c);
        int k = norm_char(c, cps);
        for (int i = 0; i < k; i++) {
            if (cps[i] == 0xFFFD || (cps[i] == ' ' && space))
                continue;
            space = cps[i] == ' ';
            char buf[4];
            int len = utf8_encode(cps[i], buf);
            if (n + (size_t)len >= cap)
                goto done;
            memcpy(out + n, buf, (size_t)len);
            n += (size_t)len;
        }
    }
done:
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}

char *norm_dup(const char *in)
{
    size_t cap = strlen(in) * 2 + 8; /* ① → "1", Ⅻ → "xii": never more than twice the bytes */
    char *out = xrealloc(NULL, cap);
    tb_search_normalize(in, out, cap);
    return out;
}
