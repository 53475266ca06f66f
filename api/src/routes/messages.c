/* Messages and templates: GET /api/v1/messages[/{id}], POST .../retry, GET/PUT /api/v1/templates. */
#include <string.h>

#include "app.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "http/context.h"
#include "http/respond.h"
#include "notify/templates.h"
#include "routes/routes.h"
#include "service/messages.h"

/* The {id} path parameter as a UUID, else a 404 (an id that cannot exist). */
static int path_uuid(const char **id_out, const struct _u_request *req, struct problem *pb)
{
	*id_out = u_map_get(req->map_url, "id");
	if (token_is_uuid(*id_out))
		return APP_OK;
	problem_set(pb, "not_found", "No message has this id.");
	return APP_NOT_FOUND;
}

/* GET /api/v1/messages?status=&channel=&customer_id=&from=&to=&limit=&cursor= */
/* The message list, of one customer when customer_id is given (the customer profile's tab). */
static int list_messages(const struct _u_request *req, struct _u_response *resp, void *user_data,
                         const char *customer_id)
{
	static const char *const STATUSES[] = {"queued", "sending", "sent", "failed", "held", NULL};
	struct message_filter f = {.status = http_query(req, "status"),
	                           .channel = http_query(req, "channel"),
	                           .customer_id = customer_id ? customer_id
	                                                      : http_query(req, "customer_id"),
	                           .from = http_query(req, "from"),
	                           .to = http_query(req, "to")};
	struct problem pb = {0};
	json_t *out = NULL;
	int err = APP_OK;
	bool known = !f.status;

	for (const char *const *s = STATUSES; *s && !known; s++)
		known = strcmp(*s, f.status) == 0;
	if (!known)
		problem_field(&pb, "status", "invalid",
		              "One of queued, sending, sent, failed, held.");
	if (f.channel && strcmp(f.channel, "email") && strcmp(f.channel, "sms"))
		problem_field(&pb, "channel", "invalid", "email or sms.");
	if (f.customer_id && !token_is_uuid(f.customer_id))
		problem_field(&pb, "customer_id", "invalid", "A customer id (UUID).");
	if (f.from && !clock_is_rfc3339(f.from))
		problem_field(&pb, "from", "invalid",
		              "An RFC 3339 time, e.g. 2026-01-31T00:00:00Z.");
	if (f.to && !clock_is_rfc3339(f.to))
		problem_field(&pb, "to", "invalid", "An RFC 3339 time, e.g. 2026-02-01T00:00:00Z.");
	http_paging(&f.limit, &f.cursor, req, CURSOR_TIME_ID, &pb);
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some query parameters are invalid.");
		err = APP_INVALID;
	} else {
		err = messages_list(&out, user_data, &f);
	}
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

int route_messages_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return list_messages(req, resp, user_data, NULL);
}

/* GET /api/v1/customers/{id}/messages: what was sent to one customer. */
int route_customers_messages(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	const char *id = u_map_get(req->map_url, "id");

	if (!token_is_uuid(id)) {
		struct problem pb = {0};

		problem_set(&pb, "not_found", "There is no such customer.");
		http_problem(resp, APP_NOT_FOUND, &pb);
		return U_CALLBACK_COMPLETE;
	}
	return list_messages(req, resp, user_data, id);
}

/* GET /api/v1/messages/{id}: with its bodies (secret-bearing ones are wiped once delivered). */
int route_messages_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct problem pb = {0};
	json_t *out = NULL;
	const char *id;
	int err = path_uuid(&id, req, &pb);

	if (err == APP_OK && (err = messages_get(&out, user_data, id)) == APP_NOT_FOUND)
		problem_set(&pb, "not_found", "No message has this id.");
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/messages/{id}/retry: a failed or held message goes back to the queue. */
int route_messages_retry(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	json_t *out = NULL;
	const char *id;
	bool gone = false;
	int err = path_uuid(&id, req, &pb);

	if (err == APP_OK)
		err = messages_retry(&gone, user_data, &ctx->who, &ci, id);
	if (err == APP_OK)
		err = messages_get(&out, user_data, id);
	else if (err == APP_CONFLICT && gone)
		problem_set(&pb, "secret_wiped",
		            "This message carried a one-time secret that was wiped when delivery "
		            "failed for good; the person asks again, or staff send it again.");
	else if (err == APP_CONFLICT)
		problem_set(&pb, "not_retryable", "Only failed or held messages can be retried.");
	else if (err == APP_NOT_FOUND)
		problem_set(&pb, "not_found", "No message has this id.");
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/templates */
int route_templates_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	json_t *items = NULL, *out = NULL;
	int err = templates_list_all(&items, user_data);

	(void)req;
	if (err == APP_OK)
		out = json_pack("{s:o}", "items", items);
	http_reply(resp, err, 200, out, NULL);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/templates/{event}/{language}: the texts, placeholders and a preview. */
int route_templates_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct problem pb = {0};
	json_t *out = NULL;
	int err = templates_get_one(&out, user_data, u_map_get(req->map_url, "event"),
	                            u_map_get(req->map_url, "language"));

	if (err == APP_NOT_FOUND)
		problem_set(&pb, "not_found", "No template for this event and language.");
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* Reads one template text field: a string of 1..max bytes with only known placeholders. */
static const char *text_field(json_t *body, const char *name, size_t max,
                              const struct template_event *ev, struct problem *pb)
{
	json_t *v = json_object_get(body, name);
	char why[160];

	if (!v) {
		problem_field(pb, name, "required", "This field is required.");
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max) {
		snprintf(why, sizeof(why), "A non-empty string of at most %zu bytes is required.",
		         max);
		problem_field(pb, name, "invalid", why);
		return NULL;
	}
	if (ev &&
	    (strcmp(name, "subject") == 0
	             ? templates_check_subject(ev, json_string_value(v), why, sizeof(why))
	             : templates_check(ev, json_string_value(v), why, sizeof(why))) != APP_OK) {
		problem_field(pb, name, "invalid_placeholder", why);
		return NULL;
	}
	return json_string_value(v);
}

/* PUT /api/v1/templates/{event}/{language}[?preview=1] {subject, body_text, body_html} */
int route_templates_put(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *event = u_map_get(req->map_url, "event"),
	           *language = u_map_get(req->map_url, "language");
	const char *preview = http_query(req, "preview");
	const struct template_event *ev = templates_event(event);
	struct template_texts t;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL;
	int err;

	if (!ev || !templates_language_ok(language)) {
		problem_set(&pb, "not_found", "No template for this event and language.");
		err = APP_NOT_FOUND;
		goto done;
	}
	if ((err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb)) !=
	    APP_OK)
		goto done;
	http_only_fields(body, (const char *const[]){"subject", "body_text", "body_html", NULL},
	                 &pb);
	t.subject = text_field(body, "subject", 300, ev, &pb);
	t.body_text = text_field(body, "body_text", 20000, ev, &pb);
	t.body_html = text_field(body, "body_html", 100000, ev, &pb);
	if (pb.errors) {
		problem_set(&pb, "validation_failed",
		            "The template was not saved: see the field errors.");
		err = APP_INVALID;
		goto done;
	}
	err = templates_save(&out, app, &ctx->who, &ci, event, language, &t,
	                     preview && strcmp(preview, "0") != 0 && strcmp(preview, "false") != 0);
done:
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}
