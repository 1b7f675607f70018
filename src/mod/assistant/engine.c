/* Guided dialogues as data (§1-1-3-3-4): the checks a definition passes
 * before it is published, and the lookups of the conversation.
 *
 * A definition: {"triggers":["我想办护照",…],"start":"q1","nodes":[
 *   {"id":"q1","prompt":"首次申请还是换发？","options":[{"id":"first","label":"首次申请","next":"q2"},…]},
 *   {"id":"a1","answer":{"text":"…","matter_code":"…","materials":["M01"]}}]}
 * A node is a question (prompt and 1–8 options) or an answer (text, optionally a matter and the
 * ids of its materials to bring). Publishable when: the shape is right, ids are unique, every
 * option leads to an existing node (no dangling option), every node is reachable from the start,
 * every question can still reach an answer (no trap), and named matters and materials exist. */
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "mod/assistant/assistant_internal.h"
#include "search/search.h"

#define MAX_NODES 100
#define MAX_OPTIONS 8
#define MAX_TRIGGERS 20
#define ID_MAX 32
#define PROMPT_MAX 200
#define LABEL_MAX 20
#define TRIGGER_MAX 30
#define ANSWER_MAX 1000

static void problem(json_t *out, const char *node, const char *option, const char *field, const char *message)
{
    json_t *p = json_pack("{s:s}", "message", message);
    if (node)
        json_object_set_new(p, "node", json_string(node));
    if (option)
        json_object_set_new(p, "option", json_string(option));
    if (field)
        json_object_set_new(p, "field", json_string(field));
    json_array_append_new(out, p);
}

static bool text_ok(const json_t *v, size_t max)
{
    if (!json_is_string(v))
        return false;
    size_t n = tb_json_cp_len(json_string_value(v));
    const char *s = json_string_value(v);
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\n')
            return false;
    return n >= 1 && n <= max;
}

static bool id_ok(const json_t *v) { return json_is_string(v) && tb_is_token(json_string_value(v), ID_MAX); }

const json_t *as_dialogue_node(const json_t *def, const char *id)
{
    size_t i;
    json_t *n;
    if (!id)
        return NULL;
    json_array_foreach(json_object_get(def, "nodes"), i, n)
    {
        const char *nid = tb_json_str(n, "id");
        if (nid && !strcmp(nid, id))
            return n;
    }
    return NULL;
}

static int node_index(const json_t *def, const char *id)
{
    size_t i;
    json_t *n;
    if (!id)
        return -1;
    json_array_foreach(json_object_get(def, "nodes"), i, n)
    {
        const char *nid = tb_json_str(n, "id");
        if (nid && !strcmp(nid, id))
            return (int)i;
    }
    return -1;
}

json_t *as_dialogue_validate(const json_t *def, as_matter_check matter_ok, void *arg)
{
    json_t *out = json_array();
    if (!json_is_object(def)) {
        problem(out, NULL, NULL, "definition", "模板定义必须是对象");
        return out;
    }
    const char *known[] = {"triggers", "start", "nodes", NULL};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)def, key, v)
    {
        bool ok = false;
        for (int k = 0; known[k]; k++)
            ok = ok || !strcmp(known[k], key);
        if (!ok)
            problem(out, NULL, NULL, key, "不认识的字段");
    }
    /* triggers */
    const json_t *triggers = json_object_get(def, "triggers");
    if (!json_is_array(triggers) || json_array_size(triggers) < 1 || json_array_size(triggers) > MAX_TRIGGERS)
        problem(out, NULL, NULL, "triggers", "触发语句须为 1 至 20 条");
    else {
        size_t i;
        json_array_foreach(triggers, i, v) if (!text_ok(v, TRIGGER_MAX))
            problem(out, NULL, NULL, "triggers", "触发语句须为 1 至 30 个字的文字");
    }
    /* nodes */
    const json_t *nodes = json_object_get(def, "nodes");
    size_t nn = json_array_size(nodes);
    if (!json_is_array(nodes) || nn < 2 || nn > MAX_NODES) {
        problem(out, NULL, NULL, "nodes", "节点须为 2 至 100 个（至少一个提问和一个答案）");
        return out;
    }
    bool shape_ok = true;
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        const char *id = tb_json_str(n, "id");
        if (!json_is_object(n) || !id_ok(json_object_get(n, "id"))) {
            problem(out, NULL, NULL, "nodes", "每个节点须有编号 id（字母、数字、下划线或短横线，至多 32 个）");
            shape_ok = false;
            continue;
        }
        if (node_index(def, id) != (int)i)
            problem(out, id, NULL, "id", "节点编号重复");
        json_object_foreach(n, key, v) if (strcmp(key, "id") && strcmp(key, "prompt") && strcmp(key, "options") &&
                                           strcmp(key, "answer") && strcmp(key, "x") && strcmp(key, "y"))
            problem(out, id, NULL, key, "不认识的字段");
        const json_t *answer = json_object_get(n, "answer");
        const json_t *options = json_object_get(n, "options");
        if (answer && (options || json_object_get(n, "prompt"))) {
            problem(out, id, NULL, "answer", "节点只能是提问（prompt 与 options）或答案（answer）之一");
            continue;
        }
        if (answer) {
            if (!json_is_object(answer)) {
                problem(out, id, NULL, "answer", "答案须为对象");
                continue;
            }
            json_object_foreach((json_t *)answer, key, v) if (strcmp(key, "text") && strcmp(key, "matter_code") &&
                                                              strcmp(key, "materials"))
                problem(out, id, NULL, key, "不认识的字段");
            if (!text_ok(json_object_get(answer, "text"), ANSWER_MAX))
                problem(out, id, NULL, "text", "答案文字须为 1 至 1000 个字");
            const json_t *mc = json_object_get(answer, "matter_code");
            const json_t *mats = json_object_get(answer, "materials");
            if (mc && !json_is_null(mc)) {
                if (!json_is_string(mc) || !tb_is_token(json_string_value(mc), 64))
                    problem(out, id, NULL, "matter_code", "事项编码格式不正确");
                else if (matter_ok && !matter_ok(arg, json_string_value(mc), NULL))
                    problem(out, id, NULL, "matter_code", "事项不存在或未发布");
                else if (mats && !json_is_null(mats)) {
                    size_t k;
                    json_t *m;
                    if (!json_is_array(mats))
                        problem(out, id, NULL, "materials", "材料须为材料编号的数组");
                    else
                        json_array_foreach(mats, k, m) if (!json_is_string(m) ||
                                                           (matter_ok &&
                                                            !matter_ok(arg, json_string_value(mc), json_string_value(m))))
                            problem(out, id, NULL, "materials",
                                    json_is_string(m) ? "事项中没有这个材料编号" : "材料须为材料编号");
                }
            } else if (mats && !json_is_null(mats) && json_array_size(mats) > 0)
                problem(out, id, NULL, "materials", "列出材料时须指定事项");
            continue;
        }
        if (!text_ok(json_object_get(n, "prompt"), PROMPT_MAX))
            problem(out, id, NULL, "prompt", "提问须为 1 至 200 个字");
        if (!json_is_array(options) || json_array_size(options) < 1 || json_array_size(options) > MAX_OPTIONS) {
            problem(out, id, NULL, "options", "提问须有 1 至 8 个选项");
            continue;
        }
        size_t k;
        json_t *o;
        json_array_foreach(options, k, o)
        {
            const char *oid = tb_json_str(o, "id");
            if (!json_is_object(o) || !id_ok(json_object_get(o, "id"))) {
                problem(out, id, NULL, "options", "每个选项须有编号 id");
                shape_ok = false;
                continue;
            }
            size_t j;
            json_t *p;
            json_array_foreach(options, j, p) if (j < k && tb_json_str(p, "id") && !strcmp(tb_json_str(p, "id"), oid))
                problem(out, id, oid, "id", "同一提问中选项编号重复");
            if (!text_ok(json_object_get(o, "label"), LABEL_MAX))
                problem(out, id, oid, "label", "按钮文字须为 1 至 20 个字");
            const char *next = tb_json_str(o, "next");
            if (!next || node_index(def, next) < 0) {
                problem(out, id, oid, "next", "选项指向的节点不存在");
                shape_ok = false;
            }
        }
    }
    const char *start = tb_json_str(def, "start");
    int s = node_index(def, start);
    if (s < 0) {
        problem(out, NULL, NULL, "start", "起始节点不存在");
        return out;
    }
    if (json_object_get(json_array_get(nodes, (size_t)s), "answer"))
        problem(out, start, NULL, "start", "起始节点须是提问");
    if (!shape_ok)
        return out;
    /* reachability from the start (breadth first) */
    bool seen[MAX_NODES] = {0}, ends[MAX_NODES] = {0};
    int queue[MAX_NODES], head = 0, tail = 0;
    seen[s] = true;
    queue[tail++] = s;
    while (head < tail) {
        const json_t *node = json_array_get(nodes, (size_t)queue[head++]);
        size_t k;
        json_t *o;
        json_array_foreach(json_object_get(node, "options"), k, o)
        {
            int t = node_index(def, tb_json_str(o, "next"));
            if (t >= 0 && !seen[t]) {
                seen[t] = true;
                queue[tail++] = t;
            }
        }
    }
    /* which nodes can still reach an answer: fixed point backwards */
    for (size_t k = 0; k < nn; k++)
        ends[k] = json_object_get(json_array_get(nodes, k), "answer") != NULL;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = 0; k < nn; k++) {
            if (ends[k])
                continue;
            size_t j;
            json_t *o;
            json_array_foreach(json_object_get(json_array_get(nodes, k), "options"), j, o)
            {
                int t = node_index(def, tb_json_str(o, "next"));
                if (t >= 0 && ends[t]) {
                    ends[k] = changed = true;
                    break;
                }
            }
        }
    }
    for (size_t k = 0; k < nn; k++) {
        const char *id = tb_json_str(json_array_get(nodes, k), "id");
        if (!seen[k])
            problem(out, id, NULL, NULL, "从起始节点无法到达此节点");
        else if (!ends[k])
            problem(out, id, NULL, NULL, "从此节点出发无法到达任何答案（死循环）");
    }
    return out;
}

const json_t *as_dialogue_option(const json_t *node, const char *text, bool by_label)
{
    size_t i;
    json_t *o;
    if (!text)
        return NULL;
    char a[256], b[256];
    if (by_label)
        tb_search_normalize(text, a, sizeof a);
    json_array_foreach(json_object_get(node, "options"), i, o)
    {
        const char *v = tb_json_str(o, by_label ? "label" : "id");
        if (!v)
            continue;
        if (!by_label && !strcmp(v, text))
            return o;
        if (by_label) {
            tb_search_normalize(v, b, sizeof b);
            if (!strcmp(a, b))
                return o;
        }
    }
    return NULL;
}

size_t as_dialogue_trigger(const json_t *def, const char *normalised_text)
{
    size_t best = 0, i;
    json_t *t;
    char buf[256];
    json_array_foreach(json_object_get(def, "triggers"), i, t)
    {
        if (!json_is_string(t))
            continue;
        size_t n = tb_search_normalize(json_string_value(t), buf, sizeof buf);
        if (n > best && n > 0 && strstr(normalised_text, buf))
            best = n;
    }
    return best;
}

char *as_normalise(tb_req *r, const char *text)
{
    size_t cap = strlen(text) * 2 + 8;
    char *out = tb_arena_alloc(r->arena, cap);
    tb_search_normalize(text, out, cap);
    return out;
}
