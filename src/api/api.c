/* SPDX-License-Identifier: MIT
 * Helpers shared by handlers: the element lookup that answers 404. */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/app.h"
#include "core/strparse.h"
#include "elements/elements.h"

const struct element *api_element_or_respond(struct ed_request *req,
                                             struct ed_response *res,
                                             const char *key_or_id)
{
    const struct element *el = elements_find(req->app->elements, key_or_id);
    if (!el)
        res_error(req, res, ED_E_NOT_FOUND,
                  "No element found with key or id "
                  "'%.100s'",
                  key_or_id);
    return el;
}

bool api_is_org_admin(const struct ed_request *req)
{
    return req->auth.authenticated && req->auth.user_id > 0 &&
           req->auth.org_id > 0 && req->auth.role == ED_ROLE_ORG_ADMIN;
}
