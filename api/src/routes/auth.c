/* Sign-in endpoints: POST /api/v1/auth/login, /refresh, /logout. */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/sessions.h"

#define REFRESH_COOKIE      "cabinet_refresh"
#define REFRESH_COOKIE_PATH "/api/v1/auth"

/* The refresh token goes to browsers as an HttpOnly, SameSite=Strict cookie on the auth path only. */
static void set_refresh_cookie(struct _u_response *resp, const struct app *app, const char *value,
                               long max_age)
{
	int secure = strncmp(app->cfg.public_url, "https://", 8) == 0;

	ulfius_add_same_site_cookie_to_response(
	        resp, REFRESH_COOKIE, value, max_age ? NULL : "Thu, 01 Jan 1970 00:00:00 GMT",
	        (unsigned)max_age, NULL, REFRESH_COOKIE_PATH, secure, 1, U_COOKIE_SAME_SITE_STRICT);
}

/* Ends login and refresh: the tokens on success, else the problem; frees what both own. */
static int finish(struct _u_response *resp, struct app *app, int err, struct session_tokens *t,
                  struct problem *pb, json_t *body)
{
	json_t *out = NULL;

	if (err == APP_OK) {
		out = json_pack("{s:s, s:s, s:i, s:s, s:o}", "access_token", t->access_token,
		                "token_type", "Bearer", "expires_in", (int)t->expires_in,
		                "refresh_token", t->refresh_token, "principal",
		                principal_to_json(&t->who));
		set_refresh_cookie(resp, app, t->refresh_token, t->refresh_max_age);
	}
	http_reply(resp, err, 200, out, pb);
	json_decref(out);
	session_tokens_clear(t);
	problem_free(pb);
	json_decref(body);
	return U_CALLBACK_COMPLETE;
}

/* A required string field of 1..max bytes; adds a field error otherwise. */
static const char *string_field(json_t *body, const char *name, size_t max, struct problem *pb)
{
	json_t *v = json_object_get(body, name);
	size_t n = json_is_string(v) ? json_string_length(v) : 0;

	if (!v) {
		problem_field(pb, name, "required", "This field is required.");
		return NULL;
	}
	if (!json_is_string(v) || n == 0 || n > max) {
		problem_field(pb, name, "invalid",
		              "A non-empty string of limited length is required.");
		return NULL;
	}
	return json_string_value(v);
}

/* POST /api/v1/auth/login {login, password, realm}: tokens, or the same 401 for every wrong guess. */
int route_auth_login(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	const char *login, *password, *realm = "portal", *refusal = NULL, *key;
	json_t *body = NULL, *v;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	json_object_foreach(body, key, v) if (strcmp(key, "login") && strcmp(key, "password") &&
	                                      strcmp(key, "realm"))
	        problem_field(&pb, key, "unknown_field", "This field is not accepted.");
	login = string_field(body, "login", 254, &pb);
	password = string_field(body, "password", 1024, &pb); /* longer is refused before hashing */
	if ((v = json_object_get(body, "realm"))) {
		realm = json_string_value(v);
		if (!realm || (strcmp(realm, "portal") && strcmp(realm, "staff")))
			problem_field(&pb, "realm", "invalid",
			              "The realm is \"portal\" or \"staff\".");
	}
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some fields are missing or invalid.");
		err = APP_INVALID;
		goto done;
	}
	err = sessions_login(&tokens, &refusal, app, &ci, login, password, realm);
	if (err == APP_UNAUTHORIZED)
		problem_set(&pb, "invalid_credentials", "The login or the password is wrong.");
	else if (err == APP_FORBIDDEN)
		problem_set(&pb, refusal, "This account cannot sign in: %s.", refusal);
	else if (err == APP_RATE_LIMITED) {
		problem_set(&pb, "rate_limited",
		            "Too many failed sign-ins from your address; wait a minute.");
		u_map_put(resp->map_header, "Retry-After", "60");
	} else if (err == APP_UNAVAILABLE)
		problem_set(&pb, "busy", "Too many sign-ins at once; try again in a moment.");
done:
	return finish(resp, app, err, &tokens, &pb, body);
}

/* POST /api/v1/auth/refresh: {refresh_token} in the body, or the cookie. Rotates the token. */
int route_auth_refresh(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	const char *token = u_map_get(req->map_cookie, REFRESH_COOKIE), *key;
	json_t *body = NULL, *v;
	int err = APP_OK;

	if (req->binary_body_length > 0) {
		if ((err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes,
		                                 &pb)) != APP_OK)
			goto done;
		json_object_foreach(body, key, v) if (strcmp(key, "refresh_token"))
		        problem_field(&pb, key, "unknown_field", "This field is not accepted.");
		if ((v = json_object_get(body, "refresh_token")) && !json_is_string(v))
			problem_field(&pb, "refresh_token", "invalid", "A string is required.");
		if (pb.errors) {
			problem_set(&pb, "validation_failed", "Some fields are invalid.");
			err = APP_INVALID;
			goto done;
		}
		if (v)
			token = json_string_value(v);
	}
	err = sessions_refresh(&tokens, app, &ci, token);
	if (err == APP_UNAUTHORIZED) {
		problem_set(&pb, "invalid_refresh_token", "The session has ended; sign in again.");
		set_refresh_cookie(resp, app, "", 0);
	}
done:
	return finish(resp, app, err, &tokens, &pb, body);
}

/* POST /api/v1/auth/logout: ends the caller's session and clears the cookie. */
int route_auth_logout(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	int err = sessions_logout(app, &ci, &ctx->who);

	if (err == APP_OK) {
		set_refresh_cookie(resp, app, "", 0);
		ulfius_set_empty_body_response(resp, 204);
	} else {
		http_problem(resp, err, NULL);
	}
	return U_CALLBACK_COMPLETE;
}
