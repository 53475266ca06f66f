/* The staff and portal permission catalogues and the one authorization decision over them. */
#include "auth/principal.h"

#include <string.h>

const char *const STAFF_PERMISSIONS[] = {
        "customers.read",
        "customers.write",
        "customers.credentials",
        "customers.suspend",
        "customers.ban",
        "customers.delete",
        "customers.impersonate",
        "customers.import",
        "staff.manage",
        "settings.manage",
        "audit.read",
        "messages.read",
        "messages.send",
        "templates.manage",
        "roles.manage",
        NULL,
};

const char *const PORTAL_PERMISSIONS[] = {
        "profile.read",       "profile.write",     "security.manage",  "sessions.manage",
        "individuals.manage", "groups.manage",     "tokens.manage",    "history.read",
        "licenses.read",      "licenses.activate", "licenses.offline", "releases.download",
        "bookings.read",      "bookings.create",   "bookings.cancel",  NULL,
};

bool portal_permission_known(const char *name)
{
	for (const char *const *p = PORTAL_PERMISSIONS; name && *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

bool permission_known(const char *name)
{
	for (const char *const *p = STAFF_PERMISSIONS; name && *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

bool permission_list_literal(char *out, size_t len, const json_t *names,
                             bool (*known)(const char *name))
{
	size_t i, used = 1;
	json_t *n;

	if (!json_is_array(names) || len < 3)
		return false;
	out[0] = '{';
	json_array_foreach(names, i, n)
	{
		const char *name = json_string_value(n);
		size_t k = name ? strlen(name) : 0;

		/* catalogue names need no quoting in an array literal */
		if (!name || !known(name) || used + k + 3 > len)
			return false;
		if (i)
			out[used++] = ',';
		memcpy(out + used, name, k);
		used += k;
	}
	out[used++] = '}';
	out[used] = '\0';
	return true;
}

/* Whether the comma-separated list grants permission; wildcard: "*" grants all. */
static bool list_grants(const char *list, const char *permission, bool wildcard)
{
	size_t n = strlen(permission);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");

		if ((wildcard && len == 1 && *p == '*') ||
		    (len == n && strncmp(p, permission, n) == 0))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

bool permission_of_own_account(const char *name)
{
	static const char *const OWN[] = {"profile.read",
	                                  "profile.write",
	                                  "security.manage",
	                                  "sessions.manage",
	                                  "history.read",
	                                  "tokens.manage",
	                                  NULL};

	for (const char *const *p = OWN; name && *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

/* What the account itself may do, before a token narrows it. */
static bool account_allows(const struct principal *who, const char *permission)
{
	if (strcmp(permission, "self") == 0)
		return true;
	/* a portal principal's come from its portal role: named one by one, never "*" */
	if (PRINCIPAL_IN_PORTAL(who->kind))
		return portal_permission_known(permission) &&
		       list_grants(who->permissions, permission, false);
	if (portal_permission_known(permission))
		return permission_of_own_account(permission);
	return list_grants(who->permissions, permission, true);
}

static const char *refusal_of_one(const struct principal *who, const char *permission,
                                  unsigned flags)
{
	if (!who || who->kind == PRINCIPAL_NONE || !permission)
		return "forbidden";
	if ((flags & ACCESS_CREDENTIALS) && who->impersonator_id[0])
		return "impersonation_restricted";
	if ((flags & ACCESS_CREDENTIALS) && who->token_id[0])
		return "token_restricted";
	if ((flags & ACCESS_SESSION) && who->token_direct)
		return "session_required";
	if (!account_allows(who, permission))
		return "forbidden";
	/* a token grants what it names and its owner still holds; "self" routes need no name */
	if (who->token_id[0] && strcmp(permission, "self") != 0 &&
	    !list_grants(who->token_permissions, permission, false))
		return "forbidden";
	return NULL;
}

const char *principal_refusal(const struct principal *who, const char *permission, unsigned flags)
{
	const char *refusal = "forbidden";
	char one[64];

	if (!permission)
		return refusal;
	/* "customers.read|individuals.manage": staff by one name, portal principals by the other */
	for (const char *p = permission; *p;) {
		size_t len = strcspn(p, "|");

		if (len >= sizeof(one))
			return "forbidden";
		memcpy(one, p, len);
		one[len] = '\0';
		if (!(refusal = refusal_of_one(who, one, flags)))
			return NULL;
		p += len + (p[len] == '|');
	}
	return refusal;
}

bool principal_allows(const struct principal *who, const char *permission, unsigned flags)
{
	return who && who->kind != PRINCIPAL_NONE && permission &&
	       principal_refusal(who, permission, flags) == NULL;
}

bool principal_reaches_customer(const struct principal *who, const char *customer_id)
{
	if (!who || !customer_id)
		return false;
	if (who->kind == PRINCIPAL_STAFF)
		return true;
	return PRINCIPAL_IN_PORTAL(who->kind) && strcmp(who->customer_id, customer_id) == 0;
}

static const char *kind_name(enum principal_kind kind)
{
	return kind == PRINCIPAL_CUSTOMER     ? "customer"
	       : kind == PRINCIPAL_INDIVIDUAL ? "individual"
	                                      : "staff";
}

json_t *principal_to_json(const struct principal *who)
{
	json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "kind", kind_name(who->kind),
	                        "id", who->id, "email", who->email, "display_name",
	                        who->display_name, "role", who->role, "must_change_password",
	                        who->must_change_password, "two_factor", who->two_factor);
	json_t *granted = json_array();

	/* what the apps may show: the catalogue entries this principal is granted (staff: both) */
	for (const char *const *p = STAFF_PERMISSIONS; who->kind == PRINCIPAL_STAFF && *p; p++)
		if (principal_allows(who, *p, 0))
			json_array_append_new(granted, json_string(*p));
	for (const char *const *p = PORTAL_PERMISSIONS; *p; p++)
		if (principal_allows(who, *p, 0))
			json_array_append_new(granted, json_string(*p));
	json_object_set_new(out, "permissions", granted);
	json_object_set_new(out, "customer_id",
	                    who->customer_id[0] ? json_string(who->customer_id) : json_null());
	json_object_set_new(out, "api_token_id",
	                    who->token_id[0] ? json_string(who->token_id) : json_null());
	json_object_set_new(out, "impersonator",
	                    who->impersonator_id[0]
	                            ? json_pack("{s:s, s:s}", "id", who->impersonator_id, "name",
	                                        who->impersonator_name)
	                            : json_null());
	return out;
}
