/* Readiness: is the database reachable and the schema current? */
#ifndef CABINET_SERVICE_HEALTH_H
#define CABINET_SERVICE_HEALTH_H

#include "app.h"

/*
 * APP_OK when ready. APP_UNAVAILABLE with *why_out set to a static, user-safe reason otherwise
 * ("database unreachable", "migrations pending", "shutting down").
 */
int health_ready(const char **why_out, struct app *app);

#ifdef CABINET_TEST_HOOKS
/*
 * Test builds: runs a transaction through db_transaction whose first failures attempts end with a
 * serialization failure (SQLSTATE 40001). *attempts_out: how many ran.
 */
int health_test_transaction(int *attempts_out, struct app *app, int failures);
#endif

#endif
