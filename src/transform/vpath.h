/* SPDX-License-Identifier: MIT */
#ifndef ED_TRANSFORM_VPATH_H
#define ED_TRANSFORM_VPATH_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* vendorPath: the JSONPath-ish selectors of Cloud Elements' transformations
 * (spec §7.2), compiled once and evaluated on many records.
 *
 *   path      := step ('.' step)* ['.size()']
 *   step      := name selector* | selector+
 *   name      := one or more bytes other than '.', '[', ']' (no control
 *                characters); `a.b` names member b of member a
 *   selector  := '[' INDEX ']'              array element (0-based)
 *              | '[*]'                      every element
 *              | '[' name '=' value ']'     elements whose member equals value
 *              | '[?(@.' name '==' value ')]'  the same, JSONPath form
 *   value     := number | 'string' | "string" | true | false | null | bare word
 *
 * Examples: properties.email, Items[0].id, Items[id=4].name,
 * details.Items[?(@.id==2)].name, Items[*].size().
 * Bounds: VPATH_MAX_LEN bytes, VPATH_MAX_STEPS steps + selectors. */

#define VPATH_MAX_LEN 512
#define VPATH_MAX_STEPS 32

struct vpath;

/* Compile `text`; NULL with a message in err (naming the byte offset,
 * 1-based, and what was expected) when it is malformed or over a bound. */
struct vpath *vpath_compile(const char *text, char *err, size_t errlen);
void vpath_free(struct vpath *p);
/* The text it was compiled from. */
const char *vpath_text(const struct vpath *p);

/* Evaluate on a record. Returns a new reference, or NULL when nothing
 * matches (a missing member, an index out of range, a filter that selects
 * nothing, a type mismatch): never an error. A path with [*] or a filter
 * yields the array of every match (NULL when there is none); .size() yields
 * the number of matches (0 when none). */
json_t *vpath_get(const struct vpath *p, const json_t *record);

/* Write `value` (reference taken, also on failure) at the path in record,
 * creating the objects (and arrays, for an index) on the way. A filter
 * selector writes into the first element it selects, or appends an object
 * holding the filtered member when none does. Returns false when the path
 * cannot be written ([*], .size(), a member of a non-object). */
bool vpath_set(const struct vpath *p, json_t *record, json_t *value);

/* True when the path is only names (a.b.c): usable as a query field. */
bool vpath_is_simple(const struct vpath *p);
/* The number of name steps of a simple path, and step i (0-based). */
size_t vpath_nsteps(const struct vpath *p);
const char *vpath_step(const struct vpath *p, size_t i);

#endif
