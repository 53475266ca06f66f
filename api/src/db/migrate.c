/* Migration runner. Files are embedded at build time, so a binary always carries its own schema. */
#include "db/migrate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"
#include "log.h"

/* "cabinet" in ASCII: one lock id shared by every instance and cabinetctl */
#define MIGRATION_LOCK_ID "27980536946601332"

long migrate_version(const char *name)
{
	long v = 0;
	size_t i = 0;

	for (; isdigit((unsigned char)name[i]); i++)
		v = v * 10 + (name[i] - '0');
	if (i != 4 || name[i] != '_')
		return -1;
	return v;
}

static const char SQL_CREATE_TABLE[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version integer PRIMARY KEY,"
                                       " name text NOT NULL,"
                                       " checksum text NOT NULL,"
                                       " applied_at timestamptz NOT NULL DEFAULT now())";

/* NULL when not applied; else whether the recorded checksum matches the file's. */
static const char SQL_CHECK[] =
        "SELECT checksum = encode(sha256(convert_to($2::text, 'UTF8')), 'hex')"
        "  FROM schema_migrations WHERE version = $1::integer";

static const char SQL_RECORD[] =
        "INSERT INTO schema_migrations (version, name, checksum)"
        " VALUES ($1::integer, $2::text, encode(sha256(convert_to($3::text, 'UTF8')), 'hex'))";

/* 1 applied and unchanged, 0 not applied; APP_CONFLICT when edited after landing. */
static int applied_state(int *state_out, struct db_conn *conn, const struct embedded_file *f,
                         const char *version)
{
	PGresult *res = NULL;
	const char *params[] = {version, (const char *)f->data};
	int rc = db_exec(&res, conn, SQL_CHECK, 2, params);

	if (rc != APP_OK)
		return rc;
	*state_out = 0;
	if (PQntuples(res) == 1) {
		*state_out = 1;
		if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
			log_error("migration %s was edited after it was applied; add a new "
			          "migration instead",
			          f->name);
			rc = APP_CONFLICT;
		}
	}
	PQclear(res);
	return rc;
}

static int apply_one(struct db_conn *conn, const struct embedded_file *f, const char *version)
{
	const char *params[] = {version, f->name, (const char *)f->data};
	int rc;

	if ((rc = db_begin(conn)) != APP_OK)
		return rc;
	if ((rc = db_exec_script(conn, (const char *)f->data)) == APP_OK &&
	    (rc = db_exec(NULL, conn, SQL_RECORD, 3, params)) == APP_OK)
		rc = db_commit(conn);
	if (rc != APP_OK) {
		db_rollback(conn);
		log_error("migration %s failed; nothing of it was applied", f->name);
		return rc;
	}
	log_info("migration %s applied", f->name);
	return APP_OK;
}

int migrate_apply(size_t *applied_out, struct db_conn *conn, const struct embedded_file *files,
                  size_t count)
{
	int rc;

	*applied_out = 0;
	/* the lock is taken before the table exists: two first starts must not race on CREATE */
	if ((rc = db_exec(NULL, conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK_ID ")", 0, NULL)) !=
	    APP_OK)
		return rc;
	rc = db_exec(NULL, conn, SQL_CREATE_TABLE, 0, NULL);
	for (size_t i = 0; i < count && rc == APP_OK; i++) {
		char version[24];
		int state = 0;
		long v = migrate_version(files[i].name);

		if (v < 0) {
			log_error("migration file %s is not named NNNN_name.sql", files[i].name);
			rc = APP_INVALID;
			break;
		}
		snprintf(version, sizeof(version), "%ld", v);
		if ((rc = applied_state(&state, conn, &files[i], version)) != APP_OK || state == 1)
			continue;
		if ((rc = apply_one(conn, &files[i], version)) == APP_OK)
			(*applied_out)++;
	}
	db_exec(NULL, conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_ID ")", 0, NULL);
	return rc;
}

static const char SQL_TABLE_EXISTS[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";

static const char SQL_COUNT_APPLIED[] =
        "SELECT count(*) FROM schema_migrations WHERE version = ANY($1::integer[])";

int migrate_is_current(bool *current_out, struct db_conn *conn, const struct embedded_file *files,
                       size_t count)
{
	PGresult *res = NULL;
	char *versions = NULL;
	size_t used = 0, cap = 2 + count * 12;
	int rc;

	*current_out = false;
	/* a database without the table is "not current" rather than an error */
	if ((rc = db_exec(&res, conn, SQL_TABLE_EXISTS, 0, NULL)) != APP_OK)
		goto done;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto done;
	PQclear(res);
	res = NULL;
	if (!(versions = malloc(cap))) {
		rc = APP_INTERNAL;
		goto done;
	}
	versions[used++] = '{';
	for (size_t i = 0; i < count; i++)
		used += (size_t)snprintf(versions + used, cap - used, "%s%ld", i ? "," : "",
		                         migrate_version(files[i].name));
	snprintf(versions + used, cap - used, "}");
	if ((rc = db_exec(&res, conn, SQL_COUNT_APPLIED, 1, (const char *const[]){versions})) !=
	    APP_OK)
		goto done;
	*current_out = strtoul(PQgetvalue(res, 0, 0), NULL, 10) == count;
done:
	PQclear(res);
	free(versions);
	return rc;
}
