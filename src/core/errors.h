/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_ERRORS_H
#define ED_CORE_ERRORS_H

/* Internal result codes: every internal API returns one (0 = success) and
 * hands results back through out-parameters. */
enum ed_err {
    ED_OK = 0,
    ED_ERR_INVALID,     /* malformed input */
    ED_ERR_NOT_FOUND,   /* no such row / item */
    ED_ERR_EXISTS,      /* unique constraint */
    ED_ERR_TOO_LARGE,   /* a bounded buffer would overflow */
    ED_ERR_IO,          /* file system */
    ED_ERR_DB,          /* database failure */
    ED_ERR_CRYPTO,      /* decrypt / verify failed */
    ED_ERR_UNSUPPORTED, /* feature not built in */
    ED_ERR_AUTH,        /* credentials rejected */
    ED_ERR_PROVIDER,    /* upstream failure */
    ED_ERR_TIMEOUT,     /* upstream timeout */
    ED_ERR_BUSY,        /* resource locked / try again */
};

/* Static description of an internal code; never NULL. */
const char *ed_strerror(enum ed_err err);

/* API error codes, HTTP statuses and default messages (core/errors.def). */
enum ed_api_error {
#define ED_ERROR(code, status, msg) code,
#include "core/errors.def"
#undef ED_ERROR
    ED_E__COUNT
};

/* HTTP status and default message of an API error code. */
int ed_api_error_status(enum ed_api_error code);
const char *ed_api_error_message(enum ed_api_error code);

#endif
