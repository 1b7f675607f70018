/* Shared between the files of the cases module only. */
#ifndef TB_MOD_CASES_INTERNAL_H
#define TB_MOD_CASES_INTERNAL_H

#include <jansson.h>

#include "http/http.h"
#include "mod/cases/cases.h"

typedef struct {
    int64_t id;
    const char *serial, *matter_code, *matter_name, *region, *applicant_name, *applicant_id_enc, *form_enc,
        *query_digest, *status, *current_step, *payment_status, *delivery_status;
    int64_t applicant_id, case_type, form_version, submitted_at, updated_at, due_at, paused_at;
} case_row;

typedef struct {
    const char *id, *sm3, *content_type, *file_name;
    int64_t size, owner;
} upload_row;

/* store.c */
int store_upload_insert(tb_db *db, const upload_row *u);
int store_upload_get(tb_req *r, const char *id, int64_t owner, upload_row *out);
int64_t store_case_insert(tb_db *db, const case_row *c, const char *id_bidx, const char *idem_key);
int store_case_set_idem_response(tb_db *db, int64_t id, const char *enc);
const char *store_case_idem_response(tb_req *r, int64_t applicant, const char *key);
int store_material_insert(tb_db *db, int64_t case_id, const char *material_id, const char *name, const upload_row *u);
int store_history_insert(tb_db *db, int64_t case_id, int64_t at, const char *step, const char *action,
                         const char *status, const char *actor, const char *note);
/* By serial; owner 0 = any owner. */
int store_case_get(tb_req *r, const char *serial, int64_t owner, case_row *out);
json_t *store_case_list(tb_req *r, int64_t owner, int64_t limit, int64_t offset, int64_t *total);
json_t *store_case_materials(tb_req *r, int64_t case_id);
json_t *store_case_history(tb_req *r, int64_t case_id);

int store_case_replace_form(tb_db *db, int64_t case_id, const char *form_enc);
int store_materials_clear(tb_db *db, int64_t case_id);

/* uploads.c */
void cases_post_upload(tb_req *r);

#endif
