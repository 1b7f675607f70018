/* Form validation: types, required, lengths, ranges, options, patterns
 * (JavaScript regex syntax through PCRE2's ALT_BSUX mode, so \uXXXX works as
 * in the browser), the national ID/phone checks, then the JavaScript rules
 * in one batch to the sandboxed rule worker. Every error is reported. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/log.h"
#include "mod/forms/forms.h"
#include "rules/rules.h"
#include "rules/validators.h"

#define DEFAULT_MAX_LEN 2000

static void add_error(json_t *errors, const char *field, const char *code, const char *message)
{
    json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code, "message", message));
}

static bool is_empty(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && !json_string_length(v)) ||
           (json_is_array(v) && !json_array_size(v));
}

/* Compiled patterns, per thread: forms repeat the same few patterns, and
 * compiling costs more than matching. Entries are replaced round-robin. */
#define PATTERN_CACHE 64
static __thread struct {
    char *text;
    pcre2_code *code;
} pattern_cache[PATTERN_CACHE];
static __thread unsigned pattern_next;
static __thread pcre2_match_context *match_ctx;
static __thread pcre2_match_data *match_data;

static pcre2_code *compiled(const char *pattern)
{
    for (int i = 0; i < PATTERN_CACHE && pattern_cache[i].text; i++)
        if (!strcmp(pattern_cache[i].text, pattern))
            return pattern_cache[i].code;
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_ALT_BSUX, &errcode,
                                   &erroff, NULL);
    char *text = re ? strdup(pattern) : NULL;
    if (!text) {
        pcre2_code_free(re);
        return NULL;
    }
    unsigned slot = pattern_next++ % PATTERN_CACHE;
    free(pattern_cache[slot].text);
    pcre2_code_free(pattern_cache[slot].code);
    pattern_cache[slot].text = text;
    pattern_cache[slot].code = re;
    return re;
}

static bool pattern_matches(const char *pattern, const char *value, bool *bad_pattern)
{
    pcre2_code *re = compiled(pattern);
    if (!match_ctx) {
        match_ctx = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(match_ctx, 100000); /* administrators' patterns must not stall a thread */
        match_data = pcre2_match_data_create(16, NULL);
    }
    if (!re || !match_ctx || !match_data) {
        *bad_pattern = true;
        return true;
    }
    int rc = pcre2_match(re, (PCRE2_SPTR)value, PCRE2_ZERO_TERMINATED, 0, 0, match_data, match_ctx);
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
        *bad_pattern = true;
    return rc >= 0;
}

static bool option_ok(const json_t *field, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(field, "options"), i, o) {
        const char *v = tb_json_str(o, "value");
        if (v && !strcmp(v, value))
            return true;
    }
    return false;
}

static bool valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1)
        return false;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] && !(m == 2 && d == 29 && !leap);
}

/* Type-specific checks of a present string value; returns an error message or NULL. */
static const char *check_string(tb_req *r, const json_t *f, const char *type, const char *v)
{
    const char *label = tb_json_str(f, "label") ? tb_json_str(f, "label") : "该项";
    size_t len = tb_json_cp_len(v);
    int64_t minl = tb_json_int(f, "min_length", 0), maxl = tb_json_int(f, "max_length", DEFAULT_MAX_LEN);
    if ((int64_t)len < minl)
        return tb_arena_printf(r->arena, "%s至少需要%lld个字", label, (long long)minl);
    if ((int64_t)len > maxl)
        return tb_arena_printf(r->arena, "%s不能超过%lld个字", label, (long long)maxl);
    if (!strcmp(type, "id_number") && !tb_valid_id_number(v))
        return "居民身份证号码无效，请核对";
    if (!strcmp(type, "phone") && !tb_valid_phone(v))
        return "手机号码格式不正确";
    if (!strcmp(type, "email") && !tb_valid_email(v))
        return "电子邮箱格式不正确";
    if (!strcmp(type, "date") && !valid_date(v))
        return "日期格式应为 YYYY-MM-DD";
    if ((!strcmp(type, "select") || !strcmp(type, "radio")) && !option_ok(f, v))
        return tb_arena_printf(r->arena, "%s的选项无效", label);
    const char *pattern = tb_json_str(f, "pattern");
    bool bad = false;
    if (pattern && !pattern_matches(pattern, v, &bad))
        return tb_json_str(f, "pattern_message") ? tb_json_str(f, "pattern_message")
                                                 : tb_arena_printf(r->arena, "%s格式不正确", label);
    if (bad)
        tb_warn("forms: pattern of field %s cannot be used", tb_json_str(f, "name"));
    return NULL;
}

/* Checks one field; returns an error message or NULL. */
static const char *check_field(tb_req *r, const json_t *f, const json_t *v)
{
    const char *type = tb_json_str(f, "type") ? tb_json_str(f, "type") : "text";
    const char *label = tb_json_str(f, "label") ? tb_json_str(f, "label") : "该项";
    if (is_empty(v))
        return json_is_true(json_object_get(f, "required")) ? tb_arena_printf(r->arena, "请填写%s", label) : NULL;
    if (!strcmp(type, "number")) {
        if (!json_is_number(v))
            return tb_arena_printf(r->arena, "%s应为数字", label);
        double x = json_number_value(v);
        json_t *mn = json_object_get(f, "min"), *mx = json_object_get(f, "max");
        if ((mn && x < json_number_value(mn)) || (mx && x > json_number_value(mx)))
            return tb_arena_printf(r->arena, "%s超出允许范围", label);
        return NULL;
    }
    if (!strcmp(type, "checkbox")) {
        size_t i;
        json_t *o;
        if (!json_is_array(v) || json_array_size(v) > 50)
            return tb_arena_printf(r->arena, "%s应为选项列表", label);
        json_array_foreach(v, i, o) if (!json_is_string(o) || !option_ok(f, json_string_value(o))) return
            tb_arena_printf(r->arena, "%s的选项无效", label);
        return NULL;
    }
    if (!json_is_string(v))
        return tb_arena_printf(r->arena, "%s应为文本", label);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return tb_arena_printf(r->arena, "%s包含无效字符", label);
    return check_string(r, f, type, json_string_value(v));
}

static int run_rules(tb_req *r, json_t *checks, const json_t *values, json_t *errors)
{
    if (!json_array_size(checks))
        return 0;
    json_t *results = r->thread && r->thread->rules ? tb_rules_eval(r->thread->rules, values, checks) : NULL;
    if (!results) {
        tb_error("forms: rule workers unavailable");
        return -1;
    }
    size_t i;
    json_t *res;
    json_array_foreach(results, i, res) {
        if (json_is_true(json_object_get(res, "ok")))
            continue;
        json_t *check = json_array_get(checks, i);
        const char *field = tb_json_str(check, "field"), *err = tb_json_str(res, "error");
        const char *msg = tb_json_str(res, "message");
        if (err) {
            tb_warn("forms: rule of field %s failed: %s %s", field, err, msg ? msg : "");
            msg = "校验规则执行失败，请联系管理员";
        } else if (!msg || !*msg) {
            msg = tb_json_str(check, "message") ? tb_json_str(check, "message") : "填写内容不符合要求";
        }
        add_error(errors, field, "RULE_FAILED", tb_arena_strdup(r->arena, msg));
    }
    json_decref(results);
    return 0;
}

json_t *forms_validate(tb_req *r, const json_t *schema, const json_t *values)
{
    json_t *errors = json_array(), *checks = json_array(), *fields = json_object_get(schema, "fields");
    const char *key;
    json_t *v, *f;
    size_t i;
    json_object_foreach((json_t *)values, key, v) {
        bool known = false;
        json_array_foreach(fields, i, f) known |= !strcmp(tb_json_str(f, "name"), key);
        if (!known)
            add_error(errors, strlen(key) <= 64 ? tb_arena_strdup(r->arena, key) : "form", "UNKNOWN_FIELD",
                      "表单包含未定义的字段");
    }
    json_array_foreach(fields, i, f) {
        const char *name = tb_json_str(f, "name");
        const char *msg = check_field(r, f, json_object_get(values, name));
        if (msg)
            add_error(errors, name, json_is_true(json_object_get(f, "required")) &&
                                            is_empty(json_object_get(values, name)) ? "FIELD_REQUIRED" : "INVALID_FIELD",
                      msg);
        else if (tb_json_str(f, "rule"))
            json_array_append_new(checks, json_pack("{s:s, s:s, s:s?}", "field", name, "expr", tb_json_str(f, "rule"),
                                                    "message", tb_json_str(f, "rule_message")));
    }
    int rc = run_rules(r, checks, values, errors);
    json_decref(checks);
    if (rc != 0) {
        json_decref(errors);
        return NULL;
    }
    return errors;
}
