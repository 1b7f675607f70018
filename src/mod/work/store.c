/* SQL of the workbench module. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/work/work_internal.h"

static const char SQL_BINDING_GET[] = "SELECT form_version, flow_key, flow_version FROM matter_bindings "
                                      "WHERE matter_code = ?";
static const char SQL_BINDING_SET[] =
    "INSERT INTO matter_bindings(matter_code, form_version, flow_key, flow_version, updated_at, updated_by) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(matter_code) DO UPDATE SET form_version = excluded.form_version, "
    "flow_key = excluded.flow_key, flow_version = excluded.flow_version, updated_at = excluded.updated_at, "
    "updated_by = excluded.updated_by";
static const char SQL_FORM_EXISTS[] = "SELECT schema_json FROM matter_forms WHERE matter_code = ? AND version = ?";
static const char SQL_CASE_LOAD[] =
    "SELECT id, COALESCE(department_id, 0), COALESCE(flow_instance_id, 0), COALESCE(due_at, 0), "
    "COALESCE(paused_at, 0), paused_seconds, applicant_id, serial, matter_code, status, resume_status, region, "
    "current_step FROM cases WHERE serial = ?";
static const char SQL_CASE_DEPT[] = "UPDATE cases SET department_id = ?, flow_instance_id = ? WHERE id = ?";
static const char SQL_CASE_STATUS[] = "UPDATE cases SET status = ?, current_step = COALESCE(?, current_step), "
                                      "updated_at = ? WHERE id = ?";
static const char SQL_CASE_ACCEPT[] = "UPDATE cases SET status = 'accepted', accepted_at = ?, due_at = ?, "
                                      "statutory_due_at = ?, updated_at = ? WHERE id = ?";
static const char SQL_CASE_PAUSE[] = "UPDATE cases SET status = ?, resume_status = ?, paused_at = ?, updated_at = ? "
                                     "WHERE id = ?";
/* the clock stood still while paused: the deadlines move by the pause */
static const char SQL_CASE_UNPAUSE[] =
    "UPDATE cases SET status = COALESCE(resume_status, 'submitted'), resume_status = NULL, "
    "paused_seconds = paused_seconds + (? - paused_at), "
    "due_at = CASE WHEN due_at IS NULL THEN NULL ELSE due_at + (? - paused_at) END, "
    "statutory_due_at = CASE WHEN statutory_due_at IS NULL THEN NULL ELSE statutory_due_at + (? - paused_at) END, "
    "paused_at = NULL, updated_at = ? WHERE id = ? AND paused_at IS NOT NULL";
static const char SQL_CASE_FINISH[] = "UPDATE cases SET status = ?, result = COALESCE(?, result), completed_at = ?, "
                                      "current_step = '办结', updated_at = ? WHERE id = ?";
static const char SQL_CASE_STEP_SERIAL[] = "UPDATE cases SET current_step = ?, updated_at = ? WHERE serial = ?";
static const char SQL_HISTORY_ADD[] = "INSERT INTO case_history(case_id, at, step, action, status, actor, note) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)";
/* Optional filters are "(CAST(? AS TEXT) IS NULL OR …)": PostgreSQL needs the
 * cast to type a parameter that is only compared with NULL. The department
 * scope arrives as one ",1,2,3," list so the statement has a fixed shape. */
#define T "CAST(? AS TEXT)"
#define LIST_WHERE                                                                                             \
    " FROM cases WHERE (" T " IS NULL OR (',' || " T " || ',') LIKE ('%,' || CAST(department_id AS TEXT) || ',%')) " \
    "AND (" T " IS NULL OR matter_code = " T ") AND (" T " IS NULL OR status = " T ") "                         \
    "AND (" T " IS NULL OR serial = " T " OR applicant_name = " T ") AND submitted_at >= ? AND submitted_at <= ? " \
    "AND (" T " = 'department' OR (" T " = 'done' AND status IN ('completed','refused','rejected','voided')) "  \
    "OR (" T " = 'doing' AND status NOT IN ('completed','refused','rejected','voided')))"
static const char SQL_LIST_COUNT[] = "SELECT COUNT(*)" LIST_WHERE;
static const char SQL_LIST[] = "SELECT serial, matter_code, matter_name, region, status, current_step, applicant_name, "
                               "submitted_at, updated_at, COALESCE(due_at, 0), COALESCE(paused_at, 0)" LIST_WHERE
                               " ORDER BY id DESC LIMIT ? OFFSET ?";
static const char SQL_OVERDUE[] = "UPDATE cases SET overdue = 1 WHERE overdue = 0 AND due_at IS NOT NULL AND due_at < ? "
                                  "AND paused_at IS NULL AND status IN ('submitted','accepted') RETURNING id, serial";
static const char SQL_UPLOAD_OF_CASE[] = "SELECT u.content_type, u.sm3, u.file_name FROM case_materials m "
                                         "JOIN uploads u ON u.id = m.upload_id WHERE m.case_id = ? AND m.upload_id = ?";
static const char SQL_MATTERS_ADMIN[] =
    "SELECT m.code, m.name, m.police_category, m.online_level, m.status, m.channels, m.form_version, "
    "b.form_version, b.flow_key, b.flow_version FROM matters m LEFT JOIN matter_bindings b "
    "ON b.matter_code = m.code ORDER BY m.sort, m.id";

static const char *dup(tb_arena *a, tb_stmt *st, int col) { return tb_arena_strdup(a, tb_stmt_text(st, col)); }

int store_binding_get(tb_db *db, const char *matter_code, work_binding *out, tb_arena *a)
{
    tb_stmt *st = tb_db_query(db, SQL_BINDING_GET, "t", matter_code);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    out->form_version = (int)tb_stmt_int(st, 0);
    out->flow_key = dup(a, st, 1);
    out->flow_version = (int)tb_stmt_int(st, 2);
    tb_stmt_done(st);
    return 0;
}

int store_binding_set(tb_db *db, const char *matter_code, const work_binding *b, const char *by)
{
    return tb_db_exec(db, SQL_BINDING_SET, "titiit", matter_code, (int64_t)b->form_version, b->flow_key,
                      (int64_t)b->flow_version, tb_now(), by) < 0 ? -1 : 0;
}

const char *store_form_schema(tb_db *db, const char *matter_code, int version, tb_arena *a)
{
    tb_stmt *st = tb_db_query(db, SQL_FORM_EXISTS, "ti", matter_code, (int64_t)version);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return NULL;
    }
    const char *s = dup(a, st, 0);
    tb_stmt_done(st);
    return s;
}

int store_case_load(tb_db *db, const char *serial, work_case *c, tb_arena *a)
{
    tb_stmt *st = tb_db_query(db, SQL_CASE_LOAD, "t", serial);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    c->id = tb_stmt_int(st, 0);
    c->department_id = tb_stmt_int(st, 1);
    c->flow_instance_id = tb_stmt_int(st, 2);
    c->due_at = tb_stmt_int(st, 3);
    c->paused_at = tb_stmt_int(st, 4);
    c->paused_seconds = tb_stmt_int(st, 5);
    c->applicant_id = tb_stmt_int(st, 6);
    c->serial = dup(a, st, 7);
    c->matter_code = dup(a, st, 8);
    c->status = dup(a, st, 9);
    c->resume_status = dup(a, st, 10);
    c->region = dup(a, st, 11);
    c->current_step = dup(a, st, 12);
    tb_stmt_done(st);
    return 0;
}

int store_case_set_department(tb_db *db, int64_t case_id, int64_t dept, int64_t instance)
{
    return tb_db_exec(db, SQL_CASE_DEPT, "iii", dept, instance, case_id) == 1 ? 0 : -1;
}

int store_case_status(tb_db *db, int64_t case_id, const char *status, const char *step)
{
    return tb_db_exec(db, SQL_CASE_STATUS, "ttii", status, step, tb_now(), case_id) == 1 ? 0 : -1;
}

int store_case_accept(tb_db *db, int64_t case_id, int64_t now, int64_t due, int64_t statutory_due)
{
    return tb_db_exec(db, SQL_CASE_ACCEPT, "iiiii", now, due, statutory_due, now, case_id) == 1 ? 0 : -1;
}

int store_case_pause(tb_db *db, int64_t case_id, const char *status, const char *resume_status, int64_t now)
{
    return tb_db_exec(db, SQL_CASE_PAUSE, "ttiii", status, resume_status, now, now, case_id) == 1 ? 0 : -1;
}

int store_case_unpause(tb_db *db, int64_t case_id, int64_t now)
{
    return tb_db_exec(db, SQL_CASE_UNPAUSE, "iiiii", now, now, now, now, case_id) == 1 ? 0 : -1;
}

int store_case_finish(tb_db *db, int64_t case_id, const char *status, const char *result, int64_t now)
{
    return tb_db_exec(db, SQL_CASE_FINISH, "ttiii", status, result, now, now, case_id) == 1 ? 0 : -1;
}

int store_case_step_by_serial(tb_db *db, const char *serial, const char *step)
{
    return tb_db_exec(db, SQL_CASE_STEP_SERIAL, "tit", step, tb_now(), serial) < 0 ? -1 : 0;
}

int store_history_add(tb_db *db, int64_t case_id, const char *step, const char *action, const char *status,
                      const char *actor, const char *note)
{
    return tb_db_exec(db, SQL_HISTORY_ADD, "iittttt", case_id, tb_now(), step, action, status, actor,
                      note ? note : "") == 1 ? 0 : -1;
}

json_t *store_work_list(tb_req *r, const char *view, const char *depts, const char *matter, const char *status,
                        const char *q, int64_t from, int64_t to, int64_t limit, int64_t offset, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_LIST_COUNT, "tttttttttiittt", depts, depts, matter, matter, status, status, q,
                          q, q, from, to, view, view, view);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_LIST, "tttttttttiitttii", depts, depts, matter, matter, status, status, q, q,
                              q, from, to, view, view, view, limit, offset);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "serial", tb_stmt_text(st, 0),
                            "matter_code", tb_stmt_text(st, 1), "matter_name", tb_stmt_text(st, 2), "region",
                            tb_stmt_text(st, 3), "status", tb_stmt_text(st, 4), "current_step", tb_stmt_text(st, 5),
                            "applicant_name", tb_stmt_text(st, 6), "submitted_at", (json_int_t)tb_stmt_int(st, 7),
                            "updated_at", (json_int_t)tb_stmt_int(st, 8), "due_at", (json_int_t)tb_stmt_int(st, 9),
                            "paused_at", (json_int_t)tb_stmt_int(st, 10)));
    return rows;
}

json_t *store_overdue_cases(tb_db *db, int64_t now)
{
    tb_stmt *st = tb_db_query(db, SQL_OVERDUE, "i", now);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(rows, json_pack("{s:I, s:s}", "id", (json_int_t)tb_stmt_int(st, 0), "serial",
                                              tb_stmt_text(st, 1)));
    return rows;
}

const char *store_upload_type(tb_db *db, int64_t case_id, const char *upload_id, const char **sm3, const char **name,
                              tb_arena *a)
{
    tb_stmt *st = tb_db_query(db, SQL_UPLOAD_OF_CASE, "it", case_id, upload_id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return NULL;
    }
    const char *type = dup(a, st, 0);
    *sm3 = dup(a, st, 1);
    *name = dup(a, st, 2);
    tb_stmt_done(st);
    return type;
}

json_t *store_matters_admin(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_MATTERS_ADMIN, NULL);
    if (!st)
        return NULL;
    json_t *rows = json_array();
    while (tb_stmt_step(st) == TB_ROW) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "code", tb_stmt_text(st, 0), "name",
                              tb_stmt_text(st, 1), "police_category", tb_stmt_text(st, 2), "online_level",
                              tb_stmt_text(st, 3), "status", tb_stmt_text(st, 4), "channels", tb_stmt_text(st, 5),
                              "form_version", (json_int_t)tb_stmt_int(st, 6));
        json_object_set_new(o, "binding",
                            tb_stmt_null(st, 8) ? json_null()
                                                : json_pack("{s:I, s:s, s:I}", "form_version",
                                                            (json_int_t)tb_stmt_int(st, 7), "flow_key",
                                                            tb_stmt_text(st, 8), "flow_version",
                                                            (json_int_t)tb_stmt_int(st, 9)));
        json_array_append_new(rows, o);
    }
    return rows;
}

static const char SQL_MATTER_FORM_VERSION[] = "SELECT form_version FROM matters WHERE code = ?";

int store_matter_form_version(tb_db *db, const char *code)
{
    return (int)tb_db_int(db, 0, SQL_MATTER_FORM_VERSION, "t", code);
}
