/* SPDX-License-Identifier: MIT */
/*
 * CRM v3 properties API for hubspot-sim: property definitions and property
 * groups per object type. Built-in definitions come from the object-type
 * table in crm.c and are rebuilt on reset; custom ones are created through
 * the API or fixtures. The same definitions drive write validation in crm.c
 * (unknown property -> PROPERTY_DOESNT_EXIST, enumeration options, numbers).
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

static const char *const prop_types[] = {
    "bool",   "enumeration",        "date", "datetime",     "string",
    "number", "object_coordinates", "json", "phone_number", NULL};
static const char *const field_types[] = {"booleancheckbox",
                                          "calculation_equation",
                                          "checkbox",
                                          "date",
                                          "file",
                                          "html",
                                          "number",
                                          "phonenumber",
                                          "radio",
                                          "select",
                                          "text",
                                          "textarea",
                                          NULL};

static bool in_list(const char *const *l, const char *s)
{
    for (; s && *l; l++)
        if (strcmp(*l, s) == 0)
            return true;
    return false;
}

/* HubSpot's answer to a member its input model does not have (its JSON
 * binding refuses unknown fields). */
static int unrecognized(struct sim_request *req, struct sim_response *res,
                        const json_t *b, const char *const *known)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)b, k, v)
        if (!in_list(known, k))
            return sim_res_errorf(
                req, res, 400, "VALIDATION_ERROR",
                "Invalid input JSON on line 1, column 2: Unrecognized field "
                "\"%s\"",
                k);
    return 0;
}

json_t *sim_propdef_json(const struct sim_propdef *p, const char *group,
                         bool hubspot_defined, const char *created)
{
    json_t *opts = json_array(), *d;
    const char *o = p->options;
    int order = 0;
    bool ro = (p->flags & SIM_P_RO) != 0;

    while (o && *o) {
        size_t n = strcspn(o, "|");
        json_t *v = json_stringn(o, n);

        json_array_append_new(opts, json_pack("{s:O,s:O,s:i,s:b}", "label", v,
                                              "value", v, "displayOrder",
                                              order++, "hidden", 0));
        json_decref(v);
        o += n;
        if (*o == '|')
            o++;
    }
    d = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:i,s:b,s:b,s:b,s:b,s:b,"
                  "s:{s:b,s:b,s:b},s:b,s:b}",
                  "updatedAt", created ? created : "1970-01-01T00:00:00.000Z",
                  "createdAt", created ? created : "1970-01-01T00:00:00.000Z",
                  "name", p->name, "label", p->label, "type", p->type,
                  "fieldType", p->field_type, "groupName", group, "options",
                  opts, "displayOrder", -1, "calculated", 0, "externalOptions",
                  0, "hasUniqueValue", (p->flags & SIM_P_UNIQUE) != 0, "hidden",
                  0, "hubspotDefined", hubspot_defined, "modificationMetadata",
                  "archivable", !hubspot_defined, "readOnlyDefinition",
                  hubspot_defined, "readOnlyValue", ro, "formField", !ro,
                  "archived", 0);
    json_object_set_new(d, "description", json_string(""));
    return d;
}

static void props_clear(struct sim_state *st)
{
    for (enum sim_objtype_id i = 0; i < SIM_NTYPES; i++) {
        const struct sim_objtype *t = sim_objtype_at(i);
        char label[128];

        json_decref(st->propdefs[i]);
        json_decref(st->propgroups[i]);
        st->propdefs[i] = json_object();
        for (const struct sim_propdef *p = t->props; p->name; p++)
            json_object_set_new(st->propdefs[i], p->name,
                                sim_propdef_json(p, t->group, true, NULL));
        snprintf(label, sizeof(label), "%c%s information",
                 t->singular[0] - 'a' + 'A', t->singular + 1);
        st->propgroups[i] = json_pack("[{s:s,s:s,s:i,s:b}]", "name", t->group,
                                      "label", label, "displayOrder", -1,
                                      "archived", 0);
    }
}

static json_t *group_find(struct sim_state *st, const struct sim_objtype *t,
                          const char *name, size_t *idx)
{
    json_t *g;
    size_t i;

    json_array_foreach(st->propgroups[t->idx], i, g) {
        if (strcmp(json_string_value(json_object_get(g, "name")), name) == 0 &&
            !json_is_true(json_object_get(g, "archived"))) {
            if (idx)
                *idx = i;
            return g;
        }
    }
    return NULL;
}

/* Builds a custom definition from an API/fixture body; NULL + msg on error. */
static json_t *def_from_body(struct sim_state *st, const struct sim_objtype *t,
                             const json_t *b, const char *now, char *msg,
                             size_t cap)
{
    static const char *const req_fields[] = {"name",      "label",     "type",
                                             "fieldType", "groupName", NULL};
    struct sim_propdef p;
    json_t *d, *opts = json_object_get(b, "options"), *o;
    size_t i;

    for (const char *const *f = req_fields; *f; f++) {
        if (!json_is_string(json_object_get(b, *f))) {
            snprintf(msg, cap, "Property definition is missing '%s'", *f);
            return NULL;
        }
    }
    memset(&p, 0, sizeof(p));
    p.name = json_string_value(json_object_get(b, "name"));
    p.label = json_string_value(json_object_get(b, "label"));
    p.type = json_string_value(json_object_get(b, "type"));
    p.field_type = json_string_value(json_object_get(b, "fieldType"));
    if (!in_list(prop_types, p.type) || !in_list(field_types, p.field_type)) {
        snprintf(msg, cap, "Invalid type '%s' or fieldType '%s'", p.type,
                 p.field_type);
        return NULL;
    }
    if (!group_find(st, t, json_string_value(json_object_get(b, "groupName")),
                    NULL)) {
        snprintf(msg, cap, "Property group '%s' does not exist",
                 json_string_value(json_object_get(b, "groupName")));
        return NULL;
    }
    if (json_is_true(json_object_get(b, "hasUniqueValue")))
        p.flags |= SIM_P_UNIQUE;
    d = sim_propdef_json(&p, json_string_value(json_object_get(b, "groupName")),
                         false, now);
    if (json_is_array(opts)) {
        json_array_foreach(opts, i, o) {
            if (!json_is_string(json_object_get(o, "value")) ||
                !json_is_string(json_object_get(o, "label"))) {
                json_decref(d);
                snprintf(msg, cap, "Each option needs a label and a value");
                return NULL;
            }
        }
        json_object_set(d, "options", opts);
    }
    if (json_is_string(json_object_get(b, "description")))
        json_object_set(d, "description", json_object_get(b, "description"));
    if (json_is_integer(json_object_get(b, "displayOrder")))
        json_object_set(d, "displayOrder", json_object_get(b, "displayOrder"));
    if (json_is_boolean(json_object_get(b, "hidden")))
        json_object_set(d, "hidden", json_object_get(b, "hidden"));
    if (json_is_boolean(json_object_get(b, "formField")))
        json_object_set(d, "formField", json_object_get(b, "formField"));
    return d;
}

json_t *sim_propdef_from_body(struct sim_state *st, const struct sim_objtype *t,
                              const json_t *b, const char *now, char *msg,
                              size_t cap)
{
    return def_from_body(st, t, b, now, msg, cap);
}

static int props_load(struct sim_state *st, const json_t *fx, char *err,
                      size_t errlen)
{
    json_t *groups = json_object_get(fx, "propertyGroups");
    json_t *props = json_object_get(fx, "properties"), *list, *v;
    const char *tname;
    char now[32];
    size_t i;

    sim_iso_ms(sim_now(st), now);
    json_object_foreach(groups, tname, list) {
        const struct sim_objtype *t = sim_objtype_find(tname);

        if (!t) {
            snprintf(err, errlen, "fixtures: unknown object type '%s'", tname);
            return -1;
        }
        json_array_foreach(list, i, v)
            if (json_is_string(json_object_get(v, "name")))
                json_array_append_new(
                    st->propgroups[t->idx],
                    json_pack("{s:O,s:O,s:i,s:b}", "name",
                              json_object_get(v, "name"), "label",
                              json_object_get(v, "label")
                                  ? json_object_get(v, "label")
                                  : json_object_get(v, "name"),
                              "displayOrder", -1, "archived", 0));
    }
    json_object_foreach(props, tname, list) {
        const struct sim_objtype *t = sim_objtype_find(tname);

        if (!t) {
            snprintf(err, errlen, "fixtures: unknown object type '%s'", tname);
            return -1;
        }
        json_array_foreach(list, i, v) {
            char msg[256];
            json_t *d = def_from_body(st, t, v, now, msg, sizeof(msg));

            if (!d) {
                snprintf(err, errlen, "fixtures: %s property: %s", tname, msg);
                return -1;
            }
            json_object_set_new(st->propdefs[t->idx],
                                json_string_value(json_object_get(d, "name")),
                                d);
        }
    }
    return 0;
}

/* ---- handlers -------------------------------------------------------------- */

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    bool archived = sim_req_bool(req, "archived", false);
    json_t *results, *d;
    const char *k;

    if (!t)
        return res->status;
    results = json_array();
    json_object_foreach(req->st->propdefs[t->idx], k, d)
        if (json_is_true(json_object_get(d, "archived")) == archived)
            json_array_append(results, d);
    return sim_res_json(res, 200, json_pack("{s:o}", "results", results));
}

static int prop_not_found(struct sim_request *req, struct sim_response *res,
                          const struct sim_objtype *t, const char *name)
{
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "Unable to find property %s for object type %s", name,
                          t->type_id);
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *name = sim_req_param(req, "name");
    json_t *d;

    if (!t)
        return res->status;
    d = json_object_get(req->st->propdefs[t->idx], name);
    if (!d || json_is_true(json_object_get(d, "archived")) !=
                  sim_req_bool(req, "archived", false))
        return prop_not_found(req, res, t, name);
    return sim_res_json(res, 200, json_incref(d));
}

static int h_create(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *b, *d, *old;
    char now[32], msg[256];

    if (!t || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    sim_iso_ms(req->now_ms, now);
    d = def_from_body(req->st, t, b, now, msg, sizeof(msg));
    if (!d)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    old = json_object_get(req->st->propdefs[t->idx],
                          json_string_value(json_object_get(d, "name")));
    if (old && !json_is_true(json_object_get(old, "archived"))) {
        json_decref(d);
        return sim_res_errorf(req, res, 409, "OBJECT_ALREADY_EXISTS",
                              "A property named '%s' already exists.",
                              json_string_value(json_object_get(b, "name")));
    }
    json_object_set(req->st->propdefs[t->idx],
                    json_string_value(json_object_get(d, "name")), d);
    return sim_res_json(res, 201, d);
}

static int h_update(struct sim_request *req, struct sim_response *res)
{
    static const char *const fields[] = {"label",        "description",
                                         "groupName",    "options",
                                         "displayOrder", "hidden",
                                         "formField",    "type",
                                         "fieldType",    NULL};
    static const char *const update_fields[] = {
        "label",  "description", "groupName", "options",   "displayOrder",
        "hidden", "formField",   "type",      "fieldType", "calculationFormula",
        NULL};
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *name = sim_req_param(req, "name");
    json_t *b, *d;
    char now[32];

    if (!t || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    d = sim_prop_def(req->st, t, name);
    if (!d)
        return prop_not_found(req, res, t, name);
    if (unrecognized(req, res, b, update_fields))
        return res->status;
    if ((json_object_get(b, "type") &&
         !in_list(prop_types, json_string_value(json_object_get(b, "type")))) ||
        (json_object_get(b, "fieldType") &&
         !in_list(field_types,
                  json_string_value(json_object_get(b, "fieldType")))))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid type or fieldType", NULL);
    if (json_object_get(b, "groupName") &&
        (!json_is_string(json_object_get(b, "groupName")) ||
         !group_find(req->st, t,
                     json_string_value(json_object_get(b, "groupName")), NULL)))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Property group '%s' does not exist",
                              json_string_value(json_object_get(b, "groupName"))
                                  ? json_string_value(
                                        json_object_get(b, "groupName"))
                                  : "");
    if (json_is_true(json_object_get(d, "hubspotDefined")) &&
        json_object_get(b, "type"))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Cannot change the type of HubSpot-defined "
                              "property %s",
                              name);
    for (const char *const *f = fields; *f; f++)
        if (json_object_get(b, *f))
            json_object_set(d, *f, json_object_get(b, *f));
    sim_iso_ms(req->now_ms, now);
    json_object_set_new(d, "updatedAt", json_string(now));
    return sim_res_json(res, 200, json_incref(d));
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *name = sim_req_param(req, "name");
    json_t *d;
    char now[32];

    if (!t)
        return res->status;
    d = sim_prop_def(req->st, t, name);
    if (!d)
        return prop_not_found(req, res, t, name);
    if (json_is_true(json_object_get(d, "hubspotDefined")))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "HubSpot-defined property %s cannot be archived",
                              name);
    sim_iso_ms(req->now_ms, now);
    json_object_set_new(d, "archived", json_true());
    json_object_set_new(d, "archivedAt", json_string(now));
    return sim_res_empty(res, 204);
}

static int h_batch_read(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *b, *in, *results;
    size_t i;
    char ts[32];

    if (!t || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    results = json_array();
    json_array_foreach(json_object_get(b, "inputs"), i, in) {
        json_t *d = sim_prop_def(req->st, t,
                                 json_string_value(json_object_get(in, "name"))
                                     ? json_string_value(
                                           json_object_get(in, "name"))
                                     : "");

        if (d)
            json_array_append(results, d);
    }
    sim_iso_ms(req->now_ms, ts);
    return sim_res_json(res, 200,
                        json_pack("{s:s,s:o,s:s,s:s}", "status", "COMPLETE",
                                  "results", results, "startedAt", ts,
                                  "completedAt", ts));
}

static int h_groups(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *results, *g;
    size_t i;

    if (!t)
        return res->status;
    results = json_array();
    json_array_foreach(req->st->propgroups[t->idx], i, g)
        if (!json_is_true(json_object_get(g, "archived")))
            json_array_append(results, g);
    return sim_res_json(res, 200, json_pack("{s:o}", "results", results));
}

static int h_group_create(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *b, *g;
    const char *name, *label;

    if (!t || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    name = json_string_value(json_object_get(b, "name"));
    label = json_string_value(json_object_get(b, "label"));
    if (!name || !label)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Property group needs 'name' and 'label'", NULL);
    if (group_find(req->st, t, name, NULL))
        return sim_res_errorf(req, res, 409, "OBJECT_ALREADY_EXISTS",
                              "A property group named '%s' already exists.",
                              name);
    g = json_pack(
        "{s:s,s:s,s:I,s:b}", "name", name, "label", label, "displayOrder",
        (json_int_t)(json_is_integer(json_object_get(b, "displayOrder"))
                         ? json_integer_value(
                               json_object_get(b, "displayOrder"))
                         : -1),
        "archived", 0);
    json_array_append(req->st->propgroups[t->idx], g);
    return sim_res_json(res, 201, g);
}

static int h_group_get(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *name = sim_req_param(req, "name");
    json_t *g, *b;

    if (!t)
        return res->status;
    g = group_find(req->st, t, name, NULL);
    if (!g)
        return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                              "Unable to find property group %s", name);
    if (strcmp(req->method, "PATCH") == 0) {
        static const char *const group_update[] = {"label", "displayOrder",
                                                   NULL};
        if (!(b = sim_req_object_or_respond(req, res)))
            return res->status;
        if (unrecognized(req, res, b, group_update))
            return res->status;
        if (json_is_string(json_object_get(b, "label")))
            json_object_set(g, "label", json_object_get(b, "label"));
        if (json_is_integer(json_object_get(b, "displayOrder")))
            json_object_set(g, "displayOrder",
                            json_object_get(b, "displayOrder"));
    }
    return sim_res_json(res, 200, json_incref(g));
}

static int h_group_delete(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *name = sim_req_param(req, "name");
    json_t *g;

    if (!t)
        return res->status;
    g = group_find(req->st, t, name, NULL);
    if (!g)
        return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                              "Unable to find property group %s", name);
    json_object_set_new(g, "archived", json_true());
    return sim_res_empty(res, 204);
}

#define R(m, p, h, s)                                                          \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, s, NULL                              \
    }
static const struct sim_route props_routes[] = {
    R("GET", "/crm/v3/properties/:type/groups", h_groups,
      SIM_SCOPE_SCHEMA_READ),
    R("POST", "/crm/v3/properties/:type/groups", h_group_create,
      SIM_SCOPE_SCHEMA_WRITE),
    R("GET", "/crm/v3/properties/:type/groups/:name", h_group_get,
      SIM_SCOPE_SCHEMA_READ),
    R("PATCH", "/crm/v3/properties/:type/groups/:name", h_group_get,
      SIM_SCOPE_SCHEMA_WRITE),
    R("DELETE", "/crm/v3/properties/:type/groups/:name", h_group_delete,
      SIM_SCOPE_SCHEMA_WRITE),
    R("POST", "/crm/v3/properties/:type/batch/read", h_batch_read,
      SIM_SCOPE_SCHEMA_READ),
    R("GET", "/crm/v3/properties/:type", h_list, SIM_SCOPE_SCHEMA_READ),
    R("POST", "/crm/v3/properties/:type", h_create, SIM_SCOPE_SCHEMA_WRITE),
    R("GET", "/crm/v3/properties/:type/:name", h_get, SIM_SCOPE_SCHEMA_READ),
    R("PATCH", "/crm/v3/properties/:type/:name", h_update,
      SIM_SCOPE_SCHEMA_WRITE),
    R("DELETE", "/crm/v3/properties/:type/:name", h_delete,
      SIM_SCOPE_SCHEMA_WRITE),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const props_keys[] = {"properties", "propertyGroups", NULL};

const struct sim_module sim_module_properties = {
    .name = "properties",
    .routes = props_routes,
    .load = props_load,
    .clear = props_clear,
    .fixture_keys = props_keys,
};
