/* portal_roles SQL. */
#include "db/role_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

#define ROLE_JSON                                                                                  \
	"json_build_object('id', r.id, 'name', r.name, 'description', r.description,"              \
	" 'permissions', to_json(r.permissions), 'system', r.system,"                              \
	" 'customers', (SELECT count(*) FROM customers c WHERE c.role_id = r.id"                   \
	"   AND c.status <> 'deleted'))"

int role_repo_list(json_t **out, struct db_conn *conn)
{
	return db_exec_json(
	        out, conn,
	        "SELECT json_build_object('items', coalesce(json_agg(" ROLE_JSON
	        " ORDER BY r.system DESC, lower(r.name)), '[]'::json)) FROM portal_roles r",
	        0, NULL);
}

int role_repo_get(json_t **out, struct db_conn *conn, const char *id)
{
	return db_exec_json(out, conn,
	                    "SELECT " ROLE_JSON " FROM portal_roles r WHERE r.id = $1::uuid", 1,
	                    (const char *const[]){id});
}

int role_repo_insert(char id_out[37], struct db_conn *conn, const char *name,
                     const char *description, const char *permissions)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "INSERT INTO portal_roles (name, description, permissions)"
	                 " VALUES ($1::text, coalesce($2::text, ''), $3::text[]) RETURNING id",
	                 3, (const char *const[]){name, description, permissions});

	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int role_repo_update(struct db_conn *conn, const char *id, const char *name,
                     const char *description, const char *permissions)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "UPDATE portal_roles SET name = coalesce($2::text, name),"
	                 " description = coalesce($3::text, description),"
	                 " permissions = coalesce($4::text[], permissions)"
	                 " WHERE id = $1::uuid"
	                 "   AND (NOT system OR ($2::text IS NULL AND $4::text IS NULL))"
	                 " RETURNING id",
	                 4, (const char *const[]){id, name, description, permissions});
	bool touched = rc == APP_OK && PQntuples(res) == 1;

	PQclear(res);
	if (rc != APP_OK || touched)
		return rc;
	/* nothing changed: no such role, or a system role asked to change what it keeps */
	res = NULL;
	rc = db_exec(&res, conn, "SELECT 1 FROM portal_roles WHERE id = $1::uuid", 1,
	             (const char *const[]){id});
	if (rc == APP_OK)
		rc = PQntuples(res) ? APP_FORBIDDEN : APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

/* Where a role is used: customers holding it or allowed to give it, individuals holding it, the default. */
static const char SQL_ROLE_USE[] =
        "SELECT r.system, json_build_object("
        " 'assigned', (SELECT count(*) FROM customers c WHERE c.role_id = r.id),"
        " 'allowed', (SELECT count(*) FROM customers c WHERE r.id = ANY (c.allowed_role_ids)),"
        " 'individuals', (SELECT count(*) FROM individuals i WHERE i.role_id = r.id"
        "   AND i.status <> 'deleted'),"
        " 'default', lower(r.name) = lower((SELECT value #>> '{}' FROM settings"
        "   WHERE key = 'roles.default')))::text"
        " FROM portal_roles r WHERE r.id = $1::uuid FOR UPDATE OF r";

int role_repo_use(json_t **where, bool *system_out, struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_ROLE_USE, 1, (const char *const[]){id});

	*where = NULL;
	*system_out = false;
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && !(*where = json_loads(PQgetvalue(res, 0, 1), 0, NULL)))
		rc = APP_INTERNAL;
	if (rc == APP_OK)
		*system_out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int role_repo_delete(struct db_conn *conn, const char *id)
{
	return db_exec(NULL, conn, "DELETE FROM portal_roles WHERE id = $1::uuid", 1,
	               (const char *const[]){id});
}

int role_repo_all_exist(bool *all_out, struct db_conn *conn, const char *ids)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT count(*) = (SELECT count(DISTINCT x) FROM"
	                 " jsonb_array_elements_text($1::jsonb) x) FROM portal_roles WHERE id IN"
	                 " (SELECT x::uuid FROM jsonb_array_elements_text($1::jsonb) x)",
	                 1, (const char *const[]){ids});

	*all_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}
