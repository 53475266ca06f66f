/* Branding: the logo lives in PostgreSQL like everything else, so every instance serves the same. */
#include "service/branding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/audit_repo.h"
#include "db/db.h"
#include "service/settings.h"

const char *branding_image_type(const unsigned char *b, size_t n)
{
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

int branding_get(json_t **out, struct app *app)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	char name[64] = "", color[16] = "", url[64];
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = settings_string(name, sizeof(name), conn, "branding.portal_name")) == APP_OK &&
	    (rc = settings_string(color, sizeof(color), conn, "branding.primary_color")) ==
	            APP_OK &&
	    (rc = db_exec(&res, conn,
	                  "SELECT left(encode(sha256(data), 'hex'), 16) FROM branding_logo", 0,
	                  NULL)) == APP_OK) {
		/* the version in the URL lets browsers keep the image until it changes */
		if (PQntuples(res) == 1)
			snprintf(url, sizeof(url), "/api/v1/branding/logo?v=%s",
			         PQgetvalue(res, 0, 0));
		*out = json_pack("{s:s, s:s, s:s?}", "portal_name", name, "primary_color", color,
		                 "logo_url", PQntuples(res) == 1 ? url : NULL);
	}
	PQclear(res);
	db_pool_checkin(app->pool, conn);
	return rc;
}

static int audited(struct app *app, const struct principal *who, const struct client_info *ci,
                   const char *action, json_t *details, const char *sql, int n,
                   const char *const *params, const int *lengths, const int *formats)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = action,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK)
		goto done;
	/* the logo is bytes: sent in binary, not as text */
	rc = db_exec_bytes(&res, conn, sql, n, params, lengths, formats, 0);
	if (rc == APP_OK && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	PQclear(res);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int branding_set_logo(struct app *app, const struct principal *who, const struct client_info *ci,
                      const char *content_type, const void *bytes, size_t len,
                      struct field_error *fe)
{
	const char *actual = branding_image_type(bytes, len);
	char type[32];
	json_t *details;
	int rc;

	memset(fe, 0, sizeof(*fe));
	fe->field = "logo";
	snprintf(type, sizeof(type), "%.*s", (int)strcspn(content_type ? content_type : "", "; "),
	         content_type ? content_type : "");
	if (len > LOGO_MAX_BYTES) {
		fe->code = "too_large";
		snprintf(fe->message, sizeof(fe->message), "A logo has at most %d KiB.",
		         LOGO_MAX_BYTES / 1024);
		return APP_INVALID;
	}
	if (!actual || strcasecmp(actual, type) != 0) {
		fe->code = "invalid_image";
		snprintf(fe->message, sizeof(fe->message),
		         "Send a PNG, JPEG or WebP image, with its own Content-Type.");
		return APP_INVALID;
	}
	details = json_pack("{s:s, s:I}", "content_type", actual, "bytes", (json_int_t)len);
	const char *params[] = {actual, bytes, who->id};
	const int lengths[] = {0, (int)len, 0}, formats[] = {0, 1, 0};
	rc = audited(app, who, ci, "settings.logo_updated", details,
	             "INSERT INTO branding_logo (content_type, data, updated_at, updated_by)"
	             " VALUES ($1::text, $2::bytea, now(), $3::uuid)"
	             " ON CONFLICT (singleton) DO UPDATE SET content_type = excluded.content_type,"
	             " data = excluded.data, updated_at = now(), updated_by = excluded.updated_by",
	             3, params, lengths, formats);
	json_decref(details);
	return rc;
}

int branding_remove_logo(struct app *app, const struct principal *who, const struct client_info *ci)
{
	return audited(app, who, ci, "settings.logo_removed", NULL,
	               "DELETE FROM branding_logo RETURNING singleton", 0, NULL, NULL, NULL);
}

int branding_logo(unsigned char **bytes, size_t *len, char type[16], char etag[20], struct app *app)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	int rc;

	*bytes = NULL;
	*len = 0;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	/* binary results: the bytes as they are */
	rc = db_exec_bytes(&res, conn,
	                   "SELECT content_type, left(encode(sha256(data), 'hex'), 16), data"
	                   " FROM branding_logo",
	                   0, NULL, NULL, NULL, 1);
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK && !(*bytes = malloc((size_t)PQgetlength(res, 0, 2) + 1)))
		rc = APP_INTERNAL;
	if (rc == APP_OK) {
		snprintf(type, 16, "%.*s", PQgetlength(res, 0, 0), PQgetvalue(res, 0, 0));
		snprintf(etag, 20, "\"%.*s\"", PQgetlength(res, 0, 1), PQgetvalue(res, 0, 1));
		*len = (size_t)PQgetlength(res, 0, 2);
		memcpy(*bytes, PQgetvalue(res, 0, 2), *len);
	}
	PQclear(res);
	db_pool_checkin(app->pool, conn);
	return rc;
}
