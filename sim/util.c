/* SPDX-License-Identifier: MIT */
/*
 * Leaf helpers for hubspot-sim: logging, abort-on-OOM allocation, capped
 * buffers, name/value lists, form and percent decoding, strict number and
 * ISO-8601 parsers, UTF-8 repair, time formatting and randomness. Nothing
 * here knows about
 * requests or state. Every parser is bounded: untrusted input only ever goes
 * through these functions (scripts/check-banned.sh keeps atoi, strtol,
 * strtod, sscanf and friends out of the simulator).
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static enum sim_log_level log_level = SIM_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void sim_log_set_level(enum sim_log_level level)
{
    log_level = level;
}

void sim_log(enum sim_log_level level, const char *fmt, ...)
{
    char ts[32];
    char line[2048];
    va_list ap;

    if (level > log_level)
        return;
    sim_iso_ms(sim_wall_ms(), ts);
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "ts=%s level=%s %s\n", ts, level_names[level], line);
}

void *sim_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        abort();
    return p;
}

void *sim_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        abort();
    return p;
}

void *sim_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        abort();
    return q;
}

char *sim_xstrdup(const char *s)
{
    return sim_xstrndup(s, strlen(s));
}

char *sim_xstrndup(const char *s, size_t n)
{
    char *p = sim_xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sim_buf_init(struct sim_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void sim_buf_cleanup(struct sim_buf *b)
{
    free(b->data);
    sim_buf_init(b, b->max);
}

int sim_buf_append(struct sim_buf *b, const char *s, size_t n)
{
    size_t want;

    if (n > b->max || b->len > b->max - n)
        return -1;
    want = b->len + n + 1;
    if (want > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;

        while (ncap < want)
            ncap *= 2;
        b->data = sim_xrealloc(b->data, ncap);
        b->cap = ncap;
    }
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sim_buf_puts(struct sim_buf *b, const char *s)
{
    return sim_buf_append(b, s, strlen(s));
}

int sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
{
    char small[1024];
    char *big = NULL;
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small))
        return sim_buf_append(b, small, (size_t)n);
    big = sim_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rc = sim_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

int sim_buf_urlenc(struct sim_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            if (sim_buf_append(b, (const char *)&c, 1))
                return -1;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};

            if (sim_buf_append(b, e, 3))
                return -1;
        }
    }
    return 0;
}

int sim_buf_html(struct sim_buf *b, const char *s)
{
    for (; *s; s++) {
        const char *e = NULL;

        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: break;
        }
        if (e ? sim_buf_puts(b, e) : sim_buf_append(b, s, 1))
            return -1;
    }
    return 0;
}

char *sim_buf_take(struct sim_buf *b)
{
    char *p = b->data ? b->data : sim_xstrdup("");

    sim_buf_init(b, b->max);
    return p;
}

void sim_kv_add(struct sim_kvlist *l, const char *name, size_t nlen,
                const char *value, size_t vlen)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = sim_xrealloc(l->items, l->cap * sizeof(*l->items));
    }
    l->items[l->n].name = sim_xstrndup(name, nlen);
    l->items[l->n].value = sim_xstrndup(value ? value : "", value ? vlen : 0);
    l->n++;
}

const char *sim_kv_get(const struct sim_kvlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return l->items[i].value;
    return NULL;
}

const char *sim_kv_geti(const struct sim_kvlist *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (sim_str_ieq(l->items[i].name, name))
            return l->items[i].value;
    return NULL;
}

void sim_kv_cleanup(struct sim_kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].value);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t sim_url_decode(const char *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    if (cap == 0)
        return (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n) {
            int h = hexval(in[i + 1]), l = hexval(in[i + 2]);

            if (h >= 0 && l >= 0) {
                c = (char)(h * 16 + l);
                i += 2;
            }
        }
        if (o + 1 >= cap) {
            out[o] = '\0';
            return (size_t)-1;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return o;
}

void sim_form_parse(struct sim_kvlist *l, const char *body, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t end = i, eq;
        char *name, *value;
        size_t nlen, vlen;

        while (end < len && body[end] != '&')
            end++;
        eq = i;
        while (eq < end && body[eq] != '=')
            eq++;
        if (end > i) {
            name = sim_xmalloc(eq - i + 1);
            nlen = sim_url_decode(body + i, eq - i, name, eq - i + 1);
            value = sim_xmalloc(end - eq + 1);
            vlen = eq < end ? sim_url_decode(body + eq + 1, end - eq - 1, value,
                                             end - eq + 1)
                            : 0;
            if (eq >= end)
                value[0] = '\0';
            if (nlen != (size_t)-1 && vlen != (size_t)-1)
                sim_kv_add(l, name, nlen, value, vlen);
            free(name);
            free(value);
        }
        i = end + 1;
    }
}

bool sim_parse_i64n(const char *s, size_t n, int64_t *out)
{
    bool neg = false;
    uint64_t v = 0;
    size_t i = 0;

    if (!s || n == 0)
        return false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
        if (n == 1)
            return false;
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > (UINT64_C(9223372036854775807) - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

bool sim_parse_i64(const char *s, int64_t *out)
{
    return s && sim_parse_i64n(s, strlen(s), out);
}

/* A decimal number, [+-]D[.D][(e|E)[+-]D] with at least one mantissa digit
 * ("5.", ".5" and "007" are fine, hex, inf, nan and spaces are not), is
 * rewritten in JSON's number grammar and read by jansson, so no strtod. */
#define NUM_MAX 64

static size_t skip_digits(const char *s, size_t i)
{
    while (s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

bool sim_parse_double(const char *s, double *out)
{
    char num[NUM_MAX + 8];
    size_t i = 0, o = 0, j;
    bool mantissa = false;
    json_error_t err;
    json_t *v;

    if (!s || strlen(s) > NUM_MAX)
        return false;
    if (s[i] == '+' || s[i] == '-')
        if (s[i++] == '-')
            num[o++] = '-';
    j = skip_digits(s, i);
    if (j > i) {
        mantissa = true;
        while (i + 1 < j && s[i] == '0') /* JSON has no leading zeros */
            i++;
        memcpy(num + o, s + i, j - i);
        o += j - i;
    } else {
        num[o++] = '0';
    }
    i = j;
    num[o++] = '.';
    if (s[i] == '.')
        i++;
    j = skip_digits(s, i);
    if (j > i) {
        mantissa = true;
        memcpy(num + o, s + i, j - i);
        o += j - i;
    } else {
        num[o++] = '0'; /* always a fraction: jansson then gives a real */
    }
    i = j;
    if (!mantissa)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        num[o++] = 'e';
        i++;
        if (s[i] == '+' || s[i] == '-')
            num[o++] = s[i++];
        j = skip_digits(s, i);
        if (j == i)
            return false;
        memcpy(num + o, s + i, j - i);
        o += j - i;
        i = j;
    }
    if (s[i])
        return false;
    num[o] = '\0';
    v = json_loads(num, JSON_DECODE_ANY, &err); /* NULL on overflow */
    if (!json_is_real(v) || !isfinite(json_real_value(v))) {
        json_decref(v);
        return false;
    }
    *out = json_real_value(v);
    json_decref(v);
    return true;
}

/* Reads exactly n digits at *p into *out and advances. */
static bool digits(const char **p, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        char c = (*p)[i];

        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

bool sim_parse_iso(const char *s, int64_t *ms)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, tzs = 0;
    const char *p = s;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (!s || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
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
            if (*p == '.') {
                int scale = 100;

                p++;
                if (*p < '0' || *p > '9')
                    return false;
                while (*p >= '0' && *p <= '9') {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                    p++;
                }
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, th, tm2 = 0;

            p++;
            if (!digits(&p, 2, &th))
                return false;
            if (*p == ':')
                p++;
            if (*p && !digits(&p, 2, &tm2))
                return false;
            tzs = sign * (th * 3600 + tm2 * 60);
        }
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    *ms = ((int64_t)t - tzs) * 1000 + frac;
    return true;
}

bool sim_parse_time(const char *s, int64_t *ms)
{
    return sim_parse_i64(s, ms) || sim_parse_iso(s, ms);
}

void sim_iso_ms(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)t * 1000);
    struct tm tm;
    char tmp[96];

    gmtime_r(&t, &tm);
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac);
    sim_strlcpy(out, tmp, 32);
}

int64_t sim_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sim_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

void sim_uuid(char out[37])
{
    unsigned char b[16];

    sim_random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
}

void sim_random_alnum(char *out, size_t n)
{
    static const char set[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char b[256];

    while (n > 0) {
        size_t chunk = n < sizeof(b) ? n : sizeof(b);

        sim_random_bytes(b, chunk);
        for (size_t i = 0; i < chunk; i++)
            *out++ = set[b[i] % 62];
        n -= chunk;
    }
    *out = '\0';
}

bool sim_str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

bool sim_str_prefix(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

void sim_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n;

    if (cap == 0)
        return;
    n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

const char *sim_json_scalar(const json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, cap, "%.15g", json_real_value(v));
        return buf;
    }
    if (json_is_boolean(v)) {
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
        return buf;
    }
    return NULL;
}

/* ---- UTF-8 ------------------------------------------------------------- */

size_t sim_utf8_seq(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    if (n == 0)
        return 0;
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xc2 && u[0] <= 0xdf)
        len = 2;
    else if (u[0] >= 0xe0 && u[0] <= 0xef)
        len = 3;
    else if (u[0] >= 0xf0 && u[0] <= 0xf4)
        len = 4;
    else
        return 0;
    /* the second byte's range excludes overlongs, surrogates and values
     * above U+10FFFF (Unicode table 3-7) */
    if (u[0] == 0xe0)
        lo = 0xa0;
    else if (u[0] == 0xed)
        hi = 0x9f;
    else if (u[0] == 0xf0)
        lo = 0x90;
    else if (u[0] == 0xf4)
        hi = 0x8f;
    if (n < len || u[1] < lo || u[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (u[i] < 0x80 || u[i] > 0xbf)
            return 0;
    return len;
}

char *sim_utf8_fix(const char *s, size_t n, size_t *len_out, bool *changed)
{
    /* worst case: every byte becomes the 3-byte U+FFFD */
    char *out = sim_xmalloc(n * 3 + 1);
    size_t i = 0, o = 0;
    bool fixed = false;

    while (i < n) {
        size_t k = sim_utf8_seq(s + i, n - i);

        if (k == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            fixed = true;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    if (len_out)
        *len_out = o;
    if (changed)
        *changed = fixed;
    return out;
}

size_t sim_utf8_cut(const char *s, size_t len, size_t n)
{
    size_t p = n;

    if (n >= len)
        return len;
    /* back to the lead byte of the sequence the cut falls in (if any) */
    while (p > 0 && n - p < 3 && ((unsigned char)s[p] & 0xc0) == 0x80)
        p--;
    if (p < n && sim_utf8_seq(s + p, len - p) > n - p)
        return p;
    return n;
}
