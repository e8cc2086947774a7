/* SPDX-License-Identifier: MIT */
/*
 * hubspot-sim shared declarations: configuration, the request/response pair
 * handlers see, route rows, the in-memory state and the helpers every area
 * file uses. Handlers never see libmicrohttpd types; server.c translates.
 * All state is guarded by one mutex (st->lock) which the dispatcher holds
 * for the whole of a handler call, so handlers never lock anything.
 */
#ifndef SIM_H
#define SIM_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_BODY_MAX (4u * 1024u * 1024u) /* request body cap -> 413 */
#define SIM_MAX_PARAMS 6                  /* path parameters per route */
#define SIM_PARAM_MAX 512                 /* bytes per path parameter */
#define SIM_MAX_CLIENTS 32
#define SIM_MAX_KEYS 32
#define SIM_MAX_RETRY 16
#define SIM_REQLOG_MAX 10000  /* request-log entries kept (oldest dropped) */
#define SIM_REQLOG_BODY 65536 /* request-log body bytes kept per entry */
#define SIM_EVENTS_MAX 10000  /* object-change events kept for webhooks */

/* ---- small utilities (util.c) ---------------------------------------- */

enum sim_log_level { SIM_LOG_ERROR, SIM_LOG_WARN, SIM_LOG_INFO, SIM_LOG_DEBUG };

/* Name/value pair list; names and values are heap copies owned by the list. */
struct sim_kv {
    char *name;
    char *value;
};
struct sim_kvlist {
    struct sim_kv *items;
    size_t n, cap;
};

/* Growable byte buffer with a hard cap set at init (max); always
 * NUL-terminated. Appends past max fail with -1 and leave the buffer as is. */
struct sim_buf {
    char *data;
    size_t len, cap, max;
};

void sim_log(enum sim_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sim_log_set_level(enum sim_log_level level);

/* Allocation wrappers abort on OOM (every size is bounded by a cap). */
void *sim_xmalloc(size_t n);
void *sim_xcalloc(size_t n, size_t size);
void *sim_xrealloc(void *p, size_t n);
char *sim_xstrdup(const char *s);
char *sim_xstrndup(const char *s, size_t n);

void sim_buf_init(struct sim_buf *b, size_t max);
void sim_buf_cleanup(struct sim_buf *b);
int sim_buf_append(struct sim_buf *b, const char *s, size_t n);
int sim_buf_puts(struct sim_buf *b, const char *s);
int sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sim_buf_urlenc(struct sim_buf *b, const char *s); /* RFC 3986 encode */
int sim_buf_html(struct sim_buf *b, const char *s);   /* HTML-escape */
/* Hands the data to the caller (free()) and re-inits the buffer. */
char *sim_buf_take(struct sim_buf *b);

void sim_kv_add(struct sim_kvlist *l, const char *name, size_t nlen,
                const char *value, size_t vlen);
const char *sim_kv_get(const struct sim_kvlist *l, const char *name);
const char *sim_kv_geti(const struct sim_kvlist *l, const char *name);
void sim_kv_cleanup(struct sim_kvlist *l);
/* Parses a application/x-www-form-urlencoded body into l (appends). */
void sim_form_parse(struct sim_kvlist *l, const char *body, size_t len);
/* Percent-decodes in[0..n) ('+' -> space) into out; returns the length or
 * (size_t)-1 if it does not fit in cap (out is always NUL-terminated). */
size_t sim_url_decode(const char *in, size_t n, char *out, size_t cap);

/* Strict bounded number parsers: the whole string must be consumed. */
bool sim_parse_i64(const char *s, int64_t *out);
bool sim_parse_i64n(const char *s, size_t n, int64_t *out);
bool sim_parse_double(const char *s, double *out);
/* ISO-8601 (date, date-time, optional fraction and zone) -> epoch ms. */
bool sim_parse_iso(const char *s, int64_t *ms);
/* Epoch-ms or ISO-8601 string -> epoch ms. */
bool sim_parse_time(const char *s, int64_t *ms);
/* Formats epoch ms as HubSpot does: 2026-01-05T09:00:00.000Z */
void sim_iso_ms(int64_t ms, char out[32]);
int64_t sim_wall_ms(void);
int64_t sim_mono_ms(void);

void sim_random_bytes(void *buf, size_t n);
void sim_uuid(char out[37]);
/* Random [A-Za-z0-9] string of n chars into out (n+1 bytes). */
void sim_random_alnum(char *out, size_t n);
bool sim_str_ieq(const char *a, const char *b);
bool sim_str_prefix(const char *s, const char *prefix);
/* Copies src into dst[cap], truncating; always NUL-terminates. */
void sim_strlcpy(char *dst, const char *src, size_t cap);
/* Length (1-4) of the well-formed UTF-8 sequence at s[0..n), 0 if there is
 * none (bad lead byte, bad or missing continuation, overlong, surrogate,
 * above U+10FFFF). */
size_t sim_utf8_seq(const char *s, size_t n);
/* s[0..n) as a new NUL-terminated valid UTF-8 string: every byte that does
 * not start a well-formed sequence becomes U+FFFD. *changed (optional) says
 * whether any byte was replaced. Embedded NULs are kept (use *len_out). */
char *sim_utf8_fix(const char *s, size_t n, size_t *len_out, bool *changed);
/* Largest cut <= n that does not split a well-formed sequence of s[0..len). */
size_t sim_utf8_cut(const char *s, size_t len, size_t n);
/* Value of a JSON scalar as a string into buf; NULL for null/objects. */
const char *sim_json_scalar(const json_t *v, char *buf, size_t cap);

/* ---- configuration (main.c) ------------------------------------------ */

struct sim_client {
    char id[128];
    char secret[128];
    char name[128];
    int64_t app_id;
    json_t *redirect_uris; /* array of prefixes, or NULL = any valid URI */
};

struct sim_config {
    char listen_host[256];
    uint16_t listen_port;
    struct sim_client clients[SIM_MAX_CLIENTS];
    size_t nclients;
    char api_keys[SIM_MAX_KEYS][256];
    size_t napi_keys;
    char dev_keys[SIM_MAX_KEYS][256]; /* developer hapikeys (timeline) */
    size_t ndev_keys;
    int64_t portal_id, app_id, user_id;
    bool auto_approve, rotate_refresh;
    int64_t token_ttl;
    char seed_file[1024];
    int64_t latency_ms;
    int64_t rate_limit;        /* per 10 s; 0 = off */
    int64_t search_rate_limit; /* per second; 0 = off */
    int64_t daily_limit;       /* private apps / keys per day; 0 = off */
    char webhook_url[1024];
    char webhook_secret[256];
    int64_t webhook_retry_ms[SIM_MAX_RETRY]; /* empty: HubSpot's schedule */
    size_t nwebhook_retry;
    bool webhook_no_retry;      /* --webhook-retry-delays none */
    int64_t webhook_timeout_ms; /* per attempt (default 5000) */
    int64_t webhook_batch_ms;   /* batching window (default 50) */
    int64_t generate_contacts;  /* --generate-contacts N (0 = none) */
    enum sim_log_level log_level;
};

/* ---- request / response ---------------------------------------------- */

enum sim_cred {
    SIM_CRED_NONE,
    SIM_CRED_OAUTH,
    SIM_CRED_LEGACY,
    SIM_CRED_PRIVATE
};

/* Who made an authenticated call; filled by the dispatcher. */
struct sim_auth {
    enum sim_cred kind;
    char token[512];
    char client_id[128];
    json_t *scopes; /* owned reference; NULL = every scope (private apps) */
    int64_t hub_id, app_id, user_id;
};

struct sim_state;

struct sim_request {
    struct sim_state *st;
    const char *method;
    const char *path; /* normalised, no trailing slash */
    const struct sim_kvlist *query;
    const struct sim_kvlist *headers;
    const char *body;
    size_t body_len;
    json_t *json;           /* parsed body (SIM_R_JSON), borrowed */
    struct sim_kvlist form; /* parsed body (SIM_R_FORM) */
    const char *pnames[SIM_MAX_PARAMS];
    char pvals[SIM_MAX_PARAMS][SIM_PARAM_MAX];
    size_t nparams;
    char correlation_id[37];
    struct sim_auth auth;
    const struct sim_route *route;
    int64_t now_ms; /* simulated wall clock */
};

struct sim_response {
    int status;
    json_t *json; /* owned; rendered compact */
    char *raw;    /* owned; used when json is NULL */
    size_t raw_len;
    const char *content_type;
    struct sim_kvlist headers;
    int64_t delay_ms; /* extra delay before sending */
};

/* ---- routes ------------------------------------------------------------ */

enum sim_route_flag {
    SIM_R_AUTH = 1u << 0,    /* credentials, rate limits, scopes */
    SIM_R_JSON = 1u << 1,    /* parse the body as JSON (400 on error) */
    SIM_R_FORM = 1u << 2,    /* form-encoded only (JSON -> 415) */
    SIM_R_SEARCH = 1u << 3,  /* search bucket, no rate-limit headers */
    SIM_R_CONTROL = 1u << 4, /* /__sim: not logged, no faults, no latency */
};

/* Scope rules. OBJ/SCHEMA/PIPE rules derive the scope from the ":type"
 * path parameter through the object-type table; LIST uses route->scopes. */
enum sim_scope_rule {
    SIM_SCOPE_NONE,
    SIM_SCOPE_OBJ_READ,
    SIM_SCOPE_OBJ_WRITE,
    SIM_SCOPE_SCHEMA_READ,
    SIM_SCOPE_SCHEMA_WRITE,
    SIM_SCOPE_LIST,
};

typedef int (*sim_handler_fn)(struct sim_request *req,
                              struct sim_response *res);

/* One row of a route table. Patterns use ":name" segments. A table ends
 * with a row whose method is NULL. */
struct sim_route {
    const char *method;
    const char *pattern;
    sim_handler_fn handler;
    unsigned flags;
    enum sim_scope_rule scope;
    const char *const *scopes; /* SIM_SCOPE_LIST: NULL-terminated, any-of */
};

/* An area of the API: its routes plus optional fixture hooks. */
struct sim_module {
    const char *name;
    const struct sim_route *routes;
    /* Merge this module's part of a fixtures document into the state.
     * Returns 0, or -1 with a message in err. */
    int (*load)(struct sim_state *st, const json_t *fixtures, char *err,
                size_t errlen);
    /* Drop this module's data back to its built-in baseline (empty, or
     * built-in definitions); called on reset, replace-load and shutdown. */
    void (*clear)(struct sim_state *st);
    /* Top-level fixture keys this module's load consumes (NULL-terminated);
     * keys no module claims are kept in st->ext for later modules. */
    const char *const *fixture_keys;
};

#define SIM_MODULE(n) extern const struct sim_module sim_module_##n;
#include "modules.def"
#undef SIM_MODULE

/* NULL-terminated list of every module, in routing order (server.c). */
extern const struct sim_module *const sim_modules[];

/* ---- objects (crm.c) ---------------------------------------------------- */

enum sim_objtype_id {
    SIM_OBJ_CONTACTS,
    SIM_OBJ_COMPANIES,
    SIM_OBJ_DEALS,
    SIM_OBJ_TICKETS,
    SIM_OBJ_PRODUCTS,
    SIM_OBJ_LINE_ITEMS,
    SIM_OBJ_NOTES,
    SIM_OBJ_CALLS,
    SIM_OBJ_EMAILS,
    SIM_OBJ_MEETINGS,
    SIM_OBJ_TASKS,
    SIM_NTYPES
};

/* Custom object types (schemas.c) take the slots after the fixed ones:
 * idx SIM_NTYPES + k. HubSpot Enterprise allows a handful per portal. */
#define SIM_MAX_CUSTOM 10
#define SIM_NSLOTS (SIM_NTYPES + SIM_MAX_CUSTOM)

enum sim_prop_flag { SIM_P_RO = 1u, SIM_P_UNIQUE = 2u };

struct sim_propdef {
    const char *name, *label, *type, *field_type;
    const char *options; /* "a|b|c" or NULL */
    unsigned flags;
};

struct sim_objtype {
    enum sim_objtype_id idx;
    const char *name;     /* contacts */
    const char *type_id;  /* 0-1 */
    const char *singular; /* contact (webhook subscription prefix) */
    const char *upper;    /* CONTACT (error messages) */
    const char *group;    /* default property group */
    const char *lastmod;  /* lastmodifieddate | hs_lastmodifieddate */
    uint64_t id_base;
    const char *const *defaults; /* properties returned by default */
    const char *const *required; /* required on create */
    bool required_any;           /* one of required is enough */
    const char *const *text;     /* fields matched by search "query" */
    const char *const *read_scopes, *const *write_scopes;
    const char *const *schema_read, *const *schema_write;
    const struct sim_propdef *props;
    const char *created; /* create-date property; NULL = "createdate" */
};

struct sim_record {
    uint64_t id;
    json_t *props; /* name -> string (user-set values only) */
    int64_t created_ms, updated_ms, archived_ms;
    bool archived;
    bool gen; /* generated: props NULL, values derived from the id */
};

struct sim_store {
    struct sim_record *recs; /* sorted by id */
    size_t n, cap;
    uint64_t next_id;
};

const struct sim_objtype *sim_objtype_find(const char *name_or_id);
const struct sim_objtype *sim_objtype_at(enum sim_objtype_id idx);
struct sim_record *sim_obj_find(struct sim_state *st,
                                const struct sim_objtype *t, uint64_t id,
                                bool include_archived);
/* Value of a property (stored or server-maintained) into buf; NULL if the
 * record has no value. */
const char *sim_obj_prop(struct sim_state *st, const struct sim_objtype *t,
                         const struct sim_record *r, const char *name,
                         char *buf, size_t cap);
/* Renders a record; props = JSON array of names or NULL for defaults. */
json_t *sim_obj_render(struct sim_state *st, const struct sim_objtype *t,
                       const struct sim_record *r, const json_t *props);
/* The record's stored properties, for writing: a generated record is
 * materialised first (its derived values become stored ones). */
json_t *sim_obj_props(struct sim_record *r);
/* The live contact with this email (case-insensitive), or NULL. */
struct sim_record *sim_contact_by_email(struct sim_state *st,
                                        const char *email);
/* Property definition JSON (borrowed) or NULL. */
json_t *sim_prop_def(struct sim_state *st, const struct sim_objtype *t,
                     const char *name);
/* Inserts a record built from fixtures/control data (no validation). */
struct sim_record *sim_obj_insert(struct sim_state *st,
                                  const struct sim_objtype *t, uint64_t id,
                                  json_t *props_take, int64_t created_ms,
                                  int64_t updated_ms);
/* Builds a property definition (properties.c). */
json_t *sim_propdef_json(const struct sim_propdef *p, const char *group,
                         bool hubspot_defined, const char *created);
/* Requested property names from ?properties= (repeatable, comma lists);
 * NULL when absent. New reference. */
json_t *sim_req_props(const struct sim_request *req, const char *name);
/* A custom object type by objectTypeId (2-n) or fullyQualifiedName
 * (schemas.c); NULL if none. */
const struct sim_objtype *sim_custom_find(const char *name);
/* A property definition from an API/fixture body (properties.c); NULL and
 * a message in msg on error. */
json_t *sim_propdef_from_body(struct sim_state *st, const struct sim_objtype *t,
                              const json_t *b, const char *now, char *msg,
                              size_t cap);
/* 400 for an unknown object type; NULL then. */
const struct sim_objtype *sim_objtype_or_respond(struct sim_request *req,
                                                 struct sim_response *res);

/* ---- generated contacts (generate.c) ----------------------------------- */

#define SIM_GEN_BASE 1000001ULL /* first generated contact id */
#define SIM_GEN_MAX 10000000ULL /* --generate-contacts cap */

/* Adds n generated contacts (ids SIM_GEN_BASE..) to the contacts store. */
void sim_gen_contacts(struct sim_state *st, uint64_t n);
/* Generated value of a property (NULL if the generator has none). */
const char *sim_gen_prop(const struct sim_record *r, const char *name,
                         char *buf, size_t cap);
/* Every generated value as a new properties object. */
json_t *sim_gen_props(const struct sim_record *r);
/* Id of the generated contact whose generated email this is, or 0. */
uint64_t sim_gen_email_id(const struct sim_state *st, const char *email);

/* ---- tokens, clients (oauth.c) --------------------------------------- */

enum sim_tok_kind { SIM_TOK_CODE, SIM_TOK_ACCESS, SIM_TOK_REFRESH };

struct sim_token {
    enum sim_tok_kind kind;
    char value[160];
    char client_id[128];
    char *redirect_uri;             /* codes only */
    json_t *scopes;                 /* array of strings */
    int64_t created_ms, expires_ms; /* expires 0 = never */
    int64_t hub_id, user_id, app_id;
    bool revoked, used, legacy;
    /* --rotate-refresh-tokens: the refresh token this one (or this access
     * token) was issued against. The first use of either retires it. */
    struct sim_token *parent;
    bool retired; /* revoked because a successor was used */
};

struct sim_client *sim_client_find(struct sim_state *st, const char *id);
struct sim_token *sim_token_find(struct sim_state *st, const char *value,
                                 enum sim_tok_kind kind);
/* Mints a token; scopes is borrowed (copied). */
struct sim_token *sim_token_mint(struct sim_state *st, enum sim_tok_kind kind,
                                 const struct sim_client *c,
                                 const json_t *scopes, int64_t ttl_s,
                                 int64_t hub_id, bool legacy);
/* Records the first use of a token minted by a rotating refresh: the
 * refresh token it replaced is retired (revoked). No-op otherwise. */
void sim_token_used(struct sim_token *t);
/* Mints an access+refresh pair and renders the token-endpoint body. */
json_t *sim_token_pair(struct sim_state *st, const struct sim_client *c,
                       const json_t *scopes, int64_t hub_id, bool legacy,
                       struct sim_token **refresh_inout);
/* Every scope the simulator knows (new reference). */
json_t *sim_scopes_all(void);
bool sim_scope_known(const char *scope);

/* ---- auth, rate limits (auth.c, ratelimit.c) ------------------------- */

/* Checks credentials, limits and scopes for req->route; on failure fills
 * res and returns false. */
bool sim_auth_check(struct sim_request *req, struct sim_response *res);
bool sim_scopes_satisfy(const json_t *granted, const char *required);
/* Developer-key check for app-level routes (?hapikey=<--developer-key>);
 * on failure fills res with HubSpot's 401 and returns false. */
bool sim_auth_developer(struct sim_request *req, struct sim_response *res);

struct sim_bucket {
    char key[200];
    int64_t *ring; /* timestamps of recent calls, oldest first */
    size_t cap, head, count;
    int64_t window_ms;
    int64_t day, daily_used;
};

struct sim_rate {
    int64_t max, remaining, secondly, secondly_remaining;
    int64_t daily, daily_remaining; /* daily < 0: not applicable */
};

/* Takes one call from the bucket; returns false when the window is full. */
bool sim_rate_take(struct sim_state *st, const char *key, int64_t limit,
                   int64_t window_ms, struct sim_rate *out);
bool sim_rate_daily(struct sim_state *st, const char *key, int64_t limit,
                    struct sim_rate *out);
void sim_rate_exhaust(struct sim_state *st, const char *key, int64_t limit,
                      int64_t window_ms, bool daily);
void sim_rate_clear(struct sim_state *st);
/* 429 body word for word; policy TEN_SECONDLY_ROLLING, SECONDLY or DAILY. */
int sim_res_429(struct sim_request *req, struct sim_response *res,
                const char *policy);
/* Bucket key for req->auth into key[cap]. */
void sim_rate_key(const struct sim_auth *a, char *key, size_t cap);

/* ---- state (state.c) --------------------------------------------------- */

struct sim_fault {
    int64_t count;
    int status; /* 0 = delay only */
    int64_t delay_ms;
    char path_prefix[256];
    json_t *body; /* optional replacement body */
};

struct sim_state {
    pthread_mutex_t lock;
    const struct sim_config *cfg;
    int64_t clock_offset_ms;

    struct sim_store stores[SIM_NSLOTS];
    json_t *propdefs[SIM_NSLOTS];   /* object name -> definition */
    json_t *propgroups[SIM_NSLOTS]; /* array of groups */
    json_t *owners;                 /* array, sorted by numeric id */
    json_t *pipelines;              /* object type -> array */
    json_t *pipeline_audit;         /* pipelines.c: type -> pid -> log */
    uint64_t next_pipeline_id;
    json_t *ext;         /* fixture keys no module claimed */
    json_t *engagements; /* v1 engagements, sorted by id */
    int64_t next_engagement_id;
    json_t *timeline;  /* timeline.c: templates, events, v1 */
    json_t *assocs;    /* associations.c: "from:id" -> [..] */
    json_t *events;    /* object-change events (webhooks) */
    json_t *email_idx; /* crm.c: lowercased stored contact email -> id */
    int64_t next_event_id;
    /* Called under the lock for every event appended by
     * sim_event_object(); webhooks.c installs it. */
    void (*on_event)(struct sim_state *st, const json_t *event);
    /* Optional hook (phase 2 associations): search filter on
     * "associations.<type>"; returns true when rec is associated with id. */
    bool (*assoc_match)(struct sim_state *st, const struct sim_objtype *t,
                        const struct sim_record *r, const char *to_type,
                        const char *id);
    /* Optional hook (phase 2 associations): fills out["associations"] for
     * GET/list calls that pass ?associations=<csv of types>. */
    void (*assoc_render)(struct sim_state *st, const struct sim_objtype *t,
                         const struct sim_record *r, const char *to_types,
                         json_t *out);

    struct sim_client clients[SIM_MAX_CLIENTS]; /* config + fixtures */
    size_t nclients;
    struct sim_token **tokens;
    size_t ntokens, captokens;

    struct sim_bucket *buckets;
    size_t nbuckets, capbuckets;

    struct sim_fault faults[16];
    size_t nfaults;

    json_t *reqlog; /* array of request entries, newest last */
    json_t *stats;
    json_t *seed;          /* --seed fixtures, reloaded on reset */
    uint64_t gen_contacts; /* contacts the next reset generates */
    uint64_t gen_n;        /* generated contacts now in the store */
};

int sim_state_init(struct sim_state *st, const struct sim_config *cfg,
                   char *err, size_t errlen);
void sim_state_cleanup(struct sim_state *st);
/* Data back to built-in fixtures (+ seed); counters, log, faults cleared.
 * Tokens survive unless drop_tokens. */
int sim_state_reset(struct sim_state *st, bool drop_tokens, char *err,
                    size_t errlen);
/* Merges a fixtures document ({"replace":true} clears data first). */
int sim_state_load(struct sim_state *st, const json_t *fx, char *err,
                   size_t errlen);
int64_t sim_now(const struct sim_state *st);
void sim_stat_inc(struct sim_state *st, const char *client_id,
                  const char *field);
/* Appends an object-change event for webhooks (kind: creation, deletion,
 * propertyChange, restore). prop/value only for propertyChange. */
void sim_event_object(struct sim_state *st, const struct sim_objtype *t,
                      uint64_t id, const char *kind, const char *prop,
                      const char *value);
json_t *sim_fixtures_builtin(const struct sim_config *cfg);

/* ---- webhooks (webhooks.c) ------------------------------------------- */

/* Validates the webhook flags, installs st->on_event and starts the
 * delivery threads if a target is configured. Call before the server
 * starts. Returns 0, or -1 with a message in err. */
int sim_webhooks_start(struct sim_state *st, char *err, size_t errlen);
/* Stops delivery (requests in flight are cut) and frees pending batches
 * and the attempt log. No-op when not started. */
void sim_webhooks_stop(void);
/* Drops pending deliveries and the attempt log and puts the targets back
 * to the flags. Runs under st->lock (from sim_state_reset). */
void sim_webhooks_reset(struct sim_state *st);

/* ---- response helpers (server.c) ------------------------------------- */

const char *sim_req_param(const struct sim_request *req, const char *name);
const char *sim_req_query(const struct sim_request *req, const char *name);
const char *sim_req_header(const struct sim_request *req, const char *name);
/* Form field (body), falling back to the query string when allowed. */
const char *sim_req_form(const struct sim_request *req, const char *name);
bool sim_req_bool(const struct sim_request *req, const char *name, bool dflt);

int sim_res_json(struct sim_response *res, int status, json_t *body_take);
int sim_res_empty(struct sim_response *res, int status);
int sim_res_html(struct sim_response *res, int status, char *html_take);
int sim_res_redirect(struct sim_response *res, const char *location);
void sim_res_header(struct sim_response *res, const char *name,
                    const char *value);
/* HubSpot error body {status,message,correlationId,<extra...>,category}. */
int sim_res_error(struct sim_request *req, struct sim_response *res, int status,
                  const char *category, const char *message,
                  json_t *extra_take);
int sim_res_errorf(struct sim_request *req, struct sim_response *res,
                   int status, const char *category, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* 400 "Invalid input JSON" when the body is not a JSON object. */
json_t *sim_req_object_or_respond(struct sim_request *req,
                                  struct sim_response *res);

/* ---- server (server.c) ----------------------------------------------- */

/* Starts libmicrohttpd (epoll, one internal thread) and the delay timer. */
int sim_server_start(struct sim_state *st, char *err, size_t errlen);
/* Resumes delayed connections, stops the daemon and joins the timer. */
void sim_server_stop(void);

#endif
