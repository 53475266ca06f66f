/* staff table SQL. */
#ifndef CABINET_STAFF_REPO_H
#define CABINET_STAFF_REPO_H

#include <stdbool.h>
#include <time.h>

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

struct staff_login {
	char id[37];
	char status[16];
	char password_hash[256];
};

/* Finds a staff member by e-mail, case-insensitively, for sign-in. APP_NOT_FOUND when none. */
int staff_repo_find_login(struct staff_login *out, struct db_conn *conn, const char *email);

/* Records a successful sign-in (time and address). */
int staff_repo_record_login(struct db_conn *conn, const char *id, time_t now, const char *ip);

struct staff_credentials {
	char email[255];
	char display_name[201];
	char password_hash[256];
};

/* The password hash, e-mail and name of a staff member (for a password change). APP_NOT_FOUND. */
int staff_repo_credentials(struct staff_credentials *out, struct db_conn *conn, const char *id);

/* Replaces the password hash; clears must_change_password and records the time. */
int staff_repo_set_password(struct db_conn *conn, const char *id, const char *hash, time_t now);

/* Replaces the hash alone (a re-hash with the current parameters after a sign-in). */
int staff_repo_set_hash(struct db_conn *conn, const char *id, const char *hash);

#endif
