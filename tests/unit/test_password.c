/*
 * password.c: argon2id or bcrypt hashing with the configured costs; legacy argon2 parameters still
 * verify; the dummy hash of unknown accounts follows the driver.
 */
#include <argon2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/password.h"
#include "common/clock.h"
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

/*
 * One lane goes through libsodium, several through libargon2: each library verifies what the
 * other made, so neither choice strands a stored hash.
 */
static void libraries_agree(void **state)
{
	struct password_params one = {.memory_kib = 19456, .iterations = 2, .parallelism = 1},
	                       two = {.memory_kib = 19456, .iterations = 2, .parallelism = 2};
	char ours[PASSWORD_HASH_MAX], lanes[PASSWORD_HASH_MAX], theirs[PASSWORD_HASH_MAX];
	const unsigned char salt[] = "0123456789abcdef";

	(void)state;
	assert_int_equal(password_hash(ours, &one, "shared secret"), APP_OK);
	assert_int_equal(argon2id_verify(ours, "shared secret", 13), ARGON2_OK);
	assert_int_not_equal(argon2id_verify(ours, "shared secreT", 13), ARGON2_OK);
	assert_int_equal(password_hash(lanes, &two, "shared secret"), APP_OK);
	assert_non_null(strstr(lanes, ",p=2$"));
	assert_true(password_verify(lanes, "shared secret"));
	assert_false(password_verify(lanes, "shared secreT"));
	assert_int_equal(argon2id_hash_encoded(2, 19456, 1, "shared secret", 13, salt, 16, 32,
	                                       theirs, sizeof(theirs)),
	                 ARGON2_OK);
	assert_true(password_verify(theirs, "shared secret"));
	assert_false(password_verify(theirs, "shared secreT"));
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

/* bcrypt as PHP (password_hash), htpasswd -B and OpenBSD make it, checked through libxcrypt. */
static void bcrypt_hashes(void **state)
{
	(void)state;
	/* OpenBSD's test vector, in its $2a$ form and the identical $2y$/$2b$ variants */
	assert_true(password_verify("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	                            "U*U"));
	assert_true(password_verify("$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	                            "U*U"));
	assert_true(password_verify("$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	                            "U*U"));
	assert_false(password_verify("$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	                             "U*V"));
	/* made by htpasswd -nbB -C 5 u 'secret pass' */
	assert_true(password_verify("$2y$05$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm",
	                            "secret pass"));
	assert_false(password_verify("$2y$05$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm",
	                             "secret pas"));
	assert_false(password_verify("$2y$05$tooshort", "x"));
	assert_false(password_verify("$2y$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
	                             "U*U"));
}

static void rehash_rule(void **state)
{
	struct password_params p = {.memory_kib = 19456, .iterations = 2, .parallelism = 1};
	char h[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash(h, &p, "pw for rehash"), APP_OK);
	assert_false(password_needs_rehash(h, &p));
	p.iterations = 3;
	assert_true(password_needs_rehash(h, &p)); /* parameters raised since */
	assert_true(password_needs_rehash(
	        "$2y$05$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm", &p));
	assert_true(password_needs_rehash("$argon2i$v=19$m=19456,t=3,p=1$c2FsdHNhbHQ$aGFzaA", &p));
	assert_true(password_needs_rehash(NULL, &p));
}

static void bcrypt_driver(void **state)
{
	struct password_params p = {.memory_kib = 19456,
	                            .iterations = 2,
	                            .parallelism = 1,
	                            .driver = PASSWORD_BCRYPT,
	                            .bcrypt_cost = 10};
	struct password_params argon = {.memory_kib = 19456, .iterations = 2, .parallelism = 1};
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX], a[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash(h1, &p, "correct horse battery"), APP_OK);
	assert_int_equal(password_hash(h2, &p, "correct horse battery"), APP_OK);
	assert_int_equal(strncmp(h1, "$2b$10$", 7), 0);
	assert_int_equal(strlen(h1), 60);
	assert_string_not_equal(h1, h2); /* salted */
	assert_true(password_verify(h1, "correct horse battery"));
	assert_false(password_verify(h1, "correct horse batterY"));
	assert_false(password_needs_rehash(h1, &p));
	p.bcrypt_cost = 11;
	assert_true(password_needs_rehash(h1, &p)); /* the cost was raised since */
	/* switching drivers re-hashes the other kind at the next sign-in, both ways */
	assert_int_equal(password_hash(a, &argon, "x"), APP_OK);
	assert_true(password_needs_rehash(a, &p));
	assert_true(password_needs_rehash(h1, &argon));
}

static void dummy_follows_the_driver(void **state)
{
	struct password_params bcrypt = {.driver = PASSWORD_BCRYPT, .bcrypt_cost = 10};
	struct password_params argon = {.memory_kib = 19456, .iterations = 2, .parallelism = 1};
	const char *d1 = password_dummy(&bcrypt), *d2 = password_dummy(&argon);

	(void)state;
	assert_non_null(d1);
	assert_non_null(d2);
	assert_int_equal(strncmp(d1, "$2b$10$", 7), 0);
	assert_non_null(strstr(d2, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_ptr_equal(password_dummy(&bcrypt), d1); /* made once, then kept */
	assert_false(password_verify(d1, ""));
}

static void known_shapes(void **state)
{
	struct password_params p = {.memory_kib = 19456, .iterations = 2, .parallelism = 1};
	char h[PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(password_hash(h, &p, "x"), APP_OK);
	assert_true(password_hash_known(h));
	assert_true(password_hash_known(
	        "$2y$05$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm"));
	assert_true(password_hash_known(
	        "$2b$12$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm"));
	assert_true(password_hash_known("$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$"
	                                "iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A"));
	assert_false(password_hash_known(NULL));
	assert_false(password_hash_known(""));
	assert_false(password_hash_known("plaintext"));
	assert_false(password_hash_known("$1$abc$def")); /* md5-crypt */
	assert_false(password_hash_known(
	        "$2y$05$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34d")); /* short */
	assert_false(password_hash_known(
	        "$2y$99$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm"));
	assert_false(password_hash_known(
	        "$2y$05$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5Zno'Drm"));
	assert_false(password_hash_known(
	        "$argon2id$v=16$m=4096,t=3,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
	assert_false(password_hash_known("$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHQ"));
	assert_false(password_hash_known(
	        "$argon2id$v=19$m=4096,t=3,p=1$c29t;ZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
}

/* Costs beyond the bounds are refused, and never computed: verifying answers at once. */
static void bounded_costs(void **state)
{
	static const char *const TOO_COSTLY[] = {
	        "$2b$15$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm",
	        "$2y$31$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm",
	        "$argon2id$v=19$m=262145,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	        "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	        "$argon2id$v=19$m=19456,t=11,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	        "$argon2i$v=19$m=19456,t=2,p=9$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	        "$argon2id$v=19$m=4294967295,t=4294967295,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	        "$argon2id$v=19$m= 4096,t=3,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
	};
	int64_t started = clock_mono_ms();

	(void)state;
	for (size_t i = 0; i < sizeof(TOO_COSTLY) / sizeof(TOO_COSTLY[0]); i++) {
		assert_false(password_hash_known(TOO_COSTLY[i]));
		assert_false(password_verify(TOO_COSTLY[i], "pw"));
	}
	assert_true(clock_mono_ms() - started < 200);
	/* the bounds themselves are allowed */
	assert_true(password_hash_known(
	        "$2b$14$MeutC0KGIkP9Xve9uMsBb.jijSvSTvhZ/MqJ6N34dNzPt5ZnosDrm"));
	assert_true(password_hash_known(
	        "$argon2id$v=19$m=262144,t=10,p=8$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hash_and_verify),
	        cmocka_unit_test(legacy_parameters),
	        cmocka_unit_test(libraries_agree),
	        cmocka_unit_test(bounded_costs),
	        cmocka_unit_test(malformed_hashes_are_mismatches),
	        cmocka_unit_test(bcrypt_hashes),
	        cmocka_unit_test(rehash_rule),
	        cmocka_unit_test(bcrypt_driver),
	        cmocka_unit_test(dummy_follows_the_driver),
	        cmocka_unit_test(known_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
