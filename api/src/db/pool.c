/*
 * Connection pool: a mutex, a condition variable on the monotonic clock, and a stack of free slots.
 * Connecting happens outside the lock so a dead database cannot stall threads that only check in.
 */
#include "db/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "log.h"

struct db_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct db_conn *slots;
	size_t *free_stack;
	size_t nfree, size;
	long checkout_timeout_ms, statement_timeout_ms;
	char *conninfo;
	long waits_total, timeouts_total;
	bool reported_down; /* log "database unreachable" once per outage, not once per request */
	void (*on_commit)(const char *changed, void *arg);
	void *on_commit_arg;
};

int db_connect(PGconn **out, const char *conninfo, long statement_timeout_ms)
{
	char options[64];
	const char *keys[] = {"dbname", "options", "fallback_application_name", "connect_timeout",
	                      NULL};
	const char *values[] = {conninfo, options, "cabinetd", "5", NULL};
	PGconn *pg;

	snprintf(options, sizeof(options), "-c statement_timeout=%ld", statement_timeout_ms);
	/* expand_dbname=1: the first value may be a whole URI or key=value string */
	pg = PQconnectdbParams(keys, values, 1);
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		*out = NULL;
		if (pg) {
			/* PQerrorMessage may carry host names but never passwords */
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg));
			msg[strcspn(msg, "\n")] = '\0';
			log_debug("database connection failed: %s", msg);
			PQfinish(pg);
		}
		return APP_UNAVAILABLE;
	}
	*out = pg;
	return APP_OK;
}

int db_pool_create(struct db_pool **out, const struct db_pool_options *opts)
{
	struct db_pool *p = calloc(1, sizeof(*p));
	pthread_condattr_t attr;

	*out = NULL;
	if (!p)
		return APP_INTERNAL;
	p->slots = calloc(opts->size, sizeof(*p->slots));
	p->free_stack = calloc(opts->size, sizeof(*p->free_stack));
	p->conninfo = strdup(opts->conninfo);
	if (!p->slots || !p->free_stack || !p->conninfo) {
		free(p->slots);
		free(p->free_stack);
		free(p->conninfo);
		free(p);
		return APP_INTERNAL;
	}
	p->size = p->nfree = opts->size;
	for (size_t i = 0; i < opts->size; i++) {
		p->free_stack[i] = opts->size - 1 - i;
		p->slots[i].pool = p;
	}
	p->checkout_timeout_ms = opts->checkout_timeout_ms;
	p->statement_timeout_ms = opts->statement_timeout_ms;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->freed, &attr);
	pthread_condattr_destroy(&attr);
	*out = p;
	return APP_OK;
}

void db_pool_free(struct db_pool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->size; i++)
		if (pool->slots[i].pg)
			PQfinish(pool->slots[i].pg);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	free(pool->slots);
	free(pool->free_stack);
	free(pool->conninfo);
	free(pool);
}

/* A new server connection holds no prepared statement. */
static void forget_prepared(struct db_conn *conn)
{
	memset(conn->prepared, 0, sizeof(conn->prepared));
	conn->nprepared = 0;
}

static void release_slot(struct db_pool *pool, struct db_conn *conn)
{
	pthread_mutex_lock(&pool->lock);
	pool->free_stack[pool->nfree++] = (size_t)(conn - pool->slots);
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

int db_pool_checkout(struct db_conn **out, struct db_pool *pool)
{
	struct db_conn *conn;
	struct timespec deadline;
	bool waited = false;

	*out = NULL;
	clock_deadline(&deadline, CLOCK_MONOTONIC, pool->checkout_timeout_ms);
	pthread_mutex_lock(&pool->lock);
	while (pool->nfree == 0) {
		if (!waited) {
			waited = true;
			pool->waits_total++;
		}
		if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) == ETIMEDOUT &&
		    pool->nfree == 0) {
			pool->timeouts_total++;
			pthread_mutex_unlock(&pool->lock);
			log_warn("database pool exhausted: no connection within %ld ms",
			         pool->checkout_timeout_ms);
			return APP_UNAVAILABLE;
		}
	}
	conn = &pool->slots[pool->free_stack[--pool->nfree]];
	pthread_mutex_unlock(&pool->lock);

	if (conn->pg && PQstatus(conn->pg) != CONNECTION_OK) {
		PQfinish(conn->pg);
		conn->pg = NULL;
	}
	if (!conn->pg) {
		int rc = db_connect(&conn->pg, pool->conninfo, pool->statement_timeout_ms);

		forget_prepared(conn);
		bool report;

		pthread_mutex_lock(&pool->lock);
		report = (rc != APP_OK) != pool->reported_down;
		pool->reported_down = rc != APP_OK;
		pthread_mutex_unlock(&pool->lock);
		if (report && rc != APP_OK)
			log_error("database unreachable; requests that need it answer 503");
		else if (report)
			log_info("database reachable again");
		if (rc != APP_OK) {
			release_slot(pool, conn);
			return APP_UNAVAILABLE;
		}
	}
	conn->broken = false;
	conn->used = false;
	conn->sqlstate[0] = conn->constraint[0] = '\0';
	*out = conn;
	return APP_OK;
}

int db_pool_reconnect(struct db_conn *conn)
{
	PGconn *fresh = NULL;
	int rc;

	if (!conn->pool)
		return APP_UNAVAILABLE;
	if ((rc = db_connect(&fresh, conn->pool->conninfo, conn->pool->statement_timeout_ms)) !=
	    APP_OK)
		return rc;
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = fresh;
	forget_prepared(conn);
	conn->broken = false;
	conn->sqlstate[0] = conn->constraint[0] = '\0';
	return APP_OK;
}

void db_pool_checkin(struct db_pool *pool, struct db_conn *conn)
{
	if (!conn)
		return;
	if (conn->pg && !conn->broken && PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
		/* a handler left a transaction open (an error path): never hand it to the next request */
		PGresult *res = PQexec(conn->pg, "ROLLBACK");

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			conn->broken = true;
		PQclear(res);
	}
	if (conn->pg && (conn->broken || PQstatus(conn->pg) != CONNECTION_OK)) {
		PQfinish(conn->pg);
		conn->pg = NULL; /* reopened by the next checkout */
	}
	release_slot(pool, conn);
}

void db_pool_stats(struct metrics_pool *out, struct db_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	out->size = (long)pool->size;
	out->in_use = (long)(pool->size - pool->nfree);
	out->waits_total = pool->waits_total;
	out->timeouts_total = pool->timeouts_total;
	pthread_mutex_unlock(&pool->lock);
}

int db_conn_open(struct db_conn *out, const char *conninfo, long statement_timeout_ms)
{
	memset(out, 0, sizeof(*out));
	return db_connect(&out->pg, conninfo, statement_timeout_ms);
}

void db_conn_close(struct db_conn *conn)
{
	if (conn->pg)
		PQfinish(conn->pg);
	memset(conn, 0, sizeof(*conn));
}

void db_pool_on_commit(struct db_pool *pool, void (*fn)(const char *changed, void *arg), void *arg)
{
	pool->on_commit = fn;
	pool->on_commit_arg = arg;
}

bool db_pool_hears_commits(const struct db_conn *conn)
{
	return conn->pool && conn->pool->on_commit;
}

void db_pool_committed(struct db_conn *conn, const char *changed)
{
	if (db_pool_hears_commits(conn) && changed && *changed)
		conn->pool->on_commit(changed, conn->pool->on_commit_arg);
}
