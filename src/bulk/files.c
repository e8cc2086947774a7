/* SPDX-License-Identifier: MIT
 * Bulk results at rest: <data-dir>/bulk/<name>, encrypted with the master
 * key. Plaintext is cut into chunks of at most BULK_CHUNK_MAX bytes, each
 * sealed with crypto_seal and written as [u32 big-endian length][sealed],
 * appended and fsync'd; reading opens the chunks one by one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bulk/bulk.h"
#include "bulk/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "store/store.h"

#define PATH_LEN 1024

void bulk_file_name(int64_t job_id, char *out, size_t outlen)
{
    snprintf(out, outlen, "job-%lld.bin", (long long)job_id);
}

/* <data-dir>/bulk/<name> (the folder is made when mk). */
static bool file_path(struct ed_app *app, const char *name, bool mk, char *out,
                      size_t outlen)
{
    int n = snprintf(out, outlen, "%s/bulk", app->cfg->data_dir);
    if (n < 0 || (size_t)n >= outlen)
        return false;
    if (mk && mkdir(out, 0700) != 0 && errno != EEXIST)
        return false;
    if (strchr(name, '/'))
        return false;
    n = snprintf(out, outlen, "%s/bulk/%s", app->cfg->data_dir, name);
    return n > 0 && (size_t)n < outlen;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

enum ed_err bulk_file_append(struct ed_app *app, const char *name,
                             const void *data, size_t n, int64_t *len)
{
    char path[PATH_LEN];
    enum ed_err err = ED_OK;
    if (!file_path(app, name, true, path, sizeof(path)))
        return ED_ERR_IO;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return ED_ERR_IO;
    const char *p = data;
    while (n) {
        size_t k = n < BULK_CHUNK_MAX ? n : BULK_CHUNK_MAX;
        uint8_t *ct = NULL;
        size_t ctn = 0;
        if ((err = crypto_seal(app->keys, p, k, &ct, &ctn)))
            goto out;
        unsigned char hdr[4] = {(unsigned char)(ctn >> 24),
                                (unsigned char)(ctn >> 16),
                                (unsigned char)(ctn >> 8), (unsigned char)ctn};
        bool ok = write_all(fd, hdr, 4) && write_all(fd, ct, ctn);
        free(ct);
        if (!ok) {
            err = ED_ERR_IO;
            goto out;
        }
        p += k;
        n -= k;
    }
    if (fsync(fd) != 0) {
        err = ED_ERR_IO;
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = ED_ERR_IO;
        goto out;
    }
    *len = (int64_t)st.st_size;
out:
    close(fd);
    return err;
}

enum ed_err bulk_file_truncate(struct ed_app *app, const char *name,
                               int64_t len)
{
    char path[PATH_LEN];
    if (!file_path(app, name, true, path, sizeof(path)))
        return ED_ERR_IO;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return ED_ERR_IO;
    enum ed_err err = ED_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < len)
        err = ED_ERR_IO; /* what the checkpoint counts is not there */
    else if (st.st_size > len && (ftruncate(fd, len) != 0 || fsync(fd) != 0))
        err = ED_ERR_IO;
    close(fd);
    return err;
}

static bool read_all(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f) == n;
}

enum ed_err bulk_file_read(struct ed_app *app, const char *name,
                           bulk_chunk_fn fn, void *ud)
{
    return bulk_file_read_at(app, name, 0, fn, ud);
}

enum ed_err bulk_file_read_at(struct ed_app *app, const char *name, int64_t at,
                              bulk_chunk_fn fn, void *ud)
{
    char path[PATH_LEN];
    enum ed_err err = ED_OK;
    uint8_t *ct = NULL;
    if (!*name || !file_path(app, name, false, path, sizeof(path)))
        return ED_ERR_NOT_FOUND;
    FILE *f = fopen(path, "rbe");
    if (!f)
        return errno == ENOENT ? ED_ERR_NOT_FOUND : ED_ERR_IO;
    if (at < 0 || (at > 0 && fseeko(f, (off_t)at, SEEK_SET) != 0)) {
        fclose(f);
        return ED_ERR_IO;
    }
    ct = ed_malloc(BULK_CHUNK_MAX + ED_SEAL_OVERHEAD);
    for (;;) {
        unsigned char hdr[4];
        size_t got = fread(hdr, 1, 4, f);
        if (got == 0 && feof(f))
            break;
        if (got != 4) {
            err = ED_ERR_IO;
            goto out;
        }
        size_t n = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) |
                   ((size_t)hdr[2] << 8) | hdr[3];
        if (n > BULK_CHUNK_MAX + ED_SEAL_OVERHEAD || !read_all(f, ct, n)) {
            err = ED_ERR_IO;
            goto out;
        }
        char *pt = NULL;
        size_t ptn = 0;
        if ((err = crypto_open(app->keys, ct, n, &pt, &ptn)))
            goto out;
        int stop = fn(ud, pt, ptn);
        crypto_free_secret(pt);
        if (stop) {
            err = ED_ERR_TOO_LARGE;
            goto out;
        }
    }
out:
    free(ct);
    fclose(f);
    return err;
}

enum ed_err bulk_file_delete(struct ed_app *app, const char *name)
{
    char path[PATH_LEN];
    if (!*name || !file_path(app, name, false, path, sizeof(path)))
        return ED_ERR_NOT_FOUND;
    if (unlink(path) != 0)
        return errno == ENOENT ? ED_ERR_NOT_FOUND : ED_ERR_IO;
    return ED_OK;
}

/* --- streaming writer and reader (files.h) ------------------------------- */

struct bulk_writer {
    struct ed_app *app;
    int fd;
    size_t n;
    char buf[BULK_CHUNK_MAX];
};

enum ed_err bulk_writer_open(struct ed_app *app, const char *name,
                             struct bulk_writer **out)
{
    char path[PATH_LEN];
    *out = NULL;
    if (!file_path(app, name, true, path, sizeof(path)))
        return ED_ERR_IO;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? ED_ERR_EXISTS : ED_ERR_IO;
    struct bulk_writer *w = ed_malloc(sizeof(*w));
    w->app = app;
    w->fd = fd;
    w->n = 0;
    *out = w;
    return ED_OK;
}

static enum ed_err writer_seal(struct bulk_writer *w)
{
    uint8_t *ct = NULL;
    size_t ctn = 0;
    enum ed_err err;
    if (w->n == 0)
        return ED_OK;
    if ((err = crypto_seal(w->app->keys, w->buf, w->n, &ct, &ctn)))
        return err;
    unsigned char hdr[4] = {(unsigned char)(ctn >> 24),
                            (unsigned char)(ctn >> 16),
                            (unsigned char)(ctn >> 8), (unsigned char)ctn};
    bool ok = write_all(w->fd, hdr, 4) && write_all(w->fd, ct, ctn);
    free(ct);
    w->n = 0;
    return ok ? ED_OK : ED_ERR_IO;
}

enum ed_err bulk_writer_write(struct bulk_writer *w, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        size_t k = BULK_CHUNK_MAX - w->n;
        if (k > n)
            k = n;
        memcpy(w->buf + w->n, p, k);
        w->n += k;
        p += k;
        n -= k;
        if (w->n == BULK_CHUNK_MAX) {
            enum ed_err err = writer_seal(w);
            if (err)
                return err;
        }
    }
    return ED_OK;
}

enum ed_err bulk_writer_finish(struct bulk_writer *w, int64_t *len)
{
    enum ed_err err = writer_seal(w);
    struct stat st;
    if (err)
        return err;
    if (fsync(w->fd) != 0 || fstat(w->fd, &st) != 0)
        return ED_ERR_IO;
    *len = (int64_t)st.st_size;
    return ED_OK;
}

void bulk_writer_free(struct bulk_writer *w)
{
    if (!w)
        return;
    close(w->fd);
    explicit_bzero(w->buf, sizeof(w->buf));
    free(w);
}

struct bulk_reader {
    struct ed_app *app;
    FILE *f;
    uint8_t *ct;
    char *pt;
};

enum ed_err bulk_reader_open(struct ed_app *app, const char *name,
                             struct bulk_reader **out)
{
    char path[PATH_LEN];
    *out = NULL;
    if (!*name || !file_path(app, name, false, path, sizeof(path)))
        return ED_ERR_NOT_FOUND;
    FILE *f = fopen(path, "rbe");
    if (!f)
        return errno == ENOENT ? ED_ERR_NOT_FOUND : ED_ERR_IO;
    struct bulk_reader *r = ed_calloc(1, sizeof(*r));
    r->app = app;
    r->f = f;
    r->ct = ed_malloc(BULK_CHUNK_MAX + ED_SEAL_OVERHEAD);
    *out = r;
    return ED_OK;
}

enum ed_err bulk_reader_next(struct bulk_reader *r, const char **data,
                             size_t *n)
{
    unsigned char hdr[4];
    size_t ptn = 0;
    *data = NULL;
    *n = 0;
    if (r->pt) {
        crypto_free_secret(r->pt);
        r->pt = NULL;
    }
    size_t got = fread(hdr, 1, 4, r->f);
    if (got == 0 && feof(r->f))
        return ED_OK;
    if (got != 4)
        return ED_ERR_IO;
    size_t cn = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) |
                ((size_t)hdr[2] << 8) | hdr[3];
    if (cn > BULK_CHUNK_MAX + ED_SEAL_OVERHEAD || !read_all(r->f, r->ct, cn))
        return ED_ERR_IO;
    enum ed_err err = crypto_open(r->app->keys, r->ct, cn, &r->pt, &ptn);
    if (err)
        return err;
    *data = r->pt;
    *n = ptn;
    return ED_OK;
}

void bulk_reader_free(struct bulk_reader *r)
{
    if (!r)
        return;
    if (r->pt)
        crypto_free_secret(r->pt);
    free(r->ct);
    fclose(r->f);
    free(r);
}

enum ed_err bulk_file_rename(struct ed_app *app, const char *from,
                             const char *to)
{
    char a[PATH_LEN], b[PATH_LEN], dir[PATH_LEN];
    if (!file_path(app, from, false, a, sizeof(a)) ||
        !file_path(app, to, false, b, sizeof(b)))
        return ED_ERR_IO;
    if (rename(a, b) != 0)
        return ED_ERR_IO;
    snprintf(dir, sizeof(dir), "%s/bulk", app->cfg->data_dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return ED_OK;
}

/* Does a job of org/instance name file `name`? Its job is made after the
 * file is complete, so only jobs created since mtime_ms (less a minute of
 * clock slack) are looked at, newest first. */
static bool upload_named(struct ed_app *app, int64_t org, int64_t inst,
                         const char *name, int64_t mtime_ms)
{
    struct store_bulk_filter f = {NULL, "UPLOAD", NULL, -1, -1};
    int64_t before = 0;
    for (;;) {
        struct store_bulk_job *rows = NULL;
        size_t n = 0;
        if (store_bulk_list(app->store, org, inst, &f, before, 64, &rows, &n) !=
            ED_OK)
            return true; /* cannot tell: keep it */
        bool found = false, older = false;
        for (size_t i = 0; i < n && !found; i++) {
            if (strcmp(rows[i].file_name, name) == 0)
                found = true;
            if (rows[i].created_at < mtime_ms - 60000)
                older = true;
            before = rows[i].id;
        }
        store_bulk_jobs_free(rows, n);
        if (found)
            return true;
        if (older || n < 64)
            return false;
    }
}

/* "upload-<org>-<instance>-<hex>.<ext>": org, instance and whether ext is
 * "part" (else "bin"); false for any other name. */
static bool upload_name(const char *nm, int64_t *org, int64_t *inst, bool *part)
{
    const char *p = nm + 7;
    uint64_t v[2];
    char digits[24];
    if (strncmp(nm, "upload-", 7) != 0)
        return false;
    for (int i = 0; i < 2; i++) {
        const char *dash = strchr(p, '-');
        size_t n = dash ? (size_t)(dash - p) : 0;
        if (!dash || n == 0 || n >= sizeof(digits))
            return false;
        memcpy(digits, p, n);
        digits[n] = '\0';
        if (!ed_parse_u64(digits, INT64_MAX, &v[i]) || v[i] == 0)
            return false;
        p = dash + 1;
    }
    const char *dot = strchr(p, '.');
    if (!dot || dot == p || strspn(p, "0123456789abcdef") != (size_t)(dot - p))
        return false;
    *part = strcmp(dot, ".part") == 0;
    if (!*part && strcmp(dot, ".bin") != 0)
        return false;
    *org = (int64_t)v[0];
    *inst = (int64_t)v[1];
    return true;
}

void bulk_sweep_orphan_uploads(struct ed_app *app)
{
    char dir[PATH_LEN], path[PATH_LEN];
    snprintf(dir, sizeof(dir), "%s/bulk", app->cfg->data_dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    int64_t now = ed_now_ms();
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        int64_t org = 0, inst = 0;
        bool part = false;
        if (!upload_name(nm, &org, &inst, &part))
            continue;
        struct stat st;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, nm);
        if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) != 0)
            continue;
        int64_t mtime = (int64_t)st.st_mtime * 1000;
        if (now - mtime < BULK_ORPHAN_AGE_MS)
            continue;
        if (part || !upload_named(app, org, inst, nm, mtime)) {
            ed_info(NULL, "msg=\"bulk orphan upload file deleted\" file=%s",
                    nm);
            bulk_file_delete(app, nm);
        }
    }
    closedir(d);
}
