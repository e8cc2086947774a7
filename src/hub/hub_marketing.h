/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_MARKETING_H
#define ED_HUB_MARKETING_H
#include <stdbool.h>

#include "hub/hub.h"

/* Shared by the Marketing resources (hub_files.c, hub_marketing.c). */

/* True on the HubSpot Marketing element (`hubspot`). */
bool hub_mkt_element(const struct hub_op *op);

/* A where= field and the HubSpot query parameter it becomes. */
struct hub_where_field {
    const char *ce;    /* field in where (case-insensitive) */
    const char *param; /* HubSpot's query parameter */
};

/* where=a='x' AND b='y' → *query "?pa=x&pb=y" for the listing HubSpot
 * filters by query parameters: equality only, joined by AND, on the fields
 * of the NULL-ended table ("" without a where). orderBy is refused.
 * Returns 0, or the status of the 400 set (naming what is not supported). */
int hub_mkt_where_query(struct hub_op *op, const struct hub_where_field *fields,
                        const char **query);

#endif
