/* phone_changes SQL: a new phone number waiting for the code sent to it. */
#ifndef CABINET_PHONE_CHANGE_REPO_H
#define CABINET_PHONE_CHANGE_REPO_H

#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

/* The account's pending change (replacing any): phone, the code's HMAC (hex), ttl_s to live. */
int phone_change_repo_put(struct db_conn *conn, const char *account_id, const char *kind,
                          const char *phone, const char *code_hmac, time_t now, long ttl_s);

/*
 * Compares a code with the live pending change and counts a wrong one, in one statement on the
 * locked row (of parallel guesses at most five are ever compared). *right_out: it matched;
 * phone_out: the number waiting ("" when no change is live).
 */
int phone_change_repo_try(bool *right_out, char phone_out[32], struct db_conn *conn,
                          const char *account_id, const char *code_hmac, time_t now);

int phone_change_repo_delete(struct db_conn *conn, const char *account_id);

#endif
