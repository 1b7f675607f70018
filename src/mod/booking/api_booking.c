/* Citizens' routes: book, 我的预约, cancel, reschedule, the booking's QR code,
 * and online same-day numbers (在线取号). Booking works signed in (for
 * oneself or a family member) or without a session with name, ID number and
 * a phone verified by SMS code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/qr.h"
#include "core/jsonx.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/identity/identity.h"
#include "mod/booking/booking_internal.h"
#include "rules/validators.h"

typedef struct {
    tb_req *r;
    const bk_hall *h;
    const char *matter, *matter_name, *phone;
    int64_t quota, booked; /* booked: places taken when checked, -1 no row yet */
    int32_t day;
    int start;
    bk_booking b;      /* the new booking, or the one being changed */
    bk_booking moved;  /* reschedule: the new slot */
    tb_errcode outcome; /* set when the transaction refuses */
} book_ctx;

static char *encrypt_arena(tb_req *r, const char *plain)
{
    char *enc = tb_field_encrypt(plain);
    char *out = enc ? tb_arena_strdup(r->arena, enc) : NULL;
    free(enc);
    return out;
}

/* ---- the slot: hall, matter, day within the window, a slot of that day ---- */
static int check_slot(book_ctx *c, int64_t hall_id, const char *day, const char *start)
{
    tb_req *r = c->r;
    bk_hall *h = tb_arena_alloc(r->arena, sizeof *h);
    if (bk_hall_get(r, hall_id, h) != 0 || strcmp(h->status, "open"))
        return tb_reply_fail(r, TB_E_HALL_NOT_FOUND, "hall_id", NULL);
    c->h = h;
    bool served;
    c->quota = bk_hall_quota(h, c->matter, &served);
    c->matter_name = bk_store_matter_name(r, c->matter);
    if (c->quota < 0 || !c->matter_name)
        return tb_reply_fail(r, TB_E_BOOKING_NOT_BOOKABLE, "matter_code", NULL);
    const calendar *cal = calendar_current(r->db);
    int32_t days[32];
    int count = (int)(h->booking_days > 0 && h->booking_days <= 30 ? h->booking_days : 5);
    if (calendar_parse_date(day, &c->day) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "day", "日期格式应为 YYYY-MM-DD");
    if (!cal || calendar_working_days_from(cal, bk_today() + 1, count, days) < 0)
        return tb_reply_fail(r, TB_E_DB_UNAVAILABLE, NULL, NULL);
    bool in_range = false;
    for (int i = 0; i < count; i++)
        in_range |= days[i] == c->day;
    if (!in_range)
        return tb_reply_fail(r, TB_E_BOOKING_DAY_OUT_OF_RANGE, "day",
                             tb_arena_printf(r->arena, "只能预约第二天起 %d 个工作日内的时段", count));
    c->start = bk_parse_hhmm(start);
    const bk_dayhours *dh = bk_hours_of_day(&h->hours, cal, c->day);
    if (c->start < 0 || !bk_slot_valid(dh, c->start))
        return tb_reply_fail(r, TB_E_BOOKING_SLOT_INVALID, "start", NULL);
    if (calendar_day_start(c->day) + c->start * 60 - (int64_t)tb_cfg.booking_cutoff_minutes * 60 <= tb_now())
        return tb_reply_fail(r, TB_E_BOOKING_CUTOFF_PASSED, "start", "该时段已停止预约");
    c->booked = bk_store_slot_booked(r, h->id, c->matter, c->day, c->start);
    if (c->booked >= c->quota)
        return tb_reply_fail(r, TB_E_BOOKING_SLOT_FULL, "start", NULL); /* a full slot costs no write */
    return 0;
}

static void fill_slot(book_ctx *c, bk_booking *b)
{
    const bk_dayhours *dh = bk_hours_of_day(&c->h->hours, calendar_current(c->r->db), c->day);
    b->hall_id = c->h->id;
    b->day = c->day;
    b->start_min = c->start;
    b->end_min = c->start + BK_SLOT_MINUTES;
    bk_validity(dh, c->day, c->start, c->h->validity, &b->valid_from, &b->valid_to);
}

/* ---- who books: the signed-in citizen, a family member, or a guest ---- */
typedef struct {
    const char *name, *id_number, *phone, *sms_code;
} person_in;

static int check_person(book_ctx *c, const person_in *p)
{
    tb_req *r = c->r;
    if (p->id_number && !tb_valid_id_number(p->id_number))
        return tb_reply_fail(r, TB_E_INVALID_ID_NUMBER, "id_number", NULL);
    if (p->name && !tb_valid_person_name(p->name))
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "name", "姓名应为 2–30 个字符的中文或字母");
    if (p->phone && !tb_valid_phone(p->phone))
        return tb_reply_fail(r, TB_E_INVALID_PHONE, "phone", NULL);
    if (!p->id_number != !p->name)
        return tb_reply_fail(r, TB_E_FIELD_REQUIRED, p->name ? "id_number" : "name", NULL);
    if (r->subject_id) {
        identity_citizen me;
        if (identity_citizen_get(r, r->subject_id, &me) != 0)
            return tb_reply_fail(r, TB_E_UNAUTHENTICATED, NULL, NULL);
        c->b.citizen_id = me.id;
        c->b.booker = tb_arena_printf(r->arena, "c:%lld", (long long)me.id);
        c->b.name = p->name ? p->name : me.name;
        c->b.channel = p->name ? "pc_family" : "pc";
        const char *id = p->id_number ? p->id_number : me.id_number;
        if (!id) /* a legal person's account names the person who comes */
            return tb_reply_fail(r, TB_E_FIELD_REQUIRED, "id_number", "法人账号预约须填写到场办理人的姓名和身份证号");
        c->phone = p->phone ? p->phone : me.phone;
        c->b.id_number_enc = encrypt_arena(r, id);
        char *bidx = tb_arena_alloc(r->arena, 65);
        tb_blind_index(id, bidx);
        c->b.id_number_bidx = bidx;
    } else {
        const char *missing = !p->name ? "name" : !p->id_number ? "id_number" : !p->phone ? "phone" : !p->sms_code ? "sms_code" : NULL;
        if (missing)
            return tb_reply_fail(r, TB_E_FIELD_REQUIRED, missing, "未登录预约须填写姓名、身份证号、手机号和短信验证码");
        char bidx[65], *ib = tb_arena_alloc(r->arena, 65);
        tb_blind_index(p->phone, bidx);
        c->b.booker = tb_arena_printf(r->arena, "p:%.32s", bidx);
        c->b.name = p->name;
        c->b.channel = "guest";
        c->phone = p->phone;
        c->b.id_number_enc = encrypt_arena(r, p->id_number);
        tb_blind_index(p->id_number, ib);
        c->b.id_number_bidx = ib;
    }
    c->b.phone_enc = encrypt_arena(r, c->phone);
    return c->b.id_number_enc && c->b.phone_enc ? 0 : tb_reply_fail(r, TB_E_INTERNAL, NULL, NULL);
}

/* Rules that need the person: blacklist, one active booking per ID and matter, the booker's limit. */
static int check_rules(book_ctx *c)
{
    tb_req *r = c->r;
    int64_t until;
    if (bk_store_blacklisted(r, c->b.id_number_bidx, &until)) {
        char d[11];
        calendar_format_date(calendar_day_of(until), d);
        return tb_reply_fail(r, TB_E_BOOKING_BLACKLISTED, "id_number",
                             tb_arena_printf(r->arena, "因多次预约未到场，该身份证号暂停网上预约至 %s；如有疑问请联系大厅", d));
    }
    if (bk_store_active_exists(r, c->b.id_number_bidx, c->matter))
        return tb_reply_fail(r, TB_E_BOOKING_DUPLICATE, "id_number", NULL);
    if (bk_store_active_by_booker(r, c->b.booker) >= tb_cfg.booking_max_active)
        return tb_reply_fail(r, TB_E_BOOKING_LIMIT, NULL,
                             tb_arena_printf(r->arena, "每个账号或手机号最多同时保留 %d 个有效预约", tb_cfg.booking_max_active));
    return 0;
}

static const char *slot_text(tb_req *r, const bk_booking *b)
{
    char d[11], s[6], e[6];
    calendar_format_date((int32_t)b->day, d);
    bk_format_hhmm((int)b->start_min, s);
    bk_format_hhmm((int)b->end_min, e);
    return tb_arena_printf(r->arena, "%s %s-%s", d, s, e);
}

static int book_tx(tb_db *db, void *arg)
{
    book_ctx *c = arg;
    int took = bk_store_slot_take(db, c->h->id, c->matter, c->day, c->start, c->quota, c->booked < 0);
    if (took <= 0)
        return took < 0 ? -1 : (c->outcome = TB_E_BOOKING_SLOT_FULL, 1);
    int64_t id = bk_store_booking_insert(db, &c->b);
    if (id == -2)
        return c->outcome = TB_E_BOOKING_DUPLICATE, 1;
    if (id < 0)
        return -1;
    c->b.id = id;
    const char *when = slot_text(c->r, &c->b);
    bk_notify(c->r, c->b.phone_enc,
              tb_arena_printf(c->r->arena,
                              "【黑龙江公安】预约成功：%s，%s，%s，预约号%s。请在有效时段内凭身份证或预约二维码到大厅取号。",
                              c->matter_name, c->h->name, when, c->b.code));
    return audit_record(c->r, "booking.create", c->b.code, "ok",
                        tb_arena_printf(c->r->arena, "hall=%lld matter=%s slot=%s channel=%s", (long long)c->h->id,
                                        c->matter, when, c->b.channel));
}

/* Replies with the refusal the transaction recorded, or a server error. */
static void tx_failed(tb_req *r, book_ctx *c, int rc)
{
    if (rc > 0 && c->outcome == TB_E_BOOKING_SLOT_FULL)
        tb_reply_err(r, TB_E_BOOKING_SLOT_FULL, "start");
    else if (rc > 0 && c->outcome == TB_E_BOOKING_DUPLICATE)
        tb_reply_err(r, TB_E_BOOKING_DUPLICATE, "id_number");
    else if (rc > 0 && c->outcome)
        tb_reply_err(r, c->outcome, NULL);
    else
        tb_reply_err(r, TB_E_INTERNAL, NULL);
}

/* fresh: b is exactly what was just inserted (no need to read it back) */
static void reply_booking(tb_req *r, int status, const bk_booking *b, const char *message, bool fresh)
{
    bk_booking row;
    if (!fresh && bk_store_booking_by_id(r, b->id, &row) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    json_t *o = bk_booking_json(r, NULL, fresh ? b : &row, true);
    json_object_set_new(o, "message", json_string(message));
    tb_reply_json(r, status, o);
}

static void post_booking(tb_req *r)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0)
        return tb_reply_error(r, &e);
    int64_t hall_id = 0;
    const char *day = NULL, *start = NULL, *matter = NULL;
    person_in p = {0};
    tb_jfield spec[] = {TB_JINT("hall_id", &hall_id, true, 1, INT64_MAX), TB_JSTR("matter_code", &matter, true, 40),
                        TB_JSTR("day", &day, true, 10), TB_JSTR("start", &start, true, 5),
                        TB_JSTR("name", &p.name, false, 30), TB_JSTR("id_number", &p.id_number, false, 18),
                        TB_JSTR("phone", &p.phone, false, 11), TB_JSTR("sms_code", &p.sms_code, false, 6), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    book_ctx c = {.r = r, .matter = matter};
    if (check_slot(&c, hall_id, day, start) != 0 || check_person(&c, &p) != 0 || check_rules(&c) != 0)
        return;
    if (!r->subject_id && identity_sms_code_check(r, p.phone, "booking", p.sms_code, &e) != 0)
        return tb_reply_error(r, &e);
    char code[13];
    bk_new_code(code);
    c.b.code = code;
    c.b.matter_code = matter;
    fill_slot(&c, &c.b);
    int rc = tb_db_tx(r->db, book_tx, &c);
    if (rc != 0)
        return tx_failed(r, &c, rc);
    tb_metrics_count("bookings_created", 1);
    c.b.status = "booked";
    c.b.qr_version = 1; /* the column's default */
    c.b.created_at = tb_now();
    reply_booking(r, 201, &c.b,
                  tb_arena_printf(r->arena, "预约成功：%s，%s，%s。请在有效时段内凭身份证或预约二维码到大厅取号。",
                                  c.matter_name, c.h->name, slot_text(r, &c.b)),
                  true);
}

/* ---- the booking in the path: owner, or a guest proving ID number and phone ---- */
static int own_booking(tb_req *r, bk_booking *b, const person_in *guest)
{
    tb_error e = {0};
    if (bk_store_booking_by_code(r, r->params[0], b) != 0)
        return tb_reply_fail(r, TB_E_BOOKING_NOT_FOUND, "code", NULL);
    if (r->subject_id)
        return b->citizen_id == r->subject_id ? 0 : tb_reply_fail(r, TB_E_BOOKING_NOT_FOUND, "code", NULL);
    if (!guest || !guest->id_number || !guest->phone || !guest->sms_code)
        return tb_reply_fail(r, TB_E_UNAUTHENTICATED, NULL, "请登录，或填写预约时的身份证号、手机号和短信验证码");
    char bidx[65];
    tb_blind_index(guest->id_number, bidx);
    char *phone = tb_field_decrypt(b->phone_enc);
    bool match = phone && !strcmp(phone, guest->phone) && !strcmp(bidx, b->id_number_bidx);
    free(phone);
    if (!match) /* same answer as a missing booking: no probing of codes */
        return tb_reply_fail(r, TB_E_BOOKING_NOT_FOUND, "code", NULL);
    if (identity_sms_code_check(r, guest->phone, "booking", guest->sms_code, &e) != 0)
        return tb_reply_error(r, &e), -1;
    return 0;
}

static bool before_cutoff(const bk_booking *b)
{
    return calendar_day_start((int32_t)b->day) + b->start_min * 60 - (int64_t)tb_cfg.booking_cutoff_minutes * 60 >
           tb_now();
}

static int cancel_tx(tb_db *db, void *arg)
{
    book_ctx *c = arg;
    if (bk_store_booking_status(db, c->b.id, "booked", "cancelled") != 1)
        return c->outcome = TB_E_CONFLICT, 1;
    if (bk_store_slot_release(db, c->b.hall_id, c->b.matter_code, (int32_t)c->b.day, (int)c->b.start_min) != 0)
        return -1;
    bk_notify(c->r, c->b.phone_enc,
              tb_arena_printf(c->r->arena, "【黑龙江公安】您预约的%s（预约号%s）已取消。", slot_text(c->r, &c->b),
                              c->b.code));
    return audit_record(c->r, "booking.cancel", c->b.code, "ok", slot_text(c->r, &c->b));
}

/* Optional body of guests: id_number, phone, sms_code (+ day, start to reschedule). */
static int guest_body(tb_req *r, person_in *g, const char **day, const char **start)
{
    if (r->body_len == 0 && !day)
        return 0;
    tb_jfield spec[] = {TB_JSTR("id_number", &g->id_number, false, 18), TB_JSTR("phone", &g->phone, false, 11),
                        TB_JSTR("sms_code", &g->sms_code, false, 6),  TB_JSTR("day", day, day != NULL, 10),
                        TB_JSTR("start", start, start != NULL, 5),   TB_JEND};
    if (!day) /* cancel: the last two entries are not accepted */
        spec[3] = (tb_jfield)TB_JEND;
    return tb_req_json_spec(r, spec) ? 0 : -1;
}

static void post_cancel(tb_req *r)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0)
        return tb_reply_error(r, &e);
    person_in g = {0};
    book_ctx c = {.r = r};
    if (guest_body(r, &g, NULL, NULL) != 0 || own_booking(r, &c.b, &g) != 0)
        return;
    if (strcmp(c.b.status, "booked"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "code", "只有待到场的预约可以取消");
    if (!before_cutoff(&c.b))
        return (void)tb_reply_fail(r, TB_E_BOOKING_CUTOFF_PASSED, NULL,
                                   tb_arena_printf(r->arena, "预约时段开始前 %d 分钟内不能取消", tb_cfg.booking_cutoff_minutes));
    int rc = tb_db_tx(r->db, cancel_tx, &c);
    if (rc != 0)
        return tx_failed(r, &c, rc);
    reply_booking(r, 200, &c.b, "预约已取消", false);
}

static int reschedule_tx(tb_db *db, void *arg)
{
    book_ctx *c = arg;
    int took = bk_store_slot_take(db, c->h->id, c->b.matter_code, c->day, c->start, c->quota, c->booked < 0);
    if (took <= 0)
        return took < 0 ? -1 : (c->outcome = TB_E_BOOKING_SLOT_FULL, 1);
    if (bk_store_slot_release(db, c->b.hall_id, c->b.matter_code, (int32_t)c->b.day, (int)c->b.start_min) != 0)
        return -1;
    const char *old = slot_text(c->r, &c->b);
    if (bk_store_booking_move(db, c->b.id, (int32_t)c->moved.day, (int)c->moved.start_min, (int)c->moved.end_min,
                              c->moved.valid_from, c->moved.valid_to) != 1)
        return c->outcome = TB_E_CONFLICT, 1;
    const char *now = slot_text(c->r, &c->moved);
    bk_notify(c->r, c->b.phone_enc,
              tb_arena_printf(c->r->arena, "【黑龙江公安】您的预约（预约号%s）已由%s改为%s，%s。", c->b.code, old, now,
                              c->h->name));
    return audit_record(c->r, "booking.reschedule", c->b.code, "ok", tb_arena_printf(c->r->arena, "%s -> %s", old, now));
}

static void post_reschedule(tb_req *r)
{
    tb_error e = {0};
    if (identity_citizen_optional(r, &e) != 0)
        return tb_reply_error(r, &e);
    person_in g = {0};
    const char *day = NULL, *start = NULL;
    book_ctx c = {.r = r};
    if (guest_body(r, &g, &day, &start) != 0 || own_booking(r, &c.b, &g) != 0)
        return;
    if (strcmp(c.b.status, "booked"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "code", "只有待到场的预约可以改约");
    if (!before_cutoff(&c.b))
        return (void)tb_reply_fail(r, TB_E_BOOKING_CUTOFF_PASSED, NULL,
                                   tb_arena_printf(r->arena, "预约时段开始前 %d 分钟内不能改约", tb_cfg.booking_cutoff_minutes));
    c.matter = c.b.matter_code;
    if (check_slot(&c, c.b.hall_id, day, start) != 0)
        return;
    if (c.day == c.b.day && c.start == c.b.start_min)
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "start", "新时段与原时段相同");
    fill_slot(&c, &c.moved);
    int rc = tb_db_tx(r->db, reschedule_tx, &c);
    if (rc != 0)
        return tx_failed(r, &c, rc);
    reply_booking(r, 200, &c.b, tb_arena_printf(r->arena, "改约成功：%s", slot_text(r, &c.moved)), false);
}

/* ---- reading ---- */
static void get_bookings(tb_req *r)
{
    int64_t page, size, total;
    if (!identity_elevated(r) || tb_req_page(r, &page, &size) != 0) /* second factor, §1-1-3-7-4-10 */
        return;
    json_t *items = json_array();
    bk_booking_list l = {bk_lookup_new(r), items, true};
    int rc = bk_store_bookings_of_citizen(r, r->subject_id, size, (page - 1) * size, bk_booking_list_add, &l, &total);
    if (rc != 0) {
        json_decref(items);
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    }
    tb_reply_json(r, 200, json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total));
}

static void get_booking(tb_req *r)
{
    bk_booking b;
    if (identity_elevated(r) && own_booking(r, &b, NULL) == 0) /* second factor, §1-1-3-7-4-10 */
        tb_reply_json(r, 200, bk_booking_json(r, NULL, &b, true));
}

static void reply_svg(tb_req *r, const char *payload)
{
    size_t len;
    char *svg = tb_qr_svg(payload, &len);
    if (!svg)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    char *copy = tb_arena_alloc(r->arena, len);
    memcpy(copy, svg, len);
    free(svg);
    tb_reply_header(r, "Cache-Control", "no-store");
    tb_reply_raw(r, 200, "image/svg+xml", copy, len);
}

/* The picture of a payload this server signed (a guest's booking, an online number): only intact payloads
 * are drawn, so the route is no general-purpose QR service. */
static void get_qr(tb_req *r)
{
    const char *payload = tb_req_query(r, "code");
    char kind, ref[64];
    int64_t hall, n;
    if (r->replied)
        return;
    if (!payload || bk_qr_verify(payload, &kind, ref, sizeof ref, &hall, &n) != 0)
        return tb_reply_err(r, TB_E_QR_INVALID, "code");
    reply_svg(r, payload);
}

static void get_booking_qr(tb_req *r)
{
    bk_booking b;
    if (own_booking(r, &b, NULL) != 0)
        return;
    if (strcmp(b.status, "booked"))
        return (void)tb_reply_fail(r, TB_E_CONFLICT, "code", "该预约已不是待到场状态，二维码不再有效");
    char payload[256];
    bk_qr_sign('B', b.code, b.hall_id, b.qr_version, payload, sizeof payload);
    reply_svg(r, payload);
}

const tb_route bk_booking_routes[] = {
    {"POST", "/api/v1/bookings", post_booking, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "booking",
     "网上预约（登录用户，或姓名+身份证号+手机短信验证码）"},
    {"GET", "/api/v1/bookings", get_bookings, TB_AUTH_CITIZEN, NULL, 0, "booking", "我的预约"},
    {"GET", "/api/v1/bookings/{code}", get_booking, TB_AUTH_CITIZEN, NULL, 0, "booking", "预约详情（本人）"},
    {"GET", "/api/v1/bookings/{code}/qr.svg", get_booking_qr, TB_AUTH_CITIZEN, NULL, TB_R_TEXT, "booking",
     "预约二维码（SVG，签名防伪）"},
    {"GET", "/api/v1/qr.svg", get_qr, TB_AUTH_PUBLIC, NULL, TB_R_TEXT, "booking",
     "本系统签发的预约或取号二维码图片（SVG，仅限验签通过的内容）"},
    {"POST", "/api/v1/bookings/{code}/cancel", post_cancel, TB_AUTH_PUBLIC, NULL, 0, "booking", "取消预约（截止时间前）"},
    {"POST", "/api/v1/bookings/{code}/reschedule", post_reschedule, TB_AUTH_PUBLIC, NULL, TB_R_JSON, "booking",
     "改约到其他时段（截止时间前）"},
};
const size_t bk_booking_nroutes = sizeof bk_booking_routes / sizeof bk_booking_routes[0];
