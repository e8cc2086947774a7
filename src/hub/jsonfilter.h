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
 * are kept, as Cloud Elements' filter does).
 *
 * Classic ids: with classic_id (e.g. "vid"; NULL for none), every record
 * (the copied value itself when it is an object, or each object element of
 * a page's results) whose "id" member is a string of 1-18 digits without a
 * leading zero, and which has no member named classic_id, gets
 * `"<classic_id>":<the digits>` as its last member: HubSpot's classic id,
 * as a number, in the same pass. Nested objects are left alone. Member
 * names are compared as written (a name spelled with escapes is not
 * recognised). */

struct jsonfilter_page {
    size_t count;    /* elements in the copied array */
    char after[256]; /* paging.next.after ("" when none) */
    int64_t total;   /* "total", -1 when absent */
    /* also read, for pages of other shapes (jsonfilter_page_key): */
    bool found;      /* the records array was there (an array) */
    bool has_offset; /* "offset" was an integer (then in offset) */
    int64_t offset;
    bool has_more; /* "hasMore" was true */
};

/* A record projection (virtual resources, hub/virtual.c): where a record
 * would be copied, record() reads the record object starting at p ('{')
 * within [p, end), validating it, appends what it makes of it to out, and
 * returns the position right after the record (NULL: malformed, or out is
 * full). classic_id and drop_nulls are the copy's. `used` is set when a
 * record went through it. */
struct jsonfilter_proj {
    const char *(*record)(void *ud, const char *p, const char *end,
                          const char *classic_id, bool drop_nulls,
                          struct ed_buf *out);
    void *ud;
    bool used;
};

/* Copy the one value starting at p within [p, end) (what follows it is
 * not looked at), validated and without nulls as above; returns the
 * position right after it, or NULL (malformed, or out is full). For
 * record projections that copy a record and add to it. */
const char *jsonfilter_copy_one(const char *p, const char *end, bool drop_nulls,
                                struct ed_buf *out);
/* Copy any JSON value (e.g. one record). */
enum ed_err jsonfilter_copy(const char *in, size_t len, bool drop_nulls,
                            const char *classic_id, struct ed_buf *out);
/* From a HubSpot page {"results":[...],"paging":{"next":{"after":..}},
 * "total":n}, copy the results array, less its first `offset` elements
 * (validated, left out; count is what was copied), and read the paging
 * fields. A missing results member gives []. out may be NULL to only read
 * the fields. */
enum ed_err jsonfilter_page(const char *in, size_t len, bool drop_nulls,
                            const char *classic_id, size_t offset,
                            struct ed_buf *out, struct jsonfilter_page *page);
/* The same two, with records going through proj (NULL: copied). */
enum ed_err jsonfilter_copy_proj(const char *in, size_t len, bool drop_nulls,
                                 const char *classic_id,
                                 struct jsonfilter_proj *proj,
                                 struct ed_buf *out);
enum ed_err jsonfilter_page_proj(const char *in, size_t len, bool drop_nulls,
                                 const char *classic_id, size_t offset,
                                 struct jsonfilter_proj *proj,
                                 struct ed_buf *out,
                                 struct jsonfilter_page *page);
/* jsonfilter_page_proj over a page whose records array is named
 * results_key (e.g. "lists": HubSpot's list search answers {"lists":[..],
 * "offset":n,"hasMore":b,"total":t}); "offset" and "hasMore" are read into
 * page as well (so they are by the two above). */
enum ed_err jsonfilter_page_key(const char *in, size_t len,
                                const char *results_key, bool drop_nulls,
                                const char *classic_id, size_t offset,
                                struct jsonfilter_proj *proj,
                                struct ed_buf *out,
                                struct jsonfilter_page *page);

/* Members of one object, read without building it: the object at p within
 * [p, end) is validated (nothing is copied) and, for each m[i], vs/ve span
 * the value of the last member named m[i].key (vs NULL when none; count is
 * how many there were). Names are compared as written; *escaped (if not
 * NULL) tells whether a member name of this object holds a backslash.
 * Returns the position right after the object, or NULL (not an object, or
 * malformed). */
struct jsonfilter_member {
    const char *key;
    const char *vs, *ve;
    unsigned count;
};
const char *jsonfilter_members(const char *p, const char *end,
                               struct jsonfilter_member *m, size_t n,
                               bool *escaped);
/* jsonfilter_copy_one of an object, finding members m[0..n) of it as it
 * is copied (n <= JSONFILTER_CAP_MAX): vs/ve span each value in out's
 * data (valid until out changes; a dropped null is not found), count and
 * *escaped as jsonfilter_members. Returns what jsonfilter_copy_one does
 * (NULL also when the value is not an object). One pass instead of a copy
 * and a second scan. */
#define JSONFILTER_CAP_MAX 16
const char *jsonfilter_copy_members(const char *p, const char *end,
                                    bool drop_nulls, struct ed_buf *out,
                                    struct jsonfilter_member *m, size_t n,
                                    bool *escaped);
/* The same over text a jsonfilter pass has validated already (a record
 * jsonfilter_copy_one read or wrote): no checks, memchr over strings. On
 * any other text the spans are unspecified (never outside [p, end)). */
const char *jsonfilter_members_valid(const char *p, const char *end,
                                     struct jsonfilter_member *m, size_t n,
                                     bool *escaped);

#endif
