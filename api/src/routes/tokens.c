/* API tokens: /api/v1/tokens (the caller's own) and /api/v1/customers/{id}/tokens (staff). */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/api_tokens.h"
#include "service/security.h"

static int reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                 const char *missing)
{
	struct problem pb = {0};

	http_reply_write(resp, err, status, out, errors, &pb, missing);
	json_decref(out);
	json_decref(errors);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/tokens */
int route_tokens_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	json_t *out = NULL;
	int err = api_tokens_list_mine(&out, user_data, &ctx->who);

	(void)req;
	return reply(resp, err, 200, out, NULL, NULL);
}

/* POST /api/v1/tokens: the secret is in this answer only. */
int route_tokens_create(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK) {
		http_problem(resp, err, &pb);
		problem_free(&pb);
		json_decref(errors);
		return U_CALLBACK_COMPLETE;
	}
	/* a token outlives the session that makes it: the password, or a sign-in of under 5 min */
	json_t *password = json_incref(json_object_get(body, "current_password"));
	struct field_error fe = {0};
	struct account a;

	json_object_del(body, "current_password");
	if (password && !json_is_string(password))
		field_errors_add(errors, "current_password", "invalid", "Your current password.");
	else if ((err = security_reauthenticate(&a, app, &ctx->who, &ci,
	                                        json_string_value(password), &fe)) == APP_INVALID)
		field_errors_add(errors, fe.field, fe.code, fe.message);
	else if (err == APP_RATE_LIMITED)
		problem_set(&pb, fe.code ? fe.code : "rate_limited", "%s", fe.message);
	if (err == APP_OK && !json_array_size(errors))
		err = api_tokens_create(&out, errors, app, &ctx->who, &ci, body);
	else if (err == APP_OK)
		err = APP_INVALID;
	json_decref(password);
	json_decref(body);
	http_reply_write(resp, err, 201, out, errors, &pb, NULL);
	json_decref(out);
	json_decref(errors);
	return U_CALLBACK_COMPLETE;
}

/* DELETE /api/v1/tokens/{id} */
int route_tokens_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id");
	int err = id ? api_tokens_revoke_mine(user_data, &ctx->who, &ci, id) : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL, "You have no token with this id.");
}

/* GET /api/v1/customers/{id}/tokens */
int route_customers_tokens(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");
	json_t *out = NULL;
	int err = id ? api_tokens_list_customer(&out, user_data, id) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL, "There is no such customer.");
}

/* DELETE /api/v1/customers/{id}/tokens/{tid} */
int route_customers_token_delete(const struct _u_request *req, struct _u_response *resp,
                                 void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *tid = http_path_uuid(req, "tid");
	int err = id && tid ? api_tokens_revoke_customer(user_data, &ctx->who, &ci, id, tid)
	                    : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL, "This customer has no token with this id.");
}
