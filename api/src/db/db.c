/* Statement execution and error mapping. The only place that logs database errors. */
#include "db/db.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "log.h"

int db_sqlstate_err(const char *s)
{
	if (!s || !*s)
		return APP_UNAVAILABLE; /* no SQLSTATE: the connection failed */
	if (strcmp(s, "23505") == 0 || strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||
	    strcmp(s, "23P01") == 0)
		return APP_CONFLICT;
	if (strncmp(s, "23", 2) == 0 || strncmp(s, "22", 2) == 0)
		return APP_INVALID;
	if (strcmp(s, "57014") == 0 || strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
	    strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0 || strcmp(s, "53300") == 0)
		return APP_UNAVAILABLE;
	return APP_INTERNAL;
}

static int check(PGresult **res_out, struct db_conn *conn, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	const char *state, *constraint;
	char msg[256];
	int err;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (res_out)
			*res_out = res;
		else
			PQclear(res);
		return APP_OK;
	}
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	snprintf(conn->sqlstate, sizeof(conn->sqlstate), "%s", state ? state : "");
	snprintf(conn->constraint, sizeof(conn->constraint), "%s", constraint ? constraint : "");
	err = db_sqlstate_err(state);
	if (PQstatus(conn->pg) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P0", 4) == 0)
		conn->broken = true;
	snprintf(msg, sizeof(msg), "%s",
	         res ? PQresultErrorMessage(res) : PQerrorMessage(conn->pg));
	msg[strcspn(msg, "\n")] = '\0';
	if (err == APP_CONFLICT || err == APP_INVALID)
		log_debug("database: SQLSTATE %s %s", conn->sqlstate, msg);
	else
		log_error("database: SQLSTATE %s %s", conn->sqlstate[0] ? conn->sqlstate : "-",
		          msg);
	PQclear(res);
	return err;
}

int db_exec(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
            const char *const *params)
{
	if (res_out)
		*res_out = NULL;
	return check(res_out, conn,
	             PQexecParams(conn->pg, sql, nparams, NULL, params, NULL, NULL, 0));
}

int db_exec_bytes(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
                  const char *const *params, const int *lengths, const int *binary,
                  int binary_result)
{
	if (res_out)
		*res_out = NULL;
	return check(
	        res_out, conn,
	        PQexecParams(conn->pg, sql, nparams, NULL, params, lengths, binary, binary_result));
}

int db_exec_script(struct db_conn *conn, const char *sql)
{
	return check(NULL, conn, PQexec(conn->pg, sql));
}

int db_begin(struct db_conn *conn)
{
	return db_exec(NULL, conn, "BEGIN", 0, NULL);
}

int db_commit(struct db_conn *conn)
{
	return db_exec(NULL, conn, "COMMIT", 0, NULL);
}

void db_rollback(struct db_conn *conn)
{
	if (conn && conn->pg && PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
		PGresult *res = PQexec(conn->pg, "ROLLBACK");

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			conn->broken = true;
		PQclear(res);
	}
}

const char *db_time_param(char buf[24], long long t)
{
	snprintf(buf, 24, "%lld", t);
	return buf;
}

int db_exec_json(json_t **out, struct db_conn *conn, const char *sql, int nparams,
                 const char *const *params)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, nparams, params);

	*out = NULL;
	if (rc == APP_OK && (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)))
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && !(*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL)))
		rc = APP_INTERNAL;
	PQclear(res);
	return rc;
}

int db_time_zone_known(bool *known_out, struct db_conn *conn, const char *name)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1::text)", 1,
	                 (const char *const[]){name});

	*known_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int db_read_json(json_t **out, struct db_pool *pool, const char *sql, int nparams,
                 const char *const *params)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, pool)) == APP_OK)
		rc = db_exec_json(out, conn, sql, nparams, params);
	db_pool_checkin(pool, conn);
	return rc;
}
