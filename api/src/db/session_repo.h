/* sessions and refresh_tokens SQL. Times are passed in (the application clock), never now(). */
#ifndef CABINET_SESSION_REPO_H
#define CABINET_SESSION_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "auth/principal.h"
#include "db/pool.h"

struct session_new {
	enum principal_kind kind; /* staff (realm staff), customer or individual (realm portal) */
	const char *owner_id;
	const char *customer_id; /* an individual's customer */
	time_t now;
	long idle_s, max_s;
	const char *ip;                    /* or NULL */
	const char *user_agent;            /* or NULL */
	const char *impersonator_id;       /* staff acting as the customer, or NULL */
	const char *impersonation_reason;  /* why, with impersonator_id */
	const char *impersonation_role_id; /* the role it acts with instead of its own, or NULL */
	const char *api_token_id; /* the token a session of POST /auth/token acts through */
};

/* Creates a session; writes its id into id_out. */
int session_repo_create(char id_out[37], struct db_conn *conn, const struct session_new *s);

/* Stores a new refresh token (its SHA-256) for a session. */
int refresh_repo_insert(struct db_conn *conn, const char *token, const char *session_id,
                        time_t now);

enum refresh_state { REFRESH_UNKNOWN, REFRESH_FRESH, REFRESH_REUSED };

/*
 * Marks a refresh token used, atomically: of two concurrent uses exactly one sees REFRESH_FRESH.
 * A token already used is REFRESH_REUSED (session_id_out set); one never issued is REFRESH_UNKNOWN.
 */
int refresh_repo_consume(enum refresh_state *state_out, char session_id_out[37],
                         struct db_conn *conn, const char *token, time_t now);

/*
 * Loads the principal of a live session: not revoked, not past its absolute or idle end, and its
 * account still allowed in (staff active; customer active with sign-in enabled). APP_NOT_FOUND
 * otherwise. owner_id and realm may be NULL (refresh) or must match (access tokens). *valid_until
 * (when not NULL): the first moment the session stops being usable by itself (its end, its idle
 * end, its account's or its API token's expiry), application clock in seconds.
 */
int session_repo_principal(struct principal *who_out, long long *valid_until, struct db_conn *conn,
                           const char *session_id, const char *owner_id, const char *realm,
                           time_t now);

/* Records a use of the session (refresh). */
int session_repo_touch(struct db_conn *conn, const char *session_id, time_t now);

/* Revokes a session if still live; reason is one of the CHECK values of sessions.revoked_reason. */
int session_repo_revoke(struct db_conn *conn, const char *session_id, const char *reason,
                        time_t now);

/* Revokes every live session of an account but keep_session_id (NULL: all of them). */
int session_repo_revoke_others(struct db_conn *conn, const char *owner_id,
                               const char *keep_session_id, const char *reason, time_t now);

/* Revokes every live session of a customer: its own and its individuals'. */
int session_repo_revoke_customer(struct db_conn *conn, const char *customer_id, const char *reason,
                                 time_t now);

/* Revokes one session if it is the account's own and live; APP_NOT_FOUND otherwise. */
int session_repo_revoke_own(struct db_conn *conn, const char *session_id, const char *owner_id,
                            const char *reason, time_t now);

/*
 * The live sessions of an account as a JSON array of {id, created_at, last_used_at, ip, user_agent,
 * current}, most recently used first. Caller owns *out.
 */
int session_repo_list(json_t **out, struct db_conn *conn, const char *owner_id,
                      const char *current_id, time_t now);

/* What staff need to know of the account they are about to act as. */
struct impersonation_target {
	char status[16];      /* the customer's, or its individual's while the customer is active */
	char staff_name[256]; /* the staff member's display name (or e-mail) */
	char default_role_id[37]; /* the role of mode default_role ("" when none) */
};

/*
 * The account staff_id is about to act as (the customer, or one of its individuals), locked to the
 * end of the transaction; the default role is the setting roles.default for a customer, the system
 * role user for an individual. APP_NOT_FOUND for no such customer, or no such individual of it.
 */
int session_repo_impersonation_target(struct impersonation_target *out, struct db_conn *conn,
                                      const char *customer_id, const char *individual_id,
                                      const char *staff_id);

/* Keeps the HMAC (hex) of a handoff code for session_id, usable for ttl_s seconds from now. */
int session_repo_handoff_create(struct db_conn *conn, const char *code_hmac, const char *session_id,
                                time_t now, long ttl_s);

/* Uses a live handoff once: its session's id. APP_NOT_FOUND when unknown, used or expired. */
int session_repo_handoff_use(char session_id_out[37], struct db_conn *conn, const char *code_hmac,
                             time_t now);

#endif
