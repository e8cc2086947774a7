/* SPDX-License-Identifier: MIT */
/*
 * Custom objects for hubspot-sim: HubSpot's schemas API (GET and POST
 * /crm/v3/schemas, GET /crm/v3/schemas/{objectType}; the same under
 * /crm-object-schemas/v3/schemas, the path of @hubspot/api-client's
 * crm/schemas CoreApi) and the registry of custom object types next to the
 * fixed table of crm.c. A custom type is an ordinary struct sim_objtype in
 * slot SIM_NTYPES + k, so the generic record engine (crm.c), search,
 * properties and associations serve it unchanged, by its objectTypeId
 * (2-<n>) or fullyQualifiedName (p<portalId>_<name>). The registry lives
 * here (one state per process) and, like all state, is only touched under
 * st->lock. Fixtures declare schemas with a top-level "schemas" array of
 * ObjectSchemaEgg bodies (optionally with "id"). Not served: PATCH and
 * DELETE of a schema, schema associations.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_ID_BASE 1001 /* objectTypeId 2-1001, 2-1002, ... */
#define NAME_MAX_LEN 64
#define LIST_MAX 100 /* required/searchable/secondary/associated entries */

struct custom {
    struct sim_objtype t; /* first: callers hold &c->t */
    bool used;
    int64_t schema_id, created_ms, updated_ms;
    char name[NAME_MAX_LEN + 1], fqn[96], type_id[32], upper[NAME_MAX_LEN + 1],
        group[NAME_MAX_LEN + 16];
    json_t *egg; /* labels, primary/secondary/searchable, description, assoc */
    char **required, **text; /* NULL-terminated, owned */
};

static struct custom reg[SIM_MAX_CUSTOM];
static int64_t next_schema_id = SCHEMA_ID_BASE;

/* clang-format off */
static const char *const read_sc[] = {"crm.objects.custom.read", NULL};
static const char *const write_sc[] = {"crm.objects.custom.write", NULL};
static const char *const schema_read_sc[] = {"crm.schemas.custom.read",
                                             "crm.objects.custom.read", NULL};
static const char *const schema_write_sc[] = {"crm.schemas.custom.write", NULL};
static const char *const no_names[] = {NULL};
static const struct sim_propdef no_props[] = {{NULL, NULL, NULL, NULL, NULL, 0}};
/* clang-format on */

const struct sim_objtype *sim_custom_find(const char *name)
{
    for (size_t k = 0; name && k < SIM_MAX_CUSTOM; k++)
        if (reg[k].used && (strcmp(name, reg[k].type_id) == 0 ||
                            sim_str_ieq(name, reg[k].fqn)))
            return &reg[k].t;
    return NULL;
}

static char **strv_of(const json_t *arr)
{
    size_t n = json_array_size(arr), i;
    char **v = sim_xcalloc(n + 1, sizeof(*v));

    for (i = 0; i < n; i++)
        v[i] = sim_xstrdup(json_string_value(json_array_get(arr, i)));
    return v;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void custom_drop(struct sim_state *st, struct custom *c)
{
    size_t idx = (size_t)c->t.idx;
    struct sim_store *s = &st->stores[idx];

    for (size_t i = 0; i < s->n; i++)
        json_decref(s->recs[i].props);
    free(s->recs);
    memset(s, 0, sizeof(*s));
    json_decref(st->propdefs[idx]);
    json_decref(st->propgroups[idx]);
    st->propdefs[idx] = st->propgroups[idx] = NULL;
    json_decref(c->egg);
    strv_free(c->required);
    strv_free(c->text);
    memset(c, 0, sizeof(*c));
}

/* ---- rendering (ObjectSchema, crm/schemas models) ------------------------ */

static json_t *assoc_defs(struct sim_state *st, const struct custom *c)
{
    json_t *out = json_array(), *v;
    size_t i;
    char ts[32];

    (void)st;
    sim_iso_ms(c->created_ms, ts);
    json_array_foreach(json_object_get(c->egg, "associatedObjects"), i, v) {
        const struct sim_objtype *to = sim_objtype_find(json_string_value(v));
        char id[32];

        if (!to)
            continue;
        snprintf(id, sizeof(id), "%lld", (long long)(c->schema_id * 10 + i));
        json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id,
                                             "fromObjectTypeId", c->type_id,
                                             "toObjectTypeId", to->type_id,
                                             "createdAt", ts, "updatedAt", ts));
    }
    return out;
}

static json_t *schema_json(struct sim_state *st, const struct custom *c)
{
    json_t *o, *props = json_array(), *d, *v;
    const char *k;
    char id[32], created[32], updated[32];
    static const char *const copy[] = {"labels",
                                       "requiredProperties",
                                       "searchableProperties",
                                       "secondaryDisplayProperties",
                                       "primaryDisplayProperty",
                                       "description",
                                       NULL};

    json_object_foreach(st->propdefs[c->t.idx], k, d)
        if (!json_is_true(json_object_get(d, "archived")))
            json_array_append(props, d);
    snprintf(id, sizeof(id), "%lld", (long long)c->schema_id);
    sim_iso_ms(c->created_ms, created);
    sim_iso_ms(c->updated_ms, updated);
    o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:b,s:s,s:s}", "id", id, "name",
                  c->name, "objectTypeId", c->type_id, "fullyQualifiedName",
                  c->fqn, "properties", props, "associations",
                  assoc_defs(st, c), "archived", 0, "createdAt", created,
                  "updatedAt", updated);
    for (const char *const *f = copy; *f; f++)
        if ((v = json_object_get(c->egg, *f)))
            json_object_set(o, *f, v);
    if (!json_object_get(o, "searchableProperties"))
        json_object_set_new(o, "searchableProperties", json_array());
    if (!json_object_get(o, "secondaryDisplayProperties"))
        json_object_set_new(o, "secondaryDisplayProperties", json_array());
    return o;
}

/* ---- creating one (API and fixtures) -------------------------------------- */

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > NAME_MAX_LEN ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* An array of strings (absent allowed unless required); every one must be a
 * property of the body's properties. */
static bool names_ok(const json_t *b, const char *field, const json_t *defs,
                     bool required, char *msg, size_t cap)
{
    json_t *arr = json_object_get(b, field), *v;
    size_t i;

    if (!arr && !required)
        return true;
    if (!json_is_array(arr) || json_array_size(arr) > LIST_MAX) {
        snprintf(msg, cap, "%s must be an array of property names", field);
        return false;
    }
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);

        if (!s || !json_object_get(defs, s)) {
            snprintf(msg, cap,
                     "%s: property %.100s is not defined on this object type",
                     field, s ? s : "(not a string)");
            return false;
        }
    }
    return true;
}

/* Validates an ObjectSchemaEgg and registers it. Returns the custom type,
 * or NULL with *status (400, 409) and a message. */
static struct custom *schema_add(struct sim_state *st, const json_t *b,
                                 int64_t now, int *status, char *msg,
                                 size_t cap)
{
    const char *name = json_string_value(json_object_get(b, "name"));
    json_t *labels = json_object_get(b, "labels");
    json_t *props = json_object_get(b, "properties"), *p, *defs = NULL, *v;
    json_t *assoc = json_object_get(b, "associatedObjects");
    const char *primary = json_string_value(
        json_object_get(b, "primaryDisplayProperty"));
    struct custom *c = NULL;
    size_t i, k;
    char fqn[96], iso[32];
    int64_t id;

    *status = 400;
    if (!name_ok(name)) {
        snprintf(msg, cap,
                 "name must start with a letter and hold only letters, "
                 "digits and underscores (at most %d)",
                 NAME_MAX_LEN);
        return NULL;
    }
    if (!json_is_object(labels) ||
        !json_is_string(json_object_get(labels, "singular")) ||
        !json_is_string(json_object_get(labels, "plural"))) {
        snprintf(msg, cap, "labels.singular and labels.plural are required");
        return NULL;
    }
    if (!json_is_array(props) || json_array_size(props) == 0 ||
        json_array_size(props) > 1000) {
        snprintf(msg, cap, "properties must be a non-empty array");
        return NULL;
    }
    if (!json_is_array(assoc) || json_array_size(assoc) > LIST_MAX) {
        snprintf(msg, cap, "associatedObjects must be an array");
        return NULL;
    }
    json_array_foreach(assoc, i, v)
        if (!sim_objtype_find(json_string_value(v))) {
            snprintf(msg, cap, "associatedObjects: unknown object type %.100s",
                     json_string_value(v) ? json_string_value(v) : "");
            return NULL;
        }
    snprintf(fqn, sizeof(fqn), "p%lld_%s", (long long)st->cfg->portal_id, name);
    for (k = 0; k < SIM_MAX_CUSTOM; k++)
        if (reg[k].used && sim_str_ieq(reg[k].name, name)) {
            *status = 409;
            snprintf(msg, cap, "Object type with name %s already exists", name);
            return NULL;
        }
    for (k = 0; k < SIM_MAX_CUSTOM && reg[k].used; k++)
        ;
    if (k == SIM_MAX_CUSTOM) {
        snprintf(msg, cap,
                 "This portal already has the maximum of %d custom object "
                 "types",
                 SIM_MAX_CUSTOM);
        return NULL;
    }
    id = next_schema_id;
    if (json_is_integer(json_object_get(b, "id")))
        id = json_integer_value(json_object_get(b, "id"));
    if (id <= 0 || id > 999999999) {
        snprintf(msg, cap, "id must be a positive integer");
        return NULL;
    }
    for (size_t j = 0; j < SIM_MAX_CUSTOM; j++)
        if (reg[j].used && reg[j].schema_id == id) {
            *status = 409;
            snprintf(msg, cap, "Object type id %lld already exists",
                     (long long)id);
            return NULL;
        }
    c = &reg[k];
    memset(c, 0, sizeof(*c));
    c->schema_id = id;
    sim_strlcpy(c->name, name, sizeof(c->name));
    sim_strlcpy(c->fqn, fqn, sizeof(c->fqn));
    snprintf(c->type_id, sizeof(c->type_id), "2-%lld", (long long)id);
    for (i = 0; name[i]; i++)
        c->upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32
                                                              : name[i]);
    snprintf(c->group, sizeof(c->group), "%s_information", name);
    c->t.idx = (enum sim_objtype_id)(SIM_NTYPES + k);
    c->t.name = c->fqn;
    c->t.type_id = c->type_id;
    c->t.singular = c->fqn;
    c->t.upper = c->upper;
    c->t.group = c->group;
    c->t.lastmod = "hs_lastmodifieddate";
    c->t.created = "hs_createdate";
    c->t.id_base = 1001;
    c->t.defaults = no_names;
    c->t.read_scopes = read_sc;
    c->t.write_scopes = write_sc;
    c->t.schema_read = schema_read_sc;
    c->t.schema_write = schema_write_sc;
    c->t.props = no_props;
    /* definitions: the system ones, then the body's (validated one by one
     * against the group created here) */
    sim_iso_ms(now, iso);
    defs = json_object();
    st->propdefs[c->t.idx] = defs;
    st->propgroups[c->t.idx] = json_pack("[{s:s,s:O,s:i,s:b}]", "name",
                                         c->group, "label",
                                         json_object_get(labels, "singular"),
                                         "displayOrder", -1, "archived", 0);
    {
        static const struct sim_propdef sys[] = {
            {"hs_createdate", "Object create date/time", "datetime", "date",
             NULL, SIM_P_RO},
            {"hs_lastmodifieddate", "Object last modified date/time",
             "datetime", "date", NULL, SIM_P_RO},
            {"hs_object_id", "Record ID", "number", "number", NULL,
             SIM_P_RO | SIM_P_UNIQUE},
        };
        for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
            json_object_set_new(defs, sys[i].name,
                                sim_propdef_json(&sys[i], c->group, true, iso));
    }
    c->used = true; /* so a failure below goes through custom_drop */
    json_array_foreach(props, i, p) {
        json_t *in, *d;
        const char *pn = json_string_value(json_object_get(p, "name"));

        if (!json_is_object(p)) {
            snprintf(msg, cap, "properties[%zu] must be an object", i);
            goto fail;
        }
        if (pn && json_object_get(defs, pn)) {
            snprintf(msg, cap, "properties[%zu]: duplicate property %.100s", i,
                     pn);
            goto fail;
        }
        in = json_deep_copy(p);
        if (!json_object_get(in, "groupName"))
            json_object_set_new(in, "groupName", json_string(c->group));
        d = sim_propdef_from_body(st, &c->t, in, iso, msg, cap);
        json_decref(in);
        if (!d)
            goto fail;
        json_object_set_new(defs, pn, d);
    }
    if (!names_ok(b, "requiredProperties", defs, true, msg, cap) ||
        !names_ok(b, "searchableProperties", defs, false, msg, cap) ||
        !names_ok(b, "secondaryDisplayProperties", defs, false, msg, cap))
        goto fail;
    if (json_object_get(b, "primaryDisplayProperty") &&
        (!primary || !json_object_get(defs, primary))) {
        snprintf(msg, cap,
                 "primaryDisplayProperty must name a property of the object "
                 "type");
        goto fail;
    }
    c->egg = json_deep_copy(b);
    json_object_del(c->egg, "properties");
    json_object_del(c->egg, "id");
    c->required = strv_of(json_object_get(b, "requiredProperties"));
    c->text = strv_of(json_object_get(b, "searchableProperties"));
    c->t.required = (const char *const *)c->required;
    c->t.text = (const char *const *)c->text;
    c->created_ms = c->updated_ms = now;
    st->stores[c->t.idx].next_id = c->t.id_base;
    if (id >= next_schema_id)
        next_schema_id = id + 1;
    return c;
fail:
    custom_drop(st, c);
    return NULL;
}

/* ---- handlers ----------------------------------------------------------- */

static int h_list(struct sim_request *req, struct sim_response *res)
{
    json_t *results = json_array();

    for (size_t k = 0; k < SIM_MAX_CUSTOM; k++)
        if (reg[k].used)
            json_array_append_new(results, schema_json(req->st, &reg[k]));
    return sim_res_json(res, 200, json_pack("{s:o}", "results", results));
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const char *name = sim_req_param(req, "type");
    const struct sim_objtype *t = sim_custom_find(name);

    if (!t)
        return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                              "Unable to find object type %s", name);
    return sim_res_json(res, 200,
                        schema_json(req->st, (const struct custom *)t));
}

static int h_create(struct sim_request *req, struct sim_response *res)
{
    static const char *const known[] = {"name",
                                        "labels",
                                        "description",
                                        "properties",
                                        "requiredProperties",
                                        "searchableProperties",
                                        "primaryDisplayProperty",
                                        "secondaryDisplayProperties",
                                        "associatedObjects",
                                        NULL};
    json_t *b = sim_req_object_or_respond(req, res), *v;
    struct custom *c;
    const char *k;
    char msg[512];
    int status;

    if (!b)
        return res->status;
    json_object_foreach(b, k, v) {
        const char *const *n = known;

        while (*n && strcmp(*n, k) != 0)
            n++;
        if (!*n)
            return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                                  "Invalid input JSON on line 1, column 2: "
                                  "Unrecognized field \"%.100s\"",
                                  k);
    }
    c = schema_add(req->st, b, req->now_ms, &status, msg, sizeof(msg));
    if (!c)
        return sim_res_error(req, res, status,
                             status == 409 ? "CONFLICT" : "VALIDATION_ERROR",
                             msg, NULL);
    return sim_res_json(res, 201, schema_json(req->st, c));
}

/* ---- fixtures ------------------------------------------------------------ */

static int schemas_load(struct sim_state *st, const json_t *fx, char *err,
                        size_t errlen)
{
    json_t *list = json_object_get(fx, "schemas"), *b;
    size_t i;

    if (list && !json_is_array(list)) {
        snprintf(err, errlen, "fixtures: schemas must be an array");
        return -1;
    }
    json_array_foreach(list, i, b) {
        char msg[512];
        int status;

        if (!json_is_object(b) ||
            !schema_add(st, b, sim_now(st), &status, msg, sizeof(msg))) {
            snprintf(err, errlen, "fixtures: schemas[%zu]: %s", i,
                     json_is_object(b) ? msg : "not an object");
            return -1;
        }
    }
    return 0;
}

static void schemas_clear(struct sim_state *st)
{
    for (size_t k = 0; k < SIM_MAX_CUSTOM; k++)
        if (reg[k].used)
            custom_drop(st, &reg[k]);
    next_schema_id = SCHEMA_ID_BASE;
}

static const char *const read_scopes[] = {"crm.schemas.custom.read", NULL};
static const char *const write_scopes[] = {"crm.schemas.custom.write", NULL};

#define R(m, p, h, f, s)                                                       \
    {                                                                          \
        m, p, h, SIM_R_AUTH | (f), SIM_SCOPE_LIST, s                           \
    }
static const struct sim_route schemas_routes[] = {
    R("GET", "/crm/v3/schemas", h_list, 0, read_scopes),
    R("POST", "/crm/v3/schemas", h_create, SIM_R_JSON, write_scopes),
    R("GET", "/crm/v3/schemas/:type", h_get, 0, read_scopes),
    R("GET", "/crm-object-schemas/v3/schemas", h_list, 0, read_scopes),
    R("POST", "/crm-object-schemas/v3/schemas", h_create, SIM_R_JSON,
      write_scopes),
    R("GET", "/crm-object-schemas/v3/schemas/:type", h_get, 0, read_scopes),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const schemas_keys[] = {"schemas", NULL};

const struct sim_module sim_module_schemas = {
    .name = "schemas",
    .routes = schemas_routes,
    .load = schemas_load,
    .clear = schemas_clear,
    .fixture_keys = schemas_keys,
};
