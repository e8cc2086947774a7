/* SPDX-License-Identifier: MIT
 * /users (issue 15): an organization's users, their roles and whether they
 * are disabled (docs/api/platform.md).
 *   org-admin      every user of the organization
 *   account-admin  the users of its account (never an org-admin)
 *   user           itself (read, names)
 * A user may not change its own role or disable or delete itself. Every
 * refusal of a user of the organization is a 403 and an "auth.denied"
 * audit entry; a user of another organization does not exist (404). A new
 * user's secret is in the creation's answer only. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/platform.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/audit.h"
#include "store/store.h"

#define MAX_NAME 200

/* --- shared with api_accounts.c ------------------------------------------ */

void platform_audit(struct ed_request *req, const char *action,
                    const char *target_type, int64_t target_id,
                    const char *detail, int outcome)
{
    struct audit_entry e = {
        .org_id = req->auth.org_id,
        .actor_id = req->auth.user_id,
        .actor_ip = req->client_ip,
        .action = action,
        .target_type = target_type,
        .target_id = target_id,
        .detail = detail,
        .request_id = req->request_id,
        .outcome = outcome,
    };
    audit_record(req->app, &e);
}

int platform_deny(struct ed_request *req, struct ed_response *res,
                  const char *target_type, int64_t target_id,
                  const char *detail)
{
    platform_audit(req, "auth.denied", target_type, target_id, detail, 403);
    return res_error(req, res, ED_E_FORBIDDEN, "Not allowed (role %s): %s",
                     accounts_role_name(req->auth.role), detail);
}

bool platform_id(struct ed_request *req, struct ed_response *res, size_t i,
                 const char *what, int64_t *id)
{
    uint64_t v;
    const char *s = req_param(req, i);
    if (s && ed_parse_u64(s, INT64_MAX, &v) && v > 0) {
        *id = (int64_t)v;
        return true;
    }
    res_error(req, res, ED_E_NOT_FOUND, "No %s found for id %.40s", what,
              s ? s : "");
    return false;
}

static json_t *iso_date(int64_t t)
{
    char buf[40];
    ed_iso8601(t, buf, sizeof(buf));
    return json_string(buf);
}

json_t *platform_user_json(const struct store_user *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->id));
    json_object_set_new(o, "email", json_string(u->email));
    json_object_set_new(o, "firstName",
                        u->first_name ? json_string(u->first_name)
                                      : json_null());
    json_object_set_new(o, "lastName",
                        u->last_name ? json_string(u->last_name) : json_null());
    json_object_set_new(o, "organizationId", json_integer(u->org_id));
    json_object_set_new(o, "accountId", json_integer(u->account_id));
    json_object_set_new(
        o, "role", json_string(accounts_role_name(accounts_role_of(u->role))));
    json_object_set_new(o, "disabled", json_boolean(u->disabled));
    json_object_set_new(o, "active", json_boolean(!u->disabled));
    json_object_set_new(o, "createdDate", iso_date(u->created_at));
    return o;
}

/* --- access rules ---------------------------------------------------------- */

/* May the caller change (or delete) user t? */
static bool may_manage(const struct ed_request *req, const struct store_user *t)
{
    switch (req->auth.role) {
    case ED_ROLE_ORG_ADMIN: return true;
    case ED_ROLE_ACCOUNT_ADMIN:
        return t->account_id == req->auth.account_id &&
               accounts_role_of(t->role) != ED_ROLE_ORG_ADMIN;
    default: return false;
    }
}

static bool may_read(const struct ed_request *req, const struct store_user *t)
{
    return t->id == req->auth.user_id || may_manage(req, t);
}

bool api_instance_visible(struct ed_request *req, struct ed_response *res,
                          const struct store_instance *row)
{
    if (accounts_sees_instance(&req->auth, row->account_id, row->user_id))
        return true;
    platform_deny(req, res, "instance", row->id,
                  "use an element instance of another account or user");
    return false;
}

/* The user of the organization named by path parameter 0 (404 otherwise). */
static bool load_user(struct ed_request *req, struct ed_response *res,
                      struct store_user *u)
{
    int64_t id;
    memset(u, 0, sizeof(*u));
    if (!platform_id(req, res, 0, "user", &id))
        return false;
    enum ed_err err = store_user_get(req->app->store, id, u);
    if (err == ED_OK && u->org_id == req->auth.org_id)
        return true;
    store_user_cleanup(u);
    if (err == ED_OK || err == ED_ERR_NOT_FOUND)
        res_error(req, res, ED_E_NOT_FOUND, "No user found for id %lld",
                  (long long)id);
    else
        res_error(req, res, ED_E_INTERNAL, "Cannot read the user");
    return false;
}

/* --- body checks ------------------------------------------------------------- */

/* A string member of at most max characters (NULL allowed when nullable);
 * *out NULL when absent or null. False after a 400 naming it. */
static bool opt_string(struct ed_request *req, struct ed_response *res,
                       const char *name, size_t max, bool nullable,
                       const char **out)
{
    json_t *v = json_object_get(req->body, name);
    *out = NULL;
    if (!v || (nullable && json_is_null(v)))
        return true;
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "'%s' must be a string of at most %zu characters", name, max);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static bool only_members(struct ed_request *req, struct ed_response *res,
                         const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(req->body, k, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(k, allowed[i]) == 0;
        if (!ok) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "Unknown member '%.60s' in the user", k);
            return false;
        }
    }
    return true;
}

static bool body_object(struct ed_request *req, struct ed_response *res)
{
    if (json_is_object(req->body))
        return true;
    res_error(req, res, ED_E_BAD_REQUEST,
              "The request body must be a JSON object");
    return false;
}

/* "role": one of the three names; *role -1 when absent. */
static bool opt_role(struct ed_request *req, struct ed_response *res, int *role)
{
    json_t *v = json_object_get(req->body, "role");
    *role = -1;
    if (!v)
        return true;
    if (!json_is_string(v) ||
        (*role = accounts_role_parse(json_string_value(v))) < 0) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "'role' must be \"org-admin\", \"account-admin\" or "
                  "\"user\"");
        return false;
    }
    return true;
}

/* --- handlers ------------------------------------------------------------------ */

int platform_users_list(struct ed_request *req, struct ed_response *res,
                        int64_t account_id)
{
    struct store_user *rows = NULL;
    size_t n = 0;
    if (store_user_list(req->app->store, req->auth.org_id, account_id, &rows,
                        &n) != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot list the users");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (may_read(req, &rows[i]))
            json_array_append_new(arr, platform_user_json(&rows[i]));
    store_users_free(rows, n);
    return res_json(res, 200, arr);
}

static int users_list(struct ed_request *req, struct ed_response *res)
{
    return platform_users_list(req, res, 0);
}

int platform_user_create(struct ed_request *req, struct ed_response *res,
                         int64_t account_id)
{
    static const char *const allowed[] = {"email",    "password", "firstName",
                                          "lastName", "role",     "accountId",
                                          NULL};
    struct account_input in = {0};
    int role;
    json_t *out = NULL;
    const char *why = NULL;
    if (!body_object(req, res) || !only_members(req, res, allowed) ||
        !opt_string(req, res, "email", 254, false, &in.email) ||
        !opt_string(req, res, "password", 1024, false, &in.password) ||
        !opt_string(req, res, "firstName", MAX_NAME, true, &in.first_name) ||
        !opt_string(req, res, "lastName", MAX_NAME, true, &in.last_name) ||
        !opt_role(req, res, &role))
        return res->status;
    json_t *acc = json_object_get(req->body, "accountId");
    if (acc && (!json_is_integer(acc) || json_integer_value(acc) <= 0))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "'accountId' must be a positive integer");
    if (!account_id)
        account_id = acc ? (int64_t)json_integer_value(acc)
                         : req->auth.account_id;
    else if (acc && json_integer_value(acc) != account_id)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "'accountId' differs from the account of the path");
    if (role < 0)
        role = ED_ROLE_USER;
    if (req->auth.role == ED_ROLE_USER)
        return platform_deny(req, res, "user", 0, "create a user");
    if (req->auth.role == ED_ROLE_ACCOUNT_ADMIN &&
        account_id != req->auth.account_id)
        return platform_deny(req, res, "account", account_id,
                             "create a user in another account");
    if (role > req->auth.role)
        return platform_deny(req, res, "user", 0,
                             "create a user with a higher role");
    struct store_account a = {0};
    enum ed_err err = store_account_get(req->app->store, req->auth.org_id,
                                        account_id, &a);
    store_account_cleanup(&a);
    if (err == ED_ERR_NOT_FOUND)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "'accountId': no account %lld in this organization",
                         (long long)account_id);
    if (err)
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the account");
    in.role = accounts_role_name(role);
    in.account_id = account_id;
    err = accounts_create_user(req->app, req->auth.org_id, &in, &out, &why);
    if (err == ED_ERR_EXISTS)
        return res_error(req, res, ED_E_CONFLICT, "%s", why);
    if (err == ED_ERR_INVALID) /* why names --email / --password */
        return res_error(req, res, ED_E_BAD_REQUEST, "%s",
                         in.email && strchr(in.email, '@')
                             ? "'password' must be 8 to 1024 characters"
                             : "'email' must be a valid email address");
    if (err) {
        ed_warn(req->request_id, "msg=\"user not created\" err=\"%s\"",
                ed_strerror(err));
        return res_error(req, res, ED_E_INTERNAL, "Cannot create the user");
    }
    /* the answer: the user, and its secret this once */
    struct store_user u = {0};
    int64_t uid = json_integer_value(json_object_get(out, "userId"));
    json_t *body = NULL;
    if (store_user_get(req->app->store, uid, &u) == ED_OK) {
        body = platform_user_json(&u);
        json_object_set(body, "userSecret", json_object_get(out, "userSecret"));
    }
    store_user_cleanup(&u);
    json_decref(out);
    platform_audit(req, "user.create", "user", uid,
                   ed_arena_printf(req->arena, "role=%s account=%lld", in.role,
                                   (long long)account_id),
                   200);
    if (!body)
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the new user");
    return res_json(res, 200, body);
}

static int users_create(struct ed_request *req, struct ed_response *res)
{
    return platform_user_create(req, res, 0);
}

static int user_get(struct ed_request *req, struct ed_response *res)
{
    struct store_user u;
    if (!load_user(req, res, &u))
        return res->status;
    int st = may_read(req, &u)
                 ? res_json(res, 200, platform_user_json(&u))
                 : platform_deny(req, res, "user", u.id, "read another user");
    store_user_cleanup(&u);
    return st;
}

static int user_patch(struct ed_request *req, struct ed_response *res)
{
    static const char *const allowed[] = {"firstName", "lastName", "role",
                                          "disabled", NULL};
    struct store_user u;
    const char *first = NULL, *last = NULL;
    int role, st;
    unsigned fields = 0;
    if (!body_object(req, res) || !only_members(req, res, allowed) ||
        !opt_string(req, res, "firstName", MAX_NAME, true, &first) ||
        !opt_string(req, res, "lastName", MAX_NAME, true, &last) ||
        !opt_role(req, res, &role))
        return res->status;
    json_t *dis = json_object_get(req->body, "disabled");
    if (dis && !json_is_boolean(dis))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "'disabled' must be true or false");
    if (!load_user(req, res, &u))
        return res->status;
    bool self = u.id == req->auth.user_id;
    if (self && (role >= 0 || dis)) {
        st = platform_deny(req, res, "user", u.id,
                           role >= 0 ? "change its own role"
                                     : "disable or enable itself");
        goto out;
    }
    if (!self && !may_manage(req, &u)) {
        st = platform_deny(req, res, "user", u.id, "change another user");
        goto out;
    }
    if (role > req->auth.role) {
        st = platform_deny(req, res, "user", u.id, "grant a higher role");
        goto out;
    }
    const char *action = "user.update";
    if (json_object_get(req->body, "firstName") ||
        json_object_get(req->body, "lastName")) {
        fields |= STORE_USER_NAMES;
        if (json_object_get(req->body, "firstName")) {
            free(u.first_name);
            u.first_name = first ? ed_strdup(first) : NULL;
        }
        if (json_object_get(req->body, "lastName")) {
            free(u.last_name);
            u.last_name = last ? ed_strdup(last) : NULL;
        }
    }
    if (role >= 0) {
        fields |= STORE_USER_ROLE;
        free(u.role);
        u.role = ed_strdup(accounts_role_name(role));
        action = "user.role";
    }
    if (dis) {
        fields |= STORE_USER_DISABLED;
        u.disabled = json_is_true(dis);
        if (role < 0)
            action = u.disabled ? "user.disable" : "user.enable";
    }
    if (fields && store_user_update(req->app->store, &u, fields) != ED_OK) {
        st = res_error(req, res, ED_E_INTERNAL, "Cannot update the user");
        goto out;
    }
    platform_audit(
        req, action, "user", u.id,
        ed_arena_printf(req->arena, "%s%s%s%s",
                        fields & STORE_USER_NAMES ? "names " : "",
                        role >= 0 ? "role=" : "", role >= 0 ? u.role : "",
                        dis ? (u.disabled ? " disabled" : " enabled") : ""),
        200);
    st = res_json(res, 200, platform_user_json(&u));
out:
    store_user_cleanup(&u);
    return st;
}

static int user_delete(struct ed_request *req, struct ed_response *res)
{
    struct store_user u;
    int st;
    if (!load_user(req, res, &u))
        return res->status;
    if (u.id == req->auth.user_id) {
        st = platform_deny(req, res, "user", u.id, "delete itself");
        goto out;
    }
    if (!may_manage(req, &u)) {
        st = platform_deny(req, res, "user", u.id, "delete another user");
        goto out;
    }
    enum ed_err err = store_user_delete(req->app->store, u.org_id, u.id);
    if (err == ED_ERR_EXISTS) {
        st = res_error(req, res, ED_E_CONFLICT,
                       "User %lld still owns element instances: delete them "
                       "first",
                       (long long)u.id);
        goto out;
    }
    if (err == ED_ERR_NOT_FOUND) {
        st = res_error(req, res, ED_E_NOT_FOUND, "No user found for id %lld",
                       (long long)u.id);
        goto out;
    }
    if (err) {
        st = res_error(req, res, ED_E_INTERNAL, "Cannot delete the user");
        goto out;
    }
    platform_audit(req, "user.delete", "user", u.id, NULL, 200);
    st = res_json(res, 200, json_object());
out:
    store_user_cleanup(&u);
    return st;
}

const struct ed_route api_users_routes[] = {
    {ED_GET, "/users", users_list, 0},
    {ED_POST, "/users", users_create, ED_ROUTE_JSON},
    {ED_GET, "/users/{id}", user_get, 0},
    {ED_PATCH, "/users/{id}", user_patch, ED_ROUTE_JSON},
    {ED_DELETE, "/users/{id}", user_delete, 0},
    {0, NULL, NULL, 0},
};
