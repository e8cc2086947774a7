/* SPDX-License-Identifier: MIT
 * Element catalogue: parses the compiled-in definitions, validates every
 * field the API relies on (so a broken definition stops the server at start
 * rather than failing a request), and answers lookups by key or id. */
#include "elements/elements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "core/mem.h"
#include "core/strparse.h"

extern const struct ed_embed ed_element_defs[];

#define MAX_ELEMENTS 32

struct elements {
    struct element items[MAX_ELEMENTS];
    size_t n;
    json_t *hubs;
};

static const char *const object_strings[] = {"name",  "hookName",
                                             "key",   "description",
                                             "image", "configDescription",
                                             "hub",   "protocolType",
                                             NULL};
static const char *const object_bools[] = {"active",
                                           "deleted",
                                           "typeOauth",
                                           "trialAccount",
                                           "transformationsEnabled",
                                           "bulkDownloadEnabled",
                                           "bulkUploadEnabled",
                                           "cloneable",
                                           "extendable",
                                           "beta",
                                           "extended",
                                           "private",
                                           NULL};
static const char *const object_arrays[] = {"defaultTransformations",
                                            "objectMetadata", "parameters",
                                            NULL};
static const char *const config_types[] = {"TEXTFIELD_32",   "TEXTFIELD_128",
                                           "TEXTFIELD_1000", "TEXTAREA",
                                           "PASSWORD",       "BOOLEAN",
                                           "SELECTION",      NULL};
static const char *const oauth_paths[] = {"authorizePath",
                                          "legacyAuthorizePath",
                                          "tokenPath",
                                          "introspectPath",
                                          "revokePath",
                                          "legacyRefreshPath",
                                          "legacyVerifyPath",
                                          "privateAppInfoPath",
                                          "defaultScope",
                                          "emptyScope",
                                          NULL};

#define FAIL(...)                                                              \
    do {                                                                       \
        snprintf(why, why_len, __VA_ARGS__);                                   \
        return ED_ERR_INVALID;                                                 \
    } while (0)

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static enum ed_err validate_config(json_t *cfg, char *why, size_t why_len)
{
    size_t i, j;
    json_t *c, *a;
    if (!json_is_array(cfg) || json_array_size(cfg) == 0)
        FAIL("configuration must be a non-empty array");
    json_array_foreach(cfg, i, c) {
        const char *key = json_string_value(json_object_get(c, "key"));
        const char *type = json_string_value(json_object_get(c, "type"));
        json_t *dv = json_object_get(c, "defaultValue");
        json_t *auth = json_object_get(c, "authenticationTypes");
        if (!key || !*key)
            FAIL("configuration[%zu]: missing key", i);
        if (!json_is_string(json_object_get(c, "name")) ||
            !json_is_string(json_object_get(c, "description")))
            FAIL("configuration %s: name and description required", key);
        if (!type || !in_list(type, config_types))
            FAIL("configuration %s: bad type", key);
        if (!json_is_boolean(json_object_get(c, "required")))
            FAIL("configuration %s: required must be a boolean", key);
        if (dv && !json_is_string(dv))
            FAIL("configuration %s: defaultValue must be a string", key);
        if (!json_is_array(auth) || json_array_size(auth) == 0)
            FAIL("configuration %s: authenticationTypes required", key);
        json_array_foreach(auth, j, a) {
            if (!json_is_string(a))
                FAIL("configuration %s: bad authenticationTypes", key);
        }
        for (size_t k = 0; k < i; k++) {
            const char *other = json_string_value(
                json_object_get(json_array_get(cfg, k), "key"));
            if (other && strcmp(other, key) == 0)
                FAIL("configuration %s: duplicate key", key);
        }
    }
    return ED_OK;
}

/* The feature flags are data (docs/api/elements.md names the feature behind
 * each): the element object and the metadata must say the same thing, so a
 * feature is switched on in one place of one file, not half-advertised. */
static enum ed_err validate_features(json_t *obj, json_t *meta, char *why,
                                     size_t why_len)
{
    json_t *events = json_object_get(meta, "events");
    json_t *bulk = json_object_get(meta, "bulk");
    json_t *methods = json_object_get(events, "methods"), *m;
    size_t i;
    if (!json_is_boolean(json_object_get(events, "supported")) ||
        !json_is_array(methods))
        FAIL("metadata.events needs supported (boolean) and methods (array)");
    json_array_foreach(methods, i, m) {
        if (!json_is_string(m))
            FAIL("metadata.events.methods must hold strings");
    }
    if (json_is_true(json_object_get(events, "supported")) !=
        (json_array_size(methods) > 0))
        FAIL("metadata.events.supported must be true exactly when "
             "metadata.events.methods is not empty");
    if (!json_is_boolean(json_object_get(bulk, "upload")) ||
        !json_is_boolean(json_object_get(bulk, "download")))
        FAIL(
            "metadata.bulk.upload and metadata.bulk.download must be booleans");
    if (json_is_true(json_object_get(bulk, "upload")) !=
            json_is_true(json_object_get(obj, "bulkUploadEnabled")) ||
        json_is_true(json_object_get(bulk, "download")) !=
            json_is_true(json_object_get(obj, "bulkDownloadEnabled")))
        FAIL("metadata.bulk must agree with element.bulkUploadEnabled and "
             "element.bulkDownloadEnabled");
    return ED_OK;
}

/* The object catalogue (/objects): each entry a name of [a-z0-9_-] (unique),
 * its vendorName, type ceCanonical or vendor, optionally the HubSpot
 * properties type its fields come from, or a static list of fields. */
static const char *const field_types[] = {"string", "number", "boolean", "date",
                                          "array",  "object", NULL};
static const char *const field_flags[] = {"filterable", "createable",
                                          "updateable", NULL};

static enum ed_err validate_objects(json_t *objs, char *why, size_t why_len)
{
    size_t i, j;
    json_t *o, *f;
    if (!json_is_array(objs) || json_array_size(objs) == 0)
        FAIL("objects must be a non-empty array");
    json_array_foreach(objs, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        const char *type = json_string_value(json_object_get(o, "type"));
        json_t *props = json_object_get(o, "properties");
        json_t *fields = json_object_get(o, "fields");
        if (!name || !*name || strlen(name) > 64 ||
            strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") !=
                strlen(name))
            FAIL("objects[%zu].name must be 1 to 64 of [a-z0-9_-]", i);
        if (!json_is_string(json_object_get(o, "vendorName")) || !type ||
            (strcmp(type, "ceCanonical") != 0 && strcmp(type, "vendor") != 0))
            FAIL("objects %s: vendorName and type (ceCanonical or vendor) "
                 "required",
                 name);
        if ((props && !json_is_string(props)) || (fields && props) ||
            (fields && !json_is_array(fields)))
            FAIL("objects %s: properties (a string) or fields (an array)",
                 name);
        json_array_foreach(fields, j, f) {
            const char *ft = json_string_value(json_object_get(f, "type"));
            if (!json_is_string(json_object_get(f, "vendorPath")) ||
                !json_is_string(json_object_get(f, "vendorDisplayName")) ||
                !ft || !in_list(ft, field_types))
                FAIL("objects %s: fields[%zu] needs vendorPath, "
                     "vendorDisplayName and a known type",
                     name, j);
            for (size_t k = 0; field_flags[k]; k++)
                if (!json_is_boolean(json_object_get(f, field_flags[k])))
                    FAIL("objects %s: fields[%zu].%s must be a boolean", name,
                         j, field_flags[k]);
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(
                           json_object_get(json_array_get(objs, k), "name")),
                       name) == 0)
                FAIL("objects %s: duplicate name", name);
    }
    return ED_OK;
}

enum ed_err elements_validate_def(json_t *def, char *why, size_t why_len)
{
    json_t *obj = json_object_get(def, "element");
    json_t *oauth = json_object_get(def, "oauth");
    json_t *meta = json_object_get(def, "metadata");
    if (!json_is_object(def))
        FAIL("definition must be an object");
    if (!json_is_object(obj))
        FAIL("missing element object");
    if (!json_is_integer(json_object_get(obj, "id")) ||
        json_integer_value(json_object_get(obj, "id")) <= 0)
        FAIL("element.id must be a positive integer");
    for (size_t i = 0; object_strings[i]; i++)
        if (!json_is_string(json_object_get(obj, object_strings[i])))
            FAIL("element.%s must be a string", object_strings[i]);
    for (size_t i = 0; object_bools[i]; i++)
        if (!json_is_boolean(json_object_get(obj, object_bools[i])))
            FAIL("element.%s must be a boolean", object_bools[i]);
    for (size_t i = 0; object_arrays[i]; i++)
        if (!json_is_array(json_object_get(obj, object_arrays[i])))
            FAIL("element.%s must be an array", object_arrays[i]);
    if (!json_is_string(
            json_object_get(json_object_get(obj, "authentication"), "type")))
        FAIL("element.authentication.type must be a string");
    if (!json_is_array(json_object_get(def, "authenticationTypes")))
        FAIL("authenticationTypes must be an array");
    if (!json_is_object(oauth))
        FAIL("missing oauth settings");
    for (size_t i = 0; oauth_paths[i]; i++)
        if (!json_is_string(json_object_get(oauth, oauth_paths[i])))
            FAIL("oauth.%s must be a string", oauth_paths[i]);
    if (!json_is_object(meta) ||
        !json_is_object(json_object_get(meta, "events")) ||
        !json_is_object(json_object_get(meta, "bulk")) ||
        !json_is_object(json_object_get(meta, "discovery")))
        FAIL("metadata.events, metadata.bulk and metadata.discovery required");
    if (validate_features(obj, meta, why, why_len) != ED_OK)
        return ED_ERR_INVALID;
    if (validate_objects(json_object_get(def, "objects"), why, why_len) !=
        ED_OK)
        return ED_ERR_INVALID;
    return validate_config(json_object_get(def, "configuration"), why, why_len);
}

static enum ed_err add_element(struct elements *e, const struct ed_embed *f,
                               char **why)
{
    char msg[256];
    json_error_t jerr;
    json_t *def = json_loadb((const char *)f->data, f->len, 0, &jerr);
    if (!def) {
        *why = ed_asprintf("%s: %s (line %d)", f->name, jerr.text, jerr.line);
        return ED_ERR_INVALID;
    }
    if (elements_validate_def(def, msg, sizeof(msg)) != ED_OK) {
        *why = ed_asprintf("%s: %s", f->name, msg);
        json_decref(def);
        return ED_ERR_INVALID;
    }
    if (e->n == MAX_ELEMENTS) {
        *why = ed_asprintf("%s: too many elements", f->name);
        json_decref(def);
        return ED_ERR_TOO_LARGE;
    }
    struct element *el = &e->items[e->n];
    el->def = def;
    el->object = json_object_get(def, "element");
    el->config = json_object_get(def, "configuration");
    el->oauth = json_object_get(def, "oauth");
    el->id = json_integer_value(json_object_get(el->object, "id"));
    el->key = json_string_value(json_object_get(el->object, "key"));
    el->name = json_string_value(json_object_get(el->object, "name"));
    el->hub = json_string_value(json_object_get(el->object, "hub"));
    for (size_t i = 0; i < e->n; i++) {
        if (e->items[i].id == el->id || strcmp(e->items[i].key, el->key) == 0) {
            *why = ed_asprintf("%s: duplicate element id or key", f->name);
            json_decref(def);
            return ED_ERR_INVALID;
        }
    }
    e->n++;
    return ED_OK;
}

enum ed_err elements_load(struct elements **out, char **why)
{
    struct elements *e = ed_calloc(1, sizeof(*e));
    enum ed_err err = ED_OK;
    *why = NULL;
    for (const struct ed_embed *f = ed_element_defs; f->name; f++) {
        if (strcmp(f->name, "hubs.json") == 0) {
            json_error_t jerr;
            e->hubs = json_loadb((const char *)f->data, f->len, 0, &jerr);
            if (!json_is_array(e->hubs)) {
                *why = ed_asprintf("hubs.json: not an array");
                err = ED_ERR_INVALID;
                goto out;
            }
            continue;
        }
        if ((err = add_element(e, f, why)))
            goto out;
    }
    if (!e->hubs || e->n == 0) {
        *why = ed_asprintf("no element definitions compiled in");
        err = ED_ERR_INVALID;
    }
out:
    if (err) {
        elements_free(e);
        return err;
    }
    *out = e;
    return ED_OK;
}

void elements_free(struct elements *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n; i++)
        json_decref(e->items[i].def);
    json_decref(e->hubs);
    free(e);
}

size_t elements_count(const struct elements *e)
{
    return e->n;
}

const struct element *elements_at(const struct elements *e, size_t i)
{
    return i < e->n ? &e->items[i] : NULL;
}

const struct element *elements_find(const struct elements *e,
                                    const char *key_or_id)
{
    uint64_t id = 0;
    bool numeric = ed_parse_u64(key_or_id, INT64_MAX, &id);
    for (size_t i = 0; i < e->n; i++) {
        if (numeric ? e->items[i].id == (int64_t)id
                    : strcmp(e->items[i].key, key_or_id) == 0)
            return &e->items[i];
    }
    return NULL;
}

json_t *elements_hubs(const struct elements *e)
{
    return e->hubs;
}

json_t *element_config_def(const struct element *el, const char *key)
{
    size_t i;
    json_t *c;
    json_array_foreach(el->config, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "key")), key) == 0)
            return c;
    }
    return NULL;
}

bool element_config_is_secret(const struct element *el, const char *key)
{
    json_t *c = element_config_def(el, key);
    if (!c)
        return false;
    return json_is_true(json_object_get(c, "secret")) ||
           strcmp(json_string_value(json_object_get(c, "type")), "PASSWORD") ==
               0;
}

const char *element_oauth(const struct element *el, const char *name)
{
    return json_string_value(json_object_get(el->oauth, name));
}

json_t *element_config_render(const struct element *el)
{
    json_t *arr = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(el->config, i, c) {
        json_t *dv = json_object_get(c, "defaultValue");
        json_t *order = json_object_get(c, "displayOrder");
        bool internal = json_is_true(json_object_get(c, "internal"));
        /* "internal" and "displayOrder" are optional in a definition: a
         * NULL for "O" would make json_pack fail and drop the entry. */
        json_t *o = json_pack(
            "{s:I, s:O, s:O, s:O, s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:O, "
            "s:O, s:O, s:b}",
            "id", (json_int_t)(el->id * 1000 + (json_int_t)i + 1), "name",
            json_object_get(c, "name"), "key", json_object_get(c, "key"),
            "description", json_object_get(c, "description"), "defaultValue",
            dv ? json_string_value(dv) : "", "resellerConfig", 0,
            "companyConfig", 0, "active", 1, "internal", internal,
            "groupControl", 0, "displayOrder",
            json_is_integer(order) ? json_integer_value(order)
                                   : (json_int_t)i + 1,
            "type", json_object_get(c, "type"), "required",
            json_object_get(c, "required"), "authenticationTypes",
            json_object_get(c, "authenticationTypes"), "hideFromConsole",
            internal);
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *element_metadata_render(const struct element *el)
{
    json_t *meta = json_object_get(el->def, "metadata");
    return json_pack("{s:I, s:s, s:s, s:O, s:s, s:O, s:O, s:O}", "id",
                     (json_int_t)el->id, "key", el->key, "name", el->name,
                     "description", json_object_get(el->object, "description"),
                     "hub", el->hub, "events", json_object_get(meta, "events"),
                     "bulk", json_object_get(meta, "bulk"), "discovery",
                     json_object_get(meta, "discovery"));
}

json_t *element_objects(const struct element *el)
{
    return json_object_get(el->def, "objects");
}
