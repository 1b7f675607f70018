/* TOTP (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second steps, 6 digits,
 * accepted one step either side for clock drift. Authenticator apps speak
 * only SHA-1 here, so this is the one place SHA-1 stays; the secret itself
 * is stored SM4-encrypted and each step is spent once (no replay). */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "mod/audit/audit.h"
#include "mod/org/org_internal.h"

#define STEP 30
static const char B32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void org_totp_code(const unsigned char *key, size_t keylen, uint64_t step, int digits, char *out)
{
    unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    for (int i = 7; i >= 0; i--, step >>= 8)
        msg[i] = (unsigned char)(step & 0xff);
    HMAC(EVP_sha1(), key, (int)keylen, msg, sizeof msg, mac, &maclen);
    int off = mac[maclen - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    snprintf(out, (size_t)digits + 1, "%0*u", digits, bin % mod);
}

void org_totp_secret_new(char out[33])
{
    unsigned char key[20];
    tb_random_bytes(key, sizeof key);
    int o = 0;
    for (int i = 0; i < 20; i += 5) { /* 5 bytes → 8 characters */
        uint64_t v = 0;
        for (int j = 0; j < 5; j++)
            v = (v << 8) | key[i + j];
        for (int j = 7; j >= 0; j--)
            out[o++] = B32[(v >> (j * 5)) & 31];
    }
    out[o] = '\0';
    tb_wipe(key, sizeof key);
}

int org_base32_decode(const char *in, unsigned char *key, size_t cap)
{
    uint32_t buf = 0;
    int bits = 0;
    size_t n = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        const char *c = strchr(B32, *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        if (!c || !*p)
            return -1;
        buf = (buf << 5) | (uint32_t)(c - B32);
        bits += 5;
        if (bits >= 8) {
            if (n == cap)
                return -1;
            key[n++] = (unsigned char)(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return (int)n;
}

/* The step (−1, 0, +1 around now) whose code matches, or -1. */
static int64_t matching_step(const unsigned char *key, size_t keylen, const char *code)
{
    int64_t now = tb_now() / STEP;
    for (int64_t s = now - 1; s <= now + 1; s++) {
        char want[8];
        org_totp_code(key, keylen, (uint64_t)s, 6, want);
        if (strlen(code) == 6 && tb_ct_equal(want, code, 6))
            return s;
    }
    return -1;
}

bool org_totp_accept(tb_req *r, int64_t staff_id, const char *code)
{
    const char *enc;
    int64_t last;
    if (org_store_staff_totp(r->db, r->arena, staff_id, &enc, &last) != 0 || !enc)
        return false;
    char *secret = tb_field_decrypt(enc);
    if (!secret)
        return false;
    unsigned char key[64];
    int keylen = org_base32_decode(secret, key, sizeof key);
    tb_wipe(secret, strlen(secret));
    free(secret);
    int64_t step = keylen > 0 ? matching_step(key, (size_t)keylen, code) : -1;
    tb_wipe(key, sizeof key);
    /* a step at or before the last spent one is a replay; the conditional update also settles two
     * concurrent logins with the same code: only one changes the row */
    return step > last && org_store_staff_totp_spend(r->db, staff_id, step) == 0;
}

/* Key URI (Google Authenticator format): SHA-1, 6 digits and 30 s are its defaults. Kept short and
 * ASCII so it can be typed or pasted into any authenticator. */
static char *otpauth_uri(const char *login, const char *secret)
{
    char *uri = NULL;
    if (asprintf(&uri, "otpauth://totp/%s?secret=%s&issuer=Tongban", login, secret) < 0)
        return NULL;
    return uri;
}

/* New secret stored encrypted; malloc'd secret and uri for the caller. */
int totp_enrol_db(tb_db *db, int64_t staff_id, const char *login, char **secret, char **uri)
{
    char s[33];
    org_totp_secret_new(s);
    char *enc = tb_field_encrypt(s);
    int rc = enc && org_store_staff_set_totp(db, staff_id, enc) == 0 ? 0 : -1;
    free(enc);
    *secret = rc == 0 ? strdup(s) : NULL;
    *uri = rc == 0 ? otpauth_uri(login, s) : NULL;
    tb_wipe(s, sizeof s);
    if (rc == 0 && (!*secret || !*uri)) {
        free(*secret);
        free(*uri);
        return -1;
    }
    return rc;
}

int org_totp_enrol(tb_req *r, int64_t staff_id, const char **secret, const char **uri)
{
    org_staff_row s;
    char *sec, *u;
    if (org_store_staff_get(r->db, r->arena, staff_id, &s) != 0 || totp_enrol_db(r->db, staff_id, s.login, &sec, &u) != 0)
        return -1;
    *secret = tb_arena_strdup(r->arena, sec);
    *uri = tb_arena_strdup(r->arena, u);
    tb_wipe(sec, strlen(sec));
    free(sec);
    free(u);
    return 0;
}
