/* Unit tests of src/core/acmatch.c: the Aho–Corasick automaton (every
 * occurrence, overlapping ones, UTF-8 spans, case and width folding,
 * separators, invalid bytes) and the sensitive-word list from a file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/acmatch.h"
#include "core/config.h"

typedef struct {
    int word[32];
    size_t start[32], end[32];
    int n;
} hits;

static int collect(void *arg, int word, size_t start, size_t end)
{
    hits *h = arg;
    if (h->n < 32) {
        h->word[h->n] = word;
        h->start[h->n] = start;
        h->end[h->n] = end;
        h->n++;
    }
    return 0;
}

static tb_ac *make(const char *const *words)
{
    tb_ac *ac = tb_ac_new();
    assert_non_null(ac);
    for (int i = 0; words[i]; i++)
        tb_ac_add(ac, words[i]);
    assert_int_equal(tb_ac_build(ac), 0);
    return ac;
}

static void classic_overlaps(void **state)
{
    (void)state;
    static const char *const w[] = {"he", "she", "his", "hers", NULL};
    tb_ac *ac = make(w);
    hits h = {0};
    const char *t = "ushers";
    assert_int_equal(tb_ac_scan(ac, t, strlen(t), collect, &h), 3);
    /* she (1..4) and he (2..4) end together, shorter first; then hers (2..6) */
    assert_string_equal(tb_ac_word(ac, h.word[0]), "he");
    assert_int_equal(h.start[0], 2);
    assert_int_equal(h.end[0], 4);
    assert_string_equal(tb_ac_word(ac, h.word[1]), "she");
    assert_int_equal(h.start[1], 1);
    assert_string_equal(tb_ac_word(ac, h.word[2]), "hers");
    assert_int_equal(h.start[2], 2);
    assert_int_equal(h.end[2], 6);
    tb_ac_free(ac);
}

static void chinese_overlaps_and_spans(void **state)
{
    (void)state;
    static const char *const w[] = {"他们", "们的", "他们的事", "的", NULL};
    tb_ac *ac = make(w);
    hits h = {0};
    const char *t = "说他们的事"; /* 3 bytes per character */
    assert_int_equal(tb_ac_scan(ac, t, strlen(t), collect, &h), 4);
    assert_string_equal(tb_ac_word(ac, h.word[0]), "他们");
    assert_int_equal(h.start[0], 3);
    assert_int_equal(h.end[0], 9);
    assert_string_equal(tb_ac_word(ac, h.word[1]), "的");
    assert_string_equal(tb_ac_word(ac, h.word[2]), "们的");
    assert_int_equal(h.start[2], 6);
    assert_int_equal(h.end[2], 12);
    assert_string_equal(tb_ac_word(ac, h.word[3]), "他们的事");
    assert_int_equal(h.start[3], 3);
    assert_int_equal(h.end[3], 15);
    /* a character that shares leading bytes with a word's character is no match */
    assert_int_equal(tb_ac_first(ac, "他仁", strlen("他仁"), NULL, NULL), -1);
    tb_ac_free(ac);
}

static void case_width_and_separators(void **state)
{
    (void)state;
    static const char *const w[] = {"Fuck", "办假证", "ΑΒΓ", NULL};
    tb_ac *ac = make(w);
    size_t s, e;
    assert_int_equal(tb_ac_first(ac, "oh FUCK", 7, &s, &e), 0);
    assert_int_equal(s, 3);
    assert_int_equal(e, 7);
    const char *fw = "ＦｕＣｋ"; /* full-width */
    assert_int_equal(tb_ac_first(ac, fw, strlen(fw), &s, &e), 0);
    assert_int_equal(s, 0);
    assert_int_equal(e, strlen(fw));
    const char *sp = "我要办 假-证。";
    assert_int_equal(tb_ac_first(ac, sp, strlen(sp), &s, &e), 1);
    assert_int_equal(s, strlen("我要"));
    assert_int_equal(e, strlen("我要办 假-证"));
    assert_int_equal(tb_ac_first(ac, "αβγ", strlen("αβγ"), NULL, NULL), 2);
    /* near misses */
    assert_int_equal(tb_ac_first(ac, "fuc k", 5, NULL, NULL), 0); /* separators are skipped */
    assert_int_equal(tb_ac_first(ac, "fudge", 5, NULL, NULL), -1);
    assert_int_equal(tb_ac_first(ac, "办证", strlen("办证"), NULL, NULL), -1);
    assert_int_equal(tb_ac_first(ac, "办理假期证明", strlen("办理假期证明"), NULL, NULL), -1);
    tb_ac_free(ac);
}

static void invalid_utf8_and_edges(void **state)
{
    (void)state;
    static const char *const w[] = {"ab", "", "  ", NULL};
    tb_ac *ac = make(w);
    assert_int_equal(tb_ac_count(ac), 1); /* empty and separator-only words are ignored */
    const char bad[] = {'\xff', 'a', '\xe4', 'b', 'a', 'b', 0};
    size_t s, e;
    assert_int_equal(tb_ac_first(ac, bad, strlen(bad), &s, &e), 0);
    assert_int_equal(s, 4);
    assert_int_equal(e, 6);
    assert_int_equal(tb_ac_first(ac, "", 0, NULL, NULL), -1);
    assert_int_equal(tb_ac_add(ac, "late"), -1); /* after build */
    /* duplicates fold to the first index */
    tb_ac *d = tb_ac_new();
    assert_int_equal(tb_ac_add(d, "abc"), 0);
    assert_int_equal(tb_ac_add(d, "ABC"), 0);
    assert_int_equal(tb_ac_add(d, "abd"), 1);
    assert_int_equal(tb_ac_build(d), 0);
    assert_int_equal(tb_ac_count(d), 2);
    tb_ac_free(d);
    tb_ac_free(ac);
    /* an empty automaton matches nothing */
    tb_ac *z = tb_ac_new();
    assert_int_equal(tb_ac_build(z), 0);
    assert_int_equal(tb_ac_first(z, "abc", 3, NULL, NULL), -1);
    tb_ac_free(z);
}

static void long_text_and_many_words(void **state)
{
    (void)state;
    tb_ac *ac = tb_ac_new();
    char w[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(w, sizeof w, "词%04d", i);
        assert_int_equal(tb_ac_add(ac, w), i);
    }
    assert_int_equal(tb_ac_build(ac), 0);
    size_t n = 5000;
    char *t = malloc(n * 3 + 32);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        memcpy(t + len, "字", 3), len += 3;
    memcpy(t + len, "词1999", strlen("词1999"));
    len += strlen("词1999");
    t[len] = 0;
    size_t s, e;
    assert_int_equal(tb_ac_first(ac, t, len, &s, &e), 1999);
    assert_int_equal(s, n * 3);
    assert_int_equal(e, len);
    free(t);
    tb_ac_free(ac);
}

static void sensitive_list_from_file(void **state)
{
    (void)state;
    char path[] = "/tmp/tb-acmatch-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *body = "# comment\n\n办假证\r\n  Shit\n";
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    tb_config_defaults(&tb_cfg);
    snprintf(tb_cfg.sensitive_words_file, sizeof tb_cfg.sensitive_words_file, "%s", path);
    assert_int_equal(tb_sensitive_reload(), 0);
    assert_int_equal(tb_sensitive_count(), 2);
    char word[64];
    assert_true(tb_sensitive_hit("请问怎么办 假 证", word, sizeof word));
    assert_string_equal(word, "办假证");
    assert_true(tb_sensitive_hit("SHIT happens", word, 3)); /* truncated to cap */
    assert_string_equal(word, "Sh");
    assert_false(tb_sensitive_hit("我想办护照", word, sizeof word));
    assert_string_equal(word, "");
    char *m = tb_sensitive_mask("他说shit，还想办假证吗");
    assert_string_equal(m, "他说****，还想***吗");
    free(m);
    /* reload picks up a changed file; an unreadable file keeps the old list */
    FILE *f = fopen(path, "w");
    fputs("护照贩子\n", f);
    fclose(f);
    assert_int_equal(tb_sensitive_reload(), 0);
    assert_false(tb_sensitive_hit("办假证", NULL, 0));
    assert_true(tb_sensitive_hit("有护照贩子", NULL, 0));
    unlink(path);
    assert_int_equal(tb_sensitive_reload(), -1);
    assert_true(tb_sensitive_hit("有护照贩子", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classic_overlaps),          cmocka_unit_test(chinese_overlaps_and_spans),
        cmocka_unit_test(case_width_and_separators), cmocka_unit_test(invalid_utf8_and_edges),
        cmocka_unit_test(long_text_and_many_words),  cmocka_unit_test(sensitive_list_from_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
