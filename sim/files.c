/* SPDX-License-Identifier: MIT */
/*
 * Files v3 for hubspot-sim (the contract of @hubspot/api-client's
 * codegen/files: FilesApi, FoldersApi, ModelFile, Folder): multipart
 * upload (file, fileName, folderPath or folderId, options {"access"}; the
 * folder path is created as needed) kept in memory under a size cap, read,
 * PATCH (FileUpdateInput), archive (DELETE, 204), gdpr-delete (204), search
 * with HubSpot's query filters and cursor paging; folders: create
 * (FolderInput), read by id or path, PATCH, archive, search. `url` and
 * `defaultHostingUrl` are plain (no signed URLs). Errors are HubSpot's
 * {status,message,correlationId,category}. State is process-wide, guarded
 * by st->lock (every handler runs under it) and dropped on reset.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (2u * 1024u * 1024u)   /* bytes per file */
#define STORE_MAX (32u * 1024u * 1024u) /* bytes of all files */
#define NAME_MAX_LEN 255
#define FILE_ID_BASE 180000000000ULL
#define FOLDER_ID_BASE 170000000000ULL
#define PAGE_MAX 100

struct blob {
    char id[24];
    char *data;
    size_t len;
};

static struct {
    json_t *files;   /* id -> ModelFile */
    json_t *folders; /* id -> Folder */
    struct blob *blobs;
    size_t nblobs, cap, bytes;
    uint64_t next_file, next_folder;
} fs;

static void fs_init(void)
{
    if (!fs.files) {
        fs.files = json_object();
        fs.folders = json_object();
        fs.next_file = FILE_ID_BASE;
        fs.next_folder = FOLDER_ID_BASE;
    }
}

static void blob_drop(const char *id)
{
    for (size_t i = 0; i < fs.nblobs; i++) {
        if (strcmp(fs.blobs[i].id, id) == 0) {
            fs.bytes -= fs.blobs[i].len;
            free(fs.blobs[i].data);
            fs.blobs[i] = fs.blobs[--fs.nblobs];
            return;
        }
    }
}

static void files_clear(struct sim_state *st)
{
    (void)st;
    for (size_t i = 0; i < fs.nblobs; i++)
        free(fs.blobs[i].data);
    free(fs.blobs);
    json_decref(fs.files);
    json_decref(fs.folders);
    memset(&fs, 0, sizeof(fs));
}

/* ---- helpers ------------------------------------------------------------ */

static int not_found(struct sim_request *req, struct sim_response *res,
                     const char *what, const char *id)
{
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "%s with id %s was not found", what, id);
}

static void stamp(json_t *o, const char *k, int64_t ms)
{
    char ts[32];

    sim_iso_ms(ms, ts);
    json_object_set_new(o, k, json_string(ts));
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static json_t *folder_by_path(const char *path)
{
    const char *k;
    json_t *f;

    json_object_foreach(fs.folders, k, f) {
        const char *p = jstr(f, "path");
        if (p && strcmp(p, path) == 0 &&
            !json_is_true(json_object_get(f, "archived")))
            return f;
    }
    return NULL;
}

static json_t *folder_new(struct sim_request *req, const char *name,
                          const json_t *parent)
{
    char id[24], path[2048];
    json_t *f;

    snprintf(id, sizeof(id), "%llu", (unsigned long long)++fs.next_folder);
    snprintf(path, sizeof(path), "%s/%s", parent ? jstr(parent, "path") : "",
             name);
    f = json_pack("{s:s, s:s, s:s, s:b}", "id", id, "name", name, "path", path,
                  "archived", 0);
    if (parent)
        json_object_set_new(f, "parentFolderId",
                            json_string(jstr(parent, "id")));
    stamp(f, "createdAt", req->now_ms);
    stamp(f, "updatedAt", req->now_ms);
    json_object_set_new(fs.folders, id, f);
    return f;
}

/* The folder at path ("/a/b"), created with its parents when create. NULL
 * for "/" or "" (the root), or when missing and !create; *bad on a path
 * with an empty or overlong segment. */
static json_t *folder_path(struct sim_request *req, const char *path,
                           bool create, bool *bad)
{
    json_t *parent = NULL;
    const char *p = path;
    char seg[NAME_MAX_LEN + 1], so_far[2048] = "";

    *bad = false;
    while (*p == '/')
        p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        json_t *f;

        if (n == 0 || n > NAME_MAX_LEN ||
            strlen(so_far) + n + 2 > sizeof(so_far)) {
            *bad = true;
            return NULL;
        }
        memcpy(seg, p, n);
        seg[n] = '\0';
        snprintf(so_far + strlen(so_far), sizeof(so_far) - strlen(so_far),
                 "/%s", seg);
        f = folder_by_path(so_far);
        if (!f && !create)
            return NULL;
        if (!f)
            f = folder_new(req, seg, parent);
        parent = f;
        p += n;
        while (*p == '/')
            p++;
    }
    return parent;
}

static const char *file_type(const char *ext)
{
    static const char *const img[] = {"png", "jpg",  "jpeg", "gif",
                                      "svg", "webp", NULL};
    static const char *const doc[] = {"pdf", "doc",  "docx", "txt",  "csv",
                                      "xls", "xlsx", "ppt",  "pptx", NULL};
    for (size_t i = 0; ext && img[i]; i++)
        if (sim_str_ieq(ext, img[i]))
            return "IMG";
    for (size_t i = 0; ext && doc[i]; i++)
        if (sim_str_ieq(ext, doc[i]))
            return "DOCUMENT";
    return "OTHER";
}

/* path, url and defaultHostingUrl from parent folder, name and extension */
static void file_place(struct sim_request *req, json_t *file)
{
    const char *pid = jstr(file, "parentFolderId");
    json_t *parent = pid ? json_object_get(fs.folders, pid) : NULL;
    const char *ext = jstr(file, "extension");
    const char *host = sim_req_header(req, "Host");
    char path[2048], url[2600];

    snprintf(path, sizeof(path), "%s/%s%s%s",
             parent ? jstr(parent, "path") : "", jstr(file, "name"),
             ext && *ext ? "." : "", ext ? ext : "");
    snprintf(url, sizeof(url), "http://%s/hubfs/%lld%s",
             host ? host : "localhost",
             (long long)(req->auth.hub_id ? req->auth.hub_id
                                          : req->st->cfg->portal_id),
             path);
    json_object_set_new(file, "path", json_string(path));
    json_object_set_new(file, "url", json_string(url));
    json_object_set_new(file, "defaultHostingUrl", json_string(url));
}

/* ---- multipart ----------------------------------------------------------- */

struct part {
    char name[64];
    char filename[NAME_MAX_LEN + 1];
    const char *data;
    size_t len;
};

static const char *find(const char *h, size_t n, const char *needle, size_t k)
{
    for (size_t i = 0; k && i + k <= n; i++)
        if (memcmp(h + i, needle, k) == 0)
            return h + i;
    return NULL;
}

/* A Content-Disposition parameter (name="..."), bounded. */
static void disp_param(const char *hdr, size_t n, const char *key, char *out,
                       size_t cap)
{
    char pat[32];
    const char *p, *e;

    out[0] = '\0';
    snprintf(pat, sizeof(pat), "; %s=\"", key);
    p = find(hdr, n, pat, strlen(pat));
    if (!p)
        return;
    p += strlen(pat);
    e = memchr(p, '"', n - (size_t)(p - hdr));
    if (!e || (size_t)(e - p) >= cap)
        return;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
}

/* Split a multipart/form-data body; returns the number of parts (at most
 * max), or -1 when it is not one. */
static int multipart(const struct sim_request *req, struct part *parts, int max)
{
    const char *ct = sim_req_header(req, "Content-Type");
    const char *b = ct ? strstr(ct, "boundary=") : NULL;
    char delim[96];
    const char *p, *end = req->body + req->body_len;
    int n = 0;

    if (!b || !sim_str_prefix(ct, "multipart/form-data") || !req->body)
        return -1;
    b += strlen("boundary=");
    if (*b == '"')
        b++;
    snprintf(delim, sizeof(delim), "--%.*s", (int)strcspn(b, "\";"), b);
    p = find(req->body, req->body_len, delim, strlen(delim));
    while (p && n < max) {
        const char *hs = p + strlen(delim), *he, *next;

        if (end - hs >= 2 && memcmp(hs, "--", 2) == 0)
            return n; /* the closing delimiter */
        if (end - hs < 2 || memcmp(hs, "\r\n", 2) != 0)
            return -1;
        hs += 2;
        he = find(hs, (size_t)(end - hs), "\r\n\r\n", 4);
        if (!he)
            return -1;
        next = find(he + 4, (size_t)(end - he - 4), delim, strlen(delim));
        if (!next || next - (he + 4) < 2)
            return -1;
        disp_param(hs, (size_t)(he - hs), "name", parts[n].name,
                   sizeof(parts[n].name));
        disp_param(hs, (size_t)(he - hs), "filename", parts[n].filename,
                   sizeof(parts[n].filename));
        parts[n].data = he + 4;
        parts[n].len = (size_t)(next - 2 - (he + 4)); /* CRLF before delim */
        n++;
        p = next;
    }
    return -1;
}

static const struct part *part_named(const struct part *parts, int n,
                                     const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(parts[i].name, name) == 0)
            return &parts[i];
    return NULL;
}

/* A text part as a NUL-terminated copy in buf, or NULL. */
static const char *part_text(const struct part *parts, int n, const char *name,
                             char *buf, size_t cap)
{
    const struct part *p = part_named(parts, n, name);

    if (!p || p->len >= cap)
        return NULL;
    memcpy(buf, p->data, p->len);
    buf[p->len] = '\0';
    return buf;
}

static const char *const accesses[] = {"PUBLIC_INDEXABLE",
                                       "PUBLIC_NOT_INDEXABLE",
                                       "HIDDEN_INDEXABLE",
                                       "HIDDEN_NOT_INDEXABLE",
                                       "HIDDEN_PRIVATE",
                                       "PRIVATE",
                                       "HIDDEN_SENSITIVE",
                                       "SENSITIVE",
                                       NULL};

static bool access_ok(const char *a)
{
    for (size_t i = 0; a && accesses[i]; i++)
        if (strcmp(accesses[i], a) == 0)
            return true;
    return false;
}

/* Split "report.pdf" into name "report" and extension "pdf". */
static void split_name(json_t *file, const char *full)
{
    const char *dot = strrchr(full, '.');

    if (dot && dot != full && dot[1]) {
        json_object_set_new(file, "name",
                            json_stringn(full, (size_t)(dot - full)));
        json_object_set_new(file, "extension", json_string(dot + 1));
    } else {
        json_object_set_new(file, "name", json_string(full));
        json_object_set_new(file, "extension", json_string(""));
    }
    json_object_set_new(file, "type",
                        json_string(file_type(jstr(file, "extension"))));
}

/* ---- files ---------------------------------------------------------------- */

static int h_upload(struct sim_request *req, struct sim_response *res)
{
    struct part parts[16];
    int n = multipart(req, parts, 16);
    const struct part *fp;
    char fname[NAME_MAX_LEN + 1], fpath[1100], fid[32], optbuf[1024], id[24],
        acc[32];
    const char *name, *fpath_s, *folder_id, *opt_s, *access;
    json_t *opts, *folder = NULL, *file;
    json_error_t je;
    bool bad;

    fs_init();
    if (n < 0)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "The request must be multipart/form-data", NULL);
    fp = part_named(parts, n, "file");
    if (!fp)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Required request part 'file' is not present",
                             NULL);
    opt_s = part_text(parts, n, "options", optbuf, sizeof(optbuf));
    opts = opt_s ? json_loads(opt_s, 0, &je) : NULL;
    access = jstr(opts, "access");
    if (!access_ok(access)) {
        json_decref(opts);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "options must be JSON with a valid access",
                             json_pack("{s:{s:[s]}}", "context", "access",
                                       "invalid"));
    }
    sim_strlcpy(acc, access, sizeof(acc));
    access = acc;
    json_decref(opts);
    if (fp->len > FILE_MAX || fs.bytes + fp->len > STORE_MAX)
        return sim_res_errorf(req, res, 413, "VALIDATION_ERROR",
                              "File exceeds the maximum size of %u bytes",
                              FILE_MAX);
    name = part_text(parts, n, "fileName", fname, sizeof(fname));
    if (!name || !*name)
        name = fp->filename[0] ? fp->filename : NULL;
    if (!name || strchr(name, '/'))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "A fileName (without /) is required", NULL);
    folder_id = part_text(parts, n, "folderId", fid, sizeof(fid));
    fpath_s = part_text(parts, n, "folderPath", fpath, sizeof(fpath));
    if (folder_id && *folder_id) {
        folder = json_object_get(fs.folders, folder_id);
        if (!folder)
            return not_found(req, res, "Folder", folder_id);
    } else if (fpath_s) {
        folder = folder_path(req, fpath_s, true, &bad);
        if (bad)
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "Invalid folderPath", NULL);
    } else {
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "One of folderId or folderPath is required", NULL);
    }
    snprintf(id, sizeof(id), "%llu", (unsigned long long)++fs.next_file);
    file = json_pack("{s:s, s:s, s:b, s:I, s:b, s:s}", "id", id, "access",
                     access, "archived", 0, "size", (json_int_t)fp->len,
                     "isUsableInContent", 1, "sourceGroup", "CONTENT");
    split_name(file, name);
    if (folder)
        json_object_set_new(file, "parentFolderId",
                            json_string(jstr(folder, "id")));
    stamp(file, "createdAt", req->now_ms);
    stamp(file, "updatedAt", req->now_ms);
    file_place(req, file);
    if (fs.nblobs == fs.cap) {
        fs.cap = fs.cap ? fs.cap * 2 : 16;
        fs.blobs = sim_xrealloc(fs.blobs, fs.cap * sizeof(*fs.blobs));
    }
    sim_strlcpy(fs.blobs[fs.nblobs].id, id, sizeof(fs.blobs[0].id));
    fs.blobs[fs.nblobs].data = sim_xmalloc(fp->len + 1);
    memcpy(fs.blobs[fs.nblobs].data, fp->data, fp->len);
    fs.blobs[fs.nblobs].len = fp->len;
    fs.nblobs++;
    fs.bytes += fp->len;
    json_object_set_new(fs.files, id, file);
    return sim_res_json(res, 201, json_incref(file));
}

static json_t *file_or_404(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    json_t *f;

    fs_init();
    f = json_object_get(fs.files, id);
    if (!f)
        not_found(req, res, "File", id);
    return f;
}

static int h_file_get(struct sim_request *req, struct sim_response *res)
{
    json_t *f = file_or_404(req, res);

    return f ? sim_res_json(res, 200, json_incref(f)) : res->status;
}

static int h_file_patch(struct sim_request *req, struct sim_response *res)
{
    json_t *f = file_or_404(req, res), *in, *v;
    const char *k;
    bool bad;

    if (!f)
        return res->status;
    if (!(in = sim_req_object_or_respond(req, res)))
        return res->status;
    v = json_object_get(in, "access");
    if (v && !access_ok(json_string_value(v)))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid access", NULL);
    v = json_object_get(in, "parentFolderId");
    if (v) {
        const char *pid = json_string_value(v);
        if (!pid || !json_object_get(fs.folders, pid))
            return not_found(req, res, "Folder", pid ? pid : "null");
        json_object_set_new(f, "parentFolderId", json_string(pid));
    }
    v = json_object_get(in, "parentFolderPath");
    if (json_is_string(v)) {
        json_t *folder = folder_path(req, json_string_value(v), true, &bad);
        if (bad)
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "Invalid parentFolderPath", NULL);
        if (folder)
            json_object_set_new(f, "parentFolderId",
                                json_string(jstr(folder, "id")));
        else
            json_object_del(f, "parentFolderId");
    }
    json_object_foreach(in, k, v) {
        if ((strcmp(k, "access") == 0 || strcmp(k, "expiresAt") == 0) &&
            json_is_string(v))
            json_object_set(f, k, v);
        else if (strcmp(k, "isUsableInContent") == 0 && json_is_boolean(v))
            json_object_set(f, k, v);
        else if (strcmp(k, "name") == 0 && json_is_string(v) &&
                 *json_string_value(v) && !strchr(json_string_value(v), '/'))
            json_object_set(f, k, v);
        else if (strcmp(k, "clearExpires") == 0 && json_is_true(v))
            json_object_del(f, "expiresAt");
    }
    stamp(f, "updatedAt", req->now_ms);
    file_place(req, f);
    return sim_res_json(res, 200, json_incref(f));
}

static int h_file_archive(struct sim_request *req, struct sim_response *res)
{
    json_t *f = file_or_404(req, res);

    if (!f)
        return res->status;
    json_object_set_new(f, "archived", json_true());
    stamp(f, "archivedAt", req->now_ms);
    return sim_res_empty(res, 204);
}

static int h_file_gdpr(struct sim_request *req, struct sim_response *res)
{
    json_t *f = file_or_404(req, res);

    if (!f)
        return res->status;
    blob_drop(sim_req_param(req, "id"));
    json_object_del(fs.files, sim_req_param(req, "id"));
    return sim_res_empty(res, 204);
}

/* ---- search (files and folders) ------------------------------------------ */

static bool in_csv(const char *csv, const char *v)
{
    size_t n = strlen(v);

    for (const char *p = csv; p && *p;) {
        const char *c = strchr(p, ',');
        size_t k = c ? (size_t)(c - p) : strlen(p);
        if (k == n && strncmp(p, v, n) == 0)
            return true;
        p = c ? c + 1 : NULL;
    }
    return false;
}

static bool matches(const struct sim_request *req, const json_t *o,
                    const char *const *params)
{
    for (size_t i = 0; params[i]; i++) {
        const char *q = sim_req_query(req, params[i]);
        const char *v;

        if (!q)
            continue;
        if (strcmp(params[i], "ids") == 0)
            v = jstr(o, "id");
        else if (strcmp(params[i], "parentFolderIds") == 0)
            v = jstr(o, "parentFolderId");
        else
            v = jstr(o, params[i]);
        if (!v || !(strcmp(params[i], "ids") == 0 ||
                            strcmp(params[i], "parentFolderIds") == 0
                        ? in_csv(q, v)
                        : strcmp(q, v) == 0))
            return false;
    }
    return true;
}

static int64_t id_num(const char *s)
{
    int64_t v = 0;

    sim_parse_i64(s, &v);
    return v;
}

static int cmp_ids(const void *a, const void *b)
{
    int64_t x = id_num(*(const char *const *)a);
    int64_t y = id_num(*(const char *const *)b);

    return x < y ? -1 : x > y;
}

static int search(struct sim_request *req, struct sim_response *res,
                  json_t *all, const char *const *params, const char *path)
{
    const char *after_s = sim_req_query(req, "after");
    const char *limit_s = sim_req_query(req, "limit");
    int64_t limit = 10, after = 0;
    const char **ids, *k;
    json_t *results = json_array(), *body, *o;
    size_t n = 0, i;

    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1)) ||
        (after_s && !sim_parse_i64(after_s, &after))) {
        json_decref(results);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid limit or after parameter", NULL);
    }
    if (limit > PAGE_MAX)
        limit = PAGE_MAX;
    ids = sim_xcalloc(json_object_size(all) + 1, sizeof(*ids));
    json_object_foreach(all, k, o)
        ids[n++] = k;
    qsort(ids, n, sizeof(*ids), cmp_ids);
    body = json_pack("{s:o}", "results", results);
    for (i = 0; i < n; i++) {
        o = json_object_get(all, ids[i]);
        if (id_num(ids[i]) < after ||
            json_is_true(json_object_get(o, "archived")) ||
            !matches(req, o, params))
            continue;
        if ((int64_t)json_array_size(results) == limit) {
            const char *host = sim_req_header(req, "Host");
            char link[512];

            snprintf(link, sizeof(link), "http://%s%s?after=%s",
                     host ? host : "localhost", path, ids[i]);
            json_object_set_new(body, "paging",
                                json_pack("{s:{s:s,s:s}}", "next", "after",
                                          ids[i], "link", link));
            break;
        }
        json_array_append(results, o);
    }
    free(ids);
    return sim_res_json(res, 200, body);
}

static int h_file_search(struct sim_request *req, struct sim_response *res)
{
    static const char *const params[] = {"ids",       "name", "path",
                                         "extension", "type", "encoding",
                                         "fileMd5",   "url",  "parentFolderIds",
                                         NULL};

    fs_init();
    return search(req, res, fs.files, params, "/files/v3/files/search");
}

/* ---- folders --------------------------------------------------------------- */

static int h_folder_search(struct sim_request *req, struct sim_response *res)
{
    static const char *const params[] = {"ids", "name", "path",
                                         "parentFolderIds", NULL};

    fs_init();
    return search(req, res, fs.folders, params, "/files/v3/folders/search");
}

static int h_folder_create(struct sim_request *req, struct sim_response *res)
{
    json_t *in = sim_req_object_or_respond(req, res), *parent = NULL, *f;
    const char *name, *pid, *ppath;
    char path[2048];
    bool bad;

    fs_init();
    if (!in)
        return res->status;
    name = jstr(in, "name");
    pid = jstr(in, "parentFolderId");
    ppath = jstr(in, "parentPath");
    if (!name || !*name || strlen(name) > NAME_MAX_LEN || strchr(name, '/'))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "name is required (without /)",
                             json_pack("{s:{s:[s]}}", "context", "name",
                                       "required"));
    if (pid) {
        parent = json_object_get(fs.folders, pid);
        if (!parent)
            return not_found(req, res, "Folder", pid);
    } else if (ppath) {
        parent = folder_path(req, ppath, false, &bad);
        if (bad || (!parent && strcmp(ppath, "/") != 0 && *ppath))
            return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                                  "Folder with path %s was not found", ppath);
    }
    snprintf(path, sizeof(path), "%s/%s", parent ? jstr(parent, "path") : "",
             name);
    if (folder_by_path(path))
        return sim_res_errorf(req, res, 409, "CONFLICT",
                              "A folder already exists at %s", path);
    f = folder_new(req, name, parent);
    return sim_res_json(res, 201, json_incref(f));
}

/* :id is a numeric id or, as HubSpot allows, a folder path */
static json_t *folder_or_404(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    json_t *f;
    int64_t n;
    bool bad;

    fs_init();
    if (sim_parse_i64(id, &n))
        f = json_object_get(fs.folders, id);
    else
        f = folder_path(req, id, false, &bad);
    if (!f)
        not_found(req, res, "Folder", id);
    return f;
}

static int h_folder_get(struct sim_request *req, struct sim_response *res)
{
    json_t *f = folder_or_404(req, res);

    return f ? sim_res_json(res, 200, json_incref(f)) : res->status;
}

/* Rewrite the paths of folder f's subtree and files after a move/rename. */
static void repath(struct sim_request *req, json_t *f)
{
    const char *fid = jstr(f, "id"), *k;
    json_t *pf, *o;
    char path[2048];

    pf = jstr(f, "parentFolderId")
             ? json_object_get(fs.folders, jstr(f, "parentFolderId"))
             : NULL;
    snprintf(path, sizeof(path), "%s/%s", pf ? jstr(pf, "path") : "",
             jstr(f, "name"));
    json_object_set_new(f, "path", json_string(path));
    json_object_foreach(fs.folders, k, o) {
        const char *p = jstr(o, "parentFolderId");
        if (p && strcmp(p, fid) == 0)
            repath(req, o);
    }
    json_object_foreach(fs.files, k, o) {
        const char *p = jstr(o, "parentFolderId");
        if (p && strcmp(p, fid) == 0)
            file_place(req, o);
    }
}

static int h_folder_patch(struct sim_request *req, struct sim_response *res)
{
    json_t *f = folder_or_404(req, res), *in, *v;

    if (!f)
        return res->status;
    if (!(in = sim_req_object_or_respond(req, res)))
        return res->status;
    v = json_object_get(in, "name");
    if (v && (!json_is_string(v) || !*json_string_value(v) ||
              strchr(json_string_value(v), '/')))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", "Invalid name",
                             NULL);
    if (v)
        json_object_set(f, "name", v);
    v = json_object_get(in, "parentFolderId");
    if (v) {
        char id[32];
        if (!json_is_integer(v))
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "parentFolderId must be a number", NULL);
        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(v));
        if (!json_object_get(fs.folders, id) || strcmp(id, jstr(f, "id")) == 0)
            return not_found(req, res, "Folder", id);
        json_object_set_new(f, "parentFolderId", json_string(id));
    }
    stamp(f, "updatedAt", req->now_ms);
    repath(req, f);
    return sim_res_json(res, 200, json_incref(f));
}

static int h_folder_archive(struct sim_request *req, struct sim_response *res)
{
    json_t *f = folder_or_404(req, res);

    if (!f)
        return res->status;
    json_object_set_new(f, "archived", json_true());
    stamp(f, "archivedAt", req->now_ms);
    return sim_res_empty(res, 204);
}

static const char *const file_scopes[] = {"files", NULL};

static const struct sim_route files_routes[] = {
    {"POST", "/files/v3/files", h_upload, SIM_R_AUTH, SIM_SCOPE_LIST,
     file_scopes},
    {"GET", "/files/v3/files/search", h_file_search, SIM_R_AUTH, SIM_SCOPE_LIST,
     file_scopes},
    {"GET", "/files/v3/files/:id", h_file_get, SIM_R_AUTH, SIM_SCOPE_LIST,
     file_scopes},
    {"PATCH", "/files/v3/files/:id", h_file_patch, SIM_R_AUTH | SIM_R_JSON,
     SIM_SCOPE_LIST, file_scopes},
    {"DELETE", "/files/v3/files/:id", h_file_archive, SIM_R_AUTH,
     SIM_SCOPE_LIST, file_scopes},
    {"DELETE", "/files/v3/files/:id/gdpr-delete", h_file_gdpr, SIM_R_AUTH,
     SIM_SCOPE_LIST, file_scopes},
    {"POST", "/files/v3/folders", h_folder_create, SIM_R_AUTH | SIM_R_JSON,
     SIM_SCOPE_LIST, file_scopes},
    {"GET", "/files/v3/folders/search", h_folder_search, SIM_R_AUTH,
     SIM_SCOPE_LIST, file_scopes},
    {"GET", "/files/v3/folders/:id", h_folder_get, SIM_R_AUTH, SIM_SCOPE_LIST,
     file_scopes},
    {"PATCH", "/files/v3/folders/:id", h_folder_patch, SIM_R_AUTH | SIM_R_JSON,
     SIM_SCOPE_LIST, file_scopes},
    {"DELETE", "/files/v3/folders/:id", h_folder_archive, SIM_R_AUTH,
     SIM_SCOPE_LIST, file_scopes},
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_files = {
    .name = "files",
    .routes = files_routes,
    .clear = files_clear,
};
