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

static const char SQL_RECOVERY_CODE_FAILED[] =
        "UPDATE recovery_requests SET failed_attempts = failed_attempts + 1"
        " WHERE account_id = $1::uuid AND method = 'code'"
        "   AND used_at IS NULL AND killed_at IS NULL AND failed_attempts < 5"
        "   AND expires_at > to_timestamp($2::bigint)";

int recovery_repo_use_code(struct db_conn *conn, const char *account_id, const char *hmac,
                           time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_RECOVERY_USE_CODE, 3,
	             (const char *const[]){account_id, hmac, ts});
	if (rc == APP_OK && PQntuples(res) == 0) {
		rc = db_exec(NULL, conn, SQL_RECOVERY_CODE_FAILED, 2,
		             (const char *const[]){account_id, ts});
		if (rc == APP_OK)
			rc = APP_NOT_FOUND;
	}
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

static const char SQL_RECOVERY_PEEK_CODE[] =
        "SELECT 1 FROM recovery_requests"
        " WHERE account_id = $1::uuid AND method = 'code' AND secret_hmac = decode($2::text, 'hex')"
        "   AND used_at IS NULL AND killed_at IS NULL AND failed_attempts < 5"
        "   AND expires_at > to_timestamp($3::bigint)";

static const char SQL_RECOVERY_FAILED[] =
        "UPDATE recovery_requests SET failed_attempts = failed_attempts + 1"
        " WHERE account_id = $1::uuid AND used_at IS NULL AND killed_at IS NULL"
        "   AND failed_attempts < 5 AND expires_at > to_timestamp($2::bigint)";

int recovery_repo_fail(struct db_conn *conn, const char *account_id, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_RECOVERY_FAILED, 2, (const char *const[]){account_id, ts});
}

int recovery_repo_peek_code(struct db_conn *conn, const char *account_id, const char *hmac,
                            time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_RECOVERY_PEEK_CODE, 3,
	             (const char *const[]){account_id, hmac, ts});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = recovery_repo_fail(conn, account_id, now) == APP_OK ? APP_NOT_FOUND
		                                                         : APP_UNAVAILABLE;
	PQclear(res);
	return rc;
}
