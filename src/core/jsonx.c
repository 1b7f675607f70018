#include "core/jsonx.h"

#include <string.h>

json_t *tb_json_parse_object(const char *body, size_t len, tb_error *e)
{
    json_error_t je;
    if (!body || len == 0) {
        tb_fail(e, TB_E_INVALID_JSON, NULL);
        return NULL;
    }
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!j) {
        tb_fail(e, TB_E_INVALID_JSON, NULL);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        tb_fail_msg(e, TB_E_INVALID_JSON, NULL, "请求体必须是 JSON 对象");
        return NULL;
    }
    return j;
}

size_t tb_json_cp_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static int unpack_one(const tb_jfield *f, json_t *v, tb_error *e)
{
    switch (f->type) {
    case TB_J_STR: {
        if (!json_is_string(v))
            return tb_fail(e, TB_E_WRONG_TYPE, f->name);
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v))
            return tb_fail_msg(e, TB_E_INVALID_FIELD, f->name, "字段不能包含空字符");
        if (f->required && !*s)
            return tb_fail(e, TB_E_FIELD_REQUIRED, f->name);
        if (f->max && (int64_t)tb_json_cp_len(s) > f->max)
            return tb_fail_msg(e, TB_E_INVALID_FIELD, f->name, "字段长度超出限制");
        *(const char **)f->out = s;
        return 0;
    }
    case TB_J_INT: {
        if (!json_is_integer(v))
            return tb_fail(e, TB_E_WRONG_TYPE, f->name);
        json_int_t n = json_integer_value(v);
        if (n < f->min || n > f->max)
            return tb_fail_msg(e, TB_E_INVALID_FIELD, f->name, "数值超出允许范围");
        *(int64_t *)f->out = n;
        return 0;
    }
    case TB_J_BOOL:
        if (!json_is_boolean(v))
            return tb_fail(e, TB_E_WRONG_TYPE, f->name);
        *(bool *)f->out = json_is_true(v);
        return 0;
    case TB_J_OBJ:
        if (!json_is_object(v))
            return tb_fail(e, TB_E_WRONG_TYPE, f->name);
        *(json_t **)f->out = v;
        return 0;
    case TB_J_ARR:
        if (!json_is_array(v))
            return tb_fail(e, TB_E_WRONG_TYPE, f->name);
        *(json_t **)f->out = v;
        return 0;
    }
    return tb_fail(e, TB_E_INTERNAL, f->name);
}

int tb_json_unpack(json_t *obj, const tb_jfield *spec, tb_error *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        const tb_jfield *f = spec;
        while (f->name && strcmp(f->name, key))
            f++;
        if (!f->name) {
            /* the key itself is client text: report it only when short and printable */
            return tb_fail_msg(e, TB_E_UNKNOWN_FIELD, strlen(key) <= 64 ? key : NULL, NULL);
        }
    }
    for (const tb_jfield *f = spec; f->name; f++) {
        v = json_object_get(obj, f->name);
        if (!v || json_is_null(v)) {
            if (f->required)
                return tb_fail(e, TB_E_FIELD_REQUIRED, f->name);
            continue;
        }
        if (unpack_one(f, v, e) != 0)
            return -1;
    }
    return 0;
}

const char *tb_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int64_t tb_json_int(const json_t *obj, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

json_t *tb_json_split(const char *csv)
{
    json_t *a = json_array();
    for (const char *p = csv; p && *p;) {
        while (*p == ',')
            p++;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n)
            json_array_append_new(a, json_stringn(p, n));
        p += n;
    }
    return a;
}
