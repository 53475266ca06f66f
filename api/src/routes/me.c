/* The caller's own account: GET /api/v1/me, PUT /me/password, the /me/sessions endpoints. */
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "auth/token.h"
#include "common/email.h"
#include "common/prefs.h"
#include "common/err.h"
#include "common/text.h"
#include <stdio.h>
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "auth/phone.h"
#include "service/profile.h"
#include "service/security.h"
#include "service/sessions.h"
#include "service/twofactor.h"

/* The caller and its profile, as GET and PATCH /api/v1/me answer. */
static void reply_me(struct _u_response *resp, int err, const struct principal *who,
                     json_t *profile, const struct problem *pb)
{
	json_t *out = NULL;

	if (err == APP_OK) {
		out = principal_to_json(who);
		json_object_set(out, "profile", profile);
	}
	http_reply(resp, err, 200, out, pb);
	json_decref(out);
}

/*
 * GET /api/v1/me: who the caller is, with its profile and preferences. The hottest read: the
 * profile's JSON text from PostgreSQL is spliced in as is, never parsed.
 */
int route_me_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	char *profile = NULL, *who = NULL, *body = NULL;
	json_t *principal;
	int err = profile_get_text(&profile, user_data, &ctx->who);
	size_t n;

	(void)req;
	if (err == APP_OK) {
		principal = principal_to_json(&ctx->who);
		who = json_dumps(principal, JSON_COMPACT);
		json_decref(principal);
		/* {...} + ,"profile":<text>} */
		if (!who || (n = strlen(who)) < 2 ||
		    asprintf(&body, "%.*s,\"profile\":%s}", (int)(n - 1), who, profile) < 0) {
			body = NULL;
			err = APP_INTERNAL;
		}
	}
	if (err == APP_OK)
		http_json_text(resp, 200, body);
	else
		http_problem(resp, err, NULL);
	free(body);
	free(who);
	free(profile);
	return U_CALLBACK_COMPLETE;
}

/* Checks one field of a PATCH /me body; adds a field error when it is wrong. */
static void check_profile_field(json_t *patch, const char *key, json_t *v, enum principal_kind kind,
                                const struct app *app, struct problem *pb)
{
	/* who has the field: customers and individuals (portal), customers only, or staff */
	enum { PORTAL, CUSTOMER, STAFF };
	static const struct {
		const char *name;
		size_t max;
		int owner;
	} TEXT[] = {{"first_name", 100, PORTAL},
	            {"last_name", 100, PORTAL},
	            {"company", 200, CUSTOMER},
	            {"time_zone", 64, PORTAL},
	            {"display_name", 200, STAFF}};
	bool customer = PRINCIPAL_IN_PORTAL(kind); /* the portal's preferences */
	char phone[32];

	for (size_t i = 0; i < sizeof(TEXT) / sizeof(TEXT[0]); i++) {
		if (strcmp(key, TEXT[i].name) != 0)
			continue;
		if (TEXT[i].owner == STAFF      ? kind != PRINCIPAL_STAFF
		    : TEXT[i].owner == CUSTOMER ? kind != PRINCIPAL_CUSTOMER
		                                : !customer)
			break;
		if (!text_line_ok(v, TEXT[i].max))
			problem_field(pb, key, "invalid",
			              "One line of limited length is expected.");
		return;
	}
	if (customer && strcmp(key, "language") == 0) {
		if (!prefs_language_known(json_string_value(v)))
			problem_field(pb, key, "invalid", "en or fr.");
	} else if (customer &&
	           (!strcmp(key, "date_input_format") || !strcmp(key, "date_output_format"))) {
		if (!prefs_date_format_known(json_string_value(v)))
			problem_field(pb, key, "invalid",
			              "YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY.");
	} else if (customer && strcmp(key, "phone") == 0) {
		if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
			json_object_set_new(patch, key, json_null()); /* removes the number */
		else if (!json_is_string(v) ||
		         phone_normalize(phone, sizeof(phone), json_string_value(v),
		                         app->cfg.default_country) != APP_OK)
			problem_field(pb, key, "invalid",
			              "Not a phone number; give it with its country code.");
		else
			json_object_set_new(patch, key, json_string(phone));
	} else if (strcmp(key, "email") == 0) {
		problem_field(pb, key, "not_here",
		              "A new e-mail address needs its own confirmation: PUT /me/email.");
	} else if (strcmp(key, "current_password") == 0) {
		if (!json_is_string(v))
			problem_field(pb, key, "invalid", "Your current password.");
		json_object_del(patch, key); /* checked by the handler, never stored */
	} else {
		problem_field(pb, key, "unknown_field", "This field is not accepted.");
	}
}

/* PATCH /api/v1/me: the caller's own profile and preferences. */
int route_me_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	const char *key;
	json_t *body = NULL, *patch = NULL, *v, *profile = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	patch = json_deep_copy(body); /* normalized values (phone) replace the typed ones */
	json_object_foreach(body, key, v)
	        check_profile_field(patch, key, v, ctx->who.kind, app, &pb);
	/* a phone number signs in and receives recovery codes: changing it is a sensitive change */
	if (!pb.errors && json_object_get(patch, "phone")) {
		struct account a;
		const char *password = json_string_value(json_object_get(body, "current_password"));

		if (!password)
			problem_field(&pb, "current_password", "required",
			              "Changing the phone number needs your current password.");
		else if ((err = security_check_password(&a, app, &ctx->who, &ci, password, &fe)) ==
		         APP_INVALID)
			problem_field(&pb, fe.field, fe.code, fe.message);
		else if (err == APP_RATE_LIMITED && fe.code) {
			problem_set(&pb, fe.code, "%s", fe.message);
			goto done;
		} else if (err != APP_OK)
			goto done;
	}
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Nothing was changed: see the field errors.");
		err = APP_INVALID;
		goto done;
	}
	if ((err = profile_update(&profile, app, &ctx->who, &ci, patch, &fe)) == APP_INVALID) {
		problem_set(&pb, "validation_failed", "Nothing was changed: see the field errors.");
		problem_field(&pb, fe.field, fe.code, fe.message);
	}
done:
	reply_me(resp, err, &ctx->who, profile, &pb);
	json_decref(profile);
	json_decref(patch);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/me/phone {code}: the code sent to a new phone number applies it. */
int route_me_phone(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	json_t *body = NULL, *profile = NULL;
	const char *code = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK) {
		http_only_fields(body, (const char *const[]){"code", NULL}, &pb);
		code = json_string_value(json_object_get(body, "code"));
		if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
			problem_field(&pb, "code", code ? "invalid" : "required",
			              "The 6-digit code sent to the new number.");
		if (pb.errors) {
			problem_set(&pb, "validation_failed",
			            "Some fields are missing or invalid.");
			err = APP_INVALID;
		}
	}
	if (err == APP_OK && (err = profile_confirm_phone(&profile, app, &ctx->who, &ci, code,
	                                                  &fe)) == APP_INVALID) {
		problem_set(&pb, "validation_failed", "The phone number was not changed.");
		problem_field(&pb, fe.field, fe.code, fe.message);
	}
	reply_me(resp, err, &ctx->who, profile, &pb);
	json_decref(profile);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* PUT /api/v1/me/password {current_password, new_password}: ends the caller's other sessions. */
int route_me_password(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct field_error fe;
	struct problem pb = {0};
	const char *current = NULL, *next = NULL;
	json_t *body = NULL, *v;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK)
		goto done;
	http_only_fields(body, (const char *const[]){"current_password", "new_password", NULL},
	                 &pb);
	if (!json_is_string(v = json_object_get(body, "current_password")) ||
	    !json_string_length(v))
		problem_field(&pb, "current_password", v ? "invalid" : "required",
		              "Your current password.");
	else
		current = json_string_value(v);
	if (!json_is_string(v = json_object_get(body, "new_password")))
		problem_field(&pb, "new_password", v ? "invalid" : "required", "The new password.");
	else
		next = json_string_value(v);
	if (!pb.errors && (err = sessions_change_password(app, &ctx->who, &ci, current, next,
	                                                  &fe)) == APP_INVALID)
		problem_field(&pb, fe.field, fe.code, fe.message);
	else if (err == APP_RATE_LIMITED && fe.code) /* locked by wrong passwords */
		problem_set(&pb, fe.code, "%s", fe.message);
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "The password was not changed.");
		err = APP_INVALID;
	}
done:
	if (err == APP_OK)
		ulfius_set_empty_body_response(resp, 204);
	else
		http_problem(resp, err, &pb);
	problem_free(&pb);
	json_decref(body);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/me/sessions */
int route_me_sessions(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	json_t *items = NULL, *out = NULL;
	int err = sessions_list_mine(&items, user_data, &ctx->who);

	(void)req;
	if (err == APP_OK)
		out = json_pack("{s:o}", "items", items);
	http_reply(resp, err, 200, out, NULL);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* DELETE /api/v1/me/sessions/{id}: ends one of the caller's sessions (the current one included). */
int route_me_session_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = u_map_get(req->map_url, "id");
	struct problem pb = {0};
	int err = token_is_uuid(id) ? sessions_revoke_mine(user_data, &ctx->who, &ci, id)
	                            : APP_NOT_FOUND;

	if (err == APP_OK) {
		ulfius_set_empty_body_response(resp, 204);
	} else {
		if (err == APP_NOT_FOUND)
			problem_set(&pb, "not_found", "You have no live session with this id.");
		http_problem(resp, err, &pb);
	}
	return U_CALLBACK_COMPLETE;
}

/* DELETE /api/v1/me/sessions: signs out everywhere but here. */
int route_me_sessions_delete(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	int err = sessions_revoke_others(user_data, &ctx->who, &ci);

	if (err == APP_OK)
		ulfius_set_empty_body_response(resp, 204);
	else
		http_problem(resp, err, NULL);
	return U_CALLBACK_COMPLETE;
}

static int finish_change(struct _u_response *resp, int err, int status,
                         const struct field_error *fe, struct problem *pb, json_t *body);

/*
 * The optional {current_password} of a sensitive change with no other body (an empty body is
 * fine), checked by security_reauthenticate. fe on a refusal.
 */
static int reauthenticate(const struct _u_request *req, struct req_ctx *ctx, struct app *app,
                          struct field_error *fe, struct problem *pb)
{
	struct client_info ci = req_client(req, ctx);
	struct account a;
	json_t *body = NULL;
	const char *password = NULL;
	int err = APP_OK;

	memset(fe, 0, sizeof(*fe));
	if (req->binary_body_length > 0 &&
	    (err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, pb)) ==
	            APP_OK) {
		http_only_fields(body, (const char *const[]){"current_password", NULL}, pb);
		password = json_string_value(json_object_get(body, "current_password"));
		if (json_object_get(body, "current_password") && !password)
			problem_field(pb, "current_password", "invalid", "Your current password.");
		if (pb->errors) {
			problem_set(pb, "validation_failed", "Some fields are missing or invalid.");
			err = APP_INVALID;
		}
	}
	if (err == APP_OK)
		err = security_reauthenticate(&a, app, &ctx->who, &ci, password, fe);
	json_decref(body);
	return err;
}

/* POST /api/v1/me/2fa {current_password?}: starts enrolment (a new secret, its otpauth:// URI). */
int route_me_2fa_enrol(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct problem pb = {0};
	struct field_error fe;
	json_t *out = NULL;
	int err = reauthenticate(req, ctx, user_data, &fe, &pb);

	if (err == APP_OK)
		err = twofactor_enrol(&out, user_data, &ctx->who);
	if (err == APP_CONFLICT)
		problem_set(&pb, "already_enabled",
		            "Two-factor authentication is on; turn it off first.");
	else if (err == APP_FORBIDDEN)
		problem_set(&pb, "two_factor_off",
		            "Two-factor authentication is turned off for this account.");
	if (err != APP_OK)
		return finish_change(resp, err, 200, &fe, &pb, NULL);
	http_json(resp, 200, out);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* Reads {code} or {code | recovery_code} (allow_recovery) from the body. */
static int read_factor(const char **code_out, const char **recovery_out,
                       const struct _u_request *req, struct app *app, bool allow_recovery,
                       struct problem *pb, json_t **body_out)
{
	int err = http_read_json_object(body_out, req, (size_t)app->cfg.max_body_bytes, pb);

	*code_out = *recovery_out = NULL;
	if (err != APP_OK)
		return err;
	http_only_fields(*body_out,
	                 allow_recovery ? (const char *const[]){"code", "recovery_code",
	                                                        "current_password", NULL}
	                                : (const char *const[]){"code", NULL},
	                 pb);
	*code_out = json_string_value(json_object_get(*body_out, "code"));
	*recovery_out = allow_recovery
	                        ? json_string_value(json_object_get(*body_out, "recovery_code"))
	                        : NULL;
	if (*code_out && (strlen(*code_out) != 6 || strspn(*code_out, "0123456789") != 6))
		problem_field(pb, "code", "invalid", "A 6-digit code.");
	if (!*code_out && !*recovery_out)
		problem_field(pb, "code", "required", "The code of your authenticator app.");
	if (pb->errors) {
		problem_set(pb, "validation_failed", "Some fields are missing or invalid.");
		return APP_INVALID;
	}
	return APP_OK;
}

static void invalid_code(struct problem *pb)
{
	problem_set(pb, "invalid_code", "This code is not right (or was used already).");
	problem_field(pb, "code", "invalid_code", "This code is not right (or was used already).");
}

typedef int (*codes_fn)(json_t **out, struct app *app, const struct principal *who,
                        const struct client_info *ci, const char *code);

/* {code} in, {recovery_codes} out: turning 2FA on and renewing the codes share this shape. */
static int reply_codes(const struct _u_request *req, struct _u_response *resp, struct app *app,
                       codes_fn fn)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	const char *code, *unused;
	json_t *body = NULL, *out = NULL;
	int err = read_factor(&code, &unused, req, app, false, &pb, &body);

	if (err == APP_OK && (err = fn(&out, app, &ctx->who, &ci, code)) == APP_INVALID)
		invalid_code(&pb);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/me/2fa/confirm {code}: turns 2FA on; answers the recovery codes, shown once. */
int route_me_2fa_confirm(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return reply_codes(req, resp, user_data, twofactor_confirm);
}

/*
 * DELETE /api/v1/me/2fa {code | recovery_code, current_password?}: a code proves the second factor,
 * the password (or a sign-in of less than 5 minutes) the first.
 */
int route_me_2fa_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe = {0};
	struct account a;
	const char *code, *recovery;
	json_t *body = NULL;
	int err = read_factor(&code, &recovery, req, user_data, true, &pb, &body);

	if (err == APP_OK)
		err = security_reauthenticate(
		        &a, user_data, &ctx->who, &ci,
		        json_string_value(json_object_get(body, "current_password")), &fe);
	if (err == APP_OK &&
	    (err = twofactor_disable(user_data, &ctx->who, &ci, code, recovery)) == APP_INVALID)
		invalid_code(&pb);
	else if (err == APP_CONFLICT)
		problem_set(&pb, "two_factor_required",
		            "Two-factor authentication is required for this account; it stays on.");
	return finish_change(resp, err, 204, &fe, &pb, body);
}

/* POST /api/v1/me/2fa/recovery-codes {code}: new recovery codes, the old ones stop working. */
int route_me_2fa_codes(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return reply_codes(req, resp, user_data, twofactor_new_codes);
}

/* GET /api/v1/me/trusted-ips */
int route_me_ips_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	json_t *out = json_pack("{s:s}", "trusted_ips", ctx->who.trusted_ips);

	(void)req, (void)user_data;
	http_json(resp, 200, out);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* PUT /api/v1/me/trusted-ips {trusted_ips, current_password?, exclude_current?} */
int route_me_ips_put(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	const char *text = NULL, *password = NULL;
	int exclude = 0;
	json_t *body = NULL, *out = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK) {
		json_t *flag = json_object_get(body, "exclude_current");

		http_only_fields(body,
		                 (const char *const[]){"trusted_ips", "current_password",
		                                       "exclude_current", NULL},
		                 &pb);
		text = json_string_value(json_object_get(body, "trusted_ips"));
		password = json_string_value(json_object_get(body, "current_password"));
		exclude = json_is_true(flag);
		if (!text)
			problem_field(&pb, "trusted_ips", "required",
			              "The list, one entry per line or ';'.");
		if (json_object_get(body, "current_password") && !password)
			problem_field(&pb, "current_password", "invalid", "Your current password.");
		if (flag && !json_is_boolean(flag))
			problem_field(&pb, "exclude_current", "invalid", "true or false.");
		if (pb.errors) {
			problem_set(&pb, "validation_failed",
			            "Expected {trusted_ips: string, current_password?: string, "
			            "exclude_current?: boolean}.");
			err = APP_INVALID;
		}
	}
	if (err == APP_OK && strlen(text) > 10000) {
		problem_set(&pb, "validation_failed", "The list is too long.");
		problem_field(&pb, "trusted_ips", "invalid", "At most 10000 characters.");
		err = APP_INVALID;
	}
	if (err == APP_OK && (err = sessions_set_trusted_ips(app, &ctx->who, &ci, text, password,
	                                                     exclude, &fe)) == APP_INVALID) {
		problem_set(&pb, "validation_failed", "The list was not saved.");
		problem_field(&pb, fe.field, fe.code, fe.message);
	} else if (err == APP_RATE_LIMITED && fe.code) {
		problem_set(&pb, fe.code, "%s", fe.message);
	}
	if (err == APP_OK)
		out = json_pack("{s:s}", "trusted_ips", text);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/me/history?limit=&cursor=: the caller's own security log. */
int route_me_history(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	const char *cursor;
	struct problem pb = {0};
	json_t *out = NULL;
	int limit, err = http_paging(&limit, &cursor, req, CURSOR_ENTRY_ID, &pb);

	if (err == APP_OK)
		err = sessions_history(&out, app, &ctx->who, cursor, limit);
	else
		problem_set(&pb, "validation_failed", "Some query parameters are invalid.");
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/*
 * Reads a body made of the string fields named (1..max bytes each): the first required ones must be
 * there, the others may be absent (NULL).
 */
static int read_strings(json_t **body_out, const char **values, const struct _u_request *req,
                        struct app *app, const char *const *names, const size_t *max,
                        size_t required, struct problem *pb)
{
	int err = http_read_json_object(body_out, req, (size_t)app->cfg.max_body_bytes, pb);

	if (err != APP_OK)
		return err;
	http_only_fields(*body_out, names, pb);
	for (size_t i = 0; names[i]; i++) {
		json_t *v = json_object_get(*body_out, names[i]);

		values[i] = json_string_value(v);
		if (!v && i >= required)
			continue;
		if (!values[i] || !json_string_length(v) || json_string_length(v) > max[i]) {
			problem_field(pb, names[i], v ? "invalid" : "required",
			              "A non-empty string of limited length is required.");
			values[i] = NULL;
		}
	}
	if (pb->errors) {
		problem_set(pb, "validation_failed", "Some fields are missing or invalid.");
		return APP_INVALID;
	}
	return APP_OK;
}

/* Ends a sensitive change: 204, or the problem with the service's field error. */
static int finish_change(struct _u_response *resp, int err, int status,
                         const struct field_error *fe, struct problem *pb, json_t *body)
{
	if (err == APP_INVALID && fe->field) {
		problem_set(pb, "validation_failed", "Nothing was changed: see the field errors.");
		problem_field(pb, fe->field, fe->code, fe->message);
	} else if (err == APP_RATE_LIMITED && fe->code) {
		problem_set(pb, fe->code, "%s", fe->message); /* locked by wrong passwords */
	}
	if (err == APP_OK)
		ulfius_set_empty_body_response(resp, (unsigned)status);
	else
		http_problem(resp, err, pb);
	problem_free(pb);
	json_decref(body);
	return U_CALLBACK_COMPLETE;
}

/*
 * PUT /api/v1/me/email {email, current_password?}: 202; the link sent to the new address applies it.
 * The password may be left out for a session signed in less than 5 minutes ago.
 */
int route_me_email(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	static const char *const NAMES[] = {"email", "current_password", NULL};
	static const size_t MAX[] = {254, 1024};
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe = {0};
	const char *v[2];
	json_t *body = NULL;
	int err = read_strings(&body, v, req, user_data, NAMES, MAX, 1, &pb);

	if (err == APP_OK && !email_plausible(v[0])) {
		fe.field = "email";
		fe.code = "invalid";
		snprintf(fe.message, sizeof(fe.message), "Not an e-mail address.");
		err = APP_INVALID;
	}
	if (err == APP_OK)
		err = security_request_email_change(user_data, &ctx->who, &ci, v[1], v[0], &fe);
	if (err == APP_FORBIDDEN)
		problem_set(&pb, "not_allowed", "A staff address is changed by an owner.");
	return finish_change(resp, err, 202, &fe, &pb, body);
}

/* PUT /api/v1/me/security-question {question, answer, current_password} */
int route_me_question_put(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	static const char *const NAMES[] = {"question", "answer", "current_password", NULL};
	static const size_t MAX[] = {200, 800, 1024};
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe = {0};
	const char *v[3];
	json_t *body = NULL;
	int err = read_strings(&body, v, req, user_data, NAMES, MAX, SIZE_MAX, &pb);

	if (err == APP_OK)
		err = security_set_question(user_data, &ctx->who, &ci, v[2], v[0], v[1], &fe);
	return finish_change(resp, err, 204, &fe, &pb, body);
}

/* DELETE /api/v1/me/security-question {current_password} */
int route_me_question_delete(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	static const char *const NAMES[] = {"current_password", NULL};
	static const size_t MAX[] = {1024};
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe = {0};
	const char *v[1];
	json_t *body = NULL;
	int err = read_strings(&body, v, req, user_data, NAMES, MAX, SIZE_MAX, &pb);

	if (err == APP_OK)
		err = security_remove_question(user_data, &ctx->who, &ci, v[0], &fe);
	if (err == APP_NOT_FOUND)
		problem_set(&pb, "not_found", "You have no security question.");
	return finish_change(resp, err, 204, &fe, &pb, body);
}
