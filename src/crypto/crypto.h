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
 * the key that sealed it. The keyring holds up to 8 master keys by id: the
 * current one seals and hashes, the others (during a key rotation,
 * src/domain/rotate.c) only open and look up. */

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
/* The keyring (docs/operations.md, "Key rotation"): the current key from
 * env_b64 if set, else DIR/master.key (created only if `create`; else a
 * missing file is ED_ERR_NOT_FOUND); previous keys, readable but never
 * used to seal, from env_prev_b64 (ELEMENTSD_MASTER_KEY_PREVIOUS) and,
 * for file keys, DIR/keys/<id>.key. A file of the wrong size or whose name
 * is not its key's id is ED_ERR_INVALID. */
enum ed_err crypto_keyring_open(const char *data_dir, const char *env_b64,
                                const char *env_prev_b64, bool create,
                                struct ed_keyring **out);
/* Add a key (no-op if present); make_current: seal and hash with it from
 * now on. Safe while other threads use the keyring. ED_ERR_TOO_LARGE when
 * the keyring is full (8 keys). */
enum ed_err crypto_keyring_add(struct ed_keyring *kr,
                               const uint8_t key[ED_KEY_BYTES],
                               bool make_current);
/* Seal and hash with the key id (already in the keyring) from now on. */
enum ed_err crypto_keyring_set_current(struct ed_keyring *kr,
                                       const uint8_t id[4]);
/* A master key from base64 text (32 bytes; surrounding blanks ignored). */
bool crypto_key_from_b64(const char *b64, uint8_t key[ED_KEY_BYTES]);
/* Stop reading with key id (never the current one). */
enum ed_err crypto_keyring_retire(struct ed_keyring *kr, const uint8_t id[4]);
bool crypto_keyring_has(const struct ed_keyring *kr, const uint8_t id[4]);
/* Ids of the live keys, the current one first; returns how many. */
size_t crypto_keyring_ids(const struct ed_keyring *kr, uint8_t ids[][4],
                          size_t max);
void crypto_keyring_id_bytes(const struct ed_keyring *kr, uint8_t out[4]);
/* The 4-byte id of a master key (also the first bytes of its ciphertexts'
 * header) and the id a ciphertext names (false if not a sealed blob). */
void crypto_key_id(const uint8_t key[ED_KEY_BYTES], uint8_t id[4]);
bool crypto_sealed_key_id(const uint8_t *ct, size_t n, uint8_t id[4]);
/* Key files for a rotation: keep the key old_id (in kr) as
 * DIR/keys/<old>.key, then replace DIR/master.key with new_key (each file
 * written whole and fsync'd before it is renamed into place). */
enum ed_err crypto_keyfiles_rotate(const char *data_dir,
                                   const struct ed_keyring *kr,
                                   const uint8_t old_id[4],
                                   const uint8_t new_key[ED_KEY_BYTES]);
/* Remove DIR/keys/<id>.key (absent is fine). */
enum ed_err crypto_keyfile_retire(const char *data_dir, const uint8_t id[4]);
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
/* The lookup hash under the i-th live key (0: the current one, as
 * crypto_lookup_hash); with several keys, i == their number is the current
 * one again (a key rotation re-hashes rows from the old key to the new one
 * only, so new, old, new cannot miss a row that moves between two looks);
 * false past that. While a rotation runs, rows are found under any key:
 *   for (size_t k = 0; crypto_lookup_hash_n(kr, s, k, h); k++) ... */
bool crypto_lookup_hash_n(const struct ed_keyring *kr, const char *secret,
                          size_t i, uint8_t out[ED_HASH_BYTES]);

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
