/* SPDX-License-Identifier: MIT
 * A validating JSON copier (see jsonfilter.h): recursive descent with an
 * explicit depth bound. Output is the input with cuts (whitespace, dropped
 * members and the commas that went with them): the copier remembers where
 * the uncopied input starts and copies whole runs at each cut, so a compact
 * provider answer costs a few large copies, not one per token. */
#include "hub/jsonfilter.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_DEPTH 64

struct jf {
    const char *p, *end;
    struct ed_buf *out;
    const char *pend; /* start of input still to copy; NULL: not copying */
    bool drop_nulls;
    bool bad;
    const char *alias; /* classic id name for record objects, or NULL */
    size_t alias_len;
    struct jsonfilter_proj *proj; /* records go through it, if set */
    /* jsonfilter_copy_members: the top object's members to find, their
     * values' output offsets (start, end) and whether a name is escaped */
    struct jsonfilter_member *cap;
    size_t ncap;
    size_t *cap_off;
    bool cap_esc;
};

/* Copy [pend, a) and resume copying at b. */
static void cut(struct jf *j, const char *a, const char *b)
{
    if (!j->pend || !j->out)
        return;
    if (a > j->pend &&
        ed_buf_append(j->out, j->pend, (size_t)(a - j->pend)) != ED_OK)
        j->bad = true;
    j->pend = b;
}

static void ws_slow(struct jf *j)
{
    const char *s = j->p;
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
    if (j->p != s)
        cut(j, s, j->p);
}

/* Skip whitespace (cut from the output); inlined for the common case of
 * compact JSON, where there is none. */
static inline __attribute__((always_inline)) void ws(struct jf *j)
{
    if (j->p < j->end && (unsigned char)*j->p > ' ')
        return;
    ws_slow(j);
}

/* Length of the UTF-8 sequence at p (1-4), or 0 if it is not well formed
 * (overlong forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

/* Byte classes inside a string: 0 plain ASCII, anything else needs a look
 * (quote, backslash, control byte, start of a multi-byte sequence). */
static const unsigned char str_class[256] = {
    [0 ... 0x1F] = 1,
    ['"'] = 1,
    ['\\'] = 1,
    [0x80 ... 0xFF] = 1,
};

/* Skip plain ASCII string bytes; stop at a quote, a backslash, a control
 * byte or the start of a multi-byte sequence. 16 bytes at a time with SSE2
 * (every x86-64), one at a time elsewhere. */
static const char *skip_plain(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i ctrl_bits = _mm_set1_epi8((char)0xE0),
                  zero = _mm_setzero_si128();
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                 _mm_cmpeq_epi8(v, bslash));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_and_si128(v, ctrl_bits), zero));
        int mask = _mm_movemask_epi8(m) |
                   _mm_movemask_epi8(v); /* v: high bit */
        if (mask)
            return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
#endif
    while (p < end && !str_class[(unsigned char)*p])
        p++;
    return p;
}

/* Scan a string starting at '"'; returns its end (past the closing quote). */
static const char *scan_string(struct jf *j, const char *p)
{
    if (p >= j->end || *p != '"')
        return NULL;
    for (p++; p < j->end; p++) {
        /* the common case: a run of plain ASCII */
        p = skip_plain(p, j->end);
        if (p >= j->end)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)p,
                                (const unsigned char *)j->end);
            if (!n)
                return NULL;
            p += n - 1;
            continue;
        }
        if (c == '\\') {
            if (++p >= j->end)
                return NULL;
            if (*p == 'u') {
                for (int i = 0; i < 4; i++) {
                    p++;
                    if (p >= j->end ||
                        !((*p >= '0' && *p <= '9') ||
                          (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
                        return NULL;
                }
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return NULL;
}

static const char *scan_number(struct jf *j, const char *p)
{
    const char *s = p;
    if (p < j->end && *p == '-')
        p++;
    if (p >= j->end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    if (p < j->end && *p == '.') {
        p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return NULL;
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= j->end || *p < '0' || *p > '9')
            return NULL;
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    return p > s ? p : NULL;
}

static bool literal(struct jf *j, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(j->end - j->p) >= n && memcmp(j->p, lit, n) == 0;
}

static bool is_null_next(struct jf *j)
{
    ws(j);
    return literal(j, "null");
}

static void value(struct jf *j, int depth);

/* The logical output is out[0, len) followed by input[pend, p). A mark is
 * the logical length at input position `at` (at >= pend): pure arithmetic,
 * nothing is copied. Later cuts happen past `at`, so the mark stays valid. */
static size_t mark(struct jf *j, const char *at)
{
    if (!j->out || !j->pend)
        return 0;
    return j->out->len + (size_t)(at - j->pend);
}

/* Make the logical output end at mark m, then resume copying at `resume`. */
static void rewind_to(struct jf *j, size_t m, const char *resume)
{
    if (!j->out || !j->pend)
        return;
    if (m >= j->out->len) {
        size_t n = m - j->out->len;
        if (n && ed_buf_append(j->out, j->pend, n) != ED_OK)
            j->bad = true;
    } else {
        j->out->len = m;
        j->out->data[m] = '\0';
    }
    j->pend = resume;
}

/* Compare a raw key token (with quotes, no escapes expected) to name. */
static bool key_is(const char *ks, const char *ke, const char *name)
{
    /* ks, ke: the key's quotes; the first letter rules most keys out */
    size_t n = (size_t)(ke - ks) - 2;
    return n && name[0] == ks[1] && strncmp(ks + 1, name, n) == 0 &&
           name[n] == '\0';
}

/* True when [vs, ve) is a JSON string of 1-18 digits without a leading
 * zero: an id that is also a JSON integer (and fits jansson's int64). */
static bool numeric_id(const char *vs, const char *ve)
{
    size_t n = (size_t)(ve - vs);
    if (n < 3 || n > 20 || vs[0] != '"' || (vs[1] == '0' && n > 3))
        return false;
    for (const char *q = vs + 1; q < ve - 1; q++)
        if (*q < '0' || *q > '9')
            return false;
    return true;
}

/* Emit `,"alias":digits` at j->p (the record's closing brace): the run
 * before it and the member written in place, one capacity check. */
static void emit_alias(struct jf *j, const char *ds, const char *de)
{
    struct ed_buf *o = j->out;
    if (!o || !j->pend)
        return;
    size_t run = (size_t)(j->p - j->pend), nd = (size_t)(de - ds),
           na = j->alias_len;
    size_t need = run + na + nd + 4;
    if (need > o->cap || o->len > o->cap - need) {
        j->bad = true;
        return;
    }
    if (o->len + need + 1 > o->alloc)
        ed_buf_reserve(o,
                       need > o->len ? need : o->len); /* amortised doubling */
    char *w = o->data + o->len;
    memcpy(w, j->pend, run);
    w += run;
    *w++ = ',';
    *w++ = '"';
    memcpy(w, j->alias, na);
    w += na;
    *w++ = '"';
    *w++ = ':';
    memcpy(w, ds, nd);
    o->len += need;
    o->data[o->len] = '\0';
    j->pend = j->p;
}

/* A record through the projection: the copy so far is flushed, the
 * projection writes its own output, copying resumes after the record. */
static void project(struct jf *j)
{
    cut(j, j->p, j->p);
    const char *e = j->proj->record(j->proj->ud, j->p, j->end, j->alias,
                                    j->drop_nulls, j->out);
    if (!e || e > j->end) {
        j->bad = true;
        return;
    }
    j->proj->used = true;
    j->p = e;
    if (j->pend)
        j->pend = e;
}

/* An object; a record (j->alias set) also gets the classic id: when its
 * "id" member is a numeric string and it has no member named alias, the
 * number is added as the last member. */
/* A member of jsonfilter_copy_members' object (key [ks, ke)): its value
 * copied as value() does, its output span kept when its name is asked
 * for. Output offsets: input at x >= pend lands at out->len + (x - pend)
 * (the copy is lazy); taken before and after the value. */
static void capture(struct jf *j, const char *ks, const char *ke)
{
    size_t vs = 0, ve = 0;
    bool copying = j->pend && j->out;
    if (memchr(ks + 1, '\\', (size_t)(ke - ks) - 2))
        j->cap_esc = true;
    ws(j);
    if (copying && j->p >= j->pend)
        vs = j->out->len + (size_t)(j->p - j->pend);
    value(j, 2);
    if (copying && j->pend && j->p >= j->pend)
        ve = j->out->len + (size_t)(j->p - j->pend);
    if (j->bad || !copying || ve < vs)
        return;
    for (size_t i = 0; i < j->ncap; i++)
        if (key_is(ks, ke, j->cap[i].key)) {
            j->cap_off[2 * i] = vs;
            j->cap_off[2 * i + 1] = ve;
            j->cap[i].count++;
        }
}

static void object(struct jf *j, int depth, bool record)
{
    bool emitted = false;  /* a member of this object is in the output */
    size_t comma_mark = 0; /* output length before the last kept comma */
    const char *ids = NULL, *ide = NULL; /* digits of a numeric id */
    bool has_alias = false;
    record = record && j->alias;
    j->p++; /* '{' */
    ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return;
    }
    while (!j->bad) {
        ws(j);
        const char *ks = j->p, *ke = scan_string(j, ks);
        /* marks only matter when a member may be dropped */
        size_t member_mark = j->drop_nulls ? mark(j, ks) : 0;
        if (!ke) {
            j->bad = true;
            return;
        }
        j->p = ke;
        ws(j);
        if (j->p >= j->end || *j->p != ':') {
            j->bad = true;
            return;
        }
        j->p++;
        if (j->drop_nulls && is_null_next(j)) {
            /* drop the member, and the comma before it if one was kept */
            j->p += 4;
            rewind_to(j, emitted ? comma_mark : member_mark, j->p);
        } else if (record) {
            value(j, depth + 1);
            emitted = true;
            if (key_is(ks, ke, "id")) {
                /* scanned backwards from the value's end: digits between
                 * two quotes, the first one right after the colon */
                const char *ve = j->p, *vs = ve - 1, *q;
                while (vs > ke && vs[-1] >= '0' && vs[-1] <= '9')
                    vs--;
                q = vs - 2;
                while (q > ke &&
                       (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                    q--;
                if (!j->bad && *(ve - 1) == '"' && vs - 1 > ke &&
                    vs[-1] == '"' && q >= ke && *q == ':' &&
                    numeric_id(vs - 1, ve)) {
                    ids = vs;
                    ide = ve - 1;
                }
            } else if ((size_t)(ke - ks) == j->alias_len + 2 &&
                       memcmp(ks + 1, j->alias, j->alias_len) == 0) {
                has_alias = true;
            }
        } else if (j->cap && depth == 1) {
            capture(j, ks, ke);
            emitted = true;
        } else {
            value(j, depth + 1);
            emitted = true;
        }
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            const char *c = j->p++;
            if (!emitted) /* nothing before it in the output: drop it */
                cut(j, c, j->p);
            else if (j->drop_nulls)
                comma_mark = mark(j, c);
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            if (ids && !has_alias && !j->bad)
                emit_alias(j, ids, ide);
            j->p++;
            return;
        }
        j->bad = true;
    }
}

/* An array; with records, object elements are records (classic ids), and
 * the first `offset` elements are validated but left out of the output
 * (*count counts the elements kept). */
static void array(struct jf *j, int depth, size_t *count, bool records,
                  size_t offset)
{
    size_t n = 0, seen = 0;
    j->p++; /* '[' */
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        if (count)
            *count = 0;
        return;
    }
    while (!j->bad) {
        ws(j);
        if (seen++ < offset) {
            /* leave the element and its comma out */
            struct ed_buf *keep = j->out;
            cut(j, j->p, j->p);
            j->out = NULL;
            value(j, depth + 1);
            ws(j);
            bool more = j->p < j->end && *j->p == ',';
            if (more)
                j->p++;
            j->out = keep;
            if (j->pend)
                j->pend = j->p;
            if (more)
                continue;
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                if (count)
                    *count = n;
                return;
            }
            j->bad = true;
            return;
        }
        if (records && j->proj && j->out && j->p < j->end && *j->p == '{')
            project(j);
        else if (records && j->p < j->end && *j->p == '{' &&
                 depth + 1 <= MAX_DEPTH)
            object(j, depth + 1, true);
        else
            value(j, depth + 1);
        n++;
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            if (count)
                *count = n;
            return;
        }
        j->bad = true;
    }
}

static void value(struct jf *j, int depth)
{
    const char *e;
    ws(j);
    if (j->bad || j->p >= j->end || depth > MAX_DEPTH) {
        j->bad = true;
        return;
    }
    switch (*j->p) {
    case '{': object(j, depth, false); return;
    case '[': array(j, depth, NULL, false, 0); return;
    case '"': e = scan_string(j, j->p); break;
    case 't': e = literal(j, "true") ? j->p + 4 : NULL; break;
    case 'f': e = literal(j, "false") ? j->p + 5 : NULL; break;
    case 'n': e = literal(j, "null") ? j->p + 4 : NULL; break;
    default: e = scan_number(j, j->p);
    }
    if (!e) {
        j->bad = true;
        return;
    }
    j->p = e;
}

const char *jsonfilter_copy_one(const char *p, const char *end, bool drop_nulls,
                                struct ed_buf *out)
{
    struct jf j = {p, end, out, p, drop_nulls, false, NULL, 0, NULL};
    value(&j, 1);
    cut(&j, j.p, NULL);
    return j.bad ? NULL : j.p;
}

const char *jsonfilter_copy_members(const char *p, const char *end,
                                    bool drop_nulls, struct ed_buf *out,
                                    struct jsonfilter_member *m, size_t n,
                                    bool *escaped)
{
    size_t off[2 * JSONFILTER_CAP_MAX] = {0}, start = out->len;
    struct jf j = {p, end,  out, p, drop_nulls, false, NULL,
                   0, NULL, m,   n, off,        false};
    if (n > JSONFILTER_CAP_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        m[i].vs = m[i].ve = NULL;
        m[i].count = 0;
    }
    ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return NULL;
    value(&j, 1);
    cut(&j, j.p, NULL);
    if (j.bad)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (m[i].count && off[2 * i] >= start && off[2 * i + 1] <= out->len) {
            m[i].vs = out->data + off[2 * i];
            m[i].ve = out->data + off[2 * i + 1];
        }
    if (escaped)
        *escaped = j.cap_esc;
    return j.p;
}

enum ed_err jsonfilter_copy(const char *in, size_t len, bool drop_nulls,
                            const char *classic_id, struct ed_buf *out)
{
    return jsonfilter_copy_proj(in, len, drop_nulls, classic_id, NULL, out);
}

enum ed_err jsonfilter_copy_proj(const char *in, size_t len, bool drop_nulls,
                                 const char *classic_id,
                                 struct jsonfilter_proj *proj,
                                 struct ed_buf *out)
{
    struct jf j = {in,         in + len,
                   out,        in,
                   drop_nulls, false,
                   classic_id, classic_id ? strlen(classic_id) : 0,
                   proj};
    ws(&j);
    if (j.p < j.end && *j.p == '{' && proj && out)
        project(&j);
    else if (j.p < j.end && *j.p == '{')
        object(&j, 0, true);
    else
        value(&j, 0);
    ws(&j);
    cut(&j, j.p, NULL); /* copy the rest */
    if (j.bad || j.p != j.end)
        return ED_ERR_INVALID;
    return ED_OK;
}

/* Read `"key" :` and the whitespace after it, outside the copied region
 * (no marks needed); false, with j->bad set, when malformed. */
static bool member_key(struct jf *j, const char **ks, const char **ke)
{
    ws(j);
    *ks = j->p;
    *ke = scan_string(j, *ks);
    if (!*ke) {
        j->bad = true;
        return false;
    }
    j->p = *ke;
    ws(j);
    if (j->p >= j->end || *j->p != ':') {
        j->bad = true;
        return false;
    }
    j->p++;
    ws(j);
    return true;
}

/* Read paging.next.after from the value at j->p (skipping everything). */
static void paging(struct jf *j, struct jsonfilter_page *pg, int depth)
{
    ws(j);
    if (j->p >= j->end || *j->p != '{' || depth > 3) {
        value(j, depth);
        return;
    }
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return;
    }
    while (!j->bad) {
        const char *ks, *ke;
        if (!member_key(j, &ks, &ke))
            return;
        if (depth == 1 && key_is(ks, ke, "next")) {
            paging(j, pg, depth + 1);
        } else if (depth == 2 && key_is(ks, ke, "after") && j->p < j->end &&
                   *j->p == '"') {
            const char *vs = j->p, *ve = scan_string(j, vs);
            if (!ve) {
                j->bad = true;
                return;
            }
            size_t n = (size_t)(ve - vs) - 2;
            if (n < sizeof(pg->after) && !memchr(vs + 1, '\\', n)) {
                memcpy(pg->after, vs + 1, n);
                pg->after[n] = '\0';
            }
            j->p = ve;
        } else {
            value(j, depth + 1);
        }
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return;
        }
        j->bad = true;
    }
}

enum ed_err jsonfilter_page(const char *in, size_t len, bool drop_nulls,
                            const char *classic_id, size_t offset,
                            struct ed_buf *out, struct jsonfilter_page *pg)
{
    return jsonfilter_page_proj(in, len, drop_nulls, classic_id, offset, NULL,
                                out, pg);
}

enum ed_err jsonfilter_page_proj(const char *in, size_t len, bool drop_nulls,
                                 const char *classic_id, size_t offset,
                                 struct jsonfilter_proj *proj,
                                 struct ed_buf *out, struct jsonfilter_page *pg)
{
    return jsonfilter_page_key(in, len, "results", drop_nulls, classic_id,
                               offset, proj, out, pg);
}

/* An integer token [s, e) (optional '-', digits) that fits int64_t. */
static bool int_token(const char *s, const char *e, int64_t *v)
{
    bool neg = s < e && *s == '-';
    uint64_t n = 0;
    if (neg)
        s++;
    if (s >= e)
        return false;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    if (n > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return false;
    *v = neg ? (int64_t)(0 - n) : (int64_t)n;
    return true;
}

enum ed_err jsonfilter_page_key(const char *in, size_t len,
                                const char *results_key, bool drop_nulls,
                                const char *classic_id, size_t offset,
                                struct jsonfilter_proj *proj,
                                struct ed_buf *out, struct jsonfilter_page *pg)
{
    struct jf j = {in,         in + len,
                   out,        NULL,
                   drop_nulls, false,
                   classic_id, classic_id ? strlen(classic_id) : 0,
                   proj};
    bool copied = false;
    pg->count = 0;
    pg->after[0] = '\0';
    pg->total = -1;
    pg->found = pg->has_offset = pg->has_more = false;
    pg->offset = 0;
    ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return ED_ERR_INVALID;
    j.p++;
    ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
        goto done;
    }
    while (!j.bad) {
        const char *ks, *ke;
        if (!member_key(&j, &ks, &ke))
            return ED_ERR_INVALID;
        if (key_is(ks, ke, results_key) && !copied && j.p < j.end &&
            *j.p == '[') {
            j.pend = j.p; /* copy exactly the array */
            array(&j, 1, &pg->count, true, offset);
            cut(&j, j.p, NULL);
            copied = pg->found = true;
        } else if (key_is(ks, ke, "offset") && j.p < j.end &&
                   (*j.p == '-' || (*j.p >= '0' && *j.p <= '9'))) {
            const char *e = scan_number(&j, j.p);
            if (!e)
                return ED_ERR_INVALID;
            pg->has_offset = int_token(j.p, e, &pg->offset);
            j.p = e;
        } else if (key_is(ks, ke, "hasMore") &&
                   (literal(&j, "true") || literal(&j, "false"))) {
            pg->has_more = *j.p == 't';
            j.p += pg->has_more ? 4 : 5;
        } else if (key_is(ks, ke, "paging")) {
            struct ed_buf *keep = j.out;
            j.out = NULL;
            paging(&j, pg, 1);
            j.out = keep;
        } else if (key_is(ks, ke, "total") && j.p < j.end && *j.p != '"') {
            const char *e = scan_number(&j, j.p);
            int64_t v = 0;
            if (!e)
                return ED_ERR_INVALID;
            for (const char *q = j.p; q < e && *q >= '0' && *q <= '9'; q++)
                if (v < INT64_MAX / 10 - 10)
                    v = v * 10 + (*q - '0');
            pg->total = v;
            j.p = e;
        } else {
            struct ed_buf *keep = j.out;
            j.out = NULL; /* validate and skip */
            value(&j, 1);
            j.out = keep;
        }
        ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            continue;
        }
        if (j.p < j.end && *j.p == '}') {
            j.p++;
            break;
        }
        return ED_ERR_INVALID;
    }
done:
    ws(&j);
    if (j.bad || j.p != j.end)
        return ED_ERR_INVALID;
    if (!copied && out && ed_buf_append(out, "[]", 2) != ED_OK)
        return ED_ERR_TOO_LARGE;
    return ED_OK;
}

const char *jsonfilter_members(const char *p, const char *end,
                               struct jsonfilter_member *m, size_t n,
                               bool *escaped)
{
    struct jf j = {p, end, NULL, NULL, false, false, NULL, 0, NULL};
    for (size_t i = 0; i < n; i++) {
        m[i].vs = m[i].ve = NULL;
        m[i].count = 0;
    }
    if (escaped)
        *escaped = false;
    ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return NULL;
    j.p++;
    ws(&j);
    if (j.p < j.end && *j.p == '}')
        return j.p + 1;
    while (!j.bad) {
        const char *ks, *ke, *vs;
        if (!member_key(&j, &ks, &ke))
            return NULL;
        if (escaped && memchr(ks + 1, '\\', (size_t)(ke - ks) - 2))
            *escaped = true;
        vs = j.p;
        value(&j, 2);
        if (j.bad)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (key_is(ks, ke, m[i].key)) {
                m[i].vs = vs;
                m[i].ve = j.p;
                m[i].count++;
            }
        ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            continue;
        }
        if (j.p < j.end && *j.p == '}')
            return j.p + 1;
        return NULL;
    }
    return NULL;
}

/* --- members of validated text ---------------------------------------------
 * Text a jsonfilter pass has validated already (a record jsonfilter_copy_one
 * read or wrote) is scanned again without checks: strings end at the
 * first quote not escaped (memchr), values at their closing bracket. */

static const char *vskip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at a '"': the closing quote, or end. */
static const char *vstring_close(const char *p, const char *end)
{
    const char *q = p + 1;
    for (;;) {
        q = memchr(q, '"', (size_t)(end - q));
        if (!q)
            return end;
        size_t n = 0;
        while (q - n - 1 > p && q[-(ptrdiff_t)n - 1] == '\\')
            n++;
        if (!(n & 1))
            return q;
        q++;
    }
}

/* The end of the value at p (just past it). */
static const char *vvalue_end(const char *p, const char *end)
{
    int depth = 0;
    if (p < end && *p == '"') {
        const char *q = vstring_close(p, end);
        return q < end ? q + 1 : end;
    }
    for (; p < end; p++) {
        if (*p == '"') {
            p = vstring_close(p, end);
            if (p >= end)
                return end;
        } else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']') {
            if (depth == 0)
                return p;
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 && (*p == ',' || *p == ' ' || *p == '\n' ||
                                  *p == '\t' || *p == '\r'))
            return p;
    }
    return p;
}

const char *jsonfilter_members_valid(const char *p, const char *end,
                                     struct jsonfilter_member *m, size_t n,
                                     bool *escaped)
{
    for (size_t i = 0; i < n; i++) {
        m[i].vs = m[i].ve = NULL;
        m[i].count = 0;
    }
    if (escaped)
        *escaped = false;
    p = vskip_ws(p, end);
    if (p >= end || *p != '{')
        return NULL;
    for (;;) {
        p = vskip_ws(p + 1, end); /* past '{' or ',' */
        if (p < end && *p == '}')
            return p + 1;
        if (p >= end || *p != '"')
            return NULL;
        const char *ks = p, *ke = vstring_close(p, end);
        if (ke >= end)
            return NULL;
        if (escaped && memchr(ks + 1, '\\', (size_t)(ke - ks) - 1))
            *escaped = true;
        p = vskip_ws(ke + 1, end);
        if (p >= end || *p != ':')
            return NULL;
        const char *vs = vskip_ws(p + 1, end), *ve = vvalue_end(vs, end);
        if (ve <= vs)
            return NULL;
        for (size_t i = 0; i < n; i++)
            if (key_is(ks, ke + 1, m[i].key)) {
                m[i].vs = vs;
                m[i].ve = ve;
                m[i].count++;
            }
        p = vskip_ws(ve, end);
        if (p < end && *p == '}')
            return p + 1;
        if (p >= end || *p != ',')
            return NULL;
    }
}
