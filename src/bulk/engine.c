/* SPDX-License-Identifier: MIT
 * The bulk export engine, on the events loop. A timer claims runnable jobs
 * (at most --bulk-jobs at once per node, each under a lease of
 * --bulk-lease-ms renewed at every step) and runs each as a chain of hub
 * calls made with hubcall_send(background=true):
 *   - without a where: the hub list, /{object}?pageSize=100 then nextPage;
 *   - with one: keyset paging, where=(<where>) AND id > '<last>'
 *     &orderBy=id&pageSize=100, so HubSpot's 10,000-result search cap is
 *     never reached.
 * Each page is appended to the job's encrypted file (JSON lines) and the
 * checkpoint (cursor or last id, counts, file length) is committed; a
 * resumed job (restart, lost node) first cuts its file to the checkpointed
 * length, so no row is lost or written twice. A retention sweep deletes
 * results files of jobs finished more than --bulk-retention-hours ago and
 * files whose job is gone (its instance was deleted). */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulk/bulk.h"
#include "bulk/files.h"
#include "bulk/records.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "events/hubcall.h"
#include "events/loop.h"
#include "store/store.h"
#include "metrics/metrics.h"

#define PAGE_SIZE 100
#define TICK_MS 1000
#define SWEEP_MS (10 * 60 * 1000)
#define URL_MAX 16384

struct job {
    struct store_bulk_job row;
    struct instance in;
    json_t *fields; /* selected fields, or NULL */
    char *where;    /* CEQL, or NULL */
    char *next;     /* the hub's nextPage (no where) */
    char *last;     /* last id written (keyset) */
    int64_t len;    /* file length at the last checkpoint */
    /* uploads */
    bool upload;
    json_t *opts;        /* the job's options */
    struct rec_pos pos;  /* where the next batch starts */
    bool have_pos;       /* else from the start of the file */
    struct rec_pos npos; /* just after the batch being sent */
    bool eof;            /* the batch is the last one */
    json_t *batch;       /* records being sent (rec_hubspot_input) */
    json_t *rows;        /* their row numbers */
    json_t *errs;        /* [row, message, record-or-null] to add */
    json_t *groups;      /* the batch's calls: [verb, idProperty|null, [i]] */
    size_t group;        /* the call being sent */
    size_t single;       /* one record at a time from here (retry) */
    bool singles;        /* the group is retried one record at a time */
    bool resend_upsert;  /* a resumed in-flight batch of contacts */
    int64_t base_failed; /* failed_count before the batch was read */
    /* a chunk of the file at or before pos.offset: its file offset and
     * plaintext offset (a resumed read starts there, not at the top) */
    int64_t chunk_at, chunk_plain, nchunk_at, nchunk_plain;
    /* create.bulk.properties: the properties made before the first batch
     * (NULL: the pass has not run) and the pass's state */
    json_t *created;
    json_t *missing; /* [[name, type], ...] still to create */
};

static struct {
    struct ed_app *app;
    char owner[32];
    int running;
    atomic_bool on;
    int64_t next_sweep;
} E;

static void tick(void *ud);

static void job_free(struct job *j)
{
    store_bulk_job_cleanup(&j->row);
    instance_cleanup(&j->in);
    json_decref(j->fields);
    free(j->where);
    free(j->next);
    free(j->last);
    json_decref(j->opts);
    json_decref(j->batch);
    json_decref(j->rows);
    json_decref(j->errs);
    json_decref(j->groups);
    json_decref(j->created);
    json_decref(j->missing);
    free(j);
    E.running--;
}

/* The completion callback (bulk/callback.c), queued before the final
 * status is written: a node that dies in between runs the job again, and
 * its second enqueue is refused (the delivery id is the job's), so the
 * receiver hears of the job once. */
static void job_callback(struct job *j)
{
    bulk_callback_enqueue(E.app, &j->row, j->in.row.id ? &j->in : NULL);
}

/* The job ends with status (a finished one) and message (may be NULL). */
static void job_end(struct job *j, const char *status, const char *message)
{
    free(j->row.status);
    j->row.status = ed_strdup(status);
    free(j->row.message);
    j->row.message = message ? ed_strdup(message) : NULL;
    j->row.finished_at = ed_now_ms();
    if (j->upload && store_bulk_finished(status) && *j->row.file_name) {
        /* the uploaded file is not needed any more */
        bulk_file_delete(E.app, j->row.file_name);
        free(j->row.file_name);
        j->row.file_name = ed_strdup("");
    }
    job_callback(j);
    enum ed_err err = store_bulk_finish(E.app->store, &j->row, E.owner);
    mx_inc(MX_BULK_JOBS_FINISHED, mx_label(MX_BULK_JOBS_FINISHED, 0, status), 0,
           0);
    ed_info(NULL, "msg=\"bulk job ended\" job=%lld status=%s records=%lld%s",
            (long long)j->row.id, status, (long long)j->row.records_count,
            err ? " lost=yes" : "");
    bulk_workflow_kick(); /* a workflow step may be done */
    job_free(j);
}

static char *checkpoint_json(const struct job *j)
{
    json_t *o = json_pack("{s:I}", "len", (json_int_t)j->len);
    if (j->next)
        json_object_set_new(o, "next", json_string(j->next));
    if (j->last)
        json_object_set_new(o, "last", json_string(j->last));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* Copy of the value at a dotted path of rec, or NULL. */
static json_t *path_get(json_t *rec, const char *path)
{
    json_t *v = json_object_get(rec, path);
    if (v)
        return v;
    const char *dot = strchr(path, '.');
    if (!dot)
        return NULL;
    char head[256];
    size_t n = (size_t)(dot - path);
    if (n >= sizeof(head))
        return NULL;
    memcpy(head, path, n);
    head[n] = '\0';
    json_t *sub = json_object_get(rec, head);
    return json_is_object(sub) ? path_get(sub, dot + 1) : NULL;
}

/* Set v at dotted path of o, making the objects on the way. */
static void path_set(json_t *o, const char *path, json_t *v)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        json_object_set(o, path, v);
        return;
    }
    char head[256];
    size_t n = (size_t)(dot - path);
    if (n >= sizeof(head))
        return;
    memcpy(head, path, n);
    head[n] = '\0';
    json_t *sub = json_object_get(o, head);
    if (!json_is_object(sub)) {
        sub = json_object();
        json_object_set_new(o, head, sub);
    }
    path_set(sub, dot + 1, v);
}

static void step(void *ud);

static void page_done(void *ud, const struct hubcall_result *r)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j); /* the lease runs out; another start resumes it */
        return;
    }
    if (r->status != 200 || !json_is_array(r->body)) {
        char msg[512];
        snprintf(msg, sizeof(msg), "The hub call failed (%d): %s%s%s",
                 r->status, r->message ? r->message : "no message",
                 r->provider_message ? ": " : "",
                 r->provider_message ? r->provider_message : "");
        job_end(j,
                r->status >= 500 || r->status == 429 || r->status == 0
                    ? "ABORTED"
                    : "ERROR",
                msg);
        return;
    }
    size_t n = json_array_size(r->body);
    struct ed_buf out;
    ed_buf_init(&out, (size_t)1 << 30);
    size_t i;
    json_t *rec;
    char lastid[128] = "";
    json_array_foreach(r->body, i, rec) {
        json_t *id = json_object_get(rec, "id");
        if (json_is_string(id))
            snprintf(lastid, sizeof(lastid), "%s", json_string_value(id));
        else if (json_is_integer(id))
            snprintf(lastid, sizeof(lastid), "%lld",
                     (long long)json_integer_value(id));
        json_t *w = rec;
        if (j->fields) {
            w = json_object();
            size_t k;
            json_t *f;
            json_array_foreach(j->fields, k, f) {
                json_t *v = path_get(rec, json_string_value(f));
                if (v)
                    path_set(w, json_string_value(f), v);
            }
        }
        char *line = json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY);
        if (w != rec)
            json_decref(w);
        if (line) {
            ed_buf_appends(&out, line);
            ed_buf_append(&out, "\n", 1);
            free(line);
        }
    }
    if (*lastid) {
        free(j->last);
        j->last = ed_strdup(lastid);
    }
    if (j->where && j->last && strchr(j->last, '\'')) {
        ed_buf_cleanup(&out);
        job_end(j, "ERROR", "A record id cannot be used as a keyset cursor");
        return;
    }
    enum ed_err err = ED_OK;
    if (out.len)
        err = bulk_file_append(E.app, j->row.file_name, out.data, out.len,
                               &j->len);
    ed_buf_cleanup(&out);
    if (err) {
        job_end(j, "ABORTED", "Could not write the results file");
        return;
    }
    j->row.records_count += (int64_t)n;
    bool done;
    if (j->where) {
        done = n < PAGE_SIZE;
    } else {
        free(j->next);
        j->next = r->next_page && *r->next_page ? ed_strdup(r->next_page)
                                                : NULL;
        done = j->next == NULL || n == 0;
    }
    free(j->row.checkpoint);
    j->row.checkpoint = checkpoint_json(j);
    bool cancel = false;
    err = store_bulk_checkpoint(E.app->store, &j->row, E.owner,
                                ed_now_ms() + E.app->cfg->bulk_lease_ms,
                                &cancel);
    if (err) {
        ed_warn(NULL, "msg=\"bulk job lost its lease\" job=%lld",
                (long long)j->row.id);
        job_free(j);
        return;
    }
    if (cancel) {
        job_end(j, "CANCELLED", NULL);
        return;
    }
    if (done) {
        job_end(j, "COMPLETED", NULL);
        return;
    }
    events_loop_after(0, step, j);
}

static void step(void *ud)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j);
        return;
    }
    struct ed_buf url;
    ed_buf_init(&url, URL_MAX);
    ed_buf_printf(&url, "/%s?pageSize=%d", j->row.object_name, PAGE_SIZE);
    if (j->where) {
        char *w = j->last ? ed_asprintf("(%s) AND id > '%s'", j->where, j->last)
                          : ed_strdup(j->where);
        ed_buf_appends(&url, "&orderBy=id&where=");
        ed_url_encode(&url, w);
        free(w);
    } else if (j->next) {
        ed_buf_appends(&url, "&nextPage=");
        ed_url_encode(&url, j->next);
    }
    enum ed_err err = ED_ERR_TOO_LARGE;
    if (url.len < URL_MAX - 1)
        err = hubcall_send(E.app, &j->in, ED_GET, url.data, NULL, true,
                           page_done, j);
    ed_buf_cleanup(&url);
    if (err)
        job_end(j, "ABORTED", "Could not start the hub call");
}

/* --- uploads ---------------------------------------------------------------
 * An UPLOAD job reads its (encrypted) file with bulk/records.c from its
 * checkpointed position, up to PAGE_SIZE records a batch, and sends each
 * batch to the hub's POST /{object}/batch/{create|upsert} (background).
 * The checkpoint is written before a batch is sent ("inflight") and after
 * it landed (the position after it, the counts); a batch HubSpot refuses
 * whole (400) is sent again one record at a time. */

static void upload_step(void *ud);
static void batch_begin(struct job *j);
static bool props_wanted(const struct job *j);
static void props_start(struct job *j);

struct fill {
    struct job *j;
    struct records *r;
    uint64_t plain; /* plaintext offset of the next chunk */
    int64_t at;     /* file offset of the next chunk */
    int64_t cur_at, cur_plain, prev_at, prev_plain; /* the last two chunks */
    bool header; /* the pass that feeds the CSV header before the chunk */
    enum rec_status st;
    size_t max;
};

static void add_error(struct job *j, uint64_t row, const char *msg, json_t *rec)
{
    json_array_append_new(j->errs, json_pack("[I,s,O?]", (json_int_t)row,
                                             msg ? msg : "refused", rec));
    j->row.failed_count++;
}

static int fill_rec(void *ud, const struct rec_item *it)
{
    struct fill *f = ud;
    struct job *j = f->j;
    char why[512];
    json_t *in = NULL;
    if (it->error)
        add_error(j, it->row, it->error, NULL);
    else if (!(in = rec_hubspot_input(it->obj, it->row,
                                      records_format(f->r) == REC_CSV, why,
                                      sizeof(why))))
        add_error(j, it->row, why, it->obj);
    else {
        json_array_append_new(j->batch, in);
        json_array_append_new(j->rows, json_integer((json_int_t)it->row));
    }
    records_pos_after(f->r, it, &j->npos);
    /* the chunk to read again from: the latest that starts at or before
     * the position (a record ends in the current chunk or just before) */
    if ((uint64_t)f->cur_plain <= j->npos.offset) {
        j->nchunk_at = f->cur_at;
        j->nchunk_plain = f->cur_plain;
    } else if ((uint64_t)f->prev_plain <= j->npos.offset) {
        j->nchunk_at = f->prev_at;
        j->nchunk_plain = f->prev_plain;
    }
    return json_array_size(j->batch) >= f->max ||
           json_array_size(j->errs) >= PAGE_SIZE;
}

static int fill_chunk(void *ud, const char *data, size_t n)
{
    struct fill *f = ud;
    uint64_t start = f->plain, end = start + n;
    f->prev_at = f->cur_at;
    f->prev_plain = f->cur_plain;
    f->cur_at = f->at;
    f->cur_plain = (int64_t)start;
    f->plain = end;
    f->at += 4 + (int64_t)n + ED_SEAL_OVERHEAD;
    if (f->header) {
        /* the header bytes before the chunk the main pass starts at */
        uint64_t he = f->j->pos.header_end;
        if ((uint64_t)f->j->chunk_plain < he)
            he = (uint64_t)f->j->chunk_plain;
        if (start < he) {
            f->st = records_feed(f->r, data,
                                 (size_t)((end < he ? end : he) - start));
            if (f->st != REC_OK)
                return 1;
        }
        return end >= he;
    }
    if (!f->j->have_pos) {
        f->st = records_feed(f->r, data, n);
        return f->st != REC_OK;
    }
    const struct rec_pos *p = &f->j->pos;
    uint64_t he = p->format == REC_CSV ? p->header_end : 0;
    if (start < he) {
        uint64_t e = end < he ? end : he;
        f->st = records_feed(f->r, data, (size_t)(e - start));
        if (f->st != REC_OK)
            return 1;
    }
    uint64_t from = p->offset > start ? p->offset : start;
    if (from < he)
        from = he;
    if (from < end) {
        f->st = records_feed(f->r, data + (from - start), (size_t)(end - from));
        if (f->st != REC_OK)
            return 1;
    }
    return 0;
}

static char *upload_checkpoint(const struct job *j, bool inflight)
{
    const struct rec_pos *p = inflight ? &j->pos : &j->npos;
    json_t *o = json_pack("{s:i,s:I,s:I,s:I,s:b}", "format", (int)p->format,
                          "header_end", (json_int_t)p->header_end, "offset",
                          (json_int_t)p->offset, "row", (json_int_t)p->row,
                          "after", p->after);
    json_object_set_new(o, "chunk_at",
                        json_integer(inflight ? j->chunk_at : j->nchunk_at));
    json_object_set_new(o, "chunk_plain",
                        json_integer(inflight ? j->chunk_plain
                                              : j->nchunk_plain));
    json_t *c = json_pack("{s:b}", "inflight", inflight);
    /* the first batch in flight has no position yet (row 0): a restart
     * reads from the top again (resend_upsert keeps it single) */
    if (inflight && !j->have_pos)
        json_decref(o);
    else
        json_object_set_new(c, "pos", o);
    if (j->created)
        json_object_set(c, "createdProperties", j->created);
    char *s = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    return s;
}

/* Store the pending errors and the checkpoint; false when the job is gone
 * from this node (j freed). */
static bool upload_commit(struct job *j, bool inflight, bool *cancel)
{
    size_t n = inflight ? 0 : json_array_size(j->errs);
    if (n) {
        struct store_bulk_error *rows = ed_calloc(n, sizeof(*rows));
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(j->errs, i);
            json_t *rec = json_array_get(e, 2);
            rows[i].row = json_integer_value(json_array_get(e, 0));
            rows[i].message = (char *)json_string_value(json_array_get(e, 1));
            rows[i].record = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
        }
        enum ed_err err = store_bulk_errors_add(E.app->store, j->row.id, rows,
                                                n);
        for (size_t i = 0; i < n; i++)
            free(rows[i].record);
        free(rows);
        if (err) {
            job_end(j, "ABORTED", "Could not record the rejected rows");
            return false;
        }
        json_array_clear(j->errs);
    }
    free(j->row.checkpoint);
    j->row.checkpoint = upload_checkpoint(j, inflight);
    /* in flight: the counts as they were before the batch (a resumed job
     * reads it again) */
    int64_t failed = j->row.failed_count;
    if (inflight)
        j->row.failed_count = j->base_failed;
    enum ed_err err = store_bulk_checkpoint(E.app->store, &j->row, E.owner,
                                            ed_now_ms() +
                                                E.app->cfg->bulk_lease_ms,
                                            cancel);
    j->row.failed_count = failed;
    if (err != ED_OK) {
        ed_warn(NULL, "msg=\"bulk job lost its lease\" job=%lld",
                (long long)j->row.id);
        job_free(j);
        return false;
    }
    return true;
}

/* The hub's message for a refused call. */
static void call_message(const struct hubcall_result *r, char *out,
                         size_t outlen)
{
    snprintf(out, outlen, "%s%s%s", r->message ? r->message : "refused",
             r->provider_message ? ": " : "",
             r->provider_message ? r->provider_message : "");
}

static void batch_send(struct job *j);

/* The batch (or the retried record) is done: on to the next. */
static void batch_next(struct job *j)
{
    json_t *idx = json_array_get(json_array_get(j->groups, j->group), 2);
    if (j->singles && j->single + 1 < json_array_size(idx)) {
        j->single++;
        batch_send(j);
        return;
    }
    if (j->group + 1 < json_array_size(j->groups)) {
        j->group++;
        j->singles = false;
        j->single = 0;
        batch_send(j);
        return;
    }
    j->pos = j->npos;
    j->chunk_at = j->nchunk_at;
    j->chunk_plain = j->nchunk_plain;
    j->have_pos = true;
    j->resend_upsert = false;
    json_array_clear(j->batch);
    json_array_clear(j->rows);
    bool cancel = false;
    if (!upload_commit(j, false, &cancel))
        return;
    if (cancel) {
        job_end(j, "CANCELLED", NULL);
        return;
    }
    if (j->eof) {
        job_end(j, "COMPLETED", NULL);
        return;
    }
    events_loop_after(0, upload_step, j);
}

static void batch_done(void *ud, const struct hubcall_result *r)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j);
        return;
    }
    json_t *idx = json_array_get(json_array_get(j->groups, j->group), 2);
    size_t n = json_array_size(idx);
    size_t lo = j->singles ? j->single : 0, hi = j->singles ? lo + 1 : n;
    char msg[1024];
#define AT(i) ((size_t)json_integer_value(json_array_get(idx, (i))))
    if (r->status == 200) {
        json_t *res = json_object_get(r->body, "results");
        json_t *errors = json_object_get(r->body, "errors");
        size_t landed = json_array_size(res);
        if (landed > hi - lo)
            landed = hi - lo;
        j->row.records_count += (int64_t)landed;
        /* HubSpot's per-input errors (the rest of the batch landed) */
        size_t k;
        json_t *e;
        json_array_foreach(errors, k, e) {
            size_t at = lo + (k < hi - lo ? k : 0);
            const char *m = json_string_value(json_object_get(e, "message"));
            snprintf(msg, sizeof(msg), "HubSpot refused the record: %s",
                     m ? m : "no message");
            add_error(j,
                      (uint64_t)json_integer_value(
                          json_array_get(j->rows, AT(at))),
                      msg, json_array_get(j->batch, AT(at)));
        }
        batch_next(j);
        return;
    }
    if (r->status == 0 || r->status == 429 || r->status >= 500 ||
        r->status == 401 || r->status == 403) {
        call_message(r, msg, sizeof(msg));
        job_end(j, r->status == 401 || r->status == 403 ? "ERROR" : "ABORTED",
                msg);
        return;
    }
    if (!j->singles && n > 1 && (r->status == 400 || r->status == 409)) {
        /* one bad record refuses the batch: one at a time, so the good ones
         * still land */
        j->singles = true;
        j->single = 0;
        batch_send(j);
        return;
    }
    /* every record of this call fails (an unknown object, a bad record) */
    call_message(r, msg, sizeof(msg));
    for (size_t i = lo; i < hi; i++)
        add_error(j,
                  (uint64_t)json_integer_value(json_array_get(j->rows, AT(i))),
                  msg, json_array_get(j->batch, AT(i)));
#undef AT
    batch_next(j);
}

static void batch_send(struct job *j)
{
    json_t *g = json_array_get(j->groups, j->group);
    const char *verb = json_string_value(json_array_get(g, 0));
    const char *idp = json_string_value(json_array_get(g, 1));
    json_t *idx = json_array_get(g, 2);
    size_t lo = j->singles ? j->single : 0;
    size_t hi = j->singles ? lo + 1 : json_array_size(idx);
    json_t *inputs = json_array();
    for (size_t i = lo; i < hi; i++) {
        json_t *rec = json_array_get(j->batch, (size_t)json_integer_value(
                                                   json_array_get(idx, i)));
        json_t *in = json_copy(rec);
        json_t *v = idp ? json_object_get(json_object_get(rec, "properties"),
                                          idp)
                        : NULL;
        /* the upsert's id is the record's value of idProperty (not a
         * top-level "id" column) */
        if ((json_is_string(v) && *json_string_value(v)) || json_is_integer(v))
            json_object_set(in, "id", v);
        json_array_append_new(inputs, in);
    }
    json_t *body = json_pack("{s:o}", "inputs", inputs);
    if (idp)
        json_object_set_new(body, "idProperty", json_string(idp));
    char url[512];
    snprintf(url, sizeof(url), "/%s/batch/%s", j->row.object_name, verb);
    enum ed_err err = hubcall_send(E.app, &j->in, ED_POST, url, body, true,
                                   batch_done, j); /* body taken */
    if (err)
        job_end(j, "ABORTED", "Could not start the hub call");
}

/* The batch's calls (j->groups), in order:
 * - with identifierFieldName: one upsert by it (properties. stripped);
 * - contacts without it (HubSpot's create-or-update by email, as Cloud
 *   Elements' HubSpot bulk did), and a resumed in-flight batch of leads:
 *   the records with an email upserted by email, then the others created;
 * - else one create. */
static void batch_groups(struct job *j)
{
    json_decref(j->groups);
    j->groups = json_array();
    j->group = 0;
    j->singles = false;
    j->single = 0;
    char idf[300] = "";
    const char *s = json_string_value(
        json_object_get(j->opts, "identifierFieldName"));
    if (s && strncmp(s, "properties.", 11) == 0)
        s += 11;
    if (s && strlen(s) < sizeof(idf))
        for (size_t i = 0; i <= strlen(s); i++)
            idf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    size_t n = json_array_size(j->batch);
    json_t *all = json_array(), *up = json_array(), *cr = json_array();
    bool by_email = !*idf && (strcmp(j->row.object_name, "contacts") == 0 ||
                              j->resend_upsert);
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_object_get(json_array_get(j->batch, i), "properties");
        const char *em = json_string_value(json_object_get(p, "email"));
        json_array_append_new(all, json_integer((json_int_t)i));
        json_array_append_new(by_email && em && *em ? up : cr,
                              json_integer((json_int_t)i));
    }
    if (*idf)
        json_array_append_new(j->groups,
                              json_pack("[s,s,O]", "upsert", idf, all));
    else if (by_email) {
        if (json_array_size(up))
            json_array_append_new(j->groups,
                                  json_pack("[s,s,O]", "upsert", "email", up));
        if (json_array_size(cr))
            json_array_append_new(j->groups,
                                  json_pack("[s,n,O]", "create", cr));
    } else
        json_array_append_new(j->groups, json_pack("[s,n,O]", "create", all));
    json_decref(all);
    json_decref(up);
    json_decref(cr);
}

/* --- create.bulk.properties ---------------------------------------------------
 * With the instance's create.bulk.properties true, before its first batch
 * an upload makes in HubSpot the properties its records name and the
 * portal lacks: the hub's GET /{object}/properties, the group
 * BULK_GROUP (POST /{object}/propertygroups; 409: there already), then
 * POST /{object}/properties for each (409: made meanwhile, fine). A
 * property is a number when every non-empty value the first batch has for
 * it is a number, else a string. The names made are kept in the
 * checkpoint (createdProperties, shown in the status); its presence means
 * the pass ran, so a resumed job does not run it again. A pass that fails
 * is not fatal: the rows then fail as HubSpot says. */
#define BULK_GROUP "elementsd_bulk"

static bool props_wanted(const struct job *j)
{
    static const char *const objs[] = {"contacts",  "leads",         "accounts",
                                       "companies", "opportunities", "deals",
                                       NULL};
    const char *v = instance_cfg(&j->in, "create.bulk.properties");
    if (!v || strcasecmp(v, "true") != 0)
        return false;
    for (const char *const *o = objs; *o; o++)
        if (strcmp(*o, j->row.object_name) == 0)
            return true;
    return false;
}

/* A name HubSpot takes for a custom property: [a-z][a-z0-9_]*, < 100. */
static bool prop_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len >= 100 || n[0] < 'a' || n[0] > 'z')
        return false;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') ||
              *n == '_'))
            return false;
    return true;
}

/* A JSON number, or a string that is one written plainly: -?digits[.digits]
 * with no leading zero ("007" and "1e3" stay strings). */
static bool is_number(json_t *v)
{
    if (json_is_number(v))
        return true;
    const char *s = json_string_value(v);
    if (!s)
        return false;
    if (*s == '-')
        s++;
    if (!(*s >= '0' && *s <= '9') ||
        (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* {name: "number"|"string"} of the first batch's properties. */
static json_t *batch_columns(const struct job *j)
{
    json_t *cols = json_object(), *rec;
    size_t i;
    json_array_foreach(j->batch, i, rec) {
        json_t *props = json_object_get(rec, "properties");
        json_t *src = json_is_object(props) ? props : rec;
        const char *k;
        json_t *v;
        json_object_foreach(src, k, v) {
            char name[100];
            size_t n = strlen(k);
            if (src == rec && (strcmp(k, "id") == 0 || json_is_object(v)))
                continue;
            if (n >= sizeof(name))
                continue;
            for (size_t c = 0; c <= n; c++)
                name[c] = (char)((k[c] >= 'A' && k[c] <= 'Z') ? k[c] + 32
                                                              : k[c]);
            if (!prop_name_ok(name))
                continue;
            json_t *had = json_object_get(cols, name);
            bool empty = json_is_null(v) ||
                         (json_is_string(v) && !*json_string_value(v));
            const char *t = empty ? (had ? json_string_value(had) : "empty")
                            : is_number(v) &&
                                    (!had || strcmp(json_string_value(had),
                                                    "string") != 0)
                                ? "number"
                                : "string";
            json_object_set_new(cols, name, json_string(t));
        }
    }
    return cols;
}

static void props_next(struct job *j);

static void props_end(struct job *j)
{
    json_decref(j->missing);
    j->missing = NULL;
    if (!j->created)
        j->created = json_array();
    ed_info(NULL, "msg=\"bulk properties created\" job=%lld count=%zu",
            (long long)j->row.id, json_array_size(j->created));
    batch_begin(j);
}

static void prop_made(void *ud, const struct hubcall_result *r)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j);
        return;
    }
    json_t *m = json_array_get(j->missing, 0);
    if (r->status == 200)
        json_array_append(j->created, json_array_get(m, 0));
    else if (r->status != 409)
        ed_warn(NULL,
                "msg=\"bulk property not created\" job=%lld name=%s "
                "status=%d",
                (long long)j->row.id, json_string_value(json_array_get(m, 0)),
                r->status);
    json_array_remove(j->missing, 0);
    props_next(j);
}

static void props_next(struct job *j)
{
    json_t *m = json_array_get(j->missing, 0);
    if (!m) {
        props_end(j);
        return;
    }
    bool num = strcmp(json_string_value(json_array_get(m, 1)), "number") == 0;
    const char *name = json_string_value(json_array_get(m, 0));
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "label",
                             name, "type", num ? "number" : "string",
                             "fieldType", num ? "number" : "text", "groupName",
                             BULK_GROUP);
    char url[256];
    snprintf(url, sizeof(url), "/%s/properties", j->row.object_name);
    if (hubcall_send(E.app, &j->in, ED_POST, url, body, true, prop_made, j))
        props_end(j);
}

static void group_made(void *ud, const struct hubcall_result *r)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j);
        return;
    }
    if (r->status != 200 && r->status != 409) {
        ed_warn(NULL,
                "msg=\"bulk property group not created\" job=%lld "
                "status=%d",
                (long long)j->row.id, r->status);
        json_array_clear(j->missing);
    }
    props_next(j);
}

static void props_listed(void *ud, const struct hubcall_result *r)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j);
        return;
    }
    j->created = json_array();
    if (r->status != 200 || !json_is_array(r->body)) {
        props_end(j);
        return;
    }
    json_t *cols = batch_columns(j), *p, *v;
    size_t i;
    json_array_foreach(r->body, i, p) {
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n)
            json_object_del(cols, n);
    }
    j->missing = json_array();
    const char *k;
    json_object_foreach(cols, k, v)
        json_array_append_new(j->missing,
                              json_pack("[s,s]", k, json_string_value(v)));
    json_decref(cols);
    if (json_array_size(j->missing) == 0) {
        props_end(j);
        return;
    }
    char url[256];
    snprintf(url, sizeof(url), "/%s/propertygroups", j->row.object_name);
    json_t *g = json_pack("{s:s,s:s}", "name", BULK_GROUP, "label",
                          "elementsd bulk");
    if (hubcall_send(E.app, &j->in, ED_POST, url, g, true, group_made, j))
        props_end(j);
}

static void props_start(struct job *j)
{
    char url[256];
    snprintf(url, sizeof(url), "/%s/properties", j->row.object_name);
    if (hubcall_send(E.app, &j->in, ED_GET, url, NULL, true, props_listed, j))
        props_end(j);
}

static void upload_step(void *ud)
{
    struct job *j = ud;
    if (!atomic_load(&E.on)) {
        job_free(j);
        return;
    }
    json_t *fmt = json_object_get(j->opts, "format");
    struct rec_opts o = {REC_AUTO, 0, 0};
    if (json_is_string(fmt))
        rec_format_parse(json_string_value(fmt), &o.format);
    struct fill f;
    memset(&f, 0, sizeof(f));
    f.j = j;
    f.st = REC_OK;
    f.max = PAGE_SIZE;
    if (json_is_false(json_object_get(j->opts, "useBatchUpload")))
        f.max = 1;
    f.r = records_new(&o, fill_rec, &f);
    if (j->have_pos && !records_resume(f.r, &j->pos)) {
        records_free(f.r);
        job_end(j, "ABORTED", "The upload checkpoint cannot be used");
        return;
    }
    j->singles = false;
    j->single = 0;
    json_decref(j->groups);
    j->groups = NULL;
    j->group = 0;
    j->npos = j->pos;
    j->nchunk_at = j->chunk_at;
    j->nchunk_plain = j->chunk_plain;
    j->base_failed = j->row.failed_count;
    enum ed_err err = ED_OK;
    if (j->have_pos && j->pos.format == REC_CSV && j->pos.header_end > 0 &&
        j->chunk_plain > 0) {
        /* the header's bytes before the chunk first */
        f.header = true;
        err = bulk_file_read(E.app, j->row.file_name, fill_chunk, &f);
        f.header = false;
        if (err == ED_ERR_TOO_LARGE && f.st == REC_OK)
            err = ED_OK;
    }
    if (err == ED_OK && j->have_pos) {
        f.at = j->chunk_at;
        f.plain = (uint64_t)j->chunk_plain;
        f.cur_at = f.prev_at = f.at;
        f.cur_plain = f.prev_plain = j->chunk_plain;
    }
    if (err == ED_OK)
        err = bulk_file_read_at(E.app, j->row.file_name,
                                j->have_pos ? j->chunk_at : 0, fill_chunk, &f);
    if (err == ED_OK) {
        f.st = records_finish(f.r);
        if (f.st == REC_OK)
            j->eof = true;
    } else if (err != ED_ERR_TOO_LARGE) {
        records_free(f.r);
        job_end(j, "ABORTED", "Could not read the uploaded file");
        return;
    }
    if (f.st == REC_ERROR) {
        /* the file is refused from here on */
        add_error(j, records_error_row(f.r), records_error(f.r), NULL);
        j->eof = true;
    }
    records_free(f.r);
    if (json_array_size(j->batch) == 0) {
        batch_next(j);
        return;
    }
    if (!j->created && props_wanted(j)) {
        props_start(j); /* then batch_begin */
        return;
    }
    batch_begin(j);
}

/* The batch read: checkpoint it as in flight, then send it. */
static void batch_begin(struct job *j)
{
    /* write-ahead: a restart sees that this batch may have landed */
    bool cancel = false;
    if (!upload_commit(j, true, &cancel))
        return;
    if (cancel) {
        job_end(j, "CANCELLED", NULL);
        return;
    }
    batch_groups(j);
    batch_send(j);
}

static void upload_start(struct job *j)
{
    j->upload = true;
    j->opts = json_loads(j->row.options, 0, NULL);
    if (!j->opts)
        j->opts = json_object();
    j->batch = json_array();
    j->rows = json_array();
    j->errs = json_array();
    json_t *cp = json_loads(j->row.checkpoint, 0, NULL);
    json_t *p = json_object_get(cp, "pos");
    if (json_is_object(p)) {
        j->have_pos = true;
        j->pos.format = (enum rec_format)json_integer_value(
            json_object_get(p, "format"));
        j->pos.header_end = (uint64_t)json_integer_value(
            json_object_get(p, "header_end"));
        j->pos.offset = (uint64_t)json_integer_value(
            json_object_get(p, "offset"));
        j->pos.row = (uint64_t)json_integer_value(json_object_get(p, "row"));
        j->pos.after = json_is_true(json_object_get(p, "after"));
        j->chunk_at = json_integer_value(json_object_get(p, "chunk_at"));
        j->chunk_plain = json_integer_value(json_object_get(p, "chunk_plain"));
        if (j->chunk_at < 0 || j->chunk_plain < 0 ||
            (uint64_t)j->chunk_plain > j->pos.offset)
            j->chunk_at = j->chunk_plain = 0;
    }
    json_t *made = json_object_get(cp, "createdProperties");
    if (json_is_array(made))
        j->created = json_incref(made);
    const char *obj = j->row.object_name;
    j->resend_upsert = json_is_true(json_object_get(cp, "inflight")) &&
                       (strcmp(obj, "contacts") == 0 ||
                        strcmp(obj, "leads") == 0);
    json_decref(cp);
    if (instance_load(E.app, j->row.org_id, j->row.instance_id, &j->in) !=
        ED_OK) {
        job_end(j, "ERROR", "The element instance is gone");
        return;
    }
    ed_info(NULL, "msg=\"bulk upload started\" job=%lld object=%s resumed=%s",
            (long long)j->row.id, obj, j->have_pos ? "yes" : "no");
    upload_step(j);
}

/* Start a claimed job (row taken). */
static void job_start(struct store_bulk_job *row)
{
    struct job *j = ed_calloc(1, sizeof(*j));
    j->row = *row;
    memset(row, 0, sizeof(*row));
    E.running++;
    if (strcmp(j->row.status, "CANCELLATION_PENDING") == 0) {
        job_end(j, "CANCELLED", NULL);
        return;
    }
    if (strcmp(j->row.direction, "UPLOAD") == 0) {
        upload_start(j);
        return;
    }
    if (strcmp(j->row.direction, "DOWNLOAD") != 0) {
        job_end(j, "ERROR", "Unknown job direction");
        return;
    }
    struct bulk_query q;
    char why[300];
    json_t *opts = json_loads(j->row.options, 0, NULL);
    const char *from = json_string_value(json_object_get(opts, "from"));
    const char *to = json_string_value(json_object_get(opts, "to"));
    enum ed_err err = bulk_query_parse(j->row.query, from, to, &q, why,
                                       sizeof(why));
    json_decref(opts);
    if (err) {
        job_end(j, "ERROR", why);
        return;
    }
    j->fields = q.fields;
    j->where = q.where;
    q.fields = NULL;
    q.where = NULL;
    bulk_query_cleanup(&q);
    json_t *cp = json_loads(j->row.checkpoint, 0, NULL);
    j->len = json_integer_value(json_object_get(cp, "len"));
    const char *s = json_string_value(json_object_get(cp, "next"));
    j->next = s ? ed_strdup(s) : NULL;
    s = json_string_value(json_object_get(cp, "last"));
    j->last = s ? ed_strdup(s) : NULL;
    bool resumed = json_object_size(cp) > 0;
    json_decref(cp);
    if (!*j->row.file_name) {
        char name[64];
        bulk_file_name(j->row.id, name, sizeof(name));
        free(j->row.file_name);
        j->row.file_name = ed_strdup(name);
    }
    if (bulk_file_truncate(E.app, j->row.file_name, j->len) != ED_OK) {
        job_end(j, "ABORTED",
                "The results file is shorter than its checkpoint");
        return;
    }
    if (instance_load(E.app, j->row.org_id, j->row.instance_id, &j->in) !=
        ED_OK) {
        job_end(j, "ERROR", "The element instance is gone");
        return;
    }
    ed_info(NULL, "msg=\"bulk job started\" job=%lld object=%s resumed=%s",
            (long long)j->row.id, j->row.object_name, resumed ? "yes" : "no");
    step(j);
}

static void sweep(void)
{
    struct ed_app *app = E.app;
    int64_t cut = ed_now_ms() - app->cfg->bulk_retention_hours * 3600000;
    int64_t ids[64], after = 0;
    size_t n = 0;
    do {
        if (store_bulk_expired(app->store, cut, after, ids, 64, &n) != ED_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            char name[64];
            bulk_file_name(ids[i], name, sizeof(name));
            bulk_file_delete(app, name);
            store_bulk_drop_file(app->store, ids[i]);
            after = ids[i];
        }
    } while (n == 64);
    /* files whose job is gone (deleted with its instance) */
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/bulk", app->cfg->data_dir);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        /* "job-<id>.bin" */
        const char *nm = e->d_name;
        const char *dot = strchr(nm, '.');
        char digits[24];
        uint64_t id = 0;
        size_t dn = dot ? (size_t)(dot - nm) : 0;
        if (strncmp(nm, "job-", 4) != 0 || !dot || strcmp(dot, ".bin") != 0 ||
            dn <= 4 || dn - 4 >= sizeof(digits))
            continue;
        memcpy(digits, nm + 4, dn - 4);
        digits[dn - 4] = '\0';
        if (!ed_parse_u64(digits, INT64_MAX, &id) || id == 0)
            continue;
        struct store_bulk_job row;
        memset(&row, 0, sizeof(row));
        enum ed_err err = store_bulk_get(app->store, 0, 0, (int64_t)id, &row);
        if (err == ED_ERR_NOT_FOUND)
            bulk_file_delete(app, e->d_name);
        store_bulk_job_cleanup(&row);
    }
    closedir(d);
    bulk_sweep_orphan_uploads(app); /* uploads with no job (files.h) */
}

static void tick(void *ud)
{
    (void)ud;
    if (!atomic_load(&E.on))
        return;
    int64_t now = ed_now_ms();
    if (now >= E.next_sweep) {
        sweep();
        E.next_sweep = now + SWEEP_MS;
    }
    int room = (int)E.app->cfg->bulk_jobs - E.running;
    if (room > 0) {
        struct store_bulk_job *rows = NULL;
        size_t n = 0;
        if (store_bulk_claim(E.app->store, now, now + E.app->cfg->bulk_lease_ms,
                             E.owner, (size_t)room, &rows, &n) == ED_OK) {
            for (size_t i = 0; i < n; i++)
                job_start(&rows[i]);
            store_bulk_jobs_free(rows, n);
        }
    }
    events_loop_after(TICK_MS, tick, NULL);
}

static void kicked(void *ud)
{
    (void)ud;
    if (!atomic_load(&E.on))
        return;
    int room = (int)E.app->cfg->bulk_jobs - E.running;
    if (room <= 0)
        return;
    int64_t now = ed_now_ms();
    struct store_bulk_job *rows = NULL;
    size_t n = 0;
    if (store_bulk_claim(E.app->store, now, now + E.app->cfg->bulk_lease_ms,
                         E.owner, (size_t)room, &rows, &n) == ED_OK) {
        for (size_t i = 0; i < n; i++)
            job_start(&rows[i]);
        store_bulk_jobs_free(rows, n);
    }
}

void bulk_kick(void)
{
    events_loop_post(kicked, NULL);
}

enum ed_err bulk_start(struct ed_app *app)
{
    unsigned char rnd[8];
    E.app = app;
    E.running = 0;
    E.next_sweep = 0;
    atomic_store(&E.on, true);
    crypto_random(rnd, sizeof(rnd));
    snprintf(E.owner, sizeof(E.owner), "%02x%02x%02x%02x%02x%02x%02x%02x",
             rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    if (!events_loop_post(tick, NULL))
        return ED_ERR_IO;
    return bulk_workflow_start(app);
}

void bulk_stop(void)
{
    /* the loop stops right after and drops the jobs in flight: their leases
     * run out and their checkpoints hold */
    atomic_store(&E.on, false);
    bulk_workflow_stop();
}
