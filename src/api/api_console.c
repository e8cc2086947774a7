/* SPDX-License-Identifier: MIT
 * The web console: static pages and assets compiled into the binary (from
 * console/, see src/CMakeLists.txt), served outside the API base path with
 * strict security headers. The console is a single page: "/", "/console/"
 * and the OAuth return page "/console/callback" all answer index.html and
 * the script routes on the client. Assets live flat under /console/{file}.
 * Everything here is public (no credentials): the page logs in through the
 * API and holds its session token in sessionStorage. */
#include <string.h>

#include "api/api.h"
#include "core/embed.h"

extern const struct ed_embed ed_console_assets[];
/* The API docs renderer (swagger-ui-dist), when the build found it. */
extern const struct ed_embed ed_renderer_assets[];
/* The dashboard's chart library (uplot), when the build found it. */
extern const struct ed_embed ed_charts_assets[];

/* No inline script or style anywhere in console/: everything comes from
 * 'self'. The OAuth consent page is reached by location.assign(), which CSP
 * does not restrict, and its redirect comes back to /console/callback. */
static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

void api_console_headers(struct ed_response *res, bool html)
{
    res_header(res, "Content-Security-Policy", csp);
    res_header(res, "X-Frame-Options", "DENY");
    res_header(res, "X-Content-Type-Options", "nosniff");
    res_header(res, "Referrer-Policy", "no-referrer");
    res_header(res, "Cross-Origin-Opener-Policy", "same-origin");
    res_header(res, "Cross-Origin-Resource-Policy", "same-origin");
    res_header(res, "Permissions-Policy",
               "camera=(), microphone=(), geolocation=(), payment=()");
    /* pages are never cached (they may show secrets); assets revalidate */
    res_header(res, "Cache-Control", html ? "no-store" : "no-cache");
}

static int serve(struct ed_request *req, struct ed_response *res,
                 const char *name)
{
    const struct ed_embed *f = NULL;
    /* one flat directory: no path separators, no dot files */
    if (name && *name && name[0] != '.' && !strchr(name, '/') &&
        !strchr(name, '\\'))
        f = ed_embed_find(ed_console_assets, name);
    if (!f && name && !strchr(name, '/'))
        f = ed_embed_find(ed_renderer_assets, name);
    if (!f && name && !strchr(name, '/'))
        f = ed_embed_find(ed_charts_assets, name);
    if (!f) {
        api_console_headers(res, true);
        return res_error(req, res, ED_E_NOT_FOUND,
                         "No console page or asset here");
    }
    const char *type = content_type(f->name);
    res->raw = (const char *)f->data;
    res->raw_len = f->len;
    res->content_type = type;
    api_console_headers(res, strncmp(type, "text/html", 9) == 0);
    return 200;
}

static int console_index(struct ed_request *req, struct ed_response *res)
{
    return serve(req, res, "index.html");
}

static int console_asset(struct ed_request *req, struct ed_response *res)
{
    return serve(req, res, req_param(req, 0));
}

const struct ed_route api_console_routes[] = {
    {ED_GET | ED_HEAD, "/", console_index, ED_ROUTE_NOAUTH},
    {ED_GET | ED_HEAD, "/console", console_index, ED_ROUTE_NOAUTH},
    {ED_GET | ED_HEAD, "/console/callback", console_index, ED_ROUTE_NOAUTH},
    {ED_GET | ED_HEAD, "/console/{file}", console_asset, ED_ROUTE_NOAUTH},
    {0, NULL, NULL, 0},
};
