/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_RESOURCE_H
#define ED_HUB_RESOURCE_H
#include <jansson.h>

#include "hub/hub.h"

/* Helpers shared by the hub resource families (hub_*.c): JSON access,
 * errors with the catalogue, and final responses with the instance's null
 * filtering. Every int-returning reply gives the final HTTP status. */

/* A string member, or NULL. */
const char *hub_jstr(const json_t *o, const char *k);
/* a unless NULL, else b. */
const char *hub_first(const char *a, const char *b);

/* 404 "No resource at ...", 405 "Use <allowed> on ...", 400 <why>. */
int hub_no_resource(struct hub_op *op);
int hub_no_method(struct hub_op *op, const char *allowed);
int hub_bad_request(struct hub_op *op, const char *why);
/* 0 when the request body is a JSON object, else the status of the 400. */
int hub_need_object(struct hub_op *op);
/* 0 without a where, else 400: where is not supported on this resource. */
int hub_refuse_where(struct hub_op *op);

/* Path segment i below the hub (0 is the resource; arena copy), or NULL.
 * The op splits the first three; the timeline needs a fourth. */
const char *hub_seg(const struct hub_op *op, int i);

/* A scalar in HubSpot's string form (new reference); NULL otherwise. */
json_t *hub_scalar_str(const json_t *v);
/* A number from HubSpot's string form ("0.2"), new reference, or NULL. */
json_t *hub_number_of(const char *s);
void hub_rename_key(json_t *o, const char *from, const char *to);

/* Final 200 with o (taken), nulls filtered as the instance asks. */
int hub_reply(struct hub_op *op, json_t *o);
/* The same for a list (taken), with Elements-Returned-Count and, when next
 * is set, Elements-Next-Page-Token. */
int hub_reply_list(struct hub_op *op, json_t *arr, const char *next);
/* A streamed page (out: the JSON array text, taken) with its headers:
 * Elements-Returned-Count (count), Elements-Next-Page-Token (next, when
 * not NULL) and Elements-Total-Count (total, when >= 0). */
struct ed_buf;
int hub_reply_page(struct hub_op *op, struct ed_buf *out, size_t count,
                   const char *next, long long total);
/* fields=a,B c → "a,b,c" (HubSpot's property names: lower case, commas),
 * in the arena; NULL without fields. */
const char *hub_fields(struct hub_op *op);
/* "a,b" → ["a","b"] (empty names skipped). */
json_t *hub_csv_array(struct hub_op *op, const char *csv);
/* HubSpot's answer (borrowed), reshaped in place by shape (may be NULL). */
int hub_reply_shaped(struct hub_op *op, json_t *body, void (*shape)(json_t *));
/* Continuations: 200 {} / HubSpot's answer as is. */
int hub_done_empty(struct hub_op *op, int status, json_t *body);
int hub_done_pass(struct hub_op *op, int status, json_t *body);

#endif
