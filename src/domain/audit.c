/* SPDX-License-Identifier: MIT
 * The audit log (domain/audit.h): one row per entry in the store's
 * audit_log table, written synchronously by the thread that made the
 * change. The strings are bounded here (a hostile address or a long
 * request id cannot grow a row); what goes into `detail` is the caller's
 * business, built from field names and never from values. */
#include "domain/audit.h"

#include <string.h>

#include "core/log.h"
#include "core/request.h"
#include "core/timeutil.h"
#include "domain/app.h"
#include "store/store.h"

#define AUDIT_TEXT_MAX 200

/* s cut to AUDIT_TEXT_MAX bytes (on a UTF-8 boundary) in buf, or NULL. */
static char *bounded(const char *s, char *buf, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

enum ed_err audit_record(struct ed_app *app, const struct audit_entry *e)
{
    char ip[64], action[AUDIT_TEXT_MAX + 1], type[AUDIT_TEXT_MAX + 1],
        detail[AUDIT_TEXT_MAX + 1], rid[32];
    struct store_audit a = {
        .org_id = e->org_id,
        .at = (int64_t)ed_now_ms(),
        .actor_id = e->actor_id,
        .actor_ip = bounded(e->actor_ip && *e->actor_ip ? e->actor_ip : NULL,
                            ip, sizeof(ip)),
        .action = bounded(e->action ? e->action : "unknown", action,
                          sizeof(action)),
        .target_type = bounded(e->target_type, type, sizeof(type)),
        .target_id = e->target_id,
        .detail = bounded(e->detail, detail, sizeof(detail)),
        .request_id = bounded(e->request_id, rid, sizeof(rid)),
        .outcome = e->outcome,
    };
    enum ed_err err = app && app->store ? store_audit_add(app->store, &a)
                                        : ED_ERR_INVALID;
    if (err)
        ed_error(e->request_id,
                 "msg=\"audit entry not written\" org=%lld actor=%lld "
                 "action=%s target=%s:%lld outcome=%d err=%s",
                 (long long)e->org_id, (long long)e->actor_id, a.action,
                 a.target_type ? a.target_type : "-", (long long)e->target_id,
                 e->outcome, ed_strerror(err));
    return err;
}

void audit_req(const struct ed_request *req, int64_t org_id, const char *action,
               const char *target_type, int64_t target_id, const char *detail,
               int outcome)
{
    struct audit_entry e = {
        .org_id = org_id ? org_id : req->auth.org_id,
        .actor_id = req->auth.authenticated ? req->auth.user_id : 0,
        .actor_ip = req->client_ip,
        .action = action,
        .target_type = target_type,
        .target_id = target_id,
        .detail = detail,
        .request_id = req->request_id,
        .outcome = outcome,
    };
    audit_record(req->app, &e);
}
