/*
 * Individuals. Inputs are checked into one JSON object of normalized values, which the repository
 * hands to SQL as one jsonb parameter. Uniqueness of e-mail and phone across customers and
 * individuals is PostgreSQL's (portal_logins), so two racing writes cannot both win.
 */
#include "service/individuals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ipnet.h"
#include "auth/password.h"
#include "auth/phone.h"
#include "auth/policy.h"
#include "auth/secrets.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/email.h"
#include "common/err.h"
#include "common/prefs.h"
#include "common/text.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/individual_repo.h"
#include "db/session_repo.h"
#include "db/throttle_repo.h"
#include "notify/outbox.h"
#include "service/api_tokens.h"
#include "service/customers.h"
#include "service/security.h"
#include "service/settings.h"

#define INVITATION_TTL_S     (7 * 24 * 3600)
#define INVITATIONS_PER_HOUR 30 /* per customer: new invitations and resends together */

int individuals_list(json_t **out, struct app *app, const char *customer_id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = individual_repo_list(out, conn, customer_id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

int individuals_get(json_t **out, struct app *app, const char *customer_id, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = individual_repo_get(out, conn, customer_id, id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

static bool one_of(const char *s, const char *const *choices)
{
	for (; s && *choices; choices++)
		if (strcmp(s, *choices) == 0)
			return true;
	return false;
}

/*
 * Checks body into fields (normalized values, JSON null where a value is removed). create: e-mail
 * required, status and unknown keys refused. staff: whether "send": "credentials" is open.
 */
static void check_input(json_t *fields, json_t *errors, json_t *body, bool create,
                        const struct app *app)
{
	static const char *const KNOWN[] = {
	        "email",       "phone",      "first_name", "last_name",   "role_id",
	        "active_from", "expires_at", "language",   "trusted_ips", "two_factor_policy",
	        "status",      "send",       NULL};
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v)
	{
		if (!one_of(key, KNOWN) || (create && strcmp(key, "status") == 0) ||
		    (!create && strcmp(key, "send") == 0)) {
			field_errors_add(errors, key, "unknown_field",
			                 "This field is not accepted.");
		} else if (!strcmp(key, "email")) {
			if (!json_is_string(v) || json_string_length(v) > 254 ||
			    !email_plausible(json_string_value(v)))
				field_errors_add(errors, key, "invalid", "An e-mail address.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "phone")) {
			char phone[32];

			if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
				json_object_set_new(fields, key, json_null());
			else if (!json_is_string(v) ||
			         phone_normalize(phone, sizeof(phone), json_string_value(v),
			                         app->cfg.default_country) != APP_OK)
				field_errors_add(
				        errors, key, "invalid",
				        "Not a phone number; give it with its country code.");
			else
				json_object_set_new(fields, key, json_string(phone));
		} else if (!strcmp(key, "first_name") || !strcmp(key, "last_name")) {
			if (!text_line_ok(v, 100))
				field_errors_add(errors, key, "invalid",
				                 "One line of at most 100 characters.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "role_id")) {
			if (!json_is_null(v) && !token_is_uuid(json_string_value(v)))
				field_errors_add(errors, key, "invalid",
				                 "A role id, or null for the role user.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "active_from") || !strcmp(key, "expires_at")) {
			if (!json_is_null(v) && !clock_is_rfc3339(json_string_value(v)))
				field_errors_add(
				        errors, key, "invalid",
				        "A date and time such as 2027-01-31T00:00:00Z, or null.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "language")) {
			if (!prefs_language_known(json_string_value(v)))
				field_errors_add(errors, key, "invalid", "en or fr.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "trusted_ips")) {
			struct ipnet_list nets;
			char why[160] = "Addresses or networks, as text.";

			if (!json_is_string(v) || json_string_length(v) > 10000 ||
			    (json_string_length(v) && ipnet_list_parse(&nets, json_string_value(v),
			                                               why, sizeof(why)) != APP_OK))
				field_errors_add(errors, key, "invalid", why);
			else {
				if (json_string_length(v))
					ipnet_list_free(&nets);
				json_object_set(fields, key, v);
			}
		} else if (!strcmp(key, "two_factor_policy")) {
			if (!one_of(json_string_value(v),
			            (const char *const[]){"inherit", "required", "off", NULL}))
				field_errors_add(errors, key, "invalid",
				                 "inherit, required or off.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "status")) {
			if (!one_of(json_string_value(v),
			            (const char *const[]){"active", "suspended", NULL}))
				field_errors_add(errors, key, "invalid", "active or suspended.");
			else
				json_object_set(fields, key, v);
		} else if (!strcmp(key, "send")) {
			if (!one_of(json_string_value(v),
			            (const char *const[]){"invitation", "credentials", NULL}))
				field_errors_add(errors, key, "invalid",
				                 "invitation or credentials.");
		}
	}
	if (create && !json_object_get(body, "email"))
		field_errors_add(errors, "email", "required", "An e-mail address.");
}

/* The audit entry of who (staff or a portal principal) acting on an individual. */
static struct audit_entry entry(const struct principal *who, const struct client_info *ci,
                                const char *action, const char *id, const char *customer_id,
                                json_t *details)
{
	return (struct audit_entry){.actor_kind = account_kind_name(who->kind),
	                            .actor_id = who->id,
	                            .action = action,
	                            .target_kind = "individual",
	                            .target_id = id,
	                            .customer_id = customer_id,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .impersonator_id = ci->impersonator_id,
	                            .details = details};
}

/* A field error for the write that failed on a constraint, or the error itself. */
static int constraint_error(json_t *errors, struct db_conn *conn, int rc)
{
	if (strcmp(conn->constraint, "portal_logins_email_key") == 0)
		field_errors_add(errors, "email", "taken",
		                 "Another account signs in with this e-mail.");
	else if (strcmp(conn->constraint, "portal_logins_phone_key") == 0)
		field_errors_add(errors, "phone", "taken",
		                 "Another account signs in with this phone number.");
	else if (strcmp(conn->constraint, "individuals_check") == 0)
		field_errors_add(errors, "expires_at", "before_start",
		                 "The end comes after the start.");
	else if (rc == APP_INVALID) /* a date PostgreSQL could not read (2027-02-30...) */
		field_errors_add(errors, "expires_at", "invalid", "Not a real date and time.");
	else
		return rc;
	return APP_INVALID;
}

/* APP_INVALID with a field error when the e-mail or phone is another portal account's login. */
static int staff_sees_taken(json_t *errors, struct db_conn *conn, const char *email,
                            const char *phone)
{
	bool email_taken = false, phone_taken = false;
	int rc = account_repo_portal_taken(&email_taken, &phone_taken, conn, email, phone);

	if (email_taken)
		field_errors_add(errors, "email", "taken",
		                 "Another account signs in with this e-mail.");
	if (phone_taken)
		field_errors_add(errors, "phone", "taken",
		                 "Another account signs in with this phone number.");
	return rc == APP_OK && json_array_size(errors) ? APP_INVALID : rc;
}

/*
 * Kills any live link and sends a new invitation, one of the customer's INVITATIONS_PER_HOUR
 * (APP_RATE_LIMITED beyond): an organization cannot make Cabinet mail strangers in bulk. An address
 * another account signs in with gets no link: its holder is told instead, and the caller cannot
 * tell the difference.
 */
static int invite(struct db_conn *conn, struct app *app, const char *customer_id,
                  const struct invitee *who, const char *organization)
{
	char token[65], link[2200], message_id[37], key[64];
	json_t *vars = NULL;
	time_t now = clock_now();
	long retry_after = 0;
	bool taken = false;
	int rc;

	snprintf(key, sizeof(key), "invitations:%s", customer_id);
	if ((rc = throttle_repo_count(&retry_after, conn, key, 3600, INVITATIONS_PER_HOUR, now)) !=
	            APP_OK ||
	    (rc = individual_repo_kill_invitations(conn, who->id, now)) != APP_OK ||
	    (rc = account_repo_portal_email_taken(&taken, conn, who->email)) != APP_OK)
		goto done;
	if (taken) {
		rc = security_tell_holder(conn, app, who->email);
		goto done;
	}
	if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = individual_repo_invitation_create(conn, token, who->id, now, INVITATION_TTL_S)) !=
	            APP_OK)
		goto done;
	/* built from the configured public URL, never from the request's Host header */
	snprintf(link, sizeof(link), "%s/invitation?token=%s", app->cfg.public_url, token);
	vars = json_pack("{s:s, s:s, s:s, s:i}", "first_name", who->name, "organization",
	                 organization, "link", link, "expires_days", INVITATION_TTL_S / 86400);
	struct outbox_message m = {.event = "individual_invitation",
	                           .language = who->language,
	                           .channel = "email",
	                           .address = who->email,
	                           .vars = vars,
	                           .individual_id = who->id};
	rc = outbox_enqueue(message_id, conn, app, &m);
done:
	json_decref(vars);
	explicit_bzero(token, sizeof(token));
	return rc;
}

int individuals_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *customer_id, json_t *body)
{
	struct db_conn *conn = NULL;
	struct people_owner owner;
	json_t *fields = json_object(), *details = NULL;
	const char *send = json_string_value(json_object_get(body, "send"));
	bool credentials = send && strcmp(send, "credentials") == 0;
	char id[37] = "", generated[24] = "", hash[PASSWORD_HASH_MAX] = "";
	char *text = NULL;
	time_t now = clock_now();
	int rc;

	*out = NULL;
	check_input(fields, errors, body, true, app);
	if (credentials && who->kind != PRINCIPAL_STAFF)
		field_errors_add(errors, "send", "not_allowed",
		                 "Only staff send credentials; invite the person instead.");
	if (json_array_size(errors)) {
		rc = APP_INVALID;
		goto done;
	}
	if (credentials) { /* hashed before a connection is held */
		struct password_params params;

		if ((rc = secrets_random_password(generated, 20)) != APP_OK ||
		    (rc = settings_password_params(&params, app)) != APP_OK ||
		    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
			goto done;
		rc = password_hash(hash, &params, generated);
		password_gate_leave();
		if (rc != APP_OK)
			goto done;
	}
	text = json_dumps(fields, JSON_COMPACT);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = individual_repo_owner(&owner, conn, customer_id,
	                                json_string_value(json_object_get(fields, "role_id")))) !=
	            APP_OK)
		goto done;
	if (!owner.role_ok) {
		field_errors_add(errors, "role_id", "not_allowed",
		                 "Not one of the roles this customer may give its individuals.");
		rc = APP_INVALID;
		goto done;
	}
	/*
	 * Staff are told an address or phone is taken (they see every account anyway); a portal
	 * caller gets the same answer as for a free one, and the holder hears of it instead (invite).
	 */
	if (who->kind == PRINCIPAL_STAFF &&
	    (rc = staff_sees_taken(errors, conn,
	                           json_string_value(json_object_get(fields, "email")),
	                           json_string_value(json_object_get(fields, "phone")))) != APP_OK)
		goto done;
	rc = individual_repo_insert(id, conn, customer_id, text, credentials ? hash : NULL, now);
	if (rc != APP_OK) {
		rc = constraint_error(errors, conn, rc);
		goto done;
	}
	const char *first = json_string_value(json_object_get(fields, "first_name"));
	const char *lang = json_string_value(json_object_get(fields, "language"));
	struct invitee to = {0};
	snprintf(to.id, sizeof(to.id), "%s", id);
	snprintf(to.email, sizeof(to.email), "%s",
	         json_string_value(json_object_get(fields, "email")));
	snprintf(to.name, sizeof(to.name), "%s", first ? first : "");
	snprintf(to.language, sizeof(to.language), "%s", lang ? lang : owner.language);

	rc = credentials ? customers_send_credentials(conn, app, customer_id, id, to.email, to.name,
	                                              to.language, generated)
	                 : invite(conn, app, customer_id, &to, owner.organization);
	details = json_pack("{s:O, s:s}", "fields", fields, "send",
	                    credentials ? "credentials" : "invitation");
	json_object_del(json_object_get(details, "fields"), "trusted_ips");
	struct audit_entry e = entry(who, ci, "individual.created", id, customer_id, details);
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = individual_repo_get(out, conn, customer_id, id, now)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(fields);
	json_decref(details);
	free(text);
	explicit_bzero(generated, sizeof(generated));
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int individuals_update(json_t **out, json_t *errors, const char **conflict, struct app *app,
                       const struct principal *who, const struct client_info *ci,
                       const char *customer_id, const char *id, json_t *body)
{
	struct db_conn *conn = NULL;
	struct people_owner owner;
	json_t *fields = json_object(), *details = NULL, *status_v;
	char status[16];
	bool self = who->kind == PRINCIPAL_INDIVIDUAL && strcmp(who->id, id) == 0;
	char *text = NULL;
	time_t now = clock_now();
	int rc;

	*out = NULL;
	*conflict = NULL;
	check_input(fields, errors, body, false, app);
	/* nobody raises (or lowers) itself: a role or a status is given by someone else */
	if (self && json_object_get(body, "role_id"))
		field_errors_add(errors, "role_id", "own_account",
		                 "Your own role is given by someone else.");
	if (self && json_object_get(body, "status"))
		field_errors_add(errors, "status", "own_account",
		                 "Your own status is changed by someone else.");
	if (json_array_size(errors)) {
		rc = APP_INVALID;
		goto done;
	}
	text = json_dumps(fields, JSON_COMPACT);
	status_v = json_object_get(fields, "status");
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = individual_repo_owner(&owner, conn, customer_id,
	                                json_string_value(json_object_get(fields, "role_id")))) !=
	            APP_OK ||
	    (rc = individual_repo_lock(status, conn, customer_id, id)) != APP_OK)
		goto done;
	if (!owner.role_ok) {
		field_errors_add(errors, "role_id", "not_allowed",
		                 "Not one of the roles this customer may give its individuals.");
		rc = APP_INVALID;
		goto done;
	}
	if (status_v && strcmp(status, "invited") == 0) {
		*conflict = "invitation_pending";
		rc = APP_CONFLICT;
		goto done;
	}
	if ((rc = individual_repo_update(conn, customer_id, id, text, now)) != APP_OK) {
		rc = constraint_error(errors, conn, rc);
		goto done;
	}
	/* a suspended person's sessions end now, not only at their next request */
	if (status_v && !strcmp(json_string_value(status_v), "suspended") &&
	    (rc = session_repo_revoke_others(conn, id, NULL, "account_disabled", now)) != APP_OK)
		goto done;
	details = json_pack("{s:O, s:s}", "fields", fields, "from_status", status);
	struct audit_entry e = entry(who, ci, "individual.updated", id, customer_id, details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = individual_repo_get(out, conn, customer_id, id, now)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(fields);
	json_decref(details);
	free(text);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int individuals_delete(struct app *app, const struct principal *who, const struct client_info *ci,
                       const char *customer_id, const char *id)
{
	struct db_conn *conn = NULL;
	char status[16];
	json_t *details = NULL, *revoked = NULL;
	time_t t = clock_now();
	int rc;

	if (who->kind == PRINCIPAL_INDIVIDUAL && strcmp(who->id, id) == 0)
		return APP_FORBIDDEN;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = individual_repo_lock(status, conn, customer_id, id)) != APP_OK)
		goto done;
	details = json_pack("{s:s}", "from_status", status);
	struct audit_entry e = entry(who, ci, "individual.deleted", id, customer_id, details);
	if ((rc = individual_repo_delete(conn, id, t)) == APP_OK &&
	    (rc = api_tokens_revoke_all(&revoked, conn, id, t)) == APP_OK &&
	    (rc = session_repo_revoke_others(conn, id, NULL, "account_deleted", t)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	json_decref(revoked);
	return rc;
}

int individuals_invite_again(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *customer_id, const char *id)
{
	struct db_conn *conn = NULL;
	struct people_owner owner;
	struct invitee to;
	char status[16];
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = individual_repo_owner(&owner, conn, customer_id, NULL)) != APP_OK ||
	    (rc = individual_repo_lock(status, conn, customer_id, id)) != APP_OK)
		goto done;
	if (strcmp(status, "invited") != 0) {
		rc = APP_CONFLICT;
		goto done;
	}
	struct audit_entry e = entry(who, ci, "individual.invited_again", id, customer_id, NULL);
	if ((rc = individual_repo_invitee(&to, conn, id)) == APP_OK &&
	    (rc = invite(conn, app, customer_id, &to, owner.organization)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int individuals_accept(struct app *app, const struct client_info *ci, const char *token,
                       const char *password, struct field_error *fe)
{
	struct password_params params;
	struct db_conn *conn = NULL;
	struct invitee to;
	char used[37], hash[PASSWORD_HASH_MAX];
	const char *code = NULL;
	time_t t = clock_now();
	int rc;

	memset(fe, 0, sizeof(*fe));
	if (!secrets_is_token(token))
		return APP_NOT_FOUND;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = individual_repo_invitation_peek(&to, conn, token, t)) != APP_OK)
		goto done;
	db_pool_checkin(app->pool, conn); /* never held while hashing */
	conn = NULL;
	if (password_policy_check(&code, fe->message, sizeof(fe->message), password, to.email,
	                          to.name, settings_password_min_length(app)) != APP_OK) {
		fe->field = "new_password";
		fe->code = code ? code : "invalid";
		return code ? APP_INVALID : APP_INTERNAL;
	}
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, password);
	password_gate_leave();
	if (rc != APP_OK)
		return rc;
	struct account a = {.kind = PRINCIPAL_INDIVIDUAL};
	snprintf(a.id, sizeof(a.id), "%s", to.id);
	struct audit_entry e = audit_entry_self(PRINCIPAL_INDIVIDUAL, to.id, ci,
	                                        "individual.invitation_accepted", NULL);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = individual_repo_invitation_use(used, conn, token, t)) != APP_OK)
		goto done;
	if (strcmp(used, to.id) != 0) {
		rc = APP_NOT_FOUND; /* another acceptance won */
		goto done;
	}
	if ((rc = account_repo_set_password(conn, &a, hash, t)) == APP_OK &&
	    (rc = individual_repo_activate(conn, to.id)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	explicit_bzero(hash, sizeof(hash));
	return rc;
}
