/* 好差评 (§3-1-1-7): evaluations of cases by their applicants. A 即办件 owes
 * one evaluation (at completion), a 承诺件 two (at acceptance and at
 * completion). Five levels stored by meaning with the GB/T 39046 codes for
 * export; reasons required for the two bad levels; text ≤ 50 characters,
 * reviewed by staff before it is shown publicly; a citizen may change the
 * rating and add one follow-up (追评); unrated after evaluation_default_days
 * natural days → 基本满意 on the default channel (the sweep); verified bad
 * ratings open a rectification task (整改) due in evaluation_rectify_days,
 * extendable with a reason, whose result is fed back to the rater by the
 * portal and SMS; aggregates per matter, department and region; export in
 * the shape of GB/T 39046 table 9. */
#ifndef TB_MOD_EVALUATION_H
#define TB_MOD_EVALUATION_H

#include <stdint.h>

#include "http/http.h"

/* Routes of the module. */
void evaluation_register(void);
/* Inside the acceptance transaction of a case: a 承诺件 now owes its first
 * evaluation; the applicant is told (in-app + SMS). Nothing for a 即办件.
 * Idempotent. 0 or -1. */
int evaluation_case_accepted(tb_req *r, int64_t case_id);
/* Inside the transaction that completes a case: the evaluation at
 * completion is due; the applicant is told. Idempotent. 0 or -1. */
int evaluation_case_finished(tb_req *r, int64_t case_id);
/* Starts the sweep that gives unrated evaluations the default rating
 * (every evaluation_sweep_seconds). 0 or -1. */
int evaluation_sweep_start(void);

#endif
