/* SPDX-License-Identifier: MIT
 * libFuzzer target for bulk/cron.c (Quartz cron expressions of bulk
 * workflow schedules). The input is the expression. Besides crashes and
 * sanitizer reports it checks the contract and aborts when it breaks: a
 * refused expression has an error message naming a field or the field
 * count; for an accepted one, from a few start times, the next fire time is
 * strictly later, is itself a fire time (the next after it minus one
 * second is itself), and the fire after it is later still. CTest replays
 * corpus/bulk_cron and regressions/bulk_cron through replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/cron.h"

#define INPUT_MAX 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_bulk_cron: contract broken: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const words[] = {
        "fields", "seconds", "minutes",     "hours", "day-of-month",
        "month",  "year",    "day-of-week", "empty",
    };
    static const int64_t starts[] = {-5, 0, 1709287200, 1735689599,
                                     4102444790LL};
    char expr[INPUT_MAX + 1];
    if (size > INPUT_MAX)
        size = INPUT_MAX;
    memcpy(expr, data, size);
    expr[size] = '\0';
    struct bulk_cron c;
    char err[256];
    err[0] = '\0';
    if (bulk_cron_parse(expr, &c, err, sizeof(err)) != ED_OK) {
        int named = 0;
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            named |= strstr(err, words[i]) != NULL;
        require(named, "an error names its field");
        return 0;
    }
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        int64_t t = 0, again = 0, after = 0;
        if (!bulk_cron_next(&c, starts[i], &t))
            continue;
        require(t > starts[i], "the next fire is later");
        require(bulk_cron_next(&c, t - 1, &again) && again == t,
                "the next fire is a fire time");
        if (bulk_cron_next(&c, t, &after))
            require(after > t, "fires increase");
    }
    return 0;
}
