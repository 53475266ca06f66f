/* Recovery: secrets kept as HMACs keyed by the server secret, so a database copy cannot test codes. */
#include "service/recovery.h"

#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/policy.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/recovery_repo.h"
#include "db/session_repo.h"
#include "log.h"
#include "service/security.h"
#include "service/settings.h"
#include "notify/outbox.h"
#include "notify/worker.h"

#define LINK_TTL_S     (30 * 60)
#define CODE_TTL_S     (10 * 60)
#define SENDS_PER_HOUR 3

/* A code is bound to its account; a link stands alone (its account is found through it). */
static int secret_hmac(char out[65], const struct app *app, const char *account_id,
                       const char *secret)
{
	char message[160];

	snprintf(message, sizeof(message), "cabinet-recovery:%s:%s",
	         account_id ? account_id : "link", secret);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

/* The new request and its message, in one transaction. */
static int send_request(struct db_conn *conn, struct app *app, const struct client_info *ci,
                        const struct account *a, const char *channel, const char *method)
{
	bool link = strcmp(method, "link") == 0;
	char secret[65], hmac[65], url[2200], message_id[37];
	json_t *vars = NULL, *details = NULL;
	time_t now = clock_now();
	int rc;

	if ((rc = link ? secrets_random_hex(secret, 32) : secrets_random_digits(secret, 6)) !=
	            APP_OK ||
	    (rc = secret_hmac(hmac, app, link ? NULL : a->id, secret)) != APP_OK ||
	    (rc = recovery_repo_create(conn, a, channel, method, hmac, now,
	                               link ? LINK_TTL_S : CODE_TTL_S)) != APP_OK)
		goto done;
	/* built from the configured public URL, never from the request's Host header */
	snprintf(url, sizeof(url), "%s%s/reset?token=%s", app->cfg.public_url,
	         a->kind == PRINCIPAL_STAFF ? "/admin" : "", secret);
	vars = link ? json_pack("{s:s, s:s, s:i}", "first_name", a->display_name, "link", url,
	                        "expires_minutes", LINK_TTL_S / 60)
	            : json_pack("{s:s, s:s, s:i}", "first_name", a->display_name, "code", secret,
	                        "expires_minutes", CODE_TTL_S / 60);
	struct outbox_message m = {.event = link ? "password_reset_link" : "recovery_code",
	                           .language = a->language[0] ? a->language : "en",
	                           .channel = channel,
	                           .address = strcmp(channel, "sms") == 0 ? a->phone : a->email,
	                           .vars = vars,
	                           .customer_id = a->customer_id[0] ? a->customer_id : NULL,
	                           .staff_id = a->kind == PRINCIPAL_STAFF ? a->id : NULL};
	details = json_pack("{s:s, s:s}", "channel", channel, "method", method);
	struct audit_entry e =
	        audit_entry_self(a->kind, a->id, ci, "auth.recovery_requested", details);
	if ((rc = outbox_enqueue(message_id, conn, app, &m)) == APP_OK)
		rc = audit_repo_append(conn, &e);
done:
	memset(secret, 0, sizeof(secret));
	json_decref(vars);
	json_decref(details);
	return rc;
}

int recovery_send_link(struct db_conn *conn, struct app *app, const struct client_info *ci,
                       const struct account *a)
{
	return send_request(conn, app, ci, a, "email", "link");
}

int recovery_request(struct app *app, const struct client_info *ci, const char *realm,
                     const char *login, const char *channel, const char *method)
{
	struct recovery_job j = {0};
	struct db_conn *conn = NULL;
	int rc;

	/* the same work for every login: one insert; a worker does the rest (recovery_run_job) */
	snprintf(j.realm, sizeof(j.realm), "%s", realm);
	snprintf(j.login, sizeof(j.login), "%s", login);
	snprintf(j.channel, sizeof(j.channel), "%s", channel);
	snprintf(j.method, sizeof(j.method), "%s", method);
	snprintf(j.ip, sizeof(j.ip), "%s", ci->ip ? ci->ip : "");
	snprintf(j.user_agent, sizeof(j.user_agent), "%s", ci->user_agent ? ci->user_agent : "");
	snprintf(j.request_id, sizeof(j.request_id), "%s", ci->request_id ? ci->request_id : "");
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = recovery_repo_job_insert(conn, &j, clock_now());
	db_pool_checkin(app->pool, conn);
	if (rc == APP_OK)
		notify_workers_wake(app->workers);
	return rc;
}

/* The job's request: looked up, counted under the account's row lock, sent; in the job's transaction. */
static int run_job(struct db_conn *conn, struct app *app, const struct recovery_job *j)
{
	struct client_info ci = {.ip = j->ip[0] ? j->ip : NULL,
	                         .user_agent = j->user_agent,
	                         .request_id = j->request_id[0] ? j->request_id : NULL};
	struct account a;
	long recent = 0;
	int rc = account_repo_find_login(&a, conn, j->realm, j->login, app->cfg.default_country);

	if (rc == APP_NOT_FOUND || (rc == APP_OK && strcmp(j->channel, "sms") == 0 && !a.phone[0]))
		return APP_OK; /* nothing to send, and nobody was told anything */
	/* the row lock makes the count exact: parallel requests are counted one after the other */
	if (rc != APP_OK || (rc = account_repo_lock(conn, &a)) != APP_OK ||
	    (rc = recovery_repo_recent(&recent, conn, a.id, clock_now())) != APP_OK)
		return rc == APP_NOT_FOUND ? APP_OK : rc;
	if (recent >= SENDS_PER_HOUR) {
		log_warn("Security - recovery for %s %s not sent: %d sends this hour already",
		         account_kind_name(a.kind), a.id, SENDS_PER_HOUR);
		return APP_OK;
	}
	return send_request(conn, app, &ci, &a, j->channel, j->method);
}

int recovery_run_job(struct app *app)
{
	struct recovery_job j;
	struct db_conn *conn = NULL;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	/* taken and done in one transaction: a failure leaves the job for the next try */
	if ((rc = db_begin(conn)) == APP_OK && (rc = recovery_repo_job_take(&j, conn)) == APP_OK &&
	    (rc = run_job(conn, app, &j)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	memset(&j, 0, sizeof(j));
	return rc;
}

static void bad_secret(struct field_error *fe, const char *field)
{
	fe->field = field;
	fe->code = "invalid_or_expired";
	snprintf(fe->message, sizeof(fe->message),
	         "This %s is not valid: wrong, already used, replaced by a newer one or expired.",
	         field);
}

/*
 * Finds the account the secret is for: a live link, or the login's live code, which is compared
 * (and counted when wrong) at once, before anything costly.
 */
static int locate(struct account *a, char hmac[65], struct app *app, const char *realm,
                  const char *login, const char *code, const char *token, struct field_error *fe)
{
	struct db_conn *conn = NULL;
	char kind[16], id[37];
	bool right = false;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if (token) {
		if ((rc = secret_hmac(hmac, app, NULL, token)) == APP_OK &&
		    (rc = recovery_repo_peek_link(kind, id, conn, hmac, clock_now())) == APP_OK)
			rc = account_repo_get(a, conn, account_kind_parse(kind), id);
	} else {
		rc = account_repo_find_login(a, conn, realm, login, app->cfg.default_country);
		if (rc == APP_OK && (rc = secret_hmac(hmac, app, a->id, code)) == APP_OK &&
		    (rc = recovery_repo_try_code(&right, conn, a->id, hmac, clock_now())) ==
		            APP_OK &&
		    !right)
			rc = APP_NOT_FOUND;
	}
	db_pool_checkin(app->pool, conn);
	if (rc == APP_NOT_FOUND)
		bad_secret(fe, token ? "token" : "code");
	return rc == APP_NOT_FOUND ? APP_INVALID : rc;
}

/*
 * The security question, where the account has one: asked only of someone holding a valid secret (so
 * the question is never shown to a stranger). An answer takes one of the request's five attempts
 * before it is hashed, and a right one gives it back.
 */
static int check_answer(struct app *app, const struct account *a, const char *answer,
                        char question_out[201], struct field_error *fe)
{
	struct db_conn *conn = NULL;
	time_t now = clock_now();
	bool right;
	int rc;

	if (!a->security_question[0])
		return APP_OK;
	if (!answer) {
		snprintf(question_out, 201, "%s", a->security_question);
		fe->field = "security_answer";
		fe->code = "security_answer_required";
		snprintf(fe->message, sizeof(fe->message), "Answer your security question.");
		return APP_INVALID;
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = recovery_repo_take_attempt(conn, a->id, now);
	db_pool_checkin(app->pool, conn);
	if (rc == APP_NOT_FOUND) {
		bad_secret(fe, "code");
		return APP_INVALID;
	}
	if (rc != APP_OK || (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	right = security_answer_matches(a, answer);
	password_gate_leave();
	if (!right) {
		fe->field = "security_answer";
		fe->code = "wrong_answer";
		snprintf(fe->message, sizeof(fe->message),
		         "This is not the answer to your security question.");
		return APP_INVALID;
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = recovery_repo_give_back(conn, a->id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int recovery_confirm(struct app *app, const struct client_info *ci, const char *realm,
                     const char *login, const char *code, const char *token,
                     const char *new_password, const char *answer, char question_out[201],
                     struct field_error *fe)
{
	struct password_params params;
	struct account a;
	struct db_conn *conn = NULL;
	char hmac[65], hash[PASSWORD_HASH_MAX], kind[16], id[37];
	const char *policy_code = NULL;
	time_t now = clock_now();
	int rc;

	memset(fe, 0, sizeof(*fe));
	question_out[0] = '\0';
	if ((rc = locate(&a, hmac, app, realm, login, code, token, fe)) != APP_OK ||
	    (rc = check_answer(app, &a, answer, question_out, fe)) != APP_OK)
		return rc;
	if (password_policy_check(&policy_code, fe->message, sizeof(fe->message), new_password,
	                          a.email, a.display_name,
	                          settings_password_min_length(app)) != APP_OK) {
		fe->field = "new_password";
		fe->code = policy_code ? policy_code : "invalid";
		return policy_code ? APP_INVALID : APP_INTERNAL; /* the secret stays usable */
	}
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, new_password);
	password_gate_leave();
	if (rc != APP_OK || (rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	struct audit_entry e = audit_entry_self(a.kind, a.id, ci, "auth.recovery_used", NULL);
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	/* using the secret is the atomic step: of parallel confirmations exactly one gets here */
	rc = token ? recovery_repo_use_link(kind, id, conn, hmac, now)
	           : recovery_repo_use_code(conn, a.id, hmac, now);
	if (rc == APP_NOT_FOUND) {
		bad_secret(fe, token ? "token" : "code");
		rc = db_commit(conn) == APP_OK ? APP_INVALID
		                               : APP_UNAVAILABLE; /* the failure counts */
		goto done;
	}
	/* whoever had the account meanwhile loses its sessions, API tokens and pending changes */
	if (rc == APP_OK && (rc = account_repo_set_password(conn, &a, hash, now)) == APP_OK &&
	    (rc = security_end_access(conn, app, &a, NULL, "password_changed",
	                              END_SESSIONS | END_TOKENS | END_EMAIL_CHANGES,
	                              "password_reset_done")) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	memset(hash, 0, sizeof(hash));
	if (rc == APP_OK)
		log_info("Security - %s %s set a new password by recovery; its sessions and API "
		         "tokens ended",
		         account_kind_name(a.kind), a.id);
	return rc;
}
