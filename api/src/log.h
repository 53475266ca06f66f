/* Logging through yder, one line per event, JSON or text; every line carries the current request id. */
#ifndef CABINET_LOG_H
#define CABINET_LOG_H

#include <jansson.h>

/* Starts yder with our line formatter. format: "json" or "text"; level: "error".."debug". */
int log_init(const char *format, const char *level);

/* Stops logging (flushes standard error). */
void log_close(void);

/* Sets (or clears, with NULL) the request id added to this thread's log lines; the string is copied. */
void log_set_request_id(const char *request_id);

/* printf-style messages. Never pass passwords, hashes, tokens, codes or bodies. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A structured line (the access log): the object's fields become the line's fields. Borrows fields. */
void log_fields(const char *event, json_t *fields);

#endif
