/* portal_roles SQL: the roles of the portal and where they are used. */
#ifndef CABINET_ROLE_REPO_H
#define CABINET_ROLE_REPO_H

#include <jansson.h>
#include <stdbool.h>

#include "db/pool.h"

/* Every role as {items: [{id, name, description, permissions, system, customers}]}, system first. */
int role_repo_list(json_t **out, struct db_conn *conn);

/* One role, as in the list; APP_NOT_FOUND when there is none. */
int role_repo_get(json_t **out, struct db_conn *conn, const char *id);

/*
 * Creates a role (permissions: a text[] literal; description NULL: empty). APP_CONFLICT when a role
 * has that name.
 */
int role_repo_insert(char id_out[37], struct db_conn *conn, const char *name,
                     const char *description, const char *permissions);

/*
 * Changes a role (NULL keeps a field). A system role keeps its name and permissions: APP_FORBIDDEN
 * when asked to change them; APP_NOT_FOUND for no such role; APP_CONFLICT for a taken name.
 */
int role_repo_update(struct db_conn *conn, const char *id, const char *name,
                     const char *description, const char *permissions);

/*
 * Where a role is used, locked to the end of the transaction: {assigned, allowed, individuals,
 * default} into *where, and whether it is a system role. APP_NOT_FOUND for no such role.
 */
int role_repo_use(json_t **where, bool *system_out, struct db_conn *conn, const char *id);

int role_repo_delete(struct db_conn *conn, const char *id);

/* Whether every id of ids (a JSON array of role ids) is a portal role. */
int role_repo_all_exist(bool *all_out, struct db_conn *conn, const char *ids);

#endif
