/* SPDX-License-Identifier: MIT
 * transform/vpath.c: every selector on reads (names, indexes, [*], both
 * filter forms, .size()), misses that give NULL and never fail, writes that
 * create objects and arrays, writes refused without touching the record,
 * and malformed or oversized paths refused with the byte offset. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "transform/vpath.h"

static const char
    *REC = "{\"vid\":51,\"properties\":{\"email\":\"a@b.c\",\"n\":null},"
           "\"details\":{\"Items\":[{\"id\":1,\"name\":\"one\"},"
           "{\"id\":2,\"name\":\"two\"},{\"id\":\"4\",\"name\":\"four\"},"
           "{\"id\":true,\"name\":\"yes\"}]},"
           "\"Items\":[{\"id\":4,\"name\":\"x\",\"tags\":[\"a\",\"b\"]},"
           "{\"id\":5,\"name\":\"y\",\"tags\":[\"c\"]}],"
           "\"odd name!\":{\"with space\":7}}";

/* Evaluate path on the record; the result serialised ("<null>" for NULL). */
static char *get(const char *path)
{
    char err[200];
    json_t *rec = json_loads(REC, 0, NULL);
    struct vpath *p = vpath_compile(path, err, sizeof(err));
    json_t *v;
    char *s;

    if (!p)
        fprintf(stderr, "%s\n", err);
    CHECK(p != NULL);
    CHECK(rec != NULL);
    v = vpath_get(p, rec);
    s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("<null>");
    json_decref(v);
    json_decref(rec);
    vpath_free(p);
    return s;
}

#define CHECK_GET(path, want)                                                  \
    do {                                                                       \
        char *got_ = get(path);                                                \
        CHECK_EQ_STR(got_, want);                                              \
        free(got_);                                                            \
    } while (0)

static void test_reads(void)
{
    CHECK_GET("vid", "51");
    CHECK_GET("properties.email", "\"a@b.c\"");
    CHECK_GET("properties.n", "null");
    CHECK_GET("Items[0].id", "4");
    CHECK_GET("Items[1].tags[0]", "\"c\"");
    CHECK_GET("Items[id=4].name", "[\"x\"]");
    CHECK_GET("Items[id = 5].name", "[\"y\"]");
    CHECK_GET("details.Items[?(@.id==2)].name", "[\"two\"]");
    CHECK_GET("details.Items[?(@.id == 2)].name", "[\"two\"]");
    /* a number literal finds a string id; a quoted one only a string */
    CHECK_GET("details.Items[id=4].name", "[\"four\"]");
    CHECK_GET("details.Items[id='4'].name", "[\"four\"]");
    CHECK_GET("details.Items[id=\"1\"].name", "<null>");
    CHECK_GET("details.Items[id=true].name", "[\"yes\"]");
    CHECK_GET("details.Items[name=two].id", "[2]");
    CHECK_GET("Items[*].name", "[\"x\",\"y\"]");
    CHECK_GET("Items[*].tags[*]", "[\"a\",\"b\",\"c\"]");
    CHECK_GET("Items[*].size()", "2");
    CHECK_GET("Items[*].tags[*].size()", "3");
    CHECK_GET("Items.size()", "2");
    CHECK_GET("details.Items[id=9].size()", "0");
    CHECK_GET("nothing.size()", "0");
    CHECK_GET("odd name!.with space", "7");
    CHECK_GET("size()", "<null>");     /* a member named size() */
    CHECK_GET("a.size().b", "<null>"); /* only a last .size() counts */
}

static void test_misses(void)
{
    CHECK_GET("missing", "<null>");
    CHECK_GET("properties.phone", "<null>");
    CHECK_GET("properties.email.deeper", "<null>");
    CHECK_GET("Items[7].id", "<null>");
    CHECK_GET("vid[0]", "<null>");
    CHECK_GET("properties[*]", "<null>");
    CHECK_GET("Items[id=99].name", "<null>");
    CHECK_GET("Items[*].nothing", "<null>");
    CHECK_GET("vid.x[id=1]", "<null>");
    CHECK(vpath_get(NULL, NULL) == NULL);
}

static void check_bad(const char *path, const char *want_in_err)
{
    char err[200];
    struct vpath *p = vpath_compile(path, err, sizeof(err));
    if (p || !strstr(err, want_in_err))
        fprintf(stderr, "path '%s' gave '%s'\n", path, p ? "ok" : err);
    CHECK(p == NULL);
    CHECK(strstr(err, want_in_err) != NULL);
}

static void test_malformed(void)
{
    char big[VPATH_MAX_LEN + 2];
    char many[400] = "";

    check_bad("", "empty");
    check_bad(".a", "at byte 1: expected a name or '['");
    check_bad("a.", "at byte 3: expected a name");
    check_bad("a..b", "at byte 3");
    check_bad("a[", "at byte 3");
    check_bad("a[1", "at byte 4: expected ']'");
    check_bad("a]", "at byte 2");
    check_bad("a[x]", "expected '='");
    check_bad("a[=1]", "at byte 3");
    check_bad("a[x=]", "expected a value");
    check_bad("a[x='1]", "closing quote");
    check_bad("a[?(@.x=1)]", "'=='");
    check_bad("a[?(@.x==1]", "')'");
    check_bad("a[1000001]", "index");
    check_bad("a[99999999999999999999]", "index");
    check_bad("a\x01"
              "b",
              "control character");
    check_bad("a[*]x", "'.', '[' or the end");
    check_bad("details.Item\x96r", "not valid UTF-8");
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    check_bad(big, "longer than 512 bytes");
    for (int i = 0; i <= VPATH_MAX_STEPS; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s",
                 i ? ".a" : "a");
    check_bad(many, "more than 32 steps");
    many[strlen(many) - 2] = '\0'; /* exactly 32 */
    char err[200];
    struct vpath *p = vpath_compile(many, err, sizeof(err));
    CHECK(p != NULL);
    vpath_free(p);
}

static void test_simple(void)
{
    char err[100];
    struct vpath *p = vpath_compile("properties.email", err, sizeof(err));
    CHECK(vpath_is_simple(p));
    CHECK_EQ_INT(vpath_nsteps(p), 2);
    CHECK_EQ_STR(vpath_step(p, 0), "properties");
    CHECK_EQ_STR(vpath_step(p, 1), "email");
    CHECK(vpath_step(p, 2) == NULL);
    CHECK_EQ_STR(vpath_text(p), "properties.email");
    vpath_free(p);
    p = vpath_compile("Items[0].id", err, sizeof(err));
    CHECK(!vpath_is_simple(p));
    CHECK_EQ_INT(vpath_nsteps(p), 0);
    vpath_free(p);
    p = vpath_compile("Items.size()", err, sizeof(err));
    CHECK(!vpath_is_simple(p));
    vpath_free(p);
}

/* Set value (JSON text) at path in `in`; the record afterwards. */
static char *set(const char *in, const char *path, const char *value,
                 bool want_ok)
{
    char err[200];
    json_t *rec = json_loads(in, 0, NULL);
    struct vpath *p = vpath_compile(path, err, sizeof(err));
    char *s;

    CHECK(p != NULL && rec != NULL);
    CHECK(vpath_set(p, rec, json_loads(value, JSON_DECODE_ANY, NULL)) ==
          want_ok);
    s = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(rec);
    vpath_free(p);
    return s;
}

#define CHECK_SET(in, path, value, ok, want)                                   \
    do {                                                                       \
        char *got_ = set(in, path, value, ok);                                 \
        CHECK_EQ_STR(got_, want);                                              \
        free(got_);                                                            \
    } while (0)

static void test_writes(void)
{
    CHECK_SET("{}", "a", "1", true, "{\"a\":1}");
    CHECK_SET("{}", "properties.email", "\"x\"", true,
              "{\"properties\":{\"email\":\"x\"}}");
    CHECK_SET("{\"properties\":{\"a\":1}}", "properties.b", "2", true,
              "{\"properties\":{\"a\":1,\"b\":2}}");
    CHECK_SET("{\"p\":null}", "p.b", "2", true, "{\"p\":{\"b\":2}}");
    CHECK_SET("{}", "Items[1].id", "3", true, "{\"Items\":[null,{\"id\":3}]}");
    CHECK_SET("{\"Items\":[{\"id\":1}]}", "Items[0].id", "9", true,
              "{\"Items\":[{\"id\":9}]}");
    CHECK_SET("{\"Items\":[1,2]}", "Items[1]", "7", true, "{\"Items\":[1,7]}");
    CHECK_SET("{}", "Items[2]", "7", true, "{\"Items\":[null,null,7]}");
    /* a filter writes into the first element it selects, or appends one */
    CHECK_SET("{\"Items\":[{\"id\":4,\"n\":1},{\"id\":4}]}", "Items[id=4].n",
              "2", true, "{\"Items\":[{\"id\":4,\"n\":2},{\"id\":4}]}");
    CHECK_SET("{}", "d.Items[?(@.id==2)].name", "\"two\"", true,
              "{\"d\":{\"Items\":[{\"id\":2,\"name\":\"two\"}]}}");
    CHECK_SET("{\"Items\":[{\"id\":1}]}", "Items[id=1]", "{\"z\":0}", true,
              "{\"Items\":[{\"z\":0}]}");
    /* refusals leave the record as it was */
    CHECK_SET("{\"a\":1}", "a.b.c", "1", false, "{\"a\":1}");
    CHECK_SET("{\"a\":{}}", "a[0].b", "1", false, "{\"a\":{}}");
    CHECK_SET("{}", "Items[*].id", "1", false, "{}");
    CHECK_SET("{}", "Items.size()", "1", false, "{}");
    CHECK_SET("{}", "Items[5000].id", "1", false, "{}");
    CHECK_SET("{}", "Items[id=1][0]", "1", false, "{}");
    CHECK_SET("{\"x\":{}}", "x.y.z[0].w[2000]", "1", false, "{\"x\":{}}");
    CHECK_SET("{}", "a[e=1].e.f", "1", false, "{}");
    CHECK_SET("{}", "a[e=1].e", "2", true, "{\"a\":[{\"e\":2}]}");
    CHECK_SET("{}", "a[e=null].e.f", "2", true, "{\"a\":[{\"e\":{\"f\":2}}]}");
    CHECK_SET("{\"Items\":[5]}", "Items[id=1].b", "1", true,
              "{\"Items\":[5,{\"b\":1,\"id\":1}]}");
}

int main(void)
{
    RUN(test_reads);
    RUN(test_misses);
    RUN(test_malformed);
    RUN(test_simple);
    RUN(test_writes);
    return 0;
}
