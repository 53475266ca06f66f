/* Credential-check slots: taken in one statement each before hashing, given back by outcome. */
#include "service/attempts.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth/secrets.h"
#include "common/err.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "log.h"
#include "service/settings.h"

void attempt_subject(char out[72], const struct account *a)
{
	snprintf(out, 72, "%s:%s", account_kind_name(a->kind), a->id);
}

int attempt_subject_unknown(char out[72], const struct app *app, const char *realm,
                            const char *login)
{
	char message[400], hmac[65];
	size_t n = 0;

	n = (size_t)snprintf(message, sizeof(message), "cabinet-login:%s:", realm);
	/* letters folded and spaces dropped: "Ada@Example.org " and "ada@example.org" count as one */
	for (const char *p = login; *p && n + 1 < sizeof(message); p++)
		if (!isspace((unsigned char)*p))
			message[n++] = (char)tolower((unsigned char)*p);
	message[n] = '\0';
	if (secrets_hmac_hex(hmac, app->cfg.jwt_secret, message) != APP_OK)
		return APP_INTERNAL;
	snprintf(out, 72, "login:%s", hmac);
	return APP_OK;
}

static int load_policy(struct lockout_policy *p, struct db_conn *conn)
{
	int rc;

	*p = (struct lockout_policy){5, 60, 900, ATTEMPTS_PER_HOUR};
	if ((rc = settings_long(&p->threshold, conn, "lockout.threshold")) == APP_OK &&
	    (rc = settings_long(&p->base_s, conn, "lockout.base_seconds")) == APP_OK)
		rc = settings_long(&p->max_s, conn, "lockout.max_seconds");
	return rc;
}

int attempt_begin(struct attempt *a, enum throttle_block *block_out, struct db_conn *conn,
                  const char *subject, const char *ip, time_t now)
{
	int rc;

	memset(a, 0, sizeof(*a));
	*block_out = THROTTLE_OPEN;
	snprintf(a->subject, sizeof(a->subject), "%s", subject ? subject : "");
	snprintf(a->ip, sizeof(a->ip), "%s", ip ? ip : "");
	a->at = now;
	if ((rc = load_policy(&a->policy, conn)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		return rc;
	if ((rc = throttle_repo_ip_take(conn, a->ip, now, ATTEMPTS_PER_IP_MINUTE)) != APP_OK)
		goto done;
	if (a->subject[0] &&
	    (rc = throttle_repo_take(block_out, conn, a->subject, &a->policy, now)) != APP_OK)
		goto done;
	a->taken = a->subject[0] && *block_out == THROTTLE_OPEN;
	/* committed before the check: parallel checks see this slot taken */
	if ((rc = db_commit(conn)) == APP_OK && *block_out != THROTTLE_OPEN)
		rc = APP_FORBIDDEN;
done:
	if (rc != APP_OK && rc != APP_FORBIDDEN)
		db_rollback(conn);
	return rc;
}

int attempt_end(long *lock_s_out, struct db_conn *conn, const struct attempt *a,
                enum attempt_outcome outcome)
{
	long lock_s = 0;
	int rc = APP_OK;

	if (lock_s_out)
		*lock_s_out = 0;
	if (!a)
		return APP_OK;
	if (outcome == ATTEMPT_PASSED || outcome == ATTEMPT_SUCCEEDED)
		rc = throttle_repo_ip_give_back(conn, a->ip, a->at);
	if (rc != APP_OK || !a->taken)
		return rc;
	switch (outcome) {
	case ATTEMPT_FAILED:
		rc = throttle_repo_fail(&lock_s, conn, a->subject, &a->policy, a->at);
		break;
	case ATTEMPT_REFUSED:
	case ATTEMPT_PASSED:
		rc = throttle_repo_give_back(conn, a->subject);
		break;
	case ATTEMPT_SUCCEEDED:
		rc = throttle_repo_reset(conn, a->subject);
		break;
	}
	if (lock_s_out)
		*lock_s_out = lock_s;
	return rc;
}

void attempt_record(struct app *app, const struct client_info *ci, const struct account *a,
                    const struct attempt *t, enum attempt_outcome outcome, const char *action,
                    json_t *details)
{
	struct db_conn *conn = NULL;
	struct audit_entry e = audit_entry_self(a ? a->kind : PRINCIPAL_NONE, a ? a->id : NULL, ci,
	                                        action, details);
	long lock_s = 0;
	int rc;

	if (db_pool_checkout(&conn, app->pool) != APP_OK)
		goto done;
	if ((rc = db_begin(conn)) == APP_OK &&
	    (rc = attempt_end(&lock_s, conn, t, outcome)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK && lock_s > 0 && a) {
		json_t *lock = json_pack("{s:I}", "seconds", (json_int_t)lock_s);
		struct audit_entry l = audit_entry_self(a->kind, a->id, ci, "auth.locked", lock);

		rc = audit_repo_append(conn, &l);
		json_decref(lock);
		log_warn("Security - %s %s locked for %ld s after repeated failed checks",
		         account_kind_name(a->kind), a->id, lock_s);
	}
	if (rc == APP_OK)
		rc = db_commit(conn);
	if (rc != APP_OK)
		log_error("a failed credential check could not be recorded");
	db_rollback(conn);
done:
	db_pool_checkin(app->pool, conn);
}

void attempt_close(struct app *app, const struct attempt *a, enum attempt_outcome outcome)
{
	struct db_conn *conn = NULL;

	if (db_pool_checkout(&conn, app->pool) == APP_OK && db_begin(conn) == APP_OK &&
	    attempt_end(NULL, conn, a, outcome) == APP_OK)
		db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
}

const char *attempt_block_reason(enum throttle_block block)
{
	return block == THROTTLE_CAPPED ? "hourly_limit" : "locked";
}
