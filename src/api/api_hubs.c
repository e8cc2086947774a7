/* SPDX-License-Identifier: MIT
 * /hubs: the hub catalogue (crm, marketing) and the elements of each hub. */
#include <string.h>

#include "api/api.h"
#include "domain/app.h"
#include "elements/elements.h"

static json_t *find_hub(struct ed_request *req, const char *key)
{
    size_t i;
    json_t *h;
    json_array_foreach(elements_hubs(req->app->elements), i, h) {
        if (strcmp(json_string_value(json_object_get(h, "key")), key) == 0)
            return h;
    }
    return NULL;
}

static int hubs_list(struct ed_request *req, struct ed_response *res)
{
    return res_json(res, 200,
                    json_deep_copy(elements_hubs(req->app->elements)));
}

static int hubs_keys(struct ed_request *req, struct ed_response *res)
{
    json_t *arr = json_array();
    size_t i;
    json_t *h;
    json_array_foreach(elements_hubs(req->app->elements), i, h)
        json_array_append(arr, json_object_get(h, "key"));
    return res_json(res, 200, arr);
}

static int hub_get(struct ed_request *req, struct ed_response *res)
{
    json_t *h = find_hub(req, req_param(req, 0));
    if (!h)
        return res_error(req, res, ED_E_NOT_FOUND,
                         "No hub found with key '%.64s'", req_param(req, 0));
    return res_json(res, 200, json_deep_copy(h));
}

static int hub_elements(struct ed_request *req, struct ed_response *res)
{
    const char *key = req_param(req, 0);
    struct elements *all = req->app->elements;
    if (!find_hub(req, key))
        return res_error(req, res, ED_E_NOT_FOUND,
                         "No hub found with key '%.64s'", key);
    json_t *arr = json_array();
    for (size_t i = 0; i < elements_count(all); i++)
        if (strcmp(elements_at(all, i)->hub, key) == 0)
            json_array_append(arr, elements_at(all, i)->object);
    return res_json(res, 200, arr);
}

const struct ed_route api_hubs_routes[] = {
    {ED_GET, "/hubs", hubs_list, 0},
    {ED_GET, "/hubs/keys", hubs_keys, 0},
    {ED_GET, "/hubs/{key}", hub_get, 0},
    {ED_GET, "/hubs/{key}/elements", hub_elements, 0},
    {0, NULL, NULL, 0},
};
