/* Sessions: the rules of sign-in and token rotation. */
#include "service/sessions.h"

#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/policy.h"
#include "auth/secrets.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/session_repo.h"
#include "db/staff_repo.h"
#include "db/throttle_repo.h"
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

#define IP_FAILURES_PER_MINUTE    20
#define ACCOUNT_FAILURES_PER_HOUR 100

/*
 * Records a failed sign-in in one transaction: the source address's count, the account's (which may
 * start a lock, audited as auth.locked), and the auth.login_failed entry.
 */
static void record_failure(struct app *app, const struct client_info *ci, const char *staff_id,
                           const char *subject, const char *reason, bool count_account, time_t now)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:s, s:s}", "realm", "staff", "reason", reason);
	struct audit_entry e = {.actor_kind = staff_id ? "staff" : "system",
	                        .actor_id = staff_id,
	                        .action = "auth.login_failed",
	                        .target_kind = staff_id ? "staff" : NULL,
	                        .target_id = staff_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .details = details};
	bool locked = false;
	long lock_s = 0;
	int rc;

	if (db_pool_checkout(&conn, app->pool) != APP_OK)
		goto done;
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = throttle_repo_ip_fail(conn, ci->ip, now)) == APP_OK &&
	    (!count_account ||
	     (rc = throttle_repo_fail(&locked, &lock_s, conn, subject, now)) == APP_OK) &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK && locked) {
		json_t *lock = json_pack("{s:I}", "seconds", (json_int_t)lock_s);
		struct audit_entry l = e;

		l.action = "auth.locked";
		l.details = lock;
		rc = audit_repo_append(conn, &l);
		json_decref(lock);
		log_warn("Security - staff %s locked for %ld s after repeated failed sign-ins",
		         staff_id, lock_s);
	}
	if (rc == APP_OK)
		rc = db_commit(conn);
	if (rc != APP_OK)
		log_error("a failed sign-in could not be recorded");
	db_rollback(conn);
done:
	db_pool_checkin(app->pool, conn);
	json_decref(details);
}

/* Creates the session, its first refresh token and the audit entry, in one transaction. */
static int open_session(struct session_tokens *out, struct app *app, const struct client_info *ci,
                        const char *staff_id, const char *subject, const char *rehash, time_t now)
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
	    (rc = throttle_repo_reset(conn, subject)) != APP_OK ||
	    (rehash && (rc = staff_repo_set_hash(conn, staff_id, rehash)) != APP_OK) ||
	    (rc = session_repo_principal(&out->who, conn, sid, staff_id, now)) != APP_OK)
		goto done;
	details = json_pack("{s:s, s:s, s:b}", "realm", "staff", "session_id", sid, "rehashed",
	                    rehash != NULL);
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
	struct throttle_state state = {0};
	struct db_conn *conn = NULL;
	char subject[48] = "";
	const char *reason = "unknown_account";
	bool known = false, blocked = false, right;
	long ip_failures = 0;
	time_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	*refusal_out = "invalid_credentials";
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	rc = throttle_repo_ip_failures(&ip_failures, conn, ci->ip, now);
	if (rc == APP_OK && ip_failures < IP_FAILURES_PER_MINUTE && strcmp(realm, "staff") == 0) {
		rc = staff_repo_find_login(&row, conn, login);
		known = rc == APP_OK;
		if (rc == APP_NOT_FOUND)
			rc = APP_OK;
		if (known) {
			snprintf(subject, sizeof(subject), "staff:%s", row.id);
			rc = throttle_repo_get(&state, conn, subject, now);
		}
	}
	db_pool_checkin(app->pool, conn); /* never held while hashing */
	if (rc != APP_OK)
		return rc;
	if (ip_failures >= IP_FAILURES_PER_MINUTE) {
		*refusal_out = "rate_limited";
		log_warn("Security - sign-ins from %s refused: too many failures this minute",
		         ci->ip);
		return APP_RATE_LIMITED;
	}
	/* a locked or capped account answers exactly like a wrong password, without looking at it */
	blocked = known && (state.locked || state.hour_failures >= ACCOUNT_FAILURES_PER_HOUR);
	if (known)
		reason = state.locked ? "locked" : blocked ? "hourly_limit" : "wrong_password";
	if ((rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK) {
		*refusal_out = "busy";
		return rc;
	}
	/* an unknown account costs the same verification as a wrong password */
	right = password_verify(known && !blocked ? row.password_hash : app->dummy_hash,
	                        password) &&
	        known && !blocked;
	password_gate_leave();
	if (!right) {
		/* failures during a lock or over the cap do not count towards the account's next lock */
		record_failure(app, ci, known ? row.id : NULL, subject, reason, known && !blocked,
		               now);
		log_info("Security - failed sign-in (%s realm)", realm);
		return APP_UNAUTHORIZED;
	}
	if (strcmp(row.status, "active") != 0) {
		*refusal_out = "account_disabled";
		record_failure(app, ci, row.id, subject, "account_disabled", false, now);
		return APP_FORBIDDEN;
	}
	*refusal_out = NULL;
	/* a legacy or weaker hash is replaced now that the password is known to be right */
	struct password_params params = {(uint32_t)app->cfg.argon2_memory_kib,
	                                 (uint32_t)app->cfg.argon2_iterations,
	                                 (uint32_t)app->cfg.argon2_parallelism};
	char rehash[PASSWORD_HASH_MAX] = "";

	if (password_needs_rehash(row.password_hash, &params) &&
	    password_gate_enter(app->cfg.hash_wait_ms) == APP_OK) {
		if (password_hash(rehash, &params, password) != APP_OK)
			rehash[0] = '\0'; /* keep the old hash; it still works */
		password_gate_leave();
	}
	if ((rc = open_session(out, app, ci, row.id, subject, rehash[0] ? rehash : NULL, now)) ==
	    APP_OK)
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

/* Runs one audited change on the caller's sessions in a transaction. */
static int audited(struct app *app, const struct principal *who, const struct client_info *ci,
                   const char *action, json_t *details,
                   int (*change)(struct db_conn *conn, const struct principal *who,
                                 const void *arg),
                   const void *arg)
{
	struct db_conn *conn = NULL;
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = action,
	                        .target_kind = "staff",
	                        .target_id = who->id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .details = details};
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) == APP_OK && (rc = change(conn, who, arg)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

static int set_password(struct db_conn *conn, const struct principal *who, const void *hash)
{
	time_t now = clock_now();
	int rc = staff_repo_set_password(conn, who->id, hash, now);

	return rc == APP_OK ? session_repo_revoke_others(conn, who->id, who->session_id,
	                                                 "password_changed", now)
	                    : rc;
}

int sessions_change_password(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *current_password,
                             const char *new_password, struct field_error *fe)
{
	struct staff_credentials cred;
	struct db_conn *conn = NULL;
	struct password_params params = {(uint32_t)app->cfg.argon2_memory_kib,
	                                 (uint32_t)app->cfg.argon2_iterations,
	                                 (uint32_t)app->cfg.argon2_parallelism};
	char hash[PASSWORD_HASH_MAX];
	const char *code = NULL;
	bool right;
	int rc;

	memset(fe, 0, sizeof(*fe));
	/* the length first: an over-long password is refused before it is hashed */
	if (password_policy_check(&code, fe->message, sizeof(fe->message), new_password, NULL,
	                          NULL) == APP_INVALID &&
	    strcmp(code, "too_long") == 0) {
		fe->field = "new_password";
		fe->code = code;
		return APP_INVALID;
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	rc = staff_repo_credentials(&cred, conn, who->id);
	db_pool_checkin(app->pool, conn);
	if (rc != APP_OK)
		return rc;
	if ((rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	right = password_verify(cred.password_hash, current_password);
	password_gate_leave();
	if (!right) {
		fe->field = "current_password";
		fe->code = "wrong_password";
		snprintf(fe->message, sizeof(fe->message), "The current password is not right.");
		return APP_INVALID;
	}
	if (password_policy_check(&code, fe->message, sizeof(fe->message), new_password, cred.email,
	                          cred.display_name) != APP_OK) {
		fe->field = "new_password";
		fe->code = code ? code : "invalid";
		return code ? APP_INVALID : APP_INTERNAL;
	}
	if (strcmp(current_password, new_password) == 0) {
		fe->field = "new_password";
		fe->code = "unchanged";
		snprintf(fe->message, sizeof(fe->message),
		         "Choose a password different from the current one.");
		return APP_INVALID;
	}
	if ((rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, new_password);
	password_gate_leave();
	if (rc != APP_OK)
		return rc;
	rc = audited(app, who, ci, "auth.password_changed", NULL, set_password, hash);
	memset(hash, 0, sizeof(hash));
	if (rc == APP_OK)
		log_info("Security - staff %s changed its password; its other sessions ended",
		         who->id);
	return rc;
}

int sessions_list_mine(json_t **out, struct app *app, const struct principal *who)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = session_repo_list(out, conn, who->id, who->session_id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

static int revoke_one(struct db_conn *conn, const struct principal *who, const void *sid)
{
	return session_repo_revoke_own(conn, sid, who->id, "revoked", clock_now());
}

int sessions_revoke_mine(struct app *app, const struct principal *who, const struct client_info *ci,
                         const char *session_id)
{
	json_t *details = json_pack("{s:s}", "session_id", session_id);
	int rc = audited(app, who, ci, "auth.session_revoked", details, revoke_one, session_id);

	json_decref(details);
	return rc;
}

static int revoke_rest(struct db_conn *conn, const struct principal *who, const void *unused)
{
	(void)unused;
	return session_repo_revoke_others(conn, who->id, who->session_id, "logout_everywhere",
	                                  clock_now());
}

int sessions_revoke_others(struct app *app, const struct principal *who,
                           const struct client_info *ci)
{
	return audited(app, who, ci, "auth.logout_everywhere", NULL, revoke_rest, NULL);
}
