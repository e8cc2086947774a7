/* SPDX-License-Identifier: MIT
 * vendorPath selectors (spec §7.2): compiled once into a flat array of
 * segments (member name, index, [*], filter), then evaluated on records
 * without parsing or allocating beyond the result. Evaluation never fails
 * on data: whatever does not match gives NULL. A path holding [*] or a
 * filter may select many nodes; it walks them depth first and collects
 * every match in document order. Writes go through a dry run first, so a
 * path that cannot be written leaves the record as it was. */
#include "transform/vpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"

/* Largest index a path may name, and how far a write may pad an array with
 * nulls to reach an index (a hostile Items[99999] must not allocate). */
#define VPATH_MAX_INDEX 1000000
#define VPATH_MAX_PAD 1000

enum seg_kind { SEG_NAME, SEG_INDEX, SEG_ALL, SEG_FILTER };

struct seg {
    enum seg_kind kind;
    char *name;    /* SEG_NAME: the member; SEG_FILTER: the filtered member */
    size_t index;  /* SEG_INDEX */
    json_t *value; /* SEG_FILTER: the literal */
};

struct vpath {
    char *text;
    size_t nseg;
    struct seg seg[VPATH_MAX_STEPS];
    bool size;   /* ends in .size() */
    bool multi;  /* holds [*] or a filter */
    bool simple; /* names only */
};

static bool name_byte(unsigned char c)
{
    return c >= 0x20 && c != 0x7f && c != '.' && c != '[' && c != ']';
}

struct parser {
    const char *s;
    size_t len, pos;
    char *err;
    size_t errlen;
};

static bool fail(struct parser *ps, const char *expected)
{
    int shown = ps->len > 80 ? 80 : (int)ps->len;

    /* quote at most 80 bytes, cut on a UTF-8 character boundary */
    while (shown > 0 && shown < (int)ps->len &&
           ((unsigned char)ps->s[shown] & 0xc0) == 0x80)
        shown--;
    snprintf(ps->err, ps->errlen,
             "vendorPath '%.*s%s': at byte %zu: expected %s", shown, ps->s,
             shown < (int)ps->len ? "..." : "", ps->pos + 1, expected);
    return false;
}

static struct seg *seg_add(struct parser *ps, struct vpath *p)
{
    if (p->nseg >= VPATH_MAX_STEPS) {
        snprintf(ps->err, ps->errlen,
                 "vendorPath: more than %d steps and selectors",
                 VPATH_MAX_STEPS);
        return NULL;
    }
    return &p->seg[p->nseg++];
}

/* A literal of a filter: 'x', "x", or a bare word up to `end`. */
static bool parse_literal(struct parser *ps, struct seg *sg, char end)
{
    const char *s = ps->s;
    size_t start = ps->pos;

    if (s[start] == '\'' || s[start] == '"') {
        char q = s[start];
        size_t i = start + 1;
        while (i < ps->len && s[i] != q)
            i++;
        if (i >= ps->len) {
            ps->pos = i;
            return fail(ps, "a closing quote");
        }
        sg->value = json_stringn(s + start + 1, i - start - 1);
        ps->pos = i + 1;
        if (!sg->value) {
            ps->pos = start;
            return fail(ps, "a UTF-8 string");
        }
        return true;
    }
    size_t i = start;
    while (i < ps->len && s[i] != end && s[i] != ']' &&
           (unsigned char)s[i] >= 0x20)
        i++;
    size_t e = i;
    while (e > start && s[e - 1] == ' ')
        e--;
    if (e == start) {
        ps->pos = start;
        return fail(ps, "a value");
    }
    char *lit = ed_strndup(s + start, e - start);
    json_t *v = json_loads(lit, JSON_DECODE_ANY, NULL);
    if (v && (json_is_number(v) || json_is_boolean(v) || json_is_null(v))) {
        sg->value = v;
    } else {
        json_decref(v);
        sg->value = json_string(lit);
    }
    free(lit);
    ps->pos = i;
    if (!sg->value) {
        ps->pos = start;
        return fail(ps, "a UTF-8 value");
    }
    return true;
}

/* The member name of a filter, up to '=' (spaces around it dropped). */
static bool parse_filter_name(struct parser *ps, struct seg *sg)
{
    size_t start = ps->pos, i = start;
    while (i < ps->len && name_byte((unsigned char)ps->s[i]) &&
           ps->s[i] != '=' && ps->s[i] != ')')
        i++;
    size_t e = i;
    while (e > start && ps->s[e - 1] == ' ')
        e--;
    if (e == start)
        return fail(ps, "a member name");
    sg->name = ed_strndup(ps->s + start, e - start);
    ps->pos = i;
    return true;
}

static void skip_spaces(struct parser *ps)
{
    while (ps->pos < ps->len && ps->s[ps->pos] == ' ')
        ps->pos++;
}

static bool parse_selector(struct parser *ps, struct vpath *p)
{
    const char *s = ps->s;
    struct seg *sg = seg_add(ps, p);

    if (!sg)
        return false;
    ps->pos++; /* '[' */
    if (ps->pos < ps->len && s[ps->pos] == '*') {
        sg->kind = SEG_ALL;
        ps->pos++;
    } else if (ps->pos < ps->len && s[ps->pos] >= '0' && s[ps->pos] <= '9') {
        size_t i = ps->pos;
        char num[16];
        while (i < ps->len && s[i] >= '0' && s[i] <= '9')
            i++;
        uint64_t v;
        if (i - ps->pos >= sizeof(num))
            return fail(ps, "an index of at most 1000000");
        memcpy(num, s + ps->pos, i - ps->pos);
        num[i - ps->pos] = '\0';
        if (!ed_parse_u64(num, VPATH_MAX_INDEX, &v))
            return fail(ps, "an index of at most 1000000");
        sg->kind = SEG_INDEX;
        sg->index = (size_t)v;
        ps->pos = i;
    } else if (ps->len - ps->pos >= 4 && memcmp(s + ps->pos, "?(@.", 4) == 0) {
        sg->kind = SEG_FILTER;
        ps->pos += 4;
        if (!parse_filter_name(ps, sg))
            return false;
        if (ps->len - ps->pos < 2 || memcmp(s + ps->pos, "==", 2) != 0)
            return fail(ps, "'=='");
        ps->pos += 2;
        skip_spaces(ps);
        if (!parse_literal(ps, sg, ')'))
            return false;
        if (ps->pos >= ps->len || s[ps->pos] != ')')
            return fail(ps, "')'");
        ps->pos++;
    } else {
        sg->kind = SEG_FILTER;
        if (!parse_filter_name(ps, sg))
            return fail(ps, "an index, '*', a filter name=value or ?(@.");
        if (ps->pos >= ps->len || s[ps->pos] != '=')
            return fail(ps, "'='");
        ps->pos++;
        if (ps->pos < ps->len && s[ps->pos] == '=') /* a==b is a=b */
            ps->pos++;
        skip_spaces(ps);
        if (!parse_literal(ps, sg, ']'))
            return false;
    }
    if (sg->kind == SEG_ALL || sg->kind == SEG_FILTER)
        p->multi = true;
    if (ps->pos >= ps->len || s[ps->pos] != ']')
        return fail(ps, "']'");
    ps->pos++;
    return true;
}

static bool parse_step(struct parser *ps, struct vpath *p)
{
    size_t start = ps->pos;
    bool any = false;

    while (ps->pos < ps->len && name_byte((unsigned char)ps->s[ps->pos]))
        ps->pos++;
    if (ps->pos > start) {
        struct seg *sg;
        if (ps->pos - start == 6 && memcmp(ps->s + start, "size()", 6) == 0 &&
            ps->pos == ps->len && start > 0) {
            p->size = true;
            return true;
        }
        sg = seg_add(ps, p);
        if (!sg)
            return false;
        sg->kind = SEG_NAME;
        sg->name = ed_strndup(ps->s + start, ps->pos - start);
        any = true;
    }
    while (ps->pos < ps->len && ps->s[ps->pos] == '[') {
        if (!parse_selector(ps, p))
            return false;
        any = true;
    }
    if (!any)
        return fail(ps,
                    ps->pos < ps->len && (unsigned char)ps->s[ps->pos] < 0x20
                        ? "no control character"
                        : "a name or '['");
    return true;
}

struct vpath *vpath_compile(const char *text, char *err, size_t errlen)
{
    struct parser ps = {text, 0, 0, err, errlen};
    struct vpath *p;

    if (errlen)
        err[0] = '\0';
    if (!text || !*text) {
        snprintf(err, errlen, "vendorPath: empty");
        return NULL;
    }
    ps.len = strlen(text);
    if (ps.len > VPATH_MAX_LEN) {
        snprintf(err, errlen, "vendorPath: longer than %d bytes",
                 VPATH_MAX_LEN);
        return NULL;
    }
    /* names become JSON member names on writes: UTF-8 only */
    json_t *probe = json_string(text);
    if (!probe) {
        snprintf(err, errlen, "vendorPath: not valid UTF-8");
        return NULL;
    }
    json_decref(probe);
    p = ed_calloc(1, sizeof(*p));
    for (;;) {
        if (!parse_step(&ps, p))
            goto fail;
        if (ps.pos >= ps.len)
            break;
        if (ps.s[ps.pos] != '.') {
            fail(&ps, (unsigned char)ps.s[ps.pos] < 0x20 || ps.s[ps.pos] == 0x7f
                          ? "no control character"
                          : "'.', '[' or the end");
            goto fail;
        }
        ps.pos++;
    }
    p->text = ed_strdup(text);
    p->simple = !p->size;
    for (size_t i = 0; i < p->nseg; i++)
        if (p->seg[i].kind != SEG_NAME)
            p->simple = false;
    return p;
fail:
    vpath_free(p);
    return NULL;
}

void vpath_free(struct vpath *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nseg; i++) {
        free(p->seg[i].name);
        json_decref(p->seg[i].value);
    }
    free(p->text);
    free(p);
}

const char *vpath_text(const struct vpath *p)
{
    return p->text;
}

bool vpath_is_simple(const struct vpath *p)
{
    return p->simple;
}

size_t vpath_nsteps(const struct vpath *p)
{
    return p->simple ? p->nseg : 0;
}

const char *vpath_step(const struct vpath *p, size_t i)
{
    return p->simple && i < p->nseg ? p->seg[i].name : NULL;
}

/* --- evaluation ---------------------------------------------------------- */

/* Does element `el` pass the filter of `sg`? Numbers compare by value; a
 * string member equals a quoted literal by text, and a number or a bare
 * word by its spelling (HubSpot sends ids as strings: [id=4] finds "4"). */
static bool filter_match(const struct seg *sg, const json_t *el)
{
    const json_t *m = json_object_get(el, sg->name);
    const json_t *v = sg->value;

    if (!m)
        return false;
    if (json_is_string(m)) {
        if (json_is_string(v))
            return strcmp(json_string_value(m), json_string_value(v)) == 0;
        if (json_is_integer(v)) {
            char num[24];
            snprintf(num, sizeof(num), "%lld",
                     (long long)json_integer_value(v));
            return strcmp(json_string_value(m), num) == 0;
        }
        return false;
    }
    if (json_is_number(m) && json_is_number(v))
        return json_number_value(m) == json_number_value(v);
    if (json_is_string(v))
        return false;
    return json_equal((json_t *)m, (json_t *)v);
}

/* Walk from segment i at node; matches are appended to acc (multi paths)
 * or stored in *one (single paths). */
static void eval(const struct vpath *p, size_t i, const json_t *node,
                 json_t *acc, const json_t **one)
{
    for (; i < p->nseg; i++) {
        const struct seg *sg = &p->seg[i];
        switch (sg->kind) {
        case SEG_NAME:
            node = json_is_object(node) ? json_object_get(node, sg->name)
                                        : NULL;
            break;
        case SEG_INDEX:
            node = json_is_array(node) ? json_array_get(node, sg->index) : NULL;
            break;
        case SEG_ALL:
        case SEG_FILTER: {
            size_t k;
            json_t *el;
            if (!json_is_array(node))
                return;
            json_array_foreach(node, k, el) {
                if (sg->kind == SEG_ALL || filter_match(sg, el))
                    eval(p, i + 1, el, acc, one);
            }
            return;
        }
        }
        if (!node)
            return;
    }
    if (acc)
        json_array_append(acc, (json_t *)node);
    else
        *one = node;
}

json_t *vpath_get(const struct vpath *p, const json_t *record)
{
    const json_t *one = NULL;

    if (!p || !record)
        return NULL;
    if (p->multi) {
        json_t *acc = json_array();
        eval(p, 0, record, acc, NULL);
        if (p->size) {
            json_t *n = json_integer((json_int_t)json_array_size(acc));
            json_decref(acc);
            return n;
        }
        if (json_array_size(acc) == 0) {
            json_decref(acc);
            return NULL;
        }
        return acc;
    }
    eval(p, 0, record, NULL, &one);
    if (p->size) {
        /* a single node's size: elements, members, 1 for a scalar */
        size_t n = !one                  ? 0
                   : json_is_array(one)  ? json_array_size(one)
                   : json_is_object(one) ? json_object_size(one)
                                         : 1;
        return json_integer((json_int_t)n);
    }
    return one ? json_incref((json_t *)one) : NULL;
}

/* --- writes -------------------------------------------------------------- */

/* A fresh container for what segment i addresses. */
static json_t *container_for(const struct seg *sg)
{
    return sg->kind == SEG_NAME ? json_object() : json_array();
}

/* The element of array `a` the filter selects, or NULL. */
static json_t *filter_first(const struct seg *sg, json_t *a)
{
    size_t k;
    json_t *el;
    json_array_foreach(a, k, el) {
        if (filter_match(sg, el))
            return el;
    }
    return NULL;
}

/* Can segments [i..] be written below containers made fresh for them? */
static bool fresh_ok(const struct vpath *p, size_t i)
{
    for (; i < p->nseg; i++) {
        const struct seg *sg = &p->seg[i];
        if (sg->kind == SEG_ALL)
            return false;
        if (sg->kind == SEG_INDEX && sg->index > VPATH_MAX_PAD)
            return false;
        /* a filter that selects nothing appends an object: a name follows */
        if (sg->kind == SEG_FILTER && i + 1 < p->nseg &&
            p->seg[i + 1].kind != SEG_NAME)
            return false;
        /* ... and that object holds the filtered member: going below it
         * (a[e=1].e.f) meets the literal, which only null lets through */
        if (sg->kind == SEG_FILTER && i + 2 < p->nseg &&
            strcmp(p->seg[i + 1].name, sg->name) == 0 &&
            !json_is_null(sg->value))
            return false;
    }
    return true;
}

/* Replace element `old` of array a by value (reference taken). */
static void array_replace(json_t *a, const json_t *old, json_t *value)
{
    size_t k;
    json_t *el;
    json_array_foreach(a, k, el) {
        if (el == old) {
            json_array_set_new(a, k, value);
            return;
        }
    }
    json_decref(value);
}

/* Write (or, with dry, only check) value at segments [0..] of node. The
 * dry run stops at the first missing node: below it all is created. */
static bool set_walk(const struct vpath *p, json_t *node, json_t *value,
                     bool dry)
{
    for (size_t i = 0; i < p->nseg; i++) {
        const struct seg *sg = &p->seg[i];
        bool last = i + 1 == p->nseg;
        json_t *next;

        switch (sg->kind) {
        case SEG_NAME:
            if (!json_is_object(node))
                return false;
            next = json_object_get(node, sg->name);
            if (last) {
                if (!dry)
                    json_object_set(node, sg->name, value);
                return true;
            }
            if (!next || json_is_null(next)) {
                if (dry)
                    return fresh_ok(p, i + 1);
                next = container_for(&p->seg[i + 1]);
                json_object_set_new(node, sg->name, next);
            }
            break;
        case SEG_INDEX: {
            size_t n;
            if (!json_is_array(node))
                return false;
            n = json_array_size(node);
            if (sg->index > n && sg->index - n > VPATH_MAX_PAD)
                return false;
            next = json_array_get(node, sg->index);
            if (last || !next || json_is_null(next)) {
                if (dry)
                    return last || fresh_ok(p, i + 1);
                while (json_array_size(node) < sg->index)
                    json_array_append_new(node, json_null());
                next = last ? json_incref(value)
                            : container_for(&p->seg[i + 1]);
                if (sg->index < json_array_size(node))
                    json_array_set_new(node, sg->index, next);
                else
                    json_array_append_new(node, next);
                if (last)
                    return true;
            }
            break;
        }
        case SEG_FILTER:
            if (!json_is_array(node))
                return false;
            next = filter_first(sg, node);
            if (!next) {
                if (dry)
                    return fresh_ok(p, i);
                next = json_object();
                json_object_set(next, sg->name, sg->value);
                json_array_append_new(node, next);
            }
            if (last) {
                if (!dry)
                    array_replace(node, next, json_incref(value));
                return true;
            }
            break;
        default: return false;
        }
        node = next;
    }
    return true;
}

bool vpath_set(const struct vpath *p, json_t *record, json_t *value)
{
    bool ok = false;

    if (!p || !record || !value || p->size || p->nseg == 0)
        goto out;
    for (size_t i = 0; i < p->nseg; i++)
        if (p->seg[i].kind == SEG_ALL)
            goto out;
    if (!set_walk(p, record, value, true))
        goto out;
    ok = set_walk(p, record, value, false);
out:
    json_decref(value);
    return ok;
}
