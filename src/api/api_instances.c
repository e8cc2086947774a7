/* SPDX-License-Identifier: MIT
 * /instances: create, list, count, read, update (PUT/PATCH, re-authenticate
 * with providerData), delete, configuration entries and enable/disable,
 * each by id, by element key + id, or selected by the Element token. An
 * instance of another organization does not exist (404). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/audit.h"
#include "domain/instances.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "elements/elements.h"
#include "events/config.h"
#include "events/events.h"
#include "hub/hub_objects.h"
#include "store/store.h"

#define MAX_TAG_FILTERS 16

/* --- lookups that answer for themselves --------------------------------------- */

static bool load_by_id(struct ed_request *req, struct ed_response *res,
                       const char *id_s, struct instance *in)
{
    uint64_t id;
    enum ed_err err = ED_ERR_NOT_FOUND;
    if (ed_parse_u64(id_s, INT64_MAX, &id))
        err = instance_load(req->app, req->auth.org_id, (int64_t)id, in);
    if (err == ED_OK && !accounts_sees_instance(&req->auth, in->row.account_id,
                                                in->row.user_id)) {
        /* another account's (or user's) instance does not exist */
        instance_cleanup(in);
        err = ED_ERR_NOT_FOUND;
    }
    if (err == ED_OK)
        return true;
    if (err == ED_ERR_NOT_FOUND)
        res_error(req, res, ED_E_NOT_FOUND,
                  "No element instance found for id %.40s", id_s);
    else
        res_error(req, res, ED_E_INTERNAL, "Cannot read the instance");
    return false;
}

static bool load_by_token(struct ed_request *req, struct ed_response *res,
                          struct instance *in)
{
    const char *tok = req->auth.element_token;
    if (!tok) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "This call selects the instance by its token: send "
                  "'Element <token>' in the Authorization header");
        return false;
    }
    enum ed_err err = instance_load_by_token(req->app, tok, in);
    if (err == ED_ERR_NOT_FOUND) {
        /* as hub calls answer: the token names no instance */
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "Invalid Element token: no such element instance");
        return false;
    }
    if (err != ED_OK) {
        res_error(req, res, ED_E_INTERNAL, "Cannot read the instance");
        return false;
    }
    if (in->row.org_id != req->auth.org_id) {
        instance_cleanup(in);
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "Invalid Element token for this organization");
        return false;
    }
    if (!api_instance_visible(req, res, &in->row)) { /* 403, audited */
        instance_cleanup(in);
        return false;
    }
    return true;
}

/* /elements/{keyOrId}/instances/{id}: the instance must be of that element. */
static bool load_by_element_and_id(struct ed_request *req,
                                   struct ed_response *res, struct instance *in)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el || !load_by_id(req, res, req_param(req, 1), in))
        return false;
    if (in->el != el) {
        instance_cleanup(in);
        res_error(req, res, ED_E_NOT_FOUND, "No %s instance found for id %.40s",
                  el->key, req_param(req, 1));
        return false;
    }
    return true;
}

static bool body_object_or_respond(struct ed_request *req,
                                   struct ed_response *res)
{
    if (json_is_object(req->body))
        return true;
    res_error(req, res, ED_E_BAD_REQUEST,
              "The request body must be a JSON object");
    return false;
}

/* --- asynchronous work: provisioning, re-authentication, revocation ------------- */

enum op {
    OP_GET,
    OP_PUT,
    OP_PATCH,
    OP_DELETE,
    OP_CFG_LIST,
    OP_CFG_GET,
    OP_CFG_PATCH,
    OP_ENABLE,
    OP_DISABLE,
    OP_CREATE
};

/* One request's instance work; lives until the response is set (across
 * HubSpot's answers when the handler returned ED_ASYNC). If the client goes
 * away meanwhile the chain still runs to its end (no abandon hook): it is
 * short, bounded by HubSpot's timeout, and frees everything it holds. */
struct inst_job {
    struct ed_request *req;
    enum op op;
    struct instance in;
    struct inst_change ch;
    struct inst_error err;
    const char *cfg_key; /* OP_CFG_PATCH: the entry to answer with (arena) */
    bool revoked;
    bool trace_set; /* the body gave traceLoggingEnabled (in.row) */
};

static struct inst_job *job_new(struct ed_request *req, enum op op)
{
    struct inst_job *job = ed_calloc(1, sizeof(*job));
    job->req = req;
    job->op = op;
    return job;
}

/* Ends the job: frees it, returns st. */
static int job_end(struct inst_job *job, int st)
{
    instance_cleanup(&job->in);
    inst_change_cleanup(&job->ch);
    inst_error_cleanup(&job->err);
    free(job);
    return st;
}

/* traceLoggingEnabled of body, when given: a boolean (400 otherwise). */
static bool trace_field(struct inst_job *job, json_t *body, bool *set,
                        int *value)
{
    json_t *t = json_object_get(body, "traceLoggingEnabled");
    *set = t && !json_is_null(t);
    if (!*set)
        return true;
    if (!json_is_boolean(t)) {
        job->err.code = ED_E_BAD_REQUEST;
        snprintf(job->err.message, sizeof(job->err.message),
                 "traceLoggingEnabled must be true or false");
        return false;
    }
    *value = json_is_true(t);
    return true;
}

/* Render the domain's refusal. */
static int respond_error(struct ed_request *req, struct ed_response *res,
                         const struct inst_error *err)
{
    int st = res_error(req, res, err->code, "%s", err->message);
    if (err->provider_message)
        res->provider_message = ed_arena_strdup(req->arena,
                                                err->provider_message);
    return st;
}

static int job_resume(struct ed_request *req, struct ed_response *res,
                      void *ud);

/* The event.* keys as merged by the change (§5.1): false + 400 in err.
 * old_config: the configuration before a change (NULL on create). */
static bool events_keys_ok(struct inst_job *job, json_t *old_config)
{
    if (events_config_check(&job->in, old_config, job->err.message,
                            sizeof(job->err.message)))
        return true;
    job->err.code = ED_E_BAD_REQUEST;
    return false;
}

/* A HubSpot step ended (event-loop thread): continue on a server thread. */
static void job_step_done(void *ud)
{
    struct inst_job *job = ud;
    req_async_continue(job->req, job_resume, job);
}

static void job_revoked(void *ud, bool revoked)
{
    struct inst_job *job = ud;
    job->revoked = revoked;
    req_async_continue(job->req, job_resume, job);
}

/* retrieveObjectsAfterInstantiation: a boolean (or "true"/"false"). */
#define RETRIEVE_OBJECTS "retrieveObjectsAfterInstantiation"
static bool want_objects(json_t *body)
{
    json_t *v = json_object_get(body, RETRIEVE_OBJECTS);
    return json_is_true(v) ||
           (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static int create_finish(struct ed_request *req, struct ed_response *res,
                         struct inst_job *job)
{
    if (job->err.code != ED_E_NONE ||
        !instance_store_new(req->app, &job->in, req->auth.org_id,
                            req->auth.user_id, &job->err))
        return job_end(job, respond_error(req, res, &job->err));
    ed_info(req->request_id,
            "msg=\"instance created\" instance=%lld element=%s "
            "auth=%s",
            (long long)job->in.row.id, job->in.el->key, job->in.row.auth_type);
    events_instance_changed(job->in.row.id);
    audit_req(req, 0, "instance.create", "instance", job->in.row.id,
              job->in.el->key, 200);
    json_t *out = instance_render(req->app, &job->in);
    if (want_objects(req->body))
        json_object_set_new(out, "objects",
                            hub_objects_render(req->app, &job->in));
    return job_end(job, res_json(res, 200, out));
}

static int modify_finish(struct ed_request *req, struct ed_response *res,
                         struct inst_job *job)
{
    if (job->err.code != ED_E_NONE ||
        !instance_change_commit(req->app, &job->in, &job->ch, &job->err))
        return job_end(job, respond_error(req, res, &job->err));
    if (job->trace_set &&
        instance_save(req->app, &job->in, STORE_INST_TRACE) != ED_OK)
        return job_end(job, res_error(req, res, ED_E_INTERNAL,
                                      "Cannot update the instance"));
    events_instance_changed(job->in.row.id);
    audit_req(req, 0,
              job->op == OP_CFG_PATCH ? "config.update" : "instance.update",
              "instance", job->in.row.id,
              job->op == OP_CFG_PATCH ? job->cfg_key
                                      : api_audit_fields(req, req->body),
              200);
    if (job->op == OP_CFG_PATCH)
        return job_end(job,
                       res_json(res, 200,
                                instance_config_entry(&job->in, job->cfg_key)));
    return job_end(job,
                   res_json(res, 200, instance_render(req->app, &job->in)));
}

static int delete_finish(struct ed_request *req, struct ed_response *res,
                         struct inst_job *job)
{
    struct instance *in = &job->in;
    if (store_instance_delete(req->app->store, in->row.org_id, in->row.id) !=
        ED_OK)
        return job_end(job, res_error(req, res, ED_E_INTERNAL,
                                      "Cannot delete the instance"));
    ed_info(req->request_id,
            "msg=\"instance deleted\" instance=%lld revoked=%d",
            (long long)in->row.id, job->revoked);
    audit_req(req, 0, "instance.delete", "instance", in->row.id, NULL, 200);
    return job_end(job, res_json(res, 200,
                                 json_pack("{s:I, s:b, s:b}", "id",
                                           (json_int_t)in->row.id, "deleted", 1,
                                           "revoked", job->revoked)));
}

static int job_resume(struct ed_request *req, struct ed_response *res, void *ud)
{
    struct inst_job *job = ud;
    switch (job->op) {
    case OP_CREATE: return create_finish(req, res, job);
    case OP_DELETE: return delete_finish(req, res, job);
    default: return modify_finish(req, res, job);
    }
}

/* PUT / PATCH (and a configuration entry's PATCH): apply, re-authenticate
 * at HubSpot when needed (asynchronously), then commit. */
static int modify_start(struct ed_request *req, struct ed_response *res,
                        struct inst_job *job, json_t *body, bool full)
{
    const char *ra = req_query(req, "reAuthenticate");
    int trace = job->in.row.trace_logging;
    if (!trace_field(job, body, &job->trace_set, &trace))
        return job_end(job, respond_error(req, res, &job->err));
    job->in.row.trace_logging = trace;
    if (!instance_change_apply(req->app, &job->in, body, full,
                               ra && strcmp(ra, "true") == 0, &job->ch,
                               &job->err) ||
        !events_keys_ok(job, job->ch.old_config))
        return job_end(job, respond_error(req, res, &job->err));
    if (!job->ch.reauth)
        return modify_finish(req, res, job);
    if (!instance_provision(req->app, &job->in, job->ch.pd, job->ch.ext,
                            req->request_id, job_step_done, job, &job->err))
        return job_end(job, respond_error(req, res, &job->err));
    return ED_ASYNC;
}

/* Revoke at HubSpot (unless configured not to), then delete. */
static int delete_start(struct ed_request *req, struct ed_response *res,
                        struct inst_job *job)
{
    if (instance_revoke(req->app, &job->in, req->request_id, job_revoked, job))
        return ED_ASYNC;
    return delete_finish(req, res, job);
}

/* --- create ------------------------------------------------------------------- */

/* Validate, authenticate at HubSpot (asynchronously), then store: nothing
 * is stored unless HubSpot accepted the authorization. */
static int create_start(struct ed_request *req, struct ed_response *res,
                        const struct element *el)
{
    json_t *ro = json_object_get(req->body, RETRIEVE_OBJECTS);
    if (ro && !json_is_boolean(ro) && !json_is_null(ro) &&
        !(json_is_string(ro) && (strcmp(json_string_value(ro), "true") == 0 ||
                                 strcmp(json_string_value(ro), "false") == 0)))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         RETRIEVE_OBJECTS " must be true or false");
    struct inst_job *job = job_new(req, OP_CREATE);
    json_t *ext = json_object_get(req->body, "externalAuthentication");
    bool trace_set;
    int trace = 0;
    if (!trace_field(job, req->body, &trace_set, &trace) ||
        !instance_prepare_new(req->app, el, req->body, &job->in, &job->err))
        return job_end(job, respond_error(req, res, &job->err));
    job->in.row.trace_logging = trace;
    if (!events_keys_ok(job, NULL) ||
        !instance_provision(req->app, &job->in,
                            json_object_get(req->body, "providerData"),
                            json_string_value(ext), req->request_id,
                            job_step_done, job, &job->err))
        return job_end(job, respond_error(req, res, &job->err));
    return ED_ASYNC;
}

static int instances_create(struct ed_request *req, struct ed_response *res)
{
    if (!body_object_or_respond(req, res))
        return res->status;
    json_t *e = json_object_get(req->body, "element");
    const char *key = json_string_value(json_object_get(e, "key"));
    json_t *id = json_object_get(e, "id");
    const char *k = key;
    if (!k && json_is_integer(id))
        k = ed_arena_printf(req->arena, "%lld",
                            (long long)json_integer_value(id));
    if (!k)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "element is required: {\"element\": {\"key\": "
                         "\"hubspotcrm\"}}");
    const struct element *el = api_element_or_respond(req, res, k);
    if (!el)
        return res->status;
    return create_start(req, res, el);
}

static int element_instances_create(struct ed_request *req,
                                    struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el || !body_object_or_respond(req, res))
        return res->status;
    return create_start(req, res, el);
}

/* --- list / count ------------------------------------------------------------- */

static bool has_tag(json_t *tags, const char *t)
{
    size_t i;
    json_t *v;
    json_array_foreach(tags, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), t) == 0)
            return true;
    }
    return false;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay; hay++)
        if (ed_strcaseprefix(hay, needle))
            return true;
    return nl == 0;
}

static int list_instances(struct ed_request *req, struct ed_response *res,
                          const char *element_key)
{
    struct store_instance *rows = NULL;
    size_t n = 0;
    const char *tags[MAX_TAG_FILTERS];
    size_t ntags = req_query_all(req, "tags[]", tags, MAX_TAG_FILTERS);
    if (!ntags)
        ntags = req_query_all(req, "tags", tags, MAX_TAG_FILTERS);
    const char *search = req_query(req, "searchText");
    bool filtered = ntags > 0 || (search && *search);
    if (store_instance_list(req->app->store, req->auth.org_id, element_key,
                            &rows, &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot list instances");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct instance in;
        if (!accounts_sees_instance(&req->auth, rows[i].account_id,
                                    rows[i].user_id) ||
            instance_from_row(req->app, &rows[i], &in) != ED_OK)
            continue;
        bool ok = true;
        for (size_t t = 0; t < ntags && ok; t++)
            ok = has_tag(in.tags, tags[t]);
        if (ok && search && *search)
            ok = contains_ci(in.row.name, search) ||
                 contains_ci(in.el->key, search);
        if (ok)
            json_array_append_new(arr, instance_render(req->app, &in));
        instance_cleanup(&in);
    }
    store_instances_free(rows, n);
    if (filtered && json_array_size(arr) == 0) {
        json_decref(arr);
        return res_error(req, res, ED_E_NOT_FOUND,
                         "No element instances match the search");
    }
    return res_json(res, 200, arr);
}

static int instances_list(struct ed_request *req, struct ed_response *res)
{
    return list_instances(req, res, NULL);
}

static int element_instances_list(struct ed_request *req,
                                  struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el)
        return res->status;
    return list_instances(req, res, el->key);
}

static int instances_count(struct ed_request *req, struct ed_response *res)
{
    struct store_instance *rows = NULL;
    size_t n = 0;
    if (store_instance_list(req->app->store, req->auth.org_id, NULL, &rows,
                            &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot count instances");
    json_t *per = json_object();
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!accounts_sees_instance(&req->auth, rows[i].account_id,
                                    rows[i].user_id))
            continue;
        seen++;
        json_t *c = json_object_get(per, rows[i].element_key);
        json_object_set_new(per, rows[i].element_key,
                            json_integer(c ? json_integer_value(c) + 1 : 1));
    }
    store_instances_free(rows, n);
    return res_json(res, 200,
                    json_pack("{s:I, s:o}", "totalInstances", (json_int_t)seen,
                              "elementInstances", per));
}

/* --- one instance, however selected ---------------------------------------------- */

enum sel { SEL_ID, SEL_ELEMENT_ID, SEL_TOKEN };

static bool select_instance(struct ed_request *req, struct ed_response *res,
                            enum sel how, struct instance *in)
{
    memset(in, 0, sizeof(*in));
    switch (how) {
    case SEL_ID: return load_by_id(req, res, req_param(req, 0), in);
    case SEL_ELEMENT_ID: return load_by_element_and_id(req, res, in);
    case SEL_TOKEN: return load_by_token(req, res, in);
    }
    return false;
}

static int cfg_entry_op(struct ed_request *req, struct ed_response *res,
                        struct inst_job *job, const char *config_id, bool patch)
{
    const char *key = instance_config_key_by_id(&job->in, config_id);
    if (!key)
        return job_end(job, res_error(req, res, ED_E_NOT_FOUND,
                                      "No configuration entry %.40s on this "
                                      "instance",
                                      config_id));
    job->cfg_key = ed_arena_strdup(req->arena, key);
    if (!patch)
        return job_end(job,
                       res_json(res, 200,
                                instance_config_entry(&job->in, job->cfg_key)));
    if (!json_is_object(req->body) ||
        !json_object_get(req->body, "propertyValue"))
        return job_end(job,
                       res_error(req, res, ED_E_BAD_REQUEST,
                                 "Body must be {\"propertyValue\": <value>}"));
    json_t *b = json_pack("{s:{s:O}}", "configuration", job->cfg_key,
                          json_object_get(req->body, "propertyValue"));
    int st = modify_start(req, res, job, b, false); /* b is read, not kept */
    json_decref(b);
    return st;
}

static int instance_op(struct ed_request *req, struct ed_response *res,
                       enum sel how, enum op op)
{
    struct inst_job *job = job_new(req, op);
    if (!select_instance(req, res, how, &job->in))
        return job_end(job, res->status);
    switch (op) {
    case OP_GET:
        return job_end(job,
                       res_json(res, 200, instance_render(req->app, &job->in)));
    case OP_PUT:
    case OP_PATCH:
        if (!body_object_or_respond(req, res))
            return job_end(job, res->status);
        return modify_start(req, res, job, req->body, op == OP_PUT);
    case OP_DELETE: return delete_start(req, res, job);
    case OP_CFG_LIST:
        return job_end(job,
                       res_json(res, 200, instance_config_entries(&job->in)));
    case OP_CFG_GET:
    case OP_CFG_PATCH:
        return cfg_entry_op(req, res, job, req_param(req, req->nparams - 1),
                            op == OP_CFG_PATCH);
    case OP_ENABLE:
    case OP_DISABLE:
        /* the flag alone: a rename made meanwhile stays */
        job->in.row.disabled = op == OP_DISABLE;
        if (instance_save(req->app, &job->in, STORE_INST_DISABLED) != ED_OK)
            return job_end(job, res_error(req, res, ED_E_INTERNAL,
                                          "Cannot update the instance"));
        events_instance_changed(job->in.row.id);
        audit_req(req, 0,
                  op == OP_DISABLE ? "instance.disable" : "instance.enable",
                  "instance", job->in.row.id, NULL, 200);
        return job_end(job,
                       res_json(res, 200, instance_render(req->app, &job->in)));
    default: return job_end(job, res_error(req, res, ED_E_INTERNAL, NULL));
    }
}

#define OP_HANDLER(fn, how, op)                                                \
    static int fn(struct ed_request *req, struct ed_response *res)             \
    {                                                                          \
        return instance_op(req, res, how, op);                                 \
    }

OP_HANDLER(by_id_get, SEL_ID, OP_GET)
OP_HANDLER(by_id_put, SEL_ID, OP_PUT)
OP_HANDLER(by_id_patch, SEL_ID, OP_PATCH)
OP_HANDLER(by_id_delete, SEL_ID, OP_DELETE)
OP_HANDLER(by_id_cfg_list, SEL_ID, OP_CFG_LIST)
OP_HANDLER(by_id_cfg_get, SEL_ID, OP_CFG_GET)
OP_HANDLER(by_id_cfg_patch, SEL_ID, OP_CFG_PATCH)
OP_HANDLER(by_id_enable, SEL_ID, OP_ENABLE)
OP_HANDLER(by_id_disable, SEL_ID, OP_DISABLE)
OP_HANDLER(by_el_get, SEL_ELEMENT_ID, OP_GET)
OP_HANDLER(by_el_put, SEL_ELEMENT_ID, OP_PUT)
OP_HANDLER(by_el_patch, SEL_ELEMENT_ID, OP_PATCH)
OP_HANDLER(by_el_delete, SEL_ELEMENT_ID, OP_DELETE)
OP_HANDLER(by_tok_get, SEL_TOKEN, OP_GET)
OP_HANDLER(by_tok_put, SEL_TOKEN, OP_PUT)
OP_HANDLER(by_tok_patch, SEL_TOKEN, OP_PATCH)
OP_HANDLER(by_tok_cfg_list, SEL_TOKEN, OP_CFG_LIST)
OP_HANDLER(by_tok_cfg_get, SEL_TOKEN, OP_CFG_GET)
OP_HANDLER(by_tok_cfg_patch, SEL_TOKEN, OP_CFG_PATCH)
OP_HANDLER(by_tok_enable, SEL_TOKEN, OP_ENABLE)
OP_HANDLER(by_tok_disable, SEL_TOKEN, OP_DISABLE)

#define J ED_ROUTE_JSON
const struct ed_route api_instances_routes[] = {
    {ED_POST, "/instances", instances_create, J},
    {ED_GET, "/instances", instances_list, 0},
    {ED_PUT, "/instances", by_tok_put, J},
    {ED_PATCH, "/instances", by_tok_patch, J},
    {ED_GET, "/instances/count", instances_count, 0},
    {ED_GET, "/instances/configuration", by_tok_cfg_list, 0},
    {ED_GET, "/instances/configuration/{configId}", by_tok_cfg_get, 0},
    {ED_PATCH, "/instances/configuration/{configId}", by_tok_cfg_patch, J},
    {ED_PUT, "/instances/enabled", by_tok_enable, J},
    {ED_DELETE, "/instances/enabled", by_tok_disable, J},
    {ED_GET, "/instances/me", by_tok_get, 0},
    {ED_GET, "/instances/{id}", by_id_get, 0},
    {ED_PUT, "/instances/{id}", by_id_put, J},
    {ED_PATCH, "/instances/{id}", by_id_patch, J},
    {ED_DELETE, "/instances/{id}", by_id_delete, J},
    {ED_GET, "/instances/{id}/configuration", by_id_cfg_list, 0},
    {ED_GET, "/instances/{id}/configuration/{configId}", by_id_cfg_get, 0},
    {ED_PATCH, "/instances/{id}/configuration/{configId}", by_id_cfg_patch, J},
    {ED_PUT, "/instances/{id}/enabled", by_id_enable, J},
    {ED_DELETE, "/instances/{id}/enabled", by_id_disable, J},
    {ED_POST, "/elements/{keyOrId}/instances", element_instances_create, J},
    {ED_GET, "/elements/{keyOrId}/instances", element_instances_list, 0},
    {ED_GET, "/elements/{keyOrId}/instances/{id}", by_el_get, 0},
    {ED_PUT, "/elements/{keyOrId}/instances/{id}", by_el_put, J},
    {ED_PATCH, "/elements/{keyOrId}/instances/{id}", by_el_patch, J},
    {ED_DELETE, "/elements/{keyOrId}/instances/{id}", by_el_delete, J},
    {0, NULL, NULL, 0},
};
