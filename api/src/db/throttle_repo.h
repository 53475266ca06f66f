/*
 * login_throttle and login_failures_by_ip SQL: the brute-force counters, kept in PostgreSQL so that
 * every instance shares them. A credential check takes its slots first, in one statement each, and
 * only then is hashed: a slot counts as a failure unless the check gives it back.
 */
#ifndef CABINET_THROTTLE_REPO_H
#define CABINET_THROTTLE_REPO_H

#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

/*
 * Takes a slot of ip for a check at now: APP_OK, or APP_RATE_LIMITED (nothing counted) when the
 * address's slots of this minute and the previous one reach limit. An empty ip is never limited.
 */
int throttle_repo_ip_take(struct db_conn *conn, const char *ip, time_t now, long limit);

/* Gives back the slot of ip taken at taken_at (the check succeeded). */
int throttle_repo_ip_give_back(struct db_conn *conn, const char *ip, time_t taken_at);

/* The lockout rule (settings lockout.*): 5 failures, 60 s doubling, at most 900 s, 100 an hour. */
struct lockout_policy {
	long threshold, base_s, max_s, hourly_cap;
};

/* Why a subject gives no slot. */
enum throttle_block {
	THROTTLE_OPEN,   /* a slot was taken */
	THROTTLE_LOCKED, /* locked, or threshold checks already in flight or failed */
	THROTTLE_CAPPED, /* hourly_cap checks this hour */
};

/*
 * Takes a slot of subject ("customer:<uuid>", "login:<hmac>"): it counts as one consecutive
 * failure and one of the hour until given back. *block_out says why none was given.
 */
int throttle_repo_take(enum throttle_block *block_out, struct db_conn *conn, const char *subject,
                       const struct lockout_policy *policy, time_t now);

/*
 * A check of a taken slot failed (the slot stays counted). When threshold slots are counted and no
 * lock holds, a lock of base_s * 2^(locks since the last success), at most max_s, starts:
 * *lock_s_out is its length then, 0 otherwise.
 */
int throttle_repo_fail(long *lock_s_out, struct db_conn *conn, const char *subject,
                       const struct lockout_policy *policy, time_t now);

/* Gives a slot back without clearing anything (the credential was right; the sign-in goes on). */
int throttle_repo_give_back(struct db_conn *conn, const char *subject);

/* A success: the slot is given back, and the failures, locks and lock history start over. */
int throttle_repo_reset(struct db_conn *conn, const char *subject);

/*
 * Counts one use of key in its current window of window_s seconds: APP_OK, or APP_RATE_LIMITED
 * (nothing counted) when limit uses are counted already. *retry_after_s: seconds to the next window.
 */
int throttle_repo_count(long *retry_after_s, struct db_conn *conn, const char *key, long window_s,
                        long limit, time_t now);

/*
 * Forgets per-address counts older than an hour, unknown logins' counters that hold nothing, and
 * windows of rate_counters over a day old.
 */
int throttle_repo_prune(struct db_conn *conn, time_t now);

/* Forgets the failures of subject (an unlock by staff); *was_locked: it was locked then. */
int throttle_repo_unlock(bool *was_locked, struct db_conn *conn, const char *subject, time_t now);

#endif
