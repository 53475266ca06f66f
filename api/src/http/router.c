/* Route table (declarative, like Redis's command table) and the segment matcher. */
#include "http/router.h"

#include <string.h>

#include "routes/routes.h"

const struct route ROUTES[] = {
        {"GET", "/healthz", route_healthz, NULL},
        {"GET", "/readyz", route_readyz, NULL},
        {"GET", "/metrics", route_metrics, NULL},
        {"GET", "/openapi.yaml", route_openapi, NULL},
        {"GET", "/docs", route_docs, NULL},
        {"POST", "/api/v1/auth/login", route_auth_login, NULL},
        {"POST", "/api/v1/auth/login/mfa", route_auth_login_mfa, NULL},
        {"POST", "/api/v1/auth/refresh", route_auth_refresh, NULL},
        {"POST", "/api/v1/auth/logout", route_auth_logout, "self"},
        {"POST", "/api/v1/auth/register", route_auth_register, NULL},
        {"POST", "/api/v1/auth/confirm", route_auth_confirm, NULL},
        {"POST", "/api/v1/auth/recovery", route_auth_recovery, NULL},
        {"POST", "/api/v1/auth/recovery/confirm", route_auth_recovery_confirm, NULL},
        {"POST", "/api/v1/auth/not-me", route_auth_not_me, NULL},
        {"POST", "/api/v1/auth/impersonation", route_auth_impersonation, NULL},
        {"GET", "/api/v1/me", route_me_get, "self"},
        {"PATCH", "/api/v1/me", route_me_patch, "self"},
        {"PUT", "/api/v1/me/password", route_me_password, "self.sensitive"},
        {"PUT", "/api/v1/me/email", route_me_email, "self.sensitive"},
        {"PUT", "/api/v1/me/security-question", route_me_question_put, "self.sensitive"},
        {"DELETE", "/api/v1/me/security-question", route_me_question_delete, "self.sensitive"},
        {"GET", "/api/v1/me/sessions", route_me_sessions, "self"},
        {"DELETE", "/api/v1/me/sessions", route_me_sessions_delete, "self"},
        {"DELETE", "/api/v1/me/sessions/{id}", route_me_session_delete, "self"},
        {"GET", "/api/v1/me/history", route_me_history, "self"},
        {"GET", "/api/v1/me/trusted-ips", route_me_ips_get, "self"},
        {"PUT", "/api/v1/me/trusted-ips", route_me_ips_put, "self.sensitive"},
        {"POST", "/api/v1/me/2fa", route_me_2fa_enrol, "self.sensitive"},
        {"POST", "/api/v1/me/2fa/confirm", route_me_2fa_confirm, "self.sensitive"},
        {"DELETE", "/api/v1/me/2fa", route_me_2fa_delete, "self.sensitive"},
        {"POST", "/api/v1/me/2fa/recovery-codes", route_me_2fa_codes, "self.sensitive"},
        {"GET", "/api/v1/messages", route_messages_list, "messages.read"},
        {"GET", "/api/v1/messages/{id}", route_messages_get, "messages.read"},
        {"POST", "/api/v1/messages/{id}/retry", route_messages_retry, "messages.send"},
        {"GET", "/api/v1/templates", route_templates_list, "messages.read"},
        {"GET", "/api/v1/templates/{event}/{language}", route_templates_get, "messages.read"},
        {"PUT", "/api/v1/templates/{event}/{language}", route_templates_put, "templates.manage"},
        {"GET", "/api/v1/customers", route_customers_list, "customers.read"},
        {"POST", "/api/v1/customers", route_customers_create, "customers.write"},
        {"GET", "/api/v1/customers/export", route_customers_export, "customers.read"},
        {"POST", "/api/v1/customers/import", route_customers_import, "customers.import"},
        {"GET", "/api/v1/customers/{id}", route_customers_get, "customers.read"},
        {"PATCH", "/api/v1/customers/{id}", route_customers_patch, "customers.write"},
        {"DELETE", "/api/v1/customers/{id}", route_customers_delete, "customers.delete"},
        /* each action is its own route, so the table states the permission it needs */
        {"POST", "/api/v1/customers/{id}/actions/resend-confirmation", route_customers_action,
         "customers.write"},
        {"POST", "/api/v1/customers/{id}/actions/confirm", route_customers_action,
         "customers.write"},
        {"POST", "/api/v1/customers/{id}/actions/send-password-reset", route_customers_action,
         "customers.credentials"},
        {"POST", "/api/v1/customers/{id}/actions/send-credentials", route_customers_action,
         "customers.credentials"},
        {"POST", "/api/v1/customers/{id}/actions/send-email", route_customers_action,
         "messages.send"},
        {"POST", "/api/v1/customers/{id}/actions/suspend", route_customers_action,
         "customers.suspend"},
        {"POST", "/api/v1/customers/{id}/actions/ban", route_customers_action, "customers.ban"},
        {"POST", "/api/v1/customers/{id}/actions/reactivate", route_customers_action,
         "customers.suspend"},
        {"POST", "/api/v1/customers/{id}/actions/remove-2fa", route_customers_action,
         "customers.credentials"},
        {"POST", "/api/v1/customers/{id}/actions/reset-2fa", route_customers_action,
         "customers.credentials"},
        {"POST", "/api/v1/customers/{id}/actions/disable-security-question", route_customers_action,
         "customers.credentials"},
        {"POST", "/api/v1/customers/{id}/actions/unlock", route_customers_action,
         "customers.credentials"},
        {"POST", "/api/v1/customers/{id}/actions/revoke-sessions", route_customers_action,
         "customers.write"},
        {"POST", "/api/v1/customers/{id}/impersonate", route_customers_impersonate,
         "customers.impersonate"},
        {"GET", "/api/v1/customers/{id}/history", route_customers_history, "customers.read"},
        {"GET", "/api/v1/customers/{id}/notes", route_customers_notes, "customers.read"},
        {"POST", "/api/v1/customers/{id}/notes", route_customers_note_add, "customers.write"},
        {"GET", "/api/v1/customers/{id}/messages", route_customers_messages, "messages.read"},
        {"GET", "/api/v1/customers/{id}/sessions", route_customers_sessions, "customers.read"},
        {"DELETE", "/api/v1/customers/{id}/sessions/{sid}", route_customers_session_delete,
         "customers.write"},
        {"GET", "/api/v1/staff", route_staff_list, "staff.manage"},
        {"POST", "/api/v1/staff", route_staff_create, "staff.manage"},
        {"GET", "/api/v1/staff/roles", route_staff_roles, "staff.manage"},
        {"POST", "/api/v1/staff/roles", route_staff_role_create, "staff.manage"},
        {"PATCH", "/api/v1/staff/roles/{name}", route_staff_role_patch, "staff.manage"},
        {"DELETE", "/api/v1/staff/roles/{name}", route_staff_role_delete, "staff.manage"},
        {"GET", "/api/v1/staff/{id}", route_staff_get, "staff.manage"},
        {"PATCH", "/api/v1/staff/{id}", route_staff_patch, "staff.manage"},
        {"DELETE", "/api/v1/staff/{id}", route_staff_delete, "staff.manage"},
        {"GET", "/api/v1/audit", route_audit_list, "audit.read"},
        {"GET", "/api/v1/permissions", route_permissions, "self"},
        {"GET", "/api/v1/roles", route_roles_list, "roles.manage"},
        {"POST", "/api/v1/roles", route_roles_create, "roles.manage"},
        {"GET", "/api/v1/roles/{id}", route_roles_get, "roles.manage"},
        {"PATCH", "/api/v1/roles/{id}", route_roles_patch, "roles.manage"},
        {"DELETE", "/api/v1/roles/{id}", route_roles_delete, "roles.manage"},
        {"GET", "/api/v1/settings", route_settings_get, "settings.manage"},
        {"PATCH", "/api/v1/settings", route_settings_patch, "settings.manage"},
        {"PUT", "/api/v1/settings/logo", route_settings_logo_put, "settings.manage"},
        {"DELETE", "/api/v1/settings/logo", route_settings_logo_delete, "settings.manage"},
        {"GET", "/api/v1/branding", route_branding_get, NULL},
        {"GET", "/api/v1/branding/logo", route_branding_logo, NULL},
#ifdef CABINET_TEST_HOOKS
        {"POST", "/api/v1/test/clock", route_test_clock, NULL},
        {"POST", "/api/v1/test/sleep", route_test_sleep, NULL},
        {"POST", "/api/v1/test/messages", route_test_messages, NULL},
#endif
};

const size_t ROUTE_COUNT = sizeof(ROUTES) / sizeof(ROUTES[0]);

/* Matches one template against a path; fills params when given. */
static bool match(const char *tpl, const char *path, struct _u_map *params)
{
	while (*tpl && *path) {
		if (*tpl != '/' || *path != '/')
			return false;
		tpl++, path++;
		size_t tlen = strcspn(tpl, "/"), plen = strcspn(path, "/");

		if (tlen > 2 && tpl[0] == '{' && tpl[tlen - 1] == '}') {
			char name[64], value[256];

			if (plen == 0 || plen >= sizeof(value) || tlen - 2 >= sizeof(name))
				return false;
			if (params) {
				memcpy(name, tpl + 1, tlen - 2);
				name[tlen - 2] = '\0';
				memcpy(value, path, plen);
				value[plen] = '\0';
				u_map_put(params, name, value);
			}
		} else if (tlen != plen || strncmp(tpl, path, tlen) != 0) {
			return false;
		}
		tpl += tlen, path += plen;
	}
	return *tpl == '\0' && *path == '\0';
}

enum route_match router_find(size_t *index_out, char *allow_out, size_t allow_len,
                             const char *method, const char *path, struct _u_map *params)
{
	bool path_seen = false;
	size_t used = 0;

	if (allow_out && allow_len)
		allow_out[0] = '\0';
	for (size_t i = 0; i < ROUTE_COUNT; i++) {
		if (!match(ROUTES[i].path, path, NULL))
			continue;
		path_seen = true;
		if (strcmp(ROUTES[i].method, method) == 0) {
			*index_out = i;
			if (params)
				match(ROUTES[i].path, path, params);
			return ROUTE_MATCHED;
		}
		if (allow_out && used < allow_len) {
			int n = snprintf(allow_out + used, allow_len - used, "%s%s",
			                 used ? ", " : "", ROUTES[i].method);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

void router_print(FILE *out)
{
	for (size_t i = 0; i < ROUTE_COUNT; i++)
		fprintf(out, "%s %s\n", ROUTES[i].method, ROUTES[i].path);
}
