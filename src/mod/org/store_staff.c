/* SQL of staff profiles (department, police number, phone, status, second
 * factor), groups and unban requests. The staff table itself is created by
 * the identity module, which signs staff in; this module administers them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/org/org_internal.h"

#define STAFF_COLS "s.id, s.login, s.name, s.status, s.police_no, s.phone_enc, s.department_id, d.name, d.region, " \
                   "s.retired_at, s.former_department"
static const char SQL_GET[] = "SELECT " STAFF_COLS " FROM staff s LEFT JOIN departments d ON d.id = s.department_id "
                              "WHERE s.id = ?";
static const char SQL_BY_LOGIN[] = "SELECT id FROM staff WHERE login = ?";
static const char SQL_LIST[] = "SELECT " STAFF_COLS " FROM staff s LEFT JOIN departments d ON d.id = s.department_id "
                               "WHERE (? = '' OR s.name LIKE ? OR s.login LIKE ? OR s.police_no = ?) "
                               "AND (? = 0 OR s.department_id = ?) AND (? = '' OR s.status = ?) "
                               "ORDER BY s.id LIMIT ? OFFSET ?";
static const char SQL_COUNT[] = "SELECT COUNT(*) FROM staff s WHERE (? = '' OR s.name LIKE ? OR s.login LIKE ? OR "
                                "s.police_no = ?) AND (? = 0 OR s.department_id = ?) AND (? = '' OR s.status = ?)";
static const char SQL_RETIRED[] = "SELECT " STAFF_COLS " FROM staff s LEFT JOIN departments d ON d.id = s.department_id "
                                  "WHERE s.status = 'retired' AND (? = '' OR s.name LIKE ?) "
                                  "AND (? = '' OR s.former_department LIKE ?) AND s.retired_at BETWEEN ? AND ? "
                                  "ORDER BY s.retired_at DESC, s.id LIMIT ? OFFSET ?";
static const char SQL_RETIRED_COUNT[] = "SELECT COUNT(*) FROM staff s WHERE s.status = 'retired' AND "
                                        "(? = '' OR s.name LIKE ?) AND (? = '' OR s.former_department LIKE ?) "
                                        "AND s.retired_at BETWEEN ? AND ?";
static const char SQL_SET_PROFILE[] = "UPDATE staff SET department_id = ?, police_no = ?, phone_enc = ?, "
                                      "phone_bidx = ?, updated_at = ? WHERE id = ?";
static const char SQL_UPDATE[] = "UPDATE staff SET name = ?, police_no = ?, phone_enc = ?, phone_bidx = ?, "
                                 "updated_at = ? WHERE id = ?";
static const char SQL_SET_DEPT[] = "UPDATE staff SET department_id = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_STATUS[] = "UPDATE staff SET status = ?, updated_at = ? WHERE id = ?";
static const char SQL_RETIRE[] = "UPDATE staff SET status = 'retired', retired_at = ?, former_department = ?, "
                                 "department_id = NULL, updated_at = ? WHERE id = ?";
static const char SQL_SET_PW[] = "UPDATE staff SET password_hash = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_TOTP[] = "UPDATE staff SET totp_enc = ?, totp_last_step = 0, updated_at = ? WHERE id = ?";
static const char SQL_TOTP[] = "SELECT totp_enc, totp_last_step FROM staff WHERE id = ?";
static const char SQL_TOTP_SPEND[] = "UPDATE staff SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?";
static const char SQL_KILL[] = "DELETE FROM sessions WHERE realm = 'staff' AND subject_id = ?";
static const char SQL_POLICE_TAKEN[] = "SELECT COUNT(*) FROM staff WHERE police_no = ? AND id <> ?";
static const char SQL_INSERT[] = "INSERT INTO staff(login, name, role, password_hash, status, department_id, "
                                 "police_no, phone_enc, phone_bidx, created_at, updated_at) "
                                 "VALUES (?, ?, 'staff', ?, 'active', ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_GROUPS[] = "SELECT g.id, g.name, g.description, (SELECT COUNT(*) FROM staff_group_members m "
                                 "WHERE m.group_id = g.id) FROM staff_groups g ORDER BY g.id";
static const char SQL_GROUP_INSERT[] = "INSERT INTO staff_groups(name, description, created_at) VALUES (?, ?, ?) "
                                       "RETURNING id";
static const char SQL_GROUP_DELETE_M[] = "DELETE FROM staff_group_members WHERE group_id = ?";
static const char SQL_GROUP_DELETE[] = "DELETE FROM staff_groups WHERE id = ?";
static const char SQL_GROUP_EXISTS[] = "SELECT COUNT(*) FROM staff_groups WHERE id = ?";
static const char SQL_MEMBER_ADD[] = "INSERT INTO staff_group_members(group_id, staff_id) VALUES (?, ?) "
                                     "ON CONFLICT DO NOTHING";
static const char SQL_MEMBER_DEL[] = "DELETE FROM staff_group_members WHERE group_id = ? AND staff_id = ?";
static const char SQL_MEMBERS[] = "SELECT s.id, s.login, s.name, d.name FROM staff_group_members m "
                                  "JOIN staff s ON s.id = m.staff_id LEFT JOIN departments d ON d.id = s.department_id "
                                  "WHERE m.group_id = ? ORDER BY s.id";
static const char SQL_STAFF_GROUPS[] = "SELECT group_id FROM staff_group_members WHERE staff_id = ? ORDER BY group_id";
static const char SQL_UNBAN_INSERT[] = "INSERT INTO unban_requests(staff_id, department_id, requested_by, reason, "
                                       "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_UNBAN_GET[] = "SELECT staff_id, department_id, status FROM unban_requests WHERE id = ?";
static const char SQL_UNBAN_DECIDE[] = "UPDATE unban_requests SET status = ?, decided_by = ?, decided_at = ?, "
                                       "note = ? WHERE id = ? AND status = 'pending'";
static const char SQL_UNBAN_FOR_HEAD[] =
    "SELECT u.id, u.staff_id, s.name, s.login, d.name, u.reason, u.created_at FROM unban_requests u "
    "JOIN departments d ON d.id = u.department_id JOIN staff s ON s.id = u.staff_id "
    "WHERE u.status = 'pending' AND d.head_staff_id = ? ORDER BY u.id";
static const char SQL_UNBAN_PENDING[] = "SELECT COUNT(*) FROM unban_requests WHERE staff_id = ? AND status = 'pending'";

static const char *dup(tb_arena *a, tb_stmt *st, int col)
{
    return tb_stmt_null(st, col) ? NULL : tb_arena_strdup(a, tb_stmt_text(st, col));
}

static void read_staff(tb_arena *a, tb_stmt *st, org_staff_row *o)
{
    o->id = tb_stmt_int(st, 0);
    o->login = dup(a, st, 1);
    o->name = dup(a, st, 2);
    o->status = dup(a, st, 3);
    o->police_no = dup(a, st, 4);
    o->phone_enc = dup(a, st, 5);
    o->department_id = tb_stmt_null(st, 6) ? 0 : tb_stmt_int(st, 6);
    o->department_name = dup(a, st, 7);
    o->region = dup(a, st, 8);
    o->retired_at = tb_stmt_null(st, 9) ? 0 : tb_stmt_int(st, 9);
    o->former_department = dup(a, st, 10);
}

static char *id_text(char buf[24], int64_t v)
{
    snprintf(buf, 24, "%lld", (long long)v);
    return v ? buf : NULL;
}

int org_store_staff_get(tb_db *db, tb_arena *a, int64_t id, org_staff_row *out)
{
    tb_stmt *st = tb_db_query(db, SQL_GET, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    read_staff(a, st, out);
    tb_stmt_done(st);
    return 0;
}

int64_t org_store_staff_by_login(tb_db *db, const char *login)
{
    return tb_db_int(db, 0, SQL_BY_LOGIN, "t", login);
}

/* Lists never carry the phone: only its mask. */
static json_t *staff_list_json(tb_stmt *st)
{
    tb_arena *a = tb_arena_new(1024);
    org_staff_row s;
    read_staff(a, st, &s);
    char masked[64] = "";
    char *phone = s.phone_enc ? tb_field_decrypt(s.phone_enc) : NULL;
    if (phone) {
        tb_mask_phone(phone, masked);
        tb_wipe(phone, strlen(phone));
        free(phone);
    }
    char retired[32] = "";
    if (s.retired_at)
        tb_time_iso(s.retired_at, retired);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s?, s:s?, s:s?}", "id", (json_int_t)s.id, "login",
                          s.login, "name", s.name, "status", s.status, "police_no", s.police_no, "phone_masked",
                          masked[0] ? masked : NULL, "department_id",
                          s.department_id ? json_integer(s.department_id) : json_null(), "department_name",
                          s.department_name, "retired_at", retired[0] ? retired : NULL, "former_department",
                          s.former_department);
    tb_arena_free(a);
    return o;
}

json_t *org_store_staff_list(tb_db *db, const char *q, int64_t dept, const char *status, int64_t limit, int64_t offset,
                         int64_t *total)
{
    char like[200];
    q = q ? q : "";
    status = status ? status : "";
    snprintf(like, sizeof like, "%%%s%%", q);
    int64_t n = tb_db_int(db, -1, SQL_COUNT, "ttttiitt", q, like, like, q, dept, dept, status, status);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(db, SQL_LIST, "ttttiittii", q, like, like, q, dept, dept, status, status, limit, offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, staff_list_json(st));
    return items;
}

json_t *org_store_staff_retired(tb_db *db, const char *name, const char *dept, int64_t from, int64_t to, int64_t limit,
                            int64_t offset, int64_t *total)
{
    char nl[200], dl[200];
    name = name ? name : "";
    dept = dept ? dept : "";
    snprintf(nl, sizeof nl, "%%%s%%", name);
    snprintf(dl, sizeof dl, "%%%s%%", dept);
    int64_t n = tb_db_int(db, -1, SQL_RETIRED_COUNT, "ttttii", name, nl, dept, dl, from, to);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(db, SQL_RETIRED, "ttttiiii", name, nl, dept, dl, from, to, limit, offset);
    if (!st)
        return NULL;
    json_t *items = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(items, staff_list_json(st));
    return items;
}

int org_store_staff_set_profile(tb_db *db, int64_t id, int64_t dept, const char *police_no, const char *phone_enc,
                            const char *phone_bidx)
{
    char d[24];
    return tb_db_exec(db, SQL_SET_PROFILE, "ttttii", id_text(d, dept), police_no, phone_enc, phone_bidx, tb_now(),
                      id) == 1
               ? 0
               : -1;
}

int org_store_staff_update(tb_db *db, int64_t id, const char *name, const char *police_no, const char *phone_enc,
                       const char *phone_bidx)
{
    return tb_db_exec(db, SQL_UPDATE, "ttttii", name, police_no, phone_enc, phone_bidx, tb_now(), id) == 1 ? 0 : -1;
}

int org_store_staff_set_department(tb_db *db, int64_t id, int64_t dept)
{
    char d[24];
    return tb_db_exec(db, SQL_SET_DEPT, "tii", id_text(d, dept), tb_now(), id) == 1 ? 0 : -1;
}

int org_store_staff_set_status(tb_db *db, int64_t id, const char *status)
{
    return tb_db_exec(db, SQL_SET_STATUS, "tii", status, tb_now(), id) == 1 ? 0 : -1;
}

int org_store_staff_retire(tb_db *db, int64_t id, const char *former_dept)
{
    int64_t now = tb_now();
    return tb_db_exec(db, SQL_RETIRE, "itii", now, former_dept, now, id) == 1 ? 0 : -1;
}

int org_store_staff_set_password(tb_db *db, int64_t id, const char *hash)
{
    return tb_db_exec(db, SQL_SET_PW, "tii", hash, tb_now(), id) == 1 ? 0 : -1;
}

int org_store_staff_set_totp(tb_db *db, int64_t id, const char *enc)
{
    return tb_db_exec(db, SQL_SET_TOTP, "tii", enc, tb_now(), id) == 1 ? 0 : -1;
}

int org_store_staff_totp(tb_db *db, tb_arena *a, int64_t id, const char **enc, int64_t *last_step)
{
    tb_stmt *st = tb_db_query(db, SQL_TOTP, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    *enc = dup(a, st, 0);
    *last_step = tb_stmt_int(st, 1);
    tb_stmt_done(st);
    return 0;
}

int org_store_staff_totp_spend(tb_db *db, int64_t id, int64_t step)
{
    return tb_db_exec(db, SQL_TOTP_SPEND, "iii", step, id, step) == 1 ? 0 : -1;
}

int org_store_staff_kill_sessions(tb_db *db, int64_t id) { return tb_db_exec(db, SQL_KILL, "i", id) < 0 ? -1 : 0; }

bool org_store_police_no_taken(tb_db *db, const char *police_no, int64_t except)
{
    return tb_db_int(db, 0, SQL_POLICE_TAKEN, "ti", police_no, except) > 0;
}

int64_t org_store_staff_insert_full(tb_db *db, const char *login, const char *name, const char *hash, int64_t dept,
                                const char *police_no, const char *phone_enc, const char *phone_bidx)
{
    char d[24];
    int64_t now = tb_now();
    return tb_db_int(db, -1, SQL_INSERT, "tttttttii", login, name, hash, id_text(d, dept), police_no, phone_enc,
                     phone_bidx, now, now);
}

/* ---- groups ---- */
json_t *org_store_groups_list(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_GROUPS, NULL);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)tb_stmt_int(st, 0), "name",
                                           tb_stmt_text(st, 1), "description", tb_stmt_text(st, 2), "members",
                                           (json_int_t)tb_stmt_int(st, 3)));
    return a;
}

int64_t org_store_group_insert(tb_db *db, const char *name, const char *desc)
{
    return tb_db_int(db, -1, SQL_GROUP_INSERT, "tti", name, desc ? desc : "", tb_now());
}

int org_store_group_delete(tb_db *db, int64_t id)
{
    if (tb_db_exec(db, SQL_GROUP_DELETE_M, "i", id) < 0)
        return -1;
    return tb_db_exec(db, SQL_GROUP_DELETE, "i", id) == 1 ? 0 : -1;
}

bool org_store_group_exists(tb_db *db, int64_t id) { return tb_db_int(db, 0, SQL_GROUP_EXISTS, "i", id) > 0; }

int org_store_group_member_add(tb_db *db, int64_t group, int64_t staff)
{
    return tb_db_exec(db, SQL_MEMBER_ADD, "ii", group, staff) < 0 ? -1 : 0;
}

int org_store_group_member_remove(tb_db *db, int64_t group, int64_t staff)
{
    long n = tb_db_exec(db, SQL_MEMBER_DEL, "ii", group, staff);
    return n < 0 ? -1 : (int)n;
}

json_t *org_store_group_members(tb_db *db, int64_t group)
{
    tb_stmt *st = tb_db_query(db, SQL_MEMBERS, "i", group);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s?}", "id", (json_int_t)tb_stmt_int(st, 0), "login",
                                           tb_stmt_text(st, 1), "name", tb_stmt_text(st, 2), "department_name",
                                           tb_stmt_null(st, 3) ? NULL : tb_stmt_text(st, 3)));
    return a;
}

int org_store_staff_groups(tb_db *db, tb_arena *a, int64_t staff, int64_t **out)
{
    return org_store_ids(tb_db_query(db, SQL_STAFF_GROUPS, "i", staff), a, out);
}

/* ---- unban requests ---- */
int64_t org_store_unban_insert(tb_db *db, int64_t staff, int64_t dept, int64_t by, const char *reason)
{
    return tb_db_int(db, -1, SQL_UNBAN_INSERT, "iiiti", staff, dept, by, reason, tb_now());
}

int org_store_unban_get(tb_db *db, tb_arena *a, int64_t id, int64_t *staff, int64_t *dept, const char **status)
{
    tb_stmt *st = tb_db_query(db, SQL_UNBAN_GET, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    *staff = tb_stmt_int(st, 0);
    *dept = tb_stmt_int(st, 1);
    *status = dup(a, st, 2);
    tb_stmt_done(st);
    return 0;
}

int org_store_unban_decide(tb_db *db, int64_t id, const char *status, int64_t by, const char *note)
{
    return tb_db_exec(db, SQL_UNBAN_DECIDE, "tiiti", status, by, tb_now(), note ? note : "", id) == 1 ? 0 : -1;
}

json_t *org_store_unban_for_head(tb_db *db, int64_t head)
{
    tb_stmt *st = tb_db_query(db, SQL_UNBAN_FOR_HEAD, "i", head);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW) {
        char at[32];
        tb_time_iso(tb_stmt_int(st, 6), at);
        json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)tb_stmt_int(st, 0),
                                           "staff_id", (json_int_t)tb_stmt_int(st, 1), "staff_name",
                                           tb_stmt_text(st, 2), "login", tb_stmt_text(st, 3), "department_name",
                                           tb_stmt_text(st, 4), "reason", tb_stmt_text(st, 5), "created_at", at));
    }
    return a;
}

bool org_store_unban_pending(tb_db *db, int64_t staff)
{
    return tb_db_int(db, 0, SQL_UNBAN_PENDING, "i", staff) > 0;
}

json_t *org_store_staff_json(tb_db *db, int64_t id)
{
    tb_stmt *st = tb_db_query(db, SQL_GET, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return NULL;
    }
    json_t *o = staff_list_json(st);
    tb_stmt_done(st);
    return o;
}
