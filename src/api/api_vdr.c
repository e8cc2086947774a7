/* SPDX-License-Identifier: MIT
 * Virtual data resources, the platform routes (spec §7.1): object
 * definitions and transformations at organization, account and instance
 * level (docs/api/transformations.md). The level and its owner come from
 * the matched route's prefix:
 *   /organizations/...            the caller's organization
 *   /accounts/...                 the caller's default account
 *   /accounts/{id}/...            the same, named (another id: 404)
 *   /instances/{id}/...           an instance of the caller's organization
 *   /instances/...                the instance of the Element token
 *   /elements/{keyOrId}/..., /transformations: organization level
 * Validation, storage and limits are domain/vdr.c's; this file maps its
 * answers to statuses. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/strparse.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "domain/vdr.h"
#include "elements/elements.h"
#include "store/store.h"

static bool prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* The instance of the Element token (as api_instances.c's by-token calls
 * answer when there is none). */
static bool token_instance(struct ed_request *req, struct ed_response *res,
                           int64_t *id, const char **element_key)
{
    const char *tok = req->auth.element_token;
    const struct instance *view = NULL;
    struct instance_shared *h = NULL;
    if (!tok) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "This call selects the instance by its token: send "
                  "'Element <token>' in the Authorization header");
        return false;
    }
    if (instance_get_shared(req->app, tok, &view, &h) != ED_OK) {
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "Invalid Element token: no such element instance");
        return false;
    }
    bool mine = view->row.org_id == req->auth.org_id;
    bool seen = mine && api_instance_visible(req, res, &view->row); /* 403 */
    if (seen) {
        *id = view->row.id;
        *element_key = ed_arena_strdup(req->arena, view->row.element_key);
    }
    instance_shared_release(h);
    if (!mine)
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "Invalid Element token for this organization");
    return seen;
}

static bool instance_by_id(struct ed_request *req, struct ed_response *res,
                           const char *id_s, int64_t *id,
                           const char **element_key)
{
    uint64_t v;
    struct store_instance row;
    enum ed_err err = ED_ERR_NOT_FOUND;
    memset(&row, 0, sizeof(row));
    if (ed_parse_u64(id_s, INT64_MAX, &v))
        err = store_instance_get(req->app->store, req->auth.org_id, (int64_t)v,
                                 &row);
    if (err == ED_OK &&
        !accounts_sees_instance(&req->auth, row.account_id, row.user_id)) {
        store_instance_cleanup(&row); /* another account's: 404, as by id */
        err = ED_ERR_NOT_FOUND;
    }
    if (err == ED_OK) {
        *id = row.id;
        *element_key = ed_arena_strdup(req->arena, row.element_key);
        store_instance_cleanup(&row);
        return true;
    }
    if (err == ED_ERR_NOT_FOUND)
        res_error(req, res, ED_E_NOT_FOUND,
                  "No element instance found for id %.40s", id_s);
    else
        res_error(req, res, ED_E_INTERNAL, "Cannot read the instance");
    return false;
}

/* The level and owner of the route (and, for transformations, the
 * element: the instance's, or the {keyOrId} that follows the level).
 * *np: the index of the next path parameter. */
static bool scope_or_respond(struct ed_request *req, struct ed_response *res,
                             bool element, struct vdr_scope *sc, size_t *np)
{
    const char *r = req->route;
    memset(sc, 0, sizeof(*sc));
    sc->org_id = req->auth.org_id;
    sc->owner_id = req->auth.org_id;
    sc->level = VDR_ORG;
    *np = 0;
    if (prefix(r, "/accounts/{id}/")) {
        uint64_t id;
        const char *id_s = req_param(req, 0);
        if (!ed_parse_u64(id_s, INT64_MAX, &id) ||
            (int64_t)id != req->auth.org_id) {
            res_error(req, res, ED_E_NOT_FOUND, "No account found for id %.40s",
                      id_s);
            return false;
        }
        sc->level = VDR_ACCOUNT;
        *np = 1;
    } else if (prefix(r, "/accounts/")) {
        sc->level = VDR_ACCOUNT;
    } else if (prefix(r, "/instances/{id}/")) {
        sc->level = VDR_INSTANCE;
        *np = 1;
        return instance_by_id(req, res, req_param(req, 0), &sc->owner_id,
                              &sc->element_key);
    } else if (prefix(r, "/instances/")) {
        sc->level = VDR_INSTANCE;
        return token_instance(req, res, &sc->owner_id, &sc->element_key);
    }
    if (element) {
        const struct element *el = api_element_or_respond(req, res,
                                                          req_param(req, *np));
        if (!el)
            return false;
        sc->element_key = el->key;
        (*np)++;
    }
    return true;
}

/* A domain error → the response. what: "definition" or "transformation". */
static int answer_err(struct ed_request *req, struct ed_response *res,
                      enum ed_err err, const char *what, const char *name,
                      const struct vdr_scope *sc, const char *why)
{
    const char *lvl = vdr_level_name(sc->level);
    switch (err) {
    case ED_ERR_INVALID:
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    case ED_ERR_NOT_FOUND:
        return res_error(req, res, ED_E_NOT_FOUND,
                         "No %s named %.100s at the %s level", what, name, lvl);
    case ED_ERR_EXISTS:
        if (why && *why)
            return res_error(req, res, ED_E_CONFLICT, "%s", why);
        return res_error(req, res, ED_E_CONFLICT,
                         "A %s named %.100s already exists at the %s level",
                         what, name, lvl);
    default:
        return res_error(req, res, ED_E_INTERNAL, "Cannot access the %ss",
                         what);
    }
}

static bool body_or_respond(struct ed_request *req, struct ed_response *res)
{
    if (json_is_object(req->body))
        return true;
    res_error(req, res, ED_E_BAD_REQUEST,
              "The request body must be a JSON object");
    return false;
}

/* --- definitions ------------------------------------------------------------ */

static int defs_list(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    if (!scope_or_respond(req, res, false, &sc, &np))
        return res->status;
    enum ed_err err = vdr_def_list(req->app, &sc, &out);
    if (err)
        return answer_err(req, res, err, "definition", "", &sc, NULL);
    return res_json(res, 200, out);
}

static int defs_post(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    char why[512] = "";
    if (!scope_or_respond(req, res, false, &sc, &np) ||
        !body_or_respond(req, res))
        return res->status;
    enum ed_err err = vdr_def_put_many(req->app, &sc, req->body, VDR_CREATE,
                                       &out, why, sizeof(why));
    if (err)
        return answer_err(req, res, err, "definition", "", &sc, why);
    return res_json(res, 200, out);
}

static int defs_delete(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    if (!scope_or_respond(req, res, false, &sc, &np))
        return res->status;
    enum ed_err err = vdr_def_delete_all(req->app, &sc);
    if (err)
        return answer_err(req, res, err, "definition", "", &sc, NULL);
    return res_json(res, 200, json_object());
}

static int def_one(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    char why[512] = "";
    enum ed_err err;
    if (!scope_or_respond(req, res, false, &sc, &np))
        return res->status;
    const char *name = req_param(req, np);
    switch (req->method) {
    case ED_GET: err = vdr_def_get(req->app, &sc, name, &out); break;
    case ED_POST:
    case ED_PUT:
        if (!body_or_respond(req, res))
            return res->status;
        err = vdr_def_put(req->app, &sc, name, req->body,
                          req->method == ED_POST ? VDR_CREATE : VDR_REPLACE,
                          &out, why, sizeof(why));
        break;
    default:
        err = vdr_def_delete(req->app, &sc, name);
        out = json_object();
        break;
    }
    if (err) {
        json_decref(out);
        return answer_err(req, res, err, "definition", name, &sc, why);
    }
    return res_json(res, 200, out);
}

static int def_rename(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    char why[512] = "";
    if (!scope_or_respond(req, res, false, &sc, &np) ||
        !body_or_respond(req, res))
        return res->status;
    const char *from = req_param(req, np);
    const char *to = json_string_value(
        json_object_get(req->body, "objectName"));
    if (!to)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "objectName: the new name (a string) is required");
    enum ed_err err = vdr_def_rename(req->app, &sc, from, to, why, sizeof(why));
    if (err == ED_ERR_EXISTS)
        return answer_err(req, res, err, "definition or transformation", to,
                          &sc, NULL);
    if (err == ED_OK)
        err = vdr_def_get(req->app, &sc, to, &out);
    if (err)
        return answer_err(req, res, err, "definition", from, &sc, why);
    return res_json(res, 200, out);
}

/* --- transformations -------------------------------------------------------- */

/* Transformation routes name an element after an organization or account
 * level; instance levels take the instance's. */
static bool tf_scope(struct ed_request *req, struct ed_response *res,
                     struct vdr_scope *sc, size_t *np)
{
    bool element = !prefix(req->route, "/instances/");
    return scope_or_respond(req, res, element, sc, np);
}

static int tfs_list(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    if (!tf_scope(req, res, &sc, &np))
        return res->status;
    enum ed_err err = vdr_tf_list(req->app, &sc, &out);
    if (err)
        return answer_err(req, res, err, "transformation", "", &sc, NULL);
    return res_json(res, 200, out);
}

/* DELETE of every transformation of the level (and element). On an
 * instance, ?propagate=true is accepted: there is nothing below an
 * instance to propagate to. */
static int tfs_delete(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    if (!tf_scope(req, res, &sc, &np))
        return res->status;
    enum ed_err err = vdr_tf_delete_all(req->app, &sc);
    if (err)
        return answer_err(req, res, err, "transformation", "", &sc, NULL);
    return res_json(res, 200, json_object());
}

static int tf_one(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    char why[512] = "";
    enum ed_err err;
    if (!tf_scope(req, res, &sc, &np))
        return res->status;
    const char *name = req_param(req, np);
    switch (req->method) {
    case ED_GET: err = vdr_tf_get(req->app, &sc, name, &out); break;
    case ED_POST:
    case ED_PUT:
        if (!body_or_respond(req, res))
            return res->status;
        err = vdr_tf_put(req->app, &sc, name, req->body,
                         req->method == ED_POST ? VDR_CREATE : VDR_REPLACE,
                         &out, why, sizeof(why));
        break;
    default:
        err = vdr_tf_delete(req->app, &sc, name);
        out = json_object();
        break;
    }
    if (err) {
        json_decref(out);
        return answer_err(req, res, err, "transformation", name, &sc, why);
    }
    return res_json(res, 200, out);
}

/* GET /organizations/objects/{name}/transformations: {elementKey: doc}. */
static int object_tfs(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc;
    size_t np;
    json_t *out = NULL;
    if (!scope_or_respond(req, res, false, &sc, &np))
        return res->status;
    enum ed_err err = vdr_tf_by_name(req->app, &sc, req_param(req, np), &out);
    if (err)
        return answer_err(req, res, err, "transformation", "", &sc, NULL);
    return res_json(res, 200, out);
}

/* PUT /transformations: {elementKey: {name: doc}} upserted at organization
 * level, all or nothing. Element keys or ids are named by their key. */
static int tfs_bulk(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = {.org_id = req->auth.org_id,
                           .level = VDR_ORG,
                           .owner_id = req->auth.org_id};
    json_t *by_key, *out = NULL, *v;
    const char *k;
    char why[512] = "";
    if (!body_or_respond(req, res))
        return res->status;
    by_key = json_object();
    json_object_foreach(req->body, k, v) {
        const struct element *el = elements_find(req->app->elements, k);
        if (!el) {
            json_decref(by_key);
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "%.100s: no element with that key or id", k);
        }
        if (json_object_get(by_key, el->key)) {
            json_decref(by_key);
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "%.100s: element %s is named twice", k, el->key);
        }
        json_object_set(by_key, el->key, v);
    }
    enum ed_err err = vdr_tf_put_many(req->app, &sc, by_key, VDR_UPSERT, &out,
                                      why, sizeof(why));
    json_decref(by_key);
    if (err)
        return answer_err(req, res, err, "transformation", "", &sc, why);
    return res_json(res, 200, out);
}

/* Writes are audited (issue 15): each row below whose handler writes goes
 * through AUDITED. */
#define AUDITED(fn)                                                            \
    static int fn##_audited(struct ed_request *req, struct ed_response *res)   \
    {                                                                          \
        return api_audit_write(req, "vdr.write", "vdr", fn(req, res));         \
    }
AUDITED(defs_post)
AUDITED(defs_delete)
AUDITED(def_one)
AUDITED(def_rename)
AUDITED(tfs_delete)
AUDITED(tf_one)
AUDITED(tfs_bulk)

#define J ED_ROUTE_JSON
#define DEFS(L)                                                                \
    {ED_GET, L "/objects/definitions", defs_list, 0},                          \
        {ED_POST, L "/objects/definitions", defs_post_audited, J},             \
        {ED_DELETE, L "/objects/definitions", defs_delete_audited, J},         \
        {ED_GET | ED_DELETE, L "/objects/{name}/definitions", def_one_audited, \
         J},                                                                   \
        {ED_POST | ED_PUT, L "/objects/{name}/definitions", def_one_audited,   \
         J},                                                                   \
    {                                                                          \
        ED_PATCH, L "/objects/{name}", def_rename_audited, J                   \
    }
#define TFS(L)                                                                 \
    {ED_GET, L "/transformations", tfs_list, 0},                               \
        {ED_DELETE, L "/transformations", tfs_delete_audited, J},              \
    {                                                                          \
        ED_GET | ED_POST | ED_PUT | ED_DELETE, L "/transformations/{name}",    \
            tf_one_audited, J                                                  \
    }

const struct ed_route api_vdr_routes[] = {
    DEFS("/organizations"),
    DEFS("/accounts"),
    DEFS("/accounts/{id}"),
    DEFS("/instances/{id}"),
    DEFS("/instances"),
    TFS("/organizations/elements/{keyOrId}"),
    TFS("/accounts/elements/{keyOrId}"),
    TFS("/accounts/{id}/elements/{keyOrId}"),
    TFS("/instances/{id}"),
    TFS("/instances"),
    {ED_GET, "/organizations/objects/{name}/transformations", object_tfs, 0},
    {ED_GET, "/elements/{keyOrId}/transformations", tfs_list, 0},
    {ED_PUT, "/transformations", tfs_bulk_audited, J},
    {0, NULL, NULL, 0},
};
