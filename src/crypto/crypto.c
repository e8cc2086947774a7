/* SPDX-License-Identifier: MIT
 * libsodium wrappers: master key, AEAD sealing, keyed lookup hashes,
 * Argon2id passwords and constant-time comparisons. Subkeys are derived from
 * the master key with crypto_kdf so a key never serves two purposes. */
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

#define SEAL_VERSION 1
#define KDF_CTX "elementd"

struct ed_keyring {
    uint8_t master[ED_KEY_BYTES];
    uint8_t seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    uint8_t hash_key[crypto_generichash_KEYBYTES];
    uint8_t key_id[4];
};

enum ed_err crypto_init(void)
{
    return sodium_init() < 0 ? ED_ERR_CRYPTO : ED_OK;
}

struct ed_keyring *crypto_keyring_from_key(const uint8_t key[ED_KEY_BYTES])
{
    struct ed_keyring *kr = sodium_malloc(sizeof(*kr));
    if (!kr)
        abort();
    memcpy(kr->master, key, ED_KEY_BYTES);
    crypto_kdf_derive_from_key(kr->seal_key, sizeof(kr->seal_key), 1, KDF_CTX,
                               kr->master);
    crypto_kdf_derive_from_key(kr->hash_key, sizeof(kr->hash_key), 2, KDF_CTX,
                               kr->master);
    uint8_t id[crypto_generichash_BYTES_MIN];
    crypto_generichash(id, sizeof(id), kr->master, ED_KEY_BYTES,
                       (const uint8_t *)"key-id", 6);
    memcpy(kr->key_id, id, 4);
    return kr;
}

void crypto_keyring_free(struct ed_keyring *kr)
{
    if (kr)
        sodium_free(kr);
}

void crypto_keyring_id(const struct ed_keyring *kr, char out[9])
{
    sodium_bin2hex(out, 9, kr->key_id, 4);
}

static enum ed_err read_key_file(const char *path, uint8_t key[ED_KEY_BYTES])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ED_ERR_NOT_FOUND : ED_ERR_IO;
    ssize_t n = read(fd, key, ED_KEY_BYTES);
    close(fd);
    return n == ED_KEY_BYTES ? ED_OK : ED_ERR_INVALID;
}

static enum ed_err create_key_file(const char *path, uint8_t key[ED_KEY_BYTES])
{
    char tmp[4096];
    /* A temporary name per process, created exclusively: two processes
     * starting on a fresh data dir must not write into the same file. */
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return ED_ERR_TOO_LARGE;
    randombytes_buf(key, ED_KEY_BYTES);
    unlink(tmp); /* left by a crashed process that had our pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ED_ERR_IO;
    ssize_t w = write(fd, key, ED_KEY_BYTES);
    int ok = w == ED_KEY_BYTES && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(tmp);
        return ED_ERR_IO;
    }
    /* link() fails if another process created the key first: use theirs. */
    if (link(tmp, path) != 0) {
        int e = errno; /* before unlink() can change it */
        unlink(tmp);
        return e == EEXIST ? read_key_file(path, key) : ED_ERR_IO;
    }
    unlink(tmp);
    return ED_OK;
}

enum ed_err crypto_keyring_load(const char *data_dir, const char *env_b64,
                                struct ed_keyring **out)
{
    uint8_t key[ED_KEY_BYTES];
    enum ed_err err;
    *out = NULL;
    if (env_b64 && *env_b64) {
        size_t len = 0;
        if (sodium_base642bin(key, sizeof(key), env_b64, strlen(env_b64), NULL,
                              &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            len != ED_KEY_BYTES)
            return ED_ERR_INVALID;
    } else {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/master.key", data_dir);
        if (n < 0 || (size_t)n >= sizeof(path))
            return ED_ERR_TOO_LARGE;
        err = read_key_file(path, key);
        if (err == ED_ERR_NOT_FOUND)
            err = create_key_file(path, key);
        if (err)
            return err;
    }
    *out = crypto_keyring_from_key(key);
    sodium_memzero(key, sizeof(key));
    return ED_OK;
}

enum ed_err crypto_seal(const struct ed_keyring *kr, const void *pt, size_t n,
                        uint8_t **out, size_t *out_len)
{
    size_t total = n + ED_SEAL_OVERHEAD;
    uint8_t *buf = ed_malloc(total);
    buf[0] = SEAL_VERSION;
    memcpy(buf + 1, kr->key_id, 4);
    uint8_t *nonce = buf + 5;
    randombytes_buf(nonce, 24);
    unsigned long long clen = 0;
    /* the header (version + key id) is authenticated as associated data */
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + 29, &clen, pt, n, buf, 5,
                                               NULL, nonce, kr->seal_key);
    *out = buf;
    *out_len = 29 + (size_t)clen;
    return ED_OK;
}

enum ed_err crypto_open(const struct ed_keyring *kr, const uint8_t *ct,
                        size_t n, char **out, size_t *out_len)
{
    *out = NULL;
    if (n < ED_SEAL_OVERHEAD || ct[0] != SEAL_VERSION ||
        memcmp(ct + 1, kr->key_id, 4) != 0)
        return ED_ERR_CRYPTO;
    size_t plen = n - ED_SEAL_OVERHEAD;
    char *pt = ed_malloc(plen + 1);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((uint8_t *)pt, &mlen, NULL,
                                                   ct + 29, n - 29, ct, 5,
                                                   ct + 5, kr->seal_key) != 0) {
        free(pt);
        return ED_ERR_CRYPTO;
    }
    pt[mlen] = '\0';
    *out = pt;
    if (out_len)
        *out_len = (size_t)mlen;
    return ED_OK;
}

void crypto_free_secret(char *s)
{
    if (!s)
        return;
    sodium_memzero(s, strlen(s));
    free(s);
}

void crypto_lookup_hash(const struct ed_keyring *kr, const char *secret,
                        uint8_t out[ED_HASH_BYTES])
{
    crypto_generichash(out, ED_HASH_BYTES, (const uint8_t *)secret,
                       strlen(secret), kr->hash_key, sizeof(kr->hash_key));
}

void crypto_request_id(char out[25])
{
    static __thread uint8_t seed[randombytes_SEEDBYTES];
    static __thread uint64_t counter;
    uint8_t in[randombytes_SEEDBYTES + 8], id[12];
    if (counter == 0)
        randombytes_buf(seed, sizeof(seed));
    counter++;
    memcpy(in, seed, sizeof(seed));
    memcpy(in + sizeof(seed), &counter, 8);
    crypto_generichash(id, sizeof(id), in, sizeof(in), NULL, 0);
    sodium_bin2hex(out, 25, id, sizeof(id));
}

void crypto_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

char *crypto_b64(const void *p, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = ed_malloc(len);
    sodium_bin2base64(out, len, p, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

char *crypto_random_b64(size_t n)
{
    uint8_t buf[64];
    if (n > sizeof(buf))
        n = sizeof(buf);
    randombytes_buf(buf, n);
    char *s = crypto_b64(buf, n);
    sodium_memzero(buf, sizeof(buf));
    return s;
}

char *crypto_random_hex(size_t n)
{
    uint8_t buf[64];
    if (n > sizeof(buf))
        n = sizeof(buf);
    randombytes_buf(buf, n);
    char *out = ed_malloc(n * 2 + 1);
    sodium_bin2hex(out, n * 2 + 1, buf, n);
    sodium_memzero(buf, sizeof(buf));
    return out;
}

enum ed_err crypto_password_hash(const char *password, char **out)
{
    char *h = ed_malloc(crypto_pwhash_STRBYTES);
    if (crypto_pwhash_str_alg(h, password, strlen(password),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE / 4,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        free(h);
        return ED_ERR_CRYPTO;
    }
    *out = h;
    return ED_OK;
}

bool crypto_password_verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool crypto_ct_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

bool crypto_ct_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

void crypto_sha256(const void *msg, size_t mlen, uint8_t out[32])
{
    crypto_hash_sha256(out, msg, mlen);
}

void crypto_hmac_sha256(const void *key, size_t klen, const void *msg,
                        size_t mlen, uint8_t out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, klen);
    crypto_auth_hmacsha256_update(&st, msg, mlen);
    crypto_auth_hmacsha256_final(&st, out);
}
