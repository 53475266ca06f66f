/* Service endpoints: liveness, readiness, metrics, the contract and its reference page. */
#include <string.h>

#include "app.h"
#include "common/embedded.h"
#include "common/err.h"
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

/* GET /metrics: Prometheus text format. */
int route_metrics(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct metrics_pool pool;
	char *text = NULL;
	int err;

	(void)req;
	db_pool_stats(&pool, app->pool);
	err = metrics_render(&text, app->metrics, &pool, atomic_load(&app->in_flight));
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
