/* Two-factor authentication. Secrets are sealed per account; codes are compared as HMACs. */
#include "service/twofactor.h"

#include <stdio.h>
#include <string.h>

#include "auth/secrets.h"
#include "auth/totp.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/twofactor_repo.h"
#include "log.h"
#include "service/settings.h"

#define RECOVERY_CODES 10

int twofactor_enabled(bool *enabled_out, struct db_conn *conn, const char *account_id)
{
	struct totp_row row;
	int rc = totp_repo_get(&row, conn, account_id);

	*enabled_out = rc == APP_OK && row.confirmed;
	return rc == APP_NOT_FOUND ? APP_OK : rc;
}

/* A recovery code's HMAC: bound to its account, keyed by the server secret. */
static int code_hmac(char out[65], const struct app *app, const char *account_id, const char *code)
{
	char message[160], normalized[16];
	size_t n = 0;

	/* people type them with or without the dash, in any case */
	for (const char *p = code; *p && n < sizeof(normalized) - 1; p++)
		if (*p != '-' && *p != ' ')
			normalized[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	normalized[n] = '\0';
	snprintf(message, sizeof(message), "cabinet-2fa-recovery:%s:%s", account_id, normalized);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

/* The step of a code under the account's secret; confirm: whether enrolment is being confirmed. */
static int check_totp(struct db_conn *conn, const struct app *app, const char *account_id,
                      const char *code, bool confirm)
{
	struct totp_row row;
	unsigned char secret[64];
	size_t len = 0;
	long long step;
	int rc;

	if ((rc = totp_repo_get(&row, conn, account_id)) != APP_OK)
		return rc == APP_NOT_FOUND ? APP_INVALID : rc;
	if (row.confirmed == confirm)
		return APP_INVALID;
	if (secrets_open(secret, sizeof(secret), &len, app->cfg.jwt_secret, account_id,
	                 row.sealed) != APP_OK) {
		log_error("the 2FA secret of %s cannot be opened (was CABINET_JWT_SECRET changed?)",
		          account_id);
		return APP_INTERNAL;
	}
	rc = totp_check(&step, secret, len, code, clock_now());
	memset(secret, 0, sizeof(secret));
	if (rc != APP_OK)
		return APP_INVALID;
	rc = totp_repo_use_step(conn, account_id, step, confirm, clock_now());
	return rc == APP_NOT_FOUND ? APP_INVALID : rc; /* a step already used: a replay */
}

int twofactor_check(struct db_conn *conn, const struct app *app, const char *account_id,
                    const char *code, const char *recovery_code)
{
	char hmac[65];
	int rc;

	if (code)
		return check_totp(conn, app, account_id, code, false);
	if (!recovery_code || (rc = code_hmac(hmac, app, account_id, recovery_code)) != APP_OK)
		return APP_INVALID;
	rc = recovery_codes_use(conn, account_id, hmac, clock_now());
	return rc == APP_NOT_FOUND ? APP_INVALID : rc;
}

int twofactor_policy(char out[9], struct db_conn *conn, const struct account *a)
{
	bool staff_required = false;
	int rc = APP_OK;

	if (a->must_enrol_two_factor) {
		snprintf(out, 9, "required"); /* a reset by staff, whatever the policy */
	} else if (a->kind == PRINCIPAL_STAFF) {
		rc = settings_bool(&staff_required, conn, "two_factor.staff_required");
		snprintf(out, 9, "%s", staff_required ? "required" : "optional");
	} else if (strcmp(a->two_factor_policy, "inherit") == 0) {
		rc = settings_string(out, 9, conn, "two_factor.default_policy");
	} else {
		snprintf(out, 9, "%s", a->two_factor_policy);
	}
	return rc;
}

int twofactor_start(json_t **out, struct db_conn *conn, struct app *app, const struct account *a)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char base32[33], sealed[256], uri[768];
	int rc;

	*out = NULL;
	if ((rc = totp_new_secret(raw, base32)) == APP_OK &&
	    (rc = secrets_seal(sealed, sizeof(sealed), app->cfg.jwt_secret, a->id, raw,
	                       sizeof(raw))) == APP_OK &&
	    (rc = totp_uri(uri, sizeof(uri), "Cabinet", a->email, base32)) == APP_OK &&
	    (rc = totp_repo_put_pending(conn, a, sealed, clock_now())) == APP_OK)
		*out = json_pack("{s:s, s:s}", "secret", base32, "otpauth_uri", uri);
	memset(raw, 0, sizeof(raw));
	memset(base32, 0, sizeof(base32));
	return rc;
}

int twofactor_enrol(json_t **out, struct app *app, const struct principal *who)
{
	struct account a;
	struct db_conn *conn = NULL;
	char policy[9];
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = account_repo_get(&a, conn, who->kind, who->id)) == APP_OK &&
	    (rc = twofactor_policy(policy, conn, &a)) == APP_OK)
		rc = strcmp(policy, "off") == 0 ? APP_FORBIDDEN
		                                : twofactor_start(out, conn, app, &a);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* New recovery codes: stored as HMACs, returned once as "xxxx-xxxx". */
static int fresh_codes(json_t **out, struct db_conn *conn, const struct app *app,
                       const char *account_id)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	char hmacs[RECOVERY_CODES][65];
	json_t *list = json_array();
	int rc = APP_OK;

	for (int i = 0; i < RECOVERY_CODES && rc == APP_OK; i++) {
		unsigned char bytes[8];
		char code[10];

		if ((rc = secrets_random(bytes, sizeof(bytes))) != APP_OK)
			break;
		for (int k = 0, j = 0; k < 8; k++, j++) {
			if (k == 4)
				code[j++] = '-';
			code[j] = alphabet[bytes[k] % (sizeof(alphabet) - 1)];
		}
		code[9] = '\0';
		rc = code_hmac(hmacs[i], app, account_id, code);
		json_array_append_new(list, json_string(code));
	}
	if (rc == APP_OK)
		rc = recovery_codes_replace(conn, account_id, hmacs, RECOVERY_CODES);
	if (rc == APP_OK)
		*out = json_pack("{s:o}", "recovery_codes", list);
	else
		json_decref(list);
	return rc;
}

/* Runs step (which checks a factor and changes things) and the audit entry in one transaction. */
static int audited(struct app *app, const struct principal *who, const struct client_info *ci,
                   const char *action,
                   int (*step)(struct db_conn *, struct app *, const struct principal *,
                               const void *, json_t **),
                   const void *arg, json_t **out)
{
	struct db_conn *conn = NULL;
	struct audit_entry e = audit_entry_self(who->kind, who->id, ci, action, NULL);
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) == APP_OK && (rc = step(conn, app, who, arg, out)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	if (rc != APP_OK && out) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int twofactor_activate(json_t **out, struct db_conn *conn, struct app *app, const char *account_id,
                       const char *code)
{
	int rc = check_totp(conn, app, account_id, code, true);

	*out = NULL;
	if (rc == APP_OK)
		rc = twofactor_repo_enrolled(conn, account_id);
	return rc == APP_OK ? fresh_codes(out, conn, app, account_id) : rc;
}

static int confirm_step(struct db_conn *conn, struct app *app, const struct principal *who,
                        const void *code, json_t **out)
{
	return twofactor_activate(out, conn, app, who->id, code);
}

int twofactor_confirm(json_t **out, struct app *app, const struct principal *who,
                      const struct client_info *ci, const char *code)
{
	*out = NULL;
	return audited(app, who, ci, "auth.2fa_enabled", confirm_step, code, out);
}

struct factor {
	const char *code, *recovery_code;
};

static int disable_step(struct db_conn *conn, struct app *app, const struct principal *who,
                        const void *arg, json_t **out)
{
	const struct factor *f = arg;
	struct account a;
	char policy[9];
	int rc;

	(void)out;
	/* an account that must have 2FA cannot turn it off (staff can reset it for enrolment) */
	if ((rc = account_repo_get(&a, conn, who->kind, who->id)) != APP_OK ||
	    (rc = twofactor_policy(policy, conn, &a)) != APP_OK)
		return rc;
	if (strcmp(policy, "required") == 0)
		return APP_CONFLICT;
	rc = twofactor_check(conn, app, who->id, f->code, f->recovery_code);
	return rc == APP_OK ? totp_repo_delete(conn, who->id) : rc;
}

int twofactor_disable(struct app *app, const struct principal *who, const struct client_info *ci,
                      const char *code, const char *recovery_code)
{
	struct factor f = {code, recovery_code};

	return audited(app, who, ci, "auth.2fa_disabled", disable_step, &f, NULL);
}

static int codes_step(struct db_conn *conn, struct app *app, const struct principal *who,
                      const void *code, json_t **out)
{
	int rc = check_totp(conn, app, who->id, code, false);

	return rc == APP_OK ? fresh_codes(out, conn, app, who->id) : rc;
}

int twofactor_new_codes(json_t **out, struct app *app, const struct principal *who,
                        const struct client_info *ci, const char *code)
{
	*out = NULL;
	return audited(app, who, ci, "auth.2fa_recovery_codes_renewed", codes_step, code, out);
}
