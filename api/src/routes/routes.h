/* Route handlers: HTTP <-> domain glue, one file per resource. */
#ifndef CABINET_ROUTES_H
#define CABINET_ROUTES_H

#include <ulfius.h>

/* service.c */
int route_healthz(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_readyz(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_metrics(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_openapi(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_docs(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* auth.c */
int route_auth_login(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_refresh(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_logout(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_register(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_confirm(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_recovery(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_login_mfa(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_auth_recovery_confirm(const struct _u_request *req, struct _u_response *resp,
                                void *user_data);

/* me.c */
int route_me_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_phone(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_password(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_sessions(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_session_delete(const struct _u_request *req, struct _u_response *resp,
                            void *user_data);
int route_me_sessions_delete(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);

/* messages.c */
int route_messages_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_messages_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_messages_retry(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_templates_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_templates_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_templates_put(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* test_hooks.c, only in builds with CABINET_TEST_HOOKS */
int route_test_clock(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_test_sleep(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_test_transaction(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_test_messages(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* me.c: two-factor authentication */
int route_me_2fa_enrol(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_2fa_confirm(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_2fa_delete(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_2fa_codes(const struct _u_request *req, struct _u_response *resp, void *user_data);

int route_me_ips_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_ips_put(const struct _u_request *req, struct _u_response *resp, void *user_data);

int route_me_history(const struct _u_request *req, struct _u_response *resp, void *user_data);

int route_me_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_email(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_question_put(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_me_question_delete(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);

/* auth.c: the "this wasn't me" link of a new-device notice */
int route_auth_not_me(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* settings.c */
int route_settings_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_settings_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_settings_logo_put(const struct _u_request *req, struct _u_response *resp,
                            void *user_data);
int route_settings_logo_delete(const struct _u_request *req, struct _u_response *resp,
                               void *user_data);
int route_branding_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_branding_logo(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* customers.c */
int route_customers_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_export(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_create(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_delete(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_action(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_history(const struct _u_request *req, struct _u_response *resp,
                            void *user_data);
int route_customers_notes(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_note_add(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);
int route_customers_sessions(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);
int route_customers_session_delete(const struct _u_request *req, struct _u_response *resp,
                                   void *user_data);
int route_audit_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_import(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_impersonate(const struct _u_request *req, struct _u_response *resp,
                                void *user_data);

/* auth.c: the hand-off of an impersonation session */
int route_auth_impersonation(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);

/* messages.c: a customer's messages */
int route_customers_messages(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);

/* staff.c */
int route_staff_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_roles(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_create(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_delete(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_role_create(const struct _u_request *req, struct _u_response *resp,
                            void *user_data);
int route_staff_role_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_staff_role_delete(const struct _u_request *req, struct _u_response *resp,
                            void *user_data);

/* roles.c */
int route_permissions(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_roles_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_roles_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_roles_create(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_roles_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_roles_delete(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* tokens.c */
int route_tokens_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_tokens_create(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_tokens_delete(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_tokens(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_customers_token_delete(const struct _u_request *req, struct _u_response *resp,
                                 void *user_data);

/* auth.c: an API token exchanged for a session */
int route_auth_token(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* individuals.c */
int route_individuals_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_individuals_create(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);
int route_individuals_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_individuals_patch(const struct _u_request *req, struct _u_response *resp,
                            void *user_data);
int route_individuals_delete(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);
int route_individuals_invite(const struct _u_request *req, struct _u_response *resp,
                             void *user_data);
int route_auth_invitation(const struct _u_request *req, struct _u_response *resp, void *user_data);

/* groups.c */
int route_groups_list(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_groups_create(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_groups_get(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_groups_patch(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_groups_delete(const struct _u_request *req, struct _u_response *resp, void *user_data);
int route_groups_members(const struct _u_request *req, struct _u_response *resp, void *user_data);

#endif
