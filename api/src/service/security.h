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
 * Checks the caller's current password (through the bounded hashing gate) and reads its account. A
 * check takes the same slots as a sign-in: a wrong password counts toward the account's lockout and
 * the address's limit, and is audited as auth.password_check_failed. APP_INVALID with fe on
 * "current_password" when it is wrong; APP_RATE_LIMITED when the account is locked (fe code
 * "locked") or the address over its limit; APP_UNAVAILABLE when hashing is busy.
 */
int security_check_password(struct account *a_out, struct app *app, const struct principal *who,
                            const struct client_info *ci, const char *password,
                            struct field_error *fe);

/* How long after a sign-in sensitive changes need nothing more (a "sudo mode", as GitHub's). */
#define SECURITY_RECENT_S 300

/*
 * The check every sensitive change makes (creating an API token, turning 2FA on or off, trusted
 * addresses, the e-mail address): the current password, checked as security_check_password does,
 * or nothing more when password is NULL and the caller's session signed in with its password less
 * than SECURITY_RECENT_S ago. a_out: the caller's account. APP_INVALID with fe on
 * "current_password" ("required" after the window, "wrong_password"); errors as
 * security_check_password.
 */
int security_reauthenticate(struct account *a_out, struct app *app, const struct principal *who,
                            const struct client_info *ci, const char *password,
                            struct field_error *fe);

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
 * PUT /me/email (customers, individuals): sends a confirmation link to the new address and tells the
 * old one; the address changes when the link is used (POST /auth/confirm), if the account still
 * has the address it had now. A newer request replaces the link of an older one. An address another
 * account holds gets the same answer and no link, and its holder is told (address_in_use). Needs
 * the current password or a recent sign-in (security_reauthenticate). Audited.
 */
int security_request_email_change(struct app *app, const struct principal *who,
                                  const struct client_info *ci, const char *current_password,
                                  const char *new_email, struct field_error *fe);

/*
 * Tells the holder of a portal address or phone that another account tried to use it
 * (address_in_use), inside the caller's transaction: what a caller is told instead of "taken".
 * Nothing when nobody holds it.
 */
int security_tell_holder(struct db_conn *conn, struct app *app, const char *address);

/* What security_end_access ends. */
enum {
	END_SESSIONS = 1,      /* every session but keep_session */
	END_TOKENS = 2,        /* every live API token */
	END_EMAIL_CHANGES = 4, /* pending changes of e-mail address */
};

/*
 * Ends, inside the caller's transaction, what a stolen session may have left on an account: what
 * says which of the END_* (reason: the sessions' revoked_reason). With notice_event (or NULL), the
 * account is told by e-mail, the revoked tokens listed ({{tokens}}).
 */
int security_end_access(struct db_conn *conn, struct app *app, const struct account *a,
                        const char *keep_session, const char *reason, unsigned what,
                        const char *notice_event);

#endif
