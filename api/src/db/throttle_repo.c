/*
 * Brute-force counters. Every slot is taken by one statement that checks the limit on the locked
 * row and counts in the same step, so parallel checks are decided one after the other.
 */
#include "db/throttle_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

/* The minute before counts too: a burst across a minute boundary still counts whole. */
static const char SQL_IP_TAKE[] =
        "WITH prev AS (SELECT coalesce(sum(failures), 0) AS n FROM login_failures_by_ip"
        "   WHERE ip = $1::inet"
        "     AND minute = date_trunc('minute', to_timestamp($2::bigint)) - interval '1 minute')"
        " INSERT INTO login_failures_by_ip AS f (ip, minute, failures)"
        " SELECT $1::inet, date_trunc('minute', to_timestamp($2::bigint)), 1 FROM prev"
        "   WHERE prev.n < $3::bigint"
        " ON CONFLICT (ip, minute) DO UPDATE SET failures = f.failures + 1"
        "   WHERE f.failures + (SELECT n FROM prev) < $3::bigint"
        " RETURNING failures";

int throttle_repo_ip_take(struct db_conn *conn, const char *ip, time_t now, long limit)
{
	PGresult *res = NULL;
	char ts[24], max[24];
	int rc;

	if (!ip || !*ip)
		return APP_OK;
	db_time_param(ts, (long long)now);
	db_time_param(max, (long long)limit);
	rc = db_exec(&res, conn, SQL_IP_TAKE, 3, (const char *const[]){ip, ts, max});
	if (rc == APP_OK && PQntuples(res) == 0)
		rc = APP_RATE_LIMITED;
	PQclear(res);
	return rc;
}

static const char SQL_IP_GIVE_BACK[] =
        "UPDATE login_failures_by_ip SET failures = failures - 1"
        " WHERE ip = $1::inet AND minute = date_trunc('minute', to_timestamp($2::bigint))"
        "   AND failures > 0";

int throttle_repo_ip_give_back(struct db_conn *conn, const char *ip, time_t taken_at)
{
	char ts[24];

	if (!ip || !*ip)
		return APP_OK;
	db_time_param(ts, (long long)taken_at);
	return db_exec(NULL, conn, SQL_IP_GIVE_BACK, 2, (const char *const[]){ip, ts});
}

/* $2 now, $3 threshold, $4 hourly cap. A lock that ended leaves consecutive_failures at 0. */
#define HOUR_IS_CURRENT "t.hour_start > to_timestamp($2::bigint) - interval '1 hour'"

static const char SQL_THROTTLE_TAKE[] =
        "INSERT INTO login_throttle AS t (subject, consecutive_failures, hour_start, hour_failures)"
        " VALUES ($1::text, 1, to_timestamp($2::bigint), 1)"
        " ON CONFLICT (subject) DO UPDATE SET"
        "  consecutive_failures = t.consecutive_failures + 1,"
        "  hour_failures = CASE WHEN " HOUR_IS_CURRENT " THEN t.hour_failures + 1 ELSE 1 END,"
        "  hour_start = CASE WHEN " HOUR_IS_CURRENT " THEN t.hour_start"
        "               ELSE to_timestamp($2::bigint) END"
        " WHERE coalesce(t.locked_until <= to_timestamp($2::bigint), true)"
        "   AND t.consecutive_failures < $3::integer"
        "   AND NOT (" HOUR_IS_CURRENT " AND t.hour_failures >= $4::integer)"
        " RETURNING consecutive_failures";

static const char SQL_THROTTLE_WHY[] =
        "SELECT " HOUR_IS_CURRENT " AND t.hour_failures >= $3::integer"
        " FROM login_throttle t WHERE subject = $1::text";

int throttle_repo_take(enum throttle_block *block_out, struct db_conn *conn, const char *subject,
                       const struct lockout_policy *policy, time_t now)
{
	PGresult *res = NULL;
	char ts[24], threshold[24], cap[24];
	int rc;

	*block_out = THROTTLE_OPEN;
	db_time_param(ts, (long long)now);
	db_time_param(threshold, (long long)policy->threshold);
	db_time_param(cap, (long long)policy->hourly_cap);
	rc = db_exec(&res, conn, SQL_THROTTLE_TAKE, 4,
	             (const char *const[]){subject, ts, threshold, cap});
	if (rc != APP_OK || PQntuples(res) == 1)
		goto done;
	PQclear(res);
	res = NULL;
	*block_out = THROTTLE_LOCKED;
	rc = db_exec(&res, conn, SQL_THROTTLE_WHY, 3, (const char *const[]){subject, ts, cap});
	if (rc == APP_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		*block_out = THROTTLE_CAPPED;
done:
	PQclear(res);
	return rc;
}

/*
 * Only the failure that finds threshold slots counted and no lock starts one (and clears them): the
 * row is read locked, so of parallel failures exactly one does.
 */
static const char SQL_THROTTLE_FAIL[] =
        "WITH cur AS (SELECT subject, consecutive_failures >= $3::integer"
        "   AND coalesce(locked_until <= to_timestamp($2::bigint), true) AS starts"
        "   FROM login_throttle WHERE subject = $1::text FOR UPDATE)"
        " UPDATE login_throttle t SET"
        "  locks = CASE WHEN cur.starts THEN t.locks + 1 ELSE t.locks END,"
        "  locked_until = CASE WHEN cur.starts THEN to_timestamp($2::bigint) +"
        "    make_interval(secs => least($4::bigint * power(2, least(t.locks, 16)), $5::bigint))"
        "    ELSE t.locked_until END,"
        "  consecutive_failures = CASE WHEN cur.starts THEN 0 ELSE t.consecutive_failures END"
        " FROM cur WHERE t.subject = cur.subject"
        " RETURNING CASE WHEN cur.starts"
        "   THEN extract(epoch FROM t.locked_until - to_timestamp($2::bigint))::bigint ELSE 0 END";

int throttle_repo_fail(long *lock_s_out, struct db_conn *conn, const char *subject,
                       const struct lockout_policy *policy, time_t now)
{
	PGresult *res = NULL;
	char ts[24], threshold[24], base[24], max[24];
	int rc;

	*lock_s_out = 0;
	db_time_param(ts, (long long)now);
	db_time_param(threshold, (long long)policy->threshold);
	db_time_param(base, (long long)policy->base_s);
	db_time_param(max, (long long)policy->max_s);
	rc = db_exec(&res, conn, SQL_THROTTLE_FAIL, 5,
	             (const char *const[]){subject, ts, threshold, base, max});
	if (rc == APP_OK && PQntuples(res) == 1)
		*lock_s_out = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}

static const char SQL_THROTTLE_GIVE_BACK[] =
        "UPDATE login_throttle SET consecutive_failures = greatest(consecutive_failures - 1, 0),"
        " hour_failures = greatest(hour_failures - 1, 0) WHERE subject = $1::text";

int throttle_repo_give_back(struct db_conn *conn, const char *subject)
{
	return db_exec(NULL, conn, SQL_THROTTLE_GIVE_BACK, 1, (const char *const[]){subject});
}

static const char SQL_THROTTLE_RESET[] =
        "UPDATE login_throttle SET consecutive_failures = 0, locks = 0, locked_until = NULL,"
        " hour_failures = greatest(hour_failures - 1, 0) WHERE subject = $1::text";

int throttle_repo_reset(struct db_conn *conn, const char *subject)
{
	return db_exec(NULL, conn, SQL_THROTTLE_RESET, 1, (const char *const[]){subject});
}

/* $4 window seconds: windows start at multiples of it since the epoch. */
static const char SQL_COUNT[] =
        "INSERT INTO rate_counters AS r (key, window_start, used)"
        " VALUES ($1::text, to_timestamp($2::bigint - $2::bigint % $4::bigint), 1)"
        " ON CONFLICT (key, window_start) DO UPDATE SET used = r.used + 1"
        "   WHERE r.used < $3::integer"
        " RETURNING used";

int throttle_repo_count(long *retry_after_s, struct db_conn *conn, const char *key, long window_s,
                        long limit, time_t now)
{
	PGresult *res = NULL;
	char ts[24], max[24], window[24];
	int rc;

	*retry_after_s = 0;
	db_time_param(ts, (long long)now);
	db_time_param(max, (long long)limit);
	db_time_param(window, (long long)window_s);
	rc = db_exec(&res, conn, SQL_COUNT, 4, (const char *const[]){key, ts, max, window});
	if (rc == APP_OK && PQntuples(res) == 0) {
		rc = APP_RATE_LIMITED;
		*retry_after_s = window_s - (long)(now % window_s);
	}
	PQclear(res);
	return rc;
}

static const char SQL_THROTTLE_PRUNE_IP[] = "DELETE FROM login_failures_by_ip WHERE minute < "
                                            "to_timestamp($1::bigint) - interval '1 hour'";

static const char SQL_THROTTLE_PRUNE_UNKNOWN[] =
        "DELETE FROM login_throttle WHERE subject LIKE 'login:%'"
        " AND hour_start < to_timestamp($1::bigint) - interval '1 hour'"
        " AND coalesce(locked_until < to_timestamp($1::bigint), true)";

int throttle_repo_prune(struct db_conn *conn, time_t now)
{
	char ts[24];
	int rc;

	db_time_param(ts, (long long)now);
	if ((rc = db_exec(NULL, conn, SQL_THROTTLE_PRUNE_IP, 1, (const char *const[]){ts})) !=
	            APP_OK ||
	    (rc = db_exec(NULL, conn, SQL_THROTTLE_PRUNE_UNKNOWN, 1, (const char *const[]){ts})) !=
	            APP_OK)
		return rc;
	return db_exec(NULL, conn,
	               "DELETE FROM rate_counters WHERE window_start < to_timestamp($1::bigint) -"
	               " interval '1 day'",
	               1, (const char *const[]){ts});
}

int throttle_repo_unlock(bool *was_locked, struct db_conn *conn, const char *subject, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn,
	                 "DELETE FROM login_throttle WHERE subject = $1::text"
	                 " RETURNING coalesce(locked_until > to_timestamp($2::bigint), false)",
	                 2, (const char *const[]){subject, db_time_param(ts, (long long)now)});

	*was_locked =
	        rc == APP_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}
