/* The LISTEN connection: poll() on its socket with a short timeout, so stopping is prompt. */
#include "db/listener.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/pool.h"
#include "log.h"

struct db_listener {
	pthread_t thread;
	char *conninfo;
	char channel[64];
	struct db_listener_callbacks cb;
	long retry_ms, ping_ms;
	atomic_bool stop, listening;
};

static void set_listening(struct db_listener *l, bool on)
{
	atomic_store(&l->listening, on);
	l->cb.state(on, l->cb.arg);
}

static bool command_ok(PGconn *pg, const char *sql)
{
	PGresult *res = PQexec(pg, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;

	PQclear(res);
	return ok;
}

/* Hands every pending notification over; false when the connection is gone. */
static bool drain(struct db_listener *l, PGconn *pg)
{
	PGnotify *batch[DB_LISTENER_BURST + 1];
	size_t n = 0;
	bool burst = false;

	if (!PQconsumeInput(pg))
		return false;
	for (PGnotify *one; (one = PQnotifies(pg));) {
		if (!l->cb.burst) {
			l->cb.message(one->extra ? one->extra : "", l->cb.arg);
			PQfreemem(one);
		} else if (n <= DB_LISTENER_BURST)
			batch[n++] = one;
		else {
			burst = true;
			PQfreemem(one);
		}
	}
	burst |= n > DB_LISTENER_BURST;
	if (burst)
		l->cb.message(l->cb.burst, l->cb.arg);
	for (size_t i = 0; i < n; i++) {
		if (!burst)
			l->cb.message(batch[i]->extra ? batch[i]->extra : "", l->cb.arg);
		PQfreemem(batch[i]);
	}
	return PQstatus(pg) == CONNECTION_OK;
}

/* Waits up to ms for the socket, or for stop. */
static void wait_ms(struct db_listener *l, int fd, long ms)
{
	int64_t until = clock_mono_ms() + ms;

	while (!atomic_load(&l->stop) && clock_mono_ms() < until) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long left = (long)(until - clock_mono_ms());

		if (fd < 0) {
			poll(NULL, 0, (int)(left < 50 ? left : 50));
			continue;
		}
		if (poll(&p, 1, (int)(left < 50 ? left : 50)) > 0)
			return;
	}
}

static void *run(void *arg)
{
	struct db_listener *l = arg;
	char listen_sql[80], name_sql[96];
	bool reported_down = false;

	snprintf(listen_sql, sizeof(listen_sql), "LISTEN %s", l->channel);
	/* which instance's listener this is, in pg_stat_activity (tests end it on purpose) */
	snprintf(name_sql, sizeof(name_sql), "SET application_name = 'cabinetd listener %ld'",
	         (long)getpid());
	while (!atomic_load(&l->stop)) {
		PGconn *pg = NULL;
		int64_t next_ping;

		if (db_connect(&pg, l->conninfo, 5000) != APP_OK || !command_ok(pg, name_sql) ||
		    !command_ok(pg, listen_sql)) {
			if (!reported_down)
				log_warn("listener: cannot LISTEN on %s; retrying", l->channel);
			reported_down = true;
			PQfinish(pg);
			wait_ms(l, -1, l->retry_ms);
			continue;
		}
		if (reported_down)
			log_info("listener: listening on %s again", l->channel);
		reported_down = false;
		set_listening(l, true);
		next_ping = clock_mono_ms() + l->ping_ms;
		while (!atomic_load(&l->stop)) {
			wait_ms(l, PQsocket(pg), next_ping - clock_mono_ms());
			if (!drain(l, pg))
				break;
			if (clock_mono_ms() >= next_ping) {
				/* a connection cut without a word only shows when it is used */
				if (!command_ok(pg, "SELECT 1") || !drain(l, pg))
					break;
				next_ping = clock_mono_ms() + l->ping_ms;
			}
		}
		if (!atomic_load(&l->stop)) {
			log_warn("listener: the connection listening on %s was lost; reconnecting",
			         l->channel);
			reported_down = true;
		}
		set_listening(l, false);
		PQfinish(pg);
	}
	return NULL;
}

int db_listener_start(struct db_listener **out, const char *conninfo, const char *channel,
                      const struct db_listener_callbacks *cb, long retry_ms, long ping_ms)
{
	struct db_listener *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (!l || !(l->conninfo = strdup(conninfo)) || strlen(channel) >= sizeof(l->channel)) {
		if (l)
			free(l->conninfo);
		free(l);
		return APP_INTERNAL;
	}
	snprintf(l->channel, sizeof(l->channel), "%s", channel);
	l->cb = *cb;
	l->retry_ms = retry_ms;
	l->ping_ms = ping_ms;
	/* not listening until the thread says so: whatever depends on it starts distrustful */
	l->cb.state(false, l->cb.arg);
	if (pthread_create(&l->thread, NULL, run, l) != 0) {
		free(l->conninfo);
		free(l);
		return APP_INTERNAL;
	}
	*out = l;
	return APP_OK;
}

void db_listener_stop(struct db_listener *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	free(l->conninfo);
	free(l);
}

bool db_listener_listening(struct db_listener *l)
{
	return l && atomic_load(&l->listening);
}
