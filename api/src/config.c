/* Configuration table, loading and validation. Every variable is documented in docs/configuration.md. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/ipnet.h"
#include "auth/phone.h"
#include "common/err.h"

enum cfg_type { T_STRING, T_INT, T_ENUM, T_BOOL, T_SECRET };

struct cfg_def {
	const char *name;
	const char *alias; /* also accepted, lower precedence */
	enum cfg_type type;
	const char *def; /* NULL: unset unless given */
	long min, max;   /* T_INT bounds; T_SECRET/T_STRING minimum and maximum length (0 = none) */
	const char *choices; /* T_ENUM: values separated by '|' */
	size_t offset;
	const char *help;
};

#define F(field) offsetof(struct config, field)

/* T_SECRET variables may instead be read from the file named by NAME_FILE. */
static const struct cfg_def CONFIG_TABLE[] = {
        {"CABINET_DATABASE_URL", "DATABASE_URL", T_STRING, "postgresql:///cabinet", 1, 4096, NULL,
         F(database_url), "libpq connection URI or key=value string"},
        {"CABINET_LISTEN", NULL, T_STRING, "127.0.0.1:8080", 1, 256, NULL, F(listen),
         "address:port to listen on ([v6]:port for IPv6)"},
        {"CABINET_PUBLIC_URL", NULL, T_STRING, "http://127.0.0.1:8080", 1, 2048, NULL,
         F(public_url), "external base URL, used in links and the token issuer"},
        {"CABINET_JWT_SECRET", NULL, T_SECRET, NULL, 32, 4096, NULL, F(jwt_secret),
         "HS256 signing secret, at least 32 bytes (or CABINET_JWT_SECRET_FILE)"},
        {"CABINET_METRICS_TOKEN", NULL, T_SECRET, NULL, 32, 4096, NULL, F(metrics_token),
         "bearer token GET /metrics asks of a scraper (or CABINET_METRICS_TOKEN_FILE); unset: "
         "only direct loopback peers get it"},
        {"CABINET_WEB_ROOT", NULL, T_STRING, "web", 1, 4096, NULL, F(web_root),
         "folder of the web app (portal at /, admin panel at /admin/)"},
        {"CABINET_DATA_DIR", NULL, T_STRING, ".data", 1, 4096, NULL, F(data_dir),
         "folder for local state (the run script's PostgreSQL cluster and secret)"},
        {"CABINET_DB_POOL_SIZE", NULL, T_INT, "8", 1, 256, NULL, F(db_pool_size),
         "PostgreSQL connections per instance"},
        {"CABINET_DB_CHECKOUT_TIMEOUT_MS", NULL, T_INT, "2000", 10, 60000, NULL,
         F(db_checkout_timeout_ms), "wait for a free connection before answering 503"},
        {"CABINET_DB_STATEMENT_TIMEOUT_MS", NULL, T_INT, "5000", 100, 600000, NULL,
         F(db_statement_timeout_ms), "PostgreSQL statement_timeout of every pooled connection"},
        {"CABINET_MAX_BODY_BYTES", NULL, T_INT, "1048576", 1024, 67108864, NULL, F(max_body_bytes),
         "largest accepted request body; larger bodies get 413"},
        {"CABINET_MAX_IMPORT_BYTES", NULL, T_INT, "8388608", 1024, 268435456, NULL,
         F(max_import_bytes), "largest body of POST /api/v1/customers/import (up to 10000 rows)"},
        {"CABINET_TRUSTED_PROXIES", NULL, T_STRING, "", 0, 65536, NULL, F(trusted_proxies),
         "proxies whose X-Forwarded-For is believed: addresses, CIDR or address/netmask, ';' or "
         "newline separated"},
        {"CABINET_LOG_FORMAT", NULL, T_ENUM, "json", 0, 0, "json|text", F(log_format),
         "log line format on standard error"},
        {"CABINET_LOG_LEVEL", NULL, T_ENUM, "info", 0, 0, "error|warning|info|debug", F(log_level),
         "lowest level written"},
        {"CABINET_HTTP_MODEL", NULL, T_ENUM, "per-connection", 0, 0, "per-connection|pool",
         F(http_model),
         "a thread per connection (a slow request delays no other), or an epoll pool of "
         "CABINET_HTTP_THREADS"},
        {"CABINET_HTTP_THREADS", NULL, T_INT, "8", 2, 256, NULL, F(http_threads),
         "threads of the pool model (unused by per-connection)"},
        {"CABINET_HTTP_CONNECTION_LIMIT", NULL, T_INT, "1024", 16, 65536, NULL,
         F(http_connection_limit), "open connections at most"},
        {"CABINET_HTTP_PER_IP_LIMIT", NULL, T_INT, "64", 0, 65536, NULL, F(http_per_ip_limit),
         "open connections per client address at most (0 = no limit)"},
        {"CABINET_HTTP_HEAD_TIMEOUT_S", NULL, T_INT, "10", 1, 300, NULL, F(http_head_timeout_s),
         "a request head (line and headers) must arrive within this many seconds"},
        {"CABINET_HTTP_BODY_TIMEOUT_S", NULL, T_INT, "60", 1, 3600, NULL, F(http_body_timeout_s),
         "a request body must arrive within this many seconds after its head"},
        {"CABINET_BODY_BUDGET_BYTES", NULL, T_INT, "67108864", 1048576, 4294967296, NULL,
         F(body_budget_bytes),
         "bytes of request bodies received at once, all connections together; 503 beyond"},
        {"CABINET_HTTP_TIMEOUT_S", NULL, T_INT, "30", 1, 3600, NULL, F(http_timeout_s),
         "idle connection timeout in seconds"},
        {"CABINET_SHUTDOWN_GRACE_S", NULL, T_INT, "8", 1, 120, NULL, F(shutdown_grace_s),
         "on SIGTERM, how long in-flight requests may take to finish"},
        {"CABINET_MIGRATE_ON_START", NULL, T_BOOL, "true", 0, 0, NULL, F(migrate_on_start),
         "apply pending migrations at start-up"},
        {"CABINET_BOOTSTRAP_ADMIN_EMAIL", NULL, T_STRING, "admin@example.com", 3, 254, NULL,
         F(bootstrap_admin_email),
         "e-mail of the first staff member (owner), created on an empty database"},
        {"CABINET_BOOTSTRAP_ADMIN_PASSWORD", NULL, T_SECRET, NULL, 8, 1024, NULL,
         F(bootstrap_admin_password),
         "its password; unset: a one-time password is generated and printed once on standard "
         "error"},
        {"CABINET_DEFAULT_COUNTRY", NULL, T_STRING, "", 0, 2, NULL, F(default_country),
         "country (ISO 3166, e.g. FR) of phone numbers typed without +; empty: + is required"},
        {"CABINET_REGISTRATION", NULL, T_BOOL, "true", 0, 0, NULL, F(registration_enabled),
         "whether customers may register themselves in the portal"},
        {"CABINET_AUTO_CONFIRM", NULL, T_BOOL, "false", 0, 0, NULL, F(auto_confirm),
         "new registrations are active at once, without confirming their e-mail"},
        {"CABINET_ACCESS_TOKEN_TTL_S", NULL, T_INT, "300", 30, 3600, NULL, F(access_token_ttl_s),
         "lifetime of an access token (JWT) in seconds"},
        {"CABINET_SESSION_IDLE_S", NULL, T_INT, "1800", 60, 604800, NULL, F(session_idle_s),
         "a session not refreshed for this long ends"},
        {"CABINET_SESSION_MAX_S", NULL, T_INT, "43200", 300, 2592000, NULL, F(session_max_s),
         "a session ends this long after sign-in, whatever its use"},
        {"CABINET_SMTP_URL", NULL, T_STRING, "", 0, 2048, NULL, F(smtp_url),
         "smtp:// or smtps:// server for e-mail (STARTTLS when offered); empty: e-mail is held"},
        {"CABINET_SMTP_USER", NULL, T_STRING, NULL, 1, 256, NULL, F(smtp_user),
         "SMTP user name, when the server wants one"},
        {"CABINET_SMTP_PASSWORD", NULL, T_SECRET, NULL, 1, 1024, NULL, F(smtp_password),
         "SMTP password"},
        {"CABINET_SMTP_FROM", NULL, T_STRING, "Cabinet <cabinet@localhost>", 3, 320, NULL,
         F(smtp_from), "From of every e-mail: address, or Name <address>"},
        {"CABINET_SMS_WEBHOOK_URL", NULL, T_STRING, "", 0, 2048, NULL, F(sms_webhook_url),
         "http(s) endpoint receiving SMS as signed JSON; empty: SMS is held"},
        {"CABINET_SMS_WEBHOOK_SECRET", NULL, T_SECRET, NULL, 32, 4096, NULL, F(sms_webhook_secret),
         "HMAC-SHA256 key of the X-Cabinet-Signature header, at least 32 bytes"},
        {"CABINET_NOTIFY_WORKERS", NULL, T_INT, "1", 0, 16, NULL, F(notify_workers),
         "delivery threads of this instance (0: this instance only enqueues)"},
        {"CABINET_NOTIFY_MAX_ATTEMPTS", NULL, T_INT, "8", 1, 50, NULL, F(notify_max_attempts),
         "delivery attempts before a message is failed"},
        {"CABINET_NOTIFY_BACKOFF_S", NULL, T_INT, "30", 1, 3600, NULL, F(notify_backoff_s),
         "wait before the first retry; doubles each attempt, at most one hour"},
        {"CABINET_NOTIFY_POLL_MS", NULL, T_INT, "1000", 20, 60000, NULL, F(notify_poll_ms),
         "how often an idle worker looks for due messages"},
        {"CABINET_PRINCIPAL_CACHE_SIZE", NULL, T_INT, "10000", 0, 1000000, NULL,
         F(principal_cache_size),
         "sessions and API tokens whose principal this instance keeps in memory (0: none)"},
        {"CABINET_PRINCIPAL_CACHE_TTL_MS", NULL, T_INT, "10000", 100, 600000, NULL,
         F(principal_cache_ttl_ms),
         "longest a cached principal is used before it is read again (changes drop it at once)"},
        {"CABINET_AUDIT_SEAL_MS", NULL, T_INT, "200", 10, 60000, NULL, F(audit_seal_ms),
         "how often the audit sealer links new entries into the hash chain"},
        {"CABINET_HASH_CONCURRENCY", NULL, T_INT, "0", 0, 256, NULL, F(hash_concurrency),
         "password hashes computed at once (0: one per core); more wait"},
        {"CABINET_HASH_WAIT_MS", NULL, T_INT, "2000", 10, 60000, NULL, F(hash_wait_ms),
         "how long a sign-in waits for a hashing slot before answering 503"},
        /* the upper bounds are those of every hash Cabinet verifies (auth/password.h) */
        {"CABINET_ARGON2_MEMORY_KIB", NULL, T_INT, "19456", 19456, 262144, NULL,
         F(argon2_memory_kib),
         "argon2id memory cost in KiB (OWASP minimum 19456, at most 256 MiB)"},
        {"CABINET_ARGON2_ITERATIONS", NULL, T_INT, "2", 2, 10, NULL, F(argon2_iterations),
         "argon2id time cost"},
        {"CABINET_ARGON2_PARALLELISM", NULL, T_INT, "1", 1, 8, NULL, F(argon2_parallelism),
         "argon2id lanes"},
};

#define CONFIG_COUNT (sizeof(CONFIG_TABLE) / sizeof(CONFIG_TABLE[0]))

const char *config_getenv(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return APP_INVALID;
}

static bool parse_long(const char *s, long *out)
{
	char *end = NULL;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return true;
		p += len + (bar ? 1 : 0);
	}
	return false;
}

/* Reads a secret file, without its trailing newline. Returns NULL and sets errno on failure. */
static char *read_secret_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 4098);
	n = buf ? fread(buf, 1, 4097, f) : 0;
	fclose(f);
	if (!buf)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return buf;
}

/* The raw value of a variable: the name, then the alias, then the default. *owned is set when malloc'd. */
static int raw_value(const struct cfg_def *d, config_lookup_fn lookup, void *ctx, char **owned,
                     const char **value, char *err, size_t errlen)
{
	const char *v = lookup(ctx, d->name);

	*owned = NULL;
	if (!v && d->alias)
		v = lookup(ctx, d->alias);
	if (d->type == T_SECRET) {
		char file_var[96];
		const char *file;

		snprintf(file_var, sizeof(file_var), "%s_FILE", d->name);
		file = lookup(ctx, file_var);
		if (file && *file) {
			if (v)
				return fail(err, errlen, "%s and %s are both set; set only one",
				            d->name, file_var);
			*owned = read_secret_file(file);
			if (!*owned)
				return fail(err, errlen, "%s: cannot read %s: %s", file_var, file,
				            strerror(errno));
			v = *owned;
		}
	}
	*value = v ? v : d->def;
	return APP_OK;
}

static int load_one(struct config *cfg, const struct cfg_def *d, const char *v, char *err,
                    size_t errlen)
{
	char *base = (char *)cfg;
	long n;
	bool b;
	size_t len;

	switch (d->type) {
	case T_INT:
		if (!parse_long(v, &n))
			return fail(err, errlen, "%s must be a whole number, got \"%s\"", d->name,
			            v);
		if (n < d->min || n > d->max)
			return fail(err, errlen, "%s must be between %ld and %ld, got %ld", d->name,
			            d->min, d->max, n);
		*(long *)(base + d->offset) = n;
		return APP_OK;
	case T_BOOL:
		if (!parse_bool(v, &b))
			return fail(err, errlen, "%s must be true or false, got \"%s\"", d->name,
			            v);
		*(bool *)(base + d->offset) = b;
		return APP_OK;
	case T_ENUM:
		if (!choice_ok(d->choices, v))
			return fail(err, errlen, "%s must be one of %s, got \"%s\"", d->name,
			            d->choices, v);
		break;
	case T_STRING:
	case T_SECRET:
		len = strlen(v);
		if (d->min > 0 && len < (size_t)d->min)
			return fail(err, errlen, "%s must be at least %ld bytes long (it has %zu)",
			            d->name, d->min, len);
		if (d->max > 0 && len > (size_t)d->max)
			return fail(err, errlen, "%s must be at most %ld bytes long", d->name,
			            d->max);
		break;
	}
	*(char **)(base + d->offset) = strdup(v);
	return *(char **)(base + d->offset) ? APP_OK : APP_INTERNAL;
}

/* "127.0.0.1:8080", "[::1]:8080" -> host, port. The host must be a numeric address. */
static int parse_listen(struct config *cfg, char *err, size_t errlen)
{
	const char *s = cfg->listen, *colon, *host = s;
	size_t hostlen;
	long port;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return fail(err, errlen,
			            "CABINET_LISTEN must look like [::1]:8080, got \"%s\"", s);
		host = s + 1;
		hostlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return fail(err, errlen, "CABINET_LISTEN must be address:port, got \"%s\"",
			            s);
		hostlen = (size_t)(colon - s);
	}
	if (!parse_long(colon + 1, &port) || port < 1 || port > 65535)
		return fail(err, errlen, "CABINET_LISTEN port must be 1 to 65535, got \"%s\"",
		            colon + 1);
	cfg->listen_host = strndup(host, hostlen);
	if (!cfg->listen_host)
		return APP_INTERNAL;
	if (!ipnet_is_address(cfg->listen_host))
		return fail(err, errlen,
		            "CABINET_LISTEN address must be a numeric IP address, got \"%s\"",
		            cfg->listen_host);
	cfg->listen_port = port;
	return APP_OK;
}

static int validate(struct config *cfg, enum config_purpose purpose, char *err, size_t errlen)
{
	struct ipnet_list proxies = {0};
	char where[128] = "";
	int rc;

	if (purpose == CONFIG_FOR_SERVER && !cfg->jwt_secret)
		return fail(err, errlen,
		            "CABINET_JWT_SECRET (or CABINET_JWT_SECRET_FILE) is required: at least "
		            "32 random bytes");
	if ((rc = parse_listen(cfg, err, errlen)) != APP_OK)
		return rc;
	if (strncmp(cfg->public_url, "http://", 7) != 0 &&
	    strncmp(cfg->public_url, "https://", 8) != 0)
		return fail(err, errlen,
		            "CABINET_PUBLIC_URL must start with http:// or https://, got \"%s\"",
		            cfg->public_url);
	if (*cfg->smtp_url && strncmp(cfg->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(cfg->smtp_url, "smtps://", 8) != 0)
		return fail(err, errlen, "CABINET_SMTP_URL must start with smtp:// or smtps://");
	if (!strchr(cfg->smtp_from, '@') || strpbrk(cfg->smtp_from, "\r\n"))
		return fail(err, errlen, "CABINET_SMTP_FROM must be an address or Name <address>");
	if (*cfg->sms_webhook_url && strncmp(cfg->sms_webhook_url, "http://", 7) != 0 &&
	    strncmp(cfg->sms_webhook_url, "https://", 8) != 0)
		return fail(err, errlen,
		            "CABINET_SMS_WEBHOOK_URL must start with http:// or https://");
	if (*cfg->sms_webhook_url && !cfg->sms_webhook_secret)
		return fail(err, errlen,
		            "CABINET_SMS_WEBHOOK_SECRET is required with CABINET_SMS_WEBHOOK_URL");
	if (*cfg->default_country && !phone_country_known(cfg->default_country))
		return fail(err, errlen,
		            "CABINET_DEFAULT_COUNTRY \"%s\" is not a country Cabinet knows",
		            cfg->default_country);
	if (!strchr(cfg->bootstrap_admin_email, '@'))
		return fail(err, errlen, "CABINET_BOOTSTRAP_ADMIN_EMAIL must be an e-mail address");
	rc = ipnet_list_parse(&proxies, cfg->trusted_proxies, where, sizeof(where));
	ipnet_list_free(&proxies);
	if (rc != APP_OK)
		return fail(err, errlen, "CABINET_TRUSTED_PROXIES: %s", where);
	return APP_OK;
}

int config_load(struct config *cfg_out, config_lookup_fn lookup, void *ctx,
                enum config_purpose purpose, char *err, size_t errlen)
{
	int rc = APP_OK;

	memset(cfg_out, 0, sizeof(*cfg_out));
	err[0] = '\0';
	for (size_t i = 0; i < CONFIG_COUNT && rc == APP_OK; i++) {
		const struct cfg_def *d = &CONFIG_TABLE[i];
		char *owned = NULL;
		const char *v = NULL;

		rc = raw_value(d, lookup, ctx, &owned, &v, err, errlen);
		if (rc == APP_OK && v)
			rc = load_one(cfg_out, d, v, err, errlen);
		if (owned) {
			memset(owned, 0, strlen(owned)); /* do not leave secrets in freed memory */
			free(owned);
		}
	}
	if (rc == APP_OK)
		rc = validate(cfg_out, purpose, err, errlen);
	return rc;
}

static void free_secret(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < CONFIG_COUNT; i++) {
		const struct cfg_def *d = &CONFIG_TABLE[i];
		char **p = (char **)((char *)cfg + d->offset);

		if (d->type == T_SECRET)
			free_secret(*p);
		else if (d->type == T_STRING || d->type == T_ENUM)
			free(*p);
		else
			continue;
		*p = NULL;
	}
	free(cfg->listen_host);
	cfg->listen_host = NULL;
}

void config_print_help(FILE *out)
{
	fprintf(out, "Environment variables (docs/configuration.md says more):\n\n");
	for (size_t i = 0; i < CONFIG_COUNT; i++) {
		const struct cfg_def *d = &CONFIG_TABLE[i];

		fprintf(out, "  %s", d->name);
		if (d->alias)
			fprintf(out, " (or %s)", d->alias);
		if (d->type == T_SECRET)
			fprintf(out, " (or %s_FILE)", d->name);
		fprintf(out, "\n      %s\n", d->help);
		if (d->def)
			fprintf(out, "      default: %s\n", *d->def ? d->def : "(empty)");
		if (d->type == T_INT)
			fprintf(out, "      range: %ld to %ld\n", d->min, d->max);
		if (d->type == T_ENUM)
			fprintf(out, "      one of: %s\n", d->choices);
	}
}
