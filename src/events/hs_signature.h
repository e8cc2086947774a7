/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_HS_SIGNATURE_H
#define ED_EVENTS_HS_SIGNATURE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* HubSpot's webhook request signatures (spec hubspot.md §5):
 * - v3: X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client secret,
 *   METHOD + URI + body + X-HubSpot-Request-Timestamp)), the URI with only
 *   %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B decoded; refused when
 *   the timestamp is more than 5 minutes away from now;
 * - v2 (X-HubSpot-Signature-Version: v2): X-HubSpot-Signature = hex
 *   SHA-256(secret + METHOD + URI + body);
 * - v1 (version v1 or absent): hex SHA-256(secret + body).
 * v3 is checked when its header is present (HubSpot sends v1 and v3
 * together), else v1/v2. Comparisons are constant-time. */

#define HS_SIG_MAX_SKEW_MS (5 * 60 * 1000)

enum hs_sig_check {
    HS_SIG_OK,      /* the headers are usable: try secrets */
    HS_SIG_MISSING, /* no signature header */
    HS_SIG_NO_TS,   /* v3 without a (numeric) timestamp */
    HS_SIG_STALE,   /* v3 timestamp more than 5 minutes off */
    HS_SIG_VERSION, /* unknown X-HubSpot-Signature-Version */
};

struct hs_sig_input {
    const char *method; /* "POST" */
    const char *uri;    /* the URL HubSpot called */
    const char *body;
    size_t body_len;
    const char *version;   /* X-HubSpot-Signature-Version (or NULL) */
    const char *sig;       /* X-HubSpot-Signature (or NULL) */
    const char *sig_v3;    /* X-HubSpot-Signature-v3 (or NULL) */
    const char *timestamp; /* X-HubSpot-Request-Timestamp (or NULL) */
};

/* What can be told without a secret (headers present, timestamp fresh). */
enum hs_sig_check hs_sig_precheck(const struct hs_sig_input *in,
                                  int64_t now_ms);
/* Whether the request is signed with `secret` (after HS_SIG_OK). */
bool hs_sig_verify(const struct hs_sig_input *in, const char *secret);
/* The name of the signature scheme checked: "v1", "v2" or "v3". */
const char *hs_sig_scheme(const struct hs_sig_input *in);

#endif
