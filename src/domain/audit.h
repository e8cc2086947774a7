/* SPDX-License-Identifier: MIT */
#ifndef ED_DOMAIN_AUDIT_H
#define ED_DOMAIN_AUDIT_H
#include <stdint.h>

#include "core/errors.h"

/* The audit log (issue 15): every change to users, roles, secrets,
 * instances and configuration, with who made it, when and from where.
 * Never a secret: `detail` names what changed (field names, the new role,
 * "secret reset"), never a value that is one. */

struct ed_app;

struct audit_entry {
    int64_t org_id;          /* the organization the change belongs to */
    int64_t actor_id;        /* the user who made it; 0 = the command line */
    const char *actor_ip;    /* the caller's address, or NULL */
    const char *action;      /* dotted verb: "user.create", "user.role",
                           * "user.secret.reset", "org.secret.reset",
                           * "instance.create", "instance.token.regenerate",
                           * "instance.update", "instance.delete",
                           * "config.update", "auth.denied", ... */
    const char *target_type; /* "user", "account", "instance", "org", ... */
    int64_t target_id;       /* 0 when none */
    const char *detail;      /* short text, no secret; NULL allowed */
    const char *request_id;  /* Elements-Request-Id, or NULL */
    int outcome;             /* HTTP status, or 0 */
};

/* Record one entry (any thread). Durable when it returns ED_OK; a failure
 * is logged and returned (the change itself is not undone). */
enum ed_err audit_record(struct ed_app *app, const struct audit_entry *e);

/* audit_record for a change made by request req: organization, actor,
 * address and request id come from it (an unauthenticated request is
 * recorded under org_id, its actor 0). One line per audited site. */
struct ed_request;
void audit_req(const struct ed_request *req, int64_t org_id, const char *action,
               const char *target_type, int64_t target_id, const char *detail,
               int outcome);

#endif
