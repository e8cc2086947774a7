/* SPDX-License-Identifier: MIT
 * transform/stream.c: streaming fromVendor. For many records the streamed
 * text, parsed, equals tf_map_from_vendor of the record as the native
 * resource shapes it (hub/jsonfilter.c: nulls dropped when asked, the
 * classic id added), members in the same order; malformed records give
 * NULL and leave out as it was; which maps stream; the exact text of a few
 * (raw tokens kept, compact). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/buf.h"
#include "hub/jsonfilter.h"
#include "transform/transform.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j)
        fprintf(stderr, "bad test JSON: %s: %s\n", e.text, text);
    CHECK(j != NULL);
    return j;
}

static struct tf_map *compile(const char *tf, const char *def)
{
    char err[300];
    json_t *t = J(tf), *d = def ? J(def) : NULL;
    json_t *checked = tf_transformation_check(t, "organization", err,
                                              sizeof(err));
    struct tf_map *m;
    if (!checked)
        fprintf(stderr, "check: %s\n", err);
    CHECK(checked != NULL);
    m = tf_map_compile("myContact", checked, d, err, sizeof(err));
    if (!m)
        fprintf(stderr, "compile: %s\n", err);
    CHECK(m != NULL);
    json_decref(checked);
    json_decref(t);
    json_decref(d);
    return m;
}

/* Compiled without the document check (overlapping paths are refused
 * there, but tf_map_compile takes them). */
static struct tf_map *compile_raw(const char *tf)
{
    char err[300];
    json_t *t = J(tf);
    struct tf_map *m = tf_map_compile("raw", t, NULL, err, sizeof(err));
    CHECK(m != NULL);
    json_decref(t);
    return m;
}

/* The streamed text of rec (which must stream to its end), or NULL. */
static char *stream(const struct tf_map *m, const char *rec, bool drop,
                    const char *classic)
{
    struct tf_stream_opts o = {classic, drop};
    struct ed_buf out;
    const char *end = rec + strlen(rec), *q;
    ed_buf_init(&out, 1 << 20);
    ed_buf_append(&out, "[", 1); /* appends after what out holds */
    q = tf_map_stream_record(m, rec, end, &o, &out);
    if (!q) {
        CHECK_EQ_STR(out.data, "["); /* out left as it was */
        ed_buf_cleanup(&out);
        return NULL;
    }
    CHECK(q == end);
    char *s = strdup(out.data + 1);
    ed_buf_cleanup(&out);
    return s;
}

/* Streamed == fromVendor of the native shape, both dumped compact. */
static void same(const struct tf_map *m, const char *rec, bool drop,
                 const char *classic)
{
    struct ed_buf nat;
    json_t *native, *want, *got;
    char *ws, *gs, *text;

    ed_buf_init(&nat, 1 << 20);
    CHECK(jsonfilter_copy(rec, strlen(rec), drop, classic, &nat) == ED_OK);
    native = J(nat.data);
    want = tf_map_from_vendor(m, native);
    ws = json_dumps(want, JSON_COMPACT);
    text = stream(m, rec, drop, classic);
    if (!text)
        fprintf(stderr, "stream refused: %s\n", rec);
    CHECK(text != NULL);
    got = J(text);
    gs = json_dumps(got, JSON_COMPACT);
    if (strcmp(ws, gs) != 0)
        fprintf(stderr, "record: %s\nstreamed: %s\n", rec, text);
    CHECK_EQ_STR(gs, ws);
    free(ws);
    free(gs);
    free(text);
    json_decref(got);
    json_decref(want);
    json_decref(native);
    ed_buf_cleanup(&nat);
}

/* Every option combination. */
static void same_all(const struct tf_map *m, const char *rec)
{
    same(m, rec, false, NULL);
    same(m, rec, true, NULL);
    same(m, rec, false, "vid");
    same(m, rec, true, "vid");
}

static void check_text(const struct tf_map *m, const char *rec, bool drop,
                       const char *classic, const char *want)
{
    char *s = stream(m, rec, drop, classic);
    CHECK_EQ_STR(s, want);
    free(s);
    same(m, rec, drop, classic);
}

/* The §7.2 example. */
static const char *SPEC_TF =
    "{\"level\":\"organization\",\"vendorName\":\"contacts\",\"fields\":["
    "{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":\"vid\"},"
    "{\"path\":\"email\",\"type\":\"string\",\"vendorPath\":"
    "\"properties.email\"},"
    "{\"path\":\"signedUp\",\"type\":\"date\",\"vendorPath\":"
    "\"properties.createdate\",\"vendorType\":\"date\",\"configuration\":["
    "{\"type\":\"transformDate\",\"properties\":{\"pattern\":\"yyyy-MM-dd\"}}"
    "]},"
    "{\"path\":\"internalNote\",\"vendorPath\":\"properties.notes\","
    "\"configuration\":[{\"type\":\"remove\",\"properties\":{\"fromVendor\":"
    "true,\"toVendor\":true}}]}],"
    "\"configuration\":[{\"type\":\"passThrough\",\"properties\":{"
    "\"fromVendor\":false,\"toVendor\":false}},{\"type\":\"inherit\","
    "\"properties\":{\"fromVendor\":true,\"toVendor\":true}},"
    "{\"type\":\"addToDocumentation\"}],"
    "\"script\":{\"body\":\"done(transformedObject);\",\"mimeType\":"
    "\"application/javascript\",\"filterEmptyResponse\":false},"
    "\"isLegacy\":false}";

static void test_spec_example(void)
{
    struct tf_map *m = compile(SPEC_TF, NULL);
    CHECK(tf_map_streamable(m));
    check_text(m,
               "{\"id\":\"401\",\"properties\":{\"email\":\"a@b.c\","
               "\"createdate\":\"1709288400000\",\"notes\":\"n\"},"
               "\"archived\":false}",
               true, "vid",
               "{\"id\":\"401\",\"email\":\"a@b.c\",\"signedUp\":"
               "\"2024-03-01\"}");
    /* a vid the record has wins over the id (native: no classic id) */
    check_text(m, "{\"id\":\"401\",\"vid\":7,\"properties\":{}}", true, "vid",
               "{\"id\":\"7\"}");
    /* an id that is not a classic id: no vid */
    check_text(m, "{\"id\":\"0401\",\"properties\":{\"email\":\"x\"}}", true,
               "vid", "{\"email\":\"x\"}");
    same_all(m, "{\"id\":\"123456789012345678\",\"properties\":{}}");
    same_all(m, "{\"id\":\"1234567890123456789\",\"properties\":{}}");
    same_all(m, "{\"id\":\"5\",\"id\":\"x\"}");
    same_all(m, "{\"id\":\"5\",\"id\":null}");
    same_all(m, "{\"vid\":null,\"id\":\"5\"}");
    same_all(m, "{\"\\u0076id\":3,\"id\":\"5\"}");
    same_all(m, "{ \"id\" : \"9\" , \"vid\" : 3 }");
    same_all(m, "{\"properties\":{\"email\":null,\"createdate\":null}}");
    same_all(m, "{\"properties\":{\"createdate\":\"2024-03-01T10:00:00Z\"}}");
    same_all(m, "{\"properties\":{\"createdate\":1709288400000}}");
    same_all(m, "{\"properties\":{\"createdate\":1.7092884e12}}");
    same_all(m, "{\"properties\":{\"createdate\":\"not a date\"}}");
    same_all(m, "{\"properties\":{\"createdate\":[1,2]}}");
    same_all(m, "{\"properties\":{\"createdate\":\"99999999999999999\"}}");
    tf_map_free(m);
}

/* Every conversion, nested output paths, arrays, missing values. */
static const char *CONTACT_TF =
    "{\"vendorName\":\"contacts\",\"fields\":["
    "{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":\"vid\"},"
    "{\"path\":\"email\",\"type\":\"string\",\"vendorPath\":"
    "\"properties.email\"},"
    "{\"path\":\"name.first\",\"vendorPath\":\"properties.firstname\"},"
    "{\"path\":\"name.last\",\"vendorPath\":\"properties.lastname\"},"
    "{\"path\":\"age\",\"type\":\"number\",\"vendorPath\":\"properties.age\"},"
    "{\"path\":\"score\",\"type\":\"number\",\"vendorPath\":"
    "\"properties.score\"},"
    "{\"path\":\"optIn\",\"type\":\"boolean\",\"vendorPath\":"
    "\"properties.optin\"},"
    "{\"path\":\"created\",\"type\":\"date\",\"vendorPath\":"
    "\"properties.createdate\"},"
    "{\"path\":\"ms\",\"vendorPath\":\"properties.closedate\","
    "\"configuration\":[{\"type\":\"transformDate\",\"properties\":{"
    "\"pattern\":\"milliseconds\"}}]},"
    "{\"path\":\"day\",\"vendorPath\":\"properties.lastmodifieddate\","
    "\"configuration\":[{\"type\":\"transformDate\",\"properties\":{"
    "\"pattern\":\"dd/MM/yyyy 'at' HH:mm\"}}]},"
    "{\"path\":\"interests\",\"type\":\"array[string]\",\"vendorPath\":"
    "\"properties.interests\"},"
    "{\"path\":\"lucky\",\"type\":\"array\",\"subType\":\"number\","
    "\"vendorPath\":\"properties.lucky\"},"
    "{\"path\":\"tags\",\"type\":\"array\",\"vendorPath\":"
    "\"properties.tags\"},"
    "{\"path\":\"address.city\",\"vendorPath\":\"properties.city\"},"
    "{\"path\":\"address.geo.lat\",\"type\":\"string\",\"vendorPath\":"
    "\"properties.lat\"},"
    "{\"path\":\"props\",\"vendorPath\":\"properties\"},"
    "{\"path\":\"deep\",\"type\":\"string\",\"vendorPath\":\"a.b.c\"},"
    "{\"path\":\"note\",\"vendorPath\":\"properties.notes\","
    "\"configuration\":[{\"type\":\"remove\",\"properties\":{\"fromVendor\":"
    "true,\"toVendor\":false}}]},"
    "{\"path\":\"firstItem\",\"vendorPath\":\"Items[0].id\","
    "\"configuration\":[{\"type\":\"remove\"}]},"
    "{\"path\":\"typed\"}"
    "]}";

static void test_conversions(void)
{
    struct tf_map *m = compile(CONTACT_TF, "{\"fields\":[{\"path\":\"typed\","
                                           "\"type\":\"string\"},{\"path\":"
                                           "\"name.first\",\"type\":"
                                           "\"string\"}]}");
    CHECK(tf_map_streamable(m));
    /* HubSpot-like: numbers, booleans and dates as strings */
    same_all(m, "{\"id\":\"51\",\"properties\":{\"email\":\"a@b.c\","
                "\"firstname\":\"Ann\",\"lastname\":\"Lee\",\"age\":\"42\","
                "\"score\":\"9.5\",\"optin\":\"TRUE\",\"createdate\":"
                "\"1700000000123\",\"closedate\":\"2023-11-14T22:13:20Z\","
                "\"lastmodifieddate\":\"1700000000123\",\"interests\":"
                "\"golf;chess\",\"lucky\":[\"7\",8,\"x\",null,{\"a\":null}],"
                "\"tags\":\"a;b;\",\"city\":\"Boston\",\"lat\":42.36,"
                "\"notes\":\"n\"},\"Items\":[{\"id\":3}],\"archived\":false}");
    /* numbers as strings: every spelling */
    const char *nums[] = {"\"-0\"",
                          "\"0\"",
                          "\"-12\"",
                          "\"9223372036854775807\"",
                          "\"9223372036854775808\"",
                          "\"-9223372036854775808\"",
                          "\"1e3\"",
                          "\"1.5E-3\"",
                          "\"1e308\"",
                          "\"1.7976931348623157e308\"",
                          "\"1.8e308\"",
                          "\"1e309\"",
                          "\"0.0000e999\"",
                          "\"1e-400\"",
                          "\"01\"",
                          "\"1.\"",
                          "\"+1\"",
                          "\" 1\"",
                          "\"\\u0031\\u0032\"",
                          "\"12345678901234567890123456789012345678901234567"
                          "890123456789012345\"",
                          "\"x\"",
                          "\"\"",
                          "12",
                          "1.25",
                          "true",
                          "{}",
                          "[]",
                          "null"};
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        char rec[2048];
        snprintf(rec, sizeof(rec),
                 "{\"properties\":{\"age\":%s,\"score\":%s,\"optin\":%s,"
                 "\"createdate\":%s,\"closedate\":%s,\"lastmodifieddate\":%s,"
                 "\"email\":%s,\"interests\":%s,\"lucky\":%s},\"vid\":%s}",
                 nums[i], nums[i], nums[i], nums[i], nums[i], nums[i], nums[i],
                 nums[i], nums[i], nums[i]);
        same_all(m, rec);
    }
    /* booleans, dates */
    const char *vals[] = {"\"true\"",
                          "\"False\"",
                          "\"yes\"",
                          "false",
                          "\"2024-02-29\"",
                          "\"2024-02-30\"",
                          "\"2024-03-01 10:00:00.5+02:00\"",
                          "\"-62167219200000\"",
                          "\"-62167219200001\"",
                          "\"253402300799999\"",
                          "\"253402300800000\"",
                          "253402300799999",
                          "1.5",
                          "1e3",
                          "-0.0",
                          "\"a;b\\u003bc\\u003Bd;\"",
                          "\";\"",
                          "\";;\"",
                          "\"\\\"q\\\";\\\\;\\n\"",
                          "\"caf\\u00e9;\\ud83d\\ude00\"",
                          "\"caf\xc3\xa9;\xf0\x9f\x98\x80\""};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char rec[2048];
        snprintf(rec, sizeof(rec),
                 "{\"properties\":{\"optin\":%s,\"createdate\":%s,"
                 "\"closedate\":%s,\"lastmodifieddate\":%s,\"interests\":%s,"
                 "\"tags\":%s,\"lucky\":%s,\"email\":%s}}",
                 vals[i], vals[i], vals[i], vals[i], vals[i], vals[i], vals[i],
                 vals[i]);
        same_all(m, rec);
    }
    /* nested output: groups only when they have a value, in the order of
     * their first field that has one */
    same_all(m, "{\"properties\":{\"lastname\":\"Lee\"}}");
    same_all(m, "{\"properties\":{\"lat\":\"1\"}}");
    same_all(m, "{\"properties\":{\"city\":null,\"lat\":null}}");
    same_all(m, "{\"a\":{\"b\":{\"c\":1.5}}}");
    same_all(m, "{\"a\":{\"b\":{\"c\":null}}}");
    same_all(m, "{\"a\":{\"b\":[1]}}");
    same_all(m, "{\"a\":{\"b\":{\"d\":1}},\"a\":{\"x\":2}}");
    same_all(m, "{\"a\":{\"b\":{\"c\":1}},\"a\":{\"x\":2}}");
    same_all(m, "{\"a\":{\"b\":{\"c\":1}},\"a\":null}");
    /* duplicate members: the last one wins */
    same_all(m, "{\"properties\":{\"email\":\"a\"},\"properties\":{\"age\":"
                "\"3\"}}");
    same_all(m, "{\"properties\":{\"email\":\"a\",\"email\":\"b\"}}");
    same_all(m, "{\"properties\":{\"email\":\"a\",\"email\":null}}");
    /* a whole object captured (props): compact, nulls dropped when asked */
    same_all(m, "{ \"properties\" : { \"email\" : null , \"x\" : [ null , "
                "{ \"y\" : null , \"z\" : 1 } ] , \"e\" : { } , \"f\" : [ ] "
                "} }");
    /* escapes and unicode in values and names */
    same_all(m, "{\"properties\":{\"em\\u0061il\":\"\\u00e9\\\"\\\\\\/\\b\","
                "\"f\\u00efrstname\":\"x\",\"firstname\":\"\xe2\x82\xac\"}}");
    same_all(m, "{\"\\u0070roperties\":{\"\\u0065mail\":\"a\"}}");
    /* missing, empty, not objects */
    same_all(m, "{}");
    same_all(m, "{\"properties\":{}}");
    same_all(m, "{\"properties\":\"x\"}");
    same_all(m, "{\"properties\":[{\"email\":\"a\"}]}");
    same_all(m, "{\"properties\":null}");
    same_all(m, "{\"id\":\"12\",\"vid\":\"x\"}");
    same_all(m, "{\"id\":\"12\",\"vid\":{\"a\":1}}");
    /* raw tokens are kept as the vendor spelled them; output compact */
    check_text(m,
               "{ \"properties\" : { \"email\" : \"\\u00e9\" , \"age\" : "
               "\"1.50\" , \"lastname\" : \"L\" } , \"id\" : \"77\" }",
               true, "vid",
               "{\"id\":\"77\",\"email\":\"\\u00e9\",\"name\":{\"last\":"
               "\"L\"},\"age\":1.50,\"props\":{\"email\":\"\\u00e9\",\"age\":"
               "\"1.50\",\"lastname\":\"L\"}}");
    tf_map_free(m);
}

/* Output groups whose fields interleave: member order follows the first
 * field that has a value. */
static void test_interleaved(void)
{
    struct tf_map *m = compile("{\"vendorName\":\"c\",\"fields\":["
                               "{\"path\":\"x.p\",\"vendorPath\":\"p\"},"
                               "{\"path\":\"y\",\"vendorPath\":\"y\"},"
                               "{\"path\":\"x.q\",\"vendorPath\":\"q\"},"
                               "{\"path\":\"z.r.s\",\"vendorPath\":\"s\"},"
                               "{\"path\":\"x.t\",\"vendorPath\":\"t\"},"
                               "{\"path\":\"z.u\",\"vendorPath\":\"u\"}]}",
                               NULL);
    const char *recs[] = {
        "{\"p\":1,\"y\":2,\"q\":3,\"s\":4,\"t\":5,\"u\":6}",
        "{\"y\":2,\"q\":3,\"u\":6}",
        "{\"u\":6,\"t\":5}",
        "{\"s\":4,\"q\":3}",
        "{\"u\":6,\"s\":null,\"y\":null}",
        "{}",
    };
    CHECK(tf_map_streamable(m));
    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
        same_all(m, recs[i]);
    check_text(m, "{\"y\":2,\"q\":3,\"u\":6}", false, NULL,
               "{\"y\":2,\"x\":{\"q\":3},\"z\":{\"u\":6}}");
    tf_map_free(m);
}

/* Names that need escaping on output; a field read by two paths. */
static void test_names(void)
{
    struct tf_map *m = compile(
        "{\"vendorName\":\"c\",\"fields\":["
        "{\"path\":\"q\\\"uo\\\\te\",\"vendorPath\":"
        "\"a\\\"b\"},"
        "{\"path\":\"caf\\u00e9.\\u2028/x\",\"vendorPath\":"
        "\"caf\\u00e9\"},"
        "{\"path\":\"whole\",\"vendorPath\":\"n\"},"
        "{\"path\":\"part\",\"vendorPath\":\"n.m\"}]}",
        NULL);
    CHECK(tf_map_streamable(m));
    same_all(m, "{\"a\\\"b\":1,\"caf\\u00e9\":2,\"n\":{\"m\":3}}");
    same_all(m, "{\"a\\u0022b\":1,\"caf\xc3\xa9\":\"x\",\"n\":{\"m\":null}}");
    same_all(m, "{\"caf\\u00E9\":2,\"n\":[{\"m\":3}],\"n\":{\"k\":1}}");
    tf_map_free(m);
}

static void test_not_streamable(void)
{
    const char *tfs[] = {
        /* passThrough fromVendor */
        "{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
        "\"a\"}],\"configuration\":[{\"type\":\"passThrough\"}]}",
        /* selectors */
        "{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
        "\"Items[0].id\"}]}",
        "{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
        "\"Items[*].size()\"}]}",
        /* overlapping output paths (refused by the check; see below) */
        "{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
        "\"x\"},{\"path\":\"a.b\",\"vendorPath\":\"y\"}]}",
        "{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a.b\",\"vendorPath\":"
        "\"x\"},{\"path\":\"a\",\"vendorPath\":\"y\"}]}",
    };
    for (size_t i = 0; i < sizeof(tfs) / sizeof(tfs[0]); i++) {
        struct tf_map *m = i < 3 ? compile(tfs[i], NULL) : compile_raw(tfs[i]);
        struct ed_buf out;
        const char *rec = "{\"a\":1}";
        struct tf_stream_opts o = {NULL, false};
        CHECK(!tf_map_streamable(m));
        ed_buf_init(&out, 1024);
        CHECK(tf_map_stream_record(m, rec, rec + strlen(rec), &o, &out) ==
              NULL);
        CHECK(out.len == 0);
        ed_buf_cleanup(&out);
        tf_map_free(m);
    }
    /* a selector on a removed field, or a field with no vendorPath: fine */
    struct tf_map *m = compile_raw(
        "{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\","
        "\"vendorPath\":\"Items[0]\",\"configuration\":[{\"type\":"
        "\"remove\",\"properties\":{\"toVendor\":false}}]},{\"path\":"
        "\"a.b\"},{\"path\":\"c\",\"vendorPath\":\"c\"}]}");
    CHECK(tf_map_streamable(m));
    same_all(m, "{\"c\":[1],\"Items\":[2]}");
    tf_map_free(m);
}

static void refused(const struct tf_map *m, const char *rec, bool drop)
{
    char *s = stream(m, rec, drop, "vid");
    if (s)
        fprintf(stderr, "accepted: %s\n", rec);
    CHECK(s == NULL);
}

static void test_malformed(void)
{
    struct tf_map *m = compile(CONTACT_TF, NULL);
    char deep[1024];
    size_t n = 0;

    const char *bad[] = {
        "",
        "[]",
        " {}",
        "{",
        "{\"properties\":{\"email\":\"a\"}",
        "{\"properties\":{\"email\":\"a",
        "{\"properties\":{\"email\":\"a\"},}",
        "{\"properties\":{\"email\":\"a\" x}}",
        "{\"properties\":{\"email\":\"a\"} \"x\":1}",
        "{\"properties\" {}}",
        "{\"properties\":{\"email\":\"\xc3\"}}",
        "{\"properties\":{\"email\":\"\xed\xa0\x80\"}}",
        "{\"properties\":{\"email\":\"\xc0\xaf\"}}",
        "{\"properties\":{\"em\xff\":1}}",
        "{\"x\":\"\x01\"}",
        "{\"x\":\"\\x\"}",
        "{\"x\":\"\\u12g4\"}",
        "{\"x\":01}",
        "{\"x\":1.}",
        "{\"x\":-}",
        "{\"x\":1e}",
        "{\"x\":tru}",
        "{\"x\":nul}",
        "{\"x\":[1,]}",
        "{\"x\":[1 2]}",
        "{x:1}",
        "{\"vid\":1,\"vid\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        refused(m, bad[i], false);
        refused(m, bad[i], true);
    }
    /* "null" is validated even when the member is dropped */
    refused(m, "{\"x\":nullx}", true);
    /* nesting: values 64 deep are fine, 65 are not (the record is 0) */
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"a\":");
    for (int i = 0; i < 63; i++)
        deep[n++] = '[';
    deep[n++] = '1';
    for (int i = 0; i < 63; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    CHECK(jsonfilter_copy(deep, n, false, NULL, NULL) == ED_OK);
    {
        char *s = stream(m, deep, false, NULL);
        CHECK(s != NULL);
        free(s);
    }
    n = 0;
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"a\":");
    for (int i = 0; i < 64; i++)
        deep[n++] = '[';
    deep[n++] = '1';
    for (int i = 0; i < 64; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    CHECK(jsonfilter_copy(deep, n, false, NULL, NULL) != ED_OK);
    refused(m, deep, false);
    /* the same depth along the mapped path (properties.email...) */
    n = 0;
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"a\":{\"b\":{\"c\":");
    for (int i = 0; i < 62; i++)
        deep[n++] = '[';
    for (int i = 0; i < 62; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "}}}");
    same_all(m, deep);
    n = 0;
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"a\":{\"b\":{\"c\":");
    for (int i = 0; i < 62; i++)
        deep[n++] = '[';
    deep[n++] = '0';
    for (int i = 0; i < 62; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, "}}}");
    refused(m, deep, false);

    /* the record ends at its brace: what follows is the caller's */
    {
        const char *rec = "{\"vid\":1} ,{\"vid\":2}";
        struct tf_stream_opts o = {NULL, false};
        struct ed_buf out;
        ed_buf_init(&out, 1024);
        CHECK(tf_map_stream_record(m, rec, rec + strlen(rec), &o, &out) ==
              rec + 9);
        CHECK_EQ_STR(out.data, "{\"id\":\"1\"}");
        /* a record cut short by end */
        CHECK(tf_map_stream_record(m, rec, rec + 8, &o, &out) == NULL);
        CHECK_EQ_STR(out.data, "{\"id\":\"1\"}");
        ed_buf_cleanup(&out);
    }
    /* out's cap: NULL, out as it was */
    {
        const char *rec = "{\"vid\":1,\"properties\":{\"email\":\"abcdef\"}}";
        struct tf_stream_opts o = {NULL, false};
        struct ed_buf out;
        ed_buf_init(&out, 20);
        ed_buf_append(&out, "[", 1);
        CHECK(tf_map_stream_record(m, rec, rec + strlen(rec), &o, &out) ==
              NULL);
        CHECK_EQ_STR(out.data, "[");
        ed_buf_cleanup(&out);
    }
    tf_map_free(m);
}

int main(void)
{
    RUN(test_spec_example);
    RUN(test_conversions);
    RUN(test_interleaved);
    RUN(test_names);
    RUN(test_not_streamable);
    RUN(test_malformed);
    return 0;
}
