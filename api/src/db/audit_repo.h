/* The audit log: appended in the same transaction as the change it records. */
#ifndef CABINET_AUDIT_REPO_H
#define CABINET_AUDIT_REPO_H

#include <jansson.h>

#include "auth/principal.h"
#include "common/client.h"
#include "db/pool.h"

struct audit_entry {
	const char *actor_kind;      /* "system", "staff", "customer", ... */
	const char *actor_id;        /* uuid text or NULL */
	const char *action;          /* "staff.bootstrap" */
	const char *target_kind;     /* or NULL */
	const char *target_id;       /* uuid text or NULL */
	const char *customer_id;     /* uuid text or NULL */
	const char *ip;              /* or NULL */
	const char *request_id;      /* or NULL */
	const char *impersonator_id; /* staff acting as the actor, or NULL */
	const char *
	        api_token_id; /* the API token the actor acted through (kept in details), or NULL */
	json_t *details;      /* object without secrets, or NULL; borrowed */
};

/*
 * The entry of an account acting on itself (sign-in, password, 2FA, recovery...): actor and target are
 * the account, and a customer's entries join its history. id NULL: an unknown account ("system").
 * Strings are borrowed.
 */
struct audit_entry audit_entry_self(enum principal_kind kind, const char *id,
                                    const struct client_info *ci, const char *action,
                                    json_t *details);

/* Appends one entry on conn, which must be inside the caller's transaction. */
int audit_repo_append(struct db_conn *conn, const struct audit_entry *e);

/* Who made a change applied to many customers at once (an import), and from where. */
struct audit_each {
	const char *actor_kind, *actor_id, *ip, *request_id;
	const char *source; /* details.source of each entry */
};

/* One entry of action per customer of customer_ids (a JSON array of ids), targeting it. */
int audit_repo_append_each(struct db_conn *conn, const char *customer_ids, const char *action,
                           const struct audit_each *e);

/*
 * The security history of an account (entries it made or that are about it), newest first:
 * {items: [{id, occurred_at, action, ip, details}], next_cursor, total}. cursor: an entry id or NULL.
 * Caller owns *out.
 */
int audit_repo_history(json_t **out, struct db_conn *conn, const char *account_id,
                       const char *cursor, int limit);

struct audit_filter {
	const char *actor_id;    /* uuid text, or NULL */
	const char *customer_id; /* the customer whose history it is, or NULL */
	const char *action;      /* an action, or a prefix ending with '.' ("auth."), or NULL */
	const char *ip;          /* an address, or NULL */
	const char *from, *to;   /* RFC 3339 bounds (from included, to excluded), or NULL */
	const char *cursor;      /* an entry id of a previous page, or NULL */
	int limit;
};

/*
 * Audit entries matching every filter given, newest first: {items: [{id, occurred_at, actor_kind,
 * actor_id, actor_name, impersonator_id, impersonator_name, action, target_kind, target_id,
 * customer_id, ip, request_id, details}], next_cursor, total}. Caller owns *out.
 */
int audit_repo_search(json_t **out, struct db_conn *conn, const struct audit_filter *f);

/*
 * Links at most max committed unsealed entries into the chain, in a transaction of its own (conn
 * must be outside one). *sealed_out: how many; -1 when another sealer holds the chain's lock.
 */
int audit_repo_seal(long *sealed_out, struct db_conn *conn, int max);

/* What cabinetctl audit verify reports. */
struct audit_verdict {
	long long sealed, unsealed;  /* entries in the chain, and committed entries not yet in it */
	long long oldest_unsealed_s; /* age of the oldest of those, seconds (0 when none) */
	char broken_at
	        [160]; /* "" when every link holds; else "<position> (entry id <id>, <action>)" */
};

/*
 * Recomputes every link of the chain in order: the first entry whose hash, link or position is
 * wrong (changed, removed, reordered) is named in broken_at.
 */
int audit_repo_verify(struct audit_verdict *out, struct db_conn *conn);

#endif
