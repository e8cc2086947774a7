/* SPDX-License-Identifier: MIT
 * Files and folders of the HubSpot Marketing element (`hubspot`), on
 * HubSpot's files v3 API: /files (multipart upload with ?path=, search),
 * /files/{id} (read, PATCH, DELETE), /files/{id}/archive (PATCH),
 * /files/cdn/files/{id} (DELETE: CDN purge, always 200) and /folders
 * (CRUDS). Records are HubSpot's File and Folder shapes. The CRM element
 * (`hubspotcrm`) declines them (its "files" is no HubSpot object). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "elements/elements.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/hub_marketing.h"
#include "hub/paging.h"
#include "hub/resource.h"

#define FILES "/files/v3/files"
#define FOLDERS "/files/v3/folders"
#define PATH_MAX_LEN 1024 /* bytes of ?path= and folder paths */

bool hub_mkt_element(const struct hub_op *op)
{
    return strcmp(op->in.el->key, "hubspot") == 0;
}

/* --- where= on the files and folders searches --------------------------------- */

static const struct hub_where_field file_fields[] = {
    {"id", "ids"},
    {"name", "name"},
    {"path", "path"},
    {"extension", "extension"},
    {"type", "type"},
    {"encoding", "encoding"},
    {"parentFolderId", "parentFolderIds"},
    {"fileMd5", "fileMd5"},
    {"url", "url"},
    {NULL, NULL},
};

static const struct hub_where_field folder_fields[] = {
    {"id", "ids"},    {"name", "name"},
    {"path", "path"}, {"parentFolderId", "parentFolderIds"},
    {NULL, NULL},
};

int hub_mkt_where_query(struct hub_op *op, const struct hub_where_field *fields,
                        const char **query)
{
    const char *where = req_query(op->req, "where");
    const char *order = req_query(op->req, "orderBy");
    const struct ceql_options opt = {op->resource, NULL};
    json_t *q = NULL;
    char err[256];
    *query = "";
    if (order && *order)
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "orderBy is not supported on /%s", op->resource);
    if (!where || !*where)
        return 0;
    if (ceql_translate(where, NULL, &opt, &q, err, sizeof(err)) != ED_OK)
        return hub_bad_request(op, err);
    json_t *groups = json_object_get(q, "filterGroups");
    json_t *filters = json_object_get(json_array_get(groups, 0), "filters");
    const char *extra = NULL, *out = "";
    size_t i;
    json_t *f;
    if (json_object_get(q, "query"))
        extra = "free-text search (q='...')";
    else if (json_array_size(groups) != 1)
        extra = "OR";
    json_array_foreach(filters, i, f) {
        const char *prop = hub_jstr(f, "propertyName"),
                   *oper = hub_jstr(f, "operator"), *val = hub_jstr(f, "value"),
                   *param = NULL;
        if (extra)
            break;
        for (const struct hub_where_field *w = fields; w->ce && prop; w++)
            if (ed_strcaseeq(w->ce, prop))
                param = w->param;
        if (!param)
            extra = ed_arena_printf(op->req->arena, "the field '%s'",
                                    prop ? prop : "?");
        else if (!oper || strcmp(oper, "EQ") != 0 || !val)
            extra = ed_arena_printf(op->req->arena, "the operator %s on %s",
                                    oper ? oper : "?", prop);
        else
            out = ed_arena_printf(op->req->arena, "%s%c%s=%s", out,
                                  *out ? '&' : '?', param, hub_escape(op, val));
    }
    json_decref(q);
    if (extra)
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "/%s supports where with field = 'value' conditions "
                         "joined by AND; %s is not supported",
                         op->resource, extra);
    *query = out;
    return 0;
}

/* --- request bodies ---------------------------------------------------------- */

enum ftype { F_STR, F_BOOL, F_ID };

struct body_field {
    const char *name;
    enum ftype type;
};

/* Copy the members of the request body that HubSpot takes (table) into a
 * new object; any other member, or one of the wrong type, is a 400 naming
 * it. F_ID takes a string or an integer and sends a string (as_number:
 * an integer). Returns NULL after setting the error. */
static json_t *checked_body(struct hub_op *op, const struct body_field *tab,
                            bool as_number)
{
    json_t *in = op->req->body, *out = json_object(), *v;
    const char *k;
    json_object_foreach(in, k, v) {
        const struct body_field *f = NULL;
        for (const struct body_field *t = tab; t->name; t++)
            if (strcmp(t->name, k) == 0)
                f = t;
        if (!f) {
            json_decref(out);
            res_error(op->req, op->res, ED_E_BAD_REQUEST,
                      "The field '%s' is not supported on /%s", k,
                      op->resource);
            return NULL;
        }
        bool ok = (f->type == F_STR && json_is_string(v)) ||
                  (f->type == F_BOOL && json_is_boolean(v)) ||
                  (f->type == F_ID &&
                   (json_is_string(v) || json_is_integer(v)));
        if (!ok) {
            json_decref(out);
            res_error(op->req, op->res, ED_E_BAD_REQUEST,
                      "The field '%s' must be %s", k,
                      f->type == F_STR    ? "a string"
                      : f->type == F_BOOL ? "true or false"
                                          : "an id (string or integer)");
            return NULL;
        }
        if (f->type == F_ID && json_is_integer(v) && !as_number)
            json_object_set_new(out, k,
                                json_sprintf("%lld",
                                             (long long)json_integer_value(v)));
        else if (f->type == F_ID && json_is_string(v) && as_number) {
            int64_t n;
            if (!ed_all_digits(json_string_value(v)) ||
                !ed_parse_i64(json_string_value(v), &n)) {
                json_decref(out);
                res_error(op->req, op->res, ED_E_BAD_REQUEST,
                          "The field '%s' must be a numeric id", k);
                return NULL;
            }
            json_object_set_new(out, k, json_integer(n));
        } else
            json_object_set(out, k, v);
    }
    return out;
}

static int send_checked(struct hub_op *op, const char *method, const char *path,
                        const struct body_field *tab, bool as_number,
                        hub_next_fn next)
{
    int st;
    if ((st = hub_need_object(op)))
        return st;
    json_t *b = checked_body(op, tab, as_number);
    if (!b)
        return op->res->status;
    st = hub_send(op, method, path, b, false, next);
    json_decref(b);
    return st;
}

/* --- files ---------------------------------------------------------------------- */

static const char *const accesses[] = {"PUBLIC_INDEXABLE",
                                       "PUBLIC_NOT_INDEXABLE",
                                       "HIDDEN_INDEXABLE",
                                       "HIDDEN_NOT_INDEXABLE",
                                       "HIDDEN_PRIVATE",
                                       "PRIVATE",
                                       "HIDDEN_SENSITIVE",
                                       "SENSITIVE",
                                       NULL};

static const struct body_field file_update[] = {
    {"access", F_STR},        {"parentFolderId", F_ID},
    {"name", F_STR},          {"parentFolderPath", F_STR},
    {"clearExpires", F_BOOL}, {"isUsableInContent", F_BOOL},
    {"expiresAt", F_STR},     {NULL, F_STR},
};

static const struct hub_vlist_spec file_list = {'f', "after", 100, NULL};
static const struct hub_vlist_spec folder_list = {'d', "after", 100, NULL};

static int archived_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    (void)body;
    return hub_reply(op, json_pack("{s:s, s:b}", "id", op->id, "archived", 1));
}

/* True when the n bytes at p hold s. */
static bool holds(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k && i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return true;
    return false;
}

/* A name for Content-Disposition: quotes and line breaks percent-encoded
 * (as browsers do in form uploads). */
static const char *disposition_name(struct hub_op *op, const char *s)
{
    struct ed_buf b;
    ed_buf_init(&b, 4 * PATH_MAX_LEN);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\r' || *p == '\n' || *p == '\\')
            ed_buf_printf(&b, "%%%02X", (unsigned char)*p);
        else
            ed_buf_append(&b, p, 1);
    }
    ed_buf_append(&b, "", 1);
    const char *out = ed_arena_strdup(op->req->arena, b.data ? b.data : "");
    ed_buf_cleanup(&b);
    return out;
}

/* POST /files?path=/folder/name.ext with a multipart "file" part → HubSpot's
 * upload (file, fileName, folderPath, options {"access"}). */
static int file_upload(struct hub_op *op)
{
    struct ed_request *req = op->req;
    const struct hub_upload *up = &op->upload;
    const char *path = req_query(req, "path");
    const char *access = req_query(req, "access");
    const char *overwrite = req_query(req, "overwrite");
    if (!up->multipart)
        return hub_bad_request(op, "POST /files takes a multipart/form-data "
                                   "body with the file in a part named "
                                   "'file'");
    if (up->upload_error)
        return hub_bad_request(op, up->upload_error);
    if (!up->data)
        return hub_bad_request(op, "The multipart body has no 'file' part");
    if (!path || !*path)
        path = up->filename;
    if (!path || !*path)
        return hub_bad_request(op, "path is required: ?path=/folder/name.ext");
    if (strlen(path) > PATH_MAX_LEN || ed_has_control(path))
        return res_error(req, op->res, ED_E_BAD_REQUEST,
                         "path must be at most %d characters, without "
                         "control characters",
                         PATH_MAX_LEN);
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    const char *folder = slash && slash != path
                             ? ed_arena_strndup(req->arena, path,
                                                (size_t)(slash - path))
                             : "/";
    if (!*name)
        return hub_bad_request(op, "path must end with the file name");
    if (access && *access) {
        bool known = false;
        for (size_t i = 0; accesses[i]; i++)
            known = known || strcmp(accesses[i], access) == 0;
        if (!known)
            return hub_bad_request(op,
                                   "access must be one of PUBLIC_INDEXABLE, "
                                   "PUBLIC_NOT_INDEXABLE, HIDDEN_INDEXABLE, "
                                   "HIDDEN_NOT_INDEXABLE, HIDDEN_PRIVATE, "
                                   "PRIVATE, HIDDEN_SENSITIVE, SENSITIVE");
    } else {
        access = "PUBLIC_INDEXABLE";
    }
    if (overwrite && strcmp(overwrite, "true") != 0 &&
        strcmp(overwrite, "false") != 0)
        return hub_bad_request(op, "overwrite must be true or false");
    /* a boundary that the file does not contain */
    char boundary[64];
    for (int i = 0;; i++) {
        snprintf(boundary, sizeof(boundary), "----elementsd%s%d",
                 req->request_id, i);
        if (!holds(up->data, up->len, boundary))
            break;
    }
    json_t *opts = json_pack("{s:s}", "access", access);
    if (overwrite)
        json_object_set_new(opts, "overwrite",
                            json_boolean(strcmp(overwrite, "true") == 0));
    char *opts_s = json_dumps(opts, JSON_COMPACT);
    json_decref(opts);
    const char *dname = disposition_name(op, name);
    struct ed_buf b;
    ed_buf_init(&b, up->len + 8192 + 4 * PATH_MAX_LEN);
    ed_buf_printf(&b,
                  "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
                  "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
                  boundary, dname,
                  up->content_type && !ed_has_control(up->content_type)
                      ? up->content_type
                      : "application/octet-stream");
    ed_buf_append(&b, up->data, up->len);
    ed_buf_printf(&b,
                  "\r\n--%s\r\nContent-Disposition: form-data; "
                  "name=\"fileName\"\r\n\r\n%s",
                  boundary, name);
    ed_buf_printf(&b,
                  "\r\n--%s\r\nContent-Disposition: form-data; "
                  "name=\"folderPath\"\r\n\r\n%s",
                  boundary, folder);
    ed_buf_printf(&b,
                  "\r\n--%s\r\nContent-Disposition: form-data; "
                  "name=\"options\"\r\n\r\n%s\r\n--%s--\r\n",
                  boundary, opts_s, boundary);
    free(opts_s);
    const char *ct = ed_arena_printf(req->arena,
                                     "multipart/form-data; boundary=%s",
                                     boundary);
    int st = hub_send_body(op, "POST", FILES, ct, b.data, b.len, hub_done_pass);
    ed_buf_cleanup(&b);
    return st;
}

static int files_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    const char *q;
    int st;
    if (!hub_mkt_element(op))
        return HUB_DECLINE;
    if (op->id && strcmp(op->id, "cdn") == 0 && op->sub &&
        strcmp(op->sub, "files") == 0 && hub_seg(op, 3) && !hub_seg(op, 4)) {
        /* HubSpot's files v3 has no CDN purge; a file's CDN copy follows
         * its updates: nothing to do, and nothing to fail */
        if (req->method != ED_DELETE)
            return hub_no_method(op, "DELETE");
        return hub_reply(op, json_pack("{s:s}", "id", hub_seg(op, 3)));
    }
    if (!op->id) {
        if (req->method == ED_POST)
            return file_upload(op);
        if (req->method != ED_GET)
            return hub_no_method(op, "GET or POST");
        if ((st = hub_mkt_where_query(op, file_fields, &q)))
            return st;
        return hub_vlist_start(op, &file_list,
                               ed_arena_printf(req->arena, FILES "/search%s",
                                               q));
    }
    const char *path = ed_arena_printf(req->arena, FILES "/%s",
                                       hub_escape(op, op->id));
    if (op->sub) {
        if (strcmp(op->sub, "archive") != 0 || hub_seg(op, 3))
            return hub_no_resource(op);
        if (req->method != ED_PATCH)
            return hub_no_method(op, "PATCH");
        return hub_send(op, "DELETE", path, NULL, false, archived_done);
    }
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, hub_done_pass);
    case ED_PATCH:
        return send_checked(op, "PATCH", path, file_update, false,
                            hub_done_pass);
    case ED_DELETE:
        return hub_send(op, "DELETE",
                        ed_arena_printf(req->arena, "%s/gdpr-delete", path),
                        NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET, PATCH or DELETE");
    }
}

/* --- folders --------------------------------------------------------------------- */

static const struct body_field folder_create[] = {
    {"name", F_STR},
    {"parentFolderId", F_ID},
    {"parentPath", F_STR},
    {NULL, F_STR},
};

static const struct body_field folder_update[] = {
    {"name", F_STR},
    {"parentFolderId", F_ID},
    {NULL, F_STR},
};

/* POST /folders: HubSpot's FolderInput, or Cloud Elements' {"path":
 * "/a/b"} (parentPath "/a", name "b"). */
static int folder_create_send(struct hub_op *op)
{
    struct ed_request *req = op->req;
    int st;
    if ((st = hub_need_object(op)))
        return st;
    json_t *p = json_object_get(req->body, "path");
    if (p) {
        const char *s = json_string_value(p);
        if (!s || !*s || strlen(s) > PATH_MAX_LEN || ed_has_control(s))
            return hub_bad_request(op, "The field 'path' must be a folder "
                                       "path such as /a/b");
        if (json_object_get(req->body, "name") ||
            json_object_get(req->body, "parentPath"))
            return hub_bad_request(op, "Send either 'path' or 'name' (with "
                                       "'parentPath' or 'parentFolderId')");
        const char *slash = strrchr(s, '/');
        const char *name = slash ? slash + 1 : s;
        if (!*name)
            return hub_bad_request(op, "The field 'path' must end with the "
                                       "folder name");
        json_t *b = json_copy(req->body);
        json_object_del(b, "path");
        json_object_set_new(b, "name", json_string(name));
        if (slash && slash != s)
            json_object_set_new(b, "parentPath",
                                json_stringn(s, (size_t)(slash - s)));
        json_t *orig = req->body;
        req->body = b; /* checked_body reads the request's body */
        json_t *c = checked_body(op, folder_create, false);
        req->body = orig;
        json_decref(b);
        if (!c)
            return op->res->status;
        st = hub_send(op, "POST", FOLDERS, c, false, hub_done_pass);
        json_decref(c);
        return st;
    }
    if (!json_is_string(json_object_get(req->body, "name")))
        return hub_bad_request(op, "The field 'name' is required (or 'path')");
    return send_checked(op, "POST", FOLDERS, folder_create, false,
                        hub_done_pass);
}

static int folders_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    const char *q;
    int st;
    if (!hub_mkt_element(op))
        return HUB_DECLINE;
    if (op->sub)
        return hub_no_resource(op);
    if (!op->id) {
        if (req->method == ED_POST)
            return folder_create_send(op);
        if (req->method != ED_GET)
            return hub_no_method(op, "GET or POST");
        if ((st = hub_mkt_where_query(op, folder_fields, &q)))
            return st;
        return hub_vlist_start(op, &folder_list,
                               ed_arena_printf(req->arena, FOLDERS "/search%s",
                                               q));
    }
    if (!ed_all_digits(op->id))
        return hub_bad_request(op, "A folder id is numeric");
    const char *path = ed_arena_printf(req->arena, FOLDERS "/%s", op->id);
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, hub_done_pass);
    case ED_PATCH:
        return send_checked(op, "PATCH", path, folder_update, true,
                            hub_done_pass);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET, PATCH or DELETE");
    }
}

const struct hub_resource hub_files_resources[] = {
    {"files", files_handle},
    {"folders", folders_handle},
    {NULL, NULL},
};
