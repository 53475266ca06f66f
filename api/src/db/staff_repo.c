/* staff and staff_roles SQL. */
#include "db/staff_repo.h"

#include <stdio.h>
#include <stdlib.h>
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

int staff_repo_lock_bootstrap(struct db_conn *conn)
{
	return db_exec(NULL, conn, "SELECT pg_advisory_xact_lock(27980536946601333)", 0, NULL);
}

#define STAFF_JSON                                                                                 \
	"json_build_object('id', s.id, 'email', s.email, 'display_name', s.display_name,"          \
	" 'role', s.role, 'status', s.status, 'must_change_password', s.must_change_password,"     \
	" 'two_factor', EXISTS (SELECT 1 FROM totp_credentials t"                                  \
	"   WHERE t.account_id = s.id AND t.confirmed_at IS NOT NULL),"                            \
	" 'created_at', " DB_RFC3339(                                                              \
	        "s.created_at") ","                                                                \
	                        " 'last_login_at', " DB_RFC3339(                                   \
	                                "s.last_login_at") ","                                     \
	                                                   " 'last_login_ip', "                    \
	                                                   "host(s.last_login_ip))"

int staff_repo_list(json_t **out, struct db_conn *conn)
{
	return db_exec_json(out, conn,
	                    "SELECT json_build_object('items', coalesce(json_agg(" STAFF_JSON
	                    " ORDER BY lower(s.email)), '[]'::json)) FROM staff s",
	                    0, NULL);
}

int staff_repo_get(json_t **out, struct db_conn *conn, const char *id)
{
	return db_exec_json(out, conn, "SELECT " STAFF_JSON " FROM staff s WHERE s.id = $1::uuid",
	                    1, (const char *const[]){id});
}

int staff_repo_role_of(char role[33], struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT role FROM staff WHERE id = $1::uuid FOR UPDATE", 1,
	                 (const char *const[]){id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK)
		snprintf(role, 33, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int staff_repo_keeps_an_owner(bool *ok_out, struct db_conn *conn, const char *id, const char *role,
                              const char *status)
{
	PGresult *res = NULL;
	int rc = db_exec(
	        &res, conn,
	        "SELECT id FROM staff WHERE role = 'owner' AND status = 'active' FOR UPDATE", 0,
	        NULL);
	int owners = rc == APP_OK ? PQntuples(res) : 0;
	bool target_is_owner = false;

	for (int i = 0; i < owners; i++)
		target_is_owner |= strcmp(PQgetvalue(res, i, 0), id) == 0;
	*ok_out = !target_is_owner || owners > 1 ||
	          ((!role || strcmp(role, "owner") == 0) &&
	           (!status || strcmp(status, "active") == 0));
	PQclear(res);
	return rc;
}

/* Runs a statement answering the one row it touched: APP_NOT_FOUND for none. */
static int one_row(struct db_conn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, n, params);

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

int staff_repo_update(struct db_conn *conn, const char *id, const char *display_name,
                      const char *role, const char *status)
{
	return one_row(conn,
	               "UPDATE staff SET display_name = coalesce($2::text, display_name),"
	               " role = coalesce($3::text, role), status = coalesce($4::text, status),"
	               " updated_at = now() WHERE id = $1::uuid RETURNING id",
	               4, (const char *const[]){id, display_name, role, status});
}

#define ROLE_JSON                                                                                  \
	"json_build_object('name', name, 'description', description, 'permissions',"               \
	" to_json(permissions), 'system', system)"

int staff_role_repo_list(json_t **out, struct db_conn *conn)
{
	return db_exec_json(out, conn,
	                    "SELECT json_build_object('items', coalesce(json_agg(" ROLE_JSON
	                    " ORDER BY system DESC, name), '[]'::json)) FROM staff_roles",
	                    0, NULL);
}

int staff_role_repo_get(json_t **out, struct db_conn *conn, const char *name)
{
	return db_exec_json(out, conn,
	                    "SELECT " ROLE_JSON " FROM staff_roles WHERE name = $1::text", 1,
	                    (const char *const[]){name});
}

int staff_role_repo_exists(bool *exists_out, struct db_conn *conn, const char *name)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT 1 FROM staff_roles WHERE name = $1::text", 1,
	                 (const char *const[]){name});

	*exists_out = rc == APP_OK && PQntuples(res) == 1;
	PQclear(res);
	return rc;
}

int staff_role_repo_within(bool *ok_out, struct db_conn *conn, const char *role, const char *perms,
                           const char *held)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT NOT ('*' = ANY (p)) AND p <@ string_to_array($3::text, ',')"
	                 " FROM (SELECT coalesce($2::text[], (SELECT permissions FROM staff_roles"
	                 "   WHERE name = $1::text)) AS p) r WHERE p IS NOT NULL",
	                 3, (const char *const[]){role, perms, held});

	*ok_out = rc == APP_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int staff_role_repo_lock(bool *system_out, long *holders_out, struct db_conn *conn,
                         const char *name)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT system, (SELECT count(*) FROM staff WHERE role = $1::text)"
	                 " FROM staff_roles WHERE name = $1::text FOR UPDATE",
	                 1, (const char *const[]){name});

	*system_out = false;
	*holders_out = 0;
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		*system_out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		*holders_out = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return rc;
}

int staff_role_repo_insert(struct db_conn *conn, const char *name, const char *description,
                           const char *perms)
{
	return db_exec(NULL, conn,
	               "INSERT INTO staff_roles (name, description, permissions)"
	               " VALUES ($1::text, coalesce($2::text, ''), $3::text[])",
	               3, (const char *const[]){name, description, perms});
}

int staff_role_repo_update(struct db_conn *conn, const char *name, const char *description,
                           const char *perms)
{
	return one_row(conn,
	               "UPDATE staff_roles SET description = coalesce($2::text, description),"
	               " permissions = coalesce($3::text[], permissions)"
	               " WHERE name = $1::text AND NOT system RETURNING name",
	               3, (const char *const[]){name, description, perms});
}

int staff_role_repo_delete(struct db_conn *conn, const char *name)
{
	return db_exec(NULL, conn, "DELETE FROM staff_roles WHERE name = $1::text", 1,
	               (const char *const[]){name});
}
