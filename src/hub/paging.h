/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_PAGING_H
#define ED_HUB_PAGING_H
#include <jansson.h>
#include <stdint.h>

#include "hub/hub.h"

/* Cloud Elements paging (pageSize, page, nextPage) for every hub list
 * resource, in one place. A page number reaches the first
 * HUB_PAGE_REACH_MAX records of a listing (HubSpot's own search stops
 * there too); a page past it is a 400 that points to nextPage, before any
 * HubSpot call. Reaching page n of a listing HubSpot pages with cursors
 * means walking it: at most HUB_PAGE_CALLS_MAX HubSpot calls per request,
 * and the walk stops when the client has gone away. Walk state lives in
 * the op's arena; anything it owns beyond that is freed through
 * op->state_cleanup, so an op cancelled mid-walk leaks nothing. */

#define HUB_PAGE_SIZE_MAX 100    /* Cloud Elements' pageSize cap for HubSpot */
#define HUB_PAGE_REACH_MAX 10000 /* deepest record a page number reaches */
#define HUB_PAGE_CALLS_MAX 100   /* HubSpot calls one list request may cost */

struct hub_paging {
    long size;         /* pageSize */
    uint64_t page;     /* 1-based; 1 when nextPage is given */
    const char *next;  /* nextPage as sent (NULL when absent or empty) */
    const char *after; /* nextPage decoded with the kind asked for, or NULL */
    long skip;         /* records before the page: (page - 1) * size; a
                        * walk lowers it as it skips */
    int calls;         /* HubSpot calls the walk has made */
    long offset;       /* set by hub_paging_next: -1 for a skipping call,
                        * else the page's first element in the answer */
};

/* Read pageSize (clipped to HUB_PAGE_SIZE_MAX with an Elements-Error
 * header), page and nextPage. With kind != 0, nextPage must be a cursor of
 * that kind (hub_cursor_read) and is decoded into after; with kind 0 the
 * caller decodes pg->next. Refuses a page past HUB_PAGE_REACH_MAX. Returns
 * 0, or the status of the error set on op->res. */
int hub_paging_read(struct hub_op *op, char kind, struct hub_paging *pg);

/* Before each HubSpot call of a walk: 0 to go on (the call is counted),
 * else the status of the error set (the client went away, or the call
 * budget is spent). */
int hub_paging_call(struct hub_op *op, struct hub_paging *pg);

/* The limit of a walk's next call over a listing HubSpot gives at most
 * max_call records at a time. The steps are planned so that the last call
 * ends exactly at the page's end (so HubSpot's cursor after it is the next
 * page's) and holds the whole page: ceil((skip + size) / max_call) calls in
 * all, at most 100 for a page a number reaches. Sets pg->offset. */
long hub_paging_next(struct hub_paging *pg, long max_call);

/* A listing HubSpot pages itself, reshaped through jansson: v3
 * (paging.next.after) or v1 (hasMore and offset). */
struct hub_vlist_spec {
    char kind;                /* cursor letter */
    const char *cursor_param; /* HubSpot's cursor query parameter */
    long max_call;            /* HubSpot's largest limit (>= 100) */
    void (*shape)(json_t *item);
};

/* GET path (possibly with a query already), paged as the request asks. */
int hub_vlist_start(struct hub_op *op, const struct hub_vlist_spec *spec,
                    const char *path);

/* A shape that only adds `member`, a copy of the string ('s') or boolean
 * ('b') at from1[.from2] when the record has one there and no `member` yet:
 * the v3 listing is then streamed (jsonfilter, no jansson); spec->shape is
 * still used for virtual reads. (A v3 listing without a shape is streamed
 * as it is by hub_vlist_start.) */
struct hub_vlist_add {
    const char *member, *from1, *from2;
    char type;
};
int hub_vlist_start_add(struct hub_op *op, const struct hub_vlist_spec *spec,
                        const struct hub_vlist_add *add, const char *path);

/* Lists HubSpot returns whole: hub_paging_begin reads and checks the
 * paging before the call (op->state becomes the struct hub_paging; 0 or
 * the status of the error set); hub_reply_sliced then answers the page of
 * all (taken). The cursor is the next page number. */
int hub_paging_begin(struct hub_op *op, char kind);
int hub_reply_sliced(struct hub_op *op, char kind, json_t *all);

#endif
