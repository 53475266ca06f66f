/* Route table (declarative, like Redis's command table) and the segment matcher. */
#include "http/router.h"

#include <string.h>

#include "auth/principal.h"
#include "routes/routes.h"

const struct route ROUTES[] = {
        {"GET", "/healthz", route_healthz, NULL, 0},
        {"GET", "/readyz", route_readyz, NULL, 0},
        {"GET", "/metrics", route_metrics, NULL, 0},
        {"GET", "/openapi.yaml", route_openapi, NULL, 0},
        {"GET", "/docs", route_docs, NULL, 0},
        {"POST", "/api/v1/auth/login", route_auth_login, NULL, 0},
        {"POST", "/api/v1/auth/login/mfa", route_auth_login_mfa, NULL, 0},
        {"POST", "/api/v1/auth/refresh", route_auth_refresh, NULL, 0},
        {"POST", "/api/v1/auth/logout", route_auth_logout, "self", ACCESS_SESSION},
        {"POST", "/api/v1/auth/register", route_auth_register, NULL, 0},
        {"POST", "/api/v1/auth/confirm", route_auth_confirm, NULL, 0},
        {"POST", "/api/v1/auth/recovery", route_auth_recovery, NULL, 0},
        {"POST", "/api/v1/auth/recovery/confirm", route_auth_recovery_confirm, NULL, 0},
        {"POST", "/api/v1/auth/not-me", route_auth_not_me, NULL, 0},
        {"POST", "/api/v1/auth/impersonation", route_auth_impersonation, NULL, 0},
        {"GET", "/api/v1/me", route_me_get, "self", 0},
        {"PATCH", "/api/v1/me", route_me_patch, "profile.write", 0},
        {"PUT", "/api/v1/me/password", route_me_password, "self", ACCESS_CREDENTIALS},
        {"POST", "/api/v1/me/phone", route_me_phone, "profile.write", ACCESS_CREDENTIALS},
        {"PUT", "/api/v1/me/email", route_me_email, "self", ACCESS_CREDENTIALS},
        {"PUT", "/api/v1/me/security-question", route_me_question_put, "self", ACCESS_CREDENTIALS},
        {"DELETE", "/api/v1/me/security-question", route_me_question_delete, "self",
         ACCESS_CREDENTIALS},
        {"GET", "/api/v1/me/sessions", route_me_sessions, "sessions.manage", 0},
        {"DELETE", "/api/v1/me/sessions", route_me_sessions_delete, "sessions.manage", 0},
        {"DELETE", "/api/v1/me/sessions/{id}", route_me_session_delete, "sessions.manage", 0},
        {"GET", "/api/v1/me/history", route_me_history, "history.read", 0},
        {"GET", "/api/v1/me/trusted-ips", route_me_ips_get, "security.manage", 0},
        {"PUT", "/api/v1/me/trusted-ips", route_me_ips_put, "self", ACCESS_CREDENTIALS},
        {"POST", "/api/v1/me/2fa", route_me_2fa_enrol, "self", ACCESS_CREDENTIALS},
        {"POST", "/api/v1/me/2fa/confirm", route_me_2fa_confirm, "self", ACCESS_CREDENTIALS},
        {"DELETE", "/api/v1/me/2fa", route_me_2fa_delete, "self", ACCESS_CREDENTIALS},
        {"POST", "/api/v1/me/2fa/recovery-codes", route_me_2fa_codes, "self", ACCESS_CREDENTIALS},
        {"GET", "/api/v1/messages", route_messages_list, "messages.read", 0},
        {"GET", "/api/v1/messages/{id}", route_messages_get, "messages.read", 0},
        {"POST", "/api/v1/messages/{id}/retry", route_messages_retry, "messages.send", 0},
        {"GET", "/api/v1/templates", route_templates_list, "messages.read", 0},
        {"GET", "/api/v1/templates/{event}/{language}", route_templates_get, "messages.read", 0},
        {"PUT", "/api/v1/templates/{event}/{language}", route_templates_put, "templates.manage", 0},
        {"GET", "/api/v1/customers", route_customers_list, "customers.read", 0},
        {"POST", "/api/v1/customers", route_customers_create, "customers.write", 0},
        {"GET", "/api/v1/customers/export", route_customers_export, "customers.read", 0},
        {"POST", "/api/v1/customers/import", route_customers_import, "customers.import", 0},
        {"GET", "/api/v1/customers/{id}", route_customers_get, "customers.read", 0},
        {"PATCH", "/api/v1/customers/{id}", route_customers_patch, "customers.write", 0},
        {"DELETE", "/api/v1/customers/{id}", route_customers_delete, "customers.delete", 0},
        /* each action is its own route, so the table states the permission it needs */
        {"POST", "/api/v1/customers/{id}/actions/resend-confirmation", route_customers_action,
         "customers.write", 0},
        {"POST", "/api/v1/customers/{id}/actions/confirm", route_customers_action,
         "customers.write", 0},
        {"POST", "/api/v1/customers/{id}/actions/send-password-reset", route_customers_action,
         "customers.credentials", 0},
        {"POST", "/api/v1/customers/{id}/actions/send-credentials", route_customers_action,
         "customers.credentials", 0},
        {"POST", "/api/v1/customers/{id}/actions/send-email", route_customers_action,
         "messages.send", 0},
        {"POST", "/api/v1/customers/{id}/actions/suspend", route_customers_action,
         "customers.suspend", 0},
        {"POST", "/api/v1/customers/{id}/actions/ban", route_customers_action, "customers.ban", 0},
        {"POST", "/api/v1/customers/{id}/actions/reactivate", route_customers_action,
         "customers.suspend", 0},
        {"POST", "/api/v1/customers/{id}/actions/remove-2fa", route_customers_action,
         "customers.credentials", 0},
        {"POST", "/api/v1/customers/{id}/actions/reset-2fa", route_customers_action,
         "customers.credentials", 0},
        {"POST", "/api/v1/customers/{id}/actions/disable-security-question", route_customers_action,
         "customers.credentials", 0},
        {"POST", "/api/v1/customers/{id}/actions/unlock", route_customers_action,
         "customers.credentials", 0},
        {"POST", "/api/v1/customers/{id}/actions/revoke-sessions", route_customers_action,
         "customers.write", 0},
        {"POST", "/api/v1/customers/{id}/impersonate", route_customers_impersonate,
         "customers.impersonate", 0},
        {"GET", "/api/v1/customers/{id}/history", route_customers_history, "customers.read", 0},
        {"GET", "/api/v1/customers/{id}/notes", route_customers_notes, "customers.read", 0},
        {"POST", "/api/v1/customers/{id}/notes", route_customers_note_add, "customers.write", 0},
        {"GET", "/api/v1/customers/{id}/messages", route_customers_messages, "messages.read", 0},
        {"GET", "/api/v1/customers/{id}/sessions", route_customers_sessions, "customers.read", 0},
        {"DELETE", "/api/v1/customers/{id}/sessions/{sid}", route_customers_session_delete,
         "customers.write", 0},
        {"GET", "/api/v1/staff", route_staff_list, "staff.manage", 0},
        {"POST", "/api/v1/staff", route_staff_create, "staff.manage", 0},
        {"GET", "/api/v1/staff/roles", route_staff_roles, "staff.manage", 0},
        {"POST", "/api/v1/staff/roles", route_staff_role_create, "staff.manage", 0},
        {"PATCH", "/api/v1/staff/roles/{name}", route_staff_role_patch, "staff.manage", 0},
        {"DELETE", "/api/v1/staff/roles/{name}", route_staff_role_delete, "staff.manage", 0},
        {"GET", "/api/v1/staff/{id}", route_staff_get, "staff.manage", 0},
        {"PATCH", "/api/v1/staff/{id}", route_staff_patch, "staff.manage", 0},
        {"DELETE", "/api/v1/staff/{id}", route_staff_delete, "staff.manage", 0},
        {"GET", "/api/v1/audit", route_audit_list, "audit.read", 0},
        {"GET", "/api/v1/permissions", route_permissions, "self", 0},
        {"GET", "/api/v1/roles", route_roles_list, "roles.manage", 0},
        {"POST", "/api/v1/roles", route_roles_create, "roles.manage", 0},
        {"GET", "/api/v1/roles/{id}", route_roles_get, "roles.manage", 0},
        {"PATCH", "/api/v1/roles/{id}", route_roles_patch, "roles.manage", 0},
        {"DELETE", "/api/v1/roles/{id}", route_roles_delete, "roles.manage", 0},
        {"POST", "/api/v1/auth/token", route_auth_token, NULL, 0},
        {"GET", "/api/v1/tokens", route_tokens_list, "tokens.manage", 0},
        {"POST", "/api/v1/tokens", route_tokens_create, "tokens.manage", ACCESS_CREDENTIALS},
        {"DELETE", "/api/v1/tokens/{id}", route_tokens_delete, "tokens.manage", ACCESS_CREDENTIALS},
        {"GET", "/api/v1/customers/{id}/tokens", route_customers_tokens, "customers.read", 0},
        {"DELETE", "/api/v1/customers/{id}/tokens/{tid}", route_customers_token_delete,
         "customers.credentials", 0},
        {"POST", "/api/v1/auth/invitation", route_auth_invitation, NULL, 0},
        {"GET", "/api/v1/customers/{id}/individuals", route_individuals_list,
         "customers.read|individuals.manage", 0},
        {"POST", "/api/v1/customers/{id}/individuals", route_individuals_create,
         "customers.write|individuals.manage", 0},
        {"GET", "/api/v1/customers/{id}/individuals/{iid}", route_individuals_get,
         "customers.read|individuals.manage", 0},
        {"PATCH", "/api/v1/customers/{id}/individuals/{iid}", route_individuals_patch,
         "customers.write|individuals.manage", 0},
        {"DELETE", "/api/v1/customers/{id}/individuals/{iid}", route_individuals_delete,
         "customers.write|individuals.manage", 0},
        {"POST", "/api/v1/customers/{id}/individuals/{iid}/invitation", route_individuals_invite,
         "customers.write|individuals.manage", 0},
        {"GET", "/api/v1/customers/{id}/groups", route_groups_list, "customers.read|groups.manage",
         0},
        {"POST", "/api/v1/customers/{id}/groups", route_groups_create,
         "customers.write|groups.manage", 0},
        {"GET", "/api/v1/customers/{id}/groups/{gid}", route_groups_get,
         "customers.read|groups.manage", 0},
        {"PATCH", "/api/v1/customers/{id}/groups/{gid}", route_groups_patch,
         "customers.write|groups.manage", 0},
        {"DELETE", "/api/v1/customers/{id}/groups/{gid}", route_groups_delete,
         "customers.write|groups.manage", 0},
        {"PUT", "/api/v1/customers/{id}/groups/{gid}/members", route_groups_members,
         "customers.write|groups.manage", 0},
        {"GET", "/api/v1/settings", route_settings_get, "settings.manage", 0},
        {"PATCH", "/api/v1/settings", route_settings_patch, "settings.manage", 0},
        {"PUT", "/api/v1/settings/logo", route_settings_logo_put, "settings.manage", 0},
        {"DELETE", "/api/v1/settings/logo", route_settings_logo_delete, "settings.manage", 0},
        {"GET", "/api/v1/branding", route_branding_get, NULL, 0},
        {"GET", "/api/v1/branding/logo", route_branding_logo, NULL, 0},
#ifdef CABINET_TEST_HOOKS
        {"POST", "/api/v1/test/clock", route_test_clock, NULL, 0},
        {"POST", "/api/v1/test/sleep", route_test_sleep, NULL, 0},
        {"POST", "/api/v1/test/messages", route_test_messages, NULL, 0},
        {"POST", "/api/v1/test/transaction", route_test_transaction, NULL, 0},
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
