/* Unit tests of the kb module's pure parts: the rich-text sanitizer (what
 * survives, what is dropped, escaping, links, nesting) and its plain text, and
 * the region coverage used to restrict answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "mod/kb/kb_internal.h"

static tb_arena *A;

static const char *clean(const char *html) { return kb_sanitize_html(A, html); }

static void keeps_the_whitelist(void **state)
{
    (void)state;
    assert_string_equal(clean("<p>一<strong>二</strong><em>三</em><br/>四</p>"),
                        "<p>一<strong>二</strong><em>三</em><br>四</p>");
    assert_string_equal(clean("<UL><LI>a</LI><li>b</li></UL>"), "<ul><li>a</li><li>b</li></ul>");
    assert_string_equal(clean("<h3 class=\"x\" style=\"color:red\">标题</h3>"), "<h3>标题</h3>");
}

static void drops_scripts_and_attributes(void **state)
{
    (void)state;
    assert_string_equal(clean("a<script>alert(1)</script>b"), "ab");
    assert_string_equal(clean("a<SCRIPT type=x>alert(1)</ScRiPt >b"), "ab");
    assert_string_equal(clean("<style>p{}</style><iframe src=//x></iframe>ok"), "ok");
    assert_string_equal(clean("<img src=x onerror=alert(1)>x"), "x");
    assert_string_equal(clean("<p onclick=\"x()\" onmouseover=y>t</p>"), "<p>t</p>");
    assert_string_equal(clean("<svg><script>alert(1)</script></svg>z"), "z");
    assert_string_equal(clean("a<!-- <script>x</script> -->b"), "ab");
    assert_string_equal(clean("<script>never closed"), "");
    assert_string_equal(clean("<div><span>kept text</span></div>"), "kept text");
}

static void links(void **state)
{
    (void)state;
    assert_string_equal(clean("<a href=\"https://gaj.hlj.gov.cn/?a=1&b=2\">x</a>"),
                        "<a href=\"https://gaj.hlj.gov.cn/?a=1&amp;b=2\" rel=\"noopener noreferrer\" "
                        "target=\"_blank\">x</a>");
    assert_string_equal(clean("<a href=\"javascript:alert(1)\">x</a>"), "<a>x</a>");
    assert_string_equal(clean("<a href=\"&#106;avascript:alert(1)\">x</a>"), "<a>x</a>");
    assert_string_equal(clean("<a href=' java script:x'>x</a>"), "<a>x</a>");
    assert_string_equal(clean("<a href=\"data:text/html,x\">x</a>"), "<a>x</a>");
    assert_string_equal(clean("<a href=/matters/1>x</a>"),
                        "<a href=\"/matters/1\" rel=\"noopener noreferrer\" target=\"_blank\">x</a>");
    assert_string_equal(clean("<a href=\"https://x/\" onclick=\"y\">x</a>"),
                        "<a href=\"https://x/\" rel=\"noopener noreferrer\" target=\"_blank\">x</a>");
}

static void escapes_and_balances(void **state)
{
    (void)state;
    assert_string_equal(clean("1 < 2 & 3 > 0 \"q\""), "1 &lt; 2 &amp; 3 &gt; 0 &quot;q&quot;");
    assert_string_equal(clean("&amp; &lt; &#39; &#x4e00; &bogus"), "&amp; &lt; &#39; &#x4e00; &amp;bogus");
    assert_string_equal(clean("<p><strong>unclosed"), "<p><strong>unclosed</strong></p>");
    assert_string_equal(clean("<p><em>a</p>b</em>"), "<p><em>a</em></p>b");
    assert_string_equal(clean("</p>stray"), "stray");
    assert_string_equal(clean("<<script>>x"), "&lt;"); /* an unterminated script drops the rest */
    assert_string_equal(clean("<<b>>x"), "&lt;<b>&gt;x</b>");
    assert_string_equal(clean(""), "");
}

static void plain_text(void **state)
{
    (void)state;
    assert_string_equal(kb_plain_text(A, "<p>办理<strong>护照</strong></p><p>1 &lt; 2 &amp; 3</p>"),
                        "办理 护照 1 < 2 & 3");
    assert_string_equal(kb_plain_text(A, "  <br>  "), "");
}

static void regions(void **state)
{
    (void)state;
    assert_true(kb_region_covers("230102", "230102"));
    assert_true(kb_region_covers("230100", "230102"));
    assert_true(kb_region_covers("230000", "230102"));
    assert_false(kb_region_covers("230102", "230100"));
    assert_false(kb_region_covers("230100", "230202"));
    assert_false(kb_region_covers("220000", "230102"));
    assert_true(kb_region_valid("230102"));
    assert_false(kb_region_valid("2301"));
    assert_false(kb_region_valid("23010a"));
}

int main(void)
{
    A = tb_arena_new(1 << 16);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_the_whitelist), cmocka_unit_test(drops_scripts_and_attributes), cmocka_unit_test(links),
        cmocka_unit_test(escapes_and_balances), cmocka_unit_test(plain_text),       cmocka_unit_test(regions),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tb_arena_free(A);
    return rc;
}
