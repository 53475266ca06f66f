/* Portal roles: the catalogue lives in auth/principal.c; roles and their use in db/role_repo.c. */
#include "service/roles.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/text.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/role_repo.h"

json_t *roles_permissions(void)
{
	json_t *items = json_array();

	for (const char *const *p = PORTAL_PERMISSIONS; *p; p++)
		json_array_append_new(items, json_pack("{s:s, s:s#}", "name", *p, "group", *p,
		                                       (int)strcspn(*p, ".")));
	return json_pack("{s:o}", "items", items);
}

int roles_list(json_t **out, struct app *app)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = role_repo_list(out, conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int roles_get(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = role_repo_get(out, conn, id);
	db_pool_checkin(app->pool, conn);
	return rc;
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
		snprintf(rid, sizeof(rid), "%s", id);
		rc = role_repo_update(conn, id, name, description, perms[0] ? perms : NULL);
	} else
		rc = role_repo_insert(rid, conn, name, description, perms);
	if (rc == APP_CONFLICT) {
		field_errors_add(errors, "name", "taken", "A role has this name.");
		rc = APP_INVALID;
		goto done;
	}
	if (rc == APP_FORBIDDEN) {
		/* a system role keeps its name and permissions; its description may change */
		*conflict = "system_role";
		rc = APP_CONFLICT;
		goto done;
	}
	e.target_kind = "role";
	e.target_id = rid;
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = role_repo_get(out, conn, rid)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int roles_delete(const char **conflict, json_t **where, struct app *app,
                 const struct principal *who, const struct client_info *ci, const char *id)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:s}", "id", id);
	bool system = false;
	struct audit_entry e = staff_entry(who, ci, "role.deleted", details);
	int rc;

	*conflict = NULL;
	*where = NULL;
	e.target_kind = "role";
	e.target_id = id;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = role_repo_use(where, &system, conn, id)) != APP_OK)
		goto done;
	if (system) {
		*conflict = "system_role";
		rc = APP_CONFLICT;
	} else if (json_integer_value(json_object_get(*where, "assigned")) > 0 ||
	           json_integer_value(json_object_get(*where, "allowed")) > 0 ||
	           json_integer_value(json_object_get(*where, "individuals")) > 0 ||
	           json_is_true(json_object_get(*where, "default"))) {
		*conflict = "role_in_use";
		rc = APP_CONFLICT;
	}
	if (rc == APP_OK && (rc = role_repo_delete(conn, id)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}
