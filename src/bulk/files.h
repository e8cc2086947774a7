/* SPDX-License-Identifier: MIT */
#ifndef ED_BULK_FILES_H
#define ED_BULK_FILES_H
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* Streaming access to the sealed files of bulk/files.c (same format as
 * bulk_file_append: [u32 big-endian length][crypto_seal of up to
 * BULK_CHUNK_MAX bytes]...), with bounded memory whatever the file's size:
 * a writer that seals 64 KiB chunks as they fill and fsyncs once at the
 * end, and a reader that opens one chunk at a time. */

struct ed_app;

struct bulk_writer;
/* Create <data-dir>/bulk/<name> (mode 0600; an existing file is an
 * error). */
enum ed_err bulk_writer_open(struct ed_app *app, const char *name,
                             struct bulk_writer **out);
enum ed_err bulk_writer_write(struct bulk_writer *w, const void *data,
                              size_t n);
/* Seal what is buffered and fsync; *len = the file's length. */
enum ed_err bulk_writer_finish(struct bulk_writer *w, int64_t *len);
/* Close (the file stays: bulk_file_delete removes it). */
void bulk_writer_free(struct bulk_writer *w);

struct bulk_reader;
/* ED_ERR_NOT_FOUND when there is no such file. */
enum ed_err bulk_reader_open(struct ed_app *app, const char *name,
                             struct bulk_reader **out);
/* The next chunk's plaintext (valid until the next call), *n = 0 at the
 * end; ED_ERR_IO / ED_ERR_CRYPTO for a damaged file. */
enum ed_err bulk_reader_next(struct bulk_reader *r, const char **data,
                             size_t *n);
void bulk_reader_free(struct bulk_reader *r);

/* Rename a file of <data-dir>/bulk (durable: the folder is fsync'd). */
enum ed_err bulk_file_rename(struct ed_app *app, const char *from,
                             const char *to);

/* Uploads in flight are "upload-<org>-<instance>-<hex>.part"; a complete
 * one is renamed ".bin" just before its job row is made. The orphan sweep
 * (engine.c's retention sweep) deletes, once older than an hour by mtime,
 * the ".part" files (an upload cut short by a crash) and the ".bin" files
 * that no job of their instance names. */
#define BULK_ORPHAN_AGE_MS (3600 * 1000LL)
void bulk_sweep_orphan_uploads(struct ed_app *app);

#endif
