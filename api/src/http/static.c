/* Static files for the SPA. Small files only (the app and its vendored libraries): read whole. */
#include "http/static.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"

#define STATIC_MAX_BYTES (16 * 1024 * 1024)

static const struct {
	const char *ext, *type;
} CONTENT_TYPES[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(CONTENT_TYPES) / sizeof(CONTENT_TYPES[0]); i++)
		if (strcmp(dot, CONTENT_TYPES[i].ext) == 0)
			return CONTENT_TYPES[i].type;
	return "application/octet-stream";
}

/* No "..", "." or hidden segments, no backslashes, no empty segments but a trailing one. */
static bool safe_path(const char *p)
{
	if (p[0] != '/' || strchr(p, '\\'))
		return false;
	for (const char *seg = p + 1; *seg;) {
		size_t n = strcspn(seg, "/");

		if (seg[0] == '.' || (n == 0 && seg[0] == '/'))
			return false;
		seg += n + (seg[n] == '/');
	}
	return true;
}

/* realpath of root/rel if it is a regular file inside root. */
static bool inside(char *out, size_t outlen, const char *root, const char *rel)
{
	char joined[PATH_MAX], real[PATH_MAX];
	size_t rootlen = strlen(root);
	struct stat st;

	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", root, rel) >= sizeof(joined))
		return false;
	if (!realpath(joined, real))
		return false;
	if (strncmp(real, root, rootlen) != 0 || real[rootlen] != '/')
		return false; /* a symlink or a trick led outside the root */
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	return (size_t)snprintf(out, outlen, "%s", real) < outlen;
}

int static_resolve(char *out, size_t outlen, const char *root, const char *url_path)
{
	char rel[PATH_MAX];
	const char *last;
	bool admin;

	if (!root || !*root || !safe_path(url_path))
		return APP_NOT_FOUND;
	admin = strcmp(url_path, "/admin") == 0 || strncmp(url_path, "/admin/", 7) == 0;
	if ((size_t)snprintf(rel, sizeof(rel), "%s%s", url_path + 1,
	                     url_path[strlen(url_path) - 1] == '/' ? "index.html" : "") >=
	    sizeof(rel))
		return APP_NOT_FOUND;
	if (strcmp(url_path, "/admin") == 0)
		snprintf(rel, sizeof(rel), "admin/index.html");
	if (inside(out, outlen, root, rel))
		return APP_OK;
	last = strrchr(url_path, '/');
	if (strchr(last, '.'))
		return APP_NOT_FOUND; /* a missing asset stays missing */
	/* an app route such as /admin/customers/42: the app's router takes it from here */
	return inside(out, outlen, root, admin ? "admin/index.html" : "index.html") ? APP_OK
	                                                                            : APP_NOT_FOUND;
}

int static_serve(const struct _u_request *req, struct _u_response *resp, const char *root,
                 const char *url_path)
{
	char path[PATH_MAX], etag[64];
	const char *inm;
	struct stat st;
	FILE *f = NULL;
	char *data = NULL;
	int rc = APP_NOT_FOUND;

	if (static_resolve(path, sizeof(path), root, url_path) != APP_OK)
		return APP_NOT_FOUND;
	if (!(f = fopen(path, "rb")) || fstat(fileno(f), &st) != 0 || st.st_size > STATIC_MAX_BYTES)
		goto done;
	snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtime);
	u_map_put(resp->map_header, "ETag", etag);
	u_map_put(resp->map_header, "Cache-Control",
	          strncmp(url_path, "/vendor/", 8) == 0 ? "public, max-age=3600" : "no-cache");
	inm = u_map_get_case(req->map_header, "If-None-Match");
	if (inm && strcmp(inm, etag) == 0) {
		ulfius_set_empty_body_response(resp, 304);
		rc = APP_OK;
		goto done;
	}
	if (!(data = malloc((size_t)st.st_size + 1)))
		goto done;
	if (fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		goto done;
	ulfius_set_binary_body_response(resp, 200, data, (size_t)st.st_size);
	u_map_put(resp->map_header, "Content-Type", content_type(path));
	rc = APP_OK;
done:
	if (f)
		fclose(f);
	free(data);
	return rc;
}
