/* Profile: one UPDATE built from a fixed column list (never from the caller's keys). */
#include "service/profile.h"

#include <stdio.h>
#include <string.h>

#include "db/audit_repo.h"
#include "db/db.h"

static const char SQL_CUSTOMER_PROFILE[] =
        "SELECT json_build_object('first_name', first_name, 'last_name', last_name, 'company', "
        "company,"
        " 'phone', phone, 'language', language, 'time_zone', time_zone,"
        " 'date_input_format', date_input_format, 'date_output_format', date_output_format,"
        " 'security_question', security_question, 'two_factor_policy', two_factor_policy)"
        " FROM customers WHERE id = $1::uuid";

static const char SQL_INDIVIDUAL_PROFILE[] =
        "SELECT json_build_object('first_name', first_name, 'last_name', last_name,"
        " 'phone', phone, 'language', language, 'time_zone', time_zone,"
        " 'date_input_format', date_input_format, 'date_output_format', date_output_format,"
        " 'security_question', security_question, 'two_factor_policy', two_factor_policy)"
        " FROM individuals WHERE id = $1::uuid";

static const char SQL_STAFF_PROFILE[] =
        "SELECT json_build_object('display_name', display_name, 'security_question',"
        " security_question) FROM staff WHERE id = $1::uuid";

static int read_profile(json_t **out, struct db_conn *conn, const struct principal *who)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 who->kind == PRINCIPAL_CUSTOMER     ? SQL_CUSTOMER_PROFILE
	                 : who->kind == PRINCIPAL_INDIVIDUAL ? SQL_INDIVIDUAL_PROFILE
	                                                     : SQL_STAFF_PROFILE,
	                 1, (const char *const[]){who->id});

	*out = NULL;
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && !(*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL)))
		rc = APP_INTERNAL;
	PQclear(res);
	return rc;
}

int profile_get(json_t **out, struct app *app, const struct principal *who)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = read_profile(out, conn, who);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Each field a patch may set, with its column; NULL in the patch keeps the value (coalesce). */
static const char SQL_CUSTOMER_PATCH[] =
        "UPDATE customers SET first_name = coalesce($2::text, first_name),"
        " last_name = coalesce($3::text, last_name), company = coalesce($4::text, company),"
        " phone = CASE WHEN $5::boolean THEN $6::text ELSE phone END,"
        " language = coalesce($7::text, language), time_zone = coalesce($8::text, time_zone),"
        " date_input_format = coalesce($9::text, date_input_format),"
        " date_output_format = coalesce($10::text, date_output_format), updated_at = now()"
        " WHERE id = $1::uuid";

/* the customer's parameters but the company, which an individual does not have */
static const char SQL_INDIVIDUAL_PATCH[] =
        "UPDATE individuals SET first_name = coalesce($2::text, first_name),"
        " last_name = coalesce($3::text, last_name),"
        " phone = CASE WHEN $4::boolean THEN $5::text ELSE phone END,"
        " language = coalesce($6::text, language), time_zone = coalesce($7::text, time_zone),"
        " date_input_format = coalesce($8::text, date_input_format),"
        " date_output_format = coalesce($9::text, date_output_format), updated_at = now()"
        " WHERE id = $1::uuid";

static const char SQL_STAFF_PATCH[] =
        "UPDATE staff SET display_name = coalesce($2::text, display_name), updated_at = now()"
        " WHERE id = $1::uuid";

static const char *str(json_t *patch, const char *key)
{
	return json_string_value(json_object_get(patch, key));
}

int profile_update(json_t **out, struct app *app, const struct principal *who,
                   const struct client_info *ci, json_t *patch, struct field_error *fe)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *changed = json_array(), *details = NULL, *v;
	const char *key, *tz = str(patch, "time_zone");
	bool portal = PRINCIPAL_IN_PORTAL(who->kind);
	int rc;

	*out = NULL;
	memset(fe, 0, sizeof(*fe));
	json_object_foreach(patch, key, v) json_array_append_new(changed, json_string(key));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	if (tz) {
		bool known;

		if ((rc = db_time_zone_known(&known, conn, tz)) != APP_OK)
			goto done;
		if (!known) {
			fe->field = "time_zone";
			fe->code = "invalid";
			snprintf(fe->message, sizeof(fe->message),
			         "Not a time zone PostgreSQL knows; use an IANA name such as "
			         "Europe/Paris.");
			rc = APP_INVALID;
			goto done;
		}
	}
	details = json_pack("{s:O}", "fields", changed);
	struct audit_entry e =
	        audit_entry_self(who->kind, who->id, ci, "account.profile_updated", details);
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	if (portal) {
		json_t *phone = json_object_get(patch, "phone");
		const char *params[] = {who->id,
		                        str(patch, "first_name"),
		                        str(patch, "last_name"),
		                        str(patch, "company"),
		                        phone ? "true" : "false",
		                        json_string_value(phone),
		                        str(patch, "language"),
		                        tz,
		                        str(patch, "date_input_format"),
		                        str(patch, "date_output_format")};
		if (who->kind == PRINCIPAL_CUSTOMER)
			rc = db_exec(NULL, conn, SQL_CUSTOMER_PATCH, 10, params);
		else
			rc = db_exec(NULL, conn, SQL_INDIVIDUAL_PATCH, 9,
			             (const char *const[]){params[0], params[1], params[2],
			                                   params[4], params[5], params[6],
			                                   params[7], params[8], params[9]});
	} else {
		rc = db_exec(NULL, conn, SQL_STAFF_PATCH, 2,
		             (const char *const[]){who->id, str(patch, "display_name")});
	}
	if (rc == APP_CONFLICT) { /* the phone of another account: no more is said */
		fe->field = "phone";
		fe->code = "unavailable";
		snprintf(fe->message, sizeof(fe->message), "This phone number cannot be used.");
		rc = APP_INVALID;
	}
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = read_profile(out, conn, who)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	json_decref(changed);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
