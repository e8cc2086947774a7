/* SPDX-License-Identifier: MIT
 * crypto: sealing round trips and refuses tampering or a foreign key; the
 * lookup hash is deterministic but keyed; password hashing; the secret
 * formats (44-char base64 user secrets, 32-char hex org secrets); the
 * master key file (created 0600, reused, or taken from the environment). */
#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "crypto/crypto.h"

static struct ed_keyring *ring(uint8_t fill)
{
    uint8_t key[ED_KEY_BYTES];
    memset(key, fill, sizeof(key));
    return crypto_keyring_from_key(key);
}

static void test_seal_roundtrip(void)
{
    struct ed_keyring *kr = ring(1);
    const char *secret = "TWEEK8jdq003aXXGYveJVTAMqHTsHc3EOWCBtM3ML4U=";
    uint8_t *ct = NULL, *ct2 = NULL;
    size_t n = 0, n2 = 0, plen = 0;
    char *pt = NULL;
    CHECK_EQ_INT(crypto_seal(kr, secret, strlen(secret), &ct, &n), ED_OK);
    CHECK_EQ_INT(n, strlen(secret) + ED_SEAL_OVERHEAD);
    /* the ciphertext does not contain the plaintext */
    CHECK(memmem(ct, n, secret, strlen(secret)) == NULL);
    /* the header records the key id */
    char id[9];
    crypto_keyring_id(kr, id);
    CHECK_EQ_INT(strlen(id), 8);
    char hdr[9];
    sodium_bin2hex(hdr, sizeof(hdr), ct + 1, 4);
    CHECK_EQ_STR(hdr, id);
    CHECK_EQ_INT(crypto_open(kr, ct, n, &pt, &plen), ED_OK);
    CHECK_EQ_STR(pt, secret);
    CHECK_EQ_INT(plen, strlen(secret));
    crypto_free_secret(pt);
    /* sealing twice gives different ciphertexts (random nonce) */
    CHECK_EQ_INT(crypto_seal(kr, secret, strlen(secret), &ct2, &n2), ED_OK);
    CHECK(n == n2 && memcmp(ct, ct2, n) != 0);
    /* empty plaintext */
    free(ct2);
    CHECK_EQ_INT(crypto_seal(kr, "", 0, &ct2, &n2), ED_OK);
    CHECK_EQ_INT(crypto_open(kr, ct2, n2, &pt, NULL), ED_OK);
    CHECK_EQ_STR(pt, "");
    crypto_free_secret(pt);
    free(ct2);
    free(ct);
    crypto_keyring_free(kr);
}

static void test_tamper(void)
{
    struct ed_keyring *kr = ring(2);
    uint8_t *ct = NULL;
    size_t n = 0;
    char *pt = (char *)"sentinel";
    CHECK_EQ_INT(crypto_seal(kr, "secret", 6, &ct, &n), ED_OK);
    /* flip a bit in every position in turn: header, nonce, body, tag */
    for (size_t i = 0; i < n; i++) {
        ct[i] ^= 0x01;
        CHECK_EQ_INT(crypto_open(kr, ct, n, &pt, NULL), ED_ERR_CRYPTO);
        CHECK(pt == NULL);
        ct[i] ^= 0x01;
    }
    /* truncated */
    CHECK_EQ_INT(crypto_open(kr, ct, n - 1, &pt, NULL), ED_ERR_CRYPTO);
    CHECK_EQ_INT(crypto_open(kr, ct, ED_SEAL_OVERHEAD - 1, &pt, NULL),
                 ED_ERR_CRYPTO);
    CHECK_EQ_INT(crypto_open(kr, ct, 0, &pt, NULL), ED_ERR_CRYPTO);
    CHECK_EQ_INT(crypto_open(kr, ct, n, &pt, NULL), ED_OK);
    crypto_free_secret(pt);
    free(ct);
    crypto_keyring_free(kr);
}

static void test_key_mismatch(void)
{
    struct ed_keyring *a = ring(3), *b = ring(4);
    uint8_t *ct = NULL;
    size_t n = 0;
    char *pt = NULL;
    char ida[9], idb[9];
    crypto_keyring_id(a, ida);
    crypto_keyring_id(b, idb);
    CHECK(strcmp(ida, idb) != 0);
    CHECK_EQ_INT(crypto_seal(a, "secret", 6, &ct, &n), ED_OK);
    CHECK_EQ_INT(crypto_open(b, ct, n, &pt, NULL), ED_ERR_CRYPTO);
    /* even with the key id rewritten, the wrong key cannot open it */
    uint8_t kid[4];
    CHECK_EQ_INT(sodium_hex2bin(kid, 4, idb, 8, NULL, NULL, NULL), 0);
    memcpy(ct + 1, kid, 4);
    CHECK_EQ_INT(crypto_open(b, ct, n, &pt, NULL), ED_ERR_CRYPTO);
    free(ct);
    crypto_keyring_free(a);
    crypto_keyring_free(b);
}

static void test_lookup_hash(void)
{
    struct ed_keyring *a = ring(5), *a2 = ring(5), *b = ring(6);
    uint8_t h1[ED_HASH_BYTES], h2[ED_HASH_BYTES], h3[ED_HASH_BYTES],
        h4[ED_HASH_BYTES], plain[ED_HASH_BYTES];
    crypto_lookup_hash(a, "user-secret", h1);
    crypto_lookup_hash(a2, "user-secret", h2);
    crypto_lookup_hash(b, "user-secret", h3);
    crypto_lookup_hash(a, "user-secreT", h4);
    CHECK(memcmp(h1, h2, ED_HASH_BYTES) == 0); /* deterministic */
    CHECK(memcmp(h1, h3, ED_HASH_BYTES) != 0); /* keyed */
    CHECK(memcmp(h1, h4, ED_HASH_BYTES) != 0);
    /* not the unkeyed hash either */
    crypto_generichash(plain, sizeof(plain), (const uint8_t *)"user-secret", 11,
                       NULL, 0);
    CHECK(memcmp(h1, plain, ED_HASH_BYTES) != 0);
    crypto_keyring_free(a);
    crypto_keyring_free(a2);
    crypto_keyring_free(b);
}

static void test_password(void)
{
    char *h = NULL, *h2 = NULL;
    CHECK_EQ_INT(crypto_password_hash("correct horse", &h), ED_OK);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(strstr(h, "correct horse") == NULL);
    CHECK(crypto_password_verify(h, "correct horse"));
    CHECK(!crypto_password_verify(h, "correct horsE"));
    CHECK(!crypto_password_verify(h, ""));
    CHECK(!crypto_password_verify("", "correct horse"));
    CHECK(!crypto_password_verify("not a hash", "correct horse"));
    /* salted: same password, different hash */
    CHECK_EQ_INT(crypto_password_hash("correct horse", &h2), ED_OK);
    CHECK(strcmp(h, h2) != 0);
    /* 16 MiB memory, OPSLIMIT_INTERACTIVE (2) */
    CHECK(strstr(h, "m=16384,t=2,") != NULL);
    free(h);
    free(h2);
}

static void test_random_formats(void)
{
    for (int i = 0; i < 50; i++) {
        char *b = crypto_random_b64(32);
        char *x = crypto_random_hex(16);
        uint8_t raw[64];
        size_t len = 0;
        CHECK_EQ_INT(strlen(b), 44);
        CHECK(b[43] == '=');
        CHECK_EQ_INT(sodium_base642bin(raw, sizeof(raw), b, 44, NULL, &len,
                                       NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
        CHECK_EQ_INT(len, 32);
        CHECK_EQ_INT(strlen(x), 32);
        CHECK(strspn(x, "0123456789abcdef") == 32);
        free(b);
        free(x);
    }
    char *a = crypto_random_hex(16), *b = crypto_random_hex(16);
    CHECK(strcmp(a, b) != 0);
    free(a);
    free(b);
    char *r = crypto_random_hex(12); /* request ids: 24 hex chars */
    CHECK_EQ_INT(strlen(r), 24);
    free(r);
}

static void test_ct_compare(void)
{
    CHECK(crypto_ct_streq("abc", "abc"));
    CHECK(!crypto_ct_streq("abc", "abd"));
    CHECK(!crypto_ct_streq("abc", "abcd"));
    CHECK(!crypto_ct_streq("", "a"));
    CHECK(crypto_ct_streq("", ""));
    CHECK(crypto_ct_equal("xyz", "xyz", 3));
    CHECK(!crypto_ct_equal("xyz", "xyw", 3));
}

static void test_keyring_file(void)
{
    char dir[] = "/tmp/ed-test-crypto-XXXXXX";
    char path[256];
    struct stat st;
    struct ed_keyring *k1 = NULL, *k2 = NULL, *k3 = NULL;
    char id1[9], id2[9], id3[9];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/master.key", dir);
    CHECK_EQ_INT(crypto_keyring_load(dir, NULL, &k1), ED_OK);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(st.st_size, 32);
    /* a second load reads the same key */
    CHECK_EQ_INT(crypto_keyring_load(dir, "", &k2), ED_OK);
    crypto_keyring_id(k1, id1);
    crypto_keyring_id(k2, id2);
    CHECK_EQ_STR(id1, id2);
    /* the environment key wins over the file */
    uint8_t key[32];
    char b64[64];
    memset(key, 9, sizeof(key));
    sodium_bin2base64(b64, sizeof(b64), key, 32,
                      sodium_base64_VARIANT_ORIGINAL);
    CHECK_EQ_INT(crypto_keyring_load(dir, b64, &k3), ED_OK);
    crypto_keyring_id(k3, id3);
    CHECK(strcmp(id1, id3) != 0);
    struct ed_keyring *k4 = crypto_keyring_from_key(key);
    char id4[9];
    crypto_keyring_id(k4, id4);
    CHECK_EQ_STR(id3, id4);
    /* a bad environment key is refused, not silently replaced */
    struct ed_keyring *bad = (struct ed_keyring *)1;
    CHECK_EQ_INT(crypto_keyring_load(dir, "not base64!", &bad), ED_ERR_INVALID);
    CHECK(bad == NULL);
    CHECK_EQ_INT(crypto_keyring_load(dir, "AAAA", &bad), ED_ERR_INVALID);
    /* no temporary file left behind */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            files++;
    closedir(d);
    CHECK_EQ_INT(files, 1);
    crypto_keyring_free(k1);
    crypto_keyring_free(k2);
    crypto_keyring_free(k3);
    crypto_keyring_free(k4);
    unlink(path);
    rmdir(dir);
}

static void test_keyring_short_file(void)
{
    char dir[] = "/tmp/ed-test-crypto-XXXXXX";
    char path[256];
    struct ed_keyring *k = NULL;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/master.key", dir);
    FILE *f = fopen(path, "wb");
    fputs("short", f);
    fclose(f);
    CHECK_EQ_INT(crypto_keyring_load(dir, NULL, &k), ED_ERR_INVALID);
    CHECK(k == NULL);
    unlink(path);
    rmdir(dir);
}

/* Key rotation: a keyring with two keys opens both, seals and hashes with
 * the current one, looks up under both; retiring the old key stops it. */
static void test_keyring_rotation(void)
{
    struct ed_keyring *kr = ring(1), *other = ring(2);
    uint8_t k2[ED_KEY_BYTES], id1[4], id2[4], got[4];
    uint8_t *old_ct = NULL, *new_ct = NULL;
    size_t old_n = 0, new_n = 0;
    uint8_t h_old[ED_HASH_BYTES], h_new[ED_HASH_BYTES], h[ED_HASH_BYTES];
    char *pt = NULL;
    memset(k2, 2, sizeof(k2));
    crypto_keyring_id_bytes(kr, id1);
    crypto_key_id(k2, id2);
    crypto_lookup_hash(kr, "s3cret", h_old);
    crypto_lookup_hash(other, "s3cret", h_new);
    CHECK_EQ_INT(crypto_seal(kr, "abc", 3, &old_ct, &old_n), ED_OK);
    /* one key: a single lookup hash */
    CHECK(crypto_lookup_hash_n(kr, "s3cret", 0, h));
    CHECK(memcmp(h, h_old, sizeof(h)) == 0);
    CHECK(!crypto_lookup_hash_n(kr, "s3cret", 1, h));
    CHECK(!crypto_keyring_has(kr, id2));
    CHECK_EQ_INT(crypto_keyring_add(kr, k2, true), ED_OK);
    CHECK(crypto_keyring_has(kr, id2));
    crypto_keyring_id_bytes(kr, got);
    CHECK(memcmp(got, id2, 4) == 0);
    /* seals with the new key, opens both */
    CHECK_EQ_INT(crypto_seal(kr, "xyz", 3, &new_ct, &new_n), ED_OK);
    CHECK(crypto_sealed_key_id(new_ct, new_n, got));
    CHECK(memcmp(got, id2, 4) == 0);
    CHECK_EQ_INT(crypto_open(kr, old_ct, old_n, &pt, NULL), ED_OK);
    CHECK_EQ_STR(pt, "abc");
    crypto_free_secret(pt);
    CHECK_EQ_INT(crypto_open(other, new_ct, new_n, &pt, NULL), ED_OK);
    crypto_free_secret(pt);
    /* hashes: current first, then the previous key */
    CHECK(crypto_lookup_hash_n(kr, "s3cret", 0, h));
    CHECK(memcmp(h, h_new, sizeof(h)) == 0);
    CHECK(crypto_lookup_hash_n(kr, "s3cret", 1, h));
    CHECK(memcmp(h, h_old, sizeof(h)) == 0);
    CHECK(crypto_lookup_hash_n(kr, "s3cret", 2, h)); /* the new key again */
    CHECK(memcmp(h, h_new, sizeof(h)) == 0);
    CHECK(!crypto_lookup_hash_n(kr, "s3cret", 3, h));
    /* the current key cannot be retired; the old one can */
    CHECK_EQ_INT(crypto_keyring_retire(kr, id2), ED_ERR_INVALID);
    CHECK_EQ_INT(crypto_keyring_retire(kr, id1), ED_OK);
    CHECK_EQ_INT(crypto_open(kr, old_ct, old_n, &pt, NULL), ED_ERR_CRYPTO);
    CHECK(!crypto_lookup_hash_n(kr, "s3cret", 1, h));
    free(old_ct);
    free(new_ct);
    crypto_keyring_free(kr);
    crypto_keyring_free(other);
}

/* Key files: rotate keeps the old key as keys/<id>.key and a new load has
 * both, the new one current; a missing file is not created on request; a
 * keys/ file whose name is not its id is refused. */
static void test_keyfiles_rotate(void)
{
    char dir[] = "/tmp/ed-test-crypto-XXXXXX";
    char path[256];
    struct ed_keyring *k1 = NULL, *k2 = NULL, *k3 = NULL;
    uint8_t newkey[ED_KEY_BYTES], id1[4], idn[4], got[4];
    CHECK(mkdtemp(dir) != NULL);
    CHECK_EQ_INT(crypto_keyring_open(dir, NULL, NULL, false, &k1),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(crypto_keyring_open(dir, NULL, NULL, true, &k1), ED_OK);
    crypto_keyring_id_bytes(k1, id1);
    memset(newkey, 7, sizeof(newkey));
    crypto_key_id(newkey, idn);
    CHECK_EQ_INT(crypto_keyfiles_rotate(dir, k1, id1, newkey), ED_OK);
    CHECK_EQ_INT(crypto_keyring_open(dir, NULL, NULL, false, &k2), ED_OK);
    crypto_keyring_id_bytes(k2, got);
    CHECK(memcmp(got, idn, 4) == 0);
    CHECK(crypto_keyring_has(k2, id1));
    /* retire: the file goes, a new load has the new key alone */
    CHECK_EQ_INT(crypto_keyfile_retire(dir, id1), ED_OK);
    CHECK_EQ_INT(crypto_keyring_open(dir, NULL, NULL, false, &k3), ED_OK);
    CHECK(!crypto_keyring_has(k3, id1));
    crypto_keyring_free(k3);
    /* a key file under a name that is not its id */
    snprintf(path, sizeof(path), "%s/keys/00000000.key", dir);
    FILE *f = fopen(path, "wb");
    fwrite(newkey, 1, sizeof(newkey), f);
    fclose(f);
    k3 = (struct ed_keyring *)1;
    CHECK_EQ_INT(crypto_keyring_open(dir, NULL, NULL, false, &k3),
                 ED_ERR_INVALID);
    CHECK(k3 == NULL);
    unlink(path);
    snprintf(path, sizeof(path), "%s/keys", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/master.key", dir);
    unlink(path);
    rmdir(dir);
    crypto_keyring_free(k1);
    crypto_keyring_free(k2);
}

int main(void)
{
    CHECK_EQ_INT(crypto_init(), ED_OK);
    RUN(test_seal_roundtrip);
    RUN(test_tamper);
    RUN(test_key_mismatch);
    RUN(test_lookup_hash);
    RUN(test_password);
    RUN(test_random_formats);
    RUN(test_ct_compare);
    RUN(test_keyring_file);
    RUN(test_keyring_short_file);
    RUN(test_keyring_rotation);
    RUN(test_keyfiles_rotate);
    return 0;
}
