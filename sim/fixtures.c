/* SPDX-License-Identifier: MIT */
/*
 * Built-in fixtures for hubspot-sim: the data a fresh or reset simulator
 * holds (25 contacts, 10 companies, 10 deals, 3 tickets, 6 owners, deal and
 * ticket pipelines, 3 v1-shaped engagements, contact/company/deal
 * associations). It is built as a fixtures document and loaded through the
 * same path as --seed and POST /__sim/fixtures, so the format is exercised
 * on every start. Ids and timestamps are fixed, so tests can rely on them.
 */
#include "sim.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define BASE_ISO "2026-01-05T09:00:00.000Z"
#define HOUR 3600000LL

static const char *const first[] = {
    "Ada",     "Grace",     "Alan",      "Edsger", "Barbara",
    "Donald",  "Margaret",  "Dennis",    "Ken",    "Frances",
    "John",    "Radia",     "Tim",       "Linus",  "Guido",
    "Niklaus", "Hedy",      "Katherine", "Claude", "Sophie",
    "Leslie",  "Whitfield", "Shafi",     NULL,     "Brian"};
static const char *const last[] = {
    "Lovelace", "Hopper",   "Turing",      "Dijkstra",  "Liskov",
    "Knuth",    "Hamilton", "Ritchie",     "Thompson",  "Allen",
    "McCarthy", "Perlman",  "Berners-Lee", "Torvalds",  "van Rossum",
    "Wirth",    "Lamarr",   "Johnson",     "Shannon",   "Wilson",
    "Lamport",  "Diffie",   NULL,          "Kernighan", "Kernighan"};
static const char *const stages_lc[] = {
    "subscriber",         "lead",        "marketingqualifiedlead",
    "salesqualifiedlead", "opportunity", "customer",
    "evangelist",         "other"};
static const char *const companies[][4] = {
    {"Analytical Engines Ltd", "analytical.example.test", "COMPUTER_SOFTWARE",
     "London"},
    {"Compiler Works", "compilers.example.test", "COMPUTER_SOFTWARE",
     "Arlington"},
    {"Bletchley Systems", "bletchley.example.test", "DEFENSE_SPACE",
     "Milton Keynes"},
    {"Shortest Path BV", "shortestpath.example.test", "INFORMATION_TECHNOLOGY",
     "Eindhoven"},
    {"Substitution Labs", "substitution.example.test", "RESEARCH", "Boston"},
    {"TeX Press", "texpress.example.test", "PUBLISHING", "Stanford"},
    {"Apollo Guidance", "apollo.example.test", "AVIATION_AEROSPACE",
     "Cambridge"},
    {"Unix Heritage", "unixheritage.example.test", "COMPUTER_SOFTWARE",
     "Murray Hill"},
    {"Spanning Tree Inc", "spanningtree.example.test", "TELECOMMUNICATIONS",
     "Seattle"},
    {"Pascal Partners", "pascal.example.test", "EDUCATION", "Zurich"},
};
static const char *const deal_stages[] = {"appointmentscheduled",
                                          "qualifiedtobuy",
                                          "presentationscheduled",
                                          "decisionmakerboughtin",
                                          "contractsent",
                                          "closedwon",
                                          "closedlost"};

static json_t *record(long long id, json_t *props_take, int64_t created)
{
    char ids[32], c[32], u[32];

    snprintf(ids, sizeof(ids), "%lld", id);
    sim_iso_ms(created, c);
    sim_iso_ms(created + 2 * HOUR, u);
    return json_pack("{s:s,s:o,s:s,s:s}", "id", ids, "properties", props_take,
                     "createdAt", c, "updatedAt", u);
}

static json_t *contacts(int64_t base)
{
    json_t *list = json_array();

    for (int i = 0; i < 25; i++) {
        json_t *p = json_object();
        char email[128];

        if (first[i])
            json_object_set_new(p, "firstname", json_string(first[i]));
        if (last[i])
            json_object_set_new(p, "lastname", json_string(last[i]));
        snprintf(email, sizeof(email), "%s.%s@example.test",
                 first[i] ? first[i] : "anon", last[i] ? last[i] : "anon");
        for (char *s = email; *s; s++)
            *s = *s == ' ' ? '-' : (char)tolower((unsigned char)*s);
        if (i == 24)
            snprintf(email, sizeof(email), "brian.k@example.test");
        json_object_set_new(p, "email", json_string(email));
        if (i != 20)
            json_object_set_new(p, "lifecyclestage",
                                json_string(stages_lc[i % 8]));
        if (i % 3 == 0) {
            char phone[32];

            snprintf(phone, sizeof(phone), "+1-555-01%02d", i);
            json_object_set_new(p, "phone", json_string(phone));
        }
        json_object_set_new(p, "company",
                            json_string(i % 5 == 4 ? ""
                                                   : companies[i % 10][0]));
        json_array_append_new(list, record(101 + i, p, base + i * HOUR));
    }
    return list;
}

static json_t *companies_list(int64_t base)
{
    json_t *list = json_array();

    for (int i = 0; i < 10; i++) {
        char emp[16];

        snprintf(emp, sizeof(emp), "%d", (i + 1) * 25);
        json_array_append_new(
            list,
            record(2001 + i,
                   json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "name",
                             companies[i][0], "domain", companies[i][1],
                             "industry", companies[i][2], "city",
                             companies[i][3], "numberofemployees", emp,
                             "lifecyclestage", i < 5 ? "customer" : "lead"),
                   base + i * HOUR));
    }
    return list;
}

static json_t *deals(int64_t base)
{
    json_t *list = json_array();

    for (int i = 0; i < 10; i++) {
        char name[64], amount[32], close[32];
        bool renewal = i >= 8;

        snprintf(name, sizeof(name), "%s %s", companies[i][0],
                 renewal ? "renewal" : "expansion");
        snprintf(amount, sizeof(amount), "%d", 1500 * (i + 1));
        sim_iso_ms(base + (int64_t)(30 + i) * 24 * HOUR, close);
        json_array_append_new(
            list,
            record(3001 + i,
                   json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "dealname", name,
                             "amount", amount, "closedate", close, "pipeline",
                             renewal ? "43215678" : "default", "dealstage",
                             renewal ? (i == 8 ? "43215679" : "43215680")
                                     : deal_stages[i % 7],
                             "dealtype",
                             i % 2 ? "existingbusiness" : "newbusiness",
                             "hubspot_owner_id",
                             i % 2 ? "31400012" : "31400011"),
                   base + i * HOUR));
    }
    return list;
}

static json_t *tickets(int64_t base)
{
    static const char *const subj[] = {"Cannot log in", "Invoice question",
                                       "Feature request: dark mode"};
    static const char *const cat[] = {"PRODUCT_ISSUE", "BILLING_ISSUE",
                                      "FEATURE_REQUEST"};
    json_t *list = json_array();

    for (int i = 0; i < 3; i++) {
        char stage[4];

        snprintf(stage, sizeof(stage), "%d", i + 1);
        json_array_append_new(
            list, record(4001 + i,
                         json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "subject",
                                   subj[i], "content", subj[i], "hs_pipeline",
                                   "0", "hs_pipeline_stage", stage,
                                   "hs_ticket_category", cat[i],
                                   "hs_ticket_priority", i ? "MEDIUM" : "HIGH"),
                         base + i * HOUR));
    }
    return list;
}

static json_t *owners(void)
{
    static const char *const names[][3] = {
        {"rita.rep@example.test", "Rita", "Rep"},
        {"sam.sales@example.test", "Sam", "Sales"},
        {"olga.ops@example.test", "Olga", "Ops"},
        {"mark.marketing@example.test", "Mark", "Marketing"},
        {"sue.support@example.test", "Sue", "Support"},
    };
    json_t *list = json_array();

    for (int i = 0; i < 5; i++) {
        char id[16];
        json_t *o;

        snprintf(id, sizeof(id), "%d", 31400011 + i);
        o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:s,s:b}", "id", id,
                      "email", names[i][0], "type", "PERSON", "firstName",
                      names[i][1], "lastName", names[i][2], "userId",
                      7700101 + i, "userIdIncludingInactive", 7700101 + i,
                      "createdAt", "2025-02-03T10:00:00.000Z", "updatedAt",
                      "2026-01-15T08:30:00.000Z", "archived", 0);
        if (i < 3)
            json_object_set_new(o, "teams",
                                json_pack("[{s:s,s:s,s:b}]", "id",
                                          i < 2 ? "552001" : "552002", "name",
                                          i < 2 ? "Inside Sales" : "Operations",
                                          "primary", 1));
        json_array_append_new(list, o);
    }
    json_array_append_new(
        list,
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:n,s:i,s:s,s:s,s:b}", "id", "31400016",
                  "email", "gone@example.test", "type", "PERSON", "firstName",
                  "", "lastName", "", "userId", "userIdIncludingInactive",
                  7700456, "createdAt", "2024-06-01T12:00:00.000Z", "updatedAt",
                  "2025-09-09T09:09:09.000Z", "archived", 1));
    return list;
}

static json_t *stage(const char *id, const char *label, int order,
                     const char *key, const char *value)
{
    return json_pack("{s:s,s:s,s:i,s:{s:s}}", "stageId", id, "label", label,
                     "displayOrder", order, "metadata", key, value);
}

static json_t *pipelines(void)
{
    static const char *const labels[] = {"Appointment scheduled",
                                         "Qualified to buy",
                                         "Presentation scheduled",
                                         "Decision maker bought-in",
                                         "Contract sent",
                                         "Closed won",
                                         "Closed lost"};
    static const char *const probs[] = {"0.2", "0.4", "0.6", "0.8",
                                        "0.9", "1.0", "0.0"};
    json_t *def = json_array();

    for (int i = 0; i < 7; i++)
        json_array_append_new(def, stage(deal_stages[i], labels[i], i,
                                         "probability", probs[i]));
    return json_pack(
        "{s:[{s:s,s:s,s:i,s:o},{s:s,s:s,s:i,s:s,s:[o,o,o]}],"
        "s:[{s:s,s:s,s:i,s:[o,o,o,o]}]}",
        "deals", "pipelineId", "default", "label", "Sales Pipeline",
        "displayOrder", 0, "stages", def, "pipelineId", "43215678", "label",
        "Renewals", "displayOrder", 1, "createdAt", "2025-11-01T09:00:00.000Z",
        "stages", stage("43215679", "Up for renewal", 0, "probability", "0.3"),
        stage("43215680", "Renewed", 1, "probability", "1.0"),
        stage("43215681", "Churned", 2, "probability", "0.0"), "tickets",
        "pipelineId", "0", "label", "Support Pipeline", "displayOrder", 0,
        "stages", stage("1", "New", 0, "ticketState", "OPEN"),
        stage("2", "Waiting on contact", 1, "ticketState", "OPEN"),
        stage("3", "Waiting on us", 2, "ticketState", "OPEN"),
        stage("4", "Closed", 3, "ticketState", "CLOSED"));
}

static json_t *engagements(const struct sim_config *cfg, int64_t base)
{
    static const char *const types[] = {"NOTE", "CALL", "TASK"};
    json_t *list = json_array();

    for (int i = 0; i < 3; i++) {
        json_t *md = i == 0 ? json_pack("{s:s}", "body",
                                        "Called back, wants a quote.")
                     : i == 1
                         ? json_pack("{s:s,s:s,s:s,s:i,s:s}", "toNumber",
                                     "+1-555-0100", "fromNumber", "+1-555-0199",
                                     "status", "COMPLETED",
                                     "durationMilliseconds", 180000, "body",
                                     "Discussed pricing")
                         : json_pack("{s:s,s:s,s:s,s:s}", "subject",
                                     "Send proposal", "body",
                                     "Draft and send the proposal", "status",
                                     "NOT_STARTED", "forObjectType", "CONTACT");
        int64_t ts = base + (int64_t)(48 + i) * HOUR;

        json_array_append_new(
            list,
            json_pack("{s:{s:I,s:I,s:b,s:I,s:I,s:I,s:s,s:I},"
                      "s:{s:[i],s:[i],s:[i],s:[],s:[]},s:[],s:o}",
                      "engagement", "id", (json_int_t)(4400001 + i), "portalId",
                      (json_int_t)cfg->portal_id, "active", 1, "createdAt",
                      (json_int_t)ts, "lastUpdated", (json_int_t)ts, "ownerId",
                      (json_int_t)31400011, "type", types[i], "timestamp",
                      (json_int_t)ts, "associations", "contactIds", 101 + i,
                      "companyIds", 2001 + i, "dealIds", 3001 + i, "ownerIds",
                      "ticketIds", "attachments", "metadata", md));
    }
    return list;
}

static json_t *link(const char *from, int fid, const char *to, int tid)
{
    return json_pack("{s:{s:s,s:i},s:{s:s,s:i}}", "from", "type", from, "id",
                     fid, "to", "type", to, "id", tid);
}

/* Contacts 101-110 work at companies 2001-2010 (primary); deal 300x is
 * with contact 10x and company 200x. */
static json_t *associations(void)
{
    json_t *list = json_array();

    for (int i = 0; i < 10; i++) {
        json_array_append_new(list,
                              link("contacts", 101 + i, "companies", 2001 + i));
        json_array_append_new(list,
                              link("deals", 3001 + i, "contacts", 101 + i));
        json_array_append_new(list,
                              link("deals", 3001 + i, "companies", 2001 + i));
    }
    return list;
}

json_t *sim_fixtures_builtin(const struct sim_config *cfg)
{
    int64_t base = 0;

    sim_parse_iso(BASE_ISO, &base);
    return json_pack("{s:{s:o,s:o,s:o,s:o},s:o,s:o,s:o,s:o}", "objects",
                     "contacts", contacts(base), "companies",
                     companies_list(base), "deals", deals(base), "tickets",
                     tickets(base), "owners", owners(), "pipelines",
                     pipelines(), "engagements", engagements(cfg, base),
                     "associations", associations());
}
