/* Field encryption for personal data at rest: SM4-CTR, random 128-bit IV, HMAC-SM3 over
 * "s4:"||iv||ct (encrypt-then-MAC, so a tampered value is refused before any decryption).
 * The "s4:" prefix is the format version and is covered by the MAC. */
#include "crypto/crypto.h"
#include "crypto/crypto_internal.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <sodium.h>

#define PREFIX "s4:"
#define PREFIX_LEN 3
#define IV_LEN 16
#define MAC_LEN 32
#define MAX_PLAIN (64u << 20)   /* field values are small; keeps int lengths for EVP safe */
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *g_sm4_ctr;

static void fetch_cipher(void)
{
    g_sm4_ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    if (!g_sm4_ctr)
        tb_crypto_fatal("OpenSSL lacks SM4-CTR");
}

/* CTR mode: encryption and decryption are the same keystream XOR */
static int sm4_ctr(const unsigned char iv[IV_LEN], const unsigned char *in, size_t n, unsigned char *out)
{
    pthread_once(&g_once, fetch_cipher);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len1 = 0, len2 = 0;
    int ok = ctx && EVP_EncryptInit_ex2(ctx, g_sm4_ctr, tb_crypto_keys()->field_enc, iv, NULL)
             && EVP_EncryptUpdate(ctx, out, &len1, in, (int)n)
             && EVP_EncryptFinal_ex(ctx, out + len1, &len2) && (size_t)(len1 + len2) == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

static void field_mac(const unsigned char *msg, size_t n, unsigned char out[MAC_LEN])
{
    tb_hmac_sm3(tb_crypto_keys()->field_mac, 32, msg, n, out);
}

char *tb_field_encrypt(const char *plain)
{
    size_t n = strlen(plain);
    if (n > MAX_PLAIN)
        return NULL;
    size_t body = IV_LEN + n + MAC_LEN;
    unsigned char *raw = malloc(PREFIX_LEN + body);
    size_t outlen = PREFIX_LEN + sodium_base64_ENCODED_LEN(body, B64);
    char *out = malloc(outlen);
    if (!raw || !out)
        goto fail;
    memcpy(raw, PREFIX, PREFIX_LEN);
    unsigned char *iv = raw + PREFIX_LEN;
    tb_random_bytes(iv, IV_LEN);
    if (sm4_ctr(iv, (const unsigned char *)plain, n, iv + IV_LEN) != 0)
        goto fail;
    field_mac(raw, PREFIX_LEN + IV_LEN + n, iv + IV_LEN + n);
    memcpy(out, PREFIX, PREFIX_LEN);
    sodium_bin2base64(out + PREFIX_LEN, outlen - PREFIX_LEN, iv, body, B64);
    free(raw);
    return out;
fail:
    free(raw);
    free(out);
    return NULL;
}

char *tb_field_decrypt(const char *enc)
{
    if (!enc || strncmp(enc, PREFIX, PREFIX_LEN) != 0)
        return NULL;
    const char *b64 = enc + PREFIX_LEN;
    size_t b64len = strlen(b64);
    size_t maxbin = b64len / 4 * 3 + 3;
    if (maxbin < IV_LEN + MAC_LEN || maxbin > MAX_PLAIN + IV_LEN + MAC_LEN + 3)
        return NULL;
    unsigned char *raw = malloc(PREFIX_LEN + maxbin);
    if (!raw)
        return NULL;
    memcpy(raw, PREFIX, PREFIX_LEN);
    size_t binlen = 0;
    char *plain = NULL;
    if (sodium_base642bin(raw + PREFIX_LEN, maxbin, b64, b64len, NULL, &binlen, NULL, B64) != 0
        || binlen < IV_LEN + MAC_LEN)
        goto out;
    size_t n = binlen - IV_LEN - MAC_LEN;
    unsigned char mac[MAC_LEN];
    field_mac(raw, PREFIX_LEN + IV_LEN + n, mac);
    if (!tb_ct_equal(mac, raw + PREFIX_LEN + IV_LEN + n, MAC_LEN))
        goto out;
    plain = malloc(n + 1);
    if (plain && sm4_ctr(raw + PREFIX_LEN, raw + PREFIX_LEN + IV_LEN, n, (unsigned char *)plain) != 0) {
        free(plain);
        plain = NULL;
    }
    if (plain)
        plain[n] = '\0';
out:
    free(raw);
    return plain;
}
