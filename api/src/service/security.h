/*
 * The sensitive parts of an account besides its password and 2FA: the current-password check that
 * guards them, the security question, a change of e-mail address, and the new-device notices with
 * their "this wasn't me" link.
 */
#ifndef CABINET_SERVICE_SECURITY_H
#define CABINET_SERVICE_SECURITY_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"
#include "db/account_repo.h"
#include "db/pool.h"

/*
 * Checks the caller's current password (through the bounded hashing gate) and reads its account.
 * APP_INVALID with fe on "current_password" when it is wrong; APP_UNAVAILABLE when hashing is busy.
 */
int security_check_password(struct account *a_out, struct app *app, const struct principal *who,
                            const char *password, struct field_error *fe);

/* Whether answer matches the account's security answer (case and runs of spaces ignored). */
bool security_answer_matches(const struct account *a, const char *answer);

/* PUT /me/security-question: sets (or replaces) the question and its hashed answer. Audited. */
int security_set_question(struct app *app, const struct principal *who,
                          const struct client_info *ci, const char *current_password,
                          const char *question, const char *answer, struct field_error *fe);

/* DELETE /me/security-question. Audited. */
int security_remove_question(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *current_password,
                             struct field_error *fe);

/*
 * PUT /me/email (customers): sends a confirmation link to the new address and tells the old one; the
 * address changes when the link is used (POST /auth/confirm). An address another account holds gets
 * the same answer and no link. Audited.
 */
int security_request_email_change(struct app *app, const struct principal *who,
                                  const struct client_info *ci, const char *current_password,
                                  const char *new_email, struct field_error *fe);

/*
 * Called inside the transaction of a new session: remembers the device and network, and when neither
 * pair was seen before for an account that has signed in before, queues the new_device_login notice
 * with its single-use "this wasn't me" link.
 */
int security_note_device(struct db_conn *conn, struct app *app, const struct account *a,
                         const struct client_info *ci, time_t now);

/*
 * POST /auth/not-me {token}: ends every session of the account and sends it a recovery link.
 * APP_NOT_FOUND for an unknown, used or expired link.
 */
int security_not_me(struct app *app, const struct client_info *ci, const char *token);

#endif
