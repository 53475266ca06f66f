/*
 * Individuals. Inputs are checked into one JSON object of normalized values that SQL reads through a
 * single jsonb parameter, so no caller key ever reaches SQL text. Uniqueness of e-mail and phone
 * across customers and individuals is PostgreSQL's (portal_logins), so two racing writes cannot
 * both win.
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
#include "db/session_repo.h"
#include "db/throttle_repo.h"
#include "notify/outbox.h"
#include "service/customers.h"
#include "service/security.h"
#include "service/settings.h"

#define INVITATION_TTL_S     (7 * 24 * 3600)
#define INVITATIONS_PER_HOUR 30 /* per customer: new invitations and resends together */

/* the system role every individual may hold, and the default one */
#define USER_ROLE "(SELECT u.id FROM portal_roles u WHERE u.system AND u.name = 'user')"

/* $2: now, for the invitation still pending */
#define INDIVIDUAL_JSON                                                                                                                       \
	"json_build_object('id', i.id, 'customer_id', i.customer_id, 'email', i.email,"                                                       \
	" 'phone', i.phone, 'first_name', i.first_name, 'last_name', i.last_name,"                                                            \
	" 'status', i.status, 'role', json_build_object('id', r.id, 'name', r.name),"                                                         \
	" 'active_from', " DB_RFC3339(                                                                                                        \
	        "i.active_from") ","                                                                                                          \
	                         " 'expires_at', " DB_RFC3339(                                                                                \
	                                 "i.expires_at") ","                                                                                  \
	                                                 " 'language', i.language, "                                                          \
	                                                 "'trusted_ips', i.trusted_ips,"                                                      \
	                                                 " 'two_factor_policy', "                                                             \
	                                                 "i.two_factor_policy,"                                                               \
	                                                 " 'two_factor', EXISTS (SELECT 1 FROM "                                              \
	                                                 "totp_credentials t"                                                                 \
	                                                 "   WHERE t.account_id = i.id AND "                                                  \
	                                                 "t.confirmed_at IS NOT NULL),"                                                       \
	                                                 " 'invitation_expires_at', "                                                         \
	                                                 "(SELECT " DB_RFC3339(                                                               \
	                                                         "max(v.expires_at)") "   FROM "                                              \
	                                                                              "individual"                                            \
	                                                                              "_invitatio"                                            \
	                                                                              "ns v "                                                 \
	                                                                              "WHERE "                                                \
	                                                                              "v."                                                    \
	                                                                              "individual"                                            \
	                                                                              "_id = "                                                \
	                                                                              "i.id AND "                                             \
	                                                                              "v.used_at "                                            \
	                                                                              "IS NULL"                                               \
	                                                                              "   AND "                                               \
	                                                                              "v.killed_"                                             \
	                                                                              "at IS "                                                \
	                                                                              "NULL AND "                                             \
	                                                                              "v.expires_"                                            \
	                                                                              "at > "                                                 \
	                                                                              "to_"                                                   \
	                                                                              "timestamp("                                            \
	                                                                              "$2::"                                                  \
	                                                                              "bigint)),"                                             \
	                                                                              " 'last_"                                               \
	                                                                              "login_at',"                                            \
	                                                                              " " DB_RFC3339(                                         \
	                                                                                      "i."                                            \
	                                                                                      "la"                                            \
	                                                                                      "st"                                            \
	                                                                                      "_l"                                            \
	                                                                                      "og"                                            \
	                                                                                      "in"                                            \
	                                                                                      "_a"                                            \
	                                                                                      "t") ","                                        \
	                                                                                           " 'last_login_ip', host(i.last_login_ip)," \
	                                                                                           " 'created_at', " DB_RFC3339(              \
	                                                                                                   "i.created_at") ")"

#define INDIVIDUAL_FROM                                                                            \
	" FROM individuals i LEFT JOIN portal_roles r ON r.id = coalesce(i.role_id, " USER_ROLE ")"

static const char SQL_LIST[] =
        "SELECT json_build_object("
        " 'items', coalesce((SELECT json_agg(" INDIVIDUAL_JSON
        " ORDER BY i.created_at, i.id)" INDIVIDUAL_FROM
        " WHERE i.customer_id = c.id AND i.status <> 'deleted'), '[]'::json),"
        " 'allowed_roles', (SELECT json_agg(json_build_object('id', ar.id, 'name', ar.name,"
        "   'permissions', to_json(ar.permissions)) ORDER BY ar.system DESC, lower(ar.name))"
        "   FROM portal_roles ar WHERE (ar.system AND ar.name = 'user')"
        "   OR ar.id = ANY (c.allowed_role_ids)))"
        " FROM customers c WHERE c.id = $1::uuid AND c.status <> 'deleted'";

static const char SQL_GET[] = "SELECT " INDIVIDUAL_JSON INDIVIDUAL_FROM
                              " WHERE i.id = $3::uuid AND i.customer_id = $1::uuid"
                              "   AND i.status <> 'deleted'";

int individuals_list(json_t **out, struct app *app, const char *customer_id)
{
	char now[24];

	db_time_param(now, (long long)clock_now());
	return db_read_json(out, app->pool, SQL_LIST, 2, (const char *const[]){customer_id, now});
}

int individuals_get(json_t **out, struct app *app, const char *customer_id, const char *id)
{
	char now[24];

	db_time_param(now, (long long)clock_now());
	return db_read_json(out, app->pool, SQL_GET, 3,
	                    (const char *const[]){customer_id, now, id});
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

/* The customer (locked against a change of its allowed roles) and whether role_id is allowed. */
static const char SQL_CUSTOMER_FOR_PEOPLE[] =
        "SELECT coalesce(nullif(c.company, ''), nullif(trim(c.first_name || ' ' || c.last_name), "
        "''),"
        " c.email), c.language,"
        " $2::uuid IS NULL OR $2::uuid = ANY (c.allowed_role_ids) OR $2::uuid = " USER_ROLE
        " FROM customers c WHERE c.id = $1::uuid AND c.status <> 'deleted' FOR NO KEY UPDATE";

static int lock_customer(char organization[256], char language[3], bool *role_ok,
                         struct db_conn *conn, const char *customer_id, const char *role_id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_CUSTOMER_FOR_PEOPLE, 2,
	                 (const char *const[]){customer_id, role_id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(organization, 256, "%s", PQgetvalue(res, 0, 0));
		snprintf(language, 3, "%s", PQgetvalue(res, 0, 1));
		*role_ok = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	}
	PQclear(res);
	return rc;
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
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT bool_or(email = lower($1::text)), bool_or(phone = $2::text)"
	                 " FROM portal_logins WHERE email = lower($1::text) OR phone = $2::text",
	                 2, (const char *const[]){email, phone});

	if (rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		field_errors_add(errors, "email", "taken",
		                 "Another account signs in with this e-mail.");
	if (rc == APP_OK && strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		field_errors_add(errors, "phone", "taken",
		                 "Another account signs in with this phone number.");
	PQclear(res);
	return rc == APP_OK && json_array_size(errors) ? APP_INVALID : rc;
}

/*
 * Kills any live link and sends a new invitation, one of the customer's INVITATIONS_PER_HOUR
 * (APP_RATE_LIMITED beyond): an organization cannot make Cabinet mail strangers in bulk. An address
 * another account signs in with gets no link: its holder is told instead, and the caller cannot
 * tell the difference.
 */
static int invite(struct db_conn *conn, struct app *app, const char *customer_id, const char *id,
                  const char *email, const char *first_name, const char *language,
                  const char *organization)
{
	char token[65], link[2200], message_id[37], now[24], ttl[24], key[64];
	json_t *vars = NULL;
	PGresult *res = NULL;
	long retry_after = 0;
	int rc;

	snprintf(key, sizeof(key), "invitations:%s", customer_id);
	db_time_param(now, (long long)clock_now());
	db_time_param(ttl, (long long)INVITATION_TTL_S);
	if ((rc = throttle_repo_count(&retry_after, conn, key, 3600, INVITATIONS_PER_HOUR,
	                              clock_now())) != APP_OK ||
	    (rc = db_exec(
	             NULL, conn,
	             "UPDATE individual_invitations SET killed_at = to_timestamp($2::bigint)"
	             " WHERE individual_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL",
	             2, (const char *const[]){id, now})) != APP_OK ||
	    (rc = db_exec(&res, conn, "SELECT 1 FROM portal_logins WHERE email = lower($1::text)",
	                  1, (const char *const[]){email})) != APP_OK)
		goto done;
	if (PQntuples(res) > 0) {
		rc = security_tell_holder(conn, app, email);
		goto done;
	}
	if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = db_exec(
	             NULL, conn,
	             "INSERT INTO individual_invitations (token_hash, individual_id, created_at,"
	             " expires_at) VALUES (sha256(convert_to($1::text, 'UTF8')), $2::uuid,"
	             " to_timestamp($3::bigint), to_timestamp($3::bigint)"
	             " + make_interval(secs => $4::bigint))",
	             4, (const char *const[]){token, id, now, ttl})) != APP_OK)
		goto done;
	/* built from the configured public URL, never from the request's Host header */
	snprintf(link, sizeof(link), "%s/invitation?token=%s", app->cfg.public_url, token);
	vars = json_pack("{s:s, s:s, s:s, s:i}", "first_name", first_name, "organization",
	                 organization, "link", link, "expires_days", INVITATION_TTL_S / 86400);
	struct outbox_message m = {.event = "individual_invitation",
	                           .language = language,
	                           .channel = "email",
	                           .address = email,
	                           .vars = vars,
	                           .individual_id = id};
	rc = outbox_enqueue(message_id, conn, app, &m);
done:
	PQclear(res);
	json_decref(vars);
	explicit_bzero(token, sizeof(token));
	return rc;
}

static const char SQL_INSERT[] =
        "INSERT INTO individuals (customer_id, email, phone, first_name, last_name, status,"
        " role_id, active_from, expires_at, password_hash, must_change_password, language,"
        " time_zone, date_input_format, date_output_format, trusted_ips, two_factor_policy,"
        " created_at, updated_at)"
        " SELECT c.id, $2::jsonb->>'email', $2::jsonb->>'phone',"
        " coalesce($2::jsonb->>'first_name', ''), coalesce($2::jsonb->>'last_name', ''),"
        " CASE WHEN $3::text IS NULL THEN 'invited' ELSE 'active' END,"
        " ($2::jsonb->>'role_id')::uuid, ($2::jsonb->>'active_from')::timestamptz,"
        " ($2::jsonb->>'expires_at')::timestamptz, $3::text, $3::text IS NOT NULL,"
        " coalesce($2::jsonb->>'language', c.language), c.time_zone, c.date_input_format,"
        " c.date_output_format, coalesce($2::jsonb->>'trusted_ips', ''),"
        " coalesce($2::jsonb->>'two_factor_policy', 'inherit'), to_timestamp($4::bigint),"
        " to_timestamp($4::bigint)"
        " FROM customers c WHERE c.id = $1::uuid"
        " RETURNING id";

int individuals_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *customer_id, json_t *body)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *fields = json_object(), *details = NULL;
	const char *send = json_string_value(json_object_get(body, "send"));
	bool credentials = send && strcmp(send, "credentials") == 0, role_ok = false;
	char organization[256], language[3], id[37] = "", now[24], generated[24] = "",
	                                     hash[PASSWORD_HASH_MAX] = "";
	char *text = NULL;
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
	db_time_param(now, (long long)clock_now());
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = lock_customer(organization, language, &role_ok, conn, customer_id,
	                        json_string_value(json_object_get(fields, "role_id")))) != APP_OK)
		goto done;
	if (!role_ok) {
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
	rc = db_exec(&res, conn, SQL_INSERT, 4,
	             (const char *const[]){customer_id, text, credentials ? hash : NULL, now});
	if (rc != APP_OK) {
		rc = constraint_error(errors, conn, rc);
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	const char *email = json_string_value(json_object_get(fields, "email"));
	const char *first = json_string_value(json_object_get(fields, "first_name"));
	const char *lang = json_string_value(json_object_get(fields, "language"));

	rc = credentials ? customers_send_credentials(conn, app, customer_id, id, email,
	                                              first ? first : "", lang ? lang : language,
	                                              generated)
	                 : invite(conn, app, customer_id, id, email, first ? first : "",
	                          lang ? lang : language, organization);
	details = json_pack("{s:O, s:s}", "fields", fields, "send",
	                    credentials ? "credentials" : "invitation");
	json_object_del(json_object_get(details, "fields"), "trusted_ips");
	struct audit_entry e = entry(who, ci, "individual.created", id, customer_id, details);
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_GET, 3,
	                       (const char *const[]){customer_id, now, id})) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
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

static const char SQL_UPDATE[] =
        "UPDATE individuals SET"
        " email = coalesce($3::jsonb->>'email', email),"
        " phone = CASE WHEN $3::jsonb ? 'phone' THEN $3::jsonb->>'phone' ELSE phone END,"
        " first_name = coalesce($3::jsonb->>'first_name', first_name),"
        " last_name = coalesce($3::jsonb->>'last_name', last_name),"
        " role_id = CASE WHEN $3::jsonb ? 'role_id' THEN ($3::jsonb->>'role_id')::uuid"
        "   ELSE role_id END,"
        " status = coalesce($3::jsonb->>'status', status),"
        " active_from = CASE WHEN $3::jsonb ? 'active_from'"
        "   THEN ($3::jsonb->>'active_from')::timestamptz ELSE active_from END,"
        " expires_at = CASE WHEN $3::jsonb ? 'expires_at'"
        "   THEN ($3::jsonb->>'expires_at')::timestamptz ELSE expires_at END,"
        " language = coalesce($3::jsonb->>'language', language),"
        " trusted_ips = coalesce($3::jsonb->>'trusted_ips', trusted_ips),"
        " two_factor_policy = coalesce($3::jsonb->>'two_factor_policy', two_factor_policy),"
        " updated_at = to_timestamp($4::bigint)"
        " WHERE id = $1::uuid AND customer_id = $2::uuid";

/* The individual's current status, locked for the change; APP_NOT_FOUND when gone. */
static int lock_individual(char status[16], struct db_conn *conn, const char *customer_id,
                           const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(
	        &res, conn,
	        "SELECT status FROM individuals WHERE id = $1::uuid AND customer_id = $2::uuid"
	        " AND status <> 'deleted' FOR UPDATE",
	        2, (const char *const[]){id, customer_id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK)
		snprintf(status, 16, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int individuals_update(json_t **out, json_t *errors, const char **conflict, struct app *app,
                       const struct principal *who, const struct client_info *ci,
                       const char *customer_id, const char *id, json_t *body)
{
	struct db_conn *conn = NULL;
	json_t *fields = json_object(), *details = NULL, *status_v;
	char organization[256], language[3], status[16], now[24];
	bool role_ok = true, self = who->kind == PRINCIPAL_INDIVIDUAL && strcmp(who->id, id) == 0;
	char *text = NULL;
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
	db_time_param(now, (long long)clock_now());
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = lock_customer(organization, language, &role_ok, conn, customer_id,
	                        json_string_value(json_object_get(fields, "role_id")))) != APP_OK ||
	    (rc = lock_individual(status, conn, customer_id, id)) != APP_OK)
		goto done;
	if (!role_ok) {
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
	if ((rc = db_exec(NULL, conn, SQL_UPDATE, 4,
	                  (const char *const[]){id, customer_id, text, now})) != APP_OK) {
		rc = constraint_error(errors, conn, rc);
		goto done;
	}
	/* a suspended person's sessions end now, not only at their next request */
	if (status_v && !strcmp(json_string_value(status_v), "suspended") &&
	    (rc = session_repo_revoke_others(conn, id, NULL, "account_disabled", clock_now())) !=
	            APP_OK)
		goto done;
	details = json_pack("{s:O, s:s}", "fields", fields, "from_status", status);
	struct audit_entry e = entry(who, ci, "individual.updated", id, customer_id, details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_GET, 3,
	                       (const char *const[]){customer_id, now, id})) == APP_OK)
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
	char status[16], now[24];
	json_t *details = NULL;
	time_t t = clock_now();
	int rc;

	if (who->kind == PRINCIPAL_INDIVIDUAL && strcmp(who->id, id) == 0)
		return APP_FORBIDDEN;
	db_time_param(now, (long long)t);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = lock_individual(status, conn, customer_id, id)) != APP_OK)
		goto done;
	details = json_pack("{s:s}", "from_status", status);
	struct audit_entry e = entry(who, ci, "individual.deleted", id, customer_id, details);
	if ((rc = db_exec(NULL, conn,
	                  "UPDATE individuals SET status = 'deleted', updated_at = "
	                  "to_timestamp($2::bigint) WHERE id = $1::uuid",
	                  2, (const char *const[]){id, now})) == APP_OK &&
	    (rc = db_exec(
	             NULL, conn,
	             "UPDATE individual_invitations SET killed_at = to_timestamp($2::bigint)"
	             " WHERE individual_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL",
	             2, (const char *const[]){id, now})) == APP_OK &&
	    (rc = db_exec(NULL, conn,
	                  "UPDATE api_tokens SET revoked_at = to_timestamp($2::bigint)"
	                  " WHERE individual_id = $1::uuid AND revoked_at IS NULL",
	                  2, (const char *const[]){id, now})) == APP_OK &&
	    (rc = session_repo_revoke_others(conn, id, NULL, "account_deleted", t)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}

int individuals_invite_again(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *customer_id, const char *id)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	char organization[256], language[3], status[16];
	bool role_ok;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = lock_customer(organization, language, &role_ok, conn, customer_id, NULL)) !=
	            APP_OK ||
	    (rc = lock_individual(status, conn, customer_id, id)) != APP_OK)
		goto done;
	if (strcmp(status, "invited") != 0) {
		rc = APP_CONFLICT;
		goto done;
	}
	struct audit_entry e = entry(who, ci, "individual.invited_again", id, customer_id, NULL);
	if ((rc = db_exec(&res, conn,
	                  "SELECT email, first_name, language FROM individuals WHERE id = $1::uuid",
	                  1, (const char *const[]){id})) == APP_OK &&
	    (rc = invite(conn, app, customer_id, id, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
	                 PQgetvalue(res, 0, 2), organization)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	return rc;
}

/* The live invitation of a token: the individual's id, e-mail and name (for the policy). */
static const char SQL_INVITATION_PEEK[] =
        "SELECT i.id, i.email, trim(i.first_name || ' ' || i.last_name)"
        " FROM individual_invitations v JOIN individuals i ON i.id = v.individual_id"
        " JOIN customers c ON c.id = i.customer_id"
        " WHERE v.token_hash = sha256(convert_to($1::text, 'UTF8')) AND v.used_at IS NULL"
        "   AND v.killed_at IS NULL AND v.expires_at > to_timestamp($2::bigint)"
        "   AND i.status = 'invited' AND c.status <> 'deleted'";

/* Used once: of two concurrent acceptances only one sees the row. */
static const char SQL_INVITATION_USE[] =
        "UPDATE individual_invitations SET used_at = to_timestamp($2::bigint)"
        " WHERE token_hash = sha256(convert_to($1::text, 'UTF8')) AND used_at IS NULL"
        "   AND killed_at IS NULL AND expires_at > to_timestamp($2::bigint)"
        " RETURNING individual_id";

int individuals_accept(struct app *app, const struct client_info *ci, const char *token,
                       const char *password, struct field_error *fe)
{
	struct password_params params;
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	char id[37] = "", email[255] = "", name[202] = "", now[24], hash[PASSWORD_HASH_MAX];
	const char *code = NULL;
	time_t t = clock_now();
	int rc;

	memset(fe, 0, sizeof(*fe));
	if (!secrets_is_token(token))
		return APP_NOT_FOUND;
	db_time_param(now, (long long)t);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_exec(&res, conn, SQL_INVITATION_PEEK, 2, (const char *const[]){token, now})) !=
	            APP_OK)
		goto done;
	if (PQntuples(res) != 1) {
		rc = APP_NOT_FOUND;
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	snprintf(email, sizeof(email), "%s", PQgetvalue(res, 0, 1));
	snprintf(name, sizeof(name), "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	res = NULL;
	db_pool_checkin(app->pool, conn); /* never held while hashing */
	conn = NULL;
	if (password_policy_check(&code, fe->message, sizeof(fe->message), password, email, name,
	                          settings_password_min_length(app)) != APP_OK) {
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
	snprintf(a.id, sizeof(a.id), "%s", id);
	struct audit_entry e = audit_entry_self(PRINCIPAL_INDIVIDUAL, id, ci,
	                                        "individual.invitation_accepted", NULL);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = db_exec(&res, conn, SQL_INVITATION_USE, 2, (const char *const[]){token, now})) !=
	            APP_OK)
		goto done;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), id) != 0) {
		rc = APP_NOT_FOUND; /* another acceptance won */
		goto done;
	}
	if ((rc = account_repo_set_password(conn, &a, hash, t)) == APP_OK &&
	    (rc = db_exec(NULL, conn,
	                  "UPDATE individuals SET status = 'active' WHERE id = $1::uuid"
	                  " AND status = 'invited'",
	                  1, (const char *const[]){id})) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	explicit_bzero(hash, sizeof(hash));
	return rc;
}
