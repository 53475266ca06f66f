/* Customer import: check every row, look the addresses up once, write the valid rows together. */
#include "service/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/phone.h"
#include "common/csv.h"
#include "common/email.h"
#include "common/err.h"
#include "common/prefs.h"
#include "db/audit_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "log.h"
#include "service/settings.h"

json_t *import_rows(const char *text, size_t len, char *why, size_t whylen)
{
	size_t skip = strspn(text, " \t\r\n");
	json_t *rows = NULL;

	if (skip < len && (text[skip] == '[' || text[skip] == '{')) {
		json_error_t jerr;
		json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

		if (!doc) {
			snprintf(why, whylen, "not valid JSON (line %d: %s)", jerr.line, jerr.text);
			return NULL;
		}
		rows = json_is_object(doc) ? json_incref(json_object_get(doc, "customers"))
		                           : json_incref(doc);
		json_decref(doc);
		if (!json_is_array(rows)) {
			snprintf(why, whylen,
			         "expected an array of customers, or {\"customers\": [...]}");
			json_decref(rows);
			return NULL;
		}
	} else if (!(rows = csv_parse(text, len, why, whylen))) {
		return NULL;
	}
	if (json_array_size(rows) > IMPORT_MAX_ROWS) {
		snprintf(why, whylen, "%zu rows: at most %d a request", json_array_size(rows),
		         IMPORT_MAX_ROWS);
		json_decref(rows);
		return NULL;
	}
	return rows;
}

/* A row value as text: strings as they are, numbers and booleans written out, "" and null absent. */
static const char *text_of(json_t *row, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(row, key);

	if (json_is_string(v))
		return json_string_length(v) ? json_string_value(v) : NULL;
	if (json_is_boolean(v) || json_is_integer(v)) {
		snprintf(buf, len, "%s",
		         json_is_true(v)    ? "true"
		         : json_is_false(v) ? "false"
		                            : "number");
		return buf;
	}
	return NULL;
}

static int truthy(const char *s)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes"))
		return 1;
	if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no"))
		return 0;
	return -2;
}

/* Checks one row into a clean object (the columns the SQL reads) or errors. */
static json_t *check_row(json_t *row, json_t *errors, const char *default_country)
{
	static const char *const KNOWN[] = {"email",
	                                    "phone",
	                                    "first_name",
	                                    "last_name",
	                                    "company",
	                                    "language",
	                                    "time_zone",
	                                    "status",
	                                    "email_confirmed",
	                                    "password_hash",
	                                    "date_input_format",
	                                    "date_output_format",
	                                    NULL};
	static const struct {
		const char *name;
		size_t max;
	} TEXTS[] = {{"first_name", 100}, {"last_name", 100}, {"company", 200}, {"time_zone", 64}};
	json_t *clean = json_object(), *v;
	const char *key, *s;
	char buf[16], phone[32];

	if (!json_is_object(row)) {
		field_errors_add(errors, "row", "invalid", "Each customer is an object.");
		return clean;
	}
	json_object_foreach(row, key, v)
	{
		bool known = false;

		for (const char *const *k = KNOWN; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This column is not imported.");
		else if (!json_is_string(v) && !json_is_null(v) && !json_is_boolean(v))
			field_errors_add(errors, key, "invalid", "Text is expected.");
	}
	s = text_of(row, "email", buf, sizeof(buf));
	if (!email_plausible(s))
		field_errors_add(errors, "email", s ? "invalid" : "required", "An e-mail address.");
	else
		json_object_set_new(clean, "email", json_string(s));
	if ((s = text_of(row, "phone", buf, sizeof(buf)))) {
		if (phone_normalize(phone, sizeof(phone), s, default_country) != APP_OK)
			field_errors_add(errors, "phone", "invalid", "Not a phone number.");
		else
			json_object_set_new(clean, "phone", json_string(phone));
	}
	for (size_t i = 0; i < sizeof(TEXTS) / sizeof(TEXTS[0]); i++)
		if ((s = text_of(row, TEXTS[i].name, buf, sizeof(buf)))) {
			if (strlen(s) > TEXTS[i].max)
				field_errors_add(errors, TEXTS[i].name, "invalid", "Too long.");
			else
				json_object_set_new(clean, TEXTS[i].name, json_string(s));
		}
	if ((s = text_of(row, "language", buf, sizeof(buf)))) {
		if (!prefs_language_known(s))
			field_errors_add(errors, "language", "invalid", "en or fr.");
		else
			json_object_set_new(clean, "language", json_string(s));
	}
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "date_output_format" : "date_input_format";

		if ((s = text_of(row, name, buf, sizeof(buf)))) {
			if (!prefs_date_format_known(s))
				field_errors_add(
				        errors, name, "invalid",
				        "YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY.");
			else
				json_object_set_new(clean, name, json_string(s));
		}
	}
	if ((s = text_of(row, "status", buf, sizeof(buf)))) {
		if (strcmp(s, "active") && strcmp(s, "pending") && strcmp(s, "suspended") &&
		    strcmp(s, "banned"))
			field_errors_add(errors, "status", "invalid",
			                 "active, pending, suspended or banned.");
		else
			json_object_set_new(clean, "status", json_string(s));
	}
	int confirmed = truthy(text_of(row, "email_confirmed", buf, sizeof(buf)));
	if (confirmed == -2)
		field_errors_add(errors, "email_confirmed", "invalid", "true or false.");
	else if (confirmed >= 0)
		json_object_set_new(clean, "email_confirmed", json_boolean(confirmed));
	if ((s = text_of(row, "password_hash", buf, sizeof(buf)))) {
		if (!password_hash_known(s))
			field_errors_add(errors, "password_hash", "unknown_format",
			                 "Not a bcrypt ($2a$, $2b$, $2y$) or argon2 ($argon2i$, "
			                 "$argon2id$) hash.");
		else
			json_object_set_new(clean, "password_hash", json_string(s));
	}
	return clean;
}

/* The status an import may set on an existing customer (the database refuses the others). */
static bool transition_ok(const char *from, const char *to)
{
	return !to || strcmp(from, to) == 0 ||
	       (strcmp(to, "pending") != 0 &&
	        !(strcmp(from, "banned") == 0 && !strcmp(to, "suspended")));
}

int import_run(json_t **report, struct db_conn *conn, json_t *rows, const struct import_options *o)
{
	json_t *items = json_array(), *clean_rows = json_array(), *emails = json_array(),
	       *phones = json_array(), *zones = json_array(), *seen = json_object(), *found = NULL,
	       *valid = json_array(), *row, *details = NULL;
	size_t i, created = 0, updated = 0, failed = 0;
	char *a = NULL, *b = NULL, *c = NULL, *text = NULL, *defaults = NULL, *made = NULL,
	     *changed = NULL;
	int rc;

	*report = NULL;
	/* first pass: every row on its own */
	json_array_foreach(rows, i, row)
	{
		json_t *errors = json_array(), *clean = check_row(row, errors, o->default_country);
		const char *email = json_string_value(json_object_get(clean, "email"));
		json_t *typed = json_object_get(row, "email");

		/* the report names the row by its address as typed, valid or not */
		if (json_is_string(typed))
			json_object_set_new(clean, "typed_email",
			                    json_stringn(json_string_value(typed),
			                                 json_string_length(typed) > 254
			                                         ? 254
			                                         : json_string_length(typed)));

		if (email) {
			char lower[255];

			snprintf(lower, sizeof(lower), "%s", email);
			for (char *p = lower; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			if (json_object_get(seen, lower))
				field_errors_add(
				        errors, "email", "duplicate",
				        "The same address is on an earlier row of this import.");
			json_object_set_new(seen, lower, json_true());
			json_array_append_new(emails, json_string(lower));
		}
		if (json_object_get(clean, "phone"))
			json_array_append(phones, json_object_get(clean, "phone"));
		if (json_object_get(clean, "time_zone"))
			json_array_append(zones, json_object_get(clean, "time_zone"));
		json_object_set_new(clean, "row", json_integer((json_int_t)i + 1));
		json_object_set_new(clean, "errors", errors);
		json_array_append_new(clean_rows, clean);
	}
	/* then what the database knows, looked up once */
	a = json_dumps(emails, JSON_COMPACT);
	b = json_dumps(phones, JSON_COMPACT);
	c = json_dumps(zones, JSON_COMPACT);
	if ((rc = customer_repo_import_lookup(&found, conn, a, b, c)) != APP_OK)
		goto done;
	json_array_foreach(clean_rows, i, row)
	{
		json_t *errors = json_object_get(row, "errors"), *holder, *z, *item;
		const char *email = json_string_value(json_object_get(row, "email"));
		const char *phone = json_string_value(json_object_get(row, "phone"));
		const char *tz = json_string_value(json_object_get(row, "time_zone"));
		const char *status = json_string_value(json_object_get(row, "status"));
		char lower[255] = "";
		size_t k;
		bool zone_known = !tz;

		if (email) {
			snprintf(lower, sizeof(lower), "%s", email);
			for (char *p = lower; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		}
		holder = json_object_get(json_object_get(found, "emails"), lower);
		json_array_foreach(json_object_get(found, "zones"), k, z) zone_known |=
		        tz && strcmp(json_string_value(z), tz) == 0;
		if (!zone_known)
			field_errors_add(errors, "time_zone", "invalid",
			                 "Not a time zone PostgreSQL knows.");
		if (phone) {
			const char *owner = json_string_value(
			        json_object_get(json_object_get(found, "phones"), phone));
			if (owner && strcmp(owner, lower) != 0)
				field_errors_add(
				        errors, "phone", "taken",
				        "Another account signs in with this phone number.");
		}
		json_array_foreach(json_object_get(found, "people"), k,
		                   z) if (email && strcmp(json_string_value(z), lower) == 0)
		        field_errors_add(errors, "email", "taken",
		                         "An individual of a customer signs in with this e-mail.");
		if (holder &&
		    !transition_ok(json_string_value(json_object_get(holder, "status")), status))
			field_errors_add(errors, "status", "invalid",
			                 "This status cannot follow the customer's current one.");
		item = json_pack("{s:O}", "row", json_object_get(row, "row"));
		if (json_object_get(row, "typed_email"))
			json_object_set(item, "email", json_object_get(row, "typed_email"));
		if (json_array_size(errors)) {
			json_object_set_new(item, "result", json_string("error"));
			json_object_set(item, "errors", errors);
			failed++;
		} else {
			json_object_set_new(item, "result",
			                    json_string(holder ? "updated" : "created"));
			holder ? updated++ : created++;
			json_object_del(row, "errors");
			if (holder)
				json_object_set(row, "existing", json_object_get(holder, "id"));
			json_array_append(valid, row);
		}
		json_array_append_new(items, item);
	}
	*report = json_pack("{s:b, s:I, s:I, s:I, s:I, s:o}", "dry_run", o->dry_run, "rows",
	                    (json_int_t)json_array_size(rows), "created", (json_int_t)created,
	                    "updated", (json_int_t)updated, "errors", (json_int_t)failed, "items",
	                    items);
	items = NULL;
	if (o->dry_run || !json_array_size(valid))
		goto done;
	struct customer_defaults cd;
	if ((rc = settings_customer_defaults(&cd, conn)) != APP_OK)
		goto done;
	json_t *dj = customer_defaults_json(&cd);
	defaults = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	text = json_dumps(valid, JSON_COMPACT);
	details = json_pack("{s:s, s:I, s:I, s:I, s:I}", "source", o->source, "rows",
	                    (json_int_t)json_array_size(rows), "created", (json_int_t)created,
	                    "updated", (json_int_t)updated, "errors", (json_int_t)failed);
	struct audit_each each = {.actor_kind = o->actor_kind,
	                          .actor_id = o->actor_id,
	                          .ip = o->ci && o->ci->ip && *o->ci->ip ? o->ci->ip : NULL,
	                          .request_id = o->ci ? o->ci->request_id : NULL,
	                          .source = o->source};
	struct audit_entry e = {.actor_kind = o->actor_kind,
	                        .actor_id = o->actor_id,
	                        .action = "customer.import",
	                        .ip = each.ip,
	                        .request_id = each.request_id,
	                        .details = details};
	/* the customers it changes are locked first, in id order, so two imports cannot deadlock */
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = customer_repo_import_lock(conn, text)) == APP_OK &&
	    (rc = customer_repo_import_create(&made, conn, text, defaults)) == APP_OK &&
	    (rc = customer_repo_import_update(&changed, conn, text)) == APP_OK &&
	    (rc = audit_repo_append_each(conn, made, "customer.imported", &each)) == APP_OK &&
	    (rc = audit_repo_append_each(conn, changed, "customer.import_updated", &each)) ==
	            APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	free(made);
	free(changed);
	db_rollback(conn);
	if (rc == APP_OK)
		log_info("Customers - import by %s: %zu created, %zu updated, %zu rows refused",
		         o->source, created, updated, failed);
done:
	if (rc != APP_OK) {
		json_decref(*report);
		*report = NULL;
	}
	free(a);
	free(b);
	free(c);
	free(text);
	free(defaults);
	json_decref(items);
	json_decref(clean_rows);
	json_decref(emails);
	json_decref(phones);
	json_decref(zones);
	json_decref(seen);
	json_decref(found);
	json_decref(valid);
	json_decref(details);
	return rc;
}

int customers_import(json_t **report, struct app *app, const struct principal *who,
                     const struct client_info *ci, json_t *rows, bool dry_run)
{
	struct import_options o = {.dry_run = dry_run,
	                           .default_country = app->cfg.default_country,
	                           .actor_kind = "staff",
	                           .actor_id = who->id,
	                           .ci = ci,
	                           .source = "api"};
	struct db_conn *conn = NULL;
	int rc;

	*report = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = import_run(report, conn, rows, &o);
	db_pool_checkin(app->pool, conn);
	return rc;
}
