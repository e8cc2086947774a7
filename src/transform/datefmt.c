/* SPDX-License-Identifier: MIT
 * Date patterns for transformDate and ISO 8601, in UTC and without libc's
 * time zone machinery (no TZ, no locale, no locks): a pattern is compiled
 * once into tokens, and dates go to and from epoch milliseconds through
 * the proleptic Gregorian day count (Howard Hinnant's civil algorithms). */
#include "transform/datefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define MS_PER_DAY 86400000LL
#define MAX_TOKENS 32

struct tok {
    char letter; /* 0: literal */
    unsigned char count;
    unsigned char off, len; /* literal bytes in lits */
};

struct datefmt {
    char pattern[DATEFMT_MAX_PATTERN + 1];
    bool millis;
    size_t ntok;
    struct tok tok[MAX_TOKENS];
    char lits[DATEFMT_MAX_PATTERN + 1];
    size_t nlits;
};

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static unsigned days_in_month(int y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

struct parts {
    int year;
    unsigned month, day, hour, min, sec, ms;
};

static void split(int64_t ms, struct parts *p)
{
    int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    civil_from_days(days, &p->year, &p->month, &p->day);
    p->hour = (unsigned)(rem / 3600000);
    p->min = (unsigned)(rem / 60000 % 60);
    p->sec = (unsigned)(rem / 1000 % 60);
    p->ms = (unsigned)(rem % 1000);
}

/* Epoch ms of valid parts minus a zone offset in minutes; false when the
 * date does not exist. */
static bool join(const struct parts *p, int offset_min, int64_t *out)
{
    int64_t ms;
    if (p->year < 0 || p->year > 9999 || p->month < 1 || p->month > 12 ||
        p->day < 1 || p->day > days_in_month(p->year, p->month) ||
        p->hour > 23 || p->min > 59 || p->sec > 59 || p->ms > 999)
        return false;
    ms = days_from_civil(p->year, p->month, p->day) * MS_PER_DAY +
         (int64_t)p->hour * 3600000 + (int64_t)p->min * 60000 +
         (int64_t)p->sec * 1000 + p->ms - (int64_t)offset_min * 60000;
    if (ms < DATEFMT_MIN_MS || ms > DATEFMT_MAX_MS)
        return false;
    *out = ms;
    return true;
}

/* --- compile ------------------------------------------------------------- */

static bool lit_add(struct datefmt *f, char c)
{
    struct tok *t = f->ntok ? &f->tok[f->ntok - 1] : NULL;
    if (!t || t->letter) {
        if (f->ntok >= MAX_TOKENS)
            return false;
        t = &f->tok[f->ntok++];
        t->letter = 0;
        t->off = (unsigned char)f->nlits;
        t->len = 0;
    }
    f->lits[f->nlits++] = c;
    t->len++;
    return true;
}

struct datefmt *datefmt_compile(const char *pattern, char *err, size_t errlen)
{
    struct datefmt *f;
    size_t n = pattern ? strlen(pattern) : 0;

    if (n == 0 || n > DATEFMT_MAX_PATTERN) {
        snprintf(err, errlen, "pattern must be 1 to %d bytes",
                 DATEFMT_MAX_PATTERN);
        return NULL;
    }
    f = ed_calloc(1, sizeof(*f));
    memcpy(f->pattern, pattern, n + 1);
    if (strcmp(pattern, "milliseconds") == 0) {
        f->millis = true;
        return f;
    }
    for (size_t i = 0; i < n;) {
        char c = pattern[i];
        if (c == '\'') {
            if (i + 1 < n && pattern[i + 1] == '\'') {
                if (!lit_add(f, '\''))
                    goto too_long;
                i += 2;
                continue;
            }
            size_t j = i + 1;
            while (j < n && !(pattern[j] == '\'' &&
                              !(j + 1 < n && pattern[j + 1] == '\'')))
                j += pattern[j] == '\'' ? 2 : 1;
            if (j >= n) {
                snprintf(err, errlen, "pattern '%s': unclosed quote", pattern);
                goto fail;
            }
            for (size_t k = i + 1; k < j; k += pattern[k] == '\'' ? 2 : 1)
                if (!lit_add(f, pattern[k]))
                    goto too_long;
            i = j + 1;
            continue;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            size_t j = i;
            while (j < n && pattern[j] == c)
                j++;
            size_t count = j - i;
            if (!strchr("yMdHhmsSaXZ", c) || (c == 'S' && count > 3) ||
                (c == 'X' && count > 3) || (c == 'M' && count > 2) ||
                (c != 'y' && c != 'S' && c != 'X' && c != 'Z' && count > 2)) {
                snprintf(err, errlen,
                         "pattern '%s': unsupported letters '%.*s' (use "
                         "yyyy, yy, MM, dd, HH, hh, mm, ss, SSS, a, X, XXX, "
                         "Z and 'quoted' text)",
                         pattern, (int)count, pattern + i);
                goto fail;
            }
            if (f->ntok >= MAX_TOKENS)
                goto too_long;
            f->tok[f->ntok].letter = c;
            f->tok[f->ntok].count = (unsigned char)(count > 9 ? 9 : count);
            f->ntok++;
            i = j;
            continue;
        }
        if ((unsigned char)c < 0x20) {
            snprintf(err, errlen, "pattern: control character");
            goto fail;
        }
        if (!lit_add(f, c))
            goto too_long;
        i++;
    }
    return f;
too_long:
    snprintf(err, errlen, "pattern '%s': too many parts", pattern);
fail:
    free(f);
    return NULL;
}

void datefmt_free(struct datefmt *f)
{
    free(f);
}

const char *datefmt_pattern(const struct datefmt *f)
{
    return f->pattern;
}

bool datefmt_is_millis(const struct datefmt *f)
{
    return f->millis;
}

/* --- format -------------------------------------------------------------- */

struct out {
    char *buf;
    size_t n, len;
};

static void put(struct out *o, const char *s, size_t len)
{
    if (o->len + len < o->n) {
        memcpy(o->buf + o->len, s, len);
        o->len += len;
        o->buf[o->len] = '\0';
    } else {
        o->len = o->n; /* overflow: reported by the caller */
    }
}

/* v in decimal, zero-padded to width ("%0*u" without printf's cost: the
 * streamed fromVendor formats dates on the hot path of reads). */
static size_t fmt_num(char *tmp, size_t cap, unsigned v, unsigned width)
{
    size_t k = cap;
    do {
        tmp[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v && k > 0);
    while (k > 0 && cap - k < width)
        tmp[--k] = '0';
    return k;
}

static void put_num(struct out *o, unsigned v, unsigned width)
{
    char tmp[16];
    size_t k = fmt_num(tmp, sizeof(tmp), v, width);
    put(o, tmp + k, sizeof(tmp) - k);
}

bool datefmt_format(const struct datefmt *f, int64_t ms, char *buf, size_t n)
{
    struct parts p;
    struct out o = {buf, n, 0};

    if (f->millis || n == 0 || ms < DATEFMT_MIN_MS || ms > DATEFMT_MAX_MS)
        return false;
    buf[0] = '\0';
    split(ms, &p);
    for (size_t i = 0; i < f->ntok; i++) {
        const struct tok *t = &f->tok[i];
        switch (t->letter) {
        case 0: put(&o, f->lits + t->off, t->len); break;
        case 'y':
            if (t->count == 2)
                put_num(&o, (unsigned)p.year % 100, 2);
            else
                put_num(&o, (unsigned)p.year, t->count);
            break;
        case 'M': put_num(&o, p.month, t->count); break;
        case 'd': put_num(&o, p.day, t->count); break;
        case 'H': put_num(&o, p.hour, t->count); break;
        case 'h': put_num(&o, p.hour % 12 ? p.hour % 12 : 12, t->count); break;
        case 'm': put_num(&o, p.min, t->count); break;
        case 's': put_num(&o, p.sec, t->count); break;
        case 'S': put_num(&o, p.ms, t->count); break;
        case 'a': put(&o, p.hour < 12 ? "AM" : "PM", 2); break;
        case 'X': put(&o, "Z", 1); break;
        case 'Z': put(&o, "+0000", 5); break;
        }
    }
    return o.len < n;
}

bool datefmt_iso_format(int64_t ms, char *buf, size_t n)
{
    struct parts p;
    if (ms < DATEFMT_MIN_MS || ms > DATEFMT_MAX_MS || n < 25)
        return false;
    split(ms, &p);
    {
        const unsigned v[7] = {
            (unsigned)p.year, p.month, p.day, p.hour, p.min, p.sec, p.ms};
        static const unsigned width[7] = {4, 2, 2, 2, 2, 2, 3};
        static const char after[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
        size_t len = 0;
        for (int i = 0; i < 7; i++) {
            char tmp[8];
            size_t k = fmt_num(tmp, sizeof(tmp), v[i], width[i]);
            memcpy(buf + len, tmp + k, sizeof(tmp) - k);
            len += sizeof(tmp) - k;
            buf[len++] = after[i];
        }
        buf[len] = '\0';
    }
    return true;
}

/* --- parse --------------------------------------------------------------- */

/* Read min..max digits at *s. */
static bool num(const char **s, unsigned min, unsigned max, unsigned *v)
{
    unsigned k = 0, acc = 0;
    while (k < max && (*s)[k] >= '0' && (*s)[k] <= '9') {
        acc = acc * 10 + (unsigned)((*s)[k] - '0');
        k++;
    }
    if (k < min)
        return false;
    *s += k;
    *v = acc;
    return true;
}

/* Z, or +HH, +HHMM or +HH:MM as `form` allows (1, 2, 3; 0: any). */
static bool zone(const char **s, int form, bool z_ok, int *offset_min)
{
    const char *p = *s;
    unsigned hh, mm = 0;
    int sign;

    if (*p == 'Z' && z_ok) {
        *offset_min = 0;
        *s = p + 1;
        return true;
    }
    if (*p != '+' && *p != '-')
        return false;
    sign = *p == '-' ? -1 : 1;
    p++;
    if (!num(&p, 2, 2, &hh) || hh > 23)
        return false;
    if (form != 1) {
        bool colon = *p == ':';
        if (colon && (form == 0 || form == 3))
            p++;
        if ((colon && form == 2) || (!colon && form == 3))
            return false;
        if (!num(&p, 2, 2, &mm)) {
            if (form != 0 || colon)
                return false;
            mm = 0;
        }
        if (mm > 59)
            return false;
    }
    *offset_min = sign * (int)(hh * 60 + mm);
    *s = p;
    return true;
}

bool datefmt_parse(const struct datefmt *f, const char *s, int64_t *ms)
{
    struct parts p = {1970, 1, 1, 0, 0, 0, 0};
    unsigned v, h12 = 0;
    int offset = 0, pm = -1;
    bool have_h12 = false;

    if (f->millis || !s)
        return false;
    for (size_t i = 0; i < f->ntok; i++) {
        const struct tok *t = &f->tok[i];
        unsigned c = t->count;
        unsigned min = c == 1 ? 1 : c, max = c == 1 ? 2 : c;
        switch (t->letter) {
        case 0:
            if (strncmp(s, f->lits + t->off, t->len) != 0)
                return false;
            s += t->len;
            continue;
        case 'y':
            if (c == 2) {
                if (!num(&s, 2, 2, &v))
                    return false;
                v += 2000;
            } else if (!num(&s, c >= 4 ? c : 1, c >= 4 ? c : 4, &v)) {
                return false;
            }
            p.year = (int)v;
            continue;
        case 'S':
            if (!num(&s, c == 1 ? 1 : c, c == 1 ? 3 : c, &v))
                return false;
            p.ms = v;
            continue;
        case 'a':
            if ((s[0] == 'A' || s[0] == 'a') && (s[1] == 'M' || s[1] == 'm'))
                pm = 0;
            else if ((s[0] == 'P' || s[0] == 'p') &&
                     (s[1] == 'M' || s[1] == 'm'))
                pm = 1;
            else
                return false;
            s += 2;
            continue;
        case 'X':
            if (!zone(&s, c, true, &offset))
                return false;
            continue;
        case 'Z':
            if (!zone(&s, 2, true, &offset))
                return false;
            continue;
        }
        if (!num(&s, min, max, &v))
            return false;
        switch (t->letter) {
        case 'M': p.month = v; break;
        case 'd': p.day = v; break;
        case 'H': p.hour = v; break;
        case 'h':
            h12 = v;
            have_h12 = true;
            break;
        case 'm': p.min = v; break;
        case 's': p.sec = v; break;
        }
    }
    if (*s)
        return false;
    if (have_h12) {
        if (h12 < 1 || h12 > 12)
            return false;
        p.hour = h12 % 12 + (pm == 1 ? 12 : 0);
    }
    return join(&p, offset, ms);
}

bool datefmt_iso_parse(const char *s, int64_t *ms)
{
    struct parts p = {0, 1, 1, 0, 0, 0, 0};
    unsigned y;
    int offset = 0;

    if (!s || !num(&s, 4, 4, &y) || *s++ != '-' || !num(&s, 2, 2, &p.month) ||
        *s++ != '-' || !num(&s, 2, 2, &p.day))
        return false;
    p.year = (int)y;
    if (*s == 'T' || *s == ' ') {
        s++;
        if (!num(&s, 2, 2, &p.hour) || *s++ != ':' || !num(&s, 2, 2, &p.min))
            return false;
        if (*s == ':') {
            s++;
            if (!num(&s, 2, 2, &p.sec))
                return false;
            if (*s == '.' || *s == ',') {
                unsigned k = 0;
                s++;
                if (*s < '0' || *s > '9')
                    return false;
                for (; *s >= '0' && *s <= '9' && k < 9; s++, k++)
                    if (k < 3)
                        p.ms = p.ms * 10 + (unsigned)(*s - '0');
                for (; k < 3; k++)
                    p.ms *= 10;
            }
        }
        if (*s && !zone(&s, 0, true, &offset))
            return false;
    }
    if (*s)
        return false;
    return join(&p, offset, ms);
}
