/* Staff accounts: rules and transactions. */
#ifndef CABINET_SERVICE_STAFF_H
#define CABINET_SERVICE_STAFF_H

#include <stdio.h>

#include "app.h"

/*
 * On a database without staff, creates the first staff member (role owner) from
 * CABINET_BOOTSTRAP_ADMIN_EMAIL and CABINET_BOOTSTRAP_ADMIN_PASSWORD, or with a generated one-time
 * password printed once to notice (standard error). Safe when several instances start together: exactly
 * one creates it. Audited as "staff.bootstrap".
 */
int staff_bootstrap(struct app *app, FILE *notice);

#endif
