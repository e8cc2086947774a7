/* SPDX-License-Identifier: MIT */
#ifndef ED_PROVIDER_H
#define ED_PROVIDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* Outbound HTTP to the provider (the only module that knows libcurl).
 * Requests are bounded: a timeout per call and a cap on the response body
 * (ED_ERR_TOO_LARGE past it). Each thread keeps its own curl handle, so
 * connections to HubSpot are reused across calls. */

#define PROVIDER_MAX_HEADERS 8

struct provider_request {
    const char *method;       /* "GET", "POST", ... */
    const char *url;          /* absolute URL */
    const char *content_type; /* NULL: no body */
    const char *body;
    size_t body_len;
    const char *bearer; /* Authorization: Bearer <bearer>, if set */
    const char *headers[PROVIDER_MAX_HEADERS]; /* "Name: value", NULL-ended */
    long timeout_ms;                           /* 0 = default (30 s) */
};

struct provider_response {
    long status; /* HTTP status, 0 when no response */
    char *body;  /* NUL-terminated (heap) */
    size_t body_len;
    int64_t retry_after_s; /* Retry-After header, -1 if absent */
    int64_t rl_remaining;  /* X-HubSpot-RateLimit-Remaining, -1 if absent */
    double ms;             /* time spent */
};

/* Global init/cleanup (curl_global_*); call once. */
enum ed_err provider_global_init(void);
/* Timeout of calls whose request leaves timeout_ms at 0 (default 30 s). */
void provider_set_default_timeout(long ms);
void provider_global_cleanup(void);

/* Send one request synchronously. ED_OK when an HTTP response arrived (any
 * status); ED_ERR_TIMEOUT, ED_ERR_PROVIDER (connect/transport failure) or
 * ED_ERR_TOO_LARGE otherwise. rs is always initialised; clean it up. */
enum ed_err provider_send(const struct provider_request *rq,
                          struct provider_response *rs);
void provider_response_cleanup(struct provider_response *rs);
/* The integer value of header `name` in the raw header line (len bytes):
 * -2 when the line is another header, -1 when the value is not a number. */
int64_t provider_header_int(const char *line, size_t len, const char *name);
/* Record the headers elementsd acts on (Retry-After, rate-limit remaining)
 * from one raw header line into rs. */
void provider_response_header(struct provider_response *rs, const char *line,
                              size_t len);

/* Upper bound of a provider response body (bytes). */
#define PROVIDER_MAX_BODY (16u * 1024u * 1024u)

#endif
