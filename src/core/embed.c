/* SPDX-License-Identifier: MIT
 * Lookup in tables of files compiled into the binary. */
#include "core/embed.h"

#include <string.h>

const struct ed_embed *ed_embed_find(const struct ed_embed *table,
                                     const char *name)
{
    for (; table->name; table++)
        if (strcmp(table->name, name) == 0)
            return table;
    return NULL;
}
