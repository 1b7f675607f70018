/* Unit tests of src/http/multipart.c: RFC 7578 bodies, hostile bodies and names, a mutation loop
 * (run it under ASan to catch over-reads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

static int parse(const char *ct, const char *body, size_t len, tb_part *parts, int max)
{
    return tb_multipart_parse(ct, strlen(ct), (const unsigned char *)body, len, parts, max);
}

static int parse_str(const char *ct, const char *body, tb_part *parts, int max)
{
    return parse(ct, body, strlen(body), parts, max);
}

static void assert_slice(tb_slice s, const char *want)
{
    assert_non_null(s.p);
    assert_int_equal(s.n, strlen(want));
    assert_memory_equal(s.p, want, s.n);
}

static void test_simple(void **state)
{
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"title\"\r\n"
                       "\r\n"
                       "护照\r\n"
                       "--XyZ\r\n"
                       "content-disposition: FORM-DATA; filename=\"scan.pdf\"; name=file\r\n"
                       "Content-Type: application/pdf \r\n"
                       "\r\n"
                       "%PDF-1.4 data\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"empty\"\r\n"
                       "\r\n"
                       "\r\n"
                       "--XyZ--\r\n";
    tb_part parts[4];
    assert_int_equal(parse_str(CT, body, parts, 4), 3);
    assert_slice(parts[0].name, "title");
    assert_null(parts[0].filename.p);
    assert_null(parts[0].content_type.p);
    assert_int_equal(parts[0].len, strlen("护照"));
    assert_memory_equal(parts[0].data, "护照", parts[0].len);
    assert_slice(parts[1].name, "file");
    assert_slice(parts[1].filename, "scan.pdf");
    assert_slice(parts[1].content_type, "application/pdf");
    assert_int_equal(parts[1].len, 13);
    assert_string_equal(tb_sniff_type(parts[1].data, parts[1].len), "application/pdf");
    assert_slice(parts[2].name, "empty");
    assert_int_equal(parts[2].len, 0);
}

static void test_preamble_epilogue_and_quoted_boundary(void **state)
{
    const char *body = "this is a preamble\r\n--a:b c\r\n"
                       "Content-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--a:b c--\r\nepilogue --a:b c";
    tb_part parts[2];
    assert_int_equal(parse_str("Multipart/Form-Data;boundary=\"a:b c\"; charset=utf-8", body, parts, 2), 1);
    assert_int_equal(parts[0].len, 1);
    assert_int_equal(parse_str("multipart/form-data; charset=utf-8; boundary=\"a:b c\"", body, parts, 2), 1);
    /* transport padding after a delimiter */
    const char *padded = "--XyZ \t\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--XyZ--";
    assert_int_equal(parse_str(CT, padded, parts, 2), 1);
    assert_int_equal(parse_str(CT, "--XyZ--", parts, 2), 0);
}

static void test_binary_with_boundary_lookalikes(void **state)
{
    /* file data holding CRLF, NUL bytes, "--XyZ" not at a line start, and "\r\n--XyZ" followed by
     * something other than "--" or CRLF: all of it is data */
    static const unsigned char data[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, '\r', '\n', '-', '-',
                                         'X', 'y', 'Z', 'a', '\r', '\n', '-', '-', 'X', 'y', 'Z', ' ', 'x',
                                         '-', '-', 'X', 'y', 'Z', '-', '-', '\r', '\n', '\r', '\n', 0xFF};
    const char *head = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\n\r\n";
    const char *tail = "\r\n--XyZ--\r\n";
    unsigned char body[512];
    size_t n = 0;
    memcpy(body + n, head, strlen(head));
    n += strlen(head);
    memcpy(body + n, data, sizeof data);
    n += sizeof data;
    memcpy(body + n, tail, strlen(tail));
    n += strlen(tail);
    tb_part parts[2];
    assert_int_equal(tb_multipart_parse(CT, strlen(CT), body, n, parts, 2), 1);
    assert_int_equal(parts[0].len, sizeof data);
    assert_memory_equal(parts[0].data, data, sizeof data);
    assert_string_equal(tb_sniff_type(parts[0].data, parts[0].len), "image/png");
}

static void test_malformed(void **state)
{
    tb_part parts[4];
    const char *ok = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--\r\n";
    assert_int_equal(parse_str(CT, ok, parts, 4), 1);
    /* content types */
    assert_int_equal(parse_str("multipart/form-data", ok, parts, 4), -1);
    assert_int_equal(parse_str("multipart/mixed; boundary=XyZ", ok, parts, 4), -1);
    assert_int_equal(parse_str("multipart/form-data; boundary=", ok, parts, 4), -1);
    assert_int_equal(parse_str("multipart/form-data; boundary=\"XyZ", ok, parts, 4), -1);
    assert_int_equal(parse_str("multipart/form-data; boundary=XyZ; boundary=XyZ", ok, parts, 4), -1);
    char ct[200];
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%071d", 0);
    assert_int_equal(parse_str(ct, ok, parts, 4), -1);
    /* bodies */
    assert_int_equal(parse_str(CT, "", parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv", parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ\r\n",
                               parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--", parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--", parts,
                               4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\n\r\nv\r\n--XyZ--", parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n--XyZ--", parts,
                               4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n--XyZ--",
                               parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--", parts, 4), -1);
    assert_int_equal(parse_str(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\nX: y\r\n\r\nv\r\n--XyZ--",
                               parts, 4), -1);
    /* a boundary that only appears with a suffix is no boundary at all */
    assert_int_equal(parse_str(CT, "--XyZW\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZW--", parts,
                               4), -1);
}

static void test_header_limit(void **state)
{
    size_t filler = 9000;
    char *body = malloc(filler + 200);
    assert_non_null(body);
    int n = sprintf(body, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
    memset(body + n, 'p', filler);
    n += (int)filler;
    n += sprintf(body + n, "\r\n\r\nv\r\n--XyZ--\r\n");
    tb_part parts[1];
    assert_int_equal(parse(CT, body, (size_t)n, parts, 1), -1);
    /* just under the limit is fine */
    n = sprintf(body, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
    memset(body + n, 'p', 8000);
    n += 8000;
    n += sprintf(body + n, "\r\n\r\nv\r\n--XyZ--\r\n");
    assert_int_equal(parse(CT, body, (size_t)n, parts, 1), 1);
    free(body);
}

static void test_max_parts(void **state)
{
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n--XyZ--";
    tb_part parts[3];
    assert_int_equal(parse_str(CT, body, parts, 3), 3);
    assert_int_equal(parse_str(CT, body, parts, 2), -2);
    assert_int_equal(parse_str(CT, body, NULL, 0), -2);
}

static void test_filename_escapes(void **state)
{
    /* an escaped quote inside the quoted filename must not end it early; name comes after it */
    const char *body = "--XyZ\r\nContent-Disposition: form-data; filename=\"../..\\\"evil;name=x\\\".pdf\"; "
                       "name=\"f\"\r\n\r\nv\r\n--XyZ--";
    tb_part parts[1];
    assert_int_equal(parse_str(CT, body, parts, 1), 1);
    assert_slice(parts[0].name, "f");
    assert_slice(parts[0].filename, "../..\\\"evil;name=x\\\".pdf");
    char out[128];
    tb_safe_filename(parts[0].filename, out);
    assert_string_equal(out, "pdf");   /* '\\' counts as a path separator (old browsers send C:\\...) */
    assert_null(strpbrk(out, "\"'/\\"));
}

static char *safe(const char *s)
{
    static char out[128];
    tb_safe_filename((tb_slice){s, strlen(s)}, out);
    return out;
}

static void test_safe_filename(void **state)
{
    assert_string_equal(safe("../../etc/passwd"), "passwd");
    assert_string_equal(safe("C:\\Users\\张三\\身份证.jpg"), "身份证.jpg");
    assert_string_equal(safe("a\"b'c.pdf"), "abc.pdf");
    assert_string_equal(safe("in\r\nject\x01\x7f.pdf"), "inject.pdf");
    assert_string_equal(safe("invoice\xe2\x80\xaepdf.exe"), "invoicepdf.exe");   /* U+202E */
    assert_string_equal(safe("bad\xff\xfeutf8.png"), "badutf8.png");
    assert_string_equal(safe(".."), "file");
    assert_string_equal(safe(".htaccess"), "htaccess");
    assert_string_equal(safe("dir/"), "file");
    assert_string_equal(safe(""), "file");
    assert_string_equal(safe("  name. "), "name");
    char out[128];
    tb_safe_filename((tb_slice){NULL, 0}, out);
    assert_string_equal(out, "file");
    /* 100-byte cap that never splits a character: 34 x 3-byte "证" = 102 bytes -> 33 characters */
    char longname[200] = "";
    for (int i = 0; i < 34; i++)
        strcat(longname, "证");
    assert_int_equal(strlen(safe(longname)), 99);
    char ascii[300];
    memset(ascii, 'a', 299);
    ascii[299] = '\0';
    assert_int_equal(strlen(safe(ascii)), 100);
}

static void test_sniff(void **state)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0};
    static const unsigned char png_short[] = {0x89, 'P', 'N', 'G'};
    assert_string_equal(tb_sniff_type(jpeg, sizeof jpeg), "image/jpeg");
    assert_null(tb_sniff_type(jpeg, 2));
    assert_null(tb_sniff_type(png_short, sizeof png_short));
    assert_null(tb_sniff_type((const unsigned char *)"<html>", 6));
    assert_null(tb_sniff_type((const unsigned char *)"%PDF", 4));
    assert_null(tb_sniff_type(NULL, 0));
}

/* Each body is copied into an exactly sized heap buffer, so ASan reports any read past its end. */
static void test_mutation_loop(void **state)
{
    static const char seed[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"x.pdf\"\r\n"
                               "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--XyZ \r\n"
                               "Content-Disposition: form-data; name=b\r\n\r\n\r\n--XyZ--\r\n";
    static const char alphabet[] = "-\r\n\"XyZ;:= \\abn";
    unsigned seed_state = 12345;
    tb_part parts[8];
    for (int round = 0; round < 10000; round++) {
        size_t n = sizeof seed - 1;
        unsigned char *body = malloc(n + 64);
        assert_non_null(body);
        memcpy(body, seed, n);
        int edits = 1 + (int)(rand_r(&seed_state) % 8);
        for (int e = 0; e < edits; e++) {
            size_t at = n ? (size_t)rand_r(&seed_state) % n : 0;
            int kind = rand_r(&seed_state) % 4;
            unsigned char c = rand_r(&seed_state) % 2 ? (unsigned char)alphabet[rand_r(&seed_state) % 15]
                                                      : (unsigned char)rand_r(&seed_state);
            if (kind == 0 && n)
                body[at] = c;
            else if (kind == 1 && n)
                memmove(body + at, body + at + 1, n-- - at - 1);
            else if (kind == 2 && n + 1 < sizeof seed + 63)
                memmove(body + at + 1, body + at, n++ - at), body[at] = c;
            else
                n = at;   /* truncate */
        }
        unsigned char *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, body, n);
        free(body);
        int rc = tb_multipart_parse(CT, strlen(CT), exact, n, parts, 8);
        assert_true(rc >= -2 && rc <= 8);
        for (int i = 0; i < rc; i++) {
            assert_true(parts[i].data >= exact && parts[i].data + parts[i].len <= exact + n);
            char name[128];
            tb_safe_filename(parts[i].filename, name);
            assert_true(strlen(name) > 0 && strlen(name) <= 100);
        }
        free(exact);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_preamble_epilogue_and_quoted_boundary),
        cmocka_unit_test(test_binary_with_boundary_lookalikes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_max_parts),
        cmocka_unit_test(test_filename_escapes),
        cmocka_unit_test(test_safe_filename),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_mutation_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
