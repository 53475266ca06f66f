/* Two-factor SQL. Every "once" is a single conditional UPDATE, so concurrency cannot break it. */
#include "db/twofactor_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

/* Only rows changed count: 1 is APP_OK, 0 is APP_NOT_FOUND (or conflict, as the caller says). */
static int exec_one(struct db_conn *conn, const char *sql, int n, const char *const *params,
                    int none)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, n, params);

	if (rc == APP_OK && strcmp(PQcmdTuples(res), "0") == 0)
		rc = none;
	PQclear(res);
	return rc;
}

static const char SQL_TOTP_PUT_PENDING[] =
        "INSERT INTO totp_credentials (account_id, account_kind, secret_sealed, created_at)"
        " VALUES ($1::uuid, $2::text, $3::text, to_timestamp($4::bigint))"
        " ON CONFLICT (account_id) DO UPDATE SET secret_sealed = excluded.secret_sealed,"
        "   created_at = excluded.created_at, last_step = 0"
        " WHERE totp_credentials.confirmed_at IS NULL";

int totp_repo_put_pending(struct db_conn *conn, const struct account *a, const char *sealed,
                          time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return exec_one(conn, SQL_TOTP_PUT_PENDING, 4,
	                (const char *const[]){a->id, account_kind_name(a->kind), sealed, ts},
	                APP_CONFLICT);
}

static const char SQL_TOTP_GET[] =
        "SELECT secret_sealed, confirmed_at IS NOT NULL, last_step FROM totp_credentials"
        " WHERE account_id = $1::uuid";

int totp_repo_get(struct totp_row *out, struct db_conn *conn, const char *account_id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_TOTP_GET, 1, (const char *const[]){account_id});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->sealed, sizeof(out->sealed), "%s", PQgetvalue(res, 0, 0));
		out->confirmed = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
		out->last_step = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	}
	PQclear(res);
	return rc;
}

static const char SQL_TOTP_USE_STEP[] =
        "UPDATE totp_credentials SET last_step = $2::bigint,"
        " confirmed_at = coalesce(confirmed_at, to_timestamp($4::bigint))"
        " WHERE account_id = $1::uuid AND last_step < $2::bigint"
        "   AND (confirmed_at IS NULL) = $3::boolean";

int totp_repo_use_step(struct db_conn *conn, const char *account_id, long long step, bool confirm,
                       time_t now)
{
	char s[24], ts[24];

	db_time_param(s, (long long)(step));
	db_time_param(ts, (long long)(now));
	return exec_one(conn, SQL_TOTP_USE_STEP, 4,
	                (const char *const[]){account_id, s, confirm ? "true" : "false", ts},
	                APP_NOT_FOUND);
}

int totp_repo_delete(struct db_conn *conn, const char *account_id)
{
	int rc = db_exec(NULL, conn, "DELETE FROM recovery_codes WHERE account_id = $1::uuid", 1,
	                 (const char *const[]){account_id});

	return rc == APP_OK ? db_exec(NULL, conn,
	                              "DELETE FROM totp_credentials WHERE account_id = $1::uuid", 1,
	                              (const char *const[]){account_id})
	                    : rc;
}

int recovery_codes_replace(struct db_conn *conn, const char *account_id, char hmacs[][65],
                           int count)
{
	int rc = db_exec(NULL, conn, "DELETE FROM recovery_codes WHERE account_id = $1::uuid", 1,
	                 (const char *const[]){account_id});

	for (int i = 0; i < count && rc == APP_OK; i++)
		rc = db_exec(NULL, conn,
		             "INSERT INTO recovery_codes (account_id, code_hmac)"
		             " VALUES ($1::uuid, decode($2::text, 'hex'))",
		             2, (const char *const[]){account_id, hmacs[i]});
	return rc;
}

static const char SQL_RECOVERY_CODE_USE[] =
        "UPDATE recovery_codes SET used_at = to_timestamp($3::bigint)"
        " WHERE account_id = $1::uuid AND code_hmac = decode($2::text, 'hex') AND used_at IS NULL";

int recovery_codes_use(struct db_conn *conn, const char *account_id, const char *hmac, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return exec_one(conn, SQL_RECOVERY_CODE_USE, 3, (const char *const[]){account_id, hmac, ts},
	                APP_NOT_FOUND);
}

static const char SQL_MFA_CREATE[] =
        "INSERT INTO mfa_challenges (token_hmac, account_kind, account_id, created_at, expires_at,"
        " purpose)"
        " VALUES (decode($1::text, 'hex'), $2::text, $3::uuid, to_timestamp($4::bigint),"
        " to_timestamp($4::bigint) + make_interval(secs => $5::bigint),"
        " CASE WHEN $6::boolean THEN 'enrol' ELSE 'verify' END)";

int mfa_repo_create(struct db_conn *conn, const char *token_hmac, const struct account *a,
                    bool enrol, time_t now, long ttl_s)
{
	char ts[24], ttl[24];

	db_time_param(ts, (long long)(now));
	db_time_param(ttl, (long long)(ttl_s));
	return db_exec(NULL, conn, SQL_MFA_CREATE, 6,
	               (const char *const[]){token_hmac, account_kind_name(a->kind), a->id, ts, ttl,
	                                     enrol ? "true" : "false"});
}

#define MFA_LIVE                                                                                   \
	" token_hmac = decode($1::text, 'hex') AND used_at IS NULL AND failures < 5"               \
	" AND expires_at > to_timestamp($2::bigint)"

static const char SQL_MFA_FIND[] =
        "SELECT account_kind, account_id, purpose = 'enrol' FROM mfa_challenges WHERE" MFA_LIVE;

int mfa_repo_find(enum principal_kind *kind_out, char account_id_out[37], bool *enrol_out,
                  struct db_conn *conn, const char *token_hmac, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_MFA_FIND, 2, (const char *const[]){token_hmac, ts});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		*kind_out = account_kind_parse(PQgetvalue(res, 0, 0));
		snprintf(account_id_out, 37, "%s", PQgetvalue(res, 0, 1));
		*enrol_out = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	}
	PQclear(res);
	return rc;
}

int mfa_repo_fail(struct db_conn *conn, const char *token_hmac)
{
	return db_exec(NULL, conn,
	               "UPDATE mfa_challenges SET failures = failures + 1"
	               " WHERE token_hmac = decode($1::text, 'hex')",
	               1, (const char *const[]){token_hmac});
}

static const char SQL_MFA_USE[] =
        "UPDATE mfa_challenges SET used_at = to_timestamp($2::bigint) WHERE" MFA_LIVE;

int mfa_repo_use(struct db_conn *conn, const char *token_hmac, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return exec_one(conn, SQL_MFA_USE, 2, (const char *const[]){token_hmac, ts}, APP_NOT_FOUND);
}

int twofactor_repo_enrolled(struct db_conn *conn, const char *account_id)
{
	return db_exec(NULL, conn,
	               "UPDATE customers SET must_enrol_two_factor = false WHERE id = $1::uuid", 1,
	               (const char *const[]){account_id});
}

int twofactor_repo_must_enrol(struct db_conn *conn, const char *customer_id)
{
	return db_exec(NULL, conn,
	               "UPDATE customers SET must_enrol_two_factor = true WHERE id = $1::uuid", 1,
	               (const char *const[]){customer_id});
}
