/* The caller's own profile and preferences (customers), or display name (staff). */
#ifndef CABINET_SERVICE_PROFILE_H
#define CABINET_SERVICE_PROFILE_H

#include <jansson.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"

/* The profile of the caller: customers' names, phone and preferences; staff's display name. */
int profile_get(json_t **out, struct app *app, const struct principal *who);

/*
 * Applies the fields of patch (already checked for shape by the caller; phone already E.164) in one
 * transaction, audited with the names of the fields changed. The time zone is checked against
 * PostgreSQL's list. APP_INVALID with *fe for a bad time zone or a phone number held by another
 * account. Answers the new profile.
 */
int profile_update(json_t **out, struct app *app, const struct principal *who,
                   const struct client_info *ci, json_t *patch, struct field_error *fe);

#endif
