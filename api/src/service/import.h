/*
 * Customer import for migrations from another system: CSV or JSON rows, checked one by one into a
 * per-row report; idempotent by e-mail (an existing customer is updated, not duplicated); password
 * hashes of the kinds identity verifies are kept as they are. All valid rows are written in one
 * transaction, each with its audit entry, or none is.
 */
#ifndef CABINET_SERVICE_IMPORT_H
#define CABINET_SERVICE_IMPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "db/pool.h"

#define IMPORT_MAX_ROWS 10000

struct import_options {
	bool dry_run;                 /* report only; nothing changes */
	const char *default_country;  /* for national phone numbers */
	const char *actor_kind;       /* "staff" (the API) or "system" (cabinetctl) */
	const char *actor_id;         /* the staff member, or NULL */
	const struct client_info *ci; /* or NULL */
	const char *source;           /* "api" or "cabinetctl", recorded in the audit entries */
};

/*
 * Reads rows from text: a JSON array of objects (or {"customers": [...]}) when it starts with '[' or
 * '{', else CSV with a header line. NULL with why for unreadable text or more than IMPORT_MAX_ROWS rows.
 */
json_t *import_rows(const char *text, size_t len, char *why, size_t whylen);

/*
 * Imports rows on conn (no transaction open): {dry_run, rows, created, updated, errors,
 * items: [{row, email, result: created | updated | error, errors: [{field, code, message}]}]}.
 * APP_CONFLICT when a concurrent change took an address meanwhile (nothing was written).
 */
int import_run(json_t **report, struct db_conn *conn, json_t *rows, const struct import_options *o);

/* The API's import: a pooled connection, the staff member as the actor. */
int customers_import(json_t **report, struct app *app, const struct principal *who,
                     const struct client_info *ci, json_t *rows, bool dry_run);

#endif
