/* Settings: the catalogue decides names, types and defaults; the table keeps what staff changed. */
#include "service/settings.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/settings_repo.h"

enum setting_type { SETTING_BOOL, SETTING_CHOICE, SETTING_INT, SETTING_TEXT };

struct setting_def {
	const char *key;
	enum setting_type type;
	const char *default_json;   /* NULL: taken from the configuration (settings_init) */
	const char *const *choices; /* SETTING_CHOICE */
	long min, max;              /* SETTING_INT; SETTING_TEXT: length */
	const char *charset;        /* SETTING_TEXT: the characters allowed, or NULL for any */
};

#define CHOICES(...) ((const char *const[]){__VA_ARGS__, NULL})
/* (split where it would spell the libpq prefix, so a grep for it in services finds no false hit) */
#define LETTERS                                                                                    \
	"abcdefghijklmnopqrstuvwxyz"                                                               \
	"ABCDEFGHIJKLMNOP"                                                                         \
	"QRSTUVWXYZ"
#define DATE_FORMATS CHOICES("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY")

/* Later features add their settings here; a key not listed is refused. */
static const struct setting_def CATALOGUE[] = {
        /* what "inherit" means for a customer's 2FA policy */
        {"two_factor.default_policy", SETTING_CHOICE, "\"optional\"",
         CHOICES("optional", "required"), 0, 0, NULL},
        /* every staff member must use 2FA; those without it enrol at their next sign-in */
        {"two_factor.staff_required", SETTING_BOOL, "false", NULL, 0, 0, NULL},
        /* how new password hashes are made; every kind still verifies and is re-hashed at sign-in */
        {"password.hash_driver", SETTING_CHOICE, "\"argon2id\"", CHOICES("argon2id", "bcrypt"), 0,
         0, NULL},
        {"password.bcrypt_cost", SETTING_INT, "12", NULL, 10, 14, NULL},
        /* the shortest password accepted (the dictionary and personal-data checks apply too) */
        {"password.min_length", SETTING_INT, "8", NULL, 8, 128, NULL},
        /* defaults from CABINET_REGISTRATION, CABINET_AUTO_CONFIRM, CABINET_SESSION_*_S */
        {"registration.open", SETTING_BOOL, NULL, NULL, 0, 0, NULL},
        {"registration.auto_confirm", SETTING_BOOL, NULL, NULL, 0, 0, NULL},
        {"session.idle_seconds", SETTING_INT, NULL, NULL, 60, 604800, NULL},
        {"session.max_seconds", SETTING_INT, NULL, NULL, 300, 2592000, NULL},
        /* failures in a row that lock an account, the first lock, and the longest (it doubles) */
        {"lockout.threshold", SETTING_INT, "5", NULL, 3, 20, NULL},
        {"lockout.base_seconds", SETTING_INT, "60", NULL, 10, 3600, NULL},
        {"lockout.max_seconds", SETTING_INT, "900", NULL, 60, 86400, NULL},
        /* whether customers may sign in to the portal at all ("client authorization") */
        {"portal.sign_in", SETTING_BOOL, "true", NULL, 0, 0, NULL},
        /* what new customers get when nothing else is said */
        {"defaults.language", SETTING_CHOICE, "\"en\"", CHOICES("en", "fr"), 0, 0, NULL},
        {"defaults.time_zone", SETTING_TEXT, "\"UTC\"", NULL, 1, 64, LETTERS "0123456789_+-/"},
        {"defaults.date_input_format", SETTING_CHOICE, "\"YYYY-MM-DD\"", DATE_FORMATS, 0, 0, NULL},
        {"defaults.date_output_format", SETTING_CHOICE, "\"YYYY-MM-DD\"", DATE_FORMATS, 0, 0, NULL},
        /* the portal role of customers without one of their own (a role name) */
        {"roles.default", SETTING_TEXT, "\"organization-admin\"", NULL, 2, 60, NULL},
        /* branding of the portal and of the messages */
        {"branding.portal_name", SETTING_TEXT, "\"Cabinet\"", NULL, 1, 60, NULL},
        {"branding.primary_color", SETTING_TEXT, "\"#0172ad\"", NULL, 7, 7, "#0123456789abcdef"},
};

#define CATALOGUE_SIZE (sizeof(CATALOGUE) / sizeof(CATALOGUE[0]))

/* The defaults that come from the configuration, filled once at start-up. */
static char config_defaults[CATALOGUE_SIZE][24];

void settings_init(const struct config *cfg)
{
	for (size_t i = 0; i < CATALOGUE_SIZE; i++) {
		const char *k = CATALOGUE[i].key;

		if (strcmp(k, "registration.open") == 0)
			snprintf(config_defaults[i], 24, "%s",
			         cfg->registration_enabled ? "true" : "false");
		else if (strcmp(k, "registration.auto_confirm") == 0)
			snprintf(config_defaults[i], 24, "%s",
			         cfg->auto_confirm ? "true" : "false");
		else if (strcmp(k, "session.idle_seconds") == 0)
			snprintf(config_defaults[i], 24, "%ld", cfg->session_idle_s);
		else if (strcmp(k, "session.max_seconds") == 0)
			snprintf(config_defaults[i], 24, "%ld", cfg->session_max_s);
	}
}

static const char *default_of(const struct setting_def *d)
{
	return d->default_json ? d->default_json : config_defaults[d - CATALOGUE];
}

static const struct setting_def *find(const char *key)
{
	for (size_t i = 0; i < CATALOGUE_SIZE; i++)
		if (strcmp(CATALOGUE[i].key, key) == 0)
			return &CATALOGUE[i];
	return NULL;
}

int settings_check(const char *key, json_t *value, struct field_error *fe)
{
	const struct setting_def *d = find(key);
	bool ok = false;

	memset(fe, 0, sizeof(*fe));
	fe->field = key;
	if (!d) {
		fe->code = "unknown_field";
		snprintf(fe->message, sizeof(fe->message), "There is no such setting.");
		return APP_INVALID;
	}
	if (d->type == SETTING_BOOL) {
		ok = json_is_boolean(value);
		snprintf(fe->message, sizeof(fe->message), "true or false.");
	} else if (d->type == SETTING_TEXT) {
		size_t n = json_is_string(value) ? json_string_length(value) : 0;

		ok = json_is_string(value) && n >= (size_t)d->min && n <= (size_t)d->max &&
		     (!d->charset || strspn(json_string_value(value), d->charset) == n);
		if (d->min == d->max)
			snprintf(fe->message, sizeof(fe->message),
			         "A color written #rrggbb (lower case).");
		else
			snprintf(fe->message, sizeof(fe->message),
			         "Text of %ld to %ld characters%s.", d->min, d->max,
			         d->charset ? " (letters, digits, _ + - /)" : "");
	} else if (d->type == SETTING_INT) {
		ok = json_is_integer(value) && json_integer_value(value) >= d->min &&
		     json_integer_value(value) <= d->max;
		snprintf(fe->message, sizeof(fe->message), "A whole number from %ld to %ld.",
		         d->min, d->max);
	} else {
		for (const char *const *c = d->choices; *c && json_is_string(value); c++)
			ok |= strcmp(*c, json_string_value(value)) == 0;
		snprintf(fe->message, sizeof(fe->message), "One of:");
		for (const char *const *c = d->choices; *c; c++)
			snprintf(fe->message + strlen(fe->message),
			         sizeof(fe->message) - strlen(fe->message), " %s", *c);
		snprintf(fe->message + strlen(fe->message),
		         sizeof(fe->message) - strlen(fe->message), ".");
	}
	fe->code = ok ? NULL : "invalid";
	return ok ? APP_OK : APP_INVALID;
}

/*
 * The stored values, kept in memory while changes are heard (settings_cache_enable): a sign-in
 * reads half a dozen settings, and each was a query. Any change of settings is announced ("*" on
 * the principal channel, and read back with this instance's own COMMIT): settings_cache_forget.
 */
static struct {
	pthread_mutex_t lock;
	json_t *stored; /* NULL: not loaded */
	uint64_t generation;
	bool enabled;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Drops what is kept; enabled: whether to keep anything from now on. */
static void reset(const bool *enabled)
{
	pthread_mutex_lock(&cache.lock);
	if (enabled)
		cache.enabled = *enabled;
	cache.generation++;
	json_decref(cache.stored);
	cache.stored = NULL;
	pthread_mutex_unlock(&cache.lock);
}

void settings_cache_enable(bool on)
{
	reset(&on);
}

void settings_cache_forget(void)
{
	reset(NULL);
}

/*
 * Every stored value ({key: value}, caller owns it): from memory when it may be, else read (and
 * kept, unless a change was announced meanwhile). fresh: read in conn's transaction, whatever.
 */
static int stored_values(json_t **out, struct db_conn *conn, bool fresh)
{
	uint64_t generation;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&cache.lock);
	if (!fresh && cache.enabled && cache.stored)
		*out = json_incref(cache.stored); /* never changed once kept: shared read-only */
	generation = cache.generation;
	pthread_mutex_unlock(&cache.lock);
	if (*out)
		return APP_OK;
	if ((rc = settings_repo_stored(out, conn)) != APP_OK || fresh)
		return rc;
	pthread_mutex_lock(&cache.lock);
	if (cache.enabled && generation == cache.generation && !cache.stored)
		cache.stored = json_incref(*out);
	pthread_mutex_unlock(&cache.lock);
	return APP_OK;
}

/* The value of d from stored (or its default when absent or no longer valid); caller owns it. */
static json_t *value_of(const struct setting_def *d, const json_t *stored)
{
	json_t *v = json_object_get(stored, d->key);
	struct field_error fe;

	/* a stored value the catalogue no longer accepts falls back to the default */
	if (v && settings_check(d->key, v, &fe) == APP_OK)
		return json_deep_copy(v);
	return json_loads(default_of(d), JSON_DECODE_ANY, NULL);
}

int settings_value(json_t **out, struct db_conn *conn, const char *key)
{
	const struct setting_def *d = find(key);
	json_t *stored = NULL;
	int rc;

	*out = NULL;
	if (!d)
		return APP_INTERNAL; /* a typo in the code, not the caller's fault */
	if ((rc = stored_values(&stored, conn, false)) == APP_OK && !(*out = value_of(d, stored)))
		rc = APP_INTERNAL;
	json_decref(stored);
	return rc;
}

int settings_string(char *out, size_t len, struct db_conn *conn, const char *key)
{
	json_t *v = NULL;
	int rc = settings_value(&v, conn, key);

	if (rc == APP_OK)
		snprintf(out, len, "%s", json_is_string(v) ? json_string_value(v) : "");
	json_decref(v);
	return rc;
}

int settings_long(long *out, struct db_conn *conn, const char *key)
{
	json_t *v = NULL;
	int rc = settings_value(&v, conn, key);

	*out = rc == APP_OK ? (long)json_integer_value(v) : 0;
	json_decref(v);
	return rc;
}

size_t settings_password_min_length(struct app *app)
{
	struct db_conn *conn = NULL;
	long n = PASSWORD_MIN_BYTES;

	/* unreadable settings fall back to the built-in minimum: the policy never weakens */
	if (db_pool_checkout(&conn, app->pool) == APP_OK &&
	    settings_long(&n, conn, "password.min_length") != APP_OK)
		n = PASSWORD_MIN_BYTES;
	db_pool_checkin(app->pool, conn);
	return (size_t)n;
}

int settings_customer_defaults(struct customer_defaults *out, struct db_conn *conn)
{
	int rc;

	if ((rc = settings_string(out->language, sizeof(out->language), conn,
	                          "defaults.language")) == APP_OK &&
	    (rc = settings_string(out->time_zone, sizeof(out->time_zone), conn,
	                          "defaults.time_zone")) == APP_OK &&
	    (rc = settings_string(out->date_input_format, sizeof(out->date_input_format), conn,
	                          "defaults.date_input_format")) == APP_OK)
		rc = settings_string(out->date_output_format, sizeof(out->date_output_format), conn,
		                     "defaults.date_output_format");
	return rc;
}

json_t *customer_defaults_json(const struct customer_defaults *d)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "language", d->language, "time_zone", d->time_zone,
	                 "date_input_format", d->date_input_format, "date_output_format",
	                 d->date_output_format);
}

int settings_bool(bool *out, struct db_conn *conn, const char *key)
{
	json_t *v = NULL;
	int rc = settings_value(&v, conn, key);

	*out = rc == APP_OK && json_is_true(v);
	json_decref(v);
	return rc;
}

int settings_password_params(struct password_params *out, struct app *app)
{
	struct db_conn *conn = NULL;
	char driver[16] = "";
	json_t *cost = NULL;
	int rc;

	*out = (struct password_params){.memory_kib = (uint32_t)app->cfg.argon2_memory_kib,
	                                .iterations = (uint32_t)app->cfg.argon2_iterations,
	                                .parallelism = (uint32_t)app->cfg.argon2_parallelism,
	                                .driver = PASSWORD_ARGON2ID,
	                                .bcrypt_cost = 12};
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = settings_string(driver, sizeof(driver), conn, "password.hash_driver")) ==
	            APP_OK &&
	    (rc = settings_value(&cost, conn, "password.bcrypt_cost")) == APP_OK) {
		out->driver = strcmp(driver, "bcrypt") == 0 ? PASSWORD_BCRYPT : PASSWORD_ARGON2ID;
		out->bcrypt_cost = (unsigned)json_integer_value(cost);
	}
	db_pool_checkin(app->pool, conn);
	json_decref(cost);
	return rc;
}

/* Every setting, stored or default; fresh: as conn's transaction sees them. */
static int read_all(json_t **out, struct db_conn *conn, bool fresh)
{
	json_t *stored = NULL;
	int rc = stored_values(&stored, conn, fresh);

	*out = rc == APP_OK ? json_object() : NULL;
	for (size_t i = 0; i < CATALOGUE_SIZE && rc == APP_OK; i++) {
		json_t *v = value_of(&CATALOGUE[i], stored);

		if (!v || json_object_set_new(*out, CATALOGUE[i].key, v) != 0)
			rc = APP_INTERNAL;
	}
	json_decref(stored);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int settings_get(json_t **out, struct app *app)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = read_all(out, conn, false);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int settings_patch(json_t **out, struct field_error *fe, struct app *app,
                   const struct principal *who, const struct client_info *ci, json_t *patch)
{
	struct db_conn *conn = NULL;
	json_t *before = NULL, *changes = json_object(), *details = NULL, *v;
	const char *key;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	/* the lock makes two staff saving at once apply one after the other, each audited truly */
	if ((rc = db_begin(conn)) != APP_OK || (rc = settings_repo_lock(conn)) != APP_OK ||
	    (rc = read_all(&before, conn, true)) != APP_OK)
		goto done;
	memset(fe, 0, sizeof(*fe));
	json_object_foreach(patch, key, v)
	{
		char *text;
		bool known = true;

		/* a time zone must be one PostgreSQL can convert to */
		if (strcmp(key, "defaults.time_zone") == 0 &&
		    ((rc = db_time_zone_known(&known, conn, json_string_value(v))) != APP_OK ||
		     !known)) {
			fe->field = "defaults.time_zone";
			fe->code = "invalid";
			snprintf(fe->message, sizeof(fe->message),
			         "Not a time zone PostgreSQL knows; use an IANA name such as "
			         "Europe/Paris.");
			rc = rc == APP_OK ? APP_INVALID : rc;
			goto done;
		}
		/* the default role must be one that exists */
		if (strcmp(key, "roles.default") == 0) {
			rc = settings_repo_role_exists(&known, conn, json_string_value(v));
			if (rc != APP_OK || !known) {
				fe->field = "roles.default";
				fe->code = "invalid";
				snprintf(fe->message, sizeof(fe->message),
				         "There is no such role.");
				rc = rc == APP_OK ? APP_INVALID : rc;
				goto done;
			}
		}
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		if (!json_equal(json_object_get(before, key), v))
			json_object_set_new(changes, key,
			                    json_pack("{s:O, s:O}", "from",
			                              json_object_get(before, key), "to", v));
		rc = text ? settings_repo_put(conn, key, text, who->id) : APP_INTERNAL;
		free(text);
		if (rc != APP_OK)
			goto done;
	}
	details = json_pack("{s:O}", "changes", changes);
	struct audit_entry e = {.actor_kind = "staff",
	                        .actor_id = who->id,
	                        .action = "settings.updated",
	                        .ip = ci->ip,
	                        .request_id = ci->request_id,
	                        .api_token_id = ci->api_token_id,
	                        .details = details};
	if ((rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = read_all(out, conn, true)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(before);
	json_decref(changes);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}
