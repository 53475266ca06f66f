/* Who is calling: left by the dispatcher in the request context for handlers and services. */
#ifndef CABINET_PRINCIPAL_H
#define CABINET_PRINCIPAL_H

#include <jansson.h>
#include <stdbool.h>

enum principal_kind { PRINCIPAL_NONE = 0, PRINCIPAL_STAFF, PRINCIPAL_CUSTOMER };

struct principal {
	enum principal_kind kind;
	char id[37];         /* staff or customer id */
	char session_id[37]; /* the session its access token belongs to */
	char role[32];       /* staff role; "customer" for a customer's own login */
	char email[255];
	char display_name[201];
	bool must_change_password;
	bool two_factor;          /* a TOTP credential is active */
	char trusted_ips[10001];  /* the account's list as typed; "" = any address */
	char permissions[1024];   /* its role's permissions, comma-separated (staff: "*" = all) */
	char impersonator_id[37]; /* a staff member acting as this customer, "" otherwise */
	char impersonator_name[201]; /* its display name (or e-mail) */
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
 * Whether who may use permission (route table strings: "self" for any signed-in principal,
 * "self.sensitive" for the caller's credentials, which an impersonating staff member may not change,
 * or a catalogue name such as "audit.read", granted by the staff member's role). Denies by default,
 * and always for PRINCIPAL_NONE.
 */
bool principal_allows(const struct principal *who, const char *permission);

/* The principal as the API shows it ({kind, id, email, display_name, role, must_change_password}). */
json_t *principal_to_json(const struct principal *who);

#endif
