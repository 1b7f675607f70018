/* SQL of the evaluation module: evaluations and their rectification tasks.
 * Reads the case row it copies from (cases) and department names
 * (departments); writes only its own tables. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/evaluation/evaluation_internal.h"

#define BAD "('dissatisfied','very_dissatisfied')"
#define EV_COLS                                                                                                       \
    "e.id, e.case_id, e.seq, e.citizen_id, COALESCE(e.department_id, 0), e.case_type, e.created_at, e.is_default, "  \
    "COALESCE(e.rated_at, 0), e.changes, COALESCE(e.followup_at, 0), COALESCE(e.review_due_at, 0), "                  \
    "COALESCE(e.reviewed_at, 0), COALESCE(e.verified_at, 0), e.serial, e.stage, e.matter_code, e.matter_name, "       \
    "e.region, e.level, e.channel, e.tags, e.content, e.followup, e.review, e.reviewed_by, e.review_note, e.verify, " \
    "e.verified_by, e.verify_note, COALESCE(d.name, '') "
#define EV_FROM " FROM evaluations e LEFT JOIN departments d ON d.id = e.department_id "

static const char SQL_CASE[] = "SELECT id, serial, matter_code, matter_name, COALESCE(department_id, 0), region, "
                               "applicant_id, case_type FROM cases WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO evaluations(case_id, serial, stage, seq, citizen_id, matter_code, matter_name, department_id, region, "
    "case_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?) ON CONFLICT (case_id, stage) DO NOTHING "
    "RETURNING id";
static const char SQL_GET[] = "SELECT " EV_COLS EV_FROM "WHERE e.id = ?";
static const char SQL_OF_CITIZEN[] = "SELECT " EV_COLS EV_FROM "WHERE e.citizen_id = ? AND (CAST(? AS TEXT) IS NULL "
                                     "OR e.serial = CAST(? AS TEXT)) ORDER BY e.created_at DESC, e.id DESC "
                                     "LIMIT ? OFFSET ?";
static const char SQL_OF_CITIZEN_COUNT[] = "SELECT COUNT(*) FROM evaluations e WHERE e.citizen_id = ? AND "
                                           "(CAST(? AS TEXT) IS NULL OR e.serial = CAST(? AS TEXT))";
#define WHERE                                                                                                         \
    "WHERE (CAST(? AS TEXT) IS NULL OR (',' || CAST(? AS TEXT) || ',') LIKE ('%,' || CAST(e.department_id AS TEXT) " \
    "|| ',%')) AND (CAST(? AS TEXT) IS NULL OR e.level = CAST(? AS TEXT) OR (CAST(? AS TEXT) = 'bad' AND e.level IN " \
    BAD ")) AND (CAST(? AS TEXT) IS NULL OR (CAST(? AS TEXT) = 'pending' AND e.level IS NULL) OR "                    \
    "(CAST(? AS TEXT) = 'rated' AND e.level IS NOT NULL)) AND (CAST(? AS TEXT) IS NULL OR e.review = CAST(? AS TEXT)) " \
    "AND (CAST(? AS TEXT) IS NULL OR (CAST(? AS TEXT) = 'unverified' AND e.verify IS NULL AND e.level IN " BAD ") OR " \
    "e.verify = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR e.matter_code = CAST(? AS TEXT)) AND "              \
    "(CAST(? AS TEXT) IS NULL OR e.serial = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR e.region LIKE "          \
    "(CAST(? AS TEXT) || '%')) AND (? = 0 OR e.department_id = ?) AND (? = 0 OR COALESCE(e.rated_at, e.created_at) " \
    ">= ?) AND (? = 0 OR COALESCE(e.rated_at, e.created_at) <= ?) "
#define FILTER_TYPES "tttttttttttttttttttiiiiii"
#define FILTER_ARGS(f)                                                                                                \
    (f)->depts, (f)->depts, (f)->level, (f)->level, (f)->level, (f)->state, (f)->state, (f)->state, (f)->review,      \
        (f)->review, (f)->verify, (f)->verify, (f)->verify, (f)->matter, (f)->matter, (f)->serial, (f)->serial,       \
        (f)->region, (f)->region, (f)->department, (f)->department, (f)->from, (f)->from, (f)->to, (f)->to
static const char SQL_SEARCH[] = "SELECT " EV_COLS EV_FROM WHERE "ORDER BY COALESCE(e.rated_at, e.created_at) DESC, "
                                 "e.id DESC LIMIT ? OFFSET ?";
static const char SQL_SEARCH_COUNT[] = "SELECT COUNT(*)" EV_FROM WHERE;
static const char SQL_AGG_MATTER[] = "SELECT e.matter_code, MAX(e.matter_name), e.level, COUNT(*)" EV_FROM WHERE
                                     "AND e.level IS NOT NULL GROUP BY e.matter_code, e.level ORDER BY 1";
static const char SQL_AGG_DEPT[] = "SELECT CAST(COALESCE(e.department_id, 0) AS TEXT), MAX(COALESCE(d.name, '')), "
                                   "e.level, COUNT(*)" EV_FROM WHERE "AND e.level IS NOT NULL GROUP BY "
                                   "COALESCE(e.department_id, 0), e.level ORDER BY 1";
static const char SQL_AGG_REGION[] = "SELECT e.region, e.region, e.level, COUNT(*)" EV_FROM WHERE
                                     "AND e.level IS NOT NULL GROUP BY e.region, e.level ORDER BY 1";
static const char SQL_AGG_ALL[] = "SELECT 'all', '全部', e.level, COUNT(*)" EV_FROM WHERE
                                  "AND e.level IS NOT NULL GROUP BY e.level ORDER BY 1";
static const char SQL_RATE[] =
    "UPDATE evaluations SET changes = changes + (CASE WHEN level IS NULL THEN 0 ELSE 1 END), level = ?, channel = ?, "
    "tags = ?, content = ?, is_default = 0, rated_at = ?, review = ?, review_due_at = NULLIF(?, 0), reviewed_at = NULL, "
    "reviewed_by = NULL, review_note = NULL, verify = NULL, verified_at = NULL, verified_by = NULL, verify_note = NULL "
    "WHERE id = ? AND (verify IS NULL OR verify <> 'verified')";
static const char SQL_FOLLOWUP[] = "UPDATE evaluations SET followup = ?, followup_at = ?, review = 'pending', "
                                   "review_due_at = ?, reviewed_at = NULL, reviewed_by = NULL, review_note = NULL "
                                   "WHERE id = ? AND followup IS NULL AND level IS NOT NULL";
static const char SQL_REVIEW[] = "UPDATE evaluations SET review = ?, reviewed_at = ?, reviewed_by = ?, review_note = ? "
                                 "WHERE id = ? AND review = 'pending'";
static const char SQL_VERIFY[] = "UPDATE evaluations SET verify = ?, verified_at = ?, verified_by = ?, verify_note = ? "
                                 "WHERE id = ? AND verify IS NULL AND level IN " BAD;
static const char SQL_DUE_DEFAULTS[] = "SELECT id FROM evaluations WHERE level IS NULL AND created_at <= ? "
                                       "ORDER BY id LIMIT ?";
static const char SQL_SET_DEFAULT[] = "UPDATE evaluations SET level = 'basic', channel = 'default', is_default = 1, "
                                      "rated_at = ? WHERE id = ? AND level IS NULL";
static const char SQL_PUBLIC_COMMENTS[] =
    "SELECT level, content, COALESCE(followup, ''), rated_at FROM evaluations WHERE matter_code = ? AND "
    "review = 'approved' ORDER BY rated_at DESC, id DESC LIMIT ?";

#define RECT_COLS                                                                                                    \
    "id, evaluation_id, COALESCE(department_id, 0), opened_at, due_at, COALESCE(extended_at, 0), "                  \
    "COALESCE(original_due_at, 0), COALESCE(done_at, 0), status, opened_by, requirement, extension_reason, fix, "    \
    "feedback, done_by "
static const char SQL_RECT_INSERT[] =
    "INSERT INTO evaluation_rectifications(evaluation_id, department_id, status, opened_at, opened_by, requirement, "
    "due_at) VALUES (?, NULLIF(?, 0), 'open', ?, ?, ?, ?) RETURNING id";
static const char SQL_RECT_GET[] = "SELECT " RECT_COLS "FROM evaluation_rectifications WHERE id = ?";
static const char SQL_RECT_OF[] = "SELECT " RECT_COLS "FROM evaluation_rectifications WHERE evaluation_id = ?";
static const char SQL_RECT_EXTEND[] =
    "UPDATE evaluation_rectifications SET status = 'extended', extension_reason = ?, original_due_at = "
    "COALESCE(original_due_at, due_at), due_at = ?, extended_at = ? WHERE id = ? AND status <> 'done'";
static const char SQL_RECT_DONE[] = "UPDATE evaluation_rectifications SET status = 'done', fix = ?, feedback = ?, "
                                    "done_by = ?, done_at = ? WHERE id = ? AND status <> 'done'";
#define RECT_WHERE                                                                                                   \
    " FROM evaluation_rectifications WHERE (CAST(? AS TEXT) IS NULL OR (',' || CAST(? AS TEXT) || ',') LIKE ('%,' " \
    "|| CAST(department_id AS TEXT) || ',%')) AND (CAST(? AS TEXT) IS NULL OR (CAST(? AS TEXT) = 'open' AND "       \
    "status <> 'done') OR (CAST(? AS TEXT) = 'overdue' AND status <> 'done' AND due_at < ?) OR status = "           \
    "CAST(? AS TEXT)) "
static const char SQL_RECTS[] = "SELECT " RECT_COLS RECT_WHERE "ORDER BY CASE WHEN status = 'done' THEN 1 ELSE 0 END, "
                                "due_at, id LIMIT ? OFFSET ?";
static const char SQL_RECTS_COUNT[] = "SELECT COUNT(*)" RECT_WHERE;

static const char *text(tb_req *r, tb_stmt *st, int col)
{
    return tb_stmt_null(st, col) ? NULL : tb_arena_strdup(r->arena, tb_stmt_text(st, col));
}

int ev_store_case(tb_req *r, int64_t case_id, ev_row *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_CASE, "i", case_id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->case_id = tb_stmt_int(st, 0);
    out->serial = text(r, st, 1);
    out->matter_code = text(r, st, 2);
    out->matter_name = text(r, st, 3);
    out->department_id = tb_stmt_int(st, 4);
    out->region = text(r, st, 5);
    out->citizen_id = tb_stmt_int(st, 6);
    out->case_type = tb_stmt_int(st, 7);
    tb_stmt_done(st);
    return 0;
}

int64_t ev_store_insert(tb_db *db, const ev_row *e)
{
    int64_t id = tb_db_int(db, 0, SQL_INSERT, "ittiittitii", e->case_id, e->serial, e->stage, e->seq, e->citizen_id,
                           e->matter_code, e->matter_name, e->department_id, e->region, e->case_type, e->created_at);
    return tb_db_errkind_last(db) == TB_DBE_NONE ? id : -1; /* 0: no row (already there) */
}

static void read_row(tb_req *r, tb_stmt *st, ev_row *e)
{
    int64_t *ints[] = {&e->id,         &e->case_id,    &e->seq,           &e->citizen_id,  &e->department_id,
                       &e->case_type,  &e->created_at, &e->is_default,    &e->rated_at,    &e->changes,
                       &e->followup_at, &e->review_due_at, &e->reviewed_at, &e->verified_at};
    const char **texts[] = {&e->serial,      &e->stage,   &e->matter_code, &e->matter_name, &e->region,
                            &e->level,       &e->channel, &e->tags,        &e->content,     &e->followup,
                            &e->review,      &e->reviewed_by, &e->review_note, &e->verify, &e->verified_by,
                            &e->verify_note, &e->department_name};
    int col = 0;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++, col++)
        *ints[i] = tb_stmt_int(st, col);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++, col++)
        *texts[i] = text(r, st, col);
}

int ev_store_get(tb_req *r, int64_t id, ev_row *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_GET, "i", id);
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    read_row(r, st, out);
    tb_stmt_done(st);
    return 0;
}

static int rows(tb_req *r, tb_stmt *st, void (*fn)(tb_req *, const ev_row *, void *), void *arg)
{
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        ev_row e;
        read_row(r, st, &e);
        fn(r, &e, arg);
    }
    return rc == TB_DONE ? 0 : -1;
}

int ev_store_of_citizen(tb_req *r, int64_t citizen, const char *serial, int64_t limit, int64_t offset,
                        void (*fn)(tb_req *, const ev_row *, void *), void *arg, int64_t *total)
{
    *total = tb_db_int(r->db, 0, SQL_OF_CITIZEN_COUNT, "itt", citizen, serial, serial);
    return rows(r, tb_db_query(r->db, SQL_OF_CITIZEN, "ittii", citizen, serial, serial, limit, offset), fn, arg);
}

int ev_store_search(tb_req *r, const ev_filter *f, int64_t limit, int64_t offset,
                    void (*fn)(tb_req *, const ev_row *, void *), void *arg, int64_t *total)
{
    *total = tb_db_int(r->db, 0, SQL_SEARCH_COUNT, FILTER_TYPES, FILTER_ARGS(f));
    return rows(r, tb_db_query(r->db, SQL_SEARCH, FILTER_TYPES "ii", FILTER_ARGS(f), limit, offset), fn, arg);
}

int ev_store_rate(tb_db *db, int64_t id, const char *level, const char *channel, const char *tags,
                  const char *content, const char *review, int64_t review_due, int64_t now)
{
    return (int)tb_db_exec(db, SQL_RATE, "ttttitii", level, channel, tags, content, now, review, review_due, id);
}

int ev_store_followup(tb_db *db, int64_t id, const char *t, int64_t review_due, int64_t now)
{
    return (int)tb_db_exec(db, SQL_FOLLOWUP, "tiii", t, now, review_due, id);
}

int ev_store_review(tb_db *db, int64_t id, const char *decision, const char *by, const char *note, int64_t now)
{
    return (int)tb_db_exec(db, SQL_REVIEW, "titti", decision, now, by, note, id);
}

int ev_store_verify(tb_db *db, int64_t id, const char *result, const char *by, const char *note, int64_t now)
{
    return (int)tb_db_exec(db, SQL_VERIFY, "titti", result, now, by, note, id);
}

int ev_store_due_defaults(tb_req *r, int64_t cutoff, int64_t **ids, int cap)
{
    *ids = tb_arena_alloc(r->arena, (size_t)cap * sizeof **ids);
    tb_stmt *st = tb_db_query(r->db, SQL_DUE_DEFAULTS, "ii", cutoff, (int64_t)cap);
    int n = 0;
    while (st && n < cap && tb_stmt_step(st) == TB_ROW)
        (*ids)[n++] = tb_stmt_int(st, 0);
    tb_stmt_done(st);
    return n;
}

int ev_store_set_default(tb_db *db, int64_t id, int64_t now)
{
    return (int)tb_db_exec(db, SQL_SET_DEFAULT, "ii", now, id);
}

static int level_index(const char *level)
{
    const ev_level *l = ev_level_find(level);
    return l ? l->code - 1 : -1;
}

int ev_store_aggregate(tb_req *r, const ev_filter *f, const char *by,
                       void (*fn)(tb_req *, const char *key, const char *name, const int64_t counts[5], void *),
                       void *arg)
{
    const char *sql = !strcmp(by, "matter")       ? SQL_AGG_MATTER
                      : !strcmp(by, "department") ? SQL_AGG_DEPT
                      : !strcmp(by, "region")     ? SQL_AGG_REGION
                                                  : SQL_AGG_ALL;
    tb_stmt *st = tb_db_query(r->db, sql, FILTER_TYPES, FILTER_ARGS(f));
    if (!st)
        return -1;
    const char *key = NULL, *name = NULL;
    int64_t counts[5] = {0};
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        const char *k = tb_stmt_text(st, 0);
        if (key && strcmp(key, k)) {
            fn(r, key, name, counts, arg);
            memset(counts, 0, sizeof counts);
        }
        if (!key || strcmp(key, k)) {
            key = tb_arena_strdup(r->arena, k);
            name = tb_arena_strdup(r->arena, tb_stmt_text(st, 1));
        }
        int i = level_index(tb_stmt_text(st, 2));
        if (i >= 0)
            counts[i] += tb_stmt_int(st, 3);
    }
    if (key)
        fn(r, key, name, counts, arg);
    return rc == TB_DONE ? 0 : -1;
}

json_t *ev_store_public_comments(tb_req *r, const char *matter, int64_t limit)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_PUBLIC_COMMENTS, "ti", matter, limit);
    while (st && tb_stmt_step(st) == TB_ROW) {
        const ev_level *l = ev_level_find(tb_stmt_text(st, 0));
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "level", l ? l->key : "", "level_name",
                                           l ? l->name : "", "content", tb_stmt_text(st, 1), "followup",
                                           tb_stmt_text(st, 2), "rated_at", tb_req_iso(r, tb_stmt_int(st, 3))));
    }
    tb_stmt_done(st);
    return a;
}

int64_t ev_store_rect_insert(tb_db *db, int64_t evaluation, int64_t dept, const char *by, const char *requirement,
                             int64_t due, int64_t now)
{
    return tb_db_int(db, -1, SQL_RECT_INSERT, "iiitti", evaluation, dept, now, by, requirement, due);
}

static void read_rect(tb_req *r, tb_stmt *st, ev_rect *x)
{
    x->id = tb_stmt_int(st, 0);
    x->evaluation_id = tb_stmt_int(st, 1);
    x->department_id = tb_stmt_int(st, 2);
    x->opened_at = tb_stmt_int(st, 3);
    x->due_at = tb_stmt_int(st, 4);
    x->extended_at = tb_stmt_int(st, 5);
    x->original_due_at = tb_stmt_int(st, 6);
    x->done_at = tb_stmt_int(st, 7);
    x->status = text(r, st, 8);
    x->opened_by = text(r, st, 9);
    x->requirement = text(r, st, 10);
    x->extension_reason = text(r, st, 11);
    x->fix = text(r, st, 12);
    x->feedback = text(r, st, 13);
    x->done_by = text(r, st, 14);
}

static int one_rect(tb_req *r, tb_stmt *st, ev_rect *out)
{
    if (!st || tb_stmt_step(st) != TB_ROW) {
        tb_stmt_done(st);
        return -1;
    }
    read_rect(r, st, out);
    tb_stmt_done(st);
    return 0;
}

int ev_store_rect_get(tb_req *r, int64_t id, ev_rect *out)
{
    return one_rect(r, tb_db_query(r->db, SQL_RECT_GET, "i", id), out);
}

int ev_store_rect_of(tb_req *r, int64_t evaluation, ev_rect *out)
{
    return one_rect(r, tb_db_query(r->db, SQL_RECT_OF, "i", evaluation), out);
}

int ev_store_rect_extend(tb_db *db, int64_t id, const char *reason, int64_t due, int64_t now)
{
    return (int)tb_db_exec(db, SQL_RECT_EXTEND, "tiii", reason, due, now, id);
}

int ev_store_rect_done(tb_db *db, int64_t id, const char *fix, const char *feedback, const char *by, int64_t now)
{
    return (int)tb_db_exec(db, SQL_RECT_DONE, "tttii", fix, feedback, by, now, id);
}

int ev_store_rects(tb_req *r, const char *depts, const char *status, int64_t limit, int64_t offset,
                   void (*fn)(tb_req *, const ev_rect *, void *), void *arg, int64_t *total)
{
    int64_t now = tb_now();
    *total = tb_db_int(r->db, 0, SQL_RECTS_COUNT, "tttttit", depts, depts, status, status, status, now, status);
    tb_stmt *st = tb_db_query(r->db, SQL_RECTS, "tttttitii", depts, depts, status, status, status, now, status, limit,
                              offset);
    if (!st)
        return -1;
    int rc;
    while ((rc = tb_stmt_step(st)) == TB_ROW) {
        ev_rect x;
        read_rect(r, st, &x);
        fn(r, &x, arg);
    }
    return rc == TB_DONE ? 0 : -1;
}
