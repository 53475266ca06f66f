/* GET and PATCH /api/v1/settings: the operator's settings (permission settings.manage). */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/branding.h"
#include "service/settings.h"

/* GET /api/v1/settings */
int route_settings_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *out = NULL;
	int err = settings_get(&out, user_data);

	(void)req;
	http_reply(resp, err, 200, out, NULL);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* PATCH /api/v1/settings {key: value, ...}: every field error at once, or every change together. */
int route_settings_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	const char *key;
	json_t *body = NULL, *out = NULL, *v;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK) {
		json_object_foreach(body, key, v) if (settings_check(key, v, &fe) != APP_OK)
		        problem_field(&pb, fe.field, fe.code, fe.message);
		if (pb.errors) {
			problem_set(&pb, "validation_failed",
			            "Nothing was changed: see the field errors.");
			err = APP_INVALID;
		} else {
			if ((err = settings_patch(&out, &fe, app, &ctx->who, &ci, body)) ==
			    APP_INVALID) {
				problem_set(&pb, "validation_failed",
				            "Nothing was changed: see the field errors.");
				problem_field(&pb, fe.field, fe.code, fe.message);
			}
		}
	}
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/branding (public): what the apps show before anyone signs in. */
int route_branding_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *out = NULL;
	int err = branding_get(&out, user_data);

	(void)req;
	http_reply(resp, err, 200, out, NULL);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/branding/logo (public): the image, cached by browsers until it changes. */
int route_branding_logo(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	unsigned char *bytes = NULL;
	size_t len = 0;
	char type[16], etag[20];
	struct problem pb = {0};
	int err = branding_logo(&bytes, &len, type, etag, user_data);
	const char *match = u_map_get_case(req->map_header, "If-None-Match");

	if (err == APP_OK && match && strcmp(match, etag) == 0) {
		ulfius_set_empty_body_response(resp, 304);
		u_map_put(resp->map_header, "ETag", etag);
	} else if (err == APP_OK) {
		ulfius_set_binary_body_response(resp, 200, (const char *)bytes, len);
		u_map_put(resp->map_header, "Content-Type", type);
		u_map_put(resp->map_header, "ETag", etag);
		u_map_put(resp->map_header, "Cache-Control", "public, max-age=3600");
	} else {
		if (err == APP_NOT_FOUND)
			problem_set(&pb, "not_found", "No logo was uploaded.");
		http_problem(resp, err, &pb);
	}
	free(bytes);
	return U_CALLBACK_COMPLETE;
}

/* PUT /api/v1/settings/logo: the image itself as the body (image/png, image/jpeg or image/webp). */
int route_settings_logo_put(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	struct field_error fe;
	int err = branding_set_logo(user_data, &ctx->who, &ci,
	                            u_map_get_case(req->map_header, "Content-Type"),
	                            req->binary_body, req->binary_body_length, &fe);

	if (err == APP_OK)
		return route_branding_get(req, resp, user_data);
	if (err == APP_INVALID) {
		problem_set(&pb, "validation_failed", "The logo was not changed.");
		problem_field(&pb, fe.field, fe.code, fe.message);
	}
	http_problem(resp, err, &pb);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* DELETE /api/v1/settings/logo */
int route_settings_logo_delete(const struct _u_request *req, struct _u_response *resp,
                               void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	int err = branding_remove_logo(user_data, &ctx->who, &ci);

	if (err == APP_OK) {
		ulfius_set_empty_body_response(resp, 204);
		return U_CALLBACK_COMPLETE;
	}
	if (err == APP_NOT_FOUND)
		problem_set(&pb, "not_found", "No logo was uploaded.");
	http_problem(resp, err, &pb);
	return U_CALLBACK_COMPLETE;
}
