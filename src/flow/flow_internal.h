/* Internals of the workflow engine, shared by the files of src/flow only. */
#ifndef TB_FLOW_INTERNAL_H
#define TB_FLOW_INTERNAL_H

#include <stdio.h>

#include "flow/flow.h"

typedef enum { N_START, N_END, N_USER, N_EXCL, N_PAR, N_INCL, N_SUB, N_AUTO } ntype;

typedef struct {
    const char *id, *name; /* borrowed from the definition's JSON */
    ntype type;
    json_t *j;
    int *out, nout; /* flow indexes */
    int *in, nin;
    int dflt;       /* gateway default flow, -1 none */
    int fail;       /* auto_task on_fail flow, -1 none */
} fnode;

typedef struct {
    const char *id, *cond;
    int from, to;
} fflow;

/* A parsed definition; immutable once built (published versions never change), so cached per ctx. */
typedef struct flow_def {
    int64_t id;
    int version;
    const char *key, *name;
    json_t *root;
    fnode *nodes;
    int nn;
    fflow *flows;
    int nf;
    int start;
    unsigned char *upstream; /* nn*nn: upstream[j*nn+t] = t can reach j without passing j */
} flow_def;

struct flow_ctx {
    flow_env env;
    flow_def **defs; /* cache of parsed deployed definitions */
    int ndefs, capdefs;
};

/* def.c */
/* Parses the JSON into a definition; structural errors go to problems (array). NULL on failure. */
flow_def *def_parse(json_t *root, json_t *problems);
void def_free(flow_def *d);
int def_node(const flow_def *d, const char *id);
int def_validate(tb_db *db, flow_ctx *ctx, flow_def *d, json_t *problems);
/* The parsed definition of a stored id, cached in ctx. NULL with e set. */
const flow_def *def_load(tb_db *db, flow_ctx *ctx, int64_t def_id, flow_error *e);
void problem(json_t *problems, const char *node, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool multi_condition_ok(const json_t *complete, int total, int completed);

/* util */
int flow_fail(flow_error *e, flow_err code, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int64_t flow_now(const flow_ctx *ctx);
/* Runs fn in a transaction of its own, or inside the caller's open one. */
int flow_tx(tb_db *db, int (*fn)(tb_db *, void *), void *arg, flow_error *e);
flow_hook_fn hook_find(const char *name, void **arg);
int emit(flow_ctx *ctx, tb_db *db, const flow_event *ev, flow_error *e);
/* Evaluates JS expressions over vars: out[i] = 1 truthy / 0 falsy or threw. FLOW_E_RULE if none can
 * be evaluated. */
int eval_conditions(flow_ctx *ctx, const json_t *vars, const char *const *exprs, int n, int *out,
                    flow_error *e);

/* assign.c */
typedef struct {
    int64_t assignee;
    char **keys; /* candidate keys, malloc'd */
    int nkeys;
} assignment;
void assignment_free(assignment *as);
typedef struct exec exec;
int assign_resolve(exec *x, const fnode *n, const json_t *spec, assignment *out);
/* Multi-instance users: malloc'd array (caller frees) */
int multi_users(exec *x, const fnode *n, int64_t **users, int *count);
/* The actor's candidate keys as one delimited string (malloc'd, NULL when out of memory). */
char *actor_keystr(const flow_actor *a);
/* SQL: the bound key string contains candidate c's key. LIKE wildcards in the key are escaped, so the
 * match is exact; PostgreSQL statements take at most 32 parameters, which rules out an IN list. */
#define CAND_MATCH                                                                                       \
    "(? LIKE '%|' || REPLACE(REPLACE(REPLACE(c.ckey, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '|%' " \
    "ESCAPE '\\')"


/* The state of one instance during a transition. */
typedef struct {
    int64_t id;
    int node;
    char state; /* 'a' active, 'w' waiting, 'f' failed */
} tok;

typedef struct {
    int node, via;
} pending;

struct exec {
    flow_ctx *ctx;
    tb_db *db;
    flow_error *e;
    const flow_def *def;
    exec *parent_exec; /* the parent's transition in progress, when started from it */
    int64_t id, version, initiator, initiator_dept, parent_id, parent_token, last_task, suspended_at;
    char status[16];
    char *bkey, *region, *incident, *def_key;
    json_t *vars;
    tok *toks;
    int ntok, captok;
    pending *q; /* FIFO of arrivals: q[qh..nq) */
    int qh, nq, capq;
    int64_t cause;  /* completed task driving this transition, 0 none */
    int64_t actor;
    int steps, depth;
    int64_t now, ended_at;
    bool ended;
};

/* engine.c */
int exec_lock(exec *x, int64_t instance);
void exec_release(exec *x);
int exec_save(exec *x);
int exec_route(exec *x, int node, int via);
int exec_follow(exec *x, int flow);
int exec_settle(exec *x);
int task_create(exec *x, int node, int64_t token, int mi_index, int64_t assignee, char **keys, int nkeys,
                bool claimed);
int token_add(exec *x, int node, int via, char state, const char *mi_users, int64_t *id);
int token_remove(exec *x, int64_t id, const char *state);
int cancel_children(exec *x, const char *why);
int exec_retry_failed(exec *x);

/* store.c: every SQL statement of the engine */
int st_lock_instance(exec *x, int64_t instance, int64_t *def_id);
int st_save_instance(exec *x);
int st_insert_instance(exec *x, int64_t def_id);
int st_tokens_live(exec *x);
int st_token_insert(exec *x, int node, int via, char state, const char *mi_users, int64_t *id);
int st_token_set(exec *x, int64_t id, const char *from1, const char *from2, const char *to, int64_t by);
char *st_token_mi_users(exec *x, int64_t token);
int st_task_insert(exec *x, int64_t token, int mi_index, const fnode *n, int64_t assignee, int64_t due_at,
                   bool claimed, int64_t *id);
int st_candidate_add(tb_db *db, int64_t task, const char *key, int escalated);
int st_history(exec *x, int64_t task, const char *node, const char *action, const char *target,
               const char *decision, const char *comment, const char *vars_before);
int st_path(exec *x, const char *kind, const char *ref);

typedef struct {
    int64_t id, instance_id, token_id, assignee, owner, claimed_at, due_at, cause_task;
    int mi_index, overdue;
    char node_id[64], state[16];
} task_row;
int st_task_get(tb_db *db, int64_t task, task_row *t);
int64_t st_task_instance(tb_db *db, int64_t task);
int st_is_candidate(tb_db *db, int64_t task, const flow_actor *a, bool *escalated_only);
int st_task_finish(exec *x, int64_t task, const char *state, int64_t assignee, const char *decision,
                   const char *comment);
int st_task_set_assignee(exec *x, int64_t task, int64_t assignee, int64_t owner, bool claim);
int st_token_tasks(exec *x, int64_t token, int *open, int *completed, int *total_rows, json_t *decisions);
int st_cancel_open_tasks_of_token(exec *x, int64_t token);
int st_cancel_open_tasks(exec *x);
int st_cancel_live_tokens(exec *x);
int64_t st_last_completer(exec *x, const char *node);
int64_t st_latest_def(tb_db *db, const char *key, int version);
int st_children(exec *x, int64_t **ids, int *n);
int st_shift_due(exec *x, int64_t delta);
int st_set_due(exec *x, int64_t task, int64_t due_at);
/* withdraw support */
int st_withdraw_check(exec *x, int64_t task, const char **why);
int st_withdraw_revert(exec *x, const task_row *t);
char *st_vars_before(exec *x, int64_t task);
int st_path_forget(exec *x, int64_t task);
bool st_holds_task(exec *x, int64_t user);
int st_def_latest(tb_db *db, const char *key, const char *body, int64_t *id, int *version, bool *same_body);
int st_def_insert(tb_db *db, const char *key, int version, const char *name, const char *body, const char *by,
                  int64_t at, int64_t *id);

#endif
