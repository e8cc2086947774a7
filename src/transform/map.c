/* SPDX-License-Identifier: MIT
 * Compiled mappings: a transformation (and the definition it maps to)
 * turned once into a flat array of fields, each with its vendorPath
 * compiled, its types resolved, its date pattern compiled and its output
 * path split, so mapping a record is lookups and conversions only: no
 * parsing, and allocation only for what the result holds. A tf_map is
 * immutable after tf_map_compile and may be shared by threads.
 *
 * fromVendor is lenient (portals differ: a missing property gives no
 * member, a value that does not convert is kept as it is); toVendor is
 * strict (a value that cannot be written as the vendor type is an error
 * naming the field and the transformation). */
#include "transform/transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "transform/datefmt.h"
#include "transform/map_int.h"
#include "transform/vpath.h"

#define PROPS_PREFIX "properties."

/* --- compile ------------------------------------------------------------- */

static bool split_path(struct mfield *f, const char *path)
{
    char *p;
    f->path = ed_strdup(path);
    f->pathbuf = ed_strdup(path);
    p = f->pathbuf;
    for (;;) {
        char *dot = strchr(p, '.');
        if (!*p || f->nsteps >= MAX_PATH_STEPS)
            return false;
        f->steps[f->nsteps++] = p;
        if (!dot)
            return true;
        *dot = '\0';
        p = dot + 1;
    }
}

/* The first step of a vendorPath: up to the first '.' or '['. */
static size_t first_len(const char *text)
{
    return strcspn(text, ".[");
}

static bool in_list(char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
            return true;
    return false;
}

static const json_t *def_field(const json_t *definition, const char *path)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(definition, "fields"), i, f) {
        const char *p = json_string_value(json_object_get(f, "path"));
        if (p && strcmp(p, path) == 0)
            return f;
    }
    return NULL;
}

static bool compile_field(struct tf_map *m, struct mfield *f, size_t i,
                          const json_t *jf, const json_t *definition, char *err,
                          size_t errlen)
{
    const char *path = json_string_value(json_object_get(jf, "path"));
    const char *vpath = json_string_value(json_object_get(jf, "vendorPath"));
    const char *type = json_string_value(json_object_get(jf, "type"));
    const char *vtype = json_string_value(json_object_get(jf, "vendorType"));
    const json_t *conf = json_object_get(jf, "configuration");
    const json_t *c;
    char why[200];

    if (!path || !split_path(f, path)) {
        snprintf(err, errlen, "transformation '%s': fields[%zu]: bad path",
                 m->name, i);
        return false;
    }
    if (vpath) {
        f->vp = vpath_compile(vpath, why, sizeof(why));
        if (!f->vp) {
            snprintf(err, errlen, "transformation '%s': field '%s': %s",
                     m->name, path, why);
            return false;
        }
        f->join = strncmp(vpath, PROPS_PREFIX, strlen(PROPS_PREFIX)) == 0;
    }
    if (type) {
        tf_type_parse(type, json_object_get(jf, "subType"), &f->type);
    } else {
        const json_t *df = def_field(definition, path);
        tf_type_parse(json_string_value(json_object_get(df, "type")),
                      json_object_get(df, "subType"), &f->type);
    }
    if (vtype)
        f->has_vtype = tf_type_parse(vtype, NULL, &f->vtype);
    c = tf_config_find(conf, "remove");
    if (c) {
        f->rm_from = tf_config_flag(c, "fromVendor", true);
        f->rm_to = tf_config_flag(c, "toVendor", true);
    }
    c = tf_config_find(conf, "transformDate");
    if (c) {
        const char *pat = json_string_value(
            json_object_get(json_object_get(c, "properties"), "pattern"));
        f->date = datefmt_compile(pat, why, sizeof(why));
        if (!f->date) {
            snprintf(err, errlen, "transformation '%s': field '%s': %s",
                     m->name, path, why);
            return false;
        }
    }
    return true;
}

struct tf_map *tf_map_compile(const char *name, const json_t *transformation,
                              const json_t *definition, char *err,
                              size_t errlen)
{
    const json_t *fields = json_object_get(transformation, "fields");
    const json_t *conf = json_object_get(transformation, "configuration");
    const json_t *script = json_object_get(transformation, "script");
    const json_t *c, *jf;
    struct tf_map *m;
    size_t i;

    if (!json_is_object(transformation) ||
        json_array_size(fields) > TF_MAX_FIELDS) {
        snprintf(err, errlen, "transformation '%s': not a valid document",
                 name ? name : "");
        tf_utf8_trim(err);
        return NULL;
    }
    m = ed_calloc(1, sizeof(*m));
    m->name = ed_strdup(name ? name : "");
    m->vendor_name = ed_strdup(
        json_is_string(json_object_get(transformation, "vendorName"))
            ? json_string_value(json_object_get(transformation, "vendorName"))
            : "");
    if (json_is_string(json_object_get(script, "body")) &&
        json_string_length(json_object_get(script, "body")) > 0)
        m->script = ed_strdup(
            json_string_value(json_object_get(script, "body")));
    m->filter_empty = json_is_true(
        json_object_get(script, "filterEmptyResponse"));
    c = tf_config_find(conf, "passThrough");
    if (c) {
        m->pt_from = tf_config_flag(c, "fromVendor", true);
        m->pt_to = tf_config_flag(c, "toVendor", true);
    }
    m->fields = ed_calloc(json_array_size(fields) + 1, sizeof(*m->fields));
    m->vfirst = ed_calloc(json_array_size(fields) + 1, sizeof(char *));
    json_array_foreach(fields, i, jf) {
        struct mfield *f = &m->fields[m->nfields++];
        if (!compile_field(m, f, i, jf, definition, err, errlen))
            goto fail;
        if (f->vp) {
            const char *t = vpath_text(f->vp);
            size_t n = first_len(t);
            if (n && !in_list(m->vfirst, m->nvfirst, t, n))
                m->vfirst[m->nvfirst++] = ed_strndup(t, n);
        }
    }
    const json_t *dfields = json_object_get(definition, "fields");
    m->def_paths = ed_calloc(json_array_size(dfields) + 1, sizeof(char *));
    json_array_foreach(dfields, i, jf) {
        const char *p = json_string_value(json_object_get(jf, "path"));
        if (p)
            m->def_paths[m->ndef++] = ed_strdup(p);
    }
    m->stream = tf_stream_build(m);
    return m;
fail:
    tf_utf8_trim(err);
    tf_map_free(m);
    return NULL;
}

void tf_map_free(struct tf_map *m)
{
    if (!m)
        return;
    tf_stream_free(m->stream);
    for (size_t i = 0; i < m->nfields; i++) {
        free(m->fields[i].path);
        free(m->fields[i].pathbuf);
        vpath_free(m->fields[i].vp);
        datefmt_free(m->fields[i].date);
    }
    for (size_t i = 0; i < m->nvfirst; i++)
        free(m->vfirst[i]);
    for (size_t i = 0; i < m->ndef; i++)
        free(m->def_paths[i]);
    free(m->def_paths);
    free(m->vfirst);
    free(m->fields);
    free(m->name);
    free(m->vendor_name);
    free(m->script);
    free(m);
}

const char *tf_map_name(const struct tf_map *m)
{
    return m->name;
}

const char *tf_map_vendor_name(const struct tf_map *m)
{
    return m->vendor_name;
}

const char *tf_map_script(const struct tf_map *m)
{
    return m->script;
}

bool tf_map_filter_empty(const struct tf_map *m)
{
    return m->filter_empty;
}

bool tf_map_pass_through_from_vendor(const struct tf_map *m)
{
    return m->pt_from;
}

size_t tf_map_field_count(const struct tf_map *m)
{
    return m->nfields;
}

void tf_map_field(const struct tf_map *m, size_t i, const char **path,
                  const char **type, const char **vendor_path)
{
    static const char *const kinds[] = {NULL, "string", "number", "boolean",
                                        "date"};
    const struct mfield *f = &m->fields[i];
    *path = f->path;
    *type = f->type.array ? "array" : kinds[f->type.kind];
    *vendor_path = f->vp ? vpath_text(f->vp) : NULL;
}

/* --- conversions --------------------------------------------------------- */

/* A JSON number spelled in s (the JSON grammar: no '+', no leading zeros,
 * no spaces), or NULL. */
static json_t *number_of(const char *s)
{
    const char *p = s;
    bool integral = true;
    int64_t v;

    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        integral = false;
        p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        integral = false;
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p || p - s > 64)
        return NULL;
    if (integral && ed_parse_i64(s, &v))
        return json_integer(v);
    return json_loads(s, JSON_DECODE_ANY, NULL); /* a real, or too big */
}

/* Text of a scalar (numbers, booleans, strings) into buf; NULL otherwise. */
static const char *text_of(const json_t *v, char *buf, size_t n)
{
    switch (json_typeof(v)) {
    case JSON_STRING: return json_string_value(v);
    case JSON_INTEGER:
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return buf;
    case JSON_REAL: snprintf(buf, n, "%.15g", json_real_value(v)); return buf;
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return NULL;
    }
}

/* Epoch ms of a vendor date: a number (ms), a numeric string (ms), or an
 * ISO 8601 string. */
static bool ms_of(const json_t *v, bool iso_ok, int64_t *ms)
{
    if (json_is_integer(v)) {
        *ms = json_integer_value(v);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d >= (double)DATEFMT_MIN_MS && d <= (double)DATEFMT_MAX_MS))
            return false;
        *ms = (int64_t)d;
        if ((double)*ms != d)
            return false;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!ed_parse_i64(s, ms) && !(iso_ok && datefmt_iso_parse(s, ms)))
            return false;
    } else {
        return false;
    }
    return *ms >= DATEFMT_MIN_MS && *ms <= DATEFMT_MAX_MS;
}

static json_t *iso_of(int64_t ms)
{
    char buf[32];
    return datefmt_iso_format(ms, buf, sizeof(buf)) ? json_string(buf) : NULL;
}

/* v converted to kind, or NULL when it does not convert (v untouched). */
static json_t *convert(const json_t *v, enum tf_kind kind)
{
    char buf[40];
    const char *s;
    int64_t ms;

    switch (kind) {
    case TF_NONE: return json_incref((json_t *)v);
    case TF_STRING:
        if (json_is_string(v))
            return json_incref((json_t *)v);
        s = text_of(v, buf, sizeof(buf));
        return s ? json_string(s) : NULL;
    case TF_NUMBER:
        if (json_is_number(v))
            return json_incref((json_t *)v);
        return json_is_string(v) ? number_of(json_string_value(v)) : NULL;
    case TF_BOOLEAN:
        if (json_is_boolean(v))
            return json_incref((json_t *)v);
        s = json_string_value(v);
        if (s && ed_strcaseeq(s, "true"))
            return json_true();
        if (s && ed_strcaseeq(s, "false"))
            return json_false();
        return NULL;
    case TF_DATE:
        if (json_is_string(v) && datefmt_iso_parse(json_string_value(v), &ms))
            return json_incref((json_t *)v); /* ISO kept as written */
        return ms_of(v, false, &ms) ? iso_of(ms) : NULL;
    }
    return NULL;
}

/* Lenient: v (reference taken) as kind, or v itself. */
static json_t *convert_or_keep(json_t *v, enum tf_kind kind)
{
    json_t *c;
    if (kind == TF_NONE || json_is_null(v))
        return v;
    c = convert(v, kind);
    if (!c)
        return v;
    json_decref(v);
    return c;
}

/* HubSpot's multi-select "a;b;c" as ["a","b","c"] ("" is []). */
static json_t *split_multi(const char *s)
{
    json_t *a = json_array();
    while (*s) {
        const char *semi = strchr(s, ';');
        size_t n = semi ? (size_t)(semi - s) : strlen(s);
        json_array_append_new(a, json_stringn(s, n));
        if (!semi)
            break;
        s = semi + 1;
    }
    return a;
}

static json_t *from_vendor_value(const struct mfield *f, json_t *v)
{
    int64_t ms;

    if (json_is_null(v))
        return v;
    if (f->date) {
        char buf[DATEFMT_MAX_OUT];
        json_t *out = NULL;
        if (!ms_of(v, true, &ms))
            return v;
        if (datefmt_is_millis(f->date))
            out = json_integer(ms);
        else if (datefmt_format(f->date, ms, buf, sizeof(buf)))
            out = json_string(buf);
        if (!out)
            return v;
        json_decref(v);
        return out;
    }
    if (f->type.array) {
        json_t *a, *el;
        size_t i;
        if (json_is_string(v)) {
            a = split_multi(json_string_value(v));
        } else if (json_is_array(v)) {
            if (f->type.kind == TF_NONE)
                return v;
            a = json_array();
            json_array_foreach(v, i, el) {
                json_array_append_new(a, convert_or_keep(json_incref(el),
                                                         f->type.kind));
            }
            json_decref(v);
            return a;
        } else {
            return v;
        }
        json_decref(v);
        if (f->type.kind != TF_NONE)
            json_array_foreach(a, i, el) {
                json_array_set_new(a, i,
                                   convert_or_keep(json_incref(el),
                                                   f->type.kind));
            }
        return a;
    }
    return convert_or_keep(v, f->type.kind);
}

/* Set v (reference taken) at the field's dotted path below out. */
static void put_nested(json_t *out, const struct mfield *f, json_t *v)
{
    json_t *node = out;
    for (size_t i = 0; i + 1 < f->nsteps; i++) {
        json_t *child = json_object_get(node, f->steps[i]);
        if (!child) {
            child = json_object();
            json_object_set_new(node, f->steps[i], child);
        } else if (!json_is_object(child)) {
            json_decref(v);
            return;
        }
        node = child;
    }
    json_object_set_new(node, f->steps[f->nsteps - 1], v);
}

json_t *tf_map_from_vendor(const struct tf_map *m, const json_t *vendor)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;

    for (size_t i = 0; i < m->nfields; i++) {
        const struct mfield *f = &m->fields[i];
        if (f->rm_from || !f->vp)
            continue;
        v = vpath_get(f->vp, vendor);
        if (v)
            put_nested(out, f, from_vendor_value(f, v));
    }
    if (m->pt_from && json_is_object(vendor)) {
        json_object_foreach((json_t *)vendor, k, v) {
            if (!in_list(m->vfirst, m->nvfirst, k, strlen(k)) &&
                !json_object_get(out, k))
                json_object_set(out, k, v);
        }
    }
    return out;
}

/* --- toVendor ------------------------------------------------------------ */

static void value_text(const json_t *v, char *buf, size_t n)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, n, "%s", s ? s : "?");
    free(s);
    tf_utf8_trim(buf);
}

static const char *kind_name(enum tf_kind k)
{
    static const char *names[] = {"any", "string", "number", "boolean", "date"};
    return names[k];
}

/* The client's date, per the transformDate pattern, as the vendor takes
 * it: epoch ms for a number vendorType, ISO 8601 otherwise. */
static json_t *to_vendor_date(const struct mfield *f, const json_t *v)
{
    int64_t ms;
    if (datefmt_is_millis(f->date)) {
        if (!ms_of(v, false, &ms))
            return NULL;
    } else if (!json_is_string(v) ||
               !datefmt_parse(f->date, json_string_value(v), &ms)) {
        return NULL;
    }
    if (f->has_vtype && f->vtype.kind == TF_NUMBER)
        return json_integer(ms);
    return iso_of(ms);
}

/* Strict conversion to the vendor type; NULL when it cannot be done. */
static json_t *to_vendor_kind(const json_t *v, enum tf_kind kind)
{
    int64_t ms;
    if (kind == TF_DATE) {
        if (json_is_string(v) && datefmt_iso_parse(json_string_value(v), &ms))
            return json_incref((json_t *)v);
        return ms_of(v, false, &ms) ? iso_of(ms) : NULL;
    }
    return convert(v, kind);
}

/* Array elements joined with ';' (HubSpot multi-select). */
static json_t *join_multi(const json_t *a)
{
    char num[40];
    size_t i, len = 0;
    json_t *el, *out;
    char *buf;

    json_array_foreach(a, i, el) {
        const char *s = json_is_null(el) ? "" : text_of(el, num, sizeof(num));
        if (!s)
            return NULL;
        len += strlen(s) + 1;
    }
    buf = ed_malloc(len + 1);
    len = 0;
    json_array_foreach(a, i, el) {
        const char *s = json_is_null(el) ? "" : text_of(el, num, sizeof(num));
        size_t n = strlen(s);
        if (i)
            buf[len++] = ';';
        memcpy(buf + len, s, n);
        len += n;
    }
    buf[len] = '\0';
    out = json_string(buf);
    free(buf);
    return out;
}

static json_t *to_vendor_value(const struct tf_map *m, const struct mfield *f,
                               const json_t *v, char *err, size_t errlen)
{
    enum tf_kind k = f->has_vtype ? f->vtype.kind : TF_NONE;
    char shown[64];
    json_t *out = NULL;

    if (json_is_null(v))
        return json_null();
    if (f->date) {
        out = to_vendor_date(f, v);
        if (!out) {
            value_text(v, shown, sizeof(shown));
            snprintf(err, errlen,
                     "transformation '%s': field '%s': %s does not match the "
                     "date pattern '%s'",
                     m->name, f->path, shown, datefmt_pattern(f->date));
        }
        return out;
    }
    if (json_is_array(v)) {
        json_t *el;
        size_t i;
        out = json_array();
        json_array_foreach(v, i, el) {
            json_t *c = k == TF_NONE ? json_incref(el) : to_vendor_kind(el, k);
            if (!c)
                goto bad;
            json_array_append_new(out, c);
        }
        if (f->join) {
            json_t *joined = join_multi(out);
            json_decref(out);
            out = joined;
            if (!out)
                goto bad;
        }
        return out;
    }
    out = k == TF_NONE || f->vtype.array ? json_incref((json_t *)v)
                                         : to_vendor_kind(v, k);
    if (out)
        return out;
bad:
    json_decref(out);
    value_text(v, shown, sizeof(shown));
    snprintf(err, errlen,
             "transformation '%s': field '%s': cannot write %s as vendorType "
             "%s",
             m->name, f->path, shown, kind_name(k));
    return NULL;
}

static const json_t *get_nested(const json_t *rec, const struct mfield *f)
{
    for (size_t i = 0; i < f->nsteps && rec; i++)
        rec = json_is_object(rec) ? json_object_get(rec, f->steps[i]) : NULL;
    return rec;
}

static bool known_member(const struct tf_map *m, const char *k)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (strcmp(m->fields[i].steps[0], k) == 0)
            return true;
    return false;
}

json_t *tf_map_to_vendor(const struct tf_map *m, const json_t *record,
                         char *err, size_t errlen)
{
    json_t *out = NULL, *v;
    const char *k;

    if (!json_is_object(record)) {
        snprintf(err, errlen,
                 "transformation '%s': the record must be a "
                 "JSON object",
                 m->name);
        goto fail;
    }
    out = json_object();
    for (size_t i = 0; i < m->nfields; i++) {
        const struct mfield *f = &m->fields[i];
        const json_t *cv;
        if (f->rm_to || !f->vp)
            continue;
        cv = get_nested(record, f);
        if (!cv)
            continue;
        v = to_vendor_value(m, f, cv, err, errlen);
        if (!v)
            goto fail;
        vpath_set(f->vp, out, v); /* [*] and .size() paths are read-only */
    }
    if (m->pt_to) {
        json_object_foreach((json_t *)record, k, v) {
            if (!known_member(m, k) && !json_object_get(out, k))
                json_object_set(out, k, v);
        }
    }
    return out;
fail:
    tf_utf8_trim(err);
    json_decref(out);
    return NULL;
}

/* --- query helpers ------------------------------------------------------- */

const char *tf_map_vendor_field(const struct tf_map *m, const char *path,
                                const char **why)
{
    for (size_t i = 0; i < m->nfields; i++) {
        const struct mfield *f = &m->fields[i];
        if (strcmp(f->path, path) != 0)
            continue;
        if (f->vp && vpath_is_simple(f->vp))
            return vpath_text(f->vp);
        *why = "unmapped";
        return NULL;
    }
    for (size_t i = 0; i < m->ndef; i++) {
        if (strcmp(m->def_paths[i], path) == 0) {
            *why = "unmapped";
            return NULL;
        }
    }
    *why = "unknown";
    return NULL;
}

bool tf_map_vendor_members(const struct tf_map *m, const char *prefix,
                           char *buf, size_t buflen)
{
    size_t plen = strlen(prefix), len = 0;

    if (buflen == 0)
        return false;
    buf[0] = '\0';
    for (size_t i = 0; i < m->nfields; i++) {
        const struct mfield *f = &m->fields[i];
        const char *t, *p;
        size_t n;
        bool dup = false;
        if (f->rm_from || !f->vp)
            continue;
        t = vpath_text(f->vp);
        if (strncmp(t, prefix, plen) != 0)
            continue;
        n = first_len(t + plen);
        if (n == 0)
            continue;
        for (p = buf; *p && !dup;) {
            size_t k = strcspn(p, ",");
            dup = k == n && memcmp(p, t + plen, n) == 0;
            p += k + (p[k] == ',');
        }
        if (dup)
            continue;
        if (len + (len ? 1 : 0) + n + 1 > buflen)
            return false;
        if (len)
            buf[len++] = ',';
        memcpy(buf + len, t + plen, n);
        len += n;
        buf[len] = '\0';
    }
    return true;
}
