/* SPDX-License-Identifier: MIT
 * Quartz cron expressions (cron.h): a parser into bit sets and the next
 * fire time, field by field from the coarsest (year) to the finest
 * (second), in UTC with the proleptic Gregorian calendar. */
#include "bulk/cron.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FIELD_MAX 256 /* bytes of one field */
#define ITEMS_MAX 64  /* list items of one field */

enum field { F_SEC, F_MIN, F_HOUR, F_DOM, F_MONTH, F_DOW, F_YEAR, F_N };

static const struct {
    const char *name;
    int lo, hi;
} fields[F_N] = {
    {"seconds", 0, 59},
    {"minutes", 0, 59},
    {"hours", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12},
    {"day-of-week", 1, 7},
    {"year", CRON_YEAR_MIN, CRON_YEAR_MAX},
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR",
                                          "MAY", "JUN", "JUL", "AUG",
                                          "SEP", "OCT", "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED",
                                        "THU", "FRI", "SAT"};

struct bits {
    uint64_t w[3]; /* bit v - fields[f].lo */
};

static void bit_set(struct bits *b, int f, int v)
{
    int k = v - fields[f].lo;
    b->w[k / 64] |= (uint64_t)1 << (k % 64);
}

static bool bit_has(const uint64_t *w, int f, int v)
{
    int k = v - fields[f].lo;
    return (w[k / 64] >> (k % 64)) & 1;
}

/* A value of field f at *p (a number, or a month / day name): advances *p;
 * false with err. */
static bool value(int f, const char **p, int *out, char *err, size_t errlen)
{
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long v = 0;
        int n = 0;
        while (isdigit((unsigned char)s[n])) {
            if (n >= 4) {
                snprintf(err, errlen, "%s: the number '%.8s...' is too long",
                         fields[f].name, s);
                return false;
            }
            v = v * 10 + (s[n] - '0');
            n++;
        }
        if (v < fields[f].lo || v > fields[f].hi) {
            snprintf(err, errlen, "%s: %ld is out of range %d-%d",
                     fields[f].name, v, fields[f].lo, fields[f].hi);
            return false;
        }
        *out = (int)v;
        *p = s + n;
        return true;
    }
    if ((f == F_MONTH || f == F_DOW) && isalpha((unsigned char)s[0]) &&
        isalpha((unsigned char)s[1]) && isalpha((unsigned char)s[2])) {
        const char *const *names = f == F_MONTH ? month_names : day_names;
        int nn = f == F_MONTH ? 12 : 7;
        for (int i = 0; i < nn; i++)
            if (strncasecmp(s, names[i], 3) == 0) {
                *out = i + 1;
                *p = s + 3;
                return true;
            }
        snprintf(err, errlen, "%s: unknown name '%.3s'", fields[f].name, s);
        return false;
    }
    snprintf(err, errlen, "%s: expected a %s at '%.16s'", fields[f].name,
             f == F_MONTH ? "number or month name"
             : f == F_DOW ? "number or day name"
                          : "number",
             *s ? s : "(end)");
    return false;
}

/* One list item: '*' | v | v-v, optionally /step. */
static bool item(int f, const char *s, struct bits *b, char *err, size_t errlen)
{
    int lo = fields[f].lo, hi = fields[f].hi, step = 1;
    bool range = false;
    const char *p = s;
    if (*p == '*') {
        p++;
        range = true;
    } else {
        if (!value(f, &p, &lo, err, errlen))
            return false;
        hi = lo;
        if (*p == '-') {
            p++;
            if (!value(f, &p, &hi, err, errlen))
                return false;
            range = true;
        }
    }
    if (*p == '/') {
        p++;
        if (!isdigit((unsigned char)*p)) {
            snprintf(err, errlen, "%s: expected a step after '/'",
                     fields[f].name);
            return false;
        }
        long v = 0;
        int n = 0;
        while (isdigit((unsigned char)p[n]) && n < 5)
            v = v * 10 + (p[n++] - '0');
        p += n;
        int maxstep = fields[f].hi;
        if (f == F_YEAR)
            maxstep = CRON_YEAR_MAX - CRON_YEAR_MIN;
        if (v < 1 || v > maxstep) {
            snprintf(err, errlen, "%s: the step %ld is out of range 1-%d",
                     fields[f].name, v, maxstep);
            return false;
        }
        step = (int)v;
        if (!range)
            hi = fields[f].hi; /* "5/10": from 5 on */
    }
    if (*p) {
        snprintf(err, errlen, "%s: unexpected '%.16s'", fields[f].name, p);
        return false;
    }
    int span = fields[f].hi - fields[f].lo + 1;
    if (lo > hi && f == F_YEAR) {
        snprintf(err, errlen, "%s: the range %d-%d goes backwards",
                 fields[f].name, lo, hi);
        return false;
    }
    /* a range may wrap (FRI-MON, 22-2) */
    int count = lo <= hi ? hi - lo + 1 : span - (lo - hi) + 1;
    for (int k = 0; k < count; k += step) {
        int v = lo + k;
        if (v > fields[f].hi)
            v -= span;
        bit_set(b, f, v);
    }
    return true;
}

/* Day-of-month specials (the whole field): L, L-n, LW, nW. 1: parsed, 0:
 * not one, -1: bad (err). */
static int dom_special(const char *s, struct bulk_cron *c, char *err,
                       size_t errlen)
{
    if (!strchr(s, 'L') && !strchr(s, 'l') && !strchr(s, 'W') &&
        !strchr(s, 'w'))
        return 0;
    if (strcasecmp(s, "L") == 0 || strcasecmp(s, "LW") == 0) {
        c->dom_last = true;
        c->dom_last_wd = s[1] != '\0';
        return 1;
    }
    if ((s[0] == 'L' || s[0] == 'l') && s[1] == '-') {
        const char *p = s + 2;
        int n = 0, k = 0;
        while (isdigit((unsigned char)p[k]) && k < 3)
            n = n * 10 + (p[k++] - '0');
        if (k == 0 || p[k] || n > 30) {
            snprintf(err, errlen,
                     "day-of-month: 'L-n' needs n from 0 to 30, not '%.16s'",
                     s);
            return -1;
        }
        c->dom_last = true;
        c->dom_last_off = n;
        return 1;
    }
    const char *p = s;
    int n = 0, k = 0;
    while (isdigit((unsigned char)p[k]) && k < 3)
        n = n * 10 + (p[k++] - '0');
    if (k > 0 && (p[k] == 'W' || p[k] == 'w') && !p[k + 1]) {
        if (n < 1 || n > 31) {
            snprintf(err, errlen, "day-of-month: %d is out of range 1-31", n);
            return -1;
        }
        c->dom_near_wd = n;
        return 1;
    }
    snprintf(err, errlen,
             "day-of-month: 'L' and 'W' stand alone (L, L-n, LW, nW), not in "
             "'%.16s'",
             s);
    return -1;
}

/* Day-of-week specials (the whole field): L, nL, n#k. */
static int dow_special(const char *s, struct bulk_cron *c, char *err,
                       size_t errlen)
{
    const char *hash = strchr(s, '#');
    size_t n = strlen(s);
    bool last = n > 0 && (s[n - 1] == 'L' || s[n - 1] == 'l');
    if (!hash && !last)
        return 0;
    if (strcasecmp(s, "L") == 0) {
        c->dow = 1u << 7; /* Saturday, as Quartz */
        return 1;
    }
    const char *p = s;
    int d;
    if (!value(F_DOW, &p, &d, err, errlen))
        return -1;
    if (last && p == s + n - 1) {
        c->dow_last = d;
        return 1;
    }
    if (*p == '#' && p[1] >= '1' && p[1] <= '5' && !p[2]) {
        c->dow_nth_day = d;
        c->dow_nth = p[1] - '0';
        return 1;
    }
    snprintf(err, errlen,
             "day-of-week: 'L' and '#' stand alone (L, nL, n#k with k 1-5), "
             "not in '%.16s'",
             s);
    return -1;
}

static bool field(int f, const char *s, struct bulk_cron *c, bool *any,
                  char *err, size_t errlen)
{
    *any = false;
    if (strcmp(s, "?") == 0) {
        if (f != F_DOM && f != F_DOW) {
            snprintf(err, errlen,
                     "%s: '?' is only for day-of-month and "
                     "day-of-week",
                     fields[f].name);
            return false;
        }
        *any = true;
        return true;
    }
    if (f == F_DOM || f == F_DOW) {
        int r = f == F_DOM ? dom_special(s, c, err, errlen)
                           : dow_special(s, c, err, errlen);
        if (r)
            return r > 0;
    }
    struct bits b;
    memset(&b, 0, sizeof(b));
    char buf[FIELD_MAX];
    size_t n = strlen(s);
    if (n >= sizeof(buf)) {
        snprintf(err, errlen, "%s: too long", fields[f].name);
        return false;
    }
    memcpy(buf, s, n + 1);
    int items = 0;
    for (char *it = buf, *comma; it; it = comma ? comma + 1 : NULL) {
        comma = strchr(it, ',');
        if (comma)
            *comma = '\0';
        if (!*it) {
            snprintf(err, errlen, "%s: an empty list item", fields[f].name);
            return false;
        }
        if (++items > ITEMS_MAX) {
            snprintf(err, errlen, "%s: more than %d list items", fields[f].name,
                     ITEMS_MAX);
            return false;
        }
        if (strchr(it, '?')) {
            snprintf(err, errlen, "%s: '?' stands alone", fields[f].name);
            return false;
        }
        if (!item(f, it, &b, err, errlen))
            return false;
    }
    switch (f) {
    case F_SEC: c->sec = b.w[0]; break;
    case F_MIN: c->min = b.w[0]; break;
    case F_HOUR: c->hour = (uint32_t)b.w[0]; break;
    case F_DOM: c->dom = (uint32_t)(b.w[0] << 1); break;
    case F_MONTH: c->month = (uint16_t)(b.w[0] << 1); break;
    case F_DOW: c->dow = (uint8_t)(b.w[0] << 1); break;
    default: memcpy(c->year, b.w, sizeof(c->year));
    }
    return true;
}

enum ed_err bulk_cron_parse(const char *expr, struct bulk_cron *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!expr) {
        snprintf(err, errlen, "an empty expression");
        return ED_ERR_INVALID;
    }
    char toks[F_N][FIELD_MAX];
    int n = 0;
    const char *p = expr;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t k = 0;
        while (p[k] && p[k] != ' ' && p[k] != '\t')
            k++;
        if (n == F_N) {
            snprintf(err, errlen,
                     "expected 6 or 7 fields (seconds minutes hours "
                     "day-of-month month day-of-week [year]), got more");
            return ED_ERR_INVALID;
        }
        if (k >= FIELD_MAX) {
            snprintf(err, errlen, "%s: too long", fields[n].name);
            return ED_ERR_INVALID;
        }
        memcpy(toks[n], p, k);
        toks[n][k] = '\0';
        n++;
        p += k;
    }
    if (n < 6) {
        snprintf(err, errlen,
                 "expected 6 or 7 fields (seconds minutes hours day-of-month "
                 "month day-of-week [year]), got %d",
                 n);
        return ED_ERR_INVALID;
    }
    bool dom_any = false, dow_any = false, any;
    for (int f = 0; f < n; f++) {
        if (!field(f, toks[f], out, &any, err, errlen))
            return ED_ERR_INVALID;
        if (f == F_DOM)
            dom_any = any;
        if (f == F_DOW)
            dow_any = any;
    }
    if (n == 6)
        for (int y = CRON_YEAR_MIN; y <= CRON_YEAR_MAX; y++) {
            int k = y - CRON_YEAR_MIN;
            out->year[k / 64] |= (uint64_t)1 << (k % 64);
        }
    if (dom_any == dow_any) {
        snprintf(err, errlen,
                 "day-of-week: exactly one of day-of-month and day-of-week "
                 "must be '?' (as in Quartz)");
        return ED_ERR_INVALID;
    }
    out->dom_any = dom_any;
    return ED_OK;
}

/* --- next fire time ---------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* 1 = Sunday .. 7 = Saturday */
static int weekday(int y, int m, int d)
{
    int64_t z = days_from_civil(y, m, d);
    int w = (int)((z % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    return w + 1;
}

static bool day_ok(const struct bulk_cron *c, int y, int m, int d)
{
    int dim = days_in(y, m);
    if (!c->dom_any) {
        if (c->dom_last && c->dom_last_wd) {
            int t = dim, w = weekday(y, m, dim);
            if (w == 7)
                t -= 1;
            else if (w == 1)
                t -= 2;
            return d == t;
        }
        if (c->dom_last)
            return d == dim - c->dom_last_off;
        if (c->dom_near_wd) {
            int n = c->dom_near_wd;
            if (n > dim)
                return false;
            int t = n, w = weekday(y, m, n);
            if (w == 7)
                t = n == 1 ? 3 : n - 1;
            else if (w == 1)
                t = n == dim ? n - 2 : n + 1;
            return d == t;
        }
        return (c->dom >> d) & 1;
    }
    int w = weekday(y, m, d);
    if (c->dow_last)
        return w == c->dow_last && d + 7 > dim;
    if (c->dow_nth)
        return w == c->dow_nth_day && (d - 1) / 7 + 1 == c->dow_nth;
    return (c->dow >> w) & 1;
}

bool bulk_cron_next(const struct bulk_cron *c, int64_t after, int64_t *next)
{
    int64_t t = after < 0 ? 0 : after + 1;
    int64_t days = t / 86400, secs = t % 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    int hh = (int)(secs / 3600), mm = (int)(secs % 3600 / 60),
        ss = (int)(secs % 60);
    /* each pass either matches or moves a field on (and resets the finer
     * ones); the coarse fields move at most 130 * (12 + 31) times */
    for (long guard = 0; guard < 2000000; guard++) {
        if (y > CRON_YEAR_MAX)
            return false;
        if (!bit_has(c->year, F_YEAR, y)) {
            y++, m = 1, d = 1, hh = mm = ss = 0;
            continue;
        }
        if (!((c->month >> m) & 1)) {
            if (++m > 12)
                y++, m = 1;
            d = 1, hh = mm = ss = 0;
            continue;
        }
        if (!day_ok(c, y, m, d)) {
            if (++d > days_in(y, m)) {
                d = 1;
                if (++m > 12)
                    y++, m = 1;
            }
            hh = mm = ss = 0;
            continue;
        }
        if (!((c->hour >> hh) & 1)) {
            mm = ss = 0;
            if (++hh > 23) {
                hh = 0;
                if (++d > days_in(y, m)) {
                    d = 1;
                    if (++m > 12)
                        y++, m = 1;
                }
            }
            continue;
        }
        if (!((c->min >> mm) & 1)) {
            ss = 0;
            if (++mm > 59) {
                mm = 0;
                if (++hh > 23) {
                    hh = 0;
                    if (++d > days_in(y, m)) {
                        d = 1;
                        if (++m > 12)
                            y++, m = 1;
                    }
                }
            }
            continue;
        }
        if (!((c->sec >> ss) & 1)) {
            if (++ss > 59) {
                ss = 0;
                if (++mm > 59) {
                    mm = 0;
                    if (++hh > 23) {
                        hh = 0;
                        if (++d > days_in(y, m)) {
                            d = 1;
                            if (++m > 12)
                                y++, m = 1;
                        }
                    }
                }
            }
            continue;
        }
        *next = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
        return true;
    }
    return false;
}
