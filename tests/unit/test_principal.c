/* principal.c: deny by default; a staff member's permissions are its role's, "*" grants all;
 * impersonation and API tokens narrow what a principal may do. */
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
	assert_true(principal_allows(&owner, "self", 0));
	assert_true(principal_allows(&owner, "settings.manage", 0));
	assert_true(principal_allows(&support, "self", 0));
	assert_true(principal_allows(&support, "customers.read", 0));
	assert_true(principal_allows(&support, "messages.read", 0));
	assert_false(principal_allows(&support, "settings.manage", 0));
	assert_false(principal_allows(&support, "customers", 0));        /* no prefix matches */
	assert_false(principal_allows(&support, "customers.read.x", 0)); /* nor longer names */
	assert_false(principal_allows(&support, "messages", 0));
	assert_true(principal_allows(&none, "self", 0));
	assert_false(principal_allows(&none, "customers.read", 0));
	strcpy(customer.permissions, "*"); /* a customer never holds staff permissions */
	assert_false(principal_allows(&customer, "customers.read", 0));
	assert_true(principal_allows(&customer, "self", 0));
	assert_false(principal_allows(&nobody, "self", 0));
	assert_false(principal_allows(NULL, "self", 0));
	assert_false(principal_allows(&owner, NULL, 0));
}

/* A customer's permissions come from its portal role: portal names only, one by one. */
static void portal_roles(void **state)
{
	struct principal c = {.kind = PRINCIPAL_CUSTOMER};

	(void)state;
	strcpy(c.permissions, "profile.read,history.read");
	assert_true(principal_allows(&c, "profile.read", 0));
	assert_true(principal_allows(&c, "history.read", 0));
	assert_false(principal_allows(&c, "tokens.manage", 0));
	assert_false(principal_allows(&c, "customers.read", 0)); /* a staff name, even if listed */
	strcpy(c.permissions, "customers.read,*");
	assert_false(principal_allows(&c, "customers.read", 0));
	assert_false(
	        principal_allows(&c, "profile.read", 0)); /* "*" grants nothing to a customer */
	assert_true(portal_permission_known("bookings.cancel"));
	assert_false(portal_permission_known("customers.read"));
}

/* Staff hold the portal permissions of their own account, and no other portal one. */
static void own_account(void **state)
{
	struct principal none = staff("");

	(void)state;
	assert_true(principal_allows(&none, "profile.write", 0));
	assert_true(principal_allows(&none, "tokens.manage", 0));
	assert_true(principal_allows(&none, "sessions.manage", 0));
	assert_false(principal_allows(&none, "individuals.manage", 0));
	assert_false(principal_allows(&none, "licenses.read", 0));
}

/* Credentials: never through impersonation or a token; a bare token has no session. */
static void access_flags(void **state)
{
	struct principal c = {.kind = PRINCIPAL_CUSTOMER}, imp, tok, tok_session;

	(void)state;
	strcpy(c.permissions, "profile.read,tokens.manage");
	imp = c;
	strcpy(imp.impersonator_id, "00000000-0000-0000-0000-000000000001");
	tok = c;
	strcpy(tok.token_id, "00000000-0000-0000-0000-000000000002");
	strcpy(tok.token_permissions, "profile.read");
	tok.token_direct = true;
	tok_session = tok;
	tok_session.token_direct = false;

	assert_true(principal_allows(&c, "self", ACCESS_CREDENTIALS));
	assert_false(principal_allows(&imp, "self", ACCESS_CREDENTIALS));
	assert_string_equal(principal_refusal(&imp, "self", ACCESS_CREDENTIALS),
	                    "impersonation_restricted");
	assert_true(principal_allows(&imp, "profile.read", 0));
	assert_false(principal_allows(&tok, "self", ACCESS_CREDENTIALS));
	assert_string_equal(principal_refusal(&tok, "self", ACCESS_CREDENTIALS),
	                    "token_restricted");
	assert_false(principal_allows(&tok, "self", ACCESS_SESSION));
	assert_true(principal_allows(&tok_session, "self", ACCESS_SESSION));
	assert_true(principal_allows(&c, "self", ACCESS_SESSION));
	/* a token narrows its owner: both must hold the permission */
	assert_true(principal_allows(&tok, "profile.read", 0));
	assert_false(principal_allows(&tok, "tokens.manage", 0)); /* the owner's, not the token's */
	strcpy(tok.token_permissions, "profile.read,history.read");
	assert_false(principal_allows(&tok, "history.read", 0)); /* the token's, not the owner's */
	assert_true(principal_allows(&tok, "self", 0));
}

static void list_literal(void **state)
{
	char out[32];
	json_t *names = json_pack("[s, s]", "profile.read", "history.read");
	json_t *bad = json_pack("[s, s]", "profile.read", "nope");
	json_t *long_list = json_pack("[s, s, s]", "profile.read", "history.read", "profile.write");

	(void)state;
	assert_true(permission_list_literal(out, sizeof(out), names, portal_permission_known));
	assert_string_equal(out, "{profile.read,history.read}");
	assert_false(permission_list_literal(out, sizeof(out), bad, portal_permission_known));
	assert_false(permission_list_literal(out, sizeof(out), long_list, portal_permission_known));
	assert_false(permission_list_literal(out, sizeof(out), NULL, portal_permission_known));
	json_decref(names);
	json_decref(bad);
	json_decref(long_list);
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
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(permissions),  cmocka_unit_test(portal_roles),
	        cmocka_unit_test(own_account),  cmocka_unit_test(access_flags),
	        cmocka_unit_test(list_literal), cmocka_unit_test(catalogue)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
