/* SPDX-License-Identifier: MIT
 * Owners (read only): HubSpot's v3 owners, listed with Cloud Elements
 * paging, filtered by where=email='...' (the one condition HubSpot's
 * owners API takes), read by id. Records carry HubSpot's classic ownerId
 * (a number) beside the v3 string id. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/paging.h"
#include "hub/resource.h"

/* --- owners --------------------------------------------------------------- */

/* v2-era clients read ownerId (a number); v3 has id (a string). */
static void owner_shape(json_t *o)
{
    const char *id = hub_jstr(o, "id");
    int64_t n;
    if (id && ed_all_digits(id) && ed_parse_i64(id, &n))
        json_object_set_new(o, "ownerId", json_integer(n));
    else if (id)
        json_object_set_new(o, "ownerId", json_string(id));
}

static const struct hub_vlist_spec owner_list = {'o', "after", 500,
                                                 owner_shape};

static int owner_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, owner_shape);
}

/* The one condition of a translated where, or NULL with *extra naming what
 * goes beyond email='...'. */
static json_t *owner_condition(struct hub_op *op, json_t *q, const char **extra)
{
    json_t *groups = json_object_get(q, "filterGroups");
    json_t *filters = json_object_get(json_array_get(groups, 0), "filters");
    json_t *f = json_array_get(filters, 0);
    const char *prop = hub_jstr(f, "propertyName"),
               *oper = hub_jstr(f, "operator");
    *extra = NULL;
    if (json_object_get(q, "query"))
        *extra = "free-text search (q='...')";
    else if (json_array_size(groups) != 1)
        *extra = "OR";
    else if (json_array_size(filters) != 1)
        *extra = "more than one condition (AND)";
    else if (!prop || strcmp(prop, "email") != 0)
        *extra = ed_arena_printf(op->req->arena, "the field '%s'",
                                 prop ? prop : "?");
    else if (!oper || strcmp(oper, "EQ") != 0 || !hub_jstr(f, "value"))
        *extra = ed_arena_printf(op->req->arena, "the operator %s",
                                 oper ? oper : "?");
    return *extra ? NULL : f;
}

/* where=email='...' → *email; anything else is refused by name. Returns 0
 * or the status of the error set. */
static int owner_filter(struct hub_op *op, const char **email)
{
    const char *where = req_query(op->req, "where");
    const char *order = req_query(op->req, "orderBy");
    const struct ceql_options opt = {"owners", NULL};
    const char *extra = NULL;
    json_t *q = NULL, *f;
    char err[256];
    *email = NULL;
    if (order && *order)
        return hub_bad_request(op, "orderBy is not supported on /owners");
    if (!where || !*where)
        return 0;
    if (ceql_translate(where, NULL, &opt, &q, err, sizeof(err)) != ED_OK)
        return hub_bad_request(op, err);
    if ((f = owner_condition(op, q, &extra)))
        *email = ed_arena_strdup(op->req->arena, hub_jstr(f, "value"));
    json_decref(q);
    if (extra)
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "/owners supports only where=email='...'; %s is not "
                         "supported",
                         extra);
    return 0;
}

static int owners_handle(struct hub_op *op)
{
    const char *email;
    int st;
    if (op->sub)
        return hub_no_resource(op);
    if (op->req->method != ED_GET)
        return hub_no_method(op, "GET");
    if (op->id)
        return hub_send(op, "GET",
                        ed_arena_printf(op->req->arena, "/crm/v3/owners/%s",
                                        hub_escape(op, op->id)),
                        NULL, false, owner_done);
    if ((st = owner_filter(op, &email)))
        return st;
    return hub_vlist_start(op, &owner_list,
                           email ? ed_arena_printf(op->req->arena,
                                                   "/crm/v3/owners?email=%s",
                                                   hub_escape(op, email))
                                 : "/crm/v3/owners");
}

const struct hub_resource hub_owners_resources[] = {
    {"owners", owners_handle},
    {NULL, NULL},
};
