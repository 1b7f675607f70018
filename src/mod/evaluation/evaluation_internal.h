/* Shared between the files of the evaluation module only. */
#ifndef TB_MOD_EVALUATION_INTERNAL_H
#define TB_MOD_EVALUATION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "mod/evaluation/evaluation.h"

#define EV_TEXT_MAX 50 /* §3-1-1-7-2: text evaluation ≤ 50 characters */
#define EV_REVIEW_DAYS 15

/* ---- rules.c: levels, channels, reason tags (no database) ---- */
typedef struct {
    const char *key, *name;
    int code; /* GB/T 39046 A.8 满意度代码 */
} ev_level;
typedef struct {
    const char *key, *name;
} ev_named;

const ev_level *ev_level_find(const char *key);
const ev_level *ev_levels(int *n);
bool ev_level_bad(const char *key); /* 不满意, 非常不满意 */
const ev_named *ev_channel_find(const char *key);
const ev_named *ev_channels(int *n);
const ev_named *ev_tag_find(const char *key);
const ev_named *ev_tags(int *n);
/* {"levels":[…],"channels":[…],"tags":[…],"text_max":50} */
json_t *ev_options_json(void);

/* ---- store.c: every statement of the module ---- */
typedef struct {
    int64_t id, case_id, seq, citizen_id, department_id, case_type, created_at, is_default, rated_at, changes,
        followup_at, review_due_at, reviewed_at, verified_at;
    const char *serial, *stage, *matter_code, *matter_name, *region, *level, *channel, *tags, *content, *followup,
        *review, *reviewed_by, *review_note, *verify, *verified_by, *verify_note, *department_name;
} ev_row;

typedef struct {
    int64_t id, evaluation_id, department_id, opened_at, due_at, extended_at, original_due_at, done_at;
    const char *status, *opened_by, *requirement, *extension_reason, *fix, *feedback, *done_by;
} ev_rect;

typedef struct {
    const char *depts;     /* data scope: NULL = all, else "1,2,3" */
    const char *level;     /* a level key, "bad", or NULL */
    const char *state;     /* pending | rated | NULL */
    const char *review;    /* none pending approved rejected | NULL */
    const char *verify;    /* unverified (bad, not yet checked) verified unfounded | NULL */
    const char *matter, *serial, *region;
    int64_t department, from, to; /* 0 = any; rated_at window (created_at for pending) */
} ev_filter;

/* The case facts an evaluation copies; -1 when the case is missing. */
int ev_store_case(tb_req *r, int64_t case_id, ev_row *out);
/* Inserts a due evaluation unless the case already has one at stage: id, 0 when it existed, -1 error. */
int64_t ev_store_insert(tb_db *db, const ev_row *e);
int ev_store_get(tb_req *r, int64_t id, ev_row *out);
/* The citizen's evaluations, newest first (serial optional). */
int ev_store_of_citizen(tb_req *r, int64_t citizen, const char *serial, int64_t limit, int64_t offset,
                        void (*fn)(tb_req *, const ev_row *, void *), void *arg, int64_t *total);
int ev_store_search(tb_req *r, const ev_filter *f, int64_t limit, int64_t offset,
                    void (*fn)(tb_req *, const ev_row *, void *), void *arg, int64_t *total);
/* Sets the rating (first rating or change); review and verify follow the new text and level. */
int ev_store_rate(tb_db *db, int64_t id, const char *level, const char *channel, const char *tags,
                  const char *content, const char *review, int64_t review_due, int64_t now);
int ev_store_followup(tb_db *db, int64_t id, const char *text, int64_t review_due, int64_t now);
int ev_store_review(tb_db *db, int64_t id, const char *decision, const char *by, const char *note, int64_t now);
int ev_store_verify(tb_db *db, int64_t id, const char *result, const char *by, const char *note, int64_t now);
/* Unrated evaluations created at or before cutoff (ids in arena array, at most cap); count. */
int ev_store_due_defaults(tb_req *r, int64_t cutoff, int64_t **ids, int cap);
/* The default rating: 1 set, 0 rated meanwhile, -1 error. */
int ev_store_set_default(tb_db *db, int64_t id, int64_t now);
/* counts per level of the rows the filter selects, grouped by `by` (matter | department | region | all):
 * calls fn(key, name, counts[5]) per group. */
int ev_store_aggregate(tb_req *r, const ev_filter *f, const char *by,
                       void (*fn)(tb_req *, const char *key, const char *name, const int64_t counts[5], void *),
                       void *arg);
/* Approved texts of a matter, newest first. */
json_t *ev_store_public_comments(tb_req *r, const char *matter, int64_t limit);

int64_t ev_store_rect_insert(tb_db *db, int64_t evaluation, int64_t dept, const char *by, const char *requirement,
                             int64_t due, int64_t now);
int ev_store_rect_get(tb_req *r, int64_t id, ev_rect *out);
int ev_store_rect_of(tb_req *r, int64_t evaluation, ev_rect *out);
int ev_store_rect_extend(tb_db *db, int64_t id, const char *reason, int64_t due, int64_t now);
int ev_store_rect_done(tb_db *db, int64_t id, const char *fix, const char *feedback, const char *by, int64_t now);
/* rectifications in scope by status (NULL = all; "overdue" = not done and past due), oldest due first */
int ev_store_rects(tb_req *r, const char *depts, const char *status, int64_t limit, int64_t offset,
                   void (*fn)(tb_req *, const ev_rect *, void *), void *arg, int64_t *total);

/* ---- common.c ---- */
/* The evaluation as JSON. who: 'c' owner (no staff notes), 's' staff (rater masked). */
json_t *ev_json(tb_req *r, const ev_row *e, char who);
json_t *ev_rect_json(tb_req *r, const ev_rect *x, bool staff);
/* {"total","counts":{level:n},"levels":[…],"satisfaction_rate"} */
json_t *ev_counts_json(const int64_t counts[5]);
/* The staff subject's department scope as "1,2,3", NULL for all. */
const char *ev_scope(tb_req *r);
/* The evaluation {id} (path param idx) or NULL after replying 404. staff: checks the data scope;
 * otherwise the owner must be the signed-in citizen. */
ev_row *ev_param(tb_req *r, int idx, bool staff);

/* ---- sweep.c ---- */
void ev_sweep_once(tb_req *r);

/* the route tables: api_citizen.c (citizens and the public aggregate), admin.c (staff) */
extern const tb_route ev_citizen_routes[], ev_admin_routes[];
extern const size_t ev_citizen_nroutes, ev_admin_nroutes;

#endif
