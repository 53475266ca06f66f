/*
 * API tokens: credentials for software acting for a customer or a staff member, with a subset of
 * the owner's permissions, an optional expiry, trusted IPs and a per-minute rate limit.
 */
#ifndef CABINET_SERVICE_API_TOKENS_H
#define CABINET_SERVICE_API_TOKENS_H

#include <jansson.h>
#include <time.h>
#include <stdbool.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "db/pool.h"

/* Whether a bearer credential has the shape of an API token ("cab_" and 48 hex digits). */
bool api_token_shaped(const char *s);

/*
 * The caller's tokens, newest first: {items: [{id, name, prefix, permissions, trusted_ips,
 * rate_limit, expires_at, created_at, last_used_at, last_used_ip, revoked_at, state}]}.
 */
int api_tokens_list_mine(json_t **out, struct app *app, const struct principal *who);

/*
 * Creates a token for the caller from {name, permissions, expires_at?, trusted_ips?, rate_limit?}:
 * each permission must be one the caller holds. *out is the token with its secret, shown once.
 * Field errors go to errors (APP_INVALID). Audited.
 */
int api_tokens_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                      const struct client_info *ci, json_t *body);

/*
 * Revokes every live token the account owner_id holds, inside the caller's transaction (its
 * password was reset, it signed out everywhere, or reported a sign-in that was not its own).
 * *revoked_out: [{name, prefix}] of those revoked (caller owns it).
 */
int api_tokens_revoke_all(json_t **revoked_out, struct db_conn *conn, const char *owner_id,
                          time_t now);

/* Revokes one of the caller's tokens (APP_NOT_FOUND for anyone else's). Audited. */
int api_tokens_revoke_mine(struct app *app, const struct principal *who,
                           const struct client_info *ci, const char *id);

/* A customer's tokens for staff, as api_tokens_list_mine. APP_NOT_FOUND for no such customer. */
int api_tokens_list_customer(json_t **out, struct app *app, const char *customer_id);

/* Staff revoke a customer's token. APP_NOT_FOUND unless the token is that customer's. Audited. */
int api_tokens_revoke_customer(struct app *app, const struct principal *who,
                               const struct client_info *ci, const char *customer_id,
                               const char *token_id);

/*
 * Authenticates a request carrying an API token: live (not revoked, not expired), its owner active
 * with sign-in enabled, the address allowed by the owner's and the token's lists (APP_FORBIDDEN),
 * within its rate limit (APP_RATE_LIMITED with *retry_after_s). Records the last use at most once a
 * minute per address. APP_UNAUTHORIZED for anything else.
 */
int api_tokens_authenticate(struct principal *who_out, long *retry_after_s, struct app *app,
                            const char *secret, const char *client_ip);

/*
 * The id of the live token secret owned by owner_id, for POST /auth/token; APP_NOT_FOUND when the
 * secret is unknown, revoked, expired or someone else's. *trusted_ips_out: the token's list.
 */
int api_tokens_owned(char token_id_out[37], char trusted_ips_out[10001], struct db_conn *conn,
                     const char *secret, const char *owner_id, time_t now);

#endif
