/* Shared between the files of the feedback module only. */
#ifndef TB_MOD_FEEDBACK_INTERNAL_H
#define TB_MOD_FEEDBACK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "mod/feedback/feedback.h"

/* working days to reply / conclude */
#define FB_DAYS_CONSULTATION 5
#define FB_DAYS_SUGGESTION 10
#define FB_DAYS_COMPLAINT 15
/* input limits (code points) */
#define FB_TITLE_MIN 2
#define FB_TITLE_MAX 50
#define FB_CONTENT_MIN 5
#define FB_CONTENT_MAX 2000
#define FB_REPLY_MAX 2000
#define FB_OPINION_MAX 1000

typedef struct {
    int64_t id, citizen_id, department_id, replied_at, replied_by, target_department_id, target_staff_id,
        concluded_at, due_at, created_by, created_at, updated_at;
    const char *kind, *channel, *contact_name, *contact_phone_enc, *email_enc, *title, *content, *matter_code,
        *matter_name, *status, *reply, *finding, *department_name, *target_department_name, *target_staff_name;
} fb_item;

typedef struct {
    const char *kind, *status, *channel, *q; /* NULL = any; status "open" = not yet answered/concluded */
    int64_t department_id;                   /* 0 = any */
    bool overdue;
    int64_t now;
    const char *scope; /* "1,2,3" visible departments, NULL = all */
} fb_filter;

/* ---- store.c: every statement of the module ---- */
/* 0 found, 1 none, -1 error */
int fb_store_get(tb_req *r, int64_t id, fb_item *out);
int64_t fb_store_insert(tb_db *db, const fb_item *f);
int fb_store_step(tb_db *db, int64_t id, const char *step, const char *realm, int64_t actor, const char *actor_name,
                  const char *opinion, int64_t at);
/* [{"step","actor_realm","actor_name","opinion","at"}] oldest first; opinions only when with_opinion */
json_t *fb_store_steps(tb_req *r, int64_t id, bool with_opinion);
/* conditional moves: changed rows (0 = not in `from`), -1 error */
long fb_store_move(tb_db *db, int64_t id, const char *from, const char *to, int64_t at);
long fb_store_reply(tb_db *db, int64_t id, const char *reply, int64_t staff, int64_t at);
long fb_store_conclude(tb_db *db, int64_t id, const char *finding, int64_t tdept, int64_t tstaff, const char *text,
                       int64_t staff, int64_t at);
int fb_store_of_citizen(tb_req *r, int64_t citizen, const char *kind, int64_t limit, int64_t offset,
                        void (*fn)(tb_req *, const fb_item *, void *), void *arg, int64_t *total);
int fb_store_list(tb_req *r, const fb_filter *f, int64_t limit, int64_t offset,
                  void (*fn)(tb_req *, const fb_item *, void *), void *arg, int64_t *total);
const char *fb_store_department_name(tb_req *r, int64_t id); /* NULL: none */
json_t *fb_store_departments(tb_req *r);                      /* [{"id","name","short_name","parent_id","level"}] */
/* active staff of a department: [{"id","name"}] (for naming the officer complained about) */
json_t *fb_store_department_staff(tb_req *r, int64_t department_id);
const char *fb_store_matter_name(tb_req *r, const char *code); /* published matters; NULL otherwise */
/* statistics of complaints created in [from, to] within scope */
json_t *fb_store_stats_departments(tb_req *r, int64_t from, int64_t to, const char *scope);
json_t *fb_store_stats_officers(tb_req *r, int64_t from, int64_t to, const char *scope);

/* ---- common.c ---- */
const char *fb_kind_name(const char *kind);
const char *fb_status_name(const char *status);
const char *fb_finding_name(const char *finding);
const char *fb_channel_name(const char *channel);
int fb_due_days(const char *kind);
/* The deadline of something received at `at`; 0 when the calendar cannot say. */
int64_t fb_due(tb_req *r, const char *kind, int64_t at);
bool fb_final(const fb_item *f);
char *fb_encrypt(tb_req *r, const char *plain); /* arena copy, NULL for NULL/"" */
const char *fb_decrypt(tb_req *r, const char *enc);
const char *fb_masked(tb_req *r, const char *enc, void (*mask)(const char *, char out[64]));
/* The visible departments of the staff subject as "1,2,3", NULL when everything is visible. */
const char *fb_scope_text(tb_req *r);
/* The item {id} (path param 0) when visible to the staff subject; NULL after replying 404. */
const fb_item *fb_staff_item(tb_req *r);
json_t *fb_citizen_json(tb_req *r, const fb_item *f, bool detail);
json_t *fb_staff_json(tb_req *r, const fb_item *f, bool detail);
/* The staff subject's name for the step history. */
const char *fb_staff_name(tb_req *r);
/* Checks title, content, the department, the optional matter (name filled in) and email, and encrypts
 * the email into f. 0, or -1 after replying. */
int fb_check_submission(tb_req *r, fb_item *f, int64_t department_id, const char *email);

extern const tb_route fb_citizen_routes[], fb_work_routes[];
extern const size_t fb_citizen_nroutes, fb_work_nroutes;

#endif
