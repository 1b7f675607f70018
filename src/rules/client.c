/* Parent side of the rule workers: spawns `<exe> rule-worker`, sends batches, collects one result per
 * check under a per-check monotonic deadline, and kills and replaces a worker that overruns. */
#include "rules/rules.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 500
#define DEFAULT_MEM_LIMIT (32u << 20)
#define HELLO_TIMEOUT_MS 3000       /* process start-up, including sanitizer builds */
#define MAX_RESULT_FRAME (1u << 20)

extern char **environ;

struct tb_rules {
    char *exe;
    unsigned timeout_ms;
    size_t mem_limit;
    pid_t pid;                      /* -1 when no worker runs */
    int to_child, from_child;
};

enum io { IO_OK, IO_TIMEOUT, IO_DEAD };

tb_rules *tb_rules_new(const char *exe, unsigned timeout_ms, size_t mem_limit)
{
    tb_rules *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->exe = strdup(exe ? exe : "/proc/self/exe");
    if (!r->exe) {
        free(r);
        return NULL;
    }
    r->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
    r->mem_limit = mem_limit ? mem_limit : DEFAULT_MEM_LIMIT;
    r->pid = -1;
    r->to_child = r->from_child = -1;
    return r;
}

/* ---- time and I/O with deadlines ---- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* waits for fd to become ready; false once the deadline has passed */
static bool wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = events};
        int rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (rc > 0)
            return true;
        if (rc < 0 && errno != EINTR)
            return false;
    }
}

static enum io read_exact(int fd, void *buf, size_t n, long long deadline)
{
    char *p = buf;
    while (n > 0) {
        ssize_t got = read(fd, p, n);
        if (got > 0) {
            p += got;
            n -= (size_t)got;
        } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
            return IO_DEAD;
        } else if (errno == EAGAIN && !wait_fd(fd, POLLIN, deadline)) {
            return IO_TIMEOUT;
        }
    }
    return IO_OK;
}

/* SIGPIPE is blocked in this thread only (the process-wide disposition belongs to the server) and a
 * SIGPIPE raised by our write is consumed before the mask is restored. */
static enum io write_exact(int fd, const void *buf, size_t n, long long deadline)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    const char *p = buf;
    enum io rc = IO_OK;
    while (n > 0 && rc == IO_OK) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            rc = wait_fd(fd, POLLOUT, deadline) ? IO_OK : IO_TIMEOUT;
        } else if (w < 0 && errno != EINTR) {
            rc = IO_DEAD;
        }
    }
    if (rc == IO_DEAD && !was_pending) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static enum io write_frame(int fd, const char *text, size_t n, long long deadline)
{
    unsigned char hdr[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                            (unsigned char)n};
    enum io rc = write_exact(fd, hdr, 4, deadline);
    return rc == IO_OK ? write_exact(fd, text, n, deadline) : rc;
}

/* one JSON object frame from the worker; *out NULL with IO_OK means a protocol violation */
static enum io read_frame(int fd, long long deadline, json_t **out)
{
    unsigned char hdr[4];
    *out = NULL;
    enum io rc = read_exact(fd, hdr, 4, deadline);
    if (rc != IO_OK)
        return rc;
    size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    if (n == 0 || n > MAX_RESULT_FRAME)
        return IO_DEAD;
    char *buf = malloc(n);
    if (!buf)
        return IO_DEAD;
    rc = read_exact(fd, buf, n, deadline);
    if (rc == IO_OK) {
        *out = json_loadb(buf, n, 0, NULL);
        if (*out && !json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
        }
    }
    free(buf);
    return rc;
}

/* ---- worker lifetime ---- */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* SIGKILL and reap; returns the wait status */
static int stop_worker(tb_rules *r)
{
    int status = 0;
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    r->pid = -1;
    close_fd(&r->to_child);
    close_fd(&r->from_child);
    return status;
}

void tb_rules_free(tb_rules *r)
{
    if (!r)
        return;
    stop_worker(r);
    free(r->exe);
    free(r);
}

static int spawn_process(tb_rules *r, int child_in, int child_out)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    char *argv[] = {r->exe, (char *)"rule-worker", NULL};
    if (posix_spawn_file_actions_init(&fa) != 0)
        return -1;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    /* the worker starts with clean signal state and only stdin, stdout and stderr, whatever else this
     * server process holds open without O_CLOEXEC */
    int rc = posix_spawn_file_actions_adddup2(&fa, child_in, STDIN_FILENO)
             || posix_spawn_file_actions_adddup2(&fa, child_out, STDOUT_FILENO)
             || posix_spawn_file_actions_addclosefrom_np(&fa, 3)
             || posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
             || posix_spawnattr_setsigmask(&attr, &none) || posix_spawnattr_setsigdefault(&attr, &all)
             || posix_spawn(&r->pid, r->exe, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        r->pid = -1;
    return rc ? -1 : 0;
}

static bool is_ready(long long deadline, int fd)
{
    json_t *hello = NULL;
    bool ok = read_frame(fd, deadline, &hello) == IO_OK && json_is_true(json_object_get(hello, "ready"));
    json_decref(hello);
    return ok;
}

static int start_worker(tb_rules *r)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    int rc = spawn_process(r, in[0], out[1]);
    close(in[0]);
    close(out[1]);
    r->to_child = in[1];
    r->from_child = out[0];
    if (rc == 0 && fcntl(r->to_child, F_SETFL, O_NONBLOCK) == 0 && fcntl(r->from_child, F_SETFL, O_NONBLOCK) == 0
        && is_ready(now_ms() + HELLO_TIMEOUT_MS, r->from_child))
        return 0;
    stop_worker(r);
    return -1;
}

/* ---- results ---- */

static json_t *error_result(const char *error, const char *message)
{
    return json_pack("{s:b,s:s,s:s}", "ok", 0, "error", error, "message", message);
}

/* A check the worker would refuse anyway is answered here without a round trip. */
static json_t *precheck(const json_t *check)
{
    const json_t *expr = json_object_get(check, "expr");
    const json_t *field = json_object_get(check, "field");
    if (!json_is_object(check) || !json_is_string(expr))
        return error_result("exception", "check needs a string \"expr\"");
    if (json_string_length(expr) > TB_RULES_MAX_EXPR)
        return error_result("exception", "expression longer than 4096 bytes");
    if (field && !json_is_string(field) && !json_is_null(field))
        return error_result("exception", "\"field\" must be a string");
    return NULL;
}

/* result for the check that was running when the worker died on its own */
static json_t *death_result(int status)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        return error_result("timeout", "rule exceeded its CPU time limit");
    return error_result("exception", "rule worker terminated unexpectedly");
}

/* ---- a batch ---- */

typedef struct {
    tb_rules *r;
    const json_t *checks;
    const char *form_json;
    size_t *pending;                /* indexes into checks still without a result */
    size_t npending;
    json_t **results;
} batch;

static char *batch_message(const batch *b, size_t from)
{
    json_t *list = json_array();
    for (size_t k = from; list && k < b->npending; k++) {
        const json_t *c = json_array_get(b->checks, b->pending[k]);
        json_t *copy = json_pack("{s:s?,s:s}", "field", json_string_value(json_object_get(c, "field")), "expr",
                                 json_string_value(json_object_get(c, "expr")));
        if (!copy || json_array_append_new(list, copy) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    char *checks_json = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    if (!checks_json)
        return NULL;
    char *msg = NULL;
    if (asprintf(&msg, "{\"timeout_ms\":%u,\"mem_limit\":%zu,\"form\":%s,\"checks\":%s}", b->r->timeout_ms,
                 b->r->mem_limit, b->form_json, checks_json) < 0)
        msg = NULL;
    free(checks_json);
    return msg;
}

/* answers every remaining check with the same error, without a worker */
static int fail_rest(batch *b, size_t *k, const char *message)
{
    for (; *k < b->npending; (*k)++) {
        json_t *res = error_result("exception", message);
        if (!res)
            return -1;
        b->results[b->pending[*k]] = res;
    }
    return 0;
}

/* Sends pending[*k..] to a running worker and collects results until all arrived or the worker had
 * to go; a check that overran or killed the worker gets its error result and *k moves past it.
 * -1 only when out of memory. */
static int run_on_worker(batch *b, size_t *k)
{
    tb_rules *r = b->r;
    char *msg = batch_message(b, *k);
    if (!msg)
        return -1;
    size_t len = strlen(msg);
    if (len > TB_RULES_MAX_BATCH) {
        free(msg);
        return fail_rest(b, k, "form and checks exceed the batch size limit");
    }
    enum io rc = write_frame(r->to_child, msg, len, now_ms() + r->timeout_ms);
    free(msg);
    while (rc == IO_OK && *k < b->npending) {
        json_t *res = NULL;
        rc = read_frame(r->from_child, now_ms() + r->timeout_ms, &res);
        if (rc == IO_OK && (!res || !json_is_boolean(json_object_get(res, "ok")))) {
            json_decref(res);
            rc = IO_DEAD;
            break;
        }
        if (rc != IO_OK)
            break;
        bool fatal = json_is_true(json_object_get(res, "fatal"));
        json_object_del(res, "fatal");
        b->results[b->pending[(*k)++]] = res;
        if (fatal) {
            stop_worker(r);
            return 0;
        }
    }
    if (rc == IO_OK)
        return 0;
    int status = stop_worker(r);
    char why[64];
    snprintf(why, sizeof why, "rule exceeded its time limit of %u ms", r->timeout_ms);
    json_t *res = rc == IO_TIMEOUT ? error_result("timeout", why) : death_result(status);
    if (!res)
        return -1;
    b->results[b->pending[(*k)++]] = res;
    return 0;
}

static json_t *collect(batch *b, size_t n)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < n; i++) {
        if (json_array_append_new(out, b->results[i]) != 0) {
            json_decref(out);
            out = NULL;
        }
        b->results[i] = NULL;
    }
    return out;
}

static int evaluate(batch *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(b->checks, i);
        b->results[i] = precheck(c);
        if (!b->results[i])
            b->pending[b->npending++] = i;
    }
    for (size_t k = 0; k < b->npending;) {
        if (b->r->pid < 0 && start_worker(b->r) != 0)
            return -1;
        if (run_on_worker(b, &k) != 0)
            return -1;
    }
    return 0;
}

json_t *tb_rules_eval(tb_rules *r, const json_t *form, const json_t *checks)
{
    size_t n = json_is_array(checks) ? json_array_size(checks) : 0;
    batch b = {.r = r, .checks = checks};
    b.form_json = json_is_object(form) ? json_dumps(form, JSON_COMPACT) : strdup("{}");
    b.pending = malloc((n ? n : 1) * sizeof *b.pending);
    b.results = calloc(n ? n : 1, sizeof *b.results);
    json_t *out = NULL;
    if (b.form_json && b.pending && b.results && evaluate(&b, n) == 0)
        out = collect(&b, n);
    for (size_t i = 0; b.results && i < n; i++)
        json_decref(b.results[i]);
    free(b.results);
    free(b.pending);
    free((char *)b.form_json);
    return out;
}
