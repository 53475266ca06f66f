/* Groups: /api/v1/customers/{id}/groups (staff, and the customer's portal principals with
 * groups.manage). */
#include <string.h>

#include "app.h"
#include "auth/token.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/groups.h"

static const char *path_id(const struct _u_request *req, const char *name)
{
	const char *id = u_map_get(req->map_url, name);

	return token_is_uuid(id) ? id : NULL;
}

static int reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors)
{
	struct problem pb = {0};

	if (err == APP_INVALID && errors && json_array_size(errors)) {
		problem_set(&pb, "validation_failed", "Nothing was saved: see the field errors.");
		pb.errors = json_incref(errors);
	} else if (err == APP_NOT_FOUND) {
		problem_set(&pb, "not_found", "There is no such group.");
	}
	if (err == APP_OK && status == 204)
		ulfius_set_empty_body_response(resp, 204);
	else
		http_reply(resp, err, status, out, &pb);
	problem_free(&pb);
	json_decref(out);
	json_decref(errors);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/{id}/groups */
int route_groups_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = path_id(req, "id");
	json_t *out = NULL;
	int err = id ? groups_list(&out, user_data, id) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL);
}

/* GET /api/v1/customers/{id}/groups/{gid} */
int route_groups_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = path_id(req, "id"), *gid = path_id(req, "gid");
	json_t *out = NULL;
	int err = id && gid ? groups_get(&out, user_data, id, gid) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL);
}

enum write { CREATE, UPDATE, MEMBERS };

static int write_group(const struct _u_request *req, struct _u_response *resp, struct app *app,
                       enum write what)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = path_id(req, "id"), *gid = path_id(req, "gid");
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err;

	if (!id || (what != CREATE && !gid))
		return reply(resp, APP_NOT_FOUND, 200, NULL, errors);
	if ((err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb)) !=
	    APP_OK) {
		http_problem(resp, err, &pb);
		problem_free(&pb);
		json_decref(errors);
		return U_CALLBACK_COMPLETE;
	}
	err = what == MEMBERS ? groups_set_members(&out, errors, app, &ctx->who, &ci, id, gid, body)
	                      : groups_save(&out, errors, app, &ctx->who, &ci, id,
	                                    what == CREATE ? NULL : gid, body);
	json_decref(body);
	return reply(resp, err, what == CREATE ? 201 : 200, out, errors);
}

int route_groups_create(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return write_group(req, resp, user_data, CREATE);
}

int route_groups_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return write_group(req, resp, user_data, UPDATE);
}

/* PUT /api/v1/customers/{id}/groups/{gid}/members {individual_ids} */
int route_groups_members(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return write_group(req, resp, user_data, MEMBERS);
}

/* DELETE /api/v1/customers/{id}/groups/{gid} */
int route_groups_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = path_id(req, "id"), *gid = path_id(req, "gid");
	int err = id && gid ? groups_delete(user_data, &ctx->who, &ci, id, gid) : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL);
}
