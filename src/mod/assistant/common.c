/* Helpers shared by the assistant's routes: sessions and their owners,
 * regions, matter cards, the human channels, reason tags. */
#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/assistant/assistant_internal.h"
#include "mod/catalog/catalog.h"

const char *const as_reason_tags[] = {"答非所问", "内容不准确", "内容过时", "看不懂", "步骤太复杂", "没有解决问题",
                                      NULL};

json_t *as_reason_tags_json(void)
{
    json_t *a = json_array();
    for (int i = 0; as_reason_tags[i]; i++)
        json_array_append_new(a, json_string(as_reason_tags[i]));
    return a;
}

const char *as_iso(tb_req *r, int64_t t)
{
    char *s = tb_arena_alloc(r->arena, 32);
    tb_time_iso(t, s);
    return s;
}

const char *as_actor(tb_req *r)
{
    return tb_arena_printf(r->arena, "%s:%lld", r->subject_realm ? r->subject_realm : "anonymous",
                           (long long)r->subject_id);
}

as_session *as_session_open(tb_req *r, const char *token, bool create)
{
    if (!token || strlen(token) < 16 || !tb_is_token(token, 64))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "session", "会话标识须为 16 至 64 位字母、数字、下划线或短横线"),
               NULL;
    char hash[65];
    tb_sm3_hex(token, strlen(token), hash);
    int64_t me = r->subject_realm && !strcmp(r->subject_realm, "citizen") ? r->subject_id : 0;
    as_session *s = tb_arena_alloc(r->arena, sizeof *s);
    int rc = as_store_session_get(r, hash, s);
    if (rc == 1 && create) {
        int64_t now = tb_now();
        if (as_store_session_create(r, hash, me, NULL, now) < 0 && tb_db_errkind_last(r->db) != TB_DBE_UNIQUE)
            return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
        rc = as_store_session_get(r, hash, s); /* also after a concurrent first message */
    }
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
    if (rc == 1)
        return tb_reply_err(r, TB_E_ASSISTANT_SESSION_INVALID, "session"), NULL;
    if (s->citizen_id && s->citizen_id != me)
        return tb_reply_err(r, TB_E_ASSISTANT_SESSION_INVALID, "session"), NULL;
    if (!s->citizen_id && me) {
        if (as_store_session_claim(r, s->id, me, tb_now()) != 0)
            return tb_reply_err(r, TB_E_INTERNAL, NULL), NULL;
        s->citizen_id = me;
    }
    return s;
}

int as_region_chain(tb_req *r, const char *code, const char *out[4])
{
    if (!code || strlen(code) != 6 || !tb_is_digits(code, 6) || !catalog_region_name(r, code))
        return 0;
    int n = 0;
    out[n++] = code;
    char *city = tb_arena_printf(r->arena, "%.4s00", code), *prov = tb_arena_printf(r->arena, "%.2s0000", code);
    if (strcmp(city, code) && catalog_region_name(r, city))
        out[n++] = city;
    if (strcmp(prov, code) && strcmp(prov, city) && catalog_region_name(r, prov))
        out[n++] = prov;
    return n;
}

json_t *as_region_json(tb_req *r, const char *code)
{
    const char *name = code && *code ? catalog_region_name(r, code) : NULL;
    return name ? json_pack("{s:s, s:s}", "code", code, "name", name) : json_null();
}

json_t *as_matter_card(tb_req *r, const char *code, const json_t *materials, const char *region)
{
    const catalog_matter *m = code ? catalog_find(r, code) : NULL;
    if (!m)
        return NULL;
    json_t *mats = json_array();
    size_t i, k;
    json_t *v, *want;
    bool all = !json_is_array(materials) || json_array_size(materials) == 0;
    json_array_foreach(json_object_get(m->guide, "materials"), i, v)
    {
        const char *id = tb_json_str(v, "id");
        bool pick = all;
        json_array_foreach(materials, k, want) if (!all && id && json_is_string(want) &&
                                                   !strcmp(json_string_value(want), id)) pick = true;
        if (!pick)
            continue;
        json_t *required = json_object_get(v, "required");
        json_array_append_new(mats, json_pack("{s:s, s:s, s:s, s:b, s:I, s:I}", "id", id ? id : "", "name",
                                              tb_json_str(v, "name") ? tb_json_str(v, "name") : "", "note",
                                              tb_json_str(v, "note") ? tb_json_str(v, "note") : "", "required",
                                              json_is_true(required), "original_count",
                                              (json_int_t)tb_json_int(v, "original_count", 0), "copy_count",
                                              (json_int_t)tb_json_int(v, "copy_count", 0)));
    }
    const char *online = m->online ? m->online : "";
    const char *sn = tb_json_str(m->guide, "short_name");
    const char *phone = tb_json_str(m->guide, "consult_phone");
    bool window = !strcmp(online, "window");
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:b, s:o, s:b}", "code", m->code, "name", m->name,
                     "short_name", sn ? sn : m->name, "online_level", online, "apply_url",
                     window ? json_null() : json_string(tb_arena_printf(r->arena, "/apply/%s", m->code)),
                     "guide_url", tb_arena_printf(r->arena, "/matters/%s", m->code), "materials", mats,
                     "region_ok", !region || !*region || catalog_region_allowed(m, region), "consult_phone",
                     phone ? json_string(phone) : json_null(), "appointment", m->appointment);
}

json_t *as_channels(void)
{
    /* the human agents' citizen routes, when that module is built in */
    bool agent = false;
    for (size_t i = 0; i < tb_router_count() && !agent; i++) {
        const tb_route *rt = tb_router_at(i);
        agent = rt->auth != TB_AUTH_STAFF && !strncmp(rt->pattern, "/api/v1/agent", 13);
    }
    return json_pack("{s:s, s:b}", "hotline", AS_HOTLINE, "agent", agent);
}
