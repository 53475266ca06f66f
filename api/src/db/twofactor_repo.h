/* totp_credentials, recovery_codes and mfa_challenges SQL. */
#ifndef CABINET_TWOFACTOR_REPO_H
#define CABINET_TWOFACTOR_REPO_H

#include <stdbool.h>
#include <time.h>

#include "db/account_repo.h"
#include "db/pool.h"

struct totp_row {
	char sealed[256];
	bool confirmed;
	long long last_step;
};

/* Stores a pending (unconfirmed) secret, replacing a pending one; APP_CONFLICT when one is active. */
int totp_repo_put_pending(struct db_conn *conn, const struct account *a, const char *sealed,
                          time_t now);

/* The credential of an account; APP_NOT_FOUND when it has none. */
int totp_repo_get(struct totp_row *out, struct db_conn *conn, const char *account_id);

/*
 * Accepts a code's time step once: the credential must be in the state confirmed (false: activates
 * it) and the step beyond the last one used. Of parallel uses one wins; APP_NOT_FOUND otherwise.
 */
int totp_repo_use_step(struct db_conn *conn, const char *account_id, long long step, bool confirm,
                       time_t now);

/* Removes the credential and the recovery codes. */
int totp_repo_delete(struct db_conn *conn, const char *account_id);

/* Replaces the recovery codes (count HMACs of 64 hex digits). */
int recovery_codes_replace(struct db_conn *conn, const char *account_id, char hmacs[][65],
                           int count);

/* Uses one recovery code once; APP_NOT_FOUND when unknown or used. */
int recovery_codes_use(struct db_conn *conn, const char *account_id, const char *hmac, time_t now);

/* Opens a second-factor challenge for an account; enrol: it confirms a new secret. */
int mfa_repo_create(struct db_conn *conn, const char *token_hmac, const struct account *a,
                    bool enrol, time_t now, long ttl_s);

/*
 * The account of a live challenge (not used, not expired, under 5 failures) and whether it enrols.
 * APP_NOT_FOUND.
 */
int mfa_repo_find(enum principal_kind *kind_out, char account_id_out[37], bool *enrol_out,
                  struct db_conn *conn, const char *token_hmac, time_t now);

/* Counts a wrong code; the fifth ends the challenge. */
int mfa_repo_fail(struct db_conn *conn, const char *token_hmac);

/* Spends a live challenge once; APP_NOT_FOUND when another use won. */
int mfa_repo_use(struct db_conn *conn, const char *token_hmac, time_t now);

/* The account set up its second factor: a customer no longer has to at its next sign-in. */
int twofactor_repo_enrolled(struct db_conn *conn, const char *account_id);

/* Staff reset a customer's second factor: it sets one up again at its next sign-in. */
int twofactor_repo_must_enrol(struct db_conn *conn, const char *customer_id);

#endif
