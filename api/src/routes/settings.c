/* GET and PATCH /api/v1/settings: the operator's settings (permission settings.manage). */
#include "app.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
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
