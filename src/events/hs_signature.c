/* SPDX-License-Identifier: MIT
 * HubSpot webhook signatures (see hs_signature.h). */
#include "events/hs_signature.h"

#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "core/buf.h"
#include "core/strparse.h"
#include "crypto/crypto.h"

static bool is_v3(const struct hs_sig_input *in)
{
    return in->sig_v3 && *in->sig_v3;
}

static bool is_v2(const struct hs_sig_input *in)
{
    return in->version && strcmp(in->version, "v2") == 0;
}

const char *hs_sig_scheme(const struct hs_sig_input *in)
{
    return is_v3(in) ? "v3" : is_v2(in) ? "v2" : "v1";
}

enum hs_sig_check hs_sig_precheck(const struct hs_sig_input *in, int64_t now_ms)
{
    if (is_v3(in)) {
        int64_t ts;
        if (!in->timestamp || !ed_parse_i64(in->timestamp, &ts))
            return HS_SIG_NO_TS;
        if (ts < now_ms - HS_SIG_MAX_SKEW_MS ||
            ts > now_ms + HS_SIG_MAX_SKEW_MS)
            return HS_SIG_STALE;
        return HS_SIG_OK;
    }
    if (!in->sig || !*in->sig)
        return HS_SIG_MISSING;
    if (in->version && *in->version && strcmp(in->version, "v1") != 0 &&
        strcmp(in->version, "v2") != 0)
        return HS_SIG_VERSION;
    return HS_SIG_OK;
}

/* HubSpot's rule: decode only these escapes in the URI before hashing. */
static void uri_for_v3(const char *uri, struct ed_buf *out)
{
    static const char *const esc[][2] = {
        {"%3A", ":"}, {"%2F", "/"}, {"%3F", "?"}, {"%40", "@"},
        {"%21", "!"}, {"%24", "$"}, {"%27", "'"}, {"%28", "("},
        {"%29", ")"}, {"%2A", "*"}, {"%2C", ","}, {"%3B", ";"},
    };
    for (const char *p = uri; *p;) {
        bool done = false;
        if (*p == '%' && p[1] && p[2]) {
            for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
                if (strncasecmp(p, esc[i][0], 3) == 0) {
                    ed_buf_append(out, esc[i][1], 1);
                    p += 3;
                    done = true;
                    break;
                }
            }
        }
        if (!done)
            ed_buf_append(out, p++, 1);
    }
}

static void hex_lower(const uint8_t *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = 0;
}

bool hs_sig_verify(const struct hs_sig_input *in, const char *secret)
{
    struct ed_buf m;
    uint8_t d[32];
    bool ok = false;
    if (!secret || !*secret)
        return false;
    ed_buf_init(&m, SIZE_MAX / 2); /* bounded by the body cap */
    if (is_v3(in)) {
        ed_buf_appends(&m, in->method);
        uri_for_v3(in->uri, &m);
        ed_buf_append(&m, in->body, in->body_len);
        ed_buf_appends(&m, in->timestamp);
        crypto_hmac_sha256(secret, strlen(secret), m.data, m.len, d);
        char *b64 = crypto_b64(d, sizeof(d));
        ok = crypto_ct_streq(b64, in->sig_v3);
        free(b64);
    } else {
        char hex[65], given[65];
        size_t n = strlen(in->sig);
        ed_buf_appends(&m, secret);
        if (is_v2(in)) {
            ed_buf_appends(&m, in->method);
            ed_buf_appends(&m, in->uri);
        }
        ed_buf_append(&m, in->body, in->body_len);
        crypto_sha256(m.data, m.len, d);
        hex_lower(d, sizeof(d), hex);
        if (n == 64) {
            for (size_t i = 0; i <= n; i++) {
                char c = in->sig[i];
                given[i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
            }
            ok = crypto_ct_streq(hex, given);
        }
    }
    if (m.data)
        memset(m.data, 0, m.len);
    ed_buf_cleanup(&m);
    return ok;
}
