/* settings SQL. */
#include "db/settings_repo.h"

#include <string.h>

#include "common/err.h"
#include "db/db.h"

int settings_repo_stored(json_t **out, struct db_conn *conn)
{
	return db_exec_json(
	        out, conn, "SELECT coalesce(json_object_agg(key, value), '{}'::json) FROM settings",
	        0, NULL);
}

int settings_repo_put(struct db_conn *conn, const char *key, const char *value_json,
                      const char *staff_id)
{
	return db_exec(NULL, conn,
	               "INSERT INTO settings (key, value, updated_at, updated_by)"
	               " VALUES ($1::text, $2::jsonb, now(), $3::uuid)"
	               " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
	               " updated_at = excluded.updated_at, updated_by = excluded.updated_by",
	               3, (const char *const[]){key, value_json, staff_id});
}

int settings_repo_lock(struct db_conn *conn)
{
	return db_exec(NULL, conn, "LOCK TABLE settings IN SHARE ROW EXCLUSIVE MODE", 0, NULL);
}

int settings_repo_role_exists(bool *exists_out, struct db_conn *conn, const char *name)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT 1 FROM portal_roles WHERE lower(name) = lower($1::text)", 1,
	                 (const char *const[]){name});

	*exists_out = rc == APP_OK && PQntuples(res) == 1;
	PQclear(res);
	return rc;
}
