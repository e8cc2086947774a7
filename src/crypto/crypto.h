/* SPDX-License-Identifier: MIT */
#ifndef ED_CRYPTO_H
#define ED_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* Secret handling, the only module that knows libsodium.
 *
 * A keyring holds the master key (32 bytes) and keys derived from it: one
 * for sealing (XChaCha20-Poly1305) and one for lookup hashes (keyed
 * BLAKE2b). Every ciphertext starts with a version byte and the 4-byte id of
 * the key that sealed it, so keys can be rotated later. */

#define ED_KEY_BYTES 32
#define ED_HASH_BYTES 32
#define ED_SEAL_OVERHEAD (1 + 4 + 24 + 16)

struct ed_keyring;

/* Initialise libsodium; call once at start. */
enum ed_err crypto_init(void);

/* Load the master key: from env_b64 (base64, 32 bytes) if non-NULL, else
 * from DIR/master.key, creating it (mode 0600) if absent. */
enum ed_err crypto_keyring_load(const char *data_dir, const char *env_b64,
                                struct ed_keyring **out);
/* A keyring from raw key bytes (tests). */
struct ed_keyring *crypto_keyring_from_key(const uint8_t key[ED_KEY_BYTES]);
void crypto_keyring_free(struct ed_keyring *kr);
/* Short public id of the active key (hex, 8 chars + NUL). */
void crypto_keyring_id(const struct ed_keyring *kr, char out[9]);

/* Seal plaintext; *out (heap, caller frees) has n + ED_SEAL_OVERHEAD bytes. */
enum ed_err crypto_seal(const struct ed_keyring *kr, const void *pt, size_t n,
                        uint8_t **out, size_t *out_len);
/* Open a sealed blob into a NUL-terminated heap string (caller frees with
 * crypto_free_secret). ED_ERR_CRYPTO if tampered or the key is unknown. */
enum ed_err crypto_open(const struct ed_keyring *kr, const uint8_t *ct,
                        size_t n, char **out, size_t *out_len);
/* Zero and free a secret string. */
void crypto_free_secret(char *s);

/* Keyed lookup hash of a secret (so a secret can be found without storing
 * it in clear and without a table scan). */
void crypto_lookup_hash(const struct ed_keyring *kr, const char *secret,
                        uint8_t out[ED_HASH_BYTES]);

/* A request id: 24 lower-case hex characters + NUL, unique and
 * unpredictable enough for correlation (a per-thread generator seeded from
 * the system; no system call per id). Not for secrets. */
void crypto_request_id(char out[25]);

/* Random helpers. */
void crypto_random(void *buf, size_t n);
/* n random bytes as standard base64 (with padding); heap string. */
char *crypto_random_b64(size_t n);
/* n random bytes as lower-case hex; heap string. */
char *crypto_random_hex(size_t n);

/* Argon2id password hashing (libsodium's string format). */
enum ed_err crypto_password_hash(const char *password, char **out);
bool crypto_password_verify(const char *hash, const char *password);

/* Constant-time equality of two buffers of the same length. */
bool crypto_ct_equal(const void *a, const void *b, size_t n);
/* Constant-time equality of two strings (length leak only). */
bool crypto_ct_streq(const char *a, const char *b);

/* HMAC-SHA256 and SHA-256 (webhook signatures and the like). */
void crypto_hmac_sha256(const void *key, size_t klen, const void *msg,
                        size_t mlen, uint8_t out[32]);
void crypto_sha256(const void *msg, size_t mlen, uint8_t out[32]);
/* base64 (standard, padded) of bytes; heap string. */
char *crypto_b64(const void *p, size_t n);

#endif
