/* Unit tests of src/crypto: SM3 vectors (GB/T 32905), HMAC-SM3, field encryption round trip and
 * tampering, key files, passwords, masking and random output shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"

static const unsigned char test_key[64] = "tongban unit test master key, 64 bytes long, not for production";

static int setup(void **state)
{
    tb_crypto_init_with_key(test_key);
    /* the minimum cost keeps the suite fast; the default parameters are tested once below */
    tb_password_params(1, 8192);
    return 0;
}

static void test_sm3_vectors(void **state)
{
    char hex[65];
    tb_sm3_hex("abc", 3, hex);
    assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    const char *abcd16 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
    tb_sm3_hex(abcd16, 64, hex);
    assert_string_equal(hex, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    tb_sm3_hex("", 0, hex);
    assert_string_equal(hex, "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
}

static void test_sm3_stream(void **state)
{
    const char *abcd16 = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";
    tb_sm3_stream *s = tb_sm3_stream_new();
    assert_non_null(s);
    for (size_t i = 0; i < 64; i += 7)
        tb_sm3_stream_update(s, abcd16 + i, i + 7 <= 64 ? 7 : 64 - i);
    char hex[65];
    tb_sm3_stream_final_hex(s, hex);
    assert_string_equal(hex, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

static void test_hmac_sm3(void **state)
{
    unsigned char key[20], mac[32];
    char hex[65], hex2[65];
    memset(key, 0x0b, sizeof key);
    tb_hmac_sm3(key, sizeof key, "Hi There", 8, mac);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", mac[i]);
    assert_string_equal(hex, "51b00d1fb49832bfb01c3ce27848e59f871d9ba938dc563b338ca964755cce70");
    tb_hmac_sm3("", 0, "x", 1, mac);   /* empty key is legal HMAC */
    tb_token_digest("session-token", hex);
    tb_blind_index("session-token", hex2);
    assert_int_equal(strlen(hex), 64);
    assert_string_not_equal(hex, hex2);   /* separate keys per purpose */
    char again[65];
    tb_blind_index("session-token", again);
    assert_string_equal(hex2, again);
}

static void test_field_roundtrip(void **state)
{
    const char *values[] = {"", "a", "11010519491231002X", "13800138000", "张三 欧阳 ·· 🙂 long text long text"};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        char *enc = tb_field_encrypt(values[i]);
        assert_non_null(enc);
        assert_memory_equal(enc, "s4:", 3);
        if (strlen(values[i]) > 8)
            assert_null(strstr(enc, values[i]));
        for (const char *p = enc + 3; *p; p++)
            assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
        char *dec = tb_field_decrypt(enc);
        assert_non_null(dec);
        assert_string_equal(dec, values[i]);
        char *enc2 = tb_field_encrypt(values[i]);
        assert_string_not_equal(enc, enc2);   /* random IV */
        free(enc2);
        free(dec);
        free(enc);
    }
}

static void test_field_tamper(void **state)
{
    char *enc = tb_field_encrypt("11010519491231002X");
    assert_non_null(enc);
    size_t n = strlen(enc);
    for (size_t i = 0; i < n; i++) {
        char saved = enc[i];
        enc[i] = saved == 'A' ? 'B' : 'A';
        assert_null(tb_field_decrypt(enc));
        enc[i] = saved;
    }
    char *cut = strndup(enc, n - 1);
    assert_non_null(cut);
    assert_null(tb_field_decrypt(cut));
    free(cut);
    assert_null(tb_field_decrypt("s4:"));
    assert_null(tb_field_decrypt("s4:!!!!"));
    assert_null(tb_field_decrypt("x4:AAAA"));
    assert_null(tb_field_decrypt(""));
    assert_null(tb_field_decrypt(NULL));
    /* a value encrypted under another master key does not decrypt */
    unsigned char other[64] = {1};
    tb_crypto_init_with_key(other);
    assert_null(tb_field_decrypt(enc));
    tb_crypto_init_with_key(test_key);
    char *dec = tb_field_decrypt(enc);
    assert_string_equal(dec, "11010519491231002X");
    free(dec);
    free(enc);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void test_key_file(void **state)
{
    char base[] = "/tmp/tb_crypto_XXXXXX", dir[128], path[160], err[256];
    assert_non_null(mkdtemp(base));
    snprintf(dir, sizeof dir, "%s/a/keys", base);
    snprintf(path, sizeof path, "%s/master.key", dir);
    assert_int_equal(tb_crypto_init(dir, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 64);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char *enc = tb_field_encrypt("persisted");
    assert_int_equal(tb_crypto_init(dir, err, sizeof err), 0);   /* loads the same key again */
    char *dec = tb_field_decrypt(enc);
    assert_string_equal(dec, "persisted");
    free(dec);
    free(enc);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(tb_crypto_init(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(truncate(path, 10), 0);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(tb_crypto_init(dir, err, sizeof err), -1);
    nftw(base, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    tb_crypto_init_with_key(test_key);
}

static void test_passwords(void **state)
{
    char hash[128];
    assert_int_equal(tb_password_hash("Correct horse 9", hash), 0);
    assert_memory_equal(hash, "$argon2id$", 10);
    assert_true(tb_password_verify(hash, "Correct horse 9"));
    assert_false(tb_password_verify(hash, "correct horse 9"));
    assert_false(tb_password_verify(hash, ""));
    assert_false(tb_password_verify("", "x"));
    assert_false(tb_password_verify("$argon2i$v=19$m=4096,t=3,p=1$abc$def", "x"));
    char other[128];
    assert_int_equal(tb_password_hash("Correct horse 9", other), 0);
    assert_string_not_equal(hash, other);   /* salted */
    assert_false(tb_password_needs_rehash(hash));
    tb_password_params(2, 19u << 20);       /* the defaults */
    assert_true(tb_password_needs_rehash(hash));
    assert_int_equal(tb_password_hash("x", other), 0);
    assert_non_null(strstr(other, "m=19456,t=2"));
    assert_true(tb_password_verify(hash, "Correct horse 9"));   /* old parameters still verify */
    tb_password_params(1, 8192);
}

static void test_masking(void **state)
{
    char out[64];
    tb_mask_id_number("230102199001011234", out);
    assert_string_equal(out, "2301**********1234");
    tb_mask_id_number("11010519491231002X", out);
    assert_string_equal(out, "1101**********002X");
    tb_mask_id_number("1101051949123100", out);
    assert_string_equal(out, "****************");
    tb_mask_id_number("11010519491231002Y", out);
    assert_string_equal(out, "******************");
    tb_mask_phone("13800138000", out);
    assert_string_equal(out, "138****8000");
    tb_mask_phone("1380013800", out);
    assert_string_equal(out, "**********");
    tb_mask_phone("+8613800138000", out);
    assert_string_equal(out, "**************");
    tb_mask_email("zhang.san@example.cn", out);
    assert_string_equal(out, "z***@example.cn");
    tb_mask_email("a@b.cn", out);
    assert_string_equal(out, "a***@b.cn");
    tb_mask_email("no-at-sign", out);
    assert_string_equal(out, "**********");
    tb_mask_email("@example.cn", out);
    assert_string_equal(out, "***********");
    tb_mask_email("a@b@c.cn", out);
    assert_string_equal(out, "********");
    tb_mask_email("a@", out);
    assert_string_equal(out, "**");
    char long_domain[80] = "x@";
    memset(long_domain + 2, 'd', 60);
    long_domain[62] = '\0';
    tb_mask_email(long_domain, out);
    assert_int_equal(strlen(out), 62);
    assert_null(strchr(out, 'd'));
    tb_mask_name("张三", out);
    assert_string_equal(out, "张*");
    tb_mask_name("欧阳修文", out);
    assert_string_equal(out, "欧***");
    tb_mask_name("欧阳娜", out);
    assert_string_equal(out, "欧**");
    tb_mask_name("阿依古丽·买买提", out);
    assert_string_equal(out, "阿*******");
    tb_mask_name("John Smith", out);
    assert_string_equal(out, "J*********");
    tb_mask_name("张", out);
    assert_string_equal(out, "*");
    tb_mask_name("\xff\xfe", out);
    assert_string_equal(out, "**");
    tb_mask_name("", out);
    assert_string_equal(out, "");
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    tb_mask_name(long_name, out);
    assert_int_equal(strlen(out), 63);
    tb_mask_id_number(long_name, out);
    assert_int_equal(strlen(out), 63);
    tb_mask_phone(NULL, out);
    assert_string_equal(out, "");
}

static void test_random_shapes(void **state)
{
    char tok[2 * 48 + 1], tok2[2 * 48 + 1];
    for (size_t n = 0; n <= 48; n++) {
        memset(tok, 0x7f, sizeof tok);
        tb_random_token(tok, n);
        assert_int_equal(strlen(tok), (4 * n + 2) / 3);
        for (char *p = tok; *p; p++)
            assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    }
    char big[2 * 200 + 1];
    tb_random_token(big, 200);
    assert_int_equal(strlen(big), 267);
    tb_random_token(tok, 32);
    tb_random_token(tok2, 32);
    assert_string_not_equal(tok, tok2);

    char digits[33];
    int seen[10] = {0};
    for (int round = 0; round < 100; round++) {
        tb_random_digits(digits, 32);
        assert_int_equal(strlen(digits), 32);
        for (int i = 0; i < 32; i++) {
            assert_true(digits[i] >= '0' && digits[i] <= '9');
            seen[digits[i] - '0']++;
        }
    }
    for (int d = 0; d < 10; d++)   /* 3200 draws: each digit expected 320 times */
        assert_true(seen[d] > 200 && seen[d] < 450);
    tb_random_digits(digits, 0);
    assert_string_equal(digits, "");

    char qp[10];
    for (int round = 0; round < 200; round++) {
        tb_random_query_password(qp);
        assert_int_equal(strlen(qp), 9);
        assert_int_equal(qp[4], '-');
        for (int i = 0; i < 9; i++)
            if (i != 4)
                assert_non_null(strchr("23456789ABCDEFGHJKMNPQRSTUVWXYZ", qp[i]));
    }
    unsigned char a[16] = {0}, b[16] = {0};
    tb_random_bytes(a, sizeof a);
    assert_false(tb_ct_equal(a, b, sizeof a));
    memcpy(b, a, sizeof a);
    assert_true(tb_ct_equal(a, b, sizeof a));
    tb_wipe(a, sizeof a);
    memset(b, 0, sizeof b);
    assert_memory_equal(a, b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sm3_vectors),
        cmocka_unit_test(test_sm3_stream),
        cmocka_unit_test(test_hmac_sm3),
        cmocka_unit_test(test_field_roundtrip),
        cmocka_unit_test(test_field_tamper),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_masking),
        cmocka_unit_test(test_random_shapes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
