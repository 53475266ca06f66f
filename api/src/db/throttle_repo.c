/* Brute-force counters. Every change is one statement, so concurrent failures all count. */
#include "db/throttle_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

static const char SQL_IP_FAILURES[] =
        "SELECT coalesce(sum(failures), 0) FROM login_failures_by_ip"
        /* this minute and the one before: a burst across a minute boundary still counts whole */
        " WHERE ip = $1::inet"
        "   AND minute >= date_trunc('minute', to_timestamp($2::bigint)) - interval '1 minute'";

int throttle_repo_ip_failures(long *count_out, struct db_conn *conn, const char *ip, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	*count_out = 0;
	if (!ip || !*ip)
		return APP_OK;
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_IP_FAILURES, 2, (const char *const[]){ip, ts});
	if (rc == APP_OK)
		*count_out = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}

static const char SQL_IP_FAIL[] =
        "INSERT INTO login_failures_by_ip (ip, minute, failures)"
        " VALUES ($1::inet, date_trunc('minute', to_timestamp($2::bigint)), 1)"
        " ON CONFLICT (ip, minute) DO UPDATE SET failures = login_failures_by_ip.failures + 1";

int throttle_repo_ip_fail(struct db_conn *conn, const char *ip, time_t now)
{
	char ts[24];

	if (!ip || !*ip)
		return APP_OK;
	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_IP_FAIL, 2, (const char *const[]){ip, ts});
}

enum { S_LOCKED, S_LEFT, S_HOUR };

static const char SQL_THROTTLE_GET[] =
        "SELECT coalesce(locked_until > to_timestamp($2::bigint), false),"
        " greatest(0, ceil(extract(epoch FROM locked_until - to_timestamp($2::bigint))))::bigint,"
        " CASE WHEN hour_start > to_timestamp($2::bigint) - interval '1 hour' THEN hour_failures "
        "ELSE 0 END"
        " FROM login_throttle WHERE subject = $1::text";

int throttle_repo_get(struct throttle_state *out, struct db_conn *conn, const char *subject,
                      time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	memset(out, 0, sizeof(*out));
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_THROTTLE_GET, 2, (const char *const[]){subject, ts});
	if (rc == APP_OK && PQntuples(res) == 1) {
		out->locked = strcmp(PQgetvalue(res, 0, S_LOCKED), "t") == 0;
		out->locked_for_s = PQgetisnull(res, 0, S_LEFT)
		                            ? 0
		                            : strtol(PQgetvalue(res, 0, S_LEFT), NULL, 10);
		out->hour_failures = strtol(PQgetvalue(res, 0, S_HOUR), NULL, 10);
	}
	PQclear(res);
	return rc;
}

/* t is the row before the update; "fifth" is whether this failure is the fifth in a row. */
static const char SQL_THROTTLE_FAIL[] =
        "INSERT INTO login_throttle AS t (subject, consecutive_failures, hour_start, hour_failures)"
        " VALUES ($1::text, 1, to_timestamp($2::bigint), 1)"
        " ON CONFLICT (subject) DO UPDATE SET"
        "  consecutive_failures = CASE WHEN t.consecutive_failures + 1 >= $3::integer THEN 0"
        "                         ELSE t.consecutive_failures + 1 END,"
        "  locks = CASE WHEN t.consecutive_failures + 1 >= $3::integer THEN t.locks + 1"
        "          ELSE t.locks END,"
        "  locked_until = CASE WHEN t.consecutive_failures + 1 >= $3::integer"
        "                 THEN to_timestamp($2::bigint) + make_interval(secs =>"
        "                   least($4::bigint * power(2, least(t.locks, 16)), $5::bigint))"
        "                 ELSE t.locked_until END,"
        "  hour_failures = CASE WHEN t.hour_start > to_timestamp($2::bigint) - interval '1 hour'"
        "                  THEN t.hour_failures + 1 ELSE 1 END,"
        "  hour_start = CASE WHEN t.hour_start > to_timestamp($2::bigint) - interval '1 hour'"
        "               THEN t.hour_start ELSE to_timestamp($2::bigint) END"
        /* only the fifth failure leaves the count at 0 with a lock ahead: failures during a lock
           are never counted */
        " RETURNING consecutive_failures = 0 AND coalesce(locked_until > to_timestamp($2::bigint), "
        "false),"
        "   extract(epoch FROM locked_until - to_timestamp($2::bigint))::bigint";

int throttle_repo_fail(bool *locked_now_out, long *lock_s_out, struct db_conn *conn,
                       const char *subject, const struct lockout_policy *policy, time_t now)
{
	PGresult *res = NULL;
	char ts[24], threshold[24], base[24], max[24];
	int rc;

	*locked_now_out = false;
	*lock_s_out = 0;
	db_time_param(ts, (long long)(now));
	db_time_param(threshold, (long long)policy->threshold);
	db_time_param(base, (long long)policy->base_s);
	db_time_param(max, (long long)policy->max_s);
	rc = db_exec(&res, conn, SQL_THROTTLE_FAIL, 5,
	             (const char *const[]){subject, ts, threshold, base, max});
	if (rc == APP_OK && PQntuples(res) == 1) {
		*locked_now_out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		if (*locked_now_out)
			*lock_s_out = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return rc;
}

static const char SQL_THROTTLE_RESET[] =
        "UPDATE login_throttle SET consecutive_failures = 0, locks = 0, locked_until = NULL"
        " WHERE subject = $1::text";

int throttle_repo_reset(struct db_conn *conn, const char *subject)
{
	return db_exec(NULL, conn, SQL_THROTTLE_RESET, 1, (const char *const[]){subject});
}

static const char SQL_THROTTLE_PRUNE[] = "DELETE FROM login_failures_by_ip WHERE minute < "
                                         "to_timestamp($1::bigint) - interval '1 hour'";

int throttle_repo_prune(struct db_conn *conn, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_THROTTLE_PRUNE, 1, (const char *const[]){ts});
}
