/* SPDX-License-Identifier: MIT
 * A bulk job's status as GET /bulk/{id}/status answers it, and its
 * completion callback (spec elements-api.md §6.3; docs/api/bulk.md
 * "Completion callbacks"): when a job ends, one JSON POST of that status
 * (plus instanceId, elementKey and the metaData's callback-payload) is
 * queued in the events outbox (events_callback_enqueue), to the job's
 * Elements-Async-Callback-Url or else the instance's
 * event.notification.callback.url, signed like events. The delivery id is
 * derived from the job, so the enqueue is idempotent: a job that ends a
 * second time (its node died between the enqueue and the final status
 * write, and the job ran again) is refused by the outbox's unique
 * event_id and the receiver gets one callback. */
#include <stdio.h>
#include <string.h>

#include "bulk/bulk.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "events/events.h"
#include "store/store.h"

static json_t *iso_or_null(int64_t ms)
{
    char buf[32];
    if (ms <= 0)
        return json_null();
    ed_iso8601(ms / 1000, buf, sizeof(buf));
    return json_string(buf);
}

json_t *bulk_job_status(const struct store_bulk_job *j)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:I,s:I,s:o}", "id", (json_int_t)j->id,
                          "status", j->status, "objectName", j->object_name,
                          "recordsCount", (json_int_t)j->records_count,
                          "recordsFailedCount", (json_int_t)j->failed_count,
                          "bulk_start_time", iso_or_null(j->started_at));
    if (store_bulk_finished(j->status))
        json_object_set_new(o, "bulk_finish_time", iso_or_null(j->finished_at));
    if (j->message)
        json_object_set_new(o, "message", json_string(j->message));
    json_t *cp = json_loads(j->checkpoint ? j->checkpoint : "", 0, NULL);
    json_t *made = json_object_get(cp, "createdProperties");
    if (json_is_array(made))
        json_object_set(o, "createdProperties", made);
    json_decref(cp);
    return o;
}

void bulk_callback_id(const struct store_bulk_job *j, char out[25])
{
    char seed[96];
    uint8_t h[32];
    static const char hex[] = "0123456789abcdef";
    snprintf(seed, sizeof(seed), "elementsd-bulk-callback:%lld:%lld",
             (long long)j->id, (long long)j->created_at);
    crypto_sha256(seed, strlen(seed), h);
    for (size_t i = 0; i < 12; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[24] = '\0';
}

enum ed_err bulk_callback_enqueue(struct ed_app *app,
                                  const struct store_bulk_job *j,
                                  const struct instance *in)
{
    struct instance own;
    enum ed_err err = ED_OK;
    memset(&own, 0, sizeof(own));
    if (!in || in->row.id != j->instance_id) {
        err = instance_load(app, j->org_id, j->instance_id, &own);
        if (err) /* the instance is gone: nobody to tell */
            return err;
        in = &own;
    }
    json_t *opts = json_loads(j->options ? j->options : "", 0, NULL);
    const char *url = json_string_value(json_object_get(opts, "callbackUrl"));
    json_t *body = bulk_job_status(j);
    json_object_set_new(body, "instanceId", json_integer(j->instance_id));
    json_object_set_new(body, "elementKey",
                        json_string(in->row.element_key ? in->row.element_key
                                                        : ""));
    json_t *payload = json_object_get(opts, "callback-payload");
    if (payload)
        json_object_set(body, "callback-payload", payload);
    char id[25];
    bulk_callback_id(j, id);
    err = events_callback_enqueue(app, in, "bulk", url, body, id);
    if (err == ED_ERR_EXISTS) {
        err = ED_OK; /* queued before a restart: once is enough */
    } else if (err == ED_ERR_INVALID) {
        err = ED_OK; /* no URL: no callback */
    } else if (err) {
        ed_warn(NULL, "msg=\"bulk callback not queued\" job=%lld err=%d",
                (long long)j->id, (int)err);
    } else {
        ed_info(NULL, "msg=\"bulk callback queued\" job=%lld eventId=%s",
                (long long)j->id, id);
    }
    json_decref(body);
    json_decref(opts);
    instance_cleanup(&own);
    return err;
}
