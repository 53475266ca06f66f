/* settings SQL: the values staff changed (the catalogue and its defaults live in the service). */
#ifndef CABINET_SETTINGS_REPO_H
#define CABINET_SETTINGS_REPO_H

#include <jansson.h>
#include <stdbool.h>

#include "db/pool.h"

/* Every stored value, as one object {key: value}. */
int settings_repo_stored(json_t **out, struct db_conn *conn);

/* Stores value_json (JSON text) under key, changed by staff_id. */
int settings_repo_put(struct db_conn *conn, const char *key, const char *value_json,
                      const char *staff_id);

/* Makes concurrent changes of settings apply one after the other (to the end of the transaction). */
int settings_repo_lock(struct db_conn *conn);

/* Whether a portal role of that name exists (the default role must). */
int settings_repo_role_exists(bool *exists_out, struct db_conn *conn, const char *name);

#endif
