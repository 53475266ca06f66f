/* staff and staff_roles SQL. */
#ifndef CABINET_STAFF_REPO_H
#define CABINET_STAFF_REPO_H

#include <jansson.h>
#include <stdbool.h>

#include "db/pool.h"

struct staff_new {
	const char *email;
	const char *display_name;
	const char *password_hash;
	const char *role;
	bool must_change_password;
};

/* Whether any staff member exists. */
int staff_repo_any(bool *any_out, struct db_conn *conn);

/* Inserts a staff member; writes its id (37 bytes) into id_out. APP_CONFLICT when the e-mail is taken. */
int staff_repo_insert(char id_out[37], struct db_conn *conn, const struct staff_new *s);

/* Serializes concurrent first starts (to the end of the transaction). */
int staff_repo_lock_bootstrap(struct db_conn *conn);

/*
 * Staff as the API shows them ({id, email, display_name, role, status, must_change_password,
 * two_factor, created_at, last_login_at, last_login_ip}): all in {items} by e-mail, or one.
 */
int staff_repo_list(json_t **out, struct db_conn *conn);
int staff_repo_get(json_t **out, struct db_conn *conn, const char *id);

/* A staff member's role, the row locked; APP_NOT_FOUND for none. */
int staff_repo_role_of(char role[33], struct db_conn *conn, const char *id);

/*
 * Whether the change of id to role and status (NULL: unchanged) leaves an active owner: the owners
 * are locked first, so two staff demoting the last two owners at once cannot both succeed.
 */
int staff_repo_keeps_an_owner(bool *ok_out, struct db_conn *conn, const char *id, const char *role,
                              const char *status);

/* Changes name, role, status (NULL keeps); APP_NOT_FOUND for no such member. */
int staff_repo_update(struct db_conn *conn, const char *id, const char *display_name,
                      const char *role, const char *status);

/* The staff roles {items: [{name, description, permissions, system}]}, system first. */
int staff_role_repo_list(json_t **out, struct db_conn *conn);

/* One staff role, as in the list. */
int staff_role_repo_get(json_t **out, struct db_conn *conn, const char *name);

int staff_role_repo_exists(bool *exists_out, struct db_conn *conn, const char *name);

/*
 * Whether the role named role, or the permission set perms (a text[] literal, role NULL), is
 * within held (the caller's permissions, comma-separated) and does not hold the owner's "*".
 */
int staff_role_repo_within(bool *ok_out, struct db_conn *conn, const char *role, const char *perms,
                           const char *held);

/* A role locked for a change: whether it is a system role and how many staff hold it. */
int staff_role_repo_lock(bool *system_out, long *holders_out, struct db_conn *conn,
                         const char *name);

/* Creates a role; APP_CONFLICT when the name is taken. */
int staff_role_repo_insert(struct db_conn *conn, const char *name, const char *description,
                           const char *perms);

/* Changes a custom role (NULL keeps); APP_NOT_FOUND when there is no custom role of that name. */
int staff_role_repo_update(struct db_conn *conn, const char *name, const char *description,
                           const char *perms);

int staff_role_repo_delete(struct db_conn *conn, const char *name);

#endif
