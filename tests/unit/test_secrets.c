/* secrets.c: randomness shape, password alphabet, constant-time comparison semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/secrets.h"
#include "common/err.h"

static void hex_ids(void **state)
{
	char a[33], b[33];

	(void)state;
	assert_int_equal(secrets_random_hex(a, 16), APP_OK);
	assert_int_equal(secrets_random_hex(b, 16), APP_OK);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "0123456789abcdef"), 32);
	assert_string_not_equal(a, b);
}

static void passwords(void **state)
{
	char p[21];

	(void)state;
	for (int i = 0; i < 200; i++) {
		assert_int_equal(secrets_random_password(p, 20), APP_OK);
		assert_int_equal(strlen(p), 20);
		assert_null(strpbrk(p, "0O1lI")); /* no look-alikes */
		assert_non_null(strpbrk(p, "abcdefghijkmnpqrstuvwxyz"));
		assert_non_null(strpbrk(p, "ABCDEFGHJKLMNPQRSTUVWXYZ"));
		assert_non_null(strpbrk(p, "23456789"));
	}
	assert_int_equal(secrets_random_password(p, 4), APP_INVALID);
}

static void equality(void **state)
{
	(void)state;
	assert_true(secrets_equal("abc", 3, "abc", 3));
	assert_false(secrets_equal("abc", 3, "abd", 3));
	assert_false(secrets_equal("abc", 3, "abcd", 4));
	assert_false(secrets_equal("", 0, "a", 1));
	assert_true(secrets_equal("", 0, "", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hex_ids),
	        cmocka_unit_test(passwords),
	        cmocka_unit_test(equality),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
