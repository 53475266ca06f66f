/* sessions and refresh_tokens SQL. */
#include "db/session_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/account_repo.h"
#include "db/db.h"

static const char SQL_SESSION_CREATE[] =
        "INSERT INTO sessions (realm, staff_id, customer_id, individual_id, created_at,"
        " last_used_at, expires_at, idle_timeout, ip, user_agent, impersonator_id,"
        " impersonation_reason, api_token_id, impersonation_role_id)"
        " VALUES (CASE WHEN $1::text = 'staff' THEN 'staff' ELSE 'portal' END,"
        " CASE WHEN $1::text = 'staff' THEN $2::uuid END,"
        " CASE WHEN $1::text = 'customer' THEN $2::uuid ELSE $11::uuid END,"
        " CASE WHEN $1::text = 'individual' THEN $2::uuid END,"
        " to_timestamp($3::bigint), to_timestamp($3::bigint),"
        " to_timestamp($3::bigint) + make_interval(secs => $4::bigint),"
        " make_interval(secs => $5::bigint), $6::inet, left($7::text, 512), $8::uuid, $9::text,"
        " $10::uuid, $12::uuid)"
        " RETURNING id";

int session_repo_create(char id_out[37], struct db_conn *conn, const struct session_new *s)
{
	char now[24], max[24], idle[24];
	PGresult *res = NULL;
	int rc;

	db_time_param(now, (long long)(s->now));
	db_time_param(max, (long long)(s->max_s));
	db_time_param(idle, (long long)(s->idle_s));
	const char *params[] = {account_kind_name(s->kind),
	                        s->owner_id,
	                        now,
	                        max,
	                        idle,
	                        s->ip && *s->ip ? s->ip : NULL,
	                        s->user_agent,
	                        s->impersonator_id,
	                        s->impersonation_reason,
	                        s->api_token_id,
	                        s->customer_id && *s->customer_id ? s->customer_id : NULL,
	                        s->impersonation_role_id};
	rc = db_exec(&res, conn, SQL_SESSION_CREATE, 12, params);
	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static const char SQL_REFRESH_INSERT[] =
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at)"
        " VALUES (sha256(convert_to($1::text, 'UTF8')), $2::uuid, to_timestamp($3::bigint))";

int refresh_repo_insert(struct db_conn *conn, const char *token, const char *session_id, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_REFRESH_INSERT, 3,
	               (const char *const[]){token, session_id, ts});
}

static const char SQL_REFRESH_CONSUME[] =
        "UPDATE refresh_tokens SET used_at = to_timestamp($2::bigint)"
        " WHERE token_hash = sha256(convert_to($1::text, 'UTF8')) AND used_at IS NULL"
        " RETURNING session_id";

static const char SQL_REFRESH_FIND[] = "SELECT session_id FROM refresh_tokens WHERE token_hash = "
                                       "sha256(convert_to($1::text, 'UTF8'))";

int refresh_repo_consume(enum refresh_state *state_out, char session_id_out[37],
                         struct db_conn *conn, const char *token, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	*state_out = REFRESH_UNKNOWN;
	session_id_out[0] = '\0';
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_REFRESH_CONSUME, 2, (const char *const[]){token, ts});
	if (rc == APP_OK && PQntuples(res) == 1) {
		*state_out = REFRESH_FRESH;
		snprintf(session_id_out, 37, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	res = NULL;
	if (rc != APP_OK || *state_out == REFRESH_FRESH)
		return rc;
	rc = db_exec(&res, conn, SQL_REFRESH_FIND, 1, (const char *const[]){token});
	if (rc == APP_OK && PQntuples(res) == 1) {
		*state_out = REFRESH_REUSED;
		snprintf(session_id_out, 37, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return rc;
}

enum {
	P_KIND,
	P_ID,
	P_EMAIL,
	P_NAME,
	P_ROLE,
	P_MUST_CHANGE,
	P_TWO_FACTOR,
	P_IPS,
	P_PERMISSIONS,
	P_IMPERSONATOR,
	P_IMPERSONATOR_NAME,
	P_TOKEN,
	P_TOKEN_PERMISSIONS,
	P_CUSTOMER,
	P_SIGNED_IN,
	P_VALID_UNTIL
};

/*
 * The account must still be allowed in: a suspended customer's tokens stop on the next request.
 * Staff may look at a customer whose own sign-in is off; the staff member must be active. A session
 * opened with an API token ends with the token.
 */
static const char SQL_SESSION_PRINCIPAL[] =
        "SELECT a.kind, a.id, a.email, a.display_name, a.role, a.must_change_password,"
        " a.two_factor, a.trusted_ips,"
        /* "log in as" with the default role: that role's permissions instead of the account's */
        " coalesce((SELECT array_to_string(ir.permissions, ',') FROM portal_roles ir"
        "   WHERE ir.id = s.impersonation_role_id), a.permissions),"
        " coalesce(s.impersonator_id::text, ''),"
        " coalesce(nullif(imp.display_name, ''), imp.email, ''), coalesce(s.api_token_id::text, "
        "''),"
        " coalesce(array_to_string(tk.permissions, ','), ''), coalesce(a.customer_id::text, ''),"
        /* a session opened with an API token, or by staff acting as the account, proved nothing */
        " CASE WHEN s.api_token_id IS NULL AND s.impersonator_id IS NULL"
        "   THEN extract(epoch FROM s.created_at)::bigint ELSE 0 END,"
        /* the first moment it stops being usable by itself: expiry, idleness, account, token */
        " floor(extract(epoch FROM least(s.expires_at, s.last_used_at + s.idle_timeout,"
        "   a.expires_at, tk.expires_at)))::bigint"
        "  FROM sessions s"
        "  CROSS JOIN LATERAL account_principal(coalesce(s.staff_id, s.individual_id,"
        "   s.customer_id)) a"
        "  LEFT JOIN staff imp ON imp.id = s.impersonator_id"
        "  LEFT JOIN api_tokens tk ON tk.id = s.api_token_id"
        " WHERE s.id = $1::uuid"
        "   AND ($2::uuid IS NULL OR coalesce(s.staff_id, s.individual_id, s.customer_id) = "
        "$2::uuid)"
        "   AND ($4::text IS NULL OR s.realm = $4::text)"
        "   AND s.revoked_at IS NULL"
        "   AND s.expires_at > to_timestamp($3::bigint)"
        "   AND s.last_used_at + s.idle_timeout > to_timestamp($3::bigint)"
        "   AND a.active AND (a.login_enabled OR s.impersonator_id IS NOT NULL)"
        "   AND (s.impersonator_id IS NULL OR imp.status = 'active')"
        "   AND (a.active_from IS NULL OR a.active_from <= to_timestamp($3::bigint))"
        "   AND (a.expires_at IS NULL OR a.expires_at > to_timestamp($3::bigint))"
        "   AND (s.api_token_id IS NULL OR (tk.revoked_at IS NULL"
        "     AND (tk.expires_at IS NULL OR tk.expires_at > to_timestamp($3::bigint))))";

int session_repo_principal(struct principal *who, long long *valid_until, struct db_conn *conn,
                           const char *session_id, const char *owner_id, const char *realm,
                           time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	memset(who, 0, sizeof(*who));
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_SESSION_PRINCIPAL, 4,
	             (const char *const[]){session_id, owner_id, ts, realm});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		who->kind = account_kind_parse(PQgetvalue(res, 0, P_KIND));
		snprintf(who->customer_id, sizeof(who->customer_id), "%s",
		         PQgetvalue(res, 0, P_CUSTOMER));
		snprintf(who->id, sizeof(who->id), "%s", PQgetvalue(res, 0, P_ID));
		snprintf(who->session_id, sizeof(who->session_id), "%s", session_id);
		snprintf(who->email, sizeof(who->email), "%s", PQgetvalue(res, 0, P_EMAIL));
		snprintf(who->display_name, sizeof(who->display_name), "%s",
		         PQgetvalue(res, 0, P_NAME));
		snprintf(who->role, sizeof(who->role), "%s", PQgetvalue(res, 0, P_ROLE));
		who->must_change_password = strcmp(PQgetvalue(res, 0, P_MUST_CHANGE), "t") == 0;
		who->two_factor = strcmp(PQgetvalue(res, 0, P_TWO_FACTOR), "t") == 0;
		snprintf(who->trusted_ips, sizeof(who->trusted_ips), "%s",
		         PQgetvalue(res, 0, P_IPS));
		snprintf(who->permissions, sizeof(who->permissions), "%s",
		         PQgetvalue(res, 0, P_PERMISSIONS));
		snprintf(who->impersonator_id, sizeof(who->impersonator_id), "%s",
		         PQgetvalue(res, 0, P_IMPERSONATOR));
		snprintf(who->impersonator_name, sizeof(who->impersonator_name), "%s",
		         PQgetvalue(res, 0, P_IMPERSONATOR_NAME));
		snprintf(who->token_id, sizeof(who->token_id), "%s", PQgetvalue(res, 0, P_TOKEN));
		snprintf(who->token_permissions, sizeof(who->token_permissions), "%s",
		         PQgetvalue(res, 0, P_TOKEN_PERMISSIONS));
		who->signed_in_at = strtoll(PQgetvalue(res, 0, P_SIGNED_IN), NULL, 10);
		if (valid_until)
			*valid_until = strtoll(PQgetvalue(res, 0, P_VALID_UNTIL), NULL, 10);
	}
	PQclear(res);
	return rc;
}

static const char SQL_SESSION_TOUCH[] =
        "UPDATE sessions SET last_used_at = to_timestamp($2::bigint) WHERE id = $1::uuid";

int session_repo_touch(struct db_conn *conn, const char *session_id, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_SESSION_TOUCH, 2, (const char *const[]){session_id, ts});
}

static const char SQL_SESSION_REVOKE[] =
        "UPDATE sessions SET revoked_at = to_timestamp($3::bigint), revoked_reason = $2::text"
        " WHERE id = $1::uuid AND revoked_at IS NULL";

int session_repo_revoke(struct db_conn *conn, const char *session_id, const char *reason,
                        time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_SESSION_REVOKE, 3,
	               (const char *const[]){session_id, reason, ts});
}

static const char SQL_SESSION_REVOKE_OTHERS[] =
        "UPDATE sessions SET revoked_at = to_timestamp($4::bigint), revoked_reason = $3::text"
        " WHERE coalesce(staff_id, individual_id, customer_id) = $1::uuid AND revoked_at IS NULL"
        "   AND ($2::uuid IS NULL OR id <> $2::uuid)";

int session_repo_revoke_others(struct db_conn *conn, const char *owner_id,
                               const char *keep_session_id, const char *reason, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_SESSION_REVOKE_OTHERS, 4,
	               (const char *const[]){owner_id, keep_session_id, reason, ts});
}

static const char SQL_SESSION_REVOKE_CUSTOMER[] =
        "UPDATE sessions SET revoked_at = to_timestamp($3::bigint), revoked_reason = $2::text"
        " WHERE customer_id = $1::uuid AND revoked_at IS NULL";

int session_repo_revoke_customer(struct db_conn *conn, const char *customer_id, const char *reason,
                                 time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_SESSION_REVOKE_CUSTOMER, 3,
	               (const char *const[]){customer_id, reason, ts});
}

static const char SQL_SESSION_REVOKE_OWN[] =
        "UPDATE sessions SET revoked_at = to_timestamp($4::bigint), revoked_reason = $3::text"
        " WHERE id = $1::uuid AND coalesce(staff_id, individual_id, customer_id) = $2::uuid AND "
        "revoked_at IS NULL"
        "   AND expires_at > to_timestamp($4::bigint)";

int session_repo_revoke_own(struct db_conn *conn, const char *session_id, const char *owner_id,
                            const char *reason, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_SESSION_REVOKE_OWN, 4,
	             (const char *const[]){session_id, owner_id, reason, ts});
	if (rc == APP_OK && strcmp(PQcmdTuples(res), "1") != 0)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

static const char SQL_SESSION_LIST[] =
        "SELECT coalesce(json_agg(json_build_object("
        "  'id', id,"
        "  'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "  'last_used_at', to_char(last_used_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "  'ip', host(ip), 'user_agent', user_agent, 'current', coalesce(id = $2::uuid, false))"
        "  ORDER BY last_used_at DESC, id), '[]'::json)"
        " FROM sessions"
        " WHERE coalesce(staff_id, individual_id, customer_id) = $1::uuid AND revoked_at IS NULL"
        "   AND expires_at > to_timestamp($3::bigint)"
        "   AND last_used_at + idle_timeout > to_timestamp($3::bigint)";

int session_repo_list(json_t **out, struct db_conn *conn, const char *owner_id,
                      const char *current_id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	*out = NULL;
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_SESSION_LIST, 3,
	             (const char *const[]){owner_id, current_id, ts});
	if (rc == APP_OK && !(*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL)))
		rc = APP_INTERNAL;
	PQclear(res);
	return rc;
}

/* The status of an individual counts only while its customer is active. */
static const char SQL_IMPERSONATION_TARGET[] =
        "SELECT CASE WHEN $3::uuid IS NULL OR c.status <> 'active' THEN c.status ELSE i.status END,"
        " (SELECT coalesce(nullif(display_name, ''), email) FROM staff WHERE id = $2::uuid),"
        " coalesce(CASE WHEN $3::uuid IS NULL THEN (SELECT d.id FROM portal_roles d"
        "     WHERE lower(d.name) = lower((SELECT value #>> '{}' FROM settings"
        "       WHERE key = 'roles.default')))"
        "   ELSE (SELECT u.id FROM portal_roles u WHERE u.system AND u.name = 'user') END::text, "
        "''),"
        " i.id IS NOT NULL OR $3::uuid IS NULL"
        " FROM customers c LEFT JOIN individuals i ON i.id = $3::uuid AND i.customer_id = c.id"
        "   AND i.status <> 'deleted'"
        " WHERE c.id = $1::uuid FOR UPDATE OF c";

int session_repo_impersonation_target(struct impersonation_target *out, struct db_conn *conn,
                                      const char *customer_id, const char *individual_id,
                                      const char *staff_id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_IMPERSONATION_TARGET, 3,
	                 (const char *const[]){customer_id, staff_id, individual_id});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 3), "t") != 0))
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->staff_name, sizeof(out->staff_name), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->default_role_id, sizeof(out->default_role_id), "%s",
		         PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}

int session_repo_handoff_create(struct db_conn *conn, const char *code_hmac, const char *session_id,
                                time_t now, long ttl_s)
{
	char ts[24], ttl[24];

	return db_exec(NULL, conn,
	               "INSERT INTO impersonation_handoffs (code_hmac, session_id, expires_at)"
	               " VALUES (decode($1::text, 'hex'), $2::uuid,"
	               " to_timestamp($3::bigint) + make_interval(secs => $4::bigint))",
	               4,
	               (const char *const[]){code_hmac, session_id,
	                                     db_time_param(ts, (long long)now),
	                                     db_time_param(ttl, (long long)ttl_s)});
}

int session_repo_handoff_use(char session_id_out[37], struct db_conn *conn, const char *code_hmac,
                             time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn,
	                 "UPDATE impersonation_handoffs SET used_at = to_timestamp($2::bigint)"
	                 " WHERE code_hmac = decode($1::text, 'hex') AND used_at IS NULL"
	                 "   AND expires_at > to_timestamp($2::bigint) RETURNING session_id",
	                 2, (const char *const[]){code_hmac, db_time_param(ts, (long long)now)});

	session_id_out[0] = '\0';
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK)
		snprintf(session_id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}
