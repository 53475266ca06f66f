/* branding_logo SQL: the one logo, kept in PostgreSQL so every instance serves the same. */
#ifndef CABINET_BRANDING_REPO_H
#define CABINET_BRANDING_REPO_H

#include <stddef.h>

#include "db/pool.h"

/* The logo's version (16 hex digits of its SHA-256), "" when there is none. */
int branding_repo_logo_version(char version_out[17], struct db_conn *conn);

/* Stores the logo (bytes of content_type), replacing any. */
int branding_repo_put_logo(struct db_conn *conn, const char *content_type, const void *bytes,
                           size_t len, const char *staff_id);

/* Removes the logo; APP_NOT_FOUND when there is none. */
int branding_repo_remove_logo(struct db_conn *conn);

/* The logo's bytes (*bytes: caller frees), type and version; APP_NOT_FOUND when there is none. */
int branding_repo_logo(unsigned char **bytes, size_t *len, char type[16], char version[17],
                       struct db_conn *conn);

#endif
