/* The route table and path matching: one declarative list of every (method, path) the API serves. */
#ifndef CABINET_ROUTER_H
#define CABINET_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <ulfius.h>

typedef int (*route_fn)(const struct _u_request *req, struct _u_response *resp, void *user_data);

struct route {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* OpenAPI template: "/api/v1/customers/{id}" */
	route_fn handler;
	const char *permission; /* what the caller needs; NULL: public */
	unsigned access;        /* ACCESS_* flags of auth/principal.h, 0 for none */
};

extern const struct route ROUTES[];
extern const size_t ROUTE_COUNT;

enum route_match { ROUTE_MATCHED, ROUTE_NO_PATH, ROUTE_NO_METHOD };

/*
 * Finds the route of method + path. On ROUTE_MATCHED *index_out is set and each {name} segment is put
 * into params (if not NULL). On ROUTE_NO_METHOD allow_out lists the methods the path has ("GET, POST").
 */
enum route_match router_find(size_t *index_out, char *allow_out, size_t allow_len,
                             const char *method, const char *path, struct _u_map *params);

/* Prints "METHOD path" for every route, one per line (cabinetd --routes; the inventory test). */
void router_print(FILE *out);

#endif
