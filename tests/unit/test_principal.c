/* principal.c: deny by default; roles over the permission catalogue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/principal.h"

static struct principal staff(const char *role)
{
	struct principal p = {.kind = PRINCIPAL_STAFF};

	strcpy(p.role, role);
	return p;
}

static void roles(void **state)
{
	struct principal owner = staff("owner"), support = staff("support"),
	                 odd = staff("intruder");
	struct principal nobody = {0};

	(void)state;
	assert_true(principal_allows(&owner, "self"));
	assert_true(principal_allows(&owner, "settings.manage"));
	assert_true(principal_allows(&support, "self"));
	assert_false(principal_allows(&support, "settings.manage"));
	assert_true(principal_allows(&odd, "self"));
	assert_false(principal_allows(&odd, "settings.manage"));
	assert_false(principal_allows(&nobody, "self"));
	assert_false(principal_allows(NULL, "self"));
	assert_false(principal_allows(&owner, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(roles)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
