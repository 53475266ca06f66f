/* The staff permission catalogue and the one decision over it. Portal roles join with the access issue. */
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

bool principal_allows(const struct principal *who, const char *permission)
{
	if (!who || who->kind == PRINCIPAL_NONE || !permission)
		return false;
	if (strcmp(permission, "self") == 0)
		return true;
	if (strcmp(permission, "self.sensitive") == 0)
		return !who->impersonator_id[0];
	/* a customer's come from its portal role: named one by one, never "*", portal names only */
	if (who->kind == PRINCIPAL_CUSTOMER)
		return portal_permission_known(permission) &&
		       list_grants(who->permissions, permission, false);
	return who->kind == PRINCIPAL_STAFF && list_grants(who->permissions, permission, true);
}

json_t *principal_to_json(const struct principal *who)
{
	json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "kind",
	                        who->kind == PRINCIPAL_CUSTOMER ? "customer" : "staff", "id",
	                        who->id, "email", who->email, "display_name", who->display_name,
	                        "role", who->role, "must_change_password",
	                        who->must_change_password, "two_factor", who->two_factor);
	json_t *granted = json_array();

	/* what the apps may show: the catalogue entries this principal is granted */
	for (const char *const *p = who->kind == PRINCIPAL_STAFF ? STAFF_PERMISSIONS
	                                                         : PORTAL_PERMISSIONS;
	     *p; p++)
		if (principal_allows(who, *p))
			json_array_append_new(granted, json_string(*p));
	json_object_set_new(out, "permissions", granted);
	json_object_set_new(out, "impersonator",
	                    who->impersonator_id[0]
	                            ? json_pack("{s:s, s:s}", "id", who->impersonator_id, "name",
	                                        who->impersonator_name)
	                            : json_null());
	return out;
}
