/* Readiness probe. One retry on a fresh connection, so a restarted PostgreSQL is noticed at once. */
#include "service/health.h"

#include "db/db.h"

#include "common/embedded.h"
#include "common/err.h"
#include "db/migrate.h"

static int check_once(bool *current_out, bool *broken_out, struct app *app)
{
	struct db_conn *conn = NULL;
	int rc = db_pool_checkout(&conn, app->pool);

	*broken_out = false;
	if (rc == APP_OK) {
		rc = migrate_is_current(current_out, conn, cabinet_migrations,
		                        cabinet_migrations_count);
		*broken_out = conn->broken;
	}
	db_pool_checkin(app->pool, conn);
	return rc;
}

int health_ready(const char **why_out, struct app *app)
{
	bool current = false, broken = false;
	int rc;

	*why_out = NULL;
	if (atomic_load(&app->draining)) {
		*why_out = "shutting down";
		return APP_UNAVAILABLE;
	}
	rc = check_once(&current, &broken, app);
	if (rc != APP_OK &&
	    broken) /* a connection that died with the old server: reads retry once */
		rc = check_once(&current, &broken, app);
	if (rc != APP_OK) {
		*why_out = "database unreachable";
		return APP_UNAVAILABLE;
	}
	if (!current) {
		*why_out = "migrations pending";
		return APP_UNAVAILABLE;
	}
	return APP_OK;
}

#ifdef CABINET_TEST_HOOKS
struct flaky {
	int attempts, failures;
};

static int flaky_transaction(struct db_conn *conn, void *arg)
{
	struct flaky *f = arg;

	return ++f->attempts <= f->failures ? db_test_serialization_failure(conn) : db_ping(conn);
}

int health_test_transaction(int *attempts_out, struct app *app, int failures)
{
	struct flaky f = {0, failures};
	int rc = db_transaction(app->pool, flaky_transaction, &f);

	*attempts_out = f.attempts;
	return rc;
}
#endif
