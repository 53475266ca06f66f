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

bool permission_known(const char *name)
{
	for (const char *const *p = STAFF_PERMISSIONS; name && *p; p++)
		if (strcmp(*p, name) == 0)
			return true;
	return false;
}

/* Whether the comma-separated list grants permission ("*" grants all). */
static bool list_grants(const char *list, const char *permission)
{
	size_t n = strlen(permission);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");

		if ((len == 1 && *p == '*') || (len == n && strncmp(p, permission, n) == 0))
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
	if (who->kind != PRINCIPAL_STAFF)
		return false; /* customers' permissions arrive with roles (the access issue) */
	return list_grants(who->permissions, permission);
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
	for (const char *const *p = STAFF_PERMISSIONS; who->kind == PRINCIPAL_STAFF && *p; p++)
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
