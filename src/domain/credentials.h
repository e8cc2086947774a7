/* SPDX-License-Identifier: MIT */
#ifndef ED_API_CREDENTIALS_H
#define ED_API_CREDENTIALS_H
#include <stdbool.h>
#include <stdint.h>

struct ed_app;

/* The token lifecycle: a usable HubSpot credential for an instance, with
 * refresh before expiry, exactly one refresh at a time per instance (a
 * striped lock among this process's threads, then the store's refresh
 * claim among nodes: an advisory lock on PostgreSQL; compare-and-swap on the
 * credential version against other writers), new tokens committed durably
 * before they are used, dead grants marking the instance invalid and
 * transient failures retried with backoff without marking anything. */

enum creds_status {
    CREDS_OK,
    CREDS_GONE,        /* no such instance */
    CREDS_INVALID,     /* needs re-authentication */
    CREDS_UNAVAILABLE, /* HubSpot or the database failed; try later */
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
/* A bearer for instance id. stale_version >= 0 forces a refresh unless the
 * stored credentials already moved past that version (HubSpot said 401 to
 * it). *why: static text on failure. */
enum creds_status creds_acquire(struct ed_app *app, int64_t id,
                                int64_t stale_version, struct creds *out,
                                const char **why);

/* Background refresher thread (idle instances; every node runs one, and
 * each due instance is refreshed by one of them). Starting it also starts
 * the store's watch for other nodes' instance changes (store_watch_start). */
void creds_refresher_start(struct ed_app *app);
void creds_refresher_stop(void);

#endif
