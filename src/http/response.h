/* SPDX-License-Identifier: MIT */
#ifndef ED_HTTP_RESPONSE_H
#define ED_HTTP_RESPONSE_H
#include "api/api.h"
#include "core/buf.h"

/* Serialise res into a body (JSON, the error envelope, or raw bytes);
 * returns a heap buffer (caller frees) and its length. */
char *http_response_body(const struct ed_request *req, struct ed_response *res,
                         size_t *len);

#endif
