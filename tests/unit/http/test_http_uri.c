/* SPDX-License-Identifier: MIT
 * http/uri: the path decodes %xx only ('+' stays a plus), the query is form
 * encoded ('+' is a space), %00 is kept as text, repeated and valueless
 * keys survive, too many pairs are reported; http/connlimit counts
 * connections per address (IPv4-mapped IPv6 = IPv4) against the cap. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check.h"
#include "core/arena.h"
#include "http/connlimit.h"
#include "core/text.h"
#include "http/uri.h"

static void test_path(void)
{
    struct ed_arena *a = ed_arena_new();
    CHECK_EQ_STR(http_uri_path(a, "/hubs/crm/contacts/a+b?x=1"),
                 "/hubs/crm/contacts/a+b");
    CHECK_EQ_STR(http_uri_path(a, "/a%2Bb/c%20d%2fe"), "/a+b/c d/e");
    CHECK_EQ_STR(http_uri_path(a, "/x%00y%4"), "/x%00y%4");
    CHECK_EQ_STR(http_uri_path(a, "/p#frag"), "/p");
    CHECK(http_uri_query("/p") == NULL);
    CHECK_EQ_STR(http_uri_query("/p?a=1#f"), "a=1#f");
    ed_arena_free(a);
}

static void test_query(void)
{
    struct ed_arena *a = ed_arena_new();
    struct ed_kv kv[4];
    bool of;
    size_t n = ed_query_parse(a, "where=a+b%2Bc&flag&e=&&x=1=2#f", kv, 4, &of);
    CHECK_EQ_INT(n, 4);
    CHECK(!of);
    CHECK_EQ_STR(kv[0].name, "where");
    CHECK_EQ_STR(kv[0].value, "a b+c");
    CHECK_EQ_STR(kv[1].name, "flag");
    CHECK(kv[1].value == NULL);
    CHECK_EQ_STR(kv[2].value, "");
    CHECK_EQ_STR(kv[3].value, "1=2");
    n = ed_query_parse(a, "a=1&b=2&c=3", kv, 2, &of);
    CHECK_EQ_INT(n, 2);
    CHECK(of);
    ed_arena_free(a);
}

static void test_connlimit(void)
{
    struct connlimit *cl = connlimit_new(2);
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    struct sockaddr_in other = {.sin_family = AF_INET};
    inet_pton(AF_INET, "10.1.2.3", &v4.sin_addr);
    inet_pton(AF_INET6, "::ffff:10.1.2.3", &v6.sin6_addr);
    inet_pton(AF_INET, "10.1.2.4", &other.sin_addr);
    CHECK(connlimit_admit(cl, (struct sockaddr *)&v4));
    connlimit_add(cl, (struct sockaddr *)&v4);
    connlimit_add(cl, (struct sockaddr *)&v6);
    CHECK_EQ_INT(connlimit_count(cl, (struct sockaddr *)&v4), 2);
    CHECK(!connlimit_admit(cl, (struct sockaddr *)&v4));
    CHECK(connlimit_admit(cl, (struct sockaddr *)&other));
    connlimit_del(cl, (struct sockaddr *)&v4);
    CHECK(connlimit_admit(cl, (struct sockaddr *)&v6));
    connlimit_del(cl, (struct sockaddr *)&v6);
    CHECK_EQ_INT(connlimit_count(cl, (struct sockaddr *)&v4), 0);
    connlimit_free(cl);
}

int main(void)
{
    RUN(test_path);
    RUN(test_query);
    RUN(test_connlimit);
    return 0;
}
