/* Sessions: the rules of sign-in and token rotation, for staff (staff realm) and customers (portal). */
#include "service/sessions.h"

#include <stdlib.h>
#include <string.h>

#include "auth/ipnet.h"
#include "auth/password.h"
#include "auth/policy.h"
#include "auth/principal_cache.h"
#include "auth/secrets.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "db/session_repo.h"
#include "db/twofactor_repo.h"
#include "service/api_tokens.h"
#include "service/attempts.h"
#include "service/devices.h"
#include "service/security.h"
#include "service/settings.h"
#include "service/twofactor.h"
#include "log.h"

void session_tokens_clear(struct session_tokens *t)
{
	free(t->access_token);
	json_decref(t->enrolment);
	json_decref(t->recovery_codes);
	memset(t, 0, sizeof(*t));
}

static struct token_keys keys_of(const struct app *app)
{
	return (struct token_keys){.secret = app->cfg.jwt_secret, .issuer = app->cfg.public_url};
}

static const char *realm_of(enum principal_kind kind)
{
	return PRINCIPAL_IN_PORTAL(kind) ? "portal" : "staff";
}

static int issue_access(struct session_tokens *out, struct app *app, time_t now)
{
	struct token_keys keys = keys_of(app);
	struct token_claims c = {.iat = now, .exp = now + app->cfg.access_token_ttl_s};

	snprintf(c.sub, sizeof(c.sub), "%s", out->who.id);
	snprintf(c.sid, sizeof(c.sid), "%s", out->who.session_id);
	snprintf(c.realm, sizeof(c.realm), "%s", realm_of(out->who.kind));
	snprintf(c.typ, sizeof(c.typ), "access");
	snprintf(c.act, sizeof(c.act), "%s", out->who.impersonator_id);
	out->expires_in = app->cfg.access_token_ttl_s;
	return token_issue(&out->access_token, &keys, &c);
}

/* An audit entry about an account acting on itself; NULL for an unknown login. */
static struct audit_entry account_entry(const struct account *a, const struct client_info *ci,
                                        const char *action, json_t *details)
{
	return audit_entry_self(a ? a->kind : PRINCIPAL_NONE, a ? a->id : NULL, ci, action,
	                        details);
}

/* Ends a check that did not sign in, audited as auth.login_failed (see attempt_record). */
static void record_failure(struct app *app, const struct client_info *ci, const struct account *a,
                           const struct attempt *t, enum attempt_outcome outcome, const char *realm,
                           const char *reason)
{
	json_t *details = json_pack("{s:s, s:s}", "realm", realm, "reason", reason);

	attempt_record(app, ci, a, t, outcome, "auth.login_failed", details);
	json_decref(details);
}

/* Creates the session, its first refresh token and the audit entry, in one transaction. */
static int open_session(struct session_tokens *out, struct app *app, const struct client_info *ci,
                        const struct account *a, const struct attempt *t, const char *rehash,
                        const char *api_token_id, time_t now)
{
	struct db_conn *conn = NULL;
	struct session_new s = {.kind = a->kind,
	                        .owner_id = a->id,
	                        .customer_id = a->customer_id,
	                        .now = now,
	                        .ip = ci->ip,
	                        .user_agent = ci->user_agent,
	                        .api_token_id = api_token_id};
	char sid[37] = "";
	json_t *details = NULL;
	int rc;

	if ((rc = secrets_random_hex(out->refresh_token, 32)) != APP_OK)
		return rc;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = settings_long(&s.idle_s, conn, "session.idle_seconds")) != APP_OK ||
	    (rc = settings_long(&s.max_s, conn, "session.max_seconds")) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = session_repo_create(sid, conn, &s)) != APP_OK ||
	    (rc = refresh_repo_insert(conn, out->refresh_token, sid, now)) != APP_OK ||
	    (rc = account_repo_record_login(conn, a, now, ci->ip)) != APP_OK ||
	    /* the check that signed in gives its slots back and clears the account's failures */
	    (rc = attempt_end(NULL, conn, t, ATTEMPT_SUCCEEDED)) != APP_OK ||
	    (rehash && (rc = account_repo_set_hash(conn, a, rehash)) != APP_OK) ||
	    (rc = devices_note(conn, app, a, ci, now)) != APP_OK ||
	    (rc = session_repo_principal(&out->who, NULL, conn, sid, a->id, NULL, now)) != APP_OK)
		goto done;
	details = json_pack("{s:s, s:s, s:b, s:s?}", "realm", realm_of(a->kind), "session_id", sid,
	                    "rehashed", rehash != NULL, "api_token_id", api_token_id);
	struct audit_entry e = account_entry(a, ci, "auth.login", details);
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
	out->refresh_max_age = s.max_s;
	return rc;
}

/* Why an account whose password was right may not sign in, or NULL when it may. */
static const char *refusal_of(const struct account *a)
{
	if (a->kind == PRINCIPAL_STAFF)
		return strcmp(a->status, "active") == 0 ? NULL : "account_disabled";
	if (strcmp(a->status, "banned") == 0)
		return "account_banned";
	if (strcmp(a->status, "suspended") == 0)
		return "account_suspended";
	if (strcmp(a->status, "pending") == 0 || !a->email_confirmed)
		return "email_unconfirmed";
	if (!a->login_enabled)
		return "login_disabled";
	/* an individual's window of access, by the application clock */
	if (a->active_from && clock_now() < a->active_from)
		return "account_not_yet_active";
	if (a->expires_at && clock_now() >= a->expires_at)
		return "account_expired";
	return strcmp(a->status, "active") == 0 ? NULL : "account_disabled";
}

#define MFA_TTL_S 300

/* The challenge token's HMAC: only that is stored. */
static int mfa_hmac(char out[65], const struct app *app, const char *token)
{
	char message[100];

	snprintf(message, sizeof(message), "cabinet-mfa:%s", token);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

/*
 * Asks for the second factor when the account has one (APP_UNAUTHORIZED with out->mfa_token), or
 * starts its enrolment when its policy requires one it does not have yet (out->enrolment as well):
 * the password's check then gives its slots back without clearing the account's failures, so that
 * wrong codes add up across sign-ins. APP_OK when the account signs in with its password alone.
 */
static int second_step(struct session_tokens *out, struct app *app, const struct account *a,
                       const struct attempt *t, const char *rehash, time_t now)
{
	struct db_conn *conn = NULL;
	char hmac[65], policy[9];
	bool enabled = false, enrol;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = twofactor_enabled(&enabled, conn, a->id)) != APP_OK ||
	    (rc = twofactor_policy(policy, conn, a)) != APP_OK)
		goto done;
	enrol = !enabled && strcmp(policy, "required") == 0;
	if (strcmp(policy, "off") == 0 || (!enabled && !enrol))
		goto done;
	if ((rc = secrets_random_hex(out->mfa_token, 32)) != APP_OK ||
	    (rc = mfa_hmac(hmac, app, out->mfa_token)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (enrol && (rc = twofactor_start(&out->enrolment, conn, app, a)) != APP_OK) ||
	    (rc = mfa_repo_create(conn, hmac, a, enrol, now, MFA_TTL_S)) != APP_OK ||
	    (rehash && (rc = account_repo_set_hash(conn, a, rehash)) != APP_OK) ||
	    (rc = attempt_end(NULL, conn, t, ATTEMPT_PASSED)) != APP_OK ||
	    (rc = db_commit(conn)) != APP_OK)
		goto done;
	rc = APP_UNAUTHORIZED;
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Counts a wrong second-factor code: against the challenge (five end it) and the check's slots. */
static int wrong_code(struct app *app, const struct client_info *ci, const struct account *a,
                      const struct attempt *t, const char *hmac)
{
	struct db_conn *conn = NULL;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = db_begin(conn)) == APP_OK && (rc = mfa_repo_fail(conn, hmac)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	record_failure(app, ci, a, t, ATTEMPT_FAILED, realm_of(a->kind), "wrong_code");
	return rc;
}

int sessions_login_mfa(struct session_tokens *out, const char **refusal_out, struct app *app,
                       const struct client_info *ci, const char *mfa_token, const char *code,
                       const char *recovery_code)
{
	struct account a;
	struct attempt t;
	struct db_conn *conn = NULL;
	enum principal_kind kind;
	enum throttle_block block;
	char hmac[65], id[37], subject[72];
	const char *refusal;
	bool enrol = false;
	time_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	*refusal_out = "invalid_mfa_token";
	if (!secrets_is_token(mfa_token) || mfa_hmac(hmac, app, mfa_token) != APP_OK)
		return APP_UNAUTHORIZED;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = mfa_repo_find(&kind, id, &enrol, conn, hmac, now)) != APP_OK ||
	    (rc = account_repo_get(&a, conn, kind, id)) != APP_OK)
		goto done;
	/* a code is checked only with a slot of the account's and the address's, like a password */
	attempt_subject(subject, &a);
	if ((rc = attempt_begin(&t, &block, conn, subject, ci->ip, now)) != APP_OK)
		goto done;
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	/* an enrolment is confirmed by a first code of the new secret (no recovery codes exist yet) */
	rc = !enrol ? twofactor_check(conn, app, a.id, code, recovery_code)
	     : code ? twofactor_activate(&out->recovery_codes, conn, app, a.id, code)
	            : APP_INVALID;
	if (rc == APP_OK && enrol) {
		struct audit_entry e = account_entry(&a, ci, "auth.2fa_enabled", NULL);

		rc = audit_repo_append(conn, &e);
	}
	if (rc == APP_OK && (rc = mfa_repo_use(conn, hmac, now)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	if (rc == APP_NOT_FOUND)
		return APP_UNAUTHORIZED; /* no such challenge, or no such account any more */
	if (rc == APP_RATE_LIMITED) {
		*refusal_out = "rate_limited";
		return rc;
	}
	if (rc == APP_FORBIDDEN) { /* locked: the code is not looked at */
		record_failure(app, ci, &a, NULL, ATTEMPT_FAILED, realm_of(a.kind),
		               attempt_block_reason(block));
		*refusal_out = "locked";
		return APP_RATE_LIMITED;
	}
	if (rc == APP_INVALID) { /* nothing of the check stays, but the failure counts */
		*refusal_out = "invalid_code";
		rc = wrong_code(app, ci, &a, &t, hmac);
		return rc == APP_OK ? APP_UNAUTHORIZED : rc;
	}
	if (rc != APP_OK)
		return rc;
	if ((refusal = refusal_of(&a)) || /* suspended meanwhile */
	    (!ipnet_text_allows(a.trusted_ips, ci->ip) && (refusal = "ip_not_allowed"))) {
		*refusal_out = refusal;
		record_failure(app, ci, &a, &t, ATTEMPT_REFUSED, realm_of(a.kind), refusal);
		return APP_FORBIDDEN;
	}
	*refusal_out = NULL;
	if ((rc = open_session(out, app, ci, &a, &t, NULL, NULL, now)) == APP_OK)
		rc = issue_access(out, app, now);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
}

int sessions_login(struct session_tokens *out, const char **refusal_out, struct app *app,
                   const struct client_info *ci, const char *login, const char *password,
                   const char *realm)
{
	struct account a;
	struct attempt t;
	struct db_conn *conn = NULL;
	struct password_params params;
	enum throttle_block block = THROTTLE_OPEN;
	char subject[72] = "", rehash[PASSWORD_HASH_MAX] = "";
	const char *refusal = NULL;
	bool known = false, right, portal_open = true;
	time_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	*refusal_out = "invalid_credentials";
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if (strcmp(realm, "portal") == 0)
		rc = settings_bool(&portal_open, conn, "portal.sign_in");
	if (rc == APP_OK) {
		rc = account_repo_find_login(&a, conn, realm, login, app->cfg.default_country);
		known = rc == APP_OK;
		if (rc == APP_NOT_FOUND)
			rc = APP_OK;
	}
	/* a login nobody holds has a counter too, so that a lock says nothing about existence */
	if (rc == APP_OK)
		rc = known ? (attempt_subject(subject, &a), APP_OK)
		           : attempt_subject_unknown(subject, app, realm, login);
	if (rc == APP_OK)
		rc = attempt_begin(&t, &block, conn, subject, ci->ip, now);
	db_pool_checkin(app->pool, conn); /* never held while hashing */
	if (rc == APP_RATE_LIMITED) {
		*refusal_out = "rate_limited";
		log_warn("Security - sign-ins from %s refused: too many failures this minute",
		         ci->ip);
		return rc;
	}
	if (rc == APP_FORBIDDEN) {
		/* locked or capped: answered exactly like a wrong password, without looking at it */
		record_failure(app, ci, known ? &a : NULL, NULL, ATTEMPT_FAILED, realm,
		               attempt_block_reason(block));
		return APP_UNAUTHORIZED;
	}
	if (rc != APP_OK)
		return rc;
	if ((rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK) {
		attempt_close(app, &t, ATTEMPT_PASSED); /* nothing was checked: the slots go back */
		*refusal_out = "busy";
		return rc;
	}
	/* an unknown account (or one without a usable password) costs the same verification */
	right = known && password_verify(a.password_hash, password);
	if (!(known && password_hash_known(a.password_hash)))
		password_verify(password_dummy(&params), password);
	/* a legacy or weaker hash is replaced now that the password is known to be right */
	if (right && password_needs_rehash(a.password_hash, &params) &&
	    password_hash(rehash, &params, password) != APP_OK)
		rehash[0] = '\0'; /* keep the old hash; it still works */
	password_gate_leave();
	if (!right) {
		record_failure(app, ci, known ? &a : NULL, &t, ATTEMPT_FAILED, realm,
		               known ? "wrong_password" : "unknown_account");
		log_info("Security - failed sign-in (%s realm)", realm);
		return APP_UNAUTHORIZED;
	}
	/* the operator closed the portal's sign-in ("client authorization" off) */
	if (!portal_open)
		refusal = "portal_closed";
	if ((refusal = refusal ? refusal : refusal_of(&a)) ||
	    (!ipnet_text_allows(a.trusted_ips, ci->ip) && (refusal = "ip_not_allowed"))) {
		*refusal_out = refusal;
		record_failure(app, ci, &a, &t, ATTEMPT_REFUSED, realm, refusal);
		return APP_FORBIDDEN;
	}
	if ((rc = second_step(out, app, &a, &t, rehash[0] ? rehash : NULL, now)) != APP_OK) {
		*refusal_out = rc == APP_UNAUTHORIZED ? "mfa_required" : NULL;
		return rc;
	}
	*refusal_out = NULL;
	if ((rc = open_session(out, app, ci, &a, &t, rehash[0] ? rehash : NULL, NULL, now)) ==
	    APP_OK)
		rc = issue_access(out, app, now);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
}

/* "mfa_enrolment_required" in *refusal_out when the account must set up 2FA before anything. */
static int enrolment_pending(const char **refusal_out, struct app *app, const struct account *a)
{
	struct db_conn *conn = NULL;
	char policy[9];
	bool enabled = false;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = twofactor_enabled(&enabled, conn, a->id)) == APP_OK &&
	    (rc = twofactor_policy(policy, conn, a)) == APP_OK && !enabled &&
	    strcmp(policy, "required") == 0)
		*refusal_out = "mfa_enrolment_required";
	db_pool_checkin(app->pool, conn);
	return rc;
}

int sessions_token_exchange(struct session_tokens *out, const char **refusal_out, struct app *app,
                            const struct client_info *ci, const char *login, const char *api_token,
                            const char *realm)
{
	struct account a;
	struct attempt t;
	struct db_conn *conn = NULL;
	enum throttle_block block;
	char token_id[37] = "", token_ips[10001] = "";
	const char *refusal = NULL;
	bool known = false, right = false, portal_open = true;
	time_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	*refusal_out = "invalid_credentials";
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	/* a wrong token counts against the address only: it does not lock the password out */
	rc = attempt_begin(&t, &block, conn, "", ci->ip, now);
	if (rc == APP_OK && strcmp(realm, "portal") == 0)
		rc = settings_bool(&portal_open, conn, "portal.sign_in");
	if (rc == APP_OK) {
		rc = account_repo_find_login(&a, conn, realm, login, app->cfg.default_country);
		known = rc == APP_OK;
		if (rc == APP_NOT_FOUND)
			rc = APP_OK;
		/* the token is looked up for unknown logins too: both cost the same */
		if (rc == APP_OK) {
			rc = api_tokens_owned(token_id, token_ips, conn, api_token,
			                      known ? a.id : "00000000-0000-0000-0000-000000000000",
			                      now);
			right = known && rc == APP_OK;
			if (rc == APP_NOT_FOUND)
				rc = APP_OK;
		}
	}
	db_pool_checkin(app->pool, conn);
	if (rc == APP_RATE_LIMITED)
		*refusal_out = "rate_limited";
	if (rc != APP_OK)
		return rc;
	if (!right) {
		record_failure(app, ci, known ? &a : NULL, &t, ATTEMPT_FAILED, realm,
		               "invalid_api_token");
		return APP_UNAUTHORIZED;
	}
	if (!portal_open)
		refusal = "portal_closed";
	/* an account whose policy requires 2FA it has not set up signs in by password, and enrols */
	if (!refusal && (rc = enrolment_pending(&refusal, app, &a)) != APP_OK)
		return rc;
	if ((refusal = refusal ? refusal : refusal_of(&a)) ||
	    ((!ipnet_text_allows(a.trusted_ips, ci->ip) || !ipnet_text_allows(token_ips, ci->ip)) &&
	     (refusal = "ip_not_allowed"))) {
		*refusal_out = refusal;
		record_failure(app, ci, &a, &t, ATTEMPT_REFUSED, realm, refusal);
		return APP_FORBIDDEN;
	}
	*refusal_out = NULL;
	if ((rc = open_session(out, app, ci, &a, &t, NULL, token_id, now)) == APP_OK)
		rc = issue_access(out, app, now);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
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
	if (!secrets_is_token(refresh_token))
		return APP_UNAUTHORIZED;
	if ((rc = secrets_random_hex(out->refresh_token, 32)) != APP_OK)
		return rc;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = settings_long(&out->refresh_max_age, conn, "session.max_seconds")) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
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
		                        .api_token_id = ci->api_token_id,
		                        .details = details};
		if ((rc = session_repo_revoke(conn, sid, "refresh_reuse", now)) == APP_OK &&
		    (rc = audit_repo_append(conn, &e)) == APP_OK &&
		    (rc = db_commit(conn)) == APP_OK)
			log_warn("Security - refresh token reuse: session %s revoked", sid);
		rc = rc == APP_OK ? APP_UNAUTHORIZED : rc;
		goto done;
	}
	rc = session_repo_principal(&out->who, NULL, conn, sid, NULL, NULL, now);
	if (rc == APP_OK && !ipnet_text_allows(out->who.trusted_ips, ci->ip)) {
		log_warn("Security - refresh of session %s refused from %s: not a trusted address",
		         sid, ci->ip);
		rc = APP_FORBIDDEN; /* rolled back: the token stays for the trusted device */
		goto done;
	}
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
	if (rc == APP_OK)
		rc = issue_access(out, app, now);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
}

/* The account a principal stands for, for audit entries (only kind and id are used). */
static struct account account_of(const struct principal *who)
{
	struct account a = {.kind = who->kind};

	snprintf(a.id, sizeof(a.id), "%s", who->id);
	return a;
}

struct audited_change {
	const struct principal *who;
	const struct audit_entry *entry;
	int (*change)(struct db_conn *conn, const struct principal *who, const void *arg);
	const void *arg;
};

static int run_audited(struct db_conn *conn, void *arg)
{
	const struct audited_change *c = arg;
	int rc = c->change(conn, c->who, c->arg);

	return rc == APP_OK ? audit_repo_append(conn, c->entry) : rc;
}

/* Runs one audited change on the caller's account in a transaction (retried on a deadlock). */
static int audited(struct app *app, const struct principal *who, const struct client_info *ci,
                   const char *action, json_t *details,
                   int (*change)(struct db_conn *conn, const struct principal *who,
                                 const void *arg),
                   const void *arg)
{
	struct account a = account_of(who);
	struct audit_entry e = account_entry(&a, ci, action, details);
	struct audited_change c = {who, &e, change, arg};

	return db_transaction(app->pool, run_audited, &c);
}

static int logout_one(struct db_conn *conn, const struct principal *who, const void *unused)
{
	(void)unused;
	return session_repo_revoke(conn, who->session_id, "logout", clock_now());
}

int sessions_logout(struct app *app, const struct client_info *ci, const struct principal *who)
{
	json_t *details = json_pack("{s:s}", "session_id", who->session_id);
	int rc = audited(app, who, ci, "auth.logout", details, logout_one, NULL);

	json_decref(details);
	return rc;
}

/*
 * The principal an access token stands for: from the principal cache when it holds this very token
 * (keyed by an HMAC of it: a hit skips the signature check too, done when it was cached), else
 * verified and read from the database, then kept unless a change was announced meanwhile.
 */
int sessions_authenticate(struct principal *who_out, struct app *app, const char *access_token,
                          const char *client_ip)
{
	struct token_keys keys = keys_of(app);
	struct principal_grant grant = {0};
	struct token_claims c;
	struct db_conn *conn = NULL;
	time_t now = clock_now();
	char key[160] = "a:";
	uint64_t generation = 0;
	bool cached = false;
	int rc = APP_OK;

	memset(who_out, 0, sizeof(*who_out));
	if (app->principals) {
		if (secrets_hmac_hex(key + 2, app->cfg.jwt_secret, access_token) != APP_OK)
			return APP_INTERNAL;
		cached = principal_cache_get(app->principals, key, (long long)now, who_out, NULL);
		if (!cached)
			generation = principal_cache_generation(app->principals);
	}
	if (!cached) {
		if (token_verify(&c, &keys, access_token, now) != APP_OK)
			return APP_UNAUTHORIZED;
		if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
			return rc;
		/* the session must be live and of the token's realm, its account still allowed in */
		rc = session_repo_principal(who_out, &grant.valid_until, conn, c.sid, c.sub,
		                            c.realm, now);
		db_pool_checkin(app->pool, conn);
		/* the token names the same actor as its session (none, or the impersonating staff) */
		if (rc == APP_OK && strcmp(c.act, who_out->impersonator_id) != 0)
			rc = APP_NOT_FOUND;
		if (grant.valid_until > c.exp)
			grant.valid_until = c.exp;
		if (rc == APP_OK && app->principals)
			principal_cache_put(app->principals, key, generation, who_out, &grant);
	}
	if (rc == APP_OK && !ipnet_text_allows(who_out->trusted_ips, client_ip)) {
		log_warn("Security - request of %s %s refused from %s: not a trusted address",
		         account_kind_name(who_out->kind), who_out->id, client_ip);
		return APP_FORBIDDEN;
	}
	return rc == APP_NOT_FOUND ? APP_UNAUTHORIZED : rc;
}

static int set_password(struct db_conn *conn, const struct principal *who, const void *hash)
{
	struct account a = account_of(who);
	time_t now = clock_now();
	int rc = account_repo_set_password(conn, &a, hash, now);

	if (rc == APP_OK &&
	    (rc = session_repo_revoke_others(conn, who->id, who->session_id, "password_changed",
	                                     now)) == APP_OK &&
	    PRINCIPAL_IN_PORTAL(who->kind))
		rc = confirmation_repo_cancel_changes(
		        conn, who->customer_id, who->kind == PRINCIPAL_INDIVIDUAL ? who->id : NULL,
		        now);
	return rc;
}

int sessions_change_password(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *current_password,
                             const char *new_password, struct field_error *fe)
{
	struct account cred;
	struct password_params params;
	char hash[PASSWORD_HASH_MAX];
	const char *code = NULL;
	int rc;

	memset(fe, 0, sizeof(*fe));
	/* the length first: an over-long password is refused before anything reads it */
	if (strlen(new_password) > PASSWORD_MAX_BYTES) {
		fe->field = "new_password";
		fe->code = "too_long";
		snprintf(fe->message, sizeof(fe->message), "A password has at most %d bytes.",
		         PASSWORD_MAX_BYTES);
		return APP_INVALID;
	}
	if ((rc = security_check_password(&cred, app, who, ci, current_password, fe)) != APP_OK)
		return rc;
	if (password_policy_check(&code, fe->message, sizeof(fe->message), new_password, cred.email,
	                          cred.display_name, settings_password_min_length(app)) != APP_OK) {
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
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, new_password);
	password_gate_leave();
	if (rc != APP_OK)
		return rc;
	rc = audited(app, who, ci, "auth.password_changed", NULL, set_password, hash);
	memset(hash, 0, sizeof(hash));
	if (rc == APP_OK)
		log_info("Security - %s %s changed its password; its other sessions ended",
		         account_kind_name(who->kind), who->id);
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

static int revoke_rest(struct db_conn *conn, const struct principal *who, const void *app)
{
	struct account a;
	int rc = account_repo_get(&a, conn, who->kind, who->id);

	/* a token left by whoever had a session is as good as a session: it goes too */
	return rc == APP_OK ? security_end_access(conn, (struct app *)app, &a, who->session_id,
	                                          "logout_everywhere", END_SESSIONS | END_TOKENS,
	                                          "signed_out_everywhere")
	                    : rc;
}

int sessions_revoke_others(struct app *app, const struct principal *who,
                           const struct client_info *ci)
{
	return audited(app, who, ci, "auth.logout_everywhere", NULL, revoke_rest, app);
}

struct ips_change {
	const char *text;
};

static int set_ips(struct db_conn *conn, const struct principal *who, const void *arg)
{
	struct account a = account_of(who);

	return account_repo_set_trusted_ips(conn, &a, ((const struct ips_change *)arg)->text);
}

int sessions_set_trusted_ips(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *text,
                             const char *current_password, bool exclude_current,
                             struct field_error *fe)
{
	struct ipnet_list nets;
	struct account cred;
	struct ips_change change = {text};
	json_t *details = NULL;
	bool right;
	int rc;

	memset(fe, 0, sizeof(*fe));
	if (ipnet_list_parse(&nets, text, fe->message, sizeof(fe->message)) != APP_OK) {
		fe->field = "trusted_ips";
		fe->code = "invalid";
		return APP_INVALID;
	}
	/* saving a list that leaves out the address in use now needs an explicit yes */
	right = nets.count == 0 || ipnet_list_contains(&nets, ci->ip);
	details = json_pack("{s:i}", "entries", (int)nets.count);
	ipnet_list_free(&nets);
	if (!right && !exclude_current) {
		fe->field = "trusted_ips";
		fe->code = "excludes_current_address";
		snprintf(fe->message, sizeof(fe->message),
		         "The list leaves out your current address %s: you would be locked out.",
		         ci->ip);
		rc = APP_INVALID;
		goto done;
	}
	if ((rc = security_reauthenticate(&cred, app, who, ci, current_password, fe)) == APP_OK)
		rc = audited(app, who, ci, "auth.trusted_ips_changed", details, set_ips, &change);
done:
	json_decref(details);
	return rc;
}

int sessions_history(json_t **out, struct app *app, const struct principal *who, const char *cursor,
                     int limit)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = audit_repo_history(out, conn, who->id, cursor, limit);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* ---- "log in as customer" ---- */

#define IMPERSONATION_MAX_S 1800
#define HANDOFF_TTL_S       120

static int handoff_hmac(char out[65], const struct app *app, const char *code)
{
	char message[100];

	snprintf(message, sizeof(message), "cabinet-impersonation:%s", code);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

int sessions_impersonate(json_t **out, const char **conflict, struct app *app,
                         const struct principal *who, const struct client_info *ci,
                         const char *customer_id, const char *individual_id, const char *mode,
                         const char *reason)
{
	struct db_conn *conn = NULL;
	struct impersonation_target target;
	char sid[37], code[65], hmac[65], url[2200], until[32];
	time_t now = clock_now(), end = now + IMPERSONATION_MAX_S;
	json_t *details = NULL;
	int rc;

	*out = NULL;
	*conflict = NULL;
	struct session_new s = {.kind = individual_id ? PRINCIPAL_INDIVIDUAL : PRINCIPAL_CUSTOMER,
	                        .owner_id = individual_id ? individual_id : customer_id,
	                        .customer_id = customer_id,
	                        .now = now,
	                        .idle_s = app->cfg.session_idle_s < IMPERSONATION_MAX_S
	                                          ? app->cfg.session_idle_s
	                                          : IMPERSONATION_MAX_S,
	                        .max_s = IMPERSONATION_MAX_S,
	                        .ip = ci->ip,
	                        .user_agent = ci->user_agent,
	                        .impersonator_id = who->id,
	                        .impersonation_reason = reason};
	if ((rc = secrets_random_hex(code, 32)) != APP_OK ||
	    (rc = handoff_hmac(hmac, app, code)) != APP_OK)
		return rc;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    /* APP_NOT_FOUND: no such customer, or no such individual of it */
	    (rc = session_repo_impersonation_target(&target, conn, customer_id, individual_id,
	                                            who->id)) != APP_OK)
		goto done;
	if (strcmp(target.status, "active") != 0) {
		/* suspended, banned, pending, invited or deleted: nothing to look at */
		*conflict = "not_active";
		rc = APP_CONFLICT;
		goto done;
	}
	if (strcmp(mode, "default_role") == 0)
		s.impersonation_role_id = target.default_role_id[0] ? target.default_role_id : NULL;
	details = json_pack("{s:s, s:s, s:s, s:s?}", "mode", mode, "reason", reason, "staff_name",
	                    target.staff_name, "individual_id", individual_id);
	/* in the customer's own history too: the actor is the staff member, the subject the customer */
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = "customer.impersonation_started",
	                        .target_kind = "customer",
	                        .target_id = customer_id,
	                        .customer_id = customer_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};
	if ((rc = session_repo_create(sid, conn, &s)) != APP_OK ||
	    (rc = session_repo_handoff_create(conn, hmac, sid, now, HANDOFF_TTL_S)) != APP_OK ||
	    (rc = audit_repo_append(conn, &e)) != APP_OK || (rc = db_commit(conn)) != APP_OK)
		goto done;
	/* the code travels in the fragment: it never reaches a server log */
	snprintf(url, sizeof(url), "%s/impersonate#code=%s", app->cfg.public_url, code);
	struct tm tm;
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&end, &tm));
	*out = json_pack("{s:s, s:s, s:s, s:i}", "handoff_url", url, "session_id", sid,
	                 "expires_at", until, "handoff_expires_in", HANDOFF_TTL_S);
	log_info("Security - staff %s opened a session as customer %s (%s)", who->id, customer_id,
	         mode);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	memset(code, 0, sizeof(code));
	return rc;
}

int sessions_impersonation_exchange(struct session_tokens *out, struct app *app,
                                    const struct client_info *ci, const char *code)
{
	struct db_conn *conn = NULL;
	char hmac[65], sid[37];
	time_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	(void)ci;
	if (!secrets_is_token(code) || handoff_hmac(hmac, app, code) != APP_OK)
		return APP_NOT_FOUND;
	if ((rc = secrets_random_hex(out->refresh_token, 32)) != APP_OK ||
	    (rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = session_repo_handoff_use(sid, conn, hmac, now)) != APP_OK)
		goto done;
	if ((rc = session_repo_principal(&out->who, NULL, conn, sid, NULL, "portal", now)) !=
	            APP_OK ||
	    (rc = refresh_repo_insert(conn, out->refresh_token, sid, now)) != APP_OK ||
	    (rc = db_commit(conn)) != APP_OK)
		goto done;
	out->refresh_max_age = IMPERSONATION_MAX_S;
	rc = issue_access(out, app, now);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	if (rc != APP_OK)
		session_tokens_clear(out);
	return rc;
}
