/* Who is calling: left by the dispatcher in the request context for handlers and services. */
#ifndef CABINET_PRINCIPAL_H
#define CABINET_PRINCIPAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum principal_kind {
	PRINCIPAL_NONE = 0,
	PRINCIPAL_STAFF,
	PRINCIPAL_CUSTOMER,
	PRINCIPAL_INDIVIDUAL
};

/* Customers and their individuals: the accounts of the portal realm. */
#define PRINCIPAL_IN_PORTAL(kind) ((kind) == PRINCIPAL_CUSTOMER || (kind) == PRINCIPAL_INDIVIDUAL)

struct principal {
	enum principal_kind kind;
	char id[37];          /* staff, customer or individual id */
	char customer_id[37]; /* the customer it belongs to (a customer's own id), "" for staff */
	char session_id[37];  /* the session its access token belongs to */
	char role[32];        /* staff role; "customer" or "individual" in the portal */
	char email[255];
	char display_name[201];
	bool must_change_password;
	bool two_factor;          /* a TOTP credential is active */
	char permissions[1024];   /* its role's permissions, comma-separated (staff: "*" = all) */
	char impersonator_id[37]; /* a staff member acting as this customer, "" otherwise */
	char impersonator_name[201];  /* its display name (or e-mail) */
	char token_id[37];            /* the API token it acts through, "" otherwise */
	char token_permissions[1024]; /* that token's own set, comma-separated */
	bool token_direct;            /* the request carries the API token itself (no session) */
	long long signed_in_at;       /* when its session's sign-in proved the password; 0: never */
	/* the account's list as typed, "" = any address. Last: the principal cache keeps only the
	 * part of it the text uses */
	char trusted_ips[10001];
};

/* What a route asks beyond its permission (struct route's flags). */
enum {
	/* changes the caller's own credentials: never through impersonation or an API token */
	ACCESS_CREDENTIALS = 1u << 0,
	/* acts on the caller's session: needs one (a bare API token has none) */
	ACCESS_SESSION = 1u << 1,
};

/* The staff permission catalogue: every name a route or a staff role may use, NULL-terminated. */
extern const char *const STAFF_PERMISSIONS[];

/* Whether name is in the staff permission catalogue. */
bool permission_known(const char *name);

/* The portal permission catalogue (customers, individuals, their tokens), NULL-terminated. */
extern const char *const PORTAL_PERMISSIONS[];

/* Whether name is in the portal permission catalogue. */
bool portal_permission_known(const char *name);

/*
 * Writes names (a JSON array of strings) as a PostgreSQL text[] literal ("{a,b}") into out. False
 * when names is not an array, a name fails known, or the list does not fit in len.
 */
bool permission_list_literal(char *out, size_t len, const json_t *names,
                             bool (*known)(const char *name));

/*
 * Whether name is a portal permission every staff member holds for its own account (profile,
 * security, sessions, history, its own API tokens).
 */
bool permission_of_own_account(const char *name);

/*
 * The one authorization decision: whether who may use permission with flags (ACCESS_*). permission
 * is "self" (any signed-in principal), a staff catalogue name (granted by the staff role), a portal
 * catalogue name (granted by the portal role; to staff for their own account only), or alternatives
 * separated by '|' ("customers.read|individuals.manage": either grants). An API
 * token narrows its owner: it must name the permission too. Denies by default, and always for
 * PRINCIPAL_NONE.
 */
bool principal_allows(const struct principal *who, const char *permission, unsigned flags);

/* Why principal_allows said no, as a problem code: "impersonation_restricted", "token_restricted",
 * "session_required" or "forbidden". */
const char *principal_refusal(const struct principal *who, const char *permission, unsigned flags);

/*
 * Whether who may reach the data of customer_id: staff (their permissions decide), or a portal
 * principal of that very customer. A portal principal asking for another customer gets "not found".
 */
bool principal_reaches_customer(const struct principal *who, const char *customer_id);

/* The principal as the API shows it ({kind, id, email, display_name, role, must_change_password}). */
json_t *principal_to_json(const struct principal *who);

#endif
