/* Per-request state, left by the dispatcher in response->shared_data. */
#ifndef CABINET_CONTEXT_H
#define CABINET_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"

struct req_ctx {
	char request_id[40];
	/* the peer, or the client named by X-Forwarded-For when the peer is a trusted proxy */
	char client_ip[46];
	int64_t started_us;
	/* index in the route table, or ROUTE_COUNT when unmatched */
	size_t route;
	/* the authenticated caller; PRINCIPAL_NONE on public routes */
	struct principal who;
};

#endif
