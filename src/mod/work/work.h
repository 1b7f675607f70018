/* The approval workbench (通用审批): matters bound to a form and a flow,
 * cases driven through their flow by staff actions, the deadline clock in
 * working days, and the scheduler that marks overdue work. */
#ifndef TB_MOD_WORK_H
#define TB_MOD_WORK_H

#include <jansson.h>
#include <stdint.h>

#include "http/http.h"

void work_register(void);
/* Inside the submission transaction: records the handling department and
 * starts the matter's bound flow (if any). 0, or -1 with e set. */
int work_case_submitted(tb_req *r, int64_t case_id, const char *serial, const char *matter_code, const char *region,
                        const json_t *form, tb_error *e);
/* Inside the resubmission (补正) transaction: restarts the clock and the
 * flow. 0, or -1 with e set. */
int work_case_resubmitted(tb_req *r, const char *serial, tb_error *e);
/* Adds "deadline": {"due_at","remaining_working_days","warning":"green|yellow|red|paused"} (or null)
 * to a case object, from the case's columns. */
void work_deadline_json(tb_req *r, int64_t due_at, int64_t paused_at, const char *status, json_t *into);
/* Deploys the demo flows and binds them (tongban seed). 0 or -1. */
int work_seed(tb_db *db, const char *seed_dir, char *err, size_t errlen);
/* Starts the scheduler thread (overdue tasks and cases, reminders). */
int work_scheduler_start(void);

#endif
