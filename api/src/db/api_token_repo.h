/* api_tokens SQL: the tokens themselves, their owners' principal, their use. */
#ifndef CABINET_API_TOKEN_REPO_H
#define CABINET_API_TOKEN_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "auth/principal.h"
#include "auth/principal_cache.h"
#include "db/pool.h"

/* A token to insert; the secret is stored as its SHA-256 only. */
struct api_token_new {
	const char *owner_kind; /* "staff", "customer" or "individual" */
	const char *owner_id;
	const char *customer_id; /* an individual's customer, else NULL */
	const char *name;
	const char *prefix; /* the first characters of the secret, shown in lists */
	const char *secret;
	const char *permissions; /* a text[] literal */
	const char *trusted_ips;
	const char *rate_limit; /* requests a minute, as text */
	const char *expires_at; /* RFC 3339, or NULL for never */
};

/*
 * Tokens as the API shows them: {id, name, prefix, permissions, trusted_ips, rate_limit, expires_at,
 * created_at, last_used_at, last_used_ip, revoked_at, state}, newest first in {items: [...]}.
 */
int api_token_repo_list(json_t **out, struct db_conn *conn, const char *owner_id, time_t now);

/* A customer's tokens, as api_token_repo_list; APP_NOT_FOUND for no such customer. */
int api_token_repo_list_customer(json_t **out, struct db_conn *conn, const char *customer_id,
                                 time_t now);

/* One token, as in the lists. */
int api_token_repo_get(json_t **out, struct db_conn *conn, const char *id, time_t now);

/* Whether expires_at (RFC 3339, already shaped) is a real time after now. */
int api_token_repo_in_future(bool *future_out, struct db_conn *conn, const char *expires_at,
                             time_t now);

/* Inserts a token; its id goes to id_out. */
int api_token_repo_insert(char id_out[37], struct db_conn *conn, const struct api_token_new *t,
                          time_t now);

/*
 * Revokes every live token of owner_id; *revoked_out: [{name, prefix}] of those revoked (caller
 * owns it).
 */
int api_token_repo_revoke_all(json_t **revoked_out, struct db_conn *conn, const char *owner_id,
                              time_t now);

/* Revokes a token of owner_id (its staff, customer or individual id); APP_NOT_FOUND otherwise. */
int api_token_repo_revoke_own(struct db_conn *conn, const char *id, const char *owner_id,
                              time_t now);

/* Staff revoke a customer's token; APP_NOT_FOUND unless the token is that customer's. */
int api_token_repo_revoke_customer(struct db_conn *conn, const char *id, const char *customer_id,
                                   const char *staff_id, time_t now);

/*
 * The principal acting through a live token (not revoked, not expired, its owner active with
 * sign-in enabled and inside its window), with the token's own permissions, addresses, rate limit
 * and validity in *grant. *use_stale: its last recorded use is a minute old or from another
 * address than ip. APP_NOT_FOUND otherwise.
 */
int api_token_repo_principal(struct principal *who, struct principal_grant *grant, bool *use_stale,
                             struct db_conn *conn, const char *secret, const char *ip, time_t now);

/* Records a use of the token from ip at now. */
int api_token_repo_record_use(struct db_conn *conn, const char *id, const char *ip, time_t now);

/*
 * The id and address list of the live token secret owned by owner_id; APP_NOT_FOUND when the secret
 * is unknown, revoked, expired or someone else's.
 */
int api_token_repo_owned(char id_out[37], char trusted_ips_out[10001], struct db_conn *conn,
                         const char *secret, const char *owner_id, time_t now);

/* Revokes every token of a customer and of its individuals (the customer is deleted). */
int api_token_repo_revoke_customer_all(struct db_conn *conn, const char *customer_id, time_t now);

#endif
