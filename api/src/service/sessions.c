/* Sessions: the rules of sign-in and token rotation. */
#include "service/sessions.h"

#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/secrets.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/session_repo.h"
#include "db/staff_repo.h"
#include "log.h"

void session_tokens_clear(struct session_tokens *t)
{
	free(t->access_token);
	memset(t, 0, sizeof(*t));
}

static struct token_keys keys_of(const struct app *app)
{
	return (struct token_keys){.secret = app->cfg.jwt_secret, .issuer = app->cfg.public_url};
}

static int issue_access(struct session_tokens *out, struct app *app, time_t now)
{
	struct token_keys keys = keys_of(app);
	struct token_claims c = {.iat = now, .exp = now + app->cfg.access_token_ttl_s};

	snprintf(c.sub, sizeof(c.sub), "%s", out->who.id);
	snprintf(c.sid, sizeof(c.sid), "%s", out->who.session_id);
	snprintf(c.realm, sizeof(c.realm), "staff");
	snprintf(c.typ, sizeof(c.typ), "access");
	out->expires_in = app->cfg.access_token_ttl_s;
	return token_issue(&out->access_token, &keys, &c);
}

/* Appends one audit entry in a transaction of its own (failures, which change nothing else). */
static void audit_alone(struct app *app, const struct client_info *ci, const char *actor_kind,
                        const char *actor_id, const char *action, json_t *details)
{
	struct db_conn *conn = NULL;
	struct audit_entry e = {.actor_kind = actor_kind,
	                        .actor_id = actor_id,
	                        .action = action,
	                        .target_kind = actor_id ? "staff" : NULL,
	                        .target_id = actor_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .details = details};

	if (db_pool_checkout(&conn, app->pool) == APP_OK && audit_repo_append(conn, &e) != APP_OK)
		log_error("could not record %s in the audit log", action);
	db_pool_checkin(app->pool, conn);
}

/* Creates the session, its first refresh token and the audit entry, in one transaction. */
static int open_session(struct session_tokens *out, struct app *app, const struct client_info *ci,
                        const char *staff_id, time_t now)
{
	struct db_conn *conn = NULL;
	struct session_new s = {.realm = "staff",
	                        .staff_id = staff_id,
	                        .now = now,
	                        .idle_s = app->cfg.session_idle_s,
	                        .max_s = app->cfg.session_max_s,
	                        .ip = ci->ip,
	                        .user_agent = ci->user_agent};
	char sid[37] = "";
	json_t *details = NULL;
	int rc;

	if ((rc = secrets_random_hex(out->refresh_token, 32)) != APP_OK)
		return rc;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK ||
	    (rc = session_repo_create(sid, conn, &s)) != APP_OK ||
	    (rc = refresh_repo_insert(conn, out->refresh_token, sid, now)) != APP_OK ||
	    (rc = staff_repo_record_login(conn, staff_id, now, ci->ip)) != APP_OK ||
	    (rc = session_repo_principal(&out->who, conn, sid, staff_id, now)) != APP_OK)
		goto done;
	details = json_pack("{s:s, s:s}", "realm", "staff", "session_id", sid);
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = staff_id,
	                        .action = "auth.login",
	                        .target_kind = "staff",
	                        .target_id = staff_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .details = details};
	if ((rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	if (rc == APP_NOT_FOUND) {
		/* the session just created is not live: a configuration or clock bug, not the caller's */
		log_error("a new session was not live at once; check the session lifetimes");
		rc = APP_INTERNAL;
	}
	if (rc != APP_OK)
		db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	out->refresh_max_age = app->cfg.session_max_s;
	return rc;
}

int sessions_login(struct session_tokens *out, const char **refusal_out, struct app *app,
                   const struct client_info *ci, const char *login, const char *password,
                   const char *realm)
{
	struct staff_login row;
	struct db_conn *conn = NULL;
	json_t *details = NULL;
	bool known = false, right;
	time_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	*refusal_out = "invalid_credentials";
	if (strcmp(realm, "staff") == 0) {
		if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
			return rc;
		rc = staff_repo_find_login(&row, conn, login);
		db_pool_checkin(app->pool, conn); /* never held while hashing */
		if (rc != APP_OK && rc != APP_NOT_FOUND)
			return rc;
		known = rc == APP_OK;
	}
	/* an unknown account costs the same verification as a wrong password */
	right = password_verify(known ? row.password_hash : app->dummy_hash, password) && known;
	if (!right) {
		details = json_pack("{s:s, s:s}", "realm", realm, "reason",
		                    known ? "wrong_password" : "unknown_account");
		audit_alone(app, ci, known ? "staff" : "system", known ? row.id : NULL,
		            "auth.login_failed", details);
		json_decref(details);
		log_info("Security - failed sign-in (%s realm)", realm);
		return APP_UNAUTHORIZED;
	}
	if (strcmp(row.status, "active") != 0) {
		*refusal_out = "account_disabled";
		details = json_pack("{s:s, s:s}", "realm", realm, "reason", "account_disabled");
		audit_alone(app, ci, "staff", row.id, "auth.login_refused", details);
		json_decref(details);
		return APP_FORBIDDEN;
	}
	*refusal_out = NULL;
	if ((rc = open_session(out, app, ci, row.id, now)) == APP_OK)
		rc = issue_access(out, app, now);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
}

static int is_refresh_token(const char *t)
{
	return t && strlen(t) == 64 && strspn(t, "0123456789abcdef") == 64;
}

int sessions_refresh(struct session_tokens *out, struct app *app, const struct client_info *ci,
                     const char *refresh_token)
{
	struct db_conn *conn = NULL;
	enum refresh_state state;
	char sid[37];
	time_t now = clock_now();
	json_t *details = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!is_refresh_token(refresh_token))
		return APP_UNAUTHORIZED;
	if ((rc = secrets_random_hex(out->refresh_token, 32)) != APP_OK)
		return rc;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK ||
	    (rc = refresh_repo_consume(&state, sid, conn, refresh_token, now)) != APP_OK)
		goto done;
	if (state == REFRESH_UNKNOWN) {
		rc = APP_UNAUTHORIZED;
		goto done;
	}
	if (state == REFRESH_REUSED) {
		/* a stolen token, or its thief's: end the whole family */
		details = json_pack("{s:s}", "session_id", sid);
		struct audit_entry e = {.actor_kind = "system",
		                        .action = "auth.refresh_reuse",
		                        .target_kind = "session",
		                        .target_id = sid,
		                        .ip = ci->ip,
		                        .request_id = ci->request_id,
		                        .details = details};
		if ((rc = session_repo_revoke(conn, sid, "refresh_reuse", now)) == APP_OK &&
		    (rc = audit_repo_append(conn, &e)) == APP_OK &&
		    (rc = db_commit(conn)) == APP_OK)
			log_warn("Security - refresh token reuse: session %s revoked", sid);
		rc = rc == APP_OK ? APP_UNAUTHORIZED : rc;
		goto done;
	}
	rc = session_repo_principal(&out->who, conn, sid, NULL, now);
	if (rc == APP_NOT_FOUND) {
		rc = db_commit(conn) == APP_OK ? APP_UNAUTHORIZED : APP_UNAVAILABLE;
		goto done;
	}
	if (rc == APP_OK && (rc = session_repo_touch(conn, sid, now)) == APP_OK &&
	    (rc = refresh_repo_insert(conn, out->refresh_token, sid, now)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	out->refresh_max_age = app->cfg.session_max_s;
	if (rc == APP_OK)
		rc = issue_access(out, app, now);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
}

int sessions_logout(struct app *app, const struct client_info *ci, const struct principal *who)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:s}", "session_id", who->session_id);
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = "auth.logout",
	                        .target_kind = "staff",
	                        .target_id = who->id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .details = details};
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK) {
		if ((rc = db_begin(conn)) == APP_OK &&
		    (rc = session_repo_revoke(conn, who->session_id, "logout", clock_now())) ==
		            APP_OK &&
		    (rc = audit_repo_append(conn, &e)) == APP_OK)
			rc = db_commit(conn);
		db_rollback(conn);
	}
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}

int sessions_authenticate(struct principal *who_out, struct app *app, const char *access_token)
{
	struct token_keys keys = keys_of(app);
	struct token_claims c;
	struct db_conn *conn = NULL;
	time_t now = clock_now();
	int rc;

	memset(who_out, 0, sizeof(*who_out));
	if (token_verify(&c, &keys, access_token, now) != APP_OK || strcmp(c.realm, "staff") != 0)
		return APP_UNAUTHORIZED;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	rc = session_repo_principal(who_out, conn, c.sid, c.sub, now);
	db_pool_checkin(app->pool, conn);
	return rc == APP_NOT_FOUND ? APP_UNAUTHORIZED : rc;
}
