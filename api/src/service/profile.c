/* Profile: one UPDATE built from a fixed column list (never from the caller's keys). */
#include "service/profile.h"

#include <stdio.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/clock.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/throttle_repo.h"
#include "notify/outbox.h"
#include "service/security.h"

static int read_profile(json_t **out, struct db_conn *conn, const struct principal *who)
{
	return account_repo_profile(out, conn, who->kind, who->id, clock_now());
}

int profile_get_text(char **out, struct app *app, const struct principal *who)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = account_repo_profile_text(out, conn, who->kind, who->id, clock_now());
	db_pool_checkin(app->pool, conn);
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

#define PHONE_CODE_TTL_S       (10 * 60)
#define PHONE_CHANGES_PER_HOUR 5 /* each may send an SMS: a cap against SMS pumping */

static int code_hmac(char out[65], const struct app *app, const char *account_id, const char *code)
{
	char message[128];

	snprintf(message, sizeof(message), "cabinet-phone:%s:%s", account_id, code);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

static const char SQL_PHONE_PENDING[] =
        "INSERT INTO phone_changes (account_id, account_kind, phone, code_hmac, created_at,"
        " expires_at) VALUES ($1::uuid, $2::text, $3::text, decode($4::text, 'hex'),"
        " to_timestamp($5::bigint), to_timestamp($5::bigint) + make_interval(secs => $6::bigint))"
        " ON CONFLICT (account_id) DO UPDATE SET phone = excluded.phone,"
        " code_hmac = excluded.code_hmac, created_at = excluded.created_at,"
        " expires_at = excluded.expires_at, failed_attempts = 0";

/*
 * Starts a change of phone inside the caller's transaction: a pending change with a code sent by SMS
 * to the new number, or, for a number another account holds, a code never sent and a word to the
 * holder. The caller cannot tell which.
 */
static int start_phone_change(struct db_conn *conn, struct app *app, const struct principal *who,
                              const char *phone)
{
	PGresult *res = NULL;
	json_t *vars = NULL;
	char code[7], hmac[65], ts[24], ttl[24], key[64], id[37];
	long retry;
	bool taken;
	int rc;

	snprintf(key, sizeof(key), "phone:%s", who->id);
	db_time_param(ts, (long long)clock_now());
	db_time_param(ttl, (long long)PHONE_CODE_TTL_S);
	if ((rc = throttle_repo_count(&retry, conn, key, 3600, PHONE_CHANGES_PER_HOUR,
	                              clock_now())) != APP_OK ||
	    (rc = db_exec(
	             &res, conn,
	             "SELECT 1 FROM portal_logins WHERE phone = $1::text AND owner_id <> $2::uuid",
	             2, (const char *const[]){phone, who->id})) != APP_OK)
		goto done;
	taken = PQntuples(res) > 0;
	if ((rc = secrets_random_digits(code, 6)) != APP_OK ||
	    (rc = code_hmac(hmac, app, who->id, code)) != APP_OK ||
	    (rc = db_exec(NULL, conn, SQL_PHONE_PENDING, 6,
	                  (const char *const[]){who->id,
	                                        who->kind == PRINCIPAL_CUSTOMER ? "customer"
	                                                                        : "individual",
	                                        phone, hmac, ts, ttl})) != APP_OK)
		goto done;
	if (taken) {
		rc = security_tell_holder(conn, app, phone);
		goto done;
	}
	vars = json_pack("{s:s, s:s, s:i}", "first_name", who->display_name, "code", code,
	                 "expires_minutes", PHONE_CODE_TTL_S / 60);
	struct outbox_message m = {.event = "recovery_code",
	                           .language = "en",
	                           .channel = "sms",
	                           .address = phone,
	                           .vars = vars,
	                           .customer_id = who->customer_id,
	                           .individual_id =
	                                   who->kind == PRINCIPAL_INDIVIDUAL ? who->id : NULL};
	PQclear(res);
	res = NULL;
	/* the account's language, for the SMS */
	if ((rc = db_exec(&res, conn,
	                  who->kind == PRINCIPAL_CUSTOMER
	                          ? "SELECT language FROM customers WHERE id = $1::uuid"
	                          : "SELECT language FROM individuals WHERE id = $1::uuid",
	                  1, (const char *const[]){who->id})) == APP_OK &&
	    PQntuples(res) == 1)
		m.language = PQgetvalue(res, 0, 0);
	if (rc == APP_OK)
		rc = outbox_enqueue(id, conn, app, &m);
done:
	memset(code, 0, sizeof(code));
	PQclear(res);
	json_decref(vars);
	return rc;
}

static const char *str(json_t *patch, const char *key)
{
	return json_string_value(json_object_get(patch, key));
}

/* *same_out: the number typed is the account's own already (nothing to verify). */
static int phone_is_current(bool *same_out, struct db_conn *conn, const struct principal *who,
                            const char *phone)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 who->kind == PRINCIPAL_CUSTOMER
	                         ? "SELECT phone IS NOT DISTINCT FROM $2::text FROM customers"
	                           " WHERE id = $1::uuid"
	                         : "SELECT phone IS NOT DISTINCT FROM $2::text FROM individuals"
	                           " WHERE id = $1::uuid",
	                 2, (const char *const[]){who->id, phone});

	*same_out = rc == APP_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
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
		/* removing the number applies at once; a new one waits for its code (phone_pending) */
		json_t *phone = json_object_get(patch, "phone");
		bool removal = phone && json_is_null(phone), same = false;

		if (json_is_string(phone) &&
		    (rc = phone_is_current(&same, conn, who, json_string_value(phone))) == APP_OK &&
		    !same)
			rc = start_phone_change(conn, app, who, json_string_value(phone));
		if (rc != APP_OK)
			goto done;
		const char *params[] = {who->id,
		                        str(patch, "first_name"),
		                        str(patch, "last_name"),
		                        str(patch, "company"),
		                        removal ? "true" : "false",
		                        NULL,
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
	if (rc == APP_RATE_LIMITED) {
		fe->field = "phone";
		fe->code = "too_many_changes";
		snprintf(fe->message, sizeof(fe->message),
		         "Five changes of phone number an hour at most; try again later.");
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

/*
 * The code is compared and a wrong one counted in one statement on the locked row: of parallel
 * guesses at most five are ever compared.
 */
static const char SQL_PHONE_TRY[] =
        "UPDATE phone_changes SET failed_attempts = failed_attempts +"
        "   CASE WHEN code_hmac = decode($2::text, 'hex') THEN 0 ELSE 1 END"
        " WHERE account_id = $1::uuid AND expires_at > to_timestamp($3::bigint)"
        "   AND failed_attempts < 5"
        " RETURNING code_hmac = decode($2::text, 'hex'), phone";

int profile_confirm_phone(json_t **out, struct app *app, const struct principal *who,
                          const struct client_info *ci, const char *code, struct field_error *fe)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *details = NULL;
	char hmac[65], ts[24], phone[32] = "";
	bool right = false;
	int rc;

	*out = NULL;
	memset(fe, 0, sizeof(*fe));
	if (!PRINCIPAL_IN_PORTAL(who->kind))
		return APP_NOT_FOUND;
	db_time_param(ts, (long long)clock_now());
	if ((rc = code_hmac(hmac, app, who->id, code)) != APP_OK ||
	    (rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_exec(&res, conn, SQL_PHONE_TRY, 3,
	                  (const char *const[]){who->id, hmac, ts})) != APP_OK)
		goto done;
	if (PQntuples(res) == 1) {
		right = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		snprintf(phone, sizeof(phone), "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	res = NULL;
	details = json_pack("{s:s}", "to", phone);
	struct audit_entry e =
	        audit_entry_self(who->kind, who->id, ci, "account.phone_changed", details);
	if (right && (rc = db_begin(conn)) == APP_OK &&
	    (rc = db_exec(NULL, conn,
	                  who->kind == PRINCIPAL_CUSTOMER
	                          ? "UPDATE customers SET phone = $2::text, updated_at = now()"
	                            " WHERE id = $1::uuid"
	                          : "UPDATE individuals SET phone = $2::text, updated_at = now()"
	                            " WHERE id = $1::uuid",
	                  2, (const char *const[]){who->id, phone})) == APP_OK &&
	    (rc = db_exec(NULL, conn, "DELETE FROM phone_changes WHERE account_id = $1::uuid", 1,
	                  (const char *const[]){who->id})) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = read_profile(out, conn, who)) == APP_OK)
		rc = db_commit(conn);
	/* a wrong code, none pending, or the number taken meanwhile: one answer for all */
	if (!right || rc == APP_CONFLICT) {
		fe->field = "code";
		fe->code = "invalid_or_expired";
		snprintf(fe->message, sizeof(fe->message),
		         "This code is not valid: wrong, expired, or replaced by a newer change.");
		rc = APP_INVALID;
	}
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
