/* SPDX-License-Identifier: MIT
 * Account creation: a user secret is 32 random bytes in base64 (44 chars),
 * an organization secret 16 random bytes in hex (32 chars), as Cloud
 * Elements issued them. Both must be shown again later, so they are sealed
 * with the master key and found by keyed hash; passwords are Argon2id. */
#include "domain/accounts.h"

#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "core/mem.h"
#include "crypto/crypto.h"
#include "store/store.h"

static enum ed_err check_input(const struct account_input *in, const char **why)
{
    if (!in->email || !*in->email || !strchr(in->email, '@') ||
        strlen(in->email) > 254) {
        *why = "a valid --email is required";
        return ED_ERR_INVALID;
    }
    if (!in->password || strlen(in->password) < 8 ||
        strlen(in->password) > 1024) {
        *why = "--password must be 8 to 1024 characters";
        return ED_ERR_INVALID;
    }
    return ED_OK;
}

struct new_user {
    struct store_user u;
    char *secret;
    uint8_t hash[ED_HASH_BYTES];
};

static enum ed_err prepare_user(struct ed_app *app,
                                const struct account_input *in,
                                struct new_user *nu)
{
    enum ed_err err;
    memset(nu, 0, sizeof(*nu));
    nu->secret = crypto_random_b64(32);
    crypto_lookup_hash(app->keys, nu->secret, nu->hash);
    if ((err = crypto_seal(app->keys, nu->secret, strlen(nu->secret),
                           &nu->u.secret_ct.data, &nu->u.secret_ct.len)))
        return err;
    if ((err = crypto_password_hash(in->password, &nu->u.password_hash)))
        return err;
    nu->u.email = ed_strdup(in->email);
    nu->u.first_name = in->first_name ? ed_strdup(in->first_name) : NULL;
    nu->u.last_name = in->last_name ? ed_strdup(in->last_name) : NULL;
    return ED_OK;
}

static json_t *result(const struct store_user *u, const char *user_secret,
                      const char *org_secret)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s}", "organizationId",
                     (json_int_t)u->org_id, "userId", (json_int_t)u->id,
                     "email", u->email, "userSecret", user_secret,
                     "organizationSecret", org_secret);
}

static const char *store_why(enum ed_err err)
{
    return err == ED_ERR_EXISTS ? "a user with this email already exists"
                                : "the database refused the change";
}

enum ed_err accounts_bootstrap(struct ed_app *app,
                               const struct account_input *in, json_t **out,
                               const char **why)
{
    struct new_user nu;
    struct store_org org = {0};
    char *org_secret = NULL;
    uint8_t org_hash[ED_HASH_BYTES];
    enum ed_err err = check_input(in, why);
    memset(&nu, 0, sizeof(nu));
    if (err)
        goto out;
    if ((err = prepare_user(app, in, &nu))) {
        *why = "cannot protect the new secrets";
        goto out;
    }
    org_secret = crypto_random_hex(16);
    crypto_lookup_hash(app->keys, org_secret, org_hash);
    if ((err = crypto_seal(app->keys, org_secret, strlen(org_secret),
                           &org.secret_ct.data, &org.secret_ct.len)))
        goto out;
    org.name = in->org_name ? ed_strdup(in->org_name)
                            : ed_asprintf("%s's organization", in->email);
    if ((err = store_org_create_with_user(app->store, &org, org_hash, &nu.u,
                                          nu.hash))) {
        *why = store_why(err);
        goto out;
    }
    *out = result(&nu.u, nu.secret, org_secret);
out:
    crypto_free_secret(org_secret);
    crypto_free_secret(nu.secret);
    store_user_cleanup(&nu.u);
    store_org_cleanup(&org);
    return err;
}

enum ed_err accounts_create_user(struct ed_app *app, int64_t org_id,
                                 const struct account_input *in, json_t **out,
                                 const char **why)
{
    struct new_user nu;
    struct store_org org = {0};
    char *org_secret = NULL;
    enum ed_err err = check_input(in, why);
    memset(&nu, 0, sizeof(nu));
    if (err)
        goto out;
    if ((err = store_org_get(app->store, org_id, &org))) {
        *why = "no such organization";
        goto out;
    }
    if ((err = crypto_open(app->keys, org.secret_ct.data, org.secret_ct.len,
                           &org_secret, NULL))) {
        *why = "cannot read the organization secret (wrong master key?)";
        goto out;
    }
    if ((err = prepare_user(app, in, &nu))) {
        *why = "cannot protect the new secrets";
        goto out;
    }
    nu.u.org_id = org_id;
    nu.u.account_id = in->account_id;
    nu.u.role = in->role ? ed_strdup(in->role) : NULL;
    if ((err = store_user_create(app->store, &nu.u, nu.hash))) {
        *why = store_why(err);
        goto out;
    }
    *out = result(&nu.u, nu.secret, org_secret);
out:
    crypto_free_secret(org_secret);
    crypto_free_secret(nu.secret);
    store_user_cleanup(&nu.u);
    store_org_cleanup(&org);
    return err;
}

enum ed_err accounts_reveal(struct ed_app *app, const void *blob, size_t len,
                            char **out)
{
    return crypto_open(app->keys, blob, len, out, NULL);
}

static const char *const role_names[] = {"user", "account-admin", "org-admin"};

int accounts_role_parse(const char *name)
{
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, role_names[i]) == 0)
            return i;
    return -1;
}

enum ed_role accounts_role_of(const char *name)
{
    int r = accounts_role_parse(name);
    return r < 0 ? ED_ROLE_USER : (enum ed_role)r;
}

const char *accounts_role_name(int role)
{
    return role >= 0 && role < 3 ? role_names[role] : "user";
}

bool accounts_sees_instance(const struct ed_auth *a, int64_t inst_account,
                            int64_t inst_user)
{
    switch (a->role) {
    case ED_ROLE_ORG_ADMIN: return true;
    case ED_ROLE_ACCOUNT_ADMIN: return inst_account == a->account_id;
    default: return inst_user == a->user_id;
    }
}
