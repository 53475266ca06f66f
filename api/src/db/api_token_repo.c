/* api_tokens SQL. */
#include "db/api_token_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/account_repo.h"
#include "db/db.h"

/* $2 in every statement using it: now, for the state */
#define TOKEN_JSON                                                                                                                                              \
	"json_build_object('id', t.id, 'name', t.name, 'prefix', t.prefix,"                                                                                     \
	" 'permissions', to_json(t.permissions), 'trusted_ips', t.trusted_ips,"                                                                                 \
	" 'rate_limit', t.rate_limit, 'expires_at', " DB_RFC3339(                                                                                               \
	        "t.expires_at") ","                                                                                                                             \
	                        " 'created_at', " DB_RFC3339(                                                                                                   \
	                                "t.created_at") ","                                                                                                     \
	                                                " 'last_used_at', " DB_RFC3339(                                                                         \
	                                                        "t.last_used_at") ", "                                                                          \
	                                                                          "'last_used_ip'"                                                              \
	                                                                          ", "                                                                          \
	                                                                          "host(t.last_"                                                                \
	                                                                          "used_ip),"                                                                   \
	                                                                          " 'revoked_at',"                                                              \
	                                                                          " " DB_RFC3339(                                                               \
	                                                                                  "t."                                                                  \
	                                                                                  "revoke"                                                              \
	                                                                                  "d_at") ","                                                           \
	                                                                                          " 'state', CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'" \
	                                                                                          "   WHEN t.expires_at <= to_timestamp($2::bigint) THEN 'expired' ELSE 'active' END)"

static const char SQL_LIST[] =
        "SELECT json_build_object('items', coalesce(json_agg(" TOKEN_JSON
        " ORDER BY t.created_at DESC, t.id), '[]'::json))"
        " FROM api_tokens t WHERE coalesce(t.staff_id, t.individual_id, t.customer_id) = $1::uuid";

int api_token_repo_list(json_t **out, struct db_conn *conn, const char *owner_id, time_t now)
{
	char ts[24];

	return db_exec_json(out, conn, SQL_LIST, 2,
	                    (const char *const[]){owner_id, db_time_param(ts, (long long)now)});
}

/* NULL (APP_NOT_FOUND) for no such customer, an empty list for one without tokens */
static const char SQL_LIST_CUSTOMER[] =
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM customers WHERE id = $1::uuid)"
        " THEN (SELECT json_build_object('items', coalesce(json_agg(" TOKEN_JSON
        " ORDER BY t.created_at DESC, t.id), '[]'::json))"
        " FROM api_tokens t WHERE t.customer_id = $1::uuid) END";

int api_token_repo_list_customer(json_t **out, struct db_conn *conn, const char *customer_id,
                                 time_t now)
{
	char ts[24];

	return db_exec_json(out, conn, SQL_LIST_CUSTOMER, 2,
	                    (const char *const[]){customer_id, db_time_param(ts, (long long)now)});
}

static const char SQL_GET[] = "SELECT " TOKEN_JSON " FROM api_tokens t WHERE t.id = $1::uuid";

int api_token_repo_get(json_t **out, struct db_conn *conn, const char *id, time_t now)
{
	char ts[24];

	return db_exec_json(out, conn, SQL_GET, 2,
	                    (const char *const[]){id, db_time_param(ts, (long long)now)});
}

int api_token_repo_in_future(bool *future_out, struct db_conn *conn, const char *expires_at,
                             time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, "SELECT $1::timestamptz > to_timestamp($2::bigint)", 2,
	                 (const char *const[]){expires_at, db_time_param(ts, (long long)now)});

	*future_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
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

int api_token_repo_insert(char id_out[37], struct db_conn *conn, const struct api_token_new *t,
                          time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, SQL_INSERT, 11,
	                 (const char *const[]){t->owner_kind, t->owner_id, t->name, t->prefix,
	                                       t->secret, t->permissions, t->trusted_ips,
	                                       t->rate_limit, t->expires_at,
	                                       db_time_param(ts, (long long)now), t->customer_id});

	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
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

int api_token_repo_revoke_all(json_t **revoked_out, struct db_conn *conn, const char *owner_id,
                              time_t now)
{
	char ts[24];

	return db_exec_json(revoked_out, conn, SQL_REVOKE_ALL, 2,
	                    (const char *const[]){owner_id, db_time_param(ts, (long long)now)});
}

/* Runs an UPDATE ... RETURNING id: APP_NOT_FOUND when it touched no row. */
static int update_one(struct db_conn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, n, params);

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

static const char SQL_REVOKE_OWN[] =
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, to_timestamp($3::bigint))"
        " WHERE id = $1::uuid AND coalesce(staff_id, individual_id, customer_id) = $2::uuid"
        " RETURNING id";

int api_token_repo_revoke_own(struct db_conn *conn, const char *id, const char *owner_id,
                              time_t now)
{
	char ts[24];

	return update_one(conn, SQL_REVOKE_OWN, 3,
	                  (const char *const[]){id, owner_id, db_time_param(ts, (long long)now)});
}

static const char SQL_REVOKE_CUSTOMER[] =
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, to_timestamp($3::bigint)),"
        " revoked_by_staff_id = coalesce(revoked_by_staff_id, $4::uuid)"
        " WHERE id = $1::uuid AND customer_id = $2::uuid RETURNING id";

int api_token_repo_revoke_customer(struct db_conn *conn, const char *id, const char *customer_id,
                                   const char *staff_id, time_t now)
{
	char ts[24];

	return update_one(conn, SQL_REVOKE_CUSTOMER, 4,
	                  (const char *const[]){id, customer_id, db_time_param(ts, (long long)now),
	                                        staff_id});
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
	A_CUSTOMER,
	A_VALID_UNTIL
};

/* A live token whose owner is still allowed in; whether its last use is worth recording again. */
static const char SQL_PRINCIPAL[] =
        "SELECT a.kind, a.id, a.email, a.display_name, a.role, a.must_change_password,"
        " a.two_factor, a.trusted_ips, a.permissions, t.id, array_to_string(t.permissions, ','),"
        " t.trusted_ips, t.rate_limit,"
        " t.last_used_at IS NULL OR t.last_used_at < to_timestamp($2::bigint) - interval '1 minute'"
        "   OR host(t.last_used_ip) IS DISTINCT FROM $3::text, coalesce(a.customer_id::text, ''),"
        /* neither expires: never (by itself) */
        " coalesce(floor(extract(epoch FROM least(t.expires_at, a.expires_at)))::bigint,"
        "   9223372036854775807)"
        "  FROM api_tokens t"
        "  CROSS JOIN LATERAL account_principal(coalesce(t.staff_id, t.individual_id,"
        "   t.customer_id)) a"
        " WHERE a.active AND a.login_enabled"
        "   AND t.secret_hash = sha256(convert_to($1::text, 'UTF8')) AND t.revoked_at IS NULL"
        "   AND (t.expires_at IS NULL OR t.expires_at > to_timestamp($2::bigint))"
        "   AND (a.active_from IS NULL OR a.active_from <= to_timestamp($2::bigint))"
        "   AND (a.expires_at IS NULL OR a.expires_at > to_timestamp($2::bigint))";

static void text_of(char *out, size_t len, PGresult *res, int col)
{
	snprintf(out, len, "%s", PQgetvalue(res, 0, col));
}

int api_token_repo_principal(struct principal *who, struct principal_grant *grant, bool *use_stale,
                             struct db_conn *conn, const char *secret, const char *ip, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, SQL_PRINCIPAL, 3,
	                 (const char *const[]){secret, db_time_param(ts, (long long)now), ip});

	memset(who, 0, sizeof(*who));
	*use_stale = false;
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		who->kind = account_kind_parse(PQgetvalue(res, 0, A_KIND));
		text_of(who->customer_id, sizeof(who->customer_id), res, A_CUSTOMER);
		text_of(who->id, sizeof(who->id), res, A_ID);
		text_of(who->email, sizeof(who->email), res, A_EMAIL);
		text_of(who->display_name, sizeof(who->display_name), res, A_NAME);
		text_of(who->role, sizeof(who->role), res, A_ROLE);
		who->must_change_password = strcmp(PQgetvalue(res, 0, A_MUST_CHANGE), "t") == 0;
		who->two_factor = strcmp(PQgetvalue(res, 0, A_TWO_FACTOR), "t") == 0;
		text_of(who->trusted_ips, sizeof(who->trusted_ips), res, A_IPS);
		text_of(who->permissions, sizeof(who->permissions), res, A_PERMISSIONS);
		text_of(who->token_id, sizeof(who->token_id), res, A_TOKEN);
		text_of(who->token_permissions, sizeof(who->token_permissions), res,
		        A_TOKEN_PERMISSIONS);
		who->token_direct = true;
		text_of(grant->token_ips, sizeof(grant->token_ips), res, A_TOKEN_IPS);
		grant->rate_limit = strtol(PQgetvalue(res, 0, A_RATE_LIMIT), NULL, 10);
		grant->valid_until = strtoll(PQgetvalue(res, 0, A_VALID_UNTIL), NULL, 10);
		*use_stale = strcmp(PQgetvalue(res, 0, A_STALE_USE), "t") == 0;
	}
	PQclear(res);
	return rc;
}

int api_token_repo_record_use(struct db_conn *conn, const char *id, const char *ip, time_t now)
{
	char ts[24];

	return db_exec(NULL, conn,
	               "UPDATE api_tokens SET last_used_at = to_timestamp($2::bigint),"
	               " last_used_ip = $3::inet WHERE id = $1::uuid",
	               3, (const char *const[]){id, db_time_param(ts, (long long)now), ip});
}

int api_token_repo_owned(char id_out[37], char trusted_ips_out[10001], struct db_conn *conn,
                         const char *secret, const char *owner_id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	id_out[0] = trusted_ips_out[0] = '\0';
	rc = db_exec(
	        &res, conn,
	        "SELECT id, trusted_ips FROM api_tokens"
	        " WHERE secret_hash = sha256(convert_to($1::text, 'UTF8')) AND revoked_at IS NULL"
	        "   AND (expires_at IS NULL OR expires_at > to_timestamp($3::bigint))"
	        "   AND coalesce(staff_id, individual_id, customer_id) = $2::uuid",
	        3, (const char *const[]){secret, owner_id, db_time_param(ts, (long long)now)});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
		snprintf(trusted_ips_out, 10001, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

int api_token_repo_revoke_customer_all(struct db_conn *conn, const char *customer_id, time_t now)
{
	char ts[24];

	return db_exec(NULL, conn,
	               "UPDATE api_tokens SET revoked_at = to_timestamp($2::bigint)"
	               " WHERE customer_id = $1::uuid AND revoked_at IS NULL",
	               2, (const char *const[]){customer_id, db_time_param(ts, (long long)now)});
}
