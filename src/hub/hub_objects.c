/* SPDX-License-Identifier: MIT
 * The object catalogue (/objects, plain or Helium-shaped), object
 * metadata (/objects/{name}/metadata, from HubSpot's properties API).
 * Properties and property groups are hub_properties.c. */
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

/* --- objects and metadata ------------------------------------------------- */

struct object_entry {
    const char *name;   /* Cloud Elements name */
    const char *vendor; /* HubSpot name */
    const char *props;  /* properties API object type; NULL: none */
    bool canonical;     /* shaped by us (ceCanonical) or passed through */
};

static const struct object_entry object_list[] = {
    {"contacts", "contacts", "contacts", true},
    {"accounts", "companies", "companies", true},
    {"opportunities", "deals", "deals", true},
    {"leads", "contacts", "contacts", true},
    {"activities", "engagements", NULL, true},
    {"owners", "owners", NULL, true},
    {"pipelines", "pipelines", NULL, true},
    {"timeline-event-types", "event-templates", NULL, true},
    {"lists", "lists", NULL, true},
    {"companies", "companies", "companies", false},
    {"deals", "deals", "deals", false},
    {"tickets", "tickets", "tickets", false},
    {"products", "products", "products", false},
    {"line_items", "line_items", "line_items", false},
    {"notes", "notes", "notes", false},
    {"calls", "calls", "calls", false},
    {"emails", "emails", "emails", false},
    {"meetings", "meetings", "meetings", false},
    {"tasks", "tasks", "tasks", false},
    {"files", "files", NULL, true},
    {"folders", "folders", NULL, true},
    {"forms", "forms", NULL, true},
};

#define N_OBJECTS (sizeof(object_list) / sizeof(object_list[0]))

static int objects_list(struct hub_op *op)
{
    const char *v = req_header(op->req, "Elements-Version");
    bool helium = v && ed_strcaseeq(v, "Helium");
    json_t *arr = json_array();
    for (size_t i = 0; i < N_OBJECTS; i++) {
        const struct object_entry *e = &object_list[i];
        json_array_append_new(
            arr, helium ? json_pack("{s:s, s:s, s:s}", "name", e->name,
                                    "vendorName", e->vendor, "type",
                                    e->canonical ? "ceCanonical" : "vendor")
                        : json_string(e->name));
    }
    return hub_reply_list(op, arr, NULL);
}

static const struct {
    const char *hs, *ce;
} field_types[] = {
    {"number", "number"},
    {"bool", "boolean"},
    {"date", "date"},
    {"datetime", "date"},
};

static json_t *field_of(json_t *p)
{
    const char *name = hub_jstr(p, "name"), *type = hub_jstr(p, "type"),
               *ce = "string";
    json_t *mm = json_object_get(p, "modificationMetadata");
    bool ro = json_is_true(json_object_get(mm, "readOnlyValue")) ||
              json_is_true(json_object_get(p, "calculated"));
    if (!name)
        return NULL;
    for (size_t i = 0; type && i < sizeof(field_types) / sizeof(field_types[0]);
         i++)
        if (strcmp(field_types[i].hs, type) == 0)
            ce = field_types[i].ce;
    return json_pack("{s:o, s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "vendorPath",
                     json_sprintf("properties.%s", name), "type", ce,
                     "vendorDisplayName", hub_first(hub_jstr(p, "label"), name),
                     "vendorReadOnly", ro, "vendorRequired", 0, "filterable", 1,
                     "createable", !ro, "updateable", !ro);
}

/* The fields of an object from HubSpot's properties answer (borrowed). */
static json_t *fields_of(json_t *body)
{
    json_t *fields = json_array(), *p;
    size_t i;
    json_array_append_new(fields,
                          json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b}",
                                    "vendorPath", "id", "type", "string",
                                    "vendorDisplayName", "Record ID",
                                    "vendorReadOnly", 1, "vendorRequired", 0,
                                    "filterable", 1, "createable", 0,
                                    "updateable", 0));
    json_array_foreach(json_object_get(body, "results"), i, p) {
        json_t *f = field_of(p);
        if (f)
            json_array_append_new(fields, f);
    }
    return fields;
}

static int metadata_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply(op, json_pack("{s:o}", "fields", fields_of(body)));
}

/* GET /objects?expand=true: every object of the catalogue with its fields,
 * one properties call per HubSpot object type (leads share contacts'). */
struct expand_state {
    size_t at;    /* object_list index whose properties are asked for */
    json_t *out;  /* the answer being built (owned until the reply) */
    json_t *seen; /* {props type: fields} (owned) */
};

static void expand_cleanup(void *p)
{
    struct expand_state *es = p;
    json_decref(es->out);
    json_decref(es->seen);
    es->out = es->seen = NULL;
}

static int expand_step(struct hub_op *op);

static json_t *expanded(const struct object_entry *e, json_t *fields)
{
    return json_pack("{s:s, s:s, s:s, s:O}", "name", e->name, "vendorName",
                     e->vendor, "type", e->canonical ? "ceCanonical" : "vendor",
                     "fields", fields);
}

static int expand_done(struct hub_op *op, int status, json_t *body)
{
    struct expand_state *es = op->state;
    const struct object_entry *e = &object_list[es->at];
    json_t *fields = fields_of(body);
    (void)status;
    json_object_set_new(es->seen, e->props, fields);
    json_array_append_new(es->out, expanded(e, fields));
    es->at++;
    return expand_step(op);
}

static int expand_step(struct hub_op *op)
{
    struct expand_state *es = op->state;
    for (; es->at < N_OBJECTS; es->at++) {
        const struct object_entry *e = &object_list[es->at];
        json_t *known = e->props ? json_object_get(es->seen, e->props) : NULL;
        if (e->props && !known)
            return hub_send(op, "GET",
                            ed_arena_printf(op->req->arena,
                                            "/crm/v3/properties/%s", e->props),
                            NULL, false, expand_done);
        json_t *none = json_array();
        json_array_append_new(es->out, expanded(e, known ? known : none));
        json_decref(none);
    }
    json_t *out = es->out;
    es->out = NULL;
    return hub_reply_list(op, out, NULL);
}

static int objects_expand(struct hub_op *op)
{
    struct expand_state *es = ed_arena_alloc(op->req->arena, sizeof(*es));
    es->at = 0;
    es->out = json_array();
    es->seen = json_object();
    op->state = es;
    op->state_cleanup = expand_cleanup;
    return expand_step(op);
}

static int object_metadata(struct hub_op *op)
{
    const char *object = op->id;
    for (const char *p = object; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return res_error(op->req, op->res, ED_E_NOT_FOUND, "No object %s",
                             object);
    for (size_t i = 0; i < N_OBJECTS; i++) {
        if (strcmp(object_list[i].name, object) != 0)
            continue;
        if (!object_list[i].props)
            return res_error(op->req, op->res, ED_E_NOT_FOUND,
                             "No metadata for %s: HubSpot has no properties "
                             "for it",
                             object);
        object = object_list[i].props;
    }
    return hub_send(op, "GET",
                    ed_arena_printf(op->req->arena, "/crm/v3/properties/%s",
                                    object),
                    NULL, false, metadata_done);
}

static int objects_handle(struct hub_op *op)
{
    bool meta = op->sub && strcmp(op->sub, "metadata") == 0 && !hub_seg(op, 3);
    if (!op->id || meta) {
        if (op->req->method != ED_GET)
            return hub_no_method(op, "GET");
        const char *expand = req_query(op->req, "expand");
        bool expand_all = expand && ed_strcaseeq(expand, "true");
        if (!op->id && !expand_all)
            return objects_list(op);
        /* hub.c lets /objects through on a disabled instance; only the
         * catalogue, which needs no HubSpot call, answers there */
        if (op->in.row.disabled)
            return res_error(op->req, op->res, ED_E_FORBIDDEN,
                             "The element instance is disabled");
        if (!op->id)
            return objects_expand(op);
        return object_metadata(op);
    }
    return hub_no_resource(op);
}

const struct hub_resource hub_objects_resources[] = {
    {"objects", objects_handle},
    {NULL, NULL},
};
