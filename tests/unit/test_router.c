/* router.c: matching, path parameters, 405 method lists; dispatch.c's request id rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/dispatch.h"
#include "auth/principal.h"
#include "http/router.h"

static void matches_and_misses(void **state)
{
	char allow[64];
	size_t i = 99;

	(void)state;
	assert_int_equal(router_find(&i, allow, sizeof(allow), "GET", "/healthz", NULL),
	                 ROUTE_MATCHED);
	assert_string_equal(ROUTES[i].path, "/healthz");
	assert_int_equal(router_find(&i, allow, sizeof(allow), "DELETE", "/readyz", NULL),
	                 ROUTE_NO_METHOD);
	assert_string_equal(allow, "GET");
	assert_int_equal(router_find(&i, allow, sizeof(allow), "GET", "/healthz/", NULL),
	                 ROUTE_NO_PATH);
	assert_int_equal(router_find(&i, allow, sizeof(allow), "GET", "/healthzz", NULL),
	                 ROUTE_NO_PATH);
	assert_int_equal(router_find(&i, allow, sizeof(allow), "GET", "/", NULL), ROUTE_NO_PATH);
	assert_int_equal(router_find(&i, allow, sizeof(allow), "GET", "", NULL), ROUTE_NO_PATH);
}

static void every_route_is_unique_and_well_formed(void **state)
{
	(void)state;
	assert_true(ROUTE_COUNT > 0);
	for (size_t a = 0; a < ROUTE_COUNT; a++) {
		assert_true(ROUTES[a].path[0] == '/');
		assert_non_null(ROUTES[a].handler);
		for (size_t b = a + 1; b < ROUTE_COUNT; b++)
			assert_false(strcmp(ROUTES[a].method, ROUTES[b].method) == 0 &&
			             strcmp(ROUTES[a].path, ROUTES[b].path) == 0);
	}
}

/* A typo in a permission would deny everybody, or nobody notice: every name must be in the catalogue. */
static void every_permission_is_known(void **state)
{
	(void)state;
	for (size_t i = 0; i < ROUTE_COUNT; i++) {
		const char *p = ROUTES[i].permission;

		char one[64];

		/* alternatives: "customers.read|individuals.manage" */
		for (const char *q = p; q && *q;) {
			size_t len = strcspn(q, "|");

			assert_true(len < sizeof(one));
			memcpy(one, q, len);
			one[len] = '\0';
			if (strcmp(one, "self") != 0 && !permission_known(one) &&
			    !portal_permission_known(one))
				fail_msg("%s %s needs unknown permission %s", ROUTES[i].method,
				         ROUTES[i].path, one);
			q += len + (q[len] == '|');
		}
	}
	/* the staff API is behind permissions, never public */
	for (size_t i = 0; i < ROUTE_COUNT; i++)
		if (strncmp(ROUTES[i].path, "/api/v1/customers", 17) == 0 ||
		    strncmp(ROUTES[i].path, "/api/v1/staff", 13) == 0)
			assert_non_null(ROUTES[i].permission);
}

static void request_ids(void **state)
{
	(void)state;
	assert_true(http_request_id_ok("abc-123_X.y"));
	assert_true(http_request_id_ok("123456789012345678901234567890123456"));
	assert_false(http_request_id_ok("1234567890123456789012345678901234567"));
	assert_false(http_request_id_ok(""));
	assert_false(http_request_id_ok(NULL));
	assert_false(http_request_id_ok("a b"));
	assert_false(http_request_id_ok("a\"b"));
	assert_false(http_request_id_ok("line\nbreak"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(matches_and_misses),
	        cmocka_unit_test(every_route_is_unique_and_well_formed),
	        cmocka_unit_test(every_permission_is_known),
	        cmocka_unit_test(request_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
