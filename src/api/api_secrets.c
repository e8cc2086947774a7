/* SPDX-License-Identifier: MIT
 * Secret lifecycle (issue 15; docs/api/platform.md):
 *   POST  /users/{id}/secrets        new user secret (the user, or an admin)
 *   POST  /organizations/secrets     new organization secret (an admin)
 *   PUT   /instances/{id}/token      new Element token of an instance
 *   PATCH /users/{id}/password       change one's own password (old one
 *                                    required)
 *   PUT   /users/{id}/password       set a user's password (an admin)
 * A new value is answered once (Cache-Control: no-store) and never shown
 * again by these calls; the old one stops working at once on every node
 * (the store announces the change: store_user_set_secret & co.). A new
 * user secret or password also ends every console session of that user.
 * Each call, refused or not, is written to the audit log, never with a
 * secret in it. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/strparse.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/audit.h"
#include "store/store.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

static bool parse_id(const char *s, int64_t *out)
{
    uint64_t v;
    if (!s || !ed_parse_u64(s, INT64_MAX, &v) || v == 0)
        return false;
    *out = (int64_t)v;
    return true;
}

/* The user {id} of the caller's organization, or a 404 (also for another
 * organization's user: its existence is not disclosed). u->id is the id
 * asked for either way (0 when it is no id), for the audit entry. */
static bool user_or_respond(struct ed_request *req, struct ed_response *res,
                            struct store_user *u)
{
    int64_t id = 0;
    enum ed_err err;
    if (!parse_id(req_param(req, 0), &id)) {
        res_error(req, res, ED_E_NOT_FOUND, "No user with id '%.40s'",
                  req_param(req, 0));
        u->id = 0;
        return false;
    }
    err = store_user_get(req->app->store, id, u);
    if (err == ED_OK && u->org_id == req->auth.org_id)
        return true;
    store_user_cleanup(u);
    u->id = id;
    if (err && err != ED_ERR_NOT_FOUND)
        res_error(req, res, ED_E_INTERNAL, "Cannot read the user");
    else
        res_error(req, res, ED_E_NOT_FOUND, "No user with id %lld",
                  (long long)id);
    return false;
}

/* A fresh secret sealed for storage with its lookup hash. */
static enum ed_err new_secret(struct ed_app *app, char *secret,
                              struct store_blob *ct,
                              uint8_t hash[ED_HASH_BYTES])
{
    crypto_lookup_hash(app->keys, secret, hash);
    return crypto_seal(app->keys, secret, strlen(secret), &ct->data, &ct->len);
}

static int user_secret_reset(struct ed_request *req, struct ed_response *res)
{
    struct ed_app *app = req->app;
    struct store_user u = {0};
    struct store_blob ct = {0};
    uint8_t hash[ED_HASH_BYTES];
    char *secret = NULL;
    int status;
    if (!user_or_respond(req, res, &u)) {
        status = res->status;
        goto out;
    }
    if (u.id != req->auth.user_id && !api_is_org_admin(req)) {
        status = res_error(req, res, ED_E_FORBIDDEN,
                           "Only the user or an organization administrator "
                           "resets a user secret");
        goto out;
    }
    secret = crypto_random_b64(32);
    if (new_secret(app, secret, &ct, hash) != ED_OK ||
        store_user_set_secret(app->store, u.id, &ct, hash) != ED_OK) {
        status = res_error(req, res, ED_E_INTERNAL,
                           "Cannot reset the user secret");
        goto out;
    }
    res_header(res, "Cache-Control", "no-store");
    status = res_json(res, 200,
                      json_pack("{s:I, s:s}", "id", (json_int_t)u.id, "secret",
                                secret));
out:
    audit_req(req, 0, "user.secret.reset", "user", u.id, NULL, status);
    crypto_free_secret(secret);
    free(ct.data);
    store_user_cleanup(&u);
    return status;
}

static int org_secret_reset(struct ed_request *req, struct ed_response *res)
{
    struct ed_app *app = req->app;
    struct store_blob ct = {0};
    uint8_t hash[ED_HASH_BYTES];
    char *secret = NULL;
    int status;
    if (!api_is_org_admin(req)) {
        status = res_error(req, res, ED_E_FORBIDDEN,
                           "Only an organization administrator resets the "
                           "organization secret");
        goto out;
    }
    secret = crypto_random_hex(16);
    if (new_secret(app, secret, &ct, hash) != ED_OK ||
        store_org_set_secret(app->store, req->auth.org_id, &ct, hash) !=
            ED_OK) {
        status = res_error(req, res, ED_E_INTERNAL,
                           "Cannot reset the organization secret");
        goto out;
    }
    res_header(res, "Cache-Control", "no-store");
    status = res_json(res, 200,
                      json_pack("{s:I, s:s}", "id",
                                (json_int_t)req->auth.org_id, "secret",
                                secret));
out:
    audit_req(req, 0, "org.secret.reset", "org", req->auth.org_id, NULL,
              status);
    crypto_free_secret(secret);
    free(ct.data);
    return status;
}

static int instance_token_regenerate(struct ed_request *req,
                                     struct ed_response *res)
{
    struct ed_app *app = req->app;
    struct store_blob ct = {0};
    uint8_t hash[ED_HASH_BYTES];
    char *token = NULL;
    int64_t id = 0;
    int status;
    enum ed_err err;
    if (!parse_id(req_param(req, 0), &id)) {
        status = res_error(req, res, ED_E_NOT_FOUND,
                           "No element instance with id '%.40s'",
                           req_param(req, 0));
        goto out;
    }
    token = crypto_random_b64(32);
    if (new_secret(app, token, &ct, hash) != ED_OK) {
        status = res_error(req, res, ED_E_INTERNAL,
                           "Cannot protect the new token");
        goto out;
    }
    err = store_instance_set_token(app->store, req->auth.org_id, id, &ct, hash);
    if (err == ED_ERR_NOT_FOUND) {
        status = res_error(req, res, ED_E_NOT_FOUND,
                           "No element instance with id %lld", (long long)id);
        goto out;
    }
    if (err) {
        status = res_error(req, res, ED_E_INTERNAL,
                           "Cannot regenerate the token");
        goto out;
    }
    res_header(res, "Cache-Control", "no-store");
    status = res_json(res, 200,
                      json_pack("{s:I, s:s}", "id", (json_int_t)id, "token",
                                token));
out:
    audit_req(req, 0, "instance.token.regenerate", "instance", id, NULL,
              status);
    crypto_free_secret(token);
    free(ct.data);
    return status;
}

/* body.password as a new password, or a 400 naming the field. */
static const char *new_password(struct ed_request *req, struct ed_response *res)
{
    const char *pw = json_string_value(json_object_get(req->body, "password"));
    size_t n = pw ? strlen(pw) : 0;
    if (!pw || n < PASSWORD_MIN || n > PASSWORD_MAX) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "password: a string of %d to %d characters is required",
                  PASSWORD_MIN, PASSWORD_MAX);
        return NULL;
    }
    return pw;
}

static int set_password(struct ed_request *req, struct ed_response *res,
                        const struct store_user *u, const char *pw)
{
    char *hash = NULL;
    int status;
    if (crypto_password_hash(pw, &hash) != ED_OK ||
        store_user_set_password(req->app->store, u->id, hash) != ED_OK)
        status = res_error(req, res, ED_E_INTERNAL,
                           "Cannot change the password");
    else
        status = res_json(res, 200,
                          json_pack("{s:I}", "id", (json_int_t)u->id));
    free(hash);
    return status;
}

static int password_change(struct ed_request *req, struct ed_response *res)
{
    struct store_user u = {0};
    const char *old, *pw;
    int status;
    if (!user_or_respond(req, res, &u)) {
        status = res->status;
        goto out;
    }
    if (u.id != req->auth.user_id) {
        status = res_error(req, res, ED_E_FORBIDDEN,
                           "A user changes only its own password (an "
                           "administrator sets others' with PUT)");
        goto out;
    }
    old = json_string_value(json_object_get(req->body, "oldPassword"));
    if (!old) {
        status = res_error(req, res, ED_E_BAD_REQUEST,
                           "oldPassword: the current password is required");
        goto out;
    }
    if (!(pw = new_password(req, res))) {
        status = res->status;
        goto out;
    }
    if (!crypto_password_verify(u.password_hash, old)) {
        status = res_error(req, res, ED_E_FORBIDDEN,
                           "oldPassword is not the current password");
        goto out;
    }
    status = set_password(req, res, &u, pw);
out:
    audit_req(req, 0, "user.password.change", "user", u.id, NULL, status);
    store_user_cleanup(&u);
    return status;
}

static int password_reset(struct ed_request *req, struct ed_response *res)
{
    struct store_user u = {0};
    const char *pw;
    int status;
    if (!user_or_respond(req, res, &u)) {
        status = res->status;
        goto out;
    }
    if (!api_is_org_admin(req)) {
        status = res_error(req, res, ED_E_FORBIDDEN,
                           "Only an organization administrator sets a "
                           "user's password");
        goto out;
    }
    if (!(pw = new_password(req, res))) {
        status = res->status;
        goto out;
    }
    status = set_password(req, res, &u, pw);
out:
    audit_req(req, 0, "user.password.reset", "user", u.id, NULL, status);
    store_user_cleanup(&u);
    return status;
}

const struct ed_route api_secrets_routes[] = {
    {ED_POST, "/users/{id}/secrets", user_secret_reset, ED_ROUTE_JSON},
    {ED_POST, "/organizations/secrets", org_secret_reset, ED_ROUTE_JSON},
    {ED_PUT, "/instances/{id}/token", instance_token_regenerate, ED_ROUTE_JSON},
    {ED_PATCH, "/users/{id}/password", password_change, ED_ROUTE_JSON},
    {ED_PUT, "/users/{id}/password", password_reset, ED_ROUTE_JSON},
    {0, NULL, NULL, 0},
};
