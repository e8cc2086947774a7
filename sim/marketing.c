/* SPDX-License-Identifier: MIT */
/*
 * Marketing emails (marketing/v3/emails) and forms (marketing/v3/forms)
 * for hubspot-sim, after @hubspot/api-client's codegen/marketing/emails
 * (MarketingEmailsApi, PublicEmail, EmailCreateRequest,
 * CollectionResponseWithTotalPublicEmailForwardPaging) and
 * codegen/marketing/forms (FormsApi, HubSpotFormDefinition,
 * CollectionResponseFormDefinitionBaseForwardPaging): list with cursor
 * paging and the listing filters, read, create (201), update (PATCH; forms
 * also PUT), archive (DELETE, 204; archived records are read with
 * ?archived=true). Members outside the models are refused (400
 * VALIDATION_ERROR naming them). Fixture keys: "marketingEmails", "forms"
 * (arrays of records). State is process-wide under st->lock.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_MAX 100
#define EMAIL_ID_BASE 160000000000ULL

struct kind {
    const char *name;           /* "Email" / "Form" (messages) */
    const char *base;           /* path for paging links */
    const char *const *fields;  /* members a write may carry */
    const char *const *filters; /* list query filters (string equality) */
    bool total;                 /* list carries "total" */
    json_t *all;                /* id -> record */
    uint64_t next_id;
};

static const char *const email_fields[] = {"feedbackSurveyId",
                                           "rssData",
                                           "subject",
                                           "testing",
                                           "publishDate",
                                           "language",
                                           "businessUnitId",
                                           "content",
                                           "webversion",
                                           "archived",
                                           "subscriptionDetails",
                                           "activeDomain",
                                           "name",
                                           "campaign",
                                           "from",
                                           "jitterSendTime",
                                           "state",
                                           "to",
                                           "subcategory",
                                           "sendOnPublish",
                                           NULL};
static const char *const email_filters[] = {"type", "isPublished", "campaign",
                                            NULL};

static const char *const form_fields[] = {"formType",
                                          "name",
                                          "createdAt",
                                          "updatedAt",
                                          "archived",
                                          "archivedAt",
                                          "fieldGroups",
                                          "configuration",
                                          "displayOptions",
                                          "legalConsentOptions",
                                          NULL};
static const char *const form_filters[] = {"formTypes", NULL};

static struct kind emails = {
    "Email", "/marketing/v3/emails", email_fields, email_filters, true, NULL,
    0};
static struct kind forms = {
    "Form", "/marketing/v3/forms", form_fields, form_filters, false, NULL, 0};

static void kind_init(struct kind *k)
{
    if (!k->all) {
        k->all = json_object();
        k->next_id = EMAIL_ID_BASE;
    }
}

static void mkt_clear(struct sim_state *st)
{
    (void)st;
    json_decref(emails.all);
    json_decref(forms.all);
    emails.all = forms.all = NULL;
}

static void stamp(json_t *o, const char *k, int64_t ms)
{
    char ts[32];

    sim_iso_ms(ms, ts);
    json_object_set_new(o, k, json_string(ts));
}

/* Defaults of the required members of each model. */
static void email_defaults(json_t *e)
{
    static const char *const objs[] = {"content", "from", "to", NULL};
    if (!json_object_get(e, "subject"))
        json_object_set_new(e, "subject", json_string(""));
    for (size_t i = 0; objs[i]; i++)
        if (!json_object_get(e, objs[i]))
            json_object_set_new(e, objs[i], json_object());
    if (!json_object_get(e, "state"))
        json_object_set_new(e, "state", json_string("DRAFT"));
    if (!json_object_get(e, "subcategory"))
        json_object_set_new(e, "subcategory", json_string("batch"));
    if (!json_object_get(e, "sendOnPublish"))
        json_object_set_new(e, "sendOnPublish", json_false());
    json_object_set_new(e, "type", json_string("BATCH_EMAIL"));
    json_object_set_new(e, "isPublished",
                        json_boolean(strcmp(json_string_value(
                                                json_object_get(e, "state")),
                                            "PUBLISHED") == 0));
    json_object_set_new(e, "isTransactional", json_false());
}

/* Sets each member of defs that obj lacks; members that are objects on both
 * sides are filled the same way. Takes defs. */
static void fill(json_t *obj, json_t *defs)
{
    const char *key;
    json_t *v, *have;

    if (json_is_object(obj))
        json_object_foreach(defs, key, v) {
            have = json_object_get(obj, key);
            if (!have)
                json_object_set(obj, key, v);
            else if (json_is_object(have) && json_is_object(v))
                fill(have, json_incref(v));
        }
    json_decref(defs);
}

/* Required members of HubSpotFormDefinition and the models it holds
 * (FormStyle's values are those of HubSpot's forms v3 reference example);
 * each field of a group gets dependentFields, which every field model of
 * FieldGroup.fields requires. */
static void form_defaults(json_t *f)
{
    json_t *groups, *g, *fields, *fl;
    size_t i, j;

    fill(f,
         json_pack("{s:[],s:{s:b,s:b,s:b,s:{s:s,s:s},s:s,s:b,s:b,s:b,s:b,s:b,"
                   "s:[]},s:{s:b,s:s,s:s},s:{s:s}}",
                   "fieldGroups", "configuration",
                   "createNewContactForNewEmail", 0, "editable", 1,
                   "allowLinkToResetKnownValues", 0, "postSubmitAction", "type",
                   "thank_you", "value", "Thanks for submitting the form.",
                   "language", "en", "prePopulateKnownValues", 1, "cloneable",
                   1, "notifyContactOwner", 0, "recaptchaEnabled", 0,
                   "archivable", 1, "notifyRecipients", "displayOptions",
                   "renderRawHtml", 0, "theme", "default_style",
                   "submitButtonText", "Submit", "legalConsentOptions", "type",
                   "none"));
    fill(json_object_get(f, "displayOptions"),
         json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}}",
                   "style", "fontFamily", "arial, helvetica, sans-serif",
                   "backgroundWidth", "100%", "labelTextColor", "#33475b",
                   "labelTextSize", "14px", "helpTextColor", "#7C98B6",
                   "helpTextSize", "11px", "legalConsentTextColor", "#7C98B6",
                   "legalConsentTextSize", "14px", "submitColor", "#ff7a59",
                   "submitAlignment", "left", "submitFontColor", "#ffffff",
                   "submitSize", "12px"));
    groups = json_object_get(f, "fieldGroups");
    json_array_foreach(groups, i, g) {
        fields = json_object_get(g, "fields");
        json_array_foreach(fields, j, fl)
            fill(fl, json_pack("{s:[]}", "dependentFields"));
    }
}

/* 0 when every member of in is a field of k; else the 400 is set. */
static int check_fields(struct sim_request *req, struct sim_response *res,
                        const struct kind *k, const json_t *in)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)in, key, v) {
        bool ok = false;
        for (size_t i = 0; k->fields[i]; i++)
            ok = ok || strcmp(k->fields[i], key) == 0;
        if (!ok)
            return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                                  "Unrecognized field \"%s\"", key);
    }
    return 0;
}

static int create(struct sim_request *req, struct sim_response *res,
                  struct kind *k)
{
    json_t *in = sim_req_object_or_respond(req, res), *rec;
    const char *name;
    char id[24];

    kind_init(k);
    if (!in || check_fields(req, res, k, in))
        return res->status;
    name = json_string_value(json_object_get(in, "name"));
    if (!name || !*name)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "name is required",
                             json_pack("{s:{s:[s]}}", "context", "name",
                                       "required"));
    if (k == &forms) {
        const char *t = json_string_value(json_object_get(in, "formType"));
        if (!t || strcmp(t, "hubspot") != 0)
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "formType must be hubspot",
                                 json_pack("{s:{s:[s]}}", "context", "formType",
                                           t ? t : "null"));
    }
    snprintf(id, sizeof(id), "%llu", (unsigned long long)++k->next_id);
    rec = json_deep_copy(in);
    json_object_set_new(rec, "id", json_string(id));
    json_object_set_new(rec, "archived", json_false());
    stamp(rec, "createdAt", req->now_ms);
    stamp(rec, "updatedAt", req->now_ms);
    if (k == &emails)
        email_defaults(rec);
    else
        form_defaults(rec);
    json_object_set_new(k->all, id, rec);
    return sim_res_json(res, 201, json_incref(rec));
}

static json_t *find_or_404(struct sim_request *req, struct sim_response *res,
                           struct kind *k)
{
    const char *id = sim_req_param(req, "id");
    bool archived = sim_req_bool(req, "archived", false);
    json_t *r;

    kind_init(k);
    r = json_object_get(k->all, id);
    if (r && json_is_true(json_object_get(r, "archived")) == archived)
        return r;
    sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                   "%s with id %s was not found", k->name, id);
    return NULL;
}

static int read_one(struct sim_request *req, struct sim_response *res,
                    struct kind *k)
{
    json_t *r = find_or_404(req, res, k);

    return r ? sim_res_json(res, 200, json_incref(r)) : res->status;
}

static int update(struct sim_request *req, struct sim_response *res,
                  struct kind *k, bool replace)
{
    json_t *r = find_or_404(req, res, k), *in, *v;
    const char *key;

    if (!r)
        return res->status;
    if (!(in = sim_req_object_or_respond(req, res)) ||
        check_fields(req, res, k, in))
        return res->status;
    if (replace) {
        const char *t = json_string_value(json_object_get(in, "formType"));
        const char *n = json_string_value(json_object_get(in, "name"));
        if (!t || strcmp(t, "hubspot") != 0 || !n || !*n)
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "formType (hubspot) and name are required",
                                 NULL);
        json_object_del(r, "fieldGroups");
        json_object_del(r, "configuration");
        json_object_del(r, "displayOptions");
        json_object_del(r, "legalConsentOptions");
    }
    json_object_foreach(in, key, v) {
        if (strcmp(key, "createdAt") == 0 || strcmp(key, "archived") == 0 ||
            strcmp(key, "archivedAt") == 0)
            continue;
        if (strcmp(key, "name") == 0 &&
            (!json_is_string(v) || !*json_string_value(v)))
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "name must be a non-empty string", NULL);
        json_object_set(r, key, v);
    }
    stamp(r, "updatedAt", req->now_ms);
    if (k == &emails)
        email_defaults(r);
    else
        form_defaults(r);
    return sim_res_json(res, 200, json_incref(r));
}

static int archive(struct sim_request *req, struct sim_response *res,
                   struct kind *k)
{
    json_t *r = find_or_404(req, res, k);

    if (!r)
        return res->status;
    json_object_set_new(r, "archived", json_true());
    stamp(r, "archivedAt", req->now_ms);
    return sim_res_empty(res, 204);
}

static int64_t id_num(const char *s)
{
    int64_t v = 0;

    sim_parse_i64(s, &v);
    return v;
}

static int cmp_ids(const void *a, const void *b)
{
    int64_t x = id_num(*(const char *const *)a);
    int64_t y = id_num(*(const char *const *)b);

    return x < y ? -1 : x > y;
}

static bool filter_ok(const struct sim_request *req, const struct kind *k,
                      const json_t *r)
{
    for (size_t i = 0; k->filters[i]; i++) {
        const char *q = sim_req_query(req, k->filters[i]);
        const char *field = strcmp(k->filters[i], "formTypes") == 0
                                ? "formType"
                                : k->filters[i];
        char buf[64];
        const char *v;

        if (!q)
            continue;
        v = sim_json_scalar(json_object_get(r, field), buf, sizeof(buf));
        if (!v || strcmp(v, q) != 0)
            return false;
    }
    return true;
}

static int list(struct sim_request *req, struct sim_response *res,
                struct kind *k)
{
    const char *after_s = sim_req_query(req, "after");
    const char *limit_s = sim_req_query(req, "limit");
    bool archived = sim_req_bool(req, "archived", false);
    int64_t limit = 10, after = 0, total = 0;
    const char **ids, *key;
    json_t *results = json_array(), *body, *r, *next = NULL;
    size_t n = 0;

    kind_init(k);
    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1)) ||
        (after_s && !sim_parse_i64(after_s, &after))) {
        json_decref(results);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid limit or after parameter", NULL);
    }
    if (limit > PAGE_MAX)
        limit = PAGE_MAX;
    ids = sim_xcalloc(json_object_size(k->all) + 1, sizeof(*ids));
    json_object_foreach(k->all, key, r)
        ids[n++] = key;
    qsort(ids, n, sizeof(*ids), cmp_ids);
    for (size_t i = 0; i < n; i++) {
        r = json_object_get(k->all, ids[i]);
        if (json_is_true(json_object_get(r, "archived")) != archived ||
            !filter_ok(req, k, r))
            continue;
        total++;
        if (id_num(ids[i]) < after || next)
            continue;
        if ((int64_t)json_array_size(results) == limit) {
            const char *host = sim_req_header(req, "Host");
            char link[512];

            snprintf(link, sizeof(link), "http://%s%s?after=%s",
                     host ? host : "localhost", k->base, ids[i]);
            next = json_pack("{s:{s:s,s:s}}", "next", "after", ids[i], "link",
                             link);
            continue;
        }
        json_array_append(results, r);
    }
    free(ids);
    body = json_pack("{s:o}", "results", results);
    if (k->total)
        json_object_set_new(body, "total", json_integer(total));
    if (next)
        json_object_set_new(body, "paging", next);
    return sim_res_json(res, 200, body);
}

static int load_kind(struct kind *k, const json_t *arr, const char *key,
                     char *err, size_t errlen)
{
    json_t *r;
    size_t i;

    if (!arr)
        return 0;
    if (!json_is_array(arr)) {
        snprintf(err, errlen, "fixtures: %s must be an array", key);
        return -1;
    }
    kind_init(k);
    json_array_foreach(arr, i, r) {
        char id[24];
        json_t *c;

        if (!json_is_object(r) || !json_is_string(json_object_get(r, "name"))) {
            snprintf(err, errlen, "fixtures: %s[%zu] needs a name", key, i);
            return -1;
        }
        c = json_deep_copy(r);
        snprintf(id, sizeof(id), "%llu", (unsigned long long)++k->next_id);
        if (!json_is_string(json_object_get(c, "id")))
            json_object_set_new(c, "id", json_string(id));
        if (!json_object_get(c, "archived"))
            json_object_set_new(c, "archived", json_false());
        if (!json_object_get(c, "createdAt"))
            json_object_set_new(c, "createdAt",
                                json_string("2024-01-01T00:00:00.000Z"));
        if (!json_object_get(c, "updatedAt"))
            json_object_set_new(c, "updatedAt",
                                json_string("2024-01-01T00:00:00.000Z"));
        if (k == &emails)
            email_defaults(c);
        else {
            if (!json_object_get(c, "formType"))
                json_object_set_new(c, "formType", json_string("hubspot"));
            form_defaults(c);
        }
        json_object_set_new(k->all, json_string_value(json_object_get(c, "id")),
                            c);
    }
    return 0;
}

static int mkt_load(struct sim_state *st, const json_t *fx, char *err,
                    size_t errlen)
{
    (void)st;
    if (load_kind(&emails, json_object_get(fx, "marketingEmails"),
                  "marketingEmails", err, errlen))
        return -1;
    return load_kind(&forms, json_object_get(fx, "forms"), "forms", err,
                     errlen);
}

#define KIND_HANDLERS(k)                                                       \
    static int h_##k##_list(struct sim_request *req, struct sim_response *res) \
    {                                                                          \
        return list(req, res, &k);                                             \
    }                                                                          \
    static int h_##k##_create(struct sim_request *req,                         \
                              struct sim_response *res)                        \
    {                                                                          \
        return create(req, res, &k);                                           \
    }                                                                          \
    static int h_##k##_get(struct sim_request *req, struct sim_response *res)  \
    {                                                                          \
        return read_one(req, res, &k);                                         \
    }                                                                          \
    static int h_##k##_patch(struct sim_request *req,                          \
                             struct sim_response *res)                         \
    {                                                                          \
        return update(req, res, &k, false);                                    \
    }                                                                          \
    static int h_##k##_delete(struct sim_request *req,                         \
                              struct sim_response *res)                        \
    {                                                                          \
        return archive(req, res, &k);                                          \
    }

KIND_HANDLERS(emails)
KIND_HANDLERS(forms)

static int h_forms_put(struct sim_request *req, struct sim_response *res)
{
    return update(req, res, &forms, true);
}

static const char *const email_scopes[] = {"content", NULL};
static const char *const form_scopes[] = {"forms", NULL};

#define R(m, p, h, f, s)                                                       \
    {                                                                          \
        m, p, h, SIM_R_AUTH | (f), SIM_SCOPE_LIST, s                           \
    }
static const struct sim_route mkt_routes[] = {
    R("GET", "/marketing/v3/emails", h_emails_list, 0, email_scopes),
    R("POST", "/marketing/v3/emails", h_emails_create, SIM_R_JSON,
      email_scopes),
    R("GET", "/marketing/v3/emails/:id", h_emails_get, 0, email_scopes),
    R("PATCH", "/marketing/v3/emails/:id", h_emails_patch, SIM_R_JSON,
      email_scopes),
    R("DELETE", "/marketing/v3/emails/:id", h_emails_delete, 0, email_scopes),
    R("GET", "/marketing/v3/forms", h_forms_list, 0, form_scopes),
    R("POST", "/marketing/v3/forms", h_forms_create, SIM_R_JSON, form_scopes),
    R("GET", "/marketing/v3/forms/:id", h_forms_get, 0, form_scopes),
    R("PATCH", "/marketing/v3/forms/:id", h_forms_patch, SIM_R_JSON,
      form_scopes),
    R("PUT", "/marketing/v3/forms/:id", h_forms_put, SIM_R_JSON, form_scopes),
    R("DELETE", "/marketing/v3/forms/:id", h_forms_delete, 0, form_scopes),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};
#undef R

static const char *const mkt_keys[] = {"marketingEmails", "forms", NULL};

const struct sim_module sim_module_marketing = {
    .name = "marketing",
    .routes = mkt_routes,
    .load = mkt_load,
    .clear = mkt_clear,
    .fixture_keys = mkt_keys,
};
