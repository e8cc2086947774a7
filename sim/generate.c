/* SPDX-License-Identifier: MIT */
/*
 * Synthetic contacts for hubspot-sim (--generate-contacts N, or
 * "generateContacts" in POST /__sim/reset): N records with ids from
 * SIM_GEN_BASE whose properties are derived from the id on every read, so a
 * record costs only its struct sim_record (48 bytes) until it is written.
 * The first write materialises the generated values into r->props and the
 * record becomes an ordinary one. Everything is a pure function of the id:
 * the same N gives the same data on every start and reset.
 */
#include "sim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define GEN_EPOCH 1577836800000LL     /* 2020-01-01T00:00:00.000Z */
#define GEN_SPAN_MS (2192LL * DAY_MS) /* creations spread up to 2026-01-01 */

static const char *const gen_first[] = {
    "Ada",      "Alan",    "Grace",     "Linus",  "Edsger",  "Barbara",
    "Donald",   "Ken",     "Dennis",    "Bjarne", "Guido",   "James",
    "Margaret", "Frances", "John",      "Radia",  "Tim",     "Vint",
    "Bob",      "Hedy",    "Karen",     "Leslie", "Niklaus", "Robin",
    "Shafi",    "Silvio",  "Whitfield", "Martin", "Judea",   "Yann",
    "Geoffrey", "Fei",     "Andrew",    "Sophie", "Mary",    "Jean",
    "Kathleen", "Adele",   "Evelyn",    "Ruth",   "Anita",   "Carol",
    "Peter",    "Paul",    "Richard",   "Butler", "Ivan",    "Ole"};
static const char *const gen_last[] = {
    "Lovelace",   "Turing",   "Hopper",   "Torvalds",   "Dijkstra",   "Liskov",
    "Knuth",      "Thompson", "Ritchie",  "Stroustrup", "Rossum",     "Gosling",
    "Hamilton",   "Allen",    "McCarthy", "Perlman",    "Berners",    "Cerf",
    "Kahn",       "Lamarr",   "Jones",    "Lamport",    "Wirth",      "Milner",
    "Goldwasser", "Micali",   "Diffie",   "Hellman",    "Pearl",      "LeCun",
    "Hinton",     "Li",       "Yao",      "Wilson",     "Kenyon",     "Sammet",
    "Booth",      "Goldberg", "Berezin",  "Leach",      "Borg",       "Shaw",
    "Naur",       "Baran",    "Hamming",  "Lampson",    "Sutherland", "Dahl"};
static const char *const gen_company[][2] = {
    {"Northwind Traders", "northwind.example"},
    {"Contoso", "contoso.example"},
    {"Fabrikam", "fabrikam.example"},
    {"Tailspin Toys", "tailspin.example"},
    {"Wide World Importers", "wideworld.example"},
    {"Adventure Works", "adventure-works.example"},
    {"Litware", "litware.example"},
    {"Proseware", "proseware.example"},
    {"Woodgrove Bank", "woodgrove.example"},
    {"Coho Vineyard", "coho.example"},
    {"Lucerne Publishing", "lucerne.example"},
    {"Margie's Travel", "margies.example"},
    {"Trey Research", "trey.example"},
    {"Blue Yonder Airlines", "blueyonder.example"},
    {"Alpine Ski House", "alpine.example"},
    {"Graphic Design Institute", "gdi.example"}};
static const char *const gen_stage[] = {
    "subscriber",         "lead",        "marketingqualifiedlead",
    "salesqualifiedlead", "opportunity", "customer",
    "evangelist",         "other"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* splitmix64: a well-mixed hash of the id, one per field (salt). */
static uint64_t mix(uint64_t x, uint64_t salt)
{
    x += 0x9E3779B97F4A7C15ULL * (salt + 1);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* createdate grows with the id: the n records share GEN_SPAN_MS evenly
 * (a random offset inside each one's slot); lastmodifieddate is up to 90
 * days later. */
static void gen_times(uint64_t id, uint64_t n, int64_t *created,
                      int64_t *updated)
{
    uint64_t i = id - SIM_GEN_BASE, step = (uint64_t)GEN_SPAN_MS / n;

    *created = GEN_EPOCH + (int64_t)(i * step + mix(id, 7) % step);
    *updated = *created + (int64_t)(mix(id, 8) % (uint64_t)(90 * DAY_MS));
}

static void gen_email(uint64_t id, char *buf, size_t cap)
{
    char *p;

    snprintf(buf, cap, "%s.%s.%llu@%s",
             gen_first[mix(id, 1) % NELEM(gen_first)],
             gen_last[mix(id, 2) % NELEM(gen_last)], (unsigned long long)id,
             gen_company[mix(id, 3) % NELEM(gen_company)][1]);
    for (p = buf; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

const char *sim_gen_prop(const struct sim_record *r, const char *name,
                         char *buf, size_t cap)
{
    uint64_t id = r->id;

    if (strcmp(name, "firstname") == 0)
        return gen_first[mix(id, 1) % NELEM(gen_first)];
    if (strcmp(name, "lastname") == 0)
        return gen_last[mix(id, 2) % NELEM(gen_last)];
    if (strcmp(name, "company") == 0)
        return gen_company[mix(id, 3) % NELEM(gen_company)][0];
    if (strcmp(name, "email") == 0) {
        gen_email(id, buf, cap);
        return buf;
    }
    if (strcmp(name, "phone") == 0) {
        uint64_t h = mix(id, 4);

        snprintf(buf, cap, "+1-%03u-555-%04u", (unsigned)(200 + h % 800),
                 (unsigned)((h >> 16) % 10000));
        return buf;
    }
    if (strcmp(name, "lifecyclestage") == 0)
        return gen_stage[mix(id, 5) % NELEM(gen_stage)];
    return NULL;
}

static const char *const gen_names[] = {"firstname", "lastname",
                                        "company",   "email",
                                        "phone",     "lifecyclestage",
                                        NULL};

json_t *sim_gen_props(const struct sim_record *r)
{
    json_t *o = json_object();
    char buf[128];

    for (size_t i = 0; gen_names[i]; i++) {
        const char *v = sim_gen_prop(r, gen_names[i], buf, sizeof(buf));

        if (v)
            json_object_set_new(o, gen_names[i], json_string(v));
    }
    return o;
}

uint64_t sim_gen_email_id(const struct sim_state *st, const char *email)
{
    const char *at = strchr(email, '@'), *p;
    int64_t id;
    char buf[128];

    if (!at || st->gen_n == 0)
        return 0;
    p = at;
    while (p > email && isdigit((unsigned char)p[-1]))
        p--;
    if (p == at || p == email || p[-1] != '.' ||
        !sim_parse_i64n(p, (size_t)(at - p), &id) ||
        (uint64_t)id < SIM_GEN_BASE || (uint64_t)id >= SIM_GEN_BASE + st->gen_n)
        return 0;
    gen_email((uint64_t)id, buf, sizeof(buf));
    return sim_str_ieq(buf, email) ? (uint64_t)id : 0;
}

void sim_gen_contacts(struct sim_state *st, uint64_t n)
{
    struct sim_store *s = &st->stores[SIM_OBJ_CONTACTS];
    struct sim_record *out;
    size_t i = 0, k = 0, cap;
    uint64_t g = 0;

    st->gen_n = 0;
    if (n == 0)
        return;
    if (n > SIM_GEN_MAX)
        n = SIM_GEN_MAX;
    /* Merge the existing (fixture) records with the generated id range;
     * a fixture record keeps an id it already holds. Headroom for writes. */
    cap = s->n + (size_t)n + (size_t)n / 16 + 64;
    out = sim_xmalloc(cap * sizeof(*out));
    while (i < s->n || g < n) {
        uint64_t gid = SIM_GEN_BASE + g;

        if (g < n && (i == s->n || gid < s->recs[i].id)) {
            struct sim_record *r = &out[k++];

            memset(r, 0, sizeof(*r));
            r->id = gid;
            r->gen = true;
            gen_times(gid, n, &r->created_ms, &r->updated_ms);
            g++;
        } else {
            if (g < n && gid == s->recs[i].id)
                g++; /* taken by a fixture */
            out[k++] = s->recs[i++];
        }
    }
    free(s->recs);
    s->recs = out;
    s->n = k;
    s->cap = cap;
    if (s->n && s->recs[s->n - 1].id >= s->next_id)
        s->next_id = s->recs[s->n - 1].id + 1;
    st->gen_n = n;
}
