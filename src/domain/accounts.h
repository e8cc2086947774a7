/* SPDX-License-Identifier: MIT */
#ifndef ED_API_ACCOUNTS_H
#define ED_API_ACCOUNTS_H
#include <jansson.h>
#include <stdint.h>

#include "core/errors.h"

struct ed_app;

/* Organizations and users: secret generation, sealing and storage. Used by
 * the admin CLI (and later by platform endpoints). */

struct account_input {
    const char *email;
    const char *password;
    const char *first_name;
    const char *last_name;
    const char *org_name; /* bootstrap only; default "<email>'s organization" */
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

#endif
