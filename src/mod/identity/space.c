/* The personal space lists (§1-1-3-7-4): 我的收藏 (favourite matters), 我的足迹 (guides opened while
 * signed in) and 我的地址 (delivery addresses, behind the SMS second factor). Newest first, paged,
 * owner-only: every statement names the signed-in citizen, and another citizen's row answers 404. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/catalog/catalog.h"
#include "mod/identity/identity_internal.h"
#include "rules/validators.h"

#define MAX_ADDRESSES 20
#define MAX_FOOTPRINTS 200

static char *encrypt_arena(tb_req *r, const char *plain)
{
    char *enc = tb_field_encrypt(plain);
    char *out = enc ? tb_arena_strdup(r->arena, enc) : NULL;
    free(enc);
    return out;
}

static void iso_ms(json_t *row, const char *from, const char *to)
{
    char iso[32];
    tb_time_iso(json_integer_value(json_object_get(row, from)) / 1000, iso);
    json_object_del(row, from);
    json_object_set_new(row, to, json_string(iso));
}

/* Adds the matter's name (null when withdrawn from the catalog) and a link to its guide. */
static void matter_fields(tb_req *r, json_t *row)
{
    const char *code = json_string_value(json_object_get(row, "matter_code"));
    const catalog_matter *m = code ? catalog_find(r, code) : NULL;
    json_object_set_new(row, "matter_name", m ? json_string(m->name) : json_null());
    json_object_set_new(row, "available", json_boolean(m != NULL));
    json_object_set_new(row, "link", json_string(tb_arena_printf(r->arena, "/matters/%s", code ? code : "")));
}

/* ================================================================ favourites */
static void get_favorites(tb_req *r)
{
    int64_t page, size, total;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = store_favorite_list(r, r->subject_id, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        iso_ms(it, "at_ms", "created_at");
        matter_fields(r, it);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_favorite(tb_req *r)
{
    int has = store_favorite_has(r, r->subject_id, r->params[0]);
    if (has < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:s, s:b}", "matter_code", r->params[0], "favorite", has));
}

static void put_favorite(tb_req *r)
{
    const catalog_matter *m = catalog_find(r, r->params[0]);
    if (!m)
        return tb_reply_err(r, TB_E_MATTER_NOT_FOUND, "code");
    if (store_favorite_add(r->db, r->subject_id, m->code) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:s, s:b}", "matter_code", m->code, "favorite", 1));
}

static void delete_favorite(tb_req *r)
{
    if (store_favorite_delete(r->db, r->subject_id, r->params[0]) < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:s, s:b}", "matter_code", r->params[0], "favorite", 0));
}

/* ================================================================ footprints */
void identity_footprint_record(tb_req *r, const char *code)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0) {
        tb_error_clear(&e);
        return;
    }
    if (r->subject_id && r->subject_realm && !strcmp(r->subject_realm, "citizen"))
        store_footprint_touch(r->db, r->subject_id, code, MAX_FOOTPRINTS);
}

static void get_footprints(tb_req *r)
{
    int64_t page, size, total;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = store_footprint_list(r, r->subject_id, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        iso_ms(it, "at_ms", "visited_at");
        matter_fields(r, it);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void delete_footprints(tb_req *r)
{
    if (store_footprint_clear(r->db, r->subject_id) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:b}", "cleared", 1));
}

/* ================================================================ addresses (second factor) */
typedef struct {
    const char *name, *phone, *region, *detail, *postcode;
    bool is_default, has_default;
} address_in;

static bool read_address(tb_req *r, address_in *in)
{
    json_t *dflt = NULL;
    tb_jfield spec[] = {TB_JSTR("name", &in->name, true, 30),       TB_JSTR("phone", &in->phone, true, 20),
                        TB_JSTR("region", &in->region, true, 6),    TB_JSTR("detail", &in->detail, true, 100),
                        TB_JSTR("postcode", &in->postcode, false, 6), TB_JBOOL("is_default", &in->is_default, false),
                        TB_JEND};
    json_t *body = tb_req_json_spec(r, spec);
    if (!body)
        return false;
    dflt = json_object_get(body, "is_default");
    in->has_default = dflt != NULL;
    tb_error e = {0};
    if (!tb_valid_person_name(in->name))
        tb_fail(&e, TB_E_INVALID_NAME, "name");
    else if (!tb_valid_phone(in->phone))
        tb_fail(&e, TB_E_INVALID_PHONE, "phone");
    else if (strlen(in->region) != 6 || !tb_is_digits(in->region, 6))
        tb_fail_msg(&e, TB_E_INVALID_FIELD, "region", "所在地区应为6位行政区划代码");
    else if (tb_utf8_length(in->detail) < 4)
        tb_fail_msg(&e, TB_E_INVALID_FIELD, "detail", "详细地址至少4个字");
    else if (in->postcode && *in->postcode && (strlen(in->postcode) != 6 || !tb_is_digits(in->postcode, 6)))
        tb_fail_msg(&e, TB_E_INVALID_FIELD, "postcode", "邮政编码应为6位数字");
    for (const unsigned char *p = (const unsigned char *)in->detail; !e.code && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            tb_fail(&e, TB_E_INVALID_FIELD, "detail");
    if (e.code)
        return tb_reply_error(r, &e), false;
    if (in->postcode && !*in->postcode)
        in->postcode = NULL;
    return true;
}

void row_times_iso(json_t *row)
{
    for (int i = 0; i < 2; i++) {
        const char *k = i ? "updated_at" : "created_at";
        char iso[32];
        tb_time_iso(json_integer_value(json_object_get(row, k)), iso);
        json_object_set_new(row, k, json_string(iso));
    }
}

json_t *first_row(json_t *rows)
{
    json_t *row = rows && json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return row;
}

static json_t *address_out(tb_req *r, json_t *row)
{
    char m[64];
    const char *phone = identity_reveal(r, json_string_value(json_object_get(row, "phone_enc")));
    const char *detail = identity_reveal(r, json_string_value(json_object_get(row, "detail_enc")));
    tb_mask_phone(phone ? phone : "", m);
    json_object_set_new(row, "phone", phone ? json_string(phone) : json_null());
    json_object_set_new(row, "phone_masked", json_string(m));
    json_object_set_new(row, "detail", detail ? json_string(detail) : json_null());
    json_object_del(row, "phone_enc");
    json_object_del(row, "detail_enc");
    const char *region = json_string_value(json_object_get(row, "region"));
    const char *rname = region ? catalog_region_name(r, region) : NULL;
    json_object_set_new(row, "region_name", rname ? json_string(rname) : json_null());
    json_object_set_new(row, "is_default", json_boolean(json_integer_value(json_object_get(row, "is_default"))));
    row_times_iso(row);
    return row;
}

static json_t *one_address(tb_req *r, int64_t id)
{
    int64_t total;
    json_t *row = first_row(store_address_list(r, r->subject_id, id, 1, 0, &total));
    return row ? address_out(r, row) : NULL;
}

static bool address_id(tb_req *r, int64_t *id)
{
    char *end;
    long long v = strtoll(r->params[0], &end, 10);
    if (*end || v <= 0) {
        tb_reply_err(r, TB_E_ADDRESS_NOT_FOUND, "id");
        return false;
    }
    *id = v;
    return true;
}

static void get_addresses(tb_req *r)
{
    int64_t page, size, total;
    if (!identity_elevated(r) || tb_req_page(r, &page, &size) != 0)
        return;
    json_t *items = store_address_list(r, r->subject_id, 0, size, (page - 1) * size, &total);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) address_out(r, it);
    tb_reply_json(r, 200, json_pack("{s:o, s:I, s:i}", "items", items, "total", (json_int_t)total, "max", MAX_ADDRESSES));
}

typedef struct {
    tb_req *r;
    address_in in;
    int64_t id;
    const char *action;
    tb_errcode outcome;
} address_ctx;

static int address_write_tx(tb_db *db, void *arg)
{
    address_ctx *a = arg;
    tb_req *r = a->r;
    const char *phone = encrypt_arena(r, a->in.phone), *detail = encrypt_arena(r, a->in.detail);
    if (!phone || !detail)
        return -1;
    int64_t count = store_address_count(db, r->subject_id);
    if (count < 0)
        return -1;
    if (!a->id) {
        if (count >= MAX_ADDRESSES)
            return a->outcome = TB_E_ADDRESS_LIMIT, 1;
        a->id = store_address_insert(db, r->subject_id, a->in.name, phone, a->in.region, detail, a->in.postcode);
        if (a->id < 0)
            return -1;
        if ((count == 0 || a->in.is_default) && store_address_set_default(db, r->subject_id, a->id) < 0)
            return -1; /* the first address is the default */
    } else {
        int n = store_address_update(db, r->subject_id, a->id, a->in.name, phone, a->in.region, detail, a->in.postcode);
        if (n <= 0)
            return n < 0 ? -1 : (a->outcome = TB_E_ADDRESS_NOT_FOUND, 1);
        if (a->in.has_default && a->in.is_default && store_address_set_default(db, r->subject_id, a->id) < 0)
            return -1;
    }
    return audit_record(r, a->action, tb_arena_printf(r->arena, "address:%lld", (long long)a->id), "ok", "");
}

static void write_address(tb_req *r, int64_t id)
{
    address_ctx a = {.r = r, .id = id, .action = id ? "citizen.address_update" : "citizen.address_add"};
    if (!read_address(r, &a.in))
        return;
    int rc = tb_db_tx(r->db, address_write_tx, &a);
    if (rc != 0)
        return tb_reply_err(r, rc > 0 ? a.outcome : TB_E_INTERNAL, rc > 0 && a.outcome == TB_E_ADDRESS_NOT_FOUND ? "id"
                                                                                                             : NULL);
    tb_reply_json(r, id ? 200 : 201, one_address(r, a.id));
}

static void post_address(tb_req *r)
{
    if (identity_elevated(r))
        write_address(r, 0);
}

static void put_address(tb_req *r)
{
    int64_t id;
    if (identity_elevated(r) && address_id(r, &id))
        write_address(r, id);
}

static int delete_tx(tb_db *db, void *arg)
{
    address_ctx *a = arg;
    json_t *row = one_address(a->r, a->id);
    if (!row)
        return a->outcome = TB_E_ADDRESS_NOT_FOUND, 1;
    bool was_default = json_is_true(json_object_get(row, "is_default"));
    json_decref(row);
    if (store_address_delete(db, a->r->subject_id, a->id) != 1)
        return -1;
    if (was_default && store_address_set_default(db, a->r->subject_id, 0) < 0) /* the newest one takes over */
        return -1;
    return audit_record(a->r, "citizen.address_delete", tb_arena_printf(a->r->arena, "address:%lld", (long long)a->id),
                        "ok", "");
}

static void delete_address(tb_req *r)
{
    address_ctx a = {.r = r};
    if (!identity_elevated(r) || !address_id(r, &a.id))
        return;
    int rc = tb_db_tx(r->db, delete_tx, &a);
    if (rc != 0)
        return tb_reply_err(r, rc > 0 ? a.outcome : TB_E_INTERNAL, rc > 0 ? "id" : NULL);
    tb_reply_json(r, 200, json_pack("{s:b}", "deleted", 1));
}

static int default_tx(tb_db *db, void *arg)
{
    address_ctx *a = arg;
    json_t *row = one_address(a->r, a->id);
    if (!row)
        return a->outcome = TB_E_ADDRESS_NOT_FOUND, 1;
    json_decref(row);
    if (store_address_set_default(db, a->r->subject_id, a->id) < 1)
        return -1;
    return audit_record(a->r, "citizen.address_default", tb_arena_printf(a->r->arena, "address:%lld", (long long)a->id),
                        "ok", "");
}

static void post_address_default(tb_req *r)
{
    address_ctx a = {.r = r};
    if (!identity_elevated(r) || !address_id(r, &a.id))
        return;
    int rc = tb_db_tx(r->db, default_tx, &a);
    if (rc != 0)
        return tb_reply_err(r, rc > 0 ? a.outcome : TB_E_INTERNAL, rc > 0 ? "id" : NULL);
    tb_reply_json(r, 200, one_address(r, a.id));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/me/favorites", get_favorites, TB_AUTH_CITIZEN, NULL, 0, "identity", "我的收藏"},
    {"GET", "/api/v1/me/favorites/{code}", get_favorite, TB_AUTH_CITIZEN, NULL, 0, "identity", "是否已收藏该事项"},
    {"PUT", "/api/v1/me/favorites/{code}", put_favorite, TB_AUTH_CITIZEN, NULL, 0, "identity", "收藏事项"},
    {"DELETE", "/api/v1/me/favorites/{code}", delete_favorite, TB_AUTH_CITIZEN, NULL, 0, "identity", "取消收藏"},
    {"GET", "/api/v1/me/footprints", get_footprints, TB_AUTH_CITIZEN, NULL, 0, "identity", "我的足迹（浏览过的事项）"},
    {"DELETE", "/api/v1/me/footprints", delete_footprints, TB_AUTH_CITIZEN, NULL, 0, "identity", "清空我的足迹"},
    {"GET", "/api/v1/me/addresses", get_addresses, TB_AUTH_CITIZEN, NULL, 0, "identity", "我的地址（需二次认证）"},
    {"POST", "/api/v1/me/addresses", post_address, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity", "新增地址（需二次认证）"},
    {"PUT", "/api/v1/me/addresses/{id}", put_address, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "identity",
     "修改地址（需二次认证）"},
    {"DELETE", "/api/v1/me/addresses/{id}", delete_address, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "删除地址（需二次认证）"},
    {"POST", "/api/v1/me/addresses/{id}/default", post_address_default, TB_AUTH_CITIZEN, NULL, 0, "identity",
     "设为默认地址（需二次认证）"},
};

void identity_space_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
