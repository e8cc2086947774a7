/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_JSONFILTER_H
#define ED_CORE_JSONFILTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/errors.h"

/* Streaming JSON reshaping for the hub hot path: copy a provider response
 * into our response in one pass, without building a document. Input is
 * validated as it is copied (ED_ERR_INVALID on malformed JSON, nesting
 * deeper than 64, or a cap hit); output is compact. With drop_nulls, object
 * members whose value is null are left out at every depth (array elements
 * are kept, as Cloud Elements' filter does). */

struct jsonfilter_page {
    size_t count;        /* elements in the copied array */
    char after[256];     /* paging.next.after ("" when none) */
    int64_t total;       /* "total", -1 when absent */
};

/* Copy any JSON value (e.g. one record). */
enum ed_err jsonfilter_copy(const char *in, size_t len, bool drop_nulls,
                            struct ed_buf *out);
/* From a HubSpot page {"results":[...],"paging":{"next":{"after":..}},
 * "total":n}, copy the results array and read the paging fields. A missing
 * results member gives []. out may be NULL to only read the fields. */
enum ed_err jsonfilter_page(const char *in, size_t len, bool drop_nulls,
                            struct ed_buf *out, struct jsonfilter_page *page);

#endif
