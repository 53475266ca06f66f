/* recovery_requests SQL. */
#include "db/recovery_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

static const char SQL_RECOVERY_RECENT[] = "SELECT count(*) FROM recovery_requests"
                                          " WHERE account_id = $1::uuid AND created_at > "
                                          "to_timestamp($2::bigint) - interval '1 hour'";

int recovery_repo_recent(long *count_out, struct db_conn *conn, const char *account_id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_RECOVERY_RECENT, 2, (const char *const[]){account_id, ts});
	*count_out = rc == APP_OK ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	PQclear(res);
	return rc;
}

static const char SQL_RECOVERY_KILL[] =
        "UPDATE recovery_requests SET killed_at = to_timestamp($2::bigint)"
        " WHERE account_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL";

static const char SQL_RECOVERY_CREATE[] =
        "INSERT INTO recovery_requests (account_kind, account_id, channel, method, secret_hmac,"
        " created_at, expires_at)"
        " VALUES ($1::text, $2::uuid, $3::text, $4::text, decode($5::text, 'hex'),"
        " to_timestamp($6::bigint), to_timestamp($6::bigint) + make_interval(secs => $7::bigint))";

int recovery_repo_create(struct db_conn *conn, const struct account *a, const char *channel,
                         const char *method, const char *hmac, time_t now, long ttl_s)
{
	char ts[24], ttl[24];
	int rc;

	db_time_param(ts, (long long)(now));
	db_time_param(ttl, (long long)(ttl_s));
	if ((rc = db_exec(NULL, conn, SQL_RECOVERY_KILL, 2, (const char *const[]){a->id, ts})) !=
	    APP_OK)
		return rc;
	return db_exec(NULL, conn, SQL_RECOVERY_CREATE, 7,
	               (const char *const[]){account_kind_name(a->kind), a->id, channel, method,
	                                     hmac, ts, ttl});
}

static const char SQL_RECOVERY_USE_CODE[] =
        "UPDATE recovery_requests SET used_at = to_timestamp($3::bigint)"
        " WHERE account_id = $1::uuid AND method = 'code' AND secret_hmac = decode($2::text, 'hex')"
        "   AND used_at IS NULL AND killed_at IS NULL AND failed_attempts < 5"
        "   AND expires_at > to_timestamp($3::bigint)"
        " RETURNING id";

int recovery_repo_use_code(struct db_conn *conn, const char *account_id, const char *hmac,
                           time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_RECOVERY_USE_CODE, 3,
	             (const char *const[]){account_id, hmac, ts});
	if (rc == APP_OK && PQntuples(res) == 0)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

/*
 * The account's live code request compares the code and counts a wrong one in one statement: the
 * row is locked while it does, so of parallel guesses at most five are ever compared.
 */
static const char SQL_RECOVERY_TRY_CODE[] =
        "UPDATE recovery_requests r SET failed_attempts = r.failed_attempts +"
        "   CASE WHEN r.secret_hmac = decode($2::text, 'hex') THEN 0 ELSE 1 END"
        " WHERE r.id = (SELECT id FROM recovery_requests WHERE account_id = $1::uuid"
        "     AND method = 'code' AND used_at IS NULL AND killed_at IS NULL"
        "     AND expires_at > to_timestamp($3::bigint) ORDER BY created_at DESC LIMIT 1)"
        "   AND r.used_at IS NULL AND r.killed_at IS NULL AND r.failed_attempts < 5"
        " RETURNING r.secret_hmac = decode($2::text, 'hex')";

int recovery_repo_try_code(bool *right_out, struct db_conn *conn, const char *account_id,
                           const char *hmac, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	*right_out = false;
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_RECOVERY_TRY_CODE, 3,
	             (const char *const[]){account_id, hmac, ts});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK)
		*right_out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

static const char SQL_RECOVERY_USE_LINK[] =
        "UPDATE recovery_requests SET used_at = to_timestamp($2::bigint)"
        " WHERE method = 'link' AND secret_hmac = decode($1::text, 'hex')"
        "   AND used_at IS NULL AND killed_at IS NULL AND failed_attempts < 5"
        "   AND expires_at > to_timestamp($2::bigint)"
        " RETURNING account_kind, account_id";

static const char SQL_RECOVERY_PEEK_LINK[] =
        "SELECT account_kind, account_id FROM recovery_requests"
        " WHERE method = 'link' AND secret_hmac = decode($1::text, 'hex')"
        "   AND used_at IS NULL AND killed_at IS NULL AND failed_attempts < 5"
        "   AND expires_at > to_timestamp($2::bigint)";

static int link_query(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                      const char *sql, const char *hmac, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, sql, 2, (const char *const[]){hmac, ts});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(kind_out, 16, "%s", PQgetvalue(res, 0, 0));
		snprintf(account_id_out, 37, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

int recovery_repo_peek_link(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                            const char *hmac, time_t now)
{
	return link_query(kind_out, account_id_out, conn, SQL_RECOVERY_PEEK_LINK, hmac, now);
}

int recovery_repo_use_link(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                           const char *hmac, time_t now)
{
	return link_query(kind_out, account_id_out, conn, SQL_RECOVERY_USE_LINK, hmac, now);
}

/* An attempt (a security answer) takes its count first; a right one gives it back. */
static const char SQL_RECOVERY_TAKE[] =
        "UPDATE recovery_requests SET failed_attempts = failed_attempts + 1"
        " WHERE account_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL"
        "   AND failed_attempts < 5 AND expires_at > to_timestamp($2::bigint)"
        " RETURNING id";

int recovery_repo_take_attempt(struct db_conn *conn, const char *account_id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_RECOVERY_TAKE, 2, (const char *const[]){account_id, ts});
	if (rc == APP_OK && PQntuples(res) == 0)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

static const char SQL_RECOVERY_GIVE_BACK[] =
        "UPDATE recovery_requests SET failed_attempts = greatest(failed_attempts - 1, 0)"
        " WHERE account_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL";

int recovery_repo_give_back(struct db_conn *conn, const char *account_id)
{
	return db_exec(NULL, conn, SQL_RECOVERY_GIVE_BACK, 1, (const char *const[]){account_id});
}

static const char SQL_RECOVERY_KILL_ALL[] =
        "UPDATE recovery_requests SET killed_at = to_timestamp($2::bigint)"
        " WHERE account_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL";

int recovery_repo_kill(struct db_conn *conn, const char *account_id, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_RECOVERY_KILL_ALL, 2, (const char *const[]){account_id, ts});
}

static const char SQL_JOB_INSERT[] =
        "INSERT INTO recovery_jobs (realm, login, channel, method, ip, user_agent, request_id,"
        " created_at) VALUES ($1::text, $2::text, $3::text, $4::text, $5::inet, left($6::text, "
        "512),"
        " left($7::text, 64), to_timestamp($8::bigint))";

int recovery_repo_job_insert(struct db_conn *conn, const struct recovery_job *j, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_JOB_INSERT, 8,
	               (const char *const[]){j->realm, j->login, j->channel, j->method,
	                                     j->ip[0] ? j->ip : NULL, j->user_agent, j->request_id,
	                                     ts});
}

enum { J_REALM, J_LOGIN, J_CHANNEL, J_METHOD, J_IP, J_UA, J_REQUEST };

/* Taken inside the caller's transaction: gone once it commits, back if it rolls back. */
static const char SQL_JOB_TAKE[] =
        "DELETE FROM recovery_jobs WHERE id = (SELECT id FROM recovery_jobs ORDER BY id"
        "   LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " RETURNING realm, login, channel, method, coalesce(host(ip), ''),"
        "   coalesce(user_agent, ''), coalesce(request_id, '')";

int recovery_repo_job_take(struct recovery_job *out, struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_JOB_TAKE, 0, NULL);

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->realm, sizeof(out->realm), "%s", PQgetvalue(res, 0, J_REALM));
		snprintf(out->login, sizeof(out->login), "%s", PQgetvalue(res, 0, J_LOGIN));
		snprintf(out->channel, sizeof(out->channel), "%s", PQgetvalue(res, 0, J_CHANNEL));
		snprintf(out->method, sizeof(out->method), "%s", PQgetvalue(res, 0, J_METHOD));
		snprintf(out->ip, sizeof(out->ip), "%s", PQgetvalue(res, 0, J_IP));
		snprintf(out->user_agent, sizeof(out->user_agent), "%s", PQgetvalue(res, 0, J_UA));
		snprintf(out->request_id, sizeof(out->request_id), "%s",
		         PQgetvalue(res, 0, J_REQUEST));
	}
	PQclear(res);
	return rc;
}
