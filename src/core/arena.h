/* Per-request bump allocator. Each server thread owns one arena and resets it
 * after every request: handlers allocate freely and never free by hand.
 * Responses are copied into h2o's own pool before the reset. */
#ifndef TB_CORE_ARENA_H
#define TB_CORE_ARENA_H

#include <stddef.h>
#include <stdarg.h>

typedef struct tb_arena tb_arena;

tb_arena *tb_arena_new(size_t block_size);
void tb_arena_free(tb_arena *a);
/* Releases everything but the first block, which is kept for reuse. */
void tb_arena_reset(tb_arena *a);
/* 16-byte aligned, zeroed memory; aborts the process on out-of-memory. */
void *tb_arena_alloc(tb_arena *a, size_t n);
char *tb_arena_strdup(tb_arena *a, const char *s);
char *tb_arena_strndup(tb_arena *a, const char *s, size_t n);
char *tb_arena_printf(tb_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *tb_arena_vprintf(tb_arena *a, const char *fmt, va_list ap);
/* Bytes handed out since the last reset (for tests and metrics). */
size_t tb_arena_used(const tb_arena *a);

#endif
