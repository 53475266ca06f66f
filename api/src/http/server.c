/* Server start-up with libmicrohttpd options set explicitly (Ulfius ignores its own bind/timeout). */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "http/dispatch.h"
#include "http/guard.h"
#include "log.h"

int http_server_start(struct http_server *srv, struct app *app)
{
	const struct config *cfg = &app->cfg;
	struct sockaddr_storage ss = {0};
	/*
	 * per-connection: a handler that waits (password hashing, a slow query) delays only its own
	 * client. pool: fewer threads and more requests per second for fast handlers, but a slow handler
	 * holds every connection of its thread. bench/run measures both.
	 */
	bool pool = strcmp(cfg->http_model, "pool") == 0;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_TURBO |
	                     MHD_USE_ERROR_LOG |
	                     (pool ? MHD_USE_EPOLL : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL);

	memset(srv, 0, sizeof(*srv));
	if (strchr(cfg->listen_host, ':')) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET6, cfg->listen_host, &a6->sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)cfg->listen_port);
		inet_pton(AF_INET, cfg->listen_host, &a4->sin_addr);
	}
	struct MHD_OptionItem options[] = {
	        {MHD_OPTION_SOCK_ADDR, 0, &ss},
	        /* per-connection threads need little stack; the pool option must then be absent */
	        {pool ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_THREAD_STACK_SIZE,
	         pool ? cfg->http_threads : 512 * 1024, NULL},
	        {MHD_OPTION_CONNECTION_LIMIT, cfg->http_connection_limit, NULL},
	        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->http_per_ip_limit, NULL},
	        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->http_timeout_s, NULL},
	        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
	        /* the guard follows connections and requests, then hands over to Ulfius */
	        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)guard_connection, NULL},
	        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)guard_request_completed, NULL},
	        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
	        {MHD_OPTION_END, 0, NULL},
	};

	if (guard_start(app) != APP_OK) {
		log_error("cannot start the connection guard");
		return APP_INTERNAL;
	}
	if (ulfius_init_instance(&srv->instance, (unsigned)cfg->listen_port, NULL, NULL) != U_OK) {
		log_error("cannot initialise the HTTP instance");
		return APP_INTERNAL;
	}
	/* one byte more than allowed, so an over-limit body is seen (and refused) rather than cut */
	srv->instance.max_post_body_size =
	        (size_t)(cfg->max_import_bytes > cfg->max_body_bytes ? cfg->max_import_bytes
	                                                             : cfg->max_body_bytes) +
	        1;
	ulfius_set_default_endpoint(&srv->instance, http_dispatch, app);
	if (ulfius_start_framework_with_mhd_options(&srv->instance, flags, options) != U_OK) {
		log_error("cannot listen on %s (address in use or not available)", cfg->listen);
		ulfius_clean_instance(&srv->instance);
		return APP_INTERNAL;
	}
	srv->started = 1;
	log_info("listening on http://%s (%s, connection limit %ld)", cfg->listen,
	         pool ? "thread pool" : "thread per connection", cfg->http_connection_limit);
	return APP_OK;
}

void http_server_drain_and_stop(struct http_server *srv, struct app *app, long grace_s)
{
	int64_t deadline;
	MHD_socket listen_fd;

	if (!srv->started)
		return;
	atomic_store(&app->draining, true);
	/* stop accepting; connections already accepted go on being served */
	listen_fd = MHD_quiesce_daemon(srv->instance.mhd_daemon);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	log_info("draining: %ld request(s) in flight", atomic_load(&app->in_flight));
	deadline = clock_mono_ms() + grace_s * 1000;
	while (atomic_load(&app->in_flight) > 0 && clock_mono_ms() < deadline) {
		struct timespec ts = {0, 20 * 1000000L};

		nanosleep(&ts, NULL);
	}
	if (atomic_load(&app->in_flight) > 0)
		log_warn("grace period over with %ld request(s) still running",
		         atomic_load(&app->in_flight));
	else {
		/* let the last responses leave the socket buffers before connections are closed */
		struct timespec settle = {0, 100 * 1000000L};

		nanosleep(&settle, NULL);
	}
	ulfius_stop_framework(&srv->instance);
	ulfius_clean_instance(&srv->instance);
	guard_stop();
	srv->started = 0;
}
