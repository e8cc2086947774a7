/* SPDX-License-Identifier: MIT
 * The audit log (domain/audit.h). */
#include "domain/audit.h"

#include "core/log.h"

enum ed_err audit_record(struct ed_app *app, const struct audit_entry *e)
{
    (void)app;
    ed_info(e->request_id,
            "msg=\"audit\" org=%lld actor=%lld action=%s "
            "target=%s:%lld outcome=%d",
            (long long)e->org_id, (long long)e->actor_id, e->action,
            e->target_type ? e->target_type : "-", (long long)e->target_id,
            e->outcome);
    return ED_OK;
}
