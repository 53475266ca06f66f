/* Staff service. */
#include "service/staff.h"

#include <string.h>

#include "auth/password.h"
#include "auth/secrets.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/staff_repo.h"
#include "log.h"

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
