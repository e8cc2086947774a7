/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_TEXT_H
#define ED_CORE_TEXT_H
#include <stddef.h>

#include <stdbool.h>

#include "core/buf.h"

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

#endif
