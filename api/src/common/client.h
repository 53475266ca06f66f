/* Where a request comes from, as services record it (sessions, audit entries). */
#ifndef CABINET_CLIENT_H
#define CABINET_CLIENT_H

/* Strings are borrowed from the request; valid while it is handled. */
struct client_info {
	const char *ip;
	const char *user_agent;
	const char *request_id;
	const char *
	        impersonator_id; /* staff acting as the caller (recorded on every audit entry), or NULL */
	const char *
	        api_token_id; /* the API token the caller acts through (recorded likewise), or NULL */
};

#endif
