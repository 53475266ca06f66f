/*
 * API tokens. The secret is "cab_" and 192 random bits in hex, shown once; PostgreSQL keeps its
 * SHA-256 (enough for a random secret of that size; a slow hash would make every API call slow).
 */
#include "service/api_tokens.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "auth/ipnet.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/text.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "log.h"

enum { SECRET_BYTES = 24, PREFIX_LEN = 12, RATE_LIMIT_MAX = 100000 };
static const char SECRET_PREFIX[] = "cab_";

bool api_token_shaped(const char *s)
{
	size_t n = sizeof(SECRET_PREFIX) - 1;

	return s && strncmp(s, SECRET_PREFIX, n) == 0 && strlen(s + n) == 2 * SECRET_BYTES &&
	       strspn(s + n, "0123456789abcdef") == 2 * SECRET_BYTES;
}

/* $2 in every statement using it: now, for the state */
#define TOKEN_JSON                                                                                                                                              \
	"json_build_object('id', t.id, 'name', t.name, 'prefix', t.prefix,"                                                                                     \
	" 'permissions', to_json(t.permissions), 'trusted_ips', t.trusted_ips,"                                                                                 \
	" 'rate_limit', t.rate_limit,"                                                                                                                          \
	" 'expires_at', " DB_RFC3339(                                                                                                                           \
	        "t.expires_at") ","                                                                                                                             \
	                        " 'created_at', " DB_RFC3339(                                                                                                   \
	                                "t.created_at") ","                                                                                                     \
	                                                " 'last_used_at', " DB_RFC3339(                                                                         \
	                                                        "t.last_used_at") ","                                                                           \
	                                                                          " 'last_used_"                                                                \
	                                                                          "ip', "                                                                       \
	                                                                          "host(t.last_"                                                                \
	                                                                          "used_ip),"                                                                   \
	                                                                          " 'revoked_at',"                                                              \
	                                                                          " " DB_RFC3339(                                                               \
	                                                                                  "t."                                                                  \
	                                                                                  "revoke"                                                              \
	                                                                                  "d_at") ","                                                           \
	                                                                                          " 'state', CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'" \
	                                                                                          "   WHEN t.expires_at <= to_timestamp($2::bigint) THEN 'expired' ELSE 'active' END)"

/* $1: owner (staff or customer id), $2: now. */
static const char SQL_LIST[] =
        "SELECT json_build_object('items', coalesce(json_agg(" TOKEN_JSON
        " ORDER BY t.created_at DESC, t.id), '[]'::json))"
        " FROM api_tokens t WHERE coalesce(t.staff_id, t.individual_id, t.customer_id) = $1::uuid";

int api_tokens_list_mine(json_t **out, struct app *app, const struct principal *who)
{
	char ts[24];

	db_time_param(ts, (long long)clock_now());
	return db_read_json(out, app->pool, SQL_LIST, 2, (const char *const[]){who->id, ts});
}

int api_tokens_list_customer(json_t **out, struct app *app, const char *customer_id)
{
	char ts[24];

	db_time_param(ts, (long long)clock_now());
	/* NULL (404) for no such customer, an empty list for one without tokens */
	return db_read_json(out, app->pool,
	                    "SELECT CASE WHEN EXISTS (SELECT 1 FROM customers WHERE id = $1::uuid)"
	                    " THEN (SELECT json_build_object('items', coalesce(json_agg(" TOKEN_JSON
	                    " ORDER BY t.created_at DESC, t.id), '[]'::json))"
	                    " FROM api_tokens t WHERE t.customer_id = $1::uuid) END",
	                    2, (const char *const[]){customer_id, ts});
}

/* Whether the staff or customer may name this permission at all (its catalogues). */
static bool nameable(const char *name)
{
	return permission_known(name) || portal_permission_known(name);
}

struct token_input {
	const char *name;
	char permissions[1024]; /* text[] literal */
	const char *expires_at; /* or NULL */
	const char *trusted_ips;
	char rate_limit[12];
};

static void check_input(struct token_input *in, json_t *errors, const struct principal *who,
                        json_t *body)
{
	static const char *const FIELDS[] = {"name",        "permissions", "expires_at",
	                                     "trusted_ips", "rate_limit",  NULL};
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *f = FIELDS; *f; f++)
			known |= strcmp(*f, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This field is not accepted.");
	}
	v = json_object_get(body, "name");
	in->name = json_string_value(v);
	if (!in->name || json_string_length(v) < 1 || !text_line_ok(v, 100))
		field_errors_add(errors, "name", v ? "invalid" : "required",
		                 "1 to 100 characters.");

	v = json_object_get(body, "permissions");
	if (!permission_list_literal(in->permissions, sizeof(in->permissions), v, nameable) ||
	    json_array_size(v) == 0) {
		field_errors_add(errors, "permissions", v ? "invalid" : "required",
		                 "A non-empty list of permission names.");
	} else {
		json_t *p;

		/* a subset of the creator's: never more than who may do itself */
		json_array_foreach(v, i, p) if (!principal_allows(who, json_string_value(p), 0))
		{
			field_errors_add(errors, "permissions", "not_held",
			                 "A token can only have permissions you hold yourself.");
			break;
		}
	}

	v = json_object_get(body, "expires_at");
	in->expires_at = json_string_value(v);
	if (v && !json_is_null(v) && !(in->expires_at && clock_is_rfc3339(in->expires_at)))
		field_errors_add(errors, "expires_at", "invalid",
		                 "A date and time such as 2027-01-31T23:59:59Z, or null for none.");

	v = json_object_get(body, "trusted_ips");
	in->trusted_ips = json_is_null(v) ? "" : json_string_value(v);
	if (!v)
		in->trusted_ips = "";
	if (!in->trusted_ips || strlen(in->trusted_ips) > 10000) {
		field_errors_add(errors, "trusted_ips", "invalid",
		                 "Addresses or networks, as text.");
	} else if (*in->trusted_ips) {
		struct ipnet_list nets;
		char why[160];

		if (ipnet_list_parse(&nets, in->trusted_ips, why, sizeof(why)) != APP_OK)
			field_errors_add(errors, "trusted_ips", "invalid", why);
		else
			ipnet_list_free(&nets);
	}

	v = json_object_get(body, "rate_limit");
	snprintf(in->rate_limit, sizeof(in->rate_limit), "600");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	          json_integer_value(v) > RATE_LIMIT_MAX))
		field_errors_add(errors, "rate_limit", "invalid",
		                 "Requests a minute, a whole number from 1 to 100000.");
	else if (v)
		snprintf(in->rate_limit, sizeof(in->rate_limit), "%lld",
		         (long long)json_integer_value(v));
}

static const char SQL_INSERT[] =
        "INSERT INTO api_tokens (staff_id, customer_id, individual_id, name, prefix, secret_hash,"
        " permissions, trusted_ips, rate_limit, expires_at, created_at)"
        " VALUES (CASE WHEN $1::text = 'staff' THEN $2::uuid END,"
        " CASE WHEN $1::text = 'customer' THEN $2::uuid ELSE $11::uuid END,"
        " CASE WHEN $1::text = 'individual' THEN $2::uuid END, $3::text, $4::text,"
        " sha256(convert_to($5::text, 'UTF8')), $6::text[], $7::text, $8::integer,"
        " $9::timestamptz, to_timestamp($10::bigint))"
        " RETURNING id";

static const char SQL_GET[] = "SELECT " TOKEN_JSON " FROM api_tokens t WHERE t.id = $1::uuid";

/* Whether expires_at (already shaped) is a real time after now: APP_INVALID when it is not. */
static int check_future(struct db_conn *conn, const char *expires_at, const char *now)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT $1::timestamptz > to_timestamp($2::bigint)", 2,
	                 (const char *const[]){expires_at, now});

	if (rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		rc = APP_INVALID;
	PQclear(res);
	return rc;
}

int api_tokens_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                      const struct client_info *ci, json_t *body)
{
	struct token_input in = {0};
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	char secret[sizeof(SECRET_PREFIX) + 2 * SECRET_BYTES], prefix[PREFIX_LEN + 1], id[37] = "",
	                                                                               now[24];
	json_t *details = NULL;
	int rc;

	*out = NULL;
	check_input(&in, errors, who, body);
	if (json_array_size(errors))
		return APP_INVALID;
	memcpy(secret, SECRET_PREFIX, sizeof(SECRET_PREFIX));
	if ((rc = secrets_random_hex(secret + sizeof(SECRET_PREFIX) - 1, SECRET_BYTES)) != APP_OK)
		return rc;
	snprintf(prefix, sizeof(prefix), "%.*s", PREFIX_LEN, secret);
	db_time_param(now, (long long)clock_now());
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	if (in.expires_at && (rc = check_future(conn, in.expires_at, now)) != APP_OK) {
		if (rc == APP_INVALID)
			field_errors_add(errors, "expires_at", "invalid",
			                 "A real date and time in the future, or null for none.");
		goto done;
	}
	rc = db_exec(&res, conn, SQL_INSERT, 11,
	             (const char *const[]){
	                     account_kind_name(who->kind), who->id, in.name, prefix, secret,
	                     in.permissions, in.trusted_ips, in.rate_limit, in.expires_at, now,
	                     who->kind == PRINCIPAL_INDIVIDUAL ? who->customer_id : NULL});
	if (rc != APP_OK)
		goto done;
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	details = json_pack("{s:s, s:s, s:O, s:s?}", "token_id", id, "name", in.name, "permissions",
	                    json_object_get(body, "permissions"), "expires_at", in.expires_at);
	struct audit_entry e = audit_entry_self(who->kind, who->id, ci, "token.created", details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_GET, 2, (const char *const[]){id, now})) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	json_decref(details);
	if (rc == APP_OK)
		json_object_set_new(*out, "secret", json_string(secret));
	else {
		json_decref(*out);
		*out = NULL;
	}
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

/* Runs one revocation (an UPDATE ... RETURNING id of params) and its audit entry in a transaction. */
static int revoke(struct app *app, const char *sql, int n, const char *const *params,
                  const struct audit_entry *e)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = db_begin(conn)) == APP_OK && (rc = db_exec(&res, conn, sql, n, params)) == APP_OK)
		rc = PQntuples(res) == 1 ? audit_repo_append(conn, e) : APP_NOT_FOUND;
	if (rc == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	return rc;
}

static const char SQL_REVOKE_ALL[] =
        "WITH gone AS (UPDATE api_tokens SET revoked_at = to_timestamp($2::bigint)"
        "   WHERE coalesce(staff_id, individual_id, customer_id) = $1::uuid"
        "     AND revoked_at IS NULL"
        "     AND (expires_at IS NULL OR expires_at > to_timestamp($2::bigint))"
        "   RETURNING name, prefix)"
        " SELECT coalesce(json_agg(json_build_object('name', name, 'prefix', prefix)"
        "   ORDER BY name), '[]'::json) FROM gone";

int api_tokens_revoke_all(json_t **revoked_out, struct db_conn *conn, const char *owner_id,
                          time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)now);
	return db_exec_json(revoked_out, conn, SQL_REVOKE_ALL, 2,
	                    (const char *const[]){owner_id, ts});
}

int api_tokens_revoke_mine(struct app *app, const struct principal *who,
                           const struct client_info *ci, const char *id)
{
	char now[24];
	json_t *details = json_pack("{s:s}", "token_id", id);
	struct audit_entry e = audit_entry_self(who->kind, who->id, ci, "token.revoked", details);
	int rc;

	db_time_param(now, (long long)clock_now());
	rc = revoke(
	        app,
	        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, to_timestamp($3::bigint))"
	        " WHERE id = $1::uuid AND coalesce(staff_id, individual_id, customer_id) = "
	        "$2::uuid RETURNING id",
	        3, (const char *const[]){id, who->id, now}, &e);
	json_decref(details);
	return rc;
}

int api_tokens_revoke_customer(struct app *app, const struct principal *who,
                               const struct client_info *ci, const char *customer_id,
                               const char *token_id)
{
	char now[24];
	json_t *details = json_pack("{s:s}", "token_id", token_id);
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = "customer.token_revoked",
	                        .target_kind = "api_token",
	                        .target_id = token_id,
	                        .customer_id = customer_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};
	int rc;

	db_time_param(now, (long long)clock_now());
	rc = revoke(
	        app,
	        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, to_timestamp($3::bigint)),"
	        " revoked_by_staff_id = coalesce(revoked_by_staff_id, $4::uuid)"
	        " WHERE id = $1::uuid AND customer_id = $2::uuid RETURNING id",
	        4, (const char *const[]){token_id, customer_id, now, who->id}, &e);
	json_decref(details);
	return rc;
}

enum {
	A_KIND,
	A_ID,
	A_EMAIL,
	A_NAME,
	A_ROLE,
	A_MUST_CHANGE,
	A_TWO_FACTOR,
	A_IPS,
	A_PERMISSIONS,
	A_TOKEN,
	A_TOKEN_PERMISSIONS,
	A_TOKEN_IPS,
	A_RATE_LIMIT,
	A_STALE_USE,
	A_CUSTOMER
};

/* A live token whose owner is still allowed in; whether its last use is worth recording again. */
static const char SQL_AUTHENTICATE[] =
        "SELECT a.kind, a.id, a.email, a.display_name, a.role, a.must_change_password,"
        " a.two_factor, a.trusted_ips, a.permissions, t.id, array_to_string(t.permissions, ','),"
        " t.trusted_ips, t.rate_limit,"
        " t.last_used_at IS NULL OR t.last_used_at < to_timestamp($2::bigint) - interval '1 minute'"
        "   OR host(t.last_used_ip) IS DISTINCT FROM $3::text, coalesce(a.customer_id::text, '')"
        "  FROM api_tokens t"
        "  CROSS JOIN LATERAL account_principal(coalesce(t.staff_id, t.individual_id,"
        "   t.customer_id)) a"
        " WHERE a.active AND a.login_enabled AND t.secret_hash = sha256(convert_to($1::text, "
        "'UTF8')) AND t.revoked_at IS NULL"
        "   AND (t.expires_at IS NULL OR t.expires_at > to_timestamp($2::bigint))"
        "   AND (a.active_from IS NULL OR a.active_from <= to_timestamp($2::bigint))"
        "   AND (a.expires_at IS NULL OR a.expires_at > to_timestamp($2::bigint))";

int api_tokens_authenticate(struct principal *who, long *retry_after_s, struct app *app,
                            const char *secret, const char *client_ip)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	char now[24], token_ips[10001] = "";
	long limit = 0;
	bool stale = false;
	int rc;

	memset(who, 0, sizeof(*who));
	*retry_after_s = 0;
	db_time_param(now, (long long)clock_now());
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	rc = db_exec(&res, conn, SQL_AUTHENTICATE, 3,
	             (const char *const[]){secret, now, client_ip});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_UNAUTHORIZED;
	if (rc == APP_OK) {
		who->kind = account_kind_parse(PQgetvalue(res, 0, A_KIND));
		snprintf(who->customer_id, sizeof(who->customer_id), "%s",
		         PQgetvalue(res, 0, A_CUSTOMER));
		snprintf(who->id, sizeof(who->id), "%s", PQgetvalue(res, 0, A_ID));
		snprintf(who->email, sizeof(who->email), "%s", PQgetvalue(res, 0, A_EMAIL));
		snprintf(who->display_name, sizeof(who->display_name), "%s",
		         PQgetvalue(res, 0, A_NAME));
		snprintf(who->role, sizeof(who->role), "%s", PQgetvalue(res, 0, A_ROLE));
		who->must_change_password = strcmp(PQgetvalue(res, 0, A_MUST_CHANGE), "t") == 0;
		who->two_factor = strcmp(PQgetvalue(res, 0, A_TWO_FACTOR), "t") == 0;
		snprintf(who->trusted_ips, sizeof(who->trusted_ips), "%s",
		         PQgetvalue(res, 0, A_IPS));
		snprintf(who->permissions, sizeof(who->permissions), "%s",
		         PQgetvalue(res, 0, A_PERMISSIONS));
		snprintf(who->token_id, sizeof(who->token_id), "%s", PQgetvalue(res, 0, A_TOKEN));
		snprintf(who->token_permissions, sizeof(who->token_permissions), "%s",
		         PQgetvalue(res, 0, A_TOKEN_PERMISSIONS));
		snprintf(token_ips, sizeof(token_ips), "%s", PQgetvalue(res, 0, A_TOKEN_IPS));
		limit = strtol(PQgetvalue(res, 0, A_RATE_LIMIT), NULL, 10);
		stale = strcmp(PQgetvalue(res, 0, A_STALE_USE), "t") == 0;
		who->token_direct = true;
	}
	PQclear(res);
	res = NULL;
	if (rc == APP_OK && !(ipnet_text_allows(who->trusted_ips, client_ip) &&
	                      ipnet_text_allows(token_ips, client_ip))) {
		log_warn("Security - API token %s refused from %s: not a trusted address",
		         who->token_id, client_ip);
		rc = APP_FORBIDDEN;
	}
	if (rc == APP_OK &&
	    !rate_limiter_take(app->token_limits, who->token_id, limit, clock_now(), retry_after_s))
		rc = APP_RATE_LIMITED;
	/* the last use, at most once a minute per address: not a write on every call */
	if (rc == APP_OK && stale &&
	    db_exec(NULL, conn,
	            "UPDATE api_tokens SET last_used_at = to_timestamp($2::bigint),"
	            " last_used_ip = $3::inet WHERE id = $1::uuid",
	            3, (const char *const[]){who->token_id, now, client_ip}) != APP_OK)
		log_warn("the last use of API token %s could not be recorded", who->token_id);
	db_pool_checkin(app->pool, conn);
	if (rc != APP_OK && rc != APP_FORBIDDEN && rc != APP_RATE_LIMITED && rc != APP_UNAVAILABLE)
		rc = APP_UNAUTHORIZED;
	return rc;
}

int api_tokens_owned(char token_id_out[37], char trusted_ips_out[10001], struct db_conn *conn,
                     const char *secret, const char *owner_id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	token_id_out[0] = trusted_ips_out[0] = '\0';
	db_time_param(ts, (long long)now);
	rc = db_exec(
	        &res, conn,
	        "SELECT id, trusted_ips FROM api_tokens"
	        " WHERE secret_hash = sha256(convert_to($1::text, 'UTF8')) AND revoked_at IS NULL"
	        "   AND (expires_at IS NULL OR expires_at > to_timestamp($3::bigint))"
	        "   AND coalesce(staff_id, individual_id, customer_id) = $2::uuid",
	        3, (const char *const[]){secret, owner_id, ts});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(token_id_out, 37, "%s", PQgetvalue(res, 0, 0));
		snprintf(trusted_ips_out, 10001, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}
