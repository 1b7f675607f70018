/* Public routes of the module: answers from the knowledge base (what the
 * assistant calls through kb.h, for the portal and for tests), suggestions
 * while typing and hot items; the published notices, policies and FAQ, one
 * by one and searched. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "mod/kb/kb_internal.h"

static const char *text_param(tb_req *r, const char *key, size_t max_cp, bool required)
{
    const char *v = tb_req_query(r, key);
    if (r->replied)
        return NULL;
    if (!v || !*v) {
        if (required)
            tb_reply_err(r, TB_E_FIELD_REQUIRED, key);
        return NULL;
    }
    if (tb_json_cp_len(v) > max_cp) {
        tb_reply_err(r, TB_E_INVALID_FIELD, key);
        return NULL;
    }
    return v;
}

static void get_answer(tb_req *r)
{
    int64_t n = 3;
    const char *q = text_param(r, "q", 200, true);
    if (!q)
        return;
    const char *region = text_param(r, "region", 6, false);
    if (r->replied || tb_req_query_int(r, "n", 3, 1, 20, &n) != 0)
        return;
    if (region && !kb_region_valid(region))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "region", "区划代码应为 6 位数字");
    json_t *items = kb_answer(r, q, region, (int)n);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void get_suggest(tb_req *r)
{
    int64_t n = 8;
    const char *q = text_param(r, "q", 50, true);
    if (!q || tb_req_query_int(r, "n", 8, 1, 20, &n) != 0)
        return;
    tb_reply_json(r, 200, json_pack("{s:o}", "items", kb_suggest(r, q, (int)n)));
}

static void get_hot(tb_req *r)
{
    int64_t days = 7, n = 10;
    if (tb_req_query_int(r, "days", 7, 1, 365, &days) != 0 || tb_req_query_int(r, "n", 10, 1, 50, &n) != 0)
        return;
    tb_reply_json(r, 200, json_pack("{s:o}", "items", kb_hot(r, (int)days, (int)n)));
}

/* A 不满意 rating of a knowledge answer given in the portal: into the 评价处置 list. */
static void post_rating(tb_req *r)
{
    const char *q = NULL, *tags = NULL, *text = NULL;
    int64_t item = 0;
    tb_jfield spec[] = {TB_JINT("item_id", &item, false, 0, INT64_MAX), TB_JSTR("question", &q, true, KB_QUESTION_MAX),
                        TB_JSTR("reason_tags", &tags, false, 100), TB_JSTR("text", &text, false, KB_REASON_MAX),
                        TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (tb_db_begin(r->db) != 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    if (kb_bad_rating(r, item, q, tags, text) != 0 || tb_db_commit(r->db) != 0) {
        tb_db_rollback(r->db);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 201, json_pack("{s:b}", "recorded", 1));
}

/* ---- public content ---- */
static void add_public(tb_req *r, const content_item *c, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?}", "id", (json_int_t)c->id, "type", c->type,
                                         "type_name", content_type_name(c->type), "title", c->title, "source",
                                         c->source, "published_at", tb_req_iso(r, c->published_at)));
}

static const char *type_param(tb_req *r)
{
    const char *t = tb_req_query(r, "type");
    if (r->replied || !t || !*t)
        return NULL;
    if (!content_type_valid(t)) {
        tb_reply_fail(r, TB_E_INVALID_FIELD, "type", "类别只能是 notice（公示公告）、policy（政策法规）或 faq（常见问题）");
        return NULL;
    }
    return t;
}

static void get_content_list(tb_req *r)
{
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    const char *type = type_param(r);
    if (r->replied)
        return;
    json_t *items = json_array();
    if (content_store_list(r, type, NULL, NULL, true, size, (page - 1) * size, add_public, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_content(tb_req *r)
{
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    content_item c;
    int rc = *end || id <= 0 ? 1 : content_store_get(r, id, &c);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (rc || strcmp(c.status, "published"))
        return tb_reply_err(r, TB_E_CONTENT_NOT_FOUND, "id");
    tb_reply_json(r, 200, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", (json_int_t)c.id, "type", c.type,
                                    "type_name", content_type_name(c.type), "title", c.title, "body", c.body,
                                    "source", c.source, "published_at", tb_req_iso(r, c.published_at)));
}

static void get_content_search(tb_req *r)
{
    int64_t n = 20;
    const char *q = text_param(r, "q", 100, true);
    if (!q)
        return;
    const char *type = type_param(r);
    if (r->replied || tb_req_query_int(r, "n", 20, 1, 100, &n) != 0)
        return;
    json_t *items = kb_content_search(r, q, type, (int)n);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

const tb_route kb_public_routes[] = {
    {"GET", "/api/v1/kb/answer", get_answer, TB_AUTH_PUBLIC, NULL, 0, "kb",
     "知识问答：按问题和属地区划匹配已发布且在有效期内的知识（计入查询统计，无答案时登记为未解决问题）"},
    {"GET", "/api/v1/kb/suggest", get_suggest, TB_AUTH_PUBLIC, NULL, 0, "kb", "输入时提示标准问题"},
    {"POST", "/api/v1/kb/ratings", post_rating, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "kb",
     "对知识答复评价“不满意”（原因标签、说明），进入评价处置列表"},
    {"GET", "/api/v1/kb/hot", get_hot, TB_AUTH_PUBLIC, NULL, 0, "kb", "近期热门知识"},
    {"GET", "/api/v1/content/items", get_content_list, TB_AUTH_PUBLIC, NULL, 0, "content",
     "公示公告、政策法规、网站常见问题列表（已发布，按发布日期倒序）"},
    {"GET", "/api/v1/content/items/{id}", get_content, TB_AUTH_PUBLIC, NULL, 0, "content", "公开内容详情"},
    {"GET", "/api/v1/content/search", get_content_search, TB_AUTH_PUBLIC, NULL, 0, "content",
     "全文检索公开内容（标题权重高、正文权重低，命中高亮）"},
};
const size_t kb_public_nroutes = sizeof kb_public_routes / sizeof kb_public_routes[0];
