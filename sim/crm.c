/* SPDX-License-Identifier: MIT */
/*
 * CRM v3 objects for hubspot-sim: the object-type table (names, 0-x ids,
 * default and required properties, scopes, built-in property definitions)
 * and the generic record engine behind list, get, create, update, archive
 * and the batch calls. Records keep only user-set values; createdate,
 * (hs_)lastmodifieddate and hs_object_id are derived from the record when
 * read, so they can never drift. Every type is served by the same handlers:
 * adding an object type is one row in the table.
 */
#include "sim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 100

/* ---- the object-type table ---------------------------------------------- */

/* table macros whose bodies are initializers: laid out by hand */
/* clang-format off */
#define SYS(lm)                                                              \
    {"createdate", "Create Date", "datetime", "date", NULL, SIM_P_RO},        \
    {lm, "Last Modified Date", "datetime", "date", NULL, SIM_P_RO},          \
    {"hs_object_id", "Record ID", "number", "number", NULL,                  \
     SIM_P_RO | SIM_P_UNIQUE},                                               \
    {"hubspot_owner_id", "Owner", "enumeration", "select", NULL, 0}
#define STR(n, l) {n, l, "string", "text", NULL, 0}
#define NUM(n, l) {n, l, "number", "number", NULL, 0}
#define DT(n, l) {n, l, "datetime", "date", NULL, 0}
#define ENUM(n, l, o) {n, l, "enumeration", "select", o, 0}
#define END {NULL, NULL, NULL, NULL, NULL, 0}
#define LIFECYCLE                                                            \
    "subscriber|lead|marketingqualifiedlead|salesqualifiedlead|opportunity|" \
    "customer|evangelist|other"
/* clang-format on */

static const struct sim_propdef contact_props[] = {
    {"email", "Email", "string", "text", NULL, SIM_P_UNIQUE},
    STR("firstname", "First Name"),
    STR("lastname", "Last Name"),
    STR("phone", "Phone Number"),
    STR("mobilephone", "Mobile Phone Number"),
    STR("company", "Company Name"),
    STR("website", "Website URL"),
    STR("jobtitle", "Job Title"),
    STR("address", "Street Address"),
    STR("city", "City"),
    STR("state", "State/Region"),
    STR("zip", "Postal Code"),
    STR("country", "Country/Region"),
    ENUM("lifecyclestage", "Lifecycle Stage", LIFECYCLE),
    ENUM("hs_lead_status", "Lead Status",
         "NEW|OPEN|IN_PROGRESS|OPEN_DEAL|UNQUALIFIED|ATTEMPTED_TO_CONTACT|"
         "CONNECTED|BAD_TIMING"),
    SYS("lastmodifieddate"),
    END};
static const struct sim_propdef company_props[] = {
    STR("name", "Company name"),
    STR("domain", "Company Domain Name"),
    STR("website", "Website URL"),
    STR("industry", "Industry"),
    STR("phone", "Phone Number"),
    STR("address", "Street Address"),
    STR("city", "City"),
    STR("state", "State/Region"),
    STR("zip", "Postal Code"),
    STR("country", "Country/Region"),
    NUM("numberofemployees", "Number of Employees"),
    NUM("annualrevenue", "Annual Revenue"),
    STR("description", "Description"),
    ENUM("lifecyclestage", "Lifecycle Stage", LIFECYCLE),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef deal_props[] = {
    STR("dealname", "Deal Name"),
    NUM("amount", "Amount"),
    DT("closedate", "Close Date"),
    STR("pipeline", "Pipeline"),
    STR("dealstage", "Deal Stage"),
    ENUM("dealtype", "Deal Type", "newbusiness|existingbusiness"),
    STR("description", "Deal Description"),
    ENUM("hs_priority", "Priority", "low|medium|high"),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef ticket_props[] = {
    STR("subject", "Ticket name"),
    STR("content", "Ticket description"),
    STR("hs_pipeline", "Pipeline"),
    STR("hs_pipeline_stage", "Ticket status"),
    ENUM("hs_ticket_category", "Category",
         "PRODUCT_ISSUE|BILLING_ISSUE|FEATURE_REQUEST|GENERAL_INQUIRY"),
    ENUM("hs_ticket_priority", "Priority", "LOW|MEDIUM|HIGH|URGENT"),
    STR("source_type", "Source"),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef product_props[] = {
    STR("name", "Name"),
    STR("description", "Description"),
    NUM("price", "Unit price"),
    STR("hs_sku", "SKU"),
    NUM("hs_cost_of_goods_sold", "Unit cost"),
    ENUM("hs_recurring_billing_period", "Term", NULL),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef line_item_props[] = {
    STR("name", "Name"),
    NUM("quantity", "Quantity"),
    NUM("price", "Unit price"),
    NUM("amount", "Net price"),
    STR("hs_product_id", "Product ID"),
    STR("description", "Description"),
    STR("hs_sku", "SKU"),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef note_props[] = {
    DT("hs_timestamp", "Activity date"), STR("hs_note_body", "Note body"),
    STR("hs_attachment_ids", "Attachment IDs"), SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef call_props[] = {
    DT("hs_timestamp", "Activity date"),
    STR("hs_call_title", "Call Title"),
    STR("hs_call_body", "Call notes"),
    ENUM("hs_call_direction", "Call direction", "INBOUND|OUTBOUND"),
    STR("hs_call_disposition", "Call outcome"),
    NUM("hs_call_duration", "Call duration"),
    STR("hs_call_from_number", "From number"),
    STR("hs_call_to_number", "To number"),
    STR("hs_call_recording_url", "Recording URL"),
    ENUM("hs_call_status", "Call status",
         "BUSY|CALLING_CRM_USER|CANCELED|COMPLETED|CONNECTING|FAILED|"
         "IN_PROGRESS|NO_ANSWER|QUEUED|RINGING"),
    STR("hs_attachment_ids", "Attachment IDs"),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef email_props[] = {
    DT("hs_timestamp", "Activity date"),
    ENUM("hs_email_direction", "Email direction",
         "EMAIL|INCOMING_EMAIL|FORWARDED_EMAIL"),
    ENUM("hs_email_status", "Email send status",
         "BOUNCED|FAILED|SCHEDULED|SENDING|SENT"),
    STR("hs_email_subject", "Email subject"),
    STR("hs_email_text", "Email text"),
    STR("hs_email_html", "Email HTML"),
    STR("hs_email_headers", "Email headers"),
    STR("hs_attachment_ids", "Attachment IDs"),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef meeting_props[] = {
    DT("hs_timestamp", "Activity date"),
    STR("hs_meeting_title", "Meeting name"),
    STR("hs_meeting_body", "Meeting description"),
    STR("hs_internal_meeting_notes", "Internal notes"),
    STR("hs_meeting_external_url", "External URL"),
    STR("hs_meeting_location", "Location"),
    DT("hs_meeting_start_time", "Start time"),
    DT("hs_meeting_end_time", "End time"),
    ENUM("hs_meeting_outcome", "Meeting outcome",
         "SCHEDULED|COMPLETED|RESCHEDULED|NO_SHOW|CANCELED"),
    STR("hs_attachment_ids", "Attachment IDs"),
    SYS("hs_lastmodifieddate"),
    END};
static const struct sim_propdef task_props[] = {
    DT("hs_timestamp", "Due date"),
    STR("hs_task_subject", "Task Title"),
    STR("hs_task_body", "Notes"),
    ENUM("hs_task_status", "Task Status",
         "NOT_STARTED|IN_PROGRESS|WAITING|COMPLETED|DEFERRED"),
    ENUM("hs_task_priority", "Priority", "NONE|LOW|MEDIUM|HIGH"),
    ENUM("hs_task_type", "Task Type", "EMAIL|CALL|TODO"),
    STR("hs_task_reminders", "Reminder"),
    STR("hs_attachment_ids", "Attachment IDs"),
    SYS("hs_lastmodifieddate"),
    END};

#define L(...)                                                                 \
    (const char *const[])                                                      \
    {                                                                          \
        __VA_ARGS__, NULL                                                      \
    }
#define SC(o)                                                                  \
    L("crm.objects." o ".read"), L("crm.objects." o ".write"),                 \
        L("crm.schemas." o ".read", "crm.objects." o ".read"),                 \
        L("crm.schemas." o ".write")
#define ACTIVITY_SC                                                            \
    L("crm.objects.contacts.read"), L("crm.objects.contacts.write"),           \
        L("crm.objects.contacts.read"), L("crm.schemas.contacts.write")
#define ACTIVITY(idx, n, id, sing, up, base, props, txt)                       \
    {                                                                          \
        idx, n, id, sing, up, sing "information", "hs_lastmodifieddate", base, \
            L("hs_timestamp"), L("hs_timestamp"), false, txt, ACTIVITY_SC,     \
            props                                                              \
    }

static const struct sim_objtype objtypes[SIM_NTYPES] = {
    {SIM_OBJ_CONTACTS, "contacts", "0-1", "contact", "CONTACT",
     "contactinformation", "lastmodifieddate", 101,
     L("firstname", "lastname", "email"), L("email", "firstname", "lastname"),
     true, L("firstname", "lastname", "email", "phone", "company"),
     SC("contacts"), contact_props},
    {SIM_OBJ_COMPANIES, "companies", "0-2", "company", "COMPANY",
     "companyinformation", "hs_lastmodifieddate", 2001, L("name", "domain"),
     L("name", "domain"), true, L("name", "domain", "website", "phone"),
     SC("companies"), company_props},
    {SIM_OBJ_DEALS, "deals", "0-3", "deal", "DEAL", "dealinformation",
     "hs_lastmodifieddate", 3001,
     L("dealname", "amount", "closedate", "pipeline", "dealstage"),
     L("dealname", "dealstage", "pipeline"), false, L("dealname"), SC("deals"),
     deal_props},
    {SIM_OBJ_TICKETS, "tickets", "0-5", "ticket", "TICKET", "ticketinformation",
     "hs_lastmodifieddate", 4001,
     L("content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_category",
       "hs_ticket_priority", "subject"),
     L("subject", "hs_pipeline", "hs_pipeline_stage"), false,
     L("subject", "content"), L("tickets"), L("tickets"),
     L("tickets", "crm.schemas.tickets.read"), L("tickets"), ticket_props},
    {SIM_OBJ_PRODUCTS, "products", "0-7", "product", "PRODUCT",
     "productinformation", "hs_lastmodifieddate", 5001,
     L("name", "description", "price"), L("name"), false,
     L("name", "description", "hs_sku"), L("e-commerce"), L("e-commerce"),
     L("e-commerce"), L("e-commerce"), product_props},
    {SIM_OBJ_LINE_ITEMS, "line_items", "0-8", "line_item", "LINE_ITEM",
     "lineiteminformation", "hs_lastmodifieddate", 6001,
     L("name", "quantity", "price", "amount", "hs_product_id"), L("name"),
     false, L("name"), L("e-commerce"), L("e-commerce"), L("e-commerce"),
     L("e-commerce"), line_item_props},
    ACTIVITY(SIM_OBJ_NOTES, "notes", "0-46", "note", "NOTE", 7001, note_props,
             L("hs_note_body")),
    ACTIVITY(SIM_OBJ_CALLS, "calls", "0-48", "call", "CALL", 8001, call_props,
             L("hs_call_title", "hs_call_body")),
    ACTIVITY(SIM_OBJ_EMAILS, "emails", "0-49", "email", "EMAIL", 9001,
             email_props, L("hs_email_subject", "hs_email_text")),
    ACTIVITY(SIM_OBJ_MEETINGS, "meetings", "0-47", "meeting", "MEETING", 10001,
             meeting_props, L("hs_meeting_title", "hs_meeting_body")),
    ACTIVITY(SIM_OBJ_TASKS, "tasks", "0-27", "task", "TASK", 11001, task_props,
             L("hs_task_subject", "hs_task_body")),
};

const struct sim_objtype *sim_objtype_at(enum sim_objtype_id idx)
{
    return idx < SIM_NTYPES ? &objtypes[idx] : NULL;
}

/* Accepts "contacts", "contact", "CONTACT" and "0-1". */
const struct sim_objtype *sim_objtype_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < SIM_NTYPES; i++)
        if (sim_str_ieq(name, objtypes[i].name) ||
            strcmp(name, objtypes[i].type_id) == 0 ||
            sim_str_ieq(name, objtypes[i].singular))
            return &objtypes[i];
    return sim_custom_find(name);
}

const struct sim_objtype *sim_objtype_or_respond(struct sim_request *req,
                                                 struct sim_response *res)
{
    const char *name = sim_req_param(req, "type");
    const struct sim_objtype *t = sim_objtype_find(name);

    if (!t)
        sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                       "Unable to infer object type from: %s",
                       name ? name : "");
    return t;
}

/* ---- records ------------------------------------------------------------- */

static size_t lower_bound(const struct sim_store *s, uint64_t id)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->recs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct sim_record *sim_obj_find(struct sim_state *st,
                                const struct sim_objtype *t, uint64_t id,
                                bool include_archived)
{
    struct sim_store *s = &st->stores[t->idx];
    size_t i = lower_bound(s, id);

    if (i < s->n && s->recs[i].id == id &&
        (include_archived || !s->recs[i].archived))
        return &s->recs[i];
    return NULL;
}

/* Notes a contact's stored email in st->email_idx (sim_contact_by_email). */
static void email_index(struct sim_state *st, const struct sim_objtype *t,
                        const struct sim_record *r)
{
    const char *e;
    char lower[320];
    size_t j;

    if (t->idx != SIM_OBJ_CONTACTS || !r->props || !st->email_idx)
        return;
    e = json_string_value(json_object_get(r->props, "email"));
    if (!e || !*e)
        return;
    sim_strlcpy(lower, e, sizeof(lower));
    for (j = 0; lower[j]; j++)
        lower[j] = (char)tolower((unsigned char)lower[j]);
    json_object_set_new(st->email_idx, lower, json_integer((json_int_t)r->id));
}

struct sim_record *sim_obj_insert(struct sim_state *st,
                                  const struct sim_objtype *t, uint64_t id,
                                  json_t *props_take, int64_t created_ms,
                                  int64_t updated_ms)
{
    struct sim_store *s = &st->stores[t->idx];
    size_t i;
    struct sim_record *r;

    if (id == 0)
        id = s->next_id > t->id_base ? s->next_id : t->id_base;
    i = lower_bound(s, id);
    if (i < s->n && s->recs[i].id == id) {
        r = &s->recs[i];
        json_decref(r->props);
    } else {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 64;
            s->recs = sim_xrealloc(s->recs, s->cap * sizeof(*s->recs));
        }
        memmove(&s->recs[i + 1], &s->recs[i], (s->n - i) * sizeof(*s->recs));
        s->n++;
        r = &s->recs[i];
    }
    memset(r, 0, sizeof(*r));
    r->id = id;
    r->props = props_take ? props_take : json_object();
    r->created_ms = created_ms;
    r->updated_ms = updated_ms;
    if (id >= s->next_id)
        s->next_id = id + 1;
    email_index(st, t, r);
    return r;
}

json_t *sim_prop_def(struct sim_state *st, const struct sim_objtype *t,
                     const char *name)
{
    json_t *d = json_object_get(st->propdefs[t->idx], name);

    return d && !json_is_true(json_object_get(d, "archived")) ? d : NULL;
}

const char *sim_obj_prop(struct sim_state *st, const struct sim_objtype *t,
                         const struct sim_record *r, const char *name,
                         char *buf, size_t cap)
{
    (void)st;
    if (strcmp(name, t->created ? t->created : "createdate") == 0) {
        sim_iso_ms(r->created_ms, buf);
        return buf;
    }
    if (strcmp(name, t->lastmod) == 0) {
        sim_iso_ms(r->updated_ms, buf);
        return buf;
    }
    if (strcmp(name, "hs_object_id") == 0) {
        snprintf(buf, cap, "%llu", (unsigned long long)r->id);
        return buf;
    }
    if (r->gen)
        return sim_gen_prop(r, name, buf, cap);
    return json_string_value(json_object_get(r->props, name));
}

json_t *sim_obj_props(struct sim_record *r)
{
    if (r->gen) {
        json_decref(r->props);
        r->props = sim_gen_props(r);
        r->gen = false;
    }
    if (!r->props)
        r->props = json_object();
    return r->props;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *sim_obj_render(struct sim_state *st, const struct sim_objtype *t,
                       const struct sim_record *r, const json_t *props)
{
    const char *names[512];
    size_t n = 0, i;
    json_t *o, *p = json_object(), *v;
    char buf[64], c[32], u[32];

    if (json_is_array(props)) {
        json_array_foreach(props, i, v)
            if (json_is_string(v) && n < 500 &&
                sim_prop_def(st, t, json_string_value(v)))
                names[n++] = json_string_value(v);
    } else {
        for (const char *const *d = t->defaults; *d; d++)
            names[n++] = *d;
    }
    names[n++] = t->created ? t->created : "createdate";
    names[n++] = t->lastmod;
    names[n++] = "hs_object_id";
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (i = 0; i < n; i++) {
        const char *val;

        if (i && strcmp(names[i], names[i - 1]) == 0)
            continue;
        val = sim_obj_prop(st, t, r, names[i], buf, sizeof(buf));
        json_object_set_new(p, names[i], val ? json_string(val) : json_null());
    }
    sim_iso_ms(r->created_ms, c);
    sim_iso_ms(r->updated_ms, u);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->id);
    o = json_pack("{s:s,s:o,s:s,s:s,s:b}", "id", buf, "properties", p,
                  "createdAt", c, "updatedAt", u, "archived", r->archived);
    if (r->archived) {
        sim_iso_ms(r->archived_ms, c);
        json_object_set_new(o, "archivedAt", json_string(c));
    }
    return o;
}

/* propertiesWithHistory: one version per property, the current value. */
static void render_history(struct sim_state *st, const struct sim_objtype *t,
                           const struct sim_record *r, const json_t *names,
                           json_t *out)
{
    json_t *h = json_object(), *v;
    size_t i;
    char buf[64], ts[32];

    sim_iso_ms(r->updated_ms, ts);
    json_array_foreach(names, i, v) {
        const char *name = json_string_value(v), *val;

        if (!name || !sim_prop_def(st, t, name))
            continue;
        val = sim_obj_prop(st, t, r, name, buf, sizeof(buf));
        json_object_set_new(h, name,
                            val ? json_pack("[{s:s,s:s,s:s}]", "value", val,
                                            "timestamp", ts, "sourceType",
                                            "API")
                                : json_array());
    }
    json_object_set_new(out, "propertiesWithHistory", h);
}

json_t *sim_req_props(const struct sim_request *req, const char *name)
{
    json_t *out = NULL;

    for (size_t i = 0; req->query && i < req->query->n; i++) {
        const char *v = req->query->items[i].value;

        if (strcmp(req->query->items[i].name, name) != 0)
            continue;
        if (!out)
            out = json_array();
        while (*v) {
            size_t len = strcspn(v, ",");

            if (len)
                json_array_append_new(out, json_stringn(v, len));
            v += len;
            if (*v == ',')
                v++;
        }
    }
    return out;
}

/* The record whose idProperty equals value; *bad set for unusable idProps. */
static struct sim_record *resolve(struct sim_state *st,
                                  const struct sim_objtype *t,
                                  const char *idprop, const char *value,
                                  bool archived, bool *bad)
{
    struct sim_store *s = &st->stores[t->idx];
    json_t *def;
    int64_t id;

    *bad = false;
    if (!idprop || !*idprop || strcmp(idprop, "hs_object_id") == 0 ||
        strcmp(idprop, "id") == 0) {
        if (!sim_parse_i64(value, &id) || id <= 0)
            return NULL;
        return sim_obj_find(st, t, (uint64_t)id, archived);
    }
    def = sim_prop_def(st, t, idprop);
    if (!def || !json_is_true(json_object_get(def, "hasUniqueValue"))) {
        *bad = true;
        return NULL;
    }
    if (!archived && t->idx == SIM_OBJ_CONTACTS && strcmp(idprop, "email") == 0)
        return sim_contact_by_email(st, value);
    for (size_t i = 0; i < s->n; i++) {
        char buf[128];
        const char *v = sim_obj_prop(st, t, &s->recs[i], idprop, buf,
                                     sizeof(buf));

        if (v && s->recs[i].archived == archived && sim_str_ieq(v, value))
            return &s->recs[i];
    }
    return NULL;
}

static int not_found(struct sim_request *req, struct sim_response *res,
                     const char *id)
{
    return sim_res_error(req, res, 404, "OBJECT_NOT_FOUND",
                         "Object not found.  objectId are usually numeric.",
                         json_pack("{s:{s:[s]}}", "context", "id", id));
}

/* ---- write validation ------------------------------------------------------ */

static bool option_ok(const json_t *def, const char *v)
{
    json_t *opts = json_object_get(def, "options"), *o;
    size_t i;

    if (json_array_size(opts) == 0 || !*v)
        return true;
    /* a multi-select (checkbox) value is "a;b": each one must be allowed */
    const char *ft = json_string_value(json_object_get(def, "fieldType"));
    bool multi = ft && strcmp(ft, "checkbox") == 0;
    for (const char *p = v; *p;) {
        size_t n = multi ? strcspn(p, ";") : strlen(p);
        bool found = n == 0;
        json_array_foreach(opts, i, o) {
            const char *ov = json_string_value(json_object_get(o, "value"));
            if (ov && strlen(ov) == n && strncmp(ov, p, n) == 0)
                found = true;
        }
        if (!found)
            return false;
        p += n;
        if (*p == ';')
            p++;
    }
    return true;
}

static void add_invalid(struct sim_state *st, json_t *detail, json_t *errors,
                        const char *name, const char *code, const char *msg)
{
    json_array_append_new(detail,
                          json_pack("{s:b,s:s,s:s,s:s,s:s,s:I}", "isValid", 0,
                                    "message", msg, "error", code, "name", name,
                                    "localizedErrorMessage", msg, "portalId",
                                    (json_int_t)st->cfg->portal_id));
    json_array_append_new(errors, json_pack("{s:s,s:s,s:{s:[s]}}", "message",
                                            msg, "code", code, "context",
                                            "propertyName", name));
}

/* Checks a properties object for t. On failure fills res, returns false. */
static bool props_validate(struct sim_request *req, struct sim_response *res,
                           const struct sim_objtype *t, const json_t *props,
                           bool create)
{
    struct sim_state *st = req->st;
    json_t *detail = json_array(), *errors = json_array(), *v;
    const char *k;
    char msg[600], buf[64], *dump;
    bool ok;

    if (props && !json_is_object(props)) {
        json_decref(detail);
        json_decref(errors);
        sim_res_error(req, res, 400, "VALIDATION_ERROR",
                      "Invalid input JSON: \"properties\" must be an object",
                      NULL);
        return false;
    }
    json_object_foreach((json_t *)props, k, v) {
        json_t *def = sim_prop_def(st, t, k);
        const char *s = sim_json_scalar(v, buf, sizeof(buf));
        double d;

        if (!def) {
            snprintf(msg, sizeof(msg), "Property \"%s\" does not exist", k);
            add_invalid(st, detail, errors, k, "PROPERTY_DOESNT_EXIST", msg);
        } else if (!s && !json_is_null(v)) {
            snprintf(msg, sizeof(msg), "%s was not a valid value for %s",
                     "(object)", k);
            add_invalid(st, detail, errors, k, "INVALID_PROPERTY_VALUE", msg);
        } else if (s && !option_ok(def, s)) {
            snprintf(msg, sizeof(msg),
                     "%.200s was not one of the allowed options", s);
            add_invalid(st, detail, errors, k, "INVALID_OPTION", msg);
        } else if (s && *s &&
                   strcmp(json_string_value(json_object_get(def, "type")),
                          "number") == 0 &&
                   !sim_parse_double(s, &d)) {
            snprintf(msg, sizeof(msg), "%.200s was not a valid number", s);
            add_invalid(st, detail, errors, k, "INVALID_DECIMAL", msg);
        }
    }
    if (create && json_array_size(detail) == 0) {
        bool any = false, all = true;

        for (const char *const *r = t->required; *r; r++) {
            const char *s = sim_json_scalar(json_object_get(props, *r), buf,
                                            sizeof(buf));

            if (s && *s)
                any = true;
            else
                all = false;
        }
        for (const char *const *r = t->required; *r; r++) {
            const char *s = sim_json_scalar(json_object_get(props, *r), buf,
                                            sizeof(buf));

            if ((t->required_any ? any : all) || (s && *s))
                continue;
            snprintf(msg, sizeof(msg), "Property \"%s\" is required", *r);
            add_invalid(st, detail, errors, *r, "REQUIRED_FIELD", msg);
            if (t->required_any)
                break;
        }
    }
    ok = json_array_size(detail) == 0;
    if (!ok) {
        dump = json_dumps(detail, JSON_COMPACT);
        snprintf(msg, sizeof(msg), "Property values were not valid: %s",
                 dump ? dump : "[]");
        sim_res_error(req, res, 400, "VALIDATION_ERROR", msg,
                      json_pack("{s:O}", "errors", errors));
        free(dump);
    }
    json_decref(detail);
    json_decref(errors);
    return ok;
}

struct sim_record *sim_contact_by_email(struct sim_state *st, const char *email)
{
    struct sim_store *s = &st->stores[SIM_OBJ_CONTACTS];
    uint64_t gid = sim_gen_email_id(st, email);

    /* A generated address names its record; other generated records
     * cannot hold it, so only stored emails need the scan. */
    if (gid) {
        struct sim_record *r = sim_obj_find(st,
                                            sim_objtype_at(SIM_OBJ_CONTACTS),
                                            gid, false);

        const char *e = r && !r->gen ? json_string_value(
                                           json_object_get(r->props, "email"))
                                     : NULL;

        if (r && (r->gen || (e && sim_str_ieq(e, email))))
            return r; /* (a materialised one keeps its address) */
    }
    /* Stored emails are indexed (email_index, at every write of one): a
     * hit is checked, a stale one falls back to the scan. */
    char lower[320];
    size_t j;
    json_t *hit;

    sim_strlcpy(lower, email, sizeof(lower));
    for (j = 0; lower[j]; j++)
        lower[j] = (char)tolower((unsigned char)lower[j]);
    hit = json_object_get(st->email_idx, lower);
    if (!hit)
        return NULL;
    {
        struct sim_record *r = sim_obj_find(st,
                                            sim_objtype_at(SIM_OBJ_CONTACTS),
                                            (uint64_t)json_integer_value(hit),
                                            false);
        const char *e = r && !r->gen ? json_string_value(
                                           json_object_get(r->props, "email"))
                                     : NULL;

        if (e && sim_str_ieq(e, email))
            return r;
    }
    for (size_t i = 0; i < s->n; i++) {
        const char *e;

        if (s->recs[i].gen || s->recs[i].archived)
            continue;
        e = json_string_value(json_object_get(s->recs[i].props, "email"));
        if (e && sim_str_ieq(e, email))
            return &s->recs[i];
    }
    return NULL;
}

/* 409 when a contact write would duplicate an existing email. */
static bool email_free(struct sim_request *req, struct sim_response *res,
                       const struct sim_objtype *t, const json_t *props,
                       uint64_t self)
{
    const char *email = json_string_value(json_object_get(props, "email"));
    struct sim_record *other;

    if (t->idx != SIM_OBJ_CONTACTS || !email || !*email)
        return true;
    other = sim_contact_by_email(req->st, email);
    if (!other || other->id == self)
        return true;
    sim_res_errorf(req, res, 409, "CONFLICT",
                   "Contact already exists. Existing ID: %llu",
                   (unsigned long long)other->id);
    return false;
}

/* Applies validated properties; emits propertyChange events when asked. */
static void props_apply(struct sim_state *st, const struct sim_objtype *t,
                        struct sim_record *r, const json_t *props, bool events,
                        int64_t now)
{
    const char *k;
    json_t *v, *stored = sim_obj_props(r);
    char buf[64], norm[64];

    json_object_foreach((json_t *)props, k, v) {
        json_t *def = sim_prop_def(st, t, k);
        const char *s = sim_json_scalar(v, buf, sizeof(buf));
        const char *type = json_string_value(json_object_get(def, "type"));
        const char *old = json_string_value(json_object_get(stored, k));
        int64_t ms;
        char *lower = NULL;

        if (!def ||
            json_is_true(json_object_get(
                json_object_get(def, "modificationMetadata"), "readOnlyValue")))
            continue;
        if (s && *s && type && strcmp(type, "datetime") == 0 &&
            sim_parse_time(s, &ms)) {
            sim_iso_ms(ms, norm);
            s = norm;
        }
        if (s && *s && t->idx == SIM_OBJ_CONTACTS && strcmp(k, "email") == 0) {
            lower = sim_xstrdup(s);
            for (char *p = lower; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            s = lower;
        }
        if (events && !(old ? s && strcmp(old, s) == 0 : !s || !*s))
            sim_event_object(st, t, r->id, "propertyChange", k, s);
        if (s && *s)
            json_object_set_new(stored, k, json_string(s));
        else
            json_object_del(stored, k);
        free(lower);
    }
    email_index(st, t, r);
    r->updated_ms = now;
}

/* Names in a write body, so responses echo what was written. */
static json_t *written_names(const struct sim_objtype *t, const json_t *props)
{
    json_t *names = json_array();
    const char *k;
    json_t *v;

    for (const char *const *d = t->defaults; *d; d++)
        json_array_append_new(names, json_string(*d));
    json_object_foreach((json_t *)props, k, v)
        json_array_append_new(names, json_string(k));
    return names;
}

static struct sim_record *create_one(struct sim_request *req,
                                     const struct sim_objtype *t,
                                     const json_t *props)
{
    struct sim_record *r = sim_obj_insert(req->st, t, 0, NULL, req->now_ms,
                                          req->now_ms);

    props_apply(req->st, t, r, props, false, req->now_ms);
    sim_event_object(req->st, t, r->id, "creation", NULL, NULL);
    return r;
}

/* ---- handlers: single records ----------------------------------------------- */

static void add_link(struct sim_request *req, json_t *paging, uint64_t after,
                     int64_t limit)
{
    struct sim_buf b;
    const char *host = sim_req_header(req, "Host");
    const char *props = sim_req_query(req, "properties");

    sim_buf_init(&b, 8192);
    sim_buf_printf(&b, "http://%s%s?limit=%lld&after=%llu",
                   host ? host : "localhost", req->path, (long long)limit,
                   (unsigned long long)after);
    if (props) {
        sim_buf_puts(&b, "&properties=");
        sim_buf_urlenc(&b, props);
    }
    if (sim_req_bool(req, "archived", false))
        sim_buf_puts(&b, "&archived=true");
    json_object_set_new(paging, "link", json_string(b.data ? b.data : ""));
    sim_buf_cleanup(&b);
}

static void decorate(struct sim_request *req, const struct sim_objtype *t,
                     const struct sim_record *r, json_t *o, json_t *hist)
{
    const char *assoc = sim_req_query(req, "associations");

    if (hist)
        render_history(req->st, t, r, hist, o);
    if (assoc && req->st->assoc_render)
        req->st->assoc_render(req->st, t, r, assoc, o);
}

static int parse_limit(struct sim_request *req, struct sim_response *res,
                       int64_t dflt, int64_t max, bool clamp, int64_t *out)
{
    const char *v = sim_req_query(req, "limit");

    *out = dflt;
    if (v && (!sim_parse_i64(v, out) || *out < 1))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "limit must be a positive integer, got '%s'", v);
    if (*out > max) {
        if (!clamp)
            return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                                  "limit must be at most %lld", (long long)max);
        *out = max;
    }
    return 0;
}

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    struct sim_store *s;
    const char *after_s = sim_req_query(req, "after");
    json_t *props = NULL, *hist = NULL, *results, *body;
    int64_t limit, after = 0;
    bool archived;
    size_t i;

    if (!t)
        return res->status;
    if (parse_limit(req, res, 10, 100, true, &limit))
        return res->status;
    if (after_s && (!sim_parse_i64(after_s, &after) || after < 0))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid 'after' cursor: %s", after_s);
    archived = sim_req_bool(req, "archived", false);
    props = sim_req_props(req, "properties");
    hist = sim_req_props(req, "propertiesWithHistory");
    s = &req->st->stores[t->idx];
    results = json_array();
    body = json_pack("{s:o}", "results", results);
    for (i = lower_bound(s, (uint64_t)after); i < s->n; i++) {
        struct sim_record *r = &s->recs[i];
        json_t *o;

        if (r->archived != archived)
            continue;
        if ((int64_t)json_array_size(results) == limit) {
            char next[32];
            json_t *paging = json_object(), *nx = json_object();

            snprintf(next, sizeof(next), "%llu", (unsigned long long)r->id);
            json_object_set_new(nx, "after", json_string(next));
            add_link(req, nx, r->id, limit);
            json_object_set_new(paging, "next", nx);
            json_object_set_new(body, "paging", paging);
            break;
        }
        o = sim_obj_render(req->st, t, r, props);
        decorate(req, t, r, o, hist);
        json_array_append_new(results, o);
    }
    json_decref(props);
    json_decref(hist);
    return sim_res_json(res, 200, body);
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *id = sim_req_param(req, "id");
    const char *idprop = sim_req_query(req, "idProperty");
    struct sim_record *r;
    json_t *props, *hist, *o;
    bool bad;

    if (!t)
        return res->status;
    r = resolve(req->st, t, idprop, id, sim_req_bool(req, "archived", false),
                &bad);
    if (bad)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid idProperty: %s is not a unique "
                              "property of %s",
                              idprop, t->name);
    if (!r)
        return not_found(req, res, id);
    props = sim_req_props(req, "properties");
    hist = sim_req_props(req, "propertiesWithHistory");
    o = sim_obj_render(req->st, t, r, props);
    decorate(req, t, r, o, hist);
    json_decref(props);
    json_decref(hist);
    return sim_res_json(res, 200, o);
}

static int h_create(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *body, *props, *names;
    struct sim_record *r;

    if (!t || !(body = sim_req_object_or_respond(req, res)))
        return res->status;
    props = json_object_get(body, "properties");
    if (!props_validate(req, res, t, props, true) ||
        !email_free(req, res, t, props, 0))
        return res->status;
    r = create_one(req, t, props);
    names = written_names(t, props);
    sim_res_json(res, 201, sim_obj_render(req->st, t, r, names));
    json_decref(names);
    return 201;
}

static int h_update(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    const char *id = sim_req_param(req, "id");
    struct sim_record *r;
    json_t *body, *props, *names;
    bool bad;

    if (!t || !(body = sim_req_object_or_respond(req, res)))
        return res->status;
    r = resolve(req->st, t, sim_req_query(req, "idProperty"), id, false, &bad);
    if (bad)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid idProperty for %s", t->name);
    if (!r)
        return not_found(req, res, id);
    props = json_object_get(body, "properties");
    if (!props_validate(req, res, t, props, false) ||
        !email_free(req, res, t, props, r->id))
        return res->status;
    props_apply(req->st, t, r, props, true, req->now_ms);
    names = written_names(t, props);
    sim_res_json(res, 200, sim_obj_render(req->st, t, r, names));
    json_decref(names);
    return 200;
}

static void archive_one(struct sim_request *req, const struct sim_objtype *t,
                        struct sim_record *r)
{
    if (!r || r->archived)
        return;
    r->archived = true;
    r->archived_ms = req->now_ms;
    sim_event_object(req->st, t, r->id, "deletion", NULL, NULL);
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    bool bad;

    if (!t)
        return res->status;
    archive_one(req, t,
                resolve(req->st, t, sim_req_query(req, "idProperty"),
                        sim_req_param(req, "id"), false, &bad));
    return sim_res_empty(res, 204);
}

/* ---- handlers: batch -------------------------------------------------------- */

/* Validates {"inputs":[...]} (array of objects, at most BATCH_MAX). */
static json_t *batch_inputs(struct sim_request *req, struct sim_response *res)
{
    json_t *body = sim_req_object_or_respond(req, res), *inputs, *v;
    size_t i;

    if (!body)
        return NULL;
    inputs = json_object_get(body, "inputs");
    if (!json_is_array(inputs)) {
        sim_res_error(req, res, 400, "VALIDATION_ERROR",
                      "Invalid input JSON: \"inputs\" must be an array", NULL);
        return NULL;
    }
    if (json_array_size(inputs) > BATCH_MAX) {
        sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                       "Too many inputs: got %zu, the limit is %d",
                       json_array_size(inputs), BATCH_MAX);
        return NULL;
    }
    json_array_foreach(inputs, i, v) {
        if (!json_is_object(v)) {
            sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                           "Invalid input JSON: inputs[%zu] must be an object",
                           i);
            return NULL;
        }
    }
    return inputs;
}

/* BatchResponseSimplePublicObject; the WithErrors variant adds numErrors and
 * errors (batch_finish). */
static json_t *batch_body(struct sim_request *req, json_t *results)
{
    char ts[32];

    sim_iso_ms(req->now_ms, ts);
    return json_pack("{s:s,s:o,s:s,s:s,s:s}", "status", "COMPLETE", "results",
                     results, "requestedAt", ts, "startedAt", ts, "completedAt",
                     ts);
}

/* StandardError (crm/objects models): errors and links are required
 * members, empty here. */
static json_t *not_found_error(const char *msg, json_t *ids_take)
{
    return json_pack("{s:s,s:s,s:s,s:{s:o},s:[],s:{}}", "status", "error",
                     "category", "OBJECT_NOT_FOUND", "message", msg, "context",
                     "ids", ids_take, "errors", "links");
}

/* 200 (ok_status) when nothing is missing, else 207 with the errors. A read
 * reports every missing id in one error (as HubSpot does); an update gives
 * each missing input its own error naming its id. */
static int batch_finish(struct sim_request *req, struct sim_response *res,
                        const struct sim_objtype *t, json_t *results,
                        json_t *missing, const char *verb, int ok_status)
{
    json_t *body = batch_body(req, results), *errors, *id;
    char msg[512];
    size_t i;

    if (json_array_size(missing) == 0) {
        json_decref(missing);
        return sim_res_json(res, ok_status, body);
    }
    errors = json_array();
    if (strcmp(verb, "get") == 0) {
        snprintf(msg, sizeof(msg),
                 "Could not %s some %s objects, they may be deleted or not "
                 "exist. Check that ids are valid.",
                 verb, t->upper);
        json_array_append_new(errors,
                              not_found_error(msg, json_incref(missing)));
    } else {
        json_array_foreach(missing, i, id) {
            snprintf(msg, sizeof(msg),
                     "Could not %s %s %.200s, it may be deleted or not exist. "
                     "Check that ids are valid.",
                     verb, t->upper, json_string_value(id));
            json_array_append_new(errors,
                                  not_found_error(msg, json_pack("[O]", id)));
        }
    }
    json_decref(missing);
    json_object_set_new(body, "numErrors",
                        json_integer((json_int_t)json_array_size(errors)));
    json_object_set_new(body, "errors", errors);
    return sim_res_json(res, 207, body);
}

static const char *input_id(const json_t *in, char *buf, size_t cap)
{
    const char *s = sim_json_scalar(json_object_get(in, "id"), buf, cap);

    return s ? s : "";
}

static int h_batch_read(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *inputs, *results, *missing, *in, *props, *hist;
    const char *idprop;
    bool archived, bad = false;
    size_t i;
    char buf[64];

    if (!t || !(inputs = batch_inputs(req, res)))
        return res->status;
    idprop = json_string_value(json_object_get(req->json, "idProperty"));
    props = json_object_get(req->json, "properties");
    hist = json_object_get(req->json, "propertiesWithHistory");
    archived = sim_req_bool(req, "archived", false);
    results = json_array();
    missing = json_array();
    json_array_foreach(inputs, i, in) {
        const char *id = input_id(in, buf, sizeof(buf));
        struct sim_record *r = resolve(req->st, t, idprop, id, archived, &bad);
        json_t *o;

        if (bad)
            break;
        if (!r) {
            json_array_append_new(missing, json_string(id));
            continue;
        }
        o = sim_obj_render(req->st, t, r, json_is_array(props) ? props : NULL);
        if (json_is_array(hist))
            render_history(req->st, t, r, hist, o);
        json_array_append_new(results, o);
    }
    if (bad) {
        json_decref(results);
        json_decref(missing);
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid idProperty: %s", idprop);
    }
    return batch_finish(req, res, t, results, missing, "get", 200);
}

/* Validates every input's properties before anything is written. mode
 * says what happens to an input whose record (recs[i]) does not exist: it is
 * created (batch/create, batch/upsert: required properties are checked), or
 * it becomes a per-input OBJECT_NOT_FOUND error (batch/update: its
 * properties must still exist, but nothing is required of it). */
enum batch_mode { BATCH_CREATE, BATCH_UPDATE, BATCH_UPSERT };

static bool batch_validate(struct sim_request *req, struct sim_response *res,
                           const struct sim_objtype *t, json_t *inputs,
                           enum batch_mode mode, struct sim_record **recs)
{
    json_t *in, *seen = json_object();
    size_t i;
    bool ok = true;

    json_array_foreach(inputs, i, in) {
        json_t *props = json_object_get(in, "properties");
        const char *email = json_string_value(json_object_get(props, "email"));
        bool is_create = mode == BATCH_CREATE ||
                         (!recs[i] && mode == BATCH_UPSERT);

        if (!recs[i] && mode == BATCH_UPDATE) {
            if (!props_validate(req, res, t, props, false)) {
                ok = false;
                break;
            }
            continue;
        }
        if (!props_validate(req, res, t, props, is_create) ||
            !email_free(req, res, t, props, recs[i] ? recs[i]->id : 0)) {
            ok = false;
            break;
        }
        if (t->idx == SIM_OBJ_CONTACTS && email && *email) {
            char lower[320];
            size_t j;

            sim_strlcpy(lower, email, sizeof(lower));
            for (j = 0; lower[j]; j++)
                lower[j] = (char)tolower((unsigned char)lower[j]);
            if (json_object_get(seen, lower)) {
                sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                               "Duplicate email in batch inputs: %s", lower);
                ok = false;
                break;
            }
            json_object_set_new(seen, lower, json_true());
        }
    }
    json_decref(seen);
    return ok;
}

static int h_batch_create(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    struct sim_record **recs;
    json_t *inputs, *results, *in;
    size_t i;

    if (!t || !(inputs = batch_inputs(req, res)))
        return res->status;
    recs = sim_xcalloc(json_array_size(inputs) + 1, sizeof(*recs));
    if (!batch_validate(req, res, t, inputs, BATCH_CREATE, recs)) {
        free(recs);
        return res->status;
    }
    free(recs);
    results = json_array();
    json_array_foreach(inputs, i, in) {
        json_t *props = json_object_get(in, "properties");
        json_t *names = written_names(t, props);
        struct sim_record *r = create_one(req, t, props);

        json_array_append_new(results, sim_obj_render(req->st, t, r, names));
        json_decref(names);
    }
    return sim_res_json(res, 201, batch_body(req, results));
}

/* SimplePublicUpsertObject (SDK crm/objects) types properties as strings,
 * not string-or-null as SimplePublicObject: unset ones are left out. */
static void drop_null_props(json_t *o)
{
    json_t *props = json_object_get(o, "properties"), *v;
    const char *k;
    void *tmp;

    json_object_foreach_safe(props, tmp, k, v) {
        if (json_is_null(v))
            json_object_del(props, k);
    }
}

/* batch/update (upsert=false) and batch/upsert (upsert=true). */
static int batch_write(struct sim_request *req, struct sim_response *res,
                       bool upsert)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    struct sim_record **recs = NULL;
    json_t *inputs, *results = NULL, *missing = NULL, *in;
    size_t i, n;
    char buf[64];

    if (!t || !(inputs = batch_inputs(req, res)))
        return res->status;
    n = json_array_size(inputs);
    recs = sim_xcalloc(n + 1, sizeof(*recs));
    missing = json_array();
    json_array_foreach(inputs, i, in) {
        const char *idprop = json_string_value(
            json_object_get(in, "idProperty"));
        bool bad;

        recs[i] = resolve(req->st, t, idprop, input_id(in, buf, sizeof(buf)),
                          false, &bad);
        if (bad) {
            sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                           "Invalid idProperty: %s", idprop);
            goto fail;
        }
        if (!recs[i] && !upsert)
            json_array_append_new(missing,
                                  json_string(input_id(in, buf, sizeof(buf))));
    }
    if (!batch_validate(req, res, t, inputs,
                        upsert ? BATCH_UPSERT : BATCH_UPDATE, recs))
        goto fail;
    results = json_array();
    json_array_foreach(inputs, i, in) {
        json_t *props = json_object_get(in, "properties"), *names, *o;
        const char *idprop = json_string_value(
            json_object_get(in, "idProperty"));
        struct sim_record *r = recs[i];
        bool created = false;

        if (!r && !upsert)
            continue;
        if (!r) {
            r = create_one(req, t, props);
            if (idprop && strcmp(idprop, "hs_object_id") != 0)
                json_object_set_new(sim_obj_props(r), idprop,
                                    json_string(
                                        input_id(in, buf, sizeof(buf))));
            created = true;
        } else {
            props_apply(req->st, t, r, props, true, req->now_ms);
        }
        names = written_names(t, props);
        o = sim_obj_render(req->st, t, r, names);
        if (upsert) {
            drop_null_props(o);
            json_object_set_new(o, "new", json_boolean(created));
        }
        json_array_append_new(results, o);
        json_decref(names);
    }
    free(recs);
    return batch_finish(req, res, t, results, missing, "update", 200);
fail:
    free(recs);
    json_decref(missing);
    return res->status;
}

static int h_batch_update(struct sim_request *req, struct sim_response *res)
{
    return batch_write(req, res, false);
}

static int h_batch_upsert(struct sim_request *req, struct sim_response *res)
{
    return batch_write(req, res, true);
}

static int h_batch_archive(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *inputs, *in;
    size_t i;
    char buf[64];
    bool bad;

    if (!t || !(inputs = batch_inputs(req, res)))
        return res->status;
    json_array_foreach(inputs, i, in)
        archive_one(req, t,
                    resolve(req->st, t, NULL, input_id(in, buf, sizeof(buf)),
                            false, &bad));
    return sim_res_empty(res, 204);
}

/* ---- fixtures -------------------------------------------------------------- */

static int64_t fixture_time(const json_t *v, int64_t dflt)
{
    int64_t ms;

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v) && sim_parse_time(json_string_value(v), &ms))
        return ms;
    return dflt;
}

/* Fixture properties may name properties that do not exist yet: they are
 * defined as plain strings so the data stays visible. */
static void ensure_defined(struct sim_state *st, const struct sim_objtype *t,
                           const char *name)
{
    struct sim_propdef p = {name, name, "string", "text", NULL, 0};

    if (!json_object_get(st->propdefs[t->idx], name))
        json_object_set_new(st->propdefs[t->idx], name,
                            sim_propdef_json(&p, t->group, false, NULL));
}

static int crm_load(struct sim_state *st, const json_t *fx, char *err,
                    size_t errlen)
{
    json_t *objs = json_object_get(fx, "objects"), *list, *rec;
    const char *tname;
    size_t i;
    char buf[64];

    json_object_foreach(objs, tname, list) {
        const struct sim_objtype *t = sim_objtype_find(tname);

        if (!t || !json_is_array(list)) {
            snprintf(err, errlen, "fixtures: unknown object type '%s'", tname);
            return -1;
        }
        json_array_foreach(list, i, rec) {
            json_t *props = json_object(),
                   *in = json_object_get(rec, "properties");
            const char *k, *ids = sim_json_scalar(json_object_get(rec, "id"),
                                                  buf, sizeof(buf));
            json_t *v;
            int64_t id = 0, c;
            struct sim_record *r;

            if (ids && (!sim_parse_i64(ids, &id) || id <= 0)) {
                json_decref(props);
                snprintf(err, errlen, "fixtures: bad %s id '%s'", tname, ids);
                return -1;
            }
            json_object_foreach(in, k, v) {
                char vb[64];
                const char *s = sim_json_scalar(v, vb, sizeof(vb));

                if (!s || !*s || strcmp(k, "hs_object_id") == 0 ||
                    strcmp(k, t->created ? t->created : "createdate") == 0 ||
                    strcmp(k, t->lastmod) == 0)
                    continue;
                ensure_defined(st, t, k);
                json_object_set_new(props, k, json_string(s));
            }
            c = fixture_time(json_object_get(rec, "createdAt"), sim_now(st));
            r = sim_obj_insert(st, t, (uint64_t)id, props, c,
                               fixture_time(json_object_get(rec, "updatedAt"),
                                            c));
            if (json_is_true(json_object_get(rec, "archived"))) {
                r->archived = true;
                r->archived_ms = fixture_time(json_object_get(rec,
                                                              "archivedAt"),
                                              r->updated_ms);
            }
        }
    }
    return 0;
}

static void crm_clear(struct sim_state *st)
{
    for (size_t t = 0; t < SIM_NTYPES; t++) {
        struct sim_store *s = &st->stores[t];

        for (size_t i = 0; i < s->n; i++)
            json_decref(s->recs[i].props);
        s->n = 0;
        s->next_id = objtypes[t].id_base;
    }
    st->gen_n = 0;
    json_object_clear(st->email_idx);
}

#define W(m, p, h, s)                                                          \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, s, NULL                              \
    }
static const struct sim_route crm_routes[] = {
    W("POST", "/crm/v3/objects/:type/batch/read", h_batch_read,
      SIM_SCOPE_OBJ_READ),
    W("POST", "/crm/v3/objects/:type/batch/create", h_batch_create,
      SIM_SCOPE_OBJ_WRITE),
    W("POST", "/crm/v3/objects/:type/batch/update", h_batch_update,
      SIM_SCOPE_OBJ_WRITE),
    W("POST", "/crm/v3/objects/:type/batch/upsert", h_batch_upsert,
      SIM_SCOPE_OBJ_WRITE),
    W("POST", "/crm/v3/objects/:type/batch/archive", h_batch_archive,
      SIM_SCOPE_OBJ_WRITE),
    W("GET", "/crm/v3/objects/:type", h_list, SIM_SCOPE_OBJ_READ),
    W("POST", "/crm/v3/objects/:type", h_create, SIM_SCOPE_OBJ_WRITE),
    W("GET", "/crm/v3/objects/:type/:id", h_get, SIM_SCOPE_OBJ_READ),
    W("PATCH", "/crm/v3/objects/:type/:id", h_update, SIM_SCOPE_OBJ_WRITE),
    W("DELETE", "/crm/v3/objects/:type/:id", h_delete, SIM_SCOPE_OBJ_WRITE),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const crm_keys[] = {"objects", NULL};

const struct sim_module sim_module_crm = {
    .name = "crm",
    .routes = crm_routes,
    .load = crm_load,
    .clear = crm_clear,
    .fixture_keys = crm_keys,
};
