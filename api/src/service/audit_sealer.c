/* The sealer: a round every interval, at once again while a round finds a full batch. */
#include "service/audit_sealer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/pool.h"
#include "log.h"

/* Entries linked per transaction: short transactions, whatever the backlog. */
enum { SEAL_BATCH = 1000 };

struct audit_sealer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	char *conninfo;
	long interval_ms;
	bool stop;
};

/* Sleeps ms, or less when stopped. */
static bool rest(struct audit_sealer *s, long ms)
{
	struct timespec deadline;
	bool stop;

	clock_deadline(&deadline, CLOCK_MONOTONIC, ms);
	pthread_mutex_lock(&s->lock);
	while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &deadline) == 0)
		;
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return !stop;
}

static void *run(void *arg)
{
	struct audit_sealer *s = arg;
	struct db_conn conn = {0};
	bool warned = false;
	long sealed;

	for (;;) {
		if (!conn.pg && db_conn_open(&conn, s->conninfo, 60000) != APP_OK) {
			if (!warned)
				log_warn("audit sealer: the database is unreachable; retrying");
			warned = true;
		} else if (audit_repo_seal(&sealed, &conn, SEAL_BATCH) != APP_OK) {
			if (!warned)
				log_warn("audit sealer: a round failed; retrying");
			warned = true;
			db_conn_close(&conn);
		} else {
			warned = false;
			if (sealed == SEAL_BATCH)
				continue; /* a backlog: on at once */
		}
		if (!rest(s, s->interval_ms))
			break;
	}
	db_conn_close(&conn);
	return NULL;
}

int audit_sealer_start(struct audit_sealer **out, const char *conninfo, long interval_ms)
{
	struct audit_sealer *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	*out = NULL;
	if (!s || !(s->conninfo = strdup(conninfo))) {
		free(s);
		return APP_INTERNAL;
	}
	s->interval_ms = interval_ms;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		free(s->conninfo);
		free(s);
		return APP_INTERNAL;
	}
	*out = s;
	return APP_OK;
}

void audit_sealer_stop(struct audit_sealer *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s->conninfo);
	free(s);
}
