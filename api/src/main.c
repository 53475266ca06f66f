/* cabinetd: config -> logging -> db pool -> migrations -> bootstrap -> http -> wait for signal -> drain. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
#include <ulfius.h>

#include "app.h"
#include "auth/password.h"
#include "auth/principal_cache.h"
#include "auth/secrets.h"
#include "common/embedded.h"
#include "common/err.h"
#include "db/listener.h"
#include "db/migrate.h"
#include "http/router.h"
#include "http/server.h"
#include "log.h"
#include "notify/worker.h"
#include "service/audit_sealer.h"
#include "service/recovery.h"
#include "service/settings.h"
#include "service/staff.h"
#include <curl/curl.h>
#include <liboath/oath.h>

#ifndef CABINET_VERSION
#define CABINET_VERSION "dev"
#endif

#define STARTUP_DB_WAIT_S 30

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: cabinetd [--help | --version | --routes]\n\n"
	        "Cabinet API server. Serves the API, the admin panel (/admin/), the portal (/)\n"
	        "and the API reference (/docs). Configured by environment variables only.\n\n");
	config_print_help(out);
}

/* Applies migrations, waiting a while for a database that is still starting (containers). */
static int migrate_at_start(struct app *app)
{
	PGconn *pg = NULL;
	struct db_conn conn = {0};
	size_t applied = 0;
	int rc = APP_UNAVAILABLE;

	for (int waited = 0; waited <= STARTUP_DB_WAIT_S; waited++) {
		if ((rc = db_connect(&pg, app->cfg.database_url, 600000)) == APP_OK)
			break;
		if (waited == 0)
			log_warn("database not reachable yet; retrying for up to %d s",
			         STARTUP_DB_WAIT_S);
		sleep(1);
	}
	if (rc != APP_OK) {
		log_error("database unreachable: check CABINET_DATABASE_URL");
		return rc;
	}
	conn.pg = pg;
	rc = migrate_apply(&applied, &conn, cabinet_migrations, cabinet_migrations_count);
	PQfinish(pg);
	if (rc == APP_OK)
		log_info("schema current (%zu migration(s) applied now, %zu known)", applied,
		         cabinet_migrations_count);
	return rc;
}

/* Whether every embedded migration is applied (false also when the database cannot be asked). */
static bool schema_current(struct app *app)
{
	struct db_conn *conn = NULL;
	bool current = false;

	if (db_pool_checkout(&conn, app->pool) == APP_OK)
		migrate_is_current(&current, conn, cabinet_migrations, cabinet_migrations_count);
	db_pool_checkin(app->pool, conn);
	return current;
}

/* One id of a change announced (or "*": a role, a setting, anything). */
static void forget(struct app *app, const char *id)
{
	if (strcmp(id, "*") == 0)
		settings_cache_forget();
	if (app->principals)
		principal_cache_forget(app->principals, id);
}

static void principal_changed(const char *id, void *arg)
{
	forget(arg, id);
}

static void principal_listener_state(bool listening, void *arg)
{
	struct app *app = arg;

	/* while changes may go unheard, nothing cached may be trusted */
	settings_cache_enable(listening);
	if (app->principals)
		principal_cache_enable(app->principals, listening);
}

/* What a transaction of this instance changed: dropped before the request that made it answers. */
static void principals_committed(const char *changed, void *arg)
{
	char *ids = strdup(changed), *save = NULL;

	if (!ids) {
		forget(arg, "*");
		return;
	}
	for (char *id = strtok_r(ids, ",", &save); id; id = strtok_r(NULL, ",", &save))
		forget(arg, id);
	free(ids);
}

/*
 * The caches of principals (unless turned off) and settings, and the connection that hears what
 * drops them (migration 0028).
 */
static int start_caches(struct app *app)
{
	struct db_listener_callbacks cb = {principal_changed, principal_listener_state, app, "*"};

	if (app->cfg.principal_cache_size > 0 &&
	    !(app->principals = principal_cache_new((size_t)app->cfg.principal_cache_size,
	                                            app->cfg.principal_cache_ttl_ms)))
		return APP_INTERNAL;
	db_pool_on_commit(app->pool, principals_committed, app);
	return db_listener_start(&app->listener, app->cfg.database_url, "cabinet_principals", &cb,
	                         500, 5000);
}

static int setup(struct app *app)
{
	char why[160] = "";
	struct db_pool_options po = {.conninfo = app->cfg.database_url,
	                             .size = (size_t)app->cfg.db_pool_size,
	                             .checkout_timeout_ms = app->cfg.db_checkout_timeout_ms,
	                             .statement_timeout_ms = app->cfg.db_statement_timeout_ms};
	int rc;

	if (!realpath(app->cfg.web_root, app->web_root)) {
		app->web_root[0] = '\0';
		log_warn("CABINET_WEB_ROOT %s not found: the web app and /docs are not served",
		         app->cfg.web_root);
	}
	if (ipnet_list_parse(&app->trusted_proxies, app->cfg.trusted_proxies, why, sizeof(why)) !=
	    APP_OK)
		return APP_INVALID; /* config_load validated it already */
	settings_init(&app->cfg);
	if (password_gate_init(app->cfg.hash_concurrency) != APP_OK)
		return APP_INTERNAL;
	if ((rc = db_pool_create(&app->pool, &po)) != APP_OK)
		return rc;
	if (app->cfg.migrate_on_start && (rc = migrate_at_start(app)) != APP_OK)
		return rc;
	if (!app->cfg.migrate_on_start && !schema_current(app))
		log_warn("schema not current: run cabinetctl migrate; /readyz answers 503 until "
		         "then, "
		         "and the first staff member is created at the next start");
	else if ((rc = staff_bootstrap(app, stderr)) != APP_OK) {
		log_error("could not create the first staff member");
		return rc;
	}
	struct metrics_route *labels = calloc(ROUTE_COUNT, sizeof(*labels));

	if (!labels)
		return APP_INTERNAL;
	for (size_t i = 0; i < ROUTE_COUNT; i++)
		labels[i] = (struct metrics_route){ROUTES[i].method, ROUTES[i].path};
	rc = metrics_create(&app->metrics, labels, ROUTE_COUNT);
	free(labels);
	if (rc == APP_OK && !(app->token_limits = rate_limiter_new(4096)))
		rc = APP_INTERNAL;
	if (rc == APP_OK)
		rc = start_caches(app);
	if (rc == APP_OK)
		rc = audit_sealer_start(&app->sealer, app->cfg.database_url,
		                        app->cfg.audit_seal_ms);
	return rc;
}

/* What the delivery workers run besides deliveries. */
static const notify_job_fn DEFERRED_JOBS[] = {recovery_run_job, NULL};

int main(int argc, char **argv)
{
	static struct app app; /* static: large, and zero-initialised */
	struct http_server srv = {0};
	struct notify_workers *workers = NULL;
	char err[512];
	sigset_t sigs;
	int sig = 0, rc;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("cabinetd %s\n", CABINET_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--routes") == 0) {
		router_print(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "cabinetd: unknown argument %s\n", argv[1]);
		usage(stderr);
		return 2;
	}
	if (config_load(&app.cfg, config_getenv, NULL, CONFIG_FOR_SERVER, err, sizeof(err)) !=
	    APP_OK) {
		fprintf(stderr, "cabinetd: configuration error: %s\n", err);
		config_free(&app.cfg);
		return 2;
	}
	/* signals are taken synchronously by sigwait below; block them before any thread starts */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (log_init(app.cfg.log_format, app.cfg.log_level) != APP_OK) {
		fprintf(stderr, "cabinetd: cannot start logging\n");
		return 1;
	}
	ulfius_global_init();
	json_object_seed(0);
	log_info("cabinetd %s starting", CABINET_VERSION);

	curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread: not thread-safe */
	oath_init();
	rc = setup(&app);
	if (rc == APP_OK)
		rc = notify_workers_start(&workers, &app, DEFERRED_JOBS);
	if (rc == APP_OK)
		rc = http_server_start(&srv, &app);
	if (rc == APP_OK) {
		sigwait(&sigs, &sig);
		log_info("received %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		http_server_drain_and_stop(&srv, &app, app.cfg.shutdown_grace_s);
	}
	app.workers = NULL;
	notify_workers_stop(workers); /* a delivery in progress finishes first */
	audit_sealer_stop(app.sealer);
	db_listener_stop(app.listener);
	principal_cache_free(app.principals);
	metrics_free(app.metrics);
	rate_limiter_free(app.token_limits);
	db_pool_free(app.pool);
	ipnet_list_free(&app.trusted_proxies);
	config_free(&app.cfg);
	ulfius_global_close();
	curl_global_cleanup();
	oath_done();
	log_info("stopped");
	log_close();
	return rc == APP_OK ? 0 : 1;
}
