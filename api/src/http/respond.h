/* Responses (JSON, problem+json) and request parsing helpers shared by every route. */
#ifndef CABINET_RESPOND_H
#define CABINET_RESPOND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <ulfius.h>

/*
 * What went wrong, for the client: a stable code, one sentence of detail, and field errors.
 * Zero-initialise, fill with problem_set/problem_field, release with problem_free.
 */
struct problem {
	const char
	        *code; /* stable machine code (static string); NULL: derived from the app error */
	char detail[256]; /* one user-safe sentence; "" for the default */
	json_t *errors;   /* array of {field, code, message}, or NULL */
	json_t *extra; /* more members of the body (e.g. mfa_token), or NULL; freed by problem_free */
};

/* Sets code and detail (printf-style). */
void problem_set(struct problem *pb, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Adds a field error. */
void problem_field(struct problem *pb, const char *field, const char *code, const char *message);

void problem_free(struct problem *pb);

/* HTTP status and reason phrase of an app error. */
int http_status_of(int err);
const char *http_title_of(int status);

/*
 * Builds the RFC 9457 body {type, title, status, detail, code, request_id?, errors?}.
 * Caller owns the result.
 */
json_t *problem_body(int err, const struct problem *pb, const char *request_id);

/* Answers err as application/problem+json. pb may be NULL. */
void http_problem(struct _u_response *resp, int err, const struct problem *pb);

/* The usual end of a handler: out with status when err is APP_OK, else the problem. Steals nothing. */
void http_reply(struct _u_response *resp, int err, int status, json_t *out,
                const struct problem *pb);

/* Answers status with a JSON body (not stolen). */
void http_json(struct _u_response *resp, int status, json_t *body);

/* Answers status with a JSON text already serialised (application/json). */
void http_json_text(struct _u_response *resp, int status, const char *text);

/*
 * The one body reader: requires a JSON Content-Type (else APP_UNSUPPORTED), a body of at most max bytes
 * (else APP_TOO_LARGE), valid UTF-8 JSON without duplicate keys (else APP_INVALID), and an object (else
 * APP_INVALID). On success the caller owns *body_out. pb receives the code and detail on failure.
 */
int http_read_json_object(json_t **body_out, const struct _u_request *req, size_t max,
                          struct problem *pb);

/*
 * The pure part of http_read_json_object: len bytes of JSON without duplicate keys, an object. The
 * caller owns *body_out; APP_INVALID with pb set otherwise.
 */
int http_parse_json_object(json_t **body_out, const void *data, size_t len, struct problem *pb);

/* Adds an unknown_field error for every member of body not named in allowed (NULL-terminated):
 * nobody can set a field by adding it to a body. */
void http_only_fields(json_t *body, const char *const *allowed, struct problem *pb);

/* The path parameter name ({id} of the route template) when it is a UUID, NULL otherwise. */
const char *http_path_uuid(const struct _u_request *req, const char *name);

/*
 * The end of a handler that writes: out with status when err is APP_OK (204: an empty body); the
 * field errors as one 400 validation_failed ("Nothing was saved"); 404 not_found saying missing;
 * any other error with pb as the caller set it. Frees pb; out and errors stay the caller's.
 */
void http_reply_write(struct _u_response *resp, int err, int status, json_t *out, json_t *errors,
                      struct problem *pb, const char *missing);

/* A query-string parameter, or NULL. */
const char *http_query(const struct _u_request *req, const char *name);

/*
 * A whole-number query parameter name in min..max (fallback when absent) into *out: only digits, no
 * sign, no overflow. APP_INVALID with a field error in pb otherwise.
 */
int http_query_long(long *out, const struct _u_request *req, const char *name, long min, long max,
                    long fallback, struct problem *pb);

/* The cursors of the lists: each list hands out one kind and takes back only that kind. */
enum http_cursor {
	CURSOR_ENTRY_ID, /* an audit entry's id: the audit log and the histories built on it */
	CURSOR_TIME_ID,  /* "<microseconds>:<uuid>": the outbox */
	CURSOR_KEYSET,   /* "<hex of the sort key>.<uuid>": the customer list, any of its sorts */
};

/*
 * The paging parameters of every list, read in this one place: ?limit= (1..200, default 50) and
 * ?cursor= (the next_cursor of a previous page, of the list's kind). APP_INVALID with field
 * errors in pb (which may hold the list's other field errors already).
 */
int http_paging(int *limit_out, const char **cursor_out, const struct _u_request *req,
                enum http_cursor shape, struct problem *pb);

#endif
