/* Unit tests of the search engine: tokenizer and normalisation, ranking,
 * synonyms, typos, pinyin, suggestions, the advanced query, filters and
 * facets, highlights, incremental updates, hot searches, and queries from
 * several threads at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "search/search.h"

static void tokenizer(void **state)
{
    char tok[32][TB_TOKEN_MAX];
    int n = tb_search_tokens("普通护照", tok, 32, 1);
    assert_int_equal(n, 3);
    assert_string_equal(tok[0], "普通");
    assert_string_equal(tok[1], "通护");
    assert_string_equal(tok[2], "护照");
    n = tb_search_tokens("护", tok, 32, 1);
    assert_int_equal(n, 1);
    assert_string_equal(tok[0], "护");
    n = tb_search_tokens("C1驾驶证 ABC", tok, 32, 1);
    assert_int_equal(n, 4);
    assert_string_equal(tok[0], "c1");
    assert_string_equal(tok[1], "驾驶");
    assert_string_equal(tok[2], "驶证");
    assert_string_equal(tok[3], "abc");
    n = tb_search_tokens("护照", tok, 32, 0); /* index side keeps unigrams too */
    assert_int_equal(n, 3);
    n = tb_search_tokens("\xff\xfe 中", tok, 32, 1); /* invalid UTF-8 is skipped */
    assert_int_equal(n, 1);
    n = tb_search_tokens("驾驶驾驶驾驶", tok, 2, 1); /* bounded */
    assert_int_equal(n, 2);
}

static void normalisation(void **state)
{
    char out[128], tok[8][TB_TOKEN_MAX];
    tb_search_normalize("ＡＢＣ１２３　护照", out, sizeof out); /* full width, ideographic space */
    assert_string_equal(out, "abc123 护照");
    tb_search_normalize("  Hù  Zhào ①Ⅻ ", out, sizeof out); /* tones, case, numerals, spaces */
    assert_string_equal(out, "hu zhao 1xii");
    tb_search_normalize("Lǚ", out, sizeof out); /* ü as input methods type it */
    assert_string_equal(out, "lv");
    assert_int_equal(tb_search_normalize("护照", out, 4), 3); /* truncated on a character boundary */
    assert_string_equal(out, "护");
    int n = tb_search_tokens("Ｃ１驾驶证", tok, 8, 1);
    assert_int_equal(n, 3);
    assert_string_equal(tok[0], "c1");
}

static void two_char_terms_and_ranking(void **state)
{
    tb_search *s = tb_search_new(4);
    tb_search_add(s, 0, "普通护照签发", 4);
    tb_search_add(s, 0, "居民身份证 护照申请表", 1);
    tb_search_add(s, 1, "机动车驾驶证期满换证", 4);
    tb_search_add(s, 2, "往来港澳通行证", 4);
    tb_search_add(s, 2, "需提交护照复印件", 0.5);
    tb_search_add(s, 3, "驾驶人考试预约", 4);
    tb_search_build(s);
    tb_search_hit hits[8];
    int n = tb_search_query(s, "护照", hits, 8);
    assert_int_equal(n, 2);
    assert_int_equal(hits[0].doc, 0); /* in the name, weighted: first */
    assert_int_equal(hits[1].doc, 2);
    assert_true(hits[0].score > hits[1].score);
    n = tb_search_query(s, "驾驶", hits, 8);
    assert_int_equal(n, 2);
    n = tb_search_query(s, "驾驶证", hits, 8); /* all terms: only doc 1 */
    assert_int_equal(n, 1);
    assert_int_equal(hits[0].doc, 1);
    n = tb_search_query(s, "护照办理", hits, 8); /* 办理 is a stopword; 照办 exists nowhere */
    assert_true(n >= 2);
    assert_int_equal(hits[0].doc, 0);
    assert_int_equal(tb_search_query(s, "火星", hits, 8), 0);
    assert_int_equal(tb_search_query(s, "", hits, 8), 0);
    assert_int_equal(tb_search_query(s, "' OR 1=1 --", hits, 8), 0);
    tb_search_add(s, 9, "out of range", 1); /* ids beyond ndocs are ignored by the legacy call */
    tb_search_free(s);
}

/* A small catalog through the field interface. */
static const char *const names[] = {"普通护照签发", "往来港澳通行证及签注签发", "驾驶证期满换证", "驾驶证补领",
                                    "居民身份证申领/换领/补领", "驾驶人考试预约", "户口簿补领"};
static const char *const police[] = {"exit_entry", "exit_entry", "traffic", "traffic", "public_order", "traffic",
                                     "public_order"};

static tb_search *catalog(void)
{
    tb_search *s = tb_search_new(0);
    int name = tb_search_field(s, "name", 4, TB_FIELD_PINYIN | TB_FIELD_SUGGEST);
    int body = tb_search_field(s, "body", 0.5, 0);
    int cat = tb_search_facet(s, "police");
    assert_int_equal(tb_search_field(s, "name", 9, 0), name); /* declared once */
    for (int i = 0; i < 7; i++) {
        tb_search_text(s, i, name, names[i]);
        tb_search_text(s, i, body, i == 1 ? "前往香港、澳门旅游探亲" : "携带居民身份证原件");
        tb_search_keyword(s, i, cat, police[i]);
    }
    tb_search_popularity(s, 3, 500);
    tb_search_build(s);
    return s;
}

static int first(const tb_search *s, const char *q)
{
    tb_search_hit hit;
    return tb_search_query(s, q, &hit, 1) == 1 ? hit.doc : -1;
}

static int count(const tb_search *s, const char *q)
{
    tb_search_hit hits[16];
    return tb_search_query(s, q, hits, 16);
}

static void synonyms(void **state)
{
    tb_search *s = catalog();
    assert_int_equal(first(s, "驾照补办"), 3); /* 驾照 → 驾驶证, 补办 → 补领 */
    assert_int_equal(first(s, "我想办护照"), 0); /* stopwords and the lone 办 go */
    assert_int_equal(first(s, "去香港"), 1);     /* 香港 → 港澳 */
    assert_int_equal(count(s, "良民证"), 0);
    assert_int_equal(tb_search_synonyms_load(s, "良民证 => 户口簿\n"), 1); /* at run time */
    assert_int_equal(first(s, "良民证"), 6);
    assert_int_equal(tb_search_synonyms_load(s, "a =>\n"), -1); /* malformed: nothing added */
    tb_search_synonyms_clear(s);
    assert_int_equal(count(s, "驾照"), 0);
    assert_int_equal(count(s, "良民证"), 0);
    tb_search_free(s);
}

static void pinyin_and_typos(void **state)
{
    tb_search *s = catalog();
    assert_int_equal(first(s, "huzhao"), 0);      /* full pinyin */
    assert_int_equal(first(s, "HuZhao"), 0);      /* any case */
    assert_int_equal(first(s, "hz"), 0);          /* initials */
    assert_int_equal(first(s, "jszbl"), 3);       /* 驾驶证补领 */
    assert_int_equal(first(s, "huzaho"), 0);      /* one transposition in pinyin */
    assert_int_equal(first(s, "hukoubbu"), 6);    /* one letter too many */
    assert_true(count(s, "jiashizheng") >= 2);
    assert_int_equal(count(s, "zzzzqqq"), 0);
    tb_search *t = tb_search_new(0); /* Latin words: one edit on 4+ letters */
    int f = tb_search_field(t, "body", 1, 0);
    tb_search_text(t, 0, f, "passport renewal");
    tb_search_text(t, 1, f, "visa");
    tb_search_build(t);
    assert_int_equal(first(t, "pasport"), 0);
    assert_int_equal(first(t, "renewl"), 0);
    assert_int_equal(count(t, "vsa"), 0); /* 3 letters: too short to guess */
    tb_search_free(t);
    tb_search_free(s);
}

static void suggestions(void **state)
{
    tb_search *s = catalog();
    tb_search_suggestion out[8];
    int n = tb_search_suggest(s, "驾", out, 8);
    assert_int_equal(n, 3);
    assert_string_equal(out[0].text, "驾驶证补领"); /* the popular one first */
    assert_int_equal(out[0].docs, 1);
    n = tb_search_suggest(s, "jsz", out, 8); /* initials */
    assert_int_equal(n, 2);
    n = tb_search_suggest(s, "jiashi", out, 8); /* pinyin prefix */
    assert_int_equal(n, 3);
    n = tb_search_suggest(s, "补领", out, 8); /* containment after prefixes */
    assert_int_equal(n, 3);
    assert_int_equal(tb_search_suggest(s, "", out, 8), 0);
    tb_search_suggest_add(s, "驾驶证网上办", 5000); /* a caller's phrase, after the next build */
    tb_search_build(s);
    n = tb_search_suggest(s, "驾", out, 2);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].text, "驾驶证网上办");
    tb_search_free(s);
}

static void advanced_query(void **state)
{
    tb_search *s = catalog();
    tb_search_hit hits[16];
    assert_int_equal(tb_search_query(s, "签发", hits, 16), 2);
    assert_int_equal(tb_search_query(s, "签发 -港澳", hits, 16), 1); /* exclusion */
    assert_int_equal(hits[0].doc, 0);
    tb_search_request req = {.all = "补领", .any = "驾驶证 身份证", .none = "户口簿", .limit = 10};
    tb_search_result res;
    assert_int_equal(tb_search_run(s, &req, &res), 0);
    assert_int_equal(res.total, 2); /* 驾驶证补领, 居民身份证…补领; not 户口簿补领 */
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "补领 户口簿", .strict = 1};
    assert_int_equal(tb_search_run(s, &req, &res), 0);
    assert_int_equal(res.total, 1);
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "护照 火星人", .strict = 0}; /* 火星人 is nowhere: ignored */
    assert_int_equal(tb_search_run(s, &req, &res), 0);
    assert_int_equal(res.total, 1);
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "驾驶证 考试", .strict = 0}; /* no document has both: partial */
    assert_int_equal(tb_search_run(s, &req, &res), 0);
    assert_true(res.partial && res.total == 3);
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "补领", .offset = 1, .limit = 1}; /* paging */
    assert_int_equal(tb_search_run(s, &req, &res), 0);
    assert_int_equal(res.total, 3);
    assert_int_equal(res.nhits, 1);
    tb_search_result_free(&res);
    tb_search_free(s);
}

static void filters_and_facets(void **state)
{
    tb_search *s = catalog();
    const char *facets[] = {"police", "nosuch"};
    tb_search_filter traffic[] = {{"police", "traffic"}}, two[] = {{"police", "traffic"}, {"police", "public_order"}},
                     bad[] = {{"nosuch", "x"}};
    tb_search_request req = {.q = "补领", .facets = facets, .nfacets = 2};
    tb_search_result res;
    tb_search_run(s, &req, &res);
    assert_int_equal(res.total, 3);
    assert_int_equal(res.nfacet_values[0], 2);
    assert_string_equal(res.facets[0][0].value, "public_order"); /* 2 before 1 */
    assert_int_equal(res.facets[0][0].count, 2);
    assert_int_equal(res.nfacet_values[1], 0);
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "补领", .filters = traffic, .nfilters = 1};
    tb_search_run(s, &req, &res);
    assert_int_equal(res.total, 1);
    assert_int_equal(res.hits[0].doc, 3);
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "补领", .filters = two, .nfilters = 2}; /* one facet: any value */
    tb_search_run(s, &req, &res);
    assert_int_equal(res.total, 3);
    tb_search_result_free(&res);
    req = (tb_search_request){.filters = traffic, .nfilters = 1, .limit = 10}; /* filters alone browse */
    tb_search_run(s, &req, &res);
    assert_int_equal(res.total, 3);
    tb_search_result_free(&res);
    req = (tb_search_request){.q = "补领", .filters = bad, .nfilters = 1};
    tb_search_run(s, &req, &res);
    assert_int_equal(res.total, 0);
    tb_search_result_free(&res);
    tb_search_free(s);
}

static void highlights(void **state)
{
    tb_search *s = catalog();
    tb_search_span sp[8];
    const char *text = "机动车驾驶证补领，需要身份证";
    int n = tb_search_highlight(s, "驾照 补办", text, sp, 8); /* synonyms are marked */
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].start, strlen("机动车"));
    assert_int_equal(sp[0].end, strlen("机动车驾驶证补领"));
    n = tb_search_highlight(s, "huzhao", "申请护照", sp, 8); /* and pinyin */
    assert_int_equal(n, 1);
    assert_int_equal(sp[0].start, strlen("申请"));
    char out[128];
    tb_search_snippet(s, "补领", "户口簿补领须本人到场", "<em>", "</em>", 20, out, sizeof out);
    assert_string_equal(out, "户口簿<em>补领</em>须本人到场");
    tb_search_snippet(s, "补领", "户口簿补领须本人到场", "[", "]", 4, out, sizeof out);
    assert_string_equal(out, "…簿[补领]须…");
    tb_search_snippet(s, "补领", "户口簿补领须本人到场", "<em>", "</em>", 20, out, 12); /* bounded */
    assert_true(strlen(out) < 12);
    assert_int_equal(tb_search_highlight(s, "火星", text, sp, 8), 0);
    tb_search_free(s);
}

static void incremental_update(void **state)
{
    tb_search *s = catalog();
    assert_int_equal(tb_search_count(s), 7);
    assert_int_equal(tb_search_delete(s, 0), 0); /* gone at once */
    assert_int_equal(count(s, "护照"), 0);
    assert_int_equal(tb_search_delete(s, 0), -1);
    tb_search_text(s, 0, 0, "普通护照换发"); /* a new version, searchable before any build */
    assert_int_equal(first(s, "换发"), 0);
    assert_int_equal(count(s, "签发"), 1);
    tb_search_text(s, 20, 0, "边境管理区通行证"); /* a new document */
    assert_int_equal(first(s, "边境"), 20);
    assert_int_equal(tb_search_count(s), 8);
    size_t before = tb_search_memory(s);
    tb_search_build(s); /* the rebuild compacts */
    assert_true(tb_search_memory(s) > 0 && tb_search_memory(s) <= before + 4096);
    assert_int_equal(first(s, "换发"), 0);
    assert_int_equal(first(s, "边境"), 20);
    assert_int_equal(first(s, "驾照补办"), 3);
    tb_search_suggestion sg[4];
    assert_int_equal(tb_search_suggest(s, "普通", sg, 4), 1);
    assert_string_equal(sg[0].text, "普通护照换发");
    tb_search_free(s);
}

static void hot_searches(void **state)
{
    tb_search_hot *h = tb_search_hot_new(3600, 5);
    tb_search_hot_entry top[4];
    tb_search_hot_record(h, "护照", 100);
    tb_search_hot_record(h, "驾照", 200);
    tb_search_hot_record(h, "驾照 ", 300); /* normalised: the same query */
    tb_search_hot_record(h, "  ", 300);    /* empty: ignored */
    assert_int_equal(tb_search_hot_top(h, 400, top, 4), 2);
    assert_string_equal(top[0].text, "驾照");
    assert_int_equal(top[0].count, 2);
    assert_int_equal(tb_search_hot_top(h, 3850, top, 4), 1); /* 护照 and one 驾照 left the window */
    assert_int_equal(top[0].count, 1);
    for (int i = 0; i < 5; i++) /* capacity 5: the oldest go */
        tb_search_hot_record(h, "身份证", 3800);
    assert_int_equal(tb_search_hot_top(h, 3800, top, 4), 1);
    assert_string_equal(top[0].text, "身份证");
    assert_int_equal(top[0].count, 5);
    tb_search_hot_free(h);
}

static void hot_searches_count_clients(void **state)
{
    tb_search_hot *h = tb_search_hot_new(3600, 100);
    tb_search_hot_entry top[4];
    for (int i = 0; i < 20; i++) /* one client repeating a query counts once */
        tb_search_hot_record_client(h, "刻章", 7, 100 + i);
    tb_search_hot_record_client(h, "护照", 1, 100);
    tb_search_hot_record_client(h, "护照", 2, 101);
    tb_search_hot_record_client(h, "护照", 1, 102);
    assert_int_equal(tb_search_hot_top(h, 200, top, 4), 2);
    assert_string_equal(top[0].text, "护照");
    assert_int_equal(top[0].count, 2);
    assert_string_equal(top[1].text, "刻章");
    assert_int_equal(top[1].count, 1);
    tb_search_hot_free(h);
}

typedef struct {
    const tb_search *s;
    int errors;
} reader;

static void *read_loop(void *arg)
{
    reader *r = arg;
    static const char *const qs[] = {"驾照补办", "huzhao", "补领", "签发 -港澳", "jsz"};
    static const int want[] = {3, 0, -2, 0, -2};
    for (int i = 0; i < 2000; i++) {
        int k = i % 5, got = first(r->s, qs[k]);
        r->errors += want[k] >= 0 ? got != want[k] : got < 0;
    }
    return NULL;
}

static void concurrent_queries(void **state)
{
    tb_search *s = catalog();
    pthread_t t[4];
    reader r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (reader){s, 0};
        pthread_create(&t[i], NULL, read_loop, &r[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].errors, 0);
    }
    tb_search_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tokenizer),         cmocka_unit_test(normalisation),
        cmocka_unit_test(two_char_terms_and_ranking), cmocka_unit_test(synonyms),
        cmocka_unit_test(pinyin_and_typos),  cmocka_unit_test(suggestions),
        cmocka_unit_test(advanced_query),    cmocka_unit_test(filters_and_facets),
        cmocka_unit_test(highlights),        cmocka_unit_test(incremental_update),
        cmocka_unit_test(hot_searches), cmocka_unit_test(hot_searches_count_clients),      cmocka_unit_test(concurrent_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
