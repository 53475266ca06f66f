/*
 * A sign-in from a device and network the account never used: the "was this you?" notice, and its
 * link ("not me") that ends every access the password gave and sends a recovery link.
 */
#include "service/devices.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/err.h"
#include "db/account_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/device_repo.h"
#include "log.h"
#include "notify/outbox.h"
#include "service/recovery.h"
#include "service/security.h"

#define NOT_ME_TTL_S (7 * 24 * 3600)

/* A short name for a user agent ("Firefox on Linux"), for people reading the notice. */
static void device_label(char *out, size_t len, const char *ua)
{
	static const struct {
		const char *mark, *name;
	} BROWSERS[] = {{"Edg/", "Edge"},      {"OPR/", "Opera"},     {"Firefox/", "Firefox"},
	                {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	                {"node", "a program"}},
	  SYSTEMS[] = {{"Windows", "Windows"}, {"Android", "Android"}, {"iPhone", "iOS"},
	               {"iPad", "iPadOS"},     {"Mac OS X", "macOS"},  {"CrOS", "ChromeOS"},
	               {"Linux", "Linux"}};
	const char *browser = "an unknown browser", *system = NULL;

	ua = ua ? ua : "";
	for (size_t i = 0; i < sizeof(BROWSERS) / sizeof(BROWSERS[0]); i++)
		if (strstr(ua, BROWSERS[i].mark)) {
			browser = BROWSERS[i].name;
			break;
		}
	for (size_t i = 0; i < sizeof(SYSTEMS) / sizeof(SYSTEMS[0]); i++)
		if (strstr(ua, SYSTEMS[i].mark)) {
			system = SYSTEMS[i].name;
			break;
		}
	snprintf(out, len, system ? "%s on %s" : "%s", browser, system);
}

static int alert_hmac(char out[65], const struct app *app, const char *token)
{
	char message[100];

	snprintf(message, sizeof(message), "cabinet-not-me:%s", token);
	return secrets_hmac_hex(out, app->cfg.jwt_secret, message);
}

int devices_note(struct db_conn *conn, struct app *app, const struct account *a,
                 const struct client_info *ci, time_t now)
{
	char token[65], hmac[65], link[2200], device[64], when[32], id[37];
	json_t *vars = NULL;
	bool fresh = false;
	int rc;

	if (!ci->ip || !*ci->ip)
		return APP_OK; /* no address to compare (a test peer without one) */
	rc = device_repo_seen(&fresh, conn, a->id, ci->user_agent ? ci->user_agent : "", ci->ip,
	                      now);
	if (rc != APP_OK || !fresh)
		return rc;
	if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = alert_hmac(hmac, app, token)) != APP_OK ||
	    (rc = device_repo_alert_create(conn, hmac, account_kind_name(a->kind), a->id, now,
	                                   NOT_ME_TTL_S)) != APP_OK)
		goto done;
	snprintf(link, sizeof(link), "%s%s/not-me?token=%s", app->cfg.public_url,
	         a->kind == PRINCIPAL_STAFF ? "/admin" : "", token);
	device_label(device, sizeof(device), ci->user_agent);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
	vars = json_pack("{s:s, s:s, s:s, s:s, s:s}", "first_name", a->display_name, "ip", ci->ip,
	                 "device", device, "time", when, "revoke_link", link);
	struct outbox_message m = {.event = "new_device_login",
	                           .language = a->language[0] ? a->language : "en",
	                           .channel = "email",
	                           .address = a->email,
	                           .vars = vars,
	                           .customer_id = a->customer_id[0] ? a->customer_id : NULL,
	                           .staff_id = a->kind == PRINCIPAL_STAFF ? a->id : NULL};
	rc = outbox_enqueue(id, conn, app, &m);
done:
	memset(token, 0, sizeof(token));
	json_decref(vars);
	return rc;
}

int devices_not_me(struct app *app, const struct client_info *ci, const char *token)
{
	struct account a;
	struct db_conn *conn = NULL;
	enum principal_kind kind;
	char hmac[65], account_id[37];
	time_t now = clock_now();
	int rc;

	if (!secrets_is_token(token) || alert_hmac(hmac, app, token) != APP_OK)
		return APP_NOT_FOUND;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if ((rc = db_begin(conn)) != APP_OK ||
	    (rc = device_repo_alert_use(&kind, account_id, conn, hmac, now)) != APP_OK)
		goto done;
	rc = account_repo_get(&a, conn, kind, account_id);
	struct audit_entry e = audit_entry_self(a.kind, a.id, ci, "auth.not_me", NULL);
	/*
	 * Whoever signed in knows the password: it stops working (the link sent now sets a new one),
	 * and every session, API token and pending change of address made with it ends.
	 */
	if (rc == APP_OK && (rc = account_repo_lock(conn, &a)) == APP_OK &&
	    (rc = account_repo_set_hash(conn, &a, PASSWORD_DISABLED)) == APP_OK &&
	    (rc = security_end_access(conn, app, &a, NULL, "not_me",
	                              END_SESSIONS | END_TOKENS | END_EMAIL_CHANGES, NULL)) ==
	            APP_OK &&
	    (rc = recovery_send_link(conn, app, ci, &a)) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	if (rc == APP_OK)
		log_warn(
		        "Security - %s %s reported a sign-in that was not theirs: sessions, tokens "
		        "and password ended",
		        account_kind_name(a.kind), a.id);
	return rc;
}
