/* API tokens: /api/v1/tokens (the caller's own) and /api/v1/customers/{id}/tokens (staff). */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/api_tokens.h"

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
	err = api_tokens_create(&out, errors, app, &ctx->who, &ci, body);
	json_decref(body);
	return reply(resp, err, 201, out, errors, NULL);
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
