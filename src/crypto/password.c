/* Human passwords: argon2id (libsodium). The stored string names its own scheme and parameters, so
 * rows keep verifying after the parameters change and another scheme can be added beside it. */
#include "crypto/crypto.h"
#include "crypto/crypto_internal.h"

#include <stdatomic.h>
#include <string.h>
#include <sodium.h>

#define SCHEME "$argon2id$"

static _Atomic unsigned long long g_ops = 2;
static _Atomic size_t g_mem = 19u << 20;

void tb_password_params(unsigned long long opslimit, size_t memlimit)
{
    if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN)
        opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
    if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
        memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
    g_ops = opslimit;
    g_mem = memlimit;
}

int tb_password_hash(const char *pw, char out[128])
{
    tb_crypto_sodium_once();
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), g_ops, g_mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

static bool is_argon2id(const char *hash)
{
    return hash && strncmp(hash, SCHEME, strlen(SCHEME)) == 0 && strnlen(hash, 128) < 128;
}

bool tb_password_verify(const char *hash, const char *pw)
{
    tb_crypto_sodium_once();
    return is_argon2id(hash) && pw && crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

bool tb_password_needs_rehash(const char *hash)
{
    tb_crypto_sodium_once();
    return !is_argon2id(hash) || crypto_pwhash_str_needs_rehash(hash, g_ops, g_mem) != 0;
}
