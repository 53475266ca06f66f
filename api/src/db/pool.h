/* A bounded pool of libpq connections, shared by every request thread. */
#ifndef CABINET_POOL_H
#define CABINET_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/metrics.h"

struct db_pool;

/* Statements a connection may hold prepared (an open-addressed set of their text hashes). */
#define DB_PREPARED_SLOTS 1024

/* One pooled connection. Only the db layer touches pg. */
struct db_conn {
	PGconn *pg;
	struct db_pool *pool; /* the pool it belongs to (NULL for a connection of its own) */
	bool used;            /* a statement succeeded on it since its checkout */
	bool broken;          /* a query failed at the connection level: reconnect on check-in */
	char sqlstate[6];     /* of the last failed statement, "" otherwise */
	char constraint[64];  /* constraint named by the last failed statement, "" otherwise */
	/* the statements prepared on pg (hashes of their text, 0 = free); emptied with a new pg */
	uint64_t prepared[DB_PREPARED_SLOTS];
	size_t nprepared;
};

struct db_pool_options {
	const char *conninfo;      /* URI or key=value string */
	size_t size;               /* connections at most */
	long checkout_timeout_ms;  /* wait for a free connection, then APP_UNAVAILABLE */
	long statement_timeout_ms; /* server-side statement_timeout of every connection */
};

/* Creates an empty pool (connections open lazily). The caller frees *out with db_pool_free. */
int db_pool_create(struct db_pool **out, const struct db_pool_options *opts);

/* Closes every connection. No connection may be checked out. */
void db_pool_free(struct db_pool *pool);

/*
 * Takes a connection, opening or reopening it if needed. APP_UNAVAILABLE when none frees up before the
 * deadline or the database cannot be reached. Never call while hashing a password: hash first.
 */
int db_pool_checkout(struct db_conn **out, struct db_pool *pool);

/*
 * Replaces the server connection of a pooled conn by a new one (its old server went away, e.g. a
 * PostgreSQL restart while the pool was idle). APP_UNAVAILABLE when the database cannot be reached.
 */
int db_pool_reconnect(struct db_conn *conn);

/* Gives a connection back: rolls back an open transaction, drops a broken connection. NULL is a no-op. */
void db_pool_checkin(struct db_pool *pool, struct db_conn *conn);

/*
 * Called after every transaction committed on a connection of pool (db_commit) with what its
 * triggers collected in the transaction-local setting cabinet.principals_changed (comma-separated
 * ids, or "*"); not called when it collected nothing. Set once, before any checkout.
 */
void db_pool_on_commit(struct db_pool *pool, void (*fn)(const char *changed, void *arg), void *arg);

/* Calls the on-commit function of conn's pool, if any, with changed. */
void db_pool_committed(struct db_conn *conn, const char *changed);

/* Whether conn's pool wants to hear what its transactions changed. */
bool db_pool_hears_commits(const struct db_conn *conn);

/* Current figures for /metrics. */
void db_pool_stats(struct metrics_pool *out, struct db_pool *pool);

/*
 * A connection of its own, outside the pool (a background thread's): *out zeroed, then connected.
 * db_conn_close closes it (and leaves it zeroed; a zeroed one is a no-op).
 */
int db_conn_open(struct db_conn *out, const char *conninfo, long statement_timeout_ms);
void db_conn_close(struct db_conn *conn);

/* Opens a single connection outside the pool (cabinetctl, migrations at start-up). */
int db_connect(PGconn **out, const char *conninfo, long statement_timeout_ms);

#endif
