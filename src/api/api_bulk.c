/* SPDX-License-Identifier: MIT
 * Bulk downloads (issue 13, spec elements-api.md §6; docs/api/bulk.md),
 * Element token, under /hubs/{hub}/bulk/... and /bulk/... (matched before
 * the hub catch-all): create a query job, its status, results (JSON lines
 * or CSV), errors, cancel, and the job list. Jobs run in bulk/engine.c;
 * another instance's or organization's job is a 404. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "bulk/bulk.h"
#include "bulk/files.h"
#include "bulk/multipart.h"
#include "bulk/records.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "store/store.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 500

/* Load job {id} (path parameter idx) of the token's instance or answer. */
static bool load_job(struct ed_request *req, struct ed_response *res,
                     size_t idx, struct store_bulk_job *job)
{
    int64_t inst = 0;
    uint64_t id = 0;
    memset(job, 0, sizeof(*job));
    if (!api_token_instance(req, res, &inst))
        return false;
    const char *s = req_param(req, idx);
    if (!s || !ed_parse_u64(s, INT64_MAX, &id) || id == 0) {
        res_error(req, res, ED_E_NOT_FOUND, "No bulk job with id '%s'",
                  s ? s : "");
        return false;
    }
    enum ed_err err = store_bulk_get(req->app->store, req->auth.org_id, inst,
                                     (int64_t)id, job);
    if (err == ED_ERR_NOT_FOUND) {
        res_error(req, res, ED_E_NOT_FOUND, "No bulk job with id %llu",
                  (unsigned long long)id);
        return false;
    }
    if (err) {
        res_error(req, res, ED_E_INTERNAL, NULL);
        return false;
    }
    return true;
}

/* A value of the query string or of the JSON body. */
static const char *arg(struct ed_request *req, const char *name)
{
    const char *v = req_query(req, name);
    if (v && *v)
        return v;
    json_t *b = json_object_get(req->body, name);
    return json_is_string(b) ? json_string_value(b) : NULL;
}

static int bulk_query(struct ed_request *req, struct ed_response *res)
{
    int64_t inst = 0;
    if (!api_token_instance(req, res, &inst))
        return res->status;
    const char *q = arg(req, "q");
    const char *last = arg(req, "lastRunDate");
    const char *from = arg(req, "from");
    const char *to = arg(req, "to");
    if (!from || !*from)
        from = last;
    struct bulk_query bq;
    char why[300];
    if (bulk_query_parse(q, from, to, &bq, why, sizeof(why)) != ED_OK)
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    json_t *opts = json_object();
    if (from && *from)
        json_object_set_new(opts, "from", json_string(from));
    if (to && *to)
        json_object_set_new(opts, "to", json_string(to));
    if (bq.fields)
        json_object_set(opts, "fields", bq.fields);
    const char *cb = req_header(req, "Elements-Async-Callback-Url");
    if (cb && *cb && strlen(cb) < 2048)
        json_object_set_new(opts, "callbackUrl", json_string(cb));
    /* a JSON body's metaData (an object, or its JSON text): its
     * callback-payload is echoed in the completion callback */
    json_t *meta = json_object_get(req->body, "metaData");
    json_t *mparsed = NULL;
    if (json_is_string(meta))
        meta = mparsed = json_loads(json_string_value(meta), 0, NULL);
    json_t *cbp = json_object_get(meta, "callback-payload");
    if (cbp && !json_is_null(cbp))
        json_object_set(opts, "callback-payload", cbp);
    json_decref(mparsed);
    struct store_bulk_job job = {0};
    job.org_id = req->auth.org_id;
    job.instance_id = inst;
    job.direction = ed_strdup("DOWNLOAD");
    job.object_name = ed_strdup(bq.object);
    job.query = ed_strdup(q);
    job.options = json_dumps(opts, JSON_COMPACT);
    job.created_at = ed_now_ms();
    json_decref(opts);
    bulk_query_cleanup(&bq);
    enum ed_err err = store_bulk_create(req->app->store, &job);
    int64_t id = job.id;
    store_bulk_job_cleanup(&job);
    if (err)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    bulk_kick();
    return res_json(res, 200,
                    json_pack("{s:I,s:s}", "id", (json_int_t)id, "status",
                              "CREATED"));
}

/* --- uploads --------------------------------------------------------------- */

/* metaData (a JSON object) into the job's options; false with why. */
static bool upload_options(const struct ed_buf *meta, json_t *opts, char *why,
                           size_t whylen)
{
    if (!meta)
        return true;
    json_error_t jerr;
    json_t *m = json_loadb(meta->data ? meta->data : "", meta->len,
                           JSON_REJECT_DUPLICATES, &jerr);
    bool ok = false;
    if (!json_is_object(m)) {
        snprintf(why, whylen, "metaData must be a JSON object%s%s",
                 m ? "" : ": ", m ? "" : jerr.text);
        goto out;
    }
    json_t *f = json_object_get(m, "format");
    enum rec_format fmt;
    if (f &&
        (!json_is_string(f) || !rec_format_parse(json_string_value(f), &fmt))) {
        snprintf(why, whylen, "metaData.format must be csv, json or jsonl");
        goto out;
    }
    if (f)
        json_object_set(opts, "format", f);
    json_t *idf = json_object_get(m, "identifierFieldName");
    if (idf && !json_is_null(idf)) {
        if (!json_is_string(idf) || !*json_string_value(idf) ||
            strlen(json_string_value(idf)) > 256) {
            snprintf(why, whylen,
                     "metaData.identifierFieldName must be a field name");
            goto out;
        }
        json_object_set(opts, "identifierFieldName", idf);
    }
    json_t *ub = json_object_get(m, "useBatchUpload");
    if (ub && !json_is_null(ub)) {
        const char *us = json_string_value(ub);
        if (!json_is_boolean(ub) && !(us && (strcasecmp(us, "true") == 0 ||
                                             strcasecmp(us, "false") == 0))) {
            snprintf(why, whylen,
                     "metaData.useBatchUpload must be true or false");
            goto out;
        }
        json_object_set_new(opts, "useBatchUpload",
                            json_boolean(json_is_true(ub) ||
                                         (us && strcasecmp(us, "true") == 0)));
    }
    json_t *cbp = json_object_get(m, "callback-payload");
    if (cbp && !json_is_null(cbp))
        json_object_set(opts, "callback-payload", cbp);
    json_t *path = json_object_get(m, "path");
    if (path && !json_is_null(path)) {
        if (!json_is_string(path) || strlen(json_string_value(path)) > 1024) {
            snprintf(why, whylen, "metaData.path must be a string");
            goto out;
        }
        json_object_set(opts, "path", path);
    }
    ok = true;
out:
    json_decref(m);
    return ok;
}

/* The body of POST /bulk/{objectName} is streamed (api.h route sink): the
 * multipart body goes through the push parser as it arrives; the first
 * 'file' part is sealed chunk by chunk into
 * <data-dir>/bulk/upload-<org>-<instance>-<hex>.part, the first 'metaData'
 * part (at most 64 KiB) is kept in memory, other parts are skipped. At the
 * end the file is fsync'd once, renamed .bin and the UPLOAD job made; any
 * failure, or a client that goes away mid-body, removes the file (free). */
#define META_MAX 65536

enum up_part { UP_SKIP, UP_FILE, UP_META };

struct upload {
    struct ed_app *app;
    int64_t inst;
    struct mp_stream *mp;
    struct bulk_writer *w;
    enum up_part cur;
    bool have_file, have_meta, kept;
    struct ed_buf meta;
    int fail;       /* a callback's error: ED_E_* + message in why */
    char part[96];  /* the file being written */
    char final[96]; /* its name once complete */
    char why[300];
};

static int up_begin(void *ud, const struct mp_part *p)
{
    struct upload *u = ud;
    u->cur = UP_SKIP;
    if (strcmp(p->name, "file") == 0 && !u->have_file) {
        if (bulk_writer_open(u->app, u->part, &u->w) != ED_OK) {
            u->fail = ED_E_INTERNAL;
            return 1;
        }
        u->have_file = true;
        u->cur = UP_FILE;
    } else if (strcmp(p->name, "metaData") == 0 && !u->have_meta) {
        u->have_meta = true;
        u->cur = UP_META;
    }
    return 0;
}

static int up_data(void *ud, const char *d, size_t n)
{
    struct upload *u = ud;
    if (u->cur == UP_FILE && bulk_writer_write(u->w, d, n) != ED_OK) {
        u->fail = ED_E_INTERNAL;
        return 1;
    }
    if (u->cur == UP_META && ed_buf_append(&u->meta, d, n) != ED_OK) {
        u->fail = ED_E_BAD_REQUEST;
        snprintf(u->why, sizeof(u->why), "metaData is over %d bytes", META_MAX);
        return 1;
    }
    return 0;
}

static int up_end(void *ud)
{
    struct upload *u = ud;
    u->cur = UP_SKIP;
    return 0;
}

static const struct mp_stream_cb up_cb = {up_begin, up_data, up_end};

/* A parser result (-1 parse error, -2 a callback's) into the answer. */
static int up_refuse(struct ed_request *req, struct ed_response *res,
                     struct upload *u, int rc)
{
    if (rc == -2 && u->fail == ED_E_INTERNAL)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    return res_error(req, res, ED_E_BAD_REQUEST, "%s", u->why);
}

static int up_open(struct ed_request *req, struct ed_response *res,
                   void **state)
{
    int64_t inst = 0;
    if (!api_token_instance(req, res, &inst))
        return res->status;
    struct upload *u = ed_calloc(1, sizeof(*u));
    u->app = req->app;
    u->inst = inst;
    ed_buf_init(&u->meta, META_MAX);
    char *hex = crypto_random_hex(12);
    snprintf(u->part, sizeof(u->part), "upload-%lld-%lld-%s.part",
             (long long)req->auth.org_id, (long long)inst, hex);
    snprintf(u->final, sizeof(u->final), "upload-%lld-%lld-%s.bin",
             (long long)req->auth.org_id, (long long)inst, hex);
    free(hex);
    const char *ct = req_header(req, "Content-Type");
    u->mp = multipart_stream_new(req->arena, ct ? ct : "", &up_cb, u, u->why,
                                 sizeof(u->why));
    *state = u;
    if (!u->mp)
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", u->why);
    return 0;
}

static int up_write(struct ed_request *req, struct ed_response *res,
                    void *state, const char *data, size_t n)
{
    struct upload *u = state;
    int rc = multipart_stream_feed(u->mp, data, n, u->why, sizeof(u->why));
    return rc ? up_refuse(req, res, u, rc) : 0;
}

static int up_close(struct ed_request *req, struct ed_response *res,
                    void *state)
{
    struct upload *u = state;
    int rc = multipart_stream_finish(u->mp, u->why, sizeof(u->why));
    return rc ? up_refuse(req, res, u, rc) : 0;
}

static void up_free(struct ed_app *app, void *state)
{
    struct upload *u = state;
    if (!u)
        return;
    bulk_writer_free(u->w);
    if (!u->kept) {
        bulk_file_delete(app, u->part);
        bulk_file_delete(app, u->final);
    }
    multipart_stream_free(u->mp);
    ed_buf_cleanup(&u->meta);
    free(u);
}

static const struct ed_body_sink upload_sink = {up_open, up_write, up_close,
                                                up_free};

/* POST /bulk/{objectName}: the streamed multipart body is in (upload_sink):
 * check metaData, make the file durable and the UPLOAD job. */
static int bulk_upload(struct ed_request *req, struct ed_response *res)
{
    struct upload *u = req->body_state;
    const char *obj = req_param(req, req->nparams - 1);
    char why[300];
    if (!u)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    if (!u->have_file)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "The multipart body has no 'file' part");
    json_t *opts = json_object();
    if (!upload_options(u->have_meta ? &u->meta : NULL, opts, why,
                        sizeof(why))) {
        json_decref(opts);
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    }
    const char *cb = req_header(req, "Elements-Async-Callback-Url");
    if (cb && *cb && strlen(cb) < 2048)
        json_object_set_new(opts, "callbackUrl", json_string(cb));
    int64_t len = 0;
    if (bulk_writer_finish(u->w, &len) != ED_OK ||
        bulk_file_rename(req->app, u->part, u->final) != ED_OK) {
        json_decref(opts);
        return res_error(req, res, ED_E_INTERNAL, NULL);
    }
    struct store_bulk_job job = {0};
    job.org_id = req->auth.org_id;
    job.instance_id = u->inst;
    job.direction = ed_strdup("UPLOAD");
    job.object_name = ed_strdup(obj);
    job.query = ed_strdup("");
    job.options = json_dumps(opts, JSON_COMPACT);
    job.created_at = ed_now_ms();
    job.file_name = ed_strdup(u->final);
    json_decref(opts);
    enum ed_err err = store_bulk_create(req->app->store, &job);
    int64_t id = job.id;
    store_bulk_job_cleanup(&job);
    if (err)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    u->kept = true;
    bulk_kick();
    return res_json(res, 200,
                    json_pack("{s:I,s:s}", "id", (json_int_t)id, "status",
                              "CREATED"));
}

static int bulk_status(struct ed_request *req, struct ed_response *res)
{
    struct store_bulk_job j;
    if (!load_job(req, res, req->nparams - 1, &j))
        return res->status;
    json_t *o = bulk_job_status(&j);
    store_bulk_job_cleanup(&j);
    return res_json(res, 200, o);
}

/* --- results ------------------------------------------------------------- */

/* "123" → 123, "1.5" → 1.5, "true"/"false" → booleans (values that read
 * back the same only). */
static json_t *native(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
            json_object_set_new(v, k, native(x));
        return json_incref(v);
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
            json_array_set_new(v, i, native(x));
        return json_incref(v);
    }
    if (!json_is_string(v))
        return json_incref(v);
    const char *s = json_string_value(v);
    if (strcmp(s, "true") == 0)
        return json_true();
    if (strcmp(s, "false") == 0)
        return json_false();
    int64_t i;
    if (*s && strlen(s) < 19 && ed_parse_i64(s, &i)) {
        char back[32];
        snprintf(back, sizeof(back), "%lld", (long long)i);
        if (strcmp(back, s) == 0)
            return json_integer(i);
    }
    return json_incref(v);
}

/* Flatten rec into pairs name → value with dotted names. */
static void flatten(json_t *rec, const char *prefix, json_t *out)
{
    const char *k;
    json_t *v;
    json_object_foreach(rec, k, v) {
        char name[512];
        snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v))
            flatten(v, name, out);
        else
            json_object_set(out, name, v);
    }
}

static void csv_value(struct ed_buf *b, json_t *v)
{
    char num[64];
    const char *s = "";
    char *dumped = NULL;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        s = num;
    } else if (json_is_real(v)) {
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        s = num;
    } else if (json_is_boolean(v))
        s = json_is_true(v) ? "true" : "false";
    else if (json_is_array(v))
        s = dumped = json_dumps(v, JSON_COMPACT);
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n")) {
        ed_buf_append(b, "\"", 1);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                ed_buf_append(b, "\"", 1);
            ed_buf_append(b, p, 1);
        }
        ed_buf_append(b, "\"", 1);
    } else {
        ed_buf_appends(b, s);
    }
    free(dumped);
}

/* A results file read line by line (one JSON record per line), a chunk at
 * a time: a line is handed out in place when it lies in one chunk, copied
 * (up to LINE_MAX) when it spans chunks. Like the in-memory reading it
 * replaces, an empty line ends the results. */
#define LINE_MAX ((size_t)64 << 20)

struct lines {
    struct bulk_reader *r; /* NULL: no file (no rows) */
    const char *c;
    size_t cn, cp;
    struct ed_buf part;
    bool done;
};

static void lines_init(struct lines *l, struct bulk_reader *r)
{
    memset(l, 0, sizeof(*l));
    l->r = r;
    ed_buf_init(&l->part, LINE_MAX);
}

static void lines_cleanup(struct lines *l)
{
    bulk_reader_free(l->r);
    ed_buf_cleanup(&l->part);
}

/* The next line (without its '\n'); false at the end, or with *err set. */
static bool lines_next(struct lines *l, const char **line, size_t *n,
                       enum ed_err *err)
{
    *err = ED_OK;
    while (!l->done && l->r) {
        if (l->cp < l->cn) {
            const char *s = l->c + l->cp;
            const char *nl = memchr(s, '\n', l->cn - l->cp);
            size_t k = nl ? (size_t)(nl - s) : l->cn - l->cp;
            l->cp += nl ? k + 1 : k;
            if (!nl || l->part.len) {
                if (ed_buf_append(&l->part, s, k) != ED_OK) {
                    *err = ED_ERR_TOO_LARGE;
                    return false;
                }
                if (!nl)
                    continue;
                *line = l->part.data;
                *n = l->part.len;
                l->part.len = 0; /* valid until the next append */
            } else {
                *line = s;
                *n = k;
            }
            if (*n == 0)
                break;
            return true;
        }
        enum ed_err e = bulk_reader_next(l->r, &l->c, &l->cn);
        l->cp = 0;
        if (e) {
            *err = e;
            return false;
        }
        if (l->cn == 0) { /* the end: a last line without '\n' counts */
            l->done = true;
            if (l->part.len) {
                *line = l->part.data;
                *n = l->part.len;
                l->part.len = 0;
                return true;
            }
        }
    }
    l->done = true;
    return false;
}

/* A streamed results body (res->stream). */
struct results {
    struct lines lines;
    bool csv, convert, header_done;
    json_t *header; /* CSV columns */
    struct ed_buf out;
    size_t opos;
};

static void results_free(void *ud)
{
    struct results *s = ud;
    lines_cleanup(&s->lines);
    json_decref(s->header);
    ed_buf_cleanup(&s->out);
    free(s);
}

static void render_csv_row(struct ed_buf *out, json_t *header, json_t *rec)
{
    size_t k;
    json_t *h;
    json_t *f = json_object();
    flatten(rec, "", f);
    json_array_foreach(header, k, h) {
        if (k)
            ed_buf_append(out, ",", 1);
        csv_value(out, json_object_get(f, json_string_value(h)));
    }
    ed_buf_append(out, "\r\n", 2);
    json_decref(f);
}

static long results_read(void *ud, char *buf, size_t max)
{
    struct results *s = ud;
    while (s->opos == s->out.len) {
        ed_buf_reset(&s->out);
        s->opos = 0;
        if (s->csv && !s->header_done) {
            size_t i;
            json_t *h;
            json_array_foreach(s->header, i, h) {
                if (i)
                    ed_buf_append(&s->out, ",", 1);
                csv_value(&s->out, h);
            }
            ed_buf_append(&s->out, "\r\n", 2);
            s->header_done = true;
            continue;
        }
        const char *line;
        size_t n;
        enum ed_err err;
        if (!lines_next(&s->lines, &line, &n, &err))
            return err ? -1 : 0;
        json_t *rec = json_loadb(line, n, 0, NULL);
        if (!rec)
            continue;
        if (s->convert) {
            json_t *c = native(rec);
            json_decref(rec);
            rec = c;
        }
        if (s->csv) {
            render_csv_row(&s->out, s->header, rec);
        } else {
            char *d = json_dumps(rec, JSON_COMPACT);
            if (d)
                ed_buf_appends(&s->out, d);
            ed_buf_append(&s->out, "\n", 1);
            free(d);
        }
        json_decref(rec);
    }
    size_t k = s->out.len - s->opos;
    if (k > max)
        k = max;
    memcpy(buf, s->out.data + s->opos, k);
    s->opos += k;
    return (long)k;
}

/* The CSV columns when the job did not select fields: every flattened
 * name, in order of first appearance (a first pass over the file). */
static enum ed_err csv_columns(struct ed_app *app, const char *file,
                               json_t *header)
{
    struct bulk_reader *r = NULL;
    enum ed_err err = bulk_reader_open(app, file, &r);
    if (err == ED_ERR_NOT_FOUND)
        return ED_OK;
    if (err)
        return err;
    struct lines l;
    lines_init(&l, r);
    json_t *seen = json_object();
    const char *line;
    size_t n;
    while (lines_next(&l, &line, &n, &err)) {
        json_t *rec = json_loadb(line, n, 0, NULL);
        if (!rec)
            continue;
        json_t *f = json_object();
        const char *k;
        json_t *v;
        flatten(rec, "", f);
        json_object_foreach(f, k, v)
            if (!json_object_get(seen, k)) {
                json_object_set_new(seen, k, json_true());
                json_array_append_new(header, json_string(k));
            }
        json_decref(f);
        json_decref(rec);
    }
    json_decref(seen);
    lines_cleanup(&l);
    return err;
}

/* GET /bulk/{id}/{objectName}: the results streamed from the sealed file,
 * a chunk at a time (res->stream), as JSON lines or CSV. */
static int bulk_results(struct ed_request *req, struct ed_response *res)
{
    struct store_bulk_job j;
    struct results *s = NULL;
    if (!load_job(req, res, req->nparams - 2, &j))
        return res->status;
    const char *obj = req_param(req, req->nparams - 1);
    int st = 0;
    if (strcmp(obj, j.object_name) != 0) {
        st = res_error(req, res, ED_E_NOT_FOUND,
                       "Bulk job %lld is for '%s', not '%s'", (long long)j.id,
                       j.object_name, obj);
        goto out;
    }
    if (strcmp(j.direction, "UPLOAD") == 0) {
        st = res_error(req, res, ED_E_NOT_FOUND,
                       "Bulk job %lld is an upload: it has no results to "
                       "download; see /bulk/%lld/status and /bulk/%lld/errors",
                       (long long)j.id, (long long)j.id, (long long)j.id);
        goto out;
    }
    if (strcmp(j.status, "COMPLETED") != 0) {
        st = res_error(req, res, ED_E_CONFLICT,
                       "Bulk job %lld has no results: its status is %s",
                       (long long)j.id, j.status);
        goto out;
    }
    bool convert = true;
    const char *jo = req_query(req, "json");
    if (jo && *jo) {
        json_t *o = json_loads(jo, 0, NULL);
        json_t *c = json_object_get(o, "convertToNativeType");
        if (!json_is_object(o) || (c && !json_is_boolean(c))) {
            json_decref(o);
            st = res_error(req, res, ED_E_BAD_REQUEST,
                           "json must be an object such as "
                           "{\"convertToNativeType\":false}");
            goto out;
        }
        convert = !json_is_false(c);
        json_decref(o);
    }
    const char *accept = req_header(req, "Accept");
    bool csv = accept && strcmp(accept, "text/csv") == 0;
    struct bulk_reader *r = NULL;
    enum ed_err err = bulk_reader_open(req->app, j.file_name, &r);
    if (err == ED_ERR_NOT_FOUND && j.records_count == 0)
        err = ED_OK; /* nothing was written */
    if (err) {
        if (err == ED_ERR_NOT_FOUND)
            st = res_error(req, res, ED_E_NOT_FOUND,
                           "The results of bulk job %lld have expired",
                           (long long)j.id);
        else
            st = res_error(req, res, ED_E_INTERNAL, NULL);
        goto out;
    }
    s = ed_calloc(1, sizeof(*s));
    lines_init(&s->lines, r);
    ed_buf_init(&s->out, LINE_MAX * 2);
    s->csv = csv;
    s->convert = convert;
    if (csv) {
        json_t *opts = json_loads(j.options, 0, NULL);
        json_t *fields = json_object_get(opts, "fields");
        s->header = json_array();
        if (json_is_array(fields))
            json_array_extend(s->header, fields);
        else
            err = csv_columns(req->app, j.file_name, s->header);
        json_decref(opts);
        if (err) {
            results_free(s);
            st = res_error(req, res, ED_E_INTERNAL, NULL);
            goto out;
        }
    }
    res->stream.read = results_read;
    res->stream.free = results_free;
    res->stream.ud = s;
    res->content_type = csv ? "text/csv" : "application/json";
    res->status = st = 200;
out:
    store_bulk_job_cleanup(&j);
    return st;
}

/* pageSize (default PAGE_DEFAULT, 1..PAGE_MAX) or answer 400. */
static bool page_size(struct ed_request *req, struct ed_response *res,
                      size_t *out)
{
    const char *s = req_query(req, "pageSize");
    uint64_t v = PAGE_DEFAULT;
    if (s && *s && (!ed_parse_u64(s, PAGE_MAX, &v) || v == 0)) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "pageSize must be a number from 1 to %d", PAGE_MAX);
        return false;
    }
    *out = (size_t)v;
    return true;
}

/* nextPage: a number, or answer 400. */
static bool next_page(struct ed_request *req, struct ed_response *res,
                      int64_t *out)
{
    const char *s = req_query(req, "nextPage");
    uint64_t v = 0;
    if (s && *s && (!ed_parse_u64(s, INT64_MAX, &v) || v == 0)) {
        res_error(req, res, ED_E_BAD_REQUEST, "nextPage is not a page token");
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static int bulk_errors(struct ed_request *req, struct ed_response *res)
{
    struct store_bulk_job j;
    size_t max;
    int64_t after;
    if (!load_job(req, res, req->nparams - 1, &j))
        return res->status;
    int64_t id = j.id;
    store_bulk_job_cleanup(&j);
    if (!page_size(req, res, &max) || !next_page(req, res, &after))
        return res->status;
    struct store_bulk_error *rows = NULL;
    size_t n = 0;
    if (store_bulk_errors_list(req->app->store, id, after, max + 1, &rows,
                               &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < max; i++) {
        json_t *rec = rows[i].record ? json_loads(rows[i].record, 0, NULL)
                                     : NULL;
        json_array_append_new(arr, json_pack("{s:I,s:s,s:o}", "row",
                                             (json_int_t)rows[i].row, "message",
                                             rows[i].message, "record",
                                             rec ? rec : json_null()));
    }
    res_header(res, "Elements-Returned-Count",
               ed_arena_printf(req->arena, "%zu", n < max ? n : max));
    if (n > max)
        res_header(res, "Elements-Next-Page-Token",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)rows[max - 1].row));
    store_bulk_errors_free(rows, n);
    return res_json(res, 200, arr);
}

static int bulk_cancel(struct ed_request *req, struct ed_response *res)
{
    struct store_bulk_job j;
    if (!load_job(req, res, req->nparams - 1, &j))
        return res->status;
    char *st = NULL;
    enum ed_err err = store_bulk_cancel(req->app->store, j.org_id,
                                        j.instance_id, j.id, ed_now_ms(), &st);
    int rc;
    if (err == ED_ERR_EXISTS)
        rc = res_error(req, res, ED_E_CONFLICT,
                       "Bulk job %lld has already finished (%s)",
                       (long long)j.id, st ? st : "?");
    else if (err == ED_ERR_NOT_FOUND)
        rc = res_error(req, res, ED_E_NOT_FOUND, "No bulk job with id %lld",
                       (long long)j.id);
    else if (err)
        rc = res_error(req, res, ED_E_INTERNAL, NULL);
    else {
        /* an upload cancelled before it started: its file is not needed
         * (the engine deletes it when it ends a running one) */
        if (strcmp(j.direction, "UPLOAD") == 0 && st &&
            strcmp(st, "CANCELLED") == 0 && *j.file_name)
            bulk_file_delete(req->app, j.file_name);
        /* ended here, not by the engine: its completion callback */
        struct store_bulk_job done;
        memset(&done, 0, sizeof(done));
        if (st && strcmp(st, "CANCELLED") == 0 &&
            store_bulk_get(req->app->store, j.org_id, j.instance_id, j.id,
                           &done) == ED_OK)
            bulk_callback_enqueue(req->app, &done, NULL);
        store_bulk_job_cleanup(&done);
        rc = res_json(res, 200,
                      json_pack("{s:I,s:s}", "id", (json_int_t)j.id, "status",
                                st));
    }
    free(st);
    store_bulk_job_cleanup(&j);
    return rc;
}

/* --- the job list's where: field op value [and ...] ------------------------ */

static bool list_where(const char *w, struct store_bulk_filter *f,
                       struct ed_arena *arena, char *why, size_t whylen)
{
    const char *p = w;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        char name[32];
        size_t n = 0;
        while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n < 31)
            n++;
        if (n == 0) {
            snprintf(why, whylen, "where: expected a field name at '%.20s'", p);
            return false;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        p += n;
        while (isspace((unsigned char)*p))
            p++;
        char op[3] = {0};
        if ((p[0] == '>' || p[0] == '<') && p[1] == '=') {
            op[0] = p[0], op[1] = '=';
            p += 2;
        } else if (*p == '=' || *p == '>' || *p == '<') {
            op[0] = *p++;
        } else {
            snprintf(why, whylen,
                     "where: expected =, >, <, >= or <= after "
                     "'%s'",
                     name);
            return false;
        }
        while (isspace((unsigned char)*p))
            p++;
        const char *val;
        size_t vn;
        if (*p == '\'') {
            const char *e = strchr(p + 1, '\'');
            if (!e) {
                snprintf(why, whylen, "where: unterminated string");
                return false;
            }
            val = p + 1;
            vn = (size_t)(e - val);
            p = e + 1;
        } else {
            val = p;
            vn = 0;
            while (val[vn] && !isspace((unsigned char)val[vn]))
                vn++;
            p += vn;
        }
        char *v = ed_arena_strndup(arena, val, vn);
        if (strcmp(name, "record_count") == 0) {
            int64_t x;
            if (!ed_parse_i64(v, &x) || x < 0) {
                snprintf(why, whylen, "where: record_count needs a number");
                return false;
            }
            if (op[0] == '=' && !op[1])
                f->records_min = f->records_max = x;
            else if (op[0] == '>')
                f->records_min = op[1] ? x : x + 1;
            else
                f->records_max = op[1] ? x : x - 1;
        } else if (strcmp(op, "=") != 0) {
            snprintf(why, whylen, "where: '%s' only takes =", name);
            return false;
        } else if (strcmp(name, "object_name") == 0) {
            f->object_name = v;
        } else if (strcmp(name, "job_status") == 0) {
            f->status = v;
        } else if (strcmp(name, "job_direction") == 0) {
            f->direction = v;
        } else {
            snprintf(why, whylen,
                     "where: unknown field '%s' (object_name, job_status, "
                     "job_direction, record_count)",
                     name);
            return false;
        }
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            return true;
        if (strncasecmp(p, "and", 3) != 0 || !isspace((unsigned char)p[3])) {
            snprintf(why, whylen, "where: expected 'and' at '%.20s'", p);
            return false;
        }
        p += 4;
    }
}

static json_t *ms_or_null(int64_t ms)
{
    return ms > 0 ? json_integer(ms) : json_null();
}

static int bulk_jobs(struct ed_request *req, struct ed_response *res)
{
    int64_t inst = 0, before = 0;
    size_t max;
    if (!api_token_instance(req, res, &inst))
        return res->status;
    if (!page_size(req, res, &max) || !next_page(req, res, &before))
        return res->status;
    struct store_bulk_filter f = {NULL, NULL, NULL, -1, -1};
    const char *w = req_query(req, "where");
    char why[200];
    if (w && *w && !list_where(w, &f, req->arena, why, sizeof(why)))
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    struct store_bulk_job *rows = NULL;
    size_t n = 0;
    if (store_bulk_list(req->app->store, req->auth.org_id, inst, &f, before,
                        max + 1, &rows, &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n && i < max; i++) {
        struct store_bulk_job *j = &rows[i];
        json_t *cb = NULL;
        json_t *opts = json_loads(j->options, 0, NULL);
        cb = json_object_get(opts, "callbackUrl");
        json_array_append_new(
            arr, json_pack(
                     "{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:s,s:O,s:s,s:s,s:i}",
                     "job_id", (json_int_t)j->id, "object_name", j->object_name,
                     "job_status", j->status, "job_direction", j->direction,
                     "record_count", (json_int_t)j->records_count,
                     "error_count", (json_int_t)j->failed_count, "createdDate",
                     (json_int_t)j->created_at, "completion_time",
                     ms_or_null(j->finished_at), "fileFormat", "JSON",
                     "notification_url", cb ? cb : json_null(), "job_query",
                     j->query, "job_state", j->status, "job_reset_attempt", 0));
        json_decref(opts);
    }
    res_header(res, "Elements-Returned-Count",
               ed_arena_printf(req->arena, "%zu", n < max ? n : max));
    if (n > max)
        res_header(res, "Elements-Next-Page-Token",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)rows[max - 1].id));
    store_bulk_jobs_free(rows, n);
    return res_json(res, 200, arr);
}

#define EL (ED_ROUTE_ELEMENT | ED_ROUTE_JSON)
const struct ed_route api_bulk_routes[] = {
    {ED_POST, "/hubs/{hub}/bulk/query", bulk_query, EL},
    {ED_POST, "/bulk/query", bulk_query, EL},
    {ED_POST, "/hubs/{hub}/bulk/{objectName}", bulk_upload, ED_ROUTE_ELEMENT,
     &upload_sink},
    {ED_POST, "/bulk/{objectName}", bulk_upload, ED_ROUTE_ELEMENT,
     &upload_sink},
    {ED_GET, "/hubs/{hub}/bulk/jobs", bulk_jobs, EL},
    {ED_GET, "/bulk/jobs", bulk_jobs, EL},
    {ED_GET, "/hubs/{hub}/bulk/{id}/status", bulk_status, EL},
    {ED_GET, "/bulk/{id}/status", bulk_status, EL},
    {ED_GET, "/hubs/{hub}/bulk/{id}/errors", bulk_errors, EL},
    {ED_GET, "/bulk/{id}/errors", bulk_errors, EL},
    {ED_PUT, "/hubs/{hub}/bulk/{id}/cancel", bulk_cancel, EL},
    {ED_PUT, "/bulk/{id}/cancel", bulk_cancel, EL},
    {ED_GET, "/hubs/{hub}/bulk/{id}/{objectName}", bulk_results, EL},
    {ED_GET, "/bulk/{id}/{objectName}", bulk_results, EL},
    {0, NULL, NULL, 0},
};
