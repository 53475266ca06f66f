/* groups and group_members SQL. */
#include "db/group_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

#define GROUP_JSON                                                                                 \
	"json_build_object('id', g.id, 'name', g.name, 'description', g.description,"              \
	" 'members', coalesce((SELECT json_agg(json_build_object('id', i.id, 'name',"              \
	"   trim(i.first_name || ' ' || i.last_name), 'email', i.email) ORDER BY lower(i.email))"  \
	"   FROM group_members m JOIN individuals i ON i.id = m.individual_id"                     \
	"   WHERE m.group_id = g.id AND i.status <> 'deleted'), '[]'::json),"                      \
	" 'created_at', " DB_RFC3339("g.created_at") ")"

int group_repo_list(json_t **out, struct db_conn *conn, const char *customer_id)
{
	return db_exec_json(
	        out, conn,
	        "SELECT json_build_object('items', coalesce((SELECT json_agg(" GROUP_JSON
	        " ORDER BY lower(g.name)) FROM groups g WHERE g.customer_id = c.id),"
	        " '[]'::json)) FROM customers c"
	        " WHERE c.id = $1::uuid AND c.status <> 'deleted'",
	        1, (const char *const[]){customer_id});
}

int group_repo_get(json_t **out, struct db_conn *conn, const char *customer_id, const char *id)
{
	return db_exec_json(out, conn,
	                    "SELECT " GROUP_JSON
	                    " FROM groups g WHERE g.id = $2::uuid AND g.customer_id = $1::uuid",
	                    2, (const char *const[]){customer_id, id});
}

/* Runs a statement answering the id of the one row it touched: APP_NOT_FOUND for none. */
static int one_id(char id_out[37], struct db_conn *conn, const char *sql, int n,
                  const char *const *params)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, n, params);

	if (rc == APP_OK && PQntuples(res) == 0)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && id_out)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int group_repo_insert(char id_out[37], struct db_conn *conn, const char *customer_id,
                      const char *name, const char *description, time_t now)
{
	char ts[24];

	return one_id(id_out, conn,
	              "INSERT INTO groups (customer_id, name, description, created_at, updated_at)"
	              " SELECT id, $2::text, coalesce($3::text, ''), to_timestamp($4::bigint),"
	              " to_timestamp($4::bigint) FROM customers"
	              " WHERE id = $1::uuid AND status <> 'deleted' RETURNING id",
	              4,
	              (const char *const[]){customer_id, name, description,
	                                    db_time_param(ts, (long long)now)});
}

int group_repo_update(struct db_conn *conn, const char *customer_id, const char *id,
                      const char *name, const char *description, time_t now)
{
	char ts[24];

	return one_id(NULL, conn,
	              "UPDATE groups SET name = coalesce($3::text, name),"
	              " description = coalesce($4::text, description),"
	              " updated_at = to_timestamp($5::bigint)"
	              " WHERE id = $2::uuid AND customer_id = $1::uuid RETURNING id",
	              5,
	              (const char *const[]){customer_id, id, name, description,
	                                    db_time_param(ts, (long long)now)});
}

int group_repo_delete(struct db_conn *conn, const char *customer_id, const char *id)
{
	return one_id(
	        NULL, conn,
	        "DELETE FROM groups WHERE id = $2::uuid AND customer_id = $1::uuid RETURNING id", 2,
	        (const char *const[]){customer_id, id});
}

int group_repo_all_individuals(bool *all_out, struct db_conn *conn, const char *customer_id,
                               const char *ids)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT count(DISTINCT i.id) = cardinality(ARRAY(SELECT DISTINCT unnest("
	                 "$2::uuid[]))) FROM individuals i WHERE i.id = ANY ($2::uuid[])"
	                 " AND i.customer_id = $1::uuid AND i.status <> 'deleted'",
	                 2, (const char *const[]){customer_id, ids});

	*all_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int group_repo_set_members(struct db_conn *conn, const char *customer_id, const char *id,
                           const char *ids)
{
	return one_id(
	        NULL, conn,
	        "WITH g AS (SELECT id FROM groups WHERE id = $2::uuid AND customer_id = $1::uuid"
	        "   FOR UPDATE),"
	        " gone AS (DELETE FROM group_members m USING g WHERE m.group_id = g.id),"
	        " added AS (INSERT INTO group_members (group_id, individual_id)"
	        "   SELECT g.id, i.id FROM g, individuals i"
	        "   WHERE i.id = ANY ($3::uuid[]) AND i.customer_id = $1::uuid"
	        "     AND i.status <> 'deleted')"
	        " SELECT id FROM g",
	        3, (const char *const[]){customer_id, id, ids});
}
