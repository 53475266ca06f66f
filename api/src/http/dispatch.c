/*
 * Every request enters here (Ulfius's default endpoint, no other endpoint is registered), so that
 * routing, 404 and 405, security headers, metrics and the access log are one mechanism, not a chain
 * of prioritized callbacks whose gaps answer 200 with an empty body.
 */
#include "http/dispatch.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/static.h"
#include "log.h"
#include "service/api_tokens.h"
#include "service/sessions.h"

/* Strict: no inline script or style anywhere, same-origin everything, never framed. */
static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                          "object-src 'none'; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

static void security_headers(struct _u_response *resp, const struct app *app)
{
	struct _u_map *h = resp->map_header;

	u_map_put(h, "Content-Security-Policy", CSP);
	u_map_put(h, "X-Content-Type-Options", "nosniff");
	u_map_put(h, "Referrer-Policy", "no-referrer");
	u_map_put(h, "X-Frame-Options", "DENY");
	u_map_put(h, "Cross-Origin-Opener-Policy", "same-origin");
	u_map_put(h, "Cross-Origin-Resource-Policy", "same-origin");
	u_map_put(h, "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
	if (strncmp(app->cfg.public_url, "https://", 8) == 0)
		u_map_put(h, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

bool http_request_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= 36 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static struct req_ctx *context_new(const struct _u_request *req, const struct app *app)
{
	struct req_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *given = u_map_get_case(req->map_header, "X-Request-Id");
	char peer[46];

	if (!ctx)
		return NULL;
	ctx->started_us = clock_mono_us();
	ctx->route = ROUTE_COUNT;
	if (http_request_id_ok(given))
		snprintf(ctx->request_id, sizeof(ctx->request_id), "%s", given);
	else if (secrets_random_hex(ctx->request_id, 16) != APP_OK)
		snprintf(ctx->request_id, sizeof(ctx->request_id), "unknown");
	ipnet_sockaddr_string(req->client_address, peer, sizeof(peer));
	ipnet_client_address(ctx->client_ip, peer,
	                     u_map_get_case(req->map_header, "X-Forwarded-For"),
	                     &app->trusted_proxies);
	return ctx;
}

/* Ulfius truncates bodies over max_post_body_size; refuse them instead (also chunked ones). */
static bool body_too_large(const struct _u_request *req, size_t max)
{
	const char *cl = u_map_get_case(req->map_header, "Content-Length");

	if (cl && strtoull(cl, NULL, 10) > max)
		return true;
	return req->binary_body_length > max;
}

static bool is_api_path(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* What an account that must choose a new password may still do (a one-time password was sent). */
static bool allowed_before_new_password(const struct _u_request *req)
{
	static const char *const PATHS[] = {"/api/v1/me", "/api/v1/me/password",
	                                    "/api/v1/auth/logout", NULL};

	for (const char *const *p = PATHS; *p; p++)
		if (strcmp(req->url_path, *p) == 0)
			return true;
	return false;
}

/*
 * Authenticates the bearer token and checks the route's permission; on failure answers 401 (with
 * WWW-Authenticate) or 403 and returns the error.
 */
static int authorize(const struct _u_request *req, struct _u_response *resp, struct app *app,
                     struct req_ctx *ctx, const struct route *r)
{
	const char *h = u_map_get_case(req->map_header, "Authorization");
	const char *bearer =
	        h && strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 + strspn(h + 7, " ") : NULL;
	struct problem pb = {0};
	long retry_after_s = 0;
	int err;

	if (!bearer) {
		u_map_put(resp->map_header, "WWW-Authenticate", "Bearer realm=\"cabinet\"");
		problem_set(&pb, "unauthorized",
		            "Sign in first: send Authorization: Bearer <token>.");
		err = APP_UNAUTHORIZED;
	} else if ((err = api_token_shaped(bearer)
	                          ? api_tokens_authenticate(&ctx->who, &retry_after_s, app, bearer,
	                                                    ctx->client_ip)
	                          : sessions_authenticate(&ctx->who, app, bearer,
	                                                  ctx->client_ip)) == APP_UNAUTHORIZED) {
		u_map_put(resp->map_header, "WWW-Authenticate",
		          "Bearer realm=\"cabinet\", error=\"invalid_token\"");
		problem_set(&pb, "invalid_token",
		            "The access token is invalid, expired or revoked.");
	} else if (err == APP_FORBIDDEN) {
		problem_set(&pb, "ip_not_allowed",
		            "Your account does not allow requests from this address.");
	} else if (err == APP_RATE_LIMITED) {
		char seconds[24];

		snprintf(seconds, sizeof(seconds), "%ld", retry_after_s > 0 ? retry_after_s : 1);
		u_map_put(resp->map_header, "Retry-After", seconds);
		problem_set(&pb, "rate_limited",
		            "This API token is over its rate limit; wait %s s.", seconds);
	} else if (err == APP_OK && ctx->who.must_change_password &&
	           !allowed_before_new_password(req)) {
		problem_set(&pb, "password_change_required",
		            "Choose a new password first (PUT /api/v1/me/password).");
		err = APP_FORBIDDEN;
	} else if (err == APP_OK && !principal_allows(&ctx->who, r->permission, r->access)) {
		const char *code = principal_refusal(&ctx->who, r->permission, r->access);

		if (strcmp(code, "impersonation_restricted") == 0)
			problem_set(&pb, code,
			            "Staff acting as a customer cannot change its credentials.");
		else if (strcmp(code, "token_restricted") == 0)
			problem_set(&pb, code, "An API token cannot change credentials.");
		else if (strcmp(code, "session_required") == 0)
			problem_set(&pb, code, "This acts on a session; an API token has none.");
		else
			problem_set(&pb, "forbidden", "Your role does not allow this.");
		err = APP_FORBIDDEN;
	}
	if (err != APP_OK)
		http_problem(resp, err, &pb);
	return err;
}

/* Whether the query string carries a credential: an access_token parameter or an API token. */
static bool token_in_query(const struct _u_request *req)
{
	const char **keys = u_map_enum_keys(req->map_url);

	for (size_t i = 0; keys && keys[i]; i++)
		if (strcmp(keys[i], "access_token") == 0 || strcmp(keys[i], "api_token") == 0 ||
		    api_token_shaped(u_map_get(req->map_url, keys[i])))
			return true;
	return false;
}

/* Routes under this path act on one customer's data, named by {id}. */
static const char CUSTOMER_SCOPE[] = "/api/v1/customers/{id}";

/* The bulk import takes large bodies; every other path the general limit. */
static long body_limit(const struct app *app, const struct _u_request *req)
{
	return strcmp(req->url_path, "/api/v1/customers/import") == 0 ? app->cfg.max_import_bytes
	                                                              : app->cfg.max_body_bytes;
}

static void route_request(const struct _u_request *req, struct _u_response *resp, struct app *app,
                          struct req_ctx *ctx, const char *method)
{
	char allow[64];
	struct problem pb = {0};
	size_t index;

	if (is_api_path(req->url_path) && token_in_query(req)) {
		problem_set(&pb, "token_in_query",
		            "Credentials are never accepted in a URL (they end up in logs and "
		            "histories): send Authorization: Bearer <token>.");
		http_problem(resp, APP_INVALID, &pb);
		return;
	}
	switch (router_find(&index, allow, sizeof(allow), method, req->url_path, req->map_url)) {
	case ROUTE_MATCHED:
		ctx->route = index;
		if (ROUTES[index].permission &&
		    authorize(req, resp, app, ctx, &ROUTES[index]) != APP_OK)
			return;
		/* one resource tree for all: a portal principal reaches only its own customer */
		if (strncmp(ROUTES[index].path, CUSTOMER_SCOPE, sizeof(CUSTOMER_SCOPE) - 1) == 0 &&
		    !principal_reaches_customer(&ctx->who, u_map_get(req->map_url, "id"))) {
			problem_set(&pb, "not_found", "There is no such customer.");
			http_problem(resp, APP_NOT_FOUND, &pb);
			return;
		}
		ROUTES[index].handler(req, resp, app);
		return;
	case ROUTE_NO_METHOD:
		u_map_put(resp->map_header, "Allow", allow);
		problem_set(&pb, "method_not_allowed", "%s is not allowed here; allowed: %s.",
		            method, allow);
		http_problem(resp, APP_NOT_ALLOWED, &pb);
		return;
	case ROUTE_NO_PATH:
		break;
	}
	if (is_api_path(req->url_path)) {
		problem_set(&pb, "not_found", "No API endpoint at this path.");
		http_problem(resp, APP_NOT_FOUND, &pb);
	} else if (strcmp(method, "GET") != 0) {
		u_map_put(resp->map_header, "Allow", "GET, HEAD");
		problem_set(&pb, "method_not_allowed",
		            "%s is not allowed here; allowed: GET, HEAD.", method);
		http_problem(resp, APP_NOT_ALLOWED, &pb);
	} else if (static_serve(req, resp, app->web_root, req->url_path) != APP_OK) {
		problem_set(&pb, "not_found", "Nothing exists at this address.");
		http_problem(resp, APP_NOT_FOUND, &pb);
	}
}

static void access_log(const struct _u_request *req, const struct _u_response *resp,
                       const struct req_ctx *ctx, int64_t duration_us)
{
	const char *ua = u_map_get_case(req->map_header, "User-Agent");
	json_t *f = json_pack("{s:s, s:s, s:s, s:i, s:f, s:I, s:s}", "method", req->http_verb,
	                      "path", req->url_path, "route",
	                      ctx->route < ROUTE_COUNT ? ROUTES[ctx->route].path : "", "status",
	                      (int)resp->status, "duration_ms", (double)duration_us / 1000.0,
	                      "bytes", (json_int_t)resp->binary_body_length, "ip", ctx->client_ip);

	if (!f)
		return; /* a path that is not UTF-8: jansson refuses it; the request was still answered */
	if (ua)
		json_object_set_new(f, "user_agent", json_stringn(ua, strnlen(ua, 200)));
	log_fields("access", f);
	json_decref(f);
}

int http_dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = context_new(req, app);
	const char *method = strcmp(req->http_verb, "HEAD") == 0 ? "GET" : req->http_verb;
	struct problem pb = {0};
	int64_t duration_us;

	if (!ctx) {
		http_problem(resp, APP_INTERNAL, NULL);
		return U_CALLBACK_COMPLETE;
	}
	ulfius_set_response_shared_data(resp, ctx, free);
	atomic_fetch_add(&app->in_flight, 1);
	log_set_request_id(ctx->request_id);
	security_headers(resp, app);
	u_map_put(resp->map_header, "X-Request-Id", ctx->request_id);

	if (body_too_large(req, (size_t)body_limit(app, req))) {
		problem_set(&pb, "payload_too_large", "The request body is larger than %ld bytes.",
		            body_limit(app, req));
		http_problem(resp, APP_TOO_LARGE, &pb);
		u_map_put(resp->map_header, "Connection", "close");
	} else {
		route_request(req, resp, app, ctx, method);
	}
	if (!u_map_has_key_case(resp->map_header, "Cache-Control"))
		u_map_put(resp->map_header, "Cache-Control", "no-store");
	if (atomic_load(&app->draining))
		u_map_put(resp->map_header, "Connection", "close");

	duration_us = clock_mono_us() - ctx->started_us;
	metrics_observe(app->metrics, ctx->route, (int)resp->status, duration_us);
	access_log(req, resp, ctx, duration_us);
	log_set_request_id(NULL);
	atomic_fetch_sub(&app->in_flight, 1);
	return U_CALLBACK_COMPLETE;
}
