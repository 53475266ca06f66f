/*
 * Groups of a customer's individuals, managed by staff (customers.*) and by the customer's portal
 * principals holding groups.manage; every statement is scoped by the customer id.
 */
#ifndef CABINET_SERVICE_GROUPS_H
#define CABINET_SERVICE_GROUPS_H

#include <jansson.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"

/* {items: [{id, name, description, members: [{id, name, email}], created_at}]}; APP_NOT_FOUND for
 * no such customer. */
int groups_list(json_t **out, struct app *app, const char *customer_id);

/* One group. APP_NOT_FOUND. */
int groups_get(json_t **out, struct app *app, const char *customer_id, const char *id);

/*
 * Creates (id NULL) or changes a group from {name, description}; a name is unique within the
 * customer (field error "taken"). Field errors go to errors. Audited.
 */
int groups_save(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                const struct client_info *ci, const char *customer_id, const char *id,
                json_t *body);

/* Deletes a group (its members stay). Audited. APP_NOT_FOUND. */
int groups_delete(struct app *app, const struct principal *who, const struct client_info *ci,
                  const char *customer_id, const char *id);

/*
 * Replaces the members with {individual_ids: [...]}: each one an individual of this customer,
 * not deleted (field error "unknown_individual" otherwise, nothing changed). Audited.
 */
int groups_set_members(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *customer_id, const char *id,
                       json_t *body);

#endif
