/* The OpenAPI 3 document, generated from the route tables so it cannot
 * drift from what the server answers. */
#include <string.h>

#include "http/http.h"

static json_t *path_params(const char *pattern)
{
    json_t *params = json_array();
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e)
            break;
        json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1, (size_t)(e - p - 1),
                                                "in", "path", "required", 1, "schema", "type", "string"));
    }
    return params;
}

static json_t *responses(const tb_route *r)
{
    json_t *ok = r->flags & TB_R_STREAM
                     ? json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "服务器推送事件流（SSE）", "content",
                                 "text/event-stream", "schema", "type", "string")
                 : r->flags & TB_R_TEXT
                     ? json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "成功", "content", "text/plain", "schema",
                                 "type", "string")
                     : json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", "成功", "content", "application/json",
                                 "schema", "type", "object");
    json_t *res = json_pack("{s:o, s:{s:s, s:{s:{s:{s:s}}}}}", strcmp(r->method, "POST") ? "200" : "200/201", ok,
                            "default", "description", "错误，见 Error", "content", "application/json", "schema",
                            "$ref", "#/components/schemas/Error");
    if (!strcmp(r->method, "POST")) { /* JSON keys can't hold a slash: list both codes */
        json_object_set(res, "201", json_object_get(res, "200/201"));
        json_object_set_new(res, "200", json_deep_copy(json_object_get(res, "200/201")));
        json_object_del(res, "200/201");
    }
    return res;
}

static json_t *operation(const tb_route *r)
{
    json_t *op = json_pack("{s:s, s:[s], s:s, s:o}", "summary", r->summary ? r->summary : r->pattern, "tags",
                           r->tag ? r->tag : "misc", "operationId", r->pattern, "responses", responses(r));
    char opid[256];
    snprintf(opid, sizeof opid, "%s %s", r->method, r->pattern);
    json_object_set_new(op, "operationId", json_string(opid));
    json_t *params = path_params(r->pattern);
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (r->flags & TB_R_JSON)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content", "application/json",
                                      "schema", "type", "object"));
    if (r->flags & TB_R_MULTIPART)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s, s:{s:{s:s, s:s}}}}}}", "required", 1, "content",
                                      "multipart/form-data", "schema", "type", "object", "properties", "file",
                                      "type", "string", "format", "binary"));
    if (r->auth == TB_AUTH_CITIZEN)
        json_object_set_new(op, "security", json_pack("[{s:[]}]", "citizenSession"));
    else if (r->auth == TB_AUTH_STAFF)
        json_object_set_new(op, "security", json_pack("[{s:[]}]", "staffSession"));
    return op;
}

json_t *tb_openapi_document(void)
{
    json_t *paths = json_object();
    for (size_t i = 0; i < tb_router_count(); i++) {
        const tb_route *r = tb_router_at(i);
        json_t *item = json_object_get(paths, r->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, r->pattern, item);
        }
        char m[16];
        size_t k = 0;
        for (; r->method[k] && k < sizeof m - 1; k++)
            m[k] = (char)(r->method[k] | 0x20);
        m[k] = '\0';
        json_object_set_new(item, m, operation(r));
    }
    json_t *error = json_pack(
        "{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}}}", "type", "object", "properties", "error", "type",
        "object", "properties", "code", "type", "string", "message", "type", "string", "field", "type", "string",
        "details", "type", "array");
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s}], s:o, s:{s:{s:o}, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}}}",
                     "openapi", "3.0.3", "info", "title", "通办 Tongban API", "version", TB_VERSION, "description",
                     "黑龙江省互联网+公安政务服务平台接口。错误码见 src/core/errors.def。", "servers", "url", "/",
                     "paths", paths, "components", "schemas", "Error", error, "securitySchemes", "citizenSession",
                     "type", "apiKey", "in", "cookie", "name", "tb_sid", "staffSession", "type", "apiKey", "in",
                     "cookie", "name", "tb_staff_sid");
}
