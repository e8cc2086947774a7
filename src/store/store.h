/* SPDX-License-Identifier: MIT */
#ifndef ED_STORE_H
#define ED_STORE_H
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
enum ed_err store_org_create_with_user(struct store *s, struct store_org *org,
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

#endif
