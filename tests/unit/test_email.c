/* common/email.c: which addresses are plausible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "common/email.h"

static void accepted(void **state)
{
	(void)state;
	assert_true(email_plausible("ada@example.com"));
	assert_true(email_plausible("Ada.Lovelace+cabinet@mail.example.co.uk"));
	assert_true(email_plausible("o'brien@example.ie"));
	assert_true(email_plausible("élodie@exemple.fr")); /* UTF-8 local parts exist (RFC 6531) */
}

static void refused(void **state)
{
	char longest[300];

	(void)state;
	assert_false(email_plausible(NULL));
	assert_false(email_plausible(""));
	assert_false(email_plausible("ada"));
	assert_false(email_plausible("@example.com"));
	assert_false(email_plausible("ada@"));
	assert_false(email_plausible("ada@localhost"));
	assert_false(email_plausible("ada@.example.com"));
	assert_false(email_plausible("ada@example.com."));
	assert_false(email_plausible("ada@example..com"));
	assert_false(email_plausible("ada@b@example.com"));
	assert_false(email_plausible("ada lovelace@example.com"));
	assert_false(email_plausible("ada@example.com\r\nBcc: eve@example.com"));
	assert_false(email_plausible("\"Ada\" <ada@example.com>"));
	assert_false(email_plausible("ada@example.com,eve@example.com"));
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + 250, "@b.cd", 6); /* 255 bytes */
	assert_false(email_plausible(longest));
	longest[249] = '\0';
	assert_true(email_plausible(strcat(longest, "@b.c"))); /* 253 bytes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(accepted),
	        cmocka_unit_test(refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
