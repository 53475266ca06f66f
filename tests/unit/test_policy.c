/* auth/policy.c: the rules a new password must pass, each with its own code. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/policy.h"
#include "common/err.h"

static const char *refusal(const char *password, const char *email, const char *name)
{
	static char message[256];
	const char *code = NULL;
	int rc = password_policy_check(&code, message, sizeof(message), password, email, name, 0);

	if (rc == APP_OK) {
		assert_null(code);
		return NULL;
	}
	assert_int_equal(rc, APP_INVALID);
	assert_true(strlen(message) > 10);
	return code;
}

static void rules(void **state)
{
	char long_one[1026];

	(void)state;
	memset(long_one, 'k', 1025);
	long_one[1025] = '\0';
	assert_null(refusal("correct horse battery staple", "ada@example.com", "Ada Lovelace"));
	assert_null(refusal("Tr0ub4dor&3x", NULL, NULL));
	assert_string_equal(refusal("short1!", NULL, NULL), "too_short");
	assert_string_equal(refusal(long_one, NULL, NULL), "too_long");
	assert_string_equal(refusal("password123", NULL, NULL), "too_weak");
	assert_string_equal(refusal("abcdefgh", NULL, NULL), "too_weak");
	assert_string_equal(refusal("aaaaaaaaaaaa", NULL, NULL), "too_weak");
	assert_string_equal(refusal("xx-adalovelace-99", "adalovelace@example.com", NULL),
	                    "contains_personal_data");
	assert_string_equal(refusal("I am LOVELACE, truly", NULL, "Ada Lovelace"),
	                    "contains_personal_data");
	/* parts under three letters are not personal data on their own */
	assert_null(refusal("correct horse battery staple", "al@example.com", "Al Yu"));
}

static void *check_many(void *arg)
{
	char message[256];
	const char *code;

	(void)arg;
	for (int i = 0; i < 40; i++)
		password_policy_check(&code, message, sizeof(message),
		                      i % 2 ? "password123" : "correct horse battery", NULL, NULL,
		                      0);
	return NULL;
}

/* cracklib is not thread-safe; the policy must be (it crashed under parallel requests once). */
static void concurrent_checks(void **state)
{
	pthread_t threads[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, check_many, NULL), 0);
	for (int i = 0; i < 8; i++)
		pthread_join(threads[i], NULL);
	assert_string_equal(refusal("password123", NULL, NULL), "too_weak");
}

static void operator_minimum(void **state)
{
	const char *code = NULL;
	char message[256];

	(void)state;
	assert_int_equal(password_policy_check(&code, message, sizeof(message),
	                                       "correct horse battery", NULL, NULL, 30),
	                 APP_INVALID);
	assert_string_equal(code, "too_short");
	assert_string_equal(message, "A password has at least 30 characters.");
	/* a minimum below the built-in one does not weaken it */
	assert_int_equal(
	        password_policy_check(&code, message, sizeof(message), "abc1234", NULL, NULL, 4),
	        APP_INVALID);
	assert_string_equal(code, "too_short");
	assert_int_equal(password_policy_check(&code, message, sizeof(message),
	                                       "correct horse battery", NULL, NULL, 21),
	                 APP_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(operator_minimum),
	                                   cmocka_unit_test(rules),
	                                   cmocka_unit_test(concurrent_checks)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
