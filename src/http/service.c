/* Service endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include <string.h>

#include "http/http.h"

static void get_healthz(tb_req *r) { tb_reply_json(r, 200, json_pack("{s:s}", "status", "ok")); }

static void get_readyz(tb_req *r)
{
    if (!tb_db_ping(r->db)) {
        tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
        return;
    }
    tb_reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

static void get_metrics(tb_req *r)
{
    size_t len;
    char *text = tb_metrics_render(r->arena, &len);
    tb_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void get_openapi(tb_req *r) { tb_reply_json(r, 200, tb_openapi_document()); }

static const tb_route routes[] = {
    {"GET", "/healthz", get_healthz, TB_AUTH_PUBLIC, NULL, 0, "service", "存活检查"},
    {"GET", "/readyz", get_readyz, TB_AUTH_PUBLIC, NULL, 0, "service", "就绪检查（数据库可用）"},
    {"GET", "/metrics", get_metrics, TB_AUTH_PUBLIC, NULL, TB_R_TEXT, "service", "Prometheus 指标"},
    {"GET", "/api/v1/openapi.json", get_openapi, TB_AUTH_PUBLIC, NULL, 0, "service", "OpenAPI 3 接口文档"},
};

void tb_service_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
