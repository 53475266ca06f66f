/* Individuals: /api/v1/customers/{id}/individuals (staff, and the customer's own portal principals
 * with individuals.manage), and the acceptance of an invitation, POST /api/v1/auth/invitation. */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/individuals.h"

static int reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                 const char *conflict)
{
	struct problem pb = {0};

	if (err == APP_CONFLICT)
		problem_set(&pb, conflict ? conflict : "not_invited", "%s",
		            conflict ? "The invitation is not accepted yet; resend or delete it."
		                     : "Only a person still invited can be invited again.");
	else if (err == APP_FORBIDDEN)
		problem_set(&pb, "own_account", "You cannot remove yourself.");
	else if (err == APP_RATE_LIMITED)
		problem_set(
		        &pb, "too_many_invitations",
		        "This organization sent its 30 invitations of the hour; try again later.");
	http_reply_write(resp, err, status, out, errors, &pb, "There is no such individual.");
	json_decref(out);
	json_decref(errors);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/{id}/individuals */
int route_individuals_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");
	json_t *out = NULL;
	int err = id ? individuals_list(&out, user_data, id) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL, NULL);
}

/* GET /api/v1/customers/{id}/individuals/{iid} */
int route_individuals_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id"), *iid = http_path_uuid(req, "iid");
	json_t *out = NULL;
	int err = id && iid ? individuals_get(&out, user_data, id, iid) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL, NULL);
}

/* POST /api/v1/customers/{id}/individuals and PATCH .../individuals/{iid} */
static int save(const struct _u_request *req, struct _u_response *resp, struct app *app,
                bool create)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *iid = http_path_uuid(req, "iid"),
	           *conflict = NULL;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err;

	if (!id || (!create && !iid))
		return reply(resp, APP_NOT_FOUND, 200, NULL, errors, NULL);
	if ((err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb)) !=
	    APP_OK) {
		http_problem(resp, err, &pb);
		problem_free(&pb);
		json_decref(errors);
		return U_CALLBACK_COMPLETE;
	}
	err = create ? individuals_create(&out, errors, app, &ctx->who, &ci, id, body)
	             : individuals_update(&out, errors, &conflict, app, &ctx->who, &ci, id, iid,
	                                  body);
	json_decref(body);
	return reply(resp, err, create ? 201 : 200, out, errors, conflict);
}

int route_individuals_create(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	return save(req, resp, user_data, true);
}

int route_individuals_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return save(req, resp, user_data, false);
}

/* DELETE /api/v1/customers/{id}/individuals/{iid} */
int route_individuals_delete(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *iid = http_path_uuid(req, "iid");
	int err =
	        id && iid ? individuals_delete(user_data, &ctx->who, &ci, id, iid) : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL, NULL);
}

/* POST /api/v1/customers/{id}/individuals/{iid}/invitation: a new link, the old one dies. */
int route_individuals_invite(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *iid = http_path_uuid(req, "iid");
	int err = id && iid ? individuals_invite_again(user_data, &ctx->who, &ci, id, iid)
	                    : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL, NULL);
}

/* POST /api/v1/auth/invitation {token, new_password} */
int route_auth_invitation(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	json_t *body = NULL;
	const char *token, *password;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK) {
		http_only_fields(body, (const char *const[]){"token", "new_password", NULL}, &pb);
		token = json_string_value(json_object_get(body, "token"));
		password = json_string_value(json_object_get(body, "new_password"));
		if (!token)
			problem_field(&pb, "token", "required",
			              "The token of the invitation link.");
		if (!password || json_string_length(json_object_get(body, "new_password")) > 1024)
			problem_field(&pb, "new_password", password ? "too_long" : "required",
			              "The password you choose (at most 1024 bytes).");
		if (pb.errors) {
			problem_set(&pb, "validation_failed",
			            "Some fields are missing or invalid.");
			err = APP_INVALID;
		} else if ((err = individuals_accept(app, &ci, token, password, &fe)) ==
		           APP_INVALID) {
			problem_field(&pb, fe.field, fe.code, fe.message);
			problem_set(&pb, "validation_failed", "The password was not set.");
		} else if (err == APP_NOT_FOUND) {
			problem_set(&pb, "invalid_token",
			            "This invitation link is unknown, used or expired; ask for a "
			            "new one.");
			err = APP_INVALID;
		} else if (err == APP_CONFLICT) {
			problem_set(
			        &pb, "email_taken",
			        "Another account signs in with this e-mail address or phone now; "
			        "ask the organization to invite you with another.");
		}
	}
	if (err == APP_OK)
		ulfius_set_empty_body_response(resp, 204);
	else
		http_problem(resp, err, &pb);
	problem_free(&pb);
	json_decref(body);
	return U_CALLBACK_COMPLETE;
}
