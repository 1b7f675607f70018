/* JavaScript rule checks (data-quality rules, form checks, flow conditions) evaluated by Duktape in
 * separate worker processes (`tongban rule-worker`). Debian's Duktape has no execution-timeout hook, so
 * isolation in a process that can be SIGKILLed is the only way to bound a `while(true){}`.
 *
 * Protocol on the worker's stdin/stdout: frames of a 4-byte big-endian length and JSON text.
 *   worker -> parent, once at start:  {"ready":true}
 *   parent -> worker, one per batch:   {"timeout_ms":N,"mem_limit":N,"form":{...},"checks":[{"field","expr"}...]}
 *   worker -> parent, one per check, in order, as soon as each finishes: the result object (below),
 *   with "fatal":true added when the worker is about to exit after it. */
#ifndef TB_RULES_H
#define TB_RULES_H

#include <stddef.h>
#include <jansson.h>

#define TB_RULES_MAX_EXPR 4096            /* bytes of one expression */
#define TB_RULES_MAX_BATCH (64u << 20)    /* bytes of one batch message */

/* One per server thread; owns at most one worker child; not thread-safe. The worker is started with
 * PR_SET_PDEATHSIG, so it dies with the thread that spawned it. */
typedef struct tb_rules tb_rules;

/* exe: binary to spawn as `<exe> rule-worker` (NULL = /proc/self/exe); timeout_ms per check (0 = default
 * 500); mem_limit bytes of JS heap per batch (0 = default 32 MiB). Worker is spawned lazily.
 * NULL only when out of memory. */
tb_rules *tb_rules_new(const char *exe, unsigned timeout_ms, size_t mem_limit);
void tb_rules_free(tb_rules *r);    /* kills and reaps the child */

/* Evaluate checks against a form. form: JSON object of field values. checks: array of
 * {"field":"name","expr":"JS expression"}; inside the expression `value` is form[field] (or undefined)
 * and `form` is the whole object (a fresh deep copy for every check, mutations have no effect).
 * Returns a NEW array (caller decrefs), one result per check in order: {"ok":true} |
 * {"ok":false,"message":"<string returned or empty>"} |
 * {"ok":false,"error":"timeout"|"memory"|"exception","message":"<detail>"}.
 * Truthy -> ok; false/0/null/undefined/"" -> ok:false; a string -> ok:false with that message (at most
 * 1 KiB). A malformed check (not an object, expr missing or longer than TB_RULES_MAX_EXPR) gets an
 * "exception" result without reaching the worker. Never blocks longer than about timeout_ms per check
 * (plus process start-up); a worker that overruns is SIGKILLed, reaped, and a fresh one spawned for the
 * remaining checks. Returns NULL only if no worker can be spawned (or out of memory). */
json_t *tb_rules_eval(tb_rules *r, const json_t *form, const json_t *checks);

/* Entry point of `tongban rule-worker`; returns the process exit code. */
int tb_rule_worker_main(void);

#endif
