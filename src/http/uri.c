/* SPDX-License-Identifier: MIT
 * Request-target decoding (see uri.h). */
#include "http/uri.h"

#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode n bytes of s into the arena; plus_space: '+' means ' '. */
static char *decode(struct ed_arena *a, const char *s, size_t n,
                    bool plus_space)
{
    char *out = ed_arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0 && (hi | lo) != 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus_space && s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

char *http_uri_path(struct ed_arena *a, const char *raw)
{
    size_t n = strcspn(raw, "?#");
    return decode(a, raw, n, false);
}

const char *http_uri_query(const char *raw)
{
    size_t n = strcspn(raw, "?#");
    return raw[n] == '?' ? raw + n + 1 : NULL;
}

size_t http_uri_parse_query(struct ed_arena *a, const char *q,
                            struct ed_kv *out, size_t max, bool *overflow)
{
    size_t count = 0;
    *overflow = false;
    if (!q)
        return 0;
    size_t qlen = strcspn(q, "#");
    const char *end = q + qlen;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(stop - q));
        const char *name_end = eq ? eq : stop;
        if (name_end > q) {
            if (count == max) {
                *overflow = true;
                return count;
            }
            out[count].name = decode(a, q, (size_t)(name_end - q), true);
            out[count].value = eq ? decode(a, eq + 1, (size_t)(stop - eq - 1),
                                           true)
                                  : NULL;
            count++;
        }
        q = amp ? amp + 1 : end;
    }
    return count;
}
