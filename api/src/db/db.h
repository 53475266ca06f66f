/* Statement helpers: parameters always bound, SQLSTATE mapped to app errors, failures logged once here. */
#ifndef CABINET_DB_H
#define CABINET_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <libpq-fe.h>

#include "db/pool.h"

/*
 * Runs sql with nparams text parameters (NULL entries are SQL NULL). On success *res_out holds the
 * result (caller PQclears it; may be NULL to discard). Errors: APP_CONFLICT (unique or exclusion
 * violation), APP_INVALID (check/foreign-key/data errors), APP_UNAVAILABLE (connection lost,
 * statement timeout, serialization failure, deadlock: conn->broken is set when the connection is
 * gone), APP_INTERNAL otherwise.
 */
int db_exec(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
            const char *const *params);

/* SQL for a timestamptz column as the API shows times: RFC 3339 in UTC, to the second. */
#define DB_RFC3339(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Whether PostgreSQL knows the time zone name (pg_timezone_names), so AT TIME ZONE will work. */
int db_time_zone_known(bool *known_out, struct db_conn *conn, const char *name);

/*
 * Runs a statement answering one JSON value (json_build_object...) and parses it into *out.
 * APP_NOT_FOUND when it answers no row or NULL.
 */
int db_exec_json(json_t **out, struct db_conn *conn, const char *sql, int nparams,
                 const char *const *params);

/*
 * Runs a statement answering one JSON value and hands its text over as PostgreSQL wrote it (*out,
 * caller frees): for answers passed to the client unchanged, with no parse and no re-serialisation.
 * APP_NOT_FOUND when it answers no row or NULL.
 */
int db_exec_text(char **out, struct db_conn *conn, const char *sql, int nparams,
                 const char *const *params);

/* db_exec_json on a connection of pool, checked out and back in: a read outside any transaction. */
int db_read_json(json_t **out, struct db_pool *pool, const char *sql, int nparams,
                 const char *const *params);

/*
 * db_exec for bytes: parameters whose binary[i] is set are sent as lengths[i] raw bytes (a bytea),
 * and with binary_result the columns come back raw (PQgetlength says how long).
 */
int db_exec_bytes(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
                  const char *const *params, const int *lengths, const int *binary,
                  int binary_result);

/* Runs a parameterless script (may hold several statements; migrations only). */
int db_exec_script(struct db_conn *conn, const char *sql);

/* How many times db_transaction runs a transaction that a serialization failure or deadlock ended. */
#define DB_TX_ATTEMPTS 3

/*
 * Runs fn(conn, arg) in a transaction on a pooled connection and commits it. A serialization
 * failure or a deadlock (SQLSTATE 40001, 40P01) rolls it back and runs fn again on a fresh
 * transaction, DB_TX_ATTEMPTS times at most, then answers APP_UNAVAILABLE (503, to retry later).
 * fn must do nothing but database work (it may run several times). Other errors: fn's, or the
 * commit's; everything is rolled back.
 */
int db_transaction(struct db_pool *pool, int (*fn)(struct db_conn *conn, void *arg), void *arg);

/* Whether a SQLSTATE says the same transaction may succeed when run again (40001, 40P01). */
bool db_sqlstate_retryable(const char *sqlstate);

/* Transaction control. db_rollback never fails loudly: it is the error path. */
int db_begin(struct db_conn *conn);
int db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);

/*
 * Writes t as the text of a bigint parameter (buf: 24 bytes), for to_timestamp($n::bigint): every
 * time goes to PostgreSQL from the application clock, never from now(). Returns buf.
 */
const char *db_time_param(char buf[24], long long t);

/* A round trip that does nothing ("SELECT 1"). */
int db_ping(struct db_conn *conn);

/* Fails as a serialization failure (SQLSTATE 40001) would: for the tests of db_transaction only. */
int db_test_serialization_failure(struct db_conn *conn);

/* Maps a SQLSTATE to an app error (exposed for unit tests). */
int db_sqlstate_err(const char *sqlstate);

#endif
