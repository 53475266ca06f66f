/*
 * A thread holding one connection that LISTENs to a PostgreSQL channel: every NOTIFY payload is
 * handed to a callback, and so is every change of the connection's state, so that what depends on
 * hearing every notification (a cache) can stop trusting itself while it might miss some.
 */
#ifndef CABINET_LISTENER_H
#define CABINET_LISTENER_H

#include <stdbool.h>

struct db_listener;

#define DB_LISTENER_BURST 64

struct db_listener_callbacks {
	/* a notification's payload (called on the listener's thread) */
	void (*message)(const char *payload, void *arg);
	/* listening (true) or not any more (false): called on every change, first with false */
	void (*state)(bool listening, void *arg);
	void *arg;
	/*
	 * when not NULL: a burst of more than DB_LISTENER_BURST notifications read at once is handed
	 * over as this one payload (a bulk change costs one "everything changed", not one call each)
	 */
	const char *burst;
};

/*
 * Starts the thread; it connects (and reconnects, every retry_ms while the database is away),
 * LISTENs to channel (an SQL identifier of ours, not quoted) and checks the connection with a
 * query every ping_ms, so that a connection dropped without a word is noticed too.
 */
int db_listener_start(struct db_listener **out, const char *conninfo, const char *channel,
                      const struct db_listener_callbacks *cb, long retry_ms, long ping_ms);

/* Stops the thread and closes its connection. NULL is a no-op. */
void db_listener_stop(struct db_listener *l);

/* Whether the listener is listening now (for /metrics and tests). */
bool db_listener_listening(struct db_listener *l);

#endif
