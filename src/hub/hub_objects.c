/* SPDX-License-Identifier: MIT
 * The object catalogue (/objects, plain or Helium-shaped, ?expand=true)
 * and object metadata (/objects/{name}/metadata). The catalogue is data,
 * one per element (the "objects" of src/elements/defs/<key>.json), plus
 * the virtual objects that resolve for the instance (domain/vdr.h). Fields
 * come from HubSpot's properties API for the objects that have one (so
 * custom fields appear), from the definition's static list for the
 * others (files, folders, marketing emails, forms, lists, campaigns,
 * workflows); a virtual object's fields are its transformation's, each
 * with its vendorPath and what the vendor field's own metadata says.
 * Properties and property groups are hub_properties.c. */
#include "hub/hub_objects.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "domain/vdr.h"
#include "elements/elements.h"
#include "hub/hub.h"
#include "hub/hub_schemas.h"
#include "hub/resource.h"
#include "transform/transform.h"

/* --- the catalogue ------------------------------------------------------- */

/* One object as /objects shows it: a catalogue entry of the element, or a
 * virtual object (map set; its fields follow the native entry it maps
 * onto, `native`, when the catalogue has it). */
struct cat_entry {
    const char *name, *vendor, *type;
    json_t *def; /* the catalogue entry (borrowed), NULL for virtual */
    const struct tf_map *map;
    struct vdr_binding *ref;
    json_t *native; /* virtual: the catalogue entry of its vendorName */
    json_t *schema; /* a custom object: its schema (hub_schemas.h; borrowed) */
};

struct catalogue {
    struct cat_entry *e;
    size_t n;
};

static void catalogue_free(struct catalogue *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].ref)
            vdr_binding_release(c->e[i].ref);
    free(c->e);
    c->e = NULL;
    c->n = 0;
}

/* The element's catalogue entry of that name (borrowed), or NULL. */
static json_t *element_entry(const struct element *el, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(element_objects(el), i, o) {
        if (strcmp(hub_jstr(o, "name"), name) == 0)
            return o;
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The element's catalogue, then the instance's virtual objects by name
 * (a virtual object of a catalogue name takes its place: the hub calls it
 * first), then the portal's custom objects (schemas, borrowed; NULL: none)
 * whose names are not taken. Virtual names that do not resolve (no
 * transformation compiles) are left out. */
static void catalogue_build(struct ed_app *app, const struct instance *in,
                            json_t *schemas, struct catalogue *c)
{
    json_t *objs = element_objects(in->el), *o, *names = NULL;
    size_t i, n = json_array_size(objs), nv = 0, ns = json_array_size(schemas);
    const char **vn = NULL;
    if (vdr_names(app, in, &names) != ED_OK) {
        json_decref(names);
        names = json_array();
    }
    nv = json_array_size(names);
    c->e = ed_calloc(n + nv + ns + 1, sizeof(*c->e));
    c->n = 0;
    json_array_foreach(objs, i, o) {
        struct cat_entry *e = &c->e[c->n++];
        e->name = hub_jstr(o, "name");
        e->vendor = hub_jstr(o, "vendorName");
        e->type = hub_jstr(o, "type");
        e->def = o;
    }
    vn = ed_calloc(nv + 1, sizeof(*vn));
    for (i = 0; i < nv; i++)
        vn[i] = json_string_value(json_array_get(names, i));
    qsort(vn, nv, sizeof(*vn), cmp_str);
    for (i = 0; i < nv; i++) {
        const struct tf_map *map = NULL;
        struct vdr_binding *ref = NULL;
        char why[256];
        if (vdr_resolve(app, in, vn[i], &map, &ref, why, sizeof(why)) !=
            VDR_FOUND)
            continue;
        struct cat_entry *e = NULL;
        for (size_t k = 0; k < n && !e; k++)
            if (strcmp(c->e[k].name, vn[i]) == 0)
                e = &c->e[k];
        if (!e)
            e = &c->e[c->n++];
        /* names and the vendor name live as long as the binding */
        e->name = tf_map_name(map);
        e->vendor = tf_map_vendor_name(map);
        e->type = "vdr";
        e->def = NULL;
        e->map = map;
        e->ref = ref;
        e->native = element_entry(in->el, e->vendor);
    }
    json_array_foreach(schemas, i, o) {
        const char *name = hub_jstr(o, "name");
        bool taken = false;
        for (size_t k = 0; k < c->n && !taken; k++)
            taken = strcmp(c->e[k].name, name) == 0;
        if (taken)
            continue;
        struct cat_entry *e = &c->e[c->n++];
        e->name = name;
        e->vendor = hub_jstr(o, "fullyQualifiedName");
        e->type = "vendor";
        e->schema = o;
    }
    free(vn);
    json_decref(names);
}

static json_t *render_with(struct ed_app *app, const struct instance *in,
                           json_t *schemas)
{
    struct catalogue c;
    json_t *arr = json_array();
    catalogue_build(app, in, schemas, &c);
    for (size_t i = 0; i < c.n; i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:s, s:s}", "name", c.e[i].name,
                                        "vendorName", c.e[i].vendor, "type",
                                        c.e[i].type));
    catalogue_free(&c);
    return arr;
}

json_t *hub_objects_render(struct ed_app *app, const struct instance *in)
{
    json_t *schemas = hub_schemas_cached_id(in->row.id);
    json_t *arr = render_with(app, in, schemas);
    json_decref(schemas);
    return arr;
}

static int objects_list_reply(struct hub_op *op, json_t *schemas)
{
    const char *v = req_header(op->req, "Elements-Version");
    json_t *arr = render_with(op->req->app, &op->in, schemas);
    if (!(v && ed_strcaseeq(v, "Helium"))) {
        json_t *names = json_array(), *o;
        size_t i;
        json_array_foreach(arr, i, o) {
            json_array_append(names, json_object_get(o, "name"));
        }
        json_decref(arr);
        arr = names;
    }
    json_decref(schemas);
    return hub_reply_list(op, arr, NULL);
}

static int objects_list_done(struct hub_op *op, int status, json_t *body)
{
    return objects_list_reply(op, hub_schemas_store(op, status, body));
}

/* The catalogue and the portal's custom objects (one schemas call; none on
 * a disabled instance, which hub.c lets through to /objects only). */
static int objects_list(struct hub_op *op)
{
    if (op->in.row.disabled)
        return objects_list_reply(op, NULL);
    return hub_schemas_fetch(op, objects_list_done);
}

/* --- fields -------------------------------------------------------------- */

static const struct {
    const char *hs, *ce;
} field_types[] = {
    {"number", "number"},
    {"bool", "boolean"},
    {"date", "date"},
    {"datetime", "date"},
};

static json_t *field_new(const char *path, const char *type,
                         const char *display, bool filterable, bool createable,
                         bool updateable)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "vendorPath",
                     path, "type", type, "vendorDisplayName", display,
                     "vendorReadOnly", !createable && !updateable,
                     "vendorRequired", 0, "filterable", filterable,
                     "createable", createable, "updateable", updateable);
}

static json_t *field_of(json_t *p)
{
    const char *name = hub_jstr(p, "name"), *type = hub_jstr(p, "type"),
               *ce = "string";
    json_t *mm = json_object_get(p, "modificationMetadata"), *f;
    bool ro = json_is_true(json_object_get(mm, "readOnlyValue")) ||
              json_is_true(json_object_get(p, "calculated"));
    if (!name)
        return NULL;
    for (size_t i = 0; type && i < sizeof(field_types) / sizeof(field_types[0]);
         i++)
        if (strcmp(field_types[i].hs, type) == 0)
            ce = field_types[i].ce;
    char *path = ed_asprintf("properties.%s", name);
    f = field_new(path, ce, hub_first(hub_jstr(p, "label"), name), true, !ro,
                  !ro);
    free(path);
    return f;
}

/* The fields of an object from HubSpot's properties answer (borrowed). */
static json_t *fields_of(json_t *body)
{
    json_t *fields = json_array(), *p;
    size_t i;
    json_array_append_new(fields, field_new("id", "string", "Record ID", true,
                                            false, false));
    json_array_foreach(json_object_get(body, "results"), i, p) {
        json_t *f = field_of(p);
        if (f)
            json_array_append_new(fields, f);
    }
    return fields;
}

/* The fields of a custom object from its schema's properties. */
static json_t *schema_fields(json_t *schema)
{
    json_t *wrap = json_pack("{s:O}", "results",
                             json_object_get(schema, "properties"));
    json_t *fields = fields_of(wrap);
    json_decref(wrap);
    return fields;
}

/* The static fields of a catalogue entry, as metadata shows them. */
static json_t *static_fields(json_t *def)
{
    json_t *fields = json_array(), *f;
    size_t i;
    json_array_foreach(json_object_get(def, "fields"), i, f) {
        json_array_append_new(
            fields, field_new(hub_jstr(f, "vendorPath"), hub_jstr(f, "type"),
                              hub_jstr(f, "vendorDisplayName"),
                              json_is_true(json_object_get(f, "filterable")),
                              json_is_true(json_object_get(f, "createable")),
                              json_is_true(json_object_get(f, "updateable"))));
    }
    return fields;
}

/* A virtual object's fields: each field of its transformation with its
 * path and vendorPath; type, display name and the flags from the vendor
 * field of that vendorPath in `native` (the fields of the object it maps
 * onto). A vendorPath the native fields do not know: a HubSpot property
 * the portal lacks (properties.x) can be neither filtered nor written;
 * another member can be written but not filtered; no vendorPath, nothing. */
static json_t *virtual_fields(const struct tf_map *map, json_t *native)
{
    json_t *out = json_array();
    for (size_t i = 0; i < tf_map_field_count(map); i++) {
        const char *path, *type, *vp;
        json_t *nf = NULL, *f, *x;
        size_t j;
        tf_map_field(map, i, &path, &type, &vp);
        json_array_foreach(vp ? native : NULL, j, x) {
            if (strcmp(hub_jstr(x, "vendorPath"), vp) == 0) {
                nf = x;
                break;
            }
        }
        if (nf) {
            f = json_deep_copy(nf);
            if (type)
                json_object_set_new(f, "type", json_string(type));
        } else {
            bool known = vp && strncmp(vp, "properties.", 11) != 0;
            f = field_new(vp ? vp : "", type ? type : "string", path, false,
                          known, known);
            if (!vp)
                json_object_del(f, "vendorPath");
        }
        json_object_set_new(f, "path", json_string(path));
        json_array_append_new(out, f);
    }
    return out;
}

/* --- metadata of one object ---------------------------------------------- */

struct meta_state {
    const struct tf_map *map; /* virtual: the fields to derive */
    struct vdr_binding *ref;
};

static void meta_cleanup(void *p)
{
    struct meta_state *ms = p;
    if (ms->ref)
        vdr_binding_release(ms->ref);
    ms->ref = NULL;
}

static int meta_reply(struct hub_op *op, json_t *native)
{
    struct meta_state *ms = op->state;
    json_t *fields = ms && ms->map ? virtual_fields(ms->map, native)
                                   : json_incref(native);
    json_decref(native);
    return hub_reply(op, json_pack("{s:o}", "fields", fields));
}

static int metadata_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return meta_reply(op, fields_of(body));
}

/* The native fields of catalogue entry def (or of the HubSpot object
 * `object` when the catalogue has no such name): static, or HubSpot's
 * properties of its type; then meta_reply. */
static int metadata_of(struct hub_op *op, json_t *def, const char *object)
{
    if (def && json_object_get(def, "fields"))
        return meta_reply(op, static_fields(def));
    if (def)
        object = hub_jstr(def, "properties");
    if (!object) {
        struct meta_state *ms = op->state;
        if (ms && ms->map) /* a virtual object over one without fields */
            return meta_reply(op, json_array());
        return res_error(op->req, op->res, ED_E_NOT_FOUND,
                         "No metadata for %s: HubSpot has no properties "
                         "for it",
                         op->id);
    }
    return hub_send(op, "GET",
                    ed_arena_printf(op->req->arena, "/crm/v3/properties/%s",
                                    hub_escape(op, object)),
                    NULL, false, metadata_done);
}

/* A name outside the catalogue: a custom object's fields from its schema,
 * else HubSpot's properties of that object type. */
static int metadata_custom(struct hub_op *op, json_t *schemas)
{
    json_t *s = hub_schemas_find(schemas, op->id);
    int st = s ? meta_reply(op, schema_fields(s))
               : metadata_of(op, NULL, op->id);
    json_decref(schemas);
    return st;
}

static int metadata_schemas_done(struct hub_op *op, int status, json_t *body)
{
    return metadata_custom(op, hub_schemas_store(op, status, body));
}

static int object_metadata(struct hub_op *op)
{
    const char *object = op->id;
    const struct tf_map *map = NULL;
    struct vdr_binding *ref = NULL;
    char why[512];
    for (const char *p = object; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
            return res_error(op->req, op->res, ED_E_NOT_FOUND, "No object %s",
                             object);
    switch (vdr_resolve(op->req->app, &op->in, object, &map, &ref, why,
                        sizeof(why))) {
    case VDR_FOUND: {
        struct meta_state *ms = ed_arena_alloc(op->req->arena, sizeof(*ms));
        ms->map = map;
        ms->ref = ref;
        op->state = ms;
        op->state_cleanup = meta_cleanup;
        const char *vendor = tf_map_vendor_name(map);
        json_t *def = element_entry(op->in.el, vendor);
        if (!def) /* a HubSpot object outside the catalogue: no call */
            return meta_reply(op, json_array());
        return metadata_of(op, def, NULL);
    }
    case VDR_BROKEN:
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "The transformation %s cannot be used: %s", object,
                         why);
    case VDR_NO_TRANSFORM:
        return res_error(op->req, op->res, ED_E_NOT_FOUND,
                         "%s is defined, but has no transformation for the "
                         "element %s",
                         object, op->in.el->key);
    case VDR_NONE: break;
    }
    for (const char *p = object; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return res_error(op->req, op->res, ED_E_NOT_FOUND, "No object %s",
                             object);
    json_t *def = element_entry(op->in.el, object);
    if (def || hub_schemas_is_native(object))
        return metadata_of(op, def, object);
    json_t *schemas = hub_schemas_cached(op);
    if (schemas)
        return metadata_custom(op, schemas);
    return hub_schemas_fetch(op, metadata_schemas_done);
}

/* --- GET /objects?expand=true --------------------------------------------- */

/* Every object of the catalogue with its fields, one properties call per
 * HubSpot object type (leads share contacts'; virtual objects the fields
 * of the object they map onto). */
struct expand_state {
    struct catalogue cat;
    size_t at;       /* catalogue index whose fields are asked for */
    json_t *out;     /* the answer being built (owned until the reply) */
    json_t *seen;    /* {props type: fields} (owned) */
    json_t *schemas; /* the portal's custom objects (owned) */
};

static void expand_cleanup(void *p)
{
    struct expand_state *es = p;
    json_decref(es->out);
    json_decref(es->seen);
    es->out = es->seen = NULL;
    catalogue_free(&es->cat);
    json_decref(es->schemas);
    es->schemas = NULL;
}

static int expand_step(struct hub_op *op);

static const char *entry_props(const struct cat_entry *e)
{
    return hub_jstr(e->map ? e->native : e->def, "properties");
}

static int expand_done(struct hub_op *op, int status, json_t *body)
{
    struct expand_state *es = op->state;
    (void)status;
    json_object_set_new(es->seen, entry_props(&es->cat.e[es->at]),
                        fields_of(body));
    return expand_step(op);
}

static int expand_step(struct hub_op *op)
{
    struct expand_state *es = op->state;
    for (; es->at < es->cat.n; es->at++) {
        const struct cat_entry *e = &es->cat.e[es->at];
        json_t *def = e->map ? e->native : e->def, *native;
        const char *props = entry_props(e);
        if (e->schema) {
            native = schema_fields(e->schema);
        } else if (json_object_get(def, "fields")) {
            native = static_fields(def);
        } else if (props) {
            native = json_object_get(es->seen, props);
            if (!native)
                return hub_send(op, "GET",
                                ed_arena_printf(op->req->arena,
                                                "/crm/v3/properties/%s",
                                                hub_escape(op, props)),
                                NULL, false, expand_done);
            json_incref(native);
        } else {
            native = json_array();
        }
        json_t *fields = e->map ? virtual_fields(e->map, native)
                                : json_incref(native);
        json_decref(native);
        json_array_append_new(es->out,
                              json_pack("{s:s, s:s, s:s, s:o}", "name", e->name,
                                        "vendorName", e->vendor, "type",
                                        e->type, "fields", fields));
    }
    json_t *out = es->out;
    es->out = NULL;
    return hub_reply_list(op, out, NULL);
}

static int expand_schemas_done(struct hub_op *op, int status, json_t *body)
{
    struct expand_state *es = ed_arena_alloc(op->req->arena, sizeof(*es));
    memset(es, 0, sizeof(*es));
    es->schemas = hub_schemas_store(op, status, body);
    catalogue_build(op->req->app, &op->in, es->schemas, &es->cat);
    es->out = json_array();
    es->seen = json_object();
    op->state = es;
    op->state_cleanup = expand_cleanup;
    return expand_step(op);
}

/* The portal's custom objects first (one call), then the fields. */
static int objects_expand(struct hub_op *op)
{
    return hub_schemas_fetch(op, expand_schemas_done);
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
