/* SPDX-License-Identifier: MIT
 * Properties and property groups of contacts, accounts (companies) and
 * opportunities (deals), on both elements (issue 14; docs/hub-api.md
 * "Properties and property groups"):
 *   /{resource}/properties[/{name}]       GET, POST, PATCH|PUT, DELETE
 *   /{resource}/propertygroups[/{name}]   the same
 * over HubSpot's CRM v3 properties API (/crm/v3/properties/{object}[/groups]).
 * Writes take HubSpot's v3 bodies and Cloud Elements' classic (v1-style)
 * ones: groups' displayName is HubSpot's label; members HubSpot does not
 * take are left out, a new name on an update among them (HubSpot cannot
 * rename a property or a group). Groups are answered with displayName as
 * well as label. */
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "hub/hub.h"
#include "hub/jsonfilter.h"
#include "provider/provider.h"
#include "hub/resource.h"

static const struct {
    const char *name;   /* Cloud Elements resource */
    const char *object; /* HubSpot object type */
} prop_objects[] = {
    {"contacts", "contacts"},   {"leads", "contacts"},
    {"accounts", "companies"},  {"companies", "companies"},
    {"opportunities", "deals"}, {"deals", "deals"},
};

/* Members of HubSpot's PropertyCreate / PropertyUpdate and
 * PropertyGroupCreate / PropertyGroupUpdate (the SDK's models). */
static const char *const prop_create_fields[] = {"name",
                                                 "label",
                                                 "type",
                                                 "fieldType",
                                                 "groupName",
                                                 "description",
                                                 "options",
                                                 "displayOrder",
                                                 "hidden",
                                                 "formField",
                                                 "hasUniqueValue",
                                                 "calculationFormula",
                                                 "referencedObjectType",
                                                 "externalOptions",
                                                 NULL};
static const char *const prop_update_fields[] = {
    "label",   "type",         "fieldType", "groupName", "description",
    "options", "displayOrder", "hidden",    "formField", "calculationFormula",
    NULL};
static const char *const option_fields[] = {"label",       "value",
                                            "description", "displayOrder",
                                            "hidden",      NULL};

static bool listed(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (strcmp(*l, s) == 0)
            return true;
    return false;
}

/* v1 type names HubSpot's v3 API does not know. */
static const char *v3_type(const char *t)
{
    if (strcmp(t, "boolean") == 0)
        return "bool";
    return t;
}

/* A classic or v3 property body into HubSpot's v3 one (new reference), or
 * NULL with why. */
static json_t *prop_input(json_t *b, bool create, char *why, size_t n)
{
    json_t *out = json_object(), *v;
    const char *k;
    const char *const *fields = create ? prop_create_fields
                                       : prop_update_fields;
    json_object_foreach(b, k, v) {
        if (!listed(fields, k) || json_is_null(v))
            continue; /* v1-only members (readOnlyValue, favorited, ...) */
        if (strcmp(k, "type") == 0 && json_is_string(v)) {
            json_object_set_new(out, k,
                                json_string(v3_type(json_string_value(v))));
        } else if (strcmp(k, "options") == 0) {
            if (!json_is_array(v)) {
                snprintf(why, n, "options must be an array");
                goto bad;
            }
            json_t *opts = json_array(), *o;
            size_t i;
            json_array_foreach(v, i, o) {
                if (!json_is_object(o)) {
                    json_decref(opts);
                    snprintf(why, n, "options must be an array of objects");
                    goto bad;
                }
                json_t *c = json_object(), *ov;
                const char *ok;
                json_object_foreach(o, ok, ov)
                    if (listed(option_fields, ok) && !json_is_null(ov))
                        json_object_set(c, ok, ov);
                if (!json_object_get(c, "displayOrder"))
                    json_object_set_new(c, "displayOrder",
                                        json_integer((json_int_t)i));
                if (!json_object_get(c, "hidden"))
                    json_object_set_new(c, "hidden", json_false());
                json_array_append_new(opts, c);
            }
            json_object_set_new(out, k, opts);
        } else {
            json_object_set(out, k, v);
        }
    }
    if (create) {
        static const char *const need[] = {"name",      "label",     "type",
                                           "fieldType", "groupName", NULL};
        for (const char *const *f = need; *f; f++)
            if (!json_is_string(json_object_get(out, *f))) {
                snprintf(why, n, "A property needs '%s'", *f);
                json_decref(out);
                return NULL;
            }
    }
    return out;
bad:
    json_decref(out);
    return NULL;
}

static json_t *group_input(json_t *b, bool create)
{
    json_t *out = json_object();
    json_t *label = json_object_get(b, "label");
    if (!json_is_string(label))
        label = json_object_get(b, "displayName");
    if (create && json_is_string(json_object_get(b, "name")))
        json_object_set(out, "name", json_object_get(b, "name"));
    if (json_is_string(label))
        json_object_set(out, "label", label);
    if (json_is_integer(json_object_get(b, "displayOrder")))
        json_object_set(out, "displayOrder",
                        json_object_get(b, "displayOrder"));
    return out;
}

static void group_shape(json_t *g)
{
    json_t *l = json_object_get(g, "label");
    if (json_is_string(l) && !json_object_get(g, "displayName"))
        json_object_set(g, "displayName", l);
}

/* The definitions, copied from HubSpot's results in one streaming pass
 * (jsonfilter; jansson's parse and dump were most of the CPU). */
static int list_done(struct hub_op *op, int status, const char *body,
                     size_t len)
{
    struct jsonfilter_page pg;
    struct ed_buf out;
    (void)status;
    ed_buf_init(&out, PROVIDER_MAX_BODY);
    ed_buf_reserve(&out, len);
    if (jsonfilter_page(body, len, hub_drop_nulls(op), NULL, 0, &out, &pg) !=
        ED_OK) {
        ed_buf_cleanup(&out);
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                         "HubSpot answered with invalid or oversized JSON");
    }
    res_header(op->res, "Elements-Returned-Count",
               ed_arena_printf(op->req->arena, "%zu", pg.count));
    size_t n = out.len;
    return hub_respond_raw(op, 200, ed_buf_take(&out), n);
}

static int groups_done(struct hub_op *op, int status, json_t *body)
{
    json_t *r = json_object_get(body, "results"), *g;
    size_t i;
    (void)status;
    r = json_is_array(r) ? json_incref(r) : json_array();
    json_array_foreach(r, i, g)
        group_shape(g);
    return hub_reply_list(op, r, NULL);
}

static int group_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, group_shape);
}

static int props_handle(struct hub_op *op)
{
    const char *object = NULL;
    for (size_t i = 0; i < sizeof(prop_objects) / sizeof(prop_objects[0]); i++)
        if (strcmp(prop_objects[i].name, op->resource) == 0)
            object = prop_objects[i].object;
    if (!object || !op->id ||
        (strcmp(op->id, "properties") != 0 &&
         strcmp(op->id, "propertygroups") != 0))
        return HUB_DECLINE;
    bool groups = op->id[8] == 'g';
    struct ed_request *req = op->req;
    int st;
    if (hub_seg(op, 3))
        return hub_no_resource(op);
    if ((st = hub_refuse_where(op)))
        return st;
    const char *base = ed_arena_printf(req->arena, "/crm/v3/properties/%s%s",
                                       object, groups ? "/groups" : "");
    const char *one = op->sub ? ed_arena_printf(req->arena, "%s/%s", base,
                                                hub_escape(op, op->sub))
                              : NULL;
    hub_next_fn done1 = groups ? group_done : hub_done_pass;
    if (!op->sub) {
        if (req->method == ED_GET)
            return groups
                       ? hub_send(op, "GET", base, NULL, false, groups_done)
                       : hub_send_raw(op, "GET", base, NULL, false, list_done);
        if (req->method != ED_POST)
            return hub_no_method(op, "GET, POST");
        if ((st = hub_need_object(op)))
            return st;
        json_t *in;
        char why[128];
        if (groups) {
            in = group_input(req->body, true);
            if (!json_object_get(in, "name") || !json_object_get(in, "label")) {
                json_decref(in);
                return hub_bad_request(op, "A property group needs a name and "
                                           "a label (or displayName)");
            }
        } else if (!(in = prop_input(req->body, true, why, sizeof(why)))) {
            return hub_bad_request(op, why);
        }
        st = hub_send(op, "POST", base, in, false, done1);
        json_decref(in);
        return st;
    }
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", one, NULL, false, done1);
    case ED_DELETE:
        return hub_send(op, "DELETE", one, NULL, false, hub_done_empty);
    case ED_PATCH:
    case ED_PUT: {
        if ((st = hub_need_object(op)))
            return st;
        char why[128];
        json_t *in = groups ? group_input(req->body, false)
                            : prop_input(req->body, false, why, sizeof(why));
        if (!in)
            return hub_bad_request(op, why);
        st = hub_send(op, "PATCH", one, in, false, done1);
        json_decref(in);
        return st;
    }
    default: return hub_no_method(op, "GET, PATCH, PUT, DELETE");
    }
}

const struct hub_resource hub_properties_resources[] = {
    {"contacts", props_handle},
    {"leads", props_handle},
    {"accounts", props_handle},
    {"companies", props_handle},
    {"opportunities", props_handle},
    {"deals", props_handle},
    {NULL, NULL},
};
