/* branding_logo SQL: the image travels as bytes (binary parameters and results), never as text. */
#include "db/branding_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

int branding_repo_logo_version(char version_out[17], struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc =
	        db_exec(&res, conn,
	                "SELECT left(encode(sha256(data), 'hex'), 16) FROM branding_logo", 0, NULL);

	version_out[0] = '\0';
	if (rc == APP_OK && PQntuples(res) == 1)
		snprintf(version_out, 17, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int branding_repo_put_logo(struct db_conn *conn, const char *content_type, const void *bytes,
                           size_t len, const char *staff_id)
{
	const char *params[] = {content_type, bytes, staff_id};
	const int lengths[] = {0, (int)len, 0}, formats[] = {0, 1, 0};

	return db_exec_bytes(
	        NULL, conn,
	        "INSERT INTO branding_logo (content_type, data, updated_at, updated_by)"
	        " VALUES ($1::text, $2::bytea, now(), $3::uuid)"
	        " ON CONFLICT (singleton) DO UPDATE SET content_type = excluded.content_type,"
	        " data = excluded.data, updated_at = now(), updated_by = excluded.updated_by",
	        3, params, lengths, formats, 0);
}

int branding_repo_remove_logo(struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "DELETE FROM branding_logo RETURNING singleton", 0, NULL);

	if (rc == APP_OK && PQntuples(res) == 0)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

int branding_repo_logo(unsigned char **bytes, size_t *len, char type[16], char version[17],
                       struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc = db_exec_bytes(&res, conn,
	                       "SELECT content_type, left(encode(sha256(data), 'hex'), 16), data"
	                       " FROM branding_logo",
	                       0, NULL, NULL, NULL, 1);

	*bytes = NULL;
	*len = 0;
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && !(*bytes = malloc((size_t)PQgetlength(res, 0, 2) + 1)))
		rc = APP_INTERNAL;
	if (rc == APP_OK) {
		snprintf(type, 16, "%.*s", PQgetlength(res, 0, 0), PQgetvalue(res, 0, 0));
		snprintf(version, 17, "%.*s", PQgetlength(res, 0, 1), PQgetvalue(res, 0, 1));
		*len = (size_t)PQgetlength(res, 0, 2);
		memcpy(*bytes, PQgetvalue(res, 0, 2), *len);
	}
	PQclear(res);
	return rc;
}
