/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_PLACEHOLDERS_H
#define ED_EVENTS_PLACEHOLDERS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Poller URL placeholders (spec elements-api.md §5.2), expanded with the
 * poll's "since" instant t_ms (epoch milliseconds):
 *   ${date}                 epoch milliseconds (HubSpot's form)
 *   ${epoch} ${epoch:ms}    epoch milliseconds
 *   ${epoch:s} ${epoch:us}  epoch seconds / microseconds
 *   ${gmtDate:<pattern>}    t in UTC with a Java SimpleDateFormat pattern
 *   ${date:<pattern>}       the same in the server's time zone (TZ)
 * Pattern letters: y M d H h m s S a E Z X z and 'quoted text' ('' is a
 * quote). Expanded values are percent-encoded when they hold characters a
 * query may not (space, '+', ':' stay readable as %20, %2B, ':'). Returns a
 * heap string, or NULL with a message in why (an unknown placeholder or
 * pattern letter, an unterminated ${). */
char *events_expand_url(const char *tmpl, int64_t t_ms, char *why,
                        size_t whylen);

/* Format t_ms with a Java pattern, UTC (gmt) or the server's zone. false on
 * an unknown letter. */
bool events_format_date(const char *pattern, int64_t t_ms, bool gmt, char *out,
                        size_t n);

/* A record's date value to epoch ms, by datesConfiguration format:
 * "milliseconds" (or no format): a number or digit string of ms; "seconds":
 * of seconds; anything else (a Java pattern, "iso"): an ISO-8601 date
 * (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH[:]MM]). Any format also accepts an
 * ISO date when the value is not a number, and a number when it is one, so
 * HubSpot v3's ISO strings and v1's milliseconds both work. tz ("UTC",
 * "GMT", "+05:30", "-8:00"; NULL = UTC) applies to dates without a zone.
 * false when the value is missing or unreadable. */
bool events_date_value(json_t *v, const char *format, const char *tz,
                       int64_t *ms);

#endif
