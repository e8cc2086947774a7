/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_TEXT_H
#define ED_CORE_TEXT_H
#include <stddef.h>

#include "core/buf.h"

/* Append s percent-encoded as an RFC 3986 query value (unreserved characters
 * kept, space as %20). Fails only when the buffer cap is hit. */
enum ed_err ed_url_encode(struct ed_buf *b, const char *s);
/* Remove HTML markup: tags are dropped, text between them kept, entities
 * &amp; &lt; &gt; &quot; &#39; decoded, surrounding whitespace trimmed.
 * Returns a heap string (caller frees). */
char *ed_html_strip(const char *s);

#endif
