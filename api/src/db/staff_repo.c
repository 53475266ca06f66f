/* staff table SQL. */
#include "db/staff_repo.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

static const char SQL_STAFF_ANY[] = "SELECT EXISTS (SELECT 1 FROM staff)";

int staff_repo_any(bool *any_out, struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_STAFF_ANY, 0, NULL);

	*any_out = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

static const char SQL_STAFF_INSERT[] =
        "INSERT INTO staff (email, display_name, password_hash, role, must_change_password)"
        " VALUES ($1::text, $2::text, $3::text, $4::text, $5::boolean) RETURNING id";

int staff_repo_insert(char id_out[37], struct db_conn *conn, const struct staff_new *s)
{
	PGresult *res = NULL;
	const char *params[] = {s->email, s->display_name, s->password_hash, s->role,
	                        s->must_change_password ? "true" : "false"};
	int rc = db_exec(&res, conn, SQL_STAFF_INSERT, 5, params);

	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

enum { L_ID, L_STATUS, L_HASH };

static const char SQL_STAFF_FIND_LOGIN[] =
        "SELECT id, status, password_hash FROM staff WHERE lower(email) = lower($1::text)";

int staff_repo_find_login(struct staff_login *out, struct db_conn *conn, const char *email)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_STAFF_FIND_LOGIN, 1, (const char *const[]){email});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, L_ID));
		snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(res, 0, L_STATUS));
		snprintf(out->password_hash, sizeof(out->password_hash), "%s",
		         PQgetvalue(res, 0, L_HASH));
	}
	PQclear(res);
	return rc;
}

static const char SQL_STAFF_RECORD_LOGIN[] =
        "UPDATE staff SET last_login_at = to_timestamp($2::bigint), last_login_ip = $3::inet"
        " WHERE id = $1::uuid";

int staff_repo_record_login(struct db_conn *conn, const char *id, time_t now, const char *ip)
{
	char ts[24];

	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	return db_exec(NULL, conn, SQL_STAFF_RECORD_LOGIN, 3,
	               (const char *const[]){id, ts, ip && *ip ? ip : NULL});
}

enum { K_EMAIL, K_NAME, K_HASH };

static const char SQL_STAFF_CREDENTIALS[] =
        "SELECT email, display_name, password_hash FROM staff WHERE id = $1::uuid";

int staff_repo_credentials(struct staff_credentials *out, struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_STAFF_CREDENTIALS, 1, (const char *const[]){id});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, K_EMAIL));
		snprintf(out->display_name, sizeof(out->display_name), "%s",
		         PQgetvalue(res, 0, K_NAME));
		snprintf(out->password_hash, sizeof(out->password_hash), "%s",
		         PQgetvalue(res, 0, K_HASH));
	}
	PQclear(res);
	return rc;
}

static const char SQL_STAFF_SET_PASSWORD[] =
        "UPDATE staff SET password_hash = $2::text, must_change_password = false,"
        " password_changed_at = to_timestamp($3::bigint), updated_at = to_timestamp($3::bigint)"
        " WHERE id = $1::uuid";

int staff_repo_set_password(struct db_conn *conn, const char *id, const char *hash, time_t now)
{
	char ts[24];

	snprintf(ts, sizeof(ts), "%lld", (long long)now);
	return db_exec(NULL, conn, SQL_STAFF_SET_PASSWORD, 3, (const char *const[]){id, hash, ts});
}

static const char SQL_STAFF_SET_HASH[] =
        "UPDATE staff SET password_hash = $2::text WHERE id = $1::uuid";

int staff_repo_set_hash(struct db_conn *conn, const char *id, const char *hash)
{
	return db_exec(NULL, conn, SQL_STAFF_SET_HASH, 2, (const char *const[]){id, hash});
}
