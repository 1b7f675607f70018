/* Staff routes of 好差评: the list with filters (evaluation.read), review of
 * the text before it is shown publicly (evaluation.review), verification of a
 * bad rating that opens a rectification task (evaluation.verify), the task's
 * extension and its fix with the feedback to the rater (evaluation.rectify),
 * aggregates per matter, department and region (evaluation.read) and the
 * export in the shape of GB/T 39046 table 9 (evaluation.export). Every
 * evaluation and task is seen only within the staff member's department
 * scope; every write is audited in its transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/calendar/calendar.h"
#include "crypto/crypto.h"
#include "mod/catalog/catalog.h"
#include "mod/evaluation/evaluation_internal.h"
#include "mod/identity/identity.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"

static const char *staff_name(tb_req *r)
{
    org_staff s;
    if (org_staff_get(r, r->subject_id, &s) != 0)
        return "工作人员";
    return tb_arena_printf(r->arena, "%s（%s）", s.name, s.department_name ? s.department_name : "工作人员");
}

static const char *q(tb_req *r, const char *key)
{
    const char *v = tb_req_query(r, key);
    return v && *v ? v : NULL;
}

static bool one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(v, *list))
            return true;
    return false;
}

/* A date query parameter (YYYY-MM-DD) as epoch seconds: the day's start, or its end when end. */
static int date_param(tb_req *r, const char *key, bool end, int64_t *out)
{
    const char *v = q(r, key);
    int32_t day;
    *out = 0;
    if (!v)
        return 0;
    if (calendar_parse_date(v, &day) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, key, "日期格式应为 YYYY-MM-DD");
    *out = calendar_day_start(day) + (end ? 86399 : 0);
    return 0;
}

/* The filters of the list, the aggregates and the export; -1 after replying. */
static int read_filter(tb_req *r, ev_filter *f)
{
    static const char *const states[] = {"pending", "rated", NULL};
    static const char *const reviews[] = {"none", "pending", "approved", "rejected", NULL};
    static const char *const verifies[] = {"unverified", "verified", "unfounded", NULL};
    memset(f, 0, sizeof *f);
    f->depts = ev_scope(r);
    f->level = q(r, "level");
    f->state = q(r, "state");
    f->review = q(r, "review");
    f->verify = q(r, "verify");
    f->matter = q(r, "matter");
    f->serial = q(r, "serial");
    const char *region = q(r, "region");
    if (f->level && strcmp(f->level, "bad") && !ev_level_find(f->level))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "level", NULL);
    if ((f->state && !one_of(f->state, states)))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "state", NULL);
    if (f->review && !one_of(f->review, reviews))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "review", NULL);
    if (f->verify && !one_of(f->verify, verifies))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "verify", NULL);
    if (region) { /* GB/T 2260: 230000 covers 23xxxx, 230100 covers 2301xx */
        size_t n = strlen(region);
        if (n != 6 || strspn(region, "0123456789") != 6)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "region", NULL);
        f->region = !strcmp(region + 2, "0000") ? tb_arena_strndup(r->arena, region, 2)
                    : !strcmp(region + 4, "00") ? tb_arena_strndup(r->arena, region, 4)
                                                : region;
    }
    if (tb_req_query_int(r, "department_id", 0, 0, INT64_MAX, &f->department) != 0)
        return -1;
    if (date_param(r, "from", false, &f->from) != 0 || date_param(r, "to", true, &f->to) != 0)
        return -1;
    return 0;
}

static void add_row(tb_req *r, const ev_row *e, void *arg) { json_array_append_new(arg, ev_json(r, e, 's')); }

static void get_evaluations(tb_req *r)
{
    ev_filter f;
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0 || read_filter(r, &f) != 0)
        return;
    json_t *items = json_array();
    if (ev_store_search(r, &f, size, (page - 1) * size, add_row, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_evaluation(tb_req *r)
{
    ev_row *e = ev_param(r, 0, true);
    if (e)
        tb_reply_json(r, 200, ev_json(r, e, 's'));
}

static void reply_fresh(tb_req *r, int64_t id)
{
    ev_row fresh;
    if (ev_store_get(r, id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, ev_json(r, &fresh, 's'));
}

/* ---- review of the text ---- */
typedef struct {
    tb_req *r;
    ev_row *e;
    const char *decision, *note, *by, *requirement;
    int64_t rect;
} staff_ctx;

static int review_tx(tb_db *db, void *arg)
{
    staff_ctx *c = arg;
    int n = ev_store_review(db, c->e->id, c->decision, c->by, c->note, tb_now());
    if (n != 1)
        return n < 0 ? -1 : 1;
    return audit_record(c->r, "evaluation.review", tb_arena_printf(c->r->arena, "evaluation:%lld", (long long)c->e->id),
                        "ok", tb_arena_printf(c->r->arena, "%s %s", c->e->serial, c->decision));
}

static void post_review(tb_req *r)
{
    staff_ctx c = {.r = r, .note = ""};
    tb_jfield spec[] = {TB_JSTR("decision", &c.decision, true, 10), TB_JSTR("note", &c.note, false, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !(c.e = ev_param(r, 0, true)))
        return;
    if (strcmp(c.decision, "approved") && strcmp(c.decision, "rejected"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "decision", "审核结论只能是 approved（公开）或 rejected（不公开）");
    if (!strcmp(c.decision, "rejected") && !*c.note)
        return (void)tb_reply_fail(r, TB_E_FIELD_REQUIRED, "note", "不予公开时请填写原因");
    c.by = staff_name(r);
    int rc = tb_db_tx(r->db, review_tx, &c);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "decision", "该评价没有待审核的文字内容");
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, c.e->id);
}

/* ---- verification of a bad rating ---- */
static int verify_tx(tb_db *db, void *arg)
{
    staff_ctx *c = arg;
    int64_t now = tb_now();
    int n = ev_store_verify(db, c->e->id, c->decision, c->by, c->note, now);
    if (n != 1)
        return n < 0 ? -1 : 1;
    const char *object = tb_arena_printf(c->r->arena, "evaluation:%lld", (long long)c->e->id);
    if (audit_record(c->r, "evaluation.verify", object, "ok",
                     tb_arena_printf(c->r->arena, "%s %s", c->e->serial, c->decision)) != 0)
        return -1;
    if (strcmp(c->decision, "verified"))
        return 0;
    c->rect = ev_store_rect_insert(db, c->e->id, c->e->department_id, c->by, c->requirement,
                                   now + (int64_t)tb_cfg.evaluation_rectify_days * 86400, now);
    if (c->rect < 0)
        return -1;
    return audit_record(c->r, "evaluation.rectification.open",
                        tb_arena_printf(c->r->arena, "rectification:%lld", (long long)c->rect), "ok", object);
}

static void post_verify(tb_req *r)
{
    staff_ctx c = {.r = r, .requirement = ""};
    tb_jfield spec[] = {TB_JSTR("result", &c.decision, true, 12), TB_JSTR("note", &c.note, true, 200),
                        TB_JSTR("requirement", &c.requirement, false, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !(c.e = ev_param(r, 0, true)))
        return;
    if (strcmp(c.decision, "verified") && strcmp(c.decision, "unfounded"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "result", "核实结论只能是 verified（属实）或 unfounded（不属实）");
    if (!ev_level_bad(c.e->level))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "result", "只有不满意、非常不满意的评价需要核实");
    c.by = staff_name(r);
    int rc = tb_db_tx(r->db, verify_tx, &c);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "result", "该评价已核实");
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_fresh(r, c.e->id);
}

/* ---- rectification tasks ---- */
static void add_rect(tb_req *r, const ev_rect *x, void *arg)
{
    json_t *o = ev_rect_json(r, x, true);
    ev_row e;
    if (ev_store_get(r, x->evaluation_id, &e) == 0) {
        const ev_level *l = ev_level_find(e.level);
        json_object_set_new(o, "evaluation", json_pack("{s:I, s:s, s:{s:s, s:s}, s:s, s:s, s:s}", "id",
                                                       (json_int_t)e.id, "serial", e.serial, "matter", "code",
                                                       e.matter_code, "name", e.matter_name, "level_name",
                                                       l ? l->name : "", "content", e.content ? e.content : "",
                                                       "department_name", e.department_name ? e.department_name : ""));
    }
    json_array_append_new(arg, o);
}

static void get_rectifications(tb_req *r)
{
    int64_t page, size, total = 0;
    if (tb_req_page(r, &page, &size) != 0)
        return;
    const char *status = q(r, "status");
    static const char *const statuses[] = {"open", "extended", "done", "overdue", NULL};
    if (status && !one_of(status, statuses))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "status", NULL);
    json_t *items = json_array();
    if (ev_store_rects(r, ev_scope(r), status, size, (page - 1) * size, add_rect, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static ev_rect *rect_param(tb_req *r)
{
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    ev_rect *x = tb_arena_alloc(r->arena, sizeof *x);
    if (*end || id <= 0 || ev_store_rect_get(r, id, x) != 0 || !org_can_see_department(r, x->department_id)) {
        tb_reply_err(r, TB_E_RECTIFICATION_NOT_FOUND, "id");
        return NULL;
    }
    return x;
}

static void get_rectification(tb_req *r)
{
    ev_rect *x = rect_param(r);
    if (!x)
        return;
    json_t *items = json_array();
    add_rect(r, x, items);
    json_t *o = json_incref(json_array_get(items, 0));
    json_decref(items);
    tb_reply_json(r, 200, o);
}

typedef struct {
    tb_req *r;
    ev_rect *x;
    ev_row e;
    const char *reason, *fix, *feedback, *by;
    int64_t due;
} rect_ctx;

/* Runs a rectification write and answers the fresh row; a rectification done meanwhile (tx returns 1) is
 * 409 CONFLICT on field. */
static void rect_write(tb_req *r, rect_ctx *c, int (*tx)(tb_db *, void *), const char *field)
{
    int rc = tb_db_tx(r->db, tx, c);
    if (rc > 0)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, field, "整改已完成");
    if (rc < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    ev_rect fresh;
    if (ev_store_rect_get(r, c->x->id, &fresh) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, ev_rect_json(r, &fresh, true));
}

static int extend_tx(tb_db *db, void *arg)
{
    rect_ctx *c = arg;
    int n = ev_store_rect_extend(db, c->x->id, c->reason, c->due, tb_now());
    if (n != 1)
        return n < 0 ? -1 : 1;
    char date[11];
    calendar_format_date(calendar_day_of(c->due), date);
    if (audit_record(c->r, "evaluation.rectification.extend",
                     tb_arena_printf(c->r->arena, "rectification:%lld", (long long)c->x->id), "ok",
                     tb_arena_printf(c->r->arena, "%s 至 %s", c->e.serial, date)) != 0)
        return -1;
    /* §3-1-1-7-4: when it cannot be done in time, the reason and the new deadline go to the rater */
    return notify_citizen(c->r, c->e.citizen_id, "evaluation", "差评整改延期说明",
                          tb_arena_printf(c->r->arena, "您对办件%s的评价正在整改，因%s，整改期限延至%s。", c->e.serial,
                                          c->reason, date),
                          tb_arena_printf(c->r->arena, "/my/evaluations/%lld", (long long)c->e.id));
}

static void post_extend(tb_req *r)
{
    rect_ctx c = {.r = r};
    const char *due;
    tb_jfield spec[] = {TB_JSTR("reason", &c.reason, true, 200), TB_JSTR("due_date", &due, true, 10), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !(c.x = rect_param(r)))
        return;
    int32_t day;
    if (calendar_parse_date(due, &day) != 0)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "due_date", "日期格式应为 YYYY-MM-DD");
    c.due = calendar_day_start(day) + 86399;
    if (c.due <= c.x->due_at)
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "due_date", "新的整改期限应晚于原期限");
    if (!strcmp(c.x->status, "done"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "due_date", "整改已完成");
    if (ev_store_get(r, c.x->evaluation_id, &c.e) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    rect_write(r, &c, extend_tx, "due_date");
}

static int complete_tx(tb_db *db, void *arg)
{
    rect_ctx *c = arg;
    int n = ev_store_rect_done(db, c->x->id, c->fix, c->feedback, c->by, tb_now());
    if (n != 1)
        return n < 0 ? -1 : 1;
    if (audit_record(c->r, "evaluation.rectification.done",
                     tb_arena_printf(c->r->arena, "rectification:%lld", (long long)c->x->id), "ok", c->e.serial) != 0)
        return -1;
    return notify_citizen(c->r, c->e.citizen_id, "evaluation", "差评整改结果反馈",
                          tb_arena_printf(c->r->arena, "您对办件%s的评价已核实并完成整改：%s", c->e.serial, c->feedback),
                          tb_arena_printf(c->r->arena, "/my/evaluations/%lld", (long long)c->e.id));
}

static void post_complete(tb_req *r)
{
    rect_ctx c = {.r = r};
    tb_jfield spec[] = {TB_JSTR("fix", &c.fix, true, 500), TB_JSTR("feedback", &c.feedback, true, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec) || !(c.x = rect_param(r)))
        return;
    if (!strcmp(c.x->status, "done"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "fix", "整改已完成");
    if (ev_store_get(r, c.x->evaluation_id, &c.e) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    c.by = staff_name(r);
    rect_write(r, &c, complete_tx, "fix");
}

/* ---- aggregates ---- */
static void add_group(tb_req *r, const char *key, const char *name, const int64_t counts[5], void *arg)
{
    json_t *o = ev_counts_json(counts);
    const char *by = json_string_value(json_object_get(arg, "by"));
    if (!strcmp(by, "region")) {
        const char *n = catalog_region_name(r, key);
        name = n ? n : key;
    }
    json_object_set_new(o, "key", json_string(key));
    json_object_set_new(o, "name", json_string(name && *name ? name : "未指定"));
    json_array_append_new(json_object_get(arg, "items"), o);
}

static void keep_overall(tb_req *r, const char *key, const char *name, const int64_t counts[5], void *arg)
{
    (void)r, (void)key, (void)name;
    json_t *c = ev_counts_json(counts);
    json_object_update(arg, c);
    json_decref(c);
}

static void get_stats(tb_req *r)
{
    ev_filter f;
    const char *by = q(r, "by");
    by = by ? by : "matter";
    if (strcmp(by, "matter") && strcmp(by, "department") && strcmp(by, "region"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "by", "统计维度只能是 matter、department 或 region");
    if (read_filter(r, &f) != 0)
        return;
    json_t *doc = json_pack("{s:s, s:[]}", "by", by, "items");
    int64_t zero[5] = {0};
    json_t *overall = ev_counts_json(zero);
    if (ev_store_aggregate(r, &f, by, add_group, doc) != 0 ||
        ev_store_aggregate(r, &f, "all", keep_overall, overall) != 0) {
        json_decref(doc);
        json_decref(overall);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    json_object_set_new(doc, "overall", overall);
    tb_reply_json(r, 200, doc);
}

/* ---- export (GB/T 39046 table 9) ---- */
static const char *const fields[][2] = {
    {"serial", "办件编号"},       {"channel", "评价渠道"},         {"rater", "评价人"},
    {"rated_at", "评价时间"},     {"times", "评价次数"},           {"satisfaction_code", "满意度代码"},
    {"content", "文字评价"},      {"region", "行政区划"},
};
#define NFIELDS (sizeof fields / sizeof fields[0])
#define EV_EXPORT_MAX 10000 /* rows per export; narrow the dates for more */

/* Exchange date-time YYYYMMDDThhmmss, +08:00. */
static const char *stamp(tb_req *r, int64_t t)
{
    time_t s = (time_t)(t + 8 * 3600);
    struct tm tm;
    gmtime_r(&s, &tm);
    char *out = tb_arena_alloc(r->arena, 20);
    strftime(out, 20, "%Y%m%dT%H%M%S", &tm);
    return out;
}

static void add_export(tb_req *r, const ev_row *e, void *arg)
{
    const ev_level *l = ev_level_find(e->level);
    const ev_named *ch = ev_channel_find(e->channel);
    identity_citizen c;
    char rater[64] = "";
    if (identity_citizen_get(r, e->citizen_id, &c) == 0 && c.name)
        tb_mask_name(c.name, rater);
    const char *content = e->content ? e->content : "";
    if (e->followup && *e->followup)
        content = tb_arena_printf(r->arena, "%s%s追评：%s", content, *content ? "；" : "", e->followup);
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:s, s:s, s:s}", "serial", e->serial,
                                         "channel", ch ? ch->name : "", "channel_key", e->channel ? e->channel : "",
                                         "rater", rater, "rated_at", stamp(r, e->rated_at), "times",
                                         (json_int_t)e->seq, "satisfaction_code", l ? l->code : 0, "level_name",
                                         l ? l->name : "", "content", content, "region", e->region));
}

/* One CSV cell: quoted when needed; a leading = + - @ is neutralised (formula injection). */
static void csv_cell(FILE *f, const char *v)
{
    bool formula = v && v[0] && strchr("=+-@", v[0]);
    if (!v || (!strpbrk(v, ",\"\r\n") && !formula)) {
        fputs(v ? v : "", f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (const char *s = v; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The rows as CSV with Chinese headers and a UTF-8 BOM (spreadsheet programs then read UTF-8), in the arena. */
static const char *csv_text(tb_req *r, json_t *items, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    fputs("\xEF\xBB\xBF", f);
    for (size_t k = 0; k < NFIELDS; k++)
        fprintf(f, "%s%s", k ? "," : "", fields[k][1]);
    fputs("\r\n", f);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        for (size_t k = 0; k < NFIELDS; k++) {
            json_t *v = json_object_get(it, fields[k][0]);
            if (k)
                fputc(',', f);
            if (json_is_integer(v))
                fprintf(f, "%lld", (long long)json_integer_value(v));
            else
                csv_cell(f, json_string_value(v));
        }
        fputs("\r\n", f);
    }
    fclose(f);
    char *out = tb_arena_alloc(r->arena, size + 1);
    memcpy(out, buf, size + 1);
    free(buf);
    *len = size;
    return out;
}

static void get_export(tb_req *r)
{
    ev_filter f;
    const char *format = q(r, "format");
    format = format ? format : "json";
    if (strcmp(format, "json") && strcmp(format, "csv"))
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "format", "导出格式只能是 json 或 csv");
    if (read_filter(r, &f) != 0)
        return;
    f.state = "rated";
    int64_t total = 0;
    json_t *items = json_array();
    if (ev_store_search(r, &f, EV_EXPORT_MAX, 0, add_export, items, &total) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    if (audit_record(r, "evaluation.export", "evaluations", "ok",
                     tb_arena_printf(r->arena, "%s %zu rows", format, json_array_size(items))) != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    if (!strcmp(format, "json")) {
        json_t *names = json_array();
        for (size_t i = 0; i < NFIELDS; i++)
            json_array_append_new(names, json_pack("{s:s, s:s}", "key", fields[i][0], "name", fields[i][1]));
        return tb_reply_json(r, 200, json_pack("{s:s, s:o, s:o, s:I, s:b}", "standard", "GB/T 39046-2020 表9 评价信息",
                                               "fields", names, "items", items, "total", (json_int_t)total,
                                               "truncated", total > (int64_t)json_array_size(items)));
    }
    size_t len = 0;
    const char *csv = csv_text(r, items, &len);
    json_decref(items);
    if (!csv)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_header(r, "Content-Disposition", "attachment; filename=\"evaluations.csv\"");
    tb_reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
}

const tb_route ev_admin_routes[] = {
    {"GET", "/api/v1/work/evaluations", get_evaluations, TB_AUTH_STAFF, "evaluation.read", 0, "evaluation",
     "评价列表：按等级、状态、审核、核实、事项、办件、区划、部门、时间筛选（数据范围内）"},
    {"GET", "/api/v1/work/evaluations/stats", get_stats, TB_AUTH_STAFF, "evaluation.read", 0, "evaluation",
     "评价汇总：按事项、部门或区划统计各等级数量和满意率"},
    {"GET", "/api/v1/work/evaluations/export", get_export, TB_AUTH_STAFF, "evaluation.export", 0, "evaluation",
     "导出评价（GB/T 39046 表9：办件编号、评价渠道、评价人、评价时间、评价次数、满意度代码、文字评价、行政区划），"
     "format=json|csv，评价人脱敏"},
    {"GET", "/api/v1/work/evaluations/{id}", get_evaluation, TB_AUTH_STAFF, "evaluation.read", 0, "evaluation",
     "一条评价（含整改任务）"},
    {"POST", "/api/v1/work/evaluations/{id}/review", post_review, TB_AUTH_STAFF, "evaluation.review", TB_R_JSON,
     "evaluation", "审核文字评价：approved 公开 / rejected 不公开"},
    {"POST", "/api/v1/work/evaluations/{id}/verify", post_verify, TB_AUTH_STAFF, "evaluation.verify", TB_R_JSON,
     "evaluation", "核实差评：verified 属实（开启整改任务）/ unfounded 不属实"},
    {"GET", "/api/v1/work/rectifications", get_rectifications, TB_AUTH_STAFF, "evaluation.read", 0, "evaluation",
     "差评整改任务列表（open、extended、done、overdue）"},
    {"GET", "/api/v1/work/rectifications/{id}", get_rectification, TB_AUTH_STAFF, "evaluation.read", 0, "evaluation",
     "一条整改任务"},
    {"POST", "/api/v1/work/rectifications/{id}/extend", post_extend, TB_AUTH_STAFF, "evaluation.rectify", TB_R_JSON,
     "evaluation", "整改延期：说明理由和新的整改期限（告知评价人）"},
    {"POST", "/api/v1/work/rectifications/{id}/complete", post_complete, TB_AUTH_STAFF, "evaluation.rectify",
     TB_R_JSON, "evaluation", "记录整改结果并向评价人反馈（站内消息和短信）"},
};
const size_t ev_admin_nroutes = sizeof ev_admin_routes / sizeof ev_admin_routes[0];
