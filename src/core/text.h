/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_TEXT_H
#define ED_CORE_TEXT_H
#include <stddef.h>

#include <stdbool.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/request.h"

/* Append s percent-encoded as an RFC 3986 query value (unreserved characters
 * kept, space as %20). Fails only when the buffer cap is hit. */
enum ed_err ed_url_encode(struct ed_buf *b, const char *s);
/* Remove HTML markup, decoding first: character references (&amp; &lt;
 * &gt; &quot; &#39; &apos;, numeric &#60; &#x3c;) are decoded until none is
 * left (so "&amp;lt;" becomes "<"), then tags ("<" to ">") and stray ">"
 * are dropped, text between them kept, surrounding whitespace trimmed. The
 * result never contains '<' or '>'. Returns a heap string (caller frees). */
char *ed_html_strip(const char *s);
/* Whether s (NULL: no) holds a control character (below 0x20, or 0x7f). */
bool ed_has_control(const char *s);

/* Percent-decode n bytes of s into the arena (NUL-terminated); %00 and
 * malformed escapes stay as written; plus_space: '+' means ' ' (query
 * strings), else it stays a plus (paths). */
char *ed_url_decode(struct ed_arena *a, const char *s, size_t n,
                    bool plus_space);
/* Parse a query string ("a=1&b=x%20y", without '?'; stops at '#') into at
 * most max pairs allocated in the arena: names and values percent-decoded,
 * '+' as a space, value NULL for a key without '='. *overflow tells whether
 * pairs were left out. Returns the count. */
size_t ed_query_parse(struct ed_arena *a, const char *q, struct ed_kv *out,
                      size_t max, bool *overflow);

#endif
