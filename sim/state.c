/* SPDX-License-Identifier: MIT */
/*
 * hubspot-sim state: creation, reset to fixtures, fixture loading, the
 * simulated clock, counters and the object-change event queue. A fixtures
 * document is offered to every module's load hook; each module takes the
 * keys it declares and anything unclaimed is merged into st->ext, so a new
 * area can ship its data in the same document before it has a loader.
 * Everything here runs under st->lock (held by the dispatcher).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t sim_now(const struct sim_state *st)
{
    return sim_wall_ms() + st->clock_offset_ms;
}

void sim_stat_inc(struct sim_state *st, const char *client_id,
                  const char *field)
{
    json_t *v = json_object_get(st->stats, field), *clients, *c;

    json_object_set_new(st->stats, field,
                        json_integer(json_integer_value(v) + 1));
    if (!client_id || !*client_id)
        return;
    clients = json_object_get(st->stats, "clients");
    if (!clients) {
        clients = json_object();
        json_object_set_new(st->stats, "clients", clients);
    }
    c = json_object_get(clients, client_id);
    if (!c) {
        c = json_object();
        json_object_set_new(clients, client_id, c);
    }
    v = json_object_get(c, field);
    json_object_set_new(c, field, json_integer(json_integer_value(v) + 1));
}

void sim_event_object(struct sim_state *st, const struct sim_objtype *t,
                      uint64_t id, const char *kind, const char *prop,
                      const char *value)
{
    char type[96];
    json_t *e;

    snprintf(type, sizeof(type), "%s.%s", t->singular, kind);
    e = json_pack("{s:I,s:I,s:I,s:I,s:s,s:i,s:I,s:s}", "eventId",
                  (json_int_t)++st->next_event_id, "portalId",
                  (json_int_t)st->cfg->portal_id, "appId",
                  (json_int_t)st->cfg->app_id, "occurredAt",
                  (json_int_t)sim_now(st), "subscriptionType", type,
                  "attemptNumber", 0, "objectId", (json_int_t)id,
                  "changeSource", "API");
    if (strcmp(kind, "creation") == 0)
        json_object_set_new(e, "changeFlag", json_string("CREATED"));
    else if (strcmp(kind, "deletion") == 0)
        json_object_set_new(e, "changeFlag", json_string("DELETED"));
    if (prop) {
        json_object_set_new(e, "propertyName", json_string(prop));
        json_object_set_new(e, "propertyValue",
                            json_string(value ? value : ""));
    }
    json_object_set_new(e, "objectTypeId", json_string(t->type_id));
    if (json_array_size(st->events) >= SIM_EVENTS_MAX)
        json_array_remove(st->events, 0);
    json_array_append(st->events, e);
    if (st->on_event)
        st->on_event(st, e);
    json_decref(e);
}

static bool key_claimed(const char *key)
{
    if (strcmp(key, "replace") == 0)
        return true;
    for (size_t m = 0; sim_modules[m]; m++)
        for (const char *const *k = sim_modules[m]->fixture_keys; k && *k; k++)
            if (strcmp(*k, key) == 0)
                return true;
    return false;
}

static void clear_data(struct sim_state *st)
{
    for (size_t m = 0; sim_modules[m]; m++)
        if (sim_modules[m]->clear)
            sim_modules[m]->clear(st);
    json_object_clear(st->ext);
    json_array_clear(st->events);
}

int sim_state_load(struct sim_state *st, const json_t *fx, char *err,
                   size_t errlen)
{
    const char *key;
    json_t *v;

    if (!json_is_object(fx)) {
        snprintf(err, errlen, "fixtures must be a JSON object");
        return -1;
    }
    if (json_is_true(json_object_get(fx, "replace")))
        clear_data(st);
    for (size_t m = 0; sim_modules[m]; m++)
        if (sim_modules[m]->load && sim_modules[m]->load(st, fx, err, errlen))
            return -1;
    json_object_foreach((json_t *)fx, key, v) {
        json_t *old = json_object_get(st->ext, key);

        if (key_claimed(key))
            continue;
        if (json_is_array(old) && json_is_array(v))
            json_array_extend(old, v);
        else if (json_is_object(old) && json_is_object(v))
            json_object_update(old, v);
        else
            json_object_set_new(st->ext, key, json_deep_copy(v));
    }
    return 0;
}

static void free_tokens(struct sim_state *st)
{
    for (size_t i = 0; i < st->ntokens; i++) {
        free(st->tokens[i]->redirect_uri);
        json_decref(st->tokens[i]->scopes);
        free(st->tokens[i]);
    }
    free(st->tokens);
    st->tokens = NULL;
    st->ntokens = st->captokens = 0;
}

static void clear_runtime(struct sim_state *st)
{
    for (size_t i = 0; i < st->nfaults; i++)
        json_decref(st->faults[i].body);
    st->nfaults = 0;
    sim_rate_clear(st);
    json_array_clear(st->reqlog);
    json_object_clear(st->stats);
    st->clock_offset_ms = 0;
    st->next_event_id = 0;
    sim_webhooks_reset(st);
}

int sim_state_reset(struct sim_state *st, bool drop_tokens, char *err,
                    size_t errlen)
{
    json_t *fx;
    int rc;

    clear_data(st);
    clear_runtime(st);
    if (drop_tokens)
        free_tokens(st);
    fx = sim_fixtures_builtin(st->cfg);
    rc = sim_state_load(st, fx, err, errlen);
    json_decref(fx);
    if (rc == 0 && st->seed)
        rc = sim_state_load(st, st->seed, err, errlen);
    if (rc == 0)
        sim_gen_contacts(st, st->gen_contacts);
    return rc;
}

int sim_state_init(struct sim_state *st, const struct sim_config *cfg,
                   char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    pthread_mutex_init(&st->lock, NULL);
    st->cfg = cfg;
    st->gen_contacts = (uint64_t)cfg->generate_contacts;
    st->owners = json_array();
    st->pipelines = json_object();
    st->pipeline_audit = json_object();
    st->ext = json_object();
    st->engagements = json_array();
    st->timeline = json_object();
    st->assocs = json_object();
    st->events = json_array();
    st->email_idx = json_object();
    st->reqlog = json_array();
    st->stats = json_object();
    if (cfg->seed_file[0]) {
        json_error_t jerr;

        st->seed = json_load_file(cfg->seed_file, 0, &jerr);
        if (!st->seed) {
            snprintf(err, errlen, "--seed %s: line %d: %s", cfg->seed_file,
                     jerr.line, jerr.text);
            return -1;
        }
    }
    return sim_state_reset(st, true, err, errlen);
}

void sim_state_cleanup(struct sim_state *st)
{
    clear_data(st);
    clear_runtime(st);
    free_tokens(st);
    for (size_t i = 0; i < SIM_NSLOTS; i++) {
        json_decref(st->propdefs[i]);
        json_decref(st->propgroups[i]);
        free(st->stores[i].recs);
    }
    for (size_t i = 0; i < st->nclients; i++)
        json_decref(st->clients[i].redirect_uris);
    json_decref(st->owners);
    json_decref(st->pipelines);
    json_decref(st->pipeline_audit);
    json_decref(st->ext);
    json_decref(st->engagements);
    json_decref(st->timeline);
    json_decref(st->assocs);
    json_decref(st->events);
    json_decref(st->email_idx);
    json_decref(st->reqlog);
    json_decref(st->stats);
    json_decref(st->seed);
    pthread_mutex_destroy(&st->lock);
}
