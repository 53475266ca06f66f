/* The single Ulfius callback: request id, security headers, routing, 404/405, metrics, access log. */
#ifndef CABINET_DISPATCH_H
#define CABINET_DISPATCH_H

#include <stdbool.h>
#include <ulfius.h>

/* Ulfius default endpoint; user_data is the struct app. Always answers; never U_CALLBACK_ERROR. */
int http_dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* Whether s is acceptable as a client-supplied request id (1-36 chars of [A-Za-z0-9._-]). */
bool http_request_id_ok(const char *s);

#endif
