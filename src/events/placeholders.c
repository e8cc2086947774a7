/* SPDX-License-Identifier: MIT
 * Poller URL placeholders and record dates (see placeholders.h). */
#include "events/placeholders.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"

static const char *const MONTHS[] = {"January", "February", "March",
                                     "April",   "May",      "June",
                                     "July",    "August",   "September",
                                     "October", "November", "December"};
static const char *const DAYS[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                   "Thursday", "Friday", "Saturday"};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool append(char *out, size_t n, size_t *o, const char *s, size_t len)
{
    if (*o + len >= n)
        return false;
    memcpy(out + *o, s, len);
    *o += len;
    out[*o] = '\0';
    return true;
}

static bool append_num(char *out, size_t n, size_t *o, long v, int width)
{
    char b[32];
    int k = snprintf(b, sizeof(b), "%0*ld", width, v);
    return k > 0 && append(out, n, o, b, (size_t)k);
}

static bool append_zone(char *out, size_t n, size_t *o, long off_s, int count,
                        char letter)
{
    char b[16];
    long a = off_s < 0 ? -off_s : off_s;
    if (letter == 'X' && off_s == 0)
        return append(out, n, o, "Z", 1);
    int k = snprintf(b, sizeof(b),
                     (letter == 'X' && count >= 3) ? "%c%02ld:%02ld"
                                                   : "%c%02ld%02ld",
                     off_s < 0 ? '-' : '+', a / 3600, (a % 3600) / 60);
    if (letter == 'X' && count == 1)
        k = 3; /* +HH */
    return k > 0 && append(out, n, o, b, (size_t)k);
}

bool events_format_date(const char *pattern, int64_t t_ms, bool gmt, char *out,
                        size_t n)
{
    struct tm tm;
    time_t t = (time_t)floor_div(t_ms, 1000);
    long ms = (long)(t_ms - (int64_t)t * 1000);
    long off = 0;
    const char *zname = "UTC";
    size_t o = 0;
    if (gmt) {
        gmtime_r(&t, &tm);
    } else {
        localtime_r(&t, &tm);
        off = tm.tm_gmtoff;
        zname = tm.tm_zone ? tm.tm_zone : "UTC";
    }
    if (n == 0)
        return false;
    out[0] = '\0';
    for (const char *p = pattern; *p;) {
        char c = *p;
        if (c == '\'') {
            if (p[1] == '\'') { /* '' is a quote */
                if (!append(out, n, &o, "'", 1))
                    return false;
                p += 2;
                continue;
            }
            const char *e = p + 1;
            while (*e && !(e[0] == '\'' && e[1] != '\''))
                e += e[0] == '\'' ? 2 : 1;
            for (const char *q = p + 1; q < e; q++) {
                if (!append(out, n, &o, q, 1))
                    return false;
                if (*q == '\'')
                    q++;
            }
            p = *e ? e + 1 : e;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            if (!append(out, n, &o, p, 1))
                return false;
            p++;
            continue;
        }
        int count = 0;
        while (p[count] == c)
            count++;
        p += count;
        bool ok;
        switch (c) {
        case 'y':
            ok = count == 2
                     ? append_num(out, n, &o, (tm.tm_year + 1900) % 100, 2)
                     : append_num(out, n, &o, tm.tm_year + 1900,
                                  count < 4 ? count : 4);
            break;
        case 'M':
            if (count >= 4)
                ok = append(out, n, &o, MONTHS[tm.tm_mon],
                            strlen(MONTHS[tm.tm_mon]));
            else if (count == 3)
                ok = append(out, n, &o, MONTHS[tm.tm_mon], 3);
            else
                ok = append_num(out, n, &o, tm.tm_mon + 1, count);
            break;
        case 'd': ok = append_num(out, n, &o, tm.tm_mday, count); break;
        case 'H': ok = append_num(out, n, &o, tm.tm_hour, count); break;
        case 'h':
            ok = append_num(out, n, &o,
                            tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12, count);
            break;
        case 'm': ok = append_num(out, n, &o, tm.tm_min, count); break;
        case 's': ok = append_num(out, n, &o, tm.tm_sec, count); break;
        case 'S': ok = append_num(out, n, &o, ms, count < 3 ? 3 : count); break;
        case 'a':
            ok = append(out, n, &o, tm.tm_hour < 12 ? "AM" : "PM", 2);
            break;
        case 'E':
            ok = append(out, n, &o, DAYS[tm.tm_wday],
                        count >= 4 ? strlen(DAYS[tm.tm_wday]) : 3);
            break;
        case 'Z':
        case 'X': ok = append_zone(out, n, &o, off, count, c); break;
        case 'z': ok = append(out, n, &o, zname, strlen(zname)); break;
        default: return false;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* Query-safe: keep what a query value may hold unencoded. */
static void append_value(struct ed_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || strchr("-._~:", c)) {
            ed_buf_append(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            ed_buf_append(b, e, 3);
        }
    }
}

char *events_expand_url(const char *tmpl, int64_t t_ms, char *why,
                        size_t whylen)
{
    struct ed_buf b;
    char val[256];
    ed_buf_init(&b, 8192);
    for (const char *p = tmpl; *p;) {
        if (p[0] != '$' || p[1] != '{') {
            ed_buf_append(&b, p, 1);
            p++;
            continue;
        }
        const char *e = strchr(p + 2, '}');
        if (!e) {
            snprintf(why, whylen, "unterminated placeholder in %s", tmpl);
            goto fail;
        }
        char name[200];
        size_t len = (size_t)(e - (p + 2));
        if (len >= sizeof(name)) {
            snprintf(why, whylen, "placeholder too long in %s", tmpl);
            goto fail;
        }
        memcpy(name, p + 2, len);
        name[len] = '\0';
        if (strcmp(name, "date") == 0 || strcmp(name, "epoch") == 0 ||
            strcmp(name, "epoch:ms") == 0) {
            snprintf(val, sizeof(val), "%lld", (long long)t_ms);
        } else if (strcmp(name, "epoch:s") == 0) {
            snprintf(val, sizeof(val), "%lld",
                     (long long)floor_div(t_ms, 1000));
        } else if (strcmp(name, "epoch:us") == 0) {
            snprintf(val, sizeof(val), "%lld", (long long)t_ms * 1000);
        } else if (strncmp(name, "gmtDate:", 8) == 0 ||
                   strncmp(name, "date:", 5) == 0) {
            bool gmt = name[0] == 'g';
            const char *pat = name + (gmt ? 8 : 5);
            if (!*pat ||
                !events_format_date(pat, t_ms, gmt, val, sizeof(val))) {
                snprintf(why, whylen, "unsupported date pattern in ${%s}",
                         name);
                goto fail;
            }
        } else {
            snprintf(why, whylen, "unknown placeholder ${%s}", name);
            goto fail;
        }
        append_value(&b, val);
        p = e + 1;
    }
    char *res = ed_strdup(b.data ? b.data : "");
    ed_buf_cleanup(&b);
    return res;
fail:
    ed_buf_cleanup(&b);
    return NULL;
}

/* "UTC", "GMT", "Z", "+05:30", "-8:00", "+0530", "-8": offset seconds. */
static bool zone_offset(const char *tz, long *off)
{
    *off = 0;
    if (!tz || !*tz || ed_strcaseeq(tz, "UTC") || ed_strcaseeq(tz, "GMT") ||
        strcmp(tz, "Z") == 0)
        return true;
    if (ed_strcaseprefix(tz, "GMT") || ed_strcaseprefix(tz, "UTC"))
        tz += 3;
    if (*tz != '+' && *tz != '-')
        return false;
    int sign = *tz == '-' ? -1 : 1;
    const char *p = tz + 1;
    long h = 0, m = 0;
    int nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 2) {
        h = h * 10 + (*p - '0');
        p++;
        nd++;
    }
    if (nd == 0)
        return false;
    if (*p == ':')
        p++;
    nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 2) {
        m = m * 10 + (*p - '0');
        p++;
        nd++;
    }
    if (*p)
        return false;
    *off = sign * (h * 3600 + m * 60);
    return true;
}

static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool iso_parse(const char *s, const char *tz, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    long frac = 0, off = 0;
    const char *p = s;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
        *p++ != '-' || !digits(&p, 2, &d))
        return false;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') {
                p++;
                int nd = 0;
                while (*p >= '0' && *p <= '9') {
                    if (nd < 3)
                        frac = frac * 10 + (*p - '0');
                    nd++;
                    p++;
                }
                for (; nd < 3; nd++)
                    frac *= 10;
            }
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    if (*p) {
        if (!zone_offset(p, &off))
            return false;
    } else if (!zone_offset(tz, &off)) {
        return false;
    }
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                   sec - off;
    *ms = secs * 1000 + frac;
    return true;
}

bool events_date_value(json_t *v, const char *format, const char *tz,
                       int64_t *ms)
{
    bool secs = format && (ed_strcaseeq(format, "seconds") ||
                           ed_strcaseeq(format, "epoch:s"));
    if (json_is_integer(v)) {
        *ms = json_integer_value(v) * (secs ? 1000 : 1);
        return true;
    }
    if (json_is_real(v)) {
        *ms = (int64_t)(json_real_value(v) * (secs ? 1000.0 : 1.0));
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    int64_t n;
    if (*s && ed_all_digits(s) && ed_parse_i64(s, &n)) {
        *ms = n * (secs ? 1000 : 1);
        return true;
    }
    return iso_parse(s, tz, ms);
}
