/*
 * individuals and individual_invitations SQL. Checked inputs come as one JSON object read through a
 * single jsonb parameter, so no caller key ever reaches SQL text.
 */
#include "db/individual_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

/* the system role every individual may hold, and the default one */
#define USER_ROLE "(SELECT u.id FROM portal_roles u WHERE u.system AND u.name = 'user')"

/* clang-format off */
/* $2: now, for the invitation still pending */
#define INDIVIDUAL_JSON \
	"json_build_object('id', i.id, 'customer_id', i.customer_id, 'email', i.email," \
	" 'phone', i.phone, 'first_name', i.first_name, 'last_name', i.last_name," \
	" 'status', i.status, 'role', json_build_object('id', r.id, 'name', r.name)," \
	" 'active_from', " DB_RFC3339("i.active_from") "," \
	" 'expires_at', " DB_RFC3339("i.expires_at") "," \
	" 'language', i.language, 'trusted_ips', i.trusted_ips," \
	" 'two_factor_policy', i.two_factor_policy," \
	" 'two_factor', EXISTS (SELECT 1 FROM totp_credentials t" \
	"   WHERE t.account_id = i.id AND t.confirmed_at IS NOT NULL)," \
	" 'invitation_expires_at', (SELECT " DB_RFC3339("max(v.expires_at)") \
	"   FROM individual_invitations v WHERE v.individual_id = i.id AND v.used_at IS NULL" \
	"   AND v.killed_at IS NULL AND v.expires_at > to_timestamp($2::bigint))," \
	" 'last_login_at', " DB_RFC3339("i.last_login_at") "," \
	" 'last_login_ip', host(i.last_login_ip)," \
	" 'created_at', " DB_RFC3339("i.created_at") ")"
/* clang-format on */

#define INDIVIDUAL_FROM                                                                            \
	" FROM individuals i LEFT JOIN portal_roles r ON r.id = coalesce(i.role_id, " USER_ROLE ")"

int individual_repo_list(json_t **out, struct db_conn *conn, const char *customer_id, time_t now)
{
	char ts[24];

	return db_exec_json(
	        out, conn,
	        "SELECT json_build_object("
	        " 'items', coalesce((SELECT json_agg(" INDIVIDUAL_JSON
	        " ORDER BY i.created_at, i.id)" INDIVIDUAL_FROM
	        " WHERE i.customer_id = c.id AND i.status <> 'deleted'), '[]'::json),"
	        " 'allowed_roles', (SELECT json_agg(json_build_object('id', ar.id, 'name', ar.name,"
	        "   'permissions', to_json(ar.permissions)) ORDER BY ar.system DESC, "
	        "lower(ar.name))"
	        "   FROM portal_roles ar WHERE (ar.system AND ar.name = 'user')"
	        "   OR ar.id = ANY (c.allowed_role_ids)))"
	        " FROM customers c WHERE c.id = $1::uuid AND c.status <> 'deleted'",
	        2, (const char *const[]){customer_id, db_time_param(ts, (long long)now)});
}

int individual_repo_get(json_t **out, struct db_conn *conn, const char *customer_id, const char *id,
                        time_t now)
{
	char ts[24];

	return db_exec_json(
	        out, conn,
	        "SELECT " INDIVIDUAL_JSON INDIVIDUAL_FROM
	        " WHERE i.id = $3::uuid AND i.customer_id = $1::uuid"
	        "   AND i.status <> 'deleted'",
	        3, (const char *const[]){customer_id, db_time_param(ts, (long long)now), id});
}

int individual_repo_owner(struct people_owner *out, struct db_conn *conn, const char *customer_id,
                          const char *role_id)
{
	PGresult *res = NULL;
	int rc = db_exec(
	        &res, conn,
	        "SELECT coalesce(nullif(c.company, ''),"
	        " nullif(trim(c.first_name || ' ' || c.last_name), ''), c.email), c.language,"
	        " $2::uuid IS NULL OR $2::uuid = ANY (c.allowed_role_ids) OR $2::uuid = " USER_ROLE
	        " FROM customers c WHERE c.id = $1::uuid AND c.status <> 'deleted' FOR NO KEY "
	        "UPDATE",
	        2, (const char *const[]){customer_id, role_id});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->organization, sizeof(out->organization), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, 1));
		out->role_ok = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	}
	PQclear(res);
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

int individual_repo_insert(char id_out[37], struct db_conn *conn, const char *customer_id,
                           const char *fields, const char *password_hash, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, SQL_INSERT, 4,
	                 (const char *const[]){customer_id, fields, password_hash,
	                                       db_time_param(ts, (long long)now)});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
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

int individual_repo_update(struct db_conn *conn, const char *customer_id, const char *id,
                           const char *fields, time_t now)
{
	char ts[24];

	return db_exec(
	        NULL, conn, SQL_UPDATE, 4,
	        (const char *const[]){id, customer_id, fields, db_time_param(ts, (long long)now)});
}

int individual_repo_lock(char status[16], struct db_conn *conn, const char *customer_id,
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

int individual_repo_delete(struct db_conn *conn, const char *id, time_t now)
{
	char ts[24];
	int rc = db_exec(NULL, conn,
	                 "UPDATE individuals SET status = 'deleted',"
	                 " updated_at = to_timestamp($2::bigint) WHERE id = $1::uuid",
	                 2, (const char *const[]){id, db_time_param(ts, (long long)now)});

	return rc == APP_OK ? individual_repo_kill_invitations(conn, id, now) : rc;
}

int individual_repo_invitee(struct invitee *out, struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT email, first_name, language FROM individuals WHERE id = $1::uuid",
	                 1, (const char *const[]){id});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->id, sizeof(out->id), "%s", id);
		snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return rc;
}

int individual_repo_kill_invitations(struct db_conn *conn, const char *id, time_t now)
{
	char ts[24];

	return db_exec(NULL, conn,
	               "UPDATE individual_invitations SET killed_at = to_timestamp($2::bigint)"
	               " WHERE individual_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL",
	               2, (const char *const[]){id, db_time_param(ts, (long long)now)});
}

int individual_repo_invitation_create(struct db_conn *conn, const char *token, const char *id,
                                      time_t now, long ttl_s)
{
	char ts[24], ttl[24];

	return db_exec(NULL, conn,
	               "INSERT INTO individual_invitations (token_hash, individual_id, created_at,"
	               " expires_at) VALUES (sha256(convert_to($1::text, 'UTF8')), $2::uuid,"
	               " to_timestamp($3::bigint), to_timestamp($3::bigint)"
	               " + make_interval(secs => $4::bigint))",
	               4,
	               (const char *const[]){token, id, db_time_param(ts, (long long)now),
	                                     db_time_param(ttl, (long long)ttl_s)});
}

int individual_repo_invitation_peek(struct invitee *out, struct db_conn *conn, const char *token,
                                    time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(
	        &res, conn,
	        "SELECT i.id, i.email, trim(i.first_name || ' ' || i.last_name), i.language"
	        " FROM individual_invitations v JOIN individuals i ON i.id = v.individual_id"
	        " JOIN customers c ON c.id = i.customer_id"
	        " WHERE v.token_hash = sha256(convert_to($1::text, 'UTF8'))"
	        "   AND v.used_at IS NULL AND v.killed_at IS NULL"
	        "   AND v.expires_at > to_timestamp($2::bigint)"
	        "   AND i.status = 'invited' AND c.status <> 'deleted'",
	        2, (const char *const[]){token, db_time_param(ts, (long long)now)});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return rc;
}

int individual_repo_invitation_use(char id_out[37], struct db_conn *conn, const char *token,
                                   time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(
	        &res, conn,
	        "UPDATE individual_invitations SET used_at = to_timestamp($2::bigint)"
	        " WHERE token_hash = sha256(convert_to($1::text, 'UTF8')) AND used_at IS NULL"
	        "   AND killed_at IS NULL AND expires_at > to_timestamp($2::bigint)"
	        " RETURNING individual_id",
	        2, (const char *const[]){token, db_time_param(ts, (long long)now)});

	id_out[0] = '\0';
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int individual_repo_activate(struct db_conn *conn, const char *id)
{
	return db_exec(NULL, conn,
	               "UPDATE individuals SET status = 'active' WHERE id = $1::uuid"
	               " AND status = 'invited'",
	               1, (const char *const[]){id});
}
