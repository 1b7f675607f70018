/* The arithmetic of booking: opening hours, one-hour slots, validity windows,
 * the position of a booked number in the line, and signed QR payloads. No
 * database here, so every rule has a unit test (tests/unit/test_booking.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "mod/booking/booking_internal.h"

int bk_parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

void bk_format_hhmm(int minutes, char out[6])
{
    unsigned m = minutes < 0 ? 0u : (unsigned)minutes % 6000u; /* 0 … 99:59 */
    snprintf(out, 6, "%02u:%02u", (m / 60) % 100, m % 60);
}

/* "HH:MM-HH:MM" after the previous interval of the day. */
static int parse_interval(const char *s, int after, bk_interval *iv)
{
    char a[6], b[6];
    if (!s || strlen(s) != 11 || s[5] != '-')
        return -1;
    memcpy(a, s, 5), a[5] = 0;
    memcpy(b, s + 6, 5), b[5] = 0;
    iv->from = bk_parse_hhmm(a);
    iv->to = bk_parse_hhmm(b);
    return iv->from < 0 || iv->to <= iv->from || iv->from < after ? -1 : 0;
}

int bk_hours_from_json(const json_t *obj, bk_hours *h, const char **why)
{
    memset(h, 0, sizeof *h);
    if (!json_is_object(obj))
        return *why = "办公时间须为按星期（1–7）列出的时段", -1;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        if (strlen(key) != 1 || key[0] < '1' || key[0] > '7')
            return *why = "办公时间的星期只能是 1（周一）到 7（周日）", -1;
        bk_dayhours *d = &h->wd[key[0] - '0'];
        if (!json_is_array(v) || json_array_size(v) > BK_MAX_INTERVALS)
            return *why = "每天最多 4 个办公时段", -1;
        size_t i;
        json_t *s;
        int after = 0;
        json_array_foreach(v, i, s) {
            if (parse_interval(json_string_value(s), after, &d->iv[d->n]) != 0)
                return *why = "办公时段格式为 HH:MM-HH:MM，按时间先后排列且互不重叠", -1;
            after = d->iv[d->n++].to;
        }
    }
    return 0;
}

json_t *bk_hours_json(const bk_hours *h)
{
    json_t *o = json_object();
    for (int wd = 1; wd <= 7; wd++) {
        json_t *a = json_array();
        for (int i = 0; i < h->wd[wd].n; i++) {
            char f[6], t[6];
            bk_format_hhmm(h->wd[wd].iv[i].from, f);
            bk_format_hhmm(h->wd[wd].iv[i].to, t);
            json_array_append_new(a, json_sprintf("%s-%s", f, t));
        }
        char k[2] = {(char)('0' + wd), 0};
        json_object_set_new(o, k, a);
    }
    return o;
}

const bk_dayhours *bk_hours_of_day(const bk_hours *h, const calendar *c, int32_t day)
{
    static const bk_dayhours closed = {0};
    const calendar_entry *e = c ? calendar_entry_of(c, day) : NULL;
    if (!c || (e && e->kind == CALENDAR_HOLIDAY))
        return &closed;
    int wd = calendar_weekday(day);
    if (e && e->kind == CALENDAR_WORKDAY && h->wd[wd].n == 0)
        return &h->wd[1];
    return &h->wd[wd];
}

int bk_slots(const bk_dayhours *dh, int *starts, int cap)
{
    int n = 0;
    for (int i = 0; i < dh->n; i++)
        for (int s = dh->iv[i].from; s + BK_SLOT_MINUTES <= dh->iv[i].to && n < cap; s += BK_SLOT_MINUTES)
            starts[n++] = s;
    return n;
}

bool bk_slot_valid(const bk_dayhours *dh, int start)
{
    int starts[BK_MAX_SLOTS];
    int n = bk_slots(dh, starts, BK_MAX_SLOTS);
    for (int i = 0; i < n; i++)
        if (starts[i] == start)
            return true;
    return false;
}

bool bk_validity_mode_ok(const char *mode) { return mode && (!strcmp(mode, "halfday") || !strcmp(mode, "slot")); }

void bk_validity(const bk_dayhours *dh, int32_t day, int start, const char *mode, int64_t *from, int64_t *to)
{
    int64_t base = calendar_day_start(day);
    *from = base + (int64_t)(start - 30) * 60;
    *to = base + (int64_t)(start + BK_SLOT_MINUTES) * 60;
    if (mode && !strcmp(mode, "slot"))
        return;
    for (int i = 0; i < dh->n; i++)
        if (dh->iv[i].from <= start && start < dh->iv[i].to) {
            *from = base + (int64_t)dh->iv[i].from * 60;
            *to = base + (int64_t)dh->iv[i].to * 60;
        }
}

int bk_insert_index(int waiting, bool from_front) { return waiting < 3 ? waiting : from_front ? 3 : waiting - 3; }

bool bk_pos_between(int64_t prev, int64_t next, int64_t *out)
{
    if (next == INT64_MAX) {
        *out = prev + BK_GAP;
        return true;
    }
    if (next - prev < 2)
        return false;
    *out = prev + (next - prev) / 2;
    return true;
}

/* ---- signed QR payloads ---- */
static void qr_mac(const char *body, char out[33])
{
    char digest[65];
    const char *msg = body;
    char buf[256];
    snprintf(buf, sizeof buf, "qr1|%s", msg); /* domain separation from the other token digests */
    tb_token_digest(buf, digest);
    memcpy(out, digest, 32);
    out[32] = 0;
}

void bk_qr_sign(char kind, const char *ref, int64_t hall, int64_t expires, char *out, size_t cap)
{
    char body[160], mac[33];
    snprintf(body, sizeof body, "TBQ1.%c.%s.%lld.%lld", kind, ref, (long long)hall, (long long)expires);
    qr_mac(body, mac);
    snprintf(out, cap, "%s.%s", body, mac);
}

int bk_qr_verify(const char *payload, char *kind, char *ref, size_t refcap, int64_t *hall, int64_t *expires)
{
    if (!payload || strlen(payload) > 200 || strncmp(payload, "TBQ1.", 5) != 0)
        return -1;
    const char *dot = strrchr(payload, '.');
    if (!dot || strlen(dot + 1) != 32)
        return -1;
    char body[201], mac[33];
    size_t blen = (size_t)(dot - payload);
    memcpy(body, payload, blen);
    body[blen] = 0;
    qr_mac(body, mac);
    if (!tb_ct_equal(mac, dot + 1, 32))
        return -1;
    char k, r[64];
    long long h, e;
    if (sscanf(body, "TBQ1.%c.%63[^.].%lld.%lld", &k, r, &h, &e) != 4 || (k != 'B' && k != 'T') ||
        strlen(r) >= refcap)
        return -1;
    *kind = k;
    strcpy(ref, r);
    *hall = h;
    *expires = e;
    return 0;
}

void bk_new_code(char out[13])
{
    static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* 31, no 0/O/1/I/L */
    int i = 0;
    while (i < 12) {
        unsigned char b;
        tb_random_bytes(&b, 1);
        if (b < 248) /* 8 * 31: no modulo bias */
            out[i++] = alphabet[b % 31];
    }
    out[12] = 0;
}
