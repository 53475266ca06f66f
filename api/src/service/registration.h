/* Self-registration of customers and the confirmation of their e-mail address. */
#ifndef CABINET_SERVICE_REGISTRATION_H
#define CABINET_SERVICE_REGISTRATION_H

#include <stdbool.h>

#include "app.h"
#include "common/client.h"

struct registration {
	const char *email; /* checked for shape by the caller */
	const char *phone; /* E.164 (normalized by the caller) or NULL */
	const char *first_name, *last_name, *language;
	const char *password; /* checked against the policy by the caller */
};

/*
 * Registers a customer, or, when the e-mail or phone is already held, tells the holder by e-mail
 * instead. Both paths cost the same (the password is hashed either way) and end the same: the caller
 * cannot learn whether the address was taken. A new customer gets a confirmation link (24 h), or is
 * active at once with CABINET_AUTO_CONFIRM. Everything happens in one transaction with its messages.
 */
int registration_register(struct app *app, const struct client_info *ci,
                          const struct registration *r);

/* Whether customers may register themselves now (the setting registration.open). */
int registration_open(bool *open_out, struct app *app);

/*
 * Uses the token of a confirmation link (single use, before it expires); *purpose_out says which it
 * was. A registration link confirms the address, activates a pending customer and queues the
 * welcome message ("registration"). A change link (PUT /me/email) moves an active account that still
 * has the address it had then to the new one, ends its sessions and sends the old address a link
 * that undoes it for 7 days ("email_change"). An undo link moves it back, disables the password, ends
 * every session, token and pending change and sends a recovery link ("email_change_undone").
 * APP_CONFLICT when another account took the address meanwhile; APP_NOT_FOUND for an unknown, used
 * or expired token, or an account whose address or status changed since.
 */
int registration_confirm(struct app *app, const struct client_info *ci, const char *token,
                         const char **purpose_out);

#endif
