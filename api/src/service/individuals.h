/*
 * Individuals: people inside a customer, managed by staff (customers.*) and by the customer's own
 * portal principals holding individuals.manage. The route has already checked that a portal caller
 * belongs to customer_id; every statement here is scoped by customer_id as well.
 */
#ifndef CABINET_SERVICE_INDIVIDUALS_H
#define CABINET_SERVICE_INDIVIDUALS_H

#include <jansson.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"

/*
 * The customer's individuals (deleted ones left out) and the roles they may be given:
 * {items: [individual], allowed_roles: [{id, name, permissions}]}. APP_NOT_FOUND for no such
 * customer (or a deleted one).
 */
int individuals_list(json_t **out, struct app *app, const char *customer_id);

/* One individual of the customer. APP_NOT_FOUND. */
int individuals_get(json_t **out, struct app *app, const char *customer_id, const char *id);

/*
 * Creates an individual from {email, phone?, first_name?, last_name?, role_id?, active_from?,
 * expires_at?, language?, trusted_ips?, two_factor_policy?, send?}. send "invitation" (default)
 * e-mails a set-password link valid 7 days; "credentials" (staff only) e-mails a generated
 * password to change at the first sign-in. role_id: one of the customer's allowed roles or the
 * system role user (the default). Field errors go to errors (APP_INVALID). Audited.
 */
int individuals_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *customer_id, json_t *body);

/*
 * Changes the fields given (as create, plus status "active" or "suspended"). Nobody changes its
 * own role or status. A suspended individual's sessions end. APP_CONFLICT with *conflict
 * "invitation_pending" for a status change before the invitation is accepted. Audited.
 */
int individuals_update(json_t **out, json_t *errors, const char **conflict, struct app *app,
                       const struct principal *who, const struct client_info *ci,
                       const char *customer_id, const char *id, json_t *body);

/*
 * Deletes (softly) an individual: status deleted, its sessions, tokens and invitation end, its
 * e-mail and phone are free again. APP_FORBIDDEN for oneself. Audited.
 */
int individuals_delete(struct app *app, const struct principal *who, const struct client_info *ci,
                       const char *customer_id, const char *id);

/* Sends a new invitation (the previous link dies). APP_CONFLICT unless still invited. Audited. */
int individuals_invite_again(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *customer_id, const char *id);

/*
 * Accepts an invitation (POST /auth/invitation): the link's token and the password chosen (the
 * policy applies, with *fe saying which rule failed). The individual becomes active. Single use:
 * of concurrent acceptances one wins. APP_NOT_FOUND for a token unknown, used, killed or expired.
 */
int individuals_accept(struct app *app, const struct client_info *ci, const char *token,
                       const char *password, struct field_error *fe);

#endif
