/* principal.c: deny by default; a staff member's permissions are its role's, "*" grants all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "auth/principal.h"

static struct principal staff(const char *permissions)
{
	struct principal p = {.kind = PRINCIPAL_STAFF};

	strcpy(p.permissions, permissions);
	return p;
}

static void permissions(void **state)
{
	struct principal owner = staff("*"), support = staff("customers.read,messages.read"),
	                 none = staff(""), customer = {.kind = PRINCIPAL_CUSTOMER};
	struct principal nobody = {0};

	(void)state;
	assert_true(principal_allows(&owner, "self"));
	assert_true(principal_allows(&owner, "settings.manage"));
	assert_true(principal_allows(&support, "self"));
	assert_true(principal_allows(&support, "customers.read"));
	assert_true(principal_allows(&support, "messages.read"));
	assert_false(principal_allows(&support, "settings.manage"));
	assert_false(principal_allows(&support, "customers"));        /* no prefix matches */
	assert_false(principal_allows(&support, "customers.read.x")); /* nor longer names */
	assert_false(principal_allows(&support, "messages"));
	assert_true(principal_allows(&none, "self"));
	assert_false(principal_allows(&none, "customers.read"));
	strcpy(customer.permissions, "*"); /* a customer never holds staff permissions */
	assert_false(principal_allows(&customer, "customers.read"));
	assert_true(principal_allows(&customer, "self"));
	assert_false(principal_allows(&nobody, "self"));
	assert_false(principal_allows(NULL, "self"));
	assert_false(principal_allows(&owner, NULL));
}

/* A customer's permissions come from its portal role: portal names only, one by one. */
static void portal_roles(void **state)
{
	struct principal c = {.kind = PRINCIPAL_CUSTOMER};

	(void)state;
	strcpy(c.permissions, "profile.read,history.read");
	assert_true(principal_allows(&c, "profile.read"));
	assert_true(principal_allows(&c, "history.read"));
	assert_false(principal_allows(&c, "tokens.manage"));
	assert_false(principal_allows(&c, "customers.read")); /* a staff name, even if listed */
	strcpy(c.permissions, "customers.read,*");
	assert_false(principal_allows(&c, "customers.read"));
	assert_false(principal_allows(&c, "profile.read")); /* "*" grants nothing to a customer */
	assert_true(portal_permission_known("bookings.cancel"));
	assert_false(portal_permission_known("customers.read"));
}

static void catalogue(void **state)
{
	(void)state;
	assert_true(permission_known("customers.read"));
	assert_true(permission_known("audit.read"));
	assert_false(permission_known("customers"));
	assert_false(permission_known("*"));
	assert_false(permission_known(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(permissions),
	                                   cmocka_unit_test(portal_roles),
	                                   cmocka_unit_test(catalogue)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
