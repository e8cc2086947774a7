/* SPDX-License-Identifier: MIT
 * A tiny assertion kit for the C unit tests: each CHECK prints file:line
 * and the failed expression, then exits non-zero, so CTest reports the
 * first failure with its location. No framework, no registration: a test
 * file is a main() calling static test functions. */
#ifndef ED_TEST_CHECK_H
#define ED_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

/* Compare two C strings (either may be NULL). */
#define CHECK_EQ_STR(got, want)                                                \
    do {                                                                       \
        const char *g_ = (got), *w_ = (want);                                  \
        if (!g_ || !w_ ? g_ != w_ : strcmp(g_, w_) != 0) {                     \
            fprintf(stderr, "%s:%d: CHECK_EQ_STR failed: %s\n  got:  %s%s%s\n" \
                            "  want: %s%s%s\n",                                \
                    __FILE__, __LINE__, #got, g_ ? "\"" : "",                  \
                    g_ ? g_ : "NULL", g_ ? "\"" : "", w_ ? "\"" : "",          \
                    w_ ? w_ : "NULL", w_ ? "\"" : "");                         \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

/* Compare two integers (printed as long long). */
#define CHECK_EQ_INT(got, want)                                                \
    do {                                                                       \
        long long g_ = (long long)(got), w_ = (long long)(want);               \
        if (g_ != w_) {                                                        \
            fprintf(stderr, "%s:%d: CHECK_EQ_INT failed: %s\n  got:  %lld\n"   \
                            "  want: %lld\n",                                  \
                    __FILE__, __LINE__, #got, g_, w_);                         \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

/* Run one test function and say so (helps locate a crash). */
#define RUN(fn)                                                                \
    do {                                                                       \
        fprintf(stderr, "-- %s\n", #fn);                                       \
        fn();                                                                  \
    } while (0)

#endif
