/* Staff accounts: rules and transactions. */
#ifndef CABINET_SERVICE_STAFF_H
#define CABINET_SERVICE_STAFF_H

#include <jansson.h>
#include <stdio.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"

/*
 * On a database without staff, creates the first staff member (role owner) from
 * CABINET_BOOTSTRAP_ADMIN_EMAIL and CABINET_BOOTSTRAP_ADMIN_PASSWORD, or with a generated one-time
 * password printed once to notice (standard error). Safe when several instances start together: exactly
 * one creates it. Audited as "staff.bootstrap".
 */
int staff_bootstrap(struct app *app, FILE *notice);

/* Every staff member: {items: [...]}. */
int staff_list(json_t **out, struct app *app);

/* One staff member. APP_NOT_FOUND. */
int staff_get(json_t **out, struct app *app, const char *id);

/* The staff roles with their permissions, and the permission catalogue. */
int staff_roles(json_t **out, struct app *app);

/*
 * Adds a staff member {email, display_name, role}: a one-time password goes to its address, to be
 * changed at the first sign-in. Field errors are appended to errors (APP_INVALID). A caller gives
 * only a role within its own permissions, and only an owner makes owners (APP_FORBIDDEN,
 * *conflict "not_grantable").
 */
int staff_create(json_t **out, json_t *errors, const char **conflict, struct app *app,
                 const struct principal *who, const struct client_info *ci, json_t *body);

/*
 * Changes {display_name, role, status}. Disabling ends the member's sessions. The last active
 * owner can be neither demoted nor disabled (APP_CONFLICT, *conflict "last_owner"). Nobody changes
 * its own row (APP_FORBIDDEN, "own_account"), nor a member whose present or new role holds more
 * than the caller ("not_grantable").
 */
int staff_update(json_t **out, json_t *errors, const char **conflict, struct app *app,
                 const struct principal *who, const struct client_info *ci, const char *id,
                 json_t *body);

/* DELETE: disables the member (its row and history stay) and ends its sessions. */
int staff_disable(const char **conflict, struct app *app, const struct principal *who,
                  const struct client_info *ci, const char *id);

/*
 * Creates (existing NULL) or changes a custom staff role {name, description, permissions}: names
 * from the catalogue only ("*" is the owner's alone). System roles cannot change (APP_CONFLICT,
 * *conflict "system_role"). A caller edits neither its own role ("own_account") nor one that holds,
 * or would hold, a permission it lacks ("not_grantable"), both APP_FORBIDDEN. Field errors in
 * errors. Audited.
 */
int staff_role_save(json_t **out, json_t *errors, const char **conflict, struct app *app,
                    const struct principal *who, const struct client_info *ci, const char *existing,
                    json_t *body);

/*
 * Deletes a custom role nobody holds (APP_CONFLICT "role_in_use" or "system_role"; APP_FORBIDDEN
 * "not_grantable" for a role holding more than the caller). Audited.
 */
int staff_role_delete(const char **conflict, struct app *app, const struct principal *who,
                      const struct client_info *ci, const char *name);

#endif
