/* Work-portal routes of the public content (公示公告, 政策法规, 网站操作常见问题):
 * list, write (the body is sanitized rich text), publish with a publish date,
 * withdraw. Every write is audited in its transaction; publishing and
 * withdrawing bump the 'content' cache epoch, which rebuilds the search
 * snapshot. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/kb/kb_internal.h"

static json_t *content_json(tb_req *r, const content_item *c, bool detail)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "id", (json_int_t)c->id, "type", c->type,
                          "type_name", content_type_name(c->type), "title", c->title, "source", c->source, "status",
                          c->status, "published_at", tb_req_iso(r, c->published_at), "updated_at",
                          tb_req_iso(r, c->updated_at));
    json_object_set_new(o, "status_name", json_string(!strcmp(c->status, "published")   ? "已发布"
                                                      : !strcmp(c->status, "unpublished") ? "已撤回"
                                                                                          : "草稿"));
    if (detail)
        json_object_set_new(o, "body", json_string(c->body));
    return o;
}

static void add_row(tb_req *r, const content_item *c, void *arg) { json_array_append_new(arg, content_json(r, c, false)); }

static const content_item *load(tb_req *r)
{
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    content_item *c = tb_arena_alloc(r->arena, sizeof *c);
    int rc = *end || id <= 0 ? 1 : content_store_get(r, id, c);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    if (rc)
        return tb_reply_err(r, TB_E_CONTENT_NOT_FOUND, "id"), NULL;
    return c;
}

static void reply_fresh(tb_req *r, int64_t id, int status)
{
    content_item c;
    if (content_store_get(r, id, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, status, content_json(r, &c, true));
}

static void get_list(tb_req *r)
{
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    const char *type = tb_req_query(r, "type"), *status = tb_req_query(r, "status"), *q = tb_req_query(r, "q");
    if (r->replied)
        return;
    type = type && *type ? type : NULL;
    status = status && *status ? status : NULL;
    q = q && *q ? q : NULL;
    if (type && !content_type_valid(type))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "type");
    if (status && strcmp(status, "draft") && strcmp(status, "published") && strcmp(status, "unpublished"))
        return tb_reply_err(r, TB_E_INVALID_FIELD, "status");
    if (q && tb_json_cp_len(q) > 50)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "q");
    json_t *items = json_array();
    if (content_store_list(r, type, status, q, false, size, (page - 1) * size, add_row, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_one(tb_req *r)
{
    const content_item *c = load(r);
    if (c)
        tb_reply_json(r, 200, content_json(r, c, true));
}

static int check_fields(tb_req *r, content_item *c, const char *body)
{
    if (c->title && tb_json_cp_len(c->title) < 2)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "title", "标题至少 2 个字");
    if (body) {
        c->body = kb_sanitize_html(r->arena, body);
        if (!*kb_plain_text(r->arena, c->body))
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "body", "正文不能为空");
    }
    return 0;
}

static int finish(tb_req *r, const char *action, int64_t id, bool bump, const char *detail)
{
    if ((bump && kb_store_bump(r->db, "content") != 0) ||
        audit_record(r, action, tb_arena_printf(r->arena, "content:%lld", (long long)id), "ok", detail) != 0) {
        tb_db_rollback(r->db);
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return -1;
    }
    if (tb_db_commit(r->db) != 0) {
        tb_db_rollback(r->db);
        tb_reply_err(r, TB_E_INTERNAL, NULL);
        return -1;
    }
    kb_index_invalidate();
    return 0;
}

static int begin(tb_req *r)
{
    if (tb_db_begin(r->db) == 0)
        return 0;
    tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    return -1;
}

static void post_content(tb_req *r)
{
    content_item c = {.source = ""};
    const char *body = NULL, *date = NULL;
    bool publish = false;
    tb_jfield spec[] = {TB_JSTR("type", &c.type, true, 10),
                        TB_JSTR("title", &c.title, true, CONTENT_TITLE_MAX),
                        TB_JSTR("body", &body, true, CONTENT_BODY_MAX),
                        TB_JSTR("source", &c.source, false, KB_SOURCE_MAX),
                        TB_JBOOL("publish", &publish, false),
                        TB_JSTR("published_at", &date, false, 10),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (!content_type_valid(c.type))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "type",
                                   "类别只能是 notice（公示公告）、policy（政策法规）或 faq（常见问题）");
    if (!c.source)
        c.source = "";
    if (check_fields(r, &c, body) != 0)
        return;
    c.created_at = c.updated_at = tb_now();
    c.status = publish ? "published" : "draft";
    if (publish) {
        c.published_at = c.created_at;
        if (date && *date && kb_parse_date(date, false, &c.published_at) != 0)
            return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "published_at", "发布日期格式应为 YYYY-MM-DD");
    }
    if (begin(r) != 0)
        return;
    c.id = content_store_insert(r->db, &c, r->subject_id);
    if (c.id <= 0) {
        bool dup = tb_db_errkind_last(r->db) == TB_DBE_UNIQUE;
        tb_db_rollback(r->db);
        if (dup)
            return (void)tb_reply_fail(r, TB_E_CONFLICT, "title", "同一类别下已有相同标题的内容");
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    if (finish(r, "content.create", c.id, publish, c.type) == 0)
        reply_fresh(r, c.id, 201);
}

static void put_content(tb_req *r)
{
    const char *title = NULL, *body = NULL, *source = NULL;
    tb_jfield spec[] = {TB_JSTR("title", &title, false, CONTENT_TITLE_MAX), TB_JSTR("body", &body, false, CONTENT_BODY_MAX),
                        TB_JSTR("source", &source, false, KB_SOURCE_MAX), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    const content_item *cur = load(r);
    if (!cur)
        return;
    content_item c = *cur;
    c.title = title ? title : cur->title;
    c.source = source ? source : cur->source;
    if (check_fields(r, &c, body) != 0)
        return;
    c.updated_at = tb_now();
    if (begin(r) != 0)
        return;
    if (content_store_update(r->db, &c) != 1) {
        bool dup = tb_db_errkind_last(r->db) == TB_DBE_UNIQUE;
        tb_db_rollback(r->db);
        if (dup)
            return (void)tb_reply_fail(r, TB_E_CONFLICT, "title", "同一类别下已有相同标题的内容");
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    if (finish(r, "content.update", c.id, !strcmp(c.status, "published"), c.type) == 0)
        reply_fresh(r, c.id, 200);
}

static void set_status(tb_req *r, bool publish)
{
    const char *date = NULL;
    tb_jfield spec[] = {TB_JSTR("published_at", &date, false, 10), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    const content_item *c = load(r);
    if (!c)
        return;
    if (publish == !strcmp(c->status, "published"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", publish ? "该内容已发布" : "该内容未发布，无需撤回");
    int64_t now = tb_now(), at = publish ? now : 0;
    if (publish && date && *date && kb_parse_date(date, false, &at) != 0)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "published_at", "发布日期格式应为 YYYY-MM-DD");
    if (begin(r) != 0)
        return;
    if (content_store_status(r->db, c->id, publish ? "published" : "unpublished", at, now) != 1) {
        tb_db_rollback(r->db);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    if (finish(r, publish ? "content.publish" : "content.unpublish", c->id, true, c->type) == 0)
        reply_fresh(r, c->id, 200);
}

static void post_publish(tb_req *r) { set_status(r, true); }
static void post_unpublish(tb_req *r) { set_status(r, false); }

const tb_route content_routes[] = {
    {"GET", "/api/v1/work/content", get_list, TB_AUTH_STAFF, "content.write", 0, "content",
     "公开内容管理列表（公示公告、政策法规、常见问题；按类别、状态、标题筛选）"},
    {"POST", "/api/v1/work/content", post_content, TB_AUTH_STAFF, "content.write", TB_R_JSON, "content",
     "新增公开内容（可直接发布）"},
    {"GET", "/api/v1/work/content/{id}", get_one, TB_AUTH_STAFF, "content.write", 0, "content", "公开内容详情"},
    {"PUT", "/api/v1/work/content/{id}", put_content, TB_AUTH_STAFF, "content.write", TB_R_JSON, "content",
     "修改公开内容"},
    {"POST", "/api/v1/work/content/{id}/publish", post_publish, TB_AUTH_STAFF, "content.write", TB_R_JSON, "content",
     "发布（可指定发布日期）"},
    {"POST", "/api/v1/work/content/{id}/unpublish", post_unpublish, TB_AUTH_STAFF, "content.write", TB_R_JSON,
     "content", "撤回"},
};
const size_t content_nroutes = sizeof content_routes / sizeof content_routes[0];
