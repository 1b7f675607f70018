/* SQL of the cases module: uploads, cases, materials, history. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/cases/cases_internal.h"

#define CASE_COLS                                                                                              \
    "id, serial, matter_code, matter_name, region, applicant_id, applicant_name, applicant_id_number_enc, "     \
    "case_type, form_version, form_enc, query_digest, status, current_step, payment_status, delivery_status, " \
    "submitted_at, updated_at, COALESCE(due_at, 0), COALESCE(paused_at, 0)"
static const char SQL_UPLOAD_INSERT[] = "INSERT INTO uploads(id, owner_id, sm3, size, content_type, file_name, "
                                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_UPLOAD_GET[] = "SELECT id, sm3, size, content_type, file_name, owner_id FROM uploads "
                                     "WHERE id = ? AND owner_id = ?";
static const char SQL_CASE_INSERT[] =
    "INSERT INTO cases(serial, matter_code, matter_name, region, applicant_id, applicant_name, "
    "applicant_id_number_enc, applicant_id_number_bidx, case_type, form_version, form_enc, query_digest, status, "
    "current_step, idem_key, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "RETURNING id";
static const char SQL_CASE_IDEM_SET[] = "UPDATE cases SET idem_response_enc = ? WHERE id = ?";
static const char SQL_CASE_IDEM_GET[] = "SELECT idem_response_enc FROM cases WHERE applicant_id = ? AND idem_key = ?";
static const char SQL_MATERIAL_INSERT[] = "INSERT INTO case_materials(case_id, material_id, name, upload_id, "
                                          "file_name, size, sm3) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_HISTORY_INSERT[] = "INSERT INTO case_history(case_id, at, step, action, status, actor, note) "
                                         "VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_CASE_BY_SERIAL[] = "SELECT " CASE_COLS " FROM cases WHERE serial = ?";
static const char SQL_CASE_BY_SERIAL_OWNER[] = "SELECT " CASE_COLS " FROM cases WHERE serial = ? AND applicant_id = ?";
static const char SQL_CASE_COUNT[] = "SELECT COUNT(*) FROM cases WHERE applicant_id = ?";
static const char SQL_CASE_LIST[] = "SELECT serial, matter_code, matter_name, region, status, current_step, "
                                    "submitted_at, updated_at FROM cases WHERE applicant_id = ? "
                                    "ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_MATERIALS[] = "SELECT material_id, name, file_name, size, sm3, upload_id FROM case_materials "
                                    "WHERE case_id = ? ORDER BY material_id, upload_id";
static const char SQL_HISTORY[] = "SELECT at, step, action, status, actor, note FROM case_history WHERE case_id = ? "
                                  "ORDER BY id";

static const char *dup(tb_req *r, tb_stmt *st, int col) { return tb_arena_strdup(r->arena, tb_stmt_text(st, col)); }

int store_upload_insert(tb_db *db, const upload_row *u)
{
    return tb_db_exec(db, SQL_UPLOAD_INSERT, "tititti", u->id, u->owner, u->sm3, u->size, u->content_type,
                      u->file_name, tb_now()) == 1 ? 0 : -1;
}

int store_upload_get(tb_req *r, const char *id, int64_t owner, upload_row *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_UPLOAD_GET, "ti", id, owner);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    out->id = dup(r, st, 0);
    out->sm3 = dup(r, st, 1);
    out->size = tb_stmt_int(st, 2);
    out->content_type = dup(r, st, 3);
    out->file_name = dup(r, st, 4);
    out->owner = tb_stmt_int(st, 5);
    tb_stmt_done(st);
    return 0;
}

int64_t store_case_insert(tb_db *db, const case_row *c, const char *id_bidx, const char *idem_key)
{
    return tb_db_int(db, -1, SQL_CASE_INSERT, "ttttitttiitttttii", c->serial, c->matter_code, c->matter_name, c->region,
                     c->applicant_id, c->applicant_name, c->applicant_id_enc, id_bidx, c->case_type, c->form_version,
                     c->form_enc, c->query_digest, c->status, c->current_step, idem_key, c->submitted_at,
                     c->updated_at);
}

int store_case_set_idem_response(tb_db *db, int64_t id, const char *enc)
{
    return tb_db_exec(db, SQL_CASE_IDEM_SET, "ti", enc, id) == 1 ? 0 : -1;
}

const char *store_case_idem_response(tb_req *r, int64_t applicant, const char *key)
{
    tb_stmt *st = tb_db_query(r->db, SQL_CASE_IDEM_GET, "it", applicant, key);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return NULL;
    }
    const char *enc = dup(r, st, 0);
    tb_stmt_done(st);
    return enc;
}

int store_material_insert(tb_db *db, int64_t case_id, const char *material_id, const char *name, const upload_row *u)
{
    return tb_db_exec(db, SQL_MATERIAL_INSERT, "ittttit", case_id, material_id, name, u->id, u->file_name, u->size,
                      u->sm3) == 1 ? 0 : -1;
}

int store_history_insert(tb_db *db, int64_t case_id, int64_t at, const char *step, const char *action,
                         const char *status, const char *actor, const char *note)
{
    return tb_db_exec(db, SQL_HISTORY_INSERT, "iittttt", case_id, at, step, action, status, actor, note) == 1 ? 0
                                                                                                         : -1;
}

int store_case_get(tb_req *r, const char *serial, int64_t owner, case_row *c)
{
    tb_stmt *st = owner ? tb_db_query(r->db, SQL_CASE_BY_SERIAL_OWNER, "ti", serial, owner)
                        : tb_db_query(r->db, SQL_CASE_BY_SERIAL, "t", serial);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    c->id = tb_stmt_int(st, 0);
    c->serial = dup(r, st, 1);
    c->matter_code = dup(r, st, 2);
    c->matter_name = dup(r, st, 3);
    c->region = dup(r, st, 4);
    c->applicant_id = tb_stmt_int(st, 5);
    c->applicant_name = dup(r, st, 6);
    c->applicant_id_enc = dup(r, st, 7);
    c->case_type = tb_stmt_int(st, 8);
    c->form_version = tb_stmt_int(st, 9);
    c->form_enc = dup(r, st, 10);
    c->query_digest = dup(r, st, 11);
    c->status = dup(r, st, 12);
    c->current_step = dup(r, st, 13);
    c->payment_status = dup(r, st, 14);
    c->delivery_status = dup(r, st, 15);
    c->submitted_at = tb_stmt_int(st, 16);
    c->updated_at = tb_stmt_int(st, 17);
    c->due_at = tb_stmt_int(st, 18);
    c->paused_at = tb_stmt_int(st, 19);
    tb_stmt_done(st);
    return 0;
}

json_t *store_case_list(tb_req *r, int64_t owner, int64_t limit, int64_t offset, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_CASE_COUNT, "i", owner);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_CASE_LIST, "iii", owner, limit, offset);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW)
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "serial",
                                              tb_stmt_text(st, 0), "matter_code", tb_stmt_text(st, 1), "matter_name",
                                              tb_stmt_text(st, 2), "region", tb_stmt_text(st, 3), "status",
                                              tb_stmt_text(st, 4), "current_step", tb_stmt_text(st, 5),
                                              "submitted_at", (json_int_t)tb_stmt_int(st, 6), "updated_at",
                                              (json_int_t)tb_stmt_int(st, 7)));
    if (rc < 0) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

json_t *store_case_materials(tb_req *r, int64_t case_id)
{
    tb_stmt *st = tb_db_query(r->db, SQL_MATERIALS, "i", case_id);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "material_id", tb_stmt_text(st, 0),
                                              "name", tb_stmt_text(st, 1), "file_name", tb_stmt_text(st, 2), "size",
                                              (json_int_t)tb_stmt_int(st, 3), "sm3", tb_stmt_text(st, 4), "upload_id",
                                              tb_stmt_text(st, 5)));
    return rows;
}

json_t *store_case_history(tb_req *r, int64_t case_id)
{
    tb_stmt *st = tb_db_query(r->db, SQL_HISTORY, "i", case_id);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "at", (json_int_t)tb_stmt_int(st, 0),
                                              "step", tb_stmt_text(st, 1), "action", tb_stmt_text(st, 2), "status",
                                              tb_stmt_text(st, 3), "actor", tb_stmt_text(st, 4), "note",
                                              tb_stmt_text(st, 5)));
    return rows;
}

static const char SQL_CASE_FORM[] = "UPDATE cases SET form_enc = ?, updated_at = ? WHERE id = ?";
static const char SQL_MATERIALS_CLEAR[] = "DELETE FROM case_materials WHERE case_id = ?";

int store_case_replace_form(tb_db *db, int64_t case_id, const char *form_enc)
{
    return tb_db_exec(db, SQL_CASE_FORM, "tii", form_enc, tb_now(), case_id) == 1 ? 0 : -1;
}

int store_materials_clear(tb_db *db, int64_t case_id)
{
    return tb_db_exec(db, SQL_MATERIALS_CLEAR, "i", case_id) < 0 ? -1 : 0;
}
