/* SPDX-License-Identifier: MIT
 * Transformation scripts on Duktape (the only file that includes
 * duktape.h; cmake/Duktape.cmake builds the engine with its execution-
 * timeout hook on). Each run gets a fresh heap whose allocator counts bytes
 * and refuses past the memory limit, and whose udata carries the CPU-time
 * deadline and the cancel flag that ed_duk_timeout checks. Every global that
 * is not plain ECMAScript is deleted before the body is compiled. Records
 * cross the boundary as JSON text: the page's array is decoded once by
 * Duktape's codec, each result is encoded when its call returns and copied
 * into the result array's text (no jansson in a run; the json_t variant
 * dumps and parses once around it). The pool is a fixed set of workers
 * over a bounded FIFO; a job is shared by the pool and its caller (two
 * references). */
#include "transform/script.h"

#include <duktape.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "transform/transform.h"

#define QUEUE_MAX 1024
#define DETAIL_MAX 300 /* bytes of an engine message quoted in an error */

/* --- the sandbox of one run ----------------------------------------------- */

/* Blocks of up to SMALL_MAX bytes (most of what the engine allocates: its
 * strings, objects and property tables for a page of records) come from
 * the run's slabs, one free list per 16-byte class, and go back to the C
 * heap all at once when the run ends; bigger ones are malloc'd, and so are
 * small ones once the slabs add up to the limit (a free block serves its
 * class only: this bounds what churn through the classes can hold). The
 * limit counts the bytes asked for either way. */
#define SMALL_MAX 256
#define NCLASS (SMALL_MAX / 16)
#define SLAB_BYTES 65536

struct slab {
    struct slab *next;
};

struct sandbox {
    size_t used, limit;        /* bytes, headers included */
    struct timespec deadline;  /* CLOCK_THREAD_CPUTIME_ID */
    const atomic_bool *cancel; /* NULL for a synchronous run */
    bool timed_out, cancelled; /* sticky: Duktape needs the hook to keep */
    bool refused;              /* saying yes until the error is out */
    void *free_list[NCLASS];   /* a free block's first word links them */
    char *bump, *bump_end;     /* the rest of the newest slab */
    struct slab *slabs;
    size_t slab_bytes;
};

union blk {
    struct {
        size_t n;     /* bytes asked for */
        unsigned cls; /* 1 + the class of a slab block, 0 if malloc'd */
    } h;
    max_align_t align;
};

static union blk *small_get(struct sandbox *sb, unsigned c)
{
    void *p = sb->free_list[c];
    if (p) {
        sb->free_list[c] = *(void **)p;
        return (union blk *)p - 1;
    }
    size_t sz = sizeof(union blk) + 16 * (size_t)(c + 1);
    if ((size_t)(sb->bump_end - sb->bump) < sz) {
        if (SLAB_BYTES > sb->limit - sb->slab_bytes ||
            sb->slab_bytes > sb->limit)
            return NULL;
        struct slab *s = malloc(SLAB_BYTES);
        if (!s)
            return NULL;
        s->next = sb->slabs;
        sb->slabs = s;
        sb->slab_bytes += SLAB_BYTES;
        sb->bump = (char *)s + sizeof(union blk);
        sb->bump_end = (char *)s + SLAB_BYTES;
    }
    union blk *b = (union blk *)(void *)sb->bump;
    sb->bump += sz;
    return b;
}

static void sb_release(struct sandbox *sb)
{
    while (sb->slabs) {
        struct slab *next = sb->slabs->next;
        free(sb->slabs);
        sb->slabs = next;
    }
}

static void *sb_alloc(void *udata, duk_size_t size)
{
    struct sandbox *sb = udata;
    size_t need = size + sizeof(union blk);
    if (need < size || need > sb->limit - sb->used) {
        sb->refused = true;
        return NULL;
    }
    union blk *b = NULL;
    unsigned cls = 0;
    if (size <= SMALL_MAX) {
        cls = size ? (unsigned)((size - 1) / 16) + 1 : 1;
        b = small_get(sb, cls - 1);
        if (!b)
            cls = 0;
    }
    if (!cls)
        b = malloc(need);
    if (!b)
        return NULL;
    b->h.n = size;
    b->h.cls = cls;
    sb->used += need;
    return b + 1;
}

static void sb_free(void *udata, void *ptr)
{
    struct sandbox *sb = udata;
    if (!ptr)
        return;
    union blk *b = (union blk *)ptr - 1;
    sb->used -= b->h.n + sizeof(union blk);
    if (b->h.cls) {
        *(void **)ptr = sb->free_list[b->h.cls - 1];
        sb->free_list[b->h.cls - 1] = ptr;
    } else {
        free(b);
    }
}

static void *sb_realloc(void *udata, void *ptr, duk_size_t size)
{
    struct sandbox *sb = udata;
    if (!ptr)
        return sb_alloc(udata, size);
    if (size == 0) {
        sb_free(udata, ptr);
        return NULL;
    }
    union blk *b = (union blk *)ptr - 1;
    size_t old = b->h.n;
    if (size > old && (size - old > sb->limit - sb->used ||
                       size + sizeof(union blk) < size)) {
        sb->refused = true;
        return NULL;
    }
    if (b->h.cls && size <= 16 * (size_t)b->h.cls) { /* fits its class */
        sb->used = sb->used - old + size;
        b->h.n = size;
        return ptr;
    }
    if (b->h.cls || size <= SMALL_MAX) { /* moves between slab and malloc */
        void *np = sb_alloc(udata, size);
        if (!np)
            return NULL;
        memcpy(np, ptr, old < size ? old : size);
        sb_free(udata, ptr);
        return np;
    }
    union blk *nb = realloc(b, size + sizeof(union blk));
    if (!nb)
        return NULL;
    nb->h.n = size;
    if (size > old)
        sb->used += size - old;
    else
        sb->used -= old - size;
    return nb + 1;
}

static void sb_fatal(void *udata, const char *msg)
{
    (void)udata;
    fprintf(stderr, "elementsd: script engine fatal error: %s\n",
            msg ? msg : "?");
    abort();
}

/* Declared in the patched duk_config.h (DUK_USE_EXEC_TIMEOUT_CHECK);
 * Duktape calls it every few hundred thousand bytecode instructions. */
duk_bool_t ed_duk_timeout(void *udata)
{
    struct sandbox *sb = udata;
    if (sb->timed_out || sb->cancelled)
        return 1;
    if (sb->cancel && atomic_load(sb->cancel)) {
        sb->cancelled = true;
        return 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    if (now.tv_sec > sb->deadline.tv_sec ||
        (now.tv_sec == sb->deadline.tv_sec &&
         now.tv_nsec >= sb->deadline.tv_nsec)) {
        sb->timed_out = true;
        return 1;
    }
    return 0;
}

/* The globals a script may see: ECMAScript's own. Everything else the
 * engine defines (Duktape, CBOR, TextEncoder, TextDecoder, performance,
 * ...) is deleted. */
static const char *const keep_globals[] = {"Array",
                                           "ArrayBuffer",
                                           "Boolean",
                                           "DataView",
                                           "Date",
                                           "Error",
                                           "EvalError",
                                           "Float32Array",
                                           "Float64Array",
                                           "Function",
                                           "Infinity",
                                           "Int16Array",
                                           "Int32Array",
                                           "Int8Array",
                                           "JSON",
                                           "Math",
                                           "NaN",
                                           "Number",
                                           "Object",
                                           "Proxy",
                                           "RangeError",
                                           "ReferenceError",
                                           "Reflect",
                                           "RegExp",
                                           "String",
                                           "Symbol",
                                           "SyntaxError",
                                           "TypeError",
                                           "URIError",
                                           "Uint16Array",
                                           "Uint32Array",
                                           "Uint8Array",
                                           "Uint8ClampedArray",
                                           "decodeURI",
                                           "decodeURIComponent",
                                           "encodeURI",
                                           "encodeURIComponent",
                                           "escape",
                                           "eval",
                                           "globalThis",
                                           "isFinite",
                                           "isNaN",
                                           "parseFloat",
                                           "parseInt",
                                           "undefined",
                                           "unescape"};

static bool kept(const char *name)
{
    for (size_t i = 0; i < sizeof(keep_globals) / sizeof(keep_globals[0]); i++)
        if (strcmp(keep_globals[i], name) == 0)
            return true;
    return false;
}

/* --- one run -------------------------------------------------------------- */

enum phase { PH_SETUP, PH_COMPILE, PH_INPUT, PH_CALL, PH_ENCODE };

/* The result array's text, outside the heap but charged to its limit. */
struct outbuf {
    char *p;
    size_t len, cap;
};

struct run {
    struct sandbox *sb;
    const char *body;
    const char *records, *originals; /* JSON text; originals may be NULL */
    size_t records_len, originals_len;
    bool from_vendor, filter_empty;
    struct outbuf out;
    size_t index;
    enum phase phase;
    bool failed; /* a check in C failed; detail says why */
    char detail[DETAIL_MAX + 64];
};

static const char *const fn_head =
    "(function (transformedObject, originalObject, fromVendor, done) {";

static duk_ret_t done_fn(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    bool called = duk_get_prop_string(ctx, -1, "called") &&
                  duk_to_boolean(ctx, -1);
    duk_pop(ctx);
    if (!called) { /* the first call wins */
        duk_dup(ctx, 0);
        duk_put_prop_string(ctx, -2, "result");
        duk_push_true(ctx);
        duk_put_prop_string(ctx, -2, "called");
    }
    return 0;
}

static void sandbox_globals(duk_context *ctx)
{
    duk_push_global_object(ctx);
    duk_enum(ctx, -1,
             DUK_ENUM_OWN_PROPERTIES_ONLY | DUK_ENUM_INCLUDE_NONENUMERABLE);
    while (duk_next(ctx, -1, 0)) {
        const char *k = duk_get_string(ctx, -1);
        if (k && !kept(k))
            duk_del_prop_string(ctx, -3, k);
        duk_pop(ctx);
    }
    duk_pop_2(ctx);
}

static const char *js_type(duk_context *ctx, duk_idx_t i)
{
    if (duk_is_undefined(ctx, i))
        return "undefined";
    if (duk_is_null(ctx, i))
        return "null";
    if (duk_is_array(ctx, i))
        return "an array";
    if (duk_is_function(ctx, i))
        return "a function";
    if (duk_is_string(ctx, i))
        return "a string";
    if (duk_is_number(ctx, i))
        return "a number";
    if (duk_is_boolean(ctx, i))
        return "a boolean";
    return "not a plain object";
}

static void not_object(struct run *r, const char *got)
{
    r->failed = true;
    snprintf(r->detail, sizeof(r->detail),
             "script result of record %zu is not an object (got %s)", r->index,
             got);
}

/* Room for `more` bytes in r->out, charged to the heap's limit (past it,
 * the run fails as out of memory). */
static void out_reserve(duk_context *ctx, struct run *r, size_t more)
{
    struct outbuf *o = &r->out;
    struct sandbox *sb = r->sb;
    if (more <= o->cap - o->len)
        return;
    size_t want = o->len + more, cap = o->cap ? o->cap : 1024;
    while (cap < want && cap <= SIZE_MAX / 2)
        cap *= 2;
    if (want < more || cap < want || cap - o->cap > sb->limit - sb->used) {
        sb->refused = true;
        (void)duk_error(ctx, DUK_ERR_RANGE_ERROR, "alloc failed");
    }
    o->p = ed_realloc(o->p, cap);
    sb->used += cap - o->cap;
    o->cap = cap;
}

static void out_put(duk_context *ctx, struct run *r, const char *s, size_t n)
{
    out_reserve(ctx, r, n);
    memcpy(r->out.p + r->out.len, s, n);
    r->out.len += n;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The code unit of the \uXXXX escape at s (6 bytes available), or -1. */
static long uescape(const char *s)
{
    if (s[0] != '\\' || s[1] != 'u')
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* A surrogate pair in CESU-8 (two 3-byte sequences) at p, n bytes left. */
static bool cesu_pair(const unsigned char *p, size_t n)
{
    return n >= 6 && p[0] == 0xED && p[1] >= 0xA0 && p[1] < 0xB0 &&
           (p[2] & 0xC0) == 0x80 && p[3] == 0xED && p[4] >= 0xB0 &&
           p[4] < 0xC0 && (p[5] & 0xC0) == 0x80;
}

/* Whether s (JSON text as Duktape's encoder wrote it) is text every JSON
 * reader takes, jansson's rules: UTF-8 without overlongs or surrogates, no
 * \u0000, no lone surrogate escape; except that *pairs counts surrogate
 * pairs in CESU-8, which is how the engine writes a character past U+FFFF
 * that came from a \u escape pair or a script (put_text makes them UTF-8).
 * If not, why in `why`. */
static bool json_text_ok(const char *s, size_t len, size_t *pairs, char *why,
                         size_t wlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c == '\\') {
            if (i + 1 < len && p[i + 1] != 'u') {
                i += 2;
                continue;
            }
            long u = i + 6 <= len ? uescape(s + i) : -1;
            long lo = u >= 0xD800 && u < 0xDC00 && i + 12 <= len
                          ? uescape(s + i + 6)
                          : -1;
            if (u == 0) {
                snprintf(why, wlen, "\\u0000 is not allowed");
                return false;
            }
            if (u < 0 ||
                (u >= 0xD800 && u < 0xDC00 && !(lo >= 0xDC00 && lo < 0xE000)) ||
                (u >= 0xDC00 && u < 0xE000)) {
                snprintf(why, wlen, "invalid \\u escape");
                return false;
            }
            i += lo >= 0 ? 12 : 6;
            continue;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        if (cesu_pair(p + i, len - i)) {
            ++*pairs;
            i += 6;
            continue;
        }
        size_t n = c < 0xC2   ? 0
                   : c < 0xE0 ? 1
                   : c < 0xF0 ? 2
                   : c < 0xF5 ? 3
                              : 0;
        bool ok = n > 0 && i + n < len;
        for (size_t k = 1; ok && k <= n; k++)
            ok = (p[i + k] & 0xC0) == 0x80;
        if (ok &&
            ((c == 0xE0 && p[i + 1] < 0xA0) ||
             (c == 0xED && p[i + 1] >= 0xA0) ||
             (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] >= 0x90)))
            ok = false;
        if (!ok) {
            snprintf(why, wlen, "unable to decode byte 0x%02x", c);
            return false;
        }
        i += n + 1;
    }
    return true;
}

/* The result of record r->index at the top of the stack: dropped, appended
 * to r->out, or r->failed. Each result is encoded when its call returns:
 * a later call cannot change it, and an error names its record. */
static void take_result(duk_context *ctx, struct run *r)
{
    if (duk_is_null_or_undefined(ctx, -1)) {
        if (!r->filter_empty)
            not_object(r, js_type(ctx, -1));
        return;
    }
    if (!duk_is_object(ctx, -1) || duk_is_array(ctx, -1) ||
        duk_is_function(ctx, -1)) {
        not_object(r, js_type(ctx, -1));
        return;
    }
    r->phase = PH_ENCODE;
    duk_json_encode(ctx, -1);
    duk_size_t len = 0;
    const char *s = duk_get_lstring(ctx, -1, &len);
    if (!s) { /* toJSON gave undefined */
        not_object(r, "undefined");
        return;
    }
    if (len < 2 || s[0] != '{') {
        not_object(r, "JSON that is not an object");
        return;
    }
    char why[64];
    size_t pairs = 0;
    if (!json_text_ok(s, len, &pairs, why, sizeof(why))) {
        r->failed = true;
        snprintf(r->detail, sizeof(r->detail),
                 "script result of record %zu cannot be read: %s", r->index,
                 why);
        return;
    }
    if (r->filter_empty && len == 2)
        return;
    out_reserve(ctx, r, len + 2);
    if (r->out.len > 1)
        r->out.p[r->out.len++] = ',';
    if (!pairs) {
        out_put(ctx, r, s, len);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    char *o = r->out.p + r->out.len;
    for (size_t i = 0; i < len;) {
        if (!cesu_pair(p + i, len - i)) {
            *o++ = (char)p[i++];
            continue;
        }
        unsigned long hi = (p[i + 1] & 0x0Ful) << 6 | (p[i + 2] & 0x3Ful);
        unsigned long lo = (p[i + 4] & 0x0Ful) << 6 | (p[i + 5] & 0x3Ful);
        unsigned long cp = 0x10000 + ((hi & 0x3FF) << 10) + (lo & 0x3FF);
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
        i += 6;
    }
    r->out.len = (size_t)(o - r->out.p);
}

/* Decode the JSON text of an array at the top of the stack. */
static bool push_input(duk_context *ctx, struct run *r, const char *text,
                       size_t len)
{
    duk_push_lstring(ctx, text, len);
    duk_json_decode(ctx, -1);
    if (duk_is_array(ctx, -1))
        return true;
    r->failed = true;
    snprintf(r->detail, sizeof(r->detail),
             "script input is not an array of records");
    return false;
}

static duk_ret_t run_all(duk_context *ctx, void *udata)
{
    struct run *r = udata;
    r->phase = PH_SETUP;
    sandbox_globals(ctx);
    duk_push_heap_stash(ctx);
    duk_idx_t stash = duk_get_top_index(ctx);
    duk_push_c_function(ctx, done_fn, 1);
    duk_idx_t done = duk_get_top_index(ctx);

    r->phase = PH_COMPILE;
    size_t blen = strlen(r->body);
    /* Eval code whose value is the function: unlike DUK_COMPILE_FUNCTION,
     * which ignores what follows the function's closing brace, this
     * parses to the end, so a stray "}" is a syntax error. */
    duk_push_string(ctx, fn_head);
    duk_push_lstring(ctx, r->body, blen);
    duk_push_string(ctx, "\n})");
    duk_concat(ctx, 3);
    duk_push_string(ctx, "script");
    duk_compile(ctx, DUK_COMPILE_EVAL);
    r->phase = PH_CALL;
    duk_call(ctx, 0);
    if (!duk_is_function(ctx, -1)) {
        r->failed = true;
        snprintf(r->detail, sizeof(r->detail),
                 "script syntax error: the body closes its function");
        return 0;
    }
    duk_idx_t fn = duk_get_top_index(ctx);

    /* Each array decoded once; without originals, a second copy of the
     * records is what originalObject shows (the record before the body). */
    r->phase = PH_INPUT;
    if (!push_input(ctx, r, r->records, r->records_len))
        return 0;
    duk_idx_t recs = duk_get_top_index(ctx);
    if (!push_input(ctx, r, r->originals ? r->originals : r->records,
                    r->originals ? r->originals_len : r->records_len))
        return 0;
    duk_idx_t origs = duk_get_top_index(ctx);
    size_t n = duk_get_length(ctx, recs);
    if (duk_get_length(ctx, origs) != n) {
        r->failed = true;
        snprintf(r->detail, sizeof(r->detail),
                 "script input is not an array of records");
        return 0;
    }

    out_reserve(ctx, r, r->records_len + 2);
    out_put(ctx, r, "[", 1);
    for (r->index = 0; r->index < n; r->index++) {
        duk_idx_t base = duk_get_top(ctx);
        r->phase = PH_SETUP;
        duk_push_false(ctx);
        duk_put_prop_string(ctx, stash, "called");
        duk_del_prop_string(ctx, stash, "result");
        duk_get_prop_index(ctx, recs, (duk_uarridx_t)r->index);
        duk_idx_t obj = duk_get_top_index(ctx);
        duk_dup(ctx, fn);
        duk_dup(ctx, obj);
        duk_get_prop_index(ctx, origs, (duk_uarridx_t)r->index);
        duk_push_boolean(ctx, r->from_vendor);
        duk_dup(ctx, done);
        r->phase = PH_CALL;
        duk_call(ctx, 4);
        duk_pop(ctx);
        if (duk_get_prop_string(ctx, stash, "called") &&
            duk_to_boolean(ctx, -1)) {
            duk_pop(ctx);
            duk_get_prop_string(ctx, stash, "result");
        } else {
            duk_pop(ctx);
            duk_dup(ctx, obj);
        }
        take_result(ctx, r);
        if (r->failed)
            return 0;
        duk_set_top(ctx, base);
        /* done with this record and its original: let them go */
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, recs, (duk_uarridx_t)r->index);
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, origs, (duk_uarridx_t)r->index);
    }
    out_put(ctx, r, "]", 2); /* with its NUL */
    r->out.len--;
    return 0;
}

/* The thrown value at the top of the stack, as "Name: message (line N)". */
static duk_ret_t describe_error(duk_context *ctx, void *udata)
{
    struct run *r = udata;
    duk_idx_t e = duk_normalize_index(ctx, -1);
    if (!duk_is_error(ctx, e)) {
        snprintf(r->detail, sizeof(r->detail), "uncaught %.*s", DETAIL_MAX,
                 duk_safe_to_string(ctx, e));
        return 0;
    }
    duk_get_prop_string(ctx, e, "name");
    const char *name = duk_safe_to_string(ctx, -1);
    duk_get_prop_string(ctx, e, "message");
    const char *msg = duk_safe_to_string(ctx, -1);
    duk_get_prop_string(ctx, e, "lineNumber");
    long line = duk_is_number(ctx, -1) ? (long)duk_get_number(ctx, -1) : 0;
    if (r->phase == PH_INPUT) /* not the script's: no line of it */
        line = 0;
    int k = snprintf(r->detail, sizeof(r->detail), "%.40s: %.*s", name,
                     DETAIL_MAX, msg);
    if (line > 0 && !strstr(msg, "(line ") && k > 0 &&
        (size_t)k < sizeof(r->detail))
        snprintf(r->detail + k, sizeof(r->detail) - (size_t)k, " (line %ld)",
                 line);
    return 0;
}

/* Replace bytes that are not UTF-8 with '?' (an engine message may hold
 * CESU-8 or a cut sequence), so the message is always valid JSON text. */
static void utf8_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        int n = *p < 0x80   ? 0
                : *p < 0xC2 ? -1
                : *p < 0xE0 ? 1
                : *p < 0xF0 ? 2
                : *p < 0xF5 ? 3
                            : -1;
        int i = 1;
        if (n > 0) {
            for (; i <= n; i++)
                if ((p[i] & 0xC0) != 0x80)
                    break;
            /* overlongs and surrogates (CESU-8) */
            if (i > n && ((p[0] == 0xE0 && p[1] < 0xA0) ||
                          (p[0] == 0xED && p[1] >= 0xA0) ||
                          (p[0] == 0xF0 && p[1] < 0x90) ||
                          (p[0] == 0xF4 && p[1] >= 0x90)))
                i = 0;
        }
        if (n < 0 || (n > 0 && i <= n)) {
            *p++ = '?';
            continue;
        }
        p += n + 1;
    }
}

static void set_err(char *err, size_t errlen, const char *tname,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void set_err(char *err, size_t errlen, const char *tname,
                    const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    int k = snprintf(err, errlen, "transformation '%.*s': ", TF_MAX_NAME,
                     tname ? tname : "");
    if (k > 0 && (size_t)k < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    utf8_clean(err);
}

static void limit_mib(size_t bytes, char *buf, size_t len)
{
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
        snprintf(buf, len, "%zu MiB", bytes >> 20);
    else
        snprintf(buf, len, "%.1f MiB", (double)bytes / (1 << 20));
}

static bool body_ok(const char *tname, const char *body, char *err,
                    size_t errlen)
{
    if (body && strlen(body) <= TF_MAX_SCRIPT)
        return true;
    set_err(err, errlen, tname, "script body missing or over %d bytes",
            TF_MAX_SCRIPT);
    return false;
}

/* The core of both variants: one heap, the records (and originals) decoded
 * once, the body compiled once and called per record, the results written
 * out as they come. */
static char *run_text(const char *tname, const char *body, const char *records,
                      size_t records_len, const char *originals,
                      size_t originals_len, bool from_vendor, bool filter_empty,
                      const struct tf_script_limits *lim,
                      const atomic_bool *cancel, size_t *len, char *err,
                      size_t errlen)
{
    char mib[32];
    limit_mib(lim->memory_bytes, mib, sizeof(mib));
    if (!body_ok(tname, body, err, errlen))
        return NULL;
    if (!records) {
        set_err(err, errlen, tname, "script input is not an array of records");
        return NULL;
    }
    struct sandbox sb = {.limit = lim->memory_bytes, .cancel = cancel};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &sb.deadline);
    sb.deadline.tv_sec += lim->cpu_ms / 1000;
    sb.deadline.tv_nsec += (lim->cpu_ms % 1000) * 1000000L;
    if (sb.deadline.tv_nsec >= 1000000000L) {
        sb.deadline.tv_sec++;
        sb.deadline.tv_nsec -= 1000000000L;
    }
    duk_context *ctx = duk_create_heap(sb_alloc, sb_realloc, sb_free, &sb,
                                       sb_fatal);
    if (!ctx) {
        sb_release(&sb);
        set_err(err, errlen, tname,
                "script engine cannot start within the memory limit of %s",
                mib);
        return NULL;
    }
    struct run r = {.sb = &sb,
                    .body = body,
                    .records = records,
                    .records_len = records_len,
                    .originals = originals,
                    .originals_len = originals_len,
                    .from_vendor = from_vendor,
                    .filter_empty = filter_empty};
    duk_int_t rc = duk_safe_call(ctx, run_all, &r, 0, 1);
    char *out = NULL;
    if (sb.cancelled) {
        set_err(err, errlen, tname, "script cancelled");
    } else if (sb.timed_out) {
        set_err(err, errlen, tname,
                "script exceeded its CPU time limit of %ld ms", lim->cpu_ms);
    } else if (rc != DUK_EXEC_SUCCESS && sb.refused) {
        set_err(err, errlen, tname, "script exceeded its memory limit of %s",
                mib);
    } else if (rc != DUK_EXEC_SUCCESS) {
        snprintf(r.detail, sizeof(r.detail), "unknown error");
        duk_safe_call(ctx, describe_error, &r, 1, 1);
        if (sb.timed_out)
            set_err(err, errlen, tname,
                    "script exceeded its CPU time limit of %ld ms",
                    lim->cpu_ms);
        else if (r.phase == PH_COMPILE)
            set_err(err, errlen, tname, "script syntax error: %s", r.detail);
        else if (r.phase == PH_INPUT)
            set_err(err, errlen, tname,
                    "script input is not an array of records: %s", r.detail);
        else if (r.phase == PH_ENCODE)
            set_err(err, errlen, tname,
                    "script result of record %zu cannot be serialised: %s",
                    r.index, r.detail);
        else
            set_err(err, errlen, tname, "script error: %s", r.detail);
    } else if (r.failed) {
        set_err(err, errlen, tname, "%s", r.detail);
    } else {
        out = r.out.p;
        *len = r.out.len;
        r.out.p = NULL;
    }
    duk_destroy_heap(ctx);
    sb_release(&sb);
    free(r.out.p);
    return out;
}

char *tf_script_run_text(const char *tname, const char *body,
                         const char *records, size_t records_len,
                         const char *originals, size_t originals_len,
                         bool from_vendor, bool filter_empty,
                         const struct tf_script_limits *lim, size_t *len,
                         char *err, size_t errlen)
{
    return run_text(tname, body, records, records_len, originals, originals_len,
                    from_vendor, filter_empty, lim, NULL, len, err, errlen);
}

/* Parse the result array element by element: an integer past int64 makes
 * a real of its own record's integers only. The text is the encoder's, so
 * well formed. */
static json_t *parse_each(const char *tname, const char *s, size_t len,
                          char *err, size_t errlen)
{
    json_t *out = json_array();
    size_t i = 1, k = 0;
    while (i < len && s[i] != ']') {
        size_t start = i;
        int depth = 0;
        bool str = false;
        for (; i < len; i++) {
            char c = s[i];
            if (str) {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    str = false;
            } else if (c == '"') {
                str = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                i++;
                break;
            }
        }
        json_error_t jerr;
        json_t *v = json_loadb(s + start, i - start, 0, &jerr);
        if (!v)
            v = json_loadb(s + start, i - start, JSON_DECODE_INT_AS_REAL,
                           &jerr);
        if (!v) {
            set_err(err, errlen, tname, "script result %zu cannot be read: %s",
                    k, jerr.text);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, v);
        k++;
        if (i < len && s[i] == ',')
            i++;
    }
    return out;
}

/* The json_t variant on the text one: each side dumped and parsed once. */
static json_t *run_json(const char *tname, const char *body,
                        const json_t *records, const json_t *originals,
                        bool from_vendor, bool filter_empty,
                        const struct tf_script_limits *lim,
                        const atomic_bool *cancel, char *err, size_t errlen)
{
    if (!body_ok(tname, body, err, errlen))
        return NULL;
    if (!json_is_array(records) ||
        (originals &&
         (!json_is_array(originals) ||
          json_array_size(originals) != json_array_size(records)))) {
        set_err(err, errlen, tname, "script input is not an array of records");
        return NULL;
    }
    char *rt = json_dumps(records, JSON_COMPACT);
    char *ot = originals ? json_dumps(originals, JSON_COMPACT) : NULL;
    size_t len = 0;
    char *text = NULL;
    if (!rt || (originals && !ot))
        set_err(err, errlen, tname, "script input is not an array of records");
    else
        text = run_text(tname, body, rt, strlen(rt), ot, ot ? strlen(ot) : 0,
                        from_vendor, filter_empty, lim, cancel, &len, err,
                        errlen);
    free(rt);
    free(ot);
    if (!text)
        return NULL;
    json_error_t jerr;
    json_t *out = json_loadb(text, len, 0, &jerr);
    if (!out)
        out = parse_each(tname, text, len, err, errlen);
    free(text);
    return out;
}

json_t *tf_script_run(const char *tname, const char *body,
                      const json_t *records, const json_t *originals,
                      bool from_vendor, bool filter_empty,
                      const struct tf_script_limits *lim, char *err,
                      size_t errlen)
{
    return run_json(tname, body, records, originals, from_vendor, filter_empty,
                    lim, NULL, err, errlen);
}

/* --- the pool ------------------------------------------------------------- */

enum job_state {
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_DONE,    /* done has started (or finished) */
    JOB_DROPPED, /* done will never be called */
};

struct tf_script_job {
    char *tname, *body;
    json_t *records, *originals; /* the json_t variant, or */
    char *rtext, *otext;         /* the text one (text_done set) */
    size_t rlen, olen;
    bool from_vendor, filter_empty;
    tf_script_done done;
    tf_script_text_done text_done;
    void *ud;
    atomic_bool cancel;
    enum job_state state; /* under pool.mu, as refs and the links */
    int refs;             /* the pool's and the caller's */
    struct tf_script_job *prev, *next;
};

/* The mutex is static so that cancel/release stay valid after shutdown. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, stopping;
    struct tf_script_limits lim;
    pthread_t *threads;
    int nthreads;
    struct tf_script_job *head, *tail;
    size_t queued;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void job_free(struct tf_script_job *j)
{
    free(j->tname);
    free(j->body);
    json_decref(j->records);
    json_decref(j->originals);
    free(j->rtext);
    free(j->otext);
    free(j);
}

/* Under pool.mu; true when the job is to be freed. */
static bool job_unref(struct tf_script_job *j)
{
    return --j->refs == 0;
}

static void unlink_job(struct tf_script_job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        pool.head = j->next;
    if (j->next)
        j->next->prev = j->prev;
    else
        pool.tail = j->prev;
    j->prev = j->next = NULL;
    pool.queued--;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.stopping && !pool.head)
            pthread_cond_wait(&pool.cv, &pool.mu);
        if (pool.stopping)
            break;
        struct tf_script_job *j = pool.head;
        unlink_job(j);
        j->state = JOB_RUNNING;
        struct tf_script_limits lim = pool.lim;
        pthread_mutex_unlock(&pool.mu);

        char err[512] = "";
        json_t *res = NULL;
        char *text = NULL;
        size_t len = 0;
        if (j->text_done)
            text = run_text(j->tname, j->body, j->rtext, j->rlen, j->otext,
                            j->olen, j->from_vendor, j->filter_empty, &lim,
                            &j->cancel, &len, err, sizeof(err));
        else
            res = run_json(j->tname, j->body, j->records, j->originals,
                           j->from_vendor, j->filter_empty, &lim, &j->cancel,
                           err, sizeof(err));

        pthread_mutex_lock(&pool.mu);
        bool call = !atomic_load(&j->cancel);
        j->state = call ? JOB_DONE : JOB_DROPPED;
        pthread_mutex_unlock(&pool.mu);
        if (call && j->text_done)
            j->text_done(j->ud, text, len, text ? NULL : err);
        else if (call)
            j->done(j->ud, res, res ? NULL : err);
        else {
            json_decref(res);
            free(text);
        }
        pthread_mutex_lock(&pool.mu);
        if (job_unref(j)) {
            pthread_mutex_unlock(&pool.mu);
            job_free(j);
            pthread_mutex_lock(&pool.mu);
        }
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

bool tf_script_init(int threads, const struct tf_script_limits *lim)
{
    if (threads < 1 || !lim || lim->cpu_ms < 1 || lim->memory_bytes == 0)
        return false;
    pthread_mutex_lock(&pool.mu);
    if (pool.running || pool.stopping) {
        pthread_mutex_unlock(&pool.mu);
        return false;
    }
    pool.lim = *lim;
    pool.threads = ed_calloc((size_t)threads, sizeof(pthread_t));
    pool.nthreads = 0;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker, NULL) != 0) {
            ed_error(NULL, "msg=\"script pool: cannot start a worker\"");
            break;
        }
        pool.nthreads++;
    }
    pool.running = pool.nthreads > 0;
    pthread_mutex_unlock(&pool.mu);
    if (!pool.running) {
        free(pool.threads);
        pool.threads = NULL;
        return false;
    }
    return true;
}

void tf_script_shutdown(void)
{
    pthread_mutex_lock(&pool.mu);
    if (!pool.running) {
        pthread_mutex_unlock(&pool.mu);
        return;
    }
    pool.running = false;
    pool.stopping = true;
    struct tf_script_job *drop = NULL;
    while (pool.head) {
        struct tf_script_job *j = pool.head;
        unlink_job(j);
        j->state = JOB_DROPPED;
        if (job_unref(j)) {
            j->next = drop;
            drop = j;
        }
    }
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < pool.nthreads; i++)
        pthread_join(pool.threads[i], NULL);
    while (drop) {
        struct tf_script_job *next = drop->next;
        job_free(drop);
        drop = next;
    }
    pthread_mutex_lock(&pool.mu);
    free(pool.threads);
    pool.threads = NULL;
    pool.nthreads = 0;
    pool.stopping = false;
    pthread_mutex_unlock(&pool.mu);
}

static struct tf_script_job *job_new(const char *tname, const char *body,
                                     bool from_vendor, bool filter_empty,
                                     void *ud)
{
    struct tf_script_job *j = ed_calloc(1, sizeof(*j));
    j->tname = ed_strdup(tname);
    j->body = ed_strdup(body);
    j->from_vendor = from_vendor;
    j->filter_empty = filter_empty;
    j->ud = ud;
    atomic_init(&j->cancel, false);
    j->refs = 2;
    j->state = JOB_QUEUED;
    return j;
}

/* Queue j, or free it and return NULL. */
static struct tf_script_job *job_queue(struct tf_script_job *j)
{
    pthread_mutex_lock(&pool.mu);
    if (!pool.running || pool.queued >= QUEUE_MAX) {
        pthread_mutex_unlock(&pool.mu);
        job_free(j);
        return NULL;
    }
    j->prev = pool.tail;
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pool.queued++;
    pthread_cond_signal(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    return j;
}

struct tf_script_job *tf_script_submit(const char *tname, const char *body,
                                       json_t *records, json_t *originals,
                                       bool from_vendor, bool filter_empty,
                                       tf_script_done done, void *ud)
{
    if (!tname || !body || !records || !done) {
        json_decref(records);
        json_decref(originals);
        return NULL;
    }
    struct tf_script_job *j = job_new(tname, body, from_vendor, filter_empty,
                                      ud);
    j->records = records;
    j->originals = originals;
    j->done = done;
    return job_queue(j);
}

struct tf_script_job *tf_script_submit_text(const char *tname, const char *body,
                                            char *records, size_t records_len,
                                            char *originals,
                                            size_t originals_len,
                                            bool from_vendor, bool filter_empty,
                                            tf_script_text_done done, void *ud)
{
    if (!tname || !body || !records || !done) {
        free(records);
        free(originals);
        return NULL;
    }
    struct tf_script_job *j = job_new(tname, body, from_vendor, filter_empty,
                                      ud);
    j->rtext = records;
    j->rlen = records_len;
    j->otext = originals;
    j->olen = originals ? originals_len : 0;
    j->text_done = done;
    return job_queue(j);
}

bool tf_script_cancel(struct tf_script_job *j)
{
    if (!j)
        return true;
    pthread_mutex_lock(&pool.mu);
    bool never;
    switch (j->state) {
    case JOB_QUEUED:
        unlink_job(j);
        j->state = JOB_DROPPED;
        j->refs--; /* the pool's: it will never see the job again */
        never = true;
        break;
    case JOB_RUNNING:
        atomic_store(&j->cancel, true);
        never = true;
        break;
    case JOB_DROPPED: never = true; break;
    default: never = false; break;
    }
    bool last = job_unref(j);
    pthread_mutex_unlock(&pool.mu);
    if (last)
        job_free(j);
    return never;
}

void tf_script_release(struct tf_script_job *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&pool.mu);
    bool last = job_unref(j);
    pthread_mutex_unlock(&pool.mu);
    if (last)
        job_free(j);
}
