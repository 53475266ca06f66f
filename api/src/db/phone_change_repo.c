/* phone_changes SQL. */
#include "db/phone_change_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

int phone_change_repo_put(struct db_conn *conn, const char *account_id, const char *kind,
                          const char *phone, const char *code_hmac, time_t now, long ttl_s)
{
	char ts[24], ttl[24];

	return db_exec(
	        NULL, conn,
	        "INSERT INTO phone_changes (account_id, account_kind, phone, code_hmac, created_at,"
	        " expires_at) VALUES ($1::uuid, $2::text, $3::text, decode($4::text, 'hex'),"
	        " to_timestamp($5::bigint),"
	        " to_timestamp($5::bigint) + make_interval(secs => $6::bigint))"
	        " ON CONFLICT (account_id) DO UPDATE SET phone = excluded.phone,"
	        " code_hmac = excluded.code_hmac, created_at = excluded.created_at,"
	        " expires_at = excluded.expires_at, failed_attempts = 0",
	        6,
	        (const char *const[]){account_id, kind, phone, code_hmac,
	                              db_time_param(ts, (long long)now),
	                              db_time_param(ttl, (long long)ttl_s)});
}

int phone_change_repo_try(bool *right_out, char phone_out[32], struct db_conn *conn,
                          const char *account_id, const char *code_hmac, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(
	        &res, conn,
	        "UPDATE phone_changes SET failed_attempts = failed_attempts +"
	        "   CASE WHEN code_hmac = decode($2::text, 'hex') THEN 0 ELSE 1 END"
	        " WHERE account_id = $1::uuid AND expires_at > to_timestamp($3::bigint)"
	        "   AND failed_attempts < 5"
	        " RETURNING code_hmac = decode($2::text, 'hex'), phone",
	        3, (const char *const[]){account_id, code_hmac, db_time_param(ts, (long long)now)});

	*right_out = false;
	phone_out[0] = '\0';
	if (rc == APP_OK && PQntuples(res) == 1) {
		*right_out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		snprintf(phone_out, 32, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}

int phone_change_repo_delete(struct db_conn *conn, const char *account_id)
{
	return db_exec(NULL, conn, "DELETE FROM phone_changes WHERE account_id = $1::uuid", 1,
	               (const char *const[]){account_id});
}
