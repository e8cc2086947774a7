/* SPDX-License-Identifier: MIT
 * libFuzzer target for core/jsonfilter.c, the streaming reshaper of
 * HubSpot's answers on the hub hot path (provider input is untrusted).
 * Beyond crashes and sanitizer reports it checks the contract against
 * jansson as the reference parser: whatever jsonfilter accepts must parse,
 * and must equal the reference document with null members removed and
 * the classic id added to each record (see jsonfilter.h: "vid" here); a
 * page's array must equal the reference's results the same way (once with
 * the first element left out, the offset of a deep page); what
 * jansson rejects must be rejected. Member names spelled with escapes are
 * not recognised by jsonfilter, so for inputs with a backslash the classic
 * id is only exercised for crashes. Built with -DED_FUZZ_REPLAY it gets
 * tests/fuzz/replay.c's main() instead. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/jsonfilter.h"

#define INPUT_MAX (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_jsonfilter: contract broken: %s\n", what);
        abort();
    }
}

static void drop_nulls(json_t *v)
{
    const char *k;
    json_t *m;
    void *tmp;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach_safe(v, tmp, k, m) {
            if (json_is_null(m))
                json_object_del(v, k);
            else
                drop_nulls(m);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m)
            drop_nulls(m);
    }
}

#define CLASSIC "vid"

/* The reference for one record: "vid" added when "id" is a string of 1-18
 * digits without a leading zero and there is no "vid" member. */
static void add_classic(json_t *rec)
{
    const char *id = json_string_value(json_object_get(rec, "id"));
    size_t n = id ? strlen(id) : 0;
    if (!json_is_object(rec) || !id || n == 0 || n > 18 ||
        (id[0] == '0' && n > 1) || json_object_get(rec, CLASSIC) ||
        strspn(id, "0123456789") != n ||
        json_string_length(json_object_get(rec, "id")) != n)
        return;
    json_int_t v = 0; /* 18 digits at most: no overflow */
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (id[i] - '0');
    json_object_set_new(rec, CLASSIC, json_integer(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ed_buf out;
    json_error_t je;
    if (size > INPUT_MAX)
        return 0;
    /* reference: jansson. Where jansson refuses valid JSON (numbers out of
     * its range, duplicate keys, which we pass through) there is no
     * reference and only crashes and the page invariants are checked. */
    const size_t flags = JSON_DECODE_ANY | JSON_ALLOW_NUL |
                         JSON_REJECT_DUPLICATES;
    json_t *ref = json_loadb((const char *)data, size, flags, &je);
    const bool escapes = memchr(data, '\\', size) != NULL;
    if (escapes) {
        /* crashes only with the classic id */
        struct jsonfilter_page pg;
        ed_buf_init(&out, 4 * (size_t)INPUT_MAX);
        (void)jsonfilter_copy((const char *)data, size, 1, CLASSIC, &out);
        ed_buf_cleanup(&out);
        ed_buf_init(&out, 4 * (size_t)INPUT_MAX);
        (void)jsonfilter_page((const char *)data, size, 1, CLASSIC, 1, &out,
                              &pg);
        ed_buf_cleanup(&out);
    }
    {
        /* jsonfilter_copy_one: one value, what follows is not looked at */
        ed_buf_init(&out, 4 * (size_t)INPUT_MAX);
        const char *end = (const char *)data + size;
        const char *e = jsonfilter_copy_one((const char *)data, end, 1, &out);
        require(!e || (e > (const char *)data && e <= end), "copy_one end");
        if (e && ref && !escapes) {
            const char *r = e;
            while (r < end &&
                   (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n'))
                r++;
            if (r == end) {
                json_t *got = json_loadb(out.data, out.len, flags, &je);
                json_t *want = json_deep_copy(ref);
                drop_nulls(want);
                require(got && json_equal(got, want),
                        "copy_one equals the reference");
                json_decref(want);
                json_decref(got);
            }
        }
        ed_buf_cleanup(&out);
    }
    for (int nulls = 0; nulls < 2; nulls++) {
        /* jsonfilter_copy_members: the same bytes as copy_one, and the
         * members jsonfilter_members (and members_valid) find in the copy */
        struct ed_buf a, b;
        struct jsonfilter_member ma[3] = {{"id", 0, 0, 0},
                                          {"a", 0, 0, 0},
                                          {"b", 0, 0, 0}};
        struct jsonfilter_member mb[3] = {{"id", 0, 0, 0},
                                          {"a", 0, 0, 0},
                                          {"b", 0, 0, 0}};
        struct jsonfilter_member mv[3] = {{"id", 0, 0, 0},
                                          {"a", 0, 0, 0},
                                          {"b", 0, 0, 0}};
        const char *end = (const char *)data + size;
        bool ea = false, eb = false, ev = false;
        ed_buf_init(&a, 4 * (size_t)INPUT_MAX);
        ed_buf_init(&b, 4 * (size_t)INPUT_MAX);
        const char *ra = jsonfilter_copy_one((const char *)data, end, nulls,
                                             &a);
        const char *rb = jsonfilter_copy_members((const char *)data, end, nulls,
                                                 &b, mb, 3, &eb);
        require(!rb || rb == ra, "copy_members ends where copy_one does");
        if (rb) {
            require(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
                    "copy_members copies what copy_one does");
            require(jsonfilter_members(a.data, a.data + a.len, ma, 3, &ea) !=
                        NULL,
                    "the copy is an object");
            require(jsonfilter_members_valid(a.data, a.data + a.len, mv, 3,
                                             &ev) != NULL,
                    "members_valid reads the copy");
            require(ea == eb && ea == ev, "escaped names agree");
            for (int i = 0; i < 3; i++) {
                require(ma[i].count == mb[i].count &&
                            ma[i].count == mv[i].count,
                        "member counts agree");
                require((!ma[i].vs && !mb[i].vs && !mv[i].vs) ||
                            (ma[i].vs && mb[i].vs && mv[i].vs &&
                             ma[i].vs - a.data == mb[i].vs - b.data &&
                             ma[i].ve - a.data == mb[i].ve - b.data &&
                             mv[i].vs == ma[i].vs && mv[i].ve == ma[i].ve),
                        "member spans agree");
            }
        } else if (ra) {
            size_t k = 0;
            while (k < size && (data[k] == ' ' || data[k] == '\t' ||
                                data[k] == '\r' || data[k] == '\n'))
                k++;
            require(k == size || data[k] != '{',
                    "copy_members takes every object");
        }
        ed_buf_cleanup(&a);
        ed_buf_cleanup(&b);
    }
    const char *classic = escapes ? NULL : CLASSIC;
    for (int nulls = 0; nulls < 2; nulls++) {
        ed_buf_init(&out, 4 * (size_t)INPUT_MAX);
        enum ed_err rc = jsonfilter_copy((const char *)data, size, nulls,
                                         classic, &out);
        if (ref) /* jsonfilter nests 64 deep, jansson 2048 */
            require(rc == ED_OK || rc == ED_ERR_INVALID, "accepts valid JSON");
        if (rc == ED_OK && ref) {
            json_t *got = json_loadb(out.data, out.len, flags, &je);
            require(got != NULL, "output parses");
            json_t *want = json_deep_copy(ref);
            if (nulls)
                drop_nulls(want);
            if (classic)
                add_classic(want);
            require(json_equal(got, want), "output equals the reference");
            json_decref(want);
            json_decref(got);
        } else if (rc != ED_OK) {
            require(rc == ED_ERR_INVALID || rc == ED_ERR_TOO_LARGE,
                    "error code");
        }
        ed_buf_cleanup(&out);
        struct jsonfilter_page pg;
        ed_buf_init(&out, 4 * (size_t)INPUT_MAX);
        /* the second run also leaves the first element out */
        const size_t offset = (size_t)nulls;
        rc = jsonfilter_page((const char *)data, size, nulls, classic, offset,
                             &out, &pg);
        if (rc == ED_OK && ref) {
            json_t *got = json_loadb(out.data, out.len, flags, &je);
            require(json_is_array(got), "page output is an array");
            require(json_array_size(got) == pg.count, "count matches");
            require(strlen(pg.after) < sizeof(pg.after), "after bounded");
            json_t *results = json_object_get(ref, "results");
            json_t *want = json_is_array(results) ? json_deep_copy(results)
                                                  : json_array();
            size_t i;
            json_t *rec;
            if (offset && json_array_size(want) > 0)
                json_array_remove(want, 0);
            if (nulls)
                drop_nulls(want);
            if (classic)
                json_array_foreach(want, i, rec)
                    add_classic(rec);
            require(json_equal(got, want), "page output equals the reference");
            json_decref(want);
            json_decref(got);
        }
        ed_buf_cleanup(&out);
    }
    json_decref(ref);
    return 0;
}
