/* SPDX-License-Identifier: MIT */
#ifndef ED_BULK_H
#define ED_BULK_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* Bulk jobs (issue 13, spec elements-api.md §6; docs/api/bulk.md): the
 * query parser (query.c), the encrypted results files (files.c) and the
 * export engine on the events loop (engine.c). Rows live in the store
 * (store.h "bulk jobs"); routes are api/api_bulk.c. Nothing below bulk/
 * includes it. */

struct ed_app;
struct instance;
struct store_bulk_job;

/* --- query.c: a CEQL select ---------------------------------------------- */

struct bulk_query {
    char *object;   /* the from object */
    json_t *fields; /* array of field names (dotted), or NULL for '*' */
    char *where;    /* CEQL where text (user's AND date bounds), or NULL */
    char *order;    /* order by text as given (results come in id order) */
};
/* Parse `select * | a, b from OBJECT [where ...] [order by ...]`; the where
 * is checked with ceql_check. from/to (NULL: none) become bounds on the
 * object's last-modified field (lastRunDate is a from). ED_ERR_INVALID with
 * a message naming the part in err. */
enum ed_err bulk_query_parse(const char *q, const char *from, const char *to,
                             struct bulk_query *out, char *err, size_t errlen);
void bulk_query_cleanup(struct bulk_query *q);
/* The last-modified field of a native object, or NULL. */
const char *bulk_lastmod_field(const char *object);

/* --- files.c: results at rest --------------------------------------------
 * <data-dir>/bulk/<name>: a sequence of records [u32 big-endian length][a
 * crypto_seal of up to 64 KiB of plaintext], appended. */
#define BULK_CHUNK_MAX 65536
/* "job-<id>.bin" into out. */
void bulk_file_name(int64_t job_id, char *out, size_t outlen);
/* Append n bytes (sealed in chunks); fsync'd; *len = file length after. */
enum ed_err bulk_file_append(struct ed_app *app, const char *name,
                             const void *data, size_t n, int64_t *len);
/* Cut the file to len bytes (a resumed job: what followed its checkpoint
 * goes); a missing file with len 0 is created. ED_ERR_IO if shorter. */
enum ed_err bulk_file_truncate(struct ed_app *app, const char *name,
                               int64_t len);
/* Read the plaintext back chunk by chunk: fn(ud, data, n) per chunk (non-
 * zero stops with ED_ERR_TOO_LARGE). ED_ERR_NOT_FOUND if there is no
 * file, ED_ERR_CRYPTO if a chunk does not open. */
typedef int (*bulk_chunk_fn)(void *ud, const char *data, size_t n);
enum ed_err bulk_file_read(struct ed_app *app, const char *name,
                           bulk_chunk_fn fn, void *ud);
/* The same from byte `at` of the file, which must be where a chunk starts:
 * chunk k starts at the sum of (4 + plaintext length + ED_SEAL_OVERHEAD)
 * of the chunks before it. */
enum ed_err bulk_file_read_at(struct ed_app *app, const char *name, int64_t at,
                              bulk_chunk_fn fn, void *ud);
enum ed_err bulk_file_delete(struct ed_app *app, const char *name);

/* --- engine.c ------------------------------------------------------------ */
/* Start / stop the engine (after events_start / before events_stop). */
enum ed_err bulk_start(struct ed_app *app);
void bulk_stop(void);
/* A job was created: look for work soon (any thread). */
void bulk_kick(void);

/* --- callback.c: status and completion callback ------------------------- */
/* The job's status object as GET /bulk/{id}/status answers it (new
 * reference): id, status, objectName, recordsCount, recordsFailedCount,
 * bulk_start_time, bulk_finish_time (once finished), message, and
 * createdProperties when the upload created any. */
json_t *bulk_job_status(const struct store_bulk_job *j);
/* The delivery id of job j's callback (24 lower-case hex characters, the
 * same every time for the job). */
void bulk_callback_id(const struct store_bulk_job *j, char out[25]);
/* Queue job j's completion callback (j holds its final status) through the
 * events outbox: to the job's callbackUrl option, else the instance's
 * event.notification.callback.url; none: nothing, ED_OK. `in` is the job's
 * instance when at hand (NULL: loaded). Idempotent: a second call for the
 * same job queues nothing and answers ED_OK. */
enum ed_err bulk_callback_enqueue(struct ed_app *app,
                                  const struct store_bulk_job *j,
                                  const struct instance *in);
/* --- workflow.c: bulk workflows (docs/api/bulk.md "Workflows") ----------- */
#define BULK_WORKFLOW_STEPS_MAX 20
/* Check a POST /bulk/workflows body (a JSON array of steps) of org_id,
 * made with instance caller's token, and resolve it: *steps (heap) is the
 * JSON text to store. ED_ERR_INVALID with a message naming the step. */
enum ed_err bulk_workflow_steps(struct ed_app *app, int64_t org_id,
                                int64_t caller, const json_t *body,
                                char **steps, char *why, size_t whylen);
/* The first fire time (epoch ms) of the Quartz cron after after_ms, or 0. */
int64_t bulk_workflow_next_fire(const char *cron, int64_t after_ms);
/* Start / stop the workflow timer (with bulk_start / bulk_stop). */
enum ed_err bulk_workflow_start(struct ed_app *app);
void bulk_workflow_stop(void);
/* A job ended or a run was made: look at the runs soon (any thread). */
void bulk_workflow_kick(void);

#endif
