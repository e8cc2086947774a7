/* SPDX-License-Identifier: MIT
 * bulk/multipart.c: a multipart/form-data body held in memory (see
 * multipart.h). The body is walked once: find a delimiter line, read the
 * part's header block, find the next delimiter line; part data is never
 * copied, only header values are (into the caller's arena). */
#include "bulk/multipart.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

/* --- the push parser ------------------------------------------------------
 * States: the preamble (looking for the first delimiter line), a part's
 * header block (buffered, at most MP_MAX_HEADER bytes), its data (passed
 * on as it comes), the epilogue (ignored). A candidate delimiter line is
 * held back while it may still match: its CRLF ("lead"; none for a "--"
 * at the very start of the body), "--boundary", then "--" or blanks and
 * CRLF. The CRLF that ends a header block may be the lead of the next
 * delimiter ("virtual": never data). A failed candidate gives its bytes
 * back as data; they hold no CR but the last, where a new candidate may
 * start, exactly where multipart_parse resumes its search. */

enum ms_state { MS_PRE, MS_HEAD, MS_DATA, MS_EPI, MS_FAIL };
enum ms_after { AF_START, AF_DASH, AF_OWS, AF_CR };

struct mp_stream {
    struct ed_arena *a;
    const struct mp_stream_cb *cb;
    void *ud;
    char delim[MP_MAX_BOUNDARY + 3];
    size_t dlen;
    enum ms_state st;
    bool at_start; /* no byte seen yet */
    int rc;        /* the failure, once failed */
    char msg[256];
    /* the candidate delimiter line */
    char hold[MP_HOLD_MAX + MP_MAX_BOUNDARY + 8];
    size_t hlen, lead;
    bool virt;
    enum ms_after after;
    bool close;
    /* the part being read */
    char hdr[MP_MAX_HEADER];
    size_t hdrlen;
    size_t nparts;
    struct mp_part cur;
};

struct mp_stream *multipart_stream_new(struct ed_arena *a,
                                       const char *content_type,
                                       const struct mp_stream_cb *cb, void *ud,
                                       char *err, size_t errsz)
{
    char boundary[MP_MAX_BOUNDARY + 1];
    if (multipart_boundary(content_type, boundary, sizeof(boundary), err,
                           errsz) != 0)
        return NULL;
    struct mp_stream *s = calloc(1, sizeof(*s));
    if (!s) {
        fail(err, errsz, "multipart: out of memory");
        return NULL;
    }
    s->a = a;
    s->cb = cb;
    s->ud = ud;
    s->dlen = (size_t)snprintf(s->delim, sizeof(s->delim), "--%s", boundary);
    s->st = MS_PRE;
    s->at_start = true;
    return s;
}

void multipart_stream_free(struct mp_stream *s)
{
    free(s);
}

size_t multipart_stream_parts(const struct mp_stream *s)
{
    return s->nparts;
}

static int ms_fail(struct mp_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int ms_fail(struct mp_stream *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
    va_end(ap);
    s->st = MS_FAIL;
    s->rc = -1;
    return -1;
}

static int ms_stop(struct mp_stream *s)
{
    s->st = MS_FAIL;
    s->rc = -2;
    snprintf(s->msg, sizeof(s->msg), "multipart: stopped");
    return -2;
}

/* Data of the current part (nothing in the preamble). */
static int ms_emit(struct mp_stream *s, const char *p, size_t n)
{
    if (s->st != MS_DATA || n == 0)
        return 0;
    return s->cb->part_data(s->ud, p, n) ? ms_stop(s) : 0;
}

static void ms_cand(struct mp_stream *s, size_t lead, bool virt)
{
    s->lead = lead;
    s->virt = virt;
    s->after = AF_START;
    if (lead == 2) {
        s->hold[0] = '\r';
        s->hold[1] = '\n';
    }
    s->hlen = virt ? 2 : 0;
}

/* A delimiter line matched: end the part (or the preamble). */
static int ms_matched(struct mp_stream *s)
{
    s->hlen = 0;
    if (s->st == MS_DATA && s->cb->part_end(s->ud))
        return ms_stop(s);
    if (s->close) {
        s->st = MS_EPI;
        return 0;
    }
    if (s->nparts == MP_MAX_PARTS)
        return ms_fail(s, "multipart: more than %d parts", MP_MAX_PARTS);
    s->nparts++;
    memset(&s->cur, 0, sizeof(s->cur));
    s->hdrlen = 0;
    s->st = MS_HEAD;
    return 0;
}

static int ms_byte(struct mp_stream *s, char c);

/* The candidate does not match at c: its bytes are data again. */
static int ms_mismatch(struct mp_stream *s, char c)
{
    int rc = 0;
    if (s->hlen < s->lead) { /* a lone CR */
        s->hlen = 0;
        if ((rc = ms_emit(s, "\r", 1)))
            return rc;
        return ms_byte(s, c);
    }
    if (s->lead == 2 && !s->virt && (rc = ms_emit(s, "\r\n", 2)))
        return rc;
    const char *rest = s->hold + s->lead;
    size_t rn = s->hlen - s->lead;
    bool cr = rn && rest[rn - 1] == '\r';
    if ((rc = ms_emit(s, rest, cr ? rn - 1 : rn)))
        return rc;
    if (cr) {
        ms_cand(s, 2, false);
        s->hlen = 1;
        return ms_byte(s, c);
    }
    s->hlen = 0;
    return ms_byte(s, c);
}

/* One byte in the preamble or a part's data while a candidate is held (or
 * starts with it). */
static int ms_byte(struct mp_stream *s, char c)
{
    if (s->hlen == 0) {
        if (c == '\r') {
            ms_cand(s, 2, false);
            s->hlen = 1;
            return 0;
        }
        return ms_emit(s, &c, 1);
    }
    size_t k = s->hlen;
    bool ok = false;
    if (k < s->lead)
        ok = c == '\n';
    else if (k < s->lead + s->dlen)
        ok = c == s->delim[k - s->lead];
    else {
        switch (s->after) {
        case AF_START:
            if (c == '-') {
                s->after = AF_DASH;
                ok = true;
                break;
            }
            /* fall through */
        case AF_OWS:
            if (ows(c)) {
                s->after = AF_OWS;
                ok = true;
            } else if (c == '\r') {
                s->after = AF_CR;
                ok = true;
            }
            break;
        case AF_DASH:
            if (c == '-') {
                s->close = true;
                return ms_matched(s);
            }
            break;
        case AF_CR:
            if (c == '\n') {
                s->close = false;
                return ms_matched(s);
            }
            break;
        }
    }
    if (!ok)
        return ms_mismatch(s, c);
    if (s->hlen == sizeof(s->hold))
        return ms_fail(s, "multipart: a delimiter line with too many blanks");
    s->hold[s->hlen++] = c;
    return 0;
}

/* Header bytes of the current part; returns how many it took, or -1. */
static long ms_head(struct mp_stream *s, const char *p, size_t n)
{
    size_t old = s->hdrlen, room = MP_MAX_HEADER - old;
    size_t take = n < room ? n : room, end, used;
    memcpy(s->hdr + old, p, take);
    s->hdrlen += take;
    if (s->hdrlen >= 2 && s->hdr[0] == '\r' && s->hdr[1] == '\n') {
        end = 0;
        used = 2 - old;
    } else {
        size_t from = old > 3 ? old - 3 : 0;
        const char *e = memmem(s->hdr + from, s->hdrlen - from, "\r\n\r\n", 4);
        if (!e) {
            if (s->hdrlen == MP_MAX_HEADER)
                return ms_fail(s,
                               "multipart: part %zu: headers over 8 KiB or "
                               "not ended by an empty CRLF line",
                               s->nparts);
            return (long)take;
        }
        end = (size_t)(e - s->hdr);
        used = end + 4 - old;
    }
    if (part_headers(s->a, s->hdr, s->hdr + end, &s->cur, s->nparts, s->msg,
                     sizeof(s->msg)) != 0) {
        s->st = MS_FAIL;
        s->rc = -1;
        return -1;
    }
    if (s->cb->part_begin(s->ud, &s->cur))
        return ms_stop(s);
    s->st = MS_DATA;
    ms_cand(s, 2, true);
    return (long)used;
}

static int ms_out(struct mp_stream *s, int rc, char *err, size_t errsz)
{
    if (rc == -1)
        fail(err, errsz, "%s", s->msg);
    return rc;
}

int multipart_stream_feed(struct mp_stream *s, const char *data, size_t n,
                          char *err, size_t errsz)
{
    size_t i = 0;
    int rc = 0;
    if (s->st == MS_FAIL)
        return ms_out(s, s->rc, err, errsz);
    while (i < n && s->st != MS_EPI) {
        if (s->st == MS_HEAD) {
            long used = ms_head(s, data + i, n - i);
            if (used < 0)
                return ms_out(s, (int)used, err, errsz);
            i += (size_t)used;
            continue;
        }
        if (s->at_start) {
            s->at_start = false;
            if (data[i] == '-') {
                ms_cand(s, 0, false);
                s->hold[0] = '-';
                s->hlen = 1;
                i++;
                continue;
            }
        }
        if (s->hlen == 0) {
            /* fast path: everything up to the next CR is data */
            const char *cr = memchr(data + i, '\r', n - i);
            size_t upto = cr ? (size_t)(cr - data) : n;
            if ((rc = ms_emit(s, data + i, upto - i)))
                return ms_out(s, rc, err, errsz);
            i = upto;
            if (!cr)
                break;
        }
        if ((rc = ms_byte(s, data[i++])))
            return ms_out(s, rc, err, errsz);
    }
    return 0;
}

int multipart_stream_finish(struct mp_stream *s, char *err, size_t errsz)
{
    switch (s->st) {
    case MS_FAIL: break;
    case MS_EPI: return 0;
    case MS_PRE:
        /* "--boundary" and blanks at the very end: cut short */
        if (s->hlen >= s->lead + s->dlen &&
            (s->after == AF_START || s->after == AF_OWS))
            ms_fail(s, "multipart: the body is cut short");
        else
            ms_fail(s, "multipart: the body has no boundary delimiter line");
        break;
    case MS_HEAD:
        ms_fail(s, "multipart: part %zu: the body is cut short in the headers",
                s->nparts);
        break;
    case MS_DATA:
        ms_fail(s,
                "multipart: part %zu (\"%s\"): the body is cut short (no "
                "closing boundary)",
                s->nparts, s->cur.name);
        break;
    }
    return ms_out(s, s->rc, err, errsz);
}
