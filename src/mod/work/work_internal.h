/* Shared between the files of the workbench module only. */
#ifndef TB_MOD_WORK_INTERNAL_H
#define TB_MOD_WORK_INTERNAL_H

#include "flow/flow.h"
#include "mod/work/work.h"

typedef struct {
    int64_t id, department_id, flow_instance_id, due_at, paused_at, paused_seconds, applicant_id;
    const char *serial, *matter_code, *status, *resume_status, *region, *current_step;
} work_case;

typedef struct {
    int form_version, flow_version;
    const char *flow_key;
} work_binding;

/* engine.c */
flow_ctx *work_flow(tb_req *r);
int work_on_flow_event(void *arg, tb_db *db, const flow_event *ev);
/* Maps a flow error onto the wire error. */
void work_flow_error(tb_error *e, const flow_error *fe);

/* clock.c */
/* Deadline of a matter's promised limit counted from `from`; 0 when the
 * matter has none. */
int64_t work_due_from(tb_req *r, const char *matter_code, const char *which, int64_t from);

/* actions.c */
void work_post_action(tb_req *r);
void work_post_claim(tb_req *r);

/* store.c */
int store_binding_get(tb_db *db, const char *matter_code, work_binding *out, tb_arena *a);
int store_binding_set(tb_db *db, const char *matter_code, const work_binding *b, const char *by);
int store_form_version_exists(tb_db *db, const char *matter_code, int version);
const char *store_form_schema(tb_db *db, const char *matter_code, int version, tb_arena *a);
int store_case_load(tb_db *db, const char *serial, work_case *out, tb_arena *a);
int store_case_set_department(tb_db *db, int64_t case_id, int64_t dept, int64_t instance);
int store_case_status(tb_db *db, int64_t case_id, const char *status, const char *step);
int store_case_accept(tb_db *db, int64_t case_id, int64_t now, int64_t due, int64_t statutory_due);
int store_case_pause(tb_db *db, int64_t case_id, const char *status, const char *resume_status, int64_t now);
int store_case_unpause(tb_db *db, int64_t case_id, int64_t now);
int store_case_finish(tb_db *db, int64_t case_id, const char *status, const char *result, int64_t now);
int store_case_step_by_serial(tb_db *db, const char *serial, const char *step);
int store_history_add(tb_db *db, int64_t case_id, const char *step, const char *action, const char *status,
                      const char *actor, const char *note);
/* Cases by view for the lists; depts NULL = all departments. */
json_t *store_work_list(tb_req *r, const char *view, const char *depts_csv, const char *matter, const char *status,
                        const char *q, int64_t from, int64_t to, int64_t limit, int64_t offset, int64_t *total);
json_t *store_overdue_cases(tb_db *db, int64_t now);
const char *store_upload_type(tb_db *db, int64_t case_id, const char *upload_id, const char **sm3, const char **name,
                              tb_arena *a);
json_t *store_matters_admin(tb_db *db);
/* The matter's current form version, 0 when unknown. */
int store_matter_form_version(tb_db *db, const char *code);

#endif
