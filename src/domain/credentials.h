/* SPDX-License-Identifier: MIT */
#ifndef ED_API_CREDENTIALS_H
#define ED_API_CREDENTIALS_H
#include <stdbool.h>
#include <stdint.h>

struct ed_app;

/* The token lifecycle: a usable HubSpot credential for an instance, with
 * refresh before expiry, exactly one refresh at a time per instance (a
 * refresh "flight" per instance in this process, which later callers join
 * instead of waiting on a lock, then the store's refresh claim among nodes:
 * an advisory lock on PostgreSQL; compare-and-swap on the credential
 * version against other writers), new tokens committed durably before they
 * are used, dead grants marking the instance invalid and transient
 * failures retried with backoff (on timers) without marking anything. No
 * event-loop thread ever waits for HubSpot or for another node's claim. */

enum creds_status {
    CREDS_OK,
    CREDS_GONE,        /* no such instance */
    CREDS_INVALID,     /* needs re-authentication */
    CREDS_UNAVAILABLE, /* HubSpot or the database failed; try later */
    CREDS_PENDING,     /* creds_request: the answer comes through ready */
    CREDS_RETRY,       /* ready: ask again (creds_request) */
};

struct creds {
    char *bearer;         /* heap, wiped by creds_cleanup */
    int64_t cred_version; /* version the bearer belongs to */
};

struct instance;

void creds_cleanup(struct creds *c);
/* Whether the instance's access token is good for a call now (an API key
 * always is): more than --refresh-margin seconds left, or more than half
 * of its lifetime for tokens granted for less than twice the margin. */
bool creds_fresh(const struct ed_app *app, const struct instance *in);
/* A bearer for instance id, on an event loop. stale_version >= 0 forces a
 * refresh unless the stored credentials already moved past that version
 * (HubSpot said 401 to it). When no refresh is needed the answer is
 * immediate (*out filled, or a failure with *why: static text). Otherwise
 * CREDS_PENDING: the call joins the instance's refresh flight (starting it
 * on this thread's loop if there is none) and *wait is set; later, on
 * whatever thread ends the flight (possibly before this returns),
 * *wait is cleared and ready(ud, status, creds, why) runs once, with c
 * (its bearer borrowed for the callback) and why valid only during it.
 * ready runs under the flights' lock: it must only record the outcome and
 * hand the work back to its owner's thread (req_async_continue).
 * CREDS_RETRY from ready means: call creds_request again. */
struct creds_wait;
typedef void (*creds_ready_fn)(void *ud, enum creds_status st,
                               const struct creds *c, const char *why);
enum creds_status creds_request(struct ed_app *app, int64_t id,
                                int64_t stale_version, struct creds *out,
                                const char **why, creds_ready_fn ready,
                                void *ud, struct creds_wait **wait);
/* Leave the flight joined through *wait (a client gave up). True when it
 * was left (ready will not run); false when ready has already run (*wait
 * was NULL). Any thread. */
bool creds_wait_cancel(struct creds_wait **wait);

/* Background refresher thread (idle instances; every node runs one, and
 * each due instance is refreshed by one of them). It is no event loop: it
 * sends its refresh calls blocking, inside a flight of its own that loop
 * calls may join. Starting it also starts
 * the store's watch for other nodes' instance changes (store_watch_start). */
void creds_refresher_start(struct ed_app *app);
void creds_refresher_stop(void);

#endif
