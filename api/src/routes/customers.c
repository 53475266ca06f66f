/* Customer management by staff: /api/v1/customers and its sub-resources, and /api/v1/audit. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "http/context.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/customers.h"
#include "service/import.h"
#include "service/sessions.h"

/* The {id} of the path, when it is a UUID (else the customer cannot exist: 404). */
static void not_found(struct problem *pb)
{
	problem_set(pb, "not_found", "There is no such customer.");
}

/* Reads the status filter: "active", or several separated by commas. */
static void read_statuses(struct customer_query *q, const char *text, struct problem *pb)
{
	static const char *const STATUSES[] = {"pending", "active",  "suspended",
	                                       "banned",  "deleted", NULL};
	static _Thread_local char copy[128];
	int n = 0;

	if (!text)
		return;
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *save = NULL, *s = strtok_r(copy, ",", &save); s;
	     s = strtok_r(NULL, ",", &save)) {
		bool known = false;

		for (const char *const *k = STATUSES; *k; k++)
			known |= strcmp(*k, s) == 0;
		if (!known || n >= 5) {
			problem_field(
			        pb, "status", "invalid",
			        "pending, active, suspended, banned or deleted (comma-separated).");
			return;
		}
		q->statuses[n++] = s;
	}
	q->statuses[n] = NULL;
}

/* The query of the list and the export: q, status, sort, limit, cursor. */
static int read_query(struct customer_query *q, const struct _u_request *req, struct problem *pb)
{
	const char *search = http_query(req, "q");

	memset(q, 0, sizeof(*q));
	if (search && strlen(search) > 200)
		problem_field(pb, "q", "invalid", "At most 200 characters.");
	else
		q->q = search && *search ? search : NULL;
	read_statuses(q, http_query(req, "status"), pb);
	if (customers_parse_sort(q, http_query(req, "sort")) != APP_OK)
		problem_field(pb, "sort", "invalid",
		              "name, created or last_login; a leading '-' sorts descending.");
	http_paging(&q->limit, &q->cursor, req, CURSOR_KEYSET, pb);
	if (pb->errors) {
		problem_set(pb, "validation_failed", "Some query parameters are invalid.");
		return APP_INVALID;
	}
	return APP_OK;
}

/* GET /api/v1/customers?q=&status=&sort=&limit=&cursor= */
int route_customers_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct customer_query q;
	struct problem pb = {0};
	json_t *out = NULL;
	int err = read_query(&q, req, &pb);

	if (err == APP_OK && (err = customers_list(&out, user_data, &q)) == APP_INVALID) {
		problem_set(&pb, "validation_failed", "This cursor does not belong to this list.");
		problem_field(&pb, "cursor", "invalid", "Use the next_cursor of a previous page.");
	}
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/export: the list's filter, every page, as CSV. */
int route_customers_export(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct customer_query q;
	struct problem pb = {0};
	char *csv = NULL;
	size_t len = 0;
	int err = read_query(&q, req, &pb);

	if (err == APP_OK)
		err = customers_export(&csv, &len, user_data, &q);
	if (err == APP_OK) {
		ulfius_set_binary_body_response(resp, 200, csv, len);
		u_map_put(resp->map_header, "Content-Type", "text/csv; charset=utf-8");
		u_map_put(resp->map_header, "Content-Disposition",
		          "attachment; filename=\"customers.csv\"");
	} else {
		http_problem(resp, err, &pb);
	}
	free(csv);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* Answers a create or update: the customer, or every field error at once. */
static void reply_written(struct _u_response *resp, int err, int status, json_t *out,
                          json_t *errors, struct problem *pb)
{
	if (err == APP_INVALID && json_array_size(errors)) {
		problem_set(pb, "validation_failed", "Nothing was saved: see the field errors.");
		pb->errors = json_incref(errors);
	} else if (err == APP_NOT_FOUND) {
		not_found(pb);
	} else if (err == APP_CONFLICT) {
		problem_set(pb, "conflict", "This customer is deleted; it cannot be changed.");
	}
	http_reply(resp, err, status, out, pb);
}

/* POST /api/v1/customers */
int route_customers_create(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK)
		err = customers_create(&out, errors, app, &ctx->who, &ci, body);
	reply_written(resp, err, 201, out, errors, &pb);
	json_decref(out);
	json_decref(body);
	json_decref(errors);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* The reads of one customer (profile, notes, sessions): 404 for an unknown or malformed id. */
static int reply_customer_read(const struct _u_request *req, struct _u_response *resp,
                               struct app *app,
                               int (*read)(json_t **out, struct app *app, const char *id))
{
	const char *id = http_path_uuid(req, "id");
	struct problem pb = {0};
	json_t *out = NULL;
	int err = id ? read(&out, app, id) : APP_NOT_FOUND;

	if (err == APP_NOT_FOUND)
		not_found(&pb);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/{id}: the hottest read, PostgreSQL's JSON passed through as is */
int route_customers_get(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id");
	struct problem pb = {0};
	char *text = NULL;
	int err = id ? customers_get_text(&text, user_data, id) : APP_NOT_FOUND;

	if (err == APP_OK)
		http_json_text(resp, 200, text);
	else {
		if (err == APP_NOT_FOUND)
			not_found(&pb);
		http_problem(resp, err, &pb);
	}
	free(text);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* PATCH /api/v1/customers/{id} */
int route_customers_patch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id");
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err = id ? http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb)
	             : APP_NOT_FOUND;

	if (err == APP_OK)
		err = customers_update(&out, errors, app, &ctx->who, &ci, id, body);
	reply_written(resp, err, 200, out, errors, &pb);
	json_decref(out);
	json_decref(body);
	json_decref(errors);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* DELETE /api/v1/customers/{id}?dry_run=true */
int route_customers_delete(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *dry = http_query(req, "dry_run");
	struct problem pb = {0};
	json_t *out = NULL;
	int err = APP_OK;

	if (dry && strcmp(dry, "true") && strcmp(dry, "false")) {
		problem_set(&pb, "validation_failed", "dry_run is true or false.");
		problem_field(&pb, "dry_run", "invalid", "true or false.");
		err = APP_INVALID;
	}
	if (err == APP_OK)
		err = id ? customers_delete(&out, user_data, &ctx->who, &ci, id,
		                            dry && strcmp(dry, "true") == 0)
		         : APP_NOT_FOUND;
	if (err == APP_NOT_FOUND)
		not_found(&pb);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/customers/{id}/actions/{action}: the route table names each action and its permission. */
int route_customers_action(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *action = strrchr(req->url_path, '/') + 1;
	const char *conflict = NULL;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL, *errors = json_array();
	int err = APP_OK;

	/* a body is optional: most actions take none */
	if (req->binary_body_length > 0)
		err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);
	else
		body = json_object();
	if (err == APP_OK)
		err = id ? customers_action(&out, errors, &conflict, app, &ctx->who, &ci, id,
		                            action, body)
		         : APP_NOT_FOUND;
	if (err == APP_CONFLICT)
		problem_set(&pb, conflict ? conflict : "conflict",
		            "The customer's state does not allow this action (%s).",
		            conflict ? conflict : "conflict");
	else if (err == APP_INVALID && json_array_size(errors)) {
		problem_set(&pb, "validation_failed", "Nothing was done: see the field errors.");
		pb.errors = json_incref(errors);
	} else if (err == APP_NOT_FOUND)
		not_found(&pb);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(body);
	json_decref(errors);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* An action filter: a whole action ("customer.suspend") or a prefix ending with '.' ("auth."). */
static bool action_filter_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* GET /api/v1/customers/{id}/history?kind=&limit=&cursor= */
int route_customers_history(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	const char *id = http_path_uuid(req, "id"), *kind = http_query(req, "kind"), *cursor;
	struct problem pb = {0};
	json_t *out = NULL;
	int limit, err = http_paging(&limit, &cursor, req, CURSOR_ENTRY_ID, &pb);

	if (kind && !action_filter_ok(kind))
		problem_field(&pb, "kind", "invalid", "An action, or a prefix such as \"auth.\".");
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some query parameters are invalid.");
		err = APP_INVALID;
	} else {
		err = id ? customers_history(&out, user_data, id, kind, cursor, limit)
		         : APP_NOT_FOUND;
	}
	if (err == APP_NOT_FOUND)
		not_found(&pb);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/{id}/notes */
int route_customers_notes(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	return reply_customer_read(req, resp, user_data, customers_notes);
}

/* POST /api/v1/customers/{id}/notes {body} */
int route_customers_note_add(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *text = NULL;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK) {
		http_only_fields(body, (const char *const[]){"body", NULL}, &pb);
		text = json_string_value(json_object_get(body, "body"));
		if (!text || !*text || strlen(text) > 10000)
			problem_field(&pb, "body", text ? "invalid" : "required",
			              "A note of 1 to 10000 characters.");
		if (pb.errors) {
			problem_set(&pb, "validation_failed", "The body must be {\"body\": text}.");
			err = APP_INVALID;
		}
	}
	if (err == APP_OK)
		err = id ? customers_add_note(&out, app, &ctx->who, &ci, id, text) : APP_NOT_FOUND;
	if (err == APP_NOT_FOUND)
		not_found(&pb);
	http_reply(resp, err, 201, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/customers/{id}/sessions */
int route_customers_sessions(const struct _u_request *req, struct _u_response *resp,
                             void *user_data)
{
	return reply_customer_read(req, resp, user_data, customers_sessions);
}

/* DELETE /api/v1/customers/{id}/sessions/{sid} */
int route_customers_session_delete(const struct _u_request *req, struct _u_response *resp,
                                   void *user_data)
{
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *sid = http_path_uuid(req, "sid");
	struct problem pb = {0};
	int err = id && sid ? customers_revoke_session(user_data, &ctx->who, &ci, id, sid)
	                    : APP_NOT_FOUND;

	if (err == APP_OK) {
		ulfius_set_empty_body_response(resp, 204);
		return U_CALLBACK_COMPLETE;
	}
	if (err == APP_NOT_FOUND)
		problem_set(&pb, "not_found", "This customer has no live session with this id.");
	http_problem(resp, err, &pb);
	return U_CALLBACK_COMPLETE;
}

/* GET /api/v1/audit?actor_id=&customer_id=&action=&ip=&from=&to=&limit=&cursor= */
int route_audit_list(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct audit_filter f = {.actor_id = http_query(req, "actor_id"),
	                         .customer_id = http_query(req, "customer_id"),
	                         .action = http_query(req, "action"),
	                         .ip = http_query(req, "ip"),
	                         .from = http_query(req, "from"),
	                         .to = http_query(req, "to")};
	struct problem pb = {0};
	struct db_conn *conn = NULL;
	json_t *out = NULL;
	int err = http_paging(&f.limit, &f.cursor, req, CURSOR_ENTRY_ID, &pb);

	if (f.actor_id && !token_is_uuid(f.actor_id))
		problem_field(&pb, "actor_id", "invalid", "A UUID.");
	if (f.customer_id && !token_is_uuid(f.customer_id))
		problem_field(&pb, "customer_id", "invalid", "A UUID.");
	if (f.action && !action_filter_ok(f.action))
		problem_field(&pb, "action", "invalid",
		              "An action, or a prefix such as \"auth.\".");
	if (f.ip && (strlen(f.ip) > 45 || strspn(f.ip, "0123456789abcdefABCDEF.:") != strlen(f.ip)))
		problem_field(&pb, "ip", "invalid", "An IPv4 or IPv6 address.");
	if (f.from && !clock_is_rfc3339(f.from))
		problem_field(&pb, "from", "invalid", "An RFC 3339 time.");
	if (f.to && !clock_is_rfc3339(f.to))
		problem_field(&pb, "to", "invalid", "An RFC 3339 time.");
	if (pb.errors) {
		problem_set(&pb, "validation_failed", "Some query parameters are invalid.");
		err = APP_INVALID;
	} else if ((err = db_pool_checkout(&conn, app->pool)) == APP_OK) {
		err = audit_repo_search(&out, conn, &f);
		if (err == APP_INVALID) { /* an address PostgreSQL would not read */
			problem_set(&pb, "validation_failed", "Some query parameters are invalid.");
			problem_field(&pb, "ip", "invalid", "An IPv4 or IPv6 address.");
		}
	}
	db_pool_checkin(app->pool, conn);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/customers/{id}/impersonate {mode, individual_id?, reason} */
int route_customers_impersonate(const struct _u_request *req, struct _u_response *resp,
                                void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *id = http_path_uuid(req, "id"), *mode = NULL, *reason = NULL,
	           *individual = NULL, *conflict = NULL;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK) {
		http_only_fields(
		        body, (const char *const[]){"mode", "individual_id", "reason", NULL}, &pb);
		mode = json_string_value(json_object_get(body, "mode"));
		reason = json_string_value(json_object_get(body, "reason"));
		individual = json_string_value(json_object_get(body, "individual_id"));
		if (!mode || (strcmp(mode, "assigned_role") && strcmp(mode, "default_role")))
			problem_field(&pb, "mode", mode ? "invalid" : "required",
			              "assigned_role or default_role.");
		if (!reason || !*reason || strlen(reason) > 1000)
			problem_field(
			        &pb, "reason", reason ? "invalid" : "required",
			        "Why (1 to 1000 characters): the customer's history shows it.");
		if (json_object_get(body, "individual_id") && !token_is_uuid(individual))
			problem_field(&pb, "individual_id", "invalid",
			              "The id of one of the customer's individuals.");
		if (pb.errors) {
			problem_set(&pb, "validation_failed", "No session was opened.");
			err = APP_INVALID;
		}
	}
	if (err == APP_OK)
		err = id ? sessions_impersonate(&out, &conflict, app, &ctx->who, &ci, id,
		                                individual, mode, reason)
		         : APP_NOT_FOUND;
	if (err == APP_NOT_FOUND)
		not_found(&pb);
	else if (err == APP_CONFLICT)
		problem_set(&pb, conflict ? conflict : "conflict",
		            "Only an active customer (or individual) can be looked at this way.");
	http_reply(resp, err, 201, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/customers/import?dry_run=true: CSV (text/csv) or JSON rows; a per-row report. */
int route_customers_import(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct req_ctx *ctx = resp->shared_data;
	struct client_info ci = req_client(req, ctx);
	const char *type = u_map_get_case(req->map_header, "Content-Type"),
	           *dry = http_query(req, "dry_run");
	struct problem pb = {0};
	json_t *rows = NULL, *out = NULL;
	char why[200] = "";
	int err = APP_OK;

	if (!type ||
	    (strncasecmp(type, "text/csv", 8) && strncasecmp(type, "application/json", 16))) {
		problem_set(&pb, "unsupported_media_type", "Send text/csv or application/json.");
		err = APP_UNSUPPORTED;
	} else if (dry && strcmp(dry, "true") && strcmp(dry, "false")) {
		problem_set(&pb, "validation_failed", "dry_run is true or false.");
		problem_field(&pb, "dry_run", "invalid", "true or false.");
		err = APP_INVALID;
	} else if (!(rows = import_rows(req->binary_body ? req->binary_body : "",
	                                req->binary_body_length, why, sizeof(why)))) {
		problem_set(&pb, "validation_failed", "The file cannot be read: %s.", why);
		problem_field(&pb, "body", "invalid", why);
		err = APP_INVALID;
	} else if ((err = customers_import(&out, app, &ctx->who, &ci, rows,
	                                   dry && strcmp(dry, "true") == 0)) == APP_CONFLICT) {
		problem_set(
		        &pb, "conflict",
		        "Customers changed during the import; nothing was written: run it again.");
	}
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	json_decref(rows);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}
