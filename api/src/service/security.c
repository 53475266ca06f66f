/* Security question, e-mail change, the end of access: each change audited in its transaction. */
#include "service/security.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/text.h"
#include "db/audit_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "db/device_repo.h"
#include "log.h"
#include "notify/outbox.h"
#include "service/api_tokens.h"
#include "service/attempts.h"
#include "service/settings.h"
#include "db/session_repo.h"

#define CHANGE_LINK_TTL_S (24 * 3600)
#define ANSWER_MAX        200

static void wrong_password(struct field_error *fe)
{
	fe->field = "current_password";
	fe->code = "wrong_password";
	snprintf(fe->message, sizeof(fe->message), "The current password is not right.");
}

int security_check_password(struct account *a_out, struct app *app, const struct principal *who,
                            const struct client_info *ci, const char *password,
                            struct field_error *fe)
{
	struct db_conn *conn = NULL;
	struct attempt t;
	enum throttle_block block = THROTTLE_OPEN;
	char subject[72];
	bool right;
	int rc;

	memset(fe, 0, sizeof(*fe));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	/* the same slots as a sign-in: guesses here count toward the same lockout */
	if ((rc = account_repo_get(a_out, conn, who->kind, who->id)) == APP_OK) {
		attempt_subject(subject, a_out);
		rc = attempt_begin(&t, &block, conn, subject, ci->ip, clock_now());
	}
	db_pool_checkin(app->pool, conn); /* never held while hashing */
	if (rc == APP_FORBIDDEN) {
		json_t *details = json_pack("{s:s}", "reason", attempt_block_reason(block));

		attempt_record(app, ci, a_out, NULL, ATTEMPT_FAILED, "auth.password_check_failed",
		               details);
		json_decref(details);
		fe->field = "current_password";
		fe->code = "locked";
		snprintf(fe->message, sizeof(fe->message),
		         "Too many wrong passwords: this account is locked for a while.");
		return APP_RATE_LIMITED;
	}
	if (rc != APP_OK)
		return rc;
	if ((rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK) {
		attempt_close(app, &t, ATTEMPT_PASSED);
		return rc;
	}
	right = password && a_out->password_hash[0] &&
	        password_verify(a_out->password_hash, password);
	password_gate_leave();
	if (right) {
		attempt_close(app, &t, ATTEMPT_SUCCEEDED);
		return APP_OK;
	}
	json_t *details = json_pack("{s:s}", "reason", "wrong_password");
	attempt_record(app, ci, a_out, &t, ATTEMPT_FAILED, "auth.password_check_failed", details);
	json_decref(details);
	wrong_password(fe);
	return APP_INVALID;
}

int security_reauthenticate(struct account *a_out, struct app *app, const struct principal *who,
                            const struct client_info *ci, const char *password,
                            struct field_error *fe)
{
	struct db_conn *conn = NULL;
	int rc;

	memset(fe, 0, sizeof(*fe));
	if (password)
		return security_check_password(a_out, app, who, ci, password, fe);
	if (!who->signed_in_at || clock_now() - who->signed_in_at >= SECURITY_RECENT_S) {
		fe->field = "current_password";
		fe->code = "required";
		snprintf(fe->message, sizeof(fe->message),
		         "Confirm with your current password: you signed in more than %d minutes "
		         "ago.",
		         SECURITY_RECENT_S / 60);
		return APP_INVALID;
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = account_repo_get(a_out, conn, who->kind, who->id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Lower-case ASCII letters, no leading or trailing spaces, one space between words. */
static void normalize_answer(char *out, size_t len, const char *answer)
{
	size_t n = 0;
	bool space = false;

	for (const unsigned char *p = (const unsigned char *)answer; *p && n + 2 < len; p++) {
		if (isspace(*p)) {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)tolower(*p);
	}
	out[n] = '\0';
}

bool security_answer_matches(const struct account *a, const char *answer)
{
	char normalized[4 * ANSWER_MAX + 1];

	if (!a->security_answer_hash[0] || !answer)
		return false;
	normalize_answer(normalized, sizeof(normalized), answer);
	return password_verify(a->security_answer_hash, normalized);
}

/* Runs one audited change on the caller's account in a transaction. */
static int audited(struct app *app, const struct account *a, const struct client_info *ci,
                   const char *action, json_t *details, const char *question, const char *hash)
{
	struct db_conn *conn = NULL;
	struct audit_entry e = audit_entry_self(a->kind, a->id, ci, action, details);
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = account_repo_set_question(conn, a, question, hash)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int security_set_question(struct app *app, const struct principal *who,
                          const struct client_info *ci, const char *current_password,
                          const char *question, const char *answer, struct field_error *fe)
{
	struct password_params params;
	struct account a;
	char normalized[4 * ANSWER_MAX + 1], hash[PASSWORD_HASH_MAX];
	int rc;

	memset(fe, 0, sizeof(*fe));
	if (!text_is_single_line(question, strlen(question))) {
		fe->field = "question";
		fe->code = "invalid";
		snprintf(fe->message, sizeof(fe->message), "One line, without control characters.");
		return APP_INVALID;
	}
	normalize_answer(normalized, sizeof(normalized), answer);
	if (strlen(normalized) < 2 || strlen(answer) > 4 * ANSWER_MAX) {
		fe->field = "answer";
		fe->code = "invalid";
		snprintf(fe->message, sizeof(fe->message),
		         "An answer of 2 to %d characters is expected.", ANSWER_MAX);
		return APP_INVALID;
	}
	if ((rc = security_check_password(&a, app, who, ci, current_password, fe)) != APP_OK ||
	    (rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, normalized);
	password_gate_leave();
	memset(normalized, 0, sizeof(normalized));
	if (rc == APP_OK)
		rc = audited(app, &a, ci, "auth.security_question_set", NULL, question, hash);
	memset(hash, 0, sizeof(hash));
	return rc;
}

int security_remove_question(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *current_password,
                             struct field_error *fe)
{
	struct account a;
	int rc = security_check_password(&a, app, who, ci, current_password, fe);

	if (rc == APP_OK && !a.security_question[0])
		return APP_NOT_FOUND;
	return rc == APP_OK
	               ? audited(app, &a, ci, "auth.security_question_removed", NULL, NULL, NULL)
	               : rc;
}

/* The confirmation link to the new address and the notice to the old one, in one transaction. */
static int queue_change(struct db_conn *conn, struct app *app, const struct account *a,
                        const char *new_email)
{
	char token[65], link[2200], id[37];
	json_t *link_vars = NULL, *notice_vars = NULL;
	time_t now = clock_now();
	int rc;

	const char *individual = a->kind == PRINCIPAL_INDIVIDUAL ? a->id : NULL;
	struct confirmation_new c = {.token = token,
	                             .customer_id = a->customer_id,
	                             .individual_id = individual,
	                             .email = new_email,
	                             .purpose = "change",
	                             .from_email = a->email,
	                             .now = now,
	                             .ttl_s = CHANGE_LINK_TTL_S};

	if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = confirmation_repo_insert(conn, &c)) != APP_OK)
		goto done;
	/* built from the configured public URL, never from the request's Host header */
	snprintf(link, sizeof(link), "%s/confirm?token=%s", app->cfg.public_url, token);
	link_vars = json_pack("{s:s, s:s, s:i}", "first_name", a->display_name, "link", link,
	                      "expires_minutes", CHANGE_LINK_TTL_S / 60);
	notice_vars =
	        json_pack("{s:s, s:s}", "first_name", a->display_name, "new_email", new_email);
	struct outbox_message confirm = {.event = "email_confirmation",
	                                 .language = a->language,
	                                 .channel = "email",
	                                 .address = new_email,
	                                 .vars = link_vars,
	                                 .customer_id = a->customer_id,
	                                 .individual_id = individual};
	struct outbox_message notice = {.event = "email_change_notice",
	                                .language = a->language,
	                                .channel = "email",
	                                .address = a->email,
	                                .vars = notice_vars,
	                                .customer_id = a->customer_id,
	                                .individual_id = individual};
	if ((rc = outbox_enqueue(id, conn, app, &confirm)) == APP_OK)
		rc = outbox_enqueue(id, conn, app, &notice);
done:
	memset(token, 0, sizeof(token));
	json_decref(link_vars);
	json_decref(notice_vars);
	return rc;
}

int security_tell_holder(struct db_conn *conn, struct app *app, const char *address)
{
	struct portal_holder h;
	json_t *vars = NULL;
	char id[37];
	int rc = account_repo_portal_holder(&h, conn, address);

	if (rc != APP_OK)
		return rc == APP_NOT_FOUND ? APP_OK : rc;
	vars = json_pack("{s:s, s:s}", "first_name", h.first_name, "address", address);
	struct outbox_message m = {.event = "address_in_use",
	                           .language = h.language,
	                           .channel = "email",
	                           .address = h.email,
	                           .vars = vars,
	                           .customer_id = h.customer_id,
	                           .individual_id = h.individual_id[0] ? h.individual_id : NULL};
	rc = outbox_enqueue(id, conn, app, &m);
	json_decref(vars);
	return rc;
}

int security_request_email_change(struct app *app, const struct principal *who,
                                  const struct client_info *ci, const char *current_password,
                                  const char *new_email, struct field_error *fe)
{
	struct account a;
	struct db_conn *conn = NULL;
	json_t *details = NULL;
	bool taken = false;
	int rc;

	if (!PRINCIPAL_IN_PORTAL(who->kind))
		return APP_FORBIDDEN; /* a staff address is changed by an owner */
	if ((rc = security_reauthenticate(&a, app, who, ci, current_password, fe)) != APP_OK)
		return rc;
	if (strcasecmp(a.email, new_email) == 0) {
		fe->field = "email";
		fe->code = "unchanged";
		snprintf(fe->message, sizeof(fe->message), "This is your address already.");
		return APP_INVALID;
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	/* the row lock orders parallel requests: the last one's link is the only live one */
	if ((rc = db_begin(conn)) != APP_OK || (rc = account_repo_lock(conn, &a)) != APP_OK ||
	    (rc = account_repo_get(&a, conn, a.kind, a.id)) != APP_OK)
		goto done;
	/* taken by any portal account, customer or individual */
	rc = account_repo_portal_email_taken(&taken, conn, new_email);
	/* the same answer either way: a taken address gets no link, and its holder is told */
	if (rc == APP_OK)
		rc = taken ? security_tell_holder(conn, app, new_email)
		           : queue_change(conn, app, &a, new_email);
	details = json_pack("{s:s}", "new_email", new_email);
	struct audit_entry e =
	        audit_entry_self(a.kind, a.id, ci, "account.email_change_requested", details);
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}

/* "CRM sync (cab_1a2b3c4d), Backup (cab_…)" or the language's word for none. */
static void token_list(char *out, size_t len, json_t *revoked, const char *language)
{
	size_t i, n = 0;
	json_t *t;

	out[0] = '\0';
	json_array_foreach(revoked, i, t)
	{
		int w = snprintf(out + n, len - n, "%s%s (%s)", i ? ", " : "",
		                 json_string_value(json_object_get(t, "name")),
		                 json_string_value(json_object_get(t, "prefix")));

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	if (!out[0])
		snprintf(out, len, "%s", strcmp(language, "fr") == 0 ? "aucun" : "none");
}

int security_end_access(struct db_conn *conn, struct app *app, const struct account *a,
                        const char *keep_session, const char *reason, unsigned what,
                        const char *notice_event)
{
	json_t *revoked = NULL, *vars = NULL;
	char tokens[1024], id[37];
	const char *language = a->language[0] ? a->language : "en";
	bool portal = a->kind != PRINCIPAL_STAFF;
	time_t now = clock_now();
	int rc = APP_OK;

	if ((what & END_SESSIONS) &&
	    (rc = session_repo_revoke_others(conn, a->id, keep_session, reason, now)) != APP_OK)
		return rc;
	if ((what & END_TOKENS) &&
	    (rc = api_tokens_revoke_all(&revoked, conn, a->id, now)) != APP_OK)
		return rc;
	if ((what & END_EMAIL_CHANGES) && portal &&
	    (rc = confirmation_repo_cancel_changes(conn, a->customer_id,
	                                           a->kind == PRINCIPAL_INDIVIDUAL ? a->id : NULL,
	                                           now)) != APP_OK)
		goto done;
	if (notice_event && a->email[0]) {
		if (!revoked)
			revoked = json_array();
		token_list(tokens, sizeof(tokens), revoked, language);
		vars = json_pack("{s:s, s:s}", "first_name", a->display_name, "tokens", tokens);
		struct outbox_message m = {.event = notice_event,
		                           .language = language,
		                           .channel = "email",
		                           .address = a->email,
		                           .vars = vars,
		                           .customer_id = portal ? a->customer_id : NULL,
		                           .individual_id =
		                                   a->kind == PRINCIPAL_INDIVIDUAL ? a->id : NULL,
		                           .staff_id = portal ? NULL : a->id};
		rc = outbox_enqueue(id, conn, app, &m);
	}
done:
	json_decref(revoked);
	json_decref(vars);
	return rc;
}
