/* Shared between the files of src/crypto only; not part of the public interface. */
#ifndef TB_CRYPTO_INTERNAL_H
#define TB_CRYPTO_INTERNAL_H

#include <stddef.h>

typedef struct {
    unsigned char field_enc[16];   /* SM4 key */
    unsigned char field_mac[32];
    unsigned char blind_index[32];
    unsigned char token_mac[32];
} tb_crypto_keys_t;

/* The derived keys; aborts the process when no key was loaded (fail closed). */
const tb_crypto_keys_t *tb_crypto_keys(void);
/* Prints "tongban: crypto: <what>" and aborts; for failures of primitives that cannot return errors. */
_Noreturn void tb_crypto_fatal(const char *what);
/* Calls sodium_init once. */
void tb_crypto_sodium_once(void);
void tb_crypto_hex(const unsigned char *in, size_t n, char *out);

#endif
