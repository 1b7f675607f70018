/* Unit tests of the bigram search engine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
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
    n = tb_search_query(s, "护照办理", hits, 8); /* no doc has every term: any */
    assert_true(n >= 2);
    assert_int_equal(hits[0].doc, 0);
    assert_int_equal(tb_search_query(s, "火星", hits, 8), 0);
    assert_int_equal(tb_search_query(s, "", hits, 8), 0);
    assert_int_equal(tb_search_query(s, "' OR 1=1 --", hits, 8), 0);
    tb_search_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(tokenizer), cmocka_unit_test(two_char_terms_and_ranking)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
