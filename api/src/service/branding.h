/* The portal's branding: name and color (settings) and the uploaded logo. */
#ifndef CABINET_SERVICE_BRANDING_H
#define CABINET_SERVICE_BRANDING_H

#include <jansson.h>
#include <stddef.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"

#define LOGO_MAX_BYTES 262144

/* What the apps show before anyone signs in: {portal_name, primary_color, logo_url or null}. */
int branding_get(json_t **out, struct app *app);

/*
 * The image type of bytes by their magic numbers ("image/png", "image/jpeg", "image/webp"), or NULL:
 * a declared Content-Type is never trusted on its own.
 */
const char *branding_image_type(const unsigned char *bytes, size_t len);

/*
 * Replaces the logo; content_type must match the bytes. APP_INVALID with fe for a type that is not
 * PNG, JPEG or WebP, bytes that are not what they claim, or more than LOGO_MAX_BYTES. Audited.
 */
int branding_set_logo(struct app *app, const struct principal *who, const struct client_info *ci,
                      const char *content_type, const void *bytes, size_t len,
                      struct field_error *fe);

/* Removes the logo (APP_NOT_FOUND when there is none). Audited. */
int branding_remove_logo(struct app *app, const struct principal *who,
                         const struct client_info *ci);

/* The logo's bytes and type; caller frees *bytes. APP_NOT_FOUND when there is none. */
int branding_logo(unsigned char **bytes, size_t *len, char type[16], char etag[20],
                  struct app *app);

#endif
