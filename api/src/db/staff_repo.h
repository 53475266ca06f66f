/* staff table SQL. */
#ifndef CABINET_STAFF_REPO_H
#define CABINET_STAFF_REPO_H

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

#endif
