/* SPDX-License-Identifier: MIT
 * events/placeholders: poller URL placeholders (${date}, ${epoch...},
 * ${gmtDate:...}, ${date:...}), Java date patterns, record dates by
 * datesConfiguration format; core/text's query parser used by internal
 * hub calls. */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "core/arena.h"
#include "core/text.h"
#include "events/placeholders.h"

/* 2024-03-01T10:20:03.045Z */
#define T 1709288403045LL

static void check_url(const char *tmpl, const char *want)
{
    char why[200] = "";
    char *got = events_expand_url(tmpl, T, why, sizeof(why));
    if (!got)
        fprintf(stderr, "%s: %s\n", tmpl, why);
    CHECK_EQ_STR(got, want);
    free(got);
}

static void check_refused(const char *tmpl)
{
    char why[200] = "";
    char *got = events_expand_url(tmpl, T, why, sizeof(why));
    CHECK(got == NULL);
    CHECK(why[0] != '\0');
}

static void test_expand(void)
{
    check_url("/hubs/crm/contacts?where=lastmodifieddate='${date}'",
              "/hubs/crm/contacts?where=lastmodifieddate='1709288403045'");
    check_url("${epoch}|${epoch:ms}|${epoch:s}|${epoch:us}",
              "1709288403045|1709288403045|1709288403|1709288403045000");
    check_url("x=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSSXXX}",
              "x=2024-03-01T10:20:03.045Z");
    check_url("x=${gmtDate:yyyy-MM-dd HH:mm:ss Z}",
              "x=2024-03-01%2010:20:03%20%2B0000");
    check_url("${gmtDate:EEE, d MMM yy h:mm a}",
              "Fri%2C%201%20Mar%2024%2010:20%20AM");
    check_url("${gmtDate:MMMM dd ''yy 'o''clock'}",
              "March%2001%20%2724%20o%27clock");
    check_url("/contacts?pageSize=5", "/contacts?pageSize=5");
    check_refused("/x?${nope}");
    check_refused("/x?${date");
    check_refused("/x?${gmtDate:yyyy-qq}");
    check_refused("/x?${gmtDate:}");
}

static void test_server_zone(void)
{
    char out[64];
    setenv("TZ", "UTC", 1);
    tzset();
    CHECK(events_format_date("yyyy-MM-dd HH:mm", T, false, out, sizeof(out)));
    CHECK_EQ_STR(out, "2024-03-01 10:20");
    setenv("TZ", "EST5", 1);
    tzset();
    CHECK(events_format_date("yyyy-MM-dd HH:mm Z", T, false, out, sizeof(out)));
    CHECK_EQ_STR(out, "2024-03-01 05:20 -0500");
    CHECK(events_format_date("HH:mm XXX", T, true, out, sizeof(out)));
    CHECK_EQ_STR(out, "10:20 Z");
    setenv("TZ", "UTC", 1);
    tzset();
}

static void check_date(json_t *v, const char *fmt, const char *tz, bool ok,
                       long long want)
{
    int64_t ms = -1;
    CHECK(events_date_value(v, fmt, tz, &ms) == ok);
    if (ok && ms != want) {
        fprintf(stderr, "got %lld want %lld\n", (long long)ms, want);
        CHECK(ms == want);
    }
    json_decref(v);
}

static void test_dates(void)
{
    check_date(json_string("1709288403045"), "milliseconds", NULL, true, T);
    check_date(json_integer(T), "milliseconds", NULL, true, T);
    check_date(json_string("1709288403"), "seconds", NULL, true,
               1709288403000LL);
    /* HubSpot v3 ISO strings under a "milliseconds" configuration */
    check_date(json_string("2024-03-01T10:20:03.045Z"), "milliseconds", NULL,
               true, T);
    check_date(json_string("2024-03-01T10:20:03.045Z"), NULL, NULL, true, T);
    check_date(json_string("2024-03-01T12:20:03.045+02:00"),
               "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", NULL, true, T);
    check_date(json_string("2024-03-01T10:20:03"), "yyyy-MM-dd'T'HH:mm:ss",
               "-8:00", true, T - 45 + 8 * 3600000LL);
    check_date(json_string("2024-03-01"), "yyyy-MM-dd", NULL, true,
               1709251200000LL);
    check_date(json_string("yesterday"), "milliseconds", NULL, false, 0);
    check_date(json_null(), "milliseconds", NULL, false, 0);
    check_date(json_string("2024-13-01"), NULL, NULL, false, 0);
}

static void test_query_parse(void)
{
    struct ed_arena *a = ed_arena_new();
    struct ed_kv kv[3];
    bool over;
    size_t n = ed_query_parse(
        a, "where=lastmodifieddate%3D'1'&pageSize=5&flag&a+b=c+d#frag", kv, 3,
        &over);
    CHECK(n == 3);
    CHECK(over);
    CHECK_EQ_STR(kv[0].name, "where");
    CHECK_EQ_STR(kv[0].value, "lastmodifieddate='1'");
    CHECK_EQ_STR(kv[1].value, "5");
    CHECK_EQ_STR(kv[2].name, "flag");
    CHECK(kv[2].value == NULL);
    n = ed_query_parse(a, "a+b=c+d&&=x#z=1", kv, 3, &over);
    CHECK(n == 1 && !over);
    CHECK_EQ_STR(kv[0].name, "a b");
    CHECK_EQ_STR(kv[0].value, "c d");
    CHECK(ed_query_parse(a, NULL, kv, 3, &over) == 0);
    ed_arena_free(a);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    RUN(test_expand);
    RUN(test_server_zone);
    RUN(test_dates);
    RUN(test_query_parse);
    return 0;
}
