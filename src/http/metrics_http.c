/* SPDX-License-Identifier: MIT
 * The metrics listener (--metrics-listen): a second, small libmicrohttpd
 * daemon with one internal thread, apart from the API's event loops, that
 * answers GET /metrics with the exposition of metrics/metrics.c. No
 * authentication: bind it to loopback or a private network
 * (docs/metrics.md). Anything else is 404 (405 for another method on
 * /metrics); request bodies are refused. */
#include "http/metrics_http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "metrics/metrics.h"

/* The exposition is a few hundred lines; bounded all the same. */
#define MAX_EXPOSITION ((size_t)16 << 20)
/* A body (never needed) is read and dropped up to this, then cut. */
#define MAX_BODY ((size_t)65536)

struct metrics_server {
    struct MHD_Daemon *d;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             const char *type, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (status == 405)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status,
                            const char *msg)
{
    char *body = ed_strdup(msg);
    return reply(conn, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    size_t *seen = *con_cls;
    if (!seen) { /* first call: headers only */
        *con_cls = seen = ed_calloc(1, sizeof(*seen));
        return MHD_YES;
    }
    if (*upload_size) { /* no request needs a body here: drop it */
        *seen += *upload_size;
        *upload_size = 0;
        return *seen > MAX_BODY ? MHD_NO : MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return text(conn, 404, "Not found: the metrics are at /metrics\n");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return text(conn, 405, "Method not allowed\n");
    struct ed_buf b;
    ed_buf_init(&b, MAX_EXPOSITION);
    if (metrics_render(&b) != ED_OK) {
        ed_buf_cleanup(&b);
        return text(conn, 500, "The metrics could not be rendered\n");
    }
    size_t len = b.len;
    char *body = ed_buf_take(&b);
    return reply(conn, 200, MX_CONTENT_TYPE, body, len);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static enum ed_err parse_addr(const char *listen, struct sockaddr_storage *ss)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    uint64_t port;
    if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
        !ed_parse_u64(colon + 1, 65535, &port))
        return ED_ERR_INVALID;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (host[0] == '[') {
        size_t hl = strlen(host);
        if (hl < 2 || host[hl - 1] != ']')
            return ED_ERR_INVALID;
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
    if (getaddrinfo(*host ? host : NULL, portstr, &hints, &ai) != 0 || !ai)
        return ED_ERR_INVALID;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return ED_OK;
}

enum ed_err metrics_http_start(const char *listen, struct metrics_server **out,
                               uint16_t *port_out)
{
    struct sockaddr_storage ss = {0};
    *out = NULL;
    if (parse_addr(listen, &ss) != ED_OK) {
        ed_error(NULL, "msg=\"bad --metrics-listen\" value=\"%s\"", listen);
        return ED_ERR_INVALID;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct metrics_server *m = ed_calloc(1, sizeof(*m));
    m->d = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, NULL,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_CONNECTION_LIMIT, 64u,
                            MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
                            MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
                            MHD_OPTION_END);
    if (!m->d) {
        ed_error(NULL, "msg=\"cannot listen\" metrics_listen=\"%s\"", listen);
        free(m);
        return ED_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(
        m->d, MHD_DAEMON_INFO_BIND_PORT);
    *port_out = info ? info->port : 0;
    *out = m;
    return ED_OK;
}

void metrics_http_stop(struct metrics_server *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    free(m);
}
