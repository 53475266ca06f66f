/* Configuration: one table of environment variables with defaults and bounds (config.c). */
#ifndef CABINET_CONFIG_H
#define CABINET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config {
	char *database_url;
	char *listen;      /* "host:port" as given; parsed into listen_host/listen_port */
	char *listen_host; /* numeric IPv4 or IPv6 address */
	long listen_port;
	char *public_url;
	char *jwt_secret;    /* from CABINET_JWT_SECRET or the file CABINET_JWT_SECRET_FILE */
	char *metrics_token; /* the bearer token of GET /metrics, or NULL (loopback peers only) */
	char *web_root;
	char *data_dir;
	long db_pool_size;
	long db_checkout_timeout_ms;
	long db_statement_timeout_ms;
	long max_body_bytes;
	long max_import_bytes; /* the bulk import's own limit */
	char *trusted_proxies; /* an IP list, see auth/ipnet.h */
	char *log_format;      /* "json" or "text" */
	char *log_level;       /* "error", "warning", "info" or "debug" */
	char *http_model;      /* "per-connection" or "pool" */
	long http_threads;
	long http_connection_limit;
	long http_per_ip_limit;
	long http_timeout_s;
	long http_head_timeout_s; /* a request head must arrive in this time (http/guard.c) */
	long http_body_timeout_s; /* and its body in this one */
	long body_budget_bytes;   /* request bodies in memory at once, every connection together */
	long shutdown_grace_s;
	bool migrate_on_start;
	char *bootstrap_admin_email;
	char *bootstrap_admin_password;
	char *default_country; /* ISO 3166 code for national phone spellings, "" for none */
	bool registration_enabled;
	bool auto_confirm;
	long access_token_ttl_s;
	long session_idle_s;
	long session_max_s;
	char *smtp_url; /* "" = e-mail is held until configured */
	char *smtp_user;
	char *smtp_password;
	char *smtp_from;
	char *sms_webhook_url; /* "" = SMS is held until configured */
	char *sms_webhook_secret;
	long notify_workers;
	long notify_max_attempts;
	long notify_backoff_s;
	long notify_poll_ms;
	long hash_concurrency;
	long hash_wait_ms;
	long principal_cache_size, principal_cache_ttl_ms;
	long audit_seal_ms;
	long argon2_memory_kib;
	long argon2_iterations;
	long argon2_parallelism;
};

/* Where values come from: getenv in production, a table in unit tests. Returns NULL when unset. */
typedef const char *(*config_lookup_fn)(void *ctx, const char *name);

/* What a program needs: the server needs every secret, cabinetctl only the database. */
enum config_purpose { CONFIG_FOR_SERVER, CONFIG_FOR_TOOL };

/*
 * Reads and validates every variable of the table into *cfg_out (zeroed first; free with config_free,
 * also on failure). On a bad value returns APP_INVALID and writes one precise sentence naming the
 * variable into err (size errlen).
 */
int config_load(struct config *cfg_out, config_lookup_fn lookup, void *ctx,
                enum config_purpose purpose, char *err, size_t errlen);

/* config_lookup_fn over the process environment. */
const char *config_getenv(void *ctx, const char *name);

/* Frees what config_load allocated. */
void config_free(struct config *cfg);

/* Writes the table (name, default, bounds, help) for --help. */
void config_print_help(FILE *out);

#endif
