/* Validators for national identifiers (GB 11643, GB 32100), contact data, names and passwords. */
#include "rules/validators.h"

#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- UTF-8 ---- */

size_t tb_utf8_decode(const char *str, size_t len, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || n > len)
        return 0;
    unsigned v = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, UTF-16 surrogates and values beyond Unicode */
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        return 0;
    *cp = v;
    return n;
}

bool tb_utf8_valid(const char *s, size_t len)
{
    unsigned cp;
    for (size_t i = 0; i < len;) {
        size_t n = tb_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t tb_utf8_length(const char *s)
{
    size_t len = strlen(s), count = 0;
    unsigned cp;
    for (size_t i = 0; i < len; count++) {
        size_t n = tb_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return (size_t)-1;
        i += n;
    }
    return count;
}

/* ---- resident ID number (GB 11643-1999) ---- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool valid_province(int code)
{
    static const unsigned char codes[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                                          43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    for (size_t i = 0; i < sizeof codes; i++)
        if (codes[i] == code)
            return true;
    return false;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* yyyymmdd must be a real date in [1900-01-01, today] (local time: the standard is Chinese civil time) */
static bool valid_birth(const char *s)
{
    int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return false;
    long today = (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    return y * 10000L + m * 100 + d <= today;
}

static char id_check_char(const char *s)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char map[] = "10X98765432";
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * weights[i];
    return map[sum % 11];
}

bool tb_valid_id_number(const char *s)
{
    if (!s || strlen(s) != 18 || !digits(s, 17))
        return false;
    return valid_province(num(s, 2)) && valid_birth(s + 6) && s[17] == id_check_char(s);
}

bool tb_id_number_birth(const char *s, char out[11], char *sex)
{
    if (!tb_valid_id_number(s))
        return false;
    memcpy(out, s + 6, 4);
    out[4] = '-';
    memcpy(out + 5, s + 10, 2);
    out[7] = '-';
    memcpy(out + 8, s + 12, 2);
    out[10] = '\0';
    if (sex)
        *sex = (s[16] - '0') % 2 ? 'M' : 'F';
    return true;
}

/* ---- unified social credit code (GB 32100-2015) ---- */

static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_value(char c)
{
    const char *p = c ? strchr(uscc_alphabet, c) : NULL;
    return p ? (int)(p - uscc_alphabet) : -1;
}

/* organisation code (GB 11714): 8 characters and a check character, digits and capitals valued 0..35 */
static bool valid_org_code(const char *s)
{
    static const int weights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : -1;
        if (v < 0)
            return false;
        sum += v * weights[i];
    }
    int check = 11 - sum % 11;
    char expect = check == 10 ? 'X' : check == 11 ? '0' : (char)('0' + check);
    return s[8] == expect;
}

bool tb_valid_uscc(const char *s)
{
    static const int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    if (!s || strlen(s) != 18 || !digits(s + 2, 6))
        return false;
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(s[i]);
        if (v < 0)
            return false;
        sum += v * weights[i];
    }
    int check = (31 - sum % 31) % 31;
    return uscc_value(s[17]) == check && valid_org_code(s + 8);
}

/* ---- contact data ---- */

bool tb_valid_phone(const char *s)
{
    return s && strlen(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && digits(s, 11);
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* dot-atom local part of RFC 5322, no quoted strings */
static bool valid_local(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return false;
        if (!is_alnum(s[i]) && !strchr(".!#$%&'*+/=?^_`{|}~-", s[i]))
            return false;
    }
    return true;
}

static bool valid_label(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool valid_tld(const char *s, size_t n)
{
    if (n >= 4 && strncasecmp(s, "xn--", 4) == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(s[i]))
            return false;
    return n >= 2;
}

static bool valid_domain(const char *s, size_t n)
{
    size_t labels = 0, start = 0;
    if (n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (!valid_label(s + start, i - start))
            return false;
        labels++;
        if (i == n)
            return labels >= 2 && valid_tld(s + start, i - start);
        start = i + 1;
    }
    return false;
}

bool tb_valid_email(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n > 254 || !at || strchr(at + 1, '@'))
        return false;
    return valid_local(s, (size_t)(at - s)) && valid_domain(at + 1, n - (size_t)(at - s) - 1);
}

/* ---- person names ---- */

enum name_kind { NAME_NONE, NAME_CJK, NAME_LATIN };

static bool is_cjk(unsigned cp)
{
    return cp >= 0x3400 && cp <= 0x9FFF;
}

static bool is_latin_letter(unsigned cp)
{
    return (cp < 0x80 && is_alpha((char)cp)) || (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7);
}

/* separator: '·' between CJK parts, ' ' between Latin parts */
static bool name_char_ok(enum name_kind kind, unsigned cp, bool *is_sep)
{
    *is_sep = (kind == NAME_CJK && cp == 0xB7) || (kind == NAME_LATIN && cp == ' ');
    if (*is_sep)
        return true;
    return kind == NAME_CJK ? is_cjk(cp) : is_latin_letter(cp);
}

bool tb_valid_person_name(const char *s)
{
    if (!s)
        return false;
    size_t len = strlen(s), count = 0;
    enum name_kind kind = NAME_NONE;
    bool prev_sep = true, sep = false;
    unsigned cp;
    for (size_t i = 0; i < len; count++) {
        size_t n = tb_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return false;
        if (kind == NAME_NONE)
            kind = is_cjk(cp) ? NAME_CJK : is_latin_letter(cp) ? NAME_LATIN : NAME_NONE;
        if (kind == NAME_NONE || !name_char_ok(kind, cp, &sep) || (sep && prev_sep))
            return false;
        prev_sep = sep;
        i += n;
    }
    return !sep && count >= 2 && count <= 30;
}

/* ---- passwords ---- */

/* The most used passwords that still pass the class rule (leak lists of Chinese and international
 * sites); compared case-insensitively. */
static const char *const common_passwords[] = {
    "passw0rd!", "passw0rd", "p@ssw0rd", "p@ssword1", "p@ssw0rd1", "password1", "password1!", "password123",
    "password@123", "passw0rd123", "pass@123", "pass@word1", "aa123456", "aa123456!", "aa123456789",
    "aa123123", "aa111111", "aa112233", "a123456a", "abc123456", "abc@123456", "abc12345", "abc@123",
    "abc123!@#", "abcd1234", "abcd@1234", "admin123", "admin@123", "admin@1234", "admin@12345", "admin123!",
    "qwer1234", "qwer@1234", "qwerty123", "qwerty1!", "qwe123456", "qwe@1234", "qaz123456", "1qaz@wsx",
    "1qaz2wsx", "1qaz!qaz", "zxc123456", "zxcv1234", "asd123456", "asdf1234", "woaini1314", "woaini520",
    "welcome1", "welcome@123", "test@123", "root@123", "huawei@123", "huawei12#$", "changeme1",
    "iloveyou1", "sunshine1", "monkey123", "letmein1", "dragon123", "football1", "qq123456",
    "wang123456", "zhang123456", "li123456",
};

static bool is_common(const char *pw)
{
    for (size_t i = 0; i < sizeof common_passwords / sizeof *common_passwords; i++)
        if (strcasecmp(pw, common_passwords[i]) == 0)
            return true;
    return false;
}

static int char_classes(const char *pw)
{
    bool upper = false, lower = false, digit = false, other = false;
    for (const char *p = pw; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            upper = true;
        else if (*p >= 'a' && *p <= 'z')
            lower = true;
        else if (*p >= '0' && *p <= '9')
            digit = true;
        else
            other = true;
    }
    return upper + lower + digit + other;
}

static bool contains(const char *pw, const char *needle)
{
    return needle && *needle && strcasestr(pw, needle) != NULL;
}

const char *tb_password_policy(const char *pw, const char *id_number, const char *phone)
{
    if (!pw || !*pw)
        return "密码不能为空";
    size_t n = tb_utf8_length(pw);
    if (n == (size_t)-1)
        return "密码包含无效字符";
    if (n < 8)
        return "密码长度不能少于8个字符";
    if (n > 128)
        return "密码长度不能超过128个字符";
    if (char_classes(pw) < 3)
        return "密码须包含大写字母、小写字母、数字、其他字符中的至少三类";
    if (contains(pw, id_number))
        return "密码不能包含身份证号码";
    if (contains(pw, phone))
        return "密码不能包含手机号码";
    if (is_common(pw))
        return "密码过于常见，请更换";
    return NULL;
}
