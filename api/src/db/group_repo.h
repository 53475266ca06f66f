/* groups and group_members SQL, always scoped by the customer the groups belong to. */
#ifndef CABINET_GROUP_REPO_H
#define CABINET_GROUP_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

/*
 * A customer's groups as {items: [{id, name, description, members: [{id, name, email}],
 * created_at}]}, by name; APP_NOT_FOUND for no such customer (or a deleted one).
 */
int group_repo_list(json_t **out, struct db_conn *conn, const char *customer_id);

/* One group of the customer, as in the list; APP_NOT_FOUND when it is not the customer's. */
int group_repo_get(json_t **out, struct db_conn *conn, const char *customer_id, const char *id);

/*
 * Creates a group (description NULL: empty). APP_NOT_FOUND for no such customer; APP_CONFLICT with
 * conn->constraint "groups_name_key" when the customer has a group of that name.
 */
int group_repo_insert(char id_out[37], struct db_conn *conn, const char *customer_id,
                      const char *name, const char *description, time_t now);

/* Renames or redescribes (NULL keeps); errors as group_repo_insert. */
int group_repo_update(struct db_conn *conn, const char *customer_id, const char *id,
                      const char *name, const char *description, time_t now);

/* APP_NOT_FOUND when the group is not the customer's. */
int group_repo_delete(struct db_conn *conn, const char *customer_id, const char *id);

/* Whether every id of the uuid[] literal ids is an individual of the customer, not deleted. */
int group_repo_all_individuals(bool *all_out, struct db_conn *conn, const char *customer_id,
                               const char *ids);

/*
 * Replaces the members by the individuals of ids (a uuid[] literal) that are the customer's, the
 * group row locked first. APP_NOT_FOUND when the group is not the customer's.
 */
int group_repo_set_members(struct db_conn *conn, const char *customer_id, const char *id,
                           const char *ids);

#endif
