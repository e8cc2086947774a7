/* SPDX-License-Identifier: MIT */
#ifndef ED_DOMAIN_ROTATE_H
#define ED_DOMAIN_ROTATE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"
#include "domain/app.h"

/* Master-key rotation (issue 15, docs/operations.md "Key rotation").
 *
 * `elementsd admin rotate-key` (rotate_run) publishes a new master key in
 * the key_rotation row, sealed with the old one; every node holds the old
 * key, so each learns the new one from the database (rotate_sync, at start
 * and every ROTATE_POLL_MS from the watch thread), seals and hashes with it
 * from then on and still opens and looks up under the old one. After the
 * propagation wait the command re-seals every sealed column and recomputes
 * the lookup hashes in batches (one short transaction each, compare-and-
 * swap on the old bytes), then retires the old key once no ciphertext
 * names it: the row says done, the sealed copy of the new key is cleared,
 * DIR/keys/<old>.key is removed and the nodes drop the old key. Every step
 * can be repeated: after a crash the command is run again. */

#define ROTATE_POLL_MS 1000

/* Bring app->keys in line with the key_rotation row (thread-safe). */
enum ed_err rotate_sync(struct ed_app *app);
/* The node's watch thread: rotate_sync every ROTATE_POLL_MS. */
void rotate_watch_start(struct ed_app *app);
void rotate_watch_stop(void);

struct rotate_opts {
    int64_t propagation_ms;  /* wait after publishing, before re-sealing */
    size_t batch;            /* rows per transaction */
    bool file_keys;          /* keys are DIR/master.key + DIR/keys/ */
    const char *new_key_b64; /* the new key (env keys); NULL: generate */
    /* tests: stop (as a crash would) after this many batches; 0: never */
    long stop_after_batches;
};

/* Exit codes of `admin rotate-key` */
enum { ROTATE_DONE = 0, ROTATE_FAILED = 1, ROTATE_DRAINING = 3 };

/* Run or resume a rotation; *summary (JSON object) on ROTATE_DONE and
 * ROTATE_DRAINING, *why (static or in buf) on failure. */
int rotate_run(struct ed_app *app, const struct rotate_opts *o,
               json_t **summary, char *buf, size_t buflen);

/* Every sealed value in the database opens with app->keys (restore:
 * a backup whose key is not in the keyring is refused). ED_ERR_CRYPTO with
 * a message in buf if not. */
enum ed_err rotate_check_keys(struct ed_app *app, char *buf, size_t buflen);

#endif
