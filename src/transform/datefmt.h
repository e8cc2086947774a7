/* SPDX-License-Identifier: MIT */
#ifndef ED_TRANSFORM_DATEFMT_H
#define ED_TRANSFORM_DATEFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Dates for transformations: ISO 8601 and a subset of Java's
 * SimpleDateFormat (transformDate's "pattern"), always in UTC. Times are
 * epoch milliseconds within years 0000-9999.
 *
 * Pattern letters: yyyy (yy: 2000-2099 on parse), M/MM, d/dd, H/HH,
 * h/hh with a (AM/PM), m/mm, s/ss, S/SS/SSS (milliseconds), X (Z or
 * +HH), XX (Z or +HHMM), XXX (Z or +HH:MM), Z (+HHMM). 'quoted' text and
 * any other non-letter byte are literals ('' is a quote). The pattern
 * "milliseconds" means epoch milliseconds. */

#define DATEFMT_MAX_PATTERN 64
#define DATEFMT_MAX_OUT 64
/* The range of epoch milliseconds handled: 0000-01-01 to 9999-12-31. */
#define DATEFMT_MIN_MS (-62167219200000LL)
#define DATEFMT_MAX_MS (253402300799999LL)

struct datefmt;

/* Compile a pattern; NULL with a message in err (an unsupported letter,
 * an unclosed quote, over DATEFMT_MAX_PATTERN bytes). */
struct datefmt *datefmt_compile(const char *pattern, char *err, size_t errlen);
void datefmt_free(struct datefmt *f);
const char *datefmt_pattern(const struct datefmt *f);
/* True for the pattern "milliseconds". */
bool datefmt_is_millis(const struct datefmt *f);

/* Format ms (UTC) into buf (DATEFMT_MAX_OUT bytes suffice); false when ms
 * is out of range. Not for the "milliseconds" pattern. */
bool datefmt_format(const struct datefmt *f, int64_t ms, char *buf, size_t n);
/* Parse s, which must match the whole pattern; false when it does not or
 * names an impossible date. Not for the "milliseconds" pattern. */
bool datefmt_parse(const struct datefmt *f, const char *s, int64_t *ms);

/* ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|+HH[:]MM|+HH]
 * (no zone: UTC). */
bool datefmt_iso_parse(const char *s, int64_t *ms);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (buf >= 25 bytes); false out of range. */
bool datefmt_iso_format(int64_t ms, char *buf, size_t n);

#endif
