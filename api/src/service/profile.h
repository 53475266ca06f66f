/* The caller's own profile and preferences (customers), or display name (staff). */
#ifndef CABINET_SERVICE_PROFILE_H
#define CABINET_SERVICE_PROFILE_H

#include <jansson.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"

/* The profile of the caller: customers' names, phone and preferences; staff's display name. */
/* profile_get as the JSON text PostgreSQL wrote (caller frees), for GET /me passed through. */
int profile_get_text(char **out, struct app *app, const struct principal *who);

int profile_get(json_t **out, struct app *app, const struct principal *who);

/*
 * Applies the fields of patch (already checked for shape by the caller; phone already E.164) in one
 * transaction, audited with the names of the fields changed. The time zone is checked against
 * PostgreSQL's list (APP_INVALID with *fe). A new phone number does not apply yet: a 6-digit code goes
 * to it by SMS (profile_confirm_phone applies it), the profile shows it as phone_pending; a number
 * another account holds gets the same answer, no SMS, and its holder is told. Five changes an hour
 * (APP_RATE_LIMITED). Removing the number (null) applies at once. Answers the new profile.
 */
int profile_update(json_t **out, struct app *app, const struct principal *who,
                   const struct client_info *ci, json_t *patch, struct field_error *fe);

/*
 * POST /me/phone {code}: applies the pending phone of the caller when the code is right (five wrong
 * codes end the change). APP_INVALID with fe on "code" for a wrong or expired code, no change
 * pending, or a number taken meanwhile, alike. Audited as account.phone_changed.
 */
int profile_confirm_phone(json_t **out, struct app *app, const struct principal *who,
                          const struct client_info *ci, const char *code, struct field_error *fe);

#endif
