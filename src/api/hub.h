/* SPDX-License-Identifier: MIT */
#ifndef ED_API_HUB_H
#define ED_API_HUB_H
#include <jansson.h>
#include <stdbool.h>

#include "api/api.h"

struct instance;

/* Hub resources: dispatch a call on an instance to the resource handler
 * named by the first segment of `rest` ("/contacts/12"). Disabled
 * instances get 403 (except /objects), invalid ones 401. */
int hub_dispatch(struct ed_request *req, struct ed_response *res,
                 struct instance *in, const char *rest);

/* One call to HubSpot on behalf of the instance: credentials (refreshed
 * when needed, and once more when HubSpot answers 401), the configured
 * timeout, errors mapped onto Cloud Elements statuses. On success *out is
 * the parsed JSON body (may be NULL for an empty body) and the status is
 * returned; on failure the error is set on res and its status returned with
 * *out NULL. */
int hub_call(struct ed_request *req, struct ed_response *res,
             struct instance *in, const char *method, const char *path,
             json_t *body, json_t **out);

#endif
