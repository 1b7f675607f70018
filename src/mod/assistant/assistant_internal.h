/* Shared between the files of the assistant module only. */
#ifndef TB_MOD_ASSISTANT_INTERNAL_H
#define TB_MOD_ASSISTANT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "mod/assistant/assistant.h"

#define AS_TEXT_MAX 200            /* a question, code points */
#define AS_STATE_SECONDS (30 * 60) /* a guided dialogue left alone this long has expired */
#define AS_HISTORY_DAYS 30
#define AS_RETENTION_DAYS 180     /* questions are deleted after this (they may hold personal details) */
#define AS_KB_N 8                  /* knowledge items asked for */
#define AS_RELATED_N 5
#define AS_MATTERS_N 3
#define AS_RATING_TEXT_MAX 200
#define AS_DEF_MAX_BYTES (64 * 1024)
#define AS_HOTLINE "12345"
#define AS_CHAT_PER_MINUTE 60      /* questions per client address per minute */

typedef struct {
    int64_t id, citizen_id, dialogue_id, state_at;
    int dialogue_version;
    const char *region, *node; /* NULL when none */
} as_session;

typedef struct {
    int64_t id, session_id, citizen_id, kb_item_id, dialogue_id, rated_at, created_at;
    const char *question, *kind, *reply, *matter_code, *region, *rating, *reasons, *rating_text;
} as_message;

typedef struct {
    int64_t id, created_at, updated_at, published_at;
    int version;
    const char *code, *name, *definition, *published, *updated_by;
} as_dialogue;

/* ---- store.c: every statement of the module ---- */
/* 0 found, 1 none, -1 error */
int as_store_session_get(tb_req *r, const char *token_hash, as_session *out);
int64_t as_store_session_create(tb_req *r, const char *token_hash, int64_t citizen, const char *region, int64_t now);
int as_store_session_claim(tb_req *r, int64_t id, int64_t citizen, int64_t now);
int as_store_session_region(tb_req *r, int64_t id, const char *region, int64_t now);
/* dialogue_id 0 clears the state */
int as_store_session_state(tb_req *r, int64_t id, int64_t dialogue_id, int version, const char *node, int64_t at);
int64_t as_store_message_add(tb_req *r, const as_message *m);
int as_store_message_get(tb_req *r, int64_t id, as_message *out);
/* conditional on not rated yet: 1 rated, 0 already rated, -1 error */
long as_store_message_rate(tb_db *db, int64_t id, const char *rating, const char *reasons, const char *text,
                           int64_t at);
/* newest first since `since`: [{"id","question","kind","reply"(object),"rating","created_at"}] */
json_t *as_store_history(tb_req *r, int64_t citizen, int64_t session_id, int64_t since, int64_t limit,
                         int64_t offset, int64_t *total);
/* [{"text","reply"}] of a phrase kind; region rows of the region (or its ancestors given) and
 * region-less ones */
json_t *as_store_phrases(tb_req *r, const char *kind, const char *const *regions, int nregions);
/* questions answered since `since`, asked in at least min_sessions sessions: [{"text","count"}] */
json_t *as_store_recent_queries(tb_req *r, int64_t since, int min_sessions, int n);
/* dialogues */
json_t *as_store_dialogues(tb_req *r); /* all, by code: [{…as_dialogue without definition}] */
int as_store_dialogue_get(tb_req *r, int64_t id, as_dialogue *out);
int as_store_dialogue_by_code(tb_db *db, const char *code, int64_t *id);
/* published ones: [{"id","code","name","version","definition"(object)}] */
json_t *as_store_published(tb_req *r);
int64_t as_store_dialogue_insert(tb_db *db, const char *code, const char *name, const char *definition,
                                 const char *actor, int64_t now);
long as_store_dialogue_update(tb_db *db, int64_t id, const char *name, const char *definition, const char *actor,
                              int64_t now);
long as_store_dialogue_publish(tb_db *db, int64_t id, const char *actor, int64_t now);
/* retention: deletes messages older than `before` and sessions idle since then without messages;
 * the number of messages deleted, or -1 */
long as_store_purge(tb_db *db, int64_t before);
long as_store_dialogue_withdraw(tb_db *db, int64_t id, const char *actor, int64_t now);

/* ---- engine.c: dialogues as data ---- */
/* Problems of a definition ([] = publishable): [{"node"?,"option"?,"field"?,"message"}]. matter_ok
 * (may be NULL) says whether a matter code exists and, when material is not NULL, whether it has
 * that material. */
typedef bool (*as_matter_check)(void *arg, const char *code, const char *material);
json_t *as_dialogue_validate(const json_t *def, as_matter_check matter_ok, void *arg);
const json_t *as_dialogue_node(const json_t *def, const char *id);
/* The option of a node with this id, or (by_label) whose label is this text; NULL when none. */
const json_t *as_dialogue_option(const json_t *node, const char *text, bool by_label);
/* Length of the longest trigger of def found in the normalised text (0: none). */
size_t as_dialogue_trigger(const json_t *def, const char *normalised_text);
/* The normalised form used for triggers, chit-chat and labels (arena). */
char *as_normalise(tb_req *r, const char *text);

/* ---- common.c ---- */
const char *as_iso(tb_req *r, int64_t t);
/* The session named by the body's token, created when new, checked against the caller (a
 * citizen's session answers only that citizen; an anonymous one is claimed by the first citizen
 * who signs in). NULL after replying. */
as_session *as_session_open(tb_req *r, const char *token, bool create);
/* The staff subject's login for updated_by */
const char *as_actor(tb_req *r);
/* Region codes from code up to the province (code first), at most 4; 0 when unknown. */
int as_region_chain(tb_req *r, const char *code, const char *out[4]);
/* {"code","name"} or null */
json_t *as_region_json(tb_req *r, const char *code);
/* The matter card of a published matter: {"code","name","short_name","online_level","apply_url",
 * "guide_url","materials":[…],"region_ok","consult_phone"}; materials only those listed (all when
 * NULL or empty). NULL when the matter is not published. */
json_t *as_matter_card(tb_req *r, const char *code, const json_t *materials, const char *region);
/* {"hotline","agent":bool,"agent_path"} of the human channels */
json_t *as_channels(void);
/* the fixed reason tags of 不满意 */
extern const char *const as_reason_tags[];
json_t *as_reason_tags_json(void);

extern const tb_route as_public_routes[], as_work_routes[];
extern const size_t as_public_nroutes, as_work_nroutes;

#endif
