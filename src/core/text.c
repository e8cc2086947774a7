/* SPDX-License-Identifier: MIT
 * Text helpers: URL encoding for the OAuth URLs we build, and the HTML
 * sanitiser applied to instance names and tags. */
#include "core/text.h"

#include <stdbool.h>
#include <stdlib.h>
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
} entities[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};

/* A numeric reference at s ("&#60;", "&#x3c;"): its length, 0 if none.
 * *cp gets the code point. */
static size_t numeric_ref(const char *s, unsigned long *cp)
{
    size_t i = 2;
    int hexa = s[2] == 'x' || s[2] == 'X';
    unsigned long v = 0;
    size_t digits = 0;
    if (s[0] != '&' || s[1] != '#')
        return 0;
    if (hexa)
        i++;
    for (;; i++, digits++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'           ? c - '0'
                : hexa && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hexa && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
        if (d < 0)
            break;
        if (digits >= 8)
            return 0;
        v = v * (hexa ? 16 : 10) + (unsigned long)d;
    }
    if (!digits || s[i] != ';')
        return 0;
    *cp = v;
    return i + 1;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* One decoding pass of s into out (as long as s at least: no reference is
 * shorter than what it decodes to); returns whether anything changed.
 * Numeric references to control characters, surrogates or beyond U+10FFFF
 * decode to nothing. */
static bool decode_once(const char *s, char *out)
{
    size_t k = 0;
    bool changed = false;
    for (size_t i = 0; s[i];) {
        if (s[i] == '&') {
            unsigned long cp;
            size_t n = numeric_ref(s + i, &cp);
            if (n) {
                if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) &&
                    !(cp >= 0xd800 && cp < 0xe000) && cp <= 0x10ffff)
                    k += put_utf8(out + k, cp);
                i += n;
                changed = true;
                continue;
            }
            size_t j;
            for (j = 0; j < sizeof(entities) / sizeof(entities[0]); j++) {
                size_t el = strlen(entities[j].ent);
                if (strncmp(s + i, entities[j].ent, el) == 0) {
                    out[k++] = entities[j].ch;
                    i += el;
                    changed = true;
                    break;
                }
            }
            if (j < sizeof(entities) / sizeof(entities[0]))
                continue;
        }
        out[k++] = s[i++];
    }
    out[k] = '\0';
    return changed;
}

char *ed_html_strip(const char *s)
{
    size_t n = strlen(s);
    char *dec = ed_strdup(s), *tmp = ed_malloc(n + 1);
    char *out = ed_malloc(n + 1);
    size_t k = 0;
    int in_tag = 0;
    /* decode until nothing changes ("&amp;lt;" is "&lt;" is "<"), bounded */
    for (int round = 0; round < 8 && decode_once(dec, tmp); round++) {
        char *t = dec;
        dec = tmp;
        tmp = t;
    }
    free(tmp);
    /* then drop markup: "<" to ">" (or the end) goes, a stray ">" too */
    for (size_t i = 0; dec[i]; i++) {
        char c = dec[i];
        if (in_tag) {
            if (c == '>')
                in_tag = 0;
            continue;
        }
        if (c == '<') {
            in_tag = 1;
            continue;
        }
        if (c == '>')
            continue;
        out[k++] = c;
    }
    out[k] = '\0';
    free(dec);
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

bool ed_has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

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

char *ed_url_decode(struct ed_arena *a, const char *s, size_t n,
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

size_t ed_query_parse(struct ed_arena *a, const char *q, struct ed_kv *out,
                      size_t max, bool *overflow)
{
    size_t count = 0;
    *overflow = false;
    if (!q)
        return 0;
    const char *end = q + strcspn(q, "#");
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
            out[count].name = ed_url_decode(a, q, (size_t)(name_end - q), true);
            out[count].value = eq ? ed_url_decode(a, eq + 1,
                                                  (size_t)(stop - eq - 1), true)
                                  : NULL;
            count++;
        }
        q = amp ? amp + 1 : end;
    }
    return count;
}
