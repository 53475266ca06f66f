/* respond.c: the problem mapper and the one JSON body reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "http/respond.h"

static void statuses(void **state)
{
	(void)state;
	assert_int_equal(http_status_of(APP_INVALID), 400);
	assert_int_equal(http_status_of(APP_UNAUTHORIZED), 401);
	assert_int_equal(http_status_of(APP_FORBIDDEN), 403);
	assert_int_equal(http_status_of(APP_NOT_FOUND), 404);
	assert_int_equal(http_status_of(APP_NOT_ALLOWED), 405);
	assert_int_equal(http_status_of(APP_CONFLICT), 409);
	assert_int_equal(http_status_of(APP_TOO_LARGE), 413);
	assert_int_equal(http_status_of(APP_UNSUPPORTED), 415);
	assert_int_equal(http_status_of(APP_RATE_LIMITED), 429);
	assert_int_equal(http_status_of(APP_UNAVAILABLE), 503);
	assert_int_equal(http_status_of(APP_INTERNAL), 500);
	assert_int_equal(http_status_of(12345), 500);
}

static void default_body(void **state)
{
	json_t *b = problem_body(APP_NOT_FOUND, NULL, "req-1");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(b, "type")), "about:blank");
	assert_string_equal(json_string_value(json_object_get(b, "title")), "Not Found");
	assert_int_equal(json_integer_value(json_object_get(b, "status")), 404);
	assert_string_equal(json_string_value(json_object_get(b, "code")), "not_found");
	assert_string_equal(json_string_value(json_object_get(b, "request_id")), "req-1");
	assert_true(strlen(json_string_value(json_object_get(b, "detail"))) > 0);
	assert_null(json_object_get(b, "errors"));
	json_decref(b);
}

static void internal_error_says_nothing_inside(void **state)
{
	json_t *b = problem_body(APP_INTERNAL, NULL, NULL);

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(b, "status")), 500);
	assert_string_equal(json_string_value(json_object_get(b, "code")), "internal");
	assert_null(json_object_get(b, "request_id"));
	json_decref(b);
	/* APP_OK is never an error body: it maps to 500 rather than a 200 problem */
	b = problem_body(APP_OK, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(b, "status")), 500);
	json_decref(b);
}

static void field_errors(void **state)
{
	struct problem pb = {0};
	json_t *b, *e;

	(void)state;
	problem_set(&pb, "validation_failed", "%d fields are wrong.", 2);
	problem_field(&pb, "email", "required", "E-mail is required.");
	problem_field(&pb, "phone", "invalid", "Not a phone number.");
	b = problem_body(APP_INVALID, &pb, "r");
	assert_string_equal(json_string_value(json_object_get(b, "code")), "validation_failed");
	assert_string_equal(json_string_value(json_object_get(b, "detail")), "2 fields are wrong.");
	e = json_object_get(b, "errors");
	assert_int_equal(json_array_size(e), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "field")),
	                    "phone");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "code")),
	                    "invalid");
	json_decref(b);
	problem_free(&pb);
}

/* A request as Ulfius would hand it over. */
static void make_request(struct _u_request *req, const char *content_type, const char *body)
{
	ulfius_init_request(req);
	if (content_type)
		u_map_put(req->map_header, "Content-Type", content_type);
	req->binary_body = strdup(body);
	req->binary_body_length = strlen(body);
}

static int read_body(const char *content_type, const char *body, size_t max, const char **code)
{
	struct _u_request req;
	struct problem pb = {0};
	json_t *out = NULL;
	int rc;

	make_request(&req, content_type, body);
	rc = http_read_json_object(&out, &req, max, &pb);
	*code = pb.code;
	if (rc == APP_OK) {
		assert_true(json_is_object(out));
		assert_null(pb.code);
	} else {
		assert_null(out);
		assert_true(strlen(pb.detail) > 0);
	}
	json_decref(out);
	problem_free(&pb);
	ulfius_clean_request(&req);
	return rc;
}

static void body_reader(void **state)
{
	const char *code = NULL;

	(void)state;
	assert_int_equal(read_body("application/json", "{\"a\":1}", 100, &code), APP_OK);
	assert_int_equal(read_body("application/json; charset=utf-8", "{}", 100, &code), APP_OK);
	assert_int_equal(read_body("application/merge-patch+json", "{}", 100, &code), APP_OK);
	assert_int_equal(read_body("Application/JSON", "{}", 100, &code), APP_OK);

	assert_int_equal(read_body("text/plain", "{}", 100, &code), APP_UNSUPPORTED);
	assert_string_equal(code, "unsupported_media_type");
	assert_int_equal(read_body(NULL, "{}", 100, &code), APP_UNSUPPORTED);
	assert_int_equal(read_body("application/json; charset=latin1", "{}", 100, &code),
	                 APP_UNSUPPORTED);
	assert_int_equal(read_body("application/jsonx", "{}", 100, &code), APP_UNSUPPORTED);

	assert_int_equal(read_body("application/json", "{\"a\":1,\"a\":2}", 100, &code),
	                 APP_INVALID);
	assert_string_equal(code, "invalid_json");
	assert_int_equal(read_body("application/json", "{\"a\":", 100, &code), APP_INVALID);
	assert_string_equal(code, "invalid_json");
	assert_int_equal(read_body("application/json", "", 100, &code), APP_INVALID);
	assert_int_equal(read_body("application/json", "\"\\u0000\"", 100, &code), APP_INVALID);
	assert_int_equal(read_body("application/json", "\"\xff\xfe\"", 100, &code), APP_INVALID);

	assert_int_equal(read_body("application/json", "[1,2]", 100, &code), APP_INVALID);
	assert_string_equal(code, "body_not_object");
	assert_int_equal(read_body("application/json", "42", 100, &code), APP_INVALID);
	assert_string_equal(code, "body_not_object");

	assert_int_equal(read_body("application/json", "{\"a\":\"0123456789\"}", 10, &code),
	                 APP_TOO_LARGE);
	assert_string_equal(code, "payload_too_large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(statuses),
	        cmocka_unit_test(default_body),
	        cmocka_unit_test(internal_error_says_nothing_inside),
	        cmocka_unit_test(field_errors),
	        cmocka_unit_test(body_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
