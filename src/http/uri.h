/* SPDX-License-Identifier: MIT */
#ifndef ED_HTTP_URI_H
#define ED_HTTP_URI_H
#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"
#include "core/arena.h"

/* The request target as the client sent it, split and decoded here rather
 * than by libmicrohttpd: the path decodes %xx only ('+' is a plus), the
 * query string is form-encoded ('+' is a space, then %xx). %00 stays as
 * the three characters (strings are NUL-terminated). */

/* Decode the path part of raw (up to '?' or '#'); an arena string. */
char *http_uri_path(struct ed_arena *a, const char *raw);
/* The query part of raw (after the first '?', up to '#'), or NULL. */
const char *http_uri_query(const char *raw);
/* The query string itself is parsed by ed_query_parse (core/text.h). */

#endif
