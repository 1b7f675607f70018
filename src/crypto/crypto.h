/* Cryptographic primitives of Tongban: SM3 hashing and HMAC, SM4 field encryption, keyed digests and
 * blind indexes, randomness, argon2id password hashing and display masking of personal data.
 * OpenSSL 3 provides the SM algorithms (GB/T 39786), libsodium the randomness, argon2id and
 * constant-time helpers. Key-using functions abort if tb_crypto_init* has not run: running with an
 * all-zero key would silently produce unprotected data, so that case fails closed. */
#ifndef TB_CRYPTO_H
#define TB_CRYPTO_H

#include <stddef.h>
#include <stdbool.h>

/* Process-wide keys. Loads <key_dir>/master.key (64 random bytes, created 0600 on first use with
 * parent dir 0700 if missing). Derives with HMAC-SM3 sub-keys: field-encryption key (SM4, 16 bytes),
 * field-MAC key, blind-index key, token-MAC key. Returns 0 or -1 (and fills errbuf). Thread-safe after
 * init. An existing master.key readable by group or others is refused. */
int  tb_crypto_init(const char *key_dir, char *errbuf, size_t errlen);
void tb_crypto_init_with_key(const unsigned char key[64]);  /* for tests */
bool tb_crypto_ready(void);                                 /* true once keys are loaded */

void tb_sm3(const void *data, size_t len, unsigned char out[32]);
void tb_sm3_hex(const void *data, size_t len, char out[65]);
typedef struct tb_sm3_stream tb_sm3_stream;            /* incremental, for file contents */
tb_sm3_stream *tb_sm3_stream_new(void);                /* NULL when out of memory */
void tb_sm3_stream_update(tb_sm3_stream *s, const void *data, size_t len);
void tb_sm3_stream_final_hex(tb_sm3_stream *s, char out[65]); /* also frees */
void tb_hmac_sm3(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[32]);

/* Keyed digest for secrets that are random (query passwords, session tokens, api tokens): HMAC-SM3 with
 * the token-MAC key, hex. Not for human passwords. */
void tb_token_digest(const char *token, char out[65]);
/* Blind index for exact-match lookup of encrypted fields (ID number, phone): HMAC-SM3 with the index key, hex */
void tb_blind_index(const char *value, char out[65]);

/* Field encryption: SM4-CTR with random IV + HMAC-SM3 over version||iv||ciphertext (encrypt-then-MAC).
 * Output: malloc'd NUL-terminated text "s4:" + base64url(iv||ct||mac). Decrypt returns malloc'd plaintext
 * or NULL if the MAC fails or the input is malformed. Caller frees. Encrypt returns NULL only when out
 * of memory. */
char *tb_field_encrypt(const char *plain);
char *tb_field_decrypt(const char *enc);

void tb_random_bytes(void *buf, size_t n);             /* libsodium randombytes_buf */
void tb_random_token(char *out, size_t nbytes);        /* base64url (no padding) of nbytes random bytes; out needs 2*nbytes+1 */
void tb_random_digits(char *out, int n);               /* n random decimal digits, uniform, NUL-terminated */
/* Query password for cases: 8 chars from an unambiguous alphabet (no 0/O/1/I/L), formatted "XXXX-XXXX"; out[10] */
void tb_random_query_password(char out[10]);
bool tb_ct_equal(const void *a, const void *b, size_t n);

/* Human passwords: argon2id via libsodium crypto_pwhash_str_alg (defaults opslimit 2, memlimit 19 MiB —
 * the ASVS minimum). out gets the self-describing $argon2id$ string. tb_password_params is meant for
 * start-up configuration; values below libsodium's minimums are raised to them. */
void tb_password_params(unsigned long long opslimit, size_t memlimit);
int  tb_password_hash(const char *pw, char out[128]);   /* 0 or -1 */
bool tb_password_verify(const char *hash, const char *pw);
/* true when hash was made with other parameters than the current ones (or another scheme): re-hash at
 * the next successful login */
bool tb_password_needs_rehash(const char *hash);

/* Masking for viewers without need: ID 18 chars -> first 4 + 10 '*' + last 4 ("2301**********1234");
 * phone 11 digits -> "138****8000"; name -> first char + '*' per remaining char (UTF-8 aware: "张*", "欧阳**").
 * out must hold 64 bytes; inputs of unexpected length or characters (and one-character names) are
 * masked entirely with one '*' per character. */
void tb_mask_id_number(const char *id, char out[64]);
void tb_mask_phone(const char *phone, char out[64]);
void tb_mask_name(const char *name, char out[64]);
/* e-mail: the first character of the local part, "***", then "@domain" ("z***@example.cn"); anything not
 * shaped local@domain, or with a domain over 50 bytes, is masked entirely. */
void tb_mask_email(const char *email, char out[64]);

/* Explicit zeroing of buffers that held secrets */
void tb_wipe(void *p, size_t n);

#endif
