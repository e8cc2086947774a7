/* SPDX-License-Identifier: MIT
 * Bulk workflows (issue 13; docs/api/bulk.md "Workflows"): a list of steps,
 * each a bulk job on an instance, run once or on a Quartz schedule (UTC).
 * A query step makes a DOWNLOAD job; an upload step makes an UPLOAD job
 * whose input is the results file of the query step before it (a hard link
 * to it, so the download's results stay readable after the upload deletes
 * its input). The state lives in the store (store.h "bulk workflows"):
 * every move is one compare-and-set transaction, so any node may make it
 * and it happens once:
 *   - fire: a SCHEDULED workflow whose next_fire_at is due gets a run (or,
 *     while a run is still going, a counted skip) and its next due time;
 *   - advance: a RUNNING run with no job yet, or whose job finished, gets
 *     its next step's job (made in the same transaction), or ends
 *     COMPLETED / FAILED.
 * A timer on the events loop does both every TICK_MS; the engine kicks it
 * when a job ends (bulk_workflow_kick). Nothing is held in memory across
 * passes, so a restart or a lost node loses nothing. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bulk/bulk.h"
#include "bulk/cron.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "domain/app.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "events/loop.h"
#include "store/store.h"

#define TICK_MS 500
#define BATCH 32

static struct {
    struct ed_app *app;
    atomic_bool on;
} W;

/* --- the body ----------------------------------------------------------------- */

static bool object_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* The instance of token, of org_id: its id; false when there is none. */
static bool token_id(struct ed_app *app, int64_t org_id, const char *token,
                     int64_t *id)
{
    const struct instance *view = NULL;
    struct instance_shared *h = NULL;
    if (instance_get_shared(app, token, &view, &h) != ED_OK)
        return false;
    bool mine = view->row.org_id == org_id;
    *id = view->row.id;
    instance_shared_release(h);
    return mine;
}

/* metaData of an upload step into the job's options. */
static bool upload_meta(json_t *m, json_t *opts, size_t i, char *why,
                        size_t whylen)
{
    if (!m || json_is_null(m))
        return true;
    if (!json_is_object(m)) {
        snprintf(why, whylen, "steps[%zu].metaData must be a JSON object", i);
        return false;
    }
    json_t *idf = json_object_get(m, "identifierFieldName");
    if (idf && !json_is_null(idf)) {
        if (!json_is_string(idf) || !*json_string_value(idf) ||
            strlen(json_string_value(idf)) > 256) {
            snprintf(why, whylen,
                     "steps[%zu].metaData.identifierFieldName must be a "
                     "field name",
                     i);
            return false;
        }
        json_object_set(opts, "identifierFieldName", idf);
    }
    json_t *ub = json_object_get(m, "useBatchUpload");
    if (ub && !json_is_null(ub)) {
        const char *us = json_string_value(ub);
        if (!json_is_boolean(ub) && !(us && (strcasecmp(us, "true") == 0 ||
                                             strcasecmp(us, "false") == 0))) {
            snprintf(why, whylen,
                     "steps[%zu].metaData.useBatchUpload must be true or "
                     "false",
                     i);
            return false;
        }
        json_object_set_new(opts, "useBatchUpload",
                            json_boolean(json_is_true(ub) ||
                                         (us && strcasecmp(us, "true") == 0)));
    }
    return true;
}

enum ed_err bulk_workflow_steps(struct ed_app *app, int64_t org_id,
                                int64_t caller, const json_t *body,
                                char **steps, char *why, size_t whylen)
{
    *steps = NULL;
    if (!json_is_array(body) || json_array_size(body) == 0) {
        snprintf(why, whylen,
                 "The body must be a non-empty JSON array of steps");
        return ED_ERR_INVALID;
    }
    if (json_array_size(body) > BULK_WORKFLOW_STEPS_MAX) {
        snprintf(why, whylen, "A workflow has at most %d steps, not %zu",
                 BULK_WORKFLOW_STEPS_MAX, json_array_size(body));
        return ED_ERR_INVALID;
    }
    json_t *out = json_array();
    size_t i;
    json_t *st;
    bool prev_query = false;
    json_array_foreach(body, i, st) {
        if (!json_is_object(st)) {
            snprintf(why, whylen, "steps[%zu] must be a JSON object", i);
            goto bad;
        }
        json_t *q = json_object_get(st, "q");
        json_t *obj = json_object_get(st, "objectName");
        json_t *type = json_object_get(st, "type");
        json_t *tok = json_object_get(st, "elementToken");
        const char *t = json_string_value(type);
        if (type &&
            (!t || (strcmp(t, "query") != 0 && strcmp(t, "upload") != 0))) {
            snprintf(why, whylen,
                     "steps[%zu].type must be \"query\" or \"upload\"", i);
            goto bad;
        }
        if (!t)
            t = q ? "query" : obj ? "upload" : NULL;
        if (!t) {
            snprintf(why, whylen,
                     "steps[%zu] needs q (a query step) or objectName (an "
                     "upload step)",
                     i);
            goto bad;
        }
        int64_t inst = caller;
        if (tok && !json_is_null(tok)) {
            if (!json_is_string(tok) || !*json_string_value(tok) ||
                strlen(json_string_value(tok)) > 256 ||
                !token_id(app, org_id, json_string_value(tok), &inst)) {
                snprintf(why, whylen,
                         "steps[%zu].elementToken: no such element instance "
                         "in this organization",
                         i);
                goto bad;
            }
        }
        json_t *o = json_pack("{s:s,s:I}", "type", t, "instanceId",
                              (json_int_t)inst);
        json_array_append_new(out, o);
        if (strcmp(t, "query") == 0) {
            struct bulk_query bq;
            char qwhy[300];
            if (!json_is_string(q) || !*json_string_value(q)) {
                snprintf(why, whylen,
                         "steps[%zu].q: a query step needs a CEQL select", i);
                goto bad;
            }
            if (bulk_query_parse(json_string_value(q), NULL, NULL, &bq, qwhy,
                                 sizeof(qwhy)) != ED_OK) {
                snprintf(why, whylen, "steps[%zu].q: %s", i, qwhy);
                goto bad;
            }
            json_object_set(o, "q", q);
            json_object_set_new(o, "objectName", json_string(bq.object));
            if (bq.fields)
                json_object_set(o, "fields", bq.fields);
            bulk_query_cleanup(&bq);
            prev_query = true;
            continue;
        }
        if (!json_is_string(obj) || !object_name_ok(json_string_value(obj))) {
            snprintf(why, whylen,
                     "steps[%zu].objectName: an upload step needs the name of "
                     "the object to upload to",
                     i);
            goto bad;
        }
        if (!prev_query) {
            snprintf(why, whylen,
                     "steps[%zu]: an upload step takes the results of the "
                     "query step just before it",
                     i);
            goto bad;
        }
        json_t *opts = json_pack("{s:s}", "format", "jsonl");
        if (!upload_meta(json_object_get(st, "metaData"), opts, i, why,
                         whylen)) {
            json_decref(opts);
            goto bad;
        }
        json_object_set(o, "objectName", obj);
        json_object_set_new(o, "options", opts);
        prev_query = false;
    }
    *steps = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return *steps ? ED_OK : ED_ERR_INVALID;
bad:
    json_decref(out);
    return ED_ERR_INVALID;
}

/* --- runs ------------------------------------------------------------------------ */

static void link_name(int64_t run, size_t k, char *out, size_t n)
{
    snprintf(out, n, "wfrun-%lld-%zu.bin", (long long)run, k);
}

/* <data-dir>/bulk/dst as a hard link to src; false with errno. */
static bool link_file(const char *src, const char *dst)
{
    char a[1024], b[1024];
    const char *dir = W.app->cfg->data_dir;
    if (!*src || strchr(src, '/') || strchr(dst, '/') ||
        (size_t)snprintf(a, sizeof(a), "%s/bulk/%s", dir, src) >= sizeof(a) ||
        (size_t)snprintf(b, sizeof(b), "%s/bulk/%s", dir, dst) >= sizeof(b)) {
        errno = ENAMETOOLONG;
        return false;
    }
    if (link(a, b) == 0 || errno == EEXIST)
        return true;
    return false;
}

/* Move run on to status (a finished one) with message (may be NULL). */
static void run_end(const struct store_bulk_run *run, const char *jobs,
                    const char *status, const char *message)
{
    struct store_bulk_run to = *run;
    to.status = (char *)status;
    to.jobs = (char *)jobs;
    to.message = (char *)message;
    to.finished_at = ed_now_ms();
    enum ed_err err = store_bulk_wf_advance(W.app->store, run, &to, NULL);
    ed_info(NULL,
            "msg=\"bulk workflow run ended\" workflow=%lld run=%lld "
            "status=%s%s",
            (long long)run->workflow_id, (long long)run->id, status,
            err == ED_ERR_BUSY ? " raced=yes"
            : err              ? " lost=yes"
                               : "");
}

static void advance(const struct store_bulk_run *run)
{
    struct store_bulk_workflow w;
    struct store_bulk_job prev, job;
    char msg[1024], *jobs_txt = NULL;
    memset(&w, 0, sizeof(w));
    memset(&prev, 0, sizeof(prev));
    memset(&job, 0, sizeof(job));
    json_t *steps = NULL,
           *jobs = json_loads(run->jobs ? run->jobs : "[]", 0, NULL);
    if (!json_is_array(jobs)) {
        json_decref(jobs);
        jobs = json_array();
    }
    if (store_bulk_wf_get(W.app->store, 0, run->workflow_id, &w) != ED_OK)
        goto out;
    steps = json_loads(w.steps, 0, NULL);
    size_t ns = json_array_size(steps);
    size_t k = (size_t)run->step;
    bool have_prev = false;
    if (run->job_id != 0) {
        enum ed_err err = store_bulk_get(W.app->store, 0, 0, run->job_id,
                                         &prev);
        if (err == ED_ERR_NOT_FOUND) {
            snprintf(msg, sizeof(msg), "Step %zu: its bulk job %lld is gone",
                     k + 1, (long long)run->job_id);
            run_end(run, run->jobs, "FAILED", msg);
            goto out;
        }
        if (err)
            goto out; /* the next pass tries again */
        if (strcmp(prev.status, "COMPLETED") != 0) {
            snprintf(msg, sizeof(msg),
                     "Step %zu (%s %s): bulk job %lld ended %s%s%s", k + 1,
                     strcmp(prev.direction, "UPLOAD") == 0 ? "upload to"
                                                           : "query of",
                     prev.object_name, (long long)prev.id, prev.status,
                     prev.message ? ": " : "",
                     prev.message ? prev.message : "");
            run_end(run, run->jobs, "FAILED", msg);
            goto out;
        }
        have_prev = true;
        k++;
    }
    for (;; k++) {
        if (k >= ns) {
            jobs_txt = json_dumps(jobs, JSON_COMPACT);
            run_end(run, jobs_txt, "COMPLETED", NULL);
            goto out;
        }
        json_t *st = json_array_get(steps, k);
        const char *type = json_string_value(json_object_get(st, "type"));
        const char *obj = json_string_value(json_object_get(st, "objectName"));
        bool upload = type && strcmp(type, "upload") == 0;
        if (!obj || (upload &&
                     (!have_prev || strcmp(prev.direction, "DOWNLOAD") != 0))) {
            snprintf(msg, sizeof(msg), "Step %zu is not a usable step", k + 1);
            run_end(run, run->jobs, "FAILED", msg);
            goto out;
        }
        if (upload && prev.records_count == 0) {
            /* the query found nothing: nothing to upload */
            json_array_append_new(jobs, json_null());
            have_prev = false;
            continue;
        }
        job.org_id = w.org_id;
        job.instance_id = json_integer_value(json_object_get(st, "instanceId"));
        job.created_at = ed_now_ms();
        job.object_name = ed_strdup(obj);
        if (upload) {
            char name[96];
            link_name(run->id, k, name, sizeof(name));
            if (!link_file(prev.file_name ? prev.file_name : "", name)) {
                snprintf(msg, sizeof(msg),
                         "Step %zu: the results of step %zu are gone", k + 1,
                         k);
                run_end(run, run->jobs, "FAILED", msg);
                goto out;
            }
            job.direction = ed_strdup("UPLOAD");
            job.query = ed_strdup("");
            job.options = json_dumps(json_object_get(st, "options"),
                                     JSON_COMPACT);
            job.file_name = ed_strdup(name);
        } else {
            json_t *opts = json_object();
            json_t *f = json_object_get(st, "fields");
            if (f)
                json_object_set(opts, "fields", f);
            json_object_set_new(opts, "workflowRun", json_integer(run->id));
            job.direction = ed_strdup("DOWNLOAD");
            job.query = ed_strdup(json_string_value(json_object_get(st, "q")));
            job.options = json_dumps(opts, JSON_COMPACT);
            job.file_name = ed_strdup("");
            json_decref(opts);
        }
        break;
    }
    struct store_bulk_run to = *run;
    jobs_txt = json_dumps(jobs, JSON_COMPACT);
    to.status = "RUNNING";
    to.step = (int64_t)k;
    to.jobs = jobs_txt;
    to.message = NULL;
    enum ed_err err = store_bulk_wf_advance(W.app->store, run, &to, &job);
    if (err == ED_ERR_NOT_FOUND) {
        if (strcmp(job.direction, "UPLOAD") == 0)
            bulk_file_delete(W.app, job.file_name);
        snprintf(msg, sizeof(msg), "Step %zu: the element instance is gone",
                 k + 1);
        run_end(run, run->jobs, "FAILED", msg);
        goto out;
    }
    if (err == ED_OK) {
        ed_info(NULL,
                "msg=\"bulk workflow step started\" workflow=%lld run=%lld "
                "step=%zu job=%lld",
                (long long)run->workflow_id, (long long)run->id, k + 1,
                (long long)job.id);
        bulk_kick();
    }
out:
    free(jobs_txt);
    json_decref(jobs);
    json_decref(steps);
    store_bulk_job_cleanup(&prev);
    store_bulk_job_cleanup(&job);
    store_bulk_workflow_cleanup(&w);
}

/* --- schedules ------------------------------------------------------------------- */

int64_t bulk_workflow_next_fire(const char *cron, int64_t after_ms)
{
    struct bulk_cron c;
    char why[200];
    int64_t next = 0;
    if (bulk_cron_parse(cron, &c, why, sizeof(why)) != ED_OK)
        return 0;
    if (!bulk_cron_next(&c, after_ms / 1000, &next))
        return 0;
    return next * 1000;
}

static void fire_due(void)
{
    int64_t now = ed_now_ms();
    struct store_bulk_workflow *wl = NULL;
    size_t n = 0;
    if (store_bulk_wf_due(W.app->store, now, BATCH, &wl, &n) != ED_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        int64_t due = wl[i].next_fire_at, run = 0;
        /* missed fire times (the service was down) fire once, now */
        int64_t next = bulk_workflow_next_fire(wl[i].schedule,
                                               now > due ? now : due);
        enum ed_err err = store_bulk_wf_fire(W.app->store, wl[i].id, due, next,
                                             now, &run);
        if (err == ED_OK)
            ed_info(NULL,
                    "msg=\"bulk workflow fired\" workflow=%lld run=%lld%s",
                    (long long)wl[i].id, (long long)run,
                    run ? "" : " skipped=yes");
    }
    store_bulk_workflows_free(wl, n);
}

static void pass(void)
{
    fire_due();
    struct store_bulk_run *rl = NULL;
    size_t n = 0;
    if (store_bulk_wf_pending(W.app->store, BATCH, &rl, &n) != ED_OK)
        return;
    for (size_t i = 0; i < n && atomic_load(&W.on); i++)
        advance(&rl[i]);
    store_bulk_runs_free(rl, n);
}

static void tick(void *ud)
{
    (void)ud;
    if (!atomic_load(&W.on))
        return;
    pass();
    events_loop_after(TICK_MS, tick, NULL);
}

static void kicked(void *ud)
{
    (void)ud;
    if (atomic_load(&W.on))
        pass();
}

void bulk_workflow_kick(void)
{
    if (atomic_load(&W.on))
        events_loop_post(kicked, NULL);
}

enum ed_err bulk_workflow_start(struct ed_app *app)
{
    W.app = app;
    atomic_store(&W.on, true);
    return events_loop_post(tick, NULL) ? ED_OK : ED_ERR_IO;
}

void bulk_workflow_stop(void)
{
    atomic_store(&W.on, false);
}
