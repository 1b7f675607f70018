/* Routes of the audit administrator: search the trail and export it. Only
 * `audit.read` / `audit.export` open them (the audit administrator's role);
 * every search and export is itself recorded. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timeutil.h"
#include "mod/audit/audit.h"

/* ISO 8601 with +08:00 (or a bare date in +08:00) to epoch seconds. */
static int parse_time(const char *s, bool end, int64_t *out)
{
    struct tm tm = {0};
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    bool date_only = false;
    if (!rest) {
        rest = strptime(s, "%Y-%m-%d", &tm);
        date_only = true;
    }
    if (!rest || (*rest && strcmp(rest, "+08:00")))
        return -1;
    *out = (int64_t)timegm(&tm) - 8 * 3600 + (date_only && end ? 86399 : 0);
    return 0;
}

static const char *q(tb_req *r, const char *key)
{
    const char *v = r->replied ? NULL : tb_req_query(r, key);
    return v ? v : "";
}

/* Filter from the query string; -1 after replying 400. */
static int read_filter(tb_req *r, audit_filter *f)
{
    const char *from = q(r, "from"), *to = q(r, "to");
    *f = (audit_filter){0, INT64_MAX / 2, q(r, "actor"), q(r, "action"), q(r, "object"), q(r, "result"), q(r, "ip")};
    if (r->replied)
        return -1;
    if (*from && parse_time(from, false, &f->from) != 0)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "from"), -1;
    if (*to && parse_time(to, true, &f->to) != 0)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "to"), -1;
    const char *longest = strlen(f->action) > 100 ? "action" : strlen(f->object) > 100 ? "object" : NULL;
    if (longest)
        return tb_reply_err(r, TB_E_INVALID_FIELD, longest), -1;
    return 0;
}

static void add_json(void *arg, const audit_row *a)
{
    char at[32];
    tb_time_iso(a->at, at);
    json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id, "at",
                                         at, "realm", a->realm, "actor", a->actor, "action", a->action, "object",
                                         a->object, "result", a->result, "ip", a->ip, "detail", a->detail));
}

static void get_search(tb_req *r)
{
    audit_filter f;
    int64_t page, size;
    if (read_filter(r, &f) != 0 || tb_req_page(r, &page, &size) != 0)
        return;
    int64_t total = audit_count(r->db, &f);
    json_t *items = json_array();
    if (total < 0 || audit_search(r->db, &f, size, (page - 1) * size, add_json, items) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    audit_record(r, "audit.search", "audit_log", "ok", "");
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

typedef struct {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap * 2 + n + 4096;
        char *g = realloc(b->p, cap);
        if (!g)
            abort();
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Quoted always; a leading = + - @ is defused for spreadsheets. */
static void field(buf *b, const char *s, bool last)
{
    put(b, "\"", 1);
    if (*s && strchr("=+-@", *s))
        put(b, "'", 1);
    for (; *s; s++)
        *s == '"' ? put(b, "\"\"", 2) : put(b, s, 1);
    put(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
}

static void add_csv(void *arg, const audit_row *a)
{
    char at[32], id[24];
    tb_time_iso(a->at, at);
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    const char *f[] = {id, at, a->realm, a->actor, a->action, a->object, a->result, a->ip, a->detail};
    for (int i = 0; i < 9; i++)
        field(arg, f[i], i == 8);
}

static void get_export(tb_req *r)
{
    audit_filter f;
    if (read_filter(r, &f) != 0)
        return;
    buf b = {0};
    put(&b, "\xEF\xBB\xBF", 3);
    const char *head[] = {"序号", "时间", "域", "操作人", "操作", "对象", "结果", "来源IP", "说明"};
    for (int i = 0; i < 9; i++)
        field(&b, head[i], i == 8);
    if (audit_search(r->db, &f, 100000, 0, add_csv, &b) != 0) {
        free(b.p);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    audit_record(r, "audit.export", "audit_log", "ok", "");
    char *body = tb_arena_alloc(r->arena, b.n); /* the reply is sent after the handler returns */
    memcpy(body, b.p, b.n);
    free(b.p);
    tb_reply_header(r, "content-disposition", "attachment; filename=\"audit.csv\"");
    tb_reply_raw(r, 200, "text/csv; charset=utf-8", body, b.n);
}

static const tb_route routes[] = {
    {"GET", "/api/v1/admin/audit", get_search, TB_AUTH_STAFF, "audit.read", 0, "audit",
     "查询审计日志（时间、操作人、操作、对象、结果、IP）"},
    {"GET", "/api/v1/admin/audit/export", get_export, TB_AUTH_STAFF, "audit.export", 0, "audit", "导出审计日志（CSV）"},
};

void audit_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
