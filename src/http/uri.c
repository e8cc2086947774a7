/* SPDX-License-Identifier: MIT
 * Request-target decoding (see uri.h). */
#include "http/uri.h"

#include <string.h>

#include "core/text.h"

char *http_uri_path(struct ed_arena *a, const char *raw)
{
    size_t n = strcspn(raw, "?#");
    return ed_url_decode(a, raw, n, false);
}

const char *http_uri_query(const char *raw)
{
    size_t n = strcspn(raw, "?#");
    return raw[n] == '?' ? raw + n + 1 : NULL;
}
