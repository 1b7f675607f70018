/* Shared pieces of the kb module: the rich-text sanitizer, dates, regions,
 * names, the JSON shape of a knowledge item and its checked input, and the
 * registration of the routes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/strx.h"
#include "core/timeutil.h"
#include "mod/calendar/calendar.h"
#include "mod/kb/kb_internal.h"
#include "mod/org/org.h"

const char *kb_date(tb_req *r, int64_t t)
{
    if (!t)
        return NULL;
    char s[32];
    tb_time_iso(t, s);
    return tb_arena_strndup(r->arena, s, 10);
}

int kb_parse_date(const char *s, bool end, int64_t *out)
{
    int32_t day;
    if (!s || calendar_parse_date(s, &day) != 0)
        return -1;
    *out = calendar_day_start(day) + (end ? 86399 : 0);
    return 0;
}

int kb_date_param(tb_req *r, const char *key, bool end, int64_t *out)
{
    const char *s = tb_req_query(r, key);
    if (r->replied)
        return -1;
    if (!s || !*s)
        return 0;
    if (kb_parse_date(s, end, out) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, key, "日期格式应为 YYYY-MM-DD");
    return 0;
}

/* ---- rich text ---- */
typedef struct {
    char *p;
    size_t n, cap;
    tb_arena *a;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256);
        while (cap < b->n + n + 1)
            cap *= 2;
        char *np = tb_arena_alloc(b->a, cap);
        if (b->n)
            memcpy(np, b->p, b->n);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}
static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static const char *const ALLOWED[] = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4",
                                      "blockquote", "a", NULL};
/* dropped together with everything inside them */
static const char *const DROPPED[] = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg",
                                      "math", "textarea", "title", "xmp", "head", "select", "noembed", "frameset",
                                      NULL};

static int find(const char *const *set, const char *name)
{
    for (int i = 0; set[i]; i++)
        if (!strcmp(set[i], name))
            return i;
    return -1;
}

/* A well-formed character reference at s ("&amp;", "&#39;", "&#x27;"): its length, else 0. */
static size_t entity_len(const char *s)
{
    size_t i = 1;
    if (s[i] == '#') {
        i++;
        bool hex = s[i] == 'x' || s[i] == 'X';
        if (hex)
            i++;
        size_t start = i;
        while (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i]))
            i++;
        if (i == start || i - start > 7)
            return 0;
    } else {
        size_t start = i;
        while (isalnum((unsigned char)s[i]))
            i++;
        if (i == start || i - start > 10)
            return 0;
    }
    return s[i] == ';' ? i + 1 : 0;
}

static bool safe_href(const char *v, size_t n)
{
    if (!n || n > 1000)
        return false;
    if (!(n > 7 && !strncasecmp(v, "http://", 7)) && !(n > 8 && !strncasecmp(v, "https://", 8)) &&
        !(n > 7 && !strncasecmp(v, "mailto:", 7)) && v[0] != '/' && v[0] != '#')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\')
            return false;
    }
    return true;
}

/* Parses a tag at s ('<' …): name lower-cased into name, closing flag, href value; returns the byte
 * length of the tag or 0 when it is not a tag (then '<' is text). */
static size_t parse_tag(const char *s, char *name, size_t cap, bool *closing, const char **href, size_t *hrefn)
{
    size_t i = 1, k = 0;
    *closing = false;
    *href = NULL;
    *hrefn = 0;
    if (s[i] == '/') {
        *closing = true;
        i++;
    }
    if (!isalpha((unsigned char)s[i]))
        return 0;
    while (isalnum((unsigned char)s[i])) {
        if (k + 1 < cap)
            name[k++] = (char)tolower((unsigned char)s[i]);
        i++;
    }
    name[k] = '\0';
    /* attributes up to '>' (quotes respected) */
    while (s[i] && s[i] != '>') {
        if (isspace((unsigned char)s[i]) || s[i] == '/') {
            i++;
            continue;
        }
        size_t an = i;
        while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '=' && s[i] != '>')
            i++;
        size_t alen = i - an;
        const char *v = NULL;
        size_t vn = 0;
        while (isspace((unsigned char)s[i]))
            i++;
        if (s[i] == '=') {
            i++;
            while (isspace((unsigned char)s[i]))
                i++;
            if (s[i] == '"' || s[i] == '\'') {
                char q = s[i++];
                v = s + i;
                while (s[i] && s[i] != q)
                    i++;
                vn = (size_t)(s + i - v);
                if (s[i])
                    i++;
            } else {
                v = s + i;
                while (s[i] && !isspace((unsigned char)s[i]) && s[i] != '>')
                    i++;
                vn = (size_t)(s + i - v);
            }
        }
        if (alen == 4 && !strncasecmp(s + an, "href", 4) && v) {
            *href = v;
            *hrefn = vn;
        }
    }
    return s[i] == '>' ? i + 1 : 0;
}

static void put_text_char(sbuf *b, const char *s, size_t *i)
{
    char c = s[*i];
    if (c == '<')
        puts_(b, "&lt;");
    else if (c == '>')
        puts_(b, "&gt;");
    else if (c == '"')
        puts_(b, "&quot;");
    else if (c == '&') {
        size_t n = entity_len(s + *i);
        if (n) {
            put(b, s + *i, n);
            *i += n - 1;
        } else {
            puts_(b, "&amp;");
        }
    } else {
        put(b, &c, 1);
    }
}

char *kb_sanitize_html(tb_arena *a, const char *html)
{
    sbuf b = {.a = a};
    put(&b, "", 0);
    int stack[64], depth = 0;
    for (size_t i = 0; html && html[i]; i++) {
        const char *s = html + i;
        if (*s != '<') {
            put_text_char(&b, html, &i);
            continue;
        }
        if (!strncmp(s, "<!--", 4)) { /* comment */
            const char *e = strstr(s + 4, "-->");
            i = e ? (size_t)(e - html) + 2 : strlen(html) - 1;
            continue;
        }
        if (s[1] == '!' || s[1] == '?') { /* doctype, processing instruction */
            const char *e = strchr(s, '>');
            i = e ? (size_t)(e - html) : strlen(html) - 1;
            continue;
        }
        char name[16];
        bool closing;
        const char *href;
        size_t hrefn, n = parse_tag(s, name, sizeof name, &closing, &href, &hrefn);
        if (!n) {
            puts_(&b, "&lt;");
            continue;
        }
        i += n - 1;
        if (!closing && find(DROPPED, name) >= 0) { /* skip to its end tag */
            const char *p = s + n;
            size_t nl = strlen(name);
            for (;; p++) {
                p = strchr(p, '<');
                if (!p || (p[1] == '/' && !strncasecmp(p + 2, name, nl) && !isalnum((unsigned char)p[2 + nl])))
                    break;
            }
            if (!p) {
                i = strlen(html) - 1;
            } else {
                const char *e = strchr(p, '>');
                i = e ? (size_t)(e - html) : strlen(html) - 1;
            }
            continue;
        }
        int t = find(ALLOWED, name);
        if (t < 0)
            continue; /* unknown tag: dropped, its text kept */
        if (closing) {
            int k = depth - 1;
            while (k >= 0 && stack[k] != t)
                k--;
            if (k < 0)
                continue;
            while (depth > k) /* close what is still open inside it */
                b.n += 0, puts_(&b, "</"), puts_(&b, ALLOWED[stack[--depth]]), puts_(&b, ">");
            continue;
        }
        if (!strcmp(name, "br")) {
            puts_(&b, "<br>");
            continue;
        }
        if (depth == 64)
            continue;
        if (!strcmp(name, "a")) {
            if (href && safe_href(href, hrefn)) {
                puts_(&b, "<a href=\"");
                for (size_t k = 0; k < hrefn; k++)
                    if (href[k] == '&')
                        puts_(&b, "&amp;");
                    else
                        put(&b, href + k, 1);
                puts_(&b, "\" rel=\"noopener noreferrer\" target=\"_blank\">");
            } else {
                puts_(&b, "<a>");
            }
        } else {
            puts_(&b, "<");
            puts_(&b, name);
            puts_(&b, ">");
        }
        stack[depth++] = t;
    }
    while (depth > 0)
        puts_(&b, "</"), puts_(&b, ALLOWED[stack[--depth]]), puts_(&b, ">");
    return b.p;
}

char *kb_plain_text(tb_arena *a, const char *html)
{
    static const char *const ents[][2] = {{"&lt;", "<"},    {"&gt;", ">"},   {"&amp;", "&"},
                                          {"&quot;", "\""}, {"&#39;", "'"},  {"&nbsp;", " "}};
    sbuf b = {.a = a};
    put(&b, "", 0);
    bool space = false;
    for (size_t i = 0; html && html[i]; i++) {
        if (html[i] == '<') {
            const char *e = strchr(html + i, '>');
            if (!e)
                break;
            i = (size_t)(e - html);
            if (!space && b.n)
                put(&b, " ", 1), space = true;
            continue;
        }
        if (html[i] == '&') {
            bool done = false;
            for (size_t k = 0; k < sizeof ents / sizeof ents[0] && !done; k++) {
                size_t n = strlen(ents[k][0]);
                if (!strncmp(html + i, ents[k][0], n)) {
                    puts_(&b, ents[k][1]);
                    i += n - 1;
                    done = true;
                }
            }
            if (done) {
                space = false;
                continue;
            }
        }
        if (isspace((unsigned char)html[i])) {
            if (!space && b.n)
                put(&b, " ", 1), space = true;
            continue;
        }
        put(&b, html + i, 1);
        space = false;
    }
    while (b.n && b.p[b.n - 1] == ' ')
        b.p[--b.n] = '\0';
    return b.p;
}

/* ---- regions ---- */
bool kb_region_valid(const char *code) { return code && strlen(code) == 6 && tb_is_digits(code, 6); }

bool kb_region_covers(const char *listed, const char *region)
{
    if (!strcmp(listed, region))
        return true;
    if (!strcmp(listed + 2, "0000"))
        return !strncmp(listed, region, 2);
    if (!strcmp(listed + 4, "00"))
        return !strncmp(listed, region, 4);
    return false;
}

/* ---- names ---- */
const char *kb_staff_name(tb_req *r)
{
    org_staff s;
    return org_staff_get(r, r->subject_id, &s) == 0 ? s.name : "";
}

const char *kb_status_name(const char *status)
{
    static const char *const names[][2] = {{"draft", "编辑中"},     {"pending", "待审核"}, {"pending2", "待二级审核"},
                                           {"returned", "已退回"}, {"published", "已发布"}};
    for (size_t i = 0; status && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i][0], status))
            return names[i][1];
    return "";
}

static const char *const content_types[][2] = {{"notice", "公示公告"}, {"policy", "政策法规"}, {"faq", "网站操作常见问题"}};

const char *content_type_name(const char *type)
{
    for (size_t i = 0; type && i < 3; i++)
        if (!strcmp(content_types[i][0], type))
            return content_types[i][1];
    return "";
}

bool content_type_valid(const char *type) { return *content_type_name(type) != '\0'; }

/* ---- the item ---- */
json_t *kb_item_json(tb_req *r, const kb_item *it, bool detail)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b, s:s, s:s}", "id", (json_int_t)it->id,
                          "category_id", (json_int_t)it->category_id, "category", it->category_name, "question",
                          it->question, "status", it->status, "status_name", kb_status_name(it->status), "source",
                          it->source, "valid_from", kb_date(r, it->valid_from), "valid_to", kb_date(r, it->valid_to),
                          "live", it->live && *it->live, "editor_name", it->editor_name, "updated_at",
                          tb_req_iso(r, it->updated_at));
    json_t *sim = json_loads(it->similar, 0, NULL), *regs = json_loads(it->regions, 0, NULL);
    json_object_set_new(o, "similar", json_is_array(sim) ? sim : (json_decref(sim), json_array()));
    json_object_set_new(o, "regions", json_is_array(regs) ? regs : (json_decref(regs), json_array()));
    json_object_set_new(o, "published_at",
                        it->published_at ? json_string(tb_req_iso(r, it->published_at)) : json_null());
    json_object_set_new(o, "return_reason", it->return_reason && *it->return_reason ? json_string(it->return_reason)
                                                                                   : json_null());
    json_object_set_new(o, "return_deadline", it->return_deadline ? json_string(kb_date(r, it->return_deadline))
                                                                  : json_null());
    if (!detail)
        return o;
    json_object_set_new(o, "answer", json_string(it->answer));
    json_t *live = it->live && *it->live ? json_loads(it->live, 0, NULL) : NULL;
    json_object_set_new(o, "live_version", live ? live : json_null());
    json_object_set_new(o, "steps", kb_store_steps(r, it->id));
    json_t *acts = json_array();
    bool edit = org_has_permission(r, "kb.edit"), review = org_has_permission(r, "kb.review");
    const char *st = it->status;
    if (edit && (!strcmp(st, "draft") || !strcmp(st, "returned") || !strcmp(st, "published")))
        json_array_append_new(acts, json_string("edit"));
    if (edit && (!strcmp(st, "draft") || !strcmp(st, "returned")))
        json_array_append_new(acts, json_string("submit"));
    if (review && (!strcmp(st, "pending") || !strcmp(st, "pending2"))) {
        json_array_append_new(acts, json_string("approve"));
        json_array_append_new(acts, json_string("return"));
    }
    if (edit && strcmp(st, "pending") && strcmp(st, "pending2"))
        json_array_append_new(acts, json_string("delete"));
    json_object_set_new(o, "actions", acts);
    return o;
}

int kb_item_from_json(tb_req *r, json_t *body, kb_item *it, bool partial)
{
    const char *question = NULL, *answer = NULL, *source = NULL, *from = NULL, *to = NULL;
    json_t *similar = NULL, *regions = NULL;
    int64_t category = 0;
    tb_jfield spec[] = {TB_JINT("category_id", &category, !partial, 1, INT64_MAX),
                        TB_JSTR("question", &question, !partial, KB_QUESTION_MAX),
                        TB_JARR("similar", &similar, false),
                        TB_JSTR("answer", &answer, !partial, KB_ANSWER_MAX),
                        TB_JARR("regions", &regions, false),
                        TB_JSTR("valid_from", &from, false, 10),
                        TB_JSTR("valid_to", &to, false, 10),
                        TB_JSTR("source", &source, false, KB_SOURCE_MAX),
                        TB_JEND};
    tb_error e = {0};
    if (tb_json_unpack(body, spec, &e) != 0) {
        tb_reply_error(r, &e);
        return -1;
    }
    if (category) {
        int64_t parent;
        const char *name;
        int rc = kb_store_category_get(r, category, &parent, &name);
        if (rc < 0)
            return tb_reply_err(r, TB_E_INTERNAL, NULL), -1;
        if (rc)
            return tb_reply_fail(r, TB_E_KB_CATEGORY_NOT_FOUND, "category_id", NULL);
        it->category_id = category;
        it->category_name = name;
    }
    if (question) {
        if (tb_json_cp_len(question) < 2)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "question", "标准问题至少 2 个字");
        it->question = question;
    }
    if (answer) {
        char *clean = kb_sanitize_html(r->arena, answer);
        if (!*kb_plain_text(r->arena, clean))
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "answer", "答案不能为空");
        it->answer = clean;
    }
    if (similar) {
        if (json_array_size(similar) > KB_SIMILAR_MAX)
            return tb_reply_fail(r, TB_E_INVALID_FIELD, "similar", "相似问题最多 20 条");
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(similar, i, v) {
            const char *s = json_string_value(v);
            if (!s || tb_json_cp_len(s) < 2 || tb_json_cp_len(s) > KB_QUESTION_MAX) {
                json_decref(out);
                return tb_reply_fail(r, TB_E_INVALID_FIELD, "similar", "相似问题须为 2 到 200 个字的文字");
            }
            json_array_append_new(out, json_string(s));
        }
        char *txt = json_dumps(out, JSON_COMPACT);
        it->similar = tb_arena_strdup(r->arena, txt);
        free(txt);
        json_decref(out);
    } else if (!partial) {
        it->similar = "[]";
    }
    if (regions) {
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(regions, i, v) {
            const char *s = json_string_value(v);
            if (!kb_region_valid(s) || i >= 50) {
                json_decref(out);
                return tb_reply_fail(r, TB_E_INVALID_FIELD, "regions", "适用区划须为 6 位行政区划代码");
            }
            json_array_append_new(out, json_string(s));
        }
        char *txt = json_dumps(out, JSON_COMPACT);
        it->regions = tb_arena_strdup(r->arena, txt);
        free(txt);
        json_decref(out);
    } else if (!partial) {
        it->regions = "[]";
    }
    if (json_object_get(body, "valid_from"))
        it->valid_from = 0;
    if (json_object_get(body, "valid_to"))
        it->valid_to = 0;
    if (from && *from && kb_parse_date(from, false, &it->valid_from) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "valid_from", "日期格式应为 YYYY-MM-DD");
    if (to && *to && kb_parse_date(to, true, &it->valid_to) != 0)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "valid_to", "日期格式应为 YYYY-MM-DD");
    if (it->valid_from && it->valid_to && it->valid_to < it->valid_from)
        return tb_reply_fail(r, TB_E_INVALID_FIELD, "valid_to", "有效期止不能早于有效期起");
    if (source)
        it->source = source;
    else if (!partial)
        it->source = "";
    return 0;
}

void kb_register(void)
{
    tb_router_add(kb_work_routes, kb_work_nroutes);
    tb_router_add(kb_public_routes, kb_public_nroutes);
    tb_router_add(content_routes, content_nroutes);
}
