/* cabinetctl: operator commands that need no running server. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/embedded.h"
#include "common/err.h"
#include "config.h"
#include "db/audit_repo.h"
#include "db/db.h"
#include "db/migrate.h"
#include "db/pool.h"
#include "log.h"
#include "service/import.h"
#include "service/settings.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: cabinetctl COMMAND\n\n"
	        "Commands:\n"
	        "  migrate     apply pending migrations (safe while servers run)\n"
	        "  status      list migrations and whether each is applied\n"
	        "  audit verify\n"
	        "              check the audit log's hash chain; names the first broken entry\n"
	        "  help        this text\n\n"
	        "The database comes from CABINET_DATABASE_URL (or DATABASE_URL).\n");
}

static int cmd_status(struct db_conn *conn)
{
	bool current = false;
	int rc = migrate_is_current(&current, conn, cabinet_migrations, cabinet_migrations_count);

	if (rc != APP_OK)
		return rc;
	for (size_t i = 0; i < cabinet_migrations_count; i++)
		printf("%s\n", cabinet_migrations[i].name);
	printf("%zu migration(s) known; schema %s\n", cabinet_migrations_count,
	       current ? "current" : "NOT current: run cabinetctl migrate");
	return current ? APP_OK : APP_CONFLICT;
}

/* Recomputes every sealed link of the chain and reports the first wrong one, and the unsealed tail. */
static int cmd_audit_verify(struct db_conn *conn)
{
	struct audit_verdict v;
	int rc = audit_repo_verify(&v, conn);

	if (rc != APP_OK) {
		fprintf(stderr,
		        "cabinetctl: the audit log cannot be read (is the schema current?)\n");
		return rc;
	}
	if (v.broken_at[0]) {
		printf("audit chain BROKEN at chain position %s: this entry or the one before it "
		       "was "
		       "changed or removed\n",
		       v.broken_at);
		return APP_CONFLICT;
	}
	printf("audit chain intact: %lld entries", v.sealed);
	if (v.unsealed)
		printf("; %lld newer not sealed yet (the oldest %lld s ago)", v.unsealed,
		       v.oldest_unsealed_s);
	printf("\n");
	/* a running cabinetd seals within a second: an old unsealed entry means none runs */
	if (v.unsealed && v.oldest_unsealed_s > 60)
		fprintf(stderr,
		        "cabinetctl: entries wait to be sealed: is any cabinetd running?\n");
	return APP_OK;
}

/* Reads a whole file; NULL when it cannot. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int cmd_import(struct db_conn *conn, const struct config *cfg, const char *path,
                      bool dry_run)
{
	struct import_options o = {.dry_run = dry_run,
	                           .default_country = cfg->default_country,
	                           .actor_kind = "system",
	                           .source = "cabinetctl"};
	char why[200];
	size_t len = 0, i;
	char *text = read_file(path, &len);
	json_t *rows = NULL, *report = NULL, *item;
	int rc;

	if (!text) {
		fprintf(stderr, "cabinetctl: cannot read %s\n", path);
		return APP_INVALID;
	}
	if (!(rows = import_rows(text, len, why, sizeof(why)))) {
		fprintf(stderr, "cabinetctl: %s: %s\n", path, why);
		free(text);
		return APP_INVALID;
	}
	rc = import_run(&report, conn, rows, &o);
	if (rc == APP_OK) {
		json_array_foreach(json_object_get(report, "items"), i, item)
		{
			json_t *e = json_array_get(json_object_get(item, "errors"), 0);

			if (e)
				printf("row %lld (%s): %s: %s\n",
				       (long long)json_integer_value(json_object_get(item, "row")),
				       json_string_value(json_object_get(item, "email")) ?: "-",
				       json_string_value(json_object_get(e, "field")),
				       json_string_value(json_object_get(e, "message")));
		}
		printf("%s%lld row(s): %lld created, %lld updated, %lld refused\n",
		       dry_run ? "dry run, nothing written: " : "",
		       (long long)json_integer_value(json_object_get(report, "rows")),
		       (long long)json_integer_value(json_object_get(report, "created")),
		       (long long)json_integer_value(json_object_get(report, "updated")),
		       (long long)json_integer_value(json_object_get(report, "errors")));
		if (json_integer_value(json_object_get(report, "errors")) > 0)
			rc = APP_CONFLICT; /* exit 3 */
	} else {
		fprintf(stderr, "cabinetctl: the import failed; nothing was written\n");
		rc = APP_INTERNAL;
	}
	json_decref(report);
	json_decref(rows);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct db_conn conn = {0};
	char err[512];
	size_t applied = 0;
	int rc;

	bool audit = argc == 3 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "verify") == 0;
	bool import = (argc == 3 || (argc == 4 && strcmp(argv[3], "--dry-run") == 0)) &&
	              strcmp(argv[1], "import") == 0;

	if ((argc != 2 && !audit && !import) ||
	    (argc >= 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0))) {
		usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	if (!audit && !import && strcmp(argv[1], "migrate") != 0 &&
	    strcmp(argv[1], "status") != 0) {
		fprintf(stderr, "cabinetctl: unknown command %s\n", argv[1]);
		usage(stderr);
		return 2;
	}
	if (config_load(&cfg, config_getenv, NULL, CONFIG_FOR_TOOL, err, sizeof(err)) != APP_OK) {
		fprintf(stderr, "cabinetctl: configuration error: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	log_init("text", "info");
	settings_init(&cfg);
	rc = db_connect(&conn.pg, cfg.database_url, 600000);
	if (rc != APP_OK) {
		fprintf(stderr, "cabinetctl: cannot connect to the database\n");
	} else if (audit) {
		rc = cmd_audit_verify(&conn);
	} else if (import) {
		rc = cmd_import(&conn, &cfg, argv[2], argc == 4);
	} else if (strcmp(argv[1], "migrate") == 0) {
		rc = migrate_apply(&applied, &conn, cabinet_migrations, cabinet_migrations_count);
		if (rc == APP_OK)
			printf("%zu migration(s) applied; schema current\n", applied);
	} else {
		rc = cmd_status(&conn);
	}
	PQfinish(conn.pg);
	config_free(&cfg);
	log_close();
	return rc == APP_OK ? 0 : import && rc == APP_CONFLICT ? 3 : 1;
}
