/* SPDX-License-Identifier: MIT */
#ifndef ED_TRANSFORM_SCRIPT_H
#define ED_TRANSFORM_SCRIPT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Transformation scripts (spec §7.2 "script"): JavaScript run in an
 * embedded, sandboxed engine. For each record the body runs as a function
 * of (transformedObject, originalObject, fromVendor, done): it changes
 * transformedObject and/or calls done(value); the record becomes the value
 * given to done, or transformedObject when done is not called. No file,
 * network, process or timer access; each run has a CPU-time limit and a
 * memory limit (the whole batch of records of one call shares them). A
 * throw, a timeout or the memory limit fails the run with a message that
 * names the transformation (e.g. "transformation 'myContact': script
 * error: ReferenceError: identifier 'x' undefined (line 2)").
 *
 * Runs happen on a small pool of worker threads (tf_script_submit), never
 * on an event loop; tf_script_run is the synchronous core (tests, pool). */

struct tf_script_limits {
    long cpu_ms;         /* CPU time per run (all records) */
    size_t memory_bytes; /* engine heap per run */
};

/* Run `body` over `records` (an array of objects; originals is a parallel
 * array of the vendor records, or NULL). Returns a new array with one
 * result per record, except that, when filter_empty is set, records whose
 * result is null, undefined or {} are left out. NULL with a message in err
 * on failure. */
json_t *tf_script_run(const char *tname, const char *body,
                      const json_t *records, const json_t *originals,
                      bool from_vendor, bool filter_empty,
                      const struct tf_script_limits *lim, char *err,
                      size_t errlen);

/* The pool: `threads` workers (>= 1) and the limits every run gets. */
bool tf_script_init(int threads, const struct tf_script_limits *lim);
/* Stop the workers (queued jobs are dropped: their done is not called). */
void tf_script_shutdown(void);

struct tf_script_job;
/* Called once on a worker thread: result (a new reference, owned by the
 * callee) or NULL and err. */
typedef void (*tf_script_done)(void *ud, json_t *result, const char *err);
/* Queue a run (records and originals: references taken, also on
 * failure). NULL when the pool is not running or its queue is full (done
 * is then never called). A job is freed when the pool is finished with it
 * and its caller has let go of it with exactly one of tf_script_cancel or
 * tf_script_release. */
struct tf_script_job *tf_script_submit(const char *tname, const char *body,
                                       json_t *records, json_t *originals,
                                       bool from_vendor, bool filter_empty,
                                       tf_script_done done, void *ud);
/* The same run on JSON text (the hot path of reads: no jansson on either
 * side): records is the JSON text of an array of objects, originals that
 * of the parallel array of vendor records (or NULL); both heap strings,
 * taken (also on failure). Each is decoded once by the engine; the result
 * is the JSON text of the result array (a heap string the callee owns,
 * len bytes, NUL-terminated), with the same rules as tf_script_run
 * (filter_empty, errors). Same pool, limits, cancel and release. */
typedef void (*tf_script_text_done)(void *ud, char *result, size_t len,
                                    const char *err);
struct tf_script_job *tf_script_submit_text(const char *tname, const char *body,
                                            char *records, size_t records_len,
                                            char *originals,
                                            size_t originals_len,
                                            bool from_vendor, bool filter_empty,
                                            tf_script_text_done done, void *ud);
/* Synchronous core of the above (tests, the pool): NULL with err on
 * failure; *len set on success. The inputs are borrowed. */
char *tf_script_run_text(const char *tname, const char *body,
                         const char *records, size_t records_len,
                         const char *originals, size_t originals_len,
                         bool from_vendor, bool filter_empty,
                         const struct tf_script_limits *lim, size_t *len,
                         char *err, size_t errlen);

/* Let go of a job, cancelling it if done has not started: returns true
 * when done will never be called (a queued job is dropped; a running one
 * is interrupted at its next check and dropped), false when done has
 * started or finished (it runs to its end as usual). Never waits; any
 * thread. */
bool tf_script_cancel(struct tf_script_job *job);
/* Let go of a job whose done has been called (from done itself or
 * later). */
void tf_script_release(struct tf_script_job *job);

#endif
