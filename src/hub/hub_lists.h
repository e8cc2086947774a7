/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_LISTS_H
#define ED_HUB_LISTS_H
#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"

/* The classic shape of a HubSpot v3 list (hub_lists.c): id, listId as a
 * number, dynamic, listType, size and metaData.size (from
 * additionalProperties.hs_list_size when HubSpot gives no size), filters
 * (v1 groups) from a filterBranch of that form. In place. */
void hub_list_shape(json_t *l);

/* The same shape, streamed: a struct jsonfilter_proj record function
 * (ud unused, classic_id ignored) for HubSpot's list search answer. The
 * answer is hub_list_shape's followed by the null filter, except that a
 * member HubSpot sends as null is treated as absent (a null "size" then
 * leaves hs_list_size to give the size; a null "id", "dynamic", ...
 * gets its value last rather than in the null's place). */
const char *hub_list_record(void *ud, const char *p, const char *end,
                            const char *classic_id, bool drop_nulls,
                            struct ed_buf *out);

#endif
