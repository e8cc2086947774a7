/* SPDX-License-Identifier: MIT
 * api/ceql.c: CEQL parsing and translation to a HubSpot search body. Each
 * case compares the exact JSON (sorted keys, compact) or the exact error
 * message: every operator, precedence, parentheses, DNF expansion, quoting,
 * LIKE variants, the lastmodifieddate poller convention with its date
 * forms, orderBy, and every bound (length, depth, comparisons, IN size,
 * HubSpot's group/filter/sort limits). */
#include <stdlib.h>
#include <string.h>

#include "hub/ceql.h"
#include "check.h"

static const struct ceql_options contacts = {"contacts", "lastmodifieddate"};
static const struct ceql_options deals = {"deals", "hs_lastmodifieddate"};

/* Translate and return the compact, key-sorted JSON (heap) or NULL. */
static char *xlate(const char *where, const char *order_by,
                   const struct ceql_options *opt, char *err, size_t errlen)
{
    json_t *out = NULL;
    char *s;

    err[0] = '\0';
    if (ceql_translate(where, order_by, opt, &out, err, errlen) != ED_OK) {
        CHECK(out == NULL);
        CHECK(strncmp(err, "CEQL: ", 6) == 0);
        return NULL;
    }
    CHECK(out != NULL);
    s = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(out);
    return s;
}

#define F(prop, op, val)                                                       \
    "{\"operator\":\"" op "\",\"propertyName\":\"" prop "\",\"value\":\"" val \
    "\"}"
#define G1(...) "{\"filterGroups\":[{\"filters\":[" __VA_ARGS__ "]}]}"

static void expect_ok_opt(int line, const char *where, const char *order_by,
                          const struct ceql_options *opt, const char *want)
{
    char err[256];
    char *got = xlate(where, order_by, opt, err, sizeof(err));

    if (!got || strcmp(got, want) != 0) {
        fprintf(stderr,
                "line %d: where=%s orderBy=%s\n  got:  %s\n  want: %s\n",
                line, where ? where : "(null)",
                order_by ? order_by : "(null)", got ? got : err, want);
        exit(1);
    }
    free(got);
    /* Everything that translates is syntactically valid. */
    CHECK(ceql_check(where, err, sizeof(err)) == ED_OK);
}

static void expect_err_opt(int line, const char *where, const char *order_by,
                           const char *want)
{
    char err[256];
    char *got = xlate(where, order_by, &contacts, err, sizeof(err));

    if (got || strcmp(err, want) != 0) {
        fprintf(stderr,
                "line %d: where=%s orderBy=%s\n  got:  %s\n  want: %s\n",
                line, where ? where : "(null)",
                order_by ? order_by : "(null)", got ? got : err, want);
        exit(1);
    }
}

#define OK(where, want) expect_ok_opt(__LINE__, where, NULL, &contacts, want)
#define OK_SORT(where, ob, want)                                               \
    expect_ok_opt(__LINE__, where, ob, &contacts, want)
#define OK_DEALS(where, want) expect_ok_opt(__LINE__, where, NULL, &deals, want)
#define ERR(where, want) expect_err_opt(__LINE__, where, NULL, want)
#define ERR_SORT(where, ob, want) expect_err_opt(__LINE__, where, ob, want)

static void test_empty(void)
{
    OK(NULL, "{\"filterGroups\":[]}");
    OK("", "{\"filterGroups\":[]}");
    OK("  \t\n ", "{\"filterGroups\":[]}");
    OK_SORT(NULL, "", "{\"filterGroups\":[]}");
    OK_SORT(NULL, "   ", "{\"filterGroups\":[]}");
}

static void test_operators(void)
{
    OK("email='ada@example.test'", G1(F("email", "EQ", "ada@example.test")));
    OK("a != 'x'", G1(F("a", "NEQ", "x")));
    OK("a <> 'x'", G1(F("a", "NEQ", "x")));
    OK("a<1", G1(F("a", "LT", "1")));
    OK("a<=1", G1(F("a", "LTE", "1")));
    OK("a>1", G1(F("a", "GT", "1")));
    OK("a>=1", G1(F("a", "GTE", "1")));
    OK("a = -12.50", G1(F("a", "EQ", "-12.50")));
    OK("a = 0", G1(F("a", "EQ", "0")));
    OK("a = true", G1(F("a", "EQ", "true")));
    OK("a = FALSE", G1(F("a", "EQ", "false")));
    OK("a IS NULL",
       G1("{\"operator\":\"NOT_HAS_PROPERTY\",\"propertyName\":\"a\"}"));
    OK("a is not null",
       G1("{\"operator\":\"HAS_PROPERTY\",\"propertyName\":\"a\"}"));
    OK("a IN ('X', 'y', 3, true)",
       G1("{\"operator\":\"IN\",\"propertyName\":\"a\",\"values\":[\"x\","
          "\"y\",\"3\",\"true\"]}"));
    OK("a NOT IN ('Lead')",
       G1("{\"operator\":\"NOT_IN\",\"propertyName\":\"a\",\"values\":"
          "[\"lead\"]}"));
    OK("a in(1,2)",
       G1("{\"operator\":\"IN\",\"propertyName\":\"a\",\"values\":[\"1\","
          "\"2\"]}"));
}

static void test_like(void)
{
    OK("name LIKE 'abc%'", G1(F("name", "CONTAINS_TOKEN", "abc*")));
    OK("name LIKE '%abc%'", G1(F("name", "CONTAINS_TOKEN", "*abc*")));
    OK("name LIKE '%abc'", G1(F("name", "CONTAINS_TOKEN", "*abc")));
    OK("name like 'abc'", G1(F("name", "EQ", "abc")));
    OK("name LIKE '%%ab c%%'", G1(F("name", "CONTAINS_TOKEN", "*ab c*")));
    OK("name LIKE '%'",
       G1("{\"operator\":\"HAS_PROPERTY\",\"propertyName\":\"name\"}"));
    ERR("name LIKE 'a_c%'",
        "CEQL: the '_' wildcard in LIKE is not supported by HubSpot search "
        "(pattern at position 11); use '%'");
    ERR("name LIKE 'a%c'",
        "CEQL: LIKE supports '%' only at the start and end of the pattern "
        "(position 11) with HubSpot search");
    ERR("name LIKE 5", "CEQL: unexpected token '5' at position 11; expected "
                       "a quoted pattern after LIKE");
}

static void test_names_and_quotes(void)
{
    OK("firstName = 'Ada'", G1(F("firstname", "EQ", "Ada")));
    OK("properties.firstName = 'Ada'", G1(F("firstname", "EQ", "Ada")));
    OK("associations.contact = '42'",
       G1(F("associations.contact", "EQ", "42")));
    OK("`My Field-1` = 'x'", G1(F("my field-1", "EQ", "x")));
    OK("`and` = 'x'", G1(F("and", "EQ", "x")));
    OK("lastname = 'O''Brien'", G1(F("lastname", "EQ", "O'Brien")));
    OK("a = ''''", G1(F("a", "EQ", "'")));
    OK("a = ''", G1(F("a", "EQ", "")));
    OK("a = 'x AND b = ''y'''", G1(F("a", "EQ", "x AND b = 'y'")));
    OK("a = 'caf\xc3\xa9'", G1(F("a", "EQ", "caf\xc3\xa9")));
    OK("a = 'say \"hi\"'",
       G1("{\"operator\":\"EQ\",\"propertyName\":\"a\",\"value\":"
          "\"say \\\"hi\\\"\"}"));
}

static void test_precedence(void)
{
    /* AND binds tighter than OR: a OR (b AND c). */
    OK("a='1' OR b='2' AND c='3'",
       "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "]},"
       "{\"filters\":[" F("b", "EQ", "2") "," F("c", "EQ", "3") "]}]}");
    OK("a='1' AND b='2' OR c='3'",
       "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "," F(
           "b", "EQ", "2") "]},{\"filters\":[" F("c", "EQ", "3") "]}]}");
    OK("a='1' and b='2' and c='3'",
       G1(F("a", "EQ", "1") "," F("b", "EQ", "2") "," F("c", "EQ", "3")));
    OK("((a='1'))", G1(F("a", "EQ", "1")));
}

static void test_dnf(void)
{
    OK("(a='1' OR b='2') AND c='3'",
       "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "," F(
           "c", "EQ", "3") "]},{\"filters\":[" F("b", "EQ", "2") "," F(
           "c", "EQ", "3") "]}]}");
    OK("c='3' AND (a='1' OR b='2')",
       "{\"filterGroups\":[{\"filters\":[" F("c", "EQ", "3") "," F(
           "a", "EQ", "1") "]},{\"filters\":[" F("c", "EQ", "3") "," F(
           "b", "EQ", "2") "]}]}");
    /* (a OR b) AND (c OR d): 4 groups. */
    OK("(a=1 OR b=2) AND (c=3 OR d=4)",
       "{\"filterGroups\":["
       "{\"filters\":[" F("a", "EQ", "1") "," F("c", "EQ", "3") "]},"
       "{\"filters\":[" F("a", "EQ", "1") "," F("d", "EQ", "4") "]},"
       "{\"filters\":[" F("b", "EQ", "2") "," F("c", "EQ", "3") "]},"
       "{\"filters\":[" F("b", "EQ", "2") "," F("d", "EQ", "4") "]}]}");
    /* Five groups is the limit and fits. */
    OK("a=1 OR a=2 OR a=3 OR a=4 OR a=5",
       "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "]},"
       "{\"filters\":[" F("a", "EQ", "2") "]},{\"filters\":[" F(
           "a", "EQ", "3") "]},{\"filters\":[" F("a", "EQ", "4") "]},"
       "{\"filters\":[" F("a", "EQ", "5") "]}]}");
    /* Six filters in one group fit. */
    OK("a=1 AND b=2 AND c=3 AND d=4 AND e=5 AND f=6",
       G1(F("a", "EQ", "1") "," F("b", "EQ", "2") "," F("c", "EQ", "3") "," F(
           "d", "EQ", "4") "," F("e", "EQ", "5") "," F("f", "EQ", "6")));
    /* (a OR b OR c) AND (d OR e OR f): 9 groups. */
    ERR("(a=1 OR b=1 OR c=1) AND (d=1 OR e=1 OR f=1)",
        "CEQL: HubSpot search allows at most 5 filter groups (OR); this "
        "query needs 9");
    ERR("a=1 OR a=2 OR a=3 OR a=4 OR a=5 OR a=6",
        "CEQL: HubSpot search allows at most 5 filter groups (OR); this "
        "query needs 6");
    ERR("a=1 AND b=2 AND c=3 AND d=4 AND e=5 AND f=6 AND g=7",
        "CEQL: HubSpot search allows at most 6 filters per group (AND); this "
        "query needs 7");
    /* 4 groups x 5 filters = 20 > 18 in total. */
    ERR("(a=1 OR b=1) AND (c=1 OR d=1) AND e=1 AND f=1 AND g=1",
        "CEQL: HubSpot search allows at most 18 filters in total; this query "
        "needs 20");
    /* 2^50 groups: measured, never expanded. */
    {
        char q[2048] = "";
        for (int i = 0; i < 50; i++)
            snprintf(q + strlen(q), sizeof(q) - strlen(q), "%s(a%d=1 OR b%d=1)",
                     i ? " AND " : "", i, i);
        ERR(q, "CEQL: HubSpot search allows at most 5 filter groups (OR); "
               "this query needs 1125899906842624");
    }
}

static void test_lastmodified(void)
{
    const char *sort_lm = "\"sorts\":[{\"direction\":\"DESCENDING\","
                          "\"propertyName\":\"lastmodifieddate\"}]";
    char want[512];

    /* 2026-11-25T08:15:00Z */
    snprintf(want, sizeof(want),
             "{\"filterGroups\":[{\"filters\":[" F("lastmodifieddate", "GTE",
                                                 "1795594500000") "]}],%s}",
             sort_lm);
    OK("lastmodifieddate='2026-11-25T10:15:00+02:00'", want);
    OK("lastmodifieddate='2026-11-25T10:15:00+0200'", want);
    OK("lastModifiedDate = '2026-11-25T08:15:00Z'", want);
    OK("lastmodifieddate='2026-11-25T02:15:00-06:00'", want);
    OK("lastmodifieddate='2026-11-25T08:15:00.000Z'", want);
    OK("lastmodifieddate=1795594500000", want);
    OK("lastmodifieddate='1795594500000'", want);
    /* The same instant a year earlier. */
    snprintf(want, sizeof(want),
             "{\"filterGroups\":[{\"filters\":[" F("lastmodifieddate", "GTE",
                                                 "1764058500000") "]}],%s}",
             sort_lm);
    OK("lastmodifieddate='2025-11-25T10:15:00+02:00'", want);
    /* Date only: midnight UTC. */
    snprintf(want, sizeof(want),
             "{\"filterGroups\":[{\"filters\":[" F("lastmodifieddate", "GTE",
                                                 "1795564800000") "]}],%s}",
             sort_lm);
    OK("lastmodifieddate='2026-11-25'", want);
    /* Fractions, leap day, negative half-hour offset. */
    OK("lastmodifieddate > '2024-02-29T23:59:59.123-05:30'",
       G1(F("lastmodifieddate", "GT", "1709270999123")));
    OK("lastmodifieddate <= '2000-03-01'",
       G1(F("lastmodifieddate", "LTE", "951868800000")));
    OK("lastmodifieddate < '1969-12-31T23:59:59Z'",
       G1(F("lastmodifieddate", "LT", "-1000")));
    OK("lastmodifieddate >= '9999-12-31T23:59:59.999999Z'",
       G1(F("lastmodifieddate", "GTE", "253402300799999")));
    /* Deals/companies: hs_lastmodifieddate, whichever name CE used. */
    OK_DEALS("lastmodifieddate='2026-11-25'",
             "{\"filterGroups\":[{\"filters\":[" F(
                 "hs_lastmodifieddate", "GTE",
                 "1795564800000") "]}],\"sorts\":[{\"direction\":"
                                  "\"DESCENDING\",\"propertyName\":"
                                  "\"hs_lastmodifieddate\"}]}");
    OK_DEALS("hs_lastmodifieddate IS NOT NULL",
             G1("{\"operator\":\"HAS_PROPERTY\",\"propertyName\":"
                "\"hs_lastmodifieddate\"}"));
    /* An explicit orderBy wins over the implied newest-first sort. */
    OK_SORT("lastmodifieddate='2026-11-25'", "email asc",
            "{\"filterGroups\":[{\"filters\":[" F(
                "lastmodifieddate", "GTE",
                "1795564800000") "]}],\"sorts\":[{\"direction\":"
                                 "\"ASCENDING\",\"propertyName\":\"email\"}]}");
    /* Defaults from object_type when lastmodified_prop is not given. */
    {
        struct ceql_options o = {"companies", NULL};
        expect_ok_opt(__LINE__, "lastmodifieddate < 5", NULL, &o,
                      G1(F("hs_lastmodifieddate", "LT", "5")));
        o.object_type = "contacts";
        expect_ok_opt(__LINE__, "hs_lastmodifieddate < 5", NULL, &o,
                      G1(F("lastmodifieddate", "LT", "5")));
        expect_ok_opt(__LINE__, "hs_lastmodifieddate < 5", NULL, NULL,
                      G1(F("hs_lastmodifieddate", "LT", "5")));
    }
    ERR("lastmodifieddate='yesterday'",
        "CEQL: lastmodifieddate needs an ISO-8601 date (2026-01-31, "
        "2026-01-31T12:00:00Z or with an offset like +02:00) or epoch "
        "milliseconds; got 'yesterday' at position 18");
    ERR("lastmodifieddate='2026-02-29'",
        "CEQL: lastmodifieddate needs an ISO-8601 date (2026-01-31, "
        "2026-01-31T12:00:00Z or with an offset like +02:00) or epoch "
        "milliseconds; got '2026-02-29' at position 18");
    {
        static const char *const bad[] = {
            "2026-13-01",          "2026-00-10",
            "2026-04-31",          "2026-11-25T24:00:00Z",
            "2026-11-25T10:60:00Z", "2026-11-25T10:15:60Z",
            "2026-11-25T10:15Z",   "2026-11-25T10:15:00+2",
            "2026-11-25T10:15:00+24:00", "2026-11-25T10:15:00.Z",
            "2026-11-25T10:15:00.1234567890Z", "2026-11-25X",
            "26-11-25",            "2026-11-25T10:15:00ZZ",
            "-5",                  "1.5",
            "253402300800000",     "",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            char q[128], err[256];
            snprintf(q, sizeof(q), "lastmodifieddate='%s'", bad[i]);
            char *got = xlate(q, NULL, &contacts, err, sizeof(err));
            if (got)
                fprintf(stderr, "accepted bad date %s: %s\n", bad[i], got);
            CHECK(got == NULL);
            CHECK(strstr(err, "needs an ISO-8601 date") != NULL);
        }
    }
}

static void test_other_dates(void)
{
    OK("createdate >= '2026-11-25T08:15:00Z'",
       G1(F("createdate", "GTE", "1795594500000")));
    OK("closedate < '2026-11-25'", G1(F("closedate", "LT", "1795564800000")));
    OK_DEALS("hs_createdate = '2026-11-25'",
             G1(F("hs_createdate", "EQ", "1795564800000")));
    /* Non-ISO values pass through untouched; no implied sort. */
    OK("createdate > 1795594500000",
       G1(F("createdate", "GT", "1795594500000")));
    ERR("createdate > '2026-02-30'",
        "CEQL: createdate needs an ISO-8601 date (2026-01-31, "
        "2026-01-31T12:00:00Z or with an offset like +02:00); got "
        "'2026-02-30' at position 14");
}

static void test_query(void)
{
    OK("q='ada'", "{\"filterGroups\":[],\"query\":\"ada\"}");
    OK("q='ada' AND lastname='Byron'",
       "{\"filterGroups\":[{\"filters\":[" F("lastname", "EQ", "Byron") "]}],"
       "\"query\":\"ada\"}");
    OK("(a=1 OR b=2) AND q='ada'",
       "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "]},{\"filters\":"
       "[" F("b", "EQ", "2") "]}],\"query\":\"ada\"}");
    OK("(q='ada' AND a=1) AND (b=2 AND c=3)",
       "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "," F(
           "b", "EQ", "2") "," F("c", "EQ", "3") "]}],\"query\":\"ada\"}");
    ERR("q='ada' OR a=1", "CEQL: q='...' (free-text search) can only be "
                          "joined to the rest of the query with AND");
    ERR("q='a' AND q='b'",
        "CEQL: only one q='...' (free-text search) is allowed");
    ERR("q LIKE 'a%'", "CEQL: q (free-text search) only supports q='text'");
}

static void test_order_by(void)
{
    OK_SORT(NULL, "lastName",
            "{\"filterGroups\":[],\"sorts\":[{\"direction\":\"ASCENDING\","
            "\"propertyName\":\"lastname\"}]}");
    OK_SORT("a=1", " createdate DESC ",
            "{\"filterGroups\":[{\"filters\":[" F("a", "EQ", "1") "]}],"
            "\"sorts\":[{\"direction\":\"DESCENDING\",\"propertyName\":"
            "\"createdate\"}]}");
    OK_SORT(NULL, "`Odd Name` asc",
            "{\"filterGroups\":[],\"sorts\":[{\"direction\":\"ASCENDING\","
            "\"propertyName\":\"odd name\"}]}");
    OK_SORT(NULL, "lastmodifieddate desc",
            "{\"filterGroups\":[],\"sorts\":[{\"direction\":\"DESCENDING\","
            "\"propertyName\":\"lastmodifieddate\"}]}");
    ERR_SORT(NULL, "lastname asc, createdate desc",
             "CEQL: HubSpot search allows only 1 sort field; orderBy has 2");
    ERR_SORT(NULL, "lastname sideways",
             "CEQL: unexpected token 'sideways' at position 10; expected "
             "ASC, DESC, ',' or the end of orderBy");
    ERR_SORT(NULL, "lastname,",
             "CEQL: unexpected end of orderBy; expected a field name after "
             "','");
    ERR_SORT(NULL, "'x'", "CEQL: unexpected string 'x' at position 1; "
                          "expected a field name in orderBy");
}

static void test_syntax_errors(void)
{
    ERR("(a='1' OR b='2'",
        "CEQL: unexpected end of the where clause; expected ')' to close the "
        "'(' at position 1");
    ERR("a='1')", "CEQL: unexpected token ')' at position 6; expected AND, "
                  "OR or the end of the query");
    ERR("a='1' b='2'", "CEQL: unexpected token 'b' at position 7; expected "
                       "AND, OR or the end of the query");
    ERR("a='1' AND", "CEQL: unexpected end of the where clause; expected a "
                     "field name or '('");
    ERR("a BETWEEN 1 AND 2",
        "CEQL: unknown operator 'BETWEEN' at position 3; expected =, !=, <>, "
        "<, <=, >, >=, LIKE, IN, NOT IN or IS [NOT] NULL");
    ERR("a == 'x'", "CEQL: unexpected token '=' at position 4; expected a "
                    "value (a 'quoted string', a number, true or false)");
    ERR("a ~ 'x'", "CEQL: unexpected character '~' at position 3");
    ERR("a ! 'x'", "CEQL: unexpected character '!' at position 3; did you "
                   "mean '!='?");
    ERR("a = 'x", "CEQL: unterminated string starting at position 5");
    ERR("`a = 'x'", "CEQL: unterminated back-quoted name starting at "
                    "position 1");
    ERR("`` = 'x'", "CEQL: empty back-quoted name at position 1");
    ERR("a = 12abc", "CEQL: malformed number '12abc' at position 5");
    ERR("a = - 1", "CEQL: unexpected character '-' at position 5");
    ERR("a IN ()", "CEQL: empty IN list at position 6; IN needs at least one "
                   "value");
    ERR("a IN 'x'", "CEQL: unexpected string 'x' at position 6; expected "
                    "'(' to start the IN list");
    ERR("a IN ('x',)", "CEQL: unexpected token ')' at position 11; expected "
                       "a value in the IN list");
    ERR("a IN ('x' 'y')", "CEQL: unexpected string 'y' at position 11; "
                          "expected ',' or ')' in the IN list");
    ERR("a NOT LIKE 'x'", "CEQL: unexpected token 'LIKE' at position 7; "
                          "expected IN after NOT");
    ERR("a IS 'x'", "CEQL: unexpected string 'x' at position 6; expected "
                    "NULL after IS");
    ERR("a = null", "CEQL: unexpected token 'null' at position 5; expected a "
                    "value (a 'quoted string', a number, true or false)");
    ERR("NOT a = 1", "CEQL: NOT is not supported by HubSpot search (position "
                     "1); use !=, NOT IN or IS NOT NULL");
    ERR("a", "CEQL: unexpected end of the where clause; expected an operator "
             "(=, !=, <>, <, <=, >, >=, LIKE, IN, NOT IN, IS [NOT] NULL)");
    ERR("= 'x'", "CEQL: unexpected token '=' at position 1; expected a field "
                 "name or '('");
    ERR("()", "CEQL: unexpected token ')' at position 2; expected a field "
              "name or '('");
    ERR("a = '\xff'", "CEQL: the where clause is not valid UTF-8");
    ERR("a = '\xc0\xaf'", "CEQL: the where clause is not valid UTF-8");
    ERR("a = '\xed\xa0\x80'", "CEQL: the where clause is not valid UTF-8");
    ERR("a \xc3\xa9 1",
        "CEQL: unexpected character '\xc3\xa9' at position 3");
    /* Long tokens are shortened in messages. */
    ERR("a='1' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "CEQL: unexpected token 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' "
        "at position 7; expected AND, OR or the end of the query");
}

static void test_bounds(void)
{
    char *q = malloc(CEQL_MAX_LEN + 64);
    char err[256];
    size_t n;

    /* Length: exactly the limit is fine, one byte more is not. */
    memset(q, ' ', CEQL_MAX_LEN);
    memcpy(q, "a='1'", 5);
    q[CEQL_MAX_LEN] = '\0';
    OK(q, G1(F("a", "EQ", "1")));
    q[CEQL_MAX_LEN] = ' ';
    q[CEQL_MAX_LEN + 1] = '\0';
    ERR(q, "CEQL: the where clause is longer than 8192 bytes");
    ERR_SORT(NULL, q, "CEQL: orderBy is longer than 8192 bytes");

    /* Depth: 32 levels of parentheses parse, 33 do not. */
    n = 0;
    for (int i = 0; i < 32; i++)
        q[n++] = '(';
    memcpy(q + n, "a=1", 3);
    n += 3;
    for (int i = 0; i < 32; i++)
        q[n++] = ')';
    q[n] = '\0';
    OK(q, G1(F("a", "EQ", "1")));
    memmove(q + 1, q, n + 1);
    q[0] = '(';
    q[n + 1] = ')';
    q[n + 2] = '\0';
    ERR(q, "CEQL: parentheses nested deeper than 32 at position 33");
    CHECK(ceql_check(q, err, sizeof(err)) == ED_ERR_INVALID);
    CHECK(strcmp(err, "CEQL: parentheses nested deeper than 32 at "
                      "position 33") == 0);
    /* Very deep input stops at the limit without recursing further. */
    memset(q, '(', CEQL_MAX_LEN);
    q[CEQL_MAX_LEN] = '\0';
    CHECK(ceql_check(q, err, sizeof(err)) == ED_ERR_INVALID);

    /* 100 comparisons parse (then exceed HubSpot's limits), 101 do not. */
    n = 0;
    q[0] = '\0';
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(q + n, CEQL_MAX_LEN - n, "%sa=1",
                              i ? " AND " : "");
    CHECK(ceql_check(q, err, sizeof(err)) == ED_OK);
    ERR(q, "CEQL: HubSpot search allows at most 6 filters per group (AND); "
           "this query needs 100");
    snprintf(q + n, CEQL_MAX_LEN - n, " OR b=2");
    ERR(q, "CEQL: too many comparisons; at most 100 are allowed");

    /* IN lists: 100 values, not 101. */
    n = (size_t)snprintf(q, CEQL_MAX_LEN, "a IN (");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(q + n, CEQL_MAX_LEN - n, "%s%d", i ? "," : "", i);
    snprintf(q + n, CEQL_MAX_LEN - n, ")");
    CHECK(ceql_check(q, err, sizeof(err)) == ED_OK);
    {
        json_t *out = NULL;
        CHECK(ceql_translate(q, NULL, &contacts, &out, err, sizeof(err)) ==
              ED_OK);
        CHECK(json_array_size(json_object_get(
                  json_array_get(json_object_get(
                                     json_array_get(json_object_get(
                                                        out, "filterGroups"),
                                                    0),
                                     "filters"),
                                 0),
                  "values")) == 100);
        json_decref(out);
    }
    snprintf(q + n, CEQL_MAX_LEN - n, ",100)");
    ERR(q, "CEQL: the IN list at position 6 has more than 100 values");
    free(q);
}

static void test_err_buffer(void)
{
    char small[12];
    json_t *out = NULL;

    /* Truncation keeps a terminated string and never splits UTF-8. */
    CHECK(ceql_check("a='1' \xc3\xa9", small, sizeof(small)) ==
          ED_ERR_INVALID);
    CHECK(strcmp(small, "CEQL: unexp") == 0);
    memset(small, 'x', sizeof(small));
    CHECK(ceql_translate("\xc3\xa9\xc3\xa9", NULL, NULL, &out, small, 9) ==
          ED_ERR_INVALID);
    CHECK(strlen(small) <= 8);
    CHECK(ceql_check("a = '\xc3\xa9\xc3\xa9\xc3\xa9' \xc3\xa9", small, 0) ==
          ED_ERR_INVALID);
    CHECK(ceql_check("a = 1", NULL, 0) == ED_OK);
    CHECK(ceql_translate("a = (", NULL, NULL, &out, NULL, 0) ==
          ED_ERR_INVALID);
    CHECK(out == NULL);
    {
        /* A message cut inside a 2-byte character drops the whole char. */
        char e[64];
        const char *q = "a = 1 \xc3\xa9";
        /* "CEQL: unexpected character '" is 28 bytes; room for 1 more. */
        CHECK(ceql_check(q, e, 30) == ED_ERR_INVALID);
        CHECK(strcmp(e, "CEQL: unexpected character '") == 0);
    }
}

static void test_check(void)
{
    char err[256];

    CHECK(ceql_check(NULL, err, sizeof(err)) == ED_OK);
    CHECK(ceql_check("a = 1 AND (b LIKE 'x_y' OR c IS NULL)", err,
                     sizeof(err)) == ED_OK);
    /* Valid syntax, but HubSpot cannot run it: only translate objects. */
    CHECK(ceql_check("lastmodifieddate = 'soon'", err, sizeof(err)) ==
          ED_OK);
    CHECK(ceql_check("a = 1 OR", err, sizeof(err)) == ED_ERR_INVALID);
    CHECK(strcmp(err, "CEQL: unexpected end of the where clause; expected a "
                      "field name or '('") == 0);
}

int main(void)
{
    RUN(test_empty);
    RUN(test_operators);
    RUN(test_like);
    RUN(test_names_and_quotes);
    RUN(test_precedence);
    RUN(test_dnf);
    RUN(test_lastmodified);
    RUN(test_other_dates);
    RUN(test_query);
    RUN(test_order_by);
    RUN(test_syntax_errors);
    RUN(test_bounds);
    RUN(test_err_buffer);
    RUN(test_check);
    fprintf(stderr, "test_hub_ceql: all passed\n");
    return 0;
}
