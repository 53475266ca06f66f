/* Files compiled into the binary by cmake/embed.cmake: the migrations and the OpenAPI contract. */
#ifndef CABINET_EMBEDDED_H
#define CABINET_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;          /* base name, e.g. "0001_foundation.sql" */
	const unsigned char *data; /* NUL-terminated */
	size_t len;                /* without the terminator */
};

extern const struct embedded_file cabinet_migrations[];
extern const size_t cabinet_migrations_count;

extern const struct embedded_file cabinet_openapi[];
extern const size_t cabinet_openapi_count;

#endif
