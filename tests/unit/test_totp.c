/* auth/totp.c and secrets_seal: RFC 6238 vectors, the step window, URIs; sealing round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/secrets.h"
#include "auth/totp.h"
#include "common/err.h"

static const unsigned char RFC_SECRET[] = "12345678901234567890";

static void rfc6238_vectors(void **state)
{
	/* RFC 6238 appendix B, SHA-1, the last six of its eight digits */
	static const struct {
		long t;
		const char *code;
	} v[] = {{59, "287082"},
	         {1111111109, "081804"},
	         {1111111111, "050471"},
	         {1234567890, "005924"},
	         {2000000000, "279037"}};
	char code[7];
	long long step;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(code, RFC_SECRET, 20, v[i].t), APP_OK);
		assert_string_equal(code, v[i].code);
		assert_int_equal(totp_check(&step, RFC_SECRET, 20, v[i].code, v[i].t), APP_OK);
		assert_int_equal(step, v[i].t / 30);
	}
}

static void window_of_one_step(void **state)
{
	char code[7];
	long long step;

	(void)state;
	assert_int_equal(totp_code(code, RFC_SECRET, 20, 1111111109), APP_OK);
	assert_int_equal(totp_check(&step, RFC_SECRET, 20, code, 1111111109 + 30), APP_OK);
	assert_int_equal(totp_check(&step, RFC_SECRET, 20, code, 1111111109 - 30), APP_OK);
	assert_int_equal(totp_check(&step, RFC_SECRET, 20, code, 1111111109 + 90), APP_INVALID);
	assert_int_equal(totp_check(&step, RFC_SECRET, 20, "12345", 59), APP_INVALID);
	assert_int_equal(totp_check(&step, RFC_SECRET, 20, "12345a", 59), APP_INVALID);
	assert_int_equal(totp_check(&step, RFC_SECRET, 20, NULL, 59), APP_INVALID);
}

static void secrets_and_uris(void **state)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char b32[33], uri[512];

	(void)state;
	assert_int_equal(totp_new_secret(raw, b32), APP_OK);
	assert_int_equal(strlen(b32), 32);
	assert_int_equal(strspn(b32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	assert_int_equal(totp_uri(uri, sizeof(uri), "Cabinet Café", "ada@example.org", b32),
	                 APP_OK);
	assert_non_null(
	        strstr(uri, "otpauth://totp/Cabinet%20Caf%C3%A9:ada%40example.org?secret="));
	assert_non_null(
	        strstr(uri, "&issuer=Cabinet%20Caf%C3%A9&algorithm=SHA1&digits=6&period=30"));
}

static void sealing(void **state)
{
	unsigned char plain[32] = "twenty bytes secret!", back[64];
	char sealed[200], other[200];
	size_t n = 0;

	(void)state;
	assert_int_equal(secrets_seal(sealed, sizeof(sealed), "server secret of enough length 0123",
	                              "account-1", plain, 20),
	                 APP_OK);
	assert_int_equal(strlen(sealed), 2 * (12 + 20 + 16));
	assert_int_equal(secrets_open(back, sizeof(back), &n, "server secret of enough length 0123",
	                              "account-1", sealed),
	                 APP_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(back, plain, 20);
	/* another account, another key, or a flipped bit: refused */
	assert_int_equal(secrets_open(back, sizeof(back), &n, "server secret of enough length 0123",
	                              "account-2", sealed),
	                 APP_INTERNAL);
	assert_int_equal(secrets_open(back, sizeof(back), &n, "another server secret 0123456789",
	                              "account-1", sealed),
	                 APP_INTERNAL);
	strcpy(other, sealed);
	other[30] = other[30] == '0' ? '1' : '0';
	assert_int_equal(secrets_open(back, sizeof(back), &n, "server secret of enough length 0123",
	                              "account-1", other),
	                 APP_INTERNAL);
	/* sealing twice gives different texts (random nonce) */
	assert_int_equal(secrets_seal(other, sizeof(other), "server secret of enough length 0123",
	                              "account-1", plain, 20),
	                 APP_OK);
	assert_string_not_equal(other, sealed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(rfc6238_vectors),
	        cmocka_unit_test(window_of_one_step),
	        cmocka_unit_test(secrets_and_uris),
	        cmocka_unit_test(sealing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
