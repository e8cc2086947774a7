/* SPDX-License-Identifier: MIT
 * Bulk results at rest: <data-dir>/bulk/<name>, encrypted with the master
 * key. Plaintext is cut into chunks of at most BULK_CHUNK_MAX bytes, each
 * sealed with crypto_seal and written as [u32 big-endian length][sealed],
 * appended and fsync'd; reading opens the chunks one by one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bulk/bulk.h"
#include "core/log.h"
#include "core/mem.h"
#include "crypto/crypto.h"
#include "domain/app.h"

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
