/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_CONFIG_H
#define ED_EVENTS_CONFIG_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/errors.h"

/* An instance's event configuration (spec elements-api.md §5.1): the
 * event.* keys read, checked and defaulted. Reading never fails on a value
 * the configuration-time check would have refused (it falls back to the
 * default and says why); the check (events_config_check) is what the
 * instance handlers run on create, PUT/PATCH and configuration entries. */

struct instance;
struct element;

#define EVENTS_REFRESH_DEFAULT 15 /* minutes (HubSpot's default) */
#define EVENTS_REFRESH_MAX 10080  /* one week */
#define EVENTS_MAX_OBJECTS 64

struct events_config {
    bool enabled; /* event.notification.enabled */
    bool webhook; /* event.vendor.type webhook/webhooks (else polling) */
    const char *callback_url;  /* borrowed from the instance; NULL if unset */
    const char *signature_key; /* borrowed; NULL or "" = unsigned */
    int refresh_minutes;       /* event.poller.refresh_interval, >= 1 */
    json_t *poller;            /* event.poller.configuration parsed (each
                                * resource completed from the element's
                                * default of the same name), or the
                                * element's default (owned) */
    /* event.objects, parsed (owned): canonical names (see
     * events_object_canon); nobjects 0 = all objects */
    char **objects;
    size_t nobjects;
    /* event.poller.urls, parsed (owned): resource names, one a line;
     * nurls 0 = every resource of `poller` */
    char **urls;
    size_t nurls;
};

/* Read in's event configuration into out (zeroed first). ED_OK always for
 * a loaded instance; when a stored value is unusable (set before the check
 * existed) the default is used and *why (if why) names the key (static
 * string), else *why is NULL. ED_ERR_INVALID only if in has no element. */
enum ed_err events_config_read(const struct instance *in,
                               struct events_config *out, const char **why);
void events_config_cleanup(struct events_config *c);

/* Whether event.objects selects this object (HubSpot's or Cloud Elements'
 * name, singular or plural, any case: contact/contacts/Contact,
 * company/companies/account/accounts, deal/deals/opportunity/...). */
bool events_config_wants(const struct events_config *c, const char *object);

/* Whether the poller polls `resource` (a member name of c->poller):
 * listed in event.poller.urls (when set) and selected by event.objects. */
bool events_config_polls(const struct events_config *c, const char *resource);

/* The canonical name of an object name into buf (lower case, singular,
 * companies/company/accounts → "account", deals/opportunities → "deal",
 * contacts → "contact", anything else lower-cased and singularised). false
 * if name is empty or does not fit. */
bool events_object_canon(const char *name, char *buf, size_t cap);

/* A callback URL's syntax: http or https scheme, a host (no DNS lookup;
 * loopback and private addresses are fine), no spaces or control
 * characters. */
bool events_callback_url_ok(const char *url);

/* The element's default poller configuration (new reference; NULL if
 * none). */
json_t *events_element_poller_default(const struct element *el);

/* The configuration-time check of in's event.* keys (after the request's
 * values were merged in). Keys whose value equals the one in old_config
 * (the plain configuration before the change; NULL on create) are not
 * checked again, so an instance stored before the check existed can still
 * be renamed. false + message (naming the key) in why on a refusal. */
bool events_config_check(const struct instance *in, json_t *old_config,
                         char *why, size_t why_len);

#endif
