/* problem+json mapping and the JSON body reader. */
#include "http/respond.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/token.h"
#include "common/err.h"
#include "log.h"
#include "http/context.h"

void problem_set(struct problem *pb, const char *code, const char *fmt, ...)
{
	va_list ap;

	pb->code = code;
	va_start(ap, fmt);
	vsnprintf(pb->detail, sizeof(pb->detail), fmt, ap);
	va_end(ap);
}

void problem_field(struct problem *pb, const char *field, const char *code, const char *message)
{
	if (!pb->errors)
		pb->errors = json_array();
	json_array_append_new(pb->errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code,
	                                            "message", message));
}

void problem_free(struct problem *pb)
{
	json_decref(pb->errors);
	json_decref(pb->extra);
	pb->errors = pb->extra = NULL;
}

int http_status_of(int err)
{
	switch (err) {
	case APP_OK:
		return 200;
	case APP_INVALID:
		return 400;
	case APP_UNAUTHORIZED:
		return 401;
	case APP_FORBIDDEN:
		return 403;
	case APP_NOT_FOUND:
		return 404;
	case APP_NOT_ALLOWED:
		return 405;
	case APP_CONFLICT:
		return 409;
	case APP_TOO_LARGE:
		return 413;
	case APP_UNSUPPORTED:
		return 415;
	case APP_RATE_LIMITED:
		return 429;
	case APP_UNAVAILABLE:
		return 503;
	default:
		return 500;
	}
}

const char *http_title_of(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static const char *default_detail(int err)
{
	switch (err) {
	case APP_INVALID:
		return "The request is not valid.";
	case APP_UNAUTHORIZED:
		return "Authentication is required.";
	case APP_FORBIDDEN:
		return "You are not allowed to do this.";
	case APP_NOT_FOUND:
		return "Nothing exists at this address.";
	case APP_NOT_ALLOWED:
		return "This method is not allowed here.";
	case APP_CONFLICT:
		return "The request conflicts with the current state.";
	case APP_TOO_LARGE:
		return "The request body is too large.";
	case APP_UNSUPPORTED:
		return "The request body must be JSON (Content-Type: application/json).";
	case APP_RATE_LIMITED:
		return "Too many requests; try again later.";
	case APP_UNAVAILABLE:
		return "The service is temporarily unavailable; try again shortly.";
	default:
		return "An unexpected error occurred; it has been logged.";
	}
}

json_t *problem_body(int err, const struct problem *pb, const char *request_id)
{
	int status = http_status_of(err == APP_OK ? APP_INTERNAL : err);
	const char *code = pb && pb->code ? pb->code : app_err_name(err);
	const char *detail = pb && pb->detail[0] ? pb->detail : default_detail(err);
	json_t *body =
	        json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title",
	                  http_title_of(status), "status", status, "detail", detail, "code", code);

	if (request_id && *request_id)
		json_object_set_new(body, "request_id", json_string(request_id));
	if (pb && pb->errors && json_array_size(pb->errors) > 0)
		json_object_set(body, "errors", pb->errors);
	if (pb && json_is_object(pb->extra))
		json_object_update_missing(body, pb->extra);
	return body;
}

void http_problem(struct _u_response *resp, int err, const struct problem *pb)
{
	const struct req_ctx *ctx = resp->shared_data;
	json_t *body = problem_body(err, pb, ctx ? ctx->request_id : NULL);
	char *text = json_dumps(body, JSON_COMPACT);
	int status = http_status_of(err == APP_OK ? APP_INTERNAL : err);

	ulfius_set_string_body_response(resp, (unsigned)status, text ? text : "{}");
	u_map_put(resp->map_header, "Content-Type", "application/problem+json");
	/* a 500 is our bug: always in the error log, with the request id the client was given */
	if (status == 500)
		log_error("answered 500 internal_error%s%s", pb && pb->code ? ": " : "",
		          pb && pb->code ? pb->code : "");
	/* every 503 is transient here (pool, database, draining): tell clients when to come back */
	if (status == 503 && !u_map_has_key_case(resp->map_header, "Retry-After"))
		u_map_put(resp->map_header, "Retry-After", "1");
	free(text);
	json_decref(body);
}

void http_json_text(struct _u_response *resp, int status, const char *text)
{
	ulfius_set_string_body_response(resp, (unsigned)status, text);
	u_map_put(resp->map_header, "Content-Type", "application/json");
}

void http_json(struct _u_response *resp, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	if (!text) {
		http_problem(resp, APP_INTERNAL, NULL);
		return;
	}
	ulfius_set_string_body_response(resp, (unsigned)status, text);
	u_map_put(resp->map_header, "Content-Type", "application/json");
	free(text);
}

void http_reply(struct _u_response *resp, int err, int status, json_t *out,
                const struct problem *pb)
{
	if (err == APP_OK)
		http_json(resp, status, out);
	else
		http_problem(resp, err, pb);
}

const char *http_path_uuid(const struct _u_request *req, const char *name)
{
	const char *id = u_map_get(req->map_url, name);

	return token_is_uuid(id) ? id : NULL;
}

void http_reply_write(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                      struct problem *pb, const char *missing)
{
	if (err == APP_INVALID && errors && json_array_size(errors)) {
		problem_set(pb, "validation_failed", "Nothing was saved: see the field errors.");
		json_decref(pb->errors);
		pb->errors = json_incref(errors);
	} else if (err == APP_NOT_FOUND) {
		problem_set(pb, "not_found", "%s", missing);
	}
	if (err == APP_OK && status == 204)
		ulfius_set_empty_body_response(resp, 204);
	else
		http_reply(resp, err, status, out, pb);
	problem_free(pb);
}

/* application/json or any application/...+json, optionally with a UTF-8 charset. */
static int is_json_media_type(const char *ct)
{
	size_t n;
	const char *params;

	if (!ct)
		return 0;
	n = strcspn(ct, ";");
	while (n > 0 && ct[n - 1] == ' ')
		n--;
	if (!(n == 16 && strncasecmp(ct, "application/json", 16) == 0) &&
	    !(n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	      strncasecmp(ct + n - 5, "+json", 5) == 0))
		return 0;
	params = strchr(ct, ';');
	if (params && strcasestr(params, "charset") && !strcasestr(params, "utf-8"))
		return 0;
	return 1;
}

int http_read_json_object(json_t **body_out, const struct _u_request *req, size_t max,
                          struct problem *pb)
{
	*body_out = NULL;
	if (req->binary_body_length > max) {
		problem_set(pb, "payload_too_large", "The request body is larger than %zu bytes.",
		            max);
		return APP_TOO_LARGE;
	}
	if (!is_json_media_type(u_map_get_case(req->map_header, "Content-Type"))) {
		problem_set(
		        pb, "unsupported_media_type",
		        "The request body must be JSON, sent with Content-Type: application/json.");
		return APP_UNSUPPORTED;
	}
	return http_parse_json_object(body_out, req->binary_body, req->binary_body_length, pb);
}

int http_parse_json_object(json_t **body_out, const void *data, size_t len, struct problem *pb)
{
	json_error_t jerr;
	json_t *body;

	*body_out = NULL;
	if (len == 0) {
		problem_set(pb, "invalid_json",
		            "The request body is empty; a JSON object is expected.");
		return APP_INVALID;
	}
	body = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!body) {
		problem_set(pb, "invalid_json",
		            "The body is not valid JSON: %s (line %d, column %d).", jerr.text,
		            jerr.line, jerr.column);
		return APP_INVALID;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		problem_set(pb, "body_not_object", "The request body must be a JSON object.");
		return APP_INVALID;
	}
	*body_out = body;
	return APP_OK;
}

const char *http_query(const struct _u_request *req, const char *name)
{
	return u_map_get(req->map_url, name);
}

int http_query_long(long *out, const struct _u_request *req, const char *name, long min, long max,
                    long fallback, struct problem *pb)
{
	const char *text = http_query(req, name);
	size_t digits = text ? strspn(text, "0123456789") : 0;
	char message[96];

	*out = fallback;
	if (!text)
		return APP_OK;
	/* digits only, few enough that strtol cannot overflow: "4294967297" is not 1 */
	if (digits == 0 || digits != strlen(text) || digits > 18 || strtol(text, NULL, 10) < min ||
	    strtol(text, NULL, 10) > max) {
		snprintf(message, sizeof(message), "A whole number from %ld to %ld is expected.",
		         min, max);
		problem_field(pb, name, "invalid", message);
		return APP_INVALID;
	}
	*out = strtol(text, NULL, 10);
	return APP_OK;
}

/* Whether a cursor has the shape of those a list of that kind hands out. */
static bool cursor_shaped(const char *cursor, enum http_cursor shape)
{
	size_t n = strlen(cursor), digits = strspn(cursor, "0123456789");

	switch (shape) {
	case CURSOR_ENTRY_ID: /* an audit entry's id */
		return n <= 19 && digits == n;
	case CURSOR_TIME_ID: /* "<digits>:<uuid>" */
		return digits > 0 && digits <= 20 && cursor[digits] == ':' &&
		       strlen(cursor + digits + 1) == 36 &&
		       strspn(cursor + digits + 1, "0123456789abcdef-") == 36;
	case CURSOR_KEYSET: /* "<hex of the sort key>.<uuid>": the repository reads it back */
		return n <= 1300 && strspn(cursor, "0123456789abcdef.-") == n;
	}
	return false;
}

int http_paging(int *limit_out, const char **cursor_out, const struct _u_request *req,
                enum http_cursor shape, struct problem *pb)
{
	const char *cursor = http_query(req, "cursor");
	long n = 50;

	http_query_long(&n, req, "limit", 1, 200, 50, pb);
	*limit_out = (int)n;
	*cursor_out = NULL;
	if (cursor && (!*cursor || !cursor_shaped(cursor, shape)))
		problem_field(pb, "cursor", "invalid", "Use the next_cursor of a previous page.");
	else
		*cursor_out = cursor;
	return pb->errors ? APP_INVALID : APP_OK;
}

void http_only_fields(json_t *body, const char *const *allowed, struct problem *pb)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *f = allowed; *f && !known; f++)
			known = strcmp(*f, key) == 0;
		if (!known)
			problem_field(pb, key, "unknown_field", "This field is not accepted.");
	}
}
