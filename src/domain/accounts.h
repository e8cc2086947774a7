/* SPDX-License-Identifier: MIT */
#ifndef ED_API_ACCOUNTS_H
#define ED_API_ACCOUNTS_H
#include <jansson.h>
#include <stdint.h>

#include <stdbool.h>

#include "core/errors.h"
#include "core/request.h"

struct ed_app;

/* Organizations and users: secret generation, sealing and storage. Used by
 * the admin CLI (and later by platform endpoints). */

struct account_input {
    const char *email;
    const char *password;
    const char *first_name;
    const char *last_name;
    const char *org_name; /* bootstrap only; default "<email>'s organization" */
    const char *role;     /* create-user: NULL = org-admin */
    int64_t account_id;   /* create-user: 0 = the default account */
};

/* Create a new organization and its first user. *out (new reference) is
 * {"organizationId","userId","email","userSecret","organizationSecret"}.
 * *why: static description on failure. */
enum ed_err accounts_bootstrap(struct ed_app *app,
                               const struct account_input *in, json_t **out,
                               const char **why);
/* Add a user to organization org_id; *out as above. */
enum ed_err accounts_create_user(struct ed_app *app, int64_t org_id,
                                 const struct account_input *in, json_t **out,
                                 const char **why);
/* Unseal a stored secret into a heap string (crypto_free_secret it). */
enum ed_err accounts_reveal(struct ed_app *app, const void *blob, size_t len,
                            char **out);

/* Roles (issue 15): "org-admin", "account-admin", "user". parse: -1 when
 * unknown (a stored NULL or unknown value reads as ED_ROLE_USER through
 * accounts_role_of). */
int accounts_role_parse(const char *name);
enum ed_role accounts_role_of(const char *name);
const char *accounts_role_name(int role);

/* Who sees an instance: an organization admin every instance of the
 * organization, an account admin those of its account, a user those it
 * owns. The caller has checked the organization already. */
bool accounts_sees_instance(const struct ed_auth *a, int64_t inst_account,
                            int64_t inst_user);

#endif
