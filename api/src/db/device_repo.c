/* known_devices and device_alerts SQL. */
#include "db/device_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/account_repo.h"
#include "db/db.h"

static const char SQL_DEVICE_SEEN[] =
        "WITH here AS (SELECT sha256(convert_to($2::text, 'UTF8')) AS device,"
        "   network(set_masklen($3::inet, CASE family($3::inet) WHEN 4 THEN 24 ELSE 48 END))::cidr"
        "     AS net),"
        " before AS (SELECT count(*) AS n,"
        "   count(*) FILTER (WHERE k.device_hash = here.device OR k.network = here.net) AS known"
        "   FROM known_devices k, here WHERE k.account_id = $1::uuid),"
        " saved AS (INSERT INTO known_devices (account_id, device_hash, network, first_seen,"
        "   last_seen) SELECT $1::uuid, device, net, to_timestamp($4::bigint),"
        "   to_timestamp($4::bigint) FROM here"
        "   ON CONFLICT (account_id, device_hash, network)"
        "   DO UPDATE SET last_seen = excluded.last_seen)"
        " SELECT n > 0 AND known = 0 FROM before";

int device_repo_seen(bool *fresh_out, struct db_conn *conn, const char *account_id,
                     const char *user_agent, const char *ip, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, SQL_DEVICE_SEEN, 4,
	                 (const char *const[]){account_id, user_agent, ip,
	                                       db_time_param(ts, (long long)now)});

	*fresh_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int device_repo_alert_create(struct db_conn *conn, const char *token_hmac, const char *kind,
                             const char *account_id, time_t now, long ttl_s)
{
	char ts[24], ttl[24];

	return db_exec(
	        NULL, conn,
	        "INSERT INTO device_alerts (token_hmac, account_kind, account_id, created_at,"
	        " expires_at) VALUES (decode($1::text, 'hex'), $2::text, $3::uuid,"
	        " to_timestamp($4::bigint),"
	        " to_timestamp($4::bigint) + make_interval(secs => $5::bigint))",
	        5,
	        (const char *const[]){token_hmac, kind, account_id,
	                              db_time_param(ts, (long long)now),
	                              db_time_param(ttl, (long long)ttl_s)});
}

int device_repo_alert_use(enum principal_kind *kind_out, char account_id_out[37],
                          struct db_conn *conn, const char *token_hmac, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn,
	                 "UPDATE device_alerts SET used_at = to_timestamp($2::bigint)"
	                 " WHERE token_hmac = decode($1::text, 'hex') AND used_at IS NULL"
	                 "   AND expires_at > to_timestamp($2::bigint)"
	                 " RETURNING account_kind, account_id",
	                 2, (const char *const[]){token_hmac, db_time_param(ts, (long long)now)});

	*kind_out = PRINCIPAL_NONE;
	account_id_out[0] = '\0';
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		*kind_out = account_kind_parse(PQgetvalue(res, 0, 0));
		snprintf(account_id_out, 37, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return rc;
}
