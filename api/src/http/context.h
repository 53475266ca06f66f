/* Per-request state, left by the dispatcher in response->shared_data. */
#ifndef CABINET_CONTEXT_H
#define CABINET_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <ulfius.h>

#include "auth/principal.h"
#include "common/client.h"

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

/* The client of a request, for services and the audit log. */
static inline struct client_info req_client(const struct _u_request *req, const struct req_ctx *ctx)
{
	return (struct client_info){
	        .ip = ctx->client_ip,
	        .user_agent = u_map_get_case(req->map_header, "User-Agent"),
	        .request_id = ctx->request_id,
	        .impersonator_id = ctx->who.impersonator_id[0] ? ctx->who.impersonator_id : NULL,
	        .api_token_id = ctx->who.token_id[0] ? ctx->who.token_id : NULL};
}

#endif
