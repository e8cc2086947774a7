/* SPDX-License-Identifier: MIT
 * Error catalogues: internal result codes and the API error table. */
#include "core/errors.h"

const char *ed_strerror(enum ed_err err)
{
    switch (err) {
    case ED_OK: return "ok";
    case ED_ERR_INVALID: return "invalid input";
    case ED_ERR_NOT_FOUND: return "not found";
    case ED_ERR_EXISTS: return "already exists";
    case ED_ERR_TOO_LARGE: return "too large";
    case ED_ERR_IO: return "i/o error";
    case ED_ERR_DB: return "database error";
    case ED_ERR_CRYPTO: return "cryptographic failure";
    case ED_ERR_UNSUPPORTED: return "not supported in this build";
    case ED_ERR_AUTH: return "authentication failed";
    case ED_ERR_PROVIDER: return "provider failure";
    case ED_ERR_TIMEOUT: return "timeout";
    case ED_ERR_BUSY: return "busy";
    }
    return "unknown error";
}

static const struct {
    int status;
    const char *msg;
} api_errors[] = {
#define ED_ERROR(code, status, msg) {status, msg},
#include "core/errors.def"
#undef ED_ERROR
};

int ed_api_error_status(enum ed_api_error code)
{
    if ((unsigned)code >= ED_E__COUNT)
        return 500;
    return api_errors[code].status;
}

const char *ed_api_error_message(enum ed_api_error code)
{
    if ((unsigned)code >= ED_E__COUNT)
        return "Internal server error";
    return api_errors[code].msg;
}
