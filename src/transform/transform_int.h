/* SPDX-License-Identifier: MIT */
#ifndef ED_TRANSFORM_TRANSFORM_INT_H
#define ED_TRANSFORM_TRANSFORM_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Shared by transform/doc.c (checks) and transform/map.c (compile). */

enum tf_kind { TF_NONE, TF_STRING, TF_NUMBER, TF_BOOLEAN, TF_DATE };

/* A field type: a scalar kind, or an array of one (array == true). */
struct tf_type {
    enum tf_kind kind;
    bool array;
};

/* Parse a type: "string" ... "date", "array" with subType (one of the
 * four; a missing subType means an array of untyped values),
 * "array[string]" and "array [string]". False when unknown. */
bool tf_type_parse(const char *type, const json_t *subtype,
                   struct tf_type *out);

/* Find {"type": type} in a configuration array (NULL when absent). */
const json_t *tf_config_find(const json_t *configuration, const char *type);

/* A boolean member of a configuration's "properties", dflt when absent. */
bool tf_config_flag(const json_t *config, const char *name, bool dflt);

/* Cut a message at a UTF-8 character boundary after snprintf truncated it
 * (the messages go into JSON envelopes). */
void tf_utf8_trim(char *s);

#endif
