/*
 * Credential checks (a password at sign-in or for a sensitive change, a second-factor code, an API
 * token): the slots a check takes before anything is hashed, and what its outcome does to them.
 * The counters live in PostgreSQL, so every instance shares them (docs/operations.md, "Limits").
 */
#ifndef CABINET_SERVICE_ATTEMPTS_H
#define CABINET_SERVICE_ATTEMPTS_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "app.h"
#include "common/client.h"
#include "db/account_repo.h"
#include "db/pool.h"
#include "db/throttle_repo.h"

#define ATTEMPTS_PER_IP_MINUTE 20  /* checks that did not succeed, per source address */
#define ATTEMPTS_PER_HOUR      100 /* per account (or unknown login), whatever the lockout says */

/* One check in progress. */
struct attempt {
	char subject[72]; /* "customer:<uuid>", "login:<hmac>"; "" when only the address counts */
	char ip[64];
	time_t at;
	struct lockout_policy policy;
	bool taken; /* the subject's slot is held */
};

enum attempt_outcome {
	ATTEMPT_FAILED,    /* wrong: both slots stay counted (the threshold-th starts a lock) */
	ATTEMPT_REFUSED,   /* right, but the account may not sign in: the address's slot stays */
	ATTEMPT_PASSED,    /* right, the sign-in goes on (second factor): both slots given back */
	ATTEMPT_SUCCEEDED, /* signed in or proved: both given back, the account's failures cleared */
};

/* The counter of an account: "<kind>:<uuid>". */
void attempt_subject(char out[72], const struct account *a);

/* The counter of a login no account holds, so that a lock looks the same: "login:<hmac>". */
int attempt_subject_unknown(char out[72], const struct app *app, const char *realm,
                            const char *login);

/*
 * Takes the slots of a check before it is hashed, in a transaction of its own on conn: one of the
 * source address (ATTEMPTS_PER_IP_MINUTE) and, when subject is not "", one of the subject (the
 * lockout settings and ATTEMPTS_PER_HOUR). APP_OK: check it, then attempt_end. APP_RATE_LIMITED: the
 * address is over its limit and nothing was counted. APP_FORBIDDEN: the subject is locked or capped
 * (*block_out says which); the address's slot is counted, and the caller answers as for a wrong
 * credential without looking at it.
 */
int attempt_begin(struct attempt *a, enum throttle_block *block_out, struct db_conn *conn,
                  const char *subject, const char *ip, time_t now);

/*
 * Ends a begun check on conn, inside the caller's transaction (with its audit entry). After
 * ATTEMPT_FAILED, *lock_s_out is the length of a lock it started (0 otherwise); lock_s_out may be
 * NULL. A NULL or blocked attempt is a no-op.
 */
int attempt_end(long *lock_s_out, struct db_conn *conn, const struct attempt *a,
                enum attempt_outcome outcome);

/*
 * Ends a check that did not succeed, in one transaction of its own: the outcome on its slots (t may
 * be NULL when none was taken) and an audit entry action about account a (NULL for an unknown
 * login) with details; a lock it starts is audited too, as auth.locked.
 */
void attempt_record(struct app *app, const struct client_info *ci, const struct account *a,
                    const struct attempt *t, enum attempt_outcome outcome, const char *action,
                    json_t *details);

/*
 * attempt_end on a connection of its own, with nothing else to record: ATTEMPT_PASSED when nothing
 * was checked (hashing busy), ATTEMPT_SUCCEEDED for a right password outside a sign-in.
 */
void attempt_close(struct app *app, const struct attempt *a, enum attempt_outcome outcome);

/* The audit reason of a block: "locked" or "hourly_limit". */
const char *attempt_block_reason(enum throttle_block block);

#endif
