/* Built web assets: web_root/<app>/… where app is "work" under /work/ and
 * "portal" elsewhere. Hashed assets are cached for a year; HTML is always
 * revalidated; unknown non-asset paths get the app's index.html so the
 * single-page router can handle them. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config.h"
#include "http/server_internal.h"

static const struct {
    const char *ext, *type;
} mimes[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
    {".png", "image/png"},                 {".jpg", "image/jpeg"},
    {".ico", "image/x-icon"},              {".json", "application/json"},
    {".woff2", "font/woff2"},              {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

void tb_static_init(void) {}

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof mimes / sizeof mimes[0]; i++)
        if (!strcmp(dot, mimes[i].ext))
            return mimes[i].type;
    return "application/octet-stream";
}

static bool regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static size_t send_file(h2o_req_t *req, tb_req *r, const char *file, const char *cache)
{
    const char *mime = mime_of(file);
    tb_http_security_headers(req, r->request_id);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, cache, strlen(cache));
    r->status = 200;
    if (h2o_file_send(req, 200, "OK", file, h2o_iovec_init(mime, strlen(mime)), 0) != 0) {
        r->status = 404;
        return 0;
    }
    struct stat st;
    return stat(file, &st) == 0 ? (size_t)st.st_size : 0;
}

static size_t not_found(h2o_req_t *req, tb_req *r)
{
    static const char body[] = "<!doctype html><meta charset=utf-8><title>404</title><p>页面不存在</p>";
    r->status = 404;
    tb_http_security_headers(req, r->request_id);
    req->res.status = 404;
    req->res.reason = "Not Found";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/html; charset=utf-8"));
    req->res.content_length = sizeof body - 1;
    h2o_send_inline(req, body, sizeof body - 1);
    return sizeof body - 1;
}

size_t tb_static_serve(h2o_req_t *req, tb_req *r)
{
    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
        return not_found(req, r);
    const char *app = "portal", *rel = r->path;
    if (!strncmp(rel, "/work/", 6) || !strcmp(rel, "/work")) {
        app = "work";
        rel += 5;
    }
    char file[1024];
    int n = snprintf(file, sizeof file, "%s/%s%s%s", tb_cfg.web_root, app, rel,
                     rel[0] == '\0' || rel[strlen(rel) - 1] == '/' ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof file || strstr(rel, "/.."))
        return not_found(req, r);
    if (regular_file(file)) {
        bool hashed = strstr(rel, "/assets/") != NULL;
        return send_file(req, r, file, hashed ? "public, max-age=31536000, immutable" : "no-cache");
    }
    if (strstr(rel, "/assets/") || strrchr(rel, '.') > strrchr(rel, '/'))
        return not_found(req, r);   /* a missing file, not a page route */
    snprintf(file, sizeof file, "%s/%s/index.html", tb_cfg.web_root, app);
    if (!regular_file(file))
        return not_found(req, r);
    return send_file(req, r, file, "no-cache");
}
