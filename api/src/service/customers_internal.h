/* What the customer services share among themselves (customers.c and its neighbours). */
#ifndef CABINET_CUSTOMERS_INTERNAL_H
#define CABINET_CUSTOMERS_INTERNAL_H

#include <jansson.h>

#include "app.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "common/client.h"
#include "db/audit_repo.h"
#include "db/pool.h"

/* The audit entry of a staff member acting on a customer. */
struct audit_entry customers_staff_entry(const struct principal *who, const struct client_info *ci,
                                         const char *action, const char *customer_id,
                                         json_t *details);

/*
 * Hashes the password of fields (fields.password, or one generated into generated[] when
 * fields.generate) without a connection held; hash[0] is '\0' when there is none.
 */
int customers_hash_password(char hash[PASSWORD_HASH_MAX], char generated[21], struct app *app,
                            json_t *fields);

/* Sends a confirmation link for the customer's address (registration purpose). */
int customers_send_confirmation(struct db_conn *conn, struct app *app, const char *id,
                                const char *email, const char *first_name, const char *language);

#endif
