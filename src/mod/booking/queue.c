/* The hall queue: numbers from check-in of a booking (letter Y, three places
 * ahead of the end of the line), walk-ins at the kiosk (A) and online
 * same-day numbers (W); calling at the windows, recall, skip and late
 * return, acceptance and completion, with an SMS at each step that matters
 * to the citizen. Every change of a hall's queue first takes the hall's lock
 * row, so on PostgreSQL two kiosks never compute positions from the same
 * line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/booking/booking_internal.h"
#include "mod/identity/identity.h"
#include "rules/validators.h"

static const char *letter_of(const char *kind)
{
    return !strcmp(kind, "booked") ? "Y" : !strcmp(kind, "online") ? "W" : "A";
}

static const char *number_text(tb_req *r, const bk_ticket *t)
{
    return tb_arena_printf(r->arena, "%s%03lld", t->letter, (long long)t->number);
}

/* The position for a new number: the end of the line, or for a booked number three places ahead of the
 * end (the end when fewer than three wait). */
static int64_t new_pos(tb_req *r, int64_t hall, int32_t day, bool booked)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int n;
        int64_t *w = bk_store_waiting_pos(r, hall, day, &n);
        int idx = booked ? bk_insert_index(n, bk_insert_from_front()) : n;
        int64_t prev, next = INT64_MAX, pos;
        if (idx == n) {
            prev = bk_store_max_pos(r, hall, day);
        } else {
            next = w[idx];
            prev = idx > 0 ? w[idx - 1] : next - 2 * BK_GAP;
        }
        if (bk_pos_between(prev, next, &pos))
            return pos;
        if (bk_store_renumber(r, hall, day) != 0)
            return INT64_MIN;
    }
    return INT64_MIN;
}

int64_t bk_queue_issue(tb_req *r, const bk_hall *h, const char *kind, const char *matter, int64_t booking,
                       int64_t citizen, const char *name, const char *phone_enc)
{
    int32_t today = bk_today();
    if (bk_store_hall_lock(r->db, h->id) != 0)
        return -1;
    bk_ticket t = {.hall_id = h->id, .day = today, .letter = letter_of(kind), .kind = kind, .matter_code = matter,
                   .booking_id = booking, .citizen_id = citizen, .name = name, .phone_enc = phone_enc,
                   .issued_at = tb_now()};
    t.number = bk_store_counter_next(r->db, h->id, today, t.letter);
    t.pos = new_pos(r, h->id, today, !strcmp(kind, "booked"));
    if (t.number < 0 || t.pos == INT64_MIN)
        return -1;
    t.id = bk_store_ticket_insert(r->db, &t);
    if (t.id < 0)
        return -1;
    bk_lookup *lk = bk_lookup_new(r);
    bk_lookup_add_hall(lk, h);
    const char *matter_name = bk_lookup_matter_name(lk, h->id, matter);
    bk_notify(r, phone_enc,
              tb_arena_printf(r->arena, "【黑龙江公安】您已取号%s（%s，%s），前面还有%lld人，请留意叫号。",
                              number_text(r, &t), h->name, matter_name ? matter_name : matter,
                              (long long)bk_store_ahead(r, h->id, today, t.pos)));
    if (audit_record(r, "queue.issue", number_text(r, &t), "ok",
                     tb_arena_printf(r->arena, "hall=%lld kind=%s matter=%s", (long long)h->id, kind, matter)) != 0)
        return -1;
    return t.id;
}

/* Today is a working day and now is inside one of the hall's opening intervals. */
static bool open_now(tb_req *r, const bk_hall *h)
{
    int32_t today = bk_today();
    const bk_dayhours *dh = bk_hours_of_day(&h->hours, calendar_current(r->db), today);
    int minute = (int)((tb_now() - calendar_day_start(today)) / 60);
    for (int i = 0; i < dh->n; i++)
        if (dh->iv[i].from <= minute && minute < dh->iv[i].to)
            return true;
    return false;
}

static void reply_ticket(tb_req *r, int status, int64_t id)
{
    bk_ticket t;
    if (bk_store_ticket(r, id, &t) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, status, bk_ticket_json(r, NULL, &t, BK_AHEAD_ASK));
}

/* ---- check-in of a booking at the kiosk ---- */
typedef struct {
    tb_req *r;
    const bk_hall *h;
    bk_booking b;
    int64_t ticket;
} checkin_ctx;

static int checkin_tx(tb_db *db, void *arg)
{
    checkin_ctx *c = arg;
    c->ticket = bk_queue_issue(c->r, c->h, "booked", c->b.matter_code, c->b.id, c->b.citizen_id, c->b.name,
                               c->b.phone_enc);
    if (c->ticket < 0)
        return -1;
    if (bk_store_booking_checked_in(db, c->b.id, c->ticket) != 1)
        return 1; /* checked in meanwhile by another kiosk */
    return audit_record(c->r, "booking.checkin", c->b.code, "ok", "");
}

/* A booking from the scanned QR payload (or the online ticket it names: reprinted). 0, 1 = replied with the
 * online ticket, -1 = refused. */
static int booking_from_qr(tb_req *r, const bk_hall *h, const char *qr, bk_booking *b)
{
    char kind, ref[64];
    int64_t hall, expires;
    if (bk_qr_verify(qr, &kind, ref, sizeof ref, &hall, &expires) != 0)
        return tb_reply_fail(r, TB_E_QR_INVALID, "qr", NULL);
    if (hall != h->id)
        return tb_reply_fail(r, TB_E_QR_INVALID, "qr", "该二维码不属于本大厅");
    if (kind == 'T') {
        bk_ticket t;
        if (expires < tb_now() || bk_store_ticket(r, strtoll(ref, NULL, 10), &t) != 0 || t.hall_id != h->id)
            return tb_reply_fail(r, TB_E_QR_INVALID, "qr", "取号二维码已失效");
        reply_ticket(r, 200, t.id);
        return 1;
    }
    if (bk_store_booking_by_code(r, ref, b) != 0 || b->hall_id != h->id || !strcmp(b->status, "cancelled") ||
        !strcmp(b->status, "no_show"))
        return tb_reply_fail(r, TB_E_BOOKING_NOT_FOUND, "qr", "该预约不存在、已取消或已记为未到场");
    if (strcmp(b->status, "booked"))
        return tb_reply_fail(r, TB_E_CONFLICT, "qr", "该预约已签到");
    if (expires != b->qr_version) /* signed before a reschedule */
        return tb_reply_fail(r, TB_E_QR_INVALID, "qr", "预约已改约，请使用新的预约二维码");
    if (b->day != bk_today())
        return tb_reply_fail(r, b->day > bk_today() ? TB_E_BOOKING_TOO_EARLY : TB_E_BOOKING_EXPIRED, "qr",
                             b->day > bk_today() ? "预约日期不是今天" : NULL);
    return 0;
}

static void post_checkin(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h || !bk_staff_hall(r, h))
        return;
    const char *id_number = NULL, *qr = NULL;
    tb_jfield spec[] = {TB_JSTR("id_number", &id_number, false, 18), TB_JSTR("qr", &qr, false, 200), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    checkin_ctx c = {.r = r, .h = h};
    if (qr) {
        int rc = booking_from_qr(r, h, qr, &c.b);
        if (rc != 0)
            return;
    } else if (!id_number) {
        return (void)tb_reply_fail(r, TB_E_FIELD_REQUIRED, "id_number", "请刷身份证、输入身份证号或扫描预约二维码");
    } else {
        if (!tb_valid_id_number(id_number))
            return tb_reply_err(r, TB_E_INVALID_ID_NUMBER, "id_number");
        char bidx[65];
        tb_blind_index(id_number, bidx);
        if (bk_store_booking_for_checkin(r, h->id, bk_today(), bidx, &c.b) != 0)
            return (void)tb_reply_fail(r, TB_E_BOOKING_NOT_FOUND, "id_number", "未找到该身份证号今天在本大厅的预约");
    }
    int64_t now = tb_now();
    char at[6];
    bk_format_hhmm((int)((c.b.valid_from - calendar_day_start(bk_today())) / 60), at);
    if (now < c.b.valid_from)
        return (void)tb_reply_fail(r, TB_E_BOOKING_TOO_EARLY, NULL, tb_arena_printf(r->arena, "预约号码 %s 起有效，请届时取号", at));
    if (now > c.b.valid_to)
        return tb_reply_err(r, TB_E_BOOKING_EXPIRED, NULL);
    int rc = tb_db_tx(r->db, checkin_tx, &c);
    if (rc == 1)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, NULL, "该预约已签到");
    if (rc != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_ticket(r, 201, c.ticket);
}

/* ---- walk-in and online numbers ---- */
typedef struct {
    tb_req *r;
    const bk_hall *h;
    const char *kind, *matter, *name, *phone_enc;
    int64_t citizen, ticket;
} issue_ctx;

static int issue_tx(tb_db *db, void *arg)
{
    (void)db;
    issue_ctx *c = arg;
    c->ticket = bk_queue_issue(c->r, c->h, c->kind, c->matter, 0, c->citizen, c->name, c->phone_enc);
    return c->ticket < 0 ? -1 : 0;
}

static int check_matter_open(tb_req *r, const bk_hall *h, const char *matter)
{
    bool served;
    bk_hall_quota(h, matter, &served);
    if (!served || !bk_store_matter_name(r, matter))
        return tb_reply_fail(r, TB_E_BOOKING_NOT_BOOKABLE, "matter_code", "本大厅不办理该事项");
    if (!open_now(r, h))
        return tb_reply_fail(r, TB_E_HALL_CLOSED, NULL, NULL);
    return 0;
}

static char *encrypt_arena(tb_req *r, const char *plain)
{
    char *enc = plain ? tb_field_encrypt(plain) : NULL;
    char *out = enc ? tb_arena_strdup(r->arena, enc) : NULL;
    free(enc);
    return out;
}

static void post_walkin(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h || !bk_staff_hall(r, h))
        return;
    const char *matter = NULL, *id_number = NULL, *phone = NULL;
    tb_jfield spec[] = {TB_JSTR("matter_code", &matter, true, 40), TB_JSTR("id_number", &id_number, false, 18),
                        TB_JSTR("phone", &phone, false, 11), TB_JEND};
    if (!tb_req_json_spec(r, spec) || check_matter_open(r, h, matter) != 0)
        return;
    if (id_number && !tb_valid_id_number(id_number))
        return tb_reply_err(r, TB_E_INVALID_ID_NUMBER, "id_number");
    if (phone && !tb_valid_phone(phone))
        return tb_reply_err(r, TB_E_INVALID_PHONE, "phone");
    issue_ctx c = {.r = r, .h = h, .kind = "walkin", .matter = matter, .phone_enc = encrypt_arena(r, phone)};
    if (tb_db_tx(r->db, issue_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_ticket(r, 201, c.ticket);
}

typedef struct {
    const char *matter;
    bool waiting;
    int64_t hall;
} mine_probe;

static void probe_ticket(tb_req *r, const bk_ticket *t, void *arg)
{
    (void)r;
    mine_probe *p = arg;
    if (t->hall_id == p->hall && !strcmp(t->matter_code, p->matter) && !strcmp(t->kind, "online") &&
        (!strcmp(t->status, "waiting") || !strcmp(t->status, "called")))
        p->waiting = true;
}

static void post_online(tb_req *r)
{
    const bk_hall *h = bk_hall_param(r, 0);
    if (!h)
        return;
    const char *matter = NULL;
    tb_jfield spec[] = {TB_JSTR("matter_code", &matter, true, 40), TB_JEND};
    if (!tb_req_json_spec(r, spec) || check_matter_open(r, h, matter) != 0)
        return;
    mine_probe p = {.matter = matter, .hall = h->id};
    bk_store_citizen_tickets(r, r->subject_id, bk_today(), probe_ticket, &p);
    if (p.waiting)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "matter_code", "您已在本大厅取过该事项的号，请勿重复取号");
    identity_citizen me;
    if (identity_citizen_get(r, r->subject_id, &me) != 0)
        return tb_reply_err(r, TB_E_UNAUTHENTICATED, NULL);
    issue_ctx c = {.r = r, .h = h, .kind = "online", .matter = matter, .citizen = me.id, .name = me.name,
                   .phone_enc = encrypt_arena(r, me.phone)};
    if (tb_db_tx(r->db, issue_tx, &c) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    reply_ticket(r, 201, c.ticket);
}

typedef struct {
    bk_lookup *lk;
    json_t *items;
} mine_list;

/* A citizen's numbers may be in several halls: each is counted ahead on its own line. */
static void add_ticket(tb_req *r, const bk_ticket *t, void *arg)
{
    mine_list *l = arg;
    json_array_append_new(l->items, bk_ticket_json(r, l->lk, t, BK_AHEAD_ASK));
}

static void get_mine(tb_req *r)
{
    json_t *items = json_array();
    mine_list l = {bk_lookup_new(r), items};
    bk_store_citizen_tickets(r, r->subject_id, bk_today(), add_ticket, &l);
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}

const tb_route bk_queue_routes[] = {
    {"POST", "/api/v1/halls/{id}/queue/online", post_online, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "booking",
     "在线取号（当天、办公时间内），附取号二维码"},
    {"GET", "/api/v1/queue/mine", get_mine, TB_AUTH_CITIZEN, NULL, 0, "booking", "我今天的排队号码及前面人数"},
    {"POST", "/api/v1/halls/{id}/checkin", post_checkin, TB_AUTH_STAFF, "queue.kiosk", TB_R_JSON, "booking",
     "取号机：刷身份证或扫预约二维码签到取号"},
    {"POST", "/api/v1/halls/{id}/tickets", post_walkin, TB_AUTH_STAFF, "queue.kiosk", TB_R_JSON, "booking",
     "取号机：现场取号"},
};
const size_t bk_queue_nroutes = sizeof bk_queue_routes / sizeof bk_queue_routes[0];
