/* SPDX-License-Identifier: MIT */
#ifndef ED_BULK_MULTIPART_H
#define ED_BULK_MULTIPART_H
#include <stddef.h>

#include "core/arena.h"

/* A multipart/form-data body held in memory (RFC 7578 on RFC 2046): the
 * boundary comes from the Content-Type ("multipart/form-data;
 * boundary=..." , quoted or not, 1 to 70 characters); a preamble before
 * the first delimiter and an epilogue after the last are ignored; each
 * part has CRLF-ended header lines, then a blank line, then its data up
 * to CRLF "--" boundary. A part needs a Content-Disposition of form-data
 * with a name; filename and Content-Type are optional. Parts keep their
 * order; the data is not copied (ptr into the body). Header names are
 * case-insensitive; the header block of a part is at most 8 KiB. */

#define MP_MAX_PARTS 64
#define MP_MAX_HEADER 8192
#define MP_MAX_BOUNDARY 70

struct mp_part {
    const char *name;         /* never NULL */
    const char *filename;     /* NULL when the part has none */
    const char *content_type; /* NULL when the part has none */
    const char *data;         /* into the body */
    size_t len;
};

/* Copy the boundary of a multipart/form-data Content-Type into out (at
 * least MP_MAX_BOUNDARY + 1 bytes). 0, or -1 with err set. */
int multipart_boundary(const char *content_type, char *out, size_t outsz,
                       char *err, size_t errsz);

/* Parse body: *parts (array in the arena; strings too) and *nparts. 0, or
 * -1 with a message in err ("multipart: ..."): not multipart/form-data,
 * a missing or malformed boundary, no first delimiter, a header line that
 * is not "Name: value" or not CRLF-ended, a part without a form-data name,
 * a body cut short (no closing delimiter), more than MP_MAX_PARTS parts. */
int multipart_parse(struct ed_arena *a, const char *content_type,
                    const char *body, size_t len, struct mp_part **parts,
                    size_t *nparts, char *err, size_t errsz);

/* The first part called name, or NULL. */
const struct mp_part *multipart_find(const struct mp_part *parts, size_t n,
                                     const char *name);

/* --- the same body pushed in pieces (bulk uploads) ------------------------
 * A push parser with the grammar, limits and error messages of
 * multipart_parse, whatever the split of the body: bytes go in with
 * multipart_stream_feed as they arrive, and the end of the body is
 * multipart_stream_finish. Parts come out through callbacks as they are
 * read: part_begin with the part's name, filename and Content-Type (data
 * NULL; strings in the arena), part_data with its data in pieces (never
 * copied whole), part_end when its closing delimiter has been seen. A
 * callback returns 0 to go on; anything else stops the parser (feed and
 * finish then return -2; the callback knows why). Memory is bounded: the
 * header block of the part being read (MP_MAX_HEADER) and a candidate
 * delimiter line (MP_HOLD_MAX: the only departure from multipart_parse is
 * a delimiter followed by more than that many blanks, refused with
 * "multipart: a delimiter line with too many blanks"). After a -1 or -2
 * every later call fails the same way. */

#define MP_HOLD_MAX 4096

struct mp_stream_cb {
    int (*part_begin)(void *ud, const struct mp_part *part);
    int (*part_data)(void *ud, const char *data, size_t n);
    int (*part_end)(void *ud);
};

struct mp_stream;

/* NULL with err set when the Content-Type has no usable boundary. */
struct mp_stream *multipart_stream_new(struct ed_arena *a,
                                       const char *content_type,
                                       const struct mp_stream_cb *cb, void *ud,
                                       char *err, size_t errsz);
/* 0, -1 with err set ("multipart: ..."), or -2 (a callback stopped). */
int multipart_stream_feed(struct mp_stream *s, const char *data, size_t n,
                          char *err, size_t errsz);
int multipart_stream_finish(struct mp_stream *s, char *err, size_t errsz);
/* Parts begun so far. */
size_t multipart_stream_parts(const struct mp_stream *s);
void multipart_stream_free(struct mp_stream *s);

#endif
