/* Per-request state, left by the dispatcher in response->shared_data. */
#ifndef CABINET_CONTEXT_H
#define CABINET_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

struct req_ctx {
	char request_id[40];
	char client_ip
	        [46]; /* the peer, or the client named by X-Forwarded-For from a trusted proxy */
	int64_t started_us;
	size_t route; /* index in the route table, or route_count when unmatched */
};

#endif
