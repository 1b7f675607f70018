/* The no-show sweep (§1-1-3-2-4-5 6): a booking not checked in by the end of
 * its validity window becomes a no-show; booking_noshow_limit uncounted
 * no-shows put the ID number on the blacklist for booking_blacklist_days.
 * Checked-in bookings of past days are closed as done. Runs on every node;
 * each booking changes in its own transaction guarded by its status, so two
 * nodes never count the same no-show twice. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "mod/audit/audit.h"
#include "mod/background.h"
#include "mod/booking/booking_internal.h"

typedef struct {
    tb_req *r;
    const bk_booking *b;
} noshow_ctx;

static const char *records_json(tb_req *r, const char **codes, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n && i < 8; i++)
        json_array_append_new(a, json_string(codes[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    const char *out = tb_arena_strdup(r->arena, s);
    free(s);
    json_decref(a);
    return out;
}

static int blacklist_if_due(tb_db *db, noshow_ctx *c)
{
    tb_req *r = c->r;
    const char **codes;
    int n = bk_store_uncounted_noshows(r, c->b->id_number_bidx, &codes);
    if (n < tb_cfg.booking_noshow_limit)
        return 0;
    int64_t until = tb_now() + (int64_t)tb_cfg.booking_blacklist_days * 86400;
    const char *reason = tb_arena_printf(r->arena, "预约成功后未到现场办理累计 %d 次", n);
    int64_t id = bk_store_blacklist_insert(db, c->b->id_number_bidx, c->b->id_number_enc, c->b->name, reason,
                                           records_json(r, codes, n), until);
    if (id < 0 || bk_store_mark_counted(db, c->b->id_number_bidx) != 0)
        return -1;
    char d[11];
    calendar_format_date(calendar_day_of(until), d);
    bk_notify(r, c->b->phone_enc,
              tb_arena_printf(r->arena, "【黑龙江公安】因预约后未到场办理累计%d次，您的身份证号暂停网上预约至%s。", n, d));
    return audit_record_as(db, "system", "scheduler", "local", "booking.blacklist.add",
                           tb_arena_printf(r->arena, "blacklist:%lld", (long long)id), "ok", reason);
}

static int noshow_tx(tb_db *db, void *arg)
{
    noshow_ctx *c = arg;
    if (bk_store_booking_status(db, c->b->id, "booked", "no_show") != 1)
        return 1; /* checked in or cancelled meanwhile, or another node was first */
    if (audit_record_as(db, "system", "scheduler", "local", "booking.no_show", c->b->code, "ok", "") != 0)
        return -1;
    bk_notify(c->r, c->b->phone_enc,
              tb_arena_printf(c->r->arena, "【黑龙江公安】您的预约（预约号%s）未在有效时段内到场，已记为爽约一次。",
                              c->b->code));
    return blacklist_if_due(db, c);
}

static void one_noshow(tb_req *r, const bk_booking *b, void *arg)
{
    bk_booking *list = arg;
    for (int i = 0; i < 256; i++)
        if (!list[i].code) {
            list[i] = *b;
            return;
        }
}

void bk_sweep_once(tb_req *r)
{
    bk_booking *due = tb_arena_alloc(r->arena, 257 * sizeof *due);
    memset(due, 0, 257 * sizeof *due);
    bk_store_due_noshows(r, tb_now(), 256, one_noshow, due);
    for (int i = 0; due[i].code; i++) {
        noshow_ctx c = {r, &due[i]};
        if (tb_db_tx(r->db, noshow_tx, &c) < 0)
            tb_error("booking sweep: %s", tb_db_errmsg(r->db));
    }
    bk_store_close_checked_in(r->db, bk_today());
}

static void tick(tb_req *r, void *state)
{
    (void)state;
    bk_sweep_once(r);
}

int booking_sweep_start(void)
{
    static tb_background job = {.name = "booking sweep", .tick = tick};
    job.period_ms = (tb_cfg.booking_sweep_seconds > 0 ? tb_cfg.booking_sweep_seconds : 60) * 1000;
    return tb_background_start(&job);
}
