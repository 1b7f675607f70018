#include "core/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} block;

struct tb_arena {
    block *head;        /* current block, chain via next to older ones */
    size_t block_size;
    size_t total;
};

static block *block_new(size_t size)
{
    block *b = malloc(sizeof(block) + size);
    if (!b) {
        fputs("tongban: out of memory\n", stderr);
        abort();
    }
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

tb_arena *tb_arena_new(size_t block_size)
{
    tb_arena *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->block_size = block_size ? block_size : 64 * 1024;
    a->head = block_new(a->block_size);
    return a;
}

void tb_arena_free(tb_arena *a)
{
    if (!a)
        return;
    for (block *b = a->head, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(a);
}

void tb_arena_reset(tb_arena *a)
{
    block *b = a->head;
    while (b->next) {           /* keep the oldest (first) block */
        block *n = b->next;
        free(b);
        b = n;
    }
    b->used = 0;
    a->head = b;
    a->total = 0;
}

void *tb_arena_alloc(tb_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        abort();
    block *b = a->head;
    if (b->size - b->used < need) {
        size_t sz = need > a->block_size ? need : a->block_size;
        block *nb = block_new(sz);
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *tb_arena_strndup(tb_arena *a, const char *s, size_t n)
{
    char *p = tb_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *tb_arena_strdup(tb_arena *a, const char *s)
{
    return s ? tb_arena_strndup(a, s, strlen(s)) : NULL;
}

char *tb_arena_vprintf(tb_arena *a, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return tb_arena_strdup(a, "");
    char *p = tb_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *tb_arena_printf(tb_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = tb_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t tb_arena_used(const tb_arena *a) { return a->total; }
