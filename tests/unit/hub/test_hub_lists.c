/* SPDX-License-Identifier: MIT
 * hub/hub_lists.c's streamed list shape against its jansson shape: for
 * each list HubSpot may send (the common search result, odd members,
 * hostile spellings), hub_list_record's output is hub_list_shape's
 * followed by the null filter, member for member and in the same order;
 * the list search page (jsonfilter_page_key: "lists", "offset",
 * "hasMore") and jsonfilter_members it relies on. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hub/hub_lists.h"
#include "hub/jsonfilter.h"

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

/* The jansson reference, compact. */
static char *reference(const char *in, bool nulls)
{
    json_error_t je;
    json_t *l = json_loads(in, 0, &je);
    CHECK(l);
    hub_list_shape(l);
    if (nulls)
        drop_nulls(l);
    char *s = json_dumps(l, JSON_COMPACT);
    json_decref(l);
    return s;
}

/* The streamed shape, re-dumped by jansson (same escaping as the
 * reference; member order kept). */
static char *streamed(const char *in, bool nulls)
{
    struct ed_buf out;
    json_error_t je;
    ed_buf_init(&out, 1 << 20);
    ed_buf_appends(&out, "[");
    const char *e = hub_list_record(NULL, in, in + strlen(in), NULL, nulls,
                                    &out);
    CHECK(e == in + strlen(in));
    ed_buf_appends(&out, "]");
    json_t *v = json_loads(out.data, 0, &je);
    if (!v)
        fprintf(stderr, "not JSON: %s\n", out.data);
    CHECK(v);
    char *s = json_dumps(json_array_get(v, 0), JSON_COMPACT);
    json_decref(v);
    ed_buf_cleanup(&out);
    return s;
}

static void same(const char *in)
{
    for (int nulls = 0; nulls < 2; nulls++) {
        char *want = reference(in, nulls), *got = streamed(in, nulls);
        if (strcmp(want, got) != 0)
            fprintf(stderr, "input: %s (nulls dropped: %d)\n", in, nulls);
        CHECK_EQ_STR(got, want);
        free(want);
        free(got);
    }
}

static void test_same_as_jansson(void)
{
    static const char *const cases[] = {
        /* the search result HubSpot sends */
        "{\"listId\":\"12\",\"listVersion\":1,\"name\":\"Bench list 1\","
        "\"processingType\":\"MANUAL\",\"objectTypeId\":\"0-1\","
        "\"createdAt\":\"2026-01-05T09:00:00.000Z\",\"deletedAt\":null,"
        "\"additionalProperties\":{\"hs_list_size\":\"3\"}}",
        "{ \"listId\" : \"7\" , \"processingType\" : \"DYNAMIC\",\n"
        "  \"additionalProperties\": { \"hs_list_size\": \"0\", \"x\": null },"
        " \"name\": \"caf\\u00e9 \\\"q\\\"\" }",
        "{\"processingType\":\"SNAPSHOT\",\"listId\":\"99\"}",
        "{}",
        "{\"a\":null}",
        "{\"name\":\"no id\"}",
        /* listId forms */
        "{\"listId\":\"abc\"}",
        "{\"listId\":\"007\"}",
        "{\"listId\":\"0\"}",
        "{\"listId\":\"1234567890123456789\"}",
        "{\"listId\":12}",
        "{\"listId\":\"a\\\"b\"}",
        "{\"listId\":\"1\",\"listId\":\"2\"}",
        /* sizes */
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":\"-3\"}}",
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":\"1.5\"}"
        "}",
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":\"abc\"}"
        "}",
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":\"007\"}"
        "}",
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":7}}",
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":null}}",
        "{\"listId\":\"1\",\"additionalProperties\":{\"hs_list_size\":\"1\","
        "\"hs_list_size\":\"2\"}}",
        "{\"listId\":\"1\",\"additionalProperties\":[1]}",
        "{\"listId\":\"1\",\"size\":5,\"additionalProperties\":"
        "{\"hs_list_size\":\"3\"}}",
        /* members the shape sets: replaced in place */
        "{\"id\":\"x\",\"listId\":\"5\",\"dynamic\":1,\"listType\":\"Q\"}",
        "{\"listId\":\"5\",\"metaData\":{\"a\":1},\"size\":2}",
        "{\"listId\":\"5\",\"filters\":[1]}",
        "{\"\\u0069d\":\"x\",\"listId\":\"5\"}",
        "{\"listId\":\"5\",\"processingType\":\"DYN\\u0041MIC\"}",
        "{\"listId\":\"5\",\"processingType\":7}",
        /* a filterBranch of the v1 form, and one of another form */
        "{\"listId\":\"5\",\"processingType\":\"DYNAMIC\",\"filterBranch\":"
        "{\"filterBranchType\":\"OR\",\"filterBranches\":[{"
        "\"filterBranchType\":\"AND\",\"filterBranches\":[],\"filters\":[{"
        "\"filterType\":\"PROPERTY\",\"property\":\"email\",\"operation\":{"
        "\"operationType\":\"STRING\",\"operator\":\"CONTAINS\","
        "\"value\":\"@x\"}}]}]}}",
        "{\"listId\":\"5\",\"filterBranch\":{\"filterBranches\":3}}",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        same(cases[i]);
}

/* A member HubSpot sends as null counts as absent when nulls are dropped
 * (hub_lists.h): the size then comes from hs_list_size. */
static void test_null_size(void)
{
    char *s = streamed(
        "{\"listId\":\"1\",\"size\":null,\"additionalProperties\":"
        "{\"hs_list_size\":\"4\"}}",
        true);
    CHECK_EQ_STR(s, "{\"listId\":1,\"additionalProperties\":{\"hs_list_size\":"
                    "\"4\"},\"id\":\"1\",\"dynamic\":false,\"listType\":"
                    "\"STATIC\",\"size\":4,\"metaData\":{\"size\":4}}");
    free(s);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "{\"listId\":\"1\",}", "{\"a\":}",         "{\"listId\":\"1\"",
        "{\"a\":tru}",         "{\"a\":\"\x01\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ed_buf out;
        ed_buf_init(&out, 1 << 16);
        CHECK(!hub_list_record(NULL, bad[i], bad[i] + strlen(bad[i]), NULL,
                               true, &out));
        ed_buf_cleanup(&out);
    }
    /* a cap hit is a failure, not a truncated list */
    struct ed_buf small;
    const char *in = "{\"listId\":\"123\",\"name\":\"n\"}";
    ed_buf_init(&small, 30);
    CHECK(!hub_list_record(NULL, in, in + strlen(in), NULL, true, &small));
    ed_buf_cleanup(&small);
}

static void test_search_page(void)
{
    const char *in = "{\"lists\":[{\"listId\":\"1\",\"processingType\":"
                     "\"DYNAMIC\"},3,{\"listId\":\"2\",\"n\":null}],"
                     "\"offset\":2,\"hasMore\":true,\"total\":5}";
    struct jsonfilter_proj proj = {hub_list_record, NULL, false};
    struct jsonfilter_page pg;
    struct ed_buf out;
    ed_buf_init(&out, 1 << 16);
    CHECK(jsonfilter_page_key(in, strlen(in), "lists", true, NULL, 0, &proj,
                              &out, &pg) == ED_OK);
    CHECK_EQ_STR(out.data,
                 "[{\"listId\":1,\"processingType\":\"DYNAMIC\",\"id\":\"1\","
                 "\"dynamic\":true,\"listType\":\"DYNAMIC\"},3,{\"listId\":2,"
                 "\"id\":\"2\",\"dynamic\":false,\"listType\":\"STATIC\"}]");
    CHECK(pg.count == 3 && pg.found && pg.has_offset && pg.offset == 2 &&
          pg.has_more && pg.total == 5);
    ed_buf_reset(&out);
    /* no lists, odd offsets: [] and no next page */
    in = "{\"offset\":1.5,\"hasMore\":false}";
    CHECK(jsonfilter_page_key(in, strlen(in), "lists", true, NULL, 0, &proj,
                              &out, &pg) == ED_OK);
    CHECK_EQ_STR(out.data, "[]");
    CHECK(!pg.found && !pg.has_offset && !pg.has_more);
    in = "{\"lists\":{},\"offset\":-3,\"hasMore\":true}";
    ed_buf_reset(&out);
    CHECK(jsonfilter_page_key(in, strlen(in), "lists", true, NULL, 0, &proj,
                              &out, &pg) == ED_OK);
    CHECK(!pg.found && pg.has_offset && pg.offset == -3 && pg.has_more);
    in = "{\"offset\":99999999999999999999}";
    CHECK(jsonfilter_page_key(in, strlen(in), "lists", true, NULL, 0, &proj,
                              &out, &pg) == ED_OK);
    CHECK(!pg.has_offset);
    in = "{\"lists\":[{\"listId\":\"1\",}]}";
    CHECK(jsonfilter_page_key(in, strlen(in), "lists", true, NULL, 0, &proj,
                              &out, &pg) != ED_OK);
    ed_buf_cleanup(&out);
}

static void test_members(void)
{
    struct jsonfilter_member m[2] = {{"toObjectId", 0, 0, 0}, {"b", 0, 0, 0}};
    bool esc = true;
    const char *in = "{ \"toObjectId\" : 12 , \"b\":[1,{\"toObjectId\":3}],"
                     "\"toObjectId\":\"9\"}tail";
    const char *e = jsonfilter_members(in, in + strlen(in), m, 2, &esc);
    CHECK(e && strcmp(e, "tail") == 0 && !esc);
    CHECK(m[0].count == 2 && m[0].ve - m[0].vs == 3 &&
          memcmp(m[0].vs, "\"9\"", 3) == 0);
    CHECK(m[1].count == 1 && *m[1].vs == '[');
    in = "{\"to\\u004fbjectId\":1}";
    CHECK(jsonfilter_members(in, in + strlen(in), m, 1, &esc) && esc &&
          m[0].count == 0 && !m[0].vs);
    in = "{\"toObjectId\":1,}";
    CHECK(!jsonfilter_members(in, in + strlen(in), m, 1, NULL));
    in = "[1]";
    CHECK(!jsonfilter_members(in, in + strlen(in), m, 1, NULL));
}

/* On valid text, the unchecked scan finds what the validating one does;
 * on any cut of it, it stays within the text. */
static void test_members_valid(void)
{
    static const char *const ins[] = {
        "{}",
        "{ }",
        "{\"a\":1}",
        "{ \"a\" : \"x\\\"y\" , \"b\" : [1,{\"a\":\"}\"}] ,\"c\":{\"a\":{}}}",
        "{\"s\":\"\\\\\",\"a\":true,\"b\":null,\"a\":-1.5e3}",
        "{\"k\\u0061\":1,\"b\":\"]\"}",
    };
    for (size_t t = 0; t < sizeof(ins) / sizeof(ins[0]); t++) {
        const char *in = ins[t], *end = in + strlen(in);
        struct jsonfilter_member a[3] = {{"a", 0, 0, 0},
                                         {"b", 0, 0, 0},
                                         {"c", 0, 0, 0}};
        struct jsonfilter_member b[3] = {{"a", 0, 0, 0},
                                         {"b", 0, 0, 0},
                                         {"c", 0, 0, 0}};
        bool ea = false, eb = false;
        const char *ra = jsonfilter_members(in, end, a, 3, &ea);
        const char *rb = jsonfilter_members_valid(in, end, b, 3, &eb);
        CHECK(ra && ra == rb && ea == eb);
        for (int i = 0; i < 3; i++)
            CHECK(a[i].vs == b[i].vs && a[i].ve == b[i].ve &&
                  a[i].count == b[i].count);
        for (size_t cut = 0; cut < strlen(in); cut++) {
            const char *r = jsonfilter_members_valid(in, in + cut, b, 3, NULL);
            CHECK(!r || (r > in && r <= in + cut));
            for (int i = 0; i < 3; i++)
                CHECK(!b[i].vs || (b[i].vs >= in && b[i].ve <= in + cut &&
                                   b[i].vs <= b[i].ve));
        }
    }
}

/* The one-pass copy finds what a copy and a second scan find. */
static void test_copy_members(void)
{
    static const char *const ins[] = {
        "{}",
        "{\"a\":null}",
        "{\"x\":null,\"a\":1,\"b\":null,\"c\":\"q\\\"\"}",
        "{ \"a\" : { \"b\" : null , \"c\" : [null, 1] } , \"b\" : \"y\" }",
        "{\"b\":1,\"b\":2,\"k\\u0061\":3,\"c\":null}",
    };
    for (int drop = 0; drop < 2; drop++)
        for (size_t t = 0; t < sizeof(ins) / sizeof(ins[0]); t++) {
            const char *in = ins[t], *end = in + strlen(in);
            struct ed_buf a, b;
            struct jsonfilter_member ma[3] = {{"a", 0, 0, 0},
                                              {"b", 0, 0, 0},
                                              {"c", 0, 0, 0}};
            struct jsonfilter_member mb[3] = {{"a", 0, 0, 0},
                                              {"b", 0, 0, 0},
                                              {"c", 0, 0, 0}};
            bool ea = false, eb = false;
            ed_buf_init(&a, 1 << 20);
            ed_buf_init(&b, 1 << 20);
            ed_buf_appends(&a, "[");
            ed_buf_appends(&b, "[");
            const char *ra = jsonfilter_copy_one(in, end, drop, &a);
            const char *rb = jsonfilter_copy_members(in, end, drop, &b, mb, 3,
                                                     &eb);
            CHECK(ra && ra == rb && a.len == b.len &&
                  memcmp(a.data, b.data, a.len) == 0);
            CHECK(jsonfilter_members(a.data + 1, a.data + a.len, ma, 3, &ea));
            CHECK(ea == eb);
            for (int i = 0; i < 3; i++) {
                CHECK(ma[i].count == mb[i].count);
                CHECK((!ma[i].vs && !mb[i].vs) ||
                      (ma[i].vs - a.data == mb[i].vs - b.data &&
                       ma[i].ve - a.data == mb[i].ve - b.data));
            }
            ed_buf_cleanup(&a);
            ed_buf_cleanup(&b);
        }
    /* not an object, malformed */
    struct ed_buf o;
    struct jsonfilter_member m = {"a", 0, 0, 0};
    ed_buf_init(&o, 1024);
    CHECK(!jsonfilter_copy_members("[1]", "[1]" + 3, true, &o, &m, 1, NULL));
    CHECK(!jsonfilter_copy_members("{\"a\":}", "{\"a\":}" + 6, true, &o, &m, 1,
                                   NULL));
    ed_buf_cleanup(&o);
}

int main(void)
{
    RUN(test_same_as_jansson);
    RUN(test_null_size);
    RUN(test_malformed);
    RUN(test_search_page);
    RUN(test_members);
    RUN(test_members_valid);
    RUN(test_copy_members);
    fprintf(stderr, "test_hub_lists: all passed\n");
    return 0;
}
