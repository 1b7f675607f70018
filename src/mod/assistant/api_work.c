/* The work portal's dialogue editor (多轮问答模板): list, create, edit the
 * nodes and options, validate, publish and withdraw. Edits change the
 * working copy; citizens talk to the published version until the next
 * publication, which is refused while the copy has problems. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "mod/assistant/assistant_internal.h"
#include "mod/audit/audit.h"
#include "mod/catalog/catalog.h"

#define NAME_MAX_CP 30

static bool matter_ok(void *arg, const char *code, const char *material)
{
    tb_req *r = arg;
    const catalog_matter *m = catalog_find(r, code);
    if (!m)
        return false;
    if (!material)
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(m->guide, "materials"), i, v)
    {
        const char *id = tb_json_str(v, "id");
        if (id && !strcmp(id, material))
            return true;
    }
    return false;
}

static json_t *detail_json(tb_req *r, const as_dialogue *d)
{
    json_t *def = json_loads(d->definition, 0, NULL);
    json_t *pub = d->published ? json_loads(d->published, 0, NULL) : NULL;
    json_t *problems = as_dialogue_validate(def, matter_ok, r);
    const char *status = !d->published ? "draft" : strcmp(d->published, d->definition) ? "changed" : "published";
    return json_pack("{s:I, s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:b, s:s, s:o, s:s}", "id", (json_int_t)d->id, "code",
                     d->code, "name", d->name, "version", d->version, "status", status, "definition",
                     def ? def : json_object(), "published", pub ? pub : json_null(), "problems", problems, "valid",
                     json_array_size(problems) == 0, "updated_at", as_iso(r, d->updated_at), "published_at",
                     d->published_at ? json_string(as_iso(r, d->published_at)) : json_null(), "updated_by",
                     d->updated_by ? d->updated_by : "");
}

static const as_dialogue *load(tb_req *r)
{
    char *end;
    int64_t id = strtoll(r->params[0], &end, 10);
    as_dialogue *d = tb_arena_alloc(r->arena, sizeof *d);
    int rc = *end || id <= 0 ? 1 : as_store_dialogue_get(r, id, d);
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    if (rc == 1)
        return tb_reply_err(r, TB_E_DIALOGUE_NOT_FOUND, "id"), NULL;
    return d;
}

/* The definition of a body as stored text: an object within the size limit; NULL after replying. */
static const char *definition_text(tb_req *r, json_t *def)
{
    if (!json_is_object(def))
        return tb_reply_fail(r, TB_E_WRONG_TYPE, "definition", "模板定义必须是对象"), NULL;
    char *s = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
    if (!s)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    char *out = tb_arena_strdup(r->arena, s);
    size_t n = strlen(s);
    free(s);
    if (n > AS_DEF_MAX_BYTES)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "definition", "模板过大（至多 64 KB）"), NULL;
    return out;
}

static void get_list(tb_req *r)
{
    json_t *items = as_store_dialogues(r);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

static void get_one(tb_req *r)
{
    const as_dialogue *d = load(r);
    if (d)
        tb_reply_json(r, 200, detail_json(r, d));
}

typedef struct {
    tb_req *r;
    int64_t id;
    const char *code, *name, *definition, *action;
    long changed;
} write_ctx;

static int create_tx(tb_db *db, void *arg)
{
    write_ctx *c = arg;
    c->id = as_store_dialogue_insert(db, c->code, c->name, c->definition, as_actor(c->r), tb_now());
    if (c->id < 0)
        return -1;
    return audit_record(c->r, "assistant.dialogue.create", tb_arena_printf(c->r->arena, "dialogue:%s", c->code), "ok",
                        c->name);
}

static bool name_ok(tb_req *r, const char *name)
{
    if (tb_json_cp_len(name) > NAME_MAX_CP)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "name", "名称至多 30 个字"), false;
    return true;
}

static void post_create(tb_req *r)
{
    const char *code = NULL, *name = NULL;
    json_t *def = NULL;
    tb_jfield spec[] = {TB_JSTR("code", &code, true, 32), TB_JSTR("name", &name, true, 60),
                        TB_JOBJ("definition", &def, true), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !name_ok(r, name))
        return;
    if (!tb_is_token(code, 32))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "code", "编码只能由字母、数字、下划线或短横线组成");
    write_ctx c = {.r = r, .code = code, .name = name};
    if (!(c.definition = definition_text(r, def)))
        return;
    int64_t existing;
    if (as_store_dialogue_by_code(r->db, code, &existing) == 0)
        return tb_reply_err(r, TB_E_DIALOGUE_CODE_TAKEN, "code");
    if (tb_db_tx(r->db, create_tx, &c) != 0)
        return tb_db_errkind_last(r->db) == TB_DBE_UNIQUE ? tb_reply_err(r, TB_E_DIALOGUE_CODE_TAKEN, "code")
                                                         : tb_reply_err(r, TB_E_INTERNAL, NULL);
    as_dialogue d;
    if (as_store_dialogue_get(r, c.id, &d) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 201, detail_json(r, &d));
}

static int update_tx(tb_db *db, void *arg)
{
    write_ctx *c = arg;
    int64_t now = tb_now();
    if (!strcmp(c->action, "update"))
        c->changed = as_store_dialogue_update(db, c->id, c->name, c->definition, as_actor(c->r), now);
    else if (!strcmp(c->action, "publish"))
        c->changed = as_store_dialogue_publish(db, c->id, as_actor(c->r), now);
    else
        c->changed = as_store_dialogue_withdraw(db, c->id, as_actor(c->r), now);
    if (c->changed < 0)
        return -1;
    if (c->changed == 0)
        return 0;
    return audit_record(c->r, tb_arena_printf(c->r->arena, "assistant.dialogue.%s", c->action),
                        tb_arena_printf(c->r->arena, "dialogue:%s", c->code), "ok", c->name ? c->name : "");
}

static void reply_fresh(tb_req *r, int64_t id)
{
    as_dialogue d;
    if (as_store_dialogue_get(r, id, &d) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, detail_json(r, &d));
}

static void put_one(tb_req *r)
{
    const as_dialogue *d = load(r);
    if (!d)
        return;
    const char *name = d->name;
    json_t *def = NULL;
    tb_jfield spec[] = {TB_JSTR("name", &name, false, 60), TB_JOBJ("definition", &def, true), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !name_ok(r, name))
        return;
    if (!*name)
        return (void)tb_reply_fail(r, TB_E_FIELD_REQUIRED, "name", "请填写名称");
    write_ctx c = {.r = r, .id = d->id, .code = d->code, .name = name, .action = "update"};
    if (!(c.definition = definition_text(r, def)))
        return;
    if (tb_db_tx(r->db, update_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, d->id);
}

/* Checks the body's definition when given, else the stored working copy. */
static void post_validate(tb_req *r)
{
    const as_dialogue *d = load(r);
    if (!d)
        return;
    json_t *def = NULL;
    tb_jfield spec[] = {TB_JOBJ("definition", &def, false), TB_JEND};
    if (r->body_len && !tb_req_json_spec(r, spec))
        return;
    json_t *stored = def ? NULL : json_loads(d->definition, 0, NULL);
    json_t *problems = as_dialogue_validate(def ? def : stored, matter_ok, r);
    json_decref(stored);
    tb_reply_json(r, 200, json_pack("{s:b, s:o}", "valid", json_array_size(problems) == 0, "problems", problems));
}

static void post_publish(tb_req *r)
{
    const as_dialogue *d = load(r);
    if (!d)
        return;
    json_t *def = json_loads(d->definition, 0, NULL);
    json_t *problems = as_dialogue_validate(def, matter_ok, r);
    json_decref(def);
    size_t n = json_array_size(problems);
    if (n > 0) {
        /* the full list comes from the validate route */
        const json_t *p = json_array_get(problems, 0);
        const char *node = tb_json_str(p, "node");
        const char *msg = tb_arena_printf(r->arena, "多轮问答模板校验未通过：%s%s%s%s（共 %zu 项）", node ? "节点 " : "",
                                          node ? node : "", node ? "：" : "", tb_json_str(p, "message"), n);
        json_decref(problems);
        return (void)tb_reply_fail(r, TB_E_DIALOGUE_INVALID, "definition", msg);
    }
    json_decref(problems);
    write_ctx c = {.r = r, .id = d->id, .code = d->code, .name = d->name, .action = "publish"};
    if (tb_db_tx(r->db, update_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, d->id);
}

static void post_withdraw(tb_req *r)
{
    const as_dialogue *d = load(r);
    if (!d)
        return;
    write_ctx c = {.r = r, .id = d->id, .code = d->code, .name = d->name, .action = "withdraw"};
    if (tb_db_tx(r->db, update_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    if (c.changed == 0)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "id", "该模板未发布");
    reply_fresh(r, d->id);
}

const tb_route as_work_routes[] = {
    {"GET", "/api/v1/work/assistant/dialogues", get_list, TB_AUTH_STAFF, "assistant.dialogue.read", 0, "assistant",
     "多轮问答模板列表"},
    {"POST", "/api/v1/work/assistant/dialogues", post_create, TB_AUTH_STAFF, "assistant.dialogue.write", TB_R_JSON,
     "assistant", "新建多轮问答模板（工作稿）"},
    {"GET", "/api/v1/work/assistant/dialogues/{id}", get_one, TB_AUTH_STAFF, "assistant.dialogue.read", 0,
     "assistant", "多轮问答模板详情（工作稿、已发布版本、校验问题）"},
    {"PUT", "/api/v1/work/assistant/dialogues/{id}", put_one, TB_AUTH_STAFF, "assistant.dialogue.write", TB_R_JSON,
     "assistant", "保存多轮问答模板的工作稿（节点与选项）"},
    {"POST", "/api/v1/work/assistant/dialogues/{id}/validate", post_validate, TB_AUTH_STAFF,
     "assistant.dialogue.read", TB_R_JSON, "assistant", "校验多轮问答模板（悬空选项、不可达节点、无法结束）"},
    {"POST", "/api/v1/work/assistant/dialogues/{id}/publish", post_publish, TB_AUTH_STAFF,
     "assistant.dialogue.write", 0, "assistant", "发布多轮问答模板（须校验通过）"},
    {"POST", "/api/v1/work/assistant/dialogues/{id}/withdraw", post_withdraw, TB_AUTH_STAFF,
     "assistant.dialogue.write", 0, "assistant", "停用已发布的多轮问答模板"},
};
const size_t as_work_nroutes = sizeof as_work_routes / sizeof as_work_routes[0];
