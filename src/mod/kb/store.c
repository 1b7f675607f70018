/* SQL of the kb module: categories, knowledge items and their steps, the
 * question log, unanswered questions, bad ratings, statistics and the public
 * content items. */
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "mod/kb/kb_internal.h"

static const char SQL_EPOCH[] = "SELECT epoch FROM cache_epochs WHERE name = ?";
static const char SQL_BUMP[] = "UPDATE cache_epochs SET epoch = epoch + 1 WHERE name = ?";
static const char SQL_CATS[] =
    "SELECT c.id, COALESCE(c.parent_id, 0), c.name, c.sort, (SELECT COUNT(*) FROM kb_items i WHERE i.category_id = "
    "c.id AND i.deleted_at IS NULL) FROM kb_categories c ORDER BY c.sort, c.id";
static const char SQL_CAT_GET[] = "SELECT COALESCE(parent_id, 0), name FROM kb_categories WHERE id = ?";
static const char SQL_CAT_INSERT[] = "INSERT INTO kb_categories(parent_id, name, sort, created_at, updated_at) "
                                     "VALUES (NULLIF(?, 0), ?, ?, ?, ?) RETURNING id";
static const char SQL_CAT_UPDATE[] =
    "UPDATE kb_categories SET parent_id = NULLIF(?, 0), name = ?, sort = ?, updated_at = ? WHERE id = ?";
static const char SQL_CAT_DELETE[] = "DELETE FROM kb_categories WHERE id = ?";
static const char SQL_CAT_USES[] = "SELECT (SELECT COUNT(*) FROM kb_categories WHERE parent_id = ?) + (SELECT COUNT(*) "
                                   "FROM kb_items WHERE category_id = ? AND deleted_at IS NULL)";
static const char SQL_CAT_FIND[] = "SELECT id FROM kb_categories WHERE COALESCE(parent_id, 0) = ? AND name = ?";

#define ITEM_COLS                                                                                                  \
    "i.id, i.category_id, COALESCE(i.valid_from, 0), COALESCE(i.valid_to, 0), COALESCE(i.return_deadline, 0), "    \
    "COALESCE(i.first_reviewer, 0), COALESCE(i.published_at, 0), COALESCE(i.editor_id, 0), i.created_at, "         \
    "i.updated_at, i.question, i.similar_questions, i.answer, i.regions, i.source, i.status, COALESCE(i.return_reason, ''), " \
    "COALESCE(i.live, ''), i.editor_name, COALESCE(c.name, '') "
#define ITEM_FROM "FROM kb_items i LEFT JOIN kb_categories c ON c.id = i.category_id "
static const char SQL_ITEM_GET[] = "SELECT " ITEM_COLS ITEM_FROM "WHERE i.id = ? AND i.deleted_at IS NULL";
static const char SQL_ITEM_INSERT[] =
    "INSERT INTO kb_items(category_id, question, similar_questions, answer, regions, valid_from, valid_to, source, status, "
    "editor_id, editor_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, "
    "NULLIF(?, 0), ?, ?, ?) RETURNING id";
static const char SQL_ITEM_UPDATE[] =
    "UPDATE kb_items SET category_id = ?, question = ?, similar_questions = ?, answer = ?, regions = ?, valid_from = NULLIF(?, "
    "0), valid_to = NULLIF(?, 0), source = ?, status = 'draft', first_reviewer = NULL, editor_id = NULLIF(?, 0), "
    "editor_name = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL AND status IN ('draft', 'returned', "
    "'published')";
static const char SQL_ITEM_MOVE[] =
    "UPDATE kb_items SET status = ?, updated_at = ? WHERE id = ? AND status = ? AND deleted_at IS NULL";
static const char SQL_ITEM_FIRST[] = "UPDATE kb_items SET status = 'pending2', first_reviewer = ?, updated_at = ? "
                                     "WHERE id = ? AND status = 'pending' AND deleted_at IS NULL";
static const char SQL_ITEM_PUBLISH[] =
    "UPDATE kb_items SET status = 'published', live = ?, published_at = ?, return_reason = NULL, return_deadline = "
    "NULL, updated_at = ? WHERE id = ? AND status = ? AND deleted_at IS NULL";
static const char SQL_ITEM_RETURN[] =
    "UPDATE kb_items SET status = 'returned', return_reason = ?, return_deadline = ?, first_reviewer = NULL, "
    "updated_at = ? WHERE id = ? AND status = ? AND deleted_at IS NULL";
static const char SQL_ITEM_DELETE[] = "UPDATE kb_items SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at "
                                      "IS NULL AND status NOT IN ('pending', 'pending2')";
static const char SQL_STEP[] =
    "INSERT INTO kb_steps(item_id, step, actor_id, actor_name, opinion, at) VALUES (?, ?, NULLIF(?, 0), ?, ?, ?)";
static const char SQL_STEPS[] = "SELECT step, actor_name, opinion, at FROM kb_steps WHERE item_id = ? ORDER BY id";
#define ITEMS_WHERE                                                                                              \
    "WHERE i.deleted_at IS NULL AND (CAST(? AS TEXT) IS NULL OR i.status = CAST(? AS TEXT)) "                     \
    "AND (CAST(? AS TEXT) IS NULL OR i.question LIKE ('%' || CAST(? AS TEXT) || '%') OR i.similar_questions LIKE ('%' || " \
    "CAST(? AS TEXT) || '%')) AND (CAST(? AS TEXT) IS NULL OR CAST(? AS TEXT) LIKE ('%,' || "                    \
    "CAST(i.category_id AS TEXT) || ',%')) "
static const char SQL_ITEMS[] = "SELECT " ITEM_COLS ITEM_FROM ITEMS_WHERE "ORDER BY i.updated_at DESC, i.id DESC "
                                                                        "LIMIT ? OFFSET ?";
static const char SQL_ITEMS_COUNT[] = "SELECT COUNT(*) FROM kb_items i " ITEMS_WHERE;
static const char SQL_LIVE[] = "SELECT id, category_id, live FROM kb_items WHERE live IS NOT NULL AND deleted_at IS "
                               "NULL ORDER BY id";
static const char SQL_QUERY_LOG[] = "INSERT INTO kb_queries(question, region, item_id, category_id, at) VALUES (?, "
                                    "?, NULLIF(?, 0), NULLIF(?, 0), ?)";
static const char SQL_UNANS_BUMP[] =
    "UPDATE kb_unanswered SET times = times + CASE WHEN last_at >= ? THEN 0 ELSE 1 END, last_at = ?, source = ? "
    "WHERE question = ? AND status = 'open'";
static const char SQL_UNANS_INSERT[] =
    "INSERT INTO kb_unanswered(question, source, created_at, last_at) VALUES (?, ?, ?, ?)";
static const char SQL_UNANS_LIST[] =
    "SELECT id, question, source, times, status, note, created_at, last_at FROM kb_unanswered WHERE (CAST(? AS TEXT) "
    "IS NULL OR status = CAST(? AS TEXT)) ORDER BY last_at DESC, id DESC LIMIT ? OFFSET ?";
static const char SQL_UNANS_COUNT[] =
    "SELECT COUNT(*) FROM kb_unanswered WHERE (CAST(? AS TEXT) IS NULL OR status = CAST(? AS TEXT))";
static const char SQL_UNANS_RESOLVE[] = "UPDATE kb_unanswered SET status = 'resolved', note = ?, handled_by = ?, "
                                        "handled_at = ? WHERE id = ? AND status = 'open'";
static const char SQL_RATING_ADD[] = "INSERT INTO kb_bad_ratings(item_id, question, reason_tags, text, created_at) "
                                     "VALUES (NULLIF(?, 0), ?, ?, ?, ?) RETURNING id";
#define RATING_COLS                                                                                                \
    "b.id, COALESCE(b.item_id, 0), b.question, b.reason_tags, b.text, b.status, b.note, b.created_at, "            \
    "COALESCE(b.handled_at, 0), COALESCE(i.question, ''), COALESCE(i.status, ''), COALESCE(s.name, '') "            \
    "FROM kb_bad_ratings b LEFT JOIN kb_items i ON i.id = b.item_id AND i.deleted_at IS NULL LEFT JOIN staff s ON " \
    "s.id = b.handled_by "
static const char SQL_RATINGS[] = "SELECT " RATING_COLS "WHERE (CAST(? AS TEXT) IS NULL OR b.status = CAST(? AS "
                                  "TEXT)) ORDER BY b.created_at DESC, b.id DESC LIMIT ? OFFSET ?";
static const char SQL_RATINGS_COUNT[] =
    "SELECT COUNT(*) FROM kb_bad_ratings WHERE (CAST(? AS TEXT) IS NULL OR status = CAST(? AS TEXT))";
static const char SQL_RATING_GET[] = "SELECT " RATING_COLS "WHERE b.id = ?";
static const char SQL_RATING_HANDLE[] = "UPDATE kb_bad_ratings SET status = 'handled', note = ?, handled_by = ?, "
                                        "handled_at = ? WHERE id = ? AND status = 'open'";
static const char SQL_HOT[] =
    "SELECT q.item_id, MAX(i.question), COUNT(*) FROM kb_queries q JOIN kb_items i ON i.id = q.item_id AND "
    "i.deleted_at IS NULL AND i.live IS NOT NULL WHERE q.at >= ? GROUP BY q.item_id ORDER BY 3 DESC, 1 LIMIT ?";
/* statistics */
static const char SQL_ST_MAINT[] = "SELECT editor_name, status, COUNT(*) FROM kb_items WHERE deleted_at IS NULL AND "
                                   "updated_at >= ? AND updated_at <= ? GROUP BY editor_name, status ORDER BY 1, 2";
static const char SQL_ST_TOTAL[] = "SELECT status, COUNT(*), SUM(CASE WHEN live IS NOT NULL THEN 1 ELSE 0 END) FROM "
                                   "kb_items WHERE deleted_at IS NULL GROUP BY status ORDER BY 1";
static const char SQL_ST_QUERIES[] =
    "SELECT COUNT(*), SUM(CASE WHEN item_id IS NULL THEN 0 ELSE 1 END) FROM kb_queries WHERE at >= ? AND at <= ?";
static const char SQL_ST_DAYS[] = "SELECT (at + 28800) / 86400 AS d, COUNT(*) FROM kb_queries WHERE at >= ? AND at <= "
                                  "? GROUP BY (at + 28800) / 86400 ORDER BY 1";
static const char SQL_ST_HOT[] =
    "SELECT q.item_id, MAX(i.question), COUNT(*) FROM kb_queries q JOIN kb_items i ON i.id = q.item_id WHERE q.at >= ? "
    "AND q.at <= ? GROUP BY q.item_id ORDER BY 3 DESC, 1 LIMIT 10";
static const char SQL_ST_UNANS[] = "SELECT question, times FROM kb_unanswered WHERE status = 'open' AND last_at >= ? "
                                   "AND last_at <= ? ORDER BY times DESC, last_at DESC LIMIT 10";
static const char SQL_ST_UNANS_N[] = "SELECT COUNT(*), COALESCE(SUM(times), 0) FROM kb_unanswered WHERE last_at >= ? "
                                     "AND last_at <= ? AND status = 'open'";
static const char SQL_ST_BAD[] = "SELECT COUNT(*), SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) FROM "
                                 "kb_bad_ratings WHERE created_at >= ? AND created_at <= ?";
static const char SQL_ST_BAD_ITEMS[] =
    "SELECT b.item_id, MAX(i.question), COUNT(*) FROM kb_bad_ratings b JOIN kb_items i ON i.id = b.item_id WHERE "
    "b.created_at >= ? AND b.created_at <= ? GROUP BY b.item_id ORDER BY 3 DESC, 1 LIMIT 10";
static const char SQL_ST_CATS[] = "SELECT COALESCE(category_id, 0), COUNT(*) FROM kb_queries WHERE at >= ? AND at <= "
                                  "? GROUP BY COALESCE(category_id, 0) ORDER BY 1";
/* content */
#define CONTENT_COLS "id, COALESCE(published_at, 0), created_at, updated_at, type, title, body, source, status "
static const char SQL_CT_GET[] = "SELECT " CONTENT_COLS "FROM content_items WHERE id = ?";
static const char SQL_CT_INSERT[] =
    "INSERT INTO content_items(type, title, body, source, status, published_at, created_by, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?) RETURNING id";
static const char SQL_CT_UPDATE[] =
    "UPDATE content_items SET title = ?, body = ?, source = ?, updated_at = ? WHERE id = ?";
static const char SQL_CT_STATUS[] =
    "UPDATE content_items SET status = ?, published_at = COALESCE(NULLIF(?, 0), published_at), updated_at = ? WHERE "
    "id = ?";
#define CT_WHERE                                                                                                     \
    "WHERE (CAST(? AS TEXT) IS NULL OR type = CAST(? AS TEXT)) AND (CAST(? AS TEXT) IS NULL OR status = CAST(? AS " \
    "TEXT)) AND (CAST(? AS TEXT) IS NULL OR title LIKE ('%' || CAST(? AS TEXT) || '%')) "
static const char SQL_CT_LIST[] =
    "SELECT " CONTENT_COLS "FROM content_items " CT_WHERE
    "ORDER BY CASE WHEN status = 'published' THEN published_at ELSE updated_at END DESC, id DESC LIMIT ? OFFSET ?";
static const char SQL_CT_COUNT[] = "SELECT COUNT(*) FROM content_items " CT_WHERE;
static const char SQL_CT_PUBLISHED[] = "SELECT id, type, title, body, source, COALESCE(published_at, 0) FROM "
                                       "content_items WHERE status = 'published' ORDER BY id";
static const char SQL_CT_FIND[] = "SELECT id FROM content_items WHERE type = ? AND title = ?";
static const char SQL_SEED_ITEM_FIND[] = "SELECT id FROM kb_items WHERE question = ? AND deleted_at IS NULL";
static const char SQL_SEED_ITEM[] =
    "INSERT INTO kb_items(category_id, question, similar_questions, answer, regions, source, status, live, published_at, "
    "editor_name, created_at, updated_at) VALUES (?, ?, ?, ?, '[]', ?, 'published', ?, ?, '系统初始化', ?, ?) "
    "RETURNING id";

static const char *dup(tb_req *r, tb_stmt *st, int col) { return tb_arena_strdup(r->arena, tb_stmt_text(st, col)); }

int64_t kb_store_epoch(tb_db *db, const char *name) { return tb_db_int(db, -1, SQL_EPOCH, "t", name); }
int kb_store_bump(tb_db *db, const char *name) { return tb_db_exec(db, SQL_BUMP, "t", name) == 1 ? 0 : -1; }

json_t *kb_store_categories(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_CATS, "");
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:I, s:s, s:I, s:I}", "id", (json_int_t)tb_stmt_int(st, 0),
                                           "parent_id", (json_int_t)tb_stmt_int(st, 1), "name", tb_stmt_text(st, 2),
                                           "sort", (json_int_t)tb_stmt_int(st, 3), "items",
                                           (json_int_t)tb_stmt_int(st, 4)));
    return a;
}

int kb_store_category_get(tb_req *r, int64_t id, int64_t *parent, const char **name)
{
    tb_stmt *st = tb_db_query(r->db, SQL_CAT_GET, "i", id);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc == TB_ROW) {
        *parent = tb_stmt_int(st, 0);
        *name = dup(r, st, 1);
    }
    tb_stmt_done(st);
    return rc == TB_ROW ? 0 : rc == TB_DONE ? 1 : -1;
}

int64_t kb_store_category_insert(tb_db *db, int64_t parent, const char *name, int64_t sort, int64_t now)
{
    return tb_db_int(db, -1, SQL_CAT_INSERT, "itiii", parent, name, sort, now, now);
}

long kb_store_category_update(tb_db *db, int64_t id, int64_t parent, const char *name, int64_t sort, int64_t now)
{
    return tb_db_exec(db, SQL_CAT_UPDATE, "itiii", parent, name, sort, now, id);
}

long kb_store_category_delete(tb_db *db, int64_t id) { return tb_db_exec(db, SQL_CAT_DELETE, "i", id); }

int64_t kb_store_category_uses(tb_db *db, int64_t id) { return tb_db_int(db, -1, SQL_CAT_USES, "ii", id, id); }

int64_t kb_store_category_ensure(tb_db *db, int64_t parent, const char *name, int64_t sort, int64_t now)
{
    int64_t id = tb_db_int(db, -1, SQL_CAT_FIND, "it", parent, name);
    return id > 0 ? id : kb_store_category_insert(db, parent, name, sort, now);
}

static void read_item(tb_req *r, tb_stmt *st, kb_item *it)
{
    int64_t *ints[] = {&it->id,           &it->category_id,  &it->valid_from, &it->valid_to,   &it->return_deadline,
                       &it->first_reviewer, &it->published_at, &it->editor_id, &it->created_at, &it->updated_at};
    for (int i = 0; i < 10; i++)
        *ints[i] = tb_stmt_int(st, i);
    const char **strs[] = {&it->question, &it->similar,       &it->answer, &it->regions,     &it->source,
                           &it->status,   &it->return_reason, &it->live,   &it->editor_name, &it->category_name};
    for (int i = 0; i < 10; i++)
        *strs[i] = dup(r, st, 10 + i);
}

int kb_store_item_get(tb_req *r, int64_t id, kb_item *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_ITEM_GET, "i", id);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc == TB_ROW)
        read_item(r, st, out);
    tb_stmt_done(st);
    return rc == TB_ROW ? 0 : rc == TB_DONE ? 1 : -1;
}

int64_t kb_store_item_insert(tb_db *db, const kb_item *it)
{
    return tb_db_int(db, -1, SQL_ITEM_INSERT, "ittttiittitii", it->category_id, it->question, it->similar,
                     it->answer, it->regions, it->valid_from, it->valid_to, it->source, it->status, it->editor_id,
                     it->editor_name, it->created_at, it->updated_at);
}

long kb_store_item_update(tb_db *db, const kb_item *it)
{
    return tb_db_exec(db, SQL_ITEM_UPDATE, "ittttiititii", it->category_id, it->question, it->similar, it->answer,
                      it->regions, it->valid_from, it->valid_to, it->source, it->editor_id, it->editor_name,
                      it->updated_at, it->id);
}

long kb_store_item_move(tb_db *db, int64_t id, const char *from, const char *to, int64_t now)
{
    return tb_db_exec(db, SQL_ITEM_MOVE, "tiit", to, now, id, from);
}

long kb_store_item_first(tb_db *db, int64_t id, int64_t reviewer, int64_t now)
{
    return tb_db_exec(db, SQL_ITEM_FIRST, "iii", reviewer, now, id);
}

long kb_store_item_publish(tb_db *db, int64_t id, const char *from, const char *live, int64_t now)
{
    return tb_db_exec(db, SQL_ITEM_PUBLISH, "tiiit", live, now, now, id, from);
}

long kb_store_item_return(tb_db *db, int64_t id, const char *from, const char *reason, int64_t deadline, int64_t now)
{
    return tb_db_exec(db, SQL_ITEM_RETURN, "tiiit", reason, deadline, now, id, from);
}

long kb_store_item_delete(tb_db *db, int64_t id, int64_t now) { return tb_db_exec(db, SQL_ITEM_DELETE, "iii", now, now, id); }

int kb_store_step(tb_db *db, int64_t item, const char *step, int64_t actor, const char *name, const char *opinion,
                  int64_t at)
{
    return tb_db_exec(db, SQL_STEP, "ititti", item, step, actor, name ? name : "", opinion ? opinion : "", at) == 1
               ? 0
               : -1;
}

json_t *kb_store_steps(tb_req *r, int64_t item)
{
    json_t *a = json_array();
    tb_stmt *st = tb_db_query(r->db, SQL_STEPS, "i", item);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "step", tb_stmt_text(st, 0), "actor_name",
                                           tb_stmt_text(st, 1), "opinion", tb_stmt_text(st, 2), "at",
                                           tb_req_iso(r, tb_stmt_int(st, 3))));
    return a;
}

int kb_store_items(tb_req *r, const kb_filter *f, int64_t limit, int64_t offset,
                   void (*fn)(tb_req *, const kb_item *, void *), void *arg, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_ITEMS_COUNT, "ttttttt", f->status, f->status, f->q, f->q, f->q, f->cats,
                          f->cats);
    if (n < 0)
        return -1;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_ITEMS, "tttttttii", f->status, f->status, f->q, f->q, f->q, f->cats, f->cats,
                              limit, offset);
    if (!st)
        return -1;
    kb_item it;
    while (tb_stmt_step(st) == TB_ROW) {
        read_item(r, st, &it);
        fn(r, &it, arg);
    }
    return 0;
}

json_t *kb_store_live(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_LIVE, "");
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:I, s:s}", "id", (json_int_t)tb_stmt_int(st, 0), "category_id",
                                           (json_int_t)tb_stmt_int(st, 1), "live", tb_stmt_text(st, 2)));
    return a;
}

int kb_store_query_log(tb_db *db, const char *q, const char *region, int64_t item, int64_t category, int64_t at)
{
    return tb_db_exec(db, SQL_QUERY_LOG, "ttiii", q, region && *region ? region : NULL, item, category, at) == 1 ? 0
                                                                                                                : -1;
}

int kb_store_unanswered_add(tb_db *db, const char *q, const char *source, int64_t at, int64_t same_since)
{
    long n = tb_db_exec(db, SQL_UNANS_BUMP, "iitt", same_since, at, source, q);
    if (n < 0)
        return -1;
    if (n > 0)
        return 0;
    return tb_db_exec(db, SQL_UNANS_INSERT, "ttii", q, source, at, at) == 1 ? 0 : -1;
}

json_t *kb_store_unanswered(tb_req *r, const char *status, int64_t limit, int64_t offset, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_UNANS_COUNT, "tt", status, status);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_UNANS_LIST, "ttii", status, status, limit, offset);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "id",
                                           (json_int_t)tb_stmt_int(st, 0), "question", tb_stmt_text(st, 1), "source",
                                           tb_stmt_text(st, 2), "times", (json_int_t)tb_stmt_int(st, 3), "status",
                                           tb_stmt_text(st, 4), "note", tb_stmt_text(st, 5), "created_at",
                                           tb_req_iso(r, tb_stmt_int(st, 6)), "last_at",
                                           tb_req_iso(r, tb_stmt_int(st, 7))));
    return a;
}

long kb_store_unanswered_resolve(tb_db *db, int64_t id, const char *note, int64_t staff, int64_t at)
{
    return tb_db_exec(db, SQL_UNANS_RESOLVE, "tiii", note, staff, at, id);
}

int64_t kb_store_rating_add(tb_db *db, int64_t item, const char *q, const char *tags, const char *text, int64_t at)
{
    return tb_db_int(db, -1, SQL_RATING_ADD, "ittti", item, q, tags ? tags : "", text ? text : "", at);
}

static json_t *rating_json(tb_req *r, tb_stmt *st)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)tb_stmt_int(st, 0), "question",
                          tb_stmt_text(st, 2), "reason_tags", tb_stmt_text(st, 3), "text", tb_stmt_text(st, 4),
                          "status", tb_stmt_text(st, 5), "note", tb_stmt_text(st, 6), "created_at",
                          tb_req_iso(r, tb_stmt_int(st, 7)));
    int64_t item = tb_stmt_int(st, 1);
    json_object_set_new(o, "item", item ? json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)item, "question",
                                                   tb_stmt_text(st, 9), "status", tb_stmt_text(st, 10), "status_name",
                                                   kb_status_name(tb_stmt_text(st, 10)))
                                        : json_null());
    json_object_set_new(o, "handled_at",
                        tb_stmt_int(st, 8) ? json_string(tb_req_iso(r, tb_stmt_int(st, 8))) : json_null());
    json_object_set_new(o, "handled_by", *tb_stmt_text(st, 11) ? json_string(tb_stmt_text(st, 11)) : json_null());
    return o;
}

json_t *kb_store_ratings(tb_req *r, const char *status, int64_t limit, int64_t offset, int64_t *total)
{
    int64_t n = tb_db_int(r->db, -1, SQL_RATINGS_COUNT, "tt", status, status);
    if (n < 0)
        return NULL;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_RATINGS, "ttii", status, status, limit, offset);
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, rating_json(r, st));
    return a;
}

json_t *kb_store_rating_get(tb_req *r, int64_t id)
{
    tb_stmt *st = tb_db_query(r->db, SQL_RATING_GET, "i", id);
    if (!st)
        return NULL;
    json_t *o = tb_stmt_step(st) == TB_ROW ? rating_json(r, st) : NULL;
    tb_stmt_done(st);
    return o;
}

long kb_store_rating_handle(tb_db *db, int64_t id, const char *note, int64_t staff, int64_t at)
{
    return tb_db_exec(db, SQL_RATING_HANDLE, "tiii", note, staff, at, id);
}

static json_t *count_rows(tb_stmt *st)
{
    json_t *a = json_array();
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)tb_stmt_int(st, 0), "question",
                                           tb_stmt_text(st, 1), "count", (json_int_t)tb_stmt_int(st, 2)));
    return a;
}

json_t *kb_store_hot(tb_req *r, int64_t since, int64_t n) { return count_rows(tb_db_query(r->db, SQL_HOT, "ii", since, n)); }

json_t *kb_store_stats(tb_req *r, int64_t from, int64_t to)
{
    tb_db *db = r->db;
    json_t *o = json_object();
    /* maintenance per editor and status (items last changed in the period) */
    json_t *maint = json_array();
    tb_stmt *st = tb_db_query(db, SQL_ST_MAINT, "ii", from, to);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(maint, json_pack("{s:s, s:s, s:s, s:I}", "editor", tb_stmt_text(st, 0), "status",
                                               tb_stmt_text(st, 1), "status_name", kb_status_name(tb_stmt_text(st, 1)),
                                               "count", (json_int_t)tb_stmt_int(st, 2)));
    json_object_set_new(o, "maintenance", maint);
    /* the whole base now */
    json_t *totals = json_object();
    int64_t all = 0, live = 0;
    st = tb_db_query(db, SQL_ST_TOTAL, "");
    while (st && tb_stmt_step(st) == TB_ROW) {
        json_object_set_new(totals, tb_stmt_text(st, 0), json_integer(tb_stmt_int(st, 1)));
        all += tb_stmt_int(st, 1);
        live += tb_stmt_int(st, 2);
    }
    json_object_set_new(totals, "all", json_integer(all));
    json_object_set_new(totals, "live", json_integer(live));
    json_object_set_new(o, "items", totals);
    /* queries */
    int64_t q = 0, answered = 0;
    st = tb_db_query(db, SQL_ST_QUERIES, "ii", from, to);
    if (st && tb_stmt_step(st) == TB_ROW) {
        q = tb_stmt_int(st, 0);
        answered = tb_stmt_int(st, 1);
        tb_stmt_done(st);
    }
    json_t *days = json_array();
    st = tb_db_query(db, SQL_ST_DAYS, "ii", from, to);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(days, json_pack("{s:s, s:I}", "date", kb_date(r, tb_stmt_int(st, 0) * 86400 - 28800 + 1),
                                              "count", (json_int_t)tb_stmt_int(st, 1)));
    json_object_set_new(o, "queries", json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)q, "answered",
                                                (json_int_t)answered, "unanswered", (json_int_t)(q - answered),
                                                "by_day", days));
    json_object_set_new(o, "hot_items", count_rows(tb_db_query(db, SQL_ST_HOT, "ii", from, to)));
    /* unanswered */
    int64_t un = 0, untimes = 0;
    st = tb_db_query(db, SQL_ST_UNANS_N, "ii", from, to);
    if (st && tb_stmt_step(st) == TB_ROW) {
        un = tb_stmt_int(st, 0);
        untimes = tb_stmt_int(st, 1);
        tb_stmt_done(st);
    }
    json_t *top = json_array();
    st = tb_db_query(db, SQL_ST_UNANS, "ii", from, to);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(top, json_pack("{s:s, s:I}", "question", tb_stmt_text(st, 0), "times",
                                             (json_int_t)tb_stmt_int(st, 1)));
    json_object_set_new(o, "unanswered", json_pack("{s:I, s:I, s:o}", "open", (json_int_t)un, "times",
                                                   (json_int_t)untimes, "top", top));
    /* bad ratings */
    int64_t bad = 0, open = 0;
    st = tb_db_query(db, SQL_ST_BAD, "ii", from, to);
    if (st && tb_stmt_step(st) == TB_ROW) {
        bad = tb_stmt_int(st, 0);
        open = tb_stmt_int(st, 1);
        tb_stmt_done(st);
    }
    json_object_set_new(o, "bad_ratings", json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)bad, "open",
                                                    (json_int_t)open, "handled", (json_int_t)(bad - open), "items",
                                                    count_rows(tb_db_query(db, SQL_ST_BAD_ITEMS, "ii", from, to))));
    /* queries per category (mapped to the root by the caller) */
    json_t *cats = json_array();
    st = tb_db_query(db, SQL_ST_CATS, "ii", from, to);
    while (st && tb_stmt_step(st) == TB_ROW)
        json_array_append_new(cats, json_pack("{s:I, s:I}", "category_id", (json_int_t)tb_stmt_int(st, 0), "count",
                                              (json_int_t)tb_stmt_int(st, 1)));
    json_object_set_new(o, "query_categories", cats);
    return o;
}

/* ---- content ---- */
static void read_content(tb_req *r, tb_stmt *st, content_item *c)
{
    c->id = tb_stmt_int(st, 0);
    c->published_at = tb_stmt_int(st, 1);
    c->created_at = tb_stmt_int(st, 2);
    c->updated_at = tb_stmt_int(st, 3);
    c->type = dup(r, st, 4);
    c->title = dup(r, st, 5);
    c->body = dup(r, st, 6);
    c->source = dup(r, st, 7);
    c->status = dup(r, st, 8);
}

int content_store_get(tb_req *r, int64_t id, content_item *out)
{
    tb_stmt *st = tb_db_query(r->db, SQL_CT_GET, "i", id);
    if (!st)
        return -1;
    int rc = tb_stmt_step(st);
    if (rc == TB_ROW)
        read_content(r, st, out);
    tb_stmt_done(st);
    return rc == TB_ROW ? 0 : rc == TB_DONE ? 1 : -1;
}

int64_t content_store_insert(tb_db *db, const content_item *c, int64_t actor)
{
    return tb_db_int(db, -1, SQL_CT_INSERT, "tttttiiii", c->type, c->title, c->body, c->source, c->status,
                     c->published_at, actor, c->created_at, c->updated_at);
}

long content_store_update(tb_db *db, const content_item *c)
{
    return tb_db_exec(db, SQL_CT_UPDATE, "tttii", c->title, c->body, c->source, c->updated_at, c->id);
}

long content_store_status(tb_db *db, int64_t id, const char *status, int64_t published_at, int64_t now)
{
    return tb_db_exec(db, SQL_CT_STATUS, "tiii", status, published_at, now, id);
}

int content_store_list(tb_req *r, const char *type, const char *status, const char *q, bool published,
                       int64_t limit, int64_t offset, void (*fn)(tb_req *, const content_item *, void *), void *arg,
                       int64_t *total)
{
    if (published)
        status = "published";
    int64_t n = tb_db_int(r->db, -1, SQL_CT_COUNT, "tttttt", type, type, status, status, q, q);
    if (n < 0)
        return -1;
    *total = n;
    tb_stmt *st = tb_db_query(r->db, SQL_CT_LIST, "ttttttii", type, type, status, status, q, q, limit, offset);
    if (!st)
        return -1;
    content_item c;
    while (tb_stmt_step(st) == TB_ROW) {
        read_content(r, st, &c);
        fn(r, &c, arg);
    }
    return 0;
}

json_t *content_store_published(tb_db *db)
{
    tb_stmt *st = tb_db_query(db, SQL_CT_PUBLISHED, "");
    if (!st)
        return NULL;
    json_t *a = json_array();
    while (tb_stmt_step(st) == TB_ROW)
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)tb_stmt_int(st, 0),
                                           "type", tb_stmt_text(st, 1), "title", tb_stmt_text(st, 2), "body",
                                           tb_stmt_text(st, 3), "source", tb_stmt_text(st, 4), "published_at",
                                           (json_int_t)tb_stmt_int(st, 5)));
    return a;
}

int64_t content_store_upsert_seed(tb_db *db, const char *type, const char *title, const char *body,
                                  const char *source, int64_t published_at, int64_t now)
{
    int64_t id = tb_db_int(db, -1, SQL_CT_FIND, "tt", type, title);
    if (id > 0)
        return id;
    content_item c = {.type = type, .title = title, .body = body, .source = source, .status = "published",
                      .published_at = published_at, .created_at = now, .updated_at = now};
    return content_store_insert(db, &c, 0);
}

int64_t kb_store_seed_item(tb_db *db, int64_t category, const char *question, const char *similar, const char *answer,
                           const char *source, const char *live, int64_t now)
{
    int64_t id = tb_db_int(db, -1, SQL_SEED_ITEM_FIND, "t", question);
    if (id > 0)
        return id;
    return tb_db_int(db, -1, SQL_SEED_ITEM, "itttttiii", category, question, similar, answer, source, live, now, now,
                     now);
}
