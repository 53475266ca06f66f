/* The HTTP server: Ulfius over libmicrohttpd with explicit limits, and graceful draining. */
#ifndef CABINET_SERVER_H
#define CABINET_SERVER_H

#include <ulfius.h>

#include "app.h"

struct http_server {
	struct _u_instance instance;
	int started;
};

/* Binds CABINET_LISTEN and starts the worker threads. APP_OK or APP_INTERNAL (logged). */
int http_server_start(struct http_server *srv, struct app *app);

/*
 * Stops accepting connections, waits up to grace_s for in-flight requests to finish (asking clients to
 * close kept-alive connections), then stops the server and frees it.
 */
void http_server_drain_and_stop(struct http_server *srv, struct app *app, long grace_s);

#endif
