/* SPDX-License-Identifier: MIT
 * traces: redaction by key name (JSON members, also nested and in cut
 * text; query keys) and by known value, bounded bodies with a marker, and
 * the dashboard summary's per-minute buckets, bounded series and eviction. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "traces/traces.h"

static char *redact(const struct trace_secrets *s, const char *text)
{
    size_t n;
    return traces_redact_text(s, text, strlen(text), &n);
}

static void test_key_names(void)
{
    CHECK(traces_key_secret("access_token"));
    CHECK(traces_key_secret("client_secret"));
    CHECK(traces_key_secret("hapikey"));
    CHECK(traces_key_secret("oauth.api.key")); /* over-redaction is fine */
    CHECK(traces_key_secret("hubspot.authorization.apikey"));
    CHECK(traces_key_secret("X-Api-Key"));
    CHECK(traces_key_secret("apiKey"));
    CHECK(traces_key_secret("Authorization"));
    CHECK(traces_key_secret("userPassword"));
    CHECK(traces_key_secret("email") == false);
}

static void test_json_keys(void)
{
    struct trace_secrets s = {0};
    char *r = redact(&s, "{\"a\":1,\"refresh_token\":\"x\\\"y\",\"b\":{"
                         "\"secret\":{\"k\":[1,\"}\"]},\"c\":true},"
                         "\"password\":12,\"d\":\"ok\"}");
    CHECK_EQ_STR(r, "{\"a\":1,\"refresh_token\":\"[REDACTED]\",\"b\":{"
                    "\"secret\":\"[REDACTED]\",\"c\":true},"
                    "\"password\":\"[REDACTED]\",\"d\":\"ok\"}");
    free(r);
    /* cut text: the value runs off the end */
    r = redact(&s, "{\"x\":[{\"access_token\":\"abcdef");
    CHECK_EQ_STR(r, "{\"x\":[{\"access_token\":\"[REDACTED]\"");
    free(r);
    /* a string that is no key is left alone */
    r = redact(&s, "[\"token\",\"x\"]");
    CHECK_EQ_STR(r, "[\"token\",\"x\"]");
    free(r);
}

static void test_values_and_urls(void)
{
    struct trace_secrets s = {0};
    traces_secrets_add(&s, "tok-123456");
    traces_secrets_add(&s, "short"); /* too short to be looked for */
    traces_secrets_add(&s, "tok-123456");
    CHECK_EQ_INT(s.n, 1);
    char *r = redact(&s, "a tok-123456 b short tok-123456");
    CHECK_EQ_STR(r, "a [REDACTED] b short [REDACTED]");
    free(r);
    r = traces_redact_url(&s, "/crm/v3/x?hapikey=abc&limit=1&token=z&q="
                              "tok-123456");
    CHECK_EQ_STR(r, "/crm/v3/x?hapikey=[REDACTED]&limit=1&token=[REDACTED]"
                    "&q=[REDACTED]");
    free(r);
    r = traces_redact_url(&s, "/plain");
    CHECK_EQ_STR(r, "/plain");
    free(r);
}

static void test_body_bounds(void)
{
    bool cut;
    json_t *j = traces_body_json("abcdef", 6, 4, &cut);
    CHECK(cut);
    CHECK_EQ_STR(json_string_value(j), "abcd...[truncated: 6 bytes in all]");
    json_decref(j);
    /* never cut inside a UTF-8 character */
    j = traces_body_json("ab\xc3\xa9z", 5, 3, &cut);
    CHECK(cut);
    CHECK(strncmp(json_string_value(j), "ab...", 5) == 0);
    json_decref(j);
    j = traces_body_json("\xff\xfe", 2, 10, &cut);
    CHECK_EQ_STR(json_string_value(j), "[2 bytes, not text]");
    json_decref(j);
}

static void test_summary(void)
{
    int64_t t0 = 1700000000000; /* a minute boundary is not needed */
    summary_reset();
    summary_count(1, 10, "hubspotcrm", 200, 10, t0);
    summary_count(1, 10, "hubspotcrm", 404, 30, t0);
    summary_count(1, 11, "hubspotcrm", 200, 5, t0 + 60000);
    summary_count(2, 20, "hubspot", 200, 5, t0);
    json_t *s = summary_render(1, 2, t0 + 60000);
    json_t *els = json_object_get(s, "elements");
    CHECK_EQ_INT(json_array_size(els), 1);
    json_t *e = json_array_get(els, 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(e, "totalCalls")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(e, "totalErrors")), 1);
    json_t *calls = json_object_get(e, "calls");
    CHECK_EQ_INT(json_integer_value(json_array_get(calls, 0)), 2);
    CHECK_EQ_INT(json_integer_value(json_array_get(calls, 1)), 1);
    CHECK(json_real_value(json_array_get(json_object_get(e, "latencyMs"), 0)) ==
          20.0);
    json_t *insts = json_object_get(s, "instances");
    CHECK_EQ_INT(json_array_size(insts), 2); /* not org 2's */
    CHECK_EQ_INT(json_integer_value(
                     json_object_get(json_array_get(insts, 0), "instanceId")),
                 10); /* busiest first */
    json_decref(s);
    /* a full table keeps the busiest instances */
    for (int i = 0; i < SUMMARY_SERIES_MAX + 50; i++)
        summary_count(3, 1000 + i, "hubspotcrm", 200, 1, t0);
    s = summary_render(1, 1, t0);
    CHECK(json_array_size(json_object_get(s, "instances")) >= 1);
    json_decref(s);
    summary_reset();
}

int main(void)
{
    RUN(test_key_names);
    RUN(test_json_keys);
    RUN(test_values_and_urls);
    RUN(test_body_bounds);
    RUN(test_summary);
    return 0;
}
