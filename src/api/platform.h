/* SPDX-License-Identifier: MIT */
#ifndef ED_API_PLATFORM_H
#define ED_API_PLATFORM_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/request.h"

/* What api_accounts.c and api_users.c share (issue 15): audit entries,
 * refusals, ids, renderings. */

struct store_user;
struct store_account;

/* One audit entry for the caller's change (domain/audit.h). */
void platform_audit(struct ed_request *req, const char *action,
                    const char *target_type, int64_t target_id,
                    const char *detail, int outcome);
/* Refuse with 403 and audit "auth.denied" (detail: what was tried). */
int platform_deny(struct ed_request *req, struct ed_response *res,
                  const char *target_type, int64_t target_id,
                  const char *detail);
/* Path parameter i as an id, or a 404 naming `what`. */
bool platform_id(struct ed_request *req, struct ed_response *res, size_t i,
                 const char *what, int64_t *id);
json_t *platform_user_json(const struct store_user *u);
/* The users of account_id (0: the organization's) the caller may see. */
int platform_users_list(struct ed_request *req, struct ed_response *res,
                        int64_t account_id);
/* POST a user into account_id (0: the body's accountId, else the
 * caller's account). */
int platform_user_create(struct ed_request *req, struct ed_response *res,
                         int64_t account_id);

#endif
