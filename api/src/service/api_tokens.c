/*
 * API tokens. The secret is "cab_" and 192 random bits in hex, shown once; PostgreSQL keeps its
 * SHA-256 (enough for a random secret of that size; a slow hash would make every API call slow).
 */
#include "service/api_tokens.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "auth/ipnet.h"
#include "auth/secrets.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/text.h"
#include "auth/principal_cache.h"
#include "db/account_repo.h"
#include "db/api_token_repo.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "log.h"

enum { SECRET_BYTES = 24, PREFIX_LEN = 12, RATE_LIMIT_MAX = 100000 };
static const char SECRET_PREFIX[] = "cab_";

bool api_token_shaped(const char *s)
{
	size_t n = sizeof(SECRET_PREFIX) - 1;

	return s && strncmp(s, SECRET_PREFIX, n) == 0 && strlen(s + n) == 2 * SECRET_BYTES &&
	       strspn(s + n, "0123456789abcdef") == 2 * SECRET_BYTES;
}

int api_tokens_list_mine(json_t **out, struct app *app, const struct principal *who)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = api_token_repo_list(out, conn, who->id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

int api_tokens_list_customer(json_t **out, struct app *app, const char *customer_id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = api_token_repo_list_customer(out, conn, customer_id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Whether the staff or customer may name this permission at all (its catalogues). */
static bool nameable(const char *name)
{
	return permission_known(name) || portal_permission_known(name);
}

struct token_input {
	const char *name;
	char permissions[1024]; /* text[] literal */
	const char *expires_at; /* or NULL */
	const char *trusted_ips;
	char rate_limit[12];
};

static void check_input(struct token_input *in, json_t *errors, const struct principal *who,
                        json_t *body)
{
	static const char *const FIELDS[] = {"name",        "permissions", "expires_at",
	                                     "trusted_ips", "rate_limit",  NULL};
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *f = FIELDS; *f; f++)
			known |= strcmp(*f, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This field is not accepted.");
	}
	v = json_object_get(body, "name");
	in->name = json_string_value(v);
	if (!in->name || json_string_length(v) < 1 || !text_line_ok(v, 100))
		field_errors_add(errors, "name", v ? "invalid" : "required",
		                 "1 to 100 characters.");

	v = json_object_get(body, "permissions");
	if (!permission_list_literal(in->permissions, sizeof(in->permissions), v, nameable) ||
	    json_array_size(v) == 0) {
		field_errors_add(errors, "permissions", v ? "invalid" : "required",
		                 "A non-empty list of permission names.");
	} else {
		json_t *p;

		/* a subset of the creator's: never more than who may do itself */
		json_array_foreach(v, i, p) if (!principal_allows(who, json_string_value(p), 0))
		{
			field_errors_add(errors, "permissions", "not_held",
			                 "A token can only have permissions you hold yourself.");
			break;
		}
	}

	v = json_object_get(body, "expires_at");
	in->expires_at = json_string_value(v);
	if (v && !json_is_null(v) && !(in->expires_at && clock_is_rfc3339(in->expires_at)))
		field_errors_add(errors, "expires_at", "invalid",
		                 "A date and time such as 2027-01-31T23:59:59Z, or null for none.");

	v = json_object_get(body, "trusted_ips");
	in->trusted_ips = json_is_null(v) ? "" : json_string_value(v);
	if (!v)
		in->trusted_ips = "";
	if (!in->trusted_ips || strlen(in->trusted_ips) > 10000) {
		field_errors_add(errors, "trusted_ips", "invalid",
		                 "Addresses or networks, as text.");
	} else if (*in->trusted_ips) {
		struct ipnet_list nets;
		char why[160];

		if (ipnet_list_parse(&nets, in->trusted_ips, why, sizeof(why)) != APP_OK)
			field_errors_add(errors, "trusted_ips", "invalid", why);
		else
			ipnet_list_free(&nets);
	}

	v = json_object_get(body, "rate_limit");
	snprintf(in->rate_limit, sizeof(in->rate_limit), "600");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	          json_integer_value(v) > RATE_LIMIT_MAX))
		field_errors_add(errors, "rate_limit", "invalid",
		                 "Requests a minute, a whole number from 1 to 100000.");
	else if (v)
		snprintf(in->rate_limit, sizeof(in->rate_limit), "%lld",
		         (long long)json_integer_value(v));
}

int api_tokens_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                      const struct client_info *ci, json_t *body)
{
	struct token_input in = {0};
	struct db_conn *conn = NULL;
	char secret[sizeof(SECRET_PREFIX) + 2 * SECRET_BYTES], prefix[PREFIX_LEN + 1], id[37] = "";
	time_t now = clock_now();
	json_t *details = NULL;
	bool future = true;
	int rc;

	*out = NULL;
	check_input(&in, errors, who, body);
	if (json_array_size(errors))
		return APP_INVALID;
	memcpy(secret, SECRET_PREFIX, sizeof(SECRET_PREFIX));
	if ((rc = secrets_random_hex(secret + sizeof(SECRET_PREFIX) - 1, SECRET_BYTES)) != APP_OK)
		return rc;
	snprintf(prefix, sizeof(prefix), "%.*s", PREFIX_LEN, secret);
	struct api_token_new t = {
	        .owner_kind = account_kind_name(who->kind),
	        .owner_id = who->id,
	        .customer_id = who->kind == PRINCIPAL_INDIVIDUAL ? who->customer_id : NULL,
	        .name = in.name,
	        .prefix = prefix,
	        .secret = secret,
	        .permissions = in.permissions,
	        .trusted_ips = in.trusted_ips,
	        .rate_limit = in.rate_limit,
	        .expires_at = in.expires_at};
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	if (in.expires_at &&
	    ((rc = api_token_repo_in_future(&future, conn, in.expires_at, now)) != APP_OK ||
	     !future)) {
		if (rc == APP_OK) {
			field_errors_add(errors, "expires_at", "invalid",
			                 "A real date and time in the future, or null for none.");
			rc = APP_INVALID;
		}
		goto done;
	}
	if ((rc = api_token_repo_insert(id, conn, &t, now)) != APP_OK)
		goto done;
	details = json_pack("{s:s, s:s, s:O, s:s?}", "token_id", id, "name", in.name, "permissions",
	                    json_object_get(body, "permissions"), "expires_at", in.expires_at);
	struct audit_entry e = audit_entry_self(who->kind, who->id, ci, "token.created", details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = api_token_repo_get(out, conn, id, now)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	if (rc == APP_OK)
		json_object_set_new(*out, "secret", json_string(secret));
	else {
		json_decref(*out);
		*out = NULL;
	}
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

struct revocation {
	const char *id, *owner_id, *customer_id, *staff_id;
	const struct audit_entry *entry;
};

/* One revocation and its audit entry (db_transaction). */
static int revoke_one(struct db_conn *conn, void *arg)
{
	const struct revocation *r = arg;
	time_t now = clock_now();
	int rc = r->owner_id ? api_token_repo_revoke_own(conn, r->id, r->owner_id, now)
	                     : api_token_repo_revoke_customer(conn, r->id, r->customer_id,
	                                                      r->staff_id, now);

	return rc == APP_OK ? audit_repo_append(conn, r->entry) : rc;
}

int api_tokens_revoke_all(json_t **revoked_out, struct db_conn *conn, const char *owner_id,
                          time_t now)
{
	return api_token_repo_revoke_all(revoked_out, conn, owner_id, now);
}

int api_tokens_revoke_mine(struct app *app, const struct principal *who,
                           const struct client_info *ci, const char *id)
{
	json_t *details = json_pack("{s:s}", "token_id", id);
	struct audit_entry e = audit_entry_self(who->kind, who->id, ci, "token.revoked", details);
	struct revocation r = {.id = id, .owner_id = who->id, .entry = &e};
	int rc = db_transaction(app->pool, revoke_one, &r);

	json_decref(details);
	return rc;
}

int api_tokens_revoke_customer(struct app *app, const struct principal *who,
                               const struct client_info *ci, const char *customer_id,
                               const char *token_id)
{
	json_t *details = json_pack("{s:s}", "token_id", token_id);
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = "customer.token_revoked",
	                        .target_kind = "api_token",
	                        .target_id = token_id,
	                        .customer_id = customer_id,
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};
	struct revocation r = {
	        .id = token_id, .customer_id = customer_id, .staff_id = who->id, .entry = &e};
	int rc = db_transaction(app->pool, revoke_one, &r);

	json_decref(details);
	return rc;
}

/*
 * The principal of a live token, from the principal cache when it holds one (keyed by an HMAC of
 * the secret: the cache never holds a usable credential), else from the database.
 */
static int token_principal(struct principal *who, struct principal_grant *grant, struct app *app,
                           const char *secret, const char *ip, time_t now)
{
	struct db_conn *conn = NULL;
	char key[160] = "t:";
	uint64_t generation = 0;
	bool record = false;
	int rc;

	if (app->principals) {
		if ((rc = secrets_hmac_hex(key + 2, app->cfg.jwt_secret, secret)) != APP_OK)
			return rc;
		if (principal_cache_get(app->principals, key, (long long)now, who, grant)) {
			/* the last use, at most once a minute per address: not a write on every call */
			if (!principal_cache_use_worth_recording(app->principals, key, ip,
			                                         (long long)now))
				return APP_OK;
			record = true;
		} else
			generation = principal_cache_generation(app->principals);
	}
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		return rc;
	if (!record) {
		rc = api_token_repo_principal(who, grant, &record, conn, secret, ip, now);
		grant->used_at = (long long)now;
		snprintf(grant->used_ip, sizeof(grant->used_ip), "%s", ip);
		if (rc == APP_OK && app->principals)
			principal_cache_put(app->principals, key, generation, who, grant);
	}
	if (rc == APP_OK && record &&
	    api_token_repo_record_use(conn, who->token_id, ip, now) != APP_OK)
		log_warn("the last use of API token %s could not be recorded", who->token_id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int api_tokens_authenticate(struct principal *who, long *retry_after_s, struct app *app,
                            const char *secret, const char *client_ip)
{
	struct principal_grant *grant = calloc(1, sizeof(*grant));
	time_t now = clock_now();
	int rc;

	*retry_after_s = 0;
	memset(who, 0, sizeof(*who));
	if (!grant)
		return APP_INTERNAL;
	rc = token_principal(who, grant, app, secret, client_ip, now);
	if (rc == APP_OK && !(ipnet_text_allows(who->trusted_ips, client_ip) &&
	                      ipnet_text_allows(grant->token_ips, client_ip))) {
		log_warn("Security - API token %s refused from %s: not a trusted address",
		         who->token_id, client_ip);
		rc = APP_FORBIDDEN;
	}
	if (rc == APP_OK && !rate_limiter_take(app->token_limits, who->token_id, grant->rate_limit,
	                                       now, retry_after_s))
		rc = APP_RATE_LIMITED;
	free(grant);
	if (rc != APP_OK && rc != APP_FORBIDDEN && rc != APP_RATE_LIMITED && rc != APP_UNAVAILABLE)
		rc = APP_UNAUTHORIZED;
	return rc;
}

int api_tokens_owned(char token_id_out[37], char trusted_ips_out[10001], struct db_conn *conn,
                     const char *secret, const char *owner_id, time_t now)
{
	return api_token_repo_owned(token_id_out, trusted_ips_out, conn, secret, owner_id, now);
}
