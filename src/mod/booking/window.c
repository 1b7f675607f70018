/* The window officer's side of the queue: the line, call next, recall, skip
 * (过号) and late return, start of acceptance and completion. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/booking/booking_internal.h"
#include "mod/org/org.h"

/* Tickets of one listing, in the order of the query. */
typedef struct {
    bk_ticket *t;
    int n, cap;
} ticket_list;

static void collect(tb_req *r, const bk_ticket *t, void *arg)
{
    ticket_list *l = arg;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 32;
        bk_ticket *bigger = tb_arena_alloc(r->arena, (size_t)cap * sizeof *bigger);
        if (l->n)
            memcpy(bigger, l->t, (size_t)l->n * sizeof *bigger);
        l->t = bigger, l->cap = cap;
    }
    l->t[l->n++] = *t;
}

/* Every row of a listing: with ahead from the line itself when it is the waiting line, ordered by position
 * (the numbers ahead of a waiting number are exactly those before it in the list). */
static void append_rows(tb_req *r, bk_lookup *lk, json_t *into, const ticket_list *l, bool waiting_line)
{
    int64_t ahead = 0;
    for (int i = 0; i < l->n; i++) {
        if (waiting_line && i > 0 && l->t[i].pos != l->t[i - 1].pos)
            ahead = i; /* equal positions: equally many ahead, as the count of pos < this one says */
        json_array_append_new(into, bk_ticket_json(r, lk, &l->t[i], waiting_line ? ahead : BK_AHEAD_ASK));
    }
}

static void list_into(tb_req *r, bk_lookup *lk, json_t *into, int64_t hall, const char *status, int64_t limit)
{
    ticket_list l = {0};
    bk_store_tickets(r, hall, bk_today(), status, limit, collect, &l);
    append_rows(r, lk, into, &l, !strcmp(status, "waiting"));
}

static const char *number_text(tb_req *r, const bk_ticket *t)
{
    return tb_arena_printf(r->arena, "%s%03lld", t->letter, (long long)t->number);
}

/* The number as it is now, in the hall the handler holds. */
static void reply_ticket(tb_req *r, const bk_hall *h, int64_t id)
{
    bk_ticket t;
    if (bk_store_ticket(r, id, &t) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    bk_lookup *lk = bk_lookup_new(r);
    bk_lookup_add_hall(lk, h);
    tb_reply_json(r, 200, bk_ticket_json(r, lk, &t, BK_AHEAD_ASK));
}

static void get_queue(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h || !bk_staff_hall(r, h))
        return;
    bk_lookup *lk = bk_lookup_new(r);
    bk_lookup_add_hall(lk, h);
    json_t *waiting = json_array(), *calling = json_array(), *skipped = json_array();
    list_into(r, lk, waiting, h->id, "waiting", 500);
    list_into(r, lk, calling, h->id, "called", 50);
    list_into(r, lk, calling, h->id, "serving", 50);
    list_into(r, lk, skipped, h->id, "skipped", 50);
    json_t *windows = bk_hall_windows_json(h), *w, *t;
    size_t i, k;
    json_array_foreach(windows, i, w) {
        json_t *current = json_null();
        json_array_foreach(calling, k, t) if (json_equal(json_object_get(json_object_get(t, "window"), "id"),
                                                        json_object_get(w, "id"))) {
            current = json_incref(t);
            break;
        }
        json_object_set_new(w, "current", current);
    }
    tb_reply_json(r, 200, json_pack("{s:I, s:o, s:o, s:o, s:o}", "hall_id", (json_int_t)h->id, "waiting", waiting,
                                    "calling", calling, "skipped", skipped, "windows", windows));
}

/* The one waiting number that has exactly three ahead of it is told to get ready (once). */
static void notify_near(tb_req *r, const bk_hall *h)
{
    ticket_list line = {0};
    bk_store_tickets(r, h->id, bk_today(), "waiting", 4, collect, &line);
    const bk_ticket *t = line.n == 4 ? &line.t[3] : NULL;
    if (t && bk_store_ticket_near(r->db, t->id) == 1)
        bk_notify(r, t->phone_enc,
                  tb_arena_printf(r->arena, "【黑龙江公安】%s号，您前面还有3人，请到%s候叫区等候，以免过号。",
                                  number_text(r, t), h->name));
}

typedef struct {
    tb_req *r;
    const bk_hall *h;
    int64_t window;
    const char *served, *window_no;
    bk_ticket t;
    bool empty;
} call_ctx;

static int call_tx(tb_db *db, void *arg)
{
    call_ctx *c = arg;
    if (bk_store_hall_lock(db, c->h->id) != 0)
        return -1;
    if (bk_store_first_waiting(c->r, c->h->id, bk_today(), c->served, &c->t) != 0)
        return c->empty = true, 1;
    if (bk_store_ticket_set(db, c->t.id, "waiting", "called", c->window, tb_now()) != 1)
        return -1;
    bk_notify(c->r, c->t.phone_enc,
              tb_arena_printf(c->r->arena, "【黑龙江公安】请%s号到%s号窗口办理。", number_text(c->r, &c->t),
                              c->window_no));
    notify_near(c->r, c->h);
    return audit_record(c->r, "queue.call", number_text(c->r, &c->t), "ok",
                        tb_arena_printf(c->r->arena, "hall=%lld window=%s", (long long)c->h->id, c->window_no));
}

static void post_call_next(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h || !bk_staff_hall(r, h))
        return;
    call_ctx c = {.r = r, .h = h, .window = strtoll(r->params[1], NULL, 10)};
    const bk_window *w = bk_hall_window(h, c.window);
    if (!w)
        return tb_reply_err(r, TB_E_WINDOW_NOT_FOUND, "wid");
    c.served = w->matters;
    c.window_no = w->no;
    int rc = tb_db_tx(r->db, call_tx, &c);
    if (rc == 1 && c.empty)
        return tb_reply_err(r, TB_E_QUEUE_EMPTY, NULL);
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_ticket(r, h, c.t.id);
}

/* ---- actions on one number ---- */
typedef struct {
    tb_req *r;
    const bk_hall *h;
    bk_ticket t;
    const char *action;
    tb_errcode refusal;
    const char *why;
} act_ctx;

static int requeue(act_ctx *c)
{
    if (c->t.returned)
        return c->why = "过号号码只能恢复一次，请重新取号", 1;
    if (tb_now() - c->t.skipped_at > (int64_t)tb_cfg.queue_skip_return_minutes * 60)
        return c->why = tb_arena_printf(c->r->arena, "过号已超过 %d 分钟，请重新取号", tb_cfg.queue_skip_return_minutes), 1;
    int n;
    int64_t *w = bk_store_waiting_pos(c->r, c->h->id, bk_today(), &n);
    int idx = bk_insert_index(n, bk_insert_from_front());
    int64_t pos, prev = idx == n ? bk_store_max_pos(c->r, c->h->id, bk_today()) : idx > 0 ? w[idx - 1] : w[0] - 2 * BK_GAP;
    if (!bk_pos_between(prev, idx == n ? INT64_MAX : w[idx], &pos)) {
        if (bk_store_renumber(c->r, c->h->id, bk_today()) != 0)
            return -1;
        return requeue(c);
    }
    return bk_store_ticket_requeue(c->r->db, c->t.id, pos) == 1 ? 0 : (c->why = "号码状态已变化", 1);
}

static int act_tx(tb_db *db, void *arg)
{
    act_ctx *c = arg;
    tb_req *r = c->r;
    int64_t now = tb_now();
    const char *num = number_text(r, &c->t);
    if (bk_store_hall_lock(db, c->h->id) != 0)
        return -1;
    int rc = 0;
    if (!strcmp(c->action, "recall")) {
        rc = bk_store_ticket_set(db, c->t.id, "called", "called", 0, now) == 1 ? 0 : 1;
        if (!rc)
            bk_notify(r, c->t.phone_enc, tb_arena_printf(r->arena, "【黑龙江公安】再次提醒：请%s号尽快到窗口办理。", num));
    } else if (!strcmp(c->action, "skip")) {
        rc = bk_store_ticket_set(db, c->t.id, "called", "skipped", 0, now) == 1 ? 0 : 1;
        if (!rc)
            bk_notify(r, c->t.phone_enc,
                      tb_arena_printf(r->arena, "【黑龙江公安】%s号已过号。%d分钟内回到大厅可恢复排队一次。", num,
                                      tb_cfg.queue_skip_return_minutes));
    } else if (!strcmp(c->action, "start")) {
        rc = bk_store_ticket_set(db, c->t.id, "called", "serving", 0, now) == 1 ? 0 : 1;
        if (!rc)
            bk_notify(r, c->t.phone_enc, tb_arena_printf(r->arena, "【黑龙江公安】%s号已开始受理，请配合窗口民警办理。", num));
    } else if (!strcmp(c->action, "finish")) {
        rc = bk_store_ticket_set(db, c->t.id, "serving", "done", 0, now) == 1 ? 0 : 1;
        if (!rc && c->t.booking_id && bk_store_booking_status(db, c->t.booking_id, "checked_in", "done") < 0)
            return -1;
    } else { /* return */
        rc = strcmp(c->t.status, "skipped") ? 1 : requeue(c);
    }
    if (rc < 0)
        return -1;
    if (rc)
        return c->refusal = TB_E_CONFLICT, 1;
    return audit_record(r, tb_arena_printf(r->arena, "queue.%s", c->action), num, "ok",
                        tb_arena_printf(r->arena, "hall=%lld", (long long)c->h->id));
}

static void ticket_action(tb_req *r, const char *action)
{
    act_ctx c = {.r = r, .action = action};
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    bk_hall *h = tb_arena_alloc(r->arena, sizeof *h);
    if (*end || id <= 0 || bk_store_ticket(r, id, &c.t) != 0 || bk_hall_get(r, c.t.hall_id, h) != 0 ||
        !org_can_see_department(r, h->department_id))
        return tb_reply_err(r, TB_E_NOT_FOUND, "id");
    c.h = h;
    int rc = tb_db_tx(r->db, act_tx, &c);
    if (rc == 1) {
        tb_error e = {0};
        tb_fail_msg(&e, TB_E_CONFLICT, "id",
                    c.why ? c.why : tb_arena_printf(r->arena, "号码当前状态（%s）不能执行此操作", c.t.status));
        return tb_reply_error(r, &e);
    }
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_ticket(r, h, c.t.id);
}

static void post_recall(tb_req *r) { ticket_action(r, "recall"); }
static void post_skip(tb_req *r) { ticket_action(r, "skip"); }
static void post_start(tb_req *r) { ticket_action(r, "start"); }
static void post_finish(tb_req *r) { ticket_action(r, "finish"); }
/* The citizen comes back to the kiosk or to a window: either may restore the number. */
static void post_return(tb_req *r)
{
    if (!org_has_permission(r, "queue.kiosk") && !org_has_permission(r, "queue.call"))
        return tb_reply_err(r, TB_E_FORBIDDEN, NULL);
    ticket_action(r, "return");
}

const tb_route bk_window_routes[] = {
    {"GET", "/api/v1/halls/{id}/queue", get_queue, TB_AUTH_STAFF, "queue.call", 0, "booking",
     "大厅排队情况：等候、叫号中、过号、窗口"},
    {"POST", "/api/v1/halls/{id}/windows/{wid}/call-next", post_call_next, TB_AUTH_STAFF, "queue.call", 0, "booking",
     "窗口叫号：呼叫本窗口可办事项的下一个号码"},
    {"POST", "/api/v1/queue/tickets/{id}/recall", post_recall, TB_AUTH_STAFF, "queue.call", 0, "booking", "重呼"},
    {"POST", "/api/v1/queue/tickets/{id}/skip", post_skip, TB_AUTH_STAFF, "queue.call", 0, "booking", "过号"},
    {"POST", "/api/v1/queue/tickets/{id}/start", post_start, TB_AUTH_STAFF, "queue.call", 0, "booking", "开始受理"},
    {"POST", "/api/v1/queue/tickets/{id}/finish", post_finish, TB_AUTH_STAFF, "queue.call", 0, "booking", "办理完成"},
    {"POST", "/api/v1/queue/tickets/{id}/return", post_return, TB_AUTH_STAFF, NULL, 0, "booking",
     "过号后回到大厅：在规定时间内恢复排队一次（倒数第三位）"},
};
const size_t bk_window_nroutes = sizeof bk_window_routes / sizeof bk_window_routes[0];
