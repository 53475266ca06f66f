/* login_throttle and login_failures_by_ip SQL: brute-force counters kept in PostgreSQL. */
#ifndef CABINET_THROTTLE_REPO_H
#define CABINET_THROTTLE_REPO_H

#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

/* Failures of ip in this minute and the previous one. */
int throttle_repo_ip_failures(long *count_out, struct db_conn *conn, const char *ip, time_t now);

/* Counts one failure of ip. */
int throttle_repo_ip_fail(struct db_conn *conn, const char *ip, time_t now);

struct throttle_state {
	bool locked;       /* locked_until is in the future */
	long locked_for_s; /* seconds left of the lock */
	long hour_failures;
};

/* The state of subject ("staff:<uuid>"); a subject never seen is unlocked with no failures. */
int throttle_repo_get(struct throttle_state *out, struct db_conn *conn, const char *subject,
                      time_t now);

/* The lockout rule (settings lockout.*): 5 failures, 60 s doubling, at most 900 s by default. */
struct lockout_policy {
	long threshold, base_s, max_s;
};

/*
 * Counts one failed verification of subject. The threshold-th consecutive failure starts a lock of
 * base_s * 2^(locks since the last success), at most max_s: *locked_now_out is set then, with its
 * length in *lock_s_out.
 */
int throttle_repo_fail(bool *locked_now_out, long *lock_s_out, struct db_conn *conn,
                       const char *subject, const struct lockout_policy *policy, time_t now);

/* A successful sign-in: the counters and the lock history start over. */
int throttle_repo_reset(struct db_conn *conn, const char *subject);

/* Forgets per-address counts older than an hour. */
int throttle_repo_prune(struct db_conn *conn, time_t now);

#endif
