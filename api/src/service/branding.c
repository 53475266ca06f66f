/* Branding: the logo lives in PostgreSQL like everything else, so every instance serves the same. */
#include "service/branding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/audit_repo.h"
#include "db/branding_repo.h"
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
	char name[64] = "", color[16] = "", version[17] = "", url[64];
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = settings_string(name, sizeof(name), conn, "branding.portal_name")) == APP_OK &&
	    (rc = settings_string(color, sizeof(color), conn, "branding.primary_color")) ==
	            APP_OK &&
	    (rc = branding_repo_logo_version(version, conn)) == APP_OK) {
		/* the version in the URL lets browsers keep the image until it changes */
		snprintf(url, sizeof(url), "/api/v1/branding/logo?v=%s", version);
		*out = json_pack("{s:s, s:s, s:s?}", "portal_name", name, "primary_color", color,
		                 "logo_url", version[0] ? url : NULL);
	}
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* A new logo, or none. */
struct logo_change {
	const char *content_type; /* NULL: remove it */
	const void *bytes;
	size_t len;
	const char *staff_id;
};

static int audited(struct app *app, const struct principal *who, const struct client_info *ci,
                   const char *action, json_t *details, const struct logo_change *c)
{
	struct db_conn *conn = NULL;
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
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = c->content_type ? branding_repo_put_logo(conn, c->content_type, c->bytes, c->len,
	                                                   c->staff_id)
	                          : branding_repo_remove_logo(conn)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
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
	struct logo_change c = {actual, bytes, len, who->id};
	rc = audited(app, who, ci, "settings.logo_updated", details, &c);
	json_decref(details);
	return rc;
}

int branding_remove_logo(struct app *app, const struct principal *who, const struct client_info *ci)
{
	struct logo_change none = {NULL, NULL, 0, who->id};

	return audited(app, who, ci, "settings.logo_removed", NULL, &none);
}

int branding_logo(unsigned char **bytes, size_t *len, char type[16], char etag[20], struct app *app)
{
	struct db_conn *conn = NULL;
	char version[17] = "";
	int rc;

	*bytes = NULL;
	*len = 0;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = branding_repo_logo(bytes, len, type, version, conn)) == APP_OK)
		snprintf(etag, 20, "\"%s\"", version);
	db_pool_checkin(app->pool, conn);
	return rc;
}
