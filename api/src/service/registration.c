/* Registration: one answer for every outcome, messages queued in the same transaction. */
#include "service/registration.h"

#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/account_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "log.h"
#include "notify/outbox.h"
#include "service/recovery.h"
#include "service/security.h"
#include "service/settings.h"

#define CONFIRMATION_TTL_S (24 * 3600)

static void portal_login_url(char *out, size_t len, const struct app *app)
{
	snprintf(out, len, "%s/?auth=1", app->cfg.public_url);
}

/* The address is held already: its owner hears of the attempt; nothing else changes. */
static int tell_holder(struct db_conn *conn, const struct app *app, const struct client_info *ci,
                       const struct customer_holder *h)
{
	char login_url[2100], id[37];
	json_t *vars = NULL;
	int rc;

	portal_login_url(login_url, sizeof(login_url), app);
	vars = json_pack("{s:s, s:s}", "first_name", h->first_name, "login_url", login_url);
	struct outbox_message m = {.event = "registration_attempt",
	                           .language = h->language,
	                           .channel = "email",
	                           .address = h->email,
	                           .vars = vars,
	                           .customer_id = h->id};
	struct audit_entry e = {.actor_kind = "system",
	                        .action = "customer.registration_attempt",
	                        .target_kind = "customer",
	                        .target_id = h->id,
	                        .customer_id = h->id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id};
	if ((rc = outbox_enqueue(id, conn, app, &m)) == APP_OK)
		rc = audit_repo_append(conn, &e);
	json_decref(vars);
	return rc;
}

/* A new customer, with its confirmation link (or its welcome, when confirmation is automatic). */
static int create(struct db_conn *conn, const struct app *app, const struct client_info *ci,
                  const struct registration *r, const char *hash)
{
	struct customer_defaults d;
	bool auto_confirm = false;
	char id[37], message_id[37], token[65], link[2200];
	json_t *vars = NULL, *details = NULL;
	int rc;

	if ((rc = settings_bool(&auto_confirm, conn, "registration.auto_confirm")) != APP_OK ||
	    (rc = settings_customer_defaults(&d, conn)) != APP_OK)
		return rc;
	struct customer_new c = {.email = r->email,
	                         .phone = r->phone,
	                         .first_name = r->first_name,
	                         .last_name = r->last_name,
	                         .language = r->language ? r->language : d.language,
	                         .time_zone = d.time_zone,
	                         .date_input_format = d.date_input_format,
	                         .date_output_format = d.date_output_format,
	                         .password_hash = hash,
	                         .confirmed = auto_confirm,
	                         .now = clock_now()};

	if ((rc = customer_repo_insert(id, conn, &c)) != APP_OK)
		return rc;
	if (auto_confirm) {
		portal_login_url(link, sizeof(link), app);
		vars = json_pack("{s:s, s:s}", "first_name", r->first_name, "login_url", link);
	} else {
		if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
		    (rc = confirmation_repo_insert(
		             conn, &(struct confirmation_new){.token = token,
		                                              .customer_id = id,
		                                              .email = r->email,
		                                              .purpose = "registration",
		                                              .now = c.now,
		                                              .ttl_s = CONFIRMATION_TTL_S})) !=
		            APP_OK)
			return rc;
		/* built from the configured public URL, never from the request's Host header */
		snprintf(link, sizeof(link), "%s/confirm?token=%s", app->cfg.public_url, token);
		vars = json_pack("{s:s, s:s, s:i}", "first_name", r->first_name, "link", link,
		                 "expires_minutes", CONFIRMATION_TTL_S / 60);
	}
	struct outbox_message m = {.event = auto_confirm ? "welcome" : "email_confirmation",
	                           .language = c.language,
	                           .channel = "email",
	                           .address = r->email,
	                           .vars = vars,
	                           .customer_id = id};
	details = json_pack("{s:b}", "confirmed", auto_confirm);
	struct audit_entry e = {.actor_kind = "customer",
	                        .actor_id = id,
	                        .action = "customer.registered",
	                        .target_kind = "customer",
	                        .target_id = id,
	                        .customer_id = id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};
	if ((rc = outbox_enqueue(message_id, conn, app, &m)) == APP_OK)
		rc = audit_repo_append(conn, &e);
	memset(token, 0, sizeof(token));
	json_decref(vars);
	json_decref(details);
	return rc;
}

int registration_open(bool *open_out, struct app *app)
{
	struct db_conn *conn = NULL;
	int rc;

	*open_out = false;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = settings_bool(open_out, conn, "registration.open");
	db_pool_checkin(app->pool, conn);
	return rc;
}

int registration_register(struct app *app, const struct client_info *ci,
                          const struct registration *r)
{
	struct password_params params;
	struct customer_holder holder;
	struct db_conn *conn = NULL;
	char hash[PASSWORD_HASH_MAX];
	int rc;

	/* hashed whether or not the address is free, so both answers take as long */
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, r->password);
	password_gate_leave();
	if (rc != APP_OK)
		return rc;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	rc = customer_repo_find_holder(&holder, conn, r->email, r->phone);
	if (rc == APP_OK)
		rc = tell_holder(conn, app, ci, &holder);
	else if (rc == APP_NOT_FOUND)
		rc = create(conn, app, ci, r, hash);
	if (rc == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	memset(hash, 0, sizeof(hash));
	if (rc == APP_CONFLICT) /* a concurrent registration of the same address won: same answer */
		rc = APP_OK;
	return rc;
}

#define UNDO_TTL_S (7 * 24 * 3600)

/*
 * After a change of address: every session ends (whoever asked for it may not be the owner), and
 * the old address gets a link that undoes it for a week.
 */
static int after_change(struct db_conn *conn, struct app *app, const struct account *a,
                        const char *old_email)
{
	char token[65], link[2200], id[37];
	json_t *vars = NULL;
	int rc;
	struct confirmation_new undo = {.token = token,
	                                .customer_id = a->customer_id,
	                                .individual_id =
	                                        a->kind == PRINCIPAL_INDIVIDUAL ? a->id : NULL,
	                                .email = old_email,
	                                .purpose = "undo",
	                                .from_email = a->email,
	                                .now = clock_now(),
	                                .ttl_s = UNDO_TTL_S};

	if ((rc = security_end_access(conn, app, a, NULL, "email_changed",
	                              END_SESSIONS | END_EMAIL_CHANGES, NULL)) != APP_OK ||
	    (rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = confirmation_repo_insert(conn, &undo)) != APP_OK)
		goto done;
	snprintf(link, sizeof(link), "%s/confirm?token=%s", app->cfg.public_url, token);
	vars = json_pack("{s:s, s:s, s:s, s:i}", "first_name", a->display_name, "new_email",
	                 a->email, "undo_link", link, "expires_days", UNDO_TTL_S / 86400);
	struct outbox_message m = {.event = "email_changed",
	                           .language = a->language,
	                           .channel = "email",
	                           .address = old_email,
	                           .vars = vars,
	                           .customer_id = a->customer_id,
	                           .individual_id = undo.individual_id};
	rc = outbox_enqueue(id, conn, app, &m);
done:
	memset(token, 0, sizeof(token));
	json_decref(vars);
	return rc;
}

/*
 * After an undo: the account is back on its old address, but whoever moved it knows the password:
 * it stops working, every session, token and pending change ends, and a link to choose a new one
 * goes to the restored address.
 */
static int after_undo(struct db_conn *conn, struct app *app, const struct client_info *ci,
                      const struct account *a)
{
	int rc = account_repo_set_hash(conn, a, PASSWORD_DISABLED);

	if (rc == APP_OK)
		rc = security_end_access(conn, app, a, NULL, "email_changed",
		                         END_SESSIONS | END_TOKENS | END_EMAIL_CHANGES, NULL);
	return rc == APP_OK ? recovery_send_link(conn, app, ci, a) : rc;
}

int registration_confirm(struct app *app, const struct client_info *ci, const char *token,
                         const char **purpose_out)
{
	struct customer_holder c;
	struct account a;
	struct db_conn *conn = NULL;
	char login_url[2100], id[37], old_email[255];
	json_t *vars = NULL, *details = NULL;
	const char *purpose = "registration";
	int rc;

	*purpose_out = purpose;
	if (!secrets_is_token(token))
		return APP_NOT_FOUND;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK ||
	    (rc = confirmation_repo_use(&c, &purpose, old_email, conn, token, clock_now())) !=
	            APP_OK)
		goto done;
	bool person = c.individual_id[0] != '\0'; /* an individual's change of address */
	bool changed = strcmp(purpose, "registration") != 0;
	struct audit_entry e = {.actor_kind = person ? "individual" : "customer",
	                        .actor_id = person ? c.individual_id : c.id,
	                        .action = "customer.email_confirmed",
	                        .target_kind = person ? "individual" : "customer",
	                        .target_id = person ? c.individual_id : c.id,
	                        .customer_id = c.id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id};
	if (changed) {
		details = json_pack("{s:s, s:s}", "from", old_email, "to", c.email);
		e.action = strcmp(purpose, "email_change") == 0 ? "account.email_changed"
		                                                : "account.email_change_undone";
		e.details = details;
		if ((rc = account_repo_get(&a, conn,
		                           person ? PRINCIPAL_INDIVIDUAL : PRINCIPAL_CUSTOMER,
		                           person ? c.individual_id : c.id)) == APP_OK)
			rc = strcmp(purpose, "email_change") == 0
			             ? after_change(conn, app, &a, old_email)
			             : after_undo(conn, app, ci, &a);
	} else {
		portal_login_url(login_url, sizeof(login_url), app);
		vars = json_pack("{s:s, s:s}", "first_name", c.first_name, "login_url", login_url);
		struct outbox_message m = {.event = "welcome",
		                           .language = c.language,
		                           .channel = "email",
		                           .address = c.email,
		                           .vars = vars,
		                           .customer_id = c.id};
		rc = outbox_enqueue(id, conn, app, &m);
	}
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_commit(conn)) == APP_OK)
		*purpose_out = purpose;
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(vars);
	json_decref(details);
	if (rc == APP_OK && strcmp(purpose, "registration") != 0)
		log_info("Security - %s %s: %s", c.individual_id[0] ? "individual" : "customer",
		         c.individual_id[0] ? c.individual_id : c.id, purpose);
	return rc;
}
