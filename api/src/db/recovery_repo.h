/* recovery_requests SQL: single-use links and codes, kept as HMACs. */
#ifndef CABINET_RECOVERY_REPO_H
#define CABINET_RECOVERY_REPO_H

#include <time.h>

#include "db/account_repo.h"
#include "db/pool.h"

/* Requests made for an account in the last hour (the send limit). */
int recovery_repo_recent(long *count_out, struct db_conn *conn, const char *account_id, time_t now);

/* Kills the account's live requests and stores a new one (hmac: 64 hex digits). */
int recovery_repo_create(struct db_conn *conn, const struct account *a, const char *channel,
                         const char *method, const char *hmac, time_t now, long ttl_s);

/*
 * Uses the live request of the account whose code HMAC is hmac, atomically (of parallel uses one
 * wins). A wrong code counts against the live code request, which dies at the fifth. APP_NOT_FOUND
 * when nothing matched.
 */
int recovery_repo_use_code(struct db_conn *conn, const char *account_id, const char *hmac,
                           time_t now);

/* The account of the live link whose HMAC is hmac, without using it. APP_NOT_FOUND when none. */
int recovery_repo_peek_link(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                            const char *hmac, time_t now);

/* Uses the live link whose HMAC is hmac; writes its account. APP_NOT_FOUND when none. */
int recovery_repo_use_link(char kind_out[16], char account_id_out[37], struct db_conn *conn,
                           const char *hmac, time_t now);

/* Counts a wrong entry (a code, or a security answer) against the account's live request. */
int recovery_repo_fail(struct db_conn *conn, const char *account_id, time_t now);

/* Whether a code is right for the account's live request, without using it (a wrong one counts). */
int recovery_repo_peek_code(struct db_conn *conn, const char *account_id, const char *hmac,
                            time_t now);

#endif
