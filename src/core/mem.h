/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_MEM_H
#define ED_CORE_MEM_H
#include <stddef.h>

/* Allocation wrappers. OOM policy: abort. Every size we allocate is bounded
 * by a configured cap (body size, provider response size, log line), so an
 * allocation failure means the machine is out of memory, not bad input. */
void *ed_malloc(size_t n);
void *ed_calloc(size_t n, size_t size);
void *ed_realloc(void *p, size_t n);
char *ed_strdup(const char *s);
char *ed_strndup(const char *s, size_t n);
/* printf into a fresh heap string (caller frees). */
char *ed_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
