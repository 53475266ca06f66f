/* Staff administration: /api/v1/staff and /api/v1/staff/roles (permission staff.manage). */
#include <string.h>

#include "app.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/staff.h"

/* What each refusal of this file means, by its code. */
static const char *conflict_detail(const char *code)
{
	if (code && strcmp(code, "role_in_use") == 0)
		return "Staff members hold this role: give them another one first.";
	if (code && strcmp(code, "system_role") == 0)
		return "The built-in roles cannot be changed or deleted.";
	if (code && strcmp(code, "not_grantable") == 0)
		return "You can give only permissions you hold yourself, and only an owner makes "
		       "or "
		       "changes owners.";
	if (code && strcmp(code, "own_account") == 0)
		return "Another staff member with staff.manage changes your role, status or role's "
		       "permissions.";
	return "The last active owner can be neither demoted nor disabled.";
}

/*
 * The end of every handler here: out, or the problem (field errors, a conflict by its code, or
 * missing: what was not found).
 */
static int reply_with(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                      const char *conflict, const char *missing)
{
	struct problem pb = {0};

	if (err == APP_INVALID && errors && json_array_size(errors)) {
		problem_set(&pb, "validation_failed", "Nothing was saved: see the field errors.");
		pb.errors = json_incref(errors);
	} else if (err == APP_NOT_FOUND) {
		problem_set(&pb, "not_found", "%s", missing);
	} else if (err == APP_CONFLICT) {
		problem_set(&pb, conflict ? conflict : "conflict", "%s", conflict_detail(conflict));
	} else if (err == APP_FORBIDDEN && conflict) {
		problem_set(&pb, conflict, "%s", conflict_detail(conflict));
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

static int reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                 const char *conflict)
{
	return reply_with(resp, err, status, out, errors, conflict,
	                  "There is no such staff member.");
}

/* GET /api/v1/staff */
int route_staff_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *out = NULL;
	int err = staff_list(&out, user_data);

	(void)req;
	return reply(resp, err, 200, out, NULL, NULL);
}

/* GET /api/v1/staff/roles */
int route_staff_roles(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *out = NULL;
	int err = staff_roles(&out, user_data);

	(void)req;
	return reply(resp, err, 200, out, NULL, NULL);
}

/* GET /api/v1/staff/{id} */
int route_staff_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");
	json_t *out = NULL;
	int err = id ? staff_get(&out, user_data, id) : APP_NOT_FOUND;

	return reply(resp, err, 200, out, NULL, NULL);
}

/* POST /api/v1/staff {email, display_name, role} */
int route_staff_create(const struct _u_request *req, struct _u_response *resp, void *user_data)
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
	const char *conflict = NULL;

	err = staff_create(&out, errors, &conflict, app, &ctx->who, &ci, body);
	json_decref(body);
	return reply(resp, err, 201, out, errors, conflict);
}

/* PATCH /api/v1/staff/{id} {display_name, role, status} */
int route_staff_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *conflict = NULL;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err != APP_OK) {
		http_problem(resp, err, &pb);
		problem_free(&pb);
		json_decref(errors);
		return U_CALLBACK_COMPLETE;
	}
	err = id ? staff_update(&out, errors, &conflict, app, &ctx->who, &ci, id, body)
	         : APP_NOT_FOUND;
	json_decref(body);
	return reply(resp, err, 200, out, errors, conflict);
}

/* DELETE /api/v1/staff/{id}: disables the member. */
int route_staff_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *conflict = NULL;
	int err = id ? staff_disable(&conflict, user_data, &ctx->who, &ci, id) : APP_NOT_FOUND;

	return reply(resp, err, 204, NULL, NULL, conflict);
}

/* A role name from the path: the shape of the catalogue's names, else it cannot exist. */
static const char *path_role(const struct _u_request *req)
{
	const char *name = u_map_get(req->map_url, "name");
	size_t n = name ? strlen(name) : 0;

	return n >= 2 && n <= 32 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n
	               ? name
	               : NULL;
}

static int role_reply(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                      const char *conflict)
{
	return reply_with(resp, err, status, out, errors, conflict, "There is no such role.");
}

/* POST /api/v1/staff/roles and PATCH /api/v1/staff/roles/{name} */
static int save_role(const struct _u_request *req, struct _u_response *resp, struct app *app,
                     const char *existing, int status)
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
	err = staff_role_save(&out, errors, &conflict, app, &ctx->who, &ci, existing, body);
	json_decref(body);
	return role_reply(resp, err, status, out, errors, conflict);
}

int route_staff_role_create(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return save_role(req, resp, user_data, NULL, 201);
}

int route_staff_role_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *name = path_role(req);

	if (!name)
		return role_reply(resp, APP_NOT_FOUND, 200, NULL, NULL, NULL);
	return save_role(req, resp, user_data, name, 200);
}

int route_staff_role_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *name = path_role(req), *conflict = NULL;
	int err = name ? staff_role_delete(&conflict, user_data, &ctx->who, &ci, name)
	               : APP_NOT_FOUND;

	return role_reply(resp, err, 204, NULL, NULL, conflict);
}
