/* Randomness and the constant-time helpers. Random bytes come from OpenSSL's
 * DRBG (seeded from the kernel, reseeded by OpenSSL, fork-safe in OpenSSL 3):
 * it runs in user space, where libsodium's randombytes makes one getrandom(2)
 * call per request — several per case submission. */
#include "crypto/crypto.h"
#include "crypto/crypto_internal.h"

#include <pthread.h>
#include <string.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <stdint.h>

static pthread_once_t g_sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
    if (sodium_init() < 0)
        tb_crypto_fatal("sodium_init failed");
}

void tb_crypto_sodium_once(void)
{
    pthread_once(&g_sodium_once, sodium_start);
}

void tb_random_bytes(void *buf, size_t n)
{
    while (n > 0) {
        int chunk = n > (1u << 20) ? 1 << 20 : (int)n;
        if (RAND_bytes(buf, chunk) != 1)
            tb_crypto_fatal("RAND_bytes failed");
        buf = (unsigned char *)buf + chunk;
        n -= (size_t)chunk;
    }
}

/* Uniform in [0, bound) by rejection: values below 2^32 mod bound are
 * redrawn, so every result is equally likely. */
static unsigned random_uniform(unsigned bound)
{
    uint32_t x, floor = (uint32_t)(-bound) % bound;
    do
        tb_random_bytes(&x, sizeof x);
    while (x < floor);
    return x % bound;
}

/* Encoded in chunks of 48 bytes (a multiple of 3), so the concatenated base64 of the chunks equals
 * the base64 of the whole and no heap buffer is needed for any size. */
void tb_random_token(char *out, size_t nbytes)
{
    unsigned char chunk[48];
    out[0] = '\0';
    while (nbytes > 0) {
        size_t n = nbytes < sizeof chunk ? nbytes : sizeof chunk;
        tb_random_bytes(chunk, n);
        size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_bin2base64(out, cap, chunk, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        out += cap - 1;
        nbytes -= n;
    }
    tb_wipe(chunk, sizeof chunk);
}

void tb_random_digits(char *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + random_uniform(10));
    out[n > 0 ? n : 0] = '\0';
}

void tb_random_query_password(char out[10])
{
    /* no 0/O, 1/I/L: people read these aloud and type them from paper */
    static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    for (int i = 0; i < 9; i++)
        out[i] = i == 4 ? '-' : alphabet[random_uniform(sizeof alphabet - 1)];
    out[9] = '\0';
}

bool tb_ct_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void tb_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
