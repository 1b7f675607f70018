/* In-app messages (我的消息 for citizens, 消息 for staff), the citizen's
 * notification preferences, and notify_citizen / notify_staff, through
 * which every module tells people about their affairs. */
#include <string.h>

#include "core/jsonx.h"
#include "core/timeutil.h"
#include "mod/identity/identity.h"
#include "mod/notify/notify_internal.h"

/* Kinds a citizen may choose SMS for; the others are always sent. */
static const char *const optional_kinds[] = {"case", "booking", "evaluation", "complaint", "consultation",
                                             "suggestion", "marketing"};
static const char *const kind_names[] = {"办件", "预约", "评价", "投诉", "咨询", "建议", "服务推荐"};

static int kind_index(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof optional_kinds / sizeof optional_kinds[0]; i++)
        if (!strcmp(optional_kinds[i], kind))
            return (int)i;
    return -1;
}

bool notify_citizen_wants_sms(tb_db *db, int64_t citizen_id, const char *kind)
{
    if (kind_index(kind) < 0)
        return true; /* account and security notices cannot be turned off */
    int64_t sms = 1;
    notify_pref_get(db, citizen_id, kind, &sms);
    return sms != 0;
}

int notify_citizen(tb_req *r, int64_t citizen_id, const char *kind, const char *title, const char *text,
                   const char *link)
{
    identity_citizen c;
    if (identity_citizen_get(r, citizen_id, &c) != 0)
        return -1;
    if (c.status && !strcmp(c.status, "deregistered"))
        return 0; /* a closed account is told nothing */
    if (notify_inbox_put(r->db, "citizen", citizen_id, kind, title, text, link) != 0)
        return -1;
    if (!c.phone || !notify_citizen_wants_sms(r->db, citizen_id, kind))
        return 0;
    return notify_sms_send(r->db, c.phone, kind, tb_arena_printf(r->arena, "【黑龙江公安】%s", text));
}

int notify_staff(tb_req *r, int64_t staff_id, const char *kind, const char *title, const char *text,
                 const char *link)
{
    return notify_inbox_put(r->db, "staff", staff_id, kind, title, text, link);
}

/* ---- routes: the inbox of the caller's realm ---- */
static const char *realm_of(tb_req *r) { return r->route->auth == TB_AUTH_STAFF ? "staff" : "citizen"; }

static void get_inbox(tb_req *r)
{
    int64_t page, size, unread, total, unread_count;
    if (tb_req_page(r, &page, &size) != 0 || tb_req_query_int(r, "unread", 0, 0, 1, &unread) != 0)
        return;
    json_t *items = notify_inbox_list(r->db, realm_of(r), r->subject_id, unread == 1, size, (page - 1) * size,
                                      &total, &unread_count);
    if (!items)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:o, s:I, s:I}", "items", items, "total", (json_int_t)total, "unread",
                                    (json_int_t)unread_count));
}

static void post_read(tb_req *r)
{
    char *end;
    long long id = strtoll(r->params[0], &end, 10);
    if (*end || id <= 0 || notify_inbox_read(r->db, realm_of(r), r->subject_id, id) != 1)
        return tb_reply_err(r, TB_E_NOT_FOUND, "id"); /* someone else's message looks like no message */
    tb_reply_json(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "read", 1));
}

static void post_read_all(tb_req *r)
{
    long n = notify_inbox_read_all(r->db, realm_of(r), r->subject_id);
    if (n < 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:I}", "read", (json_int_t)n));
}

static void get_prefs(tb_req *r)
{
    json_t *items = json_array();
    for (size_t i = 0; i < sizeof optional_kinds / sizeof optional_kinds[0]; i++)
        json_array_append_new(items, json_pack("{s:s, s:s, s:b, s:b}", "kind", optional_kinds[i], "name",
                                               kind_names[i], "inapp", 1, "sms",
                                               notify_citizen_wants_sms(r->db, r->subject_id, optional_kinds[i])));
    json_array_append_new(items, json_pack("{s:s, s:s, s:b, s:b, s:b}", "kind", "security", "name", "账号与安全",
                                           "inapp", 1, "sms", 1, "fixed", 1));
    tb_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static void put_pref(tb_req *r)
{
    const char *kind = r->params[0];
    bool sms = true;
    tb_jfield spec[] = {TB_JBOOL("sms", &sms, true), TB_JEND};
    if (!tb_req_json_spec(r, spec))
        return;
    if (kind_index(kind) < 0) {
        return (void)tb_reply_fail(r, TB_E_INVALID_FIELD, "kind", "账号与安全类通知不能关闭");
    }
    if (notify_pref_set(r->db, r->subject_id, kind, sms) != 0)
        return tb_reply_err(r, TB_E_INTERNAL, NULL);
    tb_reply_json(r, 200, json_pack("{s:s, s:b, s:b}", "kind", kind, "inapp", 1, "sms", sms));
}

static const tb_route routes[] = {
    {"GET", "/api/v1/me/messages", get_inbox, TB_AUTH_CITIZEN, NULL, 0, "notify", "我的消息（站内信），可只看未读"},
    {"POST", "/api/v1/me/messages/{id}/read", post_read, TB_AUTH_CITIZEN, NULL, 0, "notify", "标记一条消息已读"},
    {"POST", "/api/v1/me/messages/read-all", post_read_all, TB_AUTH_CITIZEN, NULL, 0, "notify", "全部标记已读"},
    {"GET", "/api/v1/me/notify-prefs", get_prefs, TB_AUTH_CITIZEN, NULL, 0, "notify", "通知偏好：各类通知是否发短信"},
    {"PUT", "/api/v1/me/notify-prefs/{kind}", put_pref, TB_AUTH_CITIZEN, NULL, TB_R_JSON, "notify",
     "设置某类通知是否发短信（账号与安全类不可关闭）"},
    {"GET", "/api/v1/staff/messages", get_inbox, TB_AUTH_STAFF, NULL, 0, "notify", "工作人员消息"},
    {"POST", "/api/v1/staff/messages/{id}/read", post_read, TB_AUTH_STAFF, NULL, 0, "notify", "标记一条消息已读"},
    {"POST", "/api/v1/staff/messages/read-all", post_read_all, TB_AUTH_STAFF, NULL, 0, "notify", "全部标记已读"},
};

void notify_inbox_register(void) { tb_router_add(routes, sizeof routes / sizeof routes[0]); }
