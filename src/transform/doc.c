/* SPDX-License-Identifier: MIT
 * Definition and transformation documents (spec §7.2): the checks that
 * stand between a client's JSON and the store, and inheritance merging
 * (§7.1). A check either accepts the whole document (returned as stored:
 * the input, unknown members kept, "level" set) or refuses it with one
 * message that names the field, so nothing is half-saved. Every bound is
 * checked here: field count, name length, path syntax, script size. */
#include "transform/transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "transform/datefmt.h"
#include "transform/transform_int.h"
#include "transform/vpath.h"

#define TYPES_HINT "use string, number, boolean, date or array[<one of them>]"

void tf_utf8_trim(char *s)
{
    size_t n = strlen(s), i = n, need;

    /* back up to the lead byte of the last character */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (n - (i - 1) < need)
        s[i - 1] = '\0';
}

static enum tf_kind kind_of(const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum tf_kind kind;
    } kinds[] = {{"string", TF_STRING},
                 {"number", TF_NUMBER},
                 {"boolean", TF_BOOLEAN},
                 {"date", TF_DATE}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, s, n) == 0)
            return kinds[i].kind;
    return TF_NONE;
}

bool tf_type_parse(const char *type, const json_t *subtype, struct tf_type *out)
{
    size_t n;

    out->kind = TF_NONE;
    out->array = false;
    if (!type)
        return false;
    n = strlen(type);
    if (strncmp(type, "array", 5) == 0) {
        const char *p = type + 5;
        out->array = true;
        if (*p == '\0') {
            if (!subtype || json_is_null(subtype))
                return true;
            if (!json_is_string(subtype))
                return false;
            out->kind = kind_of(json_string_value(subtype),
                                strlen(json_string_value(subtype)));
            return out->kind != TF_NONE;
        }
        while (*p == ' ')
            p++;
        n = strlen(p);
        if (n < 3 || p[0] != '[' || p[n - 1] != ']')
            return false;
        out->kind = kind_of(p + 1, n - 2);
        return out->kind != TF_NONE;
    }
    out->kind = kind_of(type, n);
    return out->kind != TF_NONE;
}

const json_t *tf_config_find(const json_t *configuration, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(configuration, i, c) {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

bool tf_config_flag(const json_t *config, const char *name, bool dflt)
{
    const json_t *v = json_object_get(json_object_get(config, "properties"),
                                      name);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

bool tf_inherits(const json_t *transformation)
{
    return tf_config_find(json_object_get(transformation, "configuration"),
                          "inherit") != NULL;
}

/* --- checks -------------------------------------------------------------- */

/* The label of field i in messages: fields[i] (path 'x'), or fields[i]. */
static void label(char *buf, size_t n, size_t i, const json_t *field)
{
    const char *path = json_string_value(json_object_get(field, "path"));
    if (path && *path && strlen(path) <= TF_MAX_NAME)
        snprintf(buf, n, "fields[%zu] (path '%s')", i, path);
    else
        snprintf(buf, n, "fields[%zu]", i);
}

/* A configuration's properties: absent, or an object whose listed
 * members are booleans when present. */
static bool flags_ok(const json_t *c, const char *where, char *err,
                     size_t errlen)
{
    const json_t *props = json_object_get(c, "properties");
    static const char *names[] = {"fromVendor", "toVendor"};

    if (props && !json_is_object(props)) {
        snprintf(err, errlen, "%s: properties must be an object", where);
        return false;
    }
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_object_get(props, names[i]);
        if (v && !json_is_boolean(v)) {
            snprintf(err, errlen, "%s: properties.%s must be true or false",
                     where, names[i]);
            return false;
        }
    }
    return true;
}

/* A configuration array: objects with a known, unique "type". `field`
 * is the field label, or NULL for the transformation's own. */
static bool check_config(const json_t *conf, const char *field, char *err,
                         size_t errlen)
{
    static const char *field_types[] = {"remove", "transformDate", NULL};
    static const char *tf_types[] = {"passThrough", "inherit",
                                     "addToDocumentation", NULL};
    const char **types = field ? field_types : tf_types;
    char where[TF_MAX_NAME + 80];
    size_t i;
    json_t *c;

    if (!conf || json_is_null(conf))
        return true;
    if (!json_is_array(conf) || json_array_size(conf) > 16) {
        snprintf(err, errlen,
                 "%s%sconfiguration must be an array of at most 16 "
                 "{\"type\", \"properties\"} objects",
                 field ? field : "", field ? ": " : "");
        return false;
    }
    json_array_foreach(conf, i, c) {
        const char *type = json_string_value(json_object_get(c, "type"));
        size_t k;
        snprintf(where, sizeof(where), "%s%sconfiguration[%zu]",
                 field ? field : "", field ? ": " : "", i);
        if (!json_is_object(c) || !type) {
            snprintf(err, errlen, "%s: must be an object with a \"type\"",
                     where);
            return false;
        }
        for (k = 0; types[k] && strcmp(types[k], type) != 0; k++)
            ;
        if (!types[k]) {
            snprintf(err, errlen, "%s: unknown type '%.40s'; use %s", where,
                     type,
                     field ? "remove or transformDate"
                           : "passThrough, inherit or addToDocumentation");
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            const char *o = json_string_value(
                json_object_get(json_array_get(conf, j), "type"));
            if (strcmp(o, type) == 0) {
                snprintf(err, errlen, "%s: type '%s' given twice", where, type);
                return false;
            }
        }
        if (strcmp(type, "transformDate") == 0) {
            const char *pattern = json_string_value(
                json_object_get(json_object_get(c, "properties"), "pattern"));
            char why[200];
            struct datefmt *f;
            if (!pattern) {
                snprintf(err, errlen,
                         "%s: transformDate needs properties.pattern (a "
                         "date pattern such as yyyy-MM-dd)",
                         where);
                return false;
            }
            f = datefmt_compile(pattern, why, sizeof(why));
            if (!f) {
                snprintf(err, errlen, "%s: %s", where, why);
                return false;
            }
            datefmt_free(f);
        } else if (!flags_ok(c, where, err, errlen)) {
            return false;
        }
    }
    return true;
}

/* A field path: a dotted name of at most TF_MAX_NAME bytes. */
static bool check_path(const json_t *field, const char *lab, char *err,
                       size_t errlen)
{
    const char *path = json_string_value(json_object_get(field, "path"));
    char why[200];
    struct vpath *p;
    bool ok;

    if (!path || !*path) {
        snprintf(err, errlen, "%s: path is required (a non-empty string)", lab);
        return false;
    }
    if (strlen(path) > TF_MAX_NAME) {
        snprintf(err, errlen, "%s: path is longer than %d bytes", lab,
                 TF_MAX_NAME);
        return false;
    }
    p = vpath_compile(path, why, sizeof(why));
    ok = p && vpath_is_simple(p);
    vpath_free(p);
    if (!ok)
        snprintf(err, errlen,
                 "%s: malformed path; use names joined by '.' (no '[', ']' "
                 "or control characters)",
                 lab);
    return ok;
}

/* "a" and "a.b" cannot both be fields: one is a value, the other an
 * object. */
static bool path_clash(const char *a, const char *b)
{
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && b[n] == '.';
}

static bool check_type(const json_t *field, const char *member, const char *lab,
                       bool required, char *err, size_t errlen)
{
    const json_t *t = json_object_get(field, member);
    struct tf_type ty;

    if (!t || json_is_null(t)) {
        if (required)
            snprintf(err, errlen, "%s: %s is required; %s", lab, member,
                     TYPES_HINT);
        return !required;
    }
    if (!json_is_string(t) ||
        !tf_type_parse(json_string_value(t),
                       strcmp(member, "type") == 0
                           ? json_object_get(field, "subType")
                           : NULL,
                       &ty)) {
        snprintf(err, errlen, "%s: unknown %s '%.40s'; %s", lab, member,
                 json_is_string(t) ? json_string_value(t) : "(not a string)",
                 TYPES_HINT);
        return false;
    }
    return true;
}

static bool check_fields(const json_t *fields, bool transformation, char *err,
                         size_t errlen)
{
    char lab[TF_MAX_NAME + 40], why[300];
    size_t i;
    json_t *f;

    if (json_array_size(fields) > TF_MAX_FIELDS) {
        snprintf(err, errlen, "fields: more than %d fields", TF_MAX_FIELDS);
        return false;
    }
    json_array_foreach(fields, i, f) {
        label(lab, sizeof(lab), i, f);
        if (!json_is_object(f)) {
            snprintf(err, errlen, "%s: must be an object with a path", lab);
            return false;
        }
        if (!check_path(f, lab, err, errlen) ||
            !check_type(f, "type", lab, !transformation, err, errlen))
            return false;
        const char *path = json_string_value(json_object_get(f, "path"));
        for (size_t j = 0; j < i; j++) {
            const char *o = json_string_value(
                json_object_get(json_array_get(fields, j), "path"));
            if (strcmp(o, path) == 0 || path_clash(o, path) ||
                path_clash(path, o)) {
                snprintf(err, errlen, "%s: %s fields[%zu] (path '%s')", lab,
                         strcmp(o, path) == 0 ? "same path as"
                                              : "conflicts with",
                         j, o);
                return false;
            }
        }
        if (!transformation)
            continue;
        const json_t *vp = json_object_get(f, "vendorPath");
        if (vp && !json_is_null(vp)) {
            struct vpath *p;
            if (!json_is_string(vp)) {
                snprintf(err, errlen, "%s: vendorPath must be a string", lab);
                return false;
            }
            p = vpath_compile(json_string_value(vp), why, sizeof(why));
            if (!p) {
                snprintf(err, errlen, "%s: %s", lab, why);
                return false;
            }
            vpath_free(p);
            for (size_t j = 0; j < i; j++) {
                const char *o = json_string_value(
                    json_object_get(json_array_get(fields, j), "vendorPath"));
                if (o && strcmp(o, json_string_value(vp)) == 0) {
                    label(why, sizeof(why), j, json_array_get(fields, j));
                    snprintf(err, errlen,
                             "%s: vendorPath '%.80s' is already used by %s",
                             lab, o, why);
                    return false;
                }
            }
        }
        if (!check_type(f, "vendorType", lab, false, err, errlen) ||
            !check_config(json_object_get(f, "configuration"), lab, err,
                          errlen))
            return false;
    }
    return true;
}

static json_t *stored(const json_t *doc, const char *level)
{
    json_t *out = json_deep_copy(doc);
    if (level)
        json_object_set_new(out, "level", json_string(level));
    return out;
}

json_t *tf_definition_check(const json_t *doc, const char *level, char *err,
                            size_t errlen)
{
    const json_t *fields = json_object_get(doc, "fields");
    bool ok = false;

    if (!json_is_object(doc))
        snprintf(err, errlen, "the definition must be a JSON object");
    else if (!json_is_array(fields))
        snprintf(err, errlen,
                 "fields is required: an array of {\"path\", \"type\"}");
    else
        ok = check_fields(fields, false, err, errlen);
    if (!ok) {
        tf_utf8_trim(err);
        return NULL;
    }
    return stored(doc, level);
}

static bool check_script(const json_t *script, char *err, size_t errlen)
{
    const json_t *body = json_object_get(script, "body");
    const json_t *mime = json_object_get(script, "mimeType");
    const json_t *fe = json_object_get(script, "filterEmptyResponse");

    if (!json_is_object(script) || !json_is_string(body) ||
        json_string_length(body) == 0) {
        snprintf(err, errlen,
                 "script must be {\"body\": \"<JavaScript>\"} with a "
                 "non-empty body");
        return false;
    }
    if (json_string_length(body) > TF_MAX_SCRIPT) {
        snprintf(err, errlen, "script.body is longer than %d bytes",
                 TF_MAX_SCRIPT);
        return false;
    }
    if (mime && !json_is_null(mime) && !json_is_string(mime)) {
        snprintf(err, errlen, "script.mimeType must be a string");
        return false;
    }
    if (fe && !json_is_null(fe) && !json_is_boolean(fe)) {
        snprintf(err, errlen,
                 "script.filterEmptyResponse must be true or false");
        return false;
    }
    return true;
}

json_t *tf_transformation_check(const json_t *doc, const char *level, char *err,
                                size_t errlen)
{
    const json_t *fields = json_object_get(doc, "fields");
    const json_t *script = json_object_get(doc, "script");
    const json_t *vendor = json_object_get(doc, "vendorName");
    bool ok = false;

    if (!json_is_object(doc)) {
        snprintf(err, errlen, "the transformation must be a JSON object");
        goto out;
    }
    if (!json_is_string(vendor) || json_string_length(vendor) == 0 ||
        json_string_length(vendor) > TF_MAX_NAME) {
        snprintf(err, errlen,
                 "vendorName is required: the vendor resource to map (e.g. "
                 "contacts)");
        goto out;
    }
    if (!check_config(json_object_get(doc, "configuration"), NULL, err, errlen))
        goto out;
    if (script && !json_is_null(script) && !check_script(script, err, errlen))
        goto out;
    if (fields && !json_is_null(fields)) {
        if (!json_is_array(fields)) {
            snprintf(err, errlen,
                     "fields must be an array of {\"path\", \"vendorPath\"}");
            goto out;
        }
        if (!check_fields(fields, true, err, errlen))
            goto out;
    } else if ((!script || json_is_null(script)) && !tf_inherits(doc)) {
        snprintf(err, errlen,
                 "fields is required (an array of {\"path\", \"vendorPath\"}) "
                 "unless the transformation has a script or inherits");
        goto out;
    }
    ok = true;
out:
    if (!ok) {
        tf_utf8_trim(err);
        return NULL;
    }
    return stored(doc, level);
}

/* --- inheritance --------------------------------------------------------- */

/* Index of the element of `a` whose member `key` equals s, or -1. */
static long find_by(const json_t *a, const char *key, const char *s)
{
    size_t i;
    json_t *e;
    if (!s)
        return -1;
    json_array_foreach(a, i, e) {
        const char *v = json_string_value(json_object_get(e, key));
        if (v && strcmp(v, s) == 0)
            return (long)i;
    }
    return -1;
}

/* upper's elements (replaced by lower's of the same key) then lower's new
 * ones. For fields, an upper field whose vendorPath a lower field of
 * another path takes over is dropped (one vendor value, one field). */
static json_t *merge_by(const json_t *upper, const json_t *lower,
                        const char *key, bool fields)
{
    json_t *out = json_array(), *e;
    size_t i;

    json_array_foreach(upper, i, e) {
        const char *k = json_string_value(json_object_get(e, key));
        long li = find_by(lower, key, k);
        if (li >= 0) {
            json_array_append_new(out, json_deep_copy(
                                           json_array_get(lower, (size_t)li)));
            continue;
        }
        if (fields) {
            long vi = find_by(lower, "vendorPath",
                              json_string_value(
                                  json_object_get(e, "vendorPath")));
            if (vi >= 0)
                continue;
        }
        json_array_append_new(out, json_deep_copy(e));
    }
    json_array_foreach(lower, i, e) {
        const char *k = json_string_value(json_object_get(e, key));
        if (find_by(upper, key, k) < 0)
            json_array_append_new(out, json_deep_copy(e));
    }
    return out;
}

json_t *tf_transformation_merge(const json_t *upper, const json_t *lower)
{
    json_t *out;
    const char *k;
    json_t *v;

    if (!upper)
        return lower ? json_deep_copy(lower) : NULL;
    if (!lower)
        return json_deep_copy(upper);
    out = json_deep_copy(upper);
    json_object_foreach((json_t *)lower, k, v) {
        if (strcmp(k, "fields") == 0 || strcmp(k, "configuration") == 0)
            continue;
        if (json_is_null(v) && strcmp(k, "script") == 0)
            continue;
        json_object_set_new(out, k, json_deep_copy(v));
    }
    json_object_set_new(out, "fields",
                        merge_by(json_object_get(upper, "fields"),
                                 json_object_get(lower, "fields"), "path",
                                 true));
    json_object_set_new(out, "configuration",
                        merge_by(json_object_get(upper, "configuration"),
                                 json_object_get(lower, "configuration"),
                                 "type", false));
    return out;
}
