/* SPDX-License-Identifier: MIT
 * Streaming fromVendor (transform.h, "streaming: the hot path of reads"):
 * a vendor record's JSON text mapped straight to the virtual record's text,
 * without building documents.
 *
 * Compiled once per map (tf_stream_build, called by tf_map_compile):
 *  - a trie of the vendorPaths (names only), children contiguous, each
 *    node the capture slot of the fields that read it; the slots of a
 *    subtree are contiguous (preorder), so a member seen again (the last
 *    one wins, as with jansson) clears what was captured below it;
 *  - the output layout: a tree of the field paths, each member name
 *    escaped once ("name":), with the field index range of every group.
 *
 * Per record, one pass over the text validates everything (as
 * hub/jsonfilter.c does: strings, UTF-8, numbers, literals, nesting <= 64)
 * and captures the [start, end) span of every matched value; the rest is
 * skipped without copying. Then the fields are written in output order
 * from the spans: a value that needs no conversion is copied as its raw
 * token; conversions read the span through a small stack buffer. No
 * allocation beyond out's growth (a real number converted to a string or
 * a date, which is rare, goes through jansson's number parser).
 *
 * The result equals tf_map_from_vendor on the record as the native
 * resource shapes it (jsonfilter: null members dropped at every depth when
 * asked, the classic id added as a number), then parsed by jansson:
 * duplicate members resolve to the last one, names match once unescaped.
 * A map is not streamable (callers parse) with passThrough fromVendor, a
 * vendorPath that is not names only, or output paths that overlap (a and
 * a.b, or one path twice), where fromVendor's result depends on values. */
#include "transform/transform.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "transform/datefmt.h"
#include "transform/map_int.h"
#include "transform/vpath.h"

#define MAX_DEPTH 64
#define CONV_MAX 128 /* bytes of a string a conversion reads (longer: none) */
#define NAME_MAX_BYTES (VPATH_MAX_LEN + 8)

/* --- the plan ------------------------------------------------------------ */

struct vnode {        /* vendor trie */
    const char *name; /* unescaped; owned by the map's vpath */
    size_t len;
    uint32_t child; /* first child (children are contiguous) */
    uint32_t nchild;
    int32_t slot;      /* capture slot of this node, -1 when none */
    uint32_t slo, shi; /* slots of the subtree, this node's included */
    /* many children: a hash of (length, first and last byte) to the first
     * child + 1 with that hash (0: none), chained by hnext (child + 1) */
    uint16_t *htab;
    uint16_t hnext;
};

#define HASH_MIN_CHILDREN 6
#define HASH_SIZE 64

static inline unsigned name_hash(size_t n, const char *k)
{
    return ((unsigned)n * 31u + (unsigned char)k[0] * 7u +
            (unsigned char)k[n - 1]) &
           (HASH_SIZE - 1);
}

struct onode { /* output layout */
    char *key; /* "name": as JSON (not for the root) */
    size_t keylen;
    int32_t field;  /* leaf: index into sf; -1: a group */
    uint32_t child; /* group: first child (contiguous, in field order) */
    uint32_t nchild;
    uint32_t parent;
    uint32_t fmin, fmax; /* field indexes in the subtree */
    bool ordered;        /* children's field ranges do not interleave */
};

struct sfield {
    const struct mfield *f;
    uint32_t slot;
    uint32_t leaf; /* its onode */
};

struct tf_stream {
    struct vnode *vn; /* vn[0]: the record */
    size_t nvn;
    struct onode *on; /* on[0]: the output object */
    size_t non;
    struct sfield *sf;
    size_t nsf;
    size_t nslots;
};

/* A name tree under construction (children as linked lists). */
struct tnode {
    const char *name;
    size_t len;
    int32_t first, last, next;
    int32_t val;
};

struct ttree {
    struct tnode *n;
    size_t len, alloc;
};

static int32_t t_add(struct ttree *t, const char *name, size_t len)
{
    if (t->len == t->alloc) {
        t->alloc = t->alloc ? t->alloc * 2 : 64;
        t->n = ed_realloc(t->n, t->alloc * sizeof(*t->n));
    }
    t->n[t->len] = (struct tnode){name, len, -1, -1, -1, -1};
    return (int32_t)t->len++;
}

/* The child of parent named name, created (last) when create is set;
 * -1 when absent. *created tells which. */
static int32_t t_child(struct ttree *t, int32_t parent, const char *name,
                       size_t len, bool *created)
{
    int32_t c;
    *created = false;
    for (c = t->n[parent].first; c >= 0; c = t->n[c].next)
        if (t->n[c].len == len && memcmp(t->n[c].name, name, len) == 0)
            return c;
    c = t_add(t, name, len);
    if (t->n[parent].last >= 0)
        t->n[t->n[parent].last].next = c;
    else
        t->n[parent].first = c;
    t->n[parent].last = c;
    *created = true;
    return c;
}

/* Breadth-first order of the tree: ord[new] = old, idx[old] = new; every
 * node's children are then contiguous, in insertion order. */
static void t_flatten(const struct ttree *t, int32_t *ord, int32_t *idx)
{
    size_t head = 0, tail = 0;
    ord[tail++] = 0;
    while (head < tail) {
        int32_t o = ord[head++];
        for (int32_t c = t->n[o].first; c >= 0; c = t->n[c].next)
            ord[tail++] = c;
    }
    for (size_t i = 0; i < tail; i++)
        idx[ord[i]] = (int32_t)i;
}

static void assign_slots(struct tf_stream *st, uint32_t i)
{
    struct vnode *v = &st->vn[i];
    v->slo = (uint32_t)st->nslots;
    if (v->slot >= 0)
        v->slot = (int32_t)st->nslots++;
    for (uint32_t k = 0; k < v->nchild; k++)
        assign_slots(st, v->child + k);
    v->shi = (uint32_t)st->nslots;
}

/* "name": with the name escaped as JSON. */
static char *json_key(const char *name, size_t *len)
{
    size_t n = strlen(name), k = 0;
    char *s = ed_malloc(n * 6 + 4);
    s[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '"' || c == '\\') {
            s[k++] = '\\';
            s[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)snprintf(s + k, 7, "\\u%04x", c);
        } else {
            s[k++] = (char)c;
        }
    }
    s[k++] = '"';
    s[k++] = ':';
    s[k] = '\0';
    *len = k;
    return s;
}

static bool build_vendor(struct tf_stream *st, const struct tf_map *m)
{
    struct ttree t = {0};
    int32_t *leaf = ed_calloc(m->nfields + 1, sizeof(int32_t));
    int32_t *ord, *idx;
    bool created;
    size_t k = 0;

    t_add(&t, "", 0);
    for (size_t i = 0; i < m->nfields; i++) {
        const struct mfield *f = &m->fields[i];
        int32_t cur = 0;
        if (f->rm_from || !f->vp)
            continue;
        for (size_t s = 0; s < vpath_nsteps(f->vp); s++) {
            const char *name = vpath_step(f->vp, s);
            cur = t_child(&t, cur, name, strlen(name), &created);
        }
        t.n[cur].val = 1;
        leaf[k++] = cur;
    }
    ord = ed_calloc(t.len, sizeof(int32_t));
    idx = ed_calloc(t.len, sizeof(int32_t));
    t_flatten(&t, ord, idx);
    st->nvn = t.len;
    st->vn = ed_calloc(t.len, sizeof(*st->vn));
    for (size_t i = 0; i < t.len; i++) {
        const struct tnode *o = &t.n[ord[i]];
        struct vnode *v = &st->vn[i];
        v->name = o->name;
        v->len = o->len;
        v->slot = o->val > 0 ? 0 : -1;
        v->child = o->first >= 0 ? (uint32_t)idx[o->first] : 0;
        for (int32_t c = o->first; c >= 0; c = t.n[c].next)
            v->nchild++;
    }
    assign_slots(st, 0);
    for (size_t i = 0; i < t.len; i++) {
        struct vnode *v = &st->vn[i];
        if (v->nchild < HASH_MIN_CHILDREN)
            continue;
        v->htab = ed_calloc(HASH_SIZE, sizeof(uint16_t));
        for (uint32_t c = v->nchild; c-- > 0;) { /* chains in child order */
            struct vnode *cv = &st->vn[v->child + c];
            unsigned h = name_hash(cv->len, cv->name);
            cv->hnext = v->htab[h];
            v->htab[h] = (uint16_t)(c + 1);
        }
    }
    for (size_t i = 0; i < k; i++)
        st->sf[i].slot = (uint32_t)st->vn[idx[leaf[i]]].slot;
    free(ord);
    free(idx);
    free(leaf);
    free(t.n);
    return true;
}

static bool build_output(struct tf_stream *st)
{
    struct ttree t = {0};
    int32_t *ord = NULL, *idx = NULL;
    bool ok = false, created;

    t_add(&t, "", 0);
    for (size_t i = 0; i < st->nsf; i++) {
        const struct mfield *f = st->sf[i].f;
        int32_t cur = 0;
        for (size_t s = 0; s < f->nsteps; s++) {
            cur = t_child(&t, cur, f->steps[s], strlen(f->steps[s]), &created);
            /* a value's path inside another value's, or a path twice */
            if (!created && (t.n[cur].val >= 0 || s + 1 == f->nsteps))
                goto out;
        }
        t.n[cur].val = (int32_t)i;
    }
    ord = ed_calloc(t.len, sizeof(int32_t));
    idx = ed_calloc(t.len, sizeof(int32_t));
    t_flatten(&t, ord, idx);
    st->non = t.len;
    st->on = ed_calloc(t.len, sizeof(*st->on));
    for (size_t i = 0; i < t.len; i++) {
        const struct tnode *o = &t.n[ord[i]];
        struct onode *on = &st->on[i];
        on->field = o->val;
        on->child = o->first >= 0 ? (uint32_t)idx[o->first] : 0;
        for (int32_t c = o->first; c >= 0; c = t.n[c].next) {
            st->on[idx[c]].parent = (uint32_t)i;
            on->nchild++;
        }
        on->fmin = UINT32_MAX;
        if (i > 0) /* names are steps of the field path: C strings */
            on->key = json_key(o->name, &on->keylen);
        if (o->val >= 0)
            st->sf[o->val].leaf = (uint32_t)i;
    }
    for (size_t i = 0; i < st->nsf; i++) {
        for (uint32_t a = st->sf[i].leaf;; a = st->on[a].parent) {
            if (st->on[a].fmin == UINT32_MAX)
                st->on[a].fmin = (uint32_t)i;
            st->on[a].fmax = (uint32_t)i;
            if (a == 0)
                break;
        }
    }
    for (size_t i = 0; i < st->non; i++) {
        struct onode *on = &st->on[i];
        on->ordered = true;
        for (uint32_t c = 1; c < on->nchild; c++)
            if (st->on[on->child + c - 1].fmax >= st->on[on->child + c].fmin)
                on->ordered = false;
    }
    ok = true;
out:
    free(ord);
    free(idx);
    free(t.n);
    return ok;
}

struct tf_stream *tf_stream_build(const struct tf_map *m)
{
    struct tf_stream *st;

    if (m->pt_from)
        return NULL;
    for (size_t i = 0; i < m->nfields; i++) {
        const struct mfield *f = &m->fields[i];
        if (!f->rm_from && f->vp && !vpath_is_simple(f->vp))
            return NULL;
    }
    st = ed_calloc(1, sizeof(*st));
    st->sf = ed_calloc(m->nfields + 1, sizeof(*st->sf));
    for (size_t i = 0; i < m->nfields; i++)
        if (!m->fields[i].rm_from && m->fields[i].vp)
            st->sf[st->nsf++].f = &m->fields[i];
    if (!build_vendor(st, m) || !build_output(st)) {
        tf_stream_free(st);
        return NULL;
    }
    return st;
}

void tf_stream_free(struct tf_stream *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->non; i++)
        free(st->on[i].key);
    free(st->on);
    for (size_t i = 0; i < st->nvn; i++)
        free(st->vn[i].htab);
    free(st->vn);
    free(st->sf);
    free(st);
}

bool tf_map_streamable(const struct tf_map *m)
{
    return m && m->stream;
}

/* --- scanning (validating, as hub/jsonfilter.c) -------------------------- */

struct cap {
    const char *s, *e; /* the value's token; s NULL: nothing captured */
};

struct run {
    const char *p, *end;
    bool bad, drop;
    struct cap *caps;
    const struct tf_stream *st;
    /* the record's classic id (jsonfilter's rule, names as written) */
    const char *alias;
    size_t alias_len;
    const char *ids, *ide; /* digits of the last numeric "id" */
    bool has_alias;
};

static void ws_slow(struct run *r)
{
    while (r->p < r->end &&
           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static inline __attribute__((always_inline)) void ws(struct run *r)
{
    if (r->p < r->end && (unsigned char)*r->p > ' ')
        return;
    ws_slow(r);
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

static const unsigned char str_class[256] = {
    [0 ... 0x1F] = 1,
    ['"'] = 1,
    ['\\'] = 1,
    [0x80 ... 0xFF] = 1,
};

/* Skip plain ASCII string bytes; stop at a quote, a backslash, a control
 * byte or the start of a multi-byte sequence (SSE2: 16 bytes a step). */
static inline __attribute__((always_inline)) const char *
skip_plain(const char *p, const char *end)
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
        int mask = _mm_movemask_epi8(m) | _mm_movemask_epi8(v);
        if (mask)
            return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
#endif
    while (p < end && !str_class[(unsigned char)*p])
        p++;
    return p;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* A string starting at '"': its end (past the closing quote), or NULL.
 * *esc is set when it holds a backslash. */
static const char *scan_string(const char *p, const char *end, bool *esc)
{
    if (p >= end || *p != '"')
        return NULL;
    for (p++; p < end; p++) {
        p = skip_plain(p, end);
        if (p >= end)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)p,
                                (const unsigned char *)end);
            if (!n)
                return NULL;
            p += n - 1;
            continue;
        }
        /* a backslash */
        *esc = true;
        if (++p >= end)
            return NULL;
        if (*p == 'u') {
            for (int i = 0; i < 4; i++)
                if (++p >= end || !is_hex(*p))
                    return NULL;
        } else if (!strchr("\"\\/bfnrt", *p)) {
            return NULL;
        }
    }
    return NULL;
}

static const char *scan_number(const char *p, const char *end)
{
    const char *s = p;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return NULL;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    return p > s ? p : NULL;
}

static bool lit(const struct run *r, const char *w, size_t n)
{
    return (size_t)(r->end - r->p) >= n && memcmp(r->p, w, n) == 0;
}

static unsigned hex4(const char *p)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v = v * 16 + (unsigned)(c <= '9'   ? c - '0'
                                : c >= 'a' ? c - 'a' + 10
                                           : c - 'A' + 10);
    }
    return v;
}

/* A member name with escapes, unescaped as jansson does (UTF-8). The
 * length, or -1 when it cannot be a vendorPath name (too long, a NUL, a
 * lone surrogate). */
static long unescape_name(const char *s, const char *e, char *buf, size_t cap)
{
    size_t n = 0;
    while (s < e) {
        unsigned cp;
        char c = *s++;
        if (c != '\\') {
            if (n >= cap)
                return -1;
            buf[n++] = c;
            continue;
        }
        c = *s++;
        switch (c) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            cp = hex4(s);
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (e - s < 6 || s[0] != '\\' || s[1] != 'u')
                    return -1;
                lo = hex4(s + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
                return -1;
            }
            break;
        default: cp = (unsigned char)c;
        }
        if (n + 4 > cap)
            return -1;
        if (cp < 0x80) {
            buf[n++] = (char)cp;
        } else if (cp < 0x800) {
            buf[n++] = (char)(0xC0 | (cp >> 6));
            buf[n++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            buf[n++] = (char)(0xE0 | (cp >> 12));
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[n++] = (char)(0x80 | (cp & 0x3F));
        } else {
            buf[n++] = (char)(0xF0 | (cp >> 18));
            buf[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            buf[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            buf[n++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    return (long)n;
}

/* The child of node named by the key token [ks, ke). */
static const struct vnode *lookup(const struct tf_stream *st,
                                  const struct vnode *node, const char *ks,
                                  const char *ke, bool esc)
{
    const char *k = ks + 1;
    size_t n = (size_t)(ke - ks) - 2;
    char buf[NAME_MAX_BYTES];
    const struct vnode *c, *ce;

    if (esc) {
        long u = unescape_name(k, k + n, buf, sizeof(buf));
        if (u < 0)
            return NULL;
        k = buf;
        n = (size_t)u;
    }
    c = st->vn + node->child;
    ce = c + node->nchild;
    if (n == 0)
        return NULL; /* names are never empty */
    if (node->htab) {
        for (unsigned i = node->htab[name_hash(n, k)]; i; i = c[i - 1].hnext)
            if (c[i - 1].len == n && memcmp(c[i - 1].name, k, n) == 0)
                return &c[i - 1];
        return NULL;
    }
    for (; c < ce; c++)
        if (c->len == n && c->name[0] == k[0] && c->name[n - 1] == k[n - 1] &&
            memcmp(c->name, k, n) == 0)
            return c;
    return NULL;
}

static void clear_subtree(struct run *r, const struct vnode *v)
{
    for (uint32_t i = v->slo; i < v->shi; i++)
        r->caps[i].s = NULL;
}

/* jsonfilter's numeric id: "digits", 1-18 of them, no leading zero. */
static bool numeric_id(const char *vs, const char *ve)
{
    size_t n = (size_t)(ve - vs);
    if (n < 3 || n > 20 || vs[0] != '"' || ve[-1] != '"' ||
        (vs[1] == '0' && n > 3))
        return false;
    for (const char *q = vs + 1; q < ve - 1; q++)
        if (*q < '0' || *q > '9')
            return false;
    return true;
}

static void value(struct run *r, const struct vnode *node, int depth);

/* An object; node (NULL: none) is the trie node its members are matched
 * against; record: the record itself (classic id bookkeeping). */
static void object(struct run *r, const struct vnode *node, int depth,
                   bool record)
{
    if (node && node->nchild == 0)
        node = NULL;
    r->p++; /* '{' */
    ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return;
    }
    while (!r->bad) {
        const char *ks, *ke, *vs;
        bool esc = false;
        ws(r);
        ks = r->p;
        ke = scan_string(ks, r->end, &esc);
        if (!ke) {
            r->bad = true;
            return;
        }
        r->p = ke;
        ws(r);
        if (r->p >= r->end || *r->p != ':') {
            r->bad = true;
            return;
        }
        r->p++;
        ws(r);
        if (r->drop && lit(r, "null", 4)) {
            r->p += 4; /* the native shape has no such member */
        } else {
            const struct vnode *c = node ? lookup(r->st, node, ks, ke, esc)
                                         : NULL;
            vs = r->p;
            if (c) {
                clear_subtree(r, c);
                value(r, c, depth + 1);
                if (c->slot >= 0)
                    r->caps[c->slot] = (struct cap){vs, r->p};
            } else {
                value(r, NULL, depth + 1);
            }
            if (r->bad)
                return;
            if (record && r->alias) {
                if (ke - ks == 4 && memcmp(ks, "\"id\"", 4) == 0) {
                    if (numeric_id(vs, r->p)) {
                        r->ids = vs + 1;
                        r->ide = r->p - 1;
                    }
                } else if ((size_t)(ke - ks) == r->alias_len + 2 &&
                           memcmp(ks + 1, r->alias, r->alias_len) == 0) {
                    r->has_alias = true;
                }
            }
        }
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return;
        }
        r->bad = true;
    }
}

static void array(struct run *r, int depth)
{
    r->p++; /* '[' */
    ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return;
    }
    while (!r->bad) {
        value(r, NULL, depth + 1);
        ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return;
        }
        r->bad = true;
    }
}

static void value(struct run *r, const struct vnode *node, int depth)
{
    const char *e;
    bool esc = false;
    ws(r);
    if (r->bad || r->p >= r->end || depth > MAX_DEPTH) {
        r->bad = true;
        return;
    }
    switch (*r->p) {
    case '{': object(r, node, depth, false); return;
    case '[': array(r, depth); return;
    case '"': e = scan_string(r->p, r->end, &esc); break;
    case 't': e = lit(r, "true", 4) ? r->p + 4 : NULL; break;
    case 'f': e = lit(r, "false", 5) ? r->p + 5 : NULL; break;
    case 'n': e = lit(r, "null", 4) ? r->p + 4 : NULL; break;
    default: e = scan_number(r->p, r->end);
    }
    if (!e) {
        r->bad = true;
        return;
    }
    r->p = e;
}

/* --- writing ------------------------------------------------------------- */

struct w {
    struct ed_buf *b;
    bool bad;
    bool drop;
};

static void put_slow(struct w *w, const char *s, size_t n)
{
    if (ed_buf_append(w->b, s, n) != ED_OK)
        w->bad = true;
}

static inline __attribute__((always_inline)) void put(struct w *w,
                                                      const char *s, size_t n)
{
    struct ed_buf *b = w->b;
    if (b->alloc - b->len > n) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else {
        put_slow(w, s, n);
    }
}

static inline void putc1(struct w *w, char c)
{
    put(w, &c, 1);
}

static void put_i64(struct w *w, int64_t v)
{
    char buf[24], *p = buf + sizeof(buf);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(buf + sizeof(buf) - p));
}

/* Text (valid UTF-8) as a JSON string. */
static void put_string(struct w *w, const char *s, size_t n)
{
    size_t run = 0;
    putc1(w, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s + run, i - run);
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(w, esc, 2);
        } else {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(w, esc, 6);
        }
        run = i + 1;
    }
    put(w, s + run, n - run);
    putc1(w, '"');
}

/* The end of a (validated) value at p. */
static const char *tok_end(const char *p, const char *end)
{
    int depth = 0;
    do {
        switch (*p) {
        case '"':
            for (p++;;) {
                p = skip_plain(p, end);
                if (*p == '"')
                    break;
                p += *p == '\\' ? 2 : 1;
            }
            p++;
            break;
        case '{':
        case '[':
            depth++;
            p++;
            break;
        case '}':
        case ']':
            depth--;
            p++;
            break;
        default:
            if (depth == 0)
                while (p < end && !strchr(",}] \t\n\r", *p))
                    p++;
            else
                p++;
        }
    } while (depth > 0);
    return p;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A (validated) value copied compact, members with null values dropped
 * when w->drop (at every depth, as the native shape has them). */
static const char *copy_value(struct w *w, const char *p, const char *end)
{
    const char *e;
    bool first = true;
    if (*p != '{' && *p != '[') {
        e = tok_end(p, end);
        put(w, p, (size_t)(e - p));
        return e;
    }
    char close = *p == '{' ? '}' : ']';
    putc1(w, *p);
    p = skip_ws(p + 1);
    while (*p != close) {
        if (close == '}') {
            const char *ks = p, *ke = tok_end(p, end);
            p = skip_ws(skip_ws(ke) + 1);
            if (w->drop && end - p >= 4 && memcmp(p, "null", 4) == 0) {
                p = skip_ws(p + 4);
            } else {
                if (!first)
                    putc1(w, ',');
                put(w, ks, (size_t)(ke - ks));
                putc1(w, ':');
                p = skip_ws(copy_value(w, p, end));
                first = false;
            }
        } else {
            if (!first)
                putc1(w, ',');
            p = skip_ws(copy_value(w, p, end));
            first = false;
        }
        if (*p == ',')
            p = skip_ws(p + 1);
    }
    putc1(w, close);
    return p + 1;
}

/* A value to write: t is '"' (s, e: the string's body, between the
 * quotes), '0' a number, 't', 'f', 'n', or '{' / '[' (s, e: the token). */
struct sval {
    char t;
    const char *s, *e;
};

static struct sval sval_of(const char *s, const char *e)
{
    char c = *s;
    if (c == '"')
        return (struct sval){'"', s + 1, e - 1};
    if (c == '-' || (c >= '0' && c <= '9'))
        return (struct sval){'0', s, e};
    return (struct sval){c, s, e};
}

static void keep(struct w *w, struct sval v, const char *end)
{
    if (v.t == '"') {
        putc1(w, '"');
        put(w, v.s, (size_t)(v.e - v.s));
        putc1(w, '"');
    } else if (v.t == '{' || v.t == '[') {
        copy_value(w, v.s, end);
    } else {
        put(w, v.s, (size_t)(v.e - v.s));
    }
}

/* A string's body as a C string (what json_string_value shows: up to a
 * \u0000) in buf; false when longer than cap - 1 bytes. Characters past
 * ASCII written as \u escapes become 0xFF: no conversion reads them. */
static bool cstr(const char *s, const char *e, char *buf, size_t cap)
{
    size_t n = 0;
    while (s < e) {
        char c = *s++;
        if (c == '\\') {
            c = *s++;
            switch (c) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                unsigned cp = hex4(s);
                s += 4;
                if (cp == 0)
                    goto done;
                c = cp < 0x80 ? (char)cp : (char)0xFF;
                break;
            }
            default: break;
            }
        }
        if (n + 1 >= cap)
            return false;
        buf[n++] = c;
    }
done:
    buf[n] = '\0';
    return true;
}

static bool is_integer_token(struct sval v)
{
    for (const char *p = v.s; p < v.e; p++)
        if (*p == '.' || *p == 'e' || *p == 'E')
            return false;
    return true;
}

static bool int_token(struct sval v, int64_t *out)
{
    char buf[32];
    if (v.e - v.s >= (long)sizeof(buf))
        return false;
    memcpy(buf, v.s, (size_t)(v.e - v.s));
    buf[v.e - v.s] = '\0';
    return ed_parse_i64(buf, out);
}

/* The double jansson reads from a real token (rare: through jansson). */
static bool real_token(struct sval v, double *out)
{
    json_t *j = json_loadb(v.s, (size_t)(v.e - v.s), JSON_DECODE_ANY, NULL);
    bool ok = json_is_number(j);
    if (ok)
        *out = json_number_value(j);
    json_decref(j);
    return ok;
}

/* map.c's ms_of on a value: a number (ms), a numeric string (ms), or an
 * ISO 8601 string when iso_ok. */
static bool ms_of(struct sval v, bool iso_ok, int64_t *ms)
{
    char buf[CONV_MAX];
    if (v.t == '0') {
        if (is_integer_token(v)) {
            if (!int_token(v, ms))
                return false;
        } else {
            double d;
            if (!real_token(v, &d) ||
                !(d >= (double)DATEFMT_MIN_MS && d <= (double)DATEFMT_MAX_MS))
                return false;
            *ms = (int64_t)d;
            if ((double)*ms != d)
                return false;
        }
    } else if (v.t == '"') {
        if (!cstr(v.s, v.e, buf, sizeof(buf)) ||
            (!ed_parse_i64(buf, ms) && !(iso_ok && datefmt_iso_parse(buf, ms))))
            return false;
    } else {
        return false;
    }
    return *ms >= DATEFMT_MIN_MS && *ms <= DATEFMT_MAX_MS;
}

static bool put_iso(struct w *w, int64_t ms)
{
    char buf[32];
    if (!datefmt_iso_format(ms, buf, sizeof(buf)))
        return false;
    putc1(w, '"');
    put(w, buf, strlen(buf));
    putc1(w, '"');
    return true;
}

/* map.c's number_of: a string spelling a JSON number (at most 64 bytes)
 * written as that number; false when it is not one or jansson would not
 * read it (an integer past int64, a real that overflows). */
static bool put_number_of(struct w *w, const char *s)
{
    const char *p = s, *ip, *ie, *fp = NULL, *fe = NULL;
    bool integral = true;
    long x = 0, mag;
    int64_t v;

    if (*p == '-')
        p++;
    ip = p;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    ie = p;
    if (*p == '.') {
        integral = false;
        fp = ++p;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        fe = p;
    }
    if (*p == 'e' || *p == 'E') {
        bool neg;
        integral = false;
        p++;
        neg = *p == '-';
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9') {
            if (x < 100000)
                x = x * 10 + (*p - '0');
            p++;
        }
        if (neg)
            x = -x;
    }
    if (*p || p - s > 64)
        return false;
    if (integral) {
        if (!ed_parse_i64(s, &v))
            return false;
        put_i64(w, v);
        return true;
    }
    /* decimal magnitude: the value is in [10^mag, 10^(mag+1)) */
    mag = LONG_MIN;
    for (const char *q = ip; q < ie; q++)
        if (*q != '0') {
            mag = (long)(ie - q) - 1 + x;
            break;
        }
    if (mag == LONG_MIN && fp)
        for (const char *q = fp; q < fe; q++)
            if (*q != '0') {
                mag = -(long)(q - fp) - 1 + x;
                break;
            }
    if (mag != LONG_MIN && mag >= 308) {
        double d;
        struct sval t = {'0', s, p};
        if (mag > 308 || !real_token(t, &d))
            return false; /* overflows: jansson refuses it */
    }
    put(w, s, (size_t)(p - s));
    return true;
}

/* map.c's convert: v written as kind; false when it does not convert
 * (nothing written). Not for nulls and TF_NONE. */
static bool put_converted(struct w *w, struct sval v, enum tf_kind kind)
{
    char buf[CONV_MAX];
    int64_t ms;

    switch (kind) {
    case TF_NONE: return false;
    case TF_STRING:
        if (v.t == '"')
            return false; /* kept as it is */
        if (v.t == 't' || v.t == 'f') {
            putc1(w, '"');
            put(w, v.s, (size_t)(v.e - v.s));
            putc1(w, '"');
            return true;
        }
        if (v.t != '0')
            return false;
        if (is_integer_token(v)) {
            putc1(w, '"');
            if (v.e - v.s == 2 && v.s[0] == '-' && v.s[1] == '0')
                putc1(w, '0');
            else
                put(w, v.s, (size_t)(v.e - v.s));
            putc1(w, '"');
            return true;
        } else {
            double d;
            if (!real_token(v, &d))
                return false;
            int n = snprintf(buf, sizeof(buf), "%.15g", d);
            put_string(w, buf, (size_t)n);
            return true;
        }
    case TF_NUMBER:
        if (v.t != '"' || !cstr(v.s, v.e, buf, sizeof(buf)))
            return false;
        return put_number_of(w, buf);
    case TF_BOOLEAN:
        if (v.t != '"' || !cstr(v.s, v.e, buf, sizeof(buf)))
            return false;
        if (ed_strcaseeq(buf, "true"))
            put(w, "true", 4);
        else if (ed_strcaseeq(buf, "false"))
            put(w, "false", 5);
        else
            return false;
        return true;
    case TF_DATE:
        if (v.t == '"' && cstr(v.s, v.e, buf, sizeof(buf)) &&
            datefmt_iso_parse(buf, &ms))
            return false; /* ISO kept as written */
        return ms_of(v, false, &ms) && put_iso(w, ms);
    }
    return false;
}

/* map.c's convert_or_keep. */
static void put_value(struct w *w, struct sval v, enum tf_kind kind,
                      const char *end)
{
    if (kind == TF_NONE || v.t == 'n' || (kind == TF_STRING && v.t == '"') ||
        (kind == TF_NUMBER && v.t == '0') ||
        (kind == TF_BOOLEAN && (v.t == 't' || v.t == 'f')) ||
        !put_converted(w, v, kind))
        keep(w, v, end);
}

/* HubSpot's multi-select "a;b;c" (a string's body) as ["a","b","c"], each
 * part converted to kind (map.c's split_multi: "" is [], a trailing ';'
 * adds nothing, the string ends at a \u0000). A part is the raw text
 * between separators, escapes and all. */
static void put_multi(struct w *w, const char *s, const char *e,
                      enum tf_kind kind, const char *end)
{
    const char *ps = s, *p = s;
    bool first = true;
    putc1(w, '[');
    while (p < e) {
        const char *sep_end;
        if (*p == ';') {
            sep_end = p + 1;
        } else if (*p == '\\' && p[1] == 'u') {
            unsigned cp = hex4(p + 2);
            if (cp == 0) {
                e = p;
                break;
            }
            if (cp != ';') {
                p += 6;
                continue;
            }
            sep_end = p + 6;
        } else {
            p += *p == '\\' ? 2 : 1;
            continue;
        }
        if (!first)
            putc1(w, ',');
        put_value(w, (struct sval){'"', ps, p}, kind, end);
        first = false;
        ps = p = sep_end;
    }
    if (ps < e) {
        if (!first)
            putc1(w, ',');
        put_value(w, (struct sval){'"', ps, e}, kind, end);
    }
    putc1(w, ']');
}

/* An array token's elements, each converted to kind. */
static void put_array(struct w *w, const char *s, enum tf_kind kind,
                      const char *end)
{
    const char *p = skip_ws(s + 1);
    bool first = true;
    putc1(w, '[');
    while (*p != ']') {
        const char *e = tok_end(p, end);
        if (!first)
            putc1(w, ',');
        put_value(w, sval_of(p, e), kind, end);
        first = false;
        p = skip_ws(e);
        if (*p == ',')
            p = skip_ws(p + 1);
    }
    putc1(w, ']');
}

static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        size_t k = utf8_len(p, e);
        if (!k)
            return false;
        p += k;
    }
    return true;
}

/* map.c's from_vendor_value, on the captured token [s, e). */
static void put_field(struct w *w, const struct mfield *f, const char *s,
                      const char *e, const char *end)
{
    struct sval v = sval_of(s, e);
    int64_t ms;

    if (v.t == 'n') {
        put(w, "null", 4);
        return;
    }
    if (f->date) {
        char buf[DATEFMT_MAX_OUT];
        if (ms_of(v, true, &ms)) {
            if (datefmt_is_millis(f->date)) {
                put_i64(w, ms);
                return;
            }
            if (datefmt_format(f->date, ms, buf, sizeof(buf)) &&
                valid_utf8(buf, strlen(buf))) {
                put_string(w, buf, strlen(buf));
                return;
            }
        }
        keep(w, v, end);
        return;
    }
    if (f->type.array) {
        if (v.t == '"')
            put_multi(w, v.s, v.e, f->type.kind, end);
        else if (v.t == '[' && f->type.kind != TF_NONE)
            put_array(w, v.s, f->type.kind, end);
        else
            keep(w, v, end);
        return;
    }
    put_value(w, v, f->type.kind, end);
}

/* --- output order -------------------------------------------------------- */

struct emit {
    struct w w;
    const struct tf_stream *st;
    const struct cap *caps;
    const char *end;
};

static bool present(const struct emit *em, uint32_t field)
{
    return em->caps[em->st->sf[field].slot].s != NULL;
}

/* The first field under node i that has a value, or -1. */
static long first_present(const struct emit *em, uint32_t i)
{
    const struct onode *on = &em->st->on[i];
    for (uint32_t f = on->fmin; f <= on->fmax && on->fmin != UINT32_MAX; f++) {
        uint32_t a = em->st->sf[f].leaf;
        if (!present(em, f))
            continue;
        while (a != i && a != 0)
            a = em->st->on[a].parent;
        if (a == i)
            return (long)f;
    }
    return -1;
}

static size_t put_members(struct emit *em, uint32_t i);

/* Member i (after *count members); a group only when it has a value. */
static void put_member(struct emit *em, uint32_t i, size_t *count)
{
    const struct onode *on = &em->st->on[i];
    size_t mark = em->w.b->len;

    if (on->field >= 0) {
        const struct sfield *sf = &em->st->sf[on->field];
        const struct cap *c = &em->caps[sf->slot];
        if (!c->s)
            return;
        if (*count)
            putc1(&em->w, ',');
        put(&em->w, on->key, on->keylen);
        put_field(&em->w, sf->f, c->s, c->e, em->end);
        ++*count;
        return;
    }
    if (*count)
        putc1(&em->w, ',');
    put(&em->w, on->key, on->keylen);
    putc1(&em->w, '{');
    if (put_members(em, i) == 0) {
        if (!em->w.bad) {
            em->w.b->len = mark;
            em->w.b->data[mark] = '\0';
        }
        return;
    }
    putc1(&em->w, '}');
    ++*count;
}

/* The members of group i, in the order fromVendor creates them: by the
 * first field (in field order) that gives each one a value. */
static size_t put_members(struct emit *em, uint32_t i)
{
    const struct onode *on = &em->st->on[i];
    size_t count = 0;
    long last = -1;

    if (on->ordered) {
        for (uint32_t c = 0; c < on->nchild; c++)
            put_member(em, on->child + c, &count);
        return count;
    }
    for (;;) {
        long best = -1, bestf = LONG_MAX;
        for (uint32_t c = 0; c < on->nchild; c++) {
            long f = first_present(em, on->child + c);
            if (f > last && f < bestf) {
                bestf = f;
                best = (long)(on->child + c);
            }
        }
        if (best < 0)
            return count;
        put_member(em, (uint32_t)best, &count);
        last = bestf;
    }
}

/* --- entry point --------------------------------------------------------- */

const char *tf_map_stream_record(const struct tf_map *m, const char *p,
                                 const char *end,
                                 const struct tf_stream_opts *o,
                                 struct ed_buf *out)
{
    const struct tf_stream *st = m ? m->stream : NULL;
    struct cap caps[TF_MAX_FIELDS + 1];
    struct run r;
    struct emit em;
    size_t start;

    if (!st || !p || p >= end || *p != '{')
        return NULL;
    memset(caps, 0, (st->nslots + 1) * sizeof(caps[0]));
    r = (struct run){.p = p,
                     .end = end,
                     .drop = o && o->drop_nulls,
                     .caps = caps,
                     .st = st,
                     .alias = o ? o->classic_id : NULL};
    r.alias_len = r.alias ? strlen(r.alias) : 0;
    object(&r, &st->vn[0], 0, true);
    if (r.bad)
        return NULL;
    if (r.ids && !r.has_alias) {
        /* the native shape adds "<alias>":digits last: it wins */
        const struct vnode *root = &st->vn[0];
        for (uint32_t k = 0; k < root->nchild; k++) {
            const struct vnode *c = &st->vn[root->child + k];
            if (c->len == r.alias_len &&
                memcmp(c->name, r.alias, r.alias_len) == 0) {
                clear_subtree(&r, c);
                if (c->slot >= 0)
                    caps[c->slot] = (struct cap){r.ids, r.ide};
            }
        }
    }

    start = out->len;
    em = (struct emit){{out, false, r.drop}, st, caps, end};
    putc1(&em.w, '{');
    put_members(&em, 0);
    putc1(&em.w, '}');
    if (em.w.bad) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return NULL;
    }
    return r.p;
}
