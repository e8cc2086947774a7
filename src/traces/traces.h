/* SPDX-License-Identifier: MIT */
#ifndef ED_TRACES_H
#define ED_TRACES_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"
#include "core/request.h"

/* Per-instance traces (docs/api/instances.md "Traces") and the console
 * dashboard's per-minute summary (summary.c). The hub reports two things:
 * each HubSpot call a client's hub call made (traces_hubspot) and the end
 * of the hub call (traces_hub_end). For an instance whose
 * traceLoggingEnabled is on, the end builds the trace (method, path, query,
 * headers, status, timings, both bodies and the HubSpot calls; secrets
 * redacted by key name and by the instance's credential values; bodies cut
 * at TRACE_BODY_MAX with a marker) on the request's thread, and queues it
 * for a writer thread that stores it (the store keeps the newest
 * --trace-max-calls per instance, none older than --trace-ttl-s): the store
 * write is off the request's path, and every node lists the same traces. */

struct ed_app;
struct instance;
struct provider_response;
struct trace_call;

#define TRACE_BODY_MAX (64u * 1024u)   /* a client body kept, in bytes */
#define TRACE_HS_BODY_MAX (8u * 1024u) /* a HubSpot call's body kept */
#define TRACE_HS_CALLS_MAX 20          /* HubSpot calls kept per trace */
#define TRACE_QUEUE_MAX (32u << 20)    /* bytes of traces waiting */
#define TRACE_REDACTED "[REDACTED]"

/* Start the writer thread (serve; before requests come) and stop it
 * (after the server stopped: what is queued is written first). Without
 * a writer, traces are dropped. */
enum ed_err traces_start(struct ed_app *app);
void traces_stop(void);

/* Hook (hub/hub.c): a HubSpot call of a hub call on instance `in` ended
 * (err, rs). t: the call's trace so far (NULL at first). Returns the trace
 * to keep (created here for a traced client call) or NULL (not traced). */
struct trace_call *traces_hubspot(struct trace_call *t,
                                  const struct ed_request *req,
                                  const struct instance *in, const char *method,
                                  const char *path, const char *body,
                                  size_t body_len, enum ed_err err,
                                  const struct provider_response *rs);
/* Hook (hub/hub.c, when a hub call's op ends with its final response res):
 * counts the call for the dashboard, queues its trace when `in` is traced,
 * frees t (may be NULL). */
void traces_hub_end(struct trace_call *t, const struct ed_request *req,
                    const struct ed_response *res, const struct instance *in);

/* Wait (at most timeout_ms) until every trace queued so far is stored. */
void traces_flush(long timeout_ms);

/* Traces queued but dropped (the queue was full, or no writer). */
uint64_t traces_dropped(void);

/* --- redaction (exposed for tests) ---------------------------------------- */

/* True for a key naming a secret: letters and digits of it, lowercased,
 * contain token, secret, password, passwd, apikey, authorization,
 * credential, signature or session. */
bool traces_key_secret(const char *key);
/* The known secret values of a call (at most TRACE_SECRETS_MAX, each at
 * least 6 bytes): the instance's secret configuration values, its token,
 * and what the Authorization header carries. */
#define TRACE_SECRETS_MAX 32
struct trace_secrets {
    const char *v[TRACE_SECRETS_MAX];
    size_t n;
};
void traces_secrets_add(struct trace_secrets *s, const char *v);
/* A heap copy of text (len bytes) with every known secret value replaced
 * by TRACE_REDACTED, and, when text is JSON, every member whose key names
 * a secret (traces_key_secret) too. */
char *traces_redact_text(const struct trace_secrets *s, const char *text,
                         size_t len, size_t *out_len);
/* A heap copy of a path with query ("/a?x=1&hapikey=2"): values of secret
 * keys, and known secret values, redacted. */
char *traces_redact_url(const struct trace_secrets *s, const char *url);
/* Bounded body as a JSON string (new reference): the first max bytes (cut at
 * a UTF-8 boundary) and a marker when cut; sets *truncated. Bytes that are
 * not UTF-8 give "[N bytes, not text]". */
json_t *traces_body_json(const char *text, size_t len, size_t max,
                         bool *truncated);

/* --- dashboard summary (summary.c) ---------------------------------------- */

#define SUMMARY_MINUTES 1440 /* 24 h of one-minute buckets */
#define SUMMARY_SERIES_MAX 256

/* Count one hub call (any thread): status >= 400 is an error. */
void summary_count(int64_t org_id, int64_t instance_id, const char *element,
                   int status, double ms, int64_t now_ms);
/* The summary of org_id's calls over the last `minutes` (1..1440) as JSON
 * (new reference; docs/metrics.md "Dashboard summary"). */
json_t *summary_render(int64_t org_id, int minutes, int64_t now_ms);
/* Forget everything (tests). */
void summary_reset(void);

#endif
