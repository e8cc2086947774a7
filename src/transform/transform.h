/* SPDX-License-Identifier: MIT */
#ifndef ED_TRANSFORM_TRANSFORM_H
#define ED_TRANSFORM_TRANSFORM_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Virtual data resources (spec §7): the documents (object definitions and
 * transformations), their inheritance, and a transformation compiled into a
 * mapping that translates records both ways. Pure computation on JSON: no
 * I/O, no locks; a compiled tf_map is immutable and may be shared by
 * threads. Scripts are run by transform/script.h, not here.
 *
 * Documents (§7.2):
 *   definition     {"fields":[{"path","type"}...], "level"}
 *   transformation {"vendorName", "fields":[{"path","type","vendorPath",
 *                   "vendorType","configuration":[...]}...],
 *                   "configuration":[{"type","properties":{...}}...],
 *                   "script":{"body","mimeType","filterEmptyResponse"},
 *                   "level", "isLegacy"}
 * Field types: string, number, boolean, date, and arrays of them (written
 * "array" with "subType", or "array[string]"). */

#define TF_MAX_FIELDS 256
#define TF_MAX_NAME 100     /* bytes of an object or field path name */
#define TF_MAX_SCRIPT 65536 /* bytes of a script body */

/* Validate a definition document for `level` ("organization", "account",
 * "instance"). Returns the document to store (a new reference: the input
 * with "level" set to `level`, unknown members kept), or NULL with a
 * message in err that names the offending field (e.g. "fields[2].type:
 * unknown type 'integr'; use string, number, boolean, date or array").
 * Refused: no fields array (or not an array), a field without a path,
 * duplicate paths, malformed paths, unknown types, too many fields. */
json_t *tf_definition_check(const json_t *doc, const char *level, char *err,
                            size_t errlen);

/* The same for a transformation. Also refused: a vendorPath that does not
 * compile (the message names field and path), a vendorPath used by two
 * fields, an unknown configuration type, a configuration that is not an
 * array of objects, a script that is not {"body": string} or over
 * TF_MAX_SCRIPT, no vendorName. A transformation with a script and no
 * fields is valid. */
json_t *tf_transformation_check(const json_t *doc, const char *level, char *err,
                                size_t errlen);

/* True when the transformation's configuration has {"type":"inherit"}. */
bool tf_inherits(const json_t *transformation);

/* Inheritance (§7.1): a lower level's transformation merged over the
 * upper level's effective one, when the lower one inherits. Fields merged
 * by path (the lower one wins, the upper one's other fields kept in their
 * order, then the lower one's new fields), configuration merged by type,
 * vendorName and script from the lower one when it has them. New
 * reference; the inputs are untouched. */
json_t *tf_transformation_merge(const json_t *upper, const json_t *lower);

/* --- compiled mappings ---------------------------------------------------- */

struct tf_map;

/* Compile a (validated, merged) transformation named `name`, with the
 * definition it maps to (NULL when there is none): a field without a type
 * takes the definition's type for its path, or keeps the vendor value as
 * it is. NULL with a message in err on failure. */
struct tf_map *tf_map_compile(const char *name, const json_t *transformation,
                              const json_t *definition, char *err,
                              size_t errlen);
void tf_map_free(struct tf_map *m);

const char *tf_map_name(const struct tf_map *m);
const char *tf_map_vendor_name(const struct tf_map *m);
/* The script body, or NULL; and its filterEmptyResponse. */
const char *tf_map_script(const struct tf_map *m);
bool tf_map_filter_empty(const struct tf_map *m);
/* True when unmapped vendor members are passed through fromVendor. */
bool tf_map_pass_through_from_vendor(const struct tf_map *m);

/* The mapped fields, for metadata: field i's (i < tf_map_field_count)
 * path, type ("string", "number", "boolean", "date", "array"; NULL when
 * neither the field nor the definition types it) and vendorPath text (NULL
 * when it has none). Borrowed from the map. */
size_t tf_map_field_count(const struct tf_map *m);
void tf_map_field(const struct tf_map *m, size_t i, const char **path,
                  const char **type, const char **vendor_path);

/* fromVendor: map one vendor record (as the native resource returns it) to
 * the virtual shape. Paths that match nothing give no value (never an
 * error); values are converted to the field's type when they can be and
 * kept as they are otherwise; `remove` (fromVendor) fields are left out;
 * transformDate formats dates with its pattern; passThrough (fromVendor)
 * adds the vendor members no field maps. New reference (an object). */
json_t *tf_map_from_vendor(const struct tf_map *m, const json_t *vendor);

/* toVendor: map a client's record to the vendor shape (the body the
 * native resource takes). Unknown members are left out unless passThrough
 * (toVendor) is set; `remove` (toVendor) fields are left out; values are
 * converted to the vendorType when set. NULL with a message naming the
 * field and the transformation when a value cannot be converted (e.g. a
 * date that does not match the transformDate pattern). */
json_t *tf_map_to_vendor(const struct tf_map *m, const json_t *record,
                         char *err, size_t errlen);

/* Query translation: the vendor path of a mapped field (its vendorPath
 * text), for CEQL where/orderBy. NULL when the field is unknown to the
 * transformation and its definition (*why set to "unknown"), or has no
 * vendorPath or one that is not simple (*why set to "unmapped"). */
const char *tf_map_vendor_field(const struct tf_map *m, const char *path,
                                const char **why);

/* The vendor properties the mapping reads below `prefix` (e.g.
 * "properties."): a comma-separated list of the first step after the
 * prefix of every vendorPath that starts with it (e.g. "email,phone"),
 * without duplicates, into buf; "" when none. Returns false if buf is too
 * small. */
bool tf_map_vendor_members(const struct tf_map *m, const char *prefix,
                           char *buf, size_t buflen);

/* --- streaming: the hot path of reads ------------------------------------ */

/* True when fromVendor can run on the vendor's JSON text directly
 * (tf_map_stream_record): no passThrough fromVendor, every vendorPath
 * made of names only (a.b.c), and no field path equal to or inside another
 * (a and a.b; the document check refuses those); otherwise callers parse
 * and use tf_map_from_vendor. Scripts run afterwards either way. */
bool tf_map_streamable(const struct tf_map *m);

struct ed_buf;
struct tf_stream_opts {
    /* the vendor's classic id name (e.g. "vid"), or NULL: a vendorPath
     * equal to it reads the record's "id" digits as a number, as the
     * native resource adds it beside id */
    const char *classic_id;
    bool drop_nulls; /* a null value gives no member */
};

/* fromVendor on one vendor record given as JSON text, as HubSpot sends it:
 * the object starting at p ('{') within [p, end). Appends the mapped object
 * (compact JSON: the members and values tf_map_from_vendor gives for the
 * same record as the native resource shapes it, in the same order) to out.
 * Validates everything it reads (as jsonfilter does: UTF-8, nesting <= 64);
 * returns the position right after the record, or NULL when the JSON is
 * malformed or out hits its cap. No allocation per record beyond out's
 * growth. */
const char *tf_map_stream_record(const struct tf_map *m, const char *p,
                                 const char *end,
                                 const struct tf_stream_opts *o,
                                 struct ed_buf *out);

#endif
