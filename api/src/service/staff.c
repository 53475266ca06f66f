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
	if ((rc = staff_repo_lock_bootstrap(conn)) != APP_OK ||
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

/* Runs read(out, conn, arg) on a connection of the pool. */
static int read_one(json_t **out, struct app *app,
                    int (*read)(json_t **out, struct db_conn *conn, const char *arg),
                    const char *arg)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = read(out, conn, arg);
	db_pool_checkin(app->pool, conn);
	return rc;
}

static int list_staff(json_t **out, struct db_conn *conn, const char *unused)
{
	(void)unused;
	return staff_repo_list(out, conn);
}

static int list_roles(json_t **out, struct db_conn *conn, const char *unused)
{
	(void)unused;
	return staff_role_repo_list(out, conn);
}

int staff_list(json_t **out, struct app *app)
{
	return read_one(out, app, list_staff, NULL);
}

int staff_get(json_t **out, struct app *app, const char *id)
{
	return read_one(out, app, staff_repo_get, id);
}

int staff_roles(json_t **out, struct app *app)
{
	json_t *catalogue = json_array();
	int rc = read_one(out, app, list_roles, NULL);

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

/*
 * Whether who may give the role named role, or one with the permissions of the text[] literal perms
 * (role NULL): an owner gives anything; anybody else only what it holds itself, never the owner's
 * "*" nor a role holding it.
 */
static int grantable(bool *ok_out, struct db_conn *conn, const struct principal *who,
                     const char *role, const char *perms)
{
	*ok_out = strcmp(who->permissions, "*") == 0;
	return *ok_out ? APP_OK
	               : staff_role_repo_within(ok_out, conn, role, perms, who->permissions);
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
	if (role && (rc = staff_role_repo_exists(&known_role, conn, role)) != APP_OK)
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
	    (rc = staff_repo_get(out, conn, id)) == APP_OK)
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

int staff_update(json_t **out, json_t *errors, const char **conflict, struct app *app,
                 const struct principal *who, const struct client_info *ci, const char *id,
                 json_t *body)
{
	struct db_conn *conn = NULL;
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
	if (v && (!role || (rc = staff_role_repo_exists(&ok, conn, role)) != APP_OK || !ok)) {
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
	if ((rc = db_begin(conn)) != APP_OK ||
	    (rc = staff_repo_role_of(current, conn, id)) != APP_OK ||
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
	if ((rc = staff_repo_keeps_an_owner(&ok, conn, id, role, status)) != APP_OK)
		goto done;
	if (!ok) {
		*conflict = "last_owner";
		rc = APP_CONFLICT;
		goto done;
	}
	rc = staff_repo_update(conn, id, name, role, status);
	if (rc == APP_OK && status && strcmp(status, "disabled") == 0)
		rc = session_repo_revoke_others(conn, id, NULL, "account_disabled", clock_now());
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = staff_repo_get(out, conn, id)) == APP_OK)
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

int staff_role_save(json_t **out, json_t *errors, const char **conflict, struct app *app,
                    const struct principal *who, const struct client_info *ci, const char *existing,
                    json_t *body)
{
	struct db_conn *conn = NULL;
	const char *name, *description;
	char perms[1024];
	json_t *details = NULL;
	bool ok = true, system = false;
	long holders;
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
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	if (existing) {
		if ((rc = staff_role_repo_lock(&system, &holders, conn, existing)) != APP_OK)
			goto done;
		if (system) {
			*conflict = "system_role";
			rc = APP_CONFLICT;
			goto done;
		}
		if (strcmp(existing, who->role) == 0) {
			/* a role that edits itself grants itself anything */
			*conflict = "own_account";
			rc = APP_FORBIDDEN;
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
	rc = existing ? staff_role_repo_update(conn, name, description, perms[0] ? perms : NULL)
	              : staff_role_repo_insert(conn, name, description, perms);
	if (rc == APP_CONFLICT) {
		field_errors_add(errors, "name", "taken", "A role has this name.");
		rc = APP_INVALID;
		goto done;
	}
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = staff_role_repo_get(out, conn, name)) == APP_OK)
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

int staff_role_delete(const char **conflict, struct app *app, const struct principal *who,
                      const struct client_info *ci, const char *name)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:s}", "name", name);
	struct audit_entry e = staff_entry(who, ci, "staff.role_deleted", NULL, details);
	bool ok = true, system = false;
	long holders = 0;
	int rc;

	*conflict = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = staff_role_repo_lock(&system, &holders, conn, name)) != APP_OK ||
	    (rc = grantable(&ok, conn, who, name, NULL)) != APP_OK)
		goto done;
	if (!ok || strcmp(name, who->role) == 0) {
		*conflict = ok ? "own_account" : "not_grantable";
		rc = APP_FORBIDDEN;
	} else if (system) {
		*conflict = "system_role";
		rc = APP_CONFLICT;
	} else if (holders > 0) {
		*conflict = "role_in_use"; /* the foreign key would refuse it too */
		rc = APP_CONFLICT;
	}
	if (rc == APP_OK && (rc = staff_role_repo_delete(conn, name)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}
