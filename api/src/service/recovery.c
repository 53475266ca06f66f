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
	struct account a;
	struct db_conn *conn = NULL;
	long recent = 0;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	rc = account_repo_find_login(&a, conn, realm, login, app->cfg.default_country);
	if (rc == APP_NOT_FOUND || (rc == APP_OK && strcmp(channel, "sms") == 0 && !a.phone[0])) {
		rc = APP_OK; /* nothing to send, and nothing to say about it */
		goto done;
	}
	if (rc != APP_OK || (rc = recovery_repo_recent(&recent, conn, a.id, clock_now())) != APP_OK)
		goto done;
	if (recent >= SENDS_PER_HOUR) {
		log_warn("Security - recovery for %s %s not sent: %d sends this hour already",
		         account_kind_name(a.kind), a.id, SENDS_PER_HOUR);
		goto done;
	}
	if ((rc = send_request(conn, app, ci, &a, channel, method)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
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

/* Finds the account the secret is for, without using the secret yet. */
static int locate(struct account *a, char hmac[65], struct app *app, const char *realm,
                  const char *login, const char *code, const char *token, struct field_error *fe)
{
	struct db_conn *conn = NULL;
	char kind[16], id[37];
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if (token) {
		if ((rc = secret_hmac(hmac, app, NULL, token)) == APP_OK &&
		    (rc = recovery_repo_peek_link(kind, id, conn, hmac, clock_now())) == APP_OK)
			rc = account_repo_get(a, conn, account_kind_parse(kind), id);
	} else {
		rc = account_repo_find_login(a, conn, realm, login, app->cfg.default_country);
		if (rc == APP_OK)
			rc = secret_hmac(hmac, app, a->id, code);
	}
	db_pool_checkin(app->pool, conn);
	if (rc == APP_NOT_FOUND)
		bad_secret(fe, token ? "token" : "code");
	return rc == APP_NOT_FOUND ? APP_INVALID : rc;
}

/*
 * The security question, where the account has one: asked only of someone holding a valid secret (so
 * the question is never shown to a stranger), and a wrong answer counts like a wrong code.
 */
static int check_answer(struct app *app, const struct account *a, const char *hmac, bool link,
                        const char *answer, char question_out[201], struct field_error *fe)
{
	struct db_conn *conn = NULL;
	time_t now = clock_now();
	bool right;
	int rc;

	if (!a->security_question[0])
		return APP_OK;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	/* a link was found live by locate(); a code is checked here, a wrong one counted */
	rc = link ? APP_OK : recovery_repo_peek_code(conn, a->id, hmac, now);
	if (rc == APP_OK && answer) {
		if ((rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
			goto done;
		right = security_answer_matches(a, answer);
		password_gate_leave();
		if (!right && (rc = recovery_repo_fail(conn, a->id, now)) == APP_OK) {
			fe->field = "security_answer";
			fe->code = "wrong_answer";
			snprintf(fe->message, sizeof(fe->message),
			         "This is not the answer to your security question.");
			rc = APP_INVALID;
		}
	} else if (rc == APP_OK) {
		snprintf(question_out, 201, "%s", a->security_question);
		fe->field = "security_answer";
		fe->code = "security_answer_required";
		snprintf(fe->message, sizeof(fe->message), "Answer your security question.");
		rc = APP_INVALID;
	} else if (rc == APP_NOT_FOUND) {
		bad_secret(fe, "code");
		rc = APP_INVALID;
	}
done:
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
	    (rc = check_answer(app, &a, hmac, token != NULL, answer, question_out, fe)) != APP_OK)
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
	if (rc == APP_OK && (rc = account_repo_set_password(conn, &a, hash, now)) == APP_OK &&
	    (rc = session_repo_revoke_others(conn, a.id, NULL, "password_changed", now)) ==
	            APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	memset(hash, 0, sizeof(hash));
	if (rc == APP_OK)
		log_info("Security - %s %s set a new password by recovery; its sessions ended",
		         account_kind_name(a.kind), a.id);
	return rc;
}
