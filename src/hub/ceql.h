/* SPDX-License-Identifier: MIT */
#ifndef ED_API_CEQL_H
#define ED_API_CEQL_H
#include <stddef.h>

#include <jansson.h>

#include "core/errors.h"

/* CEQL, Cloud Elements' `where=` language, translated to the body of a
 * HubSpot CRM v3 search (POST /crm/v3/objects/{type}/search). Bounds:
 * 8 KiB of query, 32 levels of parentheses, 100 comparisons, 100 values per
 * IN list; HubSpot's own limits (5 filter groups, 6 filters per group, 18
 * filters in total, one sort) are checked on the translated body. Error
 * positions in messages are 1-based byte offsets into `where`. */

#define CEQL_MAX_LEN 8192
#define CEQL_MAX_DEPTH 32
#define CEQL_MAX_COMPARISONS 100
#define CEQL_MAX_IN_VALUES 100
#define CEQL_HS_MAX_GROUPS 5
#define CEQL_HS_MAX_FILTERS_PER_GROUP 6
#define CEQL_HS_MAX_FILTERS 18
#define CEQL_HS_MAX_SORTS 1
#define CEQL_HS_MAX_BODY 3000 /* bytes of a search request body */

/* Options for one translation. */
struct ceql_options {
    const char *object_type;       /* "contacts", "companies", "deals", ... */
    const char *lastmodified_prop; /* "lastmodifieddate" (contacts) or
                                      "hs_lastmodifieddate" */
};

/* Parse `where` (may be NULL/empty = no filter), `order_by` (may be NULL:
 * e.g. "lastname asc, createdate desc") and translate to a HubSpot search
 * body: {"filterGroups":[{"filters":[{"propertyName","operator",
 * "value"|"values"}...]}...], "sorts":[{"propertyName","direction":
 * "ASCENDING"|"DESCENDING"}]}. `filterGroups` is always present (possibly
 * []), `sorts` only when non-empty, and `query` only when the where clause
 * has a top-level `q='text'` conjunct (CE's free-text search). opt may be
 * NULL; a NULL lastmodified_prop defaults from object_type. On error returns
 * ED_ERR_INVALID, *out is untouched, and a user-facing message starting with
 * "CEQL: " is written into err (always valid UTF-8, truncated to errlen).
 * On success *out is a new reference owned by the caller. */
enum ed_err ceql_translate(const char *where, const char *order_by,
                           const struct ceql_options *opt, json_t **out,
                           char *err, size_t errlen);

/* Parse only (for the fuzz target and tests): returns ED_OK if `where` is
 * syntactically valid CEQL (NULL or blank counts as valid), else
 * ED_ERR_INVALID with a message in err as for ceql_translate. HubSpot's
 * limits and value checks (dates, LIKE patterns) are not applied. */
enum ed_err ceql_check(const char *where, char *err, size_t errlen);

/* Rename the fields of a where clause and an orderBy (virtual resources:
 * their fields become the vendor's): fn returns the new name of `name` (a
 * string that lives at least until ceql_rename returns), or NULL after
 * writing why into err. The rest of the text is kept byte for byte; `q`
 * (free-text search) is left alone. On success *where_out / *order_out are
 * heap strings (NULL for a NULL or empty input). On error (a syntax error,
 * or fn's refusal) ED_ERR_INVALID with the message in err. */
typedef const char *(*ceql_rename_fn)(void *ud, const char *name, char *err,
                                      size_t errlen);
enum ed_err ceql_rename(const char *where, const char *order_by,
                        ceql_rename_fn fn, void *ud, char **where_out,
                        char **order_out, char *err, size_t errlen);

#endif
