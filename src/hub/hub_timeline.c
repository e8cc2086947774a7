/* SPDX-License-Identifier: MIT
 * Timeline event types, their properties and events: Cloud Elements'
 * v1-era shapes (propertyType, events with custom fields at the top level)
 * on HubSpot's timeline v3 (event templates and tokens, which need the app
 * id and the developer key). Templates are paged in memory; a template or
 * token update reads the current one and merges, since v3 takes it whole. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/paging.h"
#include "hub/resource.h"

#define TIMELINE "/integrators/timeline/v3"

/* --- timeline event types (timeline v3) ----------------------------------- */

static const struct {
    const char *v3, *v1;
} token_types[] = {
    {"string", "String"},
    {"number", "Numeric"},
    {"date", "Date"},
    {"enumeration", "Enumeration"},
};
#define N_TOKEN_TYPES (sizeof(token_types) / sizeof(token_types[0]))

static const struct {
    const char *v1, *v3;
} object_types[] = {
    {"CONTACT", "contacts"},
    {"COMPANY", "companies"},
    {"DEAL", "deals"},
    {"TICKET", "tickets"},
};

/* Properties are tokens: id = name, and v1's propertyType next to type. */
static void token_shape(json_t *t)
{
    const char *type = hub_jstr(t, "type");
    if (hub_jstr(t, "name"))
        json_object_set(t, "id", json_object_get(t, "name"));
    for (size_t i = 0; type && i < N_TOKEN_TYPES; i++)
        if (strcmp(token_types[i].v3, type) == 0)
            json_object_set_new(t, "propertyType",
                                json_string(token_types[i].v1));
}

static json_t *options_input(json_t *opts)
{
    json_t *out = json_array(), *o;
    size_t i;
    json_array_foreach(opts, i, o) {
        json_t *value = hub_scalar_str(json_object_get(o, "value"));
        json_t *label = hub_scalar_str(json_object_get(o, "label"));
        if (!value) {
            json_decref(label);
            continue;
        }
        json_array_append_new(out, json_pack("{s:o, s:o}", "label",
                                             label ? label : json_incref(value),
                                             "value", value));
    }
    return out;
}

/* A token from a Cloud Elements property ({name, label, propertyType:
 * String|Numeric|Date|Enumeration, options}) or a v3 token. New reference,
 * or NULL with *why set. */
static json_t *token_input(json_t *t, const char **why)
{
    const char *name = hub_jstr(t, "name"), *type = hub_jstr(t, "type");
    const char *ptype = hub_jstr(t, "propertyType");
    if (!name) {
        *why = "a property needs a name";
        return NULL;
    }
    for (size_t i = 0; !type && ptype && i < N_TOKEN_TYPES; i++)
        if (ed_strcaseeq(token_types[i].v1, ptype) ||
            ed_strcaseeq(token_types[i].v3, ptype))
            type = token_types[i].v3;
    if (!type && ptype) {
        *why = "propertyType must be String, Numeric, Date or Enumeration";
        return NULL;
    }
    json_t *out = json_pack("{s:s, s:s, s:s, s:o}", "name", name, "label",
                            hub_first(hub_jstr(t, "label"), name), "type",
                            type ? type : "string", "options",
                            options_input(json_object_get(t, "options")));
    const char *prop = hub_first(hub_jstr(t, "objectPropertyName"),
                                 hub_jstr(t, "objectProperty"));
    if (prop)
        json_object_set_new(out, "objectPropertyName", json_string(prop));
    return out;
}

static json_t *tokens_input(json_t *list, const char **why)
{
    json_t *out = json_array(), *t;
    size_t i;
    json_array_foreach(list, i, t) {
        json_t *tok = token_input(t, why);
        if (!tok) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, tok);
    }
    return out;
}

/* The v3 template input from a Cloud Elements event type, over `old` (the
 * current template, for updates; NULL on create). HubSpot requires what
 * Cloud Elements' shape lacks: objectType defaults to contacts, header and
 * detail templates to the name, tokens to none (or the old ones). */
static json_t *template_input(json_t *in, json_t *old, const char **why)
{
    const char *name = hub_first(hub_jstr(in, "name"), hub_jstr(old, "name"));
    const char *otype = hub_first(hub_jstr(in, "objectType"), "contacts");
    json_t *src = json_object_get(in, "tokens");
    if (!src)
        src = json_object_get(in, "properties");
    if (!src)
        src = json_object_get(old, "tokens");
    if (!name) {
        *why = "name is required";
        return NULL;
    }
    if (src && !json_is_array(src)) {
        *why = "tokens (or properties) must be an array";
        return NULL;
    }
    json_t *tokens = tokens_input(src, why);
    if (!tokens)
        return NULL;
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:o}", "name", name, "headerTemplate",
        hub_first(hub_first(hub_jstr(in, "headerTemplate"),
                            hub_jstr(old, "headerTemplate")),
                  name),
        "detailTemplate",
        hub_first(hub_first(hub_jstr(in, "detailTemplate"),
                            hub_jstr(old, "detailTemplate")),
                  name),
        "tokens", tokens);
    if (old) {
        json_object_set(out, "id", json_object_get(old, "id"));
        return out;
    }
    for (size_t i = 0; i < sizeof(object_types) / sizeof(object_types[0]); i++)
        if (ed_strcaseeq(object_types[i].v1, otype))
            otype = object_types[i].v3;
    json_object_set_new(out, "objectType", json_string(otype));
    return out;
}

/* Event fields that are not custom properties (tokens). */
static const char *const event_fields[] = {"id",
                                           "eventTypeId",
                                           "eventTemplateId",
                                           "objectId",
                                           "email",
                                           "utk",
                                           "domain",
                                           "timestamp",
                                           "extraData",
                                           "timelineIFrame",
                                           "tokens",
                                           "objectType",
                                           "portalId",
                                           "applicationId",
                                           "customObjectTypeId",
                                           NULL};

static bool event_field(const char *k)
{
    for (size_t i = 0; event_fields[i]; i++)
        if (strcmp(event_fields[i], k) == 0)
            return true;
    return false;
}

static json_t *iso_ms(int64_t ms)
{
    char s[32];
    ed_iso8601(ms / 1000, s, sizeof(s));
    return json_sprintf("%.19s.%03dZ", s, (int)(ms % 1000));
}

/* v1 iframe {linkLabel, iframeLabel, iframeUri, width, height} → v3. */
static json_t *iframe_input(json_t *f)
{
    json_t *out = json_deep_copy(f);
    hub_rename_key(out, "iframeLabel", "headerLabel");
    hub_rename_key(out, "iframeUri", "url");
    return out;
}

/* A v3 event from a Cloud Elements (v1-shaped) event: the caller's id, the
 * identity (objectId, email, utk), epoch-ms timestamp as ISO, and every
 * other top-level scalar as a token. New reference, or NULL with *why set. */
static json_t *event_input(struct hub_op *op, const char *tid, json_t *in,
                           const char **why)
{
    static const char *const copied[] = {
        "id", "email", "utk", "domain", "objectId", "customObjectTypeId", NULL};
    json_t *out = json_pack("{s:s}", "eventTemplateId", tid);
    json_t *tokens = json_object(), *v;
    const char *k;
    json_object_set_new(out, "tokens", tokens);
    for (size_t i = 0; copied[i]; i++) {
        json_t *sv = hub_scalar_str(json_object_get(in, copied[i]));
        if (sv)
            json_object_set_new(out, copied[i], sv);
    }
    v = json_object_get(in, "timestamp");
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        json_object_set_new(out, "timestamp", iso_ms(json_integer_value(v)));
    else if (json_is_string(v))
        json_object_set(out, "timestamp", v);
    if ((v = json_object_get(in, "extraData")))
        json_object_set(out, "extraData", v);
    if (json_is_object(v = json_object_get(in, "timelineIFrame")))
        json_object_set_new(out, "timelineIFrame", iframe_input(v));
    json_object_foreach(json_object_get(in, "tokens"), k, v) {
        json_t *sv = hub_scalar_str(v);
        if (sv)
            json_object_set_new(tokens, k, sv);
    }
    json_object_foreach(in, k, v) {
        if (event_field(k) || json_is_null(v))
            continue;
        json_t *sv = hub_scalar_str(v);
        if (!sv) {
            *why = ed_arena_printf(
                op->req->arena,
                "event field '%s' must be a string, number or "
                "boolean (custom fields become HubSpot tokens)",
                k);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(tokens, k, sv);
    }
    return out;
}

/* v3 event → Cloud Elements: tokens also as top-level fields (the v1 shape
 * the event was created in), where they do not hide a v3 field. */
static int event_done(struct hub_op *op, int status, json_t *body)
{
    json_t *o = body ? json_incref(body) : json_object(), *v;
    const char *k;
    (void)status;
    json_object_foreach(json_object_get(o, "tokens"), k, v) {
        if (!json_object_get(o, k))
            json_object_set(o, k, v);
    }
    return hub_reply(op, o);
}

/* A property update in flight (token_merge). */
struct tl_state {
    const char *app;  /* HubSpot app id */
    const char *tid;  /* event template id */
    const char *name; /* token name */
};

/* App id: configuration hubspot.timeline.app.id, else the token's app. */
static const char *tl_app(struct hub_op *op)
{
    const char *a = instance_cfg(&op->in, "hubspot.timeline.app.id");
    json_t *m = json_object_get(op->in.meta, "app_id");
    if (a && *a)
        return a;
    if (json_is_integer(m))
        return ed_arena_printf(op->req->arena, "%lld",
                               (long long)json_integer_value(m));
    return json_string_value(m);
}

/* A template path; with the developer key as hapikey when configured. */
static const char *tl_path(struct hub_op *op, const char *app, const char *tail)
{
    const char *key = instance_cfg(&op->in, "hubspot.developer.apikey");
    bool k = key && *key;
    return ed_arena_printf(op->req->arena, TIMELINE "/%s/event-templates%s%s%s",
                           app, tail, k ? "?hapikey=" : "",
                           k ? hub_escape(op, key) : "");
}

static void template_shape(json_t *tpl)
{
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(tpl, "tokens"), i, t)
        token_shape(t);
}

static int template_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, template_shape);
}

static int templates_listed(struct hub_op *op, int status, json_t *body)
{
    json_t *r = json_object_get(body, "results"), *tpl;
    json_t *arr = json_is_array(r) ? json_incref(r) : json_array();
    size_t i;
    (void)status;
    json_array_foreach(arr, i, tpl)
        template_shape(tpl);
    return hub_reply_sliced(op, 't', arr);
}

static int template_merge(struct hub_op *op, int status, json_t *body)
{
    const char *why = NULL;
    (void)status;
    const char *path = ed_arena_strdup(op->req->arena, op->path);
    json_t *in = template_input(op->req->body, body, &why);
    if (!in)
        return hub_bad_request(op, why);
    int st = hub_send(op, "PUT", path, in, false, template_done);
    json_decref(in);
    return st;
}

static int token_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, token_shape);
}

static int tokens_listed(struct hub_op *op, int status, json_t *body)
{
    json_t *t = json_object_get(body, "tokens"), *it;
    json_t *arr = json_is_array(t) ? json_incref(t) : json_array();
    size_t i;
    (void)status;
    json_array_foreach(arr, i, it)
        token_shape(it);
    return hub_reply_list(op, arr, NULL);
}

/* PATCH of a property: HubSpot's token update takes label and options
 * whole, so fill what the body lacks from the current token. */
static int token_merge(struct hub_op *op, int status, json_t *body)
{
    struct tl_state *ts = op->state;
    json_t *in = op->req->body, *old = NULL, *t;
    size_t i;
    (void)status;
    json_array_foreach(json_object_get(body, "tokens"), i, t)
        if (hub_jstr(t, "name") && strcmp(hub_jstr(t, "name"), ts->name) == 0)
            old = t;
    if (!old)
        return res_error(op->req, op->res, ED_E_NOT_FOUND,
                         "No property %s on timeline event type %s", ts->name,
                         ts->tid);
    json_t *opts = json_object_get(in, "options");
    const char *label = hub_first(hub_jstr(in, "label"),
                                  hub_first(hub_jstr(old, "label"), ts->name));
    const char *prop = hub_first(hub_jstr(in, "objectPropertyName"),
                                 hub_jstr(in, "objectProperty"));
    json_t *up = json_pack("{s:s, s:o}", "label", label, "options",
                           options_input(
                               opts ? opts : json_object_get(old, "options")));
    prop = hub_first(prop, hub_jstr(old, "objectPropertyName"));
    if (prop)
        json_object_set_new(up, "objectPropertyName", json_string(prop));
    const char *tail = ed_arena_printf(op->req->arena, "/%s/tokens/%s",
                                       hub_escape(op, ts->tid),
                                       hub_escape(op, ts->name));
    int st = hub_send(op, "PUT", tl_path(op, ts->app, tail), up, false,
                      token_done);
    json_decref(up);
    return st;
}

static int tl_types(struct hub_op *op, const char *app)
{
    int st;
    struct ed_request *req = op->req;
    const char *why = NULL;
    if (req->method == ED_GET) {
        if ((st = hub_paging_begin(op, 't')))
            return st;
        return hub_send(op, "GET", tl_path(op, app, ""), NULL, false,
                        templates_listed);
    }
    if (req->method != ED_POST)
        return hub_no_method(op, "GET or POST");
    if ((st = hub_need_object(op)))
        return st;
    json_t *in = template_input(req->body, NULL, &why);
    if (!in)
        return hub_bad_request(op, why);
    st = hub_send(op, "POST", tl_path(op, app, ""), in, false, template_done);
    json_decref(in);
    return st;
}

static int tl_type(struct hub_op *op, const char *app)
{
    int st;
    const char *path = tl_path(op, app,
                               ed_arena_printf(op->req->arena, "/%s",
                                               hub_escape(op, op->id)));
    switch (op->req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, template_done);
    case ED_PATCH:
    case ED_PUT:
        /* read, merge, PUT: template_merge resends to the same path */
        if ((st = hub_need_object(op)))
            return st;
        return hub_send(op, "GET", path, NULL, false, template_merge);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET, PATCH, PUT or DELETE");
    }
}

static int tl_properties(struct hub_op *op, const char *app, const char *name)
{
    int st;
    struct ed_request *req = op->req;
    const char *tid = hub_escape(op, op->id), *why = NULL;
    const char *tpl = tl_path(op, app, ed_arena_printf(req->arena, "/%s", tid));
    if (!name && req->method == ED_GET)
        return hub_send(op, "GET", tpl, NULL, false, tokens_listed);
    if (!name && req->method == ED_POST) {
        if ((st = hub_need_object(op)))
            return st;
        json_t *in = token_input(req->body, &why);
        if (!in)
            return hub_bad_request(op, why);
        st = hub_send(op, "POST",
                      tl_path(op, app,
                              ed_arena_printf(req->arena, "/%s/tokens", tid)),
                      in, false, token_done);
        json_decref(in);
        return st;
    }
    if (!name)
        return hub_no_method(op, "GET or POST");
    if (req->method == ED_DELETE)
        return hub_send(op, "DELETE",
                        tl_path(op, app,
                                ed_arena_printf(req->arena, "/%s/tokens/%s",
                                                tid, hub_escape(op, name))),
                        NULL, false, hub_done_empty);
    if (req->method != ED_PATCH && req->method != ED_PUT)
        return hub_no_method(op, "PATCH, PUT or DELETE");
    if ((st = hub_need_object(op)))
        return st;
    struct tl_state *ts = ed_arena_alloc(req->arena, sizeof(*ts));
    ts->app = app;
    ts->tid = op->id;
    ts->name = name;
    op->state = ts;
    return hub_send(op, "GET", tpl, NULL, false, token_merge);
}

static int tl_events(struct hub_op *op, const char *eid)
{
    int st;
    struct ed_request *req = op->req;
    const char *why = NULL;
    if (eid && req->method == ED_GET)
        return hub_send(op, "GET",
                        ed_arena_printf(req->arena, TIMELINE "/events/%s/%s",
                                        hub_escape(op, op->id),
                                        hub_escape(op, eid)),
                        NULL, false, event_done);
    if (eid && (req->method == ED_PATCH || req->method == ED_PUT))
        return res_error(req, op->res, ED_E_METHOD,
                         "HubSpot timeline events are immutable; create a new "
                         "event with another id instead");
    if (eid)
        return hub_no_method(op, "GET");
    if (req->method != ED_POST)
        return hub_no_method(op, "POST");
    if ((st = hub_need_object(op)))
        return st;
    json_t *in = event_input(op, op->id, req->body, &why);
    if (!in)
        return hub_bad_request(op, why);
    st = hub_send(op, "POST", TIMELINE "/events", in, false, hub_done_empty);
    json_decref(in);
    return st;
}

static int timeline_handle(struct hub_op *op)
{
    const char *app = tl_app(op), *s4 = hub_seg(op, 3);
    if (hub_seg(op, 4))
        return hub_no_resource(op);
    if (op->sub && strcmp(op->sub, "events") == 0)
        return tl_events(op, s4); /* events name their template, not the app */
    if (!app || !*app || !ed_all_digits(app) || strlen(app) > 10)
        return hub_bad_request(
            op, "Timeline event types need the HubSpot app id: set "
                "hubspot.timeline.app.id on the instance");
    if (!op->id)
        return tl_types(op, app);
    if (!op->sub)
        return tl_type(op, app);
    if (strcmp(op->sub, "properties") == 0 ||
        strcmp(op->sub, "timelineEventTypesProperties") == 0)
        return tl_properties(op, app, s4);
    return hub_no_resource(op);
}

const struct hub_resource hub_timeline_resources[] = {
    {"timeline-event-types", timeline_handle},
    {NULL, NULL},
};
