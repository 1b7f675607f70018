/* The rule worker process: reads batches, evaluates each check in a fresh Duktape heap whose every
 * allocation is counted against the batch's memory limit, and writes one result frame per check as
 * soon as it is known, so that the parent can tell which check hung when it has to kill us. */
#include "core/strx.h"
#include "rules/rules.h"
#include "rules/validators.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <duktape.h>

#define MAX_MESSAGE 1024          /* bytes of a result message */
#define ALLOC_HEADER 16           /* keeps malloc's 16-byte alignment */
#define ADDRESS_SPACE (1ul << 30)

#if defined(__SANITIZE_ADDRESS__)
#define TB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TB_ASAN 1
#endif
#endif

typedef struct {
    size_t used, limit;
    bool cap_hit;
} budget;

static int g_out = -1;            /* protocol fd; stdout is pointed at stderr so stray prints cannot corrupt it */
static budget *g_budget;          /* for the fatal handler */

/* ---- frames ---- */

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int send_json(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (!text)
        return -1;
    size_t n = strlen(text);
    unsigned char hdr[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                            (unsigned char)n};
    int rc = tb_write_all(g_out, hdr, 4) == 0 && tb_write_all(g_out, text, n) == 0 ? 0 : -1;
    free(text);
    return rc;
}

/* NULL at end of input or on any error: the parent either closed the pipe or speaks nonsense */
static json_t *read_message(void)
{
    unsigned char hdr[4];
    if (read_all(STDIN_FILENO, hdr, 4) != 0)
        return NULL;
    size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    if (n == 0 || n > TB_RULES_MAX_BATCH)
        return NULL;
    char *buf = malloc(n);
    json_t *j = NULL;
    if (buf && read_all(STDIN_FILENO, buf, n) == 0)
        j = json_loadb(buf, n, JSON_ALLOW_NUL, NULL);
    free(buf);
    return j;
}

/* ---- results ---- */

static size_t put_utf8(unsigned cp, char *o)
{
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A surrogate encoded on its own in 3 bytes (CESU-8); returns it or 0. */
static unsigned surrogate_at(const unsigned char *s, size_t n)
{
    if (n < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || (s[2] & 0xC0) != 0x80)
        return 0;
    return 0xD000 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
}

/* Duktape strings hold characters beyond the BMP as CESU-8 surrogate pairs and may hold arbitrary
 * bytes; JSON needs UTF-8. Pairs are joined, anything else invalid becomes U+FFFD; at most
 * MAX_MESSAGE bytes. */
static json_t *json_text(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    char out[MAX_MESSAGE + 4];
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned cp, hi = surrogate_at(s + i, n - i), lo = hi ? surrogate_at(s + i + 3, n - i - 3) : 0;
        size_t k = tb_utf8_decode(str + i, n - i, &cp);
        if (k == 0 && hi >= 0xD800 && hi < 0xDC00 && lo >= 0xDC00) {
            cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            k = 6;
        } else if (k == 0) {
            cp = 0xFFFD;
            k = hi ? 3 : 1;   /* a lone surrogate is one character */
        } else if (cp == 0) {
            i++;              /* C strings downstream would end at it */
            continue;
        }
        char enc[4];
        size_t len = cp < 0x80 ? (enc[0] = (char)cp, 1) : put_utf8(cp, enc);
        if (o + len > MAX_MESSAGE)
            break;
        memcpy(out + o, enc, len);
        o += len;
        i += k;
    }
    return json_stringn(out, o);
}

static json_t *result_error(const char *error, const char *msg, size_t n)
{
    return json_pack("{s:b,s:s,s:o}", "ok", 0, "error", error, "message", json_text(msg, n));
}

static json_t *result_error_str(const char *error, const char *msg)
{
    return result_error(error, msg, strlen(msg));
}

/* ---- the Duktape heap with a budget ---- */

static void *budget_alloc(void *ud, duk_size_t size)
{
    budget *b = ud;
    if (size == 0)
        return NULL;
    unsigned char *p = size <= b->limit - b->used ? malloc(ALLOC_HEADER + size) : NULL;
    if (!p) {
        b->cap_hit = true;
        return NULL;
    }
    memcpy(p, &size, sizeof size);
    b->used += size;
    return p + ALLOC_HEADER;
}

static void budget_free(void *ud, void *ptr)
{
    budget *b = ud;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - ALLOC_HEADER;
    size_t old;
    memcpy(&old, p, sizeof old);
    b->used -= old;
    free(p);
}

static void *budget_realloc(void *ud, void *ptr, duk_size_t size)
{
    budget *b = ud;
    if (!ptr)
        return budget_alloc(ud, size);
    if (size == 0) {
        budget_free(ud, ptr);
        return NULL;
    }
    unsigned char *p = (unsigned char *)ptr - ALLOC_HEADER;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *q = size <= old || size - old <= b->limit - b->used ? realloc(p, ALLOC_HEADER + size) : NULL;
    if (!q) {
        b->cap_hit = true;
        return NULL;
    }
    memcpy(q, &size, sizeof size);
    b->used = b->used - old + size;
    return q + ALLOC_HEADER;
}

/* Only reached for errors outside a protected call (which we never make) or Duktape internal
 * failures: report the current check and leave, the parent respawns a worker for the rest. */
static void fatal_handler(void *udata, const char *msg)
{
    json_t *r = result_error_str(g_budget && g_budget->cap_hit ? "memory" : "exception", msg ? msg : "fatal error");
    if (r)
        json_object_set_new(r, "fatal", json_true());
    send_json(r);
    _exit(70);
}

/* nothing that prints or pokes at the engine's internals is needed by a form check */
static duk_ret_t strip_globals(duk_context *ctx, void *udata)
{
    duk_push_global_object(ctx);
    duk_del_prop_string(ctx, -1, "print");
    duk_del_prop_string(ctx, -1, "alert");
    duk_del_prop_string(ctx, -1, "Duktape");
    return 0;
}

static duk_context *new_heap(budget *b)
{
    b->used = 0;
    b->cap_hit = false;
    duk_context *ctx = duk_create_heap(budget_alloc, budget_realloc, budget_free, b, fatal_handler);
    if (ctx && duk_safe_call(ctx, strip_globals, NULL, 0, 1) != DUK_EXEC_SUCCESS) {
        duk_destroy_heap(ctx);
        return NULL;
    }
    if (ctx)
        duk_pop(ctx);
    return ctx;
}

/* ---- evaluating one check ---- */

typedef struct {
    const char *src;
    size_t src_len;
    const char *value_json;       /* NULL: value is undefined */
    const char *form_json;
} check_input;

/* runs inside duk_safe_call, so every throw (syntax, runtime, out of memory) is caught */
static duk_ret_t run_check(duk_context *ctx, void *udata)
{
    const check_input *in = udata;
    duk_eval_lstring(ctx, in->src, in->src_len);
    if (in->value_json) {
        duk_push_string(ctx, in->value_json);
        duk_json_decode(ctx, -1);
    } else {
        duk_push_undefined(ctx);
    }
    duk_push_string(ctx, in->form_json);
    duk_json_decode(ctx, -1);
    duk_call(ctx, 2);
    return 1;
}

static json_t *interpret(duk_context *ctx)
{
    if (duk_is_string(ctx, -1)) {
        duk_size_t n;
        const char *s = duk_get_lstring(ctx, -1, &n);
        return json_pack("{s:b,s:o}", "ok", 0, "message", json_text(s, n));
    }
    if (duk_to_boolean(ctx, -1))
        return json_pack("{s:b}", "ok", 1);
    return json_pack("{s:b,s:s}", "ok", 0, "message", "");
}

static char *wrap_expression(const char *expr, size_t *len)
{
    static const char head[] = "(function(value, form){ return (";
    static const char tail[] = "\n); })";   /* the newline ends a trailing // comment */
    size_t n = strlen(expr);
    char *src = malloc(sizeof head + n + sizeof tail);
    if (!src)
        return NULL;
    memcpy(src, head, sizeof head - 1);
    memcpy(src + sizeof head - 1, expr, n);
    memcpy(src + sizeof head - 1 + n, tail, sizeof tail);
    *len = sizeof head - 1 + n + sizeof tail - 1;
    return src;
}

static json_t *eval_check(duk_context *ctx, budget *b, const json_t *form, const char *form_json,
                          const json_t *check)
{
    const char *expr = json_string_value(json_object_get(check, "expr"));
    const char *field = json_string_value(json_object_get(check, "field"));
    if (!expr || strlen(expr) > TB_RULES_MAX_EXPR)
        return result_error_str("exception", "missing or too long expression");
    json_t *value = field ? json_object_get(form, field) : NULL;
    check_input in = {.form_json = form_json};
    char *value_json = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *src = wrap_expression(expr, &in.src_len);
    json_t *res;
    if (!src || (value && !value_json)) {
        res = result_error_str("memory", "worker out of memory");
    } else {
        in.src = src;
        in.value_json = value_json;
        b->cap_hit = false;
        if (duk_safe_call(ctx, run_check, &in, 0, 1) == DUK_EXEC_SUCCESS) {
            res = interpret(ctx);
        } else {
            const char *msg = duk_safe_to_string(ctx, -1);
            res = b->cap_hit ? result_error_str("memory", "rule exceeded its memory limit")
                             : result_error_str("exception", msg);
        }
        duk_pop(ctx);
    }
    free(src);
    free(value_json);
    return res;
}

/* CPU-time backstop for a check: a few seconds beyond the parent's own timeout. RLIMIT_CPU counts the
 * whole life of the process, so it is moved forward before every check. */
static void cpu_backstop(unsigned timeout_ms)
{
    struct rusage ru;
    struct rlimit rl;
    if (getrusage(RUSAGE_SELF, &ru) != 0 || getrlimit(RLIMIT_CPU, &rl) != 0)
        return;
    rlim_t soft = (rlim_t)ru.ru_utime.tv_sec + (rlim_t)ru.ru_stime.tv_sec + 3 + timeout_ms / 500;
    if (rl.rlim_max != RLIM_INFINITY && soft > rl.rlim_max)
        soft = rl.rlim_max;
    rl.rlim_cur = soft;
    setrlimit(RLIMIT_CPU, &rl);
}

static bool is_memory_error(const json_t *res)
{
    const char *e = json_string_value(json_object_get(res, "error"));
    return e && strcmp(e, "memory") == 0;
}

static int run_batch(const json_t *msg)
{
    const json_t *form = json_object_get(msg, "form");
    const json_t *checks = json_object_get(msg, "checks");
    unsigned timeout_ms = (unsigned)json_integer_value(json_object_get(msg, "timeout_ms"));
    budget b = {.limit = (size_t)json_integer_value(json_object_get(msg, "mem_limit"))};
    char *form_json = form ? json_dumps(form, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("{}");
    duk_context *ctx = NULL;
    int rc = 0;
    g_budget = &b;
    for (size_t i = 0; i < json_array_size(checks) && rc == 0; i++) {
        cpu_backstop(timeout_ms);
        if (!ctx && form_json)
            ctx = new_heap(&b);
        json_t *res = ctx ? eval_check(ctx, &b, form, form_json, json_array_get(checks, i))
                          : result_error_str("memory", "cannot create a JavaScript heap within the memory limit");
        rc = send_json(res);
        /* a heap that ran into its cap may be left fragmented or half-built: start the next check clean */
        if (ctx && is_memory_error(res)) {
            duk_destroy_heap(ctx);
            ctx = NULL;
        }
        json_decref(res);
    }
    if (ctx)
        duk_destroy_heap(ctx);
    g_budget = NULL;
    free(form_json);
    return rc;
}

/* ---- process set-up ---- */

static void harden(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);   /* a core file would hold citizens' form data */
#if !defined(TB_ASAN)
    /* AddressSanitizer reserves terabytes of shadow address space, so this backstop only exists in
     * normal builds; the per-allocation budget is what enforces the limit in both. */
    struct rlimit as = {ADDRESS_SPACE, ADDRESS_SPACE};
    setrlimit(RLIMIT_AS, &as);
#endif
}

int tb_rule_worker_main(void)
{
    g_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (g_out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return 1;
    signal(SIGPIPE, SIG_DFL);
    harden();
    json_t *hello = json_pack("{s:b}", "ready", 1);
    int rc = send_json(hello);
    json_decref(hello);
    json_t *msg;
    while (rc == 0 && (msg = read_message()) != NULL) {
        rc = run_batch(msg);
        json_decref(msg);
    }
    return rc == 0 ? 0 : 1;
}
