/* Portal roles (staff with roles.manage): a name and a set of portal permissions. */
#ifndef CABINET_SERVICE_ROLES_H
#define CABINET_SERVICE_ROLES_H

#include <jansson.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"

/* The portal permission catalogue: {items: [{name, group}]}. */
json_t *roles_permissions(void);

/* Every role: {items: [{id, name, description, permissions, system, customers}]}. */
int roles_list(json_t **out, struct app *app);

/* One role. APP_NOT_FOUND. */
int roles_get(json_t **out, struct app *app, const char *id);

/*
 * Creates (id NULL) or changes a role {name, description, permissions}: portal permissions only.
 * System roles keep their name and permissions (APP_CONFLICT, *conflict "system_role"). Field errors
 * go to errors. Audited. A change applies to its holders' next request.
 */
int roles_save(json_t **out, json_t *errors, const char **conflict, struct app *app,
               const struct principal *who, const struct client_info *ci, const char *id,
               json_t *body);

/*
 * Deletes a role nobody uses: APP_CONFLICT with *conflict "system_role" or "role_in_use" and where
 * in *where ({assigned, allowed, default}). Audited.
 */
int roles_delete(const char **conflict, json_t **where, struct app *app,
                 const struct principal *who, const struct client_info *ci, const char *id);

#endif
