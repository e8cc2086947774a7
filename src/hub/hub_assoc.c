/* SPDX-License-Identifier: MIT
 * Child objects through HubSpot's associations (v4):
 *   GET    /{parent}/{id}/{child}            the associated records, paged
 *   POST   /{parent}/{id}/{child}            associate the child the body names
 *   PUT    /{parent}/{id}/{child}/{childId}  associate (no body needed)
 *   DELETE /{parent}/{id}/{child}/{childId}  remove every association
 * for contacts, accounts, opportunities (and HubSpot's names companies,
 * deals), tickets, line_items and the engagement objects (notes, calls,
 * emails, meetings, tasks). A read is one HubSpot search of the child
 * object with the associations.<parent> filter (sorted by id, HubSpot's
 * offset cursor: page n in one call), streamed as the child's own list is
 * (flat properties, classic id, nulls as the instance asks). Two answers
 * send the read to the v4 association list instead (up to 500 ids a call,
 * then one v3 batch read of the page's records): an empty first page (so
 * an unknown parent is HubSpot's 404, and an association too new for the
 * search index is still seen) and a parent with more children than search
 * reaches (10,000); its pages then carry v4 cursors. docs/hub-api.md. Writes use HubSpot's default
 * association type (the v4 "default" call), so elementsd holds no table
 * of association type ids. Paths below /contacts/{id}/activities, the
 * properties lists and batch writes belong to other tables (dispatch.c
 * order) or are declined here. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "hub/hub.h"
#include "hub/jsonfilter.h"
#include "hub/paging.h"
#include "hub/resource.h"
#include "provider/provider.h"

#define ASSOC_MAX_CALL 500 /* HubSpot's largest v4 association read */

struct assoc_obj {
    const char *name;   /* Cloud Elements resource */
    const char *object; /* HubSpot object type */
    /* as a parent, its search pseudo-property associations.<singular>
     * (HubSpot's documented ones: contact, company, deal, ticket); NULL:
     * children are read through v4 */
    const char *singular;
    const char *classic; /* classic id added beside id (as the list does) */
    bool child;          /* may be a child (leads are parents only) */
};

static const struct assoc_obj objs[] = {
    {"contacts", "contacts", "contact", "vid", true},
    {"accounts", "companies", "company", "companyId", true},
    {"opportunities", "deals", "deal", "dealId", true},
    {"leads", "contacts", "contact", "vid", false},
    {"companies", "companies", "company", "companyId", true},
    {"deals", "deals", "deal", "dealId", true},
    {"tickets", "tickets", "ticket", NULL, true},
    {"line_items", "line_items", NULL, NULL, true},
    {"notes", "notes", NULL, NULL, true},
    {"calls", "calls", NULL, NULL, true},
    {"emails", "emails", NULL, NULL, true},
    {"meetings", "meetings", NULL, NULL, true},
    {"tasks", "tasks", NULL, NULL, true},
};

static const struct assoc_obj *obj_find(const char *name, bool child)
{
    for (size_t i = 0; name && i < sizeof(objs) / sizeof(objs[0]); i++)
        if (strcmp(objs[i].name, name) == 0 && (!child || objs[i].child))
            return &objs[i];
    return NULL;
}

struct assoc_state {
    struct hub_paging pg;
    struct hub_paging pg0; /* as read, for a read that moves to v4 */
    bool searching;        /* the call in flight is the first search */
    const struct assoc_obj *parent, *child;
    const char *props; /* fields=, comma list, or NULL */
    const char *next;  /* HubSpot's cursor after this page, or NULL */
    const char *child_id;
};

/* --- read ---------------------------------------------------------------- */

static int read_step(struct hub_op *op, const char *after);

static int bad_answer(struct hub_op *op)
{
    return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                     "HubSpot answered with invalid or oversized JSON");
}

static int empty_page(struct hub_op *op)
{
    res_header(op->res, "Elements-Returned-Count", "0");
    return res_json(op->res, 200, json_array());
}

/* HubSpot's page of child records (a batch read's or a search's
 * "results") streamed into out as the child's own list; false (out
 * cleaned) when it is not such a page. */
static bool child_page(struct hub_op *op, const char *body, size_t len,
                       struct ed_buf *out, struct jsonfilter_page *pg)
{
    struct assoc_state *as = op->state;
    ed_buf_init(out, PROVIDER_MAX_BODY);
    ed_buf_reserve(out, len);
    if (jsonfilter_page_proj(body, len, hub_drop_nulls(op), as->child->classic,
                             0, NULL, out, pg) != ED_OK ||
        !pg->found) {
        ed_buf_cleanup(out);
        return false;
    }
    return true;
}

/* The page's records (HubSpot's batch read), shaped as the child's list. */
static int records_done(struct hub_op *op, int status, const char *body,
                        size_t len)
{
    struct assoc_state *as = op->state;
    struct jsonfilter_page pg;
    struct ed_buf out;
    (void)status;
    if (!child_page(op, body, len, &out, &pg))
        return bad_answer(op);
    return hub_reply_page(op, &out, pg.count,
                          as->next ? hub_cursor_make(op, 'a', as->next) : NULL,
                          -1);
}

/* The batch read's body, written as the ids are read: {"inputs":[{"id":
 * ".."},..] then properties and the closing brace (ids_body_end). */
struct ids_body {
    struct ed_buf buf;
    size_t n;
};

/* A record of HubSpot's v4 association list (projection over "results"):
 * its toObjectId (an integer, or a string as HubSpot may send) is added to
 * the batch read's inputs; nothing goes to the page copy. */
static const char *id_record(void *ud, const char *p, const char *end,
                             const char *classic_id, bool drop_nulls,
                             struct ed_buf *out)
{
    struct ids_body *b = ud;
    struct jsonfilter_member m = {"toObjectId", NULL, NULL, 0};
    const char *e = jsonfilter_members(p, end, &m, 1, NULL);
    int64_t n;
    enum ed_err rc = ED_OK;
    (void)classic_id;
    (void)drop_nulls;
    (void)out;
    if (!e || !m.vs)
        return e;
    if (*m.vs == '"') {
        rc = ed_buf_printf(&b->buf, "%s{\"id\":", b->n ? "," : "");
        if (rc == ED_OK)
            rc = ed_buf_append(&b->buf, m.vs, (size_t)(m.ve - m.vs));
        if (rc == ED_OK)
            rc = ed_buf_append(&b->buf, "}", 1);
    } else if (*m.vs == '-' || (*m.vs >= '0' && *m.vs <= '9')) {
        /* an integer as jansson reads one: no fraction, no exponent */
        char tok[24];
        size_t len = (size_t)(m.ve - m.vs);
        if (len >= sizeof(tok) || memchr(m.vs, '.', len) ||
            memchr(m.vs, 'e', len) || memchr(m.vs, 'E', len))
            return e;
        memcpy(tok, m.vs, len);
        tok[len] = '\0';
        if (!ed_parse_i64(tok, &n))
            return e;
        rc = ed_buf_printf(&b->buf, "%s{\"id\":\"%lld\"}", b->n ? "," : "",
                           (long long)n);
    } else
        return e;
    if (rc != ED_OK)
        return NULL;
    b->n++;
    return e;
}

/* fields=a,b → ,"properties":["a","b"] */
static enum ed_err props_append(struct hub_op *op, const char *props,
                                struct ed_buf *out)
{
    json_t *arr = hub_csv_array(op, props);
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!text)
        return ED_ERR_TOO_LARGE;
    enum ed_err rc = ed_buf_printf(out, ",\"properties\":%s", text);
    free(text);
    return rc;
}

/* HubSpot's v4 association ids, read by the streaming scanner (no
 * document is built), then one batch read of the page's records. */
static int ids_done(struct hub_op *op, int status, const char *body, size_t len)
{
    struct assoc_state *as = op->state;
    struct jsonfilter_page pg;
    struct ed_buf scratch;
    (void)status;
    if (as->pg.offset < 0) {
        if (jsonfilter_page(body, len, false, NULL, 0, NULL, &pg) != ED_OK ||
            !pg.found)
            return bad_answer(op);
        as->pg.skip -= (long)pg.count;
        if (!pg.after[0] || pg.count == 0)
            return empty_page(op);
        return read_step(op, ed_arena_strdup(op->req->arena, pg.after));
    }
    struct ids_body b = {.n = 0};
    struct jsonfilter_proj proj = {id_record, &b, false};
    int st;
    ed_buf_init(&b.buf, PROVIDER_MAX_BODY);
    /* the page copy is only commas: the projection writes nothing */
    ed_buf_init(&scratch, PROVIDER_MAX_BODY);
    enum ed_err rc = ed_buf_append(&b.buf, "{\"inputs\":[", 11);
    if (rc == ED_OK)
        rc = jsonfilter_page_proj(body, len, false, NULL, (size_t)as->pg.offset,
                                  &proj, &scratch, &pg);
    ed_buf_cleanup(&scratch);
    if (rc != ED_OK || !pg.found) {
        st = bad_answer(op);
        goto out;
    }
    as->next = pg.after[0] ? ed_arena_strdup(op->req->arena, pg.after) : NULL;
    if (b.n == 0) {
        st = empty_page(op);
        goto out;
    }
    rc = ed_buf_append(&b.buf, "]", 1);
    if (rc == ED_OK && as->props)
        rc = props_append(op, as->props, &b.buf);
    if (rc == ED_OK)
        rc = ed_buf_append(&b.buf, "}", 1);
    if (rc != ED_OK) {
        st = res_error(op->req, op->res, ED_E_INTERNAL,
                       "The batch read could not be written");
        goto out;
    }
    st = hub_send_body(op, "POST",
                       ed_arena_printf(op->req->arena,
                                       "/crm/v3/objects/%s/batch/read",
                                       as->child->object),
                       "application/json", b.buf.data, b.buf.len, NULL);
    /* as hub_send_raw does: the answer is handled on this request's thread
     * only after this continuation has returned */
    op->next_raw = records_done;
out:
    ed_buf_cleanup(&b.buf);
    return st;
}

static int read_step(struct hub_op *op, const char *after)
{
    struct assoc_state *as = op->state;
    int st = hub_paging_call(op, &as->pg);
    if (st)
        return st;
    long limit = hub_paging_next(&as->pg, ASSOC_MAX_CALL);
    const char *path = ed_arena_printf(
        op->req->arena, "/crm/v4/objects/%s/%s/associations/%s?limit=%ld%s%s",
        as->parent->object, hub_escape(op, op->id), as->child->object, limit,
        after ? "&after=" : "", after ? hub_escape(op, after) : "");
    return hub_send_raw(op, "GET", path, NULL, false, ids_done);
}

/* --- associations written a moment ago -------------------------------------
 * HubSpot's search index trails writes by seconds: a record whose
 * associations this node changed within FRESH_MS is read through v4 (its
 * own answer), so a client that associates and then lists sees what it
 * did. A small ring per process, under a lock held for a few compares. */

#define FRESH_SLOTS 256
#define FRESH_MS 30000.0

struct fresh {
    int64_t portal;
    const struct assoc_obj *obj;
    char id[24];
    double at;
};

static pthread_mutex_t fresh_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fresh fresh[FRESH_SLOTS];
static size_t fresh_next;

/* The same HubSpot object (accounts and companies are one). */
static bool same_object(const struct assoc_obj *a, const struct assoc_obj *b)
{
    return a == b || strcmp(a->object, b->object) == 0;
}

static void fresh_mark(struct hub_op *op, const struct assoc_obj *obj,
                       const char *id)
{
    if (!id || strlen(id) >= sizeof(fresh[0].id))
        return;
    pthread_mutex_lock(&fresh_lock);
    struct fresh *f = &fresh[fresh_next++ % FRESH_SLOTS];
    f->portal = hub_portal(op);
    f->obj = obj;
    memcpy(f->id, id, strlen(id) + 1);
    f->at = ed_mono_ms();
    pthread_mutex_unlock(&fresh_lock);
}

static bool fresh_recent(struct hub_op *op, const struct assoc_obj *obj,
                         const char *id)
{
    int64_t portal = hub_portal(op);
    double now = ed_mono_ms();
    bool hit = false;
    pthread_mutex_lock(&fresh_lock);
    for (size_t i = 0; i < FRESH_SLOTS && !hit; i++)
        hit = fresh[i].obj && fresh[i].portal == portal &&
              now - fresh[i].at < FRESH_MS && same_object(fresh[i].obj, obj) &&
              strcmp(fresh[i].id, id) == 0;
    pthread_mutex_unlock(&fresh_lock);
    return hit;
}

/* Both ends of an association this node has just changed. */
static void fresh_link(struct hub_op *op)
{
    struct assoc_state *as = op->state;
    fresh_mark(op, as->parent, op->id);
    fresh_mark(op, as->child, as->child_id);
}

/* --- read by search ------------------------------------------------------ */

/* The read moves to the v4 association list, from the page asked for. */
static int to_v4(struct hub_op *op)
{
    struct assoc_state *as = op->state;
    int calls = as->pg.calls;
    as->pg = as->pg0;
    as->pg.calls = calls;
    as->searching = false;
    return read_step(op, NULL);
}

/* HubSpot's search answer, streamed as the child's list (hub_crm.c's
 * list_next); an empty first page or one past search's reach goes to v4. */
static int search_done(struct hub_op *op, int status, const char *body,
                       size_t len)
{
    struct assoc_state *as = op->state;
    struct jsonfilter_page pg;
    struct ed_buf out;
    (void)status;
    if (!child_page(op, body, len, &out, &pg))
        return bad_answer(op);
    if (as->searching && (pg.total == 0 || pg.total > HUB_PAGE_REACH_MAX)) {
        ed_buf_cleanup(&out);
        return to_v4(op);
    }
    return hub_reply_page(op, &out, pg.count,
                          pg.after[0] ? hub_cursor_make(op, 's', pg.after)
                                      : NULL,
                          (long long)pg.total);
}

/* POST /crm/v3/objects/{child}/search with associations.<parent> = id,
 * from offset `after` (HubSpot's cursor) or the page's first record. */
static int search_step(struct hub_op *op, const char *after)
{
    struct assoc_state *as = op->state;
    int st = hub_paging_call(op, &as->pg);
    if (st)
        return st;
    json_t *body = json_pack("{s:[{s:[{s:s, s:s, s:s}]}], s:[{s:s, s:s}], s:I}",
                             "filterGroups", "filters", "propertyName",
                             ed_arena_printf(op->req->arena, "associations.%s",
                                             as->parent->singular),
                             "operator", "EQ", "value", op->id, "sorts",
                             "propertyName", "hs_object_id", "direction",
                             "ASCENDING", "limit", (json_int_t)as->pg.size);
    if (!body)
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "The record id is not valid UTF-8");
    if (!after && as->pg.skip > 0)
        after = ed_arena_printf(op->req->arena, "%ld", as->pg.skip);
    if (after)
        json_object_set_new(body, "after", json_string(after));
    if (as->props)
        json_object_set_new(body, "properties", hub_csv_array(op, as->props));
    st = hub_send_raw(op, "POST",
                      ed_arena_printf(op->req->arena,
                                      "/crm/v3/objects/%s/search",
                                      as->child->object),
                      body, true, search_done);
    json_decref(body);
    return st;
}

static int assoc_read(struct hub_op *op, struct assoc_state *as)
{
    int st;
    if ((st = hub_refuse_where(op)))
        return st;
    /* cursors of two kinds: 's' (search offset) and 'a' (v4) */
    if ((st = hub_paging_read(op, 0, &as->pg)))
        return st;
    as->props = hub_fields(op);
    if (as->pg.next) {
        const char *a = hub_cursor_read(op, 'a', as->pg.next);
        const char *s = a ? NULL : hub_cursor_read(op, 's', as->pg.next);
        if (a)
            return read_step(op, (as->pg.after = a));
        if (!s)
            return hub_bad_request(op, "nextPage is not a cursor this server "
                                       "issued for this resource");
        return search_step(op, s);
    }
    if (!as->parent->singular || fresh_recent(op, as->parent, op->id))
        return read_step(op, NULL);
    as->pg0 = as->pg;
    as->searching = true;
    return search_step(op, NULL);
}

/* --- write --------------------------------------------------------------- */

/* A record id: 1 to 18 digits (HubSpot's ids), as a string. */
static const char *id_of(struct hub_op *op, json_t *v)
{
    const char *s = NULL;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        s = ed_arena_printf(op->req->arena, "%lld",
                            (long long)json_integer_value(v));
    else if (json_is_string(v))
        s = json_string_value(v);
    if (!s || !*s || strlen(s) > 18)
        return NULL;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return NULL;
    return s;
}

static int child_record(struct hub_op *op, int status, json_t *body)
{
    struct assoc_state *as = op->state;
    json_t *o = json_deep_copy(body);
    (void)status;
    const char *id = hub_jstr(o, "id");
    int64_t n;
    if (as->child->classic && id && id_of(op, json_object_get(o, "id")) &&
        ed_parse_i64(id, &n))
        json_object_set_new(o, as->child->classic, json_integer(n));
    return hub_reply(op, o);
}

static int child_read(struct hub_op *op, int status, json_t *body)
{
    struct assoc_state *as = op->state;
    (void)status;
    (void)body;
    fresh_link(op);
    const char *path = ed_arena_printf(op->req->arena, "/crm/v3/objects/%s/%s",
                                       as->child->object,
                                       hub_escape(op, as->child_id));
    if (as->props)
        path = ed_arena_printf(op->req->arena, "%s?properties=%s", path,
                               hub_escape(op, as->props));
    return hub_send(op, "GET", path, NULL, false, child_record);
}

static int assoc_link(struct hub_op *op, struct assoc_state *as,
                      const char *child_id)
{
    as->child_id = child_id;
    as->props = hub_fields(op);
    const char *path = ed_arena_printf(
        op->req->arena, "/crm/v4/objects/%s/%s/associations/default/%s/%s",
        as->parent->object, hub_escape(op, op->id), as->child->object,
        hub_escape(op, child_id));
    /* answers with the child record, as a create does */
    return hub_send(op, "PUT", path, NULL, false, child_read);
}

/* POST: the body names the child: "id", or the child's classic id. */
static int assoc_create(struct hub_op *op, struct assoc_state *as)
{
    int st;
    if ((st = hub_need_object(op)))
        return st;
    json_t *b = op->req->body;
    json_t *v = json_object_get(b, "id");
    const char *field = "id";
    if (!v && as->child->classic) {
        v = json_object_get(b, as->child->classic);
        field = as->child->classic;
    }
    if (!v)
        return hub_bad_request(
            op, ed_arena_printf(op->req->arena,
                                "The body must name the %s to associate: "
                                "{\"id\": \"<%s id>\"}%s%s; create it first "
                                "with POST /%s",
                                as->child->name, as->child->name,
                                as->child->classic ? " or " : "",
                                as->child->classic ? as->child->classic : "",
                                as->child->name));
    const char *id = id_of(op, v);
    if (!id)
        return hub_bad_request(
            op,
            ed_arena_printf(op->req->arena,
                            "%s must be a HubSpot record id (digits)", field));
    return assoc_link(op, as, id);
}

static int unlinked(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    (void)body;
    fresh_link(op);
    return res_json(op->res, 200, json_object());
}

/* --- entry --------------------------------------------------------------- */

static int assoc_handle(struct hub_op *op)
{
    const struct assoc_obj *parent = obj_find(op->resource, false);
    const struct assoc_obj *child = obj_find(op->sub, true);
    if (!parent || !child || !op->id || strcmp(op->id, "batch") == 0 ||
        strcmp(op->id, "properties") == 0)
        return HUB_DECLINE;
    if (hub_seg(op, 4))
        return hub_no_resource(op);
    struct assoc_state *as = ed_arena_alloc(op->req->arena, sizeof(*as));
    memset(as, 0, sizeof(*as));
    as->parent = parent;
    as->child = child;
    op->state = as;
    const char *child_id = hub_seg(op, 3);
    if (child_id) {
        if (op->req->method == ED_DELETE) {
            as->child_id = child_id;
            const char *path = ed_arena_printf(
                op->req->arena, "/crm/v4/objects/%s/%s/associations/%s/%s",
                parent->object, hub_escape(op, op->id), child->object,
                hub_escape(op, child_id));
            return hub_send(op, "DELETE", path, NULL, false, unlinked);
        }
        if (op->req->method == ED_PUT)
            return assoc_link(op, as, child_id);
        return hub_no_method(op, "PUT or DELETE");
    }
    if (op->req->method == ED_GET)
        return assoc_read(op, as);
    if (op->req->method == ED_POST)
        return assoc_create(op, as);
    return hub_no_method(op, "GET or POST");
}

const struct hub_resource hub_assoc_resources[] = {
    {"*", assoc_handle},
    {NULL, NULL},
};
