/* SPDX-License-Identifier: MIT
 * core/strparse: the bounded parsers accept whole valid numbers only. */
#include <stdint.h>

#include "check.h"
#include "core/strparse.h"

static void test_u64(void)
{
    uint64_t v = 7;
    CHECK(ed_parse_u64("0", 10, &v) && v == 0);
    CHECK(ed_parse_u64("42", 100, &v) && v == 42);
    CHECK(ed_parse_u64("18446744073709551615", UINT64_MAX, &v) &&
          v == UINT64_MAX);
    v = 7;
    CHECK(!ed_parse_u64("18446744073709551616", UINT64_MAX, &v)); /* overflow */
    CHECK(!ed_parse_u64("99999999999999999999", UINT64_MAX, &v));
    CHECK(!ed_parse_u64("000000000000000000001", UINT64_MAX, &v)); /* > 20 */
    CHECK(!ed_parse_u64("101", 100, &v));                          /* > max */
    CHECK(!ed_parse_u64("", 100, &v));
    CHECK(!ed_parse_u64(NULL, 100, &v));
    CHECK(!ed_parse_u64("-1", 100, &v));
    CHECK(!ed_parse_u64("+1", 100, &v));
    CHECK(!ed_parse_u64(" 1", 100, &v));
    CHECK(!ed_parse_u64("1 ", 100, &v));
    CHECK(!ed_parse_u64("12a", 100, &v));
    CHECK(!ed_parse_u64("0x10", 100, &v));
    CHECK(v == 7); /* failures leave the output alone */
}

static void test_i64(void)
{
    int64_t v = 0;
    CHECK(ed_parse_i64("-1", &v) && v == -1);
    CHECK(ed_parse_i64("123", &v) && v == 123);
    CHECK(ed_parse_i64("9223372036854775807", &v) && v == INT64_MAX);
    CHECK(ed_parse_i64("-9223372036854775808", &v) && v == INT64_MIN);
    CHECK(!ed_parse_i64("9223372036854775808", &v));
    CHECK(!ed_parse_i64("-9223372036854775809", &v));
    CHECK(!ed_parse_i64("-", &v));
    CHECK(!ed_parse_i64("--1", &v));
    CHECK(!ed_parse_i64("1.5", &v));
    CHECK(!ed_parse_i64("", &v));
    CHECK(!ed_parse_i64("abc", &v));
}

static void test_digits_and_case(void)
{
    CHECK(ed_all_digits("123456"));
    CHECK(!ed_all_digits(""));
    CHECK(!ed_all_digits(NULL));
    CHECK(!ed_all_digits("12a"));
    CHECK(!ed_all_digits("-12"));
    CHECK(!ed_all_digits("123456789d-1234"));
    CHECK(ed_strcaseeq("Bearer", "bEARER"));
    CHECK(!ed_strcaseeq("Bearer", "Bearers"));
    CHECK(!ed_strcaseeq("", "x"));
    CHECK(ed_strcaseeq("", ""));
    CHECK(ed_strcaseprefix("Application/JSON; charset=utf-8",
                           "application/json"));
    CHECK(!ed_strcaseprefix("application/js", "application/json"));
    CHECK(!ed_strcaseprefix("text/plain", "application/json"));
}

int main(void)
{
    RUN(test_u64);
    RUN(test_i64);
    RUN(test_digits_and_case);
    return 0;
}
