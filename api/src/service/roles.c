/* Portal roles: the catalogue lives in auth/principal.c; roles and their use in PostgreSQL. */
#include "service/roles.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/text.h"
#include "db/audit_repo.h"
#include "db/db.h"

json_t *roles_permissions(void)
{
	json_t *items = json_array();

	for (const char *const *p = PORTAL_PERMISSIONS; *p; p++)
		json_array_append_new(items, json_pack("{s:s, s:s#}", "name", *p, "group", *p,
		                                       (int)strcspn(*p, ".")));
	return json_pack("{s:o}", "items", items);
}

#define ROLE_JSON                                                                                  \
	"json_build_object('id', r.id, 'name', r.name, 'description', r.description,"              \
	" 'permissions', to_json(r.permissions), 'system', r.system,"                              \
	" 'customers', (SELECT count(*) FROM customers c WHERE c.role_id = r.id"                   \
	"   AND c.status <> 'deleted'))"

int roles_list(json_t **out, struct app *app)
{
	return db_read_json(
	        out, app->pool,
	        "SELECT json_build_object('items', coalesce(json_agg(" ROLE_JSON
	        " ORDER BY r.system DESC, lower(r.name)), '[]'::json)) FROM portal_roles r",
	        0, NULL);
}

static const char SQL_ROLE_GET[] = "SELECT " ROLE_JSON " FROM portal_roles r WHERE r.id = $1::uuid";

int roles_get(json_t **out, struct app *app, const char *id)
{
	return db_read_json(out, app->pool, SQL_ROLE_GET, 1, (const char *const[]){id});
}

/* Checks a body into name, description and a text[] literal of permissions ("" when absent). */
static void check_role(json_t *errors, json_t *body, bool create, const char **name,
                       const char **description, char *perms, size_t len)
{
	const char *key;
	json_t *v;

	*name = *description = NULL;
	perms[0] = '\0';
	json_object_foreach(body, key, v) if (strcmp(key, "name") && strcmp(key, "description") &&
	                                      strcmp(key, "permissions"))
	        field_errors_add(errors, key, "unknown_field", "This field is not accepted.");
	if ((v = json_object_get(body, "name")) || create) {
		*name = json_string_value(v);
		if (!*name || json_string_length(v) < 2 || !text_line_ok(v, 60))
			field_errors_add(errors, "name", v ? "invalid" : "required",
			                 "2 to 60 characters.");
	}
	if ((v = json_object_get(body, "description"))) {
		if (!text_line_ok(v, 200))
			field_errors_add(errors, "description", "invalid",
			                 "Text of at most 200 characters.");
		else
			*description = json_string_value(v);
	}
	if (((v = json_object_get(body, "permissions")) || create) &&
	    !permission_list_literal(perms, len, v, portal_permission_known))
		field_errors_add(errors, "permissions", v ? "invalid" : "required",
		                 "A list of names from GET /api/v1/permissions.");
}

static struct audit_entry staff_entry(const struct principal *who, const struct client_info *ci,
                                      const char *action, json_t *details)
{
	return (struct audit_entry){.actor_kind = "staff",
	                            .actor_id = who->id,
	                            .action = action,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .details = details};
}

int roles_save(json_t **out, json_t *errors, const char **conflict, struct app *app,
               const struct principal *who, const struct client_info *ci, const char *id,
               json_t *body)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	const char *name, *description;
	char perms[1024], rid[37] = "";
	json_t *details = NULL;
	int rc;

	*out = NULL;
	*conflict = NULL;
	check_role(errors, body, id == NULL, &name, &description, perms, sizeof(perms));
	if (json_array_size(errors))
		return APP_INVALID;
	details = json_deep_copy(body);
	struct audit_entry e = staff_entry(who, ci, id ? "role.updated" : "role.created", details);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	if (id) {
		/* a system role keeps its name and permissions; its description may change */
		rc = db_exec(&res, conn,
		             "UPDATE portal_roles SET name = coalesce($2::text, name),"
		             " description = coalesce($3::text, description),"
		             " permissions = coalesce($4::text[], permissions)"
		             " WHERE id = $1::uuid AND (NOT system OR ($2::text IS NULL AND "
		             "$4::text IS NULL))"
		             " RETURNING id",
		             4,
		             (const char *const[]){id, name, description, perms[0] ? perms : NULL});
	} else {
		rc = db_exec(&res, conn,
		             "INSERT INTO portal_roles (name, description, permissions)"
		             " VALUES ($1::text, coalesce($2::text, ''), $3::text[]) RETURNING id",
		             3, (const char *const[]){name, description, perms});
	}
	if (rc == APP_CONFLICT) {
		field_errors_add(errors, "name", "taken", "A role has this name.");
		rc = APP_INVALID;
		goto done;
	}
	if (rc == APP_OK && PQntuples(res) != 1) {
		PQclear(res);
		res = NULL;
		rc = db_exec(&res, conn, "SELECT 1 FROM portal_roles WHERE id = $1::uuid", 1,
		             (const char *const[]){id});
		if (rc == APP_OK && PQntuples(res) == 1)
			*conflict = "system_role";
		rc = rc == APP_OK ? (PQntuples(res) ? APP_CONFLICT : APP_NOT_FOUND) : rc;
		goto done;
	}
	if (rc == APP_OK)
		snprintf(rid, sizeof(rid), "%s", PQgetvalue(res, 0, 0));
	e.target_kind = "role";
	e.target_id = rid;
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_ROLE_GET, 1, (const char *const[]){rid})) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
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

int roles_delete(const char **conflict, json_t **where, struct app *app,
                 const struct principal *who, const struct client_info *ci, const char *id)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *details = json_pack("{s:s}", "id", id);
	struct audit_entry e = staff_entry(who, ci, "role.deleted", details);
	int rc;

	*conflict = NULL;
	*where = NULL;
	e.target_kind = "role";
	e.target_id = id;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = db_exec(&res, conn, SQL_ROLE_USE, 1, (const char *const[]){id})) != APP_OK)
		goto done;
	if (PQntuples(res) != 1) {
		rc = APP_NOT_FOUND;
		goto done;
	}
	*where = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		*conflict = "system_role";
		rc = APP_CONFLICT;
	} else if (json_integer_value(json_object_get(*where, "assigned")) > 0 ||
	           json_integer_value(json_object_get(*where, "allowed")) > 0 ||
	           json_integer_value(json_object_get(*where, "individuals")) > 0 ||
	           json_is_true(json_object_get(*where, "default"))) {
		*conflict = "role_in_use";
		rc = APP_CONFLICT;
	}
	if (rc == APP_OK &&
	    (rc = db_exec(NULL, conn, "DELETE FROM portal_roles WHERE id = $1::uuid", 1,
	                  (const char *const[]){id})) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	json_decref(details);
	return rc;
}
