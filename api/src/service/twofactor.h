/* Two-factor authentication: TOTP enrolment, recovery codes, and the second step of sign-in. */
#ifndef CABINET_SERVICE_TWOFACTOR_H
#define CABINET_SERVICE_TWOFACTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "db/account_repo.h"
#include "db/pool.h"

/* Whether an account has an active (confirmed) TOTP credential. */
int twofactor_enabled(bool *enabled_out, struct db_conn *conn, const char *account_id);

/*
 * Checks and spends a second factor inside the caller's transaction: a TOTP code (a time step is
 * accepted once, ever) or a recovery code (once). APP_INVALID when neither matches.
 */
int twofactor_check(struct db_conn *conn, const struct app *app, const char *account_id,
                    const char *code, const char *recovery_code);

/*
 * The policy that applies to an account: "required", "optional" or "off". A customer's own policy
 * (required, off) wins; "inherit" follows the setting two_factor.default_policy. Staff follow
 * two_factor.staff_required.
 */
int twofactor_policy(char out[9], struct db_conn *conn, const struct account *a);

/*
 * Stores a new pending secret for an account on conn: {secret, otpauth_uri}. APP_CONFLICT when 2FA
 * is on already.
 */
int twofactor_start(json_t **out, struct db_conn *conn, struct app *app, const struct account *a);

/*
 * Starts enrolment for the caller: {secret, otpauth_uri}. APP_CONFLICT when 2FA is on already,
 * APP_FORBIDDEN when the account's policy is off.
 */
int twofactor_enrol(json_t **out, struct app *app, const struct principal *who);

/*
 * Confirms a pending secret with its first code inside the caller's transaction; answers
 * {recovery_codes}. APP_INVALID for a wrong code or no pending secret.
 */
int twofactor_activate(json_t **out, struct db_conn *conn, struct app *app, const char *account_id,
                       const char *code);

/* Activates enrolment with a first code; answers {recovery_codes: [10 codes]}, shown once. */
int twofactor_confirm(json_t **out, struct app *app, const struct principal *who,
                      const struct client_info *ci, const char *code);

/* Turns 2FA off with a current code or a recovery code; APP_CONFLICT when the policy requires it. */
int twofactor_disable(struct app *app, const struct principal *who, const struct client_info *ci,
                      const char *code, const char *recovery_code);

/* Replaces the recovery codes (a current code is required); answers {recovery_codes}. */
int twofactor_new_codes(json_t **out, struct app *app, const struct principal *who,
                        const struct client_info *ci, const char *code);

#endif
