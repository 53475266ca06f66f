/* Staff roles over the permission catalogue. Customers and custom roles extend this with the access issue. */
#include "auth/principal.h"

#include <string.h>

/* role -> permissions; "*" is every permission */
static const struct {
	const char *role;
	const char *const *permissions;
} ROLE_TABLE[] = {
        {"owner", (const char *const[]){"*", NULL}},
        {"admin", (const char *const[]){"*", NULL}},
        {"support", (const char *const[]){"self", "messages.read", "messages.send", NULL}},
        {"read_only", (const char *const[]){"self", "messages.read", NULL}},
};

bool principal_allows(const struct principal *who, const char *permission)
{
	if (!who || who->kind == PRINCIPAL_NONE || !permission)
		return false;
	if (strcmp(permission, "self") == 0)
		return true;
	if (who->kind != PRINCIPAL_STAFF)
		return false; /* customers' permissions arrive with roles (the access issue) */
	for (size_t i = 0; i < sizeof(ROLE_TABLE) / sizeof(ROLE_TABLE[0]); i++) {
		if (strcmp(ROLE_TABLE[i].role, who->role) != 0)
			continue;
		for (const char *const *p = ROLE_TABLE[i].permissions; *p; p++)
			if (strcmp(*p, "*") == 0 || strcmp(*p, permission) == 0)
				return true;
	}
	return false;
}

json_t *principal_to_json(const struct principal *who)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "kind",
	                 who->kind == PRINCIPAL_CUSTOMER ? "customer" : "staff", "id", who->id,
	                 "email", who->email, "display_name", who->display_name, "role", who->role,
	                 "must_change_password", who->must_change_password, "two_factor",
	                 who->two_factor);
}
