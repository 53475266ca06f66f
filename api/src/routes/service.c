/* Service endpoints: liveness, readiness, metrics, the contract and its reference page. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/secrets.h"
#include "auth/ipnet.h"
#include "auth/principal_cache.h"
#include "common/embedded.h"
#include "common/err.h"
#include "http/guard.h"
#include "http/respond.h"
#include "http/static.h"
#include "routes/routes.h"
#include "service/health.h"

/* GET /healthz: the process is up and answering. */
int route_healthz(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *out = json_pack("{s:s}", "status", "ok");

	(void)req, (void)user_data;
	http_json(resp, 200, out);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* GET /readyz: the database answers and the schema is current; 503 problem+json otherwise. */
int route_readyz(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *why = NULL;
	struct problem pb = {0};
	json_t *out = NULL;
	int err = health_ready(&why, user_data);

	(void)req;
	if (err == APP_OK) {
		out = json_pack("{s:s, s:s, s:s}", "status", "ready", "database", "ok",
		                "migrations", "current");
		http_json(resp, 200, out);
	} else {
		problem_set(&pb, "not_ready", "Not ready: %s.", why ? why : "unknown");
		http_problem(resp, err, &pb); /* 503 with Retry-After */
	}
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/*
 * Whether the caller may read the metrics: the configured bearer token (compared in constant time),
 * or without one, a peer on loopback that no proxy forwarded (nginx in front adds X-Forwarded-For).
 */
static bool metrics_allowed(const struct _u_request *req, const struct app *app)
{
	const char *auth = u_map_get_case(req->map_header, "Authorization");
	char peer[46];

	if (app->cfg.metrics_token) {
		const char *given = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : "";

		return secrets_equal(given, strlen(given), app->cfg.metrics_token,
		                     strlen(app->cfg.metrics_token));
	}
	ipnet_sockaddr_string(req->client_address, peer, sizeof(peer));
	return !u_map_get_case(req->map_header, "X-Forwarded-For") &&
	       (strcmp(peer, "127.0.0.1") == 0 || strcmp(peer, "::1") == 0 ||
	        strncmp(peer, "::ffff:127.0.0.1", 16) == 0);
}

/* Appends printf-style text to *text (replaced by a longer copy). */
__attribute__((format(printf, 2, 3))) static int append(char **text, const char *fmt, ...)
{
	char *more = NULL, *all = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0)
		return APP_INTERNAL;
	n = asprintf(&all, "%s%s", *text, more);
	free(more);
	if (n < 0)
		return APP_INTERNAL;
	free(*text);
	*text = all;
	return APP_OK;
}

/* GET /metrics: Prometheus text format, for a scraper only (metrics_allowed; 404 otherwise). */
int route_metrics(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct metrics_pool pool;
	char *text = NULL;
	int err;

	if (!metrics_allowed(req, app)) {
		struct problem pb = {0};

		problem_set(&pb, "not_found", "There is nothing at this address.");
		http_problem(resp, APP_NOT_FOUND, &pb);
		problem_free(&pb);
		return U_CALLBACK_COMPLETE;
	}
	db_pool_stats(&pool, app->pool);
	err = metrics_render(&text, app->metrics, &pool, atomic_load(&app->in_flight));
	if (err == APP_OK) {
		/* the connection guard's figures (http/guard.c) */
		struct guard_stats g;

		guard_stats(&g);
		err = append(
		        &text,
		        "# HELP cabinet_http_closed_slow_total Connections closed for a request "
		        "head or body not sent in time.\n"
		        "# TYPE cabinet_http_closed_slow_total counter\n"
		        "cabinet_http_closed_slow_total %ld\n"
		        "# HELP cabinet_http_bodies_refused_total Bodies refused before they were "
		        "read.\n"
		        "# TYPE cabinet_http_bodies_refused_total counter\n"
		        "cabinet_http_bodies_refused_total{reason=\"too_large\"} %ld\n"
		        "cabinet_http_bodies_refused_total{reason=\"budget\"} %ld\n"
		        "# HELP cabinet_http_body_bytes Bytes of request bodies being received.\n"
		        "# TYPE cabinet_http_body_bytes gauge\n"
		        "cabinet_http_body_bytes %ld\n",
		        g.closed_slow, g.refused_too_large, g.refused_busy, g.body_bytes);
	}
	if (err == APP_OK && app->principals) {
		/* the principal cache (auth/principal_cache.h) and the connection feeding it */
		struct principal_cache_stats c;

		principal_cache_stats(app->principals, &c);
		err = append(
		        &text,
		        "# HELP cabinet_principal_cache_entries Principals cached by credential.\n"
		        "# TYPE cabinet_principal_cache_entries gauge\n"
		        "cabinet_principal_cache_entries %ld\n"
		        "# HELP cabinet_principal_cache_lookups_total Authentications by whether "
		        "the cache answered.\n"
		        "# TYPE cabinet_principal_cache_lookups_total counter\n"
		        "cabinet_principal_cache_lookups_total{result=\"hit\"} %ld\n"
		        "cabinet_principal_cache_lookups_total{result=\"miss\"} %ld\n"
		        "# HELP cabinet_principal_cache_invalidations_total Changes announced by "
		        "the database.\n"
		        "# TYPE cabinet_principal_cache_invalidations_total counter\n"
		        "cabinet_principal_cache_invalidations_total %ld\n"
		        "# HELP cabinet_principal_cache_flushes_total Times the whole cache was "
		        "dropped (a change of everything, the listening connection lost or back).\n"
		        "# TYPE cabinet_principal_cache_flushes_total counter\n"
		        "cabinet_principal_cache_flushes_total %ld\n"
		        "# HELP cabinet_principal_cache_listening Whether changes are heard (the "
		        "cache answers only then).\n"
		        "# TYPE cabinet_principal_cache_listening gauge\n"
		        "cabinet_principal_cache_listening %d\n",
		        c.entries, c.hits_total, c.misses_total, c.invalidations_total,
		        c.flushes_total, c.enabled ? 1 : 0);
	}
	if (err == APP_OK) {
		ulfius_set_string_body_response(resp, 200, text);
		u_map_put(resp->map_header, "Content-Type",
		          "text/plain; version=0.0.4; charset=utf-8");
	} else {
		http_problem(resp, err, NULL);
	}
	free(text);
	return U_CALLBACK_COMPLETE;
}

/* GET /openapi.yaml: the contract this binary was built with. */
int route_openapi(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	(void)req, (void)user_data;
	ulfius_set_binary_body_response(resp, 200, (const char *)cabinet_openapi[0].data,
	                                cabinet_openapi[0].len);
	u_map_put(resp->map_header, "Content-Type", "application/yaml; charset=utf-8");
	u_map_put(resp->map_header, "Cache-Control", "no-cache");
	return U_CALLBACK_COMPLETE;
}

/* GET /docs: the API reference page (swagger-ui, vendored into the web root). */
int route_docs(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct problem pb = {0};

	if (static_serve(req, resp, app->web_root, "/docs/index.html") != APP_OK) {
		problem_set(&pb, "not_found",
		            "The API reference page is not installed (web root: %s).",
		            app->web_root[0] ? "docs/index.html missing" : "missing");
		http_problem(resp, APP_NOT_FOUND, &pb);
	}
	return U_CALLBACK_COMPLETE;
}
