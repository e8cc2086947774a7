/* SPDX-License-Identifier: MIT
 * Bulk workflows (issue 13, spec elements-api.md §6.1; docs/api/bulk.md
 * "Workflows"): POST /bulk/workflows (Element token; hub-relative, also
 * under /hubs/{hub}) makes a workflow that runs once, or on the Quartz
 * schedule of the Elements-Schedule-Request header; GET and DELETE
 * /bulk/workflows/{id} show and stop one. GET /bulkloader is a platform
 * route, even when an Element token is sent: the organization's workflow
 * runs, newest first. The runs themselves are bulk/workflow.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "bulk/bulk.h"
#include "bulk/cron.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "store/store.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 500
#define CRON_MAX 256

static json_t *ms_or_null(int64_t ms)
{
    return ms > 0 ? json_integer(ms) : json_null();
}

static int wf_create(struct ed_request *req, struct ed_response *res)
{
    int64_t inst = 0;
    if (!api_token_instance(req, res, &inst))
        return res->status;
    char why[512];
    const char *cron = req_header(req, "Elements-Schedule-Request");
    int64_t now = ed_now_ms(), next = 0;
    if (cron) {
        struct bulk_cron c;
        char cwhy[300];
        int64_t t = 0;
        if (strlen(cron) > CRON_MAX)
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "Elements-Schedule-Request: longer than %d "
                             "bytes",
                             CRON_MAX);
        if (bulk_cron_parse(cron, &c, cwhy, sizeof(cwhy)) != ED_OK)
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "Elements-Schedule-Request is not a Quartz cron "
                             "expression: %s",
                             cwhy);
        if (!bulk_cron_next(&c, now / 1000, &t))
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "Elements-Schedule-Request: the schedule never "
                             "fires again");
        next = t * 1000;
    }
    char *steps = NULL;
    if (bulk_workflow_steps(req->app, req->auth.org_id, inst, req->body, &steps,
                            why, sizeof(why)) != ED_OK)
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    struct store_bulk_workflow w;
    memset(&w, 0, sizeof(w));
    w.org_id = req->auth.org_id;
    w.instance_id = inst;
    w.steps = steps;
    w.schedule = ed_strdup(cron ? cron : "");
    w.status = ed_strdup(cron ? "SCHEDULED" : "ONCE");
    w.next_fire_at = next;
    w.created_at = now;
    enum ed_err err = store_bulk_wf_create(req->app->store, &w, !cron, NULL);
    int64_t id = w.id;
    store_bulk_workflow_cleanup(&w);
    if (err)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    if (!cron)
        bulk_workflow_kick();
    return res_json(res, 200,
                    json_pack("{s:I,s:s}", "id", (json_int_t)id, "status",
                              "CREATED"));
}

/* Does the caller see the instance workflow wf was made through? (Org
 * admins see every one; a missing workflow or instance is not seen.) */
static bool wf_seen(struct ed_request *req, int64_t wf)
{
    if (api_is_org_admin(req))
        return true;
    struct store_bulk_workflow w = {0};
    struct store_instance row = {0};
    bool seen = store_bulk_wf_get(req->app->store, req->auth.org_id, wf, &w) ==
                    ED_OK &&
                store_instance_get(req->app->store, req->auth.org_id,
                                   w.instance_id, &row) == ED_OK &&
                accounts_sees_instance(&req->auth, row.account_id, row.user_id);
    store_bulk_workflow_cleanup(&w);
    store_instance_cleanup(&row);
    return seen;
}

/* Workflow {id} of the caller's organization, or answer 404. */
static bool load_wf(struct ed_request *req, struct ed_response *res,
                    struct store_bulk_workflow *w)
{
    int64_t inst = 0;
    uint64_t id = 0;
    memset(w, 0, sizeof(*w));
    if (!api_token_instance(req, res, &inst))
        return false;
    const char *s = req_param(req, req->nparams - 1);
    if (!s || !ed_parse_u64(s, INT64_MAX, &id) || id == 0) {
        res_error(req, res, ED_E_NOT_FOUND, "No bulk workflow with id '%s'",
                  s ? s : "");
        return false;
    }
    enum ed_err err = store_bulk_wf_get(req->app->store, req->auth.org_id,
                                        (int64_t)id, w);
    if (err == ED_OK && w->instance_id != inst) {
        /* made through another instance: one the caller sees, else 404 */
        struct store_instance row = {0};
        bool seen = store_instance_get(req->app->store, req->auth.org_id,
                                       w->instance_id, &row) == ED_OK &&
                    accounts_sees_instance(&req->auth, row.account_id,
                                           row.user_id);
        store_instance_cleanup(&row);
        if (!seen) {
            store_bulk_workflow_cleanup(w);
            err = ED_ERR_NOT_FOUND;
        }
    }
    if (err == ED_ERR_NOT_FOUND)
        res_error(req, res, ED_E_NOT_FOUND, "No bulk workflow with id %llu",
                  (unsigned long long)id);
    else if (err)
        res_error(req, res, ED_E_INTERNAL, NULL);
    return err == ED_OK;
}

static json_t *wf_json(const struct store_bulk_workflow *w)
{
    json_t *steps = json_loads(w->steps, 0, NULL);
    return json_pack("{s:I,s:s,s:s?,s:s,s:o,s:I,s:o,s:I,s:o,s:o}", "id",
                     (json_int_t)w->id, "status", w->status, "schedule",
                     *w->schedule ? w->schedule : NULL, "timeZone", "UTC",
                     "nextFireTime", ms_or_null(w->next_fire_at),
                     "skippedCount", (json_int_t)w->skipped_count,
                     "lastSkippedTime", ms_or_null(w->last_skipped_at),
                     "createdDate", (json_int_t)w->created_at, "stoppedDate",
                     ms_or_null(w->stopped_at), "steps",
                     steps ? steps : json_array());
}

static int wf_get(struct ed_request *req, struct ed_response *res)
{
    struct store_bulk_workflow w;
    if (!load_wf(req, res, &w))
        return res->status;
    json_t *o = wf_json(&w);
    store_bulk_workflow_cleanup(&w);
    return res_json(res, 200, o);
}

static int wf_delete(struct ed_request *req, struct ed_response *res)
{
    struct store_bulk_workflow w;
    if (!load_wf(req, res, &w))
        return res->status;
    int64_t id = w.id;
    enum ed_err err = store_bulk_wf_stop(req->app->store, w.org_id, id,
                                         ed_now_ms());
    store_bulk_workflow_cleanup(&w);
    if (err == ED_OK)
        err = store_bulk_wf_get(req->app->store, req->auth.org_id, id, &w);
    if (err)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    json_t *o = wf_json(&w);
    store_bulk_workflow_cleanup(&w);
    return res_json(res, 200, o);
}

/* A number query parameter (absent: def), or answer 400. */
static bool num_param(struct ed_request *req, struct ed_response *res,
                      const char *name, uint64_t max, uint64_t def,
                      uint64_t *out)
{
    const char *s = req_query(req, name);
    *out = def;
    if (s && *s && (!ed_parse_u64(s, max, out) || *out == 0)) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "%s must be a number from 1 to %llu", name,
                  (unsigned long long)max);
        return false;
    }
    return true;
}

static int bulkloader(struct ed_request *req, struct ed_response *res)
{
    uint64_t max, before, wf;
    if (!num_param(req, res, "pageSize", PAGE_MAX, PAGE_DEFAULT, &max) ||
        !num_param(req, res, "nextPage", INT64_MAX, 0, &before) ||
        !num_param(req, res, "jobId", INT64_MAX, 0, &wf))
        return res->status;
    struct store_bulk_run *rl = NULL;
    size_t n = 0;
    if (store_bulk_wf_runs(req->app->store, req->auth.org_id, (int64_t)wf,
                           (int64_t)before, (size_t)max + 1, &rl, &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, NULL);
    json_t *arr = json_array();
    int64_t seen_wf = 0, unseen_wf = 0; /* runs come grouped: remember one */
    for (size_t i = 0; i < n && i < max; i++) {
        const struct store_bulk_run *r = &rl[i];
        /* runs of another account's instance are left out (issue 15) */
        if (r->workflow_id == unseen_wf)
            continue;
        if (r->workflow_id != seen_wf) {
            if (!wf_seen(req, r->workflow_id)) {
                unseen_wf = r->workflow_id;
                continue;
            }
            seen_wf = r->workflow_id;
        }
        json_t *jobs = json_loads(r->jobs ? r->jobs : "[]", 0, NULL);
        json_t *o = json_pack("{s:I,s:I,s:s,s:I,s:o,s:o,s:I,s:o}", "id",
                              (json_int_t)r->id, "groupName",
                              (json_int_t)r->workflow_id, "status", r->status,
                              "createdDate", (json_int_t)r->created_at,
                              "completionDate", ms_or_null(r->finished_at),
                              "scheduledFireTime", ms_or_null(r->fired_at),
                              "currentStep", (json_int_t)(r->step + 1),
                              "bulkJobIds", jobs ? jobs : json_array());
        if (r->message)
            json_object_set_new(o, "message", json_string(r->message));
        json_array_append_new(arr, o);
    }
    res_header(res, "Elements-Returned-Count",
               ed_arena_printf(req->arena, "%zu", json_array_size(arr)));
    if (n > max)
        res_header(res, "Elements-Next-Page-Token",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)rl[max - 1].id));
    store_bulk_runs_free(rl, n);
    return res_json(res, 200, arr);
}

#define EL ED_ROUTE_ELEMENT
const struct ed_route api_bulkloader_routes[] = {
    {ED_POST, "/hubs/{hub}/bulk/workflows", wf_create, EL | ED_ROUTE_JSON_ANY},
    {ED_POST, "/bulk/workflows", wf_create, EL | ED_ROUTE_JSON_ANY},
    {ED_GET, "/hubs/{hub}/bulk/workflows/{id}", wf_get, EL},
    {ED_GET, "/bulk/workflows/{id}", wf_get, EL},
    {ED_DELETE, "/hubs/{hub}/bulk/workflows/{id}", wf_delete, EL},
    {ED_DELETE, "/bulk/workflows/{id}", wf_delete, EL},
    {ED_GET, "/bulkloader", bulkloader, EL},
    {0, NULL, NULL, 0},
};
