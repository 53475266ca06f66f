/*
 * Connection pool: a mutex, a stack of free slots and a queue of waiting threads, each with its own
 * condition variable on the monotonic clock. A connection checked in goes straight to the thread
 * that has waited longest: first come, first served, so that under load no request waits far
 * longer than the others (a shared condition variable wakes an arbitrary waiter, and the unlucky
 * ones waited seconds while others went through). Connecting happens outside the lock so a dead
 * database cannot stall threads that only check in.
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

/* A thread waiting for a connection; given is set by the check-in that hands one over. */
struct waiter {
	pthread_cond_t handed;
	struct waiter *next;
	struct db_conn *given;
};

struct db_pool {
	pthread_mutex_t lock;
	struct waiter *first, *last; /* waiting threads, oldest first */
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
	struct waiter *w;

	pthread_mutex_lock(&pool->lock);
	if ((w = pool->first)) {
		/* straight to the longest waiting thread */
		if (!(pool->first = w->next))
			pool->last = NULL;
		w->given = conn;
		pthread_cond_signal(&w->handed);
	} else
		pool->free_stack[pool->nfree++] = (size_t)(conn - pool->slots);
	pthread_mutex_unlock(&pool->lock);
}

/* Takes w out of the queue (it timed out). Lock held. */
static void leave_queue(struct db_pool *pool, struct waiter *w)
{
	struct waiter **p = &pool->first, *prev = NULL;

	while (*p && *p != w) {
		prev = *p;
		p = &(*p)->next;
	}
	if (!*p)
		return;
	*p = w->next;
	if (pool->last == w)
		pool->last = prev;
}

int db_pool_checkout(struct db_conn **out, struct db_pool *pool)
{
	struct db_conn *conn = NULL;
	struct timespec deadline;

	*out = NULL;
	pthread_mutex_lock(&pool->lock);
	if (pool->nfree > 0 && !pool->first) {
		conn = &pool->slots[pool->free_stack[--pool->nfree]];
	} else {
		struct waiter w = {.next = NULL, .given = NULL};
		pthread_condattr_t attr;

		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&w.handed, &attr);
		pthread_condattr_destroy(&attr);
		if (pool->last)
			pool->last->next = &w;
		else
			pool->first = &w;
		pool->last = &w;
		pool->waits_total++;
		clock_deadline(&deadline, CLOCK_MONOTONIC, pool->checkout_timeout_ms);
		while (!w.given &&
		       pthread_cond_timedwait(&w.handed, &pool->lock, &deadline) != ETIMEDOUT)
			;
		if (!(conn = w.given)) {
			leave_queue(pool, &w);
			pool->timeouts_total++;
		}
		pthread_cond_destroy(&w.handed);
		if (!conn) {
			pthread_mutex_unlock(&pool->lock);
			log_warn("database pool exhausted: no connection within %ld ms",
			         pool->checkout_timeout_ms);
			return APP_UNAVAILABLE;
		}
	}
	pthread_mutex_unlock(&pool->lock);

	if (conn->pg && PQstatus(conn->pg) != CONNECTION_OK) {
		PQfinish(conn->pg);
		conn->pg = NULL;
	}
	if (!conn->pg) {
		int rc = db_connect(&conn->pg, pool->conninfo, pool->statement_timeout_ms);
		bool report;

		forget_prepared(conn);
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
