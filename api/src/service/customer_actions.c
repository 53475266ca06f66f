/*
 * What staff do to a customer besides editing it: status changes (suspend, ban, reactivate, with
 * their cascade and notice), confirmations, credentials, messages, second factor and security
 * question removals, unlock, sign-out, and deletion. Each locks the customer row, runs in one
 * transaction with its audit entry, and can be asked as a dry run where it has an impact.
 */
#include "service/customers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/account_repo.h"
#include "db/api_token_repo.h"
#include "db/audit_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "db/recovery_repo.h"
#include "db/session_repo.h"
#include "db/throttle_repo.h"
#include "db/twofactor_repo.h"
#include "log.h"
#include "notify/outbox.h"
#include "service/customers_internal.h"
#include "service/recovery.h"

/* ---- actions ---- */

struct action_ctx {
	struct db_conn *conn;
	struct app *app;
	const struct principal *who;
	const struct client_info *ci;
	const char *id;
	json_t *body;    /* the request body (checked against the action's fields) */
	json_t *errors;  /* field errors */
	json_t *result;  /* what the answer says besides the customer (impact, counts) */
	json_t *details; /* the audit entry's details */
	const char *conflict;
	struct customer_contact c;   /* the customer, locked */
	const char *hash, *password; /* send-credentials: made before the transaction */
	bool dry_run;
	time_t now;
};

static int live_services(long *sessions, long *tokens, struct action_ctx *x)
{
	return customer_repo_live_services(sessions, tokens, x->conn, x->id, x->now);
}

static const char *str_of(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* A notice to the customer about its account (suspended, banned, reactivated). */
static int notify(struct action_ctx *x, const char *event, const char *reason)
{
	char login_url[2100], id[37];
	json_t *vars;
	int rc;

	snprintf(login_url, sizeof(login_url), "%s/?auth=1", x->app->cfg.public_url);
	vars = json_pack("{s:s, s:s, s:s}", "first_name", x->c.first_name, "reason",
	                 reason ? reason : "", "login_url", login_url);
	struct outbox_message m = {.event = event,
	                           .language = x->c.language,
	                           .channel = "email",
	                           .address = x->c.email,
	                           .vars = vars,
	                           .customer_id = x->id};
	rc = outbox_enqueue(id, x->conn, x->app, &m);
	json_decref(vars);
	return rc;
}

/* suspend, ban, reactivate: one status change with its reason, its cascade and its notice. */
static int change_status(struct action_ctx *x, const char *to, const char *const *from,
                         const char *event)
{
	const char *reason = str_of(x->body, "reason");
	bool allowed = false, cascade = !json_is_false(json_object_get(x->body, "cascade")),
	     reactivate = strcmp(to, "active") == 0;
	long sessions = 0, tokens = 0;
	int rc;

	for (const char *const *f = from; *f; f++)
		allowed |= strcmp(*f, x->c.status) == 0;
	if (!allowed) {
		x->conflict =
		        strcmp(x->c.status, to) == 0 ? "unchanged" : "not_allowed_from_status";
		return APP_CONFLICT;
	}
	if (!reactivate && (!reason || !*reason || strlen(reason) > 1000)) {
		field_errors_add(x->errors, "reason", reason ? "invalid" : "required",
		                 "Why (1 to 1000 characters): the customer's history keeps it.");
		return APP_INVALID;
	}
	if ((rc = live_services(&sessions, &tokens, x)) != APP_OK)
		return rc;
	/*
	 * The services a cascade reaches: sessions (the customer's and its individuals', ended), and
	 * API tokens, which stop while the account is not active and work again once it is
	 * (licenses and bookings later).
	 */
	json_object_set_new(x->result, "impact",
	                    json_pack("{s:I, s:I}", "sessions",
	                              (json_int_t)(cascade && !reactivate ? sessions : 0),
	                              "api_tokens", (json_int_t)(reactivate ? 0 : tokens)));
	json_object_set_new(x->details, "from", json_string(x->c.status));
	json_object_set_new(x->details, "reason", json_string(reason ? reason : ""));
	json_object_set_new(
	        x->details, reactivate ? "restore_services" : "cascade",
	        json_boolean(reactivate ? json_is_true(json_object_get(x->body, "restore_services"))
	                                : cascade));
	if (x->dry_run)
		return APP_OK;
	rc = customer_repo_set_status(x->conn, x->id, x->c.status, to, reason, x->who->id, x->now);
	if (rc == APP_OK && cascade && !reactivate)
		rc = session_repo_revoke_customer(x->conn, x->id, "account_disabled", x->now);
	/* a link asked for before the suspension must not move the account afterwards */
	if (rc == APP_OK && !reactivate)
		rc = confirmation_repo_cancel_changes(x->conn, x->id, NULL, x->now);
	if (rc == APP_OK && json_is_true(json_object_get(x->body, "notify")))
		rc = notify(x, event, reason);
	return rc;
}

static int act_suspend(struct action_ctx *x)
{
	return change_status(x, "suspended", (const char *const[]){"active", "pending", NULL},
	                     "account_suspended");
}

static int act_ban(struct action_ctx *x)
{
	return change_status(x, "banned",
	                     (const char *const[]){"active", "pending", "suspended", NULL},
	                     "account_banned");
}

static int act_reactivate(struct action_ctx *x)
{
	return change_status(x, "active", (const char *const[]){"suspended", "banned", NULL},
	                     "account_reactivated");
}

static int act_confirm(struct action_ctx *x)
{
	int rc = customer_repo_confirm(x->conn, x->id, x->now);

	if (rc == APP_NOT_FOUND) {
		x->conflict = "already_confirmed";
		rc = APP_CONFLICT;
	}
	return rc;
}

static int act_resend_confirmation(struct action_ctx *x)
{
	int rc = customer_repo_unconfirmed(x->conn, x->id);

	if (rc == APP_NOT_FOUND) {
		x->conflict = "already_confirmed";
		rc = APP_CONFLICT;
	}
	return rc == APP_OK ? customers_send_confirmation(x->conn, x->app, x->id, x->c.email,
	                                                  x->c.first_name, x->c.language)
	                    : rc;
}

static int act_send_password_reset(struct action_ctx *x)
{
	struct account a;
	int rc = account_repo_get(&a, x->conn, PRINCIPAL_CUSTOMER, x->id);

	return rc == APP_OK ? recovery_send_link(x->conn, x->app, x->ci, &a) : rc;
}

static int act_send_credentials(struct action_ctx *x)
{
	int rc = customer_repo_set_generated_password(x->conn, x->id, x->hash, x->now);

	/* the old password and every session die at once */
	if (rc == APP_OK)
		rc = session_repo_revoke_others(x->conn, x->id, NULL, "credentials_reset", x->now);
	return rc == APP_OK
	               ? customers_send_credentials(x->conn, x->app, x->id, NULL, x->c.email,
	                                            x->c.first_name, x->c.language, x->password)
	               : rc;
}

static int act_send_email(struct action_ctx *x)
{
	const char *subject = str_of(x->body, "subject"), *text = str_of(x->body, "body");
	char id[37];
	json_t *vars;
	int rc;

	if (!subject || !*subject || strlen(subject) > 200)
		field_errors_add(x->errors, "subject", subject ? "invalid" : "required",
		                 "A subject of 1 to 200 characters.");
	if (!text || !*text || strlen(text) > 20000)
		field_errors_add(x->errors, "body", text ? "invalid" : "required",
		                 "A message of 1 to 20000 characters.");
	if (json_array_size(x->errors))
		return APP_INVALID;
	vars = json_pack("{s:s, s:s, s:s}", "first_name", x->c.first_name, "subject", subject,
	                 "message", text);
	struct outbox_message m = {.event = "staff_message",
	                           .language = x->c.language,
	                           .channel = "email",
	                           .address = x->c.email,
	                           .vars = vars,
	                           .customer_id = x->id};
	rc = outbox_enqueue(id, x->conn, x->app, &m);
	json_object_set_new(x->details, "subject", json_string(subject));
	json_object_set_new(x->result, "message_id", json_string(id));
	json_decref(vars);
	return rc;
}

/*
 * After staff took away a second factor or a security question: the customer hears of it, in its
 * language, and every session of its own ends (whoever might hold one now faces one factor less).
 */
static int security_changed(struct action_ctx *x, const char *change_en, const char *change_fr)
{
	char id[37];
	json_t *vars = json_pack("{s:s, s:s}", "first_name", x->c.first_name, "change",
	                         strcmp(x->c.language, "fr") == 0 ? change_fr : change_en);
	struct outbox_message m = {.event = "account_security_changed",
	                           .language = x->c.language,
	                           .channel = "email",
	                           .address = x->c.email,
	                           .vars = vars,
	                           .customer_id = x->id};
	int rc = session_repo_revoke_others(x->conn, x->id, NULL, "security_reset", x->now);

	if (rc == APP_OK)
		rc = outbox_enqueue(id, x->conn, x->app, &m);
	json_decref(vars);
	return rc;
}

static int act_remove_2fa(struct action_ctx *x, bool reset)
{
	struct totp_row row;
	int rc = totp_repo_get(&row, x->conn, x->id);

	if (rc == APP_NOT_FOUND && !reset) {
		x->conflict = "two_factor_off";
		return APP_CONFLICT;
	}
	if (rc == APP_NOT_FOUND)
		rc = APP_OK; /* reset: enrolment at the next sign-in all the same */
	if (rc == APP_OK)
		rc = totp_repo_delete(x->conn, x->id);
	if (rc == APP_OK && reset)
		rc = twofactor_repo_must_enrol(x->conn, x->id);
	if (rc == APP_OK)
		rc = reset ? security_changed(
		                     x,
		                     "two-step verification was reset; you set it up again "
		                     "at your next sign-in",
		                     "la vérification en deux étapes a été réinitialisée ; "
		                     "vous la configurerez à votre prochaine connexion")
		           : security_changed(x, "two-step verification was turned off",
		                              "la vérification en deux étapes a été désactivée");
	return rc;
}

static int act_remove_2fa_only(struct action_ctx *x)
{
	return act_remove_2fa(x, false);
}

static int act_reset_2fa(struct action_ctx *x)
{
	return act_remove_2fa(x, true);
}

static int act_disable_question(struct action_ctx *x)
{
	int rc = customer_repo_clear_security_question(x->conn, x->id);

	if (rc == APP_NOT_FOUND) {
		x->conflict = "no_security_question";
		rc = APP_CONFLICT;
	}
	if (rc == APP_OK)
		rc = security_changed(x, "your security question was removed",
		                      "votre question de sécurité a été supprimée");
	return rc;
}

static int act_unlock(struct action_ctx *x)
{
	char subject[64];
	bool was_locked = false;
	int rc;

	snprintf(subject, sizeof(subject), "customer:%s", x->id);
	if ((rc = throttle_repo_unlock(&was_locked, x->conn, subject, x->now)) == APP_OK)
		json_object_set_new(x->result, "was_locked", json_boolean(was_locked));
	return rc;
}

static int act_revoke_sessions(struct action_ctx *x)
{
	long n = 0, tokens = 0;
	int rc = live_services(&n, &tokens, x);

	/* the customer's sessions and its individuals': a whole organization signed out */
	json_object_set_new(x->result, "sessions_revoked", json_integer(n));
	return rc == APP_OK ? session_repo_revoke_customer(x->conn, x->id, "staff_revoked", x->now)
	                    : rc;
}

/* The permission each needs is in the route table (one route per action). */
static const struct {
	const char *name;
	const char *const *fields; /* accepted body fields */
	int (*run)(struct action_ctx *x);
} ACTIONS[] = {
        {"resend-confirmation", (const char *const[]){NULL}, act_resend_confirmation},
        {"confirm", (const char *const[]){NULL}, act_confirm},
        {"send-password-reset", (const char *const[]){NULL}, act_send_password_reset},
        {"send-credentials", (const char *const[]){NULL}, act_send_credentials},
        {"send-email", (const char *const[]){"subject", "body", NULL}, act_send_email},
        {"suspend", (const char *const[]){"reason", "cascade", "notify", "dry_run", NULL},
         act_suspend},
        {"ban", (const char *const[]){"reason", "cascade", "notify", "dry_run", NULL}, act_ban},
        {"reactivate", (const char *const[]){"reason", "restore_services", "notify", NULL},
         act_reactivate},
        {"remove-2fa", (const char *const[]){NULL}, act_remove_2fa_only},
        {"reset-2fa", (const char *const[]){NULL}, act_reset_2fa},
        {"disable-security-question", (const char *const[]){NULL}, act_disable_question},
        {"unlock", (const char *const[]){NULL}, act_unlock},
        {"revoke-sessions", (const char *const[]){NULL}, act_revoke_sessions},
};

#define ACTION_COUNT (sizeof(ACTIONS) / sizeof(ACTIONS[0]))

static int action_index(const char *action)
{
	for (size_t i = 0; action && i < ACTION_COUNT; i++)
		if (strcmp(ACTIONS[i].name, action) == 0)
			return (int)i;
	return -1;
}

int customers_action(json_t **out, json_t *errors, const char **conflict, struct app *app,
                     const struct principal *who, const struct client_info *ci, const char *id,
                     const char *action, json_t *body)
{
	char audit_action[64], hash[PASSWORD_HASH_MAX] = "", generated[21] = "";
	struct action_ctx x = {.app = app,
	                       .who = who,
	                       .ci = ci,
	                       .id = id,
	                       .body = body,
	                       .errors = errors,
	                       .result = json_object(),
	                       .details = json_object(),
	                       .now = clock_now()};
	const char *key;
	json_t *v, *customer = NULL;
	int i = action_index(action), rc;

	*out = NULL;
	*conflict = NULL;
	if (i < 0) {
		rc = APP_NOT_FOUND;
		goto done;
	}
	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *f = ACTIONS[i].fields; *f; f++)
			known |= strcmp(*f, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This action does not take this field.");
		else if (strcmp(key, "reason") && strcmp(key, "subject") && strcmp(key, "body")
		                 ? !json_is_boolean(v)
		                 : !json_is_string(v))
			field_errors_add(errors, key, "invalid", "Not of the expected type.");
	}
	if (json_array_size(errors)) {
		rc = APP_INVALID;
		goto done;
	}
	x.dry_run = json_is_true(json_object_get(body, "dry_run"));
	if (ACTIONS[i].run == act_send_credentials) {
		json_t *f = json_pack("{s:b}", "generate", 1);

		rc = customers_hash_password(hash, generated, app, f);
		json_decref(f);
		if (rc != APP_OK)
			goto done;
		x.hash = hash;
		x.password = generated;
	}
	if ((rc = db_pool_checkout(&x.conn, app->pool)) != APP_OK ||
	    (rc = db_begin(x.conn)) != APP_OK ||
	    (rc = customer_repo_lock(&x.c, x.conn, id)) != APP_OK)
		goto done;
	if (strcmp(x.c.status, "deleted") == 0) {
		x.conflict = "deleted";
		rc = APP_CONFLICT;
		goto done;
	}
	if ((rc = ACTIONS[i].run(&x)) != APP_OK)
		goto done;
	snprintf(audit_action, sizeof(audit_action), "customer.%s", action);
	for (char *p = audit_action; *p; p++)
		*p = *p == '-' ? '_' : *p;
	struct audit_entry e = customers_staff_entry(who, ci, audit_action, id, x.details);
	if (!x.dry_run && (rc = audit_repo_append(x.conn, &e)) != APP_OK)
		goto done;
	if ((rc = customer_repo_get(&customer, x.conn, id, x.now)) != APP_OK)
		goto done;
	if (!x.dry_run && (rc = db_commit(x.conn)) != APP_OK)
		goto done;
	*out = json_pack("{s:s, s:b, s:O, s:O}", "action", action, "dry_run", x.dry_run, "result",
	                 x.result, "customer", customer);
	if (!x.dry_run)
		log_info("Customers - staff %s: %s on customer %s", who->id, action, id);
done:
	db_rollback(x.conn); /* a dry run stops here, changing nothing */
	db_pool_checkin(app->pool, x.conn);
	*conflict = x.conflict;
	memset(hash, 0, sizeof(hash));
	memset(generated, 0, sizeof(generated));
	json_decref(x.result);
	json_decref(x.details);
	json_decref(customer);
	return rc;
}

/* ---- delete ---- */

int customers_delete(json_t **out, struct app *app, const struct principal *who,
                     const struct client_info *ci, const char *id, bool dry_run)
{
	struct action_ctx x = {.app = app, .who = who, .ci = ci, .id = id, .now = clock_now()};
	json_t *details = NULL;
	long sessions = 0, tokens = 0;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&x.conn, app->pool)) != APP_OK ||
	    (rc = db_begin(x.conn)) != APP_OK ||
	    (rc = customer_repo_lock(&x.c, x.conn, id)) != APP_OK)
		goto done;
	if (strcmp(x.c.status, "deleted") == 0) {
		rc = APP_NOT_FOUND; /* gone already, as far as the API is concerned */
		goto done;
	}
	if ((rc = live_services(&sessions, &tokens, &x)) != APP_OK)
		goto done;
	*out = json_pack("{s:b, s:{s:I, s:I}}", "dry_run", dry_run, "impact", "sessions",
	                 (json_int_t)sessions, "api_tokens", (json_int_t)tokens);
	if (dry_run)
		goto done;
	details = json_pack("{s:s, s:s}", "from", x.c.status, "email", x.c.email);
	struct audit_entry e = customers_staff_entry(who, ci, "customer.deleted", id, details);
	if ((rc = customer_repo_set_status(x.conn, id, x.c.status, "deleted", "", who->id,
	                                   x.now)) == APP_OK &&
	    (rc = session_repo_revoke_customer(x.conn, id, "account_deleted", x.now)) == APP_OK &&
	    (rc = api_token_repo_revoke_customer_all(x.conn, id, x.now)) == APP_OK &&
	    (rc = audit_repo_append(x.conn, &e)) == APP_OK)
		rc = db_commit(x.conn);
done:
	db_rollback(x.conn);
	db_pool_checkin(app->pool, x.conn);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
