/* SPDX-License-Identifier: MIT
 * API documents (src/apidocs/, docs/api/apidocs.md):
 *   GET /elements/{keyOrId}/docs  every resource the element answers;
 *   GET /docs/{hub}               every resource of a hub;
 *   GET /instances/{id}/docs, GET /instances/docs (Element token): the
 *        instance's, with its portal's live properties and its virtual
 *        resources.
 * Swagger 2.0 by default; OpenAPI 3.1 with ?format=openapi or an Accept of
 * application/vnd.oai.openapi+json. */
#include <string.h>

#include "api/api.h"
#include "apidocs/apidocs.h"
#include "core/strparse.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "elements/elements.h"

static int element_docs(struct ed_request *req, struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el)
        return res->status;
    return apidocs_answer_static(req, res, el, el->hub);
}

static int hub_docs(struct ed_request *req, struct ed_response *res)
{
    const char *hub = req_param(req, 0);
    const struct elements *all = req->app->elements;
    for (size_t i = 0; i < elements_count(all); i++) {
        const struct element *el = elements_at(all, i);
        if (strcmp(el->hub, hub) == 0)
            return apidocs_answer_static(req, res, NULL, el->hub);
    }
    return res_error(req, res, ED_E_NOT_FOUND, "No hub %.40s", hub);
}

static int answer(struct ed_request *req, struct ed_response *res,
                  enum ed_err err, struct instance *in, bool by_token)
{
    if (err == ED_OK && in->row.org_id != req->auth.org_id) {
        instance_cleanup(in);
        err = ED_ERR_NOT_FOUND;
    }
    if (err == ED_ERR_NOT_FOUND)
        return by_token ? res_error(req, res, ED_E_UNAUTHORIZED,
                                    "Invalid Element token: no such element "
                                    "instance")
                        : res_error(req, res, ED_E_NOT_FOUND,
                                    "No element instance found for id %.40s",
                                    req_param(req, 0));
    if (err != ED_OK)
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the instance");
    return apidocs_answer_instance(req, res, in);
}

static int instance_docs(struct ed_request *req, struct ed_response *res)
{
    struct instance in;
    memset(&in, 0, sizeof(in));
    uint64_t id;
    enum ed_err err = ED_ERR_NOT_FOUND;
    if (ed_parse_u64(req_param(req, 0), INT64_MAX, &id))
        err = instance_load(req->app, req->auth.org_id, (int64_t)id, &in);
    if (err == ED_OK && !accounts_sees_instance(&req->auth, in.row.account_id,
                                                in.row.user_id)) {
        instance_cleanup(&in); /* another account's: 404, as by id */
        err = ED_ERR_NOT_FOUND;
    }
    return answer(req, res, err, &in, false);
}

static int token_docs(struct ed_request *req, struct ed_response *res)
{
    struct instance in;
    memset(&in, 0, sizeof(in));
    if (!req->auth.element_token)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "This call selects the instance by its token: send "
                         "'Element <token>' in the Authorization header");
    enum ed_err err = instance_load_by_token(req->app, req->auth.element_token,
                                             &in);
    return answer(req, res, err, &in, true);
}

const struct ed_route api_docs_routes[] = {
    {ED_GET, "/elements/{keyOrId}/docs", element_docs, 0},
    {ED_GET, "/docs/{hub}", hub_docs, 0},
    {ED_GET, "/instances/docs", token_docs, 0},
    {ED_GET, "/instances/{id}/docs", instance_docs, 0},
    {0, NULL, NULL, 0},
};
