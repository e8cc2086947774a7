/* SPDX-License-Identifier: MIT
 * Helpers shared by handlers: the element lookup that answers 404. */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain/app.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
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

bool api_token_instance(struct ed_request *req, struct ed_response *res,
                        int64_t *id)
{
    const struct instance *view = NULL;
    struct instance_shared *h = NULL;
    if (!req->auth.element_token) {
        res_error(req, res, ED_E_NOT_FOUND, "No resource at %s", req->subpath);
        return false;
    }
    if (instance_get_shared(req->app, req->auth.element_token, &view, &h) !=
        ED_OK) {
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "Invalid Element token: no such element instance");
        return false;
    }
    bool mine = view->row.org_id == req->auth.org_id;
    bool seen = mine && api_instance_visible(req, res, &view->row); /* 403 */
    *id = view->row.id;
    instance_shared_release(h);
    if (!mine)
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "Invalid Element token for this organization");
    return seen;
}

bool api_id_paging(struct ed_request *req, struct ed_response *res, size_t def,
                   size_t max, size_t *size, int64_t *before)
{
    const char *ps = req_query(req, "pageSize");
    const char *np = req_query(req, "nextPage");
    uint64_t v;
    *size = def;
    *before = 0;
    if (ps && *ps) {
        if (!ed_parse_u64(ps, max, &v) || v == 0) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "pageSize must be an integer from 1 to %zu", max);
            return false;
        }
        *size = (size_t)v;
    }
    if (np && *np) {
        if (!ed_parse_u64(np, INT64_MAX, &v) || v == 0) {
            res_error(req, res, ED_E_BAD_REQUEST, "Invalid nextPage token");
            return false;
        }
        *before = (int64_t)v;
    }
    return true;
}

const char *api_where_value(struct ed_request *req, const char *w, size_t *i,
                            const char **why)
{
    char *val = ed_arena_strdup(req->arena, w + *i);
    size_t k = 0, j = *i;
    if (w[j] == '\'') {
        j++;
        for (;;) {
            if (!w[j]) {
                *why = "unterminated string";
                return NULL;
            }
            if (w[j] == '\'' && w[j + 1] == '\'') {
                val[k++] = '\'';
                j += 2;
            } else if (w[j] == '\'') {
                j++;
                break;
            } else {
                val[k++] = w[j++];
            }
        }
    } else {
        while (w[j] && w[j] != ' ' && w[j] != '\t')
            val[k++] = w[j++];
        if (!k) {
            *why = "expected a value";
            return NULL;
        }
    }
    val[k] = 0;
    *i = j;
    return val;
}
