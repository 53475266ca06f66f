/* Groups: /api/v1/customers/{id}/groups (staff, and the customer's portal principals with
 * groups.manage). */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/groups.h"

static int reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors)
{
	struct problem pb = {0};

	http_reply_write(resp, err, status, out, errors, &pb, "There is no such group.");
	json_decref(out);
	json_decref(errors);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/{id}/groups */
int route_groups_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");
	json_t *out = NULL;
	int err = id ? groups_list(&out, user_data, id) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL);
}

/* GET /api/v1/customers/{id}/groups/{gid} */
int route_groups_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id"), *gid = http_path_uuid(req, "gid");
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
	const char *id = http_path_uuid(req, "id"), *gid = http_path_uuid(req, "gid");
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
	const char *id = http_path_uuid(req, "id"), *gid = http_path_uuid(req, "gid");
	int err = id && gid ? groups_delete(user_data, &ctx->who, &ci, id, gid) : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL);
}
