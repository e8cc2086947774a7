/* SPDX-License-Identifier: MIT */
#ifndef ED_ELEMENTS_H
#define ED_ELEMENTS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* The element catalogue. Elements are data: one definition file per element
 * in src/elements/defs/ (compiled into the binary), loaded and validated at
 * start. A definition holds the element object as Cloud Elements shows it,
 * its configuration definitions per authentication type, its OAuth settings
 * (paths and default-scope rules) and its metadata. */

struct element {
    int64_t id;
    const char *key;
    const char *name;
    const char *hub;
    json_t *def;    /* whole definition (owned by the catalogue) */
    json_t *object; /* borrowed: def.element */
    json_t *config; /* borrowed: def.configuration (array) */
    json_t *oauth;  /* borrowed: def.oauth */
};

struct elements;

/* Load and validate the compiled-in definitions. On failure *why names the
 * file and the problem (static or heap string; caller frees with free()). */
enum ed_err elements_load(struct elements **out, char **why);
/* Validate one definition document (also used by the fuzz target). */
enum ed_err elements_validate_def(json_t *def, char *why, size_t why_len);
void elements_free(struct elements *e);

size_t elements_count(const struct elements *e);
const struct element *elements_at(const struct elements *e, size_t i);
/* Find by key or numeric id; NULL if unknown. */
const struct element *elements_find(const struct elements *e,
                                    const char *key_or_id);
/* The hub catalogue (array of {key,name,description}), borrowed. */
json_t *elements_hubs(const struct elements *e);

/* Configuration definition of `key` (borrowed) or NULL. */
json_t *element_config_def(const struct element *el, const char *key);
/* True if the key's value must never be shown (PASSWORD type or secret). */
bool element_config_is_secret(const struct element *el, const char *key);
/* OAuth setting (e.g. "tokenPath"); NULL if absent. */
const char *element_oauth(const struct element *el, const char *name);
/* Configuration definitions rendered as Cloud Elements shows them (new
 * reference). */
json_t *element_config_render(const struct element *el);
/* The object catalogue (def.objects, borrowed): [{name, vendorName, type
 * (ceCanonical or vendor), properties (the HubSpot properties type its fields
 * come from) or fields (a static list)}], in the order /objects lists it. */
json_t *element_objects(const struct element *el);
/* GET /elements/{id}/metadata body (new reference). */
json_t *element_metadata_render(const struct element *el);

#endif
