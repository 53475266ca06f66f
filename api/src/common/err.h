/* The few errors a Cabinet function expects; everything else is APP_INTERNAL. */
#ifndef CABINET_ERR_H
#define CABINET_ERR_H

#include <jansson.h>

enum app_err {
	APP_OK = 0,
	APP_INVALID,      /* the caller's input is wrong: 400 */
	APP_UNAUTHORIZED, /* no or bad credentials: 401 */
	APP_FORBIDDEN,    /* authenticated but not allowed: 403 */
	APP_NOT_FOUND,    /* 404 */
	APP_NOT_ALLOWED,  /* method not allowed on an existing path: 405 */
	APP_CONFLICT,     /* unique or state conflict: 409 */
	APP_TOO_LARGE,    /* body over the configured limit: 413 */
	APP_UNSUPPORTED,  /* unsupported media type: 415 */
	APP_RATE_LIMITED, /* 429 */
	APP_UNAVAILABLE,  /* a dependency (database, hashing slots) is not there in time: 503 */
	APP_INTERNAL,     /* a bug or an unexpected failure: 500, logged where it happened */
};

/* A validation failure a service reports about one input field (mapped to problem+json errors[]). */
struct field_error {
	const char *field; /* the JSON field name */
	const char *code;  /* stable: "required", "invalid", "too_weak", ... */
	char message[256]; /* a sentence for people */
};

/*
 * Appends {field, code, message} to errors (a JSON array): the field errors of a service, answered
 * all at once as problem+json errors[].
 */
void field_errors_add(json_t *errors, const char *field, const char *code, const char *message);

/* A stable lowercase name of an error, e.g. "not_found"; never NULL. */
const char *app_err_name(int err);

#endif
