/*
 * Test-only endpoints, compiled in with -DCABINET_TEST_HOOKS=ON and never in a normal build:
 * moving the application clock and holding a request open (graceful shutdown tests).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "common/clock.h"
#include "common/err.h"
#include "http/respond.h"
#include "routes/routes.h"
#include "service/health.h"
#include "service/messages.h"

#define TEN_YEARS_S (10LL * 366 * 24 * 3600)

/* Reads the one integer field name of a JSON object body, within [min, max]. */
static int read_int_field(json_int_t *value_out, const struct _u_request *req, struct app *app,
                          const char *name, json_int_t min, json_int_t max, struct problem *pb)
{
	json_t *body = NULL, *v;
	int err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, pb);

	if (err != APP_OK)
		return err;
	http_only_fields(body, (const char *const[]){name, NULL}, pb);
	v = json_object_get(body, name);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		char msg[128];

		snprintf(msg, sizeof(msg), "An integer from %lld to %lld is required.",
		         (long long)min, (long long)max);
		problem_field(pb, name, v ? "invalid" : "required", msg);
	}
	if (pb->errors) {
		problem_set(pb, "validation_failed", "The body must be {\"%s\": integer}.", name);
		err = APP_INVALID;
	} else {
		*value_out = json_integer_value(v);
	}
	json_decref(body);
	return err;
}

/* POST /api/v1/test/clock {offset_seconds}: moves the application clock. */
int route_test_clock(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct problem pb = {0};
	json_int_t offset = 0;
	json_t *out = NULL;
	int err = read_int_field(&offset, req, user_data, "offset_seconds", -TEN_YEARS_S,
	                         TEN_YEARS_S, &pb);

	if (err == APP_OK) {
		clock_set_offset(offset);
		out = json_pack("{s:I, s:I}", "offset_seconds", (json_int_t)clock_offset(), "now",
		                (json_int_t)clock_now());
	}
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/test/sleep {milliseconds}: answers after a delay, to test draining on SIGTERM. */
int route_test_sleep(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct problem pb = {0};
	json_int_t ms = 0;
	json_t *out = NULL;
	int err = read_int_field(&ms, req, user_data, "milliseconds", 0, 10000, &pb);

	if (err == APP_OK) {
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
		out = json_pack("{s:I}", "slept_ms", ms);
	}
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

/* POST /api/v1/test/messages {event, language, channel, address, vars?, rollback?}: enqueues through
 * the outbox in a transaction that commits, or rolls back when rollback is true. */
int route_test_messages(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct app *app = user_data;
	struct problem pb = {0};
	json_t *body = NULL, *out = NULL;
	struct outbox_message m = {0};
	char id[37] = "";
	int rollback = 0,
	    err = http_read_json_object(&body, req, (size_t)app->cfg.max_body_bytes, &pb);

	if (err == APP_OK &&
	    json_unpack(body, "{s:s, s:s, s:s, s:s, s?o, s?b !}", "event", &m.event, "language",
	                &m.language, "channel", &m.channel, "address", &m.address, "vars", &m.vars,
	                "rollback", &rollback) != 0) {
		problem_set(&pb, "validation_failed",
		            "Expected {event, language, channel, address, vars?, rollback?}.");
		err = APP_INVALID;
	}
	if (err == APP_OK && (err = messages_enqueue_test(id, app, &m, rollback)) == APP_INVALID)
		problem_set(&pb, "validation_failed", "Unknown event, language or channel.");
	if (err == APP_OK)
		out = json_pack("{s:s, s:b}", "id", id, "committed", !rollback);
	http_reply(resp, err, rollback ? 200 : 201, out, &pb);
	json_decref(out);
	json_decref(body);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}

#ifdef CABINET_TEST_HOOKS
/*
 * POST /api/v1/test/transaction {failures}: a transaction whose first failures attempts end with a
 * serialization failure; {attempts} when it commits, 503 when the helper gave up.
 */
int route_test_transaction(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
	struct problem pb = {0};
	json_int_t failures = 0;
	json_t *out = NULL;
	int attempts = 0;
	int err = read_int_field(&failures, req, user_data, "failures", 0, 10, &pb);

	if (err == APP_OK &&
	    (err = health_test_transaction(&attempts, user_data, (int)failures)) == APP_OK)
		out = json_pack("{s:i}", "attempts", attempts);
	http_reply(resp, err, 200, out, &pb);
	json_decref(out);
	problem_free(&pb);
	return U_CALLBACK_COMPLETE;
}
#endif
