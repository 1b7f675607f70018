/* Shared between the files of the kb module only. */
#ifndef TB_MOD_KB_INTERNAL_H
#define TB_MOD_KB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "mod/kb/kb.h"

#define KB_QUESTION_MAX 200
#define KB_SIMILAR_MAX 20  /* similar questions per item */
#define KB_ANSWER_MAX 20000 /* bytes of HTML */
#define KB_SOURCE_MAX 100
#define KB_CATEGORY_MAX 50
#define KB_REASON_MAX 500
#define CONTENT_TITLE_MAX 100
#define CONTENT_BODY_MAX 100000

typedef struct {
    int64_t id, category_id, valid_from, valid_to, return_deadline, first_reviewer, published_at, editor_id,
        created_at, updated_at;
    const char *question, *similar, *answer, *regions, *source, *status, *return_reason, *live, *editor_name,
        *category_name;
} kb_item;

typedef struct {
    const char *status, *q; /* NULL = any */
    int64_t category_id;    /* 0 = any (the category and its descendants when `cats` is set) */
    const char *cats;       /* ",1,2,3," the category subtree, NULL = any */
} kb_filter;

typedef struct {
    int64_t id, published_at, created_at, updated_at;
    const char *type, *title, *body, *source, *status;
} content_item;

/* ---- store.c: every statement of the module ---- */
int64_t kb_store_epoch(tb_db *db, const char *name); /* -1 on error */
int kb_store_bump(tb_db *db, const char *name);
/* [{"id","parent_id","name","sort","items"}] in sort order */
json_t *kb_store_categories(tb_db *db);
int kb_store_category_get(tb_req *r, int64_t id, int64_t *parent, const char **name); /* 0, 1 none, -1 */
int64_t kb_store_category_insert(tb_db *db, int64_t parent, const char *name, int64_t sort, int64_t now);
long kb_store_category_update(tb_db *db, int64_t id, int64_t parent, const char *name, int64_t sort, int64_t now);
long kb_store_category_delete(tb_db *db, int64_t id);
int64_t kb_store_category_uses(tb_db *db, int64_t id); /* children + items, -1 on error */
int kb_store_item_get(tb_req *r, int64_t id, kb_item *out); /* 0, 1 none/deleted, -1 */
int64_t kb_store_item_insert(tb_db *db, const kb_item *it);
/* the working copy; back to draft (a published item keeps its live version) */
long kb_store_item_update(tb_db *db, const kb_item *it);
long kb_store_item_move(tb_db *db, int64_t id, const char *from, const char *to, int64_t now);
long kb_store_item_first(tb_db *db, int64_t id, int64_t reviewer, int64_t now); /* pending → pending2 */
long kb_store_item_publish(tb_db *db, int64_t id, const char *from, const char *live, int64_t now);
long kb_store_item_return(tb_db *db, int64_t id, const char *from, const char *reason, int64_t deadline, int64_t now);
long kb_store_item_delete(tb_db *db, int64_t id, int64_t now);
int kb_store_step(tb_db *db, int64_t item, const char *step, int64_t actor, const char *name, const char *opinion,
                  int64_t at);
json_t *kb_store_steps(tb_req *r, int64_t item);
int kb_store_items(tb_req *r, const kb_filter *f, int64_t limit, int64_t offset,
                   void (*fn)(tb_req *, const kb_item *, void *), void *arg, int64_t *total);
/* live versions for the index: [{"id","category_id","live"}] */
json_t *kb_store_live(tb_db *db);
int kb_store_query_log(tb_db *db, const char *q, const char *region, int64_t item, int64_t category, int64_t at);
/* An open question seen again counts once more, unless it was last seen at or after same_since (the
 * assistant reporting the question kb_answer has just recorded). */
int kb_store_unanswered_add(tb_db *db, const char *q, const char *source, int64_t at, int64_t same_since);
json_t *kb_store_unanswered(tb_req *r, const char *status, int64_t limit, int64_t offset, int64_t *total);
long kb_store_unanswered_resolve(tb_db *db, int64_t id, const char *note, int64_t staff, int64_t at);
int64_t kb_store_rating_add(tb_db *db, int64_t item, const char *q, const char *tags, const char *text, int64_t at);
json_t *kb_store_ratings(tb_req *r, const char *status, int64_t limit, int64_t offset, int64_t *total);
json_t *kb_store_rating_get(tb_req *r, int64_t id); /* NULL when none */
long kb_store_rating_handle(tb_db *db, int64_t id, const char *note, int64_t staff, int64_t at);
json_t *kb_store_hot(tb_req *r, int64_t since, int64_t n);
/* statistics of [from, to] */
json_t *kb_store_stats(tb_req *r, int64_t from, int64_t to);
/* content */
int content_store_get(tb_req *r, int64_t id, content_item *out); /* 0, 1, -1 */
int64_t content_store_insert(tb_db *db, const content_item *c, int64_t actor);
long content_store_update(tb_db *db, const content_item *c);
long content_store_status(tb_db *db, int64_t id, const char *status, int64_t published_at, int64_t now);
/* published only when `published`; type/status/q NULL = any */
int content_store_list(tb_req *r, const char *type, const char *status, const char *q, bool published,
                       int64_t limit, int64_t offset, void (*fn)(tb_req *, const content_item *, void *), void *arg,
                       int64_t *total);
json_t *content_store_published(tb_db *db); /* [{"id","type","title","body","source","published_at"}] */
int64_t content_store_upsert_seed(tb_db *db, const char *type, const char *title, const char *body,
                                  const char *source, int64_t published_at, int64_t now);
int64_t kb_store_category_ensure(tb_db *db, int64_t parent, const char *name, int64_t sort, int64_t now);
int64_t kb_store_seed_item(tb_db *db, int64_t category, const char *question, const char *similar, const char *answer,
                           const char *source, const char *live, int64_t now);

/* ---- common.c ---- */
const char *kb_date(tb_req *r, int64_t t); /* "YYYY-MM-DD" (+08:00) or NULL for 0 */
/* "YYYY-MM-DD" → start of the day (+08:00) (+86399 when end); 0 ok, -1 bad */
int kb_parse_date(const char *s, bool end, int64_t *out);
/* Sanitized HTML: only p br strong b em i u ul ol li h3 h4 blockquote and a (http(s)/relative/mailto
 * href) survive, without any other attribute; script/style/iframe… are dropped with their content;
 * stray < > & are escaped. Arena. */
char *kb_sanitize_html(tb_arena *a, const char *html);
/* Plain text of sanitized HTML (tags removed, common entities decoded), arena. */
char *kb_plain_text(tb_arena *a, const char *html);
/* Whether a listed region code covers region (itself or a descendant, GB/T 2260). */
bool kb_region_covers(const char *listed, const char *region);
bool kb_region_valid(const char *code);
const char *kb_staff_name(tb_req *r);
const char *kb_status_name(const char *status);
const char *content_type_name(const char *type);
bool content_type_valid(const char *type);
/* query ?date */
int kb_date_param(tb_req *r, const char *key, bool end, int64_t *out);

/* ---- index.c: the search snapshots ---- */
void kb_index_invalidate(void); /* after a committed write on this node */
/* {"<id>":{"name","path","root"}} of every category; NULL on error */
json_t *kb_category_paths(tb_db *db);
/* category path "A / B" and its root name of a category id (from the snapshot) */
json_t *kb_item_json(tb_req *r, const kb_item *it, bool detail);
/* Checks and fills the editable fields from a JSON body (question, similar, answer, regions,
 * valid_from, valid_to, source, category_id). 0, or -1 after replying. */
int kb_item_from_json(tb_req *r, json_t *body, kb_item *it, bool partial);

extern const tb_route kb_work_routes[], kb_public_routes[], content_routes[];
extern const size_t kb_work_nroutes, kb_public_nroutes, content_nroutes;
/* xlsx_io.c */
void kb_get_export(tb_req *r);
void kb_post_import(tb_req *r);

#endif
