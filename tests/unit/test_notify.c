/* Unit tests of the message center's delivery rules (src/mod/notify/providers.c): the exponential backoff
 * and its cap, the circuit breaker (opens after N consecutive failures, skips for the open period, lets
 * exactly one trial through, closes on success, reopens on a failed trial), the HMAC-SM3 request
 * signature over "<ts>\n<body>" (against a value computed independently with Python's hmac/sm3), RFC 2047 subjects and the
 * e-mail address check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod/notify/notify_internal.h"

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(notify_backoff(1, 30), 30);
    assert_int_equal(notify_backoff(2, 30), 60);
    assert_int_equal(notify_backoff(3, 30), 120);
    assert_int_equal(notify_backoff(5, 30), 480);
    assert_int_equal(notify_backoff(7, 30), 1920);
    assert_int_equal(notify_backoff(8, 30), 3600); /* 3840 capped at one hour */
    assert_int_equal(notify_backoff(60, 30), 3600); /* no overflow */
    assert_int_equal(notify_backoff(0, 30), 30);
    assert_int_equal(notify_backoff(1, 0), 1);
    assert_int_equal(notify_backoff(3, 5000), 3600);
}

static void test_breaker_opens_and_trial(void **state)
{
    (void)state;
    notify_breaker b = {0, 0, false};
    int64_t t = 1000;
    for (int i = 0; i < 4; i++) {
        assert_true(notify_breaker_allow(&b, t));
        notify_breaker_result(&b, false, t, 5, 60);
    }
    assert_true(notify_breaker_allow(&b, t)); /* 4 failures: still closed */
    notify_breaker_result(&b, false, t, 5, 60);
    assert_false(notify_breaker_allow(&b, t)); /* 5th failure opened it */
    assert_false(notify_breaker_allow(&b, t + 59));
    assert_true(notify_breaker_allow(&b, t + 60));  /* one trial ... */
    assert_false(notify_breaker_allow(&b, t + 60)); /* ... and only one */
    notify_breaker_result(&b, false, t + 61, 5, 60);  /* failed trial: open again for the full period */
    assert_false(notify_breaker_allow(&b, t + 120));
    assert_true(notify_breaker_allow(&b, t + 121));
    notify_breaker_result(&b, true, t + 121, 5, 60); /* successful trial closes it */
    assert_true(notify_breaker_allow(&b, t + 121));
    assert_true(notify_breaker_allow(&b, t + 121));
    assert_int_equal(b.failures, 0);
    assert_int_equal(b.open_until, 0);
}

static void test_breaker_success_resets_count(void **state)
{
    (void)state;
    notify_breaker b = {0, 0, false};
    for (int i = 0; i < 4; i++)
        notify_breaker_result(&b, false, 10, 5, 60);
    notify_breaker_result(&b, true, 10, 5, 60); /* not consecutive any more */
    for (int i = 0; i < 4; i++)
        notify_breaker_result(&b, false, 10, 5, 60);
    assert_true(notify_breaker_allow(&b, 10));
    notify_breaker_result(&b, false, 10, 5, 60);
    assert_false(notify_breaker_allow(&b, 10));
    notify_breaker b0 = {0, 0, false}; /* threshold 0: never opens */
    for (int i = 0; i < 100; i++)
        notify_breaker_result(&b0, false, 10, 0, 60);
    assert_true(notify_breaker_allow(&b0, 10));
}

static void test_sign(void **state)
{
    (void)state;
    char out[65];
    /* python3: hmac.new(b"secret-key", b"1700000000\n" + body, "sm3").hexdigest() */
    notify_sign("secret-key", "1700000000", "{\"phone\":\"13800000000\"}", out);
    assert_string_equal(out, "1c43c93e0bc293ff687e11cf318116c99992d1028ba16f409812be636b2e7abd");
    notify_sign("secret-key", "1700000001", "{\"phone\":\"13800000000\"}", out);
    assert_string_not_equal(out, "1c43c93e0bc293ff687e11cf318116c99992d1028ba16f409812be636b2e7abd");
}

/* Decodes the encoded words of h back into UTF-8, checking each word's length and that no word starts in
 * the middle of a character. */
static void decode_words(const char *h, char *out)
{
    size_t n = 0;
    const char *p = h;
    while (*p) {
        assert_memory_equal(p, "=?UTF-8?B?", 10);
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75);
        unsigned char buf[128];
        int len = EVP_DecodeBlock(buf, (const unsigned char *)p + 10, (int)(end - p - 10));
        assert_true(len > 0);
        len -= (end[-1] == '=') + (end[-2] == '='); /* EVP_DecodeBlock counts padding as zero bytes */
        memcpy(out + n, buf, (size_t)len);
        assert_true((buf[0] & 0xC0) != 0x80);
        n += (size_t)len;
        p = end + 2;
        if (*p) {
            assert_memory_equal(p, "\r\n ", 3);
            p += 3;
        }
    }
    out[n] = '\0';
}

static void test_mime_header(void **state)
{
    (void)state;
    char *h = notify_mime_header("Case 2301 done");
    assert_string_equal(h, "Case 2301 done");
    free(h);
    h = notify_mime_header("你好");
    assert_string_equal(h, "=?UTF-8?B?5L2g5aW9?=");
    free(h);
    const char *subjects[] = {"您的办件已办结：普通护照签发（编号230102202611280001）请及时领取证件",
                              "a你好你好你好你好你好你好你好你好你好你好你好你好你好你好你好你好",
                              "ab你好你好你好你好你好你好你好你好你好你好你好你好你好你好你好你好", "=?not-a-word?="};
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
        char back[512];
        h = notify_mime_header(subjects[i]);
        assert_non_null(h);
        decode_words(h, back);
        assert_string_equal(back, subjects[i]);
        free(h);
    }
}

static void test_email_ok(void **state)
{
    (void)state;
    assert_true(notify_email_ok("zhang.san@example.cn"));
    assert_false(notify_email_ok("zhang san@example.cn"));
    assert_false(notify_email_ok("a@b.cn\r\nBcc: x@y.cn"));
    assert_false(notify_email_ok("<a@b.cn>"));
    assert_false(notify_email_ok("a@@b.cn"));
    assert_false(notify_email_ok("@b.cn"));
    assert_false(notify_email_ok("a@localhost"));
    assert_false(notify_email_ok(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),      cmocka_unit_test(test_breaker_opens_and_trial),
        cmocka_unit_test(test_breaker_success_resets_count), cmocka_unit_test(test_sign),
        cmocka_unit_test(test_mime_header),  cmocka_unit_test(test_email_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
