/* Routes of the calendar module: the published holiday calendar, the next
 * working days (booking), and administrators' edits. */
#include <stdio.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "http/http.h"
#include "mod/audit/audit.h"
#include "mod/calendar/calendar.h"

/* The snapshot for this request, or NULL after replying. */
static const calendar *snapshot(tb_req *r)
{
    const calendar *c = calendar_current(r->db);
    if (!c)
        tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    return c;
}

static json_t *date_json(int32_t day)
{
    char text[11];
    calendar_format_date(day, text);
    return json_string(text);
}

static json_t *entry_json(const calendar_entry *e)
{
    return json_pack("{s:o, s:s, s:s, s:i}", "day", date_json(e->day), "kind", calendar_kind_name(e->kind), "name",
                     e->name, "weekday", calendar_weekday(e->day));
}

/* A date query parameter, today (+08:00) when absent; -1 after replying. */
static int query_date(tb_req *r, const char *key, int32_t *day)
{
    const char *v = tb_req_query(r, key);
    if (r->replied)
        return -1;
    if (!v || !*v) {
        *day = calendar_day_of(tb_now());
        return 0;
    }
    if (calendar_parse_date(v, day) != 0) {
        tb_reply_err(r, TB_E_INVALID_FIELD, key);
        return -1;
    }
    return 0;
}

static void get_calendar(tb_req *r)
{
    int y, m, d;
    int64_t year;
    calendar_ymd(calendar_day_of(tb_now()), &y, &m, &d);
    if (tb_req_query_int(r, "year", y, CALENDAR_MIN_YEAR, CALENDAR_MAX_YEAR, &year) != 0)
        return;
    const calendar *c = snapshot(r);
    if (!c)
        return;
    size_t n;
    const calendar_entry *e = calendar_entries(c, calendar_day_from_ymd((int)year, 1, 1),
                                               calendar_day_from_ymd((int)year, 12, 31), &n);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, entry_json(&e[i]));
    tb_reply_json(r, 200, json_pack("{s:I, s:o, s:i}", "year", (json_int_t)year, "items", items,
                                    "working_days_in_year", calendar_working_days_in_year(c, (int)year)));
}

static void get_working_days(tb_req *r)
{
    int32_t from;
    int64_t count;
    if (query_date(r, "from", &from) != 0 || tb_req_query_int(r, "count", 5, 1, 366, &count) != 0)
        return;
    const calendar *c = snapshot(r);
    if (!c)
        return;
    int32_t *days = tb_arena_alloc(r->arena, (size_t)count * sizeof *days);
    if (calendar_working_days_from(c, from, (int)count, days) < 0)
        return tb_reply_err(r, TB_E_INVALID_FIELD, "count"); /* would run past the calendar's last year */
    json_t *items = json_array();
    for (int64_t i = 0; i < count; i++)
        json_array_append_new(items, date_json(days[i]));
    tb_reply_json(r, 200, json_pack("{s:o, s:I, s:o}", "from", date_json(from), "count", (json_int_t)count,
                                    "items", items));
}

/* ---------------------------------------------------------------- admin edits */

typedef struct {
    tb_req *r;
    int32_t day;
    const char *text; /* the day as written in the path */
    calendar_kind kind;
    const char *name;
} edit;

/* The {day} path parameter; -1 after replying. */
static int path_day(tb_req *r, edit *ed)
{
    ed->r = r;
    ed->text = r->params[0];
    if (calendar_parse_date(ed->text, &ed->day) != 0) {
        tb_reply_err(r, TB_E_INVALID_FIELD, "day");
        return -1;
    }
    return 0;
}

static int set_tx(tb_db *db, void *arg)
{
    edit *ed = arg;
    const char *actor = tb_arena_printf(ed->r->arena, "staff:%lld", (long long)ed->r->subject_id);
    if (calendar_store_set(db, ed->day, ed->kind, ed->name, actor) != 0)
        return -1;
    const char *detail = tb_arena_printf(ed->r->arena, "%s %s", calendar_kind_name(ed->kind), ed->name);
    return audit_record(ed->r, "calendar.set", ed->text, "ok", detail);
}

static int delete_tx(tb_db *db, void *arg)
{
    edit *ed = arg;
    int n = calendar_store_delete(db, ed->day);
    if (n <= 0)
        return n < 0 ? -1 : 1; /* 1: nothing to delete, roll back quietly */
    return audit_record(ed->r, "calendar.delete", ed->text, "ok", "");
}

/* A workday only means something on a weekend (调休上班); on a weekday it
 * would be a silent no-op, which an administrator would take for an edit. */
static int check_kind(tb_req *r, edit *ed, const char *kind)
{
    tb_error e = {0};
    if (calendar_kind_parse(kind, &ed->kind) != 0)
        tb_fail_msg(&e, TB_E_INVALID_FIELD, "kind", "类型只能是 holiday（放假）或 workday（调休上班）");
    else if (ed->kind == CALENDAR_WORKDAY && calendar_weekday(ed->day) < 6)
        tb_fail_msg(&e, TB_E_INVALID_FIELD, "kind", "调休上班日只能设在周六或周日");
    else
        return 0;
    tb_reply_error(r, &e);
    return -1;
}

static void put_day(tb_req *r)
{
    edit ed;
    const char *kind = NULL;
    if (path_day(r, &ed) != 0)
        return;
    tb_jfield spec[] = {TB_JSTR("kind", &kind, true, 16), TB_JSTR("name", &ed.name, true, 40), TB_JEND};
    if (!tb_req_json_spec(r, spec) || check_kind(r, &ed, kind) != 0)
        return;
    if (tb_db_tx(r->db, set_tx, &ed) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    calendar_reload(r->db);
    calendar_entry e = {ed.day, ed.kind, ed.name};
    tb_reply_json(r, 200, entry_json(&e));
}

static void delete_day(tb_req *r)
{
    edit ed;
    if (path_day(r, &ed) != 0)
        return;
    int rc = tb_db_tx(r->db, delete_tx, &ed);
    if (rc == 1)
        return tb_reply_err(r, TB_E_NOT_FOUND, "day");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    calendar_reload(r->db);
    tb_reply_json(r, 200, json_pack("{s:s, s:b}", "day", ed.text, "deleted", 1));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/calendar", get_calendar, TB_AUTH_PUBLIC, NULL, 0, "calendar",
     "节假日与调休安排（按年）及全年工作日数"},
    {"GET", "/api/v1/calendar/working-days", get_working_days, TB_AUTH_PUBLIC, NULL, 0, "calendar",
     "自某日起的 N 个工作日（预约可选日期）"},
    {"PUT", "/api/v1/admin/calendar/{day}", put_day, TB_AUTH_STAFF, "calendar.write", TB_R_JSON, "calendar",
     "设置放假日或调休上班日（管理员）"},
    {"DELETE", "/api/v1/admin/calendar/{day}", delete_day, TB_AUTH_STAFF, "calendar.write", 0, "calendar",
     "删除节假日安排中的一天（管理员）"},
};

void calendar_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
