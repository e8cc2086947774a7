/* SPDX-License-Identifier: MIT
 * src/bulk/cron.c: Quartz cron expressions (bulk workflow schedules):
 * the parser's errors name the field, and the next fire time (UTC) for
 * steps, lists, wrapping ranges, names, L, W, LW, nL, n#k and years. */
#include <stdio.h>
#include <string.h>

#include "bulk/cron.h"
#include "check.h"

/* 2024-03-01T10:00:00Z, a Friday */
#define BASE 1709287200LL

static int64_t next_of(const char *expr, int64_t after)
{
    struct bulk_cron c;
    char err[256] = "";
    int64_t t = -1;
    if (bulk_cron_parse(expr, &c, err, sizeof(err)) != ED_OK) {
        fprintf(stderr, "parse '%s': %s\n", expr, err);
        return -2;
    }
    if (!bulk_cron_next(&c, after, &t))
        return -1;
    return t;
}

static void test_next(void)
{
    CHECK_EQ_INT(next_of("*/2 * * * * ?", BASE), BASE + 2);
    CHECK_EQ_INT(next_of("*/2 * * * * ?", BASE + 1), BASE + 2);
    CHECK_EQ_INT(next_of("0/15 * * * * ?", BASE + 44), BASE + 45);
    CHECK_EQ_INT(next_of("5/20 * * * * ?", BASE + 46), BASE + 60 + 5);
    CHECK_EQ_INT(next_of("10-12,30 * * * * ?", BASE + 12), BASE + 30);
    /* the 15th at noon */
    CHECK_EQ_INT(next_of("0 0 12 15 * ?", BASE), 1710504000);
    /* weekdays by name, the same day */
    CHECK_EQ_INT(next_of("0 15 10 ? * MON-FRI", BASE), BASE + 900);
    CHECK_EQ_INT(next_of("0 15 10 ? * mon-fri", BASE), BASE + 900);
    /* Sunday: March 3rd */
    CHECK_EQ_INT(next_of("0 0 0 ? * SUN", BASE), 1709424000);
    CHECK_EQ_INT(next_of("0 0 0 ? * 1", BASE), 1709424000);
    /* a wrapping range of hours: 22,23,0,1,2 */
    CHECK_EQ_INT(next_of("0 0 22-2 * * ?", BASE + 13 * 3600 + 1800),
                 BASE + 14 * 3600);
    /* the last Friday of March 2024 is the 29th */
    CHECK_EQ_INT(next_of("0 0 12 ? * 6L", BASE), 1711713600);
    /* the 4th Thursday of March 2024: the 28th */
    CHECK_EQ_INT(next_of("0 0 0 ? * 5#4", BASE), 1711584000);
    CHECK_EQ_INT(next_of("0 0 0 ? * THU#4", BASE), 1711584000);
    /* the last day of February in a leap year */
    CHECK_EQ_INT(next_of("0 0 0 L 2 ?", 1704067200), 1709164800);
    CHECK_EQ_INT(next_of("0 0 0 L FEB ?", 1704067200), 1709164800);
    /* L-2 of March: the 29th */
    CHECK_EQ_INT(next_of("0 0 12 L-2 * ?", BASE), 1711713600);
    /* 1W: June 1st 2024 is a Saturday, so Monday the 3rd */
    CHECK_EQ_INT(next_of("0 0 0 1W * ?", 1715817600), 1717372800);
    /* LW: August 31st 2024 is a Saturday, so Friday the 30th */
    CHECK_EQ_INT(next_of("0 0 0 LW 8 ?", BASE), 1724976000);
    /* a year */
    CHECK_EQ_INT(next_of("0 0 0 1 JAN ? 2025", BASE), 1735689600);
    CHECK_EQ_INT(next_of("0 0 0 1 1 ? 2020", BASE), -1);
    CHECK_EQ_INT(next_of("0 0 0 1 1 ? 2020-2030/5", BASE), 1735689600);
    /* the very last second, then nothing */
    CHECK_EQ_INT(next_of("59 59 23 31 12 ?", 4102444798LL), 4102444799LL);
    CHECK_EQ_INT(next_of("59 59 23 31 12 ?", 4102444799LL), -1);
    /* never: February 31st */
    CHECK_EQ_INT(next_of("0 0 0 31 2 ?", BASE), -1);
    /* extra blanks are fine */
    CHECK_EQ_INT(next_of("  */2  *\t* * * ?  ", BASE), BASE + 2);
}

static void bad(const char *expr, const char *word)
{
    struct bulk_cron c;
    char err[256] = "";
    CHECK_EQ_INT(bulk_cron_parse(expr, &c, err, sizeof(err)), ED_ERR_INVALID);
    if (!strstr(err, word))
        fprintf(stderr, "'%s': '%s' lacks '%s'\n", expr, err, word);
    CHECK(strstr(err, word) != NULL);
}

static void test_bad(void)
{
    bad("", "fields");
    bad(NULL, "empty");
    bad("* * * * *", "got 5");
    bad("0 0 0 1 * ? * extra", "more");
    bad("61 * * * * ?", "seconds");
    bad("* 60 * * * ?", "minutes");
    bad("0 0 24 * * ?", "hours");
    bad("0 0 0 32 * ?", "day-of-month");
    bad("0 0 0 0 * ?", "day-of-month");
    bad("0 0 0 ? 13 *", "month");
    bad("0 0 0 ? FOO *", "month");
    bad("0 0 0 ? * 8", "day-of-week");
    bad("0 0 0 ? * XYZ", "day-of-week");
    bad("0 0 0 * * *", "day-of-week");
    bad("0 0 0 ? * ?", "day-of-week");
    bad("0 0 0 ? * MON#6", "day-of-week");
    bad("0 0 0 ? * 2L,3", "day-of-week");
    bad("0 0 0 1 1 ? 1969", "year");
    bad("0 0 0 1 1 ? 2030-2020", "year");
    bad("*/0 * * * * ?", "seconds");
    bad("*/60 * * * * ?", "seconds");
    bad("0 0 0 L,5 * ?", "day-of-month");
    bad("0 0 0 L-31 * ?", "day-of-month");
    bad("0 0 0 1,,2 * ?", "day-of-month");
    bad("0 ? 0 1 * ?", "minutes");
    bad("1-2-3 * * * * ?", "seconds");
    bad("99999999 * * * * ?", "seconds");
    bad("0 0 0 1 * ? 2024,", "year");
}

int main(void)
{
    RUN(test_next);
    RUN(test_bad);
    return 0;
}
