/* SPDX-License-Identifier: MIT */
#ifndef ED_HTTP_CONNLIMIT_H
#define ED_HTTP_CONNLIMIT_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Open connections per client address, one table for the whole process
 * (every event loop): the accept policy asks connlimit_admit, the
 * connection notifications call connlimit_add / connlimit_del. Thread-safe.
 * IPv4-mapped IPv6 addresses count as their IPv4 address. */
struct connlimit;

struct connlimit *connlimit_new(size_t cap);
void connlimit_free(struct connlimit *cl);
/* Would one more connection from addr stay within the cap? */
bool connlimit_admit(struct connlimit *cl, const struct sockaddr *addr);
/* Count a connection from addr in / out. */
void connlimit_add(struct connlimit *cl, const struct sockaddr *addr);
void connlimit_del(struct connlimit *cl, const struct sockaddr *addr);
/* Open connections counted for addr (tests). */
size_t connlimit_count(struct connlimit *cl, const struct sockaddr *addr);

#endif
