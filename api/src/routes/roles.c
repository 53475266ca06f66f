/* Portal roles: GET /api/v1/permissions (the catalogue), /api/v1/roles (roles.manage). */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/roles.h"

static int reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                 const char *conflict, json_t *where)
{
	struct problem pb = {0};

	if (err == APP_CONFLICT) {
		problem_set(&pb, conflict ? conflict : "conflict", "%s",
		            conflict && !strcmp(conflict, "role_in_use")
		                    ? "The role is in use: see where, then change those first."
		                    : "The system roles keep their name and permissions.");
		if (where)
			pb.extra = json_pack("{s:O}", "where", where);
	}
	http_reply_write(resp, err, status, out, errors, &pb, "There is no such role.");
	json_decref(out);
	json_decref(errors);
	json_decref(where);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/permissions */
int route_permissions(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	(void)req, (void)user_data;
	return reply(resp, APP_OK, 200, roles_permissions(), NULL, NULL, NULL);
}

/* GET /api/v1/roles */
int route_roles_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *out = NULL;
	int err = roles_list(&out, user_data);

	(void)req;
	return reply(resp, err, 200, out, NULL, NULL, NULL);
}

/* GET /api/v1/roles/{id} */
int route_roles_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");
	json_t *out = NULL;
	int err = id ? roles_get(&out, user_data, id) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL, NULL, NULL);
}

/* POST /api/v1/roles and PATCH /api/v1/roles/{id} */
static int save(const struct _u_request *req, struct _u_response *resp, struct app *app,
                const char *id, int status)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *conflict = NULL;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK) {
		http_problem(resp, err, &pb);
		problem_free(&pb);
		json_decref(errors);
		return U_CALLBACK_COMPLETE;
	}
	err = roles_save(&out, errors, &conflict, app, &ctx->who, &ci, id, body);
	json_decref(body);
	return reply(resp, err, status, out, errors, conflict, NULL);
}

int route_roles_create(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return save(req, resp, user_data, NULL, 201);
}

int route_roles_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");

	return id ? save(req, resp, user_data, id, 200)
	          : reply(resp, APP_NOT_FOUND, 200, NULL, NULL, NULL, NULL);
}

/* DELETE /api/v1/roles/{id}: 409 saying where the role is used. */
int route_roles_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *conflict = NULL;
	json_t *where = NULL;
	int err =
	        id ? roles_delete(&conflict, &where, user_data, &ctx->who, &ci, id) : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL, conflict, where);
}
