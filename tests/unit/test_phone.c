/* auth/phone.c: E.164 from the spellings people type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/phone.h"
#include "common/err.h"

static const char *norm(const char *input, const char *country)
{
	static char out[32];

	return phone_normalize(out, sizeof(out), input, country) == APP_OK ? out : NULL;
}

static void spellings(void **state)
{
	(void)state;
	assert_string_equal(norm("+33 6 12 34 56 78", ""), "+33612345678");
	assert_string_equal(norm("+33612345678", NULL), "+33612345678");
	assert_string_equal(norm("0033 6.12.34.56.78", ""), "+33612345678");
	assert_string_equal(norm("06 12 34 56 78", "FR"), "+33612345678");
	assert_string_equal(norm("06-12-34-56-78", "fr"), "+33612345678");
	assert_string_equal(norm("(415) 555-2671", "US"), "+14155552671");
	assert_string_equal(norm("1 415 555 2671", "US"), "+14155552671");
	assert_string_equal(norm("020 7946 0958", "GB"), "+442079460958");
	assert_string_equal(norm("06 1234 5678", "IT"), "+390612345678"); /* Italy keeps its 0 */
	assert_string_equal(norm("  +1 (415) 555 2671", "FR"), "+14155552671");
}

static void refusals(void **state)
{
	(void)state;
	assert_null(norm("06 12 34 56 78", ""));   /* national, no default country */
	assert_null(norm("06 12 34 56 78", "XX")); /* unknown country */
	assert_null(norm("+33 6 12 ab 56 78", ""));
	assert_null(norm("+123", ""));
	assert_null(norm("+1234567890123456", "")); /* 16 digits: over E.164 */
	assert_null(norm("+0612345678", ""));
	assert_null(norm("", "FR"));
	assert_null(norm(NULL, "FR"));
	assert_null(norm("ada@example.com", "FR"));
	assert_null(norm("12", "FR"));
	assert_true(phone_country_known("FR"));
	assert_false(phone_country_known("XX"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(spellings), cmocka_unit_test(refusals)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
