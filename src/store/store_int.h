/* SPDX-License-Identifier: MIT */
#ifndef ED_STORE_INT_H
#define ED_STORE_INT_H
#include "store/store.h"

/* Backend interface: a const ops table per backend, and a handle that embeds
 * struct store as its first member. Only store.c calls through ops. */
struct store_ops {
    const char *name;
    const char *url_prefix; /* e.g. "sqlite:" */
    enum ed_err (*open)(const char *url, struct store **out);
    void (*close)(struct store *s);
    enum ed_err (*ping)(struct store *s);
    enum ed_err (*org_create_with_user)(struct store *s, struct store_org *org,
                                        const uint8_t *org_hash,
                                        struct store_user *user,
                                        const uint8_t *user_hash);
    enum ed_err (*user_create)(struct store *s, struct store_user *user,
                               const uint8_t *user_hash);
    enum ed_err (*org_get)(struct store *s, int64_t id, struct store_org *out);
    enum ed_err (*org_find_by_secret)(struct store *s, const uint8_t *hash,
                                      struct store_org *out);
    enum ed_err (*user_get)(struct store *s, int64_t id,
                            struct store_user *out);
    enum ed_err (*user_find_by_email)(struct store *s, const char *email,
                                      struct store_user *out);
    enum ed_err (*user_find_by_secret)(struct store *s, const uint8_t *hash,
                                       struct store_user *out);
    enum ed_err (*session_put)(struct store *s, const uint8_t *hash,
                               int64_t user_id, int64_t expires_at);
    enum ed_err (*session_find)(struct store *s, const uint8_t *hash,
                                int64_t now, int64_t *user_id);
    enum ed_err (*session_delete)(struct store *s, const uint8_t *hash);
    enum ed_err (*instance_create)(struct store *s, struct store_instance *inst,
                                   const uint8_t *token_hash);
    enum ed_err (*instance_get)(struct store *s, int64_t org_id, int64_t id,
                                struct store_instance *out);
    enum ed_err (*instance_find_by_token)(struct store *s, const uint8_t *hash,
                                          struct store_instance *out);
    enum ed_err (*instance_list)(struct store *s, int64_t org_id,
                                 const char *element_key,
                                 struct store_instance **out, size_t *n);
    enum ed_err (*instance_update)(struct store *s,
                                   const struct store_instance *inst,
                                   unsigned fields);
    enum ed_err (*instance_put_credentials)(struct store *s,
                                            struct store_instance *inst);
    enum ed_err (*instance_set_valid)(struct store *s, int64_t id, int valid,
                                      const char *reason);
    enum ed_err (*instance_delete)(struct store *s, int64_t org_id, int64_t id);
    enum ed_err (*account_create)(struct store *s, struct store_account *a);
    enum ed_err (*account_get)(struct store *s, int64_t org_id, int64_t id,
                               struct store_account *out);
    enum ed_err (*account_list)(struct store *s, int64_t org_id,
                                struct store_account **out, size_t *n);
    enum ed_err (*account_update)(struct store *s, struct store_account *a);
    enum ed_err (*account_delete)(struct store *s, int64_t org_id, int64_t id,
                                  const char **why);
    enum ed_err (*user_list)(struct store *s, int64_t org_id,
                             int64_t account_id, struct store_user **out,
                             size_t *n);
    enum ed_err (*user_update)(struct store *s, const struct store_user *u,
                               unsigned fields);
    enum ed_err (*user_delete)(struct store *s, int64_t org_id, int64_t id);
    enum ed_err (*instance_due)(struct store *s, int64_t refreshed_before,
                                int64_t expires_before, int64_t *ids,
                                size_t max, size_t *n);

    /* Optional (NULL: store.c's single-process versions). */

    /* Announce an instance change to the other processes (after commit). */
    void (*publish)(struct store *s);
    /* Start the thread that calls instance_hook for their changes. */
    void (*watch_start)(struct store *s);
    void (*watch_stop)(struct store *s);
    /* Refresh claims (store.h). begin allocates *rf (embedding struct
     * store_refresh first) and end frees it; store.c sets rf->s, rf->id
     * and rf->wrote, and calls the hook after a commit that wrote. */
    enum ed_err (*refresh_begin)(struct store *s, int64_t id, bool nowait,
                                 struct store_instance *out,
                                 struct store_refresh **rf);
    enum ed_err (*refresh_read)(struct store_refresh *rf,
                                struct store_instance *out);
    enum ed_err (*refresh_put)(struct store_refresh *rf,
                               struct store_instance *inst);
    enum ed_err (*refresh_set_valid)(struct store_refresh *rf, int valid,
                                     const char *reason);
    enum ed_err (*refresh_end)(struct store_refresh *rf, bool commit);
    /* events outbox (eva; store.h) */
    enum ed_err (*delivery_add)(struct store *s, struct store_delivery *rows,
                                size_t n);
    enum ed_err (*delivery_claim)(struct store *s, int64_t now,
                                  int64_t lease_ms, size_t max,
                                  const char *skip, struct store_delivery **out,
                                  size_t *n);
    enum ed_err (*delivery_finish)(struct store *s,
                                   const struct store_delivery *rows, size_t n,
                                   size_t *written);
    enum ed_err (*delivery_list)(struct store *s, int64_t org_id,
                                 int64_t instance_id, const char *status,
                                 const char *url, int64_t before_id, size_t max,
                                 struct store_delivery **out, size_t *n);
    enum ed_err (*delivery_requeue)(struct store *s, int64_t org_id,
                                    int64_t instance_id, const char *url,
                                    int64_t now, size_t *n);

    /* events: webhook ingress (evb) */
    enum ed_err (*inbox_put)(struct store *s, const char *element_key,
                             const char *body, size_t len, int64_t now,
                             int64_t *id);
    enum ed_err (*inbox_claim)(struct store *s, int64_t id, int64_t now,
                               int64_t lease, int64_t received_before,
                               size_t max, struct store_inbox **rows,
                               size_t *n);
    enum ed_err (*inbox_done)(struct store *s, const int64_t *ids, size_t n,
                              int64_t now);
    enum ed_err (*inbox_retry)(struct store *s, int64_t id, int64_t retry_at,
                               const char *why);
    enum ed_err (*inbox_purge)(struct store *s, int64_t before, size_t *n);
    enum ed_err (*instance_find_by_app)(struct store *s, int64_t app_id,
                                        int64_t portal_id,
                                        int64_t prefer_portal, size_t max,
                                        struct store_instance **out, size_t *n);

    /* events: the poller (evc) */
    enum ed_err (*poll_candidates)(struct store *s, int64_t after_id,
                                   int64_t *ids, size_t max, size_t *n);
    enum ed_err (*poll_list)(struct store *s, int64_t instance_id,
                             struct store_poll **out, size_t *n);
    enum ed_err (*poll_schedule)(struct store *s, const struct store_poll *p);
    enum ed_err (*poll_delete)(struct store *s, int64_t instance_id,
                               const char *resource);
    enum ed_err (*poll_claim)(struct store *s, int64_t now_ms,
                              int64_t lease_until_ms, const char *owner,
                              size_t max, struct store_poll **out, size_t *n);
    enum ed_err (*poll_finish)(struct store *s, const struct store_poll *p,
                               const char *owner);

    /* virtual resources (store.h) */
    enum ed_err (*vdr_put)(struct store *s, enum store_vdr_kind kind,
                           enum store_vdr_mode mode, struct store_vdr_doc *docs,
                           size_t n, size_t max_per_owner, size_t *failed);
    enum ed_err (*vdr_get)(struct store *s, enum store_vdr_kind kind,
                           int64_t org_id, const char *level, int64_t owner_id,
                           const char *element_key, const char *name,
                           struct store_vdr_doc *out);
    enum ed_err (*vdr_list)(struct store *s, enum store_vdr_kind kind,
                            int64_t org_id, const char *level, int64_t owner_id,
                            const char *element_key, const char *name,
                            struct store_vdr_doc **out, size_t *n);
    enum ed_err (*vdr_list_org)(struct store *s, int64_t org_id,
                                struct store_vdr_doc **out, size_t *n);
    enum ed_err (*vdr_delete)(struct store *s, enum store_vdr_kind kind,
                              int64_t org_id, const char *level,
                              int64_t owner_id, const char *element_key,
                              const char *name, size_t *n);
    enum ed_err (*vdr_rename)(struct store *s, int64_t org_id,
                              const char *level, int64_t owner_id,
                              const char *from, const char *to);
    enum ed_err (*vdr_get_id)(struct store *s, enum store_vdr_kind kind,
                              int64_t org_id, int64_t id,
                              struct store_vdr_doc *out);
    enum ed_err (*vdr_object_put)(struct store *s, struct store_vdr_doc *def,
                                  struct store_vdr_doc *tfs, size_t n,
                                  bool replace, size_t max_per_owner,
                                  size_t *failed);
    enum ed_err (*vdr_object_delete)(struct store *s, int64_t org_id,
                                     const char *level, int64_t owner_id,
                                     const char *name);
    /* Optional: announce a virtual-resource change of org_id to the other
     * processes (after commit). */
    void (*vdr_publish)(struct store *s, int64_t org_id);
    /* bulk jobs (store.h) */
    enum ed_err (*bulk_create)(struct store *s, struct store_bulk_job *j);
    enum ed_err (*bulk_get)(struct store *s, int64_t org_id,
                            int64_t instance_id, int64_t id,
                            struct store_bulk_job *out);
    enum ed_err (*bulk_list)(struct store *s, int64_t org_id,
                             int64_t instance_id,
                             const struct store_bulk_filter *f,
                             int64_t before_id, size_t max,
                             struct store_bulk_job **out, size_t *n);
    enum ed_err (*bulk_claim)(struct store *s, int64_t now_ms,
                              int64_t lease_until_ms, const char *owner,
                              size_t max, struct store_bulk_job **out,
                              size_t *n);
    enum ed_err (*bulk_checkpoint)(struct store *s,
                                   const struct store_bulk_job *j,
                                   const char *owner, int64_t lease_until_ms,
                                   bool *cancel);
    enum ed_err (*bulk_finish)(struct store *s, const struct store_bulk_job *j,
                               const char *owner);
    enum ed_err (*bulk_cancel)(struct store *s, int64_t org_id,
                               int64_t instance_id, int64_t id, int64_t now_ms,
                               char **status);
    enum ed_err (*bulk_delete)(struct store *s, int64_t id);
    enum ed_err (*bulk_expired)(struct store *s, int64_t finished_before_ms,
                                int64_t after_id, int64_t *ids, size_t max,
                                size_t *n);
    enum ed_err (*bulk_drop_file)(struct store *s, int64_t id);
    enum ed_err (*bulk_errors_add)(struct store *s, int64_t job_id,
                                   const struct store_bulk_error *rows,
                                   size_t n);
    enum ed_err (*bulk_errors_list)(struct store *s, int64_t job_id,
                                    int64_t after_row, size_t max,
                                    struct store_bulk_error **out, size_t *n);
    /* bulk workflows (store.h) */
    enum ed_err (*bulk_wf_create)(struct store *s,
                                  struct store_bulk_workflow *w, bool run_now,
                                  int64_t *run_id);
    enum ed_err (*bulk_wf_get)(struct store *s, int64_t org_id, int64_t id,
                               struct store_bulk_workflow *out);
    enum ed_err (*bulk_wf_stop)(struct store *s, int64_t org_id, int64_t id,
                                int64_t now_ms);
    enum ed_err (*bulk_wf_due)(struct store *s, int64_t now_ms, size_t max,
                               struct store_bulk_workflow **out, size_t *n);
    enum ed_err (*bulk_wf_fire)(struct store *s, int64_t id, int64_t due_ms,
                                int64_t next_ms, int64_t now_ms,
                                int64_t *run_id);
    enum ed_err (*bulk_wf_pending)(struct store *s, size_t max,
                                   struct store_bulk_run **out, size_t *n);
    enum ed_err (*bulk_wf_advance)(struct store *s,
                                   const struct store_bulk_run *from,
                                   const struct store_bulk_run *to,
                                   struct store_bulk_job *job);
    enum ed_err (*bulk_wf_runs)(struct store *s, int64_t org_id,
                                int64_t workflow_id, int64_t before_id,
                                size_t max, struct store_bulk_run **out,
                                size_t *n);
    enum ed_err (*metric_counts)(struct store *s,
                                 struct store_metric_counts *out);
    /* secret lifecycle and the audit log (issue 15) */
    enum ed_err (*user_set_secret)(struct store *s, int64_t user_id,
                                   const struct store_blob *ct,
                                   const uint8_t *hash);
    enum ed_err (*user_set_password)(struct store *s, int64_t user_id,
                                     const char *password_hash);
    enum ed_err (*org_set_secret)(struct store *s, int64_t org_id,
                                  const struct store_blob *ct,
                                  const uint8_t *hash);
    enum ed_err (*instance_set_token)(struct store *s, int64_t org_id,
                                      int64_t id, const struct store_blob *ct,
                                      const uint8_t *hash);
    enum ed_err (*audit_add)(struct store *s, struct store_audit *a);
    enum ed_err (*audit_list)(struct store *s, int64_t org_id,
                              const struct store_audit_filter *f,
                              int64_t before_id, size_t max,
                              struct store_audit **out, size_t *n);
    enum ed_err (*trace_add)(struct store *s, int64_t instance_id,
                             int64_t created_at, const char *doc, size_t keep);
    enum ed_err (*trace_list)(struct store *s, int64_t instance_id,
                              int64_t before_id, int64_t since_ms, size_t max,
                              struct store_trace **out, size_t *n);
    enum ed_err (*trace_clear)(struct store *s, int64_t instance_id,
                               int64_t *deleted);
    enum ed_err (*trace_sweep)(struct store *s, int64_t before_ms,
                               int64_t *deleted);

    /* master-key rotation and backups (append) */
    enum ed_err (*rotation_get)(struct store *s,
                                struct store_key_rotation *out);
    enum ed_err (*rotation_put)(struct store *s,
                                const struct store_key_rotation *r);
    enum ed_err (*sealed_scan)(struct store *s, enum store_sealed_table t,
                               const uint8_t *key_id, int64_t after, size_t max,
                               struct store_sealed_row **out, size_t *n);
    enum ed_err (*sealed_update)(struct store *s, enum store_sealed_table t,
                                 const struct store_sealed_row *rows, size_t n,
                                 size_t *changed);
    /* NULL: ED_ERR_UNSUPPORTED */
    enum ed_err (*backup)(struct store *s, const char *path);
    enum ed_err (*restore)(struct store *s, const char *path);
};

struct store {
    const struct store_ops *ops;
    void (*instance_hook)(void *ud); /* see store_set_instance_hook */
    void *instance_hook_ud;
    void (*vdr_hook)(void *ud, int64_t org_id); /* store_set_vdr_hook */
    void *vdr_hook_ud;
};

struct store_refresh {
    struct store *s;
    int64_t id;
    bool wrote; /* a write is pending until end(commit) */
};

/* Backends: this thread's store call failed because the database cannot
 * be reached (see store_track_unavailable). */
void store_note_unavailable(void);
/* Backends: call the instance hook (another process changed an instance). */
void store_instances_changed(struct store *s);
/* Backends: call the vdr hook (another process changed org_id's virtual
 * resources; 0: unknown, maybe several). */
void store_vdr_changed(struct store *s, int64_t org_id);

/* Backends: add one (status, count) row to out (store_metric_counts). */
void store_metric_count_row(struct store_metric_counts *out, bool outbox,
                            const char *status, int64_t n);

/* Backends (evb): a heap "[1,2,3]" of ids, bound as one parameter. */
char *store_ids_json(const int64_t *ids, size_t n);
/* Backends (bulk workflows): heap copy of the JSON array text arr with id
 * appended. */
char *store_json_append_id(const char *arr, int64_t id);

extern const struct store_ops store_sqlite_ops;
#ifdef ED_HAVE_PG
extern const struct store_ops store_pg_ops;
#endif

#endif
