/* Staff service. */
#include "service/staff.h"

#include <string.h>

#include "auth/password.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/email.h"
#include "common/err.h"
#include "common/text.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/session_repo.h"
#include "db/staff_repo.h"
#include "log.h"
#include "notify/outbox.h"
#include "service/settings.h"

static int staff_exist(bool *any_out, struct app *app)
{
	struct db_conn *conn = NULL;
	int rc = db_pool_checkout(&conn, app->pool);

	if (rc == APP_OK)
		rc = staff_repo_any(any_out, conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Inserts the owner unless another instance just did; *created_out says which happened. */
static int insert_owner(bool *created_out, struct app *app, const char *hash, bool generated)
{
	struct db_conn *conn = NULL;
	struct staff_new s = {.email = app->cfg.bootstrap_admin_email,
	                      .display_name = "Owner",
	                      .password_hash = hash,
	                      .role = "owner",
	                      .must_change_password = generated};
	char id[37] = "";
	bool any = false;
	json_t *details = NULL;
	int rc;

	*created_out = false;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	/* serializes concurrent first starts; released at commit */
	if ((rc = db_exec(NULL, conn, "SELECT pg_advisory_xact_lock(27980536946601333)", 0,
	                  NULL)) != APP_OK ||
	    (rc = staff_repo_any(&any, conn)) != APP_OK || any)
		goto done;
	if ((rc = staff_repo_insert(id, conn, &s)) != APP_OK)
		goto done;
	details = json_pack("{s:s, s:s, s:b}", "email", s.email, "role", s.role,
	                    "generated_password", generated);
	struct audit_entry e = {.actor_kind = "system",
	                        .action = "staff.bootstrap",
	                        .target_kind = "staff",
	                        .target_id = id,
	                        .details = details};
	if ((rc = audit_repo_append(conn, &e)) != APP_OK)
		goto done;
	if ((rc = db_commit(conn)) == APP_OK)
		*created_out = true;
done:
	if (rc != APP_OK || !*created_out)
		db_rollback(conn);
	json_decref(details);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int staff_bootstrap(struct app *app, FILE *notice)
{
	const char *password = app->cfg.bootstrap_admin_password;
	char generated[21] = "", hash[PASSWORD_HASH_MAX];
	struct password_params params = {.memory_kib = (uint32_t)app->cfg.argon2_memory_kib,
	                                 .iterations = (uint32_t)app->cfg.argon2_iterations,
	                                 .parallelism = (uint32_t)app->cfg.argon2_parallelism};
	bool any = false, created = false;
	int rc;

	if ((rc = staff_exist(&any, app)) != APP_OK || any)
		return rc;
	if (!password) {
		if ((rc = secrets_random_password(generated, 20)) != APP_OK)
			return rc;
		password = generated;
	}
	/* hashed before a connection is taken: the pool is never held while hashing */
	rc = password_hash(hash, &params, password);
	if (rc == APP_OK)
		rc = insert_owner(&created, app, hash, generated[0] != '\0');
	if (rc == APP_OK && created) {
		log_info("Security - first staff member created: %s (owner)",
		         app->cfg.bootstrap_admin_email);
		if (generated[0])
			fprintf(notice,
			        "\n  Cabinet: first staff account created.\n"
			        "    e-mail:             %s\n"
			        "    one-time password:  %s\n"
			        "  It is shown only this once; change it at first sign-in.\n\n",
			        app->cfg.bootstrap_admin_email, generated);
		fflush(notice);
	}
	memset(generated, 0, sizeof(generated));
	return rc;
}

/* ---- administration (permission staff.manage) ---- */

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

int staff_list(json_t **out, struct app *app)
{
	return db_read_json(out, app->pool,
	                    "SELECT json_build_object('items', coalesce(json_agg(" STAFF_JSON
	                    " ORDER BY lower(s.email)), '[]'::json)) FROM staff s",
	                    0, NULL);
}

static const char SQL_STAFF_GET[] = "SELECT " STAFF_JSON " FROM staff s WHERE s.id = $1::uuid";

int staff_get(json_t **out, struct app *app, const char *id)
{
	return db_read_json(out, app->pool, SQL_STAFF_GET, 1, (const char *const[]){id});
}

int staff_roles(json_t **out, struct app *app)
{
	json_t *catalogue = json_array();
	int rc = db_read_json(
	        out, app->pool,
	        "SELECT json_build_object('items', coalesce(json_agg(json_build_object("
	        " 'name', name, 'description', description, 'permissions',"
	        " to_json(permissions), 'system', system) ORDER BY system DESC, name),"
	        " '[]'::json)) FROM staff_roles",
	        0, NULL);

	for (const char *const *p = STAFF_PERMISSIONS; *p; p++)
		json_array_append_new(catalogue, json_string(*p));
	if (rc == APP_OK)
		json_object_set(*out, "permissions", catalogue);
	json_decref(catalogue);
	return rc;
}

static struct audit_entry staff_entry(const struct principal *who, const struct client_info *ci,
                                      const char *action, const char *target, json_t *details)
{
	return (struct audit_entry){.actor_kind = "staff",
	                            .actor_id = who->id,
	                            .action = action,
	                            .target_kind = "staff",
	                            .target_id = target,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .details = details};
}

static int role_exists(bool *exists_out, struct db_conn *conn, const char *role)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT 1 FROM staff_roles WHERE name = $1::text", 1,
	                 (const char *const[]){role});

	*exists_out = rc == APP_OK && PQntuples(res) == 1;
	PQclear(res);
	return rc;
}

/*
 * Whether who may give the role named role, or one with the permissions of the text[] literal perms
 * (role NULL): an owner gives anything; anybody else only what it holds itself, never the owner's
 * "*" nor a role holding it.
 */
static int grantable(bool *ok_out, struct db_conn *conn, const struct principal *who,
                     const char *role, const char *perms)
{
	PGresult *res = NULL;
	int rc;

	*ok_out = strcmp(who->permissions, "*") == 0;
	if (*ok_out)
		return APP_OK;
	rc = db_exec(&res, conn,
	             "SELECT NOT ('*' = ANY (p)) AND p <@ string_to_array($3::text, ',')"
	             " FROM (SELECT coalesce($2::text[], (SELECT permissions FROM staff_roles"
	             "   WHERE name = $1::text)) AS p) r WHERE p IS NOT NULL",
	             3, (const char *const[]){role, perms, who->permissions});
	*ok_out = rc == APP_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

/* The role of a staff member (locked), for the rules of who may change it. */
static int role_of(char role[33], struct db_conn *conn, const char *id)
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

int staff_create(json_t **out, json_t *errors, const char **conflict, struct app *app,
                 const struct principal *who, const struct client_info *ci, json_t *body)
{
	struct password_params params;
	struct db_conn *conn = NULL;
	const char *email = NULL, *name = "", *role = NULL, *key;
	char password[21] = "", hash[PASSWORD_HASH_MAX] = "", id[37] = "", url[2100],
	     message_id[37];
	json_t *v, *vars = NULL, *details = NULL;
	bool known_role = false;
	int rc;

	*out = NULL;
	*conflict = NULL;
	json_object_foreach(body, key, v) if (strcmp(key, "email") && strcmp(key, "display_name") &&
	                                      strcmp(key, "role"))
	        field_errors_add(errors, key, "unknown_field", "This field is not accepted.");
	email = json_string_value(json_object_get(body, "email"));
	if (!email_plausible(email))
		field_errors_add(errors, "email", email ? "invalid" : "required",
		                 "An e-mail address.");
	if ((v = json_object_get(body, "display_name")) && !text_line_ok(v, 200))
		field_errors_add(errors, "display_name", "invalid",
		                 "Text of at most 200 characters.");
	else if (v)
		name = json_string_value(v);
	role = json_string_value(json_object_get(body, "role"));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if (role && (rc = role_exists(&known_role, conn, role)) != APP_OK)
		goto done;
	if (!known_role)
		field_errors_add(errors, "role", role ? "invalid" : "required",
		                 "One of the staff roles.");
	bool may = true;
	if (known_role && (rc = grantable(&may, conn, who, role, NULL)) != APP_OK)
		goto done;
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (json_array_size(errors)) {
		rc = APP_INVALID;
		goto done;
	}
	if (!may) {
		*conflict = "not_grantable";
		rc = APP_FORBIDDEN;
		goto done;
	}
	/* a one-time password, changed at the first sign-in */
	if ((rc = secrets_random_password(password, 20)) != APP_OK ||
	    (rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		goto done;
	rc = password_hash(hash, &params, password);
	password_gate_leave();
	if (rc != APP_OK)
		goto done;
	struct staff_new s = {.email = email,
	                      .display_name = name,
	                      .password_hash = hash,
	                      .role = role,
	                      .must_change_password = true};
	snprintf(url, sizeof(url), "%s/admin/", app->cfg.public_url);
	vars = json_pack("{s:s, s:s, s:s, s:s}", "first_name", name, "login", email, "password",
	                 password, "login_url", url);
	details = json_pack("{s:s, s:s}", "email", email, "role", role);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	if ((rc = staff_repo_insert(id, conn, &s)) == APP_CONFLICT) {
		field_errors_add(errors, "email", "taken",
		                 "A staff member has this e-mail address.");
		rc = APP_INVALID;
		goto done;
	}
	struct outbox_message m = {.event = "generated_credentials",
	                           .language = "en",
	                           .channel = "email",
	                           .address = email,
	                           .vars = vars,
	                           .staff_id = id};
	struct audit_entry e = staff_entry(who, ci, "staff.created", id, details);
	if (rc == APP_OK && (rc = outbox_enqueue(message_id, conn, app, &m)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_STAFF_GET, 1, (const char *const[]){id})) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	memset(password, 0, sizeof(password));
	memset(hash, 0, sizeof(hash));
	json_decref(vars);
	json_decref(details);
	return rc;
}

/*
 * Whether the change leaves at least one active owner: the owners are locked first, so two staff
 * demoting the last two owners at once cannot both succeed.
 */
static int keeps_an_owner(bool *ok_out, struct db_conn *conn, const char *id, const char *role,
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

static const char SQL_STAFF_UPDATE[] =
        "UPDATE staff SET display_name = coalesce($2::text, display_name),"
        " role = coalesce($3::text, role), status = coalesce($4::text, status),"
        " updated_at = now() WHERE id = $1::uuid RETURNING id";

int staff_update(json_t **out, json_t *errors, const char **conflict, struct app *app,
                 const struct principal *who, const struct client_info *ci, const char *id,
                 json_t *body)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	const char *name = NULL, *role = NULL, *status = NULL, *key;
	json_t *v, *details = NULL;
	bool ok = true;
	int rc;

	*out = NULL;
	*conflict = NULL;
	json_object_foreach(body, key, v) if (strcmp(key, "display_name") && strcmp(key, "role") &&
	                                      strcmp(key, "status"))
	        field_errors_add(errors, key, "unknown_field", "This field is not accepted.");
	if ((v = json_object_get(body, "display_name")) && !text_line_ok(v, 200))
		field_errors_add(errors, "display_name", "invalid",
		                 "Text of at most 200 characters.");
	name = json_string_value(v);
	status = json_string_value(v = json_object_get(body, "status"));
	if (v && (!status || (strcmp(status, "active") && strcmp(status, "disabled"))))
		field_errors_add(errors, "status", "invalid", "active or disabled.");
	role = json_string_value(v = json_object_get(body, "role"));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if (v && (!role || (rc = role_exists(&ok, conn, role)) != APP_OK || !ok)) {
		if (rc != APP_OK)
			goto done;
		field_errors_add(errors, "role", "invalid", "One of the staff roles.");
	}
	if (json_array_size(errors)) {
		rc = APP_INVALID;
		goto done;
	}
	if (strcmp(id, who->id) == 0) {
		*conflict = "own_account"; /* nobody raises, or frees, its own role */
		rc = APP_FORBIDDEN;
		goto done;
	}
	details = json_deep_copy(body);
	struct audit_entry e = staff_entry(who, ci, "staff.updated", id, details);
	char current[33];
	if ((rc = db_begin(conn)) != APP_OK || (rc = role_of(current, conn, id)) != APP_OK ||
	    (rc = grantable(&ok, conn, who, current, NULL)) != APP_OK)
		goto done;
	/* the member's present role and the one it gets must both be within the caller's own */
	if (ok && role && (rc = grantable(&ok, conn, who, role, NULL)) != APP_OK)
		goto done;
	if (!ok) {
		*conflict = "not_grantable";
		rc = APP_FORBIDDEN;
		goto done;
	}
	if ((rc = keeps_an_owner(&ok, conn, id, role, status)) != APP_OK)
		goto done;
	if (!ok) {
		*conflict = "last_owner";
		rc = APP_CONFLICT;
		goto done;
	}
	rc = db_exec(&res, conn, SQL_STAFF_UPDATE, 4,
	             (const char *const[]){id, name, role, status});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && status && strcmp(status, "disabled") == 0)
		rc = session_repo_revoke_others(conn, id, NULL, "account_disabled", clock_now());
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_STAFF_GET, 1, (const char *const[]){id})) == APP_OK)
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

int staff_disable(const char **conflict, struct app *app, const struct principal *who,
                  const struct client_info *ci, const char *id)
{
	json_t *out = NULL, *errors = json_array(),
	       *body = json_pack("{s:s}", "status", "disabled");
	int rc = staff_update(&out, errors, conflict, app, who, ci, id, body);

	json_decref(out);
	json_decref(errors);
	json_decref(body);
	return rc;
}

/* ---- custom staff roles ---- */

/* Checks {name?, description?, permissions?} into normalized values; permissions as a text[] literal. */
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
	if (create) {
		*name = json_string_value(json_object_get(body, "name"));
		if (!*name || strlen(*name) < 2 || strlen(*name) > 32 ||
		    strspn(*name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(*name) ||
		    !(**name >= 'a' && **name <= 'z'))
			field_errors_add(
			        errors, "name", *name ? "invalid" : "required",
			        "2 to 32 lower-case letters, digits, _ or -, starting with a "
			        "letter.");
	}
	if ((v = json_object_get(body, "description"))) {
		if (!text_line_ok(v, 200))
			field_errors_add(errors, "description", "invalid",
			                 "Text of at most 200 characters.");
		else
			*description = json_string_value(v);
	}
	if (((v = json_object_get(body, "permissions")) || create) &&
	    !permission_list_literal(perms, len, v, permission_known))
		field_errors_add(errors, "permissions", v ? "invalid" : "required",
		                 "A list of names from the staff permission catalogue.");
}

static const char SQL_ROLE_JSON[] =
        "SELECT json_build_object('name', name, 'description', description, 'permissions',"
        " to_json(permissions), 'system', system) FROM staff_roles WHERE name = $1::text";

int staff_role_save(json_t **out, json_t *errors, const char **conflict, struct app *app,
                    const struct principal *who, const struct client_info *ci, const char *existing,
                    json_t *body)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	const char *name, *description;
	char perms[1024];
	json_t *details = NULL;
	int rc;

	*out = NULL;
	*conflict = NULL;
	check_role(errors, body, existing == NULL, &name, &description, perms, sizeof(perms));
	if (json_array_size(errors))
		return APP_INVALID;
	name = existing ? existing : name;
	details = json_deep_copy(body);
	struct audit_entry e = staff_entry(
	        who, ci, existing ? "staff.role_updated" : "staff.role_created", NULL, details);
	bool ok = true;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	if (existing) {
		rc = db_exec(&res, conn,
		             "SELECT system FROM staff_roles WHERE name = $1::text FOR UPDATE", 1,
		             (const char *const[]){existing});
		if (rc == APP_OK && PQntuples(res) != 1)
			rc = APP_NOT_FOUND;
		else if (rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
			*conflict = "system_role";
		else if (rc == APP_OK && strcmp(existing, who->role) == 0)
			*conflict =
			        "own_account"; /* a role that edits itself grants itself anything */
		PQclear(res);
		res = NULL;
		if (rc != APP_OK || *conflict) {
			rc = rc != APP_OK ? rc : *conflict[0] == 's' ? APP_CONFLICT : APP_FORBIDDEN;
			goto done;
		}
	}
	/* what the role holds now (an edit) and what it is given must both be the caller's own */
	if ((existing && (rc = grantable(&ok, conn, who, existing, NULL)) != APP_OK) ||
	    (ok && perms[0] && (rc = grantable(&ok, conn, who, NULL, perms)) != APP_OK))
		goto done;
	if (!ok) {
		*conflict = "not_grantable";
		rc = APP_FORBIDDEN;
		goto done;
	}
	rc = existing
	             ? db_exec(&res, conn,
	                       "UPDATE staff_roles SET description = coalesce($2::text, "
	                       "description),"
	                       " permissions = coalesce($3::text[], permissions)"
	                       " WHERE name = $1::text AND NOT system RETURNING name",
	                       3, (const char *const[]){name, description, perms[0] ? perms : NULL})
	             : db_exec(&res, conn,
	                       "INSERT INTO staff_roles (name, description, permissions)"
	                       " VALUES ($1::text, coalesce($2::text, ''), $3::text[]) RETURNING "
	                       "name",
	                       3, (const char *const[]){name, description, perms});
	if (rc == APP_CONFLICT) {
		field_errors_add(errors, "name", "taken", "A role has this name.");
		rc = APP_INVALID;
		goto done;
	}
	if (rc == APP_OK && PQntuples(res) != 1) {
		*conflict = "system_role"; /* or unknown: told apart below */
		PQclear(res);
		res = NULL;
		rc = db_exec(&res, conn, "SELECT 1 FROM staff_roles WHERE name = $1::text", 1,
		             (const char *const[]){name});
		rc = rc == APP_OK ? (PQntuples(res) ? APP_CONFLICT : APP_NOT_FOUND) : rc;
		goto done;
	}
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_ROLE_JSON, 1, (const char *const[]){name})) == APP_OK)
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

int staff_role_delete(const char **conflict, struct app *app, const struct principal *who,
                      const struct client_info *ci, const char *name)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *details = json_pack("{s:s}", "name", name);
	struct audit_entry e = staff_entry(who, ci, "staff.role_deleted", NULL, details);
	int rc;

	*conflict = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = db_exec(&res, conn,
	                  "SELECT system, (SELECT count(*) FROM staff WHERE role = $1::text)"
	                  " FROM staff_roles WHERE name = $1::text FOR UPDATE",
	                  1, (const char *const[]){name})) != APP_OK)
		goto done;
	bool ok = true;
	if (PQntuples(res) == 1 && (rc = grantable(&ok, conn, who, name, NULL)) != APP_OK)
		goto done;
	if (PQntuples(res) != 1) {
		rc = APP_NOT_FOUND;
	} else if (!ok || strcmp(name, who->role) == 0) {
		*conflict = ok ? "own_account" : "not_grantable";
		rc = APP_FORBIDDEN;
	} else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		*conflict = "system_role";
		rc = APP_CONFLICT;
	} else if (strcmp(PQgetvalue(res, 0, 1), "0") != 0) {
		*conflict = "role_in_use"; /* the foreign key would refuse it too */
		rc = APP_CONFLICT;
	}
	if (rc == APP_OK &&
	    (rc = db_exec(NULL, conn, "DELETE FROM staff_roles WHERE name = $1::text", 1,
	                  (const char *const[]){name})) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	json_decref(details);
	return rc;
}
