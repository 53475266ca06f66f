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
 * Uses the token of a confirmation link (single use, before it expires). A registration link confirms
 * the address, activates a pending customer and queues the welcome message; a change link (PUT
 * /me/email) moves the account to its new address (*change_out true; APP_CONFLICT when another account
 * took the address meanwhile). APP_NOT_FOUND for an unknown, used or expired token.
 */
int registration_confirm(struct app *app, const struct client_info *ci, const char *token,
                         bool *change_out);

#endif
