/* recovery_requests SQL: single-use links and codes, kept as HMACs. */
#ifndef CABINET_RECOVERY_REPO_H
#define CABINET_RECOVERY_REPO_H

#include <stdbool.h>
#include <time.h>

#include "db/account_repo.h"
#include "db/pool.h"

/*
 * Requests made for an account in the last hour (the send limit): exact only with the account's row
 * locked (account_repo_lock) in the same transaction.
 */
int recovery_repo_recent(long *count_out, struct db_conn *conn, const char *account_id, time_t now);

/* Kills the account's live requests and stores a new one (hmac: 64 hex digits). */
int recovery_repo_create(struct db_conn *conn, const struct account *a, const char *channel,
                         const char *method, const char *hmac, time_t now, long ttl_s);

/*
 * Uses the live code request of the account whose code HMAC is hmac, atomically (of parallel uses
 * one wins). APP_NOT_FOUND when nothing matched (the code was tried with recovery_repo_try_code).
 */
int recovery_repo_use_code(struct db_conn *conn, const char *account_id, const char *hmac,
                           time_t now);

/*
 * Compares a code with the account's live code request and counts a wrong one, in one statement (at
 * most five wrong codes are ever compared, however many arrive at once). *right_out says whether it
 * matched. APP_NOT_FOUND when no live code request is left.
 */
int recovery_repo_try_code(bool *right_out, struct db_conn *conn, const char *account_id,
                           const char *hmac, time_t now);

/* The account of the live link whose HMAC is hmac, without using it. APP_NOT_FOUND when none. */
int recovery_repo_peek_link(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                            const char *hmac, time_t now);

/* Uses the live link whose HMAC is hmac; writes its account. APP_NOT_FOUND when none. */
int recovery_repo_use_link(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                           const char *hmac, time_t now);

/*
 * Counts an attempt (a security answer) against the account's live request before it is checked;
 * APP_NOT_FOUND when none is live or five failed already.
 */
int recovery_repo_take_attempt(struct db_conn *conn, const char *account_id, time_t now);

/* Gives back an attempt whose answer was right. */
int recovery_repo_give_back(struct db_conn *conn, const char *account_id);

/* Kills every live request of the account (its password changed, or it was suspended). */
int recovery_repo_kill(struct db_conn *conn, const char *account_id, time_t now);

/* A recovery asked for, queued for a worker: strings as typed (copied). */
struct recovery_job {
	char realm[8], login[321], channel[8], method[8], ip[64], user_agent[513], request_id[65];
};

/* Queues a job. */
int recovery_repo_job_insert(struct db_conn *conn, const struct recovery_job *j, time_t now);

/* Takes the oldest job nobody holds, inside the caller's transaction. APP_NOT_FOUND when none. */
int recovery_repo_job_take(struct recovery_job *out, struct db_conn *conn);

#endif
