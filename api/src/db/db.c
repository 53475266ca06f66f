/* Statement execution and error mapping. The only place that logs database errors. */
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "log.h"

int db_sqlstate_err(const char *s)
{
	if (!s || !*s)
		return APP_UNAVAILABLE; /* no SQLSTATE: the connection failed */
	if (strcmp(s, "23505") == 0 || strcmp(s, "23P01") == 0)
		return APP_CONFLICT;
	/* a serialization failure or a deadlock is nobody's mistake: retried, then 503 */
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
		return APP_UNAVAILABLE;
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
	/* constraints answer the client; a data error (22xxx) is an input our code let through */
	if (err == APP_CONFLICT || (err == APP_INVALID && strncmp(conn->sqlstate, "23", 2) == 0) ||
	    db_sqlstate_retryable(conn->sqlstate))
		log_debug("database: SQLSTATE %s %s", conn->sqlstate, msg);
	else
		log_error("database: SQLSTATE %s %s", conn->sqlstate[0] ? conn->sqlstate : "-",
		          msg);
	PQclear(res);
	return err;
}

/*
 * Whether a failed statement may run again on a new server connection: the connection broke on
 * the first statement since the checkout, so nothing of the request happened on it (a pooled
 * connection whose server restarted while it was idle).
 */
static bool worth_a_new_connection(struct db_conn *conn, int rc)
{
	return rc == APP_UNAVAILABLE && conn->broken && !conn->used && conn->pool &&
	       db_pool_reconnect(conn) == APP_OK;
}

/* FNV-1a over the statement's text: its name on every connection, never 0 (a free slot). */
static uint64_t statement_hash(const char *sql)
{
	uint64_t h = 14695981039346656037ull;

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ? h : 1;
}

/*
 * Finds the slot of hash in conn's set of prepared statements: the one holding it, or the free
 * one where it would go (NULL when the set is full).
 */
static uint64_t *prepared_slot(struct db_conn *conn, uint64_t hash)
{
	for (size_t i = 0, at = hash % DB_PREPARED_SLOTS; i < DB_PREPARED_SLOTS; i++) {
		uint64_t *slot = &conn->prepared[(at + i) % DB_PREPARED_SLOTS];

		if (*slot == hash || *slot == 0)
			return slot;
	}
	return NULL;
}

/*
 * Runs sql as a statement prepared on this connection under a name derived from its text, so
 * PostgreSQL parses and analyzes it once per connection, not once per request. The set is bounded
 * (three quarters of its slots) so that text built at run time cannot grow it without end: past
 * that, statements run unnamed. Connections outside a pool (migrations, cabinetctl) run unnamed.
 */
static PGresult *exec_prepared(struct db_conn *conn, const char *sql, int nparams,
                               const char *const *params, const int *lengths, const int *binary,
                               int binary_result)
{
	uint64_t hash = statement_hash(sql);
	uint64_t *slot = conn->pool ? prepared_slot(conn, hash) : NULL;
	char name[24];

	if (!slot || (*slot == 0 && conn->nprepared >= DB_PREPARED_SLOTS * 3 / 4))
		return PQexecParams(conn->pg, sql, nparams, NULL, params, lengths, binary,
		                    binary_result);
	snprintf(name, sizeof(name), "c%016llx", (unsigned long long)hash);
	if (*slot == 0) {
		PGresult *res = PQprepare(conn->pg, name, sql, nparams, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return res; /* the error, as the statement itself would have answered it */
		PQclear(res);
		*slot = hash;
		conn->nprepared++;
	}
	return PQexecPrepared(conn->pg, name, nparams, params, lengths, binary, binary_result);
}

int db_exec_bytes(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
                  const char *const *params, const int *lengths, const int *binary,
                  int binary_result)
{
	int rc;

	for (int attempt = 0;; attempt++) {
		if (res_out)
			*res_out = NULL;
		rc = check(
		        res_out, conn,
		        exec_prepared(conn, sql, nparams, params, lengths, binary, binary_result));
		if (rc == APP_OK)
			conn->used = true;
		if (rc == APP_OK || attempt > 0 || !worth_a_new_connection(conn, rc))
			return rc;
		log_info("database: a pooled connection had lost its server; retried on a new one");
	}
}

int db_exec(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
            const char *const *params)
{
	return db_exec_bytes(res_out, conn, sql, nparams, params, NULL, NULL, 0);
}

int db_exec_script(struct db_conn *conn, const char *sql)
{
	return check(NULL, conn, PQexec(conn->pg, sql));
}

bool db_sqlstate_retryable(const char *s)
{
	return s && (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0);
}

int db_transaction(struct db_pool *pool, int (*fn)(struct db_conn *conn, void *arg), void *arg)
{
	struct db_conn *conn = NULL;
	int rc = APP_INTERNAL;

	for (int attempt = 1; attempt <= DB_TX_ATTEMPTS; attempt++) {
		if ((rc = db_pool_checkout(&conn, pool)) != APP_OK)
			return rc;
		if ((rc = db_begin(conn)) == APP_OK && (rc = fn(conn, arg)) == APP_OK)
			rc = db_commit(conn);
		bool again = rc != APP_OK && db_sqlstate_retryable(conn->sqlstate);
		db_rollback(conn);
		db_pool_checkin(pool, conn);
		conn = NULL;
		if (!again)
			return rc;
		log_warn("database: transaction attempt %d of %d ended by SQLSTATE 40001/40P01%s",
		         attempt, DB_TX_ATTEMPTS, attempt < DB_TX_ATTEMPTS ? "; retried" : "");
	}
	return APP_UNAVAILABLE;
}

int db_begin(struct db_conn *conn)
{
	return db_exec(NULL, conn, "BEGIN", 0, NULL);
}

/*
 * COMMIT, and in the same round trip what the transaction's triggers collected for the principal
 * cache (migration 0028): the pool's on-commit function hears it before the caller answers, so an
 * instance never serves a principal its own transaction just changed.
 */
int db_commit(struct db_conn *conn)
{
	PGresult *res;
	char *changed = NULL;
	int rc = APP_OK;

	if (!db_pool_hears_commits(conn))
		return db_exec(NULL, conn, "COMMIT", 0, NULL);
	if (!PQsendQuery(conn->pg,
	                 "SELECT current_setting('cabinet.principals_changed', true); COMMIT"))
		return check(NULL, conn, NULL);
	while ((res = PQgetResult(conn->pg))) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK) {
			if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
				changed = strdup(PQgetvalue(res, 0, 0));
			PQclear(res);
		} else if (rc == APP_OK)
			rc = check(NULL, conn, res); /* COMMIT's OK, or the first error */
		else
			PQclear(res);
	}
	if (rc == APP_OK) {
		conn->used = true;
		db_pool_committed(conn, changed);
	}
	free(changed);
	return rc;
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

int db_exec_text(char **out, struct db_conn *conn, const char *sql, int nparams,
                 const char *const *params)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, nparams, params);

	*out = NULL;
	if (rc == APP_OK && (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)))
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && !(*out = strdup(PQgetvalue(res, 0, 0))))
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

int db_ping(struct db_conn *conn)
{
	return db_exec(NULL, conn, "SELECT 1", 0, NULL);
}

int db_test_serialization_failure(struct db_conn *conn)
{
	return db_exec(NULL, conn,
	               "DO $$ BEGIN RAISE EXCEPTION 'test: serialization failure'"
	               " USING ERRCODE = 'serialization_failure'; END $$",
	               0, NULL);
}
