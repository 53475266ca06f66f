/* migrate.c: file naming and the embedded set (ordered, well named, non-empty). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "common/embedded.h"
#include "db/db.h"
#include "common/err.h"
#include "db/migrate.h"

static void versions(void **state)
{
	(void)state;
	assert_int_equal(migrate_version("0001_foundation.sql"), 1);
	assert_int_equal(migrate_version("0042_x.sql"), 42);
	assert_int_equal(migrate_version("001_x.sql"), -1);
	assert_int_equal(migrate_version("00001_x.sql"), -1);
	assert_int_equal(migrate_version("0001-x.sql"), -1);
	assert_int_equal(migrate_version("x.sql"), -1);
}

static void embedded_set_is_ordered(void **state)
{
	(void)state;
	assert_true(cabinet_migrations_count >= 1);
	for (size_t i = 0; i < cabinet_migrations_count; i++) {
		assert_int_equal(migrate_version(cabinet_migrations[i].name), (long)i + 1);
		assert_true(cabinet_migrations[i].len > 0);
		assert_int_equal(strlen((const char *)cabinet_migrations[i].data),
		                 cabinet_migrations[i].len);
	}
	assert_true(cabinet_openapi_count == 1 && cabinet_openapi[0].len > 0);
}

static void sqlstates(void **state)
{
	(void)state;
	assert_int_equal(db_sqlstate_err("23505"), APP_CONFLICT);
	assert_int_equal(db_sqlstate_err("40001"), APP_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("40P01"), APP_UNAVAILABLE);
	assert_true(db_sqlstate_retryable("40P01") && !db_sqlstate_retryable("23505"));
	assert_int_equal(db_sqlstate_err("23P01"), APP_CONFLICT);
	assert_int_equal(db_sqlstate_err("23514"), APP_INVALID);
	assert_int_equal(db_sqlstate_err("22P02"), APP_INVALID);
	assert_int_equal(db_sqlstate_err("57014"), APP_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("08006"), APP_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err(NULL), APP_UNAVAILABLE);
	assert_int_equal(db_sqlstate_err("42601"), APP_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(versions),
	        cmocka_unit_test(embedded_set_is_ordered),
	        cmocka_unit_test(sqlstates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
