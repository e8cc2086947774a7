/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_STRPARSE_H
#define ED_CORE_STRPARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounded parsers for untrusted input (atoi/strtol/sscanf are banned).
 * Each returns true when the whole string is a valid value in range. */
bool ed_parse_u64(const char *s, uint64_t max, uint64_t *out);
bool ed_parse_i64(const char *s, int64_t *out);
bool ed_all_digits(const char *s);
/* Case-insensitive ASCII equality / prefix test. */
bool ed_strcaseeq(const char *a, const char *b);
bool ed_strcaseprefix(const char *s, const char *prefix);

#endif
