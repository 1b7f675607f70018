/* SQL of the feedback module: consultations, complaints, suggestions, their
 * step history and the complaint statistics. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "mod/feedback/feedback_internal.h"

#define FB_COLS                                                                                                    \
    "f.id, COALESCE(f.citizen_id, 0), f.department_id, COALESCE(f.replied_at, 0), COALESCE(f.replied_by, 0), "      \
    "COALESCE(f.target_department_id, 0), COALESCE(f.target_staff_id, 0), COALESCE(f.concluded_at, 0), f.due_at, " \
    "COALESCE(f.created_by, 0), f.created_at, f.updated_at, f.kind, f.channel, f.contact_name, "                    \
    "COALESCE(f.contact_phone_enc, ''), COALESCE(f.email_enc, ''), f.title, f.content, COALESCE(f.matter_code, ''), " \
    "COALESCE(f.matter_name, ''), f.status, COALESCE(f.reply, ''), COALESCE(f.finding, ''), COALESCE(d.name, ''), "  \
    "COALESCE(td.name, ''), COALESCE(ts.name, '') "
#define FB_FROM                                                                                         \
    "FROM feedback f LEFT JOIN departments d ON d.id = f.department_id LEFT JOIN departments td ON " \
    "td.id = f.target_department_id LEFT JOIN staff ts ON ts.id = f.target_staff_id "

static const char SQL_GET[] = "SELECT " FB_COLS FB_FROM "WHERE f.id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO feedback(kind, channel, citizen_id, contact_name, contact_phone_enc, email_enc, title, content, "
    "department_id, matter_code, matter_name, status, due_at, created_by, created_at, updated_at) "
    "VALUES (?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, NULLIF(?, 0), ?, ?) RETURNING id";
static const char SQL_STEP[] = "INSERT INTO feedback_steps(feedback_id, step, actor_realm, actor_id, actor_name, "
                               "opinion, at) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_STEPS[] = "SELECT step, actor_realm, actor_name, opinion, at FROM feedback_steps "
                                "WHERE feedback_id = ? ORDER BY id";
static const char SQL_MOVE[] = "UPDATE feedback SET status = ?, updated_at = ? WHERE id = ? AND status = ?";
static const char SQL_REPLY[] = "UPDATE feedback SET status = 'replied', reply = ?, replied_by = ?, replied_at = ?, "
                                "updated_at = ? WHERE id = ? AND status = 'submitted' AND kind <> 'complaint'";
static const char SQL_CONCLUDE[] =
    "UPDATE feedback SET status = 'concluded', finding = ?, target_department_id = ?, target_staff_id = ?, "
    "reply = ?, replied_by = ?, replied_at = ?, concluded_at = ?, updated_at = ? WHERE id = ? AND kind = 'complaint' "
    "AND status IN ('reviewed', 'instructed')";
static const char SQL_OF_CITIZEN[] = "SELECT " FB_COLS FB_FROM "WHERE f.citizen_id = ? AND f.kind = ? "
                                     "ORDER BY f.created_at DESC, f.id DESC LIMIT ? OFFSET ?";
static const char SQL_OF_CITIZEN_COUNT[] = "SELECT COUNT(*) FROM feedback WHERE citizen_id = ? AND kind = ?";
/* scope: "1,2,3" or NULL (all); status 'open' = not yet replied or concluded */
#define LIST_WHERE                                                                                                  \
    "WHERE (CAST(? AS TEXT) IS NULL OR f.kind = CAST(? AS TEXT)) "                                                   \
    "AND (CAST(? AS TEXT) IS NULL OR f.status = CAST(? AS TEXT) OR (CAST(? AS TEXT) = 'open' AND "                   \
    "f.status NOT IN ('replied', 'concluded'))) "                                                                    \
    "AND (CAST(? AS TEXT) IS NULL OR f.channel = CAST(? AS TEXT)) "                                                  \
    "AND (? = 0 OR f.department_id = ?) "                                                                            \
    "AND (? = 0 OR (f.status NOT IN ('replied', 'concluded') AND f.due_at < ?)) "                                    \
    "AND (CAST(? AS TEXT) IS NULL OR f.title LIKE ('%' || CAST(? AS TEXT) || '%')) "                                 \
    "AND (CAST(? AS TEXT) IS NULL OR (',' || CAST(? AS TEXT) || ',') LIKE ('%,' || CAST(f.department_id AS TEXT) || " \
    "',%')) "
static const char SQL_LIST[] = "SELECT " FB_COLS FB_FROM LIST_WHERE "ORDER BY f.created_at DESC, f.id DESC "
                                                                   "LIMIT ? OFFSET ?";
static const char SQL_LIST_COUNT[] = "SELECT COUNT(*) FROM feedback f " LIST_WHERE;
static const char SQL_DEPT_NAME[] = "SELECT name FROM departments WHERE id = ?";
static const char SQL_DEPTS[] = "SELECT id, name, short_name, COALESCE(parent_id, 0), level FROM departments "
                                "ORDER BY level, sort_order, id";
static const char SQL_DEPT_STAFF[] = "SELECT id, name FROM staff WHERE department_id = ? AND status = 'active' "
                                     "ORDER BY name, id";
static const char SQL_MATTER_NAME[] = "SELECT name FROM matters WHERE code = ? AND status = 'published'";
/* the department complained about: the one named at the conclusion, else the one the complaint was sent to */
#define STATS_WHERE                                                                                                 \
    "WHERE f.kind = 'complaint' AND f.created_at >= ? AND f.created_at <= ? AND (CAST(? AS TEXT) IS NULL OR "       \
    "(',' || CAST(? AS TEXT) || ',') LIKE ('%,' || CAST(COALESCE(f.target_department_id, f.department_id) AS TEXT) " \
    "|| ',%')) "
#define STATS_SUMS                                                                                                  \
    "COUNT(*), SUM(CASE WHEN f.concluded_at IS NOT NULL THEN 1 ELSE 0 END), "                                       \
    "SUM(CASE WHEN f.finding = 'founded' THEN 1 ELSE 0 END), SUM(CASE WHEN f.finding = 'partly' THEN 1 ELSE 0 END), " \
    "SUM(CASE WHEN f.finding = 'unfounded' THEN 1 ELSE 0 END), "                                                    \
    "COALESCE(SUM(CASE WHEN f.concluded_at IS NOT NULL THEN f.concluded_at - f.created_at ELSE 0 END), 0) "
static const char SQL_STATS_DEPTS[] =
    "SELECT COALESCE(f.target_department_id, f.department_id) AS dep, COALESCE(MAX(d.name), ''), " STATS_SUMS
    "FROM feedback f LEFT JOIN departments d ON d.id = COALESCE(f.target_department_id, f.department_id) " STATS_WHERE
    "GROUP BY COALESCE(f.target_department_id, f.department_id) ORDER BY 3 DESC, 1";
static const char SQL_STATS_OFFICERS[] =
    "SELECT f.target_staff_id, COALESCE(MAX(s.name), ''), COALESCE(MAX(d.name), ''), " STATS_SUMS
    "FROM feedback f LEFT JOIN staff s ON s.id = f.target_staff_id LEFT JOIN departments d ON d.id = s.department_id "
    STATS_WHERE "AND f.target_staff_id IS NOT NULL GROUP BY f.target_staff_id ORDER BY 4 DESC, 1";

static const char *dup(tb_req *r, tb_stmt *st, int col) { return tb_arena_strdup(r->arena, tb_stmt_text(st, col)); }

static void read_item(tb_req *r, tb_stmt *st, fb_item *f)
{
    int64_t *ints[] = {&f->id,           &f->citizen_id,   &f->department_id, &f->replied_at,
                       &f->replied_by,   &f->target_department_id, &f->target_staff_id, &f->concluded_at,
                       &f->due_at,       &f->created_by,   &f->created_at,    &f->updated_at};
    for (int i = 0; i < 12; i++)
        *ints[i] = tb_stmt_int(st, i);
    const char **strs[] = {&f->kind,         &f->channel,     &f->contact_name, &f->contact_phone_enc,
                           &f->email_enc,    &f->title,       &f->content,      &f->matter_code,
                           &f->matter_name,  &f->status,      &f->reply,        &f->finding,
                           &f->department_name, &f->target_department_name, &f->target_staff_name};
    for (int i = 0; i < 15; i++)
        *strs[i] = dup(r, st, 12 + i);
}

int fb_store_get(tb_req *r, int64_t id, fb_item *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_GET, "i", id);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc == TB_ROW)
        read_item(r, st, out);
    tb_stmt_done(st);
    return rc == TB_ROW ? 0 : rc == TB_DONE ? 1 : -1;
}

static const char *nz(const char *s) { return s && *s ? s : NULL; }

int64_t fb_store_insert(tb_db *db, const fb_item *f)
{
    return tb_db_int(db, -1, SQL_INSERT, "ttitttttittiiii", f->kind, f->channel, f->citizen_id, f->contact_name,
                     nz(f->contact_phone_enc), nz(f->email_enc), f->title, f->content, f->department_id,
                     nz(f->matter_code), nz(f->matter_name), f->due_at, f->created_by, f->created_at, f->created_at);
}

int fb_store_step(tb_db *db, int64_t id, const char *step, const char *realm, int64_t actor, const char *actor_name,
                  const char *opinion, int64_t at)
{
    return tb_db_exec(db, SQL_STEP, "ittitti", id, step, realm, actor, actor_name, opinion ? opinion : "", at) ==
                   1
               ? 0
               : -1;
}

json_t *fb_store_steps(tb_req *r, int64_t id, bool with_opinion)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_STEPS, "i", id);
    while (st && tb_stmt_step(st) == TB_ROW) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "step", tb_stmt_text(st, 0), "actor_realm", tb_stmt_text(st, 1),
                              "actor_name", tb_stmt_text(st, 2), "at", tb_req_iso(r, tb_stmt_int(st, 4)));
        if (with_opinion)
            json_object_set_new(o, "opinion", json_string(tb_stmt_text(st, 3)));
        json_array_append_new(a, o);
    }
    return a;
}

long fb_store_move(tb_db *db, int64_t id, const char *from, const char *to, int64_t at)
{
    return tb_db_exec(db, SQL_MOVE, "tiit", to, at, id, from);
}

long fb_store_reply(tb_db *db, int64_t id, const char *reply, int64_t staff, int64_t at)
{
    return tb_db_exec(db, SQL_REPLY, "tiiii", reply, staff, at, at, id);
}

long fb_store_conclude(tb_db *db, int64_t id, const char *finding, int64_t tdept, int64_t tstaff, const char *text,
                       int64_t staff, int64_t at)
{
    static const char SQL_CONCLUDE_NOSTAFF[] =
        "UPDATE feedback SET status = 'concluded', finding = ?, target_department_id = ?, target_staff_id = NULL, "
        "reply = ?, replied_by = ?, replied_at = ?, concluded_at = ?, updated_at = ? WHERE id = ? AND "
        "kind = 'complaint' AND status IN ('reviewed', 'instructed')";
    if (tstaff > 0)
        return tb_db_exec(db, SQL_CONCLUDE, "tiitiiiii", finding, tdept, tstaff, text, staff, at, at, at, id);
    return tb_db_exec(db, SQL_CONCLUDE_NOSTAFF, "titiiiii", finding, tdept, text, staff, at, at, at, id);
}

int fb_store_of_citizen(tb_req *r, int64_t citizen, const char *kind, int64_t limit, int64_t offset,
                        void (*fn)(tb_req *, const fb_item *, void *), void *arg, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_OF_CITIZEN_COUNT, "it", citizen, kind);
    if (n < 0)
        return -1;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_OF_CITIZEN, "itii", citizen, kind, limit, offset);
    if (!st)
        return -1;
    fb_item f;
    while (tb_stmt_step(st) == TB_ROW) {
        read_item(r, st, &f);
        fn(r, &f, arg);
    }
    return 0;
}

int fb_store_list(tb_req *r, const fb_filter *f, int64_t limit, int64_t offset,
                  void (*fn)(tb_req *, const fb_item *, void *), void *arg, int64_t *total)
{
    int64_t overdue = f->overdue ? 1 : 0;
    int64_t n = tb_db_int(r->db, -1, SQL_LIST_COUNT, "tttttttiiiitttt", f->kind, f->kind, f->status, f->status,
                          f->status, f->channel, f->channel, f->department_id, f->department_id, overdue, f->now, f->q,
                          f->q, f->scope, f->scope);
    if (n < 0)
        return -1;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_LIST, "tttttttiiiittttii", f->kind, f->kind, f->status, f->status, f->status,
                              f->channel, f->channel, f->department_id, f->department_id, overdue, f->now, f->q, f->q,
                              f->scope, f->scope, limit, offset);
    if (!st)
        return -1;
    fb_item it;
    while (tb_stmt_step(st) == TB_ROW) {
        read_item(r, st, &it);
        fn(r, &it, arg);
    }
    return 0;
}

static const char *one_text(tb_req *r, const char *sql, const char *types, const void *v)
{
    tb_stmt *st = types[0] == 'i' ? tb_db_query(r->db, sql, "i", *(const int64_t *)v)
                                  : tb_db_query(r->db, sql, "t", (const char *)v);
    if (!st)
        return NULL;
    const char *out = tb_stmt_step(st) == TB_ROW ? tb_arena_strdup(r->arena, tb_stmt_text(st, 0)) : NULL;
    tb_stmt_done(st);
    return out;
}

const char *fb_store_department_name(tb_req *r, int64_t id) { return one_text(r, SQL_DEPT_NAME, "i", &id); }

const char *fb_store_matter_name(tb_req *r, const char *code) { return one_text(r, SQL_MATTER_NAME, "t", code); }

json_t *fb_store_departments(tb_req *r)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_DEPTS, NULL);
    while (st && tb_stmt_step(st) == TB_ROW) {
        int64_t parent = tb_stmt_int(st, 3);
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:o, s:I}", "id", (json_int_t)tb_stmt_int(st, 0), "name",
                                           tb_stmt_text(st, 1), "short_name", tb_stmt_text(st, 2), "parent_id",
                                           parent ? json_integer(parent) : json_null(), "level",
                                           (json_int_t)tb_stmt_int(st, 4)));
    }
    return a;
}

/* one row of sums starting at column c: received, concluded, founded, partly, unfounded, seconds */
static json_t *sums(tb_stmt *st, int c)
{
    int64_t concluded = tb_stmt_int(st, c + 1), seconds = tb_stmt_int(st, c + 5);
    double avg = concluded ? (double)seconds / 86400.0 / (double)concluded : 0.0;
    avg = (double)(int64_t)(avg * 10.0 + 0.5) / 10.0;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "received", (json_int_t)tb_stmt_int(st, c), "concluded",
                     (json_int_t)concluded, "founded", (json_int_t)tb_stmt_int(st, c + 2), "partly",
                     (json_int_t)tb_stmt_int(st, c + 3), "unfounded", (json_int_t)tb_stmt_int(st, c + 4),
                     "avg_handling_days", concluded ? json_real(avg) : json_null());
}

json_t *fb_store_stats_departments(tb_req *r, int64_t from, int64_t to, const char *scope)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_STATS_DEPTS, "iitt", from, to, scope, scope);
    while (st && tb_stmt_step(st) == TB_ROW) {
        json_t *o = sums(st, 2);
        json_object_set_new(o, "department_id", json_integer(tb_stmt_int(st, 0)));
        json_object_set_new(o, "department_name", json_string(tb_stmt_text(st, 1)));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *fb_store_stats_officers(tb_req *r, int64_t from, int64_t to, const char *scope)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_STATS_OFFICERS, "iitt", from, to, scope, scope);
    while (st && tb_stmt_step(st) == TB_ROW) {
        json_t *o = sums(st, 3);
        json_object_set_new(o, "staff_id", json_integer(tb_stmt_int(st, 0)));
        json_object_set_new(o, "staff_name", json_string(tb_stmt_text(st, 1)));
        json_object_set_new(o, "department_name", json_string(tb_stmt_text(st, 2)));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *fb_store_department_staff(tb_req *r, int64_t department_id)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_DEPT_STAFF, "i", department_id);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s}", "id", (json_int_t)tb_stmt_int(st, 0), "name",
                                           tb_stmt_text(st, 1)));
    return a;
}
