/* Profile: one UPDATE built from a fixed column list (never from the caller's keys). */
#include "service/profile.h"

#include <stdio.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/clock.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/phone_change_repo.h"
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

#define PHONE_CODE_TTL_S       (10 * 60)
#define PHONE_CHANGES_PER_HOUR 5 /* each may send an SMS: a cap against SMS pumping */

static int code_hmac(char out[65], const struct app *app, const char *account_id, const char *code)
{
	char message[128];

	snprintf(message, sizeof(message), "cabinet-phone:%s:%s", account_id, code);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

/*
 * Starts a change of phone inside the caller's transaction: a pending change with a code sent by SMS
 * to the new number, or, for a number another account holds, a code never sent and a word to the
 * holder. The caller cannot tell which.
 */
static int start_phone_change(struct db_conn *conn, struct app *app, const struct principal *who,
                              const char *phone)
{
	json_t *vars = NULL;
	char code[7], hmac[65], key[64], id[37], language[3] = "en";
	time_t now = clock_now();
	long retry;
	bool taken = false;
	int rc;

	snprintf(key, sizeof(key), "phone:%s", who->id);
	if ((rc = throttle_repo_count(&retry, conn, key, 3600, PHONE_CHANGES_PER_HOUR, now)) !=
	            APP_OK ||
	    (rc = account_repo_phone_taken(&taken, conn, phone, who->id)) != APP_OK)
		goto done;
	if ((rc = secrets_random_digits(code, 6)) != APP_OK ||
	    (rc = code_hmac(hmac, app, who->id, code)) != APP_OK ||
	    (rc = phone_change_repo_put(conn, who->id, account_kind_name(who->kind), phone, hmac,
	                                now, PHONE_CODE_TTL_S)) != APP_OK)
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
	/* in the account's language */
	if ((rc = account_repo_language(language, conn, who->kind, who->id)) == APP_OK) {
		m.language = language;
		rc = outbox_enqueue(id, conn, app, &m);
	}
done:
	memset(code, 0, sizeof(code));
	json_decref(vars);
	return rc;
}

static const char *str(json_t *patch, const char *key)
{
	return json_string_value(json_object_get(patch, key));
}

int profile_update(json_t **out, struct app *app, const struct principal *who,
                   const struct client_info *ci, json_t *patch, struct field_error *fe)
{
	struct db_conn *conn = NULL;
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
		    (rc = account_repo_phone_is(&same, conn, who->kind, who->id,
		                                json_string_value(phone))) == APP_OK &&
		    !same)
			rc = start_phone_change(conn, app, who, json_string_value(phone));
		if (rc != APP_OK)
			goto done;
		struct profile_patch p = {.first_name = str(patch, "first_name"),
		                          .last_name = str(patch, "last_name"),
		                          .company = str(patch, "company"),
		                          .remove_phone = removal,
		                          .language = str(patch, "language"),
		                          .time_zone = tz,
		                          .date_input_format = str(patch, "date_input_format"),
		                          .date_output_format = str(patch, "date_output_format")};
		rc = account_repo_patch_profile(conn, who->kind, who->id, &p);
	} else {
		struct profile_patch p = {.display_name = str(patch, "display_name")};

		rc = account_repo_patch_profile(conn, who->kind, who->id, &p);
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
	json_decref(changed);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int profile_confirm_phone(json_t **out, struct app *app, const struct principal *who,
                          const struct client_info *ci, const char *code, struct field_error *fe)
{
	struct db_conn *conn = NULL;
	json_t *details = NULL;
	char hmac[65], phone[32] = "";
	bool right = false;
	int rc;

	*out = NULL;
	memset(fe, 0, sizeof(*fe));
	if (!PRINCIPAL_IN_PORTAL(who->kind))
		return APP_NOT_FOUND;
	if ((rc = code_hmac(hmac, app, who->id, code)) != APP_OK ||
	    (rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = phone_change_repo_try(&right, phone, conn, who->id, hmac, clock_now())) != APP_OK)
		goto done;
	details = json_pack("{s:s}", "to", phone);
	struct audit_entry e =
	        audit_entry_self(who->kind, who->id, ci, "account.phone_changed", details);
	if (right && (rc = db_begin(conn)) == APP_OK &&
	    (rc = account_repo_set_phone(conn, who->kind, who->id, phone)) == APP_OK &&
	    (rc = phone_change_repo_delete(conn, who->id)) == APP_OK &&
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
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
