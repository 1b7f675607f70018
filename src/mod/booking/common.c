/* What the booking module's route files share: loading a hall from the path,
 * the JSON shapes of halls, bookings and tickets, notifications, and the
 * registration of the route tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/booking/booking_internal.h"
#include "mod/notify/notify.h"
#include "mod/org/org.h"

int32_t bk_today(void) { return calendar_day_of(tb_now()); }

bool bk_insert_from_front(void) { return strcmp(tb_cfg.queue_booked_insert, "front3") == 0; }

const bk_hall *bk_hall_param(tb_req *r, int idx)
{
    char *end;
    long long id = strtoll(r->params[idx], &end, 10);
    bk_hall *h = tb_arena_alloc(r->arena, sizeof *h);
    if (*end || id <= 0 || bk_hall_get(r, id, h) != 0) {
        tb_reply_err(r, TB_E_HALL_NOT_FOUND, "id");
        return NULL;
    }
    return h;
}

bool bk_staff_hall(tb_req *r, const bk_hall *h)
{
    if (org_can_see_department(r, h->department_id))
        return true;
    tb_reply_err(r, TB_E_HALL_NOT_FOUND, "id"); /* not in scope: as if it did not exist */
    return false;
}

json_t *bk_hall_json(tb_req *r, const bk_hall *h, bool full)
{
    size_t bookable = 0;
    for (int i = 0; i < h->nmatters; i++)
        bookable += h->matters[i].bookable;
    json_t *o = json_pack("{s:I, s:s, s:{s:I, s:s}, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:s, s:s}", "id",
                          (json_int_t)h->id, "name", h->name, "department", "id", (json_int_t)h->department_id, "name",
                          h->department_name, "address", h->address, "region", h->region, "lng", h->lng, "lat", h->lat,
                          "phone", h->phone, "hours", bk_hours_json(&h->hours), "waiting",
                          (json_int_t)bk_store_waiting_count(r, h->id, bk_today()), "bookable_matters",
                          (json_int_t)bookable, "validity", h->validity, "status", h->status);
    json_object_set_new(o, "booking_days", json_integer(h->booking_days));
    if (full) {
        json_object_set_new(o, "windows", bk_hall_windows_json(h));
        json_object_set_new(o, "matters", bk_hall_matters_json(h));
    }
    return o;
}

static const char *masked(tb_req *r, const char *enc, void (*mask)(const char *, char[64]))
{
    if (!enc || !*enc)
        return NULL;
    char *plain = tb_field_decrypt(enc), out[64];
    mask(plain ? plain : "", out);
    if (plain)
        tb_wipe(plain, strlen(plain)), free(plain);
    return tb_arena_strdup(r->arena, out);
}

json_t *bk_booking_json(tb_req *r, bk_lookup *lk, const bk_booking *b, bool owner)
{
    if (!lk)
        lk = bk_lookup_new(r);
    char day[11], start[6], end[6], qr[256];
    calendar_format_date((int32_t)b->day, day);
    bk_format_hhmm((int)b->start_min, start);
    bk_format_hhmm((int)b->end_min, end);
    const bk_hall *h = bk_lookup_hall(lk, b->hall_id);
    const char *matter = bk_lookup_matter_name(lk, b->hall_id, b->matter_code);
    char name[64];
    tb_mask_name(b->name, name);
    json_t *o = json_pack("{s:s, s:s, s:{s:I, s:s, s:s, s:s}, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, "
                          "s:s?, s:s, s:s}",
                          "code", b->code, "status", b->status, "hall", "id", (json_int_t)b->hall_id, "name",
                          h ? h->name : "", "address", h ? h->address : "", "phone", h ? h->phone : "", "matter",
                          "code", b->matter_code, "name", matter ? matter : b->matter_code, "day", day, "start", start,
                          "end", end, "valid_from", tb_req_iso(r, b->valid_from), "valid_to",
                          tb_req_iso(r, b->valid_to), "name",
                          owner ? b->name : name, "id_number", masked(r, b->id_number_enc, tb_mask_id_number),
                          "phone", masked(r, b->phone_enc, tb_mask_phone), "created_at", tb_req_iso(r, b->created_at),
                          "channel", b->channel);
    json_object_set_new(o, "ticket",
                        b->ticket_letter && *b->ticket_letter
                            ? json_sprintf("%s%03lld", b->ticket_letter, (long long)b->ticket_number)
                            : json_null());
    if (owner && !strcmp(b->status, "booked")) {
        bk_qr_sign('B', b->code, b->hall_id, b->qr_version, qr, sizeof qr);
        json_object_set_new(o, "qr", json_string(qr));
    }
    return o;
}

void bk_booking_list_add(tb_req *r, const bk_booking *b, void *arg)
{
    bk_booking_list *l = arg;
    json_array_append_new(l->items, bk_booking_json(r, l->lk, b, l->owner));
}

static json_t *window_json(bk_lookup *lk, const bk_ticket *t)
{
    const bk_hall *h = t->window_id ? bk_lookup_hall(lk, t->hall_id) : NULL;
    const bk_window *w = h ? bk_hall_window(h, t->window_id) : NULL;
    return w ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)w->id, "no", w->no, "name", w->name) : json_null();
}

json_t *bk_ticket_json(tb_req *r, bk_lookup *lk, const bk_ticket *t, int64_t ahead)
{
    if (!lk)
        lk = bk_lookup_new(r);
    char number[16], name[64];
    snprintf(number, sizeof number, "%s%03lld", t->letter, (long long)t->number);
    const char *matter = bk_lookup_matter_name(lk, t->hall_id, t->matter_code);
    tb_mask_name(t->name, name);
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:{s:s, s:s}, s:s, s:o, s:s?, s:s?, s:s?}", "id", (json_int_t)t->id,
                          "ticket", number, "kind", t->kind, "hall_id", (json_int_t)t->hall_id, "matter", "code",
                          t->matter_code, "name", matter ? matter : t->matter_code, "status", t->status, "window",
                          window_json(lk, t), "issued_at", tb_req_iso(r, t->issued_at), "called_at",
                          tb_req_iso(r, t->called_at),
                          "name", *t->name ? name : NULL);
    bool waiting = !strcmp(t->status, "waiting");
    if (waiting && ahead == BK_AHEAD_ASK)
        ahead = bk_store_ahead(r, t->hall_id, (int32_t)t->day, t->pos);
    json_object_set_new(o, "ahead", json_integer(waiting ? ahead : 0));
    if (strcmp(t->status, "done")) { /* the ticket's own code, for printing and for the citizen's phone */
        char qr[256], ref[24];
        snprintf(ref, sizeof ref, "%lld", (long long)t->id);
        bk_qr_sign('T', ref, t->hall_id, calendar_day_start((int32_t)t->day) + 86400, qr, sizeof qr);
        json_object_set_new(o, "qr", json_string(qr));
    }
    json_object_set_new(o, "booking_code", *t->booking_code ? json_string(t->booking_code) : json_null());
    return o;
}

void bk_notify(tb_req *r, const char *phone_enc, const char *text)
{
    if (!phone_enc || !*phone_enc)
        return;
    char *phone = tb_field_decrypt(phone_enc);
    if (phone) {
        notify_sms_send(r->db, phone, "booking", text);
        tb_wipe(phone, strlen(phone));
        free(phone);
    }
}

void booking_register(void)
{
    tb_router_add(bk_public_routes, bk_public_nroutes);
    tb_router_add(bk_booking_routes, bk_booking_nroutes);
    tb_router_add(bk_queue_routes, bk_queue_nroutes);
    tb_router_add(bk_window_routes, bk_window_nroutes);
    tb_router_add(bk_admin_routes, bk_admin_nroutes);
}
