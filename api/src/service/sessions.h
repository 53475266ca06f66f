/* Sign-in, refresh, sign-out and access-token authentication (staff realm for now). */
#ifndef CABINET_SERVICE_SESSIONS_H
#define CABINET_SERVICE_SESSIONS_H

#include <jansson.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"

/* What a successful sign-in or refresh hands out. Free with session_tokens_clear. */
struct session_tokens {
	char *access_token;     /* JWT, owned */
	char refresh_token[65]; /* 256 bits as hex */
	long expires_in;        /* access token lifetime in seconds */
	long refresh_max_age;   /* seconds until the session's absolute end */
	char mfa_token[65];     /* set instead of tokens when a second factor is required */
	json_t *enrolment; /* with mfa_token: {secret, otpauth_uri} of an enrolment to confirm */
	json_t *recovery_codes; /* after an enrolment at sign-in: the codes, shown once */
	struct principal who;
};

void session_tokens_clear(struct session_tokens *t);

/*
 * Signs in with an e-mail and password in a realm ("staff"; "portal" has no accounts yet). Unknown
 * accounts cost the same verification as known ones. With 2FA on, answers APP_UNAUTHORIZED with
 * *refusal_out "mfa_required" and out->mfa_token set; when 2FA is required but not set up,
 * "mfa_enrolment_required" with out->enrolment as well. Errors: APP_UNAUTHORIZED (*refusal_out
 * "invalid_credentials", the same for unknown accounts and wrong passwords), APP_FORBIDDEN after a
 * right password ("account_disabled"), APP_UNAVAILABLE. Audited either way.
 */
int sessions_login(struct session_tokens *out, const char **refusal_out, struct app *app,
                   const struct client_info *ci, const char *login, const char *password,
                   const char *realm);

/*
 * The second step of a sign-in with 2FA: the mfa_token of the first step (5 minutes, ended by five
 * wrong codes) and a TOTP code or a recovery code. When the first step answered
 * "mfa_enrolment_required" (the policy requires 2FA the account does not have yet), the code
 * confirms the new secret and out->recovery_codes holds the account's first codes.
 * APP_UNAUTHORIZED with *refusal_out "invalid_mfa_token" or "invalid_code".
 */
int sessions_login_mfa(struct session_tokens *out, const char **refusal_out, struct app *app,
                       const struct client_info *ci, const char *mfa_token, const char *code,
                       const char *recovery_code);

/*
 * Exchanges an API token for a session (POST /auth/token): login names the token's owner in realm.
 * No password and no second factor: the token is the credential, and the session can do only what
 * the token may, and ends with it. Unknown logins and wrong tokens answer alike (APP_UNAUTHORIZED,
 * counted against the address only); refusals after a right token as sessions_login.
 */
int sessions_token_exchange(struct session_tokens *out, const char **refusal_out, struct app *app,
                            const struct client_info *ci, const char *login, const char *api_token,
                            const char *realm);

/*
 * Exchanges a refresh token for new tokens, rotating it. A token used twice revokes its whole session
 * (audited as auth.refresh_reuse). APP_UNAUTHORIZED for any token that does not lead to a live session.
 */
int sessions_refresh(struct session_tokens *out, struct app *app, const struct client_info *ci,
                     const char *refresh_token);

/* Ends the caller's session. */
int sessions_logout(struct app *app, const struct client_info *ci, const struct principal *who);

/*
 * Authenticates a bearer access token: signature and claims, then the session is still live and the
 * account active (checked on every request, so revocation takes effect on the next one).
 * APP_UNAUTHORIZED otherwise.
 */
int sessions_authenticate(struct principal *who_out, struct app *app, const char *access_token,
                          const char *client_ip);

/*
 * Changes the caller's password: the current one must match, the new one must pass the policy
 * (APP_INVALID with *fe naming the field and rule). Every other session of the caller ends; audited as
 * auth.password_changed. The hash is computed without holding a connection.
 */
int sessions_change_password(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *current_password,
                             const char *new_password, struct field_error *fe);

/* The caller's live sessions (see session_repo_list). Caller owns *out. */
int sessions_list_mine(json_t **out, struct app *app, const struct principal *who);

/* Ends one of the caller's sessions (APP_NOT_FOUND if not the caller's or already ended). */
int sessions_revoke_mine(struct app *app, const struct principal *who, const struct client_info *ci,
                         const char *session_id);

/* Ends every session of the caller but the current one ("sign out everywhere else"). */
int sessions_revoke_others(struct app *app, const struct principal *who,
                           const struct client_info *ci);

/*
 * Replaces the caller's trusted IP list (as typed; "" = any address) after checking the current
 * password. A list leaving out the caller's current address needs exclude_current. APP_INVALID with
 * *fe naming the bad entry or the rule; audited as auth.trusted_ips_changed.
 */
int sessions_set_trusted_ips(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *text,
                             const char *current_password, bool exclude_current,
                             struct field_error *fe);

/* The caller's own security log, newest first (see audit_repo_history). Caller owns *out. */
int sessions_history(json_t **out, struct app *app, const struct principal *who, const char *cursor,
                     int limit);

/*
 * "Log in as customer" (staff with customers.impersonate): opens a portal session of an active
 * customer on which the staff member stays named (the tokens' act claim, every audit entry's
 * impersonator), at most 30 minutes, and answers {handoff_url, session_id, expires_at}: the URL's
 * single-use code (2 minutes) gives the session to a portal tab. individual_id (or NULL): act as
 * one of the customer's individuals instead. mode "default_role": with the default role's
 * permissions (roles.default; user for an individual) rather than the account's own. APP_CONFLICT
 * (*conflict "not_active") for an account that is not active; APP_NOT_FOUND.
 */
int sessions_impersonate(json_t **out, const char **conflict, struct app *app,
                         const struct principal *who, const struct client_info *ci,
                         const char *customer_id, const char *individual_id, const char *mode,
                         const char *reason);

/* Exchanges a handoff code for the impersonation session's tokens. APP_NOT_FOUND when unusable. */
int sessions_impersonation_exchange(struct session_tokens *out, struct app *app,
                                    const struct client_info *ci, const char *code);

#endif
