/* The web app's files: portal at /, admin panel at /admin/, from the canonical web root only. */
#ifndef CABINET_STATIC_H
#define CABINET_STATIC_H

#include <stddef.h>
#include <ulfius.h>

/*
 * Maps a URL path to a file under root (canonical, absolute): refuses "..", "." and dot-file segments and
 * anything that resolves (symlinks included) outside root; an unknown path without an extension falls
 * back to the app's index.html (admin/index.html under /admin). Writes the file's real path into out.
 * APP_OK or APP_NOT_FOUND.
 */
int static_resolve(char *out, size_t outlen, const char *root, const char *url_path);

/* Answers url_path from root with its content type, caching headers and ETag; APP_NOT_FOUND if none. */
int static_serve(const struct _u_request *req, struct _u_response *resp, const char *root,
                 const char *url_path);

#endif
