/*
 * Connection guard. Ulfius starts libmicrohttpd with its own access handler, reads every body into
 * memory before any callback of ours runs, and truncates a body over max_post_body_size instead of
 * refusing it. So this file defines MHD_start_daemon: Ulfius's call resolves to it (the program's
 * symbols come first), and it starts the daemon with guard_access in front of Ulfius's handler.
 * guard_access sees each request when its head is complete, before any body byte is read.
 *
 * Per connection (MHD's socket context) it keeps a deadline: for the head from the accept or the
 * end of the previous request, for the body from the end of the head. A watchdog thread shuts down
 * the socket of a connection past its deadline; MHD then closes it. The shutdown happens under the
 * same lock as the close notification, which MHD sends before it closes the descriptor, so a
 * descriptor reused by a new connection is never touched.
 */
#include "http/guard.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "http/respond.h"
#include "log.h"

#define WATCH_EVERY_MS 250
#define IMPORT_PATH    "/api/v1/customers/import"

struct conn_state {
	struct conn_state *prev, *next;
	int fd;
	int64_t deadline_ms; /* monotonic; 0: none (the handler runs) */
	bool in_request;     /* the head of the current request was seen */
	bool refused;        /* a response was queued at the head: the body is discarded */
	int overflow;        /* a body without length passed its limit (APP_TOO_LARGE) or the
	                        budget (APP_UNAVAILABLE): discarded, answered once it ends */
	size_t limit, seen;  /* the body's limit and the bytes received */
	size_t reserved;     /* bytes of the memory budget held by this request */
};

static struct {
	struct app *app;
	MHD_AccessHandlerCallback inner;
	void *inner_cls;
	pthread_mutex_t lock;
	struct conn_state *head; /* every open connection */
	pthread_t watchdog;
	bool running;
	atomic_bool stop;
	atomic_long closed_slow, refused_too_large, refused_busy, body_bytes;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER};

/*
 * Ulfius starts its daemon through this function: the same daemon, with guard_access in front of
 * Ulfius's handler. MHD_start_daemon_va is libmicrohttpd's own entry with a va_list.
 */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...);

static enum MHD_Result guard_access(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls);

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	g.inner = dh;
	g.inner_cls = dh_cls;
	va_start(ap, dh_cls);
	d = MHD_start_daemon_va(flags, port, apc, apc_cls, guard_access, NULL, ap);
	va_end(ap);
	return d;
}

static void release_budget(struct conn_state *st)
{
	if (st->reserved)
		atomic_fetch_sub(&g.body_bytes, (long)st->reserved);
	st->reserved = 0;
}

/* Takes n bytes of the shared budget; false when they do not fit. */
static bool reserve_budget(struct conn_state *st, size_t n)
{
	long budget = g.app->cfg.body_budget_bytes;

	if (atomic_fetch_add(&g.body_bytes, (long)n) + (long)n > budget) {
		atomic_fetch_sub(&g.body_bytes, (long)n);
		return false;
	}
	st->reserved += n;
	return true;
}

/* Whether the request may send the import's larger body: a staff access token that verifies. */
static bool import_allowed(struct MHD_Connection *c, const char *url, const char *method)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	struct token_keys keys = {.secret = g.app->cfg.jwt_secret, .issuer = g.app->cfg.public_url};
	struct token_claims claims;

	return strcmp(method, "POST") == 0 && strcmp(url, IMPORT_PATH) == 0 && auth &&
	       strncmp(auth, "Bearer ", 7) == 0 &&
	       token_verify(&claims, &keys, auth + 7, clock_now()) == APP_OK &&
	       strcmp(claims.realm, "staff") == 0;
}

/* Answers the request at once, before its body is read; MHD closes the connection after. */
static enum MHD_Result refuse(struct MHD_Connection *c, struct conn_state *st, int err,
                              const char *detail)
{
	struct problem pb = {0};
	json_t *body;
	char *text;
	struct MHD_Response *r;
	enum MHD_Result ok = MHD_NO;

	problem_set(&pb, err == APP_TOO_LARGE ? "payload_too_large" : "busy", "%s", detail);
	body = problem_body(err, &pb, NULL);
	text = json_dumps(body, JSON_COMPACT);
	if (text &&
	    (r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY))) {
		MHD_add_response_header(r, "Content-Type", "application/problem+json");
		MHD_add_response_header(r, "Connection", "close");
		if (err == APP_UNAVAILABLE)
			MHD_add_response_header(r, "Retry-After", "1");
		ok = MHD_queue_response(c, (unsigned)http_status_of(err), r);
		MHD_destroy_response(r);
	}
	free(text);
	json_decref(body);
	problem_free(&pb);
	st->refused = true;
	return ok;
}

/* The first call of a request: its head is complete. Decides the body's limit and deadline. */
static enum MHD_Result head_complete(struct MHD_Connection *c, struct conn_state *st,
                                     const char *url, const char *method)
{
	const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *chunked = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
	const struct config *cfg = &g.app->cfg;
	unsigned long long announced = 0;
	bool body;

	st->in_request = true;
	st->refused = false;
	st->overflow = 0;
	st->seen = 0;
	st->limit = (size_t)(import_allowed(c, url, method) ? cfg->max_import_bytes
	                                                    : cfg->max_body_bytes);
	if (length)
		announced = strtoull(length, NULL, 10);
	body = (length && announced > 0) || chunked;
	pthread_mutex_lock(&g.lock);
	st->deadline_ms = body ? clock_mono_ms() + cfg->http_body_timeout_s * 1000 : 0;
	pthread_mutex_unlock(&g.lock);
	if (announced > st->limit) {
		atomic_fetch_add(&g.refused_too_large, 1);
		return refuse(c, st, APP_TOO_LARGE,
		              "The body is larger than this request may send; nothing was read.");
	}
	/* an announced body takes its share of the budget now, a chunked one as it comes */
	if (announced && !reserve_budget(st, (size_t)announced)) {
		atomic_fetch_add(&g.refused_busy, 1);
		return refuse(
		        c, st, APP_UNAVAILABLE,
		        "The server is receiving too many large bodies; try again in a moment.");
	}
	return MHD_YES;
}

static enum MHD_Result guard_access(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_state *st = info ? info->socket_context : NULL;

	(void)cls;
	if (st && !st->in_request && head_complete(connection, st, url, method) != MHD_YES)
		return MHD_NO;
	if (st && st->refused) { /* answered already: what arrives of the body is dropped */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st && st->overflow && *upload_data_size) { /* dropped, never buffered */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st && st->overflow) /* the whole request is in: now it can be answered */
		return refuse(
		        connection, st, st->overflow,
		        st->overflow == APP_TOO_LARGE
		                ? "The body is larger than this request may send."
		                : "The server is receiving too many large bodies; try again.");
	if (st && *upload_data_size) {
		st->seen += *upload_data_size;
		/* more than announced, or a chunked body over its limit or the budget */
		if (st->seen > st->limit)
			st->overflow = APP_TOO_LARGE;
		else if (st->seen > st->reserved && !reserve_budget(st, st->seen - st->reserved))
			st->overflow = APP_UNAVAILABLE;
		if (st->overflow) {
			atomic_fetch_add(st->overflow == APP_TOO_LARGE ? &g.refused_too_large
			                                               : &g.refused_busy,
			                 1);
			*upload_data_size = 0;
			return MHD_YES;
		}
	} else if (st && st->seen) {
		pthread_mutex_lock(&g.lock);
		st->deadline_ms =
		        0; /* the whole request is in: the handler's time is not the client's */
		pthread_mutex_unlock(&g.lock);
	}
	return g.inner(g.inner_cls, connection, url, method, version, upload_data, upload_data_size,
	               con_cls);
}

void guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                      enum MHD_ConnectionNotificationCode toe)
{
	struct conn_state *st = *socket_context;

	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
		        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (!g.app || !fd || !(st = calloc(1, sizeof(*st))))
			return; /* unguarded, but served */
		st->fd = fd->connect_fd;
		pthread_mutex_lock(&g.lock);
		st->deadline_ms = clock_mono_ms() + g.app->cfg.http_head_timeout_s * 1000;
		st->next = g.head;
		if (g.head)
			g.head->prev = st;
		g.head = st;
		pthread_mutex_unlock(&g.lock);
		*socket_context = st;
		return;
	}
	if (!st)
		return;
	/* MHD closes the descriptor after this returns: the watchdog must be done with it */
	pthread_mutex_lock(&g.lock);
	if (st->prev)
		st->prev->next = st->next;
	else
		g.head = st->next;
	if (st->next)
		st->next->prev = st->prev;
	pthread_mutex_unlock(&g.lock);
	release_budget(st);
	free(st);
	*socket_context = NULL;
}

void guard_request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info =
	        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_state *st = info ? info->socket_context : NULL;

	if (st) {
		release_budget(st);
		pthread_mutex_lock(&g.lock);
		st->in_request = st->refused = false;
		st->overflow = 0;
		st->seen = 0;
		/* a kept-alive connection has the same time to send its next head */
		st->deadline_ms = clock_mono_ms() + g.app->cfg.http_head_timeout_s * 1000;
		pthread_mutex_unlock(&g.lock);
	}
	mhd_request_completed(cls, connection, con_cls, toe);
}

static void *watch(void *unused)
{
	(void)unused;
	while (!atomic_load(&g.stop)) {
		struct timespec pause = {0, WATCH_EVERY_MS * 1000000L};
		int64_t now = clock_mono_ms();
		long closed = 0;

		pthread_mutex_lock(&g.lock);
		for (struct conn_state *st = g.head; st; st = st->next)
			if (st->deadline_ms && now > st->deadline_ms) {
				shutdown(st->fd, SHUT_RDWR); /* MHD sees the end and closes it */
				st->deadline_ms = 0;
				closed++;
			}
		pthread_mutex_unlock(&g.lock);
		if (closed) {
			atomic_fetch_add(&g.closed_slow, closed);
			log_warn("closed %ld connection(s) whose request did not arrive in time",
			         closed);
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}

int guard_start(struct app *app)
{
	g.app = app;
	atomic_store(&g.stop, false);
	if (pthread_create(&g.watchdog, NULL, watch, NULL) != 0)
		return APP_INTERNAL;
	g.running = true;
	return APP_OK;
}

void guard_stop(void)
{
	if (!g.running)
		return;
	atomic_store(&g.stop, true);
	pthread_join(g.watchdog, NULL);
	g.running = false;
}

void guard_stats(struct guard_stats *out)
{
	out->closed_slow = atomic_load(&g.closed_slow);
	out->refused_too_large = atomic_load(&g.refused_too_large);
	out->refused_busy = atomic_load(&g.refused_busy);
	out->body_bytes = atomic_load(&g.body_bytes);
}
