/* SPDX-License-Identifier: MIT
 * Traces of an instance (traceLoggingEnabled; src/traces/): list, newest
 * first and paged, and clear, by id or selected by the Element token; and
 * the console dashboard's per-minute summary (/metrics/summary) of the
 * caller's organization. An instance of another organization does not
 * exist (404). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "store/store.h"
#include "traces/traces.h"

#define PAGE_DEFAULT 20
#define PAGE_MAX 100
#define FLUSH_WAIT_MS 2000

/* The instance of the call: {id} or the Element token; false: answered. */
static bool pick(struct ed_request *req, struct ed_response *res, int64_t *id)
{
    struct instance in = {0};
    enum ed_err err = ED_ERR_NOT_FOUND;
    uint64_t v;
    if (req->nparams > 0) {
        const char *id_s = req_param(req, 0);
        if (ed_parse_u64(id_s, INT64_MAX, &v))
            err = instance_load(req->app, req->auth.org_id, (int64_t)v, &in);
        if (err == ED_OK &&
            !accounts_sees_instance(&req->auth, in.row.account_id,
                                    in.row.user_id)) {
            instance_cleanup(&in); /* another account's: 404, as by id */
            err = ED_ERR_NOT_FOUND;
        }
        if (err == ED_ERR_NOT_FOUND) {
            res_error(req, res, ED_E_NOT_FOUND,
                      "No element instance found for id %.40s", id_s);
            return false;
        }
    } else {
        if (!req->auth.element_token) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "This call selects the instance by its token: send "
                      "'Element <token>' in the Authorization header");
            return false;
        }
        err = instance_load_by_token(req->app, req->auth.element_token, &in);
        if (err == ED_OK && in.row.org_id != req->auth.org_id)
            err = ED_ERR_NOT_FOUND;
        if (err == ED_ERR_NOT_FOUND) {
            instance_cleanup(&in);
            res_error(req, res, ED_E_UNAUTHORIZED,
                      "Invalid Element token: no such element instance");
            return false;
        }
    }
    if (err != ED_OK) {
        res_error(req, res, ED_E_INTERNAL, "Cannot read the instance");
        return false;
    }
    if (req->nparams == 0 && !api_instance_visible(req, res, &in.row)) {
        instance_cleanup(&in); /* 403, audited */
        return false;
    }
    *id = in.row.id;
    instance_cleanup(&in);
    return true;
}

static bool paging(struct ed_request *req, struct ed_response *res,
                   size_t *size, int64_t *before)
{
    return api_id_paging(req, res, PAGE_DEFAULT, PAGE_MAX, size, before);
}

static int traces_list(struct ed_request *req, struct ed_response *res)
{
    int64_t id, before;
    size_t size, n = 0;
    struct store_trace *rows = NULL;
    if (!paging(req, res, &size, &before) || !pick(req, res, &id))
        return res->status;
    traces_flush(FLUSH_WAIT_MS); /* this node's calls so far are listed */
    int64_t since = ed_now_ms() - req->app->cfg->trace_ttl_s * 1000;
    if (store_trace_list(req->app->store, id, before, since, size, &rows, &n) !=
        ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the traces");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        json_t *t = json_loads(rows[i].doc, 0, &je);
        if (!json_is_object(t)) {
            json_decref(t);
            continue;
        }
        json_object_set_new(t, "id", json_integer(rows[i].id));
        json_array_append_new(arr, t);
    }
    if (n == size && n > 0)
        res_header(res, "Elements-Next-Page-Token",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)rows[n - 1].id));
    store_traces_free(rows, n);
    return res_json(res, 200, arr);
}

static int traces_clear(struct ed_request *req, struct ed_response *res)
{
    int64_t id, deleted = 0;
    if (!pick(req, res, &id))
        return res->status;
    traces_flush(FLUSH_WAIT_MS); /* queued ones are cleared too */
    if (store_trace_clear(req->app->store, id, &deleted) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot clear the traces");
    return res_json(res, 200,
                    json_pack("{s:I, s:I}", "instanceId", (json_int_t)id,
                              "deleted", (json_int_t)deleted));
}

static int metrics_summary(struct ed_request *req, struct ed_response *res)
{
    const char *m = req_query(req, "minutes");
    uint64_t v = 60;
    if (m && *m && (!ed_parse_u64(m, SUMMARY_MINUTES, &v) || v == 0))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "minutes must be an integer from 1 to %d",
                         SUMMARY_MINUTES);
    return res_json(res, 200,
                    summary_render(req->auth.org_id, (int)v, ed_now_ms()));
}

const struct ed_route api_traces_routes[] = {
    {ED_GET, "/instances/traces", traces_list, 0},
    {ED_DELETE, "/instances/traces", traces_clear, 0},
    {ED_GET, "/instances/{id}/traces", traces_list, 0},
    {ED_DELETE, "/instances/{id}/traces", traces_clear, 0},
    {ED_GET, "/metrics/summary", metrics_summary, 0},
    {0, NULL, NULL, 0},
};
