/* SPDX-License-Identifier: MIT */
#ifndef ED_BULK_CRON_H
#define ED_BULK_CRON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* Quartz cron expressions (bulk workflow schedules, the
 * Elements-Schedule-Request header; docs/api/bulk.md): seven fields
 * "seconds minutes hours day-of-month month day-of-week [year]" with '*',
 * '?', lists, ranges (wrapping: FRI-MON), '/' steps, month and day names
 * (JAN-DEC, SUN-SAT; day-of-week 1 = SUN), in day-of-month 'L', 'L-n',
 * 'LW', 'nW', in day-of-week 'L', 'nL', 'n#k'. As in Quartz exactly one of
 * day-of-month and day-of-week is '?'. Times are UTC. Pure: no clock, no
 * allocation. */

#define CRON_YEAR_MIN 1970
#define CRON_YEAR_MAX 2099

struct bulk_cron {
    uint64_t sec, min; /* bit n: second / minute n */
    uint32_t hour;     /* bit n: hour n */
    uint32_t dom;      /* bit d: day d of the month (1..31) */
    uint16_t month;    /* bit m: month m (1..12) */
    uint8_t dow;       /* bit w: weekday w (1 = Sunday .. 7 = Saturday) */
    uint64_t year[3];  /* bit y - CRON_YEAR_MIN */
    bool dom_any;      /* day-of-month is '?' (day-of-week decides) */
    /* day-of-month specials: L[-n] (last day minus n), LW, nW */
    bool dom_last, dom_last_wd;
    int dom_last_off;
    int dom_near_wd; /* nW: n, else 0 */
    /* day-of-week specials: nL (last weekday n of the month), n#k */
    int dow_last; /* n, else 0 */
    int dow_nth_day, dow_nth;
};

/* Parse expr; ED_ERR_INVALID with a message naming the field in err. */
enum ed_err bulk_cron_parse(const char *expr, struct bulk_cron *out, char *err,
                            size_t errlen);
/* The first fire time (epoch seconds, UTC) strictly after `after`; false
 * when there is none (before the end of CRON_YEAR_MAX). */
bool bulk_cron_next(const struct bulk_cron *c, int64_t after, int64_t *next);

#endif
