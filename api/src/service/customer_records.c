/* What is kept about a customer: its history (the audit log), staff notes, and its sessions. */
#include "service/customers.h"

#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/customer_note_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "db/session_repo.h"
#include "service/customers_internal.h"

/* ---- history, notes, sessions ---- */

int customers_history(json_t **out, struct app *app, const char *id, const char *kind,
                      const char *cursor, int limit)
{
	struct audit_filter f = {
	        .customer_id = id, .action = kind, .cursor = cursor, .limit = limit};
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = customer_repo_exists(conn, id)) == APP_OK)
		rc = audit_repo_search(out, conn, &f);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int customers_notes(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = customer_repo_exists(conn, id)) == APP_OK)
		rc = customer_note_repo_list(out, conn, id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int customers_add_note(json_t **out, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *id, const char *body)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:I}", "length", (json_int_t)strlen(body));
	struct audit_entry e = customers_staff_entry(who, ci, "customer.note_added", id, details);
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = db_begin(conn)) == APP_OK && (rc = customer_repo_exists(conn, id)) == APP_OK &&
	    (rc = customer_note_repo_add(out, conn, id, who->id, body, clock_now())) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int customers_sessions(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	json_t *items = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = customer_repo_exists(conn, id)) == APP_OK &&
	    (rc = session_repo_list(&items, conn, id, NULL, clock_now())) == APP_OK)
		*out = json_pack("{s:o}", "items", items);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int customers_revoke_session(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *id, const char *session_id)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:s}", "session_id", session_id);
	struct audit_entry e =
	        customers_staff_entry(who, ci, "customer.session_revoked", id, details);
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = db_begin(conn)) == APP_OK &&
	    (rc = session_repo_revoke_own(conn, session_id, id, "staff_revoked", clock_now())) ==
	            APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}
