/* SPDX-License-Identifier: MIT
 * An instance's event configuration (see config.h): the event.* keys of
 * spec §5.1 read with their defaults, object names matched across
 * HubSpot's and Cloud Elements' vocabularies, and the configuration-time
 * check the instance handlers run. */
#include "events/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "domain/instances.h"
#include "elements/elements.h"

#define K_ENABLED "event.notification.enabled"
#define K_VENDOR "event.vendor.type"
#define K_CALLBACK "event.notification.callback.url"
#define K_SIGKEY "event.notification.signature.key"
#define K_REFRESH "event.poller.refresh_interval"
#define K_POLLER "event.poller.configuration"
#define K_URLS "event.poller.urls"
#define K_OBJECTS "event.objects"
#define K_NTYPE "event.notification.type"

#define MAX_NAME 64
#define MAX_URL 1000
#define MAX_ACCEPTED 2048 /* longest list value read (objects, urls) */

/* A configuration value, NULL when unset or empty. */
static const char *val(const struct instance *in, const char *key)
{
    const char *v = instance_cfg(in, key);
    return v && *v ? v : NULL;
}

/* --- single values ------------------------------------------------------------ */

/* event.notification.enabled: 1 true, 0 false, -1 not a boolean. */
static int parse_bool(const char *v)
{
    if (!v || ed_strcaseeq(v, "false"))
        return 0;
    if (ed_strcaseeq(v, "true"))
        return 1;
    return -1;
}

/* event.vendor.type: 1 webhook, 0 polling, -1 unknown. */
static int parse_vendor(const char *v)
{
    if (!v || ed_strcaseeq(v, "polling"))
        return 0;
    if (ed_strcaseeq(v, "webhook") || ed_strcaseeq(v, "webhooks"))
        return 1;
    return -1;
}

/* event.poller.refresh_interval: minutes, or -1. */
static int parse_refresh(const char *v)
{
    uint64_t m;
    if (!v)
        return EVENTS_REFRESH_DEFAULT;
    if (!ed_parse_u64(v, EVENTS_REFRESH_MAX, &m) || m < 1)
        return -1;
    return (int)m;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool events_callback_url_ok(const char *url)
{
    const char *p;
    if (!url || strlen(url) > MAX_URL || ed_has_control(url) ||
        strchr(url, ' '))
        return false;
    if (ed_strcaseprefix(url, "http://"))
        p = url + 7;
    else if (ed_strcaseprefix(url, "https://"))
        p = url + 8;
    else
        return false;
    /* authority: [userinfo@]host[:port] */
    size_t alen = strcspn(p, "/?#");
    const char *end = p + alen;
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    const char *h = at ? at + 1 : p;
    const char *port = NULL;
    if (h < end && *h == '[') { /* IPv6 literal */
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close || close == h + 1)
            return false;
        for (const char *q = h + 1; q < close; q++)
            if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                  (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
                return false;
        if (close + 1 < end) {
            if (close[1] != ':')
                return false;
            port = close + 2;
        }
    } else {
        const char *q = h;
        while (q < end && host_char(*q))
            q++;
        if (q == h)
            return false; /* no host */
        if (q < end) {
            if (*q != ':')
                return false;
            port = q + 1;
        }
    }
    if (port) {
        char digits[8];
        size_t n = (size_t)(end - port);
        uint64_t pv;
        if (n == 0 || n >= sizeof(digits))
            return false;
        memcpy(digits, port, n);
        digits[n] = '\0';
        if (!ed_parse_u64(digits, 65535, &pv) || pv == 0)
            return false;
    }
    return true;
}

/* --- object names ------------------------------------------------------------- */

static const struct {
    const char *from, *to;
} synonyms[] = {
    {"company", "account"}, {"opportunity", "deal"}, {"0-1", "contact"},
    {"0-2", "account"},     {"0-3", "deal"},         {"0-5", "ticket"},
};

bool events_object_canon(const char *name, char *buf, size_t cap)
{
    size_t n, i;
    if (!name)
        return false;
    while (*name == ' ' || *name == '\t' || *name == '\r' || *name == '\n')
        name++;
    n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '\t' ||
                 name[n - 1] == '\r' || name[n - 1] == '\n'))
        n--;
    if (n == 0 || n >= cap || n > MAX_NAME)
        return false;
    for (i = 0; i < n; i++) {
        char c = name[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    buf[n] = '\0';
    /* singular: companies → company, contacts → contact (not "address") */
    if (n > 3 && strcmp(buf + n - 3, "ies") == 0) {
        buf[n - 3] = 'y';
        buf[n - 2] = '\0';
    } else if (n > 1 && buf[n - 1] == 's' && buf[n - 2] != 's') {
        buf[n - 1] = '\0';
    }
    for (i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
        if (strcmp(buf, synonyms[i].from) == 0) {
            snprintf(buf, cap, "%s", synonyms[i].to);
            break;
        }
    }
    return true;
}

static bool name_chars_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(host_char(c) || c == ' ' || c == '\t'))
            return false;
    }
    return true;
}

/* Split list (separators: comma, newline, semicolon) into canonical names
 * (deduplicated). false + why when an item is unusable. */
static bool parse_names(const char *list, char ***out, size_t *nout,
                        const char **why)
{
    char item[MAX_NAME + 2], canon[MAX_NAME + 2];
    *out = NULL;
    *nout = 0;
    if (!list)
        return true;
    if (strlen(list) > MAX_ACCEPTED) {
        *why = "is too long";
        return false;
    }
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",;\n");
        if (n > MAX_NAME + 1 || !name_chars_ok(p, n)) {
            *why = "must be a comma-separated list of object names";
            goto fail;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (events_object_canon(item, canon, sizeof(canon))) {
            bool dup = false;
            for (size_t i = 0; i < *nout && !dup; i++)
                dup = strcmp((*out)[i], canon) == 0;
            if (!dup) {
                if (*nout == EVENTS_MAX_OBJECTS) {
                    *why = "names too many objects (64 at most)";
                    goto fail;
                }
                *out = ed_realloc(*out, (*nout + 1) * sizeof(char *));
                (*out)[(*nout)++] = ed_strdup(canon);
            }
        } else if (n && strspn(item, " \t\r") != n) {
            *why = "must be a comma-separated list of object names";
            goto fail;
        }
        p += n;
        if (*p)
            p++;
    }
    return true;
fail:
    for (size_t i = 0; i < *nout; i++)
        free((*out)[i]);
    free(*out);
    *out = NULL;
    *nout = 0;
    return false;
}

static bool names_match(char *const *names, size_t n, const char *object)
{
    char canon[MAX_NAME + 2];
    if (n == 0)
        return true;
    if (!events_object_canon(object, canon, sizeof(canon)))
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], canon) == 0)
            return true;
    return false;
}

bool events_config_wants(const struct events_config *c, const char *object)
{
    return names_match(c->objects, c->nobjects, object);
}

bool events_config_polls(const struct events_config *c, const char *resource)
{
    return names_match(c->urls, c->nurls, resource) &&
           events_config_wants(c, resource);
}

/* --- poller configuration ------------------------------------------------------- */

json_t *events_element_poller_default(const struct element *el)
{
    json_t *d = el ? element_config_def(el, K_POLLER) : NULL;
    json_t *dv = json_object_get(d, "defaultValue");
    if (json_is_object(dv))
        return json_incref(dv);
    if (!json_is_string(dv))
        return NULL;
    json_t *v = json_loads(json_string_value(dv), 0, NULL);
    if (!json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Parse and check a poller configuration against the element's default:
 * a JSON object of resources, each an object; a resource the default does
 * not know needs its own "url" (a hub path). Returns the configuration
 * with each resource completed from the default's resource of the same
 * name (new reference), or NULL + why. */
static json_t *parse_poller(const char *text, json_t *dflt, const char **why)
{
    json_t *cfg = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    json_t *out = NULL;
    const char *name;
    json_t *r;
    if (!json_is_object(cfg) || json_object_size(cfg) == 0) {
        *why = "must be a JSON object of resources, e.g. {\"contacts\": "
               "{\"url\": \"/hubs/crm/contacts?where=...\", ...}}";
        goto out;
    }
    out = json_object();
    json_object_foreach(cfg, name, r) {
        json_t *d = json_object_get(dflt, name);
        json_t *url = json_object_get(r, "url");
        if (!json_is_object(r)) {
            *why = "must map each resource name to an object";
            goto fail;
        }
        if (url && (!json_is_string(url) || json_string_value(url)[0] != '/')) {
            *why = "has a resource whose url is not a hub path "
                   "(\"/hubs/...\")";
            goto fail;
        }
        if (!url && !json_is_object(d)) {
            *why = "has a resource without a url";
            goto fail;
        }
        json_t *merged = json_is_object(d) ? json_deep_copy(d) : json_object();
        json_object_update(merged, r);
        json_object_set_new(out, name, merged);
    }
    goto out;
fail:
    json_decref(out);
    out = NULL;
out:
    json_decref(cfg);
    return out;
}

/* --- reading ------------------------------------------------------------------- */

enum ed_err events_config_read(const struct instance *in,
                               struct events_config *out, const char **why)
{
    const char *bad = NULL, *w = NULL;
    memset(out, 0, sizeof(*out));
    if (why)
        *why = NULL;
    if (!in || !in->el)
        return ED_ERR_INVALID;
    int b = parse_bool(val(in, K_ENABLED));
    if (b < 0)
        bad = K_ENABLED;
    out->enabled = b == 1;
    int v = parse_vendor(val(in, K_VENDOR));
    if (v < 0)
        bad = K_VENDOR;
    out->webhook = v == 1;
    out->callback_url = val(in, K_CALLBACK);
    if (out->callback_url && !events_callback_url_ok(out->callback_url)) {
        bad = K_CALLBACK;
        out->callback_url = NULL;
    }
    out->signature_key = val(in, K_SIGKEY);
    int m = parse_refresh(val(in, K_REFRESH));
    if (m < 0)
        bad = K_REFRESH;
    out->refresh_minutes = m < 0 ? EVENTS_REFRESH_DEFAULT : m;
    json_t *dflt = events_element_poller_default(in->el);
    const char *pc = val(in, K_POLLER);
    if (pc && !(out->poller = parse_poller(pc, dflt, &w)))
        bad = K_POLLER;
    if (!out->poller)
        out->poller = dflt ? json_incref(dflt) : json_object();
    json_decref(dflt);
    if (!parse_names(val(in, K_OBJECTS), &out->objects, &out->nobjects, &w))
        bad = K_OBJECTS;
    if (!parse_names(val(in, K_URLS), &out->urls, &out->nurls, &w))
        bad = K_URLS;
    if (why)
        *why = bad;
    return ED_OK;
}

void events_config_cleanup(struct events_config *c)
{
    json_decref(c->poller);
    for (size_t i = 0; i < c->nobjects; i++)
        free(c->objects[i]);
    free(c->objects);
    for (size_t i = 0; i < c->nurls; i++)
        free(c->urls[i]);
    free(c->urls);
    memset(c, 0, sizeof(*c));
}

/* --- the configuration-time check ----------------------------------------------- */

static bool unchanged(const struct instance *in, json_t *old_config,
                      const char *key)
{
    json_t *a = json_object_get(in->config, key);
    json_t *b = json_object_get(old_config, key);
    if (!old_config)
        return false;
    return (!a && !b) || (a && b && json_equal(a, b));
}

static bool refuse(char *why, size_t len, const char *key, const char *what)
{
    snprintf(why, len, "%s %s", key, what);
    return false;
}

bool events_config_check(const struct instance *in, json_t *old_config,
                         char *why, size_t why_len)
{
    const char *w = NULL;
    char **names = NULL;
    size_t n = 0;
    if (!in || !in->el)
        return true;
    if (!unchanged(in, old_config, K_ENABLED) &&
        parse_bool(val(in, K_ENABLED)) < 0)
        return refuse(why, why_len, K_ENABLED, "must be true or false");
    if (!unchanged(in, old_config, K_VENDOR) &&
        parse_vendor(val(in, K_VENDOR)) < 0)
        return refuse(why, why_len, K_VENDOR,
                      "must be polling or webhook (or webhooks)");
    const char *nt = val(in, K_NTYPE);
    if (!unchanged(in, old_config, K_NTYPE) && nt &&
        !ed_strcaseeq(nt, "webhook"))
        return refuse(why, why_len, K_NTYPE, "must be webhook");
    const char *cb = val(in, K_CALLBACK);
    if (!unchanged(in, old_config, K_CALLBACK) && cb &&
        !events_callback_url_ok(cb))
        return refuse(why, why_len, K_CALLBACK,
                      "must be an http or https URL with a host");
    if ((!unchanged(in, old_config, K_ENABLED) ||
         !unchanged(in, old_config, K_CALLBACK)) &&
        parse_bool(val(in, K_ENABLED)) == 1 && !cb)
        return refuse(why, why_len, K_CALLBACK,
                      "is required when event.notification.enabled is true");
    if (!unchanged(in, old_config, K_REFRESH) &&
        parse_refresh(val(in, K_REFRESH)) < 0)
        return refuse(why, why_len, K_REFRESH,
                      "must be a whole number of minutes from 1 to 10080");
    const char *pc = val(in, K_POLLER);
    if (!unchanged(in, old_config, K_POLLER) && pc) {
        json_t *dflt = events_element_poller_default(in->el);
        json_t *p = parse_poller(pc, dflt, &w);
        json_decref(dflt);
        if (!p)
            return refuse(why, why_len, K_POLLER, w);
        json_decref(p);
    }
    static const char *const lists[] = {K_OBJECTS, K_URLS};
    for (size_t i = 0; i < 2; i++) {
        if (unchanged(in, old_config, lists[i]))
            continue;
        if (!parse_names(val(in, lists[i]), &names, &n, &w))
            return refuse(why, why_len, lists[i], w);
        for (size_t j = 0; j < n; j++)
            free(names[j]);
        free(names);
        names = NULL;
        n = 0;
    }
    return true;
}
