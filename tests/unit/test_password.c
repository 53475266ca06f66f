/* password.c: argon2id hashing with the configured costs; legacy argon2 parameters still verify. */
#include <argon2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/password.h"
#include "common/err.h"

static void hash_and_verify(void **state)
{
	struct password_params p = {.memory_kib = 19456, .iterations = 2, .parallelism = 1};
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash(h1, &p, "correct horse battery"), APP_OK);
	assert_int_equal(password_hash(h2, &p, "correct horse battery"), APP_OK);
	assert_non_null(strstr(h1, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_string_not_equal(h1, h2); /* salted */
	assert_true(password_verify(h1, "correct horse battery"));
	assert_false(password_verify(h1, "correct horse batterY"));
	assert_false(password_verify(h1, ""));
}

/* Hashes made elsewhere with other parameters (t=1, small m, argon2i) must still verify. */
static void legacy_parameters(void **state)
{
	char enc[PASSWORD_HASH_MAX];
	const unsigned char salt[] = "somesaltsomesalt";

	(void)state;
	assert_int_equal(argon2id_hash_encoded(1, 64, 1, "pw", 2, salt, 16, 16, enc, sizeof(enc)),
	                 ARGON2_OK);
	assert_true(password_verify(enc, "pw"));
	assert_false(password_verify(enc, "pW"));
	assert_int_equal(argon2i_hash_encoded(3, 4096, 2, "pw", 2, salt, 16, 32, enc, sizeof(enc)),
	                 ARGON2_OK);
	assert_true(strncmp(enc, "$argon2i$", 9) == 0);
	assert_true(password_verify(enc, "pw"));
	assert_false(password_verify(enc, "px"));
}

static void malformed_hashes_are_mismatches(void **state)
{
	(void)state;
	assert_false(password_verify(NULL, "pw"));
	assert_false(password_verify("", "pw"));
	assert_false(password_verify("$argon2id$garbage", "pw"));
	assert_false(password_verify("$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA", "pw"));
	assert_false(password_verify("plaintext", "plaintext"));
	assert_false(password_verify("$1$abc$def", "pw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hash_and_verify),
	        cmocka_unit_test(legacy_parameters),
	        cmocka_unit_test(malformed_hashes_are_mismatches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
