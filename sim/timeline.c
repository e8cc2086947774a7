/* SPDX-License-Identifier: MIT */
/*
 * Timeline events for hubspot-sim. v3: event templates and their tokens
 * (developer ?hapikey=, per app) and immutable events (OAuth), served under
 * both /integrators/timeline/v3 and the older /crm/v3/timeline prefix by the
 * same rows. Legacy v1 (/integrations/v1/{appId}/timeline): event types,
 * their properties and events, where reusing an event id is a 400 as on
 * HubSpot since 2024-12. Everything lives in the st->timeline JSON object:
 *   templates: {id: template + "_app"}, events: {"tpl/id": event},
 *   types: {id: v1 type + "_app"}, v1events: {"type/id": event},
 *   nextTemplate, nextType, nextProperty: id counters.
 * Event tokens that name an objectPropertyName also set that CRM property.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_ID_BASE 1001234
#define TYPE_ID_BASE 300001
#define PROPERTY_ID_BASE 500001
#define TEMPLATES_MAX 750
#define BATCH_MAX 100

static json_t *tl(struct sim_state *st, const char *key)
{
    return json_object_get(st->timeline, key);
}

static int64_t next_id(struct sim_state *st, const char *key)
{
    int64_t v = json_integer_value(tl(st, key));

    json_object_set_new(st->timeline, key, json_integer(v + 1));
    return v;
}

static void tl_init(struct sim_state *st)
{
    json_object_clear(st->timeline);
    json_object_set_new(st->timeline, "templates", json_object());
    json_object_set_new(st->timeline, "events", json_object());
    json_object_set_new(st->timeline, "types", json_object());
    json_object_set_new(st->timeline, "v1events", json_object());
    json_object_set_new(st->timeline, "nextTemplate",
                        json_integer(TEMPLATE_ID_BASE));
    json_object_set_new(st->timeline, "nextType", json_integer(TYPE_ID_BASE));
    json_object_set_new(st->timeline, "nextProperty",
                        json_integer(PROPERTY_ID_BASE));
}

/* A copy without the internal "_app" and "_properties" keys. */
static json_t *public_copy(const json_t *o)
{
    json_t *c = json_deep_copy(o);

    json_object_del(c, "_app");
    json_object_del(c, "_properties");
    return c;
}

static int bad(struct sim_request *req, struct sim_response *res,
               const char *msg)
{
    return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
}

/* Developer key plus a known app id in the path. */
static bool app_ok(struct sim_request *req, struct sim_response *res,
                   int64_t *app)
{
    struct sim_state *st = req->st;
    const char *s = sim_req_param(req, "app");

    if (!sim_auth_developer(req, res))
        return false;
    if (s && sim_parse_i64(s, app)) {
        if (*app == st->cfg->app_id)
            return true;
        for (size_t i = 0; i < st->nclients; i++)
            if (st->clients[i].app_id == *app)
                return true;
    }
    sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                   "Application %s not found", s ? s : "");
    return false;
}

/* Object types a timeline can hang off. */
static const struct sim_objtype *timeline_type(const char *name)
{
    const struct sim_objtype *t = sim_objtype_find(name);

    if (!t || t->idx > SIM_OBJ_TICKETS || t->idx == SIM_OBJ_PRODUCTS)
        return NULL;
    return t;
}

/* ---- v3 templates and tokens ------------------------------------------ */

static bool token_name_ok(const char *n)
{
    if (!n || !*n)
        return false;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
              (*n >= '0' && *n <= '9') || *n == '.' || *n == '-' || *n == '_'))
            return false;
    return true;
}

/* Validates a token body (create: name and type too); returns a message or
 * NULL and a new normalised token in *out. */
static const char *token_build(struct sim_state *st,
                               const struct sim_objtype *t, const json_t *in,
                               const json_t *old, const char *now, json_t **out)
{
    static const char *const types[] = {"date", "enumeration", "number",
                                        "string", NULL};
    const char *name = old ? json_string_value(json_object_get(old, "name"))
                           : json_string_value(json_object_get(in, "name"));
    const char *type = old ? json_string_value(json_object_get(old, "type"))
                           : json_string_value(json_object_get(in, "type"));
    const char *label = json_string_value(json_object_get(in, "label"));
    const char *prop = json_string_value(
        json_object_get(in, "objectPropertyName"));
    const json_t *opts = json_object_get(in, "options"), *o;
    bool type_ok = false;
    size_t i;

    *out = NULL;
    if (!token_name_ok(name))
        return "token name is required and may contain only letters, "
               "digits, '.', '-' and '_'";
    if (!label || !*label)
        return "token label is required";
    for (const char *const *k = types; type && *k; k++)
        type_ok = type_ok || strcmp(*k, type) == 0;
    if (!type_ok)
        return "token type must be date, enumeration, number or string";
    if (opts && !json_is_array(opts))
        return "token options must be an array";
    json_array_foreach(opts, i, o)
        if (!json_is_string(json_object_get(o, "label")) ||
            !json_is_string(json_object_get(o, "value")))
            return "token options need label and value";
    if (strcmp(type, "enumeration") == 0 && json_array_size(opts) == 0)
        return "enumeration tokens need at least one option";
    if (prop && !sim_prop_def(st, t, prop))
        return "objectPropertyName is not a property of the object type";
    *out = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}", "name", name, "label", label,
                     "type", type, "options",
                     opts ? json_deep_copy(opts) : json_array(), "createdAt",
                     old && json_object_get(old, "createdAt")
                         ? json_string_value(json_object_get(old, "createdAt"))
                         : now,
                     "updatedAt", now);
    if (prop)
        json_object_set_new(*out, "objectPropertyName", json_string(prop));
    return NULL;
}

/* Builds the template's token list; message or NULL. */
static const char *tokens_build(struct sim_state *st,
                                const struct sim_objtype *t, const json_t *list,
                                const char *now, json_t **out)
{
    const json_t *in;
    size_t i;

    *out = json_array();
    if (!json_is_array(list))
        return "tokens is required and must be an array";
    json_array_foreach(list, i, in) {
        json_t *tok, *seen;
        const char *err = token_build(st, t, in, NULL, now, &tok);
        size_t j;

        if (err)
            return err;
        json_array_foreach(*out, j, seen)
            if (strcmp(json_string_value(json_object_get(seen, "name")),
                       json_string_value(json_object_get(tok, "name"))) == 0) {
                json_decref(tok);
                return "token names must be unique within a template";
            }
        json_array_append_new(*out, tok);
    }
    return NULL;
}

static json_t *template_find(struct sim_state *st, int64_t app, const char *id)
{
    json_t *tp = json_object_get(tl(st, "templates"), id ? id : "");

    if (!tp || (app && json_integer_value(json_object_get(tp, "_app")) != app))
        return NULL;
    return tp;
}

static json_t *template_or_respond(struct sim_request *req,
                                   struct sim_response *res, int64_t app)
{
    json_t *tp = template_find(req->st, app, sim_req_param(req, "tpl"));

    if (!tp)
        sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                       "Event template %s not found",
                       sim_req_param(req, "tpl"));
    return tp;
}

static int h_tpl_list(struct sim_request *req, struct sim_response *res)
{
    json_t *out = json_array(), *tp;
    const char *k;
    int64_t app;

    if (!app_ok(req, res, &app)) {
        json_decref(out);
        return res->status;
    }
    json_object_foreach(tl(req->st, "templates"), k, tp)
        if (json_integer_value(json_object_get(tp, "_app")) == app)
            json_array_append_new(out, public_copy(tp));
    return sim_res_json(res, 200, json_pack("{s:o}", "results", out));
}

static void set_text(json_t *dst, const json_t *src, const char *key)
{
    const json_t *v = json_object_get(src, key);

    if (json_is_string(v))
        json_object_set(dst, key, (json_t *)v);
}

static int h_tpl_create(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;
    json_t *b, *tokens = NULL, *tp, *v;
    const struct sim_objtype *t;
    const char *name, *err, *k;
    char now[32], id[32];
    int64_t app;
    size_t n = 0;

    if (!app_ok(req, res, &app) || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    name = json_string_value(json_object_get(b, "name"));
    t = timeline_type(json_string_value(json_object_get(b, "objectType")));
    if (!name || !*name)
        return bad(req, res, "name is required");
    if (!t)
        return bad(req, res,
                   "objectType must be contacts, companies, deals "
                   "or tickets");
    json_object_foreach(tl(st, "templates"), k, v)
        n += json_integer_value(json_object_get(v, "_app")) == app;
    if (n >= TEMPLATES_MAX)
        return bad(req, res, "An app can have at most 750 event templates");
    sim_iso_ms(req->now_ms, now);
    err = tokens_build(st, t, json_object_get(b, "tokens"), now, &tokens);
    if (err) {
        json_decref(tokens);
        return bad(req, res, err);
    }
    snprintf(id, sizeof(id), "%lld", (long long)next_id(st, "nextTemplate"));
    tp = json_pack("{s:s,s:s}", "id", id, "name", name);
    set_text(tp, b, "headerTemplate");
    set_text(tp, b, "detailTemplate");
    json_object_set_new(tp, "tokens", tokens);
    json_object_set_new(tp, "objectType", json_string(t->name));
    json_object_set_new(tp, "createdAt", json_string(now));
    json_object_set_new(tp, "updatedAt", json_string(now));
    json_object_set_new(tp, "_app", json_integer(app));
    json_object_set_new(tl(st, "templates"), id, tp);
    return sim_res_json(res, 201, public_copy(tp));
}

static int h_tpl_get(struct sim_request *req, struct sim_response *res)
{
    json_t *tp;
    int64_t app;

    if (!app_ok(req, res, &app) || !(tp = template_or_respond(req, res, app)))
        return res->status;
    return sim_res_json(res, 200, public_copy(tp));
}

/* PUT: name and tokens replaced; objectType cannot change. */
static int h_tpl_put(struct sim_request *req, struct sim_response *res)
{
    json_t *b, *tp, *tokens = NULL;
    const char *name, *err;
    char now[32];
    int64_t app;

    if (!app_ok(req, res, &app) || !(b = sim_req_object_or_respond(req, res)) ||
        !(tp = template_or_respond(req, res, app)))
        return res->status;
    name = json_string_value(json_object_get(b, "name"));
    if (!name || !*name)
        return bad(req, res, "name is required");
    sim_iso_ms(req->now_ms, now);
    err = tokens_build(req->st,
                       timeline_type(json_string_value(
                           json_object_get(tp, "objectType"))),
                       json_object_get(b, "tokens"), now, &tokens);
    if (err) {
        json_decref(tokens);
        return bad(req, res, err);
    }
    json_object_set_new(tp, "name", json_string(name));
    json_object_del(tp, "headerTemplate");
    json_object_del(tp, "detailTemplate");
    set_text(tp, b, "headerTemplate");
    set_text(tp, b, "detailTemplate");
    json_object_set_new(tp, "tokens", tokens);
    json_object_set_new(tp, "updatedAt", json_string(now));
    return sim_res_json(res, 200, public_copy(tp));
}

static int h_tpl_delete(struct sim_request *req, struct sim_response *res)
{
    int64_t app;

    if (!app_ok(req, res, &app) || !template_or_respond(req, res, app))
        return res->status;
    json_object_del(tl(req->st, "templates"), sim_req_param(req, "tpl"));
    return sim_res_empty(res, 204);
}

static json_t *token_find(json_t *tp, const char *name, size_t *at)
{
    json_t *tok;
    size_t i;

    json_array_foreach(json_object_get(tp, "tokens"), i, tok)
        if (name && strcmp(json_string_value(json_object_get(tok, "name")),
                           name) == 0) {
            if (at)
                *at = i;
            return tok;
        }
    return NULL;
}

static int h_token_create(struct sim_request *req, struct sim_response *res)
{
    json_t *b, *tp, *tok = NULL;
    const char *err;
    char now[32];
    int64_t app;

    if (!app_ok(req, res, &app) || !(b = sim_req_object_or_respond(req, res)) ||
        !(tp = template_or_respond(req, res, app)))
        return res->status;
    sim_iso_ms(req->now_ms, now);
    err = token_build(req->st,
                      timeline_type(
                          json_string_value(json_object_get(tp, "objectType"))),
                      b, NULL, now, &tok);
    if (err)
        return bad(req, res, err);
    if (token_find(tp, json_string_value(json_object_get(tok, "name")), NULL)) {
        json_decref(tok);
        return bad(req, res,
                   "A token with this name already exists on the "
                   "template");
    }
    json_array_append(json_object_get(tp, "tokens"), tok);
    json_object_set_new(tp, "updatedAt", json_string(now));
    return sim_res_json(res, 200, tok);
}

static int h_token_put(struct sim_request *req, struct sim_response *res)
{
    json_t *b, *tp, *old, *tok = NULL;
    const char *err;
    char now[32];
    int64_t app;
    size_t at = 0;

    if (!app_ok(req, res, &app) || !(b = sim_req_object_or_respond(req, res)) ||
        !(tp = template_or_respond(req, res, app)))
        return res->status;
    old = token_find(tp, sim_req_param(req, "token"), &at);
    if (!old)
        return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                              "Token %s not found",
                              sim_req_param(req, "token"));
    sim_iso_ms(req->now_ms, now);
    err = token_build(req->st,
                      timeline_type(
                          json_string_value(json_object_get(tp, "objectType"))),
                      b, old, now, &tok);
    if (err)
        return bad(req, res, err);
    json_array_set(json_object_get(tp, "tokens"), at, tok);
    json_object_set_new(tp, "updatedAt", json_string(now));
    return sim_res_json(res, 200, tok);
}

static int h_token_delete(struct sim_request *req, struct sim_response *res)
{
    json_t *tp;
    int64_t app;
    size_t at = 0;

    if (!app_ok(req, res, &app) || !(tp = template_or_respond(req, res, app)))
        return res->status;
    if (!token_find(tp, sim_req_param(req, "token"), &at))
        return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                              "Token %s not found",
                              sim_req_param(req, "token"));
    json_array_remove(json_object_get(tp, "tokens"), at);
    return sim_res_empty(res, 204);
}

/* ---- v3 events -------------------------------------------------------- */

/* The record an event is about: objectId, or (contacts) an email, which
 * creates the contact when unknown. Returns a message on failure. */
static const char *event_target(struct sim_state *st,
                                const struct sim_objtype *t, const json_t *ev,
                                int64_t now, struct sim_record **out)
{
    char buf[64];
    const char *ids = sim_json_scalar(json_object_get(ev, "objectId"), buf,
                                      sizeof(buf));
    const char *email = json_string_value(json_object_get(ev, "email"));
    int64_t id;

    *out = NULL;
    if (ids) {
        if (!sim_parse_i64(ids, &id) || id <= 0 ||
            !(*out = sim_obj_find(st, t, (uint64_t)id, false)))
            return "objectId does not name an existing record";
        return NULL;
    }
    if (t->idx != SIM_OBJ_CONTACTS || !email || !*email)
        return t->idx == SIM_OBJ_CONTACTS
                   ? "objectId or email is required"
                   : "objectId is required for this object type";
    *out = sim_contact_by_email(st, email);
    if (!*out) {
        *out = sim_obj_insert(st, t, 0, json_pack("{s:s}", "email", email), now,
                              now);
        sim_event_object(st, t, (*out)->id, "creation", NULL, NULL);
    }
    return NULL;
}

/* Checks tokens against the template; message or NULL. */
static const char *event_tokens(const json_t *tp, const json_t *tokens)
{
    const char *k;
    json_t *v;

    if (tokens && !json_is_object(tokens))
        return "tokens must be an object";
    json_object_foreach((json_t *)tokens, k, v) {
        json_t *def = token_find((json_t *)tp, k, NULL), *o;
        const char *type = json_string_value(json_object_get(def, "type"));
        char buf[64];
        const char *s = sim_json_scalar(v, buf, sizeof(buf));
        double d;
        int64_t ms;
        bool ok = false;
        size_t i;

        if (!def)
            return "tokens names a token the template does not define";
        if (!s)
            return "token values must be strings";
        if (strcmp(type, "number") == 0 && !sim_parse_double(s, &d))
            return "a number token has a non-numeric value";
        if (strcmp(type, "date") == 0 && !sim_parse_time(s, &ms))
            return "a date token needs epoch milliseconds or an ISO date";
        if (strcmp(type, "enumeration") != 0)
            continue;
        json_array_foreach(json_object_get(def, "options"), i, o)
            ok = ok ||
                 strcmp(json_string_value(json_object_get(o, "value")), s) == 0;
        if (!ok)
            return "an enumeration token has a value that is not an option";
    }
    return NULL;
}

/* Sets CRM properties named by the template's objectPropertyName tokens. */
static void event_props(struct sim_state *st, const struct sim_objtype *t,
                        const json_t *tp, const json_t *tokens,
                        struct sim_record *r, int64_t now)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)tokens, k, v) {
        json_t *def = token_find((json_t *)tp, k, NULL);
        const char *prop = json_string_value(
            json_object_get(def, "objectPropertyName"));
        char buf[64];
        const char *s = sim_json_scalar(v, buf, sizeof(buf));
        const char *old;

        if (!prop || !s)
            continue;
        old = json_string_value(json_object_get(sim_obj_props(r), prop));
        if (old && strcmp(old, s) == 0)
            continue;
        json_object_set_new(sim_obj_props(r), prop, json_string(s));
        r->updated_ms = now;
        sim_event_object(st, t, r->id, "propertyChange", prop, s);
    }
}

static void replace_uuid(const char *in, char *out, size_t cap)
{
    const char *p = strstr(in, "{{uuid}}");
    char uuid[37];

    if (!p) {
        sim_strlcpy(out, in, cap);
        return;
    }
    sim_uuid(uuid);
    snprintf(out, cap, "%.*s%s%s", (int)(p - in), in, uuid, p + 8);
}

/* Creates one v3 event; returns the stored event (borrowed) or NULL with
 * *status and msg set. */
static json_t *event_create(struct sim_request *req, const json_t *in,
                            int *status, const char **msg)
{
    struct sim_state *st = req->st;
    char buf[64], id[256], key[320], ts[32];
    const char *tpl = sim_json_scalar(json_object_get(in, "eventTemplateId"),
                                      buf, sizeof(buf));
    const char *given = json_string_value(json_object_get(in, "id"));
    const json_t *tokens = json_object_get(in, "tokens");
    const json_t *frame = json_object_get(in, "timelineIFrame");
    const char *tsv = sim_json_scalar(json_object_get(in, "timestamp"), ts,
                                      sizeof(ts));
    int64_t app = req->auth.kind == SIM_CRED_PRIVATE ? 0 : req->auth.app_id;
    const struct sim_objtype *t;
    struct sim_record *r;
    int64_t when = req->now_ms;
    json_t *tp, *ev;
    char iso[32], oid[32];

    *status = 400;
    if (!json_is_object(in)) {
        *msg = "each event must be an object";
        return NULL;
    }
    if (!tpl) {
        *msg = "eventTemplateId is required";
        return NULL;
    }
    if (!(tp = template_find(st, app, tpl))) {
        *status = 404;
        *msg = "Event template not found for this app";
        return NULL;
    }
    if ((*msg = event_tokens(tp, tokens)) != NULL)
        return NULL;
    if (frame) {
        static const char *const need[] = {"linkLabel", "headerLabel", "url",
                                           "width",     "height",      NULL};

        for (const char *const *k = need; *k; k++)
            if (!json_object_get(frame, *k)) {
                *msg = "timelineIFrame needs linkLabel, headerLabel, url, "
                       "width and height";
                return NULL;
            }
    }
    if (tsv && !sim_parse_time(tsv, &when)) {
        *msg = "timestamp must be an ISO date-time or epoch milliseconds";
        return NULL;
    }
    t = timeline_type(json_string_value(json_object_get(tp, "objectType")));
    if ((*msg = event_target(st, t, in, req->now_ms, &r)) != NULL)
        return NULL;
    if (given && *given) {
        replace_uuid(given, id, sizeof(id));
    } else {
        sim_uuid(id);
    }
    sim_iso_ms(when, iso);
    snprintf(oid, sizeof(oid), "%llu", (unsigned long long)r->id);
    ev = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "eventTemplateId",
                   json_string_value(json_object_get(tp, "id")), "objectType",
                   t->name, "objectId", oid, "tokens",
                   tokens ? json_deep_copy(tokens) : json_object());
    if (json_object_get(in, "email"))
        json_object_set(ev, "email", json_object_get(in, "email"));
    if (json_object_get(in, "utk"))
        json_object_set(ev, "utk", json_object_get(in, "utk"));
    if (json_object_get(in, "extraData"))
        json_object_set(ev, "extraData", json_object_get(in, "extraData"));
    if (frame)
        json_object_set(ev, "timelineIFrame", (json_t *)frame);
    json_object_set_new(ev, "timestamp", json_string(iso));
    sim_iso_ms(req->now_ms, iso);
    json_object_set_new(ev, "createdAt", json_string(iso));
    event_props(st, t, tp, tokens, r, req->now_ms);
    /* Ids are unique per template; a reused id replaces (last wins). */
    snprintf(key, sizeof(key), "%s/%s",
             json_string_value(json_object_get(tp, "id")), id);
    json_object_set_new(tl(st, "events"), key, ev);
    return ev;
}

static int h_event_create(struct sim_request *req, struct sim_response *res)
{
    json_t *b = sim_req_object_or_respond(req, res), *ev;
    const char *msg = NULL;
    int status;

    if (!b)
        return res->status;
    ev = event_create(req, b, &status, &msg);
    if (!ev)
        return sim_res_error(req, res, status,
                             status == 404 ? "OBJECT_NOT_FOUND"
                                           : "VALIDATION_ERROR",
                             msg, NULL);
    return sim_res_json(res, 201, json_deep_copy(ev));
}

static int h_event_batch(struct sim_request *req, struct sim_response *res)
{
    json_t *b = sim_req_object_or_respond(req, res), *inputs, *in;
    json_t *results, *errors, *body;
    char ts[32];
    size_t i;

    if (!b)
        return res->status;
    inputs = json_object_get(b, "inputs");
    if (!json_is_array(inputs) || json_array_size(inputs) > BATCH_MAX)
        return bad(req, res, "inputs must be an array of at most 100 events");
    results = json_array();
    errors = json_array();
    json_array_foreach(inputs, i, in) {
        const char *msg = NULL;
        int status;
        json_t *ev = event_create(req, in, &status, &msg);

        if (ev)
            json_array_append_new(results, json_deep_copy(ev));
        else
            json_array_append_new(errors,
                                  json_pack("{s:s,s:s,s:s,s:{s:[I]}}", "status",
                                            "error", "category",
                                            status == 404 ? "OBJECT_NOT_FOUND"
                                                          : "VALIDATION_ERROR",
                                            "message", msg, "context", "index",
                                            (json_int_t)i));
    }
    sim_iso_ms(req->now_ms, ts);
    body = json_pack("{s:s,s:o,s:s,s:s}", "status", "COMPLETE", "results",
                     results, "startedAt", ts, "completedAt", ts);
    if (json_array_size(errors) == 0) {
        json_decref(errors);
        return sim_res_json(res, 201, body);
    }
    json_object_set_new(body, "numErrors",
                        json_integer((json_int_t)json_array_size(errors)));
    json_object_set_new(body, "errors", errors);
    return sim_res_json(res, 207, body);
}

static json_t *event_or_respond(struct sim_request *req,
                                struct sim_response *res)
{
    char key[1100];
    json_t *ev;

    snprintf(key, sizeof(key), "%s/%s", sim_req_param(req, "tpl"),
             sim_req_param(req, "id"));
    ev = json_object_get(tl(req->st, "events"), key);
    if (!ev)
        sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND", "Event %s not found",
                       key);
    return ev;
}

static int h_event_get(struct sim_request *req, struct sim_response *res)
{
    json_t *ev = event_or_respond(req, res);

    return ev ? sim_res_json(res, 200, json_deep_copy(ev)) : res->status;
}

/* {{name}} -> token value; any other {{...}} renders empty. */
static char *render(const char *tmpl, const json_t *tokens)
{
    struct sim_buf b;

    sim_buf_init(&b, 1 << 20);
    sim_buf_puts(&b, "");
    while (tmpl && *tmpl) {
        const char *open = strstr(tmpl, "{{"), *close;
        char name[128];
        size_t n;

        if (!open || !(close = strstr(open + 2, "}}"))) {
            sim_buf_puts(&b, tmpl);
            break;
        }
        sim_buf_append(&b, tmpl, (size_t)(open - tmpl));
        open += 2;
        while (*open == ' ')
            open++;
        n = (size_t)(close - open);
        while (n && open[n - 1] == ' ')
            n--;
        if (n < sizeof(name)) {
            char buf[64];
            const char *v;

            memcpy(name, open, n);
            name[n] = '\0';
            v = sim_json_scalar(json_object_get(tokens, name), buf,
                                sizeof(buf));
            if (v)
                sim_buf_puts(&b, v);
        }
        tmpl = close + 2;
    }
    return sim_buf_take(&b);
}

static int h_event_detail(struct sim_request *req, struct sim_response *res)
{
    json_t *ev = event_or_respond(req, res), *tp;
    char *text;

    if (!ev)
        return res->status;
    tp = template_find(
        req->st, 0, json_string_value(json_object_get(ev, "eventTemplateId")));
    text = render(json_string_value(json_object_get(tp, "detailTemplate")),
                  json_object_get(ev, "tokens"));
    sim_res_json(res, 200, json_pack("{s:s}", "details", text));
    free(text);
    return 200;
}

static int h_event_render(struct sim_request *req, struct sim_response *res)
{
    json_t *ev = event_or_respond(req, res), *tp;

    if (!ev)
        return res->status;
    tp = template_find(
        req->st, 0, json_string_value(json_object_get(ev, "eventTemplateId")));
    return sim_res_html(res, 200,
                        render(json_string_value(json_object_get(
                                   tp, sim_req_bool(req, "detail", false)
                                           ? "detailTemplate"
                                           : "headerTemplate")),
                               json_object_get(ev, "tokens")));
}

/* ---- legacy v1 -------------------------------------------------------- */

static const char *const v1_reserved[] = {"properties",
                                          "applicationId",
                                          "eventTypeId",
                                          "extraData",
                                          "id",
                                          "objectType",
                                          "objectId",
                                          "portalId",
                                          "timestamp",
                                          "utk",
                                          "domain",
                                          "log",
                                          "lookup",
                                          "timelineIFrame",
                                          "eventTemplateId",
                                          "tokens",
                                          NULL};

static json_t *type_or_respond(struct sim_request *req,
                               struct sim_response *res, int64_t app)
{
    json_t *ty = json_object_get(tl(req->st, "types"),
                                 sim_req_param(req, "tid"));

    if (!ty ||
        json_integer_value(json_object_get(ty, "applicationId")) != app) {
        sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                       "Event type %s not found", sim_req_param(req, "tid"));
        return NULL;
    }
    return ty;
}

static const char *v1_object_type(const json_t *v)
{
    static const char *const ok[] = {"CONTACT", "COMPANY", "DEAL", NULL};
    const char *s = json_string_value(v);

    if (!v)
        return "CONTACT";
    for (const char *const *k = ok; s && *k; k++)
        if (strcmp(*k, s) == 0)
            return *k;
    return NULL;
}

static int h_type_list(struct sim_request *req, struct sim_response *res)
{
    json_t *out, *ty;
    const char *k;
    int64_t app;

    if (!app_ok(req, res, &app))
        return res->status;
    out = json_array();
    json_object_foreach(tl(req->st, "types"), k, ty)
        if (json_integer_value(json_object_get(ty, "applicationId")) == app)
            json_array_append_new(out, public_copy(ty));
    return sim_res_json(res, 200, out);
}

static int type_write(struct sim_request *req, struct sim_response *res,
                      json_t *ty, int64_t app)
{
    json_t *b = req->json;
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *otype = v1_object_type(json_object_get(b, "objectType"));

    if (!name || !*name)
        return bad(req, res, "name is required");
    if (!otype || (ty && json_object_get(b, "objectType") &&
                   strcmp(otype, json_string_value(
                                     json_object_get(ty, "objectType"))) != 0))
        return bad(req, res,
                   "objectType must be CONTACT, COMPANY or DEAL "
                   "and cannot change");
    if (!ty) {
        int64_t nid = next_id(req->st, "nextType");
        char id[32];

        snprintf(id, sizeof(id), "%lld", (long long)nid);
        ty = json_pack("{s:I,s:s,s:I,s:[]}", "id", (json_int_t)nid,
                       "objectType", otype, "applicationId", (json_int_t)app,
                       "_properties");
        json_object_set_new(tl(req->st, "types"), id, ty);
    }
    json_object_set_new(ty, "name", json_string(name));
    json_object_set_new(ty, "headerTemplate",
                        json_is_string(json_object_get(b, "headerTemplate"))
                            ? json_incref(json_object_get(b, "headerTemplate"))
                            : json_null());
    json_object_set_new(ty, "detailTemplate",
                        json_is_string(json_object_get(b, "detailTemplate"))
                            ? json_incref(json_object_get(b, "detailTemplate"))
                            : json_null());
    return sim_res_json(res, 200, public_copy(ty));
}

static int h_type_create(struct sim_request *req, struct sim_response *res)
{
    int64_t app;

    if (!app_ok(req, res, &app) || !sim_req_object_or_respond(req, res))
        return res->status;
    return type_write(req, res, NULL, app);
}

static int h_type_get(struct sim_request *req, struct sim_response *res)
{
    json_t *ty;
    int64_t app;

    if (!app_ok(req, res, &app) || !(ty = type_or_respond(req, res, app)))
        return res->status;
    return sim_res_json(res, 200, public_copy(ty));
}

static int h_type_put(struct sim_request *req, struct sim_response *res)
{
    json_t *ty;
    int64_t app;

    if (!app_ok(req, res, &app) || !sim_req_object_or_respond(req, res) ||
        !(ty = type_or_respond(req, res, app)))
        return res->status;
    return type_write(req, res, ty, app);
}

static int h_type_delete(struct sim_request *req, struct sim_response *res)
{
    int64_t app;

    if (!app_ok(req, res, &app) || !type_or_respond(req, res, app))
        return res->status;
    json_object_del(tl(req->st, "types"), sim_req_param(req, "tid"));
    return sim_res_empty(res, 204);
}

static int h_prop_list(struct sim_request *req, struct sim_response *res)
{
    json_t *ty;
    int64_t app;

    if (!app_ok(req, res, &app) || !(ty = type_or_respond(req, res, app)))
        return res->status;
    return sim_res_json(res, 200,
                        json_deep_copy(json_object_get(ty, "_properties")));
}

/* POST creates (name, label, propertyType, options); PUT finds by body id
 * and may change everything but the name. */
static int h_prop_write(struct sim_request *req, struct sim_response *res)
{
    static const char *const ptypes[] = {"Date", "Enumeration", "Numeric",
                                         "String", NULL};
    bool put = strcmp(req->method, "PUT") == 0;
    json_t *b, *ty, *props, *p = NULL, *v;
    const char *name, *label, *ptype;
    bool type_ok = false;
    int64_t app, pid = 0;
    size_t i;

    if (!app_ok(req, res, &app) || !(b = sim_req_object_or_respond(req, res)) ||
        !(ty = type_or_respond(req, res, app)))
        return res->status;
    props = json_object_get(ty, "_properties");
    name = json_string_value(json_object_get(b, "name"));
    if (put) {
        pid = json_integer_value(json_object_get(b, "id"));
        json_array_foreach(props, i, v)
            if (json_integer_value(json_object_get(v, "id")) == pid)
                p = v;
        if (!p)
            return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                                  "Property %lld not found", (long long)pid);
        name = json_string_value(json_object_get(p, "name"));
    }
    label = json_string_value(json_object_get(b, "label"));
    ptype = json_string_value(json_object_get(b, "propertyType"));
    for (const char *const *k = ptypes; ptype && *k; k++)
        type_ok = type_ok || strcmp(*k, ptype) == 0;
    if (!name || !*name || !label || !type_ok)
        return bad(req, res,
                   "name, label and propertyType (Date, Enumeration, "
                   "Numeric or String) are required");
    for (const char *const *k = v1_reserved; !put && *k; k++)
        if (strcmp(*k, name) == 0)
            return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                                  "%s is a reserved property name", name);
    json_array_foreach(props, i, v)
        if (!put &&
            strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
            return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                                  "Property %s already exists", name);
    if (!p) {
        p = json_object();
        json_object_set_new(p, "id",
                            json_integer(next_id(req->st, "nextProperty")));
        json_array_append_new(props, p);
    }
    json_object_set_new(p, "name", json_string(name));
    json_object_set_new(p, "label", json_string(label));
    json_object_set_new(p, "propertyType", json_string(ptype));
    json_object_set(p, "eventTypeId", json_object_get(ty, "id"));
    json_object_set_new(p, "options",
                        json_is_array(json_object_get(b, "options"))
                            ? json_deep_copy(json_object_get(b, "options"))
                            : json_null());
    if (json_is_string(json_object_get(b, "objectProperty")))
        json_object_set(p, "objectProperty",
                        json_object_get(b, "objectProperty"));
    return sim_res_json(res, 200, json_deep_copy(p));
}

static int h_prop_delete(struct sim_request *req, struct sim_response *res)
{
    json_t *ty, *props, *v;
    int64_t app, pid;
    size_t i;

    if (!app_ok(req, res, &app) || !(ty = type_or_respond(req, res, app)))
        return res->status;
    props = json_object_get(ty, "_properties");
    if (sim_parse_i64(sim_req_param(req, "pid"), &pid))
        json_array_foreach(props, i, v)
            if (json_integer_value(json_object_get(v, "id")) == pid) {
                json_array_remove(props, i);
                return sim_res_empty(res, 204);
            }
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "Property %s not found", sim_req_param(req, "pid"));
}

/* Checks one v1 event; message or NULL, *key gets "type/id". */
static const char *v1_event_check(struct sim_request *req, const json_t *in,
                                  int64_t app, char *key, size_t cap,
                                  json_t **type_out)
{
    char b1[64], b2[256];
    const char *tid = sim_json_scalar(json_object_get(in, "eventTypeId"), b1,
                                      sizeof(b1));
    const char *id = sim_json_scalar(json_object_get(in, "id"), b2, sizeof(b2));
    json_t *ty;

    if (!json_is_object(in))
        return "each event must be an object";
    if (!id || !*id || !tid)
        return "id and eventTypeId are required";
    ty = json_object_get(tl(req->st, "types"), tid);
    if (!ty || (app && json_integer_value(
                           json_object_get(ty, "applicationId")) != app))
        return "eventTypeId does not name an event type of this app";
    snprintf(key, cap, "%s/%s", tid, id);
    if (json_object_get(tl(req->st, "v1events"), key))
        return "An event with this id already exists; events can no longer "
               "be updated";
    *type_out = ty;
    return NULL;
}

static const char *v1_event_store(struct sim_request *req, const json_t *in,
                                  const char *key, json_t *ty)
{
    const char *ot = json_string_value(json_object_get(ty, "objectType"));
    const struct sim_objtype *t = sim_objtype_find(ot);
    struct sim_record *r;
    json_t *ev;
    const char *msg = event_target(req->st, t, in, req->now_ms, &r);
    char oid[32];

    if (msg)
        return msg;
    ev = json_deep_copy(in);
    snprintf(oid, sizeof(oid), "%llu", (unsigned long long)r->id);
    if (!json_object_get(ev, "objectId"))
        json_object_set_new(ev, "objectId", json_string(oid));
    if (!json_object_get(ev, "timestamp"))
        json_object_set_new(ev, "timestamp", json_integer(req->now_ms));
    json_object_set_new(tl(req->st, "v1events"), key, ev);
    return NULL;
}

static int64_t v1_app(struct sim_request *req)
{
    int64_t app = 0;

    if (!sim_parse_i64(sim_req_param(req, "app"), &app))
        app = -1;
    return app;
}

static int h_v1_event(struct sim_request *req, struct sim_response *res)
{
    json_t *b = sim_req_object_or_respond(req, res), *ty = NULL;
    char key[400];
    const char *msg;

    if (!b)
        return res->status;
    msg = v1_event_check(req, b, v1_app(req), key, sizeof(key), &ty);
    if (!msg)
        msg = v1_event_store(req, b, key, ty);
    if (msg)
        return bad(req, res, msg);
    return sim_res_empty(res, 204);
}

/* All-or-nothing: every event is checked before any is stored. */
static int h_v1_batch(struct sim_request *req, struct sim_response *res)
{
    json_t *b = sim_req_object_or_respond(req, res), *list, *in, *seen;
    char key[400];
    const char *msg = NULL;
    size_t i;

    if (!b)
        return res->status;
    list = json_object_get(b, "eventWrappers");
    if (!json_is_array(list) || json_array_size(list) > BATCH_MAX)
        return bad(req, res,
                   "eventWrappers must be an array of at most 100 "
                   "events");
    seen = json_object();
    json_array_foreach(list, i, in) {
        json_t *ty = NULL;

        msg = v1_event_check(req, in, v1_app(req), key, sizeof(key), &ty);
        if (!msg && json_object_get(seen, key))
            msg = "An event id appears twice in the batch";
        if (msg)
            break;
        json_object_set_new(seen, key, json_true());
    }
    json_decref(seen);
    if (msg)
        return bad(req, res, msg);
    json_array_foreach(list, i, in) {
        json_t *ty = NULL;

        if (v1_event_check(req, in, v1_app(req), key, sizeof(key), &ty) ||
            (msg = v1_event_store(req, in, key, ty)) != NULL)
            return bad(req, res, msg ? msg : "invalid event");
    }
    return sim_res_empty(res, 204);
}

static int h_v1_event_get(struct sim_request *req, struct sim_response *res)
{
    char key[1100];
    json_t *ev;

    snprintf(key, sizeof(key), "%s/%s", sim_req_param(req, "tid"),
             sim_req_param(req, "id"));
    ev = json_object_get(tl(req->st, "v1events"), key);
    if (!ev)
        return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                              "Event %s not found", key);
    return sim_res_json(res, 200, json_deep_copy(ev));
}

/* ---- routes ----------------------------------------------------------- */

static void tl_clear(struct sim_state *st)
{
    tl_init(st);
}

static const char *const event_sc[] = {"timeline",
                                       "crm.objects.contacts.write",
                                       "crm.objects.companies.write",
                                       "crm.objects.deals.write",
                                       "tickets",
                                       NULL};

#define DEV(m, p, h)                                                           \
    {                                                                          \
        m, p, h, 0, SIM_SCOPE_NONE, NULL                                       \
    }
#define DEVJ(m, p, h)                                                          \
    {                                                                          \
        m, p, h, SIM_R_JSON, SIM_SCOPE_NONE, NULL                              \
    }
#define EV(m, p, h)                                                            \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, SIM_SCOPE_LIST, event_sc             \
    }
#define V3(P)                                                                  \
    EV("POST", P "/events/batch/create", h_event_batch),                       \
        EV("POST", P "/events", h_event_create),                               \
        EV("GET", P "/events/:tpl/:id/detail", h_event_detail),                \
        EV("GET", P "/events/:tpl/:id/render", h_event_render),                \
        EV("GET", P "/events/:tpl/:id", h_event_get),                          \
        DEV("GET", P "/:app/event-templates", h_tpl_list),                     \
        DEVJ("POST", P "/:app/event-templates", h_tpl_create),                 \
        DEV("GET", P "/:app/event-templates/:tpl", h_tpl_get),                 \
        DEVJ("PUT", P "/:app/event-templates/:tpl", h_tpl_put),                \
        DEV("DELETE", P "/:app/event-templates/:tpl", h_tpl_delete),           \
        DEVJ("POST", P "/:app/event-templates/:tpl/tokens", h_token_create),   \
        DEVJ("PUT", P "/:app/event-templates/:tpl/tokens/:token",              \
             h_token_put),                                                     \
        DEV("DELETE", P "/:app/event-templates/:tpl/tokens/:token",            \
            h_token_delete)
#define V1 "/integrations/v1/:app/timeline"
static const struct sim_route timeline_routes[] = {
    V3("/integrators/timeline/v3"),
    V3("/crm/v3/timeline"),
    DEV("GET", V1 "/event-types", h_type_list),
    DEVJ("POST", V1 "/event-types", h_type_create),
    DEV("GET", V1 "/event-types/:tid", h_type_get),
    DEVJ("PUT", V1 "/event-types/:tid", h_type_put),
    DEV("DELETE", V1 "/event-types/:tid", h_type_delete),
    DEV("GET", V1 "/event-types/:tid/properties", h_prop_list),
    DEVJ("POST", V1 "/event-types/:tid/properties", h_prop_write),
    DEVJ("PUT", V1 "/event-types/:tid/properties", h_prop_write),
    DEV("DELETE", V1 "/event-types/:tid/properties/:pid", h_prop_delete),
    EV("POST", V1 "/event/batch", h_v1_batch),
    EV("PUT", V1 "/event/batch", h_v1_batch),
    EV("POST", V1 "/event", h_v1_event),
    EV("PUT", V1 "/event", h_v1_event),
    EV("GET", V1 "/event/:tid/:id", h_v1_event_get),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_timeline = {
    .name = "timeline",
    .routes = timeline_routes,
    .clear = tl_clear,
};
