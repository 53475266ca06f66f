/*
 * Customers as staff manage them: read, created, changed. Inputs are checked into one normalized
 * JSON object whose keys are columns, handed to the repository as one jsonb parameter. A change
 * locks the customer row first, so two staff acting at once apply one after the other, each on what
 * the other left. Search (customer_search.c), actions (customer_actions.c) and the records kept
 * about a customer (customer_records.c) are beside this file.
 */
#include "service/customers.h"

#include <math.h>
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
#include "common/prefs.h"
#include "common/text.h"
#include "db/audit_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "db/role_repo.h"
#include "db/session_repo.h"
#include "notify/outbox.h"
#include "service/customers_internal.h"
#include "service/settings.h"

#define CONFIRMATION_TTL_S (24 * 3600)
#define CUSTOM_FIELDS_MAX  50

/* ---- the customer as staff see it ---- */

static int read_customer(json_t **out, struct db_conn *conn, const char *id)
{
	return customer_repo_get(out, conn, id, clock_now());
}

int customers_get_text(char **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = customer_repo_get_text(out, conn, id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

int customers_get(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = read_customer(out, conn, id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* ---- create and update ---- */

/*
 * A number PostgreSQL's jsonb and jansson both carry back unchanged: an integer of at most 15
 * digits, or a finite real of at most 1e15 (1e300 would come back as 301 digits no reader takes).
 */
static bool custom_number_ok(const json_t *v)
{
	if (json_is_integer(v))
		return llabs((long long)json_integer_value(v)) < 1000000000000000LL;
	return json_is_real(v) && isfinite(json_real_value(v)) && fabs(json_real_value(v)) < 1e15;
}

/* Checks a string field of at most max bytes; sets it in fields (NULL allowed when nullable). */
static void text_field(json_t *fields, json_t *errors, json_t *body, const char *key, size_t max)
{
	json_t *v = json_object_get(body, key);

	if (!v)
		return;
	if (!text_line_ok(v, max)) {
		char message[80];

		snprintf(message, sizeof(message), "One line of at most %zu characters.", max);
		field_errors_add(errors, key, "invalid", message);
		return;
	}
	json_object_set(fields, key, v);
}

static void check_login(json_t *fields, json_t *errors, json_t *login, bool create)
{
	static const char *const KEYS[] = {"enabled",  "email_confirmed",  "generate_and_send",
	                                   "password", "password_confirm", NULL};
	const char *key;
	json_t *v;

	if (!json_is_object(login)) {
		field_errors_add(
		        errors, "login", "invalid",
		        "An object: {enabled, email_confirmed, generate_and_send, password, "
		        "password_confirm}.");
		return;
	}
	json_object_foreach(login, key, v)
	{
		bool known = false;
		char field[64];

		for (const char *const *k = KEYS; *k; k++)
			known |= strcmp(*k, key) == 0;
		snprintf(field, sizeof(field), "login.%s", key);
		if (!known)
			field_errors_add(errors, field, "unknown_field",
			                 "This field is not accepted.");
		else if (strncmp(key, "password", 8) == 0 ? !json_is_string(v)
		                                          : !json_is_boolean(v))
			field_errors_add(errors, field, "invalid",
			                 strncmp(key, "password", 8) == 0 ? "A string."
			                                                  : "true or false.");
	}
	if ((v = json_object_get(login, "enabled")) && json_is_boolean(v))
		json_object_set(fields, "login_enabled", v);
	if ((v = json_object_get(login, "email_confirmed")) && json_is_boolean(v))
		json_object_set(fields, "email_confirmed", v);
	if (json_is_true(json_object_get(login, "generate_and_send")))
		json_object_set_new(fields, "generate", json_true());
	const char *pw = json_string_value(json_object_get(login, "password"));
	const char *again = json_string_value(json_object_get(login, "password_confirm"));
	if (pw && *pw) { /* empty or absent: unchanged */
		if (json_is_true(json_object_get(fields, "generate")))
			field_errors_add(errors, "login.password", "invalid",
			                 "Either a password or generate_and_send, not both.");
		else if (!again || strcmp(pw, again) != 0)
			field_errors_add(errors, "login.password_confirm", "mismatch",
			                 "The confirmation does not match the password.");
		else
			json_object_set_new(fields, "password", json_string(pw));
	}
	(void)create;
}

/*
 * Checks a POST or PATCH body into fields (keys = columns, values normalized). Errors name the field
 * and the rule; the database checks (time zone, uniqueness) come later.
 */
static void check_fields(json_t *fields, json_t *errors, json_t *body, bool create,
                         const struct app *app)
{
	static const char *const KEYS[] = {"email",
	                                   "phone",
	                                   "first_name",
	                                   "last_name",
	                                   "company",
	                                   "language",
	                                   "time_zone",
	                                   "date_input_format",
	                                   "date_output_format",
	                                   "two_factor_policy",
	                                   "trusted_ips",
	                                   "custom_fields",
	                                   "login",
	                                   "role_id",
	                                   "allowed_role_ids",
	                                   NULL};
	const char *key;
	json_t *v;
	char phone[32], why[160];

	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *k = KEYS; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This field is not accepted.");
	}
	v = json_object_get(body, "email");
	if (create && !v)
		field_errors_add(errors, "email", "required", "The customer's e-mail address.");
	else if (v && !email_plausible(json_string_value(v)))
		field_errors_add(errors, "email", "invalid", "Not an e-mail address.");
	else if (v)
		json_object_set(fields, "email", v);
	if ((v = json_object_get(body, "phone"))) {
		if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
			json_object_set_new(fields, "phone", json_null());
		else if (!json_is_string(v) ||
		         phone_normalize(phone, sizeof(phone), json_string_value(v),
		                         app->cfg.default_country) != APP_OK)
			field_errors_add(errors, "phone", "invalid",
			                 "Not a phone number; give it with its country code.");
		else
			json_object_set_new(fields, "phone", json_string(phone));
	}
	text_field(fields, errors, body, "first_name", 100);
	text_field(fields, errors, body, "last_name", 100);
	text_field(fields, errors, body, "company", 200);
	text_field(fields, errors, body, "time_zone", 64);
	if ((v = json_object_get(body, "language")) && !prefs_language_known(json_string_value(v)))
		field_errors_add(errors, "language", "invalid", "en or fr.");
	else if (v)
		json_object_set(fields, "language", v);
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "date_output_format" : "date_input_format";

		if ((v = json_object_get(body, name)) &&
		    !prefs_date_format_known(json_string_value(v)))
			field_errors_add(errors, name, "invalid",
			                 "YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY.");
		else if (v)
			json_object_set(fields, name, v);
	}
	if ((v = json_object_get(body, "two_factor_policy"))) {
		const char *p = json_string_value(v);

		if (!p || (strcmp(p, "inherit") && strcmp(p, "required") && strcmp(p, "off")))
			field_errors_add(errors, "two_factor_policy", "invalid",
			                 "inherit, required or off.");
		else
			json_object_set(fields, "two_factor_policy", v);
	}
	if ((v = json_object_get(body, "trusted_ips"))) {
		struct ipnet_list nets;

		if (!json_is_string(v) || json_string_length(v) > 10000)
			field_errors_add(errors, "trusted_ips", "invalid",
			                 "Text of at most 10000 characters.");
		else if (ipnet_list_parse(&nets, json_string_value(v), why, sizeof(why)) != APP_OK)
			field_errors_add(errors, "trusted_ips", "invalid", why);
		else {
			ipnet_list_free(&nets);
			json_object_set(fields, "trusted_ips", v);
		}
	}
	if ((v = json_object_get(body, "custom_fields"))) {
		const char *k;
		json_t *x;
		bool ok = json_is_object(v) && json_object_size(v) <= CUSTOM_FIELDS_MAX;

		json_object_foreach(ok ? v : NULL, k, x) ok &=
		        strlen(k) <= 64 && text_is_single_line(k, strlen(k)) &&
		        (json_is_string(x)
		                 ? json_string_length(x) <= 1000
		                 : custom_number_ok(x) || json_is_boolean(x) || json_is_null(x));
		if (!ok)
			field_errors_add(
			        errors, "custom_fields", "invalid",
			        "An object of at most 50 fields (names up to 64 characters; text "
			        "up to 1000 characters, numbers up to 15 digits, true/false).");
		else
			json_object_set(fields, "custom_fields", v);
	}
	if ((v = json_object_get(body, "login")))
		check_login(fields, errors, v, create);
	/* portal roles: the assigned one (null: the default) and those it may give its individuals */
	if ((v = json_object_get(body, "role_id"))) {
		if (!json_is_null(v) && !token_is_uuid(json_string_value(v)))
			field_errors_add(errors, "role_id", "invalid",
			                 "A role id, or null for the default role.");
		else
			json_object_set(fields, "role_id", v);
	}
	if ((v = json_object_get(body, "allowed_role_ids"))) {
		size_t i;
		json_t *r;
		bool ok = json_is_array(v) && json_array_size(v) <= 50;

		json_array_foreach(ok ? v : NULL, i, r) ok &=
		        token_is_uuid(json_string_value(r)) != 0;
		if (!ok)
			field_errors_add(errors, "allowed_role_ids", "invalid",
			                 "A list of role ids.");
		else
			json_object_set(fields, "allowed_role_ids", v);
	}
}

/* Time zone (a database check) and the password policy (needs the e-mail and name). */
static int check_more(json_t *errors, struct db_conn *conn, json_t *fields, const char *email,
                      const char *name)
{
	const char *tz = json_string_value(json_object_get(fields, "time_zone"));
	const char *pw = json_string_value(json_object_get(fields, "password"));
	const char *code = NULL;
	char message[256];
	bool known = true;
	long min_len = 0;
	int rc = tz ? db_time_zone_known(&known, conn, tz) : APP_OK;

	if (rc == APP_OK && !known)
		field_errors_add(
		        errors, "time_zone", "invalid",
		        "Not a time zone PostgreSQL knows; use an IANA name such as Europe/Paris.");
	/* the roles named must exist */
	for (int k = 0; rc == APP_OK && k < 2; k++) {
		json_t *ids = json_array(),
		       *v = json_object_get(fields, k ? "allowed_role_ids" : "role_id");
		bool all = true;
		char *text;

		if (json_is_string(v))
			json_array_append(ids, v);
		else if (json_is_array(v))
			json_array_extend(ids, v);
		text = json_dumps(ids, JSON_COMPACT);
		if (json_array_size(ids) &&
		    (rc = role_repo_all_exist(&all, conn, text)) == APP_OK && !all)
			field_errors_add(errors, k ? "allowed_role_ids" : "role_id", "unknown_role",
			                 "There is no such role.");
		free(text);
		json_decref(ids);
	}
	if (rc == APP_OK && pw &&
	    (rc = settings_long(&min_len, conn, "password.min_length")) == APP_OK &&
	    password_policy_check(&code, message, sizeof(message), pw, email, name,
	                          (size_t)min_len) != APP_OK) {
		if (!code)
			return APP_INTERNAL;
		field_errors_add(errors, "login.password", code, message);
	}
	return rc;
}

/* Hashes the password of fields (given, or generated into generated[]) without a connection held. */
int customers_hash_password(char hash[PASSWORD_HASH_MAX], char generated[21], struct app *app,
                            json_t *fields)
{
	struct password_params params;
	const char *pw = json_string_value(json_object_get(fields, "password"));
	int rc;

	hash[0] = generated[0] = '\0';
	if (json_is_true(json_object_get(fields, "generate"))) {
		if ((rc = secrets_random_password(generated, 20)) != APP_OK)
			return rc;
		pw = generated;
	}
	if (!pw)
		return APP_OK;
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, pw);
	password_gate_leave();
	return rc;
}

/* The e-mail or phone conflict of a failed write, as a field error. */
static int taken(json_t *errors, struct db_conn *conn)
{
	/* customers_*: another customer; portal_logins_*: another customer or an individual */
	if (strcmp(conn->constraint, "customers_email_key") == 0 ||
	    strcmp(conn->constraint, "portal_logins_email_key") == 0)
		field_errors_add(errors, "email", "taken",
		                 "Another account signs in with this e-mail.");
	else if (strcmp(conn->constraint, "customers_phone_key") == 0 ||
	         strcmp(conn->constraint, "portal_logins_phone_key") == 0)
		field_errors_add(errors, "phone", "taken",
		                 "Another account signs in with this phone number.");
	else
		return APP_CONFLICT;
	return APP_INVALID;
}

int customers_send_credentials(struct db_conn *conn, struct app *app, const char *customer_id,
                               const char *individual_id, const char *email, const char *first_name,
                               const char *language, const char *password)
{
	char login_url[2100], message_id[37];
	json_t *vars;
	int rc;

	snprintf(login_url, sizeof(login_url), "%s/?auth=1", app->cfg.public_url);
	vars = json_pack("{s:s, s:s, s:s, s:s}", "first_name", first_name, "login", email,
	                 "password", password, "login_url", login_url);
	struct outbox_message m = {.event = "generated_credentials",
	                           .language = language,
	                           .channel = "email",
	                           .address = email,
	                           .vars = vars,
	                           .customer_id = customer_id,
	                           .individual_id = individual_id};
	rc = outbox_enqueue(message_id, conn, app, &m);
	json_decref(vars);
	return rc;
}

/* A confirmation link for the customer's address (registration purpose). */
int customers_send_confirmation(struct db_conn *conn, struct app *app, const char *id,
                                const char *email, const char *first_name, const char *language)
{
	char token[65], link[2200], message_id[37];
	json_t *vars = NULL;
	int rc;

	if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = confirmation_repo_insert(
	             conn, &(struct confirmation_new){.token = token,
	                                              .customer_id = id,
	                                              .email = email,
	                                              .purpose = "registration",
	                                              .now = clock_now(),
	                                              .ttl_s = CONFIRMATION_TTL_S})) != APP_OK)
		return rc;
	snprintf(link, sizeof(link), "%s/confirm?token=%s", app->cfg.public_url, token);
	vars = json_pack("{s:s, s:s, s:i}", "first_name", first_name, "link", link,
	                 "expires_minutes", CONFIRMATION_TTL_S / 60);
	struct outbox_message m = {.event = "email_confirmation",
	                           .language = language,
	                           .channel = "email",
	                           .address = email,
	                           .vars = vars,
	                           .customer_id = id};
	rc = outbox_enqueue(message_id, conn, app, &m);
	memset(token, 0, sizeof(token));
	json_decref(vars);
	return rc;
}

struct audit_entry customers_staff_entry(const struct principal *who, const struct client_info *ci,
                                         const char *action, const char *customer_id,
                                         json_t *details)
{
	return (struct audit_entry){.actor_kind = "staff",
	                            .actor_id = who->id,
	                            .action = action,
	                            .target_kind = "customer",
	                            .target_id = customer_id,
	                            .customer_id = customer_id,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .details = details};
}

/* The names of the fields changed, for the audit entry (never the values of secrets). */
static json_t *field_names(json_t *fields)
{
	json_t *names = json_array(), *v;
	const char *key;

	json_object_foreach(fields, key, v) json_array_append_new(
	        names, json_string(strcmp(key, "generate") == 0 ? "generated_password" : key));
	return names;
}

int customers_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                     const struct client_info *ci, json_t *body)
{
	struct db_conn *conn = NULL;
	json_t *fields = json_object(), *details = NULL;
	char hash[PASSWORD_HASH_MAX], generated[21], id[37] = "", *text = NULL, *defaults = NULL;
	const char *email, *first, *language;
	struct customer_defaults d;
	int rc;

	*out = NULL;
	check_fields(fields, errors, body, true, app);
	email = json_string_value(json_object_get(fields, "email"));
	first = json_string_value(json_object_get(fields, "first_name"));
	first = first ? first : "";
	language = json_string_value(json_object_get(fields, "language"));
	language = language ? language : "en";
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	if ((rc = check_more(errors, conn, fields, email, first)) == APP_OK)
		rc = settings_customer_defaults(&d, conn);
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (rc != APP_OK || json_array_size(errors)) {
		rc = rc == APP_OK ? APP_INVALID : rc;
		goto done;
	}
	if (!json_object_get(fields, "language"))
		language = d.language; /* for its messages too */
	json_t *dj = customer_defaults_json(&d);
	defaults = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	if ((rc = customers_hash_password(hash, generated, app, fields)) != APP_OK)
		goto done;
	json_object_del(fields, "password"); /* from here on, only its hash */
	text = json_dumps(fields, JSON_COMPACT);
	details = json_pack("{s:o}", "fields", field_names(fields));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	rc = customer_repo_create(id, conn, text, hash[0] ? hash : NULL, clock_now(), defaults);
	if (rc == APP_CONFLICT) {
		rc = taken(errors, conn);
		goto done;
	}
	if (rc != APP_OK)
		goto done;
	struct audit_entry e = customers_staff_entry(who, ci, "customer.created", id, details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK && generated[0])
		rc = customers_send_credentials(conn, app, id, NULL, email, first, language,
		                                generated);
	if (rc == APP_OK && !json_is_true(json_object_get(fields, "email_confirmed")))
		rc = customers_send_confirmation(conn, app, id, email, first, language);
	if (rc == APP_OK && (rc = read_customer(out, conn, id)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	free(text);
	free(defaults);
	memset(hash, 0, sizeof(hash));
	memset(generated, 0, sizeof(generated));
	json_decref(fields);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int customers_update(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                     const struct client_info *ci, const char *id, json_t *body)
{
	struct db_conn *conn = NULL;
	struct customer_contact was;
	json_t *fields = json_object(), *details = NULL, *current = NULL;
	char hash[PASSWORD_HASH_MAX], generated[21], *text = NULL;
	time_t now = clock_now();
	int rc;

	*out = NULL;
	hash[0] = generated[0] = '\0';
	check_fields(fields, errors, body, false, app);
	if ((rc = customers_get(&current, app, id)) != APP_OK)
		goto done;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	rc = check_more(errors, conn, fields,
	                json_string_value(json_object_get(fields, "email"))
	                        ?: json_string_value(json_object_get(current, "email")),
	                json_string_value(json_object_get(current, "first_name")));
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (rc != APP_OK || json_array_size(errors)) {
		rc = rc == APP_OK ? APP_INVALID : rc;
		goto done;
	}
	if ((rc = customers_hash_password(hash, generated, app, fields)) != APP_OK)
		goto done;
	json_object_del(fields, "password");
	text = json_dumps(fields, JSON_COMPACT);
	details = json_pack("{s:o}", "fields", field_names(fields));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK || (rc = customer_repo_lock(&was, conn, id)) != APP_OK)
		goto done;
	if (strcmp(was.status, "deleted") == 0) {
		rc = APP_CONFLICT;
		goto done;
	}
	rc = customer_repo_update(conn, id, text, hash[0] ? hash : NULL, now);
	if (rc == APP_CONFLICT) {
		rc = taken(errors, conn);
		goto done;
	}
	struct audit_entry e = customers_staff_entry(who, ci, "customer.updated", id, details);
	/* a new password: the old one and every session die at once */
	if (rc == APP_OK && hash[0])
		rc = session_repo_revoke_others(conn, id, NULL, "password_changed", now);
	/* the address staff set wins over any change the customer's links would still make */
	if (rc == APP_OK && (hash[0] || json_object_get(fields, "email")))
		rc = confirmation_repo_cancel_changes(conn, id, NULL, now);
	if (rc == APP_OK && generated[0])
		rc = customers_send_credentials(conn, app, id, NULL,
		                                json_string_value(json_object_get(fields, "email"))
		                                        ?: was.email,
		                                was.first_name, was.language, generated);
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = read_customer(out, conn, id)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	free(text);
	memset(hash, 0, sizeof(hash));
	memset(generated, 0, sizeof(generated));
	json_decref(fields);
	json_decref(details);
	json_decref(current);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
