/* SPDX-License-Identifier: MIT
 * libsodium wrappers: master key, AEAD sealing, keyed lookup hashes,
 * Argon2id passwords and constant-time comparisons. Subkeys are derived from
 * the master key with crypto_kdf so a key never serves two purposes. */
#include "crypto/crypto.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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
#define KR_SLOTS 8

/* One master key and its derived keys. */
struct kr_key {
    uint8_t master[ED_KEY_BYTES];
    uint8_t seal_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    uint8_t hash_key[crypto_generichash_KEYBYTES];
    uint8_t key_id[4];
};

/* Slots are filled once and never moved: readers (every request thread)
 * take no lock; a slot is published with a release store of its state and
 * read after an acquire load. Retiring a key only flips its state (the
 * bytes are wiped when the keyring is freed), so a reader that saw the slot
 * live a moment ago still reads whole bytes. */
enum { SLOT_EMPTY, SLOT_LIVE, SLOT_RETIRED };

struct ed_keyring {
    struct kr_key keys[KR_SLOTS];
    _Atomic int state[KR_SLOTS];
    _Atomic int current;
    pthread_mutex_t lock; /* writers only */
};

enum ed_err crypto_init(void)
{
    return sodium_init() < 0 ? ED_ERR_CRYPTO : ED_OK;
}

static void derive(struct kr_key *k, const uint8_t key[ED_KEY_BYTES])
{
    memcpy(k->master, key, ED_KEY_BYTES);
    crypto_kdf_derive_from_key(k->seal_key, sizeof(k->seal_key), 1, KDF_CTX,
                               k->master);
    crypto_kdf_derive_from_key(k->hash_key, sizeof(k->hash_key), 2, KDF_CTX,
                               k->master);
    crypto_key_id(key, k->key_id);
}

void crypto_key_id(const uint8_t key[ED_KEY_BYTES], uint8_t id[4])
{
    uint8_t h[crypto_generichash_BYTES_MIN];
    crypto_generichash(h, sizeof(h), key, ED_KEY_BYTES,
                       (const uint8_t *)"key-id", 6);
    memcpy(id, h, 4);
}

struct ed_keyring *crypto_keyring_from_key(const uint8_t key[ED_KEY_BYTES])
{
    struct ed_keyring *kr = sodium_malloc(sizeof(*kr));
    if (!kr)
        abort();
    memset(kr, 0, sizeof(*kr));
    pthread_mutex_init(&kr->lock, NULL);
    for (int i = 0; i < KR_SLOTS; i++)
        atomic_init(&kr->state[i], SLOT_EMPTY);
    derive(&kr->keys[0], key);
    atomic_init(&kr->state[0], SLOT_LIVE);
    atomic_init(&kr->current, 0);
    return kr;
}

void crypto_keyring_free(struct ed_keyring *kr)
{
    if (!kr)
        return;
    pthread_mutex_destroy(&kr->lock);
    sodium_free(kr); /* wipes */
}

static const struct kr_key *current_key(const struct ed_keyring *kr)
{
    return &kr->keys[atomic_load_explicit(&kr->current, memory_order_acquire)];
}

/* The live slot of key id, or -1. */
static int find_slot(const struct ed_keyring *kr, const uint8_t id[4])
{
    for (int i = 0; i < KR_SLOTS; i++)
        if (atomic_load_explicit(&kr->state[i], memory_order_acquire) ==
                SLOT_LIVE &&
            memcmp(kr->keys[i].key_id, id, 4) == 0)
            return i;
    return -1;
}

void crypto_keyring_id(const struct ed_keyring *kr, char out[9])
{
    sodium_bin2hex(out, 9, current_key(kr)->key_id, 4);
}

void crypto_keyring_id_bytes(const struct ed_keyring *kr, uint8_t out[4])
{
    memcpy(out, current_key(kr)->key_id, 4);
}

bool crypto_keyring_has(const struct ed_keyring *kr, const uint8_t id[4])
{
    return find_slot(kr, id) >= 0;
}

enum ed_err crypto_keyring_add(struct ed_keyring *kr,
                               const uint8_t key[ED_KEY_BYTES],
                               bool make_current)
{
    uint8_t id[4];
    enum ed_err err = ED_OK;
    crypto_key_id(key, id);
    pthread_mutex_lock(&kr->lock);
    int slot = find_slot(kr, id);
    if (slot < 0) {
        for (int i = 0; i < KR_SLOTS && slot < 0; i++)
            if (atomic_load(&kr->state[i]) == SLOT_EMPTY)
                slot = i;
        if (slot < 0) {
            err = ED_ERR_TOO_LARGE;
            goto out;
        }
        derive(&kr->keys[slot], key);
        atomic_store_explicit(&kr->state[slot], SLOT_LIVE,
                              memory_order_release);
    }
    if (make_current)
        atomic_store_explicit(&kr->current, slot, memory_order_release);
out:
    pthread_mutex_unlock(&kr->lock);
    return err;
}

enum ed_err crypto_keyring_set_current(struct ed_keyring *kr,
                                       const uint8_t id[4])
{
    pthread_mutex_lock(&kr->lock);
    int slot = find_slot(kr, id);
    if (slot >= 0)
        atomic_store_explicit(&kr->current, slot, memory_order_release);
    pthread_mutex_unlock(&kr->lock);
    return slot >= 0 ? ED_OK : ED_ERR_NOT_FOUND;
}

enum ed_err crypto_keyring_retire(struct ed_keyring *kr, const uint8_t id[4])
{
    enum ed_err err = ED_OK;
    pthread_mutex_lock(&kr->lock);
    int slot = find_slot(kr, id);
    if (slot < 0)
        err = ED_ERR_NOT_FOUND;
    else if (slot == atomic_load(&kr->current))
        err = ED_ERR_INVALID; /* never the current key */
    else
        atomic_store_explicit(&kr->state[slot], SLOT_RETIRED,
                              memory_order_release);
    pthread_mutex_unlock(&kr->lock);
    return err;
}

size_t crypto_keyring_ids(const struct ed_keyring *kr, uint8_t ids[][4],
                          size_t max)
{
    size_t n = 0;
    if (max)
        memcpy(ids[n++], current_key(kr)->key_id, 4);
    int cur = atomic_load_explicit(&kr->current, memory_order_acquire);
    for (int i = 0; i < KR_SLOTS && n < max; i++)
        if (i != cur && atomic_load_explicit(&kr->state[i],
                                             memory_order_acquire) == SLOT_LIVE)
            memcpy(ids[n++], kr->keys[i].key_id, 4);
    return n;
}

static enum ed_err read_key_file(const char *path, uint8_t key[ED_KEY_BYTES])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ED_ERR_NOT_FOUND : ED_ERR_IO;
    uint8_t extra[1];
    ssize_t n = read(fd, key, ED_KEY_BYTES);
    ssize_t more = n == ED_KEY_BYTES ? read(fd, extra, 1) : 0;
    close(fd);
    return n == ED_KEY_BYTES && more == 0 ? ED_OK : ED_ERR_INVALID;
}

/* Write key to path atomically: a per-process temporary, fsync, then
 * link() (exclusive: fails with EEXIST) or rename() (replace). */
static enum ed_err write_key_file(const char *path,
                                  const uint8_t key[ED_KEY_BYTES], bool replace)
{
    char tmp[4096];
    /* A temporary name per process, created exclusively: two processes
     * starting on a fresh data dir must not write into the same file. */
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return ED_ERR_TOO_LARGE;
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
    if (replace) {
        int r = rename(tmp, path);
        if (r != 0)
            unlink(tmp);
        return r == 0 ? ED_OK : ED_ERR_IO;
    }
    /* link() fails if another process created the key first */
    if (link(tmp, path) != 0) {
        int e = errno; /* before unlink() can change it */
        unlink(tmp);
        return e == EEXIST ? ED_ERR_EXISTS : ED_ERR_IO;
    }
    unlink(tmp);
    return ED_OK;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static enum ed_err create_key_file(const char *path, uint8_t key[ED_KEY_BYTES])
{
    randombytes_buf(key, ED_KEY_BYTES);
    enum ed_err err = write_key_file(path, key, false);
    /* another process created the key first: use theirs */
    return err == ED_ERR_EXISTS ? read_key_file(path, key) : err;
}

bool crypto_key_from_b64(const char *b64, uint8_t key[ED_KEY_BYTES])
{
    size_t len = 0;
    return sodium_base642bin(key, ED_KEY_BYTES, b64, strlen(b64), " \n\r\t",
                             &len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
           len == ED_KEY_BYTES;
}

/* Add DIR/keys/<id>.key files (previous keys, kept during a rotation). */
static enum ed_err load_previous(struct ed_keyring *kr, const char *data_dir)
{
    char dir[4096], path[4096 + 64];
    int n = snprintf(dir, sizeof(dir), "%s/keys", data_dir);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return ED_ERR_TOO_LARGE;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? ED_OK : ED_ERR_IO;
    enum ed_err err = ED_OK;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        uint8_t key[ED_KEY_BYTES], id[4], want[4];
        /* <8 hex>.key exactly; temporaries and other files are skipped */
        if (len != 12 || strcmp(e->d_name + 8, ".key") != 0 ||
            sodium_hex2bin(want, 4, e->d_name, 8, NULL, NULL, NULL) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%.12s", dir, e->d_name);
        if ((err = read_key_file(path, key)))
            break;
        crypto_key_id(key, id);
        if (memcmp(id, want, 4) != 0)
            err = ED_ERR_INVALID; /* the name says another key */
        else
            err = crypto_keyring_add(kr, key, false);
        sodium_memzero(key, sizeof(key));
    }
    closedir(d);
    return err;
}

enum ed_err crypto_keyring_open(const char *data_dir, const char *env_b64,
                                const char *env_prev_b64, bool create,
                                struct ed_keyring **out)
{
    uint8_t key[ED_KEY_BYTES];
    enum ed_err err;
    struct ed_keyring *kr = NULL;
    *out = NULL;
    if (env_b64 && *env_b64) {
        if (!crypto_key_from_b64(env_b64, key))
            return ED_ERR_INVALID;
    } else {
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/master.key", data_dir);
        if (n < 0 || (size_t)n >= sizeof(path))
            return ED_ERR_TOO_LARGE;
        err = read_key_file(path, key);
        if (err == ED_ERR_NOT_FOUND && create)
            err = create_key_file(path, key);
        if (err)
            return err;
    }
    kr = crypto_keyring_from_key(key);
    sodium_memzero(key, sizeof(key));
    if (env_prev_b64 && *env_prev_b64) {
        if (!crypto_key_from_b64(env_prev_b64, key)) {
            err = ED_ERR_INVALID;
            goto fail;
        }
        err = crypto_keyring_add(kr, key, false);
        sodium_memzero(key, sizeof(key));
        if (err)
            goto fail;
    }
    if (!(env_b64 && *env_b64) && (err = load_previous(kr, data_dir)))
        goto fail;
    *out = kr;
    return ED_OK;
fail:
    crypto_keyring_free(kr);
    return err;
}

enum ed_err crypto_keyring_load(const char *data_dir, const char *env_b64,
                                struct ed_keyring **out)
{
    return crypto_keyring_open(data_dir, env_b64, NULL, true, out);
}

enum ed_err crypto_keyfiles_rotate(const char *data_dir,
                                   const struct ed_keyring *kr,
                                   const uint8_t old_id[4],
                                   const uint8_t new_key[ED_KEY_BYTES])
{
    char dir[4096], path[4096 + 64];
    int slot = find_slot(kr, old_id);
    if (slot < 0)
        return ED_ERR_NOT_FOUND;
    int n = snprintf(dir, sizeof(dir), "%s/keys", data_dir);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return ED_ERR_TOO_LARGE;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return ED_ERR_IO;
    char hex[9];
    sodium_bin2hex(hex, sizeof(hex), old_id, 4);
    snprintf(path, sizeof(path), "%s/%s.key", dir, hex);
    /* the old key first: master.key is replaced only once it is safe */
    enum ed_err err = write_key_file(path, kr->keys[slot].master, false);
    if (err && err != ED_ERR_EXISTS)
        return err;
    fsync_dir(dir);
    snprintf(path, sizeof(path), "%s/master.key", data_dir);
    if ((err = write_key_file(path, new_key, true)))
        return err;
    fsync_dir(data_dir);
    return ED_OK;
}

enum ed_err crypto_keyfile_retire(const char *data_dir, const uint8_t id[4])
{
    char path[4096 + 64], hex[9];
    sodium_bin2hex(hex, sizeof(hex), id, 4);
    int n = snprintf(path, sizeof(path), "%s/keys/%s.key", data_dir, hex);
    if (n < 0 || (size_t)n >= sizeof(path))
        return ED_ERR_TOO_LARGE;
    if (unlink(path) != 0 && errno != ENOENT)
        return ED_ERR_IO;
    return ED_OK;
}

bool crypto_sealed_key_id(const uint8_t *ct, size_t n, uint8_t id[4])
{
    if (n < ED_SEAL_OVERHEAD || ct[0] != SEAL_VERSION)
        return false;
    memcpy(id, ct + 1, 4);
    return true;
}

enum ed_err crypto_seal(const struct ed_keyring *kr, const void *pt, size_t n,
                        uint8_t **out, size_t *out_len)
{
    size_t total = n + ED_SEAL_OVERHEAD;
    uint8_t *buf = ed_malloc(total);
    const struct kr_key *k = current_key(kr);
    buf[0] = SEAL_VERSION;
    memcpy(buf + 1, k->key_id, 4);
    uint8_t *nonce = buf + 5;
    randombytes_buf(nonce, 24);
    unsigned long long clen = 0;
    /* the header (version + key id) is authenticated as associated data */
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + 29, &clen, pt, n, buf, 5,
                                               NULL, nonce, k->seal_key);
    *out = buf;
    *out_len = 29 + (size_t)clen;
    return ED_OK;
}

enum ed_err crypto_open(const struct ed_keyring *kr, const uint8_t *ct,
                        size_t n, char **out, size_t *out_len)
{
    *out = NULL;
    if (n < ED_SEAL_OVERHEAD || ct[0] != SEAL_VERSION)
        return ED_ERR_CRYPTO;
    int slot = find_slot(kr, ct + 1);
    if (slot < 0)
        return ED_ERR_CRYPTO;
    size_t plen = n - ED_SEAL_OVERHEAD;
    char *pt = ed_malloc(plen + 1);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            (uint8_t *)pt, &mlen, NULL, ct + 29, n - 29, ct, 5, ct + 5,
            kr->keys[slot].seal_key) != 0) {
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
    const struct kr_key *k = current_key(kr);
    crypto_generichash(out, ED_HASH_BYTES, (const uint8_t *)secret,
                       strlen(secret), k->hash_key, sizeof(k->hash_key));
}

bool crypto_lookup_hash_n(const struct ed_keyring *kr, const char *secret,
                          size_t i, uint8_t out[ED_HASH_BYTES])
{
    uint8_t ids[KR_SLOTS][4];
    size_t n = crypto_keyring_ids(kr, ids, KR_SLOTS);
    /* with several keys, the current one again last: a row re-hashed
     * (old key → new) between our first and second look-up is found */
    if (n > 1 && i == n)
        i = 0;
    else if (i >= n)
        return false;
    int slot = find_slot(kr, ids[i]);
    if (slot < 0)
        return false; /* retired a moment ago */
    const struct kr_key *k = &kr->keys[slot];
    crypto_generichash(out, ED_HASH_BYTES, (const uint8_t *)secret,
                       strlen(secret), k->hash_key, sizeof(k->hash_key));
    return true;
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
