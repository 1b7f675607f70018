/* Knowledge base (知识库, §2-1-3-3-6) and the public content of the portal (公示公告, 政策法规,
 * 网站操作常见问题, §1-1-1-1-3).
 *
 * Knowledge items (standard question, similar questions, sanitized rich-text answer, applicable
 * regions, validity period, source) live in a multi-level category tree and go through the review
 * workflow 编辑 → 提交 → 审核 → 发布 (or 退回 with a reason and a deadline); with the config key
 * kb_review_levels = 2 a first-level and then a second-level review. Published, valid items answer
 * questions from an in-memory search snapshot (src/search) rebuilt when the cache epoch "kb" moves.
 *
 * Every function taking a tb_req uses r->db and allocates in r->arena; returned json_t values are
 * new references owned by the caller. */
#ifndef TB_MOD_KB_H
#define TB_MOD_KB_H

#include <jansson.h>
#include <stdint.h>

#include "http/http.h"

/* Up to n published, valid knowledge items answering question, best first, restricted to region (a
 * 6-digit code; NULL/"" = any; items for a parent region or province-wide also match); each
 * {"id","question","answer","category","score","library"}; library = the category path's root name.
 * Counts a query for the statistics; records the question as unanswered when nothing matches. */
json_t *kb_answer(tb_req *r, const char *question, const char *region, int n);
/* Standard questions starting with or containing prefix, for suggestions while typing (≤ n). */
json_t *kb_suggest(tb_req *r, const char *prefix, int n);
/* The most asked items in the last `days` days (≤ n): [{"id","question","count"}]. */
json_t *kb_hot(tb_req *r, int days, int n);
/* A 不满意 rating of an answer: opens an item in the 评价处置 (bad-rating handling) list for knowledge
 * editors. item_id 0 when the answer was not a knowledge item. 0 or -1 (in the caller's transaction). */
int kb_bad_rating(tb_req *r, int64_t item_id, const char *question, const char *reason_tags, const char *text);
/* A question nobody could answer (from the assistant or a human agent): into the unanswered list. */
int kb_unresolved_add(tb_req *r, const char *question, const char *source);

/* ---- public content (公示公告 notice, 政策法规 policy, 网站操作常见问题 faq) ---- */
/* Full-text search over published content for the search helper's full-text page: up to n hits,
 * best first, type "notice" | "policy" | "faq" or NULL/"" for all; each
 * {"id","type","type_name","title","snippet","source","published_at","score"}. Never NULL
 * (an empty array when nothing matches or the snapshot cannot be built). */
json_t *kb_content_search(tb_req *r, const char *q, const char *type, int n);

/* Routes of the module. */
void kb_register(void);
/* `tongban seed`: the public content items of <dir>/content.json and a starter category tree.
 * Idempotent. 0 or -1 with err. */
int kb_seed(tb_db *db, const char *dir, char *err, size_t errlen);

#endif
