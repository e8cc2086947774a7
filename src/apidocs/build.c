/* SPDX-License-Identifier: MIT
 * Building API documents (see apidocs.h): pure computation on the hub's
 * resource tables, the element definition and an instance's live data.
 * The document is Swagger 2.0; apidocs_to_openapi31 rewrites it. */
#include <stdio.h>
#include <string.h>

#include "apidocs/apidocs.h"
#include "apidocs/resources.h"
#include "core/mem.h"
#include "elements/elements.h"

const char *const apidocs_prop_objects[3] = {"contacts", "companies", "deals"};
const char *const apidocs_prop_resources[3] = {"contacts", "accounts",
                                               "opportunities"};

/* Element el's entry for `name` in its object catalogue (the element
 * definition's "objects", data: vendor name and static fields), or NULL. */
static json_t *catalogue_entry(const struct element *el, const char *name)
{
    size_t i;
    json_t *o;
    json_array_foreach(el ? element_objects(el) : NULL, i, o) {
        const char *n = json_string_value(json_object_get(o, "name"));
        if (n && strcmp(n, name) == 0)
            return o;
    }
    return NULL;
}

/* --- small helpers ---------------------------------------------------------- */

/* A short formatted string for immediate use (a key copied at once): a
 * ring of per-thread buffers. */
static const char *tmpcat(const char *a, const char *suffix)
{
    static _Thread_local char ring[4][256];
    static _Thread_local unsigned at;
    char *b = ring[at++ % 4];
    snprintf(b, sizeof(ring[0]), "%s%s", a, suffix);
    return b;
}

static bool name_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-' ||
              s[n] == '.'))
            return false;
    return n > 0 && n <= max;
}

static json_t *ref(const char *kind, const char *name)
{
    return json_pack("{s:o}", "$ref", json_sprintf("#/%s/%s", kind, name));
}

/* "Contacts" from "contacts", "TimelineEventTypes" from "timeline-...". */
static void camel(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    bool up = true;
    for (; *s && o + 1 < cap; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9'))) {
            up = true;
            continue;
        }
        if (up && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        up = false;
        out[o++] = c;
    }
    out[o] = 0;
}

/* A short string member of a HubSpot property, bounded. */
static json_t *short_str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (!s)
        return NULL;
    size_t n = strlen(s);
    return json_stringn(s, n > 256 ? 256 : n);
}

/* --- schemas ---------------------------------------------------------------- */

/* A HubSpot text as a CommonMark description (what Swagger and OpenAPI
 * say descriptions are): every ASCII punctuation character backslash-
 * escaped, so renderers show the text as it is, never markup or links.
 * At most 512 bytes of it. */
static json_t *md_text(const char *s)
{
    char out[1100];
    size_t o = 0;
    for (size_t i = 0; s[i] && i < 512 && o + 3 < sizeof(out); i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) ||
            (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
            out[o++] = '\\';
        out[o++] = (char)c;
    }
    out[o] = 0;
    /* a cut may split a UTF-8 sequence: jansson refuses it, so trim */
    json_t *v = json_string(out);
    while (!v && o > 0) {
        out[--o] = 0;
        v = json_string(out);
    }
    return v;
}

/* The schema of one HubSpot property: values are strings in HubSpot's
 * CRM v3 records whatever the property's type; the type, label and
 * description go along. */
static json_t *prop_schema(const json_t *p)
{
    json_t *s = json_pack("{s:s}", "type", "string");
    json_t *t;
    if ((t = short_str(p, "label")))
        json_object_set_new(s, "title", t);
    const char *d = json_string_value(json_object_get(p, "description"));
    if (d && *d && (t = md_text(d)))
        json_object_set_new(s, "description", t);
    if ((t = short_str(p, "type")))
        json_object_set_new(s, "x-hubspot-type", t);
    json_t *mm = json_object_get(p, "modificationMetadata");
    if (json_is_true(json_object_get(mm, "readOnlyValue")) ||
        json_is_true(json_object_get(p, "calculated")))
        json_object_set_new(s, "readOnly", json_true());
    return s;
}

/* Record and input schemas of a CRM object, from its properties (NULL:
 * unknown, any string property). */
static void crm_schemas(json_t *defs, const char *base, const json_t *props)
{
    json_t *all = json_object(), *writable = json_object();
    size_t i, n = 0;
    json_t *p;
    json_array_foreach(props, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        if (!name || !name_ok(name, 100) || n++ >= APIDOCS_MAX_PROPS)
            continue;
        json_t *s = prop_schema(p);
        if (!json_object_get(s, "readOnly"))
            json_object_set(writable, name, s);
        json_object_set_new(all, name, s);
    }
    json_t *rec_props = json_pack("{s:s, s:o}", "type", "object", "properties",
                                  all);
    json_t *in_props = json_pack("{s:s, s:o}", "type", "object", "properties",
                                 writable);
    if (!props) {
        json_object_set_new(rec_props, "additionalProperties",
                            json_pack("{s:s}", "type", "string"));
        json_object_set_new(in_props, "additionalProperties",
                            json_pack("{s:s}", "type", "string"));
    }
    json_object_set_new(
        defs, base,
        json_pack("{s:s, s:{s:{s:s}, s:o, s:{s:s, s:s}, s:{s:s, s:s}, "
                  "s:{s:s}}}",
                  "type", "object", "properties", "id", "type", "string",
                  "properties", rec_props, "createdAt", "type", "string",
                  "format", "date-time", "updatedAt", "type", "string",
                  "format", "date-time", "archived", "type", "boolean"));
    json_object_set_new(
        defs, tmpcat(base, "Input"),
        json_pack("{s:s, s:s, s:{s:o}, s:b}", "type", "object", "description",
                  "HubSpot's {\"properties\": {...}} or the same fields flat",
                  "properties", "properties", in_props, "additionalProperties",
                  1));
}

/* A field's schema: Swagger's type for the field type (arrays of any
 * value, dates as date-time strings). */
static json_t *field_schema(const char *t)
{
    if (t && (strcmp(t, "number") == 0 || strcmp(t, "boolean") == 0 ||
              strcmp(t, "object") == 0))
        return json_pack("{s:s}", "type", t);
    if (t && strcmp(t, "array") == 0)
        return json_pack("{s:s, s:{}}", "type", "array", "items");
    if (t && strcmp(t, "date") == 0)
        return json_pack("{s:s, s:s}", "type", "string", "format", "date-time");
    return json_pack("{s:s}", "type", "string");
}

/* An object schema of fields whose `key` member (path or vendorPath) may
 * be dotted (nested objects); with writable, only the fields that are
 * createable or updateable. */
static json_t *paths_schema(const json_t *fields, const char *key,
                            bool writable)
{
    json_t *root = json_object(), *f;
    size_t i;
    json_array_foreach(fields, i, f) {
        const char *path = json_string_value(json_object_get(f, key));
        if (!path || i >= APIDOCS_MAX_FIELDS || strlen(path) > 200)
            continue;
        if (writable && !json_is_true(json_object_get(f, "createable")) &&
            !json_is_true(json_object_get(f, "updateable")))
            continue;
        json_t *at = root;
        char seg[201];
        const char *p = path;
        for (int depth = 0; depth < 16; depth++) {
            const char *dot = strchr(p, '.');
            size_t n = dot ? (size_t)(dot - p) : strlen(p);
            if (n == 0 || n >= sizeof(seg))
                break;
            memcpy(seg, p, n);
            seg[n] = 0;
            if (!dot) {
                json_t *s = field_schema(
                    json_string_value(json_object_get(f, "type")));
                json_t *vp = short_str(f, "vendorPath");
                if (vp && strcmp(key, "vendorPath") != 0)
                    json_object_set_new(s, "x-vendorPath", vp);
                else
                    json_decref(vp);
                json_object_set_new(at, seg, s);
                break;
            }
            json_t *sub = json_object_get(at, seg);
            if (!json_is_object(json_object_get(sub, "properties"))) {
                sub = json_pack("{s:s, s:{}}", "type", "object", "properties");
                json_object_set_new(at, seg, sub);
            }
            at = json_object_get(sub, "properties");
            p = dot + 1;
        }
    }
    return json_pack("{s:s, s:o}", "type", "object", "properties", root);
}

/* A virtual resource: its fields (paths may be dotted: nested objects). */
static void virtual_schemas(json_t *defs, const char *base, const json_t *tf)
{
    json_t *s = paths_schema(json_object_get(tf, "fields"), "path", false);
    json_object_set_new(defs, tmpcat(base, "Input"), json_deep_copy(s));
    json_object_set_new(defs, base, s);
}

/* A catalogue object with static fields (the element definition's data:
 * lists, files, forms, owners...): the record has every field, the input
 * those that can be written. */
static void static_schemas(json_t *defs, const char *base, const json_t *fields)
{
    json_object_set_new(defs, base, paths_schema(fields, "vendorPath", false));
    json_object_set_new(defs, tmpcat(base, "Input"),
                        paths_schema(fields, "vendorPath", true));
}

/* --- operations ------------------------------------------------------------- */

struct ctx {
    json_t *doc, *paths, *defs;
    const char *hub;
    json_t *op_ids; /* operationIds used */
};

static json_t *qparam(const char *name, const char *type, const char *desc)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:s}", "name", name, "in", "query",
                     "type", type, "required", 0, "description", desc);
}

static const char *op_id(struct ctx *c, const char *method, const char *path)
{
    char cm[128], buf[192];
    camel(path, cm, sizeof(cm));
    snprintf(buf, sizeof(buf), "%s%s", method, cm);
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] >= 'A' && buf[i] <= 'Z' && i < strlen(method))
            buf[i] = (char)(buf[i] - 'A' + 'a');
    const char *id = buf;
    char alt[200];
    for (int k = 2; json_object_get(c->op_ids, id) && k < 1000; k++) {
        snprintf(alt, sizeof(alt), "%s%d", buf, k);
        id = alt;
    }
    json_object_set_new(c->op_ids, id, json_true());
    return tmpcat(id, "");
}

/* A schema: NULL → dflt (a definition name, or any object when NULL),
 * "" → any object, else that definition. */
static json_t *schema_of(const char *name, const char *dflt)
{
    if (!name)
        name = dflt;
    if (!name || !*name)
        return json_pack("{s:s}", "type", "object");
    return ref("definitions", name);
}

/* Query parameters "a,b!" ("!": required): the shared ones by $ref. */
static void add_query(json_t *params, const char *list, bool have_where)
{
    char name[64];
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool req = n > 0 && p[n - 1] == '!';
        size_t k = req ? n - 1 : n;
        if (k > 0 && k < sizeof(name)) {
            memcpy(name, p, k);
            name[k] = 0;
            bool shared = strcmp(name, "where") == 0 ||
                          strcmp(name, "fields") == 0;
            if (shared && !have_where && !req)
                json_array_append_new(params, ref("parameters", name));
            else if (!shared || req)
                json_array_append_new(params,
                                      json_pack("{s:s, s:s, s:s, s:b}", "name",
                                                name, "in", "query", "type",
                                                "string", "required", req));
        }
        p = e ? e + 1 : NULL;
    }
}

/* One operation o at /hubs/{hub}{path}, tagged tag; record: the
 * resource's record definition (NULL: none). */
static void add_op(struct ctx *c, const char *tag, const char *path,
                   const struct doc_op *o, const char *summary,
                   const char *record)
{
    char full[512], lm[8];
    snprintf(full, sizeof(full), "/hubs/%s%s", c->hub, path);
    size_t i = 0;
    for (; o->method[i] && i + 1 < sizeof(lm); i++)
        lm[i] = (char)(o->method[i] >= 'A' && o->method[i] <= 'Z'
                           ? o->method[i] - 'A' + 'a'
                           : o->method[i]);
    lm[i] = 0;
    json_t *item = json_object_get(c->paths, full);
    if (!item) {
        item = json_object();
        json_object_set_new(c->paths, full, item);
    }
    json_t *params = json_array();
    /* path parameters, in order */
    for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        if (!e)
            break;
        json_array_append_new(params,
                              json_pack("{s:s%, s:s, s:b, s:s}", "name", p + 1,
                                        (size_t)(e - p - 1), "in", "path",
                                        "required", 1, "type", "string"));
    }
    if (!(o->flags & F_NOTHUB))
        json_array_append_new(params,
                              ref("parameters", "ElementsAsyncRequest"));
    if (!(o->flags & F_NOTHUB) || (o->flags & F_CALLBACK))
        json_array_append_new(params,
                              ref("parameters", "ElementsAsyncCallbackUrl"));
    if (o->flags & F_SCHEDULE)
        json_array_append_new(params, ref("parameters", "ElementsSchedule"));
    json_t *ok_schema = schema_of(o->schema, record);
    json_t *ok = json_pack("{s:s, s:{s:{s:s, s:s}}}", "description", "OK",
                           "headers", "Elements-Request-Id", "type", "string",
                           "description", "The request's id");
    if (o->kind == X_LIST && !(o->flags & F_NOPAGE)) {
        json_array_append_new(params, ref("parameters", "pageSize"));
        if (!(o->flags & F_PAGETOKEN))
            json_array_append_new(params, ref("parameters", "page"));
        json_array_append_new(params, ref("parameters", "nextPage"));
    }
    if (o->flags & F_WHERE) {
        json_array_append_new(params, ref("parameters", "where"));
        json_array_append_new(params, ref("parameters", "orderBy"));
        json_array_append_new(params, ref("parameters", "fields"));
    }
    add_query(params, o->query, (o->flags & F_WHERE) != 0);
    if (o->kind == X_LIST || o->kind == X_ARRAY) {
        json_t *h = json_object_get(ok, "headers");
        json_object_set_new(h, "Elements-Returned-Count",
                            json_pack("{s:s}", "type", "integer"));
        if (o->kind == X_LIST)
            json_object_set_new(h, "Elements-Next-Page-Token",
                                json_pack("{s:s}", "type", "string"));
        ok_schema = json_pack("{s:s, s:o}", "type", "array", "items",
                              ok_schema);
    }
    if (o->kind == X_DELETE)
        json_decref(ok_schema);
    else
        json_object_set_new(ok, "schema", ok_schema);
    json_t *op = json_object();
    if (o->flags & F_MULTIPART) {
        json_object_set_new(op, "consumes",
                            json_pack("[s]", "multipart/form-data"));
        json_array_append_new(params, json_pack("{s:s, s:s, s:s, s:b}", "name",
                                                "file", "in", "formData",
                                                "type", "file", "required", 1));
        if (o->flags & F_METADATA)
            json_array_append_new(params,
                                  json_pack("{s:s, s:s, s:s, s:b, s:s}", "name",
                                            "metaData", "in", "formData",
                                            "type", "string", "required", 0,
                                            "description",
                                            "JSON options of the upload"));
    } else if (o->kind == X_CREATE || o->kind == X_UPDATE) {
        const char *in = o->input;
        char dflt[160];
        snprintf(dflt, sizeof(dflt), "%sInput", record ? record : "");
        json_array_append_new(params,
                              json_pack("{s:s, s:s, s:b, s:o}", "name", "body",
                                        "in", "body", "required", 1, "schema",
                                        schema_of(in, record ? dflt : NULL)));
    }
    if (o->flags & F_CSV)
        json_object_set_new(op, "produces",
                            json_pack("[s,s]", "application/json", "text/csv"));
    json_t *responses = json_pack("{s:o}", "200", ok);
    static const char *const errs[] = {"400", "401", "403", "404",
                                       "429", "502", "504"};
    for (size_t k = 0; k < sizeof(errs) / sizeof(errs[0]); k++)
        json_object_set_new(responses, errs[k], ref("responses", "Error"));
    json_object_set_new(op, "tags", json_pack("[s]", tag));
    json_object_set_new(op, "summary",
                        json_string(o->summary ? o->summary : summary));
    json_object_set_new(op, "operationId", json_string(op_id(c, lm, path)));
    json_object_set_new(op, "parameters", params);
    json_object_set_new(op, "responses", responses);
    json_object_set_new(item, lm, op);
}

/* "@" in s replaced by child (bounded copy into out). */
static const char *fill_child(const char *s, const char *child, char *out,
                              size_t cap)
{
    size_t o = 0;
    for (; s && *s && o + 1 < cap; s++) {
        if (*s != '@') {
            out[o++] = *s;
            continue;
        }
        for (const char *k = child; *k && o + 1 < cap; k++)
            out[o++] = *k;
    }
    out[o] = 0;
    return s ? out : NULL;
}

/* The operations of resource `name` (record: its record definition). */
static void add_resource(struct ctx *c, const char *name, const char *record,
                         const char *summary, const struct doc_op *const *ops)
{
    for (size_t t = 0; t < DOC_RES_OPS && ops[t]; t++)
        for (const struct doc_op *o = ops[t]; o->method; o++) {
            char p[300];
            snprintf(p, sizeof(p), "/%s%s", name, o->path);
            add_op(c, name, p, o, summary, record);
        }
}

/* A parent's children through associations: every A_CHILD row of the
 * document other than the parent. */
static void add_children(struct ctx *c, const struct doc_res *parent)
{
    for (size_t i = 0; i < apidocs_n_resources; i++) {
        const struct doc_res *ch = &apidocs_resources[i];
        if (!(ch->assoc & A_CHILD) || ch == parent ||
            apidocs_resource(ch->name, c->hub) != ch)
            continue;
        char rec[128];
        camel(ch->name, rec, sizeof(rec));
        for (const struct doc_op *o = apidocs_assoc_ops; o->method; o++) {
            char sub[200], p[300], sum[200];
            struct doc_op x = *o;
            x.path = fill_child(o->path, ch->name, sub, sizeof(sub));
            x.summary = fill_child(o->summary, ch->name, sum, sizeof(sum));
            snprintf(p, sizeof(p), "/%s%s", parent->name, x.path);
            add_op(c, parent->name, p, &x, x.summary, rec);
        }
    }
}

/* --- the shared parts ------------------------------------------------------- */

static json_t *shared_parameters(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "pageSize",
                        qparam("pageSize", "integer",
                               "Records per page (default and maximum 100)"));
    json_object_set_new(p, "page",
                        qparam("page", "integer",
                               "1-based page number (pageSize records each)"));
    json_object_set_new(
        p, "nextPage",
        qparam("nextPage", "string",
               "The Elements-Next-Page-Token of the previous page"));
    json_object_set_new(p, "where",
                        qparam("where", "string",
                               "CEQL: e.g. email = 'a@example.com' AND "
                               "createdate > '2024-01-01'"));
    json_object_set_new(p, "orderBy",
                        qparam("orderBy", "string", "field [asc|desc]"));
    json_object_set_new(p, "fields",
                        qparam("fields", "string",
                               "Comma-separated fields to return"));
    json_object_set_new(
        p, "ElementsAsyncRequest",
        json_pack("{s:s, s:s, s:s, s:[s,s], s:b, s:s}", "name",
                  "Elements-Async-Request", "in", "header", "type", "string",
                  "enum", "true", "false", "required", 0, "description",
                  "true: answer {eventId, eventStatus} at once and POST the "
                  "result to Elements-Async-Callback-Url"));
    json_object_set_new(
        p, "ElementsAsyncCallbackUrl",
        json_pack("{s:s, s:s, s:s, s:b, s:s}", "name",
                  "Elements-Async-Callback-Url", "in", "header", "type",
                  "string", "required", 0, "description",
                  "Where the result of an asynchronous call is sent"));
    json_object_set_new(
        p, "ElementsSchedule",
        json_pack("{s:s, s:s, s:s, s:b, s:s}", "name",
                  "Elements-Schedule-Request", "in", "header", "type", "string",
                  "required", 0, "description",
                  "A Quartz cron expression: run on this schedule"));
    return p;
}

static json_t *info_of(const struct element *el, const char *hub,
                       const struct apidocs_live *live)
{
    const char *title = el ? el->name : hub;
    json_t *desc = json_object_get(el ? el->object : NULL, "description");
    char t[256];
    if (live)
        snprintf(t, sizeof(t), "%s (instance %lld)", title, live->instance_id);
    else if (el)
        snprintf(t, sizeof(t), "%s", title);
    else
        snprintf(t, sizeof(t), "The %s hub", hub);
    json_t *info = json_pack("{s:s, s:s}", "title", t, "version", "2");
    json_object_set_new(
        info, "description",
        json_sprintf("%s\n\nHub calls of elementsd (Cloud Elements API v2). "
                     "Authorization: `User <secret>, Organization <secret>, "
                     "Element <token>`. Errors are "
                     "{requestId, message[, providerMessage]}.",
                     json_is_string(desc) ? json_string_value(desc) : ""));
    return info;
}

json_t *apidocs_build(const struct element *el, const char *hub,
                      const struct apidocs_live *live)
{
    struct ctx c;
    c.doc = json_object();
    c.paths = json_object();
    c.defs = json_object();
    c.hub = hub;
    c.op_ids = json_object();
    json_object_set_new(c.doc, "swagger", json_string("2.0"));
    json_object_set_new(c.doc, "info", info_of(el, hub, live));
    json_object_set_new(c.doc, "basePath", json_string("/elements/api-v2"));
    json_object_set_new(c.doc, "consumes",
                        json_pack("[s]", "application/json"));
    json_object_set_new(c.doc, "produces",
                        json_pack("[s]", "application/json"));
    json_object_set_new(
        c.doc, "securityDefinitions",
        json_pack("{s:{s:s, s:s, s:s, s:s}}", "elements", "type", "apiKey",
                  "in", "header", "name", "Authorization", "description",
                  "User <userSecret>, Organization <organizationSecret>, "
                  "Element <instanceToken>"));
    json_object_set_new(c.doc, "security", json_pack("[{s:[]}]", "elements"));
    json_object_set_new(c.doc, "parameters", shared_parameters());
    json_object_set_new(
        c.defs, "Error",
        json_pack("{s:s, s:[s,s], s:{s:{s:s}, s:{s:s}, s:{s:s}}}", "type",
                  "object", "required", "requestId", "message", "properties",
                  "requestId", "type", "string", "message", "type", "string",
                  "providerMessage", "type", "string"));
    json_object_set_new(c.defs, "Activities",
                        json_pack("{s:s}", "type", "object"));
    json_object_set_new(c.doc, "responses",
                        json_pack("{s:{s:s, s:o}}", "Error", "description",
                                  "The error envelope", "schema",
                                  ref("definitions", "Error")));

    for (size_t i = 0; i < apidocs_n_static_defs; i++) {
        json_error_t je;
        json_t *v = json_loads(apidocs_static_defs[i].json, 0, &je);
        if (v)
            json_object_set_new(c.defs, apidocs_static_defs[i].name, v);
    }

    /* every resource row of this hub (resources.c), in order: the
     * operations the hub answers, with schemas from the element's
     * catalogue or the portal's properties */
    json_t *seen = json_object();
    for (size_t i = 0; i < apidocs_n_resources; i++) {
        const struct doc_res *d = &apidocs_resources[i];
        if (apidocs_resource(d->name, hub) != d)
            continue; /* another hub's, or shadowed by an earlier row */
        json_object_set_new(seen, d->name, json_true());
        json_t *ce = catalogue_entry(el, d->name);
        json_t *fields = json_object_get(ce, "fields");
        char base[128];
        camel(d->name, base, sizeof(base));
        const char *record = base;
        if (d->schema == S_CRM) {
            crm_schemas(c.defs, base,
                        live && d->props >= 0 ? live->props[d->props] : NULL);
        } else if (d->schema == S_CATALOGUE && json_is_array(fields)) {
            static_schemas(c.defs, base, fields);
        } else if (d->schema == S_CATALOGUE) {
            json_object_set_new(c.defs, base,
                                json_pack("{s:s}", "type", "object"));
            json_object_set_new(c.defs, tmpcat(base, "Input"),
                                json_pack("{s:s}", "type", "object"));
        } else {
            record = NULL;
        }
        add_resource(&c, d->name, record, d->summary, d->ops);
        if (d->assoc & A_PARENT)
            add_children(&c, d);
    }
    /* the instance's virtual resources */
    const char *vname;
    json_t *tf;
    size_t nv = 0;
    json_object_foreach((json_t *)(live ? live->virtuals : NULL), vname, tf) {
        if (nv++ >= APIDOCS_MAX_VIRTUALS || !name_ok(vname, 100) ||
            json_object_get(seen, vname))
            continue;
        json_object_set_new(seen, vname, json_true());
        char base[128];
        camel(vname, base, sizeof(base));
        char vbase[140];
        snprintf(vbase, sizeof(vbase), "V%s", base);
        virtual_schemas(c.defs, vbase, tf);
        char summary[160];
        snprintf(summary, sizeof(summary), "Virtual resource %s", vname);
        add_resource(&c, vname, vbase, summary, apidocs_virtual_ops);
    }
    json_decref(seen);
    json_decref(c.op_ids);
    json_object_set_new(c.doc, "paths", c.paths);
    json_object_set_new(c.doc, "definitions", c.defs);
    return c.doc;
}

/* --- OpenAPI 3.1 ------------------------------------------------------------ */

/* Rewrite $refs in place: #/definitions/ → #/components/schemas/, ... */
static void fix_refs(json_t *v, int depth)
{
    if (depth > 64)
        return;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
            fix_refs(e, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *r = json_string_value(json_object_get(v, "$ref"));
    if (r) {
        static const struct {
            const char *from, *to;
        } m[] = {{"#/definitions/", "#/components/schemas/"},
                 {"#/parameters/", "#/components/parameters/"},
                 {"#/responses/", "#/components/responses/"}};
        for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
            size_t n = strlen(m[i].from);
            if (strncmp(r, m[i].from, n) == 0) {
                json_object_set_new(v, "$ref",
                                    json_sprintf("%s%s", m[i].to, r + n));
                break;
            }
        }
    }
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
        fix_refs(e, depth + 1);
}

/* A Swagger 2.0 non-body parameter → OpenAPI 3 (type etc. into schema). */
static json_t *param3(const json_t *p)
{
    if (json_object_get(p, "$ref"))
        return json_deep_copy(p);
    json_t *o = json_object(), *schema = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)p, k, v) {
        if (strcmp(k, "type") == 0 || strcmp(k, "enum") == 0 ||
            strcmp(k, "format") == 0)
            json_object_set(schema, k, v);
        else
            json_object_set(o, k, v);
    }
    json_object_set_new(o, "schema", schema);
    return o;
}

static json_t *response3(const json_t *r)
{
    if (json_object_get(r, "$ref"))
        return json_deep_copy(r);
    json_t *o = json_pack("{s:O}", "description",
                          json_object_get(r, "description"));
    json_t *s = json_object_get(r, "schema");
    if (s)
        json_object_set_new(o, "content",
                            json_pack("{s:{s:O}}", "application/json", "schema",
                                      s));
    json_t *h = json_object_get(r, "headers");
    if (h) {
        json_t *hs = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(h, k, v) {
            json_t *one = json_object(), *sch = json_object();
            const char *kk;
            json_t *vv;
            json_object_foreach(v, kk, vv) {
                if (strcmp(kk, "description") == 0)
                    json_object_set(one, kk, vv);
                else
                    json_object_set(sch, kk, vv);
            }
            json_object_set_new(one, "schema", sch);
            json_object_set_new(hs, k, one);
        }
        json_object_set_new(o, "headers", hs);
    }
    return o;
}

json_t *apidocs_to_openapi31(const json_t *sw0)
{
    json_t *sw = json_deep_copy(sw0); /* fix_refs rewrites what it shares */
    json_t *doc = json_pack("{s:s, s:O, s:[{s:O}]}", "openapi", "3.1.0", "info",
                            json_object_get(sw, "info"), "servers", "url",
                            json_object_get(sw, "basePath"));
    json_t *comp = json_object(), *params = json_object(),
           *resp = json_object();
    const char *k;
    json_t *v;
    json_object_set(comp, "schemas", json_object_get(sw, "definitions"));
    json_object_foreach(json_object_get(sw, "parameters"), k, v)
        json_object_set_new(params, k, param3(v));
    json_object_foreach(json_object_get(sw, "responses"), k, v)
        json_object_set_new(resp, k, response3(v));
    json_object_set_new(comp, "parameters", params);
    json_object_set_new(comp, "responses", resp);
    json_object_set(comp, "securitySchemes",
                    json_object_get(sw, "securityDefinitions"));
    json_object_set(doc, "security", json_object_get(sw, "security"));
    json_t *paths = json_object();
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(sw, "paths"), path, item) {
        json_t *item3 = json_object();
        const char *m;
        json_t *op;
        json_object_foreach(item, m, op) {
            json_t *op3 = json_object(), *ps = json_array(), *p;
            size_t i;
            json_t *form = NULL, *form_req = json_array();
            json_object_foreach(op, k, v) {
                if (strcmp(k, "parameters") != 0 &&
                    strcmp(k, "responses") != 0 && strcmp(k, "consumes") != 0 &&
                    strcmp(k, "produces") != 0)
                    json_object_set(op3, k, v);
            }
            json_array_foreach(json_object_get(op, "parameters"), i, p) {
                const char *in = json_string_value(json_object_get(p, "in"));
                const char *pn = json_string_value(json_object_get(p, "name"));
                if (in && strcmp(in, "body") == 0) {
                    json_object_set_new(
                        op3, "requestBody",
                        json_pack("{s:b, s:{s:{s:O}}}", "required", 1,
                                  "content", "application/json", "schema",
                                  json_object_get(p, "schema")));
                } else if (in && pn && strcmp(in, "formData") == 0) {
                    /* multipart parts: a file is a binary string */
                    if (!form)
                        form = json_object();
                    const char *t = json_string_value(
                        json_object_get(p, "type"));
                    json_object_set_new(
                        form, pn,
                        t && strcmp(t, "file") == 0
                            ? json_pack("{s:s, s:s}", "type", "string",
                                        "format", "binary")
                            : json_pack("{s:s}", "type", "string"));
                    if (json_is_true(json_object_get(p, "required")))
                        json_array_append_new(form_req, json_string(pn));
                } else {
                    json_array_append_new(ps, param3(p));
                }
            }
            if (form)
                json_object_set_new(
                    op3, "requestBody",
                    json_pack("{s:b, s:{s:{s:{s:s, s:o, s:O}}}}", "required", 1,
                              "content", "multipart/form-data", "schema",
                              "type", "object", "properties", form, "required",
                              form_req));
            json_decref(form_req);
            json_object_set_new(op3, "parameters", ps);
            json_t *rs = json_object();
            json_object_foreach(json_object_get(op, "responses"), k, v)
                json_object_set_new(rs, k, response3(v));
            json_object_set_new(op3, "responses", rs);
            json_object_set_new(item3, m, op3);
        }
        json_object_set_new(paths, path, item3);
    }
    json_object_set_new(doc, "paths", paths);
    json_object_set_new(doc, "components", comp);
    fix_refs(doc, 0);
    json_decref(sw);
    return doc;
}
