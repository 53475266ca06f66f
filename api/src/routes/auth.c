/* Sign-in endpoints: POST /api/v1/auth/login, /refresh, /logout. */
#include <stdbool.h>
#include <string.h>

#include "app.h"
#include "common/email.h"
#include "common/err.h"
#include "common/text.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/recovery.h"
#include "service/registration.h"
#include "service/devices.h"
#include "service/security.h"
#include "service/sessions.h"
#include "service/settings.h"
#include "auth/phone.h"
#include "auth/secrets.h"
#include "auth/policy.h"

#define REFRESH_COOKIE_PATH "/api/v1/auth"

/*
 * The refresh token goes to browsers as an HttpOnly, SameSite=Strict cookie on the auth path only,
 * one per realm ("cabinet_refresh_staff", "cabinet_refresh_portal"): the admin panel and the portal
 * share an origin, and signing in to one must not sign the browser out of the other.
 */
static void refresh_cookie_name(char out[32], const char *realm)
{
	snprintf(out, 32, "cabinet_refresh_%s", realm);
}

static void set_refresh_cookie(struct _u_response *resp, const struct app *app, const char *realm,
                               const char *value, long max_age)
{
	int secure = strncmp(app->cfg.public_url, "https://", 8) == 0;
	char name[32];

	refresh_cookie_name(name, realm);
	ulfius_add_same_site_cookie_to_response(
	        resp, name, value, max_age ? NULL : "Thu, 01 Jan 1970 00:00:00 GMT",
	        (unsigned)max_age, NULL, REFRESH_COOKIE_PATH, secure, 1, U_COOKIE_SAME_SITE_STRICT);
}

static const char *realm_of_principal(const struct principal *who)
{
	return who->kind == PRINCIPAL_STAFF ? "staff" : "portal";
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
		if (t->recovery_codes) /* the first ones, after an enrolment at sign-in */
			json_object_update(out, t->recovery_codes);
		set_refresh_cookie(resp, app, realm_of_principal(&t->who), t->refresh_token,
		                   t->refresh_max_age);
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

/* The problem of a refused sign-in (wrong credentials, a refusal after right ones, throttling). */
static void refused(struct _u_response *resp, struct problem *pb, int err, const char *refusal,
                    const char *wrong)
{
	if (err == APP_UNAUTHORIZED)
		problem_set(pb, "invalid_credentials", "%s", wrong);
	else if (err == APP_FORBIDDEN)
		problem_set(pb, refusal, "This account cannot sign in: %s.", refusal);
	else if (err == APP_RATE_LIMITED) {
		problem_set(pb, "rate_limited",
		            "Too many failed sign-ins from your address; wait a minute.");
		u_map_put(resp->map_header, "Retry-After", "60");
	} else if (err == APP_UNAVAILABLE)
		problem_set(pb, "busy", "Too many sign-ins at once; try again in a moment.");
}

/* POST /api/v1/auth/login {login, password, realm}: tokens, or the same 401 for every wrong guess. */
int route_auth_login(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	const char *login, *password, *realm = "portal", *refusal = NULL;
	json_t *body = NULL, *v;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	http_only_fields(body, (const char *const[]){"login", "password", "realm", NULL}, &pb);
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
	if (err == APP_UNAUTHORIZED && tokens.enrolment) {
		problem_set(&pb, "mfa_enrolment_required",
		            "Two-factor authentication is required: add this key to your "
		            "authenticator app, then enter its code.");
		pb.extra = json_pack("{s:s, s:O}", "mfa_token", tokens.mfa_token, "enrolment",
		                     tokens.enrolment);
	} else if (err == APP_UNAUTHORIZED && refusal && strcmp(refusal, "mfa_required") == 0) {
		problem_set(&pb, "mfa_required", "Enter the code of your authenticator app.");
		pb.extra = json_pack("{s:s}", "mfa_token", tokens.mfa_token);
	} else {
		refused(resp, &pb, err, refusal, "The login or the password is wrong.");
	}
done:
	return finish(resp, app, err, &tokens, &pb, body);
}

/* POST /api/v1/auth/token {login, api_token, realm}: a session limited to the token. */
int route_auth_token(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	const char *login, *api_token, *realm = "portal", *refusal = NULL;
	json_t *body = NULL, *v;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	http_only_fields(body, (const char *const[]){"login", "api_token", "realm", NULL}, &pb);
	login = string_field(body, "login", 254, &pb);
	api_token = string_field(body, "api_token", 100, &pb);
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
	err = sessions_token_exchange(&tokens, &refusal, app, &ci, login, api_token, realm);
	refused(resp, &pb, err, refusal, "The login or the API token is wrong.");
done:
	return finish(resp, app, err, &tokens, &pb, body);
}

/* POST /api/v1/auth/refresh?realm=: {refresh_token} in the body, or the realm's cookie. Rotates it. */
int route_auth_refresh(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	const char *realm = http_query(req, "realm"), *token;
	char cookie[32];
	json_t *body = NULL, *v;
	int err = APP_OK;

	realm = realm ? realm : "portal";
	if (strcmp(realm, "portal") && strcmp(realm, "staff")) {
		problem_set(&pb, "validation_failed", "The realm is portal or staff.");
		problem_field(&pb, "realm", "invalid", "portal or staff.");
		err = APP_INVALID;
		goto done;
	}
	refresh_cookie_name(cookie, realm);
	token = u_map_get(req->map_cookie, cookie);

	if (req->binary_body_length > 0) {
		if ((err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes,
		                                 &pb)) != APP_OK)
			goto done;
		http_only_fields(body, (const char *const[]){"refresh_token", NULL}, &pb);
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
	if (err == APP_FORBIDDEN)
		problem_set(&pb, "ip_not_allowed", "Your account does not allow this address.");
	if (err == APP_UNAUTHORIZED) {
		problem_set(&pb, "invalid_refresh_token", "The session has ended; sign in again.");
		set_refresh_cookie(resp, app, realm, "", 0);
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
		set_refresh_cookie(resp, app, realm_of_principal(&ctx->who), "", 0);
		ulfius_set_empty_body_response(resp, 204);
	} else {
		http_problem(resp, err, NULL);
	}
	return U_CALLBACK_COMPLETE;
}

/* An optional string field of at most max bytes (NULL when absent). */
static const char *optional_field(json_t *body, const char *name, size_t max, struct problem *pb)
{
	json_t *v = json_object_get(body, name);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v) || json_string_length(v) > max) {
		problem_field(pb, name, "invalid", "A string of limited length is expected.");
		return NULL;
	}
	return json_string_value(v);
}

/* POST /api/v1/auth/register: the same 202 whether or not the address was free. */
int route_auth_register(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	static const char *const FIELDS[] = {"email", "password", "first_name", "last_name",
	                                     "phone", "language", NULL};
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct registration r = {0};
	struct problem pb = {0};
	char phone[32], why[256];
	const char *code = NULL;
	json_t *body = NULL, *out = NULL;
	bool open = false;
	int err;

	if ((err = registration_open(&open, app)) != APP_OK)
		goto done;
	if (!open) {
		problem_set(&pb, "registration_closed",
		            "Accounts are created by the operator here.");
		err = APP_FORBIDDEN;
		goto done;
	}
	if ((err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb)) !=
	    APP_OK)
		goto done;
	http_only_fields(body, FIELDS, &pb);
	if ((r.email = string_field(body, "email", 254, &pb)) && !email_plausible(r.email)) {
		problem_field(&pb, "email", "invalid", "This is not an e-mail address.");
		r.email = NULL;
	}
	r.first_name = string_field(body, "first_name", 100, &pb);
	r.last_name = optional_field(body, "last_name", 100, &pb);
	if (!r.last_name)
		r.last_name = "";
	for (int i = 0; i < 2; i++) { /* names go into e-mails: one line each */
		const char *name = i ? r.last_name : r.first_name;

		if (name && !text_is_single_line(name, strlen(name)))
			problem_field(&pb, i ? "last_name" : "first_name", "invalid",
			              "One line, without control characters.");
	}
	if ((r.language = optional_field(body, "language", 2, &pb)) && strcmp(r.language, "en") &&
	    strcmp(r.language, "fr"))
		problem_field(&pb, "language", "invalid", "en or fr."); /* absent: the default */
	if ((r.phone = optional_field(body, "phone", 40, &pb)) && *r.phone) {
		if (phone_normalize(phone, sizeof(phone), r.phone, app->cfg.default_country) !=
		    APP_OK)
			problem_field(&pb, "phone", "invalid",
			              "Not a phone number; give it with its country code, e.g. +33 "
			              "6 12 34 56 78.");
		r.phone = phone;
	} else {
		r.phone = NULL;
	}
	/* policy: the password is also checked against the e-mail and name given here */
	if ((r.password = string_field(body, "password", 100000, &pb)) &&
	    password_policy_check(&code, why, sizeof(why), r.password, r.email,
	                          r.first_name ? r.first_name : "",
	                          settings_password_min_length(app)) != APP_OK) {
		problem_field(&pb, "password", code ? code : "invalid", why);
	}
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some fields are missing or invalid.");
		err = APP_INVALID;
		goto done;
	}
	if ((err = registration_register(app, &ci, &r)) == APP_OK)
		out = json_pack("{s:s, s:s}", "status", "accepted", "detail",
		                "If this address can be used, a message is on its way to it.");
done:
	http_reply(resp, err, 202, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/*
 * The one string field of a body made of it alone ({"token": ...}); every other field is named as
 * unknown. Adds field errors to pb and returns NULL when the body is not that.
 */
static const char *only_string_field(json_t *body, const char *name, const char *hint,
                                     struct problem *pb)
{
	const char *value = json_string_value(json_object_get(body, name));

	http_only_fields(body, (const char *const[]){name, NULL}, pb);
	if (!value)
		problem_field(pb, name, json_object_get(body, name) ? "invalid" : "required", hint);
	if (pb->errors)
		problem_set(pb, "validation_failed", "The body must be {\"%s\": string}.", name);
	return pb->errors ? NULL : value;
}

/* POST /api/v1/auth/confirm {token}: the link of a confirmation e-mail. */
int route_auth_confirm(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL;
	const char *token = NULL, *purpose = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK &&
	    !(token = only_string_field(body, "token", "The token of the confirmation link.", &pb)))
		err = APP_INVALID;
	if (err == APP_OK &&
	    (err = registration_confirm(app, &ci, token, &purpose)) == APP_NOT_FOUND) {
		problem_set(&pb, "invalid_token",
		            "This link is not valid: used, expired or mistyped.");
		err = APP_INVALID;
	} else if (err == APP_CONFLICT) {
		problem_set(&pb, "email_taken",
		            "Another account uses this address now; the change was not made.");
	}
	if (err == APP_OK)
		out = json_pack("{s:s, s:s}", "status", "confirmed", "purpose", purpose);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* The realm field shared by the sign-in endpoints ("portal" when absent). */
static const char *realm_field(json_t *body, struct problem *pb)
{
	json_t *v = json_object_get(body, "realm");
	const char *realm = v ? json_string_value(v) : "portal";

	if (!realm || (strcmp(realm, "portal") && strcmp(realm, "staff"))) {
		problem_field(pb, "realm", "invalid", "The realm is \"portal\" or \"staff\".");
		return "portal";
	}
	return realm;
}

/* POST /api/v1/auth/recovery {login, channel, method?, realm?}: always the same 202. */
int route_auth_recovery(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	static const char *const FIELDS[] = {"login", "channel", "method", "realm", NULL};
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	const char *login, *channel, *method, *realm;
	json_t *body = NULL, *out = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	http_only_fields(body, FIELDS, &pb);
	login = string_field(body, "login", 254, &pb);
	realm = realm_field(body, &pb);
	channel = optional_field(body, "channel", 5, &pb);
	if (!channel)
		channel = "email";
	if (strcmp(channel, "email") && strcmp(channel, "sms"))
		problem_field(&pb, "channel", "invalid", "email or sms.");
	method = optional_field(body, "method", 4, &pb);
	if (!method) /* a link by e-mail, a code by SMS */
		method = strcmp(channel, "sms") == 0 ? "code" : "link";
	if ((strcmp(method, "link") && strcmp(method, "code")) ||
	    (strcmp(method, "link") == 0 && strcmp(channel, "sms") == 0))
		problem_field(&pb, "method", "invalid",
		              "link (by e-mail) or code (by e-mail or SMS).");
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some fields are missing or invalid.");
		err = APP_INVALID;
		goto done;
	}
	if ((err = recovery_request(app, &ci, realm, login, channel, method)) == APP_OK)
		out = json_pack("{s:s, s:s}", "status", "accepted", "detail",
		                "If an account matches, a message is on its way to it.");
done:
	http_reply(resp, err, 202, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/auth/recovery/confirm {token | login + code, new_password, security_answer?, realm?} */
int route_auth_recovery_confirm(const struct _u_request *req, struct _u_response *resp,
                                void *user_data)
{
	static const char *const FIELDS[] = {
	        "login", "code", "token", "new_password", "realm", "security_answer", NULL};
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	const char *login, *code, *token, *password, *realm, *answer;
	char question[201] = "";
	json_t *body = NULL, *out = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	http_only_fields(body, FIELDS, &pb);
	realm = realm_field(body, &pb);
	answer = optional_field(body, "security_answer", 800, &pb);
	token = optional_field(body, "token", 64, &pb);
	code = optional_field(body, "code", 6, &pb);
	login = optional_field(body, "login", 254, &pb);
	password = string_field(body, "new_password", 100000, &pb);
	if (!token && !(code && login))
		problem_field(&pb, token || code ? "login" : "token", "required",
		              "Give the token of the link, or the login and the code received.");
	if (token && !secrets_is_token(token))
		token = "invalid"; /* answered like any other wrong token, below */
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some fields are missing or invalid.");
		err = APP_INVALID;
		goto done;
	}
	err = recovery_confirm(app, &ci, realm, login, code, token, password, answer, question,
	                       &fe);
	if (err == APP_INVALID && question[0]) {
		/* the holder of a valid secret is asked the question; nothing was used up */
		problem_field(&pb, fe.field, fe.code, fe.message);
		problem_set(&pb, "security_answer_required", "Answer your security question.");
		pb.extra = json_pack("{s:s}", "security_question", question);
	} else if (err == APP_INVALID) {
		problem_field(&pb, fe.field, fe.code, fe.message);
		problem_set(&pb, "validation_failed", "The password was not changed.");
	}
	if (err == APP_OK)
		out = json_pack("{s:s}", "status", "password_changed");
done:
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* An optional string field that must look like a 6-digit code. */
static const char *code_field(json_t *body, const char *name, struct problem *pb)
{
	const char *v = optional_field(body, name, 16, pb);

	if (v && (strlen(v) != 6 || strspn(v, "0123456789") != 6)) {
		problem_field(pb, name, "invalid", "A 6-digit code.");
		return NULL;
	}
	return v;
}

/* POST /api/v1/auth/login/mfa {mfa_token, code | recovery_code} */
int route_auth_login_mfa(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	static const char *const FIELDS[] = {"mfa_token", "code", "recovery_code", NULL};
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	const char *token, *code, *recovery, *refusal = NULL;
	json_t *body = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	http_only_fields(body, FIELDS, &pb);
	token = string_field(body, "mfa_token", 64, &pb);
	code = code_field(body, "code", &pb);
	recovery = optional_field(body, "recovery_code", 16, &pb);
	if (!code && !recovery && !pb.errors)
		problem_field(&pb, "code", "required", "The code of your app, or a recovery code.");
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some fields are missing or invalid.");
		err = APP_INVALID;
		goto done;
	}
	err = sessions_login_mfa(&tokens, &refusal, app, &ci, token, code, recovery);
	if (err == APP_UNAUTHORIZED)
		problem_set(&pb, refusal,
		            strcmp(refusal, "invalid_code") == 0
		                    ? "This code is not right (or was used already)."
		                    : "This sign-in has expired; start again.");
	else if (err == APP_FORBIDDEN)
		problem_set(&pb, refusal, "This account cannot sign in: %s.", refusal);
	else if (err == APP_RATE_LIMITED && refusal && strcmp(refusal, "locked") == 0)
		problem_set(
		        &pb, "locked",
		        "Too many wrong codes or passwords: this account is locked for a while.");
	else
		refused(resp, &pb, err, refusal, "");
done:
	return finish(resp, app, err, &tokens, &pb, body);
}

/* POST /api/v1/auth/not-me {token}: the link of a new-device notice; ends every session. */
int route_auth_not_me(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL;
	const char *token = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK && !(token = only_string_field(
	                               body, "token", "The token of the link in the notice.", &pb)))
		err = APP_INVALID;
	if (err == APP_OK && (err = devices_not_me(app, &ci, token)) == APP_NOT_FOUND) {
		problem_set(&pb, "invalid_token",
		            "This link is not valid: used, expired or mistyped.");
		err = APP_INVALID;
	}
	if (err == APP_OK)
		out = json_pack("{s:s}", "status", "sessions_revoked");
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/auth/impersonation {code}: the portal tab of a "log in as customer" takes its session. */
int route_auth_impersonation(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct session_tokens tokens = {0};
	struct problem pb = {0};
	json_t *body = NULL;
	const char *code = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK &&
	    !(code = only_string_field(body, "code", "The code of the hand-off link.", &pb)))
		err = APP_INVALID;
	if (err == APP_OK &&
	    (err = sessions_impersonation_exchange(&tokens, app, &ci, code)) == APP_NOT_FOUND) {
		problem_set(
		        &pb, "invalid_token",
		        "This link is not valid any more: used, expired, or its session ended.");
		err = APP_INVALID;
	}
	return finish(resp, app, err, &tokens, &pb, body);
}
