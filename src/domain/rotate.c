/* SPDX-License-Identifier: MIT
 * Master-key rotation: the node side (rotate_sync and its watch thread) and
 * the admin command (rotate_run). See rotate.h and docs/operations.md. */
#include "domain/rotate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "store/store.h"

#define BULK_CHUNK_LIMIT (64u << 20) /* a length beyond this: not ours */
#define MAX_PASSES 20

static const char *const table_names[STORE_SEALED_TABLES] = {"orgs", "users",
                                                             "instances"};

static void hex4(const uint8_t id[4], char out[9])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 4; i++) {
        out[2 * i] = d[id[i] >> 4];
        out[2 * i + 1] = d[id[i] & 15];
    }
    out[8] = 0;
}

static bool unhex4(const char *s, uint8_t id[4])
{
    if (strlen(s) != 8)
        return false;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (v < 0)
            return false;
        if (i % 2 == 0)
            id[i / 2] = (uint8_t)(v << 4);
        else
            id[i / 2] |= (uint8_t)v;
    }
    return true;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static bool is_state(const struct store_key_rotation *r, const char *s)
{
    return strcmp(r->state, s) == 0;
}

/* --- node side ---------------------------------------------------------- */

enum ed_err rotate_sync(struct ed_app *app)
{
    struct store_key_rotation r;
    uint8_t old_id[4], new_id[4], cur[4];
    enum ed_err err = store_rotation_get(app->store, &r);
    if (err == ED_ERR_NOT_FOUND)
        return ED_OK;
    if (err)
        return err;
    if (!unhex4(r.old_key_id, old_id) || !unhex4(r.new_key_id, new_id)) {
        err = ED_ERR_INVALID;
        goto out;
    }
    crypto_keyring_id_bytes(app->keys, cur);
    if (!crypto_keyring_has(app->keys, new_id)) {
        char *key = NULL;
        size_t len = 0;
        if (is_state(&r, "done") || r.new_key_ct.len == 0 ||
            crypto_open(app->keys, r.new_key_ct.data, r.new_key_ct.len, &key,
                        &len) != ED_OK ||
            len != ED_KEY_BYTES) {
            /* only the retired key: nothing this node can do */
            if (key)
                crypto_free_secret(key);
            ed_error(NULL,
                     "msg=\"the master key was rotated and this node does not "
                     "have the new key\" new_key_id=%s",
                     r.new_key_id);
            err = ED_ERR_CRYPTO;
            goto out;
        }
        err = crypto_keyring_add(app->keys, (const uint8_t *)key, true);
        free(key); /* binary: crypto_free_secret stops at a NUL */
        if (err)
            goto out;
        ed_info(NULL, "msg=\"new master key in use\" key_id=%s", r.new_key_id);
    } else if (memcmp(cur, new_id, 4) != 0) {
        crypto_keyring_set_current(app->keys, new_id);
        ed_info(NULL, "msg=\"new master key in use\" key_id=%s", r.new_key_id);
    }
    if (is_state(&r, "done") &&
        crypto_keyring_retire(app->keys, old_id) == ED_OK)
        ed_info(NULL, "msg=\"old master key retired\" key_id=%s", r.old_key_id);
out:
    store_rotation_cleanup(&r);
    return err;
}

static struct {
    pthread_t th;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool running, stop;
    struct ed_app *app;
} watch = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *watch_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&watch.lock);
    while (!watch.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)(ROTATE_POLL_MS % 1000) * 1000000L;
        ts.tv_sec += ROTATE_POLL_MS / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&watch.cond, &watch.lock, &ts);
        if (watch.stop)
            break;
        pthread_mutex_unlock(&watch.lock);
        rotate_sync(watch.app);
        pthread_mutex_lock(&watch.lock);
    }
    pthread_mutex_unlock(&watch.lock);
    return NULL;
}

void rotate_watch_start(struct ed_app *app)
{
    if (watch.running)
        return;
    watch.app = app;
    watch.stop = false;
    if (pthread_create(&watch.th, NULL, watch_main, NULL) == 0)
        watch.running = true;
    else
        ed_error(NULL, "msg=\"cannot start the key watch thread\"");
}

void rotate_watch_stop(void)
{
    if (!watch.running)
        return;
    pthread_mutex_lock(&watch.lock);
    watch.stop = true;
    pthread_cond_signal(&watch.cond);
    pthread_mutex_unlock(&watch.lock);
    pthread_join(watch.th, NULL);
    watch.running = false;
}

/* --- bulk files --------------------------------------------------------- */

/* Count the files under DIR/bulk holding a chunk sealed with a key other
 * than keep (the layout of src/bulk/files.c: [u32 big-endian length]
 * [sealed]...); *unknown: chunks whose key is not in the keyring. */
static size_t bulk_files_other(struct ed_app *app, const uint8_t keep[4],
                               size_t *unknown)
{
    char dir[1024], path[1300];
    size_t n = 0;
    *unknown = 0;
    snprintf(dir, sizeof(dir), "%s/bulk", app->cfg->data_dir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        bool other = false;
        uint8_t hdr[9];
        while (read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr)) {
            uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
                           (uint32_t)hdr[2] << 8 | hdr[3];
            if (len < 5 || len > BULK_CHUNK_LIMIT)
                break;
            if (memcmp(hdr + 5, keep, 4) != 0) {
                other = true;
                if (!crypto_keyring_has(app->keys, hdr + 5))
                    (*unknown)++;
            }
            if (lseek(fd, (off_t)len - 5, SEEK_CUR) < 0)
                break;
        }
        close(fd);
        n += other;
    }
    closedir(d);
    return n;
}

/* --- the command -------------------------------------------------------- */

static int failf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return ROTATE_FAILED;
}

/* The key id a sealed value names, as hex ("?" if not a sealed value). */
static void ct_key_hex(const struct store_blob *b, char out[9])
{
    uint8_t id[4];
    if (crypto_sealed_key_id(b->data, b->len, id))
        hex4(id, out);
    else
        snprintf(out, 9, "?");
}

enum ed_err rotate_check_keys(struct ed_app *app, char *buf, size_t buflen)
{
    uint8_t cur[4], id[4];
    crypto_keyring_id_bytes(app->keys, cur);
    for (int t = 0; t < STORE_SEALED_TABLES; t++) {
        int64_t after = 0;
        for (;;) {
            struct store_sealed_row *rows = NULL;
            size_t n = 0;
            enum ed_err err = store_sealed_scan(app->store,
                                                (enum store_sealed_table)t, cur,
                                                after, 500, &rows, &n);
            if (err) {
                snprintf(buf, buflen, "cannot read the %s table: %s",
                         table_names[t], ed_strerror(err));
                return err;
            }
            for (size_t i = 0; i < n; i++) {
                const struct store_blob *b[2] = {&rows[i].ct, &rows[i].ct2};
                for (int k = 0; k < 2; k++) {
                    if (b[k]->len == 0)
                        continue;
                    if (!crypto_sealed_key_id(b[k]->data, b[k]->len, id) ||
                        !crypto_keyring_has(app->keys, id)) {
                        char hex[9];
                        ct_key_hex(b[k], hex);
                        snprintf(buf, buflen,
                                 "%s row %lld is sealed with key %s, which is "
                                 "not in the keyring: wrong or missing master "
                                 "key?",
                                 table_names[t], (long long)rows[i].id, hex);
                        store_sealed_rows_free(rows, n);
                        return ED_ERR_CRYPTO;
                    }
                }
                after = rows[i].id;
            }
            store_sealed_rows_free(rows, n);
            if (n < 500)
                break;
        }
    }
    size_t unknown = 0;
    bulk_files_other(app, cur, &unknown);
    if (unknown) {
        snprintf(buf, buflen,
                 "%zu bulk file chunks under %s/bulk are sealed with a key "
                 "that is not in the keyring: wrong or missing master key?",
                 unknown, app->cfg->data_dir);
        return ED_ERR_CRYPTO;
    }
    return ED_OK;
}

/* Open b (empty: nothing) and seal it again with the current key. */
static enum ed_err reseal(struct ed_app *app, const struct store_blob *b,
                          struct store_blob *out, char **plain)
{
    char *pt = NULL;
    size_t len = 0;
    *plain = NULL;
    if (b->len == 0)
        return ED_OK;
    enum ed_err err = crypto_open(app->keys, b->data, b->len, &pt, &len);
    if (err)
        return err;
    err = crypto_seal(app->keys, pt, len, &out->data, &out->len);
    *plain = pt;
    return err;
}

/* One pass over table t: re-seal every row not sealed with new_id. */
static int reseal_table(struct ed_app *app, const struct rotate_opts *o,
                        enum store_sealed_table t, const uint8_t new_id[4],
                        size_t *found, size_t *changed, long *batches,
                        char *buf, size_t buflen)
{
    int64_t after = 0;
    for (;;) {
        struct store_sealed_row *rows = NULL;
        size_t n = 0, ch = 0;
        enum ed_err err = store_sealed_scan(app->store, t, new_id, after,
                                            o->batch, &rows, &n);
        if (err)
            return failf(buf, buflen, "cannot read the %s table: %s",
                         table_names[t], ed_strerror(err));
        for (size_t i = 0; i < n && !err; i++) {
            struct store_sealed_row *r = &rows[i];
            char *p1 = NULL, *p2 = NULL;
            err = reseal(app, &r->ct, &r->new_ct, &p1);
            if (!err)
                err = reseal(app, &r->ct2, &r->new_ct2, &p2);
            if (!err && p1) /* the secret or the instance token */
                crypto_lookup_hash(app->keys, p1, r->new_hash);
            crypto_free_secret(p1);
            crypto_free_secret(p2);
            if (err) {
                char hex[9];
                ct_key_hex(&r->ct, hex);
                int rc = failf(buf, buflen,
                               "%s row %lld does not open (key %s): wrong or "
                               "missing key? The rotation stays under way",
                               table_names[t], (long long)r->id, hex);
                store_sealed_rows_free(rows, n);
                return rc;
            }
            after = r->id;
        }
        err = store_sealed_update(app->store, t, rows, n, &ch);
        store_sealed_rows_free(rows, n);
        if (err)
            return failf(buf, buflen, "cannot update the %s table: %s",
                         table_names[t], ed_strerror(err));
        *found += n;
        *changed += ch;
        (*batches)++;
        if (o->stop_after_batches && *batches >= o->stop_after_batches) {
            /* the test hook: as if killed here */
            fprintf(stderr, "rotate-key: stopping after %ld batches\n",
                    *batches);
            kill(getpid(), SIGKILL);
        }
        if (n < o->batch)
            return ROTATE_DONE;
    }
}

/* Start a new rotation: check the keyring against every ciphertext,
 * publish the new key (the row first, then the key files). */
static int start(struct ed_app *app, const struct rotate_opts *o,
                 const struct store_key_rotation *prev,
                 struct store_key_rotation *r, char *buf, size_t buflen)
{
    uint8_t old_id[4], key[ED_KEY_BYTES], new_id[4];
    crypto_keyring_id_bytes(app->keys, old_id);
    char old_hex[9];
    hex4(old_id, old_hex);
    if (prev && strcmp(prev->old_key_id, old_hex) == 0)
        return failf(buf, buflen,
                     "the master key %s was retired by the rotation of %lld "
                     "(ms): use the current key %s",
                     old_hex, (long long)prev->finished_at, prev->new_key_id);
    if (rotate_check_keys(app, buf, buflen) != ED_OK)
        return ROTATE_FAILED;
    if (o->new_key_b64) {
        if (!crypto_key_from_b64(o->new_key_b64, key))
            return failf(buf, buflen,
                         "ELEMENTSD_NEW_MASTER_KEY is not a base64 key of 32 "
                         "bytes");
    } else {
        crypto_random(key, sizeof(key));
    }
    crypto_key_id(key, new_id);
    if (memcmp(new_id, old_id, 4) == 0)
        return failf(buf, buflen, "the new key is the current key");
    memset(r, 0, sizeof(*r));
    hex4(old_id, r->old_key_id);
    hex4(new_id, r->new_key_id);
    snprintf(r->state, sizeof(r->state), "running");
    r->published_at = ed_now_ms();
    enum ed_err err = crypto_seal(app->keys, key, sizeof(key),
                                  &r->new_key_ct.data, &r->new_key_ct.len);
    if (!err)
        err = store_rotation_put(app->store, r);
    if (!err && o->file_keys)
        err = crypto_keyfiles_rotate(app->cfg->data_dir, app->keys, old_id,
                                     key);
    if (!err)
        err = crypto_keyring_add(app->keys, key, true);
    crypto_random(key, sizeof(key)); /* overwrite */
    if (err)
        return failf(buf, buflen, "cannot publish the new key: %s",
                     ed_strerror(err));
    return ROTATE_DONE;
}

/* Resume: make sure this process (and the key files) have the new key. */
static int resume(struct ed_app *app, const struct rotate_opts *o,
                  const struct store_key_rotation *r, char *buf, size_t buflen)
{
    uint8_t old_id[4], new_id[4];
    if (!unhex4(r->old_key_id, old_id) || !unhex4(r->new_key_id, new_id))
        return failf(buf, buflen, "the key_rotation row is damaged");
    if (!crypto_keyring_has(app->keys, new_id)) {
        char *key = NULL;
        size_t len = 0;
        if (crypto_open(app->keys, r->new_key_ct.data, r->new_key_ct.len, &key,
                        &len) != ED_OK ||
            len != ED_KEY_BYTES) {
            if (key)
                free(key);
            return failf(buf, buflen,
                         "a rotation from key %s to %s is under way and the "
                         "keyring has neither: wrong or missing master key",
                         r->old_key_id, r->new_key_id);
        }
        enum ed_err err = ED_OK;
        if (o->file_keys)
            err = crypto_keyfiles_rotate(app->cfg->data_dir, app->keys, old_id,
                                         (const uint8_t *)key);
        if (!err)
            err = crypto_keyring_add(app->keys, (const uint8_t *)key, true);
        memset(key, 0, len);
        free(key);
        if (err)
            return failf(buf, buflen, "cannot install the new key: %s",
                         ed_strerror(err));
    }
    crypto_keyring_set_current(app->keys, new_id);
    return ROTATE_DONE;
}

int rotate_run(struct ed_app *app, const struct rotate_opts *o,
               json_t **summary, char *buf, size_t buflen)
{
    struct store_key_rotation r, prev;
    bool have_prev = false;
    int rc = ROTATE_FAILED;
    int64_t t0 = ed_now_ms();
    uint8_t old_id[4], new_id[4];
    size_t found[STORE_SEALED_TABLES] = {0}, changed[STORE_SEALED_TABLES] = {0};
    long batches = 0;
    *summary = NULL;
    memset(&r, 0, sizeof(r));
    memset(&prev, 0, sizeof(prev));
    enum ed_err err = store_rotation_get(app->store, &prev);
    if (err && err != ED_ERR_NOT_FOUND)
        return failf(buf, buflen, "cannot read the key_rotation row: %s",
                     ed_strerror(err));
    have_prev = err == ED_OK;
    crypto_keyring_id_bytes(app->keys, new_id);
    if (have_prev && is_state(&prev, "done") &&
        unhex4(prev.old_key_id, old_id) && memcmp(old_id, new_id, 4) != 0 &&
        crypto_keyring_has(app->keys, old_id)) {
        /* done, but stopped before the old key file was removed */
        if (o->file_keys)
            crypto_keyfile_retire(app->cfg->data_dir, old_id);
        crypto_keyring_retire(app->keys, old_id);
        *summary = json_pack("{s:s, s:s, s:s}", "oldKeyId", prev.old_key_id,
                             "newKeyId", prev.new_key_id, "state", "done");
        rc = ROTATE_DONE;
        goto out;
    }
    if (!have_prev || is_state(&prev, "done")) {
        rc = start(app, o, have_prev ? &prev : NULL, &r, buf, buflen);
    } else {
        rc = resume(app, o, &prev, buf, buflen);
        r = prev;
        memset(&prev, 0, sizeof(prev));
    }
    if (rc != ROTATE_DONE)
        goto out;
    unhex4(r.old_key_id, old_id);
    unhex4(r.new_key_id, new_id);
    /* every node learns the key within ROTATE_POLL_MS: wait until they
     * all seal and hash with it before hashes change under them */
    int64_t wait = r.published_at + o->propagation_ms - ed_now_ms();
    if (wait > 0)
        sleep_ms(wait);
    /* passes until one finds nothing left (rows changed meanwhile by a
     * token refresh are left by the compare-and-swap and found again) */
    for (int pass = 0;; pass++) {
        size_t left = 0;
        if (pass == MAX_PASSES) {
            rc = failf(buf, buflen,
                       "rows keep changing under the rotation: run it again");
            goto out;
        }
        for (int t = 0; t < STORE_SEALED_TABLES; t++) {
            size_t f = 0, c = 0;
            rc = reseal_table(app, o, (enum store_sealed_table)t, new_id, &f,
                              &c, &batches, buf, buflen);
            if (rc != ROTATE_DONE)
                goto out;
            found[t] += f;
            changed[t] += c;
            left += f;
        }
        if (left == 0)
            break;
    }
    size_t unknown = 0;
    size_t pending = bulk_files_other(app, new_id, &unknown);
    if (pending) {
        snprintf(r.state, sizeof(r.state), "draining");
        rc = ROTATE_DRAINING;
    } else {
        snprintf(r.state, sizeof(r.state), "done");
        free(r.new_key_ct.data);
        r.new_key_ct.data = NULL;
        r.new_key_ct.len = 0;
        r.finished_at = ed_now_ms();
        rc = ROTATE_DONE;
    }
    if ((err = store_rotation_put(app->store, &r))) {
        rc = failf(buf, buflen, "cannot record the rotation: %s",
                   ed_strerror(err));
        goto out;
    }
    if (rc == ROTATE_DONE) {
        if (o->file_keys &&
            crypto_keyfile_retire(app->cfg->data_dir, old_id) != ED_OK)
            ed_warn(NULL, "msg=\"cannot remove the old key file\" key_id=%s",
                    r.old_key_id);
        crypto_keyring_retire(app->keys, old_id);
    }
    *summary = json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:I}, s:I, s:I, s:I}",
                         "oldKeyId", r.old_key_id, "newKeyId", r.new_key_id,
                         "state", r.state, "resealed", "orgs",
                         (json_int_t)changed[0], "users",
                         (json_int_t)changed[1], "instances",
                         (json_int_t)changed[2], "batches", (json_int_t)batches,
                         "bulkFilesPending", (json_int_t)pending, "ms",
                         (json_int_t)(ed_now_ms() - t0));
out:
    store_rotation_cleanup(&r);
    store_rotation_cleanup(&prev);
    return rc;
}
