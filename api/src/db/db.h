/* Statement helpers: parameters always bound, SQLSTATE mapped to app errors, failures logged once here. */
#ifndef CABINET_DB_H
#define CABINET_DB_H

#include <libpq-fe.h>

#include "db/pool.h"

/*
 * Runs sql with nparams text parameters (NULL entries are SQL NULL). On success *res_out holds the
 * result (caller PQclears it; may be NULL to discard). Errors: APP_CONFLICT (unique violation,
 * serialization failure, deadlock), APP_INVALID (check/foreign-key/data errors), APP_UNAVAILABLE
 * (connection lost, statement timeout: conn->broken is set when the connection is gone),
 * APP_INTERNAL otherwise.
 */
int db_exec(PGresult **res_out, struct db_conn *conn, const char *sql, int nparams,
            const char *const *params);

/* Runs a parameterless script (may hold several statements; migrations only). */
int db_exec_script(struct db_conn *conn, const char *sql);

/* Transaction control. db_rollback never fails loudly: it is the error path. */
int db_begin(struct db_conn *conn);
int db_commit(struct db_conn *conn);
void db_rollback(struct db_conn *conn);

/*
 * Writes t as the text of a bigint parameter (buf: 24 bytes), for to_timestamp($n::bigint): every
 * time goes to PostgreSQL from the application clock, never from now(). Returns buf.
 */
const char *db_time_param(char buf[24], long long t);

/* Maps a SQLSTATE to an app error (exposed for unit tests). */
int db_sqlstate_err(const char *sqlstate);

#endif
