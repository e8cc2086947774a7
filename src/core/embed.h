/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_EMBED_H
#define ED_CORE_EMBED_H
#include <stddef.h>

/* A file compiled into the binary (cmake/Embed.cmake). data is
 * NUL-terminated; arrays of these end with a {NULL, NULL, 0} row. */
struct ed_embed {
    const char *name;
    const unsigned char *data;
    size_t len;
};

/* Find an embedded file by its relative name; NULL if absent. */
const struct ed_embed *ed_embed_find(const struct ed_embed *table,
                                     const char *name);

#endif
