/* staff table SQL. */
#include "db/staff_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

static const char SQL_STAFF_ANY[] = "SELECT EXISTS (SELECT 1 FROM staff)";

int staff_repo_any(bool *any_out, struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_STAFF_ANY, 0, NULL);

	*any_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

static const char SQL_STAFF_INSERT[] =
        "INSERT INTO staff (email, display_name, password_hash, role, must_change_password)"
        " VALUES ($1::text, $2::text, $3::text, $4::text, $5::boolean) RETURNING id";

int staff_repo_insert(char id_out[37], struct db_conn *conn, const struct staff_new *s)
{
	PGresult *res = NULL;
	const char *params[] = {s->email, s->display_name, s->password_hash, s->role,
	                        s->must_change_password ? "true" : "false"};
	int rc = db_exec(&res, conn, SQL_STAFF_INSERT, 5, params);

	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}
