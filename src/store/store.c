/* SPDX-License-Identifier: MIT
 * Store dispatch: picks the backend from the URL prefix out of a
 * NULL-terminated list, then forwards each domain call through its ops. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/buf.h"
#include "store/store_int.h"

static const struct store_ops *const backends[] = {
    &store_sqlite_ops,
#ifdef ED_HAVE_PG
    &store_pg_ops,
#endif
    NULL,
};

void store_org_cleanup(struct store_org *o)
{
    free(o->name);
    free(o->secret_ct.data);
    memset(o, 0, sizeof(*o));
}

void store_user_cleanup(struct store_user *u)
{
    free(u->email);
    free(u->first_name);
    free(u->last_name);
    free(u->password_hash);
    free(u->secret_ct.data);
    free(u->role);
    memset(u, 0, sizeof(*u));
}

void store_users_free(struct store_user *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        store_user_cleanup(&list[i]);
    free(list);
}

void store_account_cleanup(struct store_account *a)
{
    free(a->name);
    free(a->description);
    free(a->external_id);
    memset(a, 0, sizeof(*a));
}

void store_accounts_free(struct store_account *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        store_account_cleanup(&list[i]);
    free(list);
}

enum ed_err store_open(const char *url, struct store **out)
{
    *out = NULL;
    for (size_t i = 0; backends[i]; i++) {
        const char *p = backends[i]->url_prefix;
        if (strncmp(url, p, strlen(p)) == 0)
            return backends[i]->open(url, out);
    }
    if (strncmp(url, "postgres", 8) == 0)
        return ED_ERR_UNSUPPORTED;
    return ED_ERR_INVALID;
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

const char *store_backend(const struct store *s)
{
    return s->ops->name;
}

enum ed_err store_ping(struct store *s)
{
    return s->ops->ping(s);
}

enum ed_err
store_org_create_with_user(struct store *s, struct store_org *org,
                           const uint8_t org_hash[STORE_HASH_BYTES],
                           struct store_user *user,
                           const uint8_t user_hash[STORE_HASH_BYTES])
{
    return s->ops->org_create_with_user(s, org, org_hash, user, user_hash);
}

enum ed_err store_user_create(struct store *s, struct store_user *user,
                              const uint8_t user_hash[STORE_HASH_BYTES])
{
    return s->ops->user_create(s, user, user_hash);
}

enum ed_err store_org_get(struct store *s, int64_t id, struct store_org *out)
{
    return s->ops->org_get(s, id, out);
}

enum ed_err store_org_find_by_secret(struct store *s,
                                     const uint8_t hash[STORE_HASH_BYTES],
                                     struct store_org *out)
{
    return s->ops->org_find_by_secret(s, hash, out);
}

enum ed_err store_user_get(struct store *s, int64_t id, struct store_user *out)
{
    return s->ops->user_get(s, id, out);
}

enum ed_err store_user_find_by_email(struct store *s, const char *email,
                                     struct store_user *out)
{
    return s->ops->user_find_by_email(s, email, out);
}

enum ed_err store_user_find_by_secret(struct store *s,
                                      const uint8_t hash[STORE_HASH_BYTES],
                                      struct store_user *out)
{
    return s->ops->user_find_by_secret(s, hash, out);
}

enum ed_err store_session_put(struct store *s,
                              const uint8_t hash[STORE_HASH_BYTES],
                              int64_t user_id, int64_t expires_at)
{
    return s->ops->session_put(s, hash, user_id, expires_at);
}

enum ed_err store_session_find(struct store *s,
                               const uint8_t hash[STORE_HASH_BYTES],
                               int64_t now, int64_t *user_id)
{
    return s->ops->session_find(s, hash, now, user_id);
}

enum ed_err store_session_delete(struct store *s,
                                 const uint8_t hash[STORE_HASH_BYTES])
{
    return s->ops->session_delete(s, hash);
}

void store_instance_cleanup(struct store_instance *i)
{
    free(i->element_key);
    free(i->name);
    free(i->tags);
    free(i->config);
    free(i->secrets_ct.data);
    free(i->token_ct.data);
    free(i->auth_type);
    free(i->external_auth);
    free(i->invalid_reason);
    free(i->provider_meta);
    memset(i, 0, sizeof(*i));
}

void store_instances_free(struct store_instance *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        store_instance_cleanup(&list[k]);
    free(list);
}

enum ed_err store_instance_create(struct store *s, struct store_instance *inst,
                                  const uint8_t token_hash[STORE_HASH_BYTES])
{
    return s->ops->instance_create(s, inst, token_hash);
}

enum ed_err store_instance_get(struct store *s, int64_t org_id, int64_t id,
                               struct store_instance *out)
{
    return s->ops->instance_get(s, org_id, id, out);
}

enum ed_err store_instance_find_by_token(struct store *s,
                                         const uint8_t hash[STORE_HASH_BYTES],
                                         struct store_instance *out)
{
    return s->ops->instance_find_by_token(s, hash, out);
}

enum ed_err store_instance_list(struct store *s, int64_t org_id,
                                const char *element_key,
                                struct store_instance **out, size_t *n)
{
    return s->ops->instance_list(s, org_id, element_key, out, n);
}

void store_set_instance_hook(struct store *s, void (*fn)(void *ud), void *ud)
{
    s->instance_hook = fn;
    s->instance_hook_ud = ud;
}

void store_watch_start(struct store *s)
{
    if (s->ops->watch_start)
        s->ops->watch_start(s);
}

void store_watch_stop(struct store *s)
{
    if (s && s->ops->watch_stop)
        s->ops->watch_stop(s);
}

static _Thread_local bool *unavailable_flag;

void store_track_unavailable(bool *flag)
{
    unavailable_flag = flag;
}

void store_note_unavailable(void)
{
    if (unavailable_flag)
        *unavailable_flag = true;
}

void store_instances_changed(struct store *s)
{
    if (s->instance_hook)
        s->instance_hook(s->instance_hook_ud);
}

/* Every instance write goes through here on its way out: this process's
 * caches first, then the other processes'. */
static enum ed_err changed(struct store *s, enum ed_err err)
{
    if (err == ED_OK) {
        store_instances_changed(s);
        if (s->ops->publish)
            s->ops->publish(s);
    }
    return err;
}

/* --- accounts and users ------------------------------------------------- */

enum ed_err store_account_create(struct store *s, struct store_account *a)
{
    return changed(s, s->ops->account_create(s, a));
}

enum ed_err store_account_get(struct store *s, int64_t org_id, int64_t id,
                              struct store_account *out)
{
    return s->ops->account_get(s, org_id, id, out);
}

enum ed_err store_account_list(struct store *s, int64_t org_id,
                               struct store_account **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->ops->account_list(s, org_id, out, n);
}

enum ed_err store_account_update(struct store *s, struct store_account *a)
{
    return changed(s, s->ops->account_update(s, a));
}

enum ed_err store_account_delete(struct store *s, int64_t org_id, int64_t id,
                                 const char **why)
{
    const char *w = NULL;
    enum ed_err err = s->ops->account_delete(s, org_id, id, &w);
    if (why)
        *why = w;
    return changed(s, err);
}

enum ed_err store_user_list(struct store *s, int64_t org_id, int64_t account_id,
                            struct store_user **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->ops->user_list(s, org_id, account_id, out, n);
}

enum ed_err store_user_update(struct store *s, const struct store_user *u,
                              unsigned fields)
{
    return changed(s, s->ops->user_update(s, u, fields));
}

enum ed_err store_user_delete(struct store *s, int64_t org_id, int64_t id)
{
    return changed(s, s->ops->user_delete(s, org_id, id));
}

enum ed_err store_instance_update(struct store *s,
                                  const struct store_instance *inst,
                                  unsigned fields)
{
    return changed(s,
                   s->ops->instance_update(s, inst, fields & STORE_INST_ALL));
}

enum ed_err store_instance_put_credentials(struct store *s,
                                           struct store_instance *inst)
{
    return changed(s, s->ops->instance_put_credentials(s, inst));
}

enum ed_err store_instance_set_valid(struct store *s, int64_t id, int valid,
                                     const char *reason)
{
    return changed(s, s->ops->instance_set_valid(s, id, valid, reason));
}

static void vdr_announce(struct store *s, int64_t org_id);

enum ed_err store_instance_delete(struct store *s, int64_t org_id, int64_t id)
{
    enum ed_err err = changed(s, s->ops->instance_delete(s, org_id, id));
    if (err == ED_OK) /* its instance-level documents went with it */
        vdr_announce(s, org_id);
    return err;
}

enum ed_err store_instance_due(struct store *s, int64_t refreshed_before,
                               int64_t expires_before, int64_t *ids, size_t max,
                               size_t *n)
{
    return s->ops->instance_due(s, refreshed_before, expires_before, ids, max,
                                n);
}

/* --- refresh claims --------------------------------------------------------
 * Backends with several processes on one database (PostgreSQL) implement
 * the claim as a lock. Without those ops (SQLite: one process) a claim
 * is only a handle: begin and read are plain reads, writes go through at
 * once with the usual compare-and-swap, and end has nothing to release. */

enum ed_err store_instance_refresh_begin(struct store *s, int64_t id,
                                         bool nowait,
                                         struct store_instance *out,
                                         struct store_refresh **rf)
{
    enum ed_err err;
    *rf = NULL;
    if (s->ops->refresh_begin) {
        err = s->ops->refresh_begin(s, id, nowait, out, rf);
    } else {
        err = s->ops->instance_get(s, 0, id, out);
        if (err == ED_OK)
            *rf = ed_calloc(1, sizeof(**rf));
    }
    if (err == ED_OK) {
        (*rf)->s = s;
        (*rf)->id = id;
        (*rf)->wrote = false;
    }
    return err;
}

enum ed_err store_instance_refresh_read(struct store_refresh *rf,
                                        struct store_instance *out)
{
    struct store *s = rf->s;
    if (s->ops->refresh_read)
        return s->ops->refresh_read(rf, out);
    return s->ops->instance_get(s, 0, rf->id, out);
}

enum ed_err store_instance_refresh_put(struct store_refresh *rf,
                                       struct store_instance *inst)
{
    struct store *s = rf->s;
    enum ed_err err;
    if (!s->ops->refresh_put)
        return changed(s, s->ops->instance_put_credentials(s, inst));
    if ((err = s->ops->refresh_put(rf, inst)) == ED_OK)
        rf->wrote = true;
    return err;
}

enum ed_err store_instance_refresh_set_valid(struct store_refresh *rf,
                                             int valid, const char *reason)
{
    struct store *s = rf->s;
    enum ed_err err;
    if (!s->ops->refresh_set_valid)
        return changed(s, s->ops->instance_set_valid(s, rf->id, valid, reason));
    if ((err = s->ops->refresh_set_valid(rf, valid, reason)) == ED_OK)
        rf->wrote = true;
    return err;
}

enum ed_err store_instance_refresh_end(struct store_refresh *rf, bool commit)
{
    struct store *s;
    bool wrote;
    enum ed_err err;
    if (!rf)
        return ED_OK;
    s = rf->s;
    wrote = rf->wrote;
    if (!s->ops->refresh_end) {
        free(rf);
        return ED_OK;
    }
    err = s->ops->refresh_end(rf, commit);
    if (commit && wrote)
        changed(s, err);
    return err;
}

/* --- events outbox (eva) ------------------------------------------------- */

void store_delivery_cleanup(struct store_delivery *d)
{
    if (!d)
        return;
    free(d->event_id);
    free(d->element_key);
    free(d->source);
    free(d->body);
    free(d->url);
    free(d->status);
    free(d->last_error);
    memset(d, 0, sizeof(*d));
}

void store_deliveries_free(struct store_delivery *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        store_delivery_cleanup(&list[i]);
    free(list);
}

enum ed_err store_delivery_add(struct store *s, struct store_delivery *rows,
                               size_t n)
{
    return n ? s->ops->delivery_add(s, rows, n) : ED_OK;
}

/* The skip list goes to the backends as text, "1,2,3" ("" for none): one
 * bound parameter whatever its length. */
enum ed_err store_delivery_claim(struct store *s, int64_t now, int64_t lease_ms,
                                 size_t max, const int64_t *skip, size_t nskip,
                                 struct store_delivery **out, size_t *n)
{
    char *list = ed_calloc(nskip ? nskip * 21 : 1, 1);
    size_t len = 0;
    enum ed_err err;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < nskip; i++)
        len += (size_t)snprintf(list + len, 21, "%s%lld", i ? "," : "",
                                (long long)skip[i]);
    err = s->ops->delivery_claim(s, now, lease_ms, max, list, out, n);
    free(list);
    return err;
}

enum ed_err store_delivery_finish(struct store *s,
                                  const struct store_delivery *rows, size_t n,
                                  size_t *written)
{
    size_t w = 0;
    enum ed_err err = n ? s->ops->delivery_finish(s, rows, n, &w) : ED_OK;
    if (written)
        *written = w;
    return err;
}

enum ed_err store_delivery_list(struct store *s, int64_t org_id,
                                int64_t instance_id, const char *status,
                                const char *url, int64_t before_id, size_t max,
                                struct store_delivery **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->ops->delivery_list(s, org_id, instance_id, status, url, before_id,
                                 max, out, n);
}

enum ed_err store_delivery_requeue(struct store *s, int64_t org_id,
                                   int64_t instance_id, const char *url,
                                   int64_t now, size_t *n)
{
    *n = 0;
    return s->ops->delivery_requeue(s, org_id, instance_id, url, now, n);
}

/* --- events: the poller (evc) -------------------------------------------- */

void store_polls_free(struct store_poll *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].resource);
        free(list[i].seen);
    }
    free(list);
}

enum ed_err store_poll_candidates(struct store *s, int64_t after_id,
                                  int64_t *ids, size_t max, size_t *n)
{
    return s->ops->poll_candidates(s, after_id, ids, max, n);
}

enum ed_err store_poll_list(struct store *s, int64_t instance_id,
                            struct store_poll **out, size_t *n)
{
    return s->ops->poll_list(s, instance_id, out, n);
}

enum ed_err store_poll_schedule(struct store *s, const struct store_poll *p)
{
    return s->ops->poll_schedule(s, p);
}

enum ed_err store_poll_delete(struct store *s, int64_t instance_id,
                              const char *resource)
{
    return s->ops->poll_delete(s, instance_id, resource);
}

enum ed_err store_poll_claim(struct store *s, int64_t now_ms,
                             int64_t lease_until_ms, const char *owner,
                             size_t max, struct store_poll **out, size_t *n)
{
    return s->ops->poll_claim(s, now_ms, lease_until_ms, owner, max, out, n);
}

enum ed_err store_poll_finish(struct store *s, const struct store_poll *p,
                              const char *owner)
{
    return s->ops->poll_finish(s, p, owner);
}

/* --- events: webhook ingress (evb) ----------------------------------------- */

void store_inbox_free(struct store_inbox *rows, size_t n)
{
    for (size_t k = 0; rows && k < n; k++) {
        free(rows[k].element_key);
        free(rows[k].body);
    }
    free(rows);
}

enum ed_err store_inbox_put(struct store *s, const char *element_key,
                            const char *body, size_t len, int64_t now,
                            int64_t *id)
{
    return s->ops->inbox_put(s, element_key, body, len, now, id);
}

enum ed_err store_inbox_claim(struct store *s, int64_t id, int64_t now,
                              int64_t lease, int64_t received_before,
                              size_t max, struct store_inbox **rows, size_t *n)
{
    return s->ops->inbox_claim(s, id, now, lease, received_before, max, rows,
                               n);
}

enum ed_err store_inbox_done(struct store *s, const int64_t *ids, size_t n,
                             int64_t now)
{
    if (!n)
        return ED_OK;
    return s->ops->inbox_done(s, ids, n, now);
}

/* "[1,2,3]": a list of ids as one bound parameter (json_each / jsonb). */
char *store_ids_json(const int64_t *ids, size_t n)
{
    struct ed_buf b;
    ed_buf_init(&b, (size_t)n * 24 + 8);
    ed_buf_appends(&b, "[");
    for (size_t i = 0; i < n; i++)
        ed_buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    ed_buf_appends(&b, "]");
    return ed_buf_take(&b);
}

enum ed_err store_inbox_retry(struct store *s, int64_t id, int64_t retry_at,
                              const char *why)
{
    return s->ops->inbox_retry(s, id, retry_at, why);
}

enum ed_err store_inbox_purge(struct store *s, int64_t before, size_t *n)
{
    return s->ops->inbox_purge(s, before, n);
}

enum ed_err store_instance_find_by_app(struct store *s, int64_t app_id,
                                       int64_t portal_id, int64_t prefer_portal,
                                       size_t max, struct store_instance **out,
                                       size_t *n)
{
    return s->ops->instance_find_by_app(s, app_id, portal_id, prefer_portal,
                                        max, out, n);
}

/* --- virtual resources (issue 12) ------------------------------------------ */

void store_vdr_docs_free(struct store_vdr_doc *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].level);
        free(list[i].element_key);
        free(list[i].name);
        free(list[i].doc);
    }
    free(list);
}

void store_set_vdr_hook(struct store *s, void (*fn)(void *ud, int64_t org_id),
                        void *ud)
{
    s->vdr_hook = fn;
    s->vdr_hook_ud = ud;
}

void store_vdr_changed(struct store *s, int64_t org_id)
{
    if (s->vdr_hook)
        s->vdr_hook(s->vdr_hook_ud, org_id);
}

/* Every virtual-resource write goes through here once committed: this
 * process's cache first, then the other processes'. */
static void vdr_announce(struct store *s, int64_t org_id)
{
    store_vdr_changed(s, org_id);
    if (s->ops->vdr_publish)
        s->ops->vdr_publish(s, org_id);
}

enum ed_err store_vdr_put(struct store *s, enum store_vdr_kind kind,
                          enum store_vdr_mode mode, struct store_vdr_doc *docs,
                          size_t n, size_t max_per_owner, size_t *failed)
{
    size_t f = 0;
    enum ed_err err = ED_OK;
    if (n)
        err = s->ops->vdr_put(s, kind, mode, docs, n, max_per_owner, &f);
    if (failed)
        *failed = f;
    if (err == ED_OK && n)
        vdr_announce(s, docs[0].org_id);
    return err;
}

enum ed_err store_vdr_get(struct store *s, enum store_vdr_kind kind,
                          int64_t org_id, const char *level, int64_t owner_id,
                          const char *element_key, const char *name,
                          struct store_vdr_doc *out)
{
    memset(out, 0, sizeof(*out));
    return s->ops->vdr_get(s, kind, org_id, level, owner_id,
                           kind == STORE_VDR_TF ? element_key : NULL, name,
                           out);
}

enum ed_err store_vdr_list(struct store *s, enum store_vdr_kind kind,
                           int64_t org_id, const char *level, int64_t owner_id,
                           const char *element_key, const char *name,
                           struct store_vdr_doc **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->ops->vdr_list(s, kind, org_id, level, owner_id,
                            kind == STORE_VDR_TF ? element_key : NULL, name,
                            out, n);
}

enum ed_err store_vdr_list_org(struct store *s, int64_t org_id,
                               struct store_vdr_doc **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->ops->vdr_list_org(s, org_id, out, n);
}

enum ed_err store_vdr_delete(struct store *s, enum store_vdr_kind kind,
                             int64_t org_id, const char *level,
                             int64_t owner_id, const char *element_key,
                             const char *name, size_t *n)
{
    size_t k = 0;
    enum ed_err err = s->ops->vdr_delete(s, kind, org_id, level, owner_id,
                                         kind == STORE_VDR_TF ? element_key
                                                              : NULL,
                                         name, &k);
    if (n)
        *n = k;
    if (err == ED_OK && k)
        vdr_announce(s, org_id);
    return err;
}

enum ed_err store_vdr_rename(struct store *s, int64_t org_id, const char *level,
                             int64_t owner_id, const char *from, const char *to)
{
    enum ed_err err = s->ops->vdr_rename(s, org_id, level, owner_id, from, to);
    if (err == ED_OK)
        vdr_announce(s, org_id);
    return err;
}

enum ed_err store_vdr_get_id(struct store *s, enum store_vdr_kind kind,
                             int64_t org_id, int64_t id,
                             struct store_vdr_doc *out)
{
    memset(out, 0, sizeof(*out));
    return s->ops->vdr_get_id(s, kind, org_id, id, out);
}

enum ed_err store_vdr_object_put(struct store *s, struct store_vdr_doc *def,
                                 struct store_vdr_doc *tfs, size_t n,
                                 bool replace, size_t max_per_owner,
                                 size_t *failed)
{
    size_t f = 0;
    enum ed_err err = s->ops->vdr_object_put(s, def, tfs, n, replace,
                                             max_per_owner, &f);
    if (failed)
        *failed = f;
    if (err == ED_OK)
        vdr_announce(s, def->org_id);
    return err;
}

enum ed_err store_vdr_object_delete(struct store *s, int64_t org_id,
                                    const char *level, int64_t owner_id,
                                    const char *name)
{
    enum ed_err err = s->ops->vdr_object_delete(s, org_id, level, owner_id,
                                                name);
    if (err == ED_OK)
        vdr_announce(s, org_id);
    return err;
}

/* --- bulk jobs (issue 13) ------------------------------------------------ */

void store_bulk_job_cleanup(struct store_bulk_job *j)
{
    if (!j)
        return;
    free(j->direction);
    free(j->object_name);
    free(j->status);
    free(j->query);
    free(j->options);
    free(j->checkpoint);
    free(j->message);
    free(j->claimed_by);
    free(j->file_name);
    memset(j, 0, sizeof(*j));
}

void store_bulk_jobs_free(struct store_bulk_job *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_bulk_job_cleanup(&list[i]);
    free(list);
}

bool store_bulk_finished(const char *status)
{
    static const char *const done[] = {"COMPLETED", "CANCELLED", "ERROR",
                                       "ABORTED"};
    for (size_t i = 0; status && i < sizeof(done) / sizeof(done[0]); i++)
        if (strcmp(status, done[i]) == 0)
            return true;
    return false;
}

void store_bulk_errors_free(struct store_bulk_error *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].message);
        free(list[i].record);
    }
    free(list);
}

enum ed_err store_bulk_create(struct store *s, struct store_bulk_job *j)
{
    return s->ops->bulk_create(s, j);
}

enum ed_err store_bulk_get(struct store *s, int64_t org_id, int64_t instance_id,
                           int64_t id, struct store_bulk_job *out)
{
    return s->ops->bulk_get(s, org_id, instance_id, id, out);
}

enum ed_err store_bulk_list(struct store *s, int64_t org_id,
                            int64_t instance_id,
                            const struct store_bulk_filter *f,
                            int64_t before_id, size_t max,
                            struct store_bulk_job **out, size_t *n)
{
    static const struct store_bulk_filter none = {NULL, NULL, NULL, -1, -1};
    return s->ops->bulk_list(s, org_id, instance_id, f ? f : &none, before_id,
                             max, out, n);
}

enum ed_err store_bulk_claim(struct store *s, int64_t now_ms,
                             int64_t lease_until_ms, const char *owner,
                             size_t max, struct store_bulk_job **out, size_t *n)
{
    return s->ops->bulk_claim(s, now_ms, lease_until_ms, owner, max, out, n);
}

enum ed_err store_bulk_checkpoint(struct store *s,
                                  const struct store_bulk_job *j,
                                  const char *owner, int64_t lease_until_ms,
                                  bool *cancel)
{
    *cancel = false;
    return s->ops->bulk_checkpoint(s, j, owner, lease_until_ms, cancel);
}

enum ed_err store_bulk_finish(struct store *s, const struct store_bulk_job *j,
                              const char *owner)
{
    return s->ops->bulk_finish(s, j, owner);
}

enum ed_err store_bulk_cancel(struct store *s, int64_t org_id,
                              int64_t instance_id, int64_t id, int64_t now_ms,
                              char **status)
{
    *status = NULL;
    return s->ops->bulk_cancel(s, org_id, instance_id, id, now_ms, status);
}

enum ed_err store_bulk_delete(struct store *s, int64_t id)
{
    return s->ops->bulk_delete(s, id);
}

enum ed_err store_bulk_expired(struct store *s, int64_t finished_before_ms,
                               int64_t after_id, int64_t *ids, size_t max,
                               size_t *n)
{
    return s->ops->bulk_expired(s, finished_before_ms, after_id, ids, max, n);
}

enum ed_err store_bulk_drop_file(struct store *s, int64_t id)
{
    return s->ops->bulk_drop_file(s, id);
}

enum ed_err store_bulk_errors_add(struct store *s, int64_t job_id,
                                  const struct store_bulk_error *rows, size_t n)
{
    if (n == 0)
        return ED_OK;
    return s->ops->bulk_errors_add(s, job_id, rows, n);
}

enum ed_err store_bulk_errors_list(struct store *s, int64_t job_id,
                                   int64_t after_row, size_t max,
                                   struct store_bulk_error **out, size_t *n)
{
    return s->ops->bulk_errors_list(s, job_id, after_row, max, out, n);
}

/* --- bulk workflows (issue 13) --------------------------------------------- */

void store_bulk_workflow_cleanup(struct store_bulk_workflow *w)
{
    if (!w)
        return;
    free(w->steps);
    free(w->schedule);
    free(w->status);
    memset(w, 0, sizeof(*w));
}

void store_bulk_workflows_free(struct store_bulk_workflow *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_bulk_workflow_cleanup(&list[i]);
    free(list);
}

void store_bulk_run_cleanup(struct store_bulk_run *r)
{
    if (!r)
        return;
    free(r->status);
    free(r->jobs);
    free(r->message);
    memset(r, 0, sizeof(*r));
}

void store_bulk_runs_free(struct store_bulk_run *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_bulk_run_cleanup(&list[i]);
    free(list);
}

char *store_json_append_id(const char *arr, int64_t id)
{
    struct ed_buf b;
    ed_buf_init(&b, (size_t)1 << 20);
    size_t n = arr ? strlen(arr) : 0;
    while (n > 0 && arr[n - 1] != ']')
        n--;
    if (n < 2) {
        ed_buf_printf(&b, "[%lld]", (long long)id);
    } else {
        size_t k = n - 1; /* the ']' */
        bool empty = true;
        for (size_t i = 1; i < k; i++)
            if (arr[i] != ' ')
                empty = false;
        ed_buf_append(&b, arr, k);
        ed_buf_printf(&b, "%s%lld]", empty ? "" : ",", (long long)id);
    }
    return ed_buf_take(&b);
}

enum ed_err store_bulk_wf_create(struct store *s, struct store_bulk_workflow *w,
                                 bool run_now, int64_t *run_id)
{
    int64_t dummy = 0;
    return s->ops->bulk_wf_create(s, w, run_now, run_id ? run_id : &dummy);
}

enum ed_err store_bulk_wf_get(struct store *s, int64_t org_id, int64_t id,
                              struct store_bulk_workflow *out)
{
    return s->ops->bulk_wf_get(s, org_id, id, out);
}

enum ed_err store_bulk_wf_stop(struct store *s, int64_t org_id, int64_t id,
                               int64_t now_ms)
{
    return s->ops->bulk_wf_stop(s, org_id, id, now_ms);
}

enum ed_err store_bulk_wf_due(struct store *s, int64_t now_ms, size_t max,
                              struct store_bulk_workflow **out, size_t *n)
{
    return s->ops->bulk_wf_due(s, now_ms, max, out, n);
}

enum ed_err store_bulk_wf_fire(struct store *s, int64_t id, int64_t due_ms,
                               int64_t next_ms, int64_t now_ms, int64_t *run_id)
{
    return s->ops->bulk_wf_fire(s, id, due_ms, next_ms, now_ms, run_id);
}

enum ed_err store_bulk_wf_pending(struct store *s, size_t max,
                                  struct store_bulk_run **out, size_t *n)
{
    return s->ops->bulk_wf_pending(s, max, out, n);
}

enum ed_err store_bulk_wf_advance(struct store *s,
                                  const struct store_bulk_run *from,
                                  const struct store_bulk_run *to,
                                  struct store_bulk_job *job)
{
    return s->ops->bulk_wf_advance(s, from, to, job);
}

enum ed_err store_bulk_wf_runs(struct store *s, int64_t org_id,
                               int64_t workflow_id, int64_t before_id,
                               size_t max, struct store_bulk_run **out,
                               size_t *n)
{
    return s->ops->bulk_wf_runs(s, org_id, workflow_id, before_id, max, out, n);
}

enum ed_err store_metric_counts(struct store *s,
                                struct store_metric_counts *out)
{
    memset(out, 0, sizeof(*out));
    return s->ops->metric_counts(s, out);
}

/* Backends: add one (status, count) row to out. */
void store_metric_count_row(struct store_metric_counts *out, bool outbox,
                            const char *status, int64_t n)
{
    if (!status)
        return;
    if (outbox) {
        if (strcmp(status, "pending") == 0)
            out->outbox_pending = n;
        else if (strcmp(status, "retry") == 0)
            out->outbox_retry = n;
        return;
    }
    if (out->nbulk == STORE_METRIC_STATUSES ||
        strlen(status) >= sizeof(out->bulk[0].status))
        return;
    snprintf(out->bulk[out->nbulk].status, sizeof(out->bulk[0].status), "%s",
             status);
    out->bulk[out->nbulk++].n = n;
}

/* --- secret lifecycle and the audit log (issue 15) ------------------------ */

/* A secret or token replaced: announced as an instance change, so every
 * node drops the caches that could still accept the old value. */
enum ed_err store_user_set_secret(struct store *s, int64_t user_id,
                                  const struct store_blob *secret_ct,
                                  const uint8_t hash[STORE_HASH_BYTES])
{
    return changed(s, s->ops->user_set_secret(s, user_id, secret_ct, hash));
}

enum ed_err store_user_set_password(struct store *s, int64_t user_id,
                                    const char *password_hash)
{
    return changed(s, s->ops->user_set_password(s, user_id, password_hash));
}

enum ed_err store_org_set_secret(struct store *s, int64_t org_id,
                                 const struct store_blob *secret_ct,
                                 const uint8_t hash[STORE_HASH_BYTES])
{
    return changed(s, s->ops->org_set_secret(s, org_id, secret_ct, hash));
}

enum ed_err store_instance_set_token(struct store *s, int64_t org_id,
                                     int64_t id,
                                     const struct store_blob *token_ct,
                                     const uint8_t hash[STORE_HASH_BYTES])
{
    return changed(s,
                   s->ops->instance_set_token(s, org_id, id, token_ct, hash));
}

void store_audit_free(struct store_audit *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++) {
        free(list[i].actor_ip);
        free(list[i].action);
        free(list[i].target_type);
        free(list[i].detail);
        free(list[i].request_id);
    }
    free(list);
}

enum ed_err store_audit_add(struct store *s, struct store_audit *a)
{
    return s->ops->audit_add(s, a);
}

enum ed_err store_audit_list(struct store *s, int64_t org_id,
                             const struct store_audit_filter *f,
                             int64_t before_id, size_t max,
                             struct store_audit **out, size_t *n)
{
    static const struct store_audit_filter any = {NULL, NULL, -1, -1, 0, 0};
    return s->ops->audit_list(s, org_id, f ? f : &any, before_id, max, out, n);
}

/* --- instance traces ------------------------------------------------------ */

void store_traces_free(struct store_trace *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].doc);
    free(list);
}

enum ed_err store_trace_add(struct store *s, int64_t instance_id,
                            int64_t created_at, const char *doc, size_t keep)
{
    return s->ops->trace_add(s, instance_id, created_at, doc, keep);
}

enum ed_err store_trace_list(struct store *s, int64_t instance_id,
                             int64_t before_id, int64_t since_ms, size_t max,
                             struct store_trace **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    return s->ops->trace_list(s, instance_id, before_id, since_ms, max, out, n);
}

enum ed_err store_trace_clear(struct store *s, int64_t instance_id,
                              int64_t *deleted)
{
    int64_t d = 0;
    enum ed_err err = s->ops->trace_clear(s, instance_id, &d);
    if (deleted)
        *deleted = d;
    return err;
}

enum ed_err store_trace_sweep(struct store *s, int64_t before_ms,
                              int64_t *deleted)
{
    int64_t d = 0;
    enum ed_err err = s->ops->trace_sweep(s, before_ms, &d);
    if (deleted)
        *deleted = d;
    return err;
}

/* --- master-key rotation and backups ----------------------------------- */

enum ed_err store_rotation_get(struct store *s, struct store_key_rotation *out)
{
    memset(out, 0, sizeof(*out));
    return s->ops->rotation_get(s, out);
}

enum ed_err store_rotation_put(struct store *s,
                               const struct store_key_rotation *r)
{
    return s->ops->rotation_put(s, r);
}

void store_rotation_cleanup(struct store_key_rotation *r)
{
    free(r->new_key_ct.data);
    r->new_key_ct.data = NULL;
    r->new_key_ct.len = 0;
}

enum ed_err store_sealed_scan(struct store *s, enum store_sealed_table t,
                              const uint8_t *key_id, int64_t after, size_t max,
                              struct store_sealed_row **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if ((unsigned)t >= STORE_SEALED_TABLES)
        return ED_ERR_INVALID;
    return s->ops->sealed_scan(s, t, key_id, after, max, out, n);
}

enum ed_err store_sealed_update(struct store *s, enum store_sealed_table t,
                                const struct store_sealed_row *rows, size_t n,
                                size_t *changed)
{
    *changed = 0;
    if ((unsigned)t >= STORE_SEALED_TABLES)
        return ED_ERR_INVALID;
    if (n == 0)
        return ED_OK;
    return s->ops->sealed_update(s, t, rows, n, changed);
}

void store_sealed_rows_free(struct store_sealed_row *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].ct.data);
        free(rows[i].ct2.data);
        free(rows[i].new_ct.data);
        free(rows[i].new_ct2.data);
    }
    free(rows);
}

enum ed_err store_backup(struct store *s, const char *path)
{
    return s->ops->backup ? s->ops->backup(s, path) : ED_ERR_UNSUPPORTED;
}

enum ed_err store_restore(struct store *s, const char *path)
{
    return s->ops->restore ? s->ops->restore(s, path) : ED_ERR_UNSUPPORTED;
}
