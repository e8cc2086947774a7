/* SPDX-License-Identifier: MIT
 * Events and their deliveries over REST (spec elements-api.md §5.5-5.6):
 *   GET  /instances/{id}/events, GET /instances/events (Element token):
 *        the instance's events, newest first, with their status;
 *   POST /instances/{id}/events/test, POST /instances/events/test: queue
 *        one UNKNOWN test event (source "test") for the callback URL;
 *   GET  /notifications/subscriptions/deliveries?where=...: deliveries of
 *        the caller's organization (channel, status, config.url,
 *        instanceId in the where clause);
 *   PUT  /notifications/subscriptions/deliveries?where=...: re-send the
 *        queued ones the clause selects.
 * Lists page with pageSize (default 50, at most 500) and nextPage, the
 * token given in Elements-Next-Page-Token. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "events/outbox.h"
#include "store/store.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500

/* The instance named by {id}, or by the Element token (id_s NULL), of the
 * caller's organization; else an error response. */
static bool pick(struct ed_request *req, struct ed_response *res,
                 const char *id_s, struct instance *in)
{
    enum ed_err err;
    if (id_s) {
        uint64_t id;
        err = ED_ERR_NOT_FOUND;
        if (ed_parse_u64(id_s, INT64_MAX, &id))
            err = instance_load(req->app, req->auth.org_id, (int64_t)id, in);
        if (err == ED_OK &&
            !accounts_sees_instance(&req->auth, in->row.account_id,
                                    in->row.user_id)) {
            instance_cleanup(in); /* another account's: 404, as by id */
            err = ED_ERR_NOT_FOUND;
        }
        if (err == ED_ERR_NOT_FOUND) {
            res_error(req, res, ED_E_NOT_FOUND,
                      "No element instance found for id %.40s", id_s);
            return false;
        }
    } else {
        const char *tok = req->auth.element_token;
        if (!tok) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "This call selects the instance by its token: send "
                      "'Element <token>' in the Authorization header");
            return false;
        }
        err = instance_load_by_token(req->app, tok, in);
        if (err == ED_OK && in->row.org_id != req->auth.org_id) {
            instance_cleanup(in);
            err = ED_ERR_NOT_FOUND;
        }
        if (err == ED_ERR_NOT_FOUND) {
            res_error(req, res, ED_E_UNAUTHORIZED,
                      "Invalid Element token: no such element instance");
            return false;
        }
    }
    if (err != ED_OK) {
        res_error(req, res, ED_E_INTERNAL, "Cannot read the instance");
        return false;
    }
    if (!id_s && !api_instance_visible(req, res, &in->row)) { /* 403 */
        instance_cleanup(in);
        return false;
    }
    return true;
}

static bool paging(struct ed_request *req, struct ed_response *res,
                   size_t *size, int64_t *before)
{
    return api_id_paging(req, res, PAGE_DEFAULT, PAGE_MAX, size, before);
}

static void next_page(struct ed_request *req, struct ed_response *res,
                      const struct store_delivery *rows, size_t n, size_t size)
{
    if (n == size && n > 0)
        res_header(res, "Elements-Next-Page-Token",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)rows[n - 1].id));
}

static json_t *iso_ms(int64_t ms)
{
    char buf[32];
    if (ms <= 0)
        return json_null();
    ed_iso8601(ms / 1000, buf, sizeof(buf));
    return json_string(buf);
}

/* §5.6 event status of a delivery. */
static const char *event_status(const struct store_delivery *d)
{
    if (!strcmp(d->status, "delivered"))
        return "NOTIFIED";
    if (!strcmp(d->status, "pending") && d->attempts == 0)
        return "RECEIVED";
    return "DISPATCHED";
}

/* §5.5 delivery status: the store's "pending" is "created". */
static const char *delivery_status(const char *st)
{
    return !strcmp(st, "pending") ? "created" : st;
}

static json_t *render_event(const struct store_delivery *d)
{
    json_t *body = json_loads(d->body, 0, NULL);
    json_t *msg = json_object_get(body, "message");
    json_t *raw = json_object_get(msg, "raw");
    char *raw_s = raw ? json_dumps(raw, JSON_COMPACT) : NULL;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(d->event_id));
    json_object_set_new(o, "eventDate", iso_ms(d->created_at));
    json_object_set_new(o, "status", json_string(event_status(d)));
    json_object_set_new(o, "providerData", json_string(raw_s ? raw_s : "{}"));
    json_t *evs = json_object_get(msg, "events");
    json_object_set(o, "notifiedData", evs ? evs : json_array());
    if (!evs)
        json_decref(json_object_get(o, "notifiedData"));
    json_object_set_new(o, "instanceId", json_integer(d->instance_id));
    json_object_set_new(o, "elementKey", json_string(d->element_key));
    json_object_set_new(o, "source", json_string(d->source));
    json_object_set_new(o, "deliveryStatus",
                        json_string(delivery_status(d->status)));
    json_object_set_new(o, "attempts", json_integer(d->attempts));
    json_object_set_new(o, "deliveredDate", iso_ms(d->delivered_at));
    free(raw_s);
    json_decref(body);
    return o;
}

static json_t *render_delivery(const struct store_delivery *d)
{
    json_t *body = json_loads(d->body, 0, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(d->event_id));
    json_object_set_new(o, "eventId", json_string(d->event_id));
    json_object_set_new(o, "channel", json_string("webhook"));
    json_object_set_new(o, "status", json_string(delivery_status(d->status)));
    json_object_set_new(o, "instanceId", json_integer(d->instance_id));
    json_object_set_new(o, "elementKey", json_string(d->element_key));
    json_object_set_new(o, "config", json_pack("{s:s?}", "url", d->url));
    json_object_set_new(o, "attempts", json_integer(d->attempts));
    json_object_set_new(o, "createdDate", iso_ms(d->created_at));
    json_object_set_new(o, "nextAttemptDate",
                        (!strcmp(d->status, "pending") ||
                         !strcmp(d->status, "retry"))
                            ? iso_ms(d->next_at)
                            : json_null());
    json_object_set_new(o, "deliveredDate", iso_ms(d->delivered_at));
    json_object_set_new(o, "lastStatusCode",
                        d->last_status ? json_integer(d->last_status)
                                       : json_null());
    json_object_set_new(o, "lastError",
                        d->last_error ? json_string(d->last_error)
                                      : json_null());
    json_object_set_new(o, "payload", body ? body : json_null());
    return o;
}

/* --- instance events ------------------------------------------------------ */

static int events_list(struct ed_request *req, struct ed_response *res,
                       const char *id_s)
{
    struct instance in;
    struct store_delivery *rows = NULL;
    size_t n = 0, size;
    int64_t before;
    if (!paging(req, res, &size, &before) || !pick(req, res, id_s, &in))
        return res->status;
    enum ed_err err = store_delivery_list(req->app->store, req->auth.org_id,
                                          in.row.id, NULL, NULL, before, size,
                                          &rows, &n);
    instance_cleanup(&in);
    if (err)
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the events");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, render_event(&rows[i]));
    next_page(req, res, rows, n, size);
    store_deliveries_free(rows, n);
    return res_json(res, 200, arr);
}

static int by_id_events(struct ed_request *req, struct ed_response *res)
{
    return events_list(req, res, req_param(req, 0));
}

static int by_tok_events(struct ed_request *req, struct ed_response *res)
{
    return events_list(req, res, NULL);
}

static int events_test(struct ed_request *req, struct ed_response *res,
                       const char *id_s)
{
    struct instance in;
    char date[32];
    if (!pick(req, res, id_s, &in))
        return res->status;
    const char *url = instance_cfg(&in, "event.notification.callback.url");
    if (!url || !*url) {
        instance_cleanup(&in);
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "The instance has no "
                         "event.notification.callback.url to send a test "
                         "event to");
    }
    ed_iso8601(ed_now_s(), date, sizeof(date));
    json_t *evs = json_pack("[{s:s,s:s,s:s,s:s}]", "objectType", "test",
                            "objectId", "test", "eventType", "UNKNOWN", "date",
                            date);
    json_t *raw = json_pack("{s:s,s:s,s:I,s:s}", "objectType", "test", "source",
                            "test", "instance_id", (json_int_t)in.row.id,
                            "date", date);
    json_t *ids = json_array();
    enum ed_err err = events_outbox_enqueue(req->app, &in, "test", evs, raw, 1,
                                            ids);
    json_decref(evs);
    json_decref(raw);
    instance_cleanup(&in);
    if (err) {
        json_decref(ids);
        return res_error(req, res, ED_E_INTERNAL, "Cannot queue the event");
    }
    json_t *out = json_pack("{s:O,s:s}", "eventId", json_array_get(ids, 0),
                            "eventStatus", "RECEIVED");
    json_decref(ids);
    return res_json(res, 200, out);
}

static int by_id_test(struct ed_request *req, struct ed_response *res)
{
    return events_test(req, res, req_param(req, 0));
}

static int by_tok_test(struct ed_request *req, struct ed_response *res)
{
    return events_test(req, res, NULL);
}

/* --- deliveries: where clause --------------------------------------------- */

struct dwhere {
    const char *status; /* store status or NULL */
    const char *url;
    int64_t instance_id;
    bool none; /* selects nothing (another channel) */
};

static size_t skip_ws(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    return i;
}

/* name = 'value' [and name = 'value' ...]; names: channel, status,
 * config.url, instanceId (instance_id); '' inside a value is a quote. */
static bool parse_where(struct ed_request *req, const char *w,
                        struct dwhere *out, const char **why)
{
    size_t i = 0;
    memset(out, 0, sizeof(*out));
    if (!w)
        return true;
    for (;;) {
        i = skip_ws(w, i);
        if (!w[i])
            return true;
        size_t ns = i;
        while (w[i] && w[i] != '=' && w[i] != ' ' && w[i] != '\t')
            i++;
        size_t nlen = i - ns;
        i = skip_ws(w, i);
        if (w[i] != '=') {
            *why = "expected name = 'value'";
            return false;
        }
        i = skip_ws(w, i + 1);
        const char *val = api_where_value(req, w, &i, why);
        if (!val)
            return false;
        const char *name = w + ns;
#define IS(lit) (nlen == strlen(lit) && strncasecmp(name, lit, nlen) == 0)
        if (IS("channel")) {
            if (strcasecmp(val, "webhook") != 0)
                out->none = true;
        } else if (IS("status")) {
            if (!strcasecmp(val, "created"))
                out->status = "pending";
            else if (!strcasecmp(val, "retry"))
                out->status = "retry";
            else if (!strcasecmp(val, "queued"))
                out->status = "queued";
            else if (!strcasecmp(val, "delivered") ||
                     !strcasecmp(val, "notified"))
                out->status = "delivered";
            else {
                *why = "status is one of created, retry, queued, delivered, "
                       "notified";
                return false;
            }
        } else if (IS("config.url")) {
            out->url = val;
        } else if (IS("instanceId") || IS("instance_id")) {
            uint64_t v;
            if (!ed_parse_u64(val, INT64_MAX, &v) || v == 0) {
                *why = "instanceId must be an instance id";
                return false;
            }
            out->instance_id = (int64_t)v;
        } else {
            *why = "unknown field (channel, status, config.url, instanceId)";
            return false;
        }
#undef IS
        i = skip_ws(w, i);
        if (!w[i])
            return true;
        if (strncasecmp(w + i, "and", 3) != 0 ||
            (w[i + 3] != ' ' && w[i + 3] != '\t')) {
            *why = "conditions are joined with 'and'";
            return false;
        }
        i += 3;
    }
}

static int deliveries_get(struct ed_request *req, struct ed_response *res)
{
    struct dwhere wh;
    const char *why = NULL;
    struct store_delivery *rows = NULL;
    size_t n = 0, size;
    int64_t before;
    if (!paging(req, res, &size, &before))
        return res->status;
    if (!parse_where(req, req_query(req, "where"), &wh, &why))
        return res_error(req, res, ED_E_BAD_REQUEST, "Invalid where: %s", why);
    if (wh.none)
        return res_json(res, 200, json_array());
    if (store_delivery_list(req->app->store, req->auth.org_id, wh.instance_id,
                            wh.status, wh.url, before, size, &rows, &n))
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the deliveries");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, render_delivery(&rows[i]));
    next_page(req, res, rows, n, size);
    store_deliveries_free(rows, n);
    return res_json(res, 200, arr);
}

static int deliveries_put(struct ed_request *req, struct ed_response *res)
{
    struct dwhere wh;
    const char *why = NULL;
    size_t n = 0;
    if (!parse_where(req, req_query(req, "where"), &wh, &why))
        return res_error(req, res, ED_E_BAD_REQUEST, "Invalid where: %s", why);
    if (wh.status && strcmp(wh.status, "queued") != 0)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "Only queued deliveries are re-sent "
                         "(status='queued')");
    if (!wh.none &&
        store_delivery_requeue(req->app->store, req->auth.org_id,
                               wh.instance_id, wh.url, ed_now_ms(), &n))
        return res_error(req, res, ED_E_INTERNAL,
                         "Cannot re-send the deliveries");
    if (n)
        events_outbox_kick();
    return res_json(res, 200, json_pack("{s:I}", "requeued", (json_int_t)n));
}

const struct ed_route api_events_routes[] = {
    {ED_GET, "/instances/events", by_tok_events, 0},
    {ED_POST, "/instances/events/test", by_tok_test, ED_ROUTE_JSON},
    {ED_GET, "/instances/{id}/events", by_id_events, 0},
    {ED_POST, "/instances/{id}/events/test", by_id_test, ED_ROUTE_JSON},
    {ED_GET, "/notifications/subscriptions/deliveries", deliveries_get, 0},
    {ED_PUT, "/notifications/subscriptions/deliveries", deliveries_put,
     ED_ROUTE_JSON},
    {0, NULL, NULL, 0},
};
