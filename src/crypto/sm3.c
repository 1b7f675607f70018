/* SM3 (GB/T 32905) hashing and HMAC-SM3 through OpenSSL 3 EVP. The algorithm objects are fetched
 * once: implicit fetching on every call costs a provider lookup under a lock. */
#include "crypto/crypto.h"
#include "crypto/crypto_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

struct tb_sm3_stream {
    EVP_MD_CTX *ctx;
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static EVP_MD *g_sm3;
static EVP_MAC *g_hmac;

static void fetch_algorithms(void)
{
    g_sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!g_sm3 || !g_hmac)
        tb_crypto_fatal("OpenSSL lacks SM3 or HMAC");
}

static const EVP_MD *sm3_md(void)
{
    pthread_once(&g_once, fetch_algorithms);
    return g_sm3;
}

void tb_crypto_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void tb_sm3(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    if (!EVP_Digest(data, len, out, &n, sm3_md(), NULL) || n != 32)
        tb_crypto_fatal("SM3 digest failed");
}

void tb_sm3_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    tb_sm3(data, len, d);
    tb_crypto_hex(d, sizeof d, out);
}

tb_sm3_stream *tb_sm3_stream_new(void)
{
    tb_sm3_stream *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->ctx = EVP_MD_CTX_new();
    if (!s->ctx || !EVP_DigestInit_ex(s->ctx, sm3_md(), NULL)) {
        EVP_MD_CTX_free(s->ctx);
        free(s);
        return NULL;
    }
    return s;
}

void tb_sm3_stream_update(tb_sm3_stream *s, const void *data, size_t len)
{
    if (!EVP_DigestUpdate(s->ctx, data, len))
        tb_crypto_fatal("SM3 update failed");
}

void tb_sm3_stream_final_hex(tb_sm3_stream *s, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;
    if (!EVP_DigestFinal_ex(s->ctx, d, &n) || n != 32)
        tb_crypto_fatal("SM3 final failed");
    EVP_MD_CTX_free(s->ctx);
    free(s);
    tb_crypto_hex(d, sizeof d, out);
}

void tb_hmac_sm3(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[32])
{
    pthread_once(&g_once, fetch_algorithms);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(g_hmac);
    size_t n = 0;
    /* OpenSSL refuses a NULL key pointer even for length 0; an empty key is a valid HMAC key */
    static const unsigned char empty[1];
    int ok = ctx && EVP_MAC_init(ctx, keylen ? key : empty, keylen, params)
             && EVP_MAC_update(ctx, data, len) && EVP_MAC_final(ctx, out, &n, 32) && n == 32;
    EVP_MAC_CTX_free(ctx);
    if (!ok)
        tb_crypto_fatal("HMAC-SM3 failed");
}

static void keyed_hex(const unsigned char key[32], const char *s, char out[65])
{
    unsigned char d[32];
    tb_hmac_sm3(key, 32, s, strlen(s), d);
    tb_crypto_hex(d, sizeof d, out);
}

void tb_token_digest(const char *token, char out[65])
{
    keyed_hex(tb_crypto_keys()->token_mac, token, out);
}

void tb_blind_index(const char *value, char out[65])
{
    keyed_hex(tb_crypto_keys()->blind_index, value, out);
}
