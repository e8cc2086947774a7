/* SPDX-License-Identifier: MIT
 * The organization and its accounts (issue 15; docs/api/platform.md):
 * GET /organizations/me, /accounts (GET, POST), /accounts/{id} (GET, PATCH,
 * DELETE), /accounts/instances, /accounts/{id}/users (GET, POST),
 * /accounts/{id}/instances. Platform routes are matched before the hub's
 * resources, but /accounts and /accounts/{id} with an Element token stay
 * the hub's accounts resource (HubSpot companies): those calls go to the
 * hub entry. Organization admins manage accounts; an account admin and a
 * user read their own account (another one of the organization: 403,
 * audited). The default account (id = the organization's id) cannot be
 * deleted, nor an account that still has instances or users (409). */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/platform.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "store/store.h"

#define ALL (ED_GET | ED_POST | ED_PUT | ED_PATCH | ED_DELETE)
#define MAX_ACCOUNT_NAME 200
#define MAX_DESCRIPTION 2000

static json_t *iso_date(int64_t t)
{
    char buf[40];
    ed_iso8601(t, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *account_json(const struct store_account *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "description",
                        a->description ? json_string(a->description)
                                       : json_null());
    json_object_set_new(o, "externalId",
                        a->external_id ? json_string(a->external_id)
                                       : json_null());
    json_object_set_new(o, "organizationId", json_integer(a->org_id));
    json_object_set_new(o, "defaultAccount", json_boolean(a->is_default));
    json_object_set_new(o, "createdDate", iso_date(a->created_at));
    json_object_set_new(o, "updatedDate", iso_date(a->updated_at));
    return o;
}

static int to_hub(struct ed_request *req, struct ed_response *res)
{
    req->rest = req->subpath; /* "/accounts[/{id}]" */
    return api_hub_entry(req, res);
}

/* Account id (path parameter 0) of the caller's organization that the
 * caller may reach (or, when admin, manage): 404 / 403 set otherwise. */
static bool load_account(struct ed_request *req, struct ed_response *res,
                         bool admin, struct store_account *a)
{
    int64_t id;
    memset(a, 0, sizeof(*a));
    if (!platform_id(req, res, 0, "account", &id))
        return false;
    enum ed_err err = store_account_get(req->app->store, req->auth.org_id, id,
                                        a);
    if (err == ED_ERR_NOT_FOUND) {
        res_error(req, res, ED_E_NOT_FOUND, "No account found for id %lld",
                  (long long)id);
        return false;
    }
    if (err) {
        res_error(req, res, ED_E_INTERNAL, "Cannot read the account");
        return false;
    }
    bool ok = req->auth.role == ED_ROLE_ORG_ADMIN ||
              (!admin && a->id == req->auth.account_id);
    if (!ok) {
        platform_deny(req, res, "account", a->id,
                      admin ? "manage an account" : "reach another account");
        store_account_cleanup(a);
    }
    return ok;
}

/* name, description, externalId of the body into a (create: name
 * required). Unknown members are a 400 naming them. */
static bool account_body(struct ed_request *req, struct ed_response *res,
                         bool create, struct store_account *a)
{
    static const struct {
        const char *name;
        size_t max;
    } f[] = {{"name", MAX_ACCOUNT_NAME},
             {"description", MAX_DESCRIPTION},
             {"externalId", MAX_ACCOUNT_NAME}};
    char **dst[] = {&a->name, &a->description, &a->external_id};
    const char *k;
    json_t *v;
    if (!json_is_object(req->body)) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "The request body must be a JSON object");
        return false;
    }
    json_object_foreach(req->body, k, v) {
        size_t i = 0;
        while (i < 3 && strcmp(k, f[i].name) != 0)
            i++;
        if (i == 3) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "Unknown member '%.60s' in the account", k);
            return false;
        }
        bool nullable = i > 0;
        if (nullable && json_is_null(v)) {
            free(*dst[i]);
            *dst[i] = NULL;
            continue;
        }
        if (!json_is_string(v) || json_string_length(v) > f[i].max ||
            strlen(json_string_value(v)) != json_string_length(v) ||
            (i == 0 && json_string_length(v) == 0)) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "'%s' must be a%s string of at most %zu characters",
                      f[i].name, i == 0 ? " non-empty" : "", f[i].max);
            return false;
        }
        free(*dst[i]);
        *dst[i] = ed_strdup(json_string_value(v));
    }
    if (create && !a->name) {
        res_error(req, res, ED_E_BAD_REQUEST, "'name' is required");
        return false;
    }
    return true;
}

/* --- handlers ------------------------------------------------------------------ */

static int org_me(struct ed_request *req, struct ed_response *res)
{
    struct store_org o = {0};
    if (store_org_get(req->app->store, req->auth.org_id, &o) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL,
                         "Cannot read the organization");
    json_t *body = json_pack("{s:I, s:s, s:o, s:I, s:I, s:s, s:I}", "id",
                             (json_int_t)o.id, "name", o.name, "createdDate",
                             iso_date(o.created_at), "defaultAccountId",
                             (json_int_t)o.id, "userId",
                             (json_int_t)req->auth.user_id, "role",
                             accounts_role_name(req->auth.role), "accountId",
                             (json_int_t)req->auth.account_id);
    store_org_cleanup(&o);
    return res_json(res, 200, body);
}

static int accounts_list(struct ed_request *req, struct ed_response *res)
{
    struct store_account *rows = NULL;
    size_t n = 0;
    if (store_account_list(req->app->store, req->auth.org_id, &rows, &n) !=
        ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot list the accounts");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (req->auth.role == ED_ROLE_ORG_ADMIN ||
            rows[i].id == req->auth.account_id)
            json_array_append_new(arr, account_json(&rows[i]));
    store_accounts_free(rows, n);
    return res_json(res, 200, arr);
}

static int accounts_create(struct ed_request *req, struct ed_response *res)
{
    struct store_account a = {0};
    int st;
    if (req->auth.role != ED_ROLE_ORG_ADMIN)
        return platform_deny(req, res, "account", 0, "create an account");
    if (!account_body(req, res, true, &a)) {
        st = res->status;
        goto out;
    }
    a.org_id = req->auth.org_id;
    if (store_account_create(req->app->store, &a) != ED_OK) {
        st = res_error(req, res, ED_E_INTERNAL, "Cannot create the account");
        goto out;
    }
    platform_audit(req, "account.create", "account", a.id, NULL, 200);
    st = res_json(res, 200, account_json(&a));
out:
    store_account_cleanup(&a);
    return st;
}

static int accounts_root(struct ed_request *req, struct ed_response *res)
{
    if (req->auth.element_token)
        return to_hub(req, res);
    if (req->method == ED_GET)
        return accounts_list(req, res);
    if (req->method == ED_POST)
        return accounts_create(req, res);
    res_header(res, "Allow", "GET, POST");
    return res_error(req, res, ED_E_METHOD,
                     "Method %s not allowed here without an Element token",
                     req->method_name);
}

static int account_patch(struct ed_request *req, struct ed_response *res)
{
    struct store_account a;
    int st;
    if (!load_account(req, res, true, &a))
        return res->status;
    if (!account_body(req, res, false, &a)) {
        st = res->status;
        goto out;
    }
    enum ed_err err = store_account_update(req->app->store, &a);
    if (err) {
        st = err == ED_ERR_NOT_FOUND
                 ? res_error(req, res, ED_E_NOT_FOUND,
                             "No account found for id %lld", (long long)a.id)
                 : res_error(req, res, ED_E_INTERNAL,
                             "Cannot update the account");
        goto out;
    }
    platform_audit(req, "account.update", "account", a.id, NULL, 200);
    st = res_json(res, 200, account_json(&a));
out:
    store_account_cleanup(&a);
    return st;
}

static int account_delete(struct ed_request *req, struct ed_response *res)
{
    struct store_account a;
    const char *why = NULL;
    int st;
    if (!load_account(req, res, true, &a))
        return res->status;
    enum ed_err err = store_account_delete(req->app->store, a.org_id, a.id,
                                           &why);
    if (err == ED_ERR_EXISTS)
        st = res_error(
            req, res, ED_E_CONFLICT, "%s",
            why && strcmp(why, "default") == 0
                ? "The default account cannot be deleted"
            : why && strcmp(why, "instances") == 0
                ? "The account still has element instances: delete them first"
                : "The account still has users: delete them first");
    else if (err == ED_ERR_NOT_FOUND)
        st = res_error(req, res, ED_E_NOT_FOUND, "No account found for id %lld",
                       (long long)a.id);
    else if (err)
        st = res_error(req, res, ED_E_INTERNAL, "Cannot delete the account");
    else {
        platform_audit(req, "account.delete", "account", a.id, NULL, 200);
        st = res_json(res, 200, json_object());
    }
    store_account_cleanup(&a);
    return st;
}

static int account_one(struct ed_request *req, struct ed_response *res)
{
    if (req->auth.element_token)
        return to_hub(req, res);
    if (req->method == ED_PATCH)
        return account_patch(req, res);
    if (req->method == ED_DELETE)
        return account_delete(req, res);
    if (req->method != ED_GET) {
        res_header(res, "Allow", "GET, PATCH, DELETE");
        return res_error(req, res, ED_E_METHOD,
                         "Method %s not allowed here without an Element token",
                         req->method_name);
    }
    struct store_account a;
    if (!load_account(req, res, false, &a))
        return res->status;
    int st = res_json(res, 200, account_json(&a));
    store_account_cleanup(&a);
    return st;
}

static int account_users(struct ed_request *req, struct ed_response *res)
{
    struct store_account a;
    if (!load_account(req, res, false, &a))
        return res->status;
    int64_t id = a.id;
    store_account_cleanup(&a);
    if (req->method == ED_POST)
        return platform_user_create(req, res, id);
    return platform_users_list(req, res, id);
}

/* The instances of account_id the caller sees. */
static int instances_of(struct ed_request *req, struct ed_response *res,
                        int64_t account_id)
{
    struct store_instance *rows = NULL;
    size_t n = 0;
    if (store_instance_list(req->app->store, req->auth.org_id, NULL, &rows,
                            &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot list instances");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct instance in;
        if (rows[i].account_id != account_id ||
            !accounts_sees_instance(&req->auth, rows[i].account_id,
                                    rows[i].user_id) ||
            instance_from_row(req->app, &rows[i], &in) != ED_OK)
            continue;
        json_array_append_new(arr, instance_render(req->app, &in));
        instance_cleanup(&in);
    }
    store_instances_free(rows, n);
    return res_json(res, 200, arr);
}

static int account_instances(struct ed_request *req, struct ed_response *res)
{
    struct store_account a;
    if (!load_account(req, res, false, &a))
        return res->status;
    int64_t id = a.id;
    store_account_cleanup(&a);
    return instances_of(req, res, id);
}

static int my_account_instances(struct ed_request *req, struct ed_response *res)
{
    return instances_of(req, res, req->auth.account_id);
}

const struct ed_route api_accounts_routes[] = {
    {ED_GET, "/organizations/me", org_me, 0},
    {ALL, "/accounts", accounts_root,
     ED_ROUTE_ELEMENT | ED_ROUTE_JSON_ANY | ED_ROUTE_MULTIPART},
    {ALL, "/accounts/{id}", account_one,
     ED_ROUTE_ELEMENT | ED_ROUTE_JSON_ANY | ED_ROUTE_MULTIPART},
    {ED_GET, "/accounts/instances", my_account_instances, 0},
    {ED_GET | ED_POST, "/accounts/{id}/users", account_users, ED_ROUTE_JSON},
    {ED_GET, "/accounts/{id}/instances", account_instances, 0},
    {0, NULL, NULL, 0},
};
