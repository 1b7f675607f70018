/* Work-portal routes of the knowledge base: the category tree, knowledge
 * items with their review workflow (编辑 → 提交 → 审核 → 发布, or 退回 with a
 * reason and a deadline; kb_review_levels = 2 adds a second-level review by
 * another reviewer), the 评价处置 list of bad ratings, the unanswered
 * questions and the statistics. Every write is audited in its transaction;
 * a change of what answers questions bumps the 'kb' cache epoch. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/kb/kb_internal.h"

/* ---- transactions ---- */
static int tx_begin(tb_req *r)
{
    if (tb_db_begin(r->db) == 0)
        return 0;
    tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    return -1;
}

static void tx_fail(tb_req *r, tb_errcode code, const char *field, const char *msg)
{
    tb_db_rollback(r->db);
    tb_reply_fail(r, code, field, msg);
}

static int tx_commit(tb_req *r)
{
    if (tb_db_commit(r->db) == 0) {
        kb_index_invalidate();
        return 0;
    }
    tb_db_rollback(r->db);
    tb_reply_err(r, TB_E_INTERNAL, NULL);
    return -1;
}

static int64_t path_id(tb_req *r)
{
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    return *end || id <= 0 ? 0 : id;
}

static const char *obj(tb_req *r, const char *kind, int64_t id)
{
    return tb_arena_printf(r->arena, "%s:%lld", kind, (long long)id);
}

/* ---- categories ---- */
static json_t *tree_of(json_t *rows, int64_t parent)
{
    json_t *a = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        if (tb_json_int(v, "parent_id", 0) != parent)
            continue;
        json_t *n = json_deep_copy(v);
        json_object_set_new(n, "children", tree_of(rows, tb_json_int(v, "id", 0)));
        json_array_append_new(a, n);
    }
    return a;
}

static void get_categories(tb_req *r)
{
    json_t *rows = kb_store_categories(r->db);
    if (!rows)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *paths = kb_category_paths(r->db);
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)tb_json_int(v, "id", 0));
        json_t *p = json_object_get(paths, key);
        json_object_set_new(v, "path", json_string(p ? tb_json_str(p, "path") : tb_json_str(v, "name")));
    }
    json_decref(paths);
    tb_reply_json(r, 200, json_pack("{s:o, s:o}", "tree", tree_of(rows, 0), "items", rows));
}

/* parent must exist, not be id or below id, and keep the tree at most 5 levels deep */
static int check_parent(tb_req *r, int64_t id, int64_t parent)
{
    int depth = 1;
    for (int64_t p = parent; p; depth++) {
        const char *name;
        int64_t up;
        int rc = kb_store_category_get(r, p, &up, &name);
        if (rc < 0)
            return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
        if (rc)
            return tb_reply_fail(r, TB_E_KB_CATEGORY_NOT_FOUND, "parent_id", "上级分类不存在");
        if (id && p == id)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "parent_id", "不能把分类移到它自己或它的下级分类之下");
        if (depth >= 5)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "parent_id", "分类最多 5 级");
        p = up;
    }
    return 0;
}

static void save_category(tb_req *r, int64_t id)
{
    const char *name = NULL;
    int64_t parent = 0, sort = 0;
    tb_jfield spec[] = {TB_JSTR("name", &name, true, KB_CATEGORY_MAX), TB_JINT("parent_id", &parent, false, 0, INT64_MAX),
                        TB_JINT("sort", &sort, false, 0, 100000), TB_JEND};
    bool update = id != 0;
    if (!tb_req_json_spec(r, spec) || check_parent(r, id, parent) != 0)
        return;
    if (id) {
        int64_t up;
        const char *old;
        int rc = kb_store_category_get(r, id, &up, &old);
        if (rc)
            return rc < 0 ? tb_reply_err(r, TB_E_INTERNAL, NULL) : tb_reply_err(r, TB_E_KB_CATEGORY_NOT_FOUND, "id");
    }
    if (tx_begin(r) != 0)
        return;
    int64_t now = tb_now();
    if (id) {
        if (kb_store_category_update(r->db, id, parent, name, sort, now) != 1)
            return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    } else if ((id = kb_store_category_insert(r->db, parent, name, sort, now)) <= 0) {
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    }
    if (kb_store_bump(r->db, "kb") != 0 ||
        audit_record(r, update ? "kb.category.update" : "kb.category.create", obj(r, "kb_category", id), "ok",
                     name) != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        tb_reply_json(r, update ? 200 : 201, json_pack("{s:I, s:I, s:s, s:I}", "id", (json_int_t)id,
                                                             "parent_id", (json_int_t)parent, "name", name, "sort",
                                                             (json_int_t)sort));
}

static void post_category(tb_req *r) { save_category(r, 0); }

static void put_category(tb_req *r)
{
    int64_t id = path_id(r);
    if (!id)
        return tb_reply_err(r, TB_E_KB_CATEGORY_NOT_FOUND, "id");
    save_category(r, id);
}

static void delete_category(tb_req *r)
{
    int64_t id = path_id(r), up;
    const char *name;
    int rc = id ? kb_store_category_get(r, id, &up, &name) : 1;
    if (rc)
        return rc < 0 ? tb_reply_err(r, TB_E_INTERNAL, NULL) : tb_reply_err(r, TB_E_KB_CATEGORY_NOT_FOUND, "id");
    if (tx_begin(r) != 0)
        return;
    int64_t uses = kb_store_category_uses(r->db, id);
    if (uses < 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (uses > 0)
        return tx_fail(r, TB_E_KB_CATEGORY_NOT_EMPTY, "id", NULL);
    if (kb_store_category_delete(r->db, id) != 1 || kb_store_bump(r->db, "kb") != 0 ||
        audit_record(r, "kb.category.delete", obj(r, "kb_category", id), "ok", name) != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        tb_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1));
}

/* ---- items ---- */
static const kb_item *load_item(tb_req *r)
{
    int64_t id = path_id(r);
    kb_item *it = tb_arena_alloc(r->arena, sizeof *it);
    int rc = id ? kb_store_item_get(r, id, it) : 1;
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    if (rc)
        return tb_reply_err(r, TB_E_KB_ITEM_NOT_FOUND, "id"), NULL;
    return it;
}

static void reply_item(tb_req *r, int64_t id, int status)
{
    kb_item it;
    if (kb_store_item_get(r, id, &it) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *o = kb_item_json(r, &it, true);
    json_object_set_new(o, "review_levels", json_integer(tb_cfg.kb_review_levels));
    tb_reply_json(r, status, o);
}

static void add_row(tb_req *r, const kb_item *it, void *arg) { json_array_append_new(arg, kb_item_json(r, it, false)); }

static const char *subtree(tb_req *r, int64_t root)
{
    json_t *rows = kb_store_categories(r->db);
    if (!rows)
        return NULL;
    /* breadth-first over the flat list */
    int64_t ids[1024];
    size_t n = 0;
    ids[n++] = root;
    for (size_t k = 0; k < n && n < 1024; k++) {
        size_t i;
        json_t *v;
        json_array_foreach(rows, i, v) {
            if (tb_json_int(v, "parent_id", 0) == ids[k] && n < 1024)
                ids[n++] = tb_json_int(v, "id", 0);
        }
    }
    json_decref(rows);
    const char *s = ",";
    for (size_t k = 0; k < n; k++)
        s = tb_arena_printf(r->arena, "%s%lld,", s, (long long)ids[k]);
    return s;
}

static void get_items(tb_req *r)
{
    int64_t page, size, total = 0, cat = 0;
    kb_filter f = {0};
    if (tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "category_id", 0, 0, INT64_MAX, &cat) != 0)
        return;
    f.status = tb_req_query(r, "status");
    f.q = tb_req_query(r, "q");
    if (r->replied)
        return;
    if (f.status && !*f.status)
        f.status = NULL;
    if (f.status && !*kb_status_name(f.status))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "status");
    if (f.q && !*f.q)
        f.q = NULL;
    if (f.q && tb_json_cp_len(f.q) > 50)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "q");
    if (cat && !(f.cats = subtree(r, cat)))
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *items = json_array();
    if (kb_store_items(r, &f, size, (page - 1) * size, add_row, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I, s:i}", "items", items, "total", (json_int_t)total, "review_levels",
                                    tb_cfg.kb_review_levels));
}

static void get_item(tb_req *r)
{
    const kb_item *it = load_item(r);
    if (it)
        reply_item(r, it->id, 200);
}

static void post_item(tb_req *r)
{
    json_t *body = tb_req_json(r);
    kb_item it = {0};
    if (!body || kb_item_from_json(r, body, &it, false) != 0)
        return;
    it.status = "draft";
    it.editor_id = r->subject_id;
    it.editor_name = kb_staff_name(r);
    it.created_at = it.updated_at = tb_now();
    if (tx_begin(r) != 0)
        return;
    it.id = kb_store_item_insert(r->db, &it);
    if (it.id <= 0 || kb_store_step(r->db, it.id, "create", r->subject_id, it.editor_name, "", it.created_at) != 0 ||
        audit_record(r, "kb.item.create", obj(r, "kb_item", it.id), "ok", "") != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        reply_item(r, it.id, 201);
}

static bool reviewing(const char *status) { return !strcmp(status, "pending") || !strcmp(status, "pending2"); }

static void put_item(tb_req *r)
{
    json_t *body = tb_req_json(r);
    const kb_item *cur = body ? load_item(r) : NULL;
    if (!cur)
        return;
    if (reviewing(cur->status))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "审核中的知识不能修改，请等待审核结果");
    kb_item it = *cur;
    if (kb_item_from_json(r, body, &it, true) != 0)
        return;
    it.editor_id = r->subject_id;
    it.editor_name = kb_staff_name(r);
    it.updated_at = tb_now();
    if (tx_begin(r) != 0)
        return;
    long n = kb_store_item_update(r->db, &it);
    if (n == 0)
        return tx_fail(r, TB_E_CONFLICT, "id", "审核中的知识不能修改，请等待审核结果");
    if (n < 0 || kb_store_step(r->db, it.id, "edit", r->subject_id, it.editor_name, "", it.updated_at) != 0 ||
        audit_record(r, "kb.item.update", obj(r, "kb_item", it.id), "ok", cur->status) != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        reply_item(r, it.id, 200);
}

static void delete_item(tb_req *r)
{
    const kb_item *it = load_item(r);
    if (!it)
        return;
    if (tx_begin(r) != 0)
        return;
    int64_t now = tb_now();
    long n = kb_store_item_delete(r->db, it->id, now);
    if (n == 0)
        return tx_fail(r, TB_E_CONFLICT, "id", "审核中的知识不能删除");
    if (n < 0 || kb_store_step(r->db, it->id, "delete", r->subject_id, kb_staff_name(r), "", now) != 0 ||
        (*it->live && kb_store_bump(r->db, "kb") != 0) ||
        audit_record(r, "kb.item.delete", obj(r, "kb_item", it->id), "ok", it->question) != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        tb_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)it->id, "deleted", 1));
}

static void post_submit(tb_req *r)
{
    const char *opinion = NULL;
    tb_jfield spec[] = {TB_JSTR("opinion", &opinion, false, KB_REASON_MAX), TB_JEND};
    const kb_item *it = tb_req_json_spec(r, spec) ? load_item(r) : NULL;
    if (!it)
        return;
    if (strcmp(it->status, "draft") && strcmp(it->status, "returned"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id",
                                   tb_arena_printf(r->arena, "当前状态为“%s”，只有编辑中或已退回的知识可以提交审核",
                                               kb_status_name(it->status)));
    if (tx_begin(r) != 0)
        return;
    int64_t now = tb_now();
    long n = kb_store_item_move(r->db, it->id, it->status, "pending", now);
    if (n == 0)
        return tx_fail(r, TB_E_CONFLICT, "id", "知识状态已变化，请刷新后重试");
    if (n < 0 || kb_store_step(r->db, it->id, "submit", r->subject_id, kb_staff_name(r), opinion, now) != 0 ||
        audit_record(r, "kb.item.submit", obj(r, "kb_item", it->id), "ok", "") != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        reply_item(r, it->id, 200);
}

/* the version that answers questions */
static char *live_json(tb_req *r, const kb_item *it)
{
    json_t *sim = json_loads(it->similar, 0, NULL), *regs = json_loads(it->regions, 0, NULL);
    json_t *o = json_pack("{s:s, s:o, s:s, s:o, s:I, s:I, s:s, s:I}", "question", it->question, "similar",
                          json_is_array(sim) ? sim : json_array(), "answer", it->answer, "regions",
                          json_is_array(regs) ? regs : json_array(), "valid_from", (json_int_t)it->valid_from,
                          "valid_to", (json_int_t)it->valid_to, "source", it->source, "category_id",
                          (json_int_t)it->category_id);
    if (!json_is_array(sim))
        json_decref(sim);
    if (!json_is_array(regs))
        json_decref(regs);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    char *out = tb_arena_strdup(r->arena, s);
    free(s);
    return out;
}

static void post_approve(tb_req *r)
{
    const char *opinion = NULL;
    tb_jfield spec[] = {TB_JSTR("opinion", &opinion, false, KB_REASON_MAX), TB_JEND};
    const kb_item *it = tb_req_json_spec(r, spec) ? load_item(r) : NULL;
    if (!it)
        return;
    if (!reviewing(it->status))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id",
                                   tb_arena_printf(r->arena, "当前状态为“%s”，只有待审核的知识可以审核",
                                               kb_status_name(it->status)));
    bool second = !strcmp(it->status, "pending2");
    if (second && it->first_reviewer == r->subject_id)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "二级审核须由另一位审核人员完成");
    bool first_of_two = !second && tb_cfg.kb_review_levels == 2;
    if (tx_begin(r) != 0)
        return;
    int64_t now = tb_now();
    long n = first_of_two ? kb_store_item_first(r->db, it->id, r->subject_id, now)
                          : kb_store_item_publish(r->db, it->id, it->status, live_json(r, it), now);
    if (n == 0)
        return tx_fail(r, TB_E_CONFLICT, "id", "知识状态已变化，请刷新后重试");
    if (n < 0 ||
        kb_store_step(r->db, it->id, first_of_two ? "approve1" : "publish", r->subject_id, kb_staff_name(r), opinion,
                      now) != 0 ||
        (!first_of_two && kb_store_bump(r->db, "kb") != 0) ||
        audit_record(r, first_of_two ? "kb.item.approve1" : "kb.item.publish", obj(r, "kb_item", it->id), "ok",
                     second ? "level2" : first_of_two ? "level1" : "") != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        reply_item(r, it->id, 200);
}

static void post_return(tb_req *r)
{
    const char *reason = NULL, *deadline = NULL;
    tb_jfield spec[] = {TB_JSTR("reason", &reason, true, KB_REASON_MAX), TB_JSTR("deadline", &deadline, true, 10),
                        TB_JEND};
    const kb_item *it = tb_req_json_spec(r, spec) ? load_item(r) : NULL;
    if (!it)
        return;
    int64_t due;
    if (kb_parse_date(deadline, true, &due) != 0)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "deadline", "反馈期限格式应为 YYYY-MM-DD");
    int64_t now = tb_now();
    if (due < now)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "deadline", "反馈期限不能早于今天");
    if (!reviewing(it->status))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id",
                                   tb_arena_printf(r->arena, "当前状态为“%s”，只有待审核的知识可以退回",
                                               kb_status_name(it->status)));
    if (tx_begin(r) != 0)
        return;
    long n = kb_store_item_return(r->db, it->id, it->status, reason, due, now);
    if (n == 0)
        return tx_fail(r, TB_E_CONFLICT, "id", "知识状态已变化，请刷新后重试");
    if (n < 0 ||
        kb_store_step(r->db, it->id, "return", r->subject_id, kb_staff_name(r),
                      tb_arena_printf(r->arena, "%s（反馈期限 %s）", reason, deadline), now) != 0 ||
        audit_record(r, "kb.item.return", obj(r, "kb_item", it->id), "ok", deadline) != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        reply_item(r, it->id, 200);
}

/* ---- 评价处置 ---- */
static int status_param(tb_req *r, const char *a, const char *b, const char **out)
{
    *out = tb_req_query(r, "status");
    if (r->replied)
        return -1;
    if (*out && !**out)
        *out = NULL;
    if (*out && strcmp(*out, a) && strcmp(*out, b))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "status"), -1;
    return 0;
}

static void get_ratings(tb_req *r)
{
    int64_t page, size, total = 0;
    const char *status;
    if (tb_req_page(r, &page, &size) != 0 || status_param(r, "open", "handled", &status) != 0)
        return;
    json_t *items = kb_store_ratings(r, status, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_rating(tb_req *r)
{
    int64_t id = path_id(r);
    json_t *o = id ? kb_store_rating_get(r, id) : NULL;
    if (!o)
        return tb_reply_err(r, TB_E_KB_RATING_NOT_FOUND, "id");
    tb_reply_json(r, 200, o);
}

static void post_rating_handle(tb_req *r)
{
    const char *note = NULL;
    tb_jfield spec[] = {TB_JSTR("note", &note, true, KB_REASON_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    int64_t id = path_id(r);
    json_t *o = id ? kb_store_rating_get(r, id) : NULL;
    if (!o)
        return tb_reply_err(r, TB_E_KB_RATING_NOT_FOUND, "id");
    json_decref(o);
    if (tx_begin(r) != 0)
        return;
    long n = kb_store_rating_handle(r->db, id, note, r->subject_id, tb_now());
    if (n == 0)
        return tx_fail(r, TB_E_CONFLICT, "id", "该评价已处置");
    if (n < 0 || audit_record(r, "kb.rating.handle", obj(r, "kb_rating", id), "ok", "") != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        tb_reply_json(r, 200, kb_store_rating_get(r, id));
}

/* ---- unanswered questions ---- */
static void get_unanswered(tb_req *r)
{
    int64_t page, size, total = 0;
    const char *status;
    if (tb_req_page(r, &page, &size) != 0 || status_param(r, "open", "resolved", &status) != 0)
        return;
    json_t *items = kb_store_unanswered(r, status, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void post_unanswered(tb_req *r)
{
    const char *q = NULL;
    tb_jfield spec[] = {TB_JSTR("question", &q, true, KB_QUESTION_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec) || tx_begin(r) != 0)
        return;
    if (kb_unresolved_add(r, q, "agent") != 0 || audit_record(r, "kb.unanswered.add", "kb_unanswered", "ok", q) != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        tb_reply_json(r, 201, json_pack("{s:s}", "question", q));
}

static void post_unanswered_resolve(tb_req *r)
{
    const char *note = NULL;
    tb_jfield spec[] = {TB_JSTR("note", &note, true, KB_REASON_MAX), TB_JEND};
    int64_t id = path_id(r);
    if (!tb_req_json_spec(r, spec))
        return;
    if (!id)
        return tb_reply_err(r, TB_E_KB_UNANSWERED_NOT_FOUND, "id");
    if (tx_begin(r) != 0)
        return;
    long n = kb_store_unanswered_resolve(r->db, id, note, r->subject_id, tb_now());
    if (n == 0)
        return tx_fail(r, TB_E_KB_UNANSWERED_NOT_FOUND, "id", "未解决问题不存在或已处理");
    if (n < 0 || audit_record(r, "kb.unanswered.resolve", obj(r, "kb_unanswered", id), "ok", "") != 0)
        return tx_fail(r, TB_E_INTERNAL, NULL, NULL);
    if (tx_commit(r) == 0)
        tb_reply_json(r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", "resolved"));
}

/* ---- statistics ---- */
static void get_stats(tb_req *r)
{
    int64_t from = 0, to = INT64_MAX / 2;
    if (kb_date_param(r, "from", false, &from) != 0 || kb_date_param(r, "to", true, &to) != 0)
        return;
    if (from > to)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "to", "结束日期不能早于开始日期");
    json_t *o = kb_store_stats(r, from, to), *paths = kb_category_paths(r->db);
    if (!paths) {
        json_decref(o);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    /* 运营管理: the share of questions per library (the root category) */
    json_t *pie = json_object(), *order = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o, "query_categories"), i, v) {
        char key[24];
        snprintf(key, sizeof key, "%lld", (long long)tb_json_int(v, "category_id", 0));
        json_t *p = json_object_get(paths, key);
        const char *name = p ? tb_json_str(p, "root") : "未匹配";
        json_t *cur = json_object_get(pie, name);
        if (!cur)
            json_array_append_new(order, json_string(name));
        json_object_set_new(pie, name, json_integer(json_integer_value(cur) + tb_json_int(v, "count", 0)));
    }
    json_t *shares = json_array();
    json_array_foreach(order, i, v) {
        const char *name = json_string_value(v);
        json_array_append_new(shares, json_pack("{s:s, s:I}", "category", name, "count",
                                                (json_int_t)json_integer_value(json_object_get(pie, name))));
    }
    json_object_del(o, "query_categories");
    json_object_set_new(o, "question_categories", shares);
    json_decref(pie);
    json_decref(order);
    json_decref(paths);
    tb_reply_json(r, 200, o);
}

const tb_route kb_work_routes[] = {
    {"GET", "/api/v1/work/kb/categories", get_categories, TB_AUTH_STAFF, "kb.read", 0, "kb",
     "知识栏目分类（树形及平铺列表）"},
    {"POST", "/api/v1/work/kb/categories", post_category, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb", "新增知识分类"},
    {"PUT", "/api/v1/work/kb/categories/{id}", put_category, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb",
     "修改知识分类（名称、上级、排序）"},
    {"DELETE", "/api/v1/work/kb/categories/{id}", delete_category, TB_AUTH_STAFF, "kb.edit", 0, "kb",
     "删除知识分类（无子分类和知识时）"},
    {"GET", "/api/v1/work/kb/items", get_items, TB_AUTH_STAFF, "kb.read", 0, "kb",
     "知识列表（按修改时间倒序；按状态、分类、关键词检索）"},
    {"POST", "/api/v1/work/kb/items", post_item, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb", "新增知识（编辑中）"},
    {"GET", "/api/v1/work/kb/items/{id}", get_item, TB_AUTH_STAFF, "kb.read", 0, "kb",
     "知识详情（工作稿、在用版本、流转记录、可执行操作）"},
    {"PUT", "/api/v1/work/kb/items/{id}", put_item, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb",
     "修改知识（已发布的知识生成新稿，审核通过后替换在用版本）"},
    {"DELETE", "/api/v1/work/kb/items/{id}", delete_item, TB_AUTH_STAFF, "kb.edit", 0, "kb", "删除知识"},
    {"POST", "/api/v1/work/kb/items/{id}/submit", post_submit, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb",
     "提交审核"},
    {"POST", "/api/v1/work/kb/items/{id}/approve", post_approve, TB_AUTH_STAFF, "kb.review", TB_R_JSON, "kb",
     "审核通过（一级审核通过后进入二级审核，或发布上架）"},
    {"POST", "/api/v1/work/kb/items/{id}/return", post_return, TB_AUTH_STAFF, "kb.review", TB_R_JSON, "kb",
     "审核退回（注明原因和反馈期限）"},
    {"GET", "/api/v1/work/kb/export", kb_get_export, TB_AUTH_STAFF, "kb.edit", 0, "kb", "导出知识（XLSX）"},
    {"POST", "/api/v1/work/kb/import", kb_post_import, TB_AUTH_STAFF, "kb.edit", TB_R_MULTIPART, "kb",
     "导入知识（XLSX；逐行校验，任一行有误则全部不导入）"},
    {"GET", "/api/v1/work/kb/ratings", get_ratings, TB_AUTH_STAFF, "kb.edit", 0, "kb",
     "评价处置：智能客服答复的不满意评价"},
    {"GET", "/api/v1/work/kb/ratings/{id}", get_rating, TB_AUTH_STAFF, "kb.edit", 0, "kb", "不满意评价详情"},
    {"POST", "/api/v1/work/kb/ratings/{id}/handle", post_rating_handle, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb",
     "处置不满意评价（记录处置说明）"},
    {"GET", "/api/v1/work/kb/unanswered", get_unanswered, TB_AUTH_STAFF, "kb.edit", 0, "kb",
     "未解决问题（无答案的提问、人工客服登记的疑难问题）"},
    {"POST", "/api/v1/work/kb/unanswered", post_unanswered, TB_AUTH_STAFF, "kb.edit", TB_R_JSON, "kb",
     "登记疑难问题"},
    {"POST", "/api/v1/work/kb/unanswered/{id}/resolve", post_unanswered_resolve, TB_AUTH_STAFF, "kb.edit", TB_R_JSON,
     "kb", "未解决问题已处理（如已补充知识）"},
    {"GET", "/api/v1/work/kb/stats", get_stats, TB_AUTH_STAFF, "kb.stats", 0, "kb",
     "知识统计分析与运营管理（维护、查询、热门、未解决、差评、问题分类占比）"},
};
const size_t kb_work_nroutes = sizeof kb_work_routes / sizeof kb_work_routes[0];
