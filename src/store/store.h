/* SPDX-License-Identifier: MIT */
#ifndef ED_STORE_H
#define ED_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"

/* The domain-level store: organizations, users, sessions (and, later,
 * instances and credentials). Callers never see SQL; each backend (SQLite
 * now, PostgreSQL later) implements store_int.h's ops table. Secrets arrive
 * here already sealed (ciphertext) plus a keyed lookup hash: the store never
 * holds a secret in clear. Every function returns an ed_err; outputs are
 * owned by the caller and released with the matching *_cleanup. All calls
 * are thread-safe. */

struct store;

#define STORE_HASH_BYTES 32

struct store_blob {
    uint8_t *data;
    size_t len;
};

struct store_org {
    int64_t id;
    char *name;
    struct store_blob secret_ct; /* sealed organization secret */
    int64_t created_at;          /* epoch seconds */
};

struct store_user {
    int64_t id;
    int64_t org_id;
    char *email;
    char *first_name;
    char *last_name;
    char *password_hash;         /* Argon2id string */
    struct store_blob secret_ct; /* sealed user secret */
    int64_t created_at;
    int64_t account_id; /* 0 at creation: the organization's default */
    char *role;         /* "org-admin", "account-admin", "user"; NULL at
                           creation: org-admin (the command line's users) */
    int disabled;
};

void store_org_cleanup(struct store_org *o);
void store_user_cleanup(struct store_user *u);

/* Open the database named by url ("sqlite:PATH"; "postgresql://..." when
 * built with PostgreSQL) and apply pending migrations. */
enum ed_err store_open(const char *url, struct store **out);
void store_close(struct store *s);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *s);
/* Cheap liveness check (health endpoint). */
enum ed_err store_ping(struct store *s);

/* Create an organization and its first user in one transaction. On success
 * org->id and user->id are set. ED_ERR_EXISTS if the email is taken. */
enum ed_err
store_org_create_with_user(struct store *s, struct store_org *org,
                           const uint8_t org_hash[STORE_HASH_BYTES],
                           struct store_user *user,
                           const uint8_t user_hash[STORE_HASH_BYTES]);
/* Add a user to an existing organization (ED_ERR_NOT_FOUND if it is not). */
enum ed_err store_user_create(struct store *s, struct store_user *user,
                              const uint8_t user_hash[STORE_HASH_BYTES]);

enum ed_err store_org_get(struct store *s, int64_t id, struct store_org *out);
enum ed_err store_org_find_by_secret(struct store *s,
                                     const uint8_t hash[STORE_HASH_BYTES],
                                     struct store_org *out);
enum ed_err store_user_get(struct store *s, int64_t id, struct store_user *out);
enum ed_err store_user_find_by_email(struct store *s, const char *email,
                                     struct store_user *out);
enum ed_err store_user_find_by_secret(struct store *s,
                                      const uint8_t hash[STORE_HASH_BYTES],
                                      struct store_user *out);

/* Bearer sessions, keyed by the hash of the bearer token. */
enum ed_err store_session_put(struct store *s,
                              const uint8_t hash[STORE_HASH_BYTES],
                              int64_t user_id, int64_t expires_at);
/* ED_ERR_NOT_FOUND when unknown or expired at `now`. */
enum ed_err store_session_find(struct store *s,
                               const uint8_t hash[STORE_HASH_BYTES],
                               int64_t now, int64_t *user_id);
enum ed_err store_session_delete(struct store *s,
                                 const uint8_t hash[STORE_HASH_BYTES]);

/* Called after every successful change to an instance (any field), so
 * caches above the store can drop what they hold. One hook per store. With
 * store_watch_start it is also called for changes made by other processes
 * on the same database. */
void store_set_instance_hook(struct store *s, void (*fn)(void *ud), void *ud);
/* Deliver other nodes' instance changes to the hook (for `serve`). With
 * PostgreSQL every instance write is announced (NOTIFY) after its commit,
 * and a thread LISTENs on a connection of its own; when that connection is
 * lost the hook is called at once and again once it is back, as changes
 * may have been missed in between. A no-op with SQLite (one process).
 * store_close stops it. */
void store_watch_start(struct store *s);
/* Stop that delivery: on return no watch thread runs the hook any more.
 * Whoever owns what the hook touches calls it before freeing that (the
 * caches at shutdown); store_close also stops it. Idempotent. */
void store_watch_stop(struct store *s);

/* Database outages (HTTP 503): while a thread has set a flag with
 * store_track_unavailable(&flag), every store call it makes that fails
 * because the database cannot be reached (connection refused or lost, the
 * server shutting down or starting up) sets *flag; NULL stops tracking.
 * Other failures (ED_ERR_DB from a bad statement, say) do not. */
void store_track_unavailable(bool *flag);

/* --- accounts and users (issue 15) ---------------------------------------
 *
 * An organization's accounts own its instances; the default account's id is
 * the organization's id (is_default 1). Changes to users and accounts are
 * announced like instance changes (store_set_instance_hook and, on
 * PostgreSQL, NOTIFY), so caches of verified credentials drop at once on
 * every node. */
struct store_account {
    int64_t id;
    int64_t org_id;
    char *name;
    char *description; /* NULL allowed */
    char *external_id; /* NULL allowed */
    int is_default;
    int64_t created_at;
    int64_t updated_at;
};
void store_account_cleanup(struct store_account *a);
void store_accounts_free(struct store_account *list, size_t n);

/* Insert a sub-account of a->org_id (never a default one); sets id and the
 * timestamps. ED_ERR_NOT_FOUND when the organization is not. */
enum ed_err store_account_create(struct store *s, struct store_account *a);
/* Account id of org_id; ED_ERR_NOT_FOUND otherwise. */
enum ed_err store_account_get(struct store *s, int64_t org_id, int64_t id,
                              struct store_account *out);
/* The accounts of org_id, the default first, then by id. */
enum ed_err store_account_list(struct store *s, int64_t org_id,
                               struct store_account **out, size_t *n);
/* Write name, description and external_id of a->id in a->org_id
 * (ED_ERR_NOT_FOUND otherwise); sets updated_at. */
enum ed_err store_account_update(struct store *s, struct store_account *a);
/* Delete account id of org_id in one transaction, only when it is not the
 * default one and has no instance and no user: ED_ERR_NOT_FOUND, or
 * ED_ERR_EXISTS (nothing deleted) with *why naming what is in the way
 * ("default", "instances", "users"; static). */
enum ed_err store_account_delete(struct store *s, int64_t org_id, int64_t id,
                                 const char **why);

/* Users of org_id (account_id 0: of every account), by id. */
enum ed_err store_user_list(struct store *s, int64_t org_id, int64_t account_id,
                            struct store_user **out, size_t *n);
void store_users_free(struct store_user *list, size_t n);
enum store_user_field {
    STORE_USER_NAMES = 1 << 0, /* first_name and last_name */
    STORE_USER_ROLE = 1 << 1,
    STORE_USER_DISABLED = 1 << 2,
};
/* Write the fields of `fields` of user u->id in u->org_id;
 * ED_ERR_NOT_FOUND otherwise. */
enum ed_err store_user_update(struct store *s, const struct store_user *u,
                              unsigned fields);
/* Delete user id of org_id (its sessions go with it). ED_ERR_EXISTS when it
 * still owns instances (nothing deleted). */
enum ed_err store_user_delete(struct store *s, int64_t org_id, int64_t id);

/* --- element instances --------------------------------------------------- */

struct store_instance {
    int64_t id;
    int64_t org_id;
    int64_t user_id;
    char *element_key;
    char *name;
    char *tags;   /* JSON array text */
    char *config; /* JSON object text: non-secret configuration */
    struct store_blob secrets_ct; /* sealed JSON object of secret values */
    struct store_blob token_ct;   /* sealed instance token */
    char *auth_type;              /* "oauth2", "oauth2_legacy", "apiKey" */
    char *external_auth;          /* "none", "initial" */
    int valid;
    int disabled;
    char *invalid_reason;
    char *provider_meta; /* JSON object text: hub id, user, scopes, app id */
    int64_t access_expires_at; /* epoch s; 0 = never */
    int64_t refreshed_at;      /* epoch s of the last token grant */
    int64_t cred_version;
    int64_t created_at;
    int64_t updated_at;
    int64_t account_id; /* 0 at creation: the owner user's account */
    int trace_logging;  /* traceLoggingEnabled (src/traces/) */
};

void store_instance_cleanup(struct store_instance *i);
void store_instances_free(struct store_instance *list, size_t n);

/* Insert; sets inst->id, cred_version = 1 and the timestamps. */
enum ed_err store_instance_create(struct store *s, struct store_instance *inst,
                                  const uint8_t token_hash[STORE_HASH_BYTES]);
/* By id; org_id 0 means any organization. */
enum ed_err store_instance_get(struct store *s, int64_t org_id, int64_t id,
                               struct store_instance *out);
enum ed_err store_instance_find_by_token(struct store *s,
                                         const uint8_t hash[STORE_HASH_BYTES],
                                         struct store_instance *out);
/* All instances of an organization, oldest first; element_key NULL = all. */
enum ed_err store_instance_list(struct store *s, int64_t org_id,
                                const char *element_key,
                                struct store_instance **out, size_t *n);
/* Which descriptive columns an update writes (a field mask): only those
 * are written, so two changes of different fields made from copies read
 * at the same time both survive (a disable racing a rename). */
enum store_inst_field {
    STORE_INST_NAME = 1 << 0,
    STORE_INST_TAGS = 1 << 1,
    STORE_INST_CONFIG = 1 << 2,
    STORE_INST_VALID = 1 << 3, /* valid and invalid_reason */
    STORE_INST_DISABLED = 1 << 4,
    STORE_INST_TRACE = 1 << 5, /* trace_logging */
    STORE_INST_ALL = (1 << 6) - 1,
};
/* Write the fields of `fields` (enum store_inst_field) of inst->id from
 * inst; the others keep their stored values. fields 0 only checks that the
 * instance exists. ED_ERR_NOT_FOUND when it does not. */
enum ed_err store_instance_update(struct store *s,
                                  const struct store_instance *inst,
                                  unsigned fields);
/* Replace the credentials (secrets, provider_meta, access_expires_at,
 * refreshed_at, valid, invalid_reason, external_auth) if the stored
 * cred_version still equals inst->cred_version; on success the version is
 * incremented (and inst->cred_version updated). ED_ERR_BUSY when another
 * writer got there first. Durable (synchronous commit) on return. */
enum ed_err store_instance_put_credentials(struct store *s,
                                           struct store_instance *inst);
/* Mark valid/invalid without touching credentials. */
enum ed_err store_instance_set_valid(struct store *s, int64_t id, int valid,
                                     const char *reason);
enum ed_err store_instance_delete(struct store *s, int64_t org_id, int64_t id);
/* Ids of valid OAuth instances whose last grant is older than
 * `refreshed_before` or whose access token expires before `expires_before`
 * (idle-refresh work), at most max. */
enum ed_err store_instance_due(struct store *s, int64_t refreshed_before,
                               int64_t expires_before, int64_t *ids, size_t max,
                               size_t *n);

/* --- one credential refresh at a time, across nodes -------------------------
 *
 * A refresh claim on one instance, held from _begin to _end while its token
 * is refreshed at HubSpot. _begin reads the row as it is once the claim is
 * held; the writes made through the claim take effect at _end(commit).
 *
 * PostgreSQL: the claim is a transaction on a connection of its own that
 * holds a transaction-level advisory lock on the instance until COMMIT or
 * ROLLBACK. A claim on another node waits for it (nowait: fails at once
 * with ED_ERR_BUSY) and then reads what the holder committed. The lock is
 * released only when its holder ends the transaction or its connection
 * dies, never by a timer: a node killed mid-refresh releases it with its
 * connection, and a holder never writes after losing it (its COMMIT fails
 * instead). Other writers (PATCH, DELETE) do not wait for it; put's
 * compare-and-swap on cred_version sorts them out. The commit is
 * synchronous.
 *
 * SQLite (one node): no lock is taken, nowait is ignored and writes take
 * effect at once; the caller's in-process lock serialises refreshes and
 * put's compare-and-swap on cred_version guards against other writers. */
struct store_refresh;

/* ED_ERR_NOT_FOUND when there is no such instance, ED_ERR_BUSY (nowait)
 * when another claim holds it. On success *rf must be ended. */
enum ed_err store_instance_refresh_begin(struct store *s, int64_t id,
                                         bool nowait,
                                         struct store_instance *out,
                                         struct store_refresh **rf);
/* The row again, under the claim. */
enum ed_err store_instance_refresh_read(struct store_refresh *rf,
                                        struct store_instance *out);
/* store_instance_put_credentials under the claim (the same compare-and-
 * swap; inst->cred_version is incremented on success). */
enum ed_err store_instance_refresh_put(struct store_refresh *rf,
                                       struct store_instance *inst);
/* store_instance_set_valid under the claim. */
enum ed_err store_instance_refresh_set_valid(struct store_refresh *rf,
                                             int valid, const char *reason);
/* Commit (commit=true) or drop the claim's writes and release it; rf is
 * freed either way. The commit's result: ED_ERR_DB when it failed (then
 * nothing was written). */
enum ed_err store_instance_refresh_end(struct store_refresh *rf, bool commit);

/* --- events outbox (eva; src/events/outbox.c) -----------------------------
 *
 * One row per notification to POST to an instance's callback URL. Times are
 * epoch milliseconds. status: "pending" (not tried yet), "retry" (failed;
 * next attempt at next_at), "delivered" (a 2xx), "queued" (retries used up,
 * or queued behind such a delivery; re-sent by store_delivery_requeue).
 * An attempt is made under a claim: store_delivery_claim leases due rows
 * (lease_until, a claim token; FOR UPDATE SKIP LOCKED on PostgreSQL) so
 * that each attempt is made by one node, and store_delivery_finish writes
 * the outcome only while that claim is still the row's. A node that dies
 * mid-attempt leaves a lease that expires: the row is claimed again. */

struct store_delivery {
    int64_t id;
    char *event_id; /* message.eventId: 24 lower-case hex, unique */
    int64_t org_id;
    int64_t instance_id;
    char *element_key;
    char *source; /* "polling", "webhook", "test" */
    char *body;   /* the notification, exactly as POSTed */
    char *url;    /* callback URL at enqueue, then of the last attempt */
    char *status;
    int64_t attempts;
    int64_t next_at;
    int64_t claim;       /* the claim token while claimed */
    int64_t last_status; /* HTTP status of the last attempt; 0 = none */
    char *last_error;    /* why the last attempt failed, or NULL */
    int64_t created_at;
    int64_t delivered_at; /* 0 = not delivered */
};

void store_delivery_cleanup(struct store_delivery *d);
void store_deliveries_free(struct store_delivery *list, size_t n);

/* Insert n rows (attempts 0, next_at = created_at) in one transaction,
 * committed on return; sets each id. A row whose instance already has a
 * queued delivery is stored "queued" (the subscription is off until they
 * are re-sent, spec §5.5), the others as given (normally "pending"). */
enum ed_err store_delivery_add(struct store *s, struct store_delivery *rows,
                               size_t n);
/* Claim at most max rows due at now (pending or retry, next_at <= now, no
 * live lease), oldest due first: each gets lease_until = now + lease_ms and
 * a fresh claim token (in the returned rows). Rows of the nskip instances
 * in skip (may be NULL) are left alone. */
enum ed_err store_delivery_claim(struct store *s, int64_t now, int64_t lease_ms,
                                 size_t max, const int64_t *skip, size_t nskip,
                                 struct store_delivery **out, size_t *n);
/* Write the outcome of n claimed rows in one transaction: status,
 * attempts, next_at, url, last_status, last_error, delivered_at; the lease
 * is released. Rows whose claim is no longer theirs are left alone
 * (*written counts the others; NULL allowed). */
enum ed_err store_delivery_finish(struct store *s,
                                  const struct store_delivery *rows, size_t n,
                                  size_t *written);
/* The rows of organization org_id, newest first, with id < before_id
 * (0 = from the newest), at most max. instance_id 0 = every instance;
 * status and url NULL = any. */
enum ed_err store_delivery_list(struct store *s, int64_t org_id,
                                int64_t instance_id, const char *status,
                                const char *url, int64_t before_id, size_t max,
                                struct store_delivery **out, size_t *n);
/* Re-send queued rows of org_id (instance_id 0 = all; url NULL = any):
 * they become pending again with attempts 0, due at now. *n = how many. */
enum ed_err store_delivery_requeue(struct store *s, int64_t org_id,
                                   int64_t instance_id, const char *url,
                                   int64_t now, size_t *n);

/* --- events: the poller (evc) -------------------------------------------
 * One row per polled (instance, resource): schedule, durable watermark and
 * the changes already reported at it (docs/api/events.md "Polling"). */
struct store_poll {
    int64_t instance_id;
    char *resource;
    int64_t interval_ms;
    int64_t due_ms;       /* next poll (epoch ms) */
    int64_t watermark_ms; /* changes up to here are in the outbox */
    char *seen;           /* JSON object text {"<objectId>": <updated ms>} */
};
void store_polls_free(struct store_poll *list, size_t n);
/* Ids (ascending, > after_id, at most max) of valid, enabled instances
 * whose configuration mentions event.notification.enabled: a coarse
 * filter, the caller reads the configuration. */
enum ed_err store_poll_candidates(struct store *s, int64_t after_id,
                                  int64_t *ids, size_t max, size_t *n);
/* The rows of one instance. */
enum ed_err store_poll_list(struct store *s, int64_t instance_id,
                            struct store_poll **out, size_t *n);
/* Insert p if (instance_id, resource) has no row; if it has one with
 * another interval_ms, set its interval_ms and due_ms from p (the watermark
 * and seen stay). */
enum ed_err store_poll_schedule(struct store *s, const struct store_poll *p);
/* Delete the row of resource (NULL: every row of the instance). */
enum ed_err store_poll_delete(struct store *s, int64_t instance_id,
                              const char *resource);
/* Claim at most max rows due at now_ms whose lease has run out: lease them
 * to owner until lease_until_ms and return them (oldest due first; one node
 * per row: FOR UPDATE SKIP LOCKED on PostgreSQL). */
enum ed_err store_poll_claim(struct store *s, int64_t now_ms,
                             int64_t lease_until_ms, const char *owner,
                             size_t max, struct store_poll **out, size_t *n);
/* End owner's claim of a row: write due_ms, watermark_ms and seen from p and
 * drop the lease. ED_ERR_NOT_FOUND when owner no longer holds it. Durable
 * on return. */
enum ed_err store_poll_finish(struct store *s, const struct store_poll *p,
                              const char *owner);

/* --- events: webhook ingress (evb) -------------------------------------------
 *
 * The inbox of HubSpot webhook batches (events/webhooks.c): a verified batch
 * is stored before the request is answered, then claimed and processed on
 * the events loop. A claim is a lease (claimed_until, epoch ms): only one
 * caller gets a row whose lease has run out (PostgreSQL: FOR UPDATE SKIP
 * LOCKED, so each row goes to one node); a crashed holder's rows come back
 * when the lease ends. Times are epoch milliseconds. */
struct store_inbox {
    int64_t id;
    char *element_key;
    char *body; /* the batch as received (JSON text) */
    int64_t received_at;
    int attempts; /* claims so far, this one included */
};

void store_inbox_free(struct store_inbox *rows, size_t n);
/* Store a batch; durable (synchronous commit) on return; sets *id. */
enum ed_err store_inbox_put(struct store *s, const char *element_key,
                            const char *body, size_t len, int64_t now,
                            int64_t *id);
/* Claim up to max unprocessed rows whose lease has run out (id > 0: that
 * row only), received at or before received_before, oldest first: each
 * gets claimed_until = now + lease and attempts + 1. *rows is allocated
 * (free with store_inbox_free) even when *n is 0. */
enum ed_err store_inbox_claim(struct store *s, int64_t id, int64_t now,
                              int64_t lease, int64_t received_before,
                              size_t max, struct store_inbox **rows, size_t *n);
/* Mark claimed rows processed (their events are in the outbox), in one
 * statement. */
enum ed_err store_inbox_done(struct store *s, const int64_t *ids, size_t n,
                             int64_t now);
/* Give a claimed row back until retry_at, noting why it failed. */
enum ed_err store_inbox_retry(struct store *s, int64_t id, int64_t retry_at,
                              const char *why);
/* Delete rows processed before `before`; *n how many. */
enum ed_err store_inbox_purge(struct store *s, int64_t before, size_t *n);
/* Instances of HubSpot app app_id (their provider metadata's app_id),
 * portal_id != 0: on that portal only (hub_id); portal_id 0: any portal,
 * ordered so that those of `prefer_portal` come first. At most max, newest
 * first. */
enum ed_err store_instance_find_by_app(struct store *s, int64_t app_id,
                                       int64_t portal_id, int64_t prefer_portal,
                                       size_t max, struct store_instance **out,
                                       size_t *n);

/* --- virtual resources (issue 12; domain/vdr.c) ---------------------------
 *
 * Object definitions and transformations, one row per document (JSON
 * text), keyed by organization, level ("organization", "account",
 * "instance"), owner id, element key (transformations only) and name.
 * Every successful write calls the vdr hook with its organization, on this
 * node at once and (PostgreSQL, store_watch_start) on the others after
 * its commit; deleting an instance deletes its instance-level documents in
 * the same transaction (and calls the hook). */

enum store_vdr_kind { STORE_VDR_DEF = 0, STORE_VDR_TF = 1 };
enum store_vdr_mode {
    STORE_VDR_CREATE,  /* ED_ERR_EXISTS when the name is taken */
    STORE_VDR_REPLACE, /* ED_ERR_NOT_FOUND when it is not */
    STORE_VDR_UPSERT,
};

struct store_vdr_doc {
    enum store_vdr_kind kind;
    int64_t id;
    int64_t org_id;
    char *level;
    int64_t owner_id;
    char *element_key; /* transformations; NULL for definitions */
    char *name;
    char *doc; /* JSON text */
    int64_t created_at;
    int64_t updated_at;
};

void store_vdr_docs_free(struct store_vdr_doc *list, size_t n);

/* Write n documents of one kind in one transaction, all or none, each by
 * mode; sets their id and timestamps. max_per_owner (0: no limit): the
 * documents of that kind per (org, level, owner) once written; past it
 * nothing is written and the result is ED_ERR_TOO_LARGE. On ED_ERR_EXISTS,
 * ED_ERR_NOT_FOUND or ED_ERR_TOO_LARGE *failed (may be NULL) is the index
 * of the document refused. */
enum ed_err store_vdr_put(struct store *s, enum store_vdr_kind kind,
                          enum store_vdr_mode mode, struct store_vdr_doc *docs,
                          size_t n, size_t max_per_owner, size_t *failed);
/* One document (element_key NULL for a definition). */
enum ed_err store_vdr_get(struct store *s, enum store_vdr_kind kind,
                          int64_t org_id, const char *level, int64_t owner_id,
                          const char *element_key, const char *name,
                          struct store_vdr_doc *out);
/* The documents of one level and owner, by element key then name;
 * element_key NULL: every element; name NULL: every name. */
enum ed_err store_vdr_list(struct store *s, enum store_vdr_kind kind,
                           int64_t org_id, const char *level, int64_t owner_id,
                           const char *element_key, const char *name,
                           struct store_vdr_doc **out, size_t *n);
/* Every document of an organization, both kinds, in one query (the
 * resolution cache's snapshot). */
enum ed_err store_vdr_list_org(struct store *s, int64_t org_id,
                               struct store_vdr_doc **out, size_t *n);
/* Delete one document (name set: ED_ERR_NOT_FOUND when absent) or all of
 * a level and owner (name NULL; element_key NULL: every element). *n (may
 * be NULL): how many. */
enum ed_err store_vdr_delete(struct store *s, enum store_vdr_kind kind,
                             int64_t org_id, const char *level,
                             int64_t owner_id, const char *element_key,
                             const char *name, size_t *n);
/* Rename definition `from` and the transformations of that name at the
 * same level and owner, in one transaction. ED_ERR_NOT_FOUND when there is
 * no such definition, ED_ERR_EXISTS when `to` is taken (definition or a
 * transformation). */
enum ed_err store_vdr_rename(struct store *s, int64_t org_id, const char *level,
                             int64_t owner_id, const char *from,
                             const char *to);
/* One document by its id, when it belongs to org_id (else
 * ED_ERR_NOT_FOUND). */
enum ed_err store_vdr_get_id(struct store *s, enum store_vdr_kind kind,
                             int64_t org_id, int64_t id,
                             struct store_vdr_doc *out);
/* An object (the VDR v2 calls): definition *def and transformations
 * tfs[0..n) of the same org, level, owner and name, written in one
 * transaction, all or none. replace false: each is created
 * (ED_ERR_EXISTS when the definition, or a transformation of that element
 * and name, exists); true: each is upserted (ids kept) and the other
 * transformations of that name at that level and owner are deleted. Sets
 * ids and timestamps; max_per_owner as store_vdr_put, for both kinds. On
 * ED_ERR_EXISTS or ED_ERR_TOO_LARGE *failed (may be NULL) is 0 for the
 * definition, i + 1 for tfs[i]. */
enum ed_err store_vdr_object_put(struct store *s, struct store_vdr_doc *def,
                                 struct store_vdr_doc *tfs, size_t n,
                                 bool replace, size_t max_per_owner,
                                 size_t *failed);
/* Delete definition `name` at a level and owner and the transformations
 * of that name there, in one transaction; ED_ERR_NOT_FOUND (nothing
 * deleted) when there is no such definition. */
enum ed_err store_vdr_object_delete(struct store *s, int64_t org_id,
                                    const char *level, int64_t owner_id,
                                    const char *name);
/* fn(ud, org_id) after every virtual-resource write, here and (with
 * store_watch_start) on other nodes; org_id 0: unknown, drop everything
 * (the change feed was lost). One hook per store. */
void store_set_vdr_hook(struct store *s, void (*fn)(void *ud, int64_t org_id),
                        void *ud);

/* --- bulk jobs (issue 13; src/bulk/) ----------------------------------------
 *
 * One row per bulk job. Times are epoch milliseconds (0 = not yet). A job
 * runs on one node at a time under a lease (claimed_by, lease_until): a node
 * that dies leaves a lease that runs out, and the job is claimed again and
 * resumes from its checkpoint. Statuses: CREATED, RUNNING,
 * CANCELLATION_PENDING, and the finished ones COMPLETED, CANCELLED, ERROR,
 * ABORTED. Deleting an instance deletes its jobs and their errors. */
struct store_bulk_job {
    int64_t id;
    int64_t org_id;
    int64_t instance_id;
    char *direction; /* "DOWNLOAD" | "UPLOAD" */
    char *object_name;
    char *status;
    char *query;      /* the job's query text (a CEQL select) */
    char *options;    /* JSON object text */
    char *checkpoint; /* JSON object text ("{}" until the first step) */
    int64_t records_count;
    int64_t failed_count;
    char *message;    /* why it failed, or NULL */
    char *claimed_by; /* "" when unclaimed */
    int64_t lease_until;
    int64_t created_at;
    int64_t started_at;
    int64_t finished_at;
    char *file_name; /* results file under <data-dir>/bulk/, or "" */
};
void store_bulk_job_cleanup(struct store_bulk_job *j);
void store_bulk_jobs_free(struct store_bulk_job *list, size_t n);
/* True for a finished status (COMPLETED, CANCELLED, ERROR, ABORTED). */
bool store_bulk_finished(const char *status);

/* Insert j (status CREATED unless set; created_at as given); sets j->id. */
enum ed_err store_bulk_create(struct store *s, struct store_bulk_job *j);
/* Job id of organization org_id (0: any) and instance instance_id (0: any);
 * ED_ERR_NOT_FOUND otherwise. */
enum ed_err store_bulk_get(struct store *s, int64_t org_id, int64_t instance_id,
                           int64_t id, struct store_bulk_job *out);
/* Filters of store_bulk_list: NULL / -1 = any. */
struct store_bulk_filter {
    const char *status;
    const char *direction;
    const char *object_name;
    int64_t records_min; /* records_count >= records_min */
    int64_t records_max; /* records_count <= records_max */
};
/* The jobs of an instance (instance_id 0: of the organization), newest
 * first, id < before_id (0: from the newest), at most max. */
enum ed_err store_bulk_list(struct store *s, int64_t org_id,
                            int64_t instance_id,
                            const struct store_bulk_filter *f,
                            int64_t before_id, size_t max,
                            struct store_bulk_job **out, size_t *n);
/* Claim at most max runnable jobs (CREATED, RUNNING or
 * CANCELLATION_PENDING whose lease ran out at now_ms), oldest first: each is
 * leased to owner until lease_until_ms, CREATED becomes RUNNING and
 * started_at is set once. One node per job (FOR UPDATE SKIP LOCKED on
 * PostgreSQL). */
enum ed_err store_bulk_claim(struct store *s, int64_t now_ms,
                             int64_t lease_until_ms, const char *owner,
                             size_t max, struct store_bulk_job **out,
                             size_t *n);
/* A step of owner's job j: write checkpoint, records_count, failed_count
 * and renew the lease to lease_until_ms, only while owner holds the job
 * (ED_ERR_NOT_FOUND otherwise). *cancel is set when the job has been asked
 * to stop (CANCELLATION_PENDING). Durable on return. */
enum ed_err store_bulk_checkpoint(struct store *s,
                                  const struct store_bulk_job *j,
                                  const char *owner, int64_t lease_until_ms,
                                  bool *cancel);
/* End owner's job j: status (a finished one), message, counts, checkpoint,
 * finished_at from j; the lease is dropped. ED_ERR_NOT_FOUND when owner no
 * longer holds it. */
enum ed_err store_bulk_finish(struct store *s, const struct store_bulk_job *j,
                              const char *owner);
/* Cancel job id of org_id/instance_id: CREATED → CANCELLED (finished_at =
 * now_ms) at once; RUNNING → CANCELLATION_PENDING (the engine stops at its
 * next step); CANCELLATION_PENDING stays. *status (heap) is the status
 * after the call. ED_ERR_NOT_FOUND: no such job; ED_ERR_EXISTS: finished
 * already (*status tells how). */
enum ed_err store_bulk_cancel(struct store *s, int64_t org_id,
                              int64_t instance_id, int64_t id, int64_t now_ms,
                              char **status);
/* Delete job id (its errors go with it). */
enum ed_err store_bulk_delete(struct store *s, int64_t id);
/* Ids (ascending, > after_id, at most max) of jobs finished before
 * finished_before_ms that still name a results file (retention sweep). */
enum ed_err store_bulk_expired(struct store *s, int64_t finished_before_ms,
                               int64_t after_id, int64_t *ids, size_t max,
                               size_t *n);
/* Forget job id's results file (file_name ""). */
enum ed_err store_bulk_drop_file(struct store *s, int64_t id);

struct store_bulk_error {
    int64_t row;
    char *message;
    char *record; /* JSON text, or NULL */
};
void store_bulk_errors_free(struct store_bulk_error *list, size_t n);
/* Add n errors of job_id in one transaction (a row already there is
 * replaced). */
enum ed_err store_bulk_errors_add(struct store *s, int64_t job_id,
                                  const struct store_bulk_error *rows,
                                  size_t n);
/* Errors of job_id with row > after_row, by row, at most max. */
enum ed_err store_bulk_errors_list(struct store *s, int64_t job_id,
                                   int64_t after_row, size_t max,
                                   struct store_bulk_error **out, size_t *n);

/* --- bulk workflows (issue 13; src/bulk/workflow.c) -------------------------
 *
 * A workflow is a list of bulk steps run once or on a Quartz schedule; each
 * run makes one bulk job per step, in order. Deleting the instance that
 * made a workflow deletes it and its runs. */
struct store_bulk_workflow {
    int64_t id;
    int64_t org_id;
    int64_t instance_id;  /* the instance whose token made it */
    char *steps;          /* JSON array text */
    char *schedule;       /* Quartz cron, or "" */
    char *status;         /* ONCE | SCHEDULED | STOPPED */
    int64_t next_fire_at; /* ms; 0 = none */
    int64_t skipped_count;
    int64_t last_skipped_at;
    int64_t created_at;
    int64_t stopped_at;
};
struct store_bulk_run {
    int64_t id;
    int64_t workflow_id;
    int64_t org_id;
    char *status;     /* RUNNING | COMPLETED | FAILED */
    int64_t step;     /* index of the current step */
    int64_t job_id;   /* its bulk job; 0 = not made yet */
    char *jobs;       /* JSON array text: each step's job id (null: skipped) */
    char *message;    /* why it failed, or NULL */
    int64_t fired_at; /* the due time of a scheduled run (ms), or 0 */
    int64_t created_at;
    int64_t finished_at;
};
void store_bulk_workflow_cleanup(struct store_bulk_workflow *w);
void store_bulk_workflows_free(struct store_bulk_workflow *list, size_t n);
void store_bulk_run_cleanup(struct store_bulk_run *r);
void store_bulk_runs_free(struct store_bulk_run *list, size_t n);

/* Insert w (status, next_fire_at, created_at as given); sets w->id. With
 * run_now also its first run (RUNNING, step 0, no job yet) in the same
 * transaction: *run_id. ED_ERR_NOT_FOUND: the instance is gone. */
enum ed_err store_bulk_wf_create(struct store *s, struct store_bulk_workflow *w,
                                 bool run_now, int64_t *run_id);
/* Workflow id of org_id (0: any); ED_ERR_NOT_FOUND otherwise. */
enum ed_err store_bulk_wf_get(struct store *s, int64_t org_id, int64_t id,
                              struct store_bulk_workflow *out);
/* Stop workflow id of org_id: status STOPPED, next_fire_at 0, stopped_at
 * now_ms (once). ED_ERR_NOT_FOUND: no such workflow. */
enum ed_err store_bulk_wf_stop(struct store *s, int64_t org_id, int64_t id,
                               int64_t now_ms);
/* SCHEDULED workflows due at now_ms (0 < next_fire_at <= now_ms), oldest
 * due first, at most max. */
enum ed_err store_bulk_wf_due(struct store *s, int64_t now_ms, size_t max,
                              struct store_bulk_workflow **out, size_t *n);
/* Fire workflow id due at due_ms: next_fire_at becomes next_ms (0: the
 * schedule has no more fire times), only if it still is due_ms and the
 * workflow SCHEDULED (else ED_ERR_BUSY: another node fired it, or it was
 * stopped). A run still going: the fire is skipped (skipped_count + 1,
 * last_skipped_at now_ms) and *run_id is 0; else a run is made (RUNNING,
 * step 0, fired_at due_ms): *run_id. One transaction. */
enum ed_err store_bulk_wf_fire(struct store *s, int64_t id, int64_t due_ms,
                               int64_t next_ms, int64_t now_ms,
                               int64_t *run_id);
/* RUNNING runs that can move on: no job yet, or their job finished or
 * gone; oldest first, at most max. */
enum ed_err store_bulk_wf_pending(struct store *s, size_t max,
                                  struct store_bulk_run **out, size_t *n);
/* Move run `from` on to `to` (status, step, jobs, message, finished_at from
 * to) in one transaction: with job, the job is inserted (as
 * store_bulk_create) and its id both set in job->id and appended to
 * to->jobs, and becomes the run's job_id (else job_id is to->job_id). Only
 * while the run is still RUNNING at from's step and job_id: else
 * ED_ERR_BUSY and nothing is written. ED_ERR_NOT_FOUND: job's instance is
 * gone (nothing written). */
enum ed_err store_bulk_wf_advance(struct store *s,
                                  const struct store_bulk_run *from,
                                  const struct store_bulk_run *to,
                                  struct store_bulk_job *job);
/* Runs of org_id (workflow_id 0: of every workflow), newest first, id <
 * before_id (0: from the newest), at most max. */
enum ed_err store_bulk_wf_runs(struct store *s, int64_t org_id,
                               int64_t workflow_id, int64_t before_id,
                               size_t max, struct store_bulk_run **out,
                               size_t *n);
/* What /metrics reads from the store at scrape time (cheap: index-only
 * counts): outbox deliveries waiting (pending or retry) and bulk jobs by
 * status. */
#define STORE_METRIC_STATUSES 16
struct store_metric_counts {
    int64_t outbox_pending, outbox_retry;
    struct {
        char status[32];
        int64_t n;
    } bulk[STORE_METRIC_STATUSES];
    size_t nbulk;
};
enum ed_err store_metric_counts(struct store *s,
                                struct store_metric_counts *out);

/* --- secret lifecycle and the audit log (issue 15) ---------------------------
 *
 * A secret change is announced like an instance change (the instance hook
 * here at once, NOTIFY to the other nodes after its commit): every cache
 * that maps a secret or token to its owner is dropped on every node, so
 * the old value stops working at once. Replacing a user's secret or
 * password also ends every session of that user, in the same
 * transaction. ED_ERR_NOT_FOUND when there is no such row. */
enum ed_err store_user_set_secret(struct store *s, int64_t user_id,
                                  const struct store_blob *secret_ct,
                                  const uint8_t hash[STORE_HASH_BYTES]);
enum ed_err store_user_set_password(struct store *s, int64_t user_id,
                                    const char *password_hash);
enum ed_err store_org_set_secret(struct store *s, int64_t org_id,
                                 const struct store_blob *secret_ct,
                                 const uint8_t hash[STORE_HASH_BYTES]);
/* Replace instance id's token (of org_id; 0: any organization). */
enum ed_err store_instance_set_token(struct store *s, int64_t org_id,
                                     int64_t id,
                                     const struct store_blob *token_ct,
                                     const uint8_t hash[STORE_HASH_BYTES]);

struct store_audit {
    int64_t id;
    int64_t org_id;
    int64_t at; /* epoch ms */
    int64_t actor_id;
    char *actor_ip;
    char *action;
    char *target_type;
    int64_t target_id;
    char *detail;
    char *request_id;
    int64_t outcome;
};
void store_audit_free(struct store_audit *list, size_t n);
/* Append one entry (the strings are copied; NULL allowed except action);
 * sets a->id. Durable on return. */
enum ed_err store_audit_add(struct store *s, struct store_audit *a);
/* Filters of store_audit_list: NULL / -1 / 0 (since, until) = any. */
struct store_audit_filter {
    const char *action;
    const char *target_type;
    int64_t actor_id;
    int64_t target_id;
    int64_t since; /* at >= since (ms) */
    int64_t until; /* at < until (ms) */
};
/* The entries of org_id, newest first, id < before_id (0: from the newest),
 * at most max. */
enum ed_err store_audit_list(struct store *s, int64_t org_id,
                             const struct store_audit_filter *f,
                             int64_t before_id, size_t max,
                             struct store_audit **out, size_t *n);

/* --- instance traces (src/traces/) --------------------------------------- */

/* One traced hub call: doc is the redacted trace (JSON object text). */
struct store_trace {
    int64_t id;
    int64_t instance_id;
    int64_t created_at; /* epoch ms */
    char *doc;
};
void store_traces_free(struct store_trace *list, size_t n);
/* Add a trace of instance_id, then delete that instance's traces beyond
 * the newest `keep`. ED_ERR_NOT_FOUND: no such instance (any more). */
enum ed_err store_trace_add(struct store *s, int64_t instance_id,
                            int64_t created_at, const char *doc, size_t keep);
/* Traces of instance_id, newest first: ids below before_id (0 = from the
 * newest), created at or after since_ms, at most max (heap array, *n). */
enum ed_err store_trace_list(struct store *s, int64_t instance_id,
                             int64_t before_id, int64_t since_ms, size_t max,
                             struct store_trace **out, size_t *n);
/* Delete every trace of instance_id; *deleted (may be NULL) gets the count. */
enum ed_err store_trace_clear(struct store *s, int64_t instance_id,
                              int64_t *deleted);
/* Delete the traces of every instance created before before_ms. */
enum ed_err store_trace_sweep(struct store *s, int64_t before_ms,
                              int64_t *deleted);

/* --- master-key rotation (src/domain/rotate.c) ------------------------ */

/* The one key_rotation row. Key ids are 8 hex characters. */
struct store_key_rotation {
    char old_key_id[9], new_key_id[9];
    struct store_blob new_key_ct; /* empty once done */
    char state[12];               /* "running", "draining", "done" */
    int64_t published_at, finished_at;
};
/* ED_ERR_NOT_FOUND: no rotation ever. */
enum ed_err store_rotation_get(struct store *s, struct store_key_rotation *out);
/* Insert or replace the row. */
enum ed_err store_rotation_put(struct store *s,
                               const struct store_key_rotation *r);
void store_rotation_cleanup(struct store_key_rotation *r);

/* The tables holding sealed values: orgs (secret_ct, secret_hash), users
 * (secret_ct, secret_hash), instances (token_ct, token_hash, secrets_ct). */
enum store_sealed_table {
    STORE_SEALED_ORGS,
    STORE_SEALED_USERS,
    STORE_SEALED_INSTANCES,
    STORE_SEALED_TABLES
};
struct store_sealed_row {
    int64_t id;
    struct store_blob ct, ct2; /* as read; ct2: instances.secrets_ct */
    /* what store_sealed_update writes (ct2 only for instances; an empty
     * new_ct2 stays NULL) */
    struct store_blob new_ct, new_ct2;
    uint8_t new_hash[STORE_HASH_BYTES];
};
/* Rows of t with id > after and a sealed value whose key id is not key_id
 * (4 bytes), by id, at most max (*out heap, store_sealed_rows_free). */
enum ed_err store_sealed_scan(struct store *s, enum store_sealed_table t,
                              const uint8_t *key_id, int64_t after, size_t max,
                              struct store_sealed_row **out, size_t *n);
/* One transaction: each row whose sealed values are still ct (and ct2)
 * gets new_ct (new_ct2) and new_hash; rows changed meanwhile (a token
 * refresh) are left alone and not counted in *changed. */
enum ed_err store_sealed_update(struct store *s, enum store_sealed_table t,
                                const struct store_sealed_row *rows, size_t n,
                                size_t *changed);
void store_sealed_rows_free(struct store_sealed_row *rows, size_t n);

/* --- backup ----------------------------------------------------------- */

/* A consistent copy of the database at path (SQLite online backup, while
 * serving). ED_ERR_UNSUPPORTED on PostgreSQL (pg_dump is the way). */
enum ed_err store_backup(struct store *s, const char *path);
/* Replace the database with the copy at path (checked first with
 * PRAGMA integrity_check: ED_ERR_INVALID if it fails or is not a
 * database). The caller makes sure no server runs. */
enum ed_err store_restore(struct store *s, const char *path);

#endif
