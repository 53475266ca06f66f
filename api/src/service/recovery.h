/* Password recovery by link or code, for customers (portal) and staff. */
#ifndef CABINET_SERVICE_RECOVERY_H
#define CABINET_SERVICE_RECOVERY_H

#include "app.h"
#include "common/client.h"
#include "common/err.h"
#include "db/account_repo.h"
#include "db/pool.h"

/*
 * Asks for a recovery link (e-mail, 30 min) or a 6-digit code (e-mail or SMS, 10 min) for the account
 * of login. The request only queues a job (the same work whatever the login, so the answer's time
 * says nothing); a delivery worker runs it with recovery_run_job. method: "link" or "code".
 */
int recovery_request(struct app *app, const struct client_info *ci, const char *realm,
                     const char *login, const char *channel, const char *method);

/*
 * Runs the oldest queued recovery job, on any instance: sends the link or code to the account of its
 * login, killing any earlier request; at most 3 sends per account per hour, counted under the
 * account's row lock. Nothing is sent for an unknown login, a channel the account has no address
 * for, or over the limit. APP_NOT_FOUND when no job is waiting.
 */
int recovery_run_job(struct app *app);

/*
 * Sets a new password with a recovery link token, or with login + code. The secret is used once
 * (parallel attempts: one wins); a wrong code counts, five kill it. Every session of the account
 * ends; audited as auth.recovery_used. APP_INVALID with *fe for the new password's policy or a
 * wrong, used or expired secret (field "code" or "token"). An account with a security question needs
 * answer: without it fe->code is "security_answer_required" and the question is put in question_out
 * (only for a valid secret); a wrong answer counts like a wrong code.
 */
int recovery_confirm(struct app *app, const struct client_info *ci, const char *realm,
                     const char *login, const char *code, const char *token,
                     const char *new_password, const char *answer, char question_out[201],
                     struct field_error *fe);

/* Queues a recovery link to the account's e-mail inside the caller's transaction (no send limit). */
int recovery_send_link(struct db_conn *conn, struct app *app, const struct client_info *ci,
                       const struct account *a);

#endif
