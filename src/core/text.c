/* SPDX-License-Identifier: MIT
 * Text helpers: URL encoding for the OAuth URLs we build, and the HTML
 * sanitiser applied to instance names and tags. */
#include "core/text.h"

#include <string.h>

#include "core/mem.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

enum ed_err ed_url_encode(struct ed_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        enum ed_err e;
        if (unreserved(*p)) {
            e = ed_buf_append(b, p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            e = ed_buf_append(b, enc, 3);
        }
        if (e)
            return e;
    }
    return ED_OK;
}

static const struct {
    const char *ent;
    char ch;
} entities[] = {{"&amp;", '&'}, {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};

char *ed_html_strip(const char *s)
{
    size_t n = strlen(s);
    char *out = ed_malloc(n + 1);
    size_t k = 0;
    int in_tag = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_tag) {
            if (c == '>')
                in_tag = 0;
            continue;
        }
        if (c == '<') {
            in_tag = 1;
            continue;
        }
        if (c == '&') {
            size_t j;
            for (j = 0; j < sizeof(entities) / sizeof(entities[0]); j++) {
                size_t el = strlen(entities[j].ent);
                if (strncmp(s + i, entities[j].ent, el) == 0) {
                    out[k++] = entities[j].ch;
                    i += el - 1;
                    break;
                }
            }
            if (j < sizeof(entities) / sizeof(entities[0]))
                continue;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    /* trim */
    size_t a = 0;
    while (out[a] == ' ' || out[a] == '\t' || out[a] == '\n' || out[a] == '\r')
        a++;
    size_t z = k;
    while (z > a && (out[z - 1] == ' ' || out[z - 1] == '\t' ||
                     out[z - 1] == '\n' || out[z - 1] == '\r'))
        z--;
    memmove(out, out + a, z - a);
    out[z - a] = '\0';
    return out;
}
