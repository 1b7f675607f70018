/* Display masking of personal data for viewers without the need to see it (least privilege). Anything
 * not shaped as expected is masked completely rather than partially: a malformed value may hold the
 * real one at an unexpected position. */
#include "crypto/crypto.h"
#include "rules/validators.h"

#include <string.h>

#define OUT_MAX 63

/* Byte length of the valid UTF-8 sequence at s, 0 if invalid or at the terminating NUL. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned cp;
    return *s ? tb_utf8_decode((const char *)s, strnlen((const char *)s, 4), &cp) : 0;
}

/* characters of s, counting each byte of invalid UTF-8 as one */
static size_t char_count(const char *s)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; count++) {
        size_t n = utf8_seq(p);
        p += n ? n : 1;
    }
    return count;
}

static void stars(char *out, size_t n)
{
    if (n > OUT_MAX)
        n = OUT_MAX;
    memset(out, '*', n);
    out[n] = '\0';
}

static void mask_all(const char *s, char out[64])
{
    stars(out, s ? char_count(s) : 0);
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* keep head and tail bytes, star the middle */
static void keep_ends(const char *s, size_t len, size_t head, size_t tail, char out[64])
{
    memcpy(out, s, head);
    memset(out + head, '*', len - head - tail);
    memcpy(out + len - tail, s + len - tail, tail);
    out[len] = '\0';
}

void tb_mask_id_number(const char *id, char out[64])
{
    if (!id || strlen(id) != 18 || !all_digits(id, 17)
        || !(all_digits(id + 17, 1) || id[17] == 'X' || id[17] == 'x')) {
        mask_all(id, out);
        return;
    }
    keep_ends(id, 18, 4, 4, out);
}

void tb_mask_phone(const char *phone, char out[64])
{
    if (!phone || strlen(phone) != 11 || !all_digits(phone, 11)) {
        mask_all(phone, out);
        return;
    }
    keep_ends(phone, 11, 3, 4, out);
}

void tb_mask_name(const char *name, char out[64])
{
    size_t count = name ? char_count(name) : 0;
    if (count < 2 || !tb_utf8_valid(name, strlen(name))) {
        mask_all(name, out);
        return;
    }
    size_t first = utf8_seq((const unsigned char *)name);
    memcpy(out, name, first);
    size_t n = count - 1;
    if (n > OUT_MAX - first)
        n = OUT_MAX - first;
    stars(out + first, n);
}

void tb_mask_email(const char *email, char out[64])
{
    const char *at = email ? strchr(email, '@') : NULL;
    size_t domain = at ? strlen(at + 1) : 0;
    if (!at || at == email || domain == 0 || domain > 50 || strchr(at + 1, '@') || (unsigned char)email[0] >= 0x80) {
        mask_all(email, out);
        return;
    }
    out[0] = email[0];
    memcpy(out + 1, "***@", 4);
    memcpy(out + 5, at + 1, domain + 1);
}
