/* Unit tests of src/rules/validators.c with the vectors of data-standards.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rules/validators.h"

/* builds a valid ID for area + yyyymmdd + sequence by computing the check character */
static void make_id(const char *first17, char out[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * w[i];
    memcpy(out, first17, 17);
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
}

static void test_id_vectors(void **state)
{
    assert_true(tb_valid_id_number("11010519491231002X"));
    assert_true(tb_valid_id_number("34052419800101001X"));
    assert_false(tb_valid_id_number("340524198001010013"));
    assert_false(tb_valid_id_number("11010519491231002x"));   /* lowercase refused */
    assert_false(tb_valid_id_number("11010519491231002"));
    assert_false(tb_valid_id_number("11010519491231002XX"));
    assert_false(tb_valid_id_number(""));
    assert_false(tb_valid_id_number(NULL));
    assert_false(tb_valid_id_number("1101051949123100 X"));
}

static void test_id_dates_and_areas(void **state)
{
    char id[19];
    make_id("23010219990228001", id);
    assert_true(tb_valid_id_number(id));
    make_id("23010219990230001", id);             /* 30 February */
    assert_false(tb_valid_id_number(id));
    make_id("23010220000229001", id);             /* leap year */
    assert_true(tb_valid_id_number(id));
    make_id("23010219000229001", id);             /* 1900 is not a leap year */
    assert_false(tb_valid_id_number(id));
    make_id("23010218991231001", id);             /* before 1900 */
    assert_false(tb_valid_id_number(id));
    make_id("23010219001301001", id);             /* month 13 */
    assert_false(tb_valid_id_number(id));
    make_id("23010219000100001", id);             /* day 0 */
    assert_false(tb_valid_id_number(id));
    make_id("99010219900101001", id);             /* no province 99 */
    assert_false(tb_valid_id_number(id));
    make_id("10010219900101001", id);             /* no province 10 */
    assert_false(tb_valid_id_number(id));
    make_id("82010219900101001", id);             /* Macao */
    assert_true(tb_valid_id_number(id));

    /* tomorrow is in the future, today is not */
    time_t now = time(NULL);
    struct tm tm;
    char first17[64];
    localtime_r(&now, &tm);
    snprintf(first17, sizeof first17, "230102%04d%02d%02d001", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    make_id(first17, id);
    assert_true(tb_valid_id_number(id));
    now += 86400 * 2;
    localtime_r(&now, &tm);
    snprintf(first17, sizeof first17, "230102%04d%02d%02d001", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    make_id(first17, id);
    assert_false(tb_valid_id_number(id));
    make_id("23010230000101001", id);
    assert_false(tb_valid_id_number(id));
}

static void test_id_birth(void **state)
{
    char birth[11];
    char sex = 0;
    assert_true(tb_id_number_birth("11010519491231002X", birth, &sex));
    assert_string_equal(birth, "1949-12-31");
    assert_int_equal(sex, 'F');   /* sequence 002: even */
    char id[19];
    make_id("23010219900715013", id);
    assert_true(tb_id_number_birth(id, birth, &sex));
    assert_string_equal(birth, "1990-07-15");
    assert_int_equal(sex, 'M');
    assert_false(tb_id_number_birth("340524198001010013", birth, &sex));
}

static void test_uscc(void **state)
{
    assert_true(tb_valid_uscc("91350200776049653A"));
    assert_true(tb_valid_uscc("12441500196720244T"));
    assert_true(tb_valid_uscc("11100000000013338W"));
    assert_false(tb_valid_uscc("91350203M0001QAY9B"));
    assert_false(tb_valid_uscc("91350200776049653B"));   /* wrong check */
    assert_false(tb_valid_uscc("91350200776049653a"));   /* lowercase */
    assert_false(tb_valid_uscc("91350200776049653"));
    assert_false(tb_valid_uscc("9135020077604965 3A"));
    assert_false(tb_valid_uscc("I1350200776049653A"));   /* I is not in the alphabet */
    assert_false(tb_valid_uscc(NULL));
    assert_false(tb_valid_uscc(""));
}

/* a code whose overall check is right but whose embedded organisation code check is wrong */
static void test_uscc_org_code(void **state)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char code[19] = "91350200776049654";   /* org check digit 3 -> 4 */
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(alphabet, code[i]) - alphabet) * w[i];
    code[17] = alphabet[(31 - sum % 31) % 31];
    code[18] = '\0';
    assert_false(tb_valid_uscc(code));
    memcpy(code, "91350200776049653", 17);
    sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(alphabet, code[i]) - alphabet) * w[i];
    code[17] = alphabet[(31 - sum % 31) % 31];
    assert_string_equal(code, "91350200776049653A");
}

static void test_phone_email(void **state)
{
    assert_true(tb_valid_phone("13800138000"));
    assert_true(tb_valid_phone("19912345678"));
    assert_false(tb_valid_phone("12800138000"));
    assert_false(tb_valid_phone("1380013800"));
    assert_false(tb_valid_phone("138001380000"));
    assert_false(tb_valid_phone("1380013800a"));
    assert_false(tb_valid_phone("+8613800138000"));
    assert_false(tb_valid_phone(NULL));

    assert_true(tb_valid_email("zhang.san@gat.hlj.gov.cn"));
    assert_true(tb_valid_email("a+tag@example.com"));
    assert_true(tb_valid_email("x@xn--fiqs8s.xn--fiqs8s"));
    assert_false(tb_valid_email("a@b"));
    assert_false(tb_valid_email("a@b.c"));
    assert_false(tb_valid_email("@example.com"));
    assert_false(tb_valid_email("a@@example.com"));
    assert_false(tb_valid_email("a@b@example.com"));
    assert_false(tb_valid_email("a..b@example.com"));
    assert_false(tb_valid_email(".a@example.com"));
    assert_false(tb_valid_email("a@-example.com"));
    assert_false(tb_valid_email("a@example..com"));
    assert_false(tb_valid_email("a b@example.com"));
    assert_false(tb_valid_email("张@example.com"));
    char longmail[300];
    memset(longmail, 'a', 250);
    strcpy(longmail + 250, "@b.cn");
    assert_false(tb_valid_email(longmail));
}

static void test_names(void **state)
{
    assert_true(tb_valid_person_name("张三"));
    assert_true(tb_valid_person_name("欧阳修"));
    assert_true(tb_valid_person_name("阿依古丽·买买提"));
    assert_true(tb_valid_person_name("John Smith"));
    assert_true(tb_valid_person_name("José Müller"));
    assert_true(tb_valid_person_name("㐀㐁"));                /* CJK extension A */
    assert_false(tb_valid_person_name("张"));
    assert_false(tb_valid_person_name("·张三"));
    assert_false(tb_valid_person_name("张三·"));
    assert_false(tb_valid_person_name("张··三"));
    assert_false(tb_valid_person_name("张三John"));
    assert_false(tb_valid_person_name("John  Smith"));
    assert_false(tb_valid_person_name(" John"));
    assert_false(tb_valid_person_name("John "));
    assert_false(tb_valid_person_name("张3"));
    assert_false(tb_valid_person_name("Robert'); DROP TABLE"));
    assert_false(tb_valid_person_name("\xe5\xbc\xa0\xff"));
    assert_false(tb_valid_person_name(""));
    assert_false(tb_valid_person_name(NULL));
    assert_true(tb_valid_person_name("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"));
    assert_false(tb_valid_person_name("一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一"));
}

static void test_utf8(void **state)
{
    assert_int_equal(tb_utf8_length("abc"), 3);
    assert_int_equal(tb_utf8_length("张三🙂"), 3);
    assert_int_equal(tb_utf8_length(""), 0);
    assert_int_equal(tb_utf8_length("\xc0\xaf"), (size_t)-1);          /* overlong '/' */
    assert_int_equal(tb_utf8_length("\xed\xa0\x80"), (size_t)-1);      /* surrogate */
    assert_int_equal(tb_utf8_length("\xf4\x90\x80\x80"), (size_t)-1);  /* > U+10FFFF */
    assert_int_equal(tb_utf8_length("\xe5\xbc"), (size_t)-1);          /* truncated */
    assert_true(tb_utf8_valid("a\0b", 3));
    assert_false(tb_utf8_valid("\x80", 1));
    assert_true(tb_utf8_valid("\xf0\x9f\x99\x82", 4));
    assert_false(tb_utf8_valid("\xf0\x9f\x99\x82", 3));
    unsigned cp = 0;
    assert_int_equal(tb_utf8_decode("\xc2\xb7", 2, &cp), 2);
    assert_int_equal(cp, 0xB7);
    assert_int_equal(tb_utf8_decode("", 0, &cp), 0);
}

static void test_password_policy(void **state)
{
    assert_null(tb_password_policy("Tongban#2024ok", NULL, NULL));
    assert_null(tb_password_policy("correct horse 9 battery", NULL, NULL));   /* lower, digit, other */
    assert_null(tb_password_policy("密码Abc12345", NULL, NULL));
    assert_non_null(tb_password_policy("Ab1!xyz", NULL, NULL));              /* 7 chars */
    assert_null(tb_password_policy("Ab1!wxyz", NULL, NULL));
    assert_non_null(tb_password_policy("abcdefgh1", NULL, NULL));            /* 2 classes */
    assert_non_null(tb_password_policy("ABCDEFGH!", NULL, NULL));
    assert_non_null(tb_password_policy("", NULL, NULL));
    assert_non_null(tb_password_policy(NULL, NULL, NULL));
    assert_non_null(tb_password_policy("Passw0rd!", NULL, NULL));
    assert_non_null(tb_password_policy("PASSW0RD!", NULL, NULL));
    assert_non_null(tb_password_policy("Aa123456", NULL, NULL));
    assert_non_null(tb_password_policy("P@ssw0rd", NULL, NULL));
    assert_non_null(tb_password_policy("Qwer1234", NULL, NULL));
    assert_non_null(tb_password_policy("1qaz@WSX", NULL, NULL));
    const char *why = tb_password_policy("Zz11010519491231002x!", "11010519491231002X", NULL);
    assert_non_null(why);
    assert_non_null(strstr(why, "身份证"));
    why = tb_password_policy("Tel13800138000!", NULL, "13800138000");
    assert_non_null(why);
    assert_non_null(strstr(why, "手机"));
    assert_null(tb_password_policy("Tel13800138000!", "", ""));
    assert_non_null(tb_password_policy("Abc123\xff\xfe!!", NULL, NULL));     /* invalid UTF-8 */
    /* 128 code points accepted, 129 refused; counted in characters, not bytes */
    char pw[600] = "Aa1!";
    for (int i = 4; i < 128; i++)
        strcat(pw, "密");
    assert_null(tb_password_policy(pw, NULL, NULL));
    strcat(pw, "密");
    assert_non_null(tb_password_policy(pw, NULL, NULL));
    /* "密码密码" is 4 characters but 12 bytes */
    assert_non_null(tb_password_policy("密码A1", NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_vectors),
        cmocka_unit_test(test_id_dates_and_areas),
        cmocka_unit_test(test_id_birth),
        cmocka_unit_test(test_uscc),
        cmocka_unit_test(test_uscc_org_code),
        cmocka_unit_test(test_phone_email),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_password_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
