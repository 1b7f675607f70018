/* Workflow engine: versioned JSON process definitions (schema in src/flow/README.md), instances that
 * move through them one database transaction at a time, user tasks with assignment, multi-instance
 * (会签/或签), gateways, sub-processes, automatic tasks and due-date timers.
 *
 * The engine knows nothing of cases, matters or HTTP. The embedding application supplies a directory
 * (departments, roles), optionally a working-day calendar, hooks for automatic tasks and an event
 * callback through which it learns about new tasks and finished instances — inside the same
 * transaction, so its own bookkeeping commits or rolls back together with the transition.
 *
 * Every operation is one transaction (tb_db_tx, retried on busy). When the caller already has a
 * transaction open on `db` (e.g. a case submission that starts its flow), the operation joins it and
 * leaves commit/rollback to the caller. Operations return FLOW_OK (0) or a negative flow_err with a
 * Chinese message in the flow_error. Users, groups and departments are int64 ids; roles are names.
 *
 * Threads: one flow_ctx per thread (it holds the thread's rule worker and a cache of parsed
 * definitions). Hooks are registered once at start-up, before threads start. */
#ifndef TB_FLOW_H
#define TB_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "rules/rules.h"

typedef enum {
    FLOW_OK = 0,
    FLOW_E_INVALID = -1,   /* bad argument or invalid definition (problems in flow_error.details) */
    FLOW_E_NOT_FOUND = -2, /* definition, instance, task or node does not exist */
    FLOW_E_FORBIDDEN = -3, /* not allowed for this actor */
    FLOW_E_STATE = -4,     /* wrong state (suspended, finished, already claimed by the actor ...) */
    FLOW_E_CONFLICT = -5,  /* stale version or somebody else acted first */
    FLOW_E_ASSIGN = -6,    /* an assignment could not be resolved (directory said "not found") */
    FLOW_E_RULE = -7,      /* conditions could not be evaluated (no rule worker, timeout) */
    FLOW_E_DB = -8,        /* storage failure */
    FLOW_E_NOMEM = -9,
} flow_err;

typedef struct {
    flow_err code;
    char node[64];     /* node id the error is about, "" when none */
    char message[256]; /* Chinese, for people */
    json_t *details;   /* deploy/validate: [{"node","code","message"}...]; owned, see flow_error_clear */
} flow_error;

void flow_error_clear(flow_error *e);
/* Stable wire names ("FLOW_NOT_FOUND", ...) and suggested HTTP statuses. */
const char *flow_err_name(flow_err code);
int flow_err_status(flow_err code);

/* Who acts. A task is visible to / actionable by the actor when it is assigned to `user`, or it is
 * unassigned and the actor is a candidate by user, role, group or department (role∩department
 * candidates too), or the actor was added as an escalation candidate. `admin` (decided by the
 * application's permission check, e.g. a supervisor) may act on any task and manage instances;
 * it does not widen the todo list. Role names containing '|' are ignored. */
typedef struct {
    int64_t user;
    int64_t department; /* 0: none */
    const char *const *roles;
    size_t nroles;
    const int64_t *groups;
    size_t ngroups;
    bool admin;
} flow_actor;

/* Directory of the embedding application. Each call returns FLOW_DIR_OK, FLOW_DIR_NOT_FOUND, or a
 * negative value on failure. Any pointer may be NULL: the assignments that need it then fail. */
enum { FLOW_DIR_OK = 0, FLOW_DIR_NOT_FOUND = 1 };
typedef struct {
    void *arg;
    int (*user_department)(void *arg, int64_t user, int64_t *dept);
    int (*parent_department)(void *arg, int64_t dept, int64_t *parent);
    int (*region_legal_department)(void *arg, const char *region, int64_t *dept);
    /* Users holding a role (multi-instance "over":"role:NAME"): writes at most max ids into out and
     * returns how many the role has (may exceed max), or a negative value. */
    int (*role_users)(void *arg, const char *role, int64_t *out, int max);
} flow_directory;

/* Things the application hears about, inside the transition's transaction. A non-zero return
 * from the callback aborts the whole transition (error FLOW_E_DB with the callback's failure). */
typedef enum {
    FLOW_EV_TASK_CREATED,     /* task_id, node_id */
    FLOW_EV_TASK_COMPLETED,   /* task_id, node_id, decision, actor */
    FLOW_EV_TASK_OVERDUE,     /* task_id, node_id (from flow_timers_run) */
    FLOW_EV_MESSAGE,          /* auto_task action "message": params = the node's "message" object */
    FLOW_EV_INSTANCE_ENDED,   /* status "completed" | "cancelled" */
    FLOW_EV_INSTANCE_FAILED,  /* status "failed", message = the incident */
} flow_event_kind;

typedef struct {
    flow_event_kind kind;
    int64_t instance_id;
    int64_t parent_id; /* 0 for a top-level instance */
    const char *def_key;
    const char *business_key;
    const char *node_id;
    int64_t task_id;
    int64_t actor;
    const char *decision;
    const char *status;
    const char *message;
    const json_t *variables; /* the instance variables (borrowed) */
    const json_t *params;
} flow_event;

typedef int (*flow_event_fn)(void *arg, tb_db *db, const flow_event *ev);

/* A hook of an automatic task ("action":"hook","hook":"NAME"). It runs inside the transaction with
 * the same db, so its own writes are atomic with the transition. It may change `variables` (they are
 * stored with the instance). Returns 0 on success; anything else fails the task, with a reason
 * written to `message`, which then takes the node's "on_fail" flow or fails the instance with an
 * incident. */
typedef struct {
    int64_t instance_id;
    const char *def_key;
    const char *business_key;
    const char *node_id;
    json_t *variables;
    const json_t *params; /* the node's "params", or NULL */
    char message[256];
} flow_hook_call;
typedef int (*flow_hook_fn)(void *arg, tb_db *db, flow_hook_call *call);

/* Registers (or replaces) a hook by name; at most 64 hooks. 0 or -1. Not thread-safe: call before
 * threads start. */
int flow_hook_register(const char *name, flow_hook_fn fn, void *arg);

typedef struct {
    tb_rules *rules;   /* conditions and checks; NULL only if no definition uses them */
    flow_directory dir;
    /* working-day calendar; NULL = Monday to Friday in +08:00, no holidays */
    void *calendar;
    int (*add_working_days)(void *cal, int64_t from, int days, int64_t *out);
    int64_t (*now)(void); /* clock; NULL = tb_now() (tests may tb_time_freeze) */
    flow_event_fn on_event;
    void *event_arg;
} flow_env;

typedef struct flow_ctx flow_ctx;
/* The env is copied; rules stays owned by the caller. NULL when out of memory. */
flow_ctx *flow_ctx_new(const flow_env *env);
void flow_ctx_free(flow_ctx *ctx);

/* ---- definitions ---- */
/* Checks a definition without storing it: 0, or FLOW_E_INVALID with every problem in e->details. */
int flow_validate(tb_db *db, flow_ctx *ctx, const char *json, flow_error *e);
/* Validates and stores the definition as the next version of its key. Deploying a body identical
 * to the newest version returns that version instead of adding one. Stored versions never change. */
int flow_deploy(tb_db *db, flow_ctx *ctx, const char *json, const char *deployed_by, int64_t *def_id,
                int *version, flow_error *e);
/* {"id","key","version","name","deployed_by","deployed_at","definition":{...}}; version 0 = newest.
 * NULL with e set. Caller decrefs. */
json_t *flow_def_get(tb_db *db, const char *key, int version, flow_error *e);
/* [{"key","name","version","id","deployed_at"}...] every version of every key (or of one key). */
json_t *flow_def_list(tb_db *db, const char *key, flow_error *e);

/* ---- instances ---- */
typedef struct {
    const char *key;          /* definition key */
    int version;              /* 0 = newest */
    const char *business_key; /* e.g. the case serial; may be NULL */
    const json_t *variables;  /* object or NULL */
    int64_t initiator;        /* user id (0 for a citizen-started instance without a staff initiator) */
    int64_t initiator_department; /* 0 = ask the directory (user_department) */
    const char *region;       /* region code for "region_legal_department"; may be NULL */
} flow_start_args;

int flow_start(tb_db *db, flow_ctx *ctx, const flow_start_args *a, int64_t *instance_id, flow_error *e);
/* Suspend (挂起): no task can be claimed or completed, timers stop; resume shifts every open task's
 * due date by the time spent suspended. Allowed to admins, the initiator and holders of an open task. */
int flow_instance_suspend(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, const char *reason,
                          flow_error *e);
int flow_instance_resume(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, const char *reason,
                         flow_error *e);
/* Cancels a top-level instance with its sub-process instances: open tasks cancelled, ended. */
int flow_instance_cancel(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, const char *reason,
                         flow_error *e);
/* A failed instance (incident) runs its failed automatic tasks again. Admins only. */
int flow_instance_retry(tb_db *db, flow_ctx *ctx, int64_t instance, const flow_actor *a, flow_error *e);

/* ---- tasks ---- */
int flow_task_claim(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, flow_error *e);
/* decision: free text, conventionally "approve" | "reject" | "return" (NULL = "complete");
 * vars: object merged into the instance variables (or NULL). The engine also records
 * variables.decision (latest) and variables.decisions.<node id>. expect_version: the instance
 * version the caller saw (0 = do not check); a different one gives FLOW_E_CONFLICT. Completing a
 * task somebody else completed first also gives FLOW_E_CONFLICT. When the task was delegated to
 * the actor, completing it hands it back to the delegator instead (the flow does not move). */
int flow_task_complete(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, const char *decision,
                       const char *comment, const json_t *vars, int64_t expect_version, flow_error *e);
/* 退回: cancels every open task and position of the instance and reopens target_node (a user task
 * completed earlier in this instance) for the user who completed it last. */
int flow_task_return(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, const char *target_node,
                     const char *comment, flow_error *e);
int flow_task_transfer(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, int64_t to_user,
                       const char *comment, flow_error *e);
int flow_task_delegate(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, int64_t to_user,
                       const char *comment, flow_error *e);
/* 撤回: task is the COMPLETED task of the actor; allowed while it is the instance's last action and
 * the tasks it created are unclaimed and untouched. Restores the variables and reopens the task. */
int flow_task_withdraw(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, const char *comment,
                       flow_error *e);
/* New due date (epoch seconds) of an open task; admins only. Clears the overdue mark if in future. */
int flow_task_set_due(tb_db *db, flow_ctx *ctx, int64_t task, const flow_actor *a, int64_t due_at,
                      flow_error *e);

/* ---- queries (caller decrefs; NULL with e set) ---- */
typedef struct {
    const char *state;        /* "open" (default when NULL) | "completed" | "cancelled" | ... | "any" */
    const char *def_key;      /* NULL = all */
    const char *business_key; /* NULL = all */
    int page;                 /* from 1 */
    int page_size;            /* 1..200, default 20 */
} flow_task_filter;

/* {"items":[task...],"total":N}: tasks visible to the actor, oldest first. */
json_t *flow_tasks_visible(tb_db *db, const flow_actor *a, const flow_task_filter *f, flow_error *e);
/* {"id","task fields", "candidates":[...], "instance":{...summary}} */
json_t *flow_task_detail(tb_db *db, int64_t task, flow_error *e);
/* status, variables, current nodes with their open tasks, every task, full history, path taken
 * {"nodes","flows"} and expected path {"nodes","flows"} (still reachable from the current nodes). */
json_t *flow_instance_detail(tb_db *db, flow_ctx *ctx, int64_t instance, flow_error *e);
/* id of the newest instance started for business_key (0 if none). */
int64_t flow_instance_by_business_key(tb_db *db, const char *business_key);

/* ---- timers ---- */
/* Marks open tasks of running instances whose due date is <= now as overdue and adds their node's
 * escalate_to candidates. Returns the array of changes
 * [{"task_id","instance_id","node_id","business_key","def_key","due_at","escalated_to":[...]}]
 * (at most 500 per call; call again while it returns that many). NULL with e set. */
json_t *flow_timers_run(tb_db *db, int64_t now, flow_ctx *ctx, flow_error *e);
/* Due date of `from` plus days (working days through the calendar when working) plus hours. */
int flow_due_compute(flow_ctx *ctx, int64_t from, int days, int hours, bool working, int64_t *out);

#endif
