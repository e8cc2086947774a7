/* SPDX-License-Identifier: MIT
 * The portal's custom objects for the object catalogue (hub_objects.c) and
 * the CRM hub's "*" row (hub_crm.c): one GET /crm/v3/schemas, trimmed to
 * what the hub needs, in a small process-wide cache keyed by instance id
 * (HUB_SCHEMAS_TTL_MS, least recently fetched entry evicted). Entries are
 * kept serialised so no JSON value is shared between threads. */
#include "hub/hub_schemas.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "hub/resource.h"

#define CACHE_SLOTS 64

struct slot {
    int64_t inst; /* 0: free */
    double at_ms; /* ed_mono_ms() of the fetch */
    char *json;   /* the trimmed array, serialised */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot cache[CACHE_SLOTS];

json_t *hub_schemas_cached(struct hub_op *op)
{
    return hub_schemas_cached_id(op->in.row.id);
}

json_t *hub_schemas_cached_id(int64_t instance_id)
{
    json_t *out = NULL;
    char *copy = NULL;
    double now = ed_mono_ms();
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].inst != instance_id || !cache[i].json)
            continue;
        if (now - cache[i].at_ms < HUB_SCHEMAS_TTL_MS)
            copy = ed_strdup(cache[i].json);
        break;
    }
    pthread_mutex_unlock(&lock);
    /* parsed outside the lock: a copy held by no other thread */
    if (copy) {
        out = json_loads(copy, 0, NULL);
        free(copy);
    }
    return out;
}

static void cache_put(int64_t inst, const json_t *schemas)
{
    char *s = json_dumps(schemas, JSON_COMPACT);
    size_t at = 0;
    if (!s)
        return;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (cache[i].inst == inst) {
            at = i;
            break;
        }
        if (cache[i].at_ms < cache[at].at_ms)
            at = i; /* free slots have at_ms 0: taken first */
    }
    free(cache[at].json);
    cache[at].inst = inst;
    cache[at].at_ms = ed_mono_ms();
    cache[at].json = s;
    pthread_mutex_unlock(&lock);
}

int hub_schemas_fetch(struct hub_op *op, hub_next_fn next)
{
    int st = hub_send(op, "GET", "/crm/v3/schemas", NULL, false, next);
    /* safe after submit: the answer is handled on this request's thread
     * only after this handler (or continuation) has returned */
    op->pass_status = 403;
    return st;
}

json_t *hub_schemas_store(struct hub_op *op, int status, json_t *body)
{
    json_t *out = json_array(), *s;
    size_t i;
    op->pass_status = 0;
    json_array_foreach(status == 403 ? NULL : json_object_get(body, "results"),
                       i, s) {
        const char *name = hub_jstr(s, "name");
        const char *fqn = hub_jstr(s, "fullyQualifiedName");
        json_t *props = json_object_get(s, "properties");
        if (json_array_size(out) == HUB_SCHEMAS_MAX)
            break;
        if (!name || !fqn || !*name || !*fqn ||
            json_is_true(json_object_get(s, "archived")))
            continue;
        json_array_append_new(
            out,
            json_pack("{s:s, s:s, s:s, s:O}", "name", name,
                      "fullyQualifiedName", fqn, "objectTypeId",
                      hub_first(hub_jstr(s, "objectTypeId"), ""), "properties",
                      json_is_array(props) ? props : json_array()));
    }
    cache_put(op->in.row.id, out);
    return out;
}

json_t *hub_schemas_find(json_t *schemas, const char *name)
{
    json_t *s;
    size_t i;
    json_array_foreach(schemas, i, s) {
        if (strcmp(hub_jstr(s, "name"), name) == 0 ||
            strcmp(hub_jstr(s, "fullyQualifiedName"), name) == 0)
            return s;
    }
    return NULL;
}

/* HubSpot's standard object types by name (the v3 objects API). */
static const char *const standard[] = {"contacts",
                                       "companies",
                                       "deals",
                                       "tickets",
                                       "products",
                                       "line_items",
                                       "quotes",
                                       "notes",
                                       "calls",
                                       "emails",
                                       "meetings",
                                       "tasks",
                                       "communications",
                                       "postal_mail",
                                       "feedback_submissions",
                                       "goal_targets",
                                       "invoices",
                                       "leads",
                                       "orders",
                                       "carts",
                                       "discounts",
                                       "fees",
                                       "taxes",
                                       "users",
                                       "appointments",
                                       "courses",
                                       "listings",
                                       "services",
                                       "subscriptions",
                                       "payments",
                                       "commerce_payments",
                                       "partner_clients",
                                       "marketing_events",
                                       "projects",
                                       NULL};

bool hub_schemas_is_native(const char *name)
{
    size_t n = strspn(name, "0123456789");
    /* 0-1, 2-123: objectTypeId */
    if (n > 0 && name[n] == '-' && name[n + 1] &&
        strspn(name + n + 1, "0123456789") == strlen(name + n + 1))
        return true;
    /* p123_cars: fullyQualifiedName */
    if (name[0] == 'p' && (n = strspn(name + 1, "0123456789")) > 0 &&
        name[1 + n] == '_')
        return true;
    for (const char *const *s = standard; *s; s++)
        if (strcmp(*s, name) == 0)
            return true;
    return false;
}
