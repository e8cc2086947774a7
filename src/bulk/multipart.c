/* SPDX-License-Identifier: MIT
 * bulk/multipart.c: a multipart/form-data body held in memory (see
 * multipart.h). The body is walked once: find a delimiter line, read the
 * part's header block, find the next delimiter line; part data is never
 * copied, only header values are (into the caller's arena). */
#include "bulk/multipart.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MP_TYPE "multipart/form-data"

static int fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;
    if (err && errsz) {
        va_start(ap, fmt);
        vsnprintf(err, errsz, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool bchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("'()+_,-./:=? ", c));
}

/* One "; name=value" parameter of a header value at *s (up to end): the
 * name and the value (quoted strings unescaped into val). Returns false
 * at the end or on a malformed parameter (*bad set). */
static bool next_param(const char **s, const char *end, char *name,
                       size_t namesz, char *val, size_t valsz, size_t *vlen,
                       bool *bad)
{
    const char *p = *s;
    size_t n = 0, v = 0;
    *bad = false;
    while (p < end && ows(*p))
        p++;
    if (p == end)
        return false;
    if (*p != ';')
        goto bad;
    p++;
    while (p < end && ows(*p))
        p++;
    while (p < end && tchar(*p)) {
        if (n + 1 >= namesz)
            goto bad;
        name[n++] = *p++;
    }
    name[n] = '\0';
    if (n == 0 || p == end || *p != '=')
        goto bad;
    p++;
    if (p < end && *p == '"') {
        p++;
        for (;;) {
            if (p == end)
                goto bad;
            if (*p == '"')
                break;
            if (*p == '\\' && p + 1 < end)
                p++;
            if ((unsigned char)*p < 0x20 && *p != '\t')
                goto bad;
            if (v + 1 >= valsz)
                goto bad;
            val[v++] = *p++;
        }
        p++;
    } else {
        while (p < end && tchar(*p)) {
            if (v + 1 >= valsz)
                goto bad;
            val[v++] = *p++;
        }
        if (v == 0)
            goto bad;
    }
    val[v] = '\0';
    *vlen = v;
    *s = p;
    return true;
bad:
    *bad = true;
    return false;
}

int multipart_boundary(const char *ct, char *out, size_t outsz, char *err,
                       size_t errsz)
{
    const char *p, *end;
    char name[32], val[MP_MAX_HEADER];
    size_t vlen = 0;
    bool bad = false, found = false;

    if (!ct)
        return fail(err, errsz, "multipart: no Content-Type");
    p = ct;
    end = ct + strlen(ct);
    while (p < end && ows(*p))
        p++;
    if ((size_t)(end - p) < strlen(MP_TYPE) ||
        strncasecmp(p, MP_TYPE, strlen(MP_TYPE)) != 0 ||
        (p[strlen(MP_TYPE)] && !ows(p[strlen(MP_TYPE)]) &&
         p[strlen(MP_TYPE)] != ';'))
        return fail(err, errsz,
                    "multipart: the Content-Type is not multipart/form-data");
    p += strlen(MP_TYPE);
    while (next_param(&p, end, name, sizeof(name), val, sizeof(val), &vlen,
                      &bad)) {
        if (strcasecmp(name, "boundary") != 0)
            continue;
        if (found)
            return fail(err, errsz, "multipart: two boundary parameters");
        found = true;
        if (vlen == 0 || vlen > MP_MAX_BOUNDARY || val[vlen - 1] == ' ')
            return fail(err, errsz,
                        "multipart: the boundary must have 1 to %d "
                        "characters and not end with a space",
                        MP_MAX_BOUNDARY);
        for (size_t i = 0; i < vlen; i++)
            if (!bchar(val[i]))
                return fail(err, errsz,
                            "multipart: the boundary has a character RFC "
                            "2046 does not allow");
        if (vlen + 1 > outsz)
            return fail(err, errsz, "multipart: boundary buffer too small");
        memcpy(out, val, vlen + 1);
    }
    if (bad)
        return fail(err, errsz,
                    "multipart: a malformed Content-Type "
                    "parameter");
    if (!found)
        return fail(err, errsz, "multipart: the Content-Type has no boundary");
    return 0;
}

/* The next delimiter line at or after from: "--boundary" at the start of
 * the body (first only) or after CRLF, followed by "--" (last: *close) or
 * optional blanks and CRLF. Returns the offset of the CRLF before it (or
 * of the delimiter at 0), and in *after where the next part starts. -1
 * when there is none; -2 when a delimiter is not followed by CRLF. */
static long find_delim(const char *b, size_t len, size_t from,
                       const char *delim, size_t dlen, size_t *after,
                       bool *close)
{
    size_t i = from;
    for (;;) {
        size_t at, p;
        if (i == 0 && len >= dlen && memcmp(b, delim, dlen) == 0) {
            at = 0;
            p = dlen;
        } else {
            const char *hit;
            if (i >= len)
                return -1;
            hit = memmem(b + i, len - i, "\r\n", 2);
            if (!hit)
                return -1;
            at = (size_t)(hit - b);
            p = at + 2;
            if (len - p < dlen || memcmp(b + p, delim, dlen) != 0) {
                i = at + 2;
                continue;
            }
            p += dlen;
        }
        if (len - p >= 2 && b[p] == '-' && b[p + 1] == '-') {
            *close = true;
            *after = p + 2;
            return (long)at;
        }
        while (p < len && ows(b[p]))
            p++;
        if (len - p >= 2 && b[p] == '\r' && b[p + 1] == '\n') {
            *close = false;
            *after = p + 2;
            return (long)at;
        }
        if (p >= len)
            return -2;
        /* "--boundary" then other text: data, not a delimiter */
        i = (at == 0 && i == 0) ? 1 : at + 2;
    }
}

static char *dup_trim(struct ed_arena *a, const char *s, const char *e)
{
    while (s < e && ows(*s))
        s++;
    while (e > s && ows(e[-1]))
        e--;
    return ed_arena_strndup(a, s, (size_t)(e - s));
}

/* The header block [h, he) of part k (1-based) into *part. */
static int part_headers(struct ed_arena *a, const char *h, const char *he,
                        struct mp_part *part, size_t k, char *err, size_t errsz)
{
    bool disp = false;
    while (h < he) {
        const char *eol = memmem(h, (size_t)(he - h), "\r\n", 2);
        const char *colon, *v;
        if (!eol)
            eol = he;
        for (const char *q = h; q < eol; q++)
            if (((unsigned char)*q < 0x20 && *q != '\t') || *q == 0x7f)
                return fail(err, errsz,
                            "multipart: part %zu: a header line with a "
                            "control character (lines end with CRLF)",
                            k);
        if (ows(*h))
            return fail(err, errsz, "multipart: part %zu: a folded header line",
                        k);
        colon = memchr(h, ':', (size_t)(eol - h));
        if (!colon || colon == h)
            return fail(err, errsz,
                        "multipart: part %zu: a header line is not "
                        "\"Name: value\"",
                        k);
        for (const char *q = h; q < colon; q++)
            if (!tchar(*q))
                return fail(err, errsz,
                            "multipart: part %zu: a header line is not "
                            "\"Name: value\"",
                            k);
        v = colon + 1;
        if ((size_t)(colon - h) == strlen("Content-Disposition") &&
            strncasecmp(h, "Content-Disposition", (size_t)(colon - h)) == 0) {
            char name[32], val[MP_MAX_HEADER];
            size_t vlen;
            bool bad = false;
            const char *p = v;
            if (disp)
                return fail(err, errsz,
                            "multipart: part %zu: two Content-Disposition "
                            "headers",
                            k);
            disp = true;
            while (p < eol && ows(*p))
                p++;
            if ((size_t)(eol - p) < 9 || strncasecmp(p, "form-data", 9) != 0 ||
                (p + 9 < eol && !ows(p[9]) && p[9] != ';'))
                return fail(err, errsz,
                            "multipart: part %zu: the Content-Disposition is "
                            "not form-data",
                            k);
            p += 9;
            while (next_param(&p, eol, name, sizeof(name), val, sizeof(val),
                              &vlen, &bad)) {
                if (memchr(val, '\0', vlen))
                    continue;
                if (strcasecmp(name, "name") == 0)
                    part->name = ed_arena_strndup(a, val, vlen);
                else if (strcasecmp(name, "filename") == 0)
                    part->filename = ed_arena_strndup(a, val, vlen);
            }
            if (bad)
                return fail(err, errsz,
                            "multipart: part %zu: a malformed "
                            "Content-Disposition parameter",
                            k);
        } else if ((size_t)(colon - h) == strlen("Content-Type") &&
                   strncasecmp(h, "Content-Type", (size_t)(colon - h)) == 0) {
            part->content_type = dup_trim(a, v, eol);
        }
        h = eol + 2;
    }
    if (!disp)
        return fail(err, errsz,
                    "multipart: part %zu has no Content-Disposition", k);
    if (!part->name || !*part->name)
        return fail(err, errsz, "multipart: part %zu has no name", k);
    return 0;
}

int multipart_parse(struct ed_arena *a, const char *content_type,
                    const char *body, size_t len, struct mp_part **parts,
                    size_t *nparts, char *err, size_t errsz)
{
    char boundary[MP_MAX_BOUNDARY + 1], delim[MP_MAX_BOUNDARY + 3];
    size_t dlen, pos, n = 0;
    struct mp_part *out;
    bool close = false;
    long at;

    *parts = NULL;
    *nparts = 0;
    if (multipart_boundary(content_type, boundary, sizeof(boundary), err,
                           errsz) != 0)
        return -1;
    dlen = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
    if (!body)
        len = 0;
    at = find_delim(body, len, 0, delim, dlen, &pos, &close);
    if (at < 0)
        return fail(err, errsz,
                    at == -2 ? "multipart: the body is cut short"
                             : "multipart: the body has no boundary "
                               "delimiter line");
    out = ed_arena_alloc(a, MP_MAX_PARTS * sizeof(*out));
    while (!close) {
        const char *hdr = body + pos, *hend;
        size_t after;
        struct mp_part *part;
        if (n == MP_MAX_PARTS)
            return fail(err, errsz, "multipart: more than %d parts",
                        MP_MAX_PARTS);
        part = &out[n++];
        memset(part, 0, sizeof(*part));
        /* the header block ends with an empty line */
        if (len - pos >= 2 && hdr[0] == '\r' && hdr[1] == '\n') {
            hend = hdr;
            pos += 2;
        } else {
            size_t lim = len - pos < MP_MAX_HEADER ? len - pos : MP_MAX_HEADER;
            const char *e = memmem(hdr, lim, "\r\n\r\n", 4);
            if (!e)
                return fail(err, errsz,
                            lim == MP_MAX_HEADER
                                ? "multipart: part %zu: headers over 8 KiB "
                                  "or not ended by an empty CRLF line"
                                : "multipart: part %zu: the body is cut "
                                  "short in the headers",
                            n);
            hend = e;
            pos = (size_t)(e - body) + 4;
        }
        if (part_headers(a, hdr, hend, part, n, err, errsz) != 0)
            return -1;
        /* the data runs to the CRLF before the next delimiter */
        at = find_delim(body, len, pos - 2, delim, dlen, &after, &close);
        if (at < 0)
            return fail(err, errsz,
                        "multipart: part %zu (\"%s\"): the body is cut short "
                        "(no closing boundary)",
                        n, part->name);
        if ((size_t)at < pos) {
            /* an empty part whose header block ends right at the delimiter */
            part->data = body + pos;
            part->len = 0;
        } else {
            part->data = body + pos;
            part->len = (size_t)at - pos;
        }
        pos = after;
    }
    *parts = out;
    *nparts = n;
    return 0;
}

const struct mp_part *multipart_find(const struct mp_part *parts, size_t n,
                                     const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(parts[i].name, name) == 0)
            return &parts[i];
    return NULL;
}
