/* Public routes: halls, the slots with places left, and the hall screen. */
#include <string.h>

#include "core/timeutil.h"
#include "mod/booking/booking_internal.h"

typedef struct {
    json_t *items;
} hall_list;

static void add_hall(tb_req *r, const bk_hall *h, void *arg)
{
    json_array_append_new(((hall_list *)arg)->items, bk_hall_json(r, h, false));
}

static void get_halls(tb_req *r)
{
    const char *matter = tb_req_query(r, "matter"), *region = tb_req_query(r, "region");
    if (r->replied)
        return;
    hall_list l = {json_array()};
    if (bk_halls_each(r, matter && *matter ? matter : NULL, region && *region ? region : NULL, add_hall, &l) != 0) {
        json_decref(l.items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", l.items, "total", (json_int_t)json_array_size(l.items)));
}

static void get_hall(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (h)
        tb_reply_json(r, 200, bk_hall_json(r, h, true));
}

/* One day's slots with the places left; a slot is open until the cut-off
 * before it and while places are left. */
static json_t *day_slots(tb_req *r, const bk_hall *h, const char *matter, int64_t quota, int32_t day)
{
    const bk_dayhours *dh = bk_hours_of_day(&h->hours, calendar_current(r->db), day);
    int starts[BK_MAX_SLOTS];
    int64_t booked[BK_MAX_SLOTS];
    int n = bk_slots(dh, starts, BK_MAX_SLOTS);
    bk_store_slot_counts(r, h->id, matter, day, starts, n, booked);
    json_t *slots = json_array();
    int64_t now = tb_now();
    for (int i = 0; i < n; i++) {
        char s[6], e[6];
        bk_format_hhmm(starts[i], s);
        bk_format_hhmm(starts[i] + BK_SLOT_MINUTES, e);
        int64_t left = quota - booked[i] > 0 ? quota - booked[i] : 0;
        bool before_cutoff = calendar_day_start(day) + starts[i] * 60 - (int64_t)tb_cfg.booking_cutoff_minutes * 60 > now;
        json_array_append_new(slots, json_pack("{s:s, s:s, s:I, s:I, s:b}", "start", s, "end", e, "quota",
                                               (json_int_t)quota, "left", (json_int_t)left, "open",
                                               left > 0 && before_cutoff));
    }
    char date[11];
    calendar_format_date(day, date);
    return json_pack("{s:s, s:i, s:o}", "day", date, "weekday", calendar_weekday(day), "slots", slots);
}

static void get_slots(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h)
        return;
    const char *matter = tb_req_query(r, "matter");
    if (r->replied)
        return;
    if (!matter || !*matter)
        return tb_reply_err(r, TB_E_FIELD_REQUIRED, "matter");
    bool served;
    int64_t quota = bk_hall_quota(h, matter, &served);
    if (quota < 0 || !bk_store_matter_name(r, matter))
        return tb_reply_err(r, TB_E_BOOKING_NOT_BOOKABLE, "matter");
    const calendar *c = calendar_current(r->db);
    int32_t days[32];
    int count = (int)(h->booking_days > 0 && h->booking_days <= 30 ? h->booking_days : 5);
    if (!c || calendar_working_days_from(c, bk_today() + 1, count, days) < 0)
        return tb_reply_err(r, TB_E_DB_UNAVAILABLE, NULL);
    json_t *out = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(out, day_slots(r, h, matter, quota, days[i]));
    tb_reply_json(r, 200, json_pack("{s:I, s:s, s:o}", "hall_id", (json_int_t)h->id, "matter_code", matter, "days", out));
}

/* ---- the hall screen: ticket numbers and windows only ---- */
typedef struct {
    const bk_hall *h;
    json_t *rows;
} screen_list;

static void add_screen_row(tb_req *r, const bk_ticket *t, void *arg)
{
    screen_list *l = arg;
    const bk_window *w = t->window_id ? bk_hall_window(l->h, t->window_id) : NULL;
    char at[32];
    if (t->called_at)
        tb_time_iso(t->called_at, at);
    json_array_append_new(l->rows, json_pack("{s:s, s:s?, s:s?, s:s, s:s?}", "ticket",
                                             tb_arena_printf(r->arena, "%s%03lld", t->letter, (long long)t->number),
                                             "window_no", w ? w->no : NULL, "window_name", w ? w->name : NULL,
                                             "status", t->status, "called_at", t->called_at ? at : NULL));
}

static void get_screen(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h)
        return;
    int32_t today = bk_today();
    screen_list calling = {h, json_array()}, recent = {h, json_array()};
    bk_store_tickets(r, h->id, today, "called", 20, add_screen_row, &calling);
    bk_store_tickets(r, h->id, today, "recent", 10, add_screen_row, &recent);
    char at[32];
    tb_time_iso(tb_now(), at);
    tb_reply_json(r, 200, json_pack("{s:{s:I, s:s}, s:o, s:o, s:I, s:s}", "hall", "id", (json_int_t)h->id, "name",
                                    h->name, "calling", calling.rows, "recent", recent.rows, "waiting",
                                    (json_int_t)bk_store_waiting_count(r, h->id, today), "at", at));
}

const tb_route bk_public_routes[] = {
    {"GET", "/api/v1/halls", get_halls, TB_AUTH_PUBLIC, NULL, 0, "booking", "办事大厅列表（可按可预约事项、区划筛选）"},
    {"GET", "/api/v1/halls/{id}", get_hall, TB_AUTH_PUBLIC, NULL, 0, "booking", "办事大厅详情：窗口、事项与号源、办公时间"},
    {"GET", "/api/v1/halls/{id}/slots", get_slots, TB_AUTH_PUBLIC, NULL, 0, "booking",
     "可预约时段及剩余号源（第二天起若干个工作日）"},
    {"GET", "/api/v1/halls/{id}/screen", get_screen, TB_AUTH_PUBLIC, NULL, 0, "booking", "大厅叫号屏（仅号码与窗口）"},
};
const size_t bk_public_nroutes = sizeof bk_public_routes / sizeof bk_public_routes[0];
