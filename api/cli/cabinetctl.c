/* cabinetctl: operator commands that need no running server. */
#include <stdio.h>
#include <string.h>

#include "common/embedded.h"
#include "common/err.h"
#include "config.h"
#include "db/db.h"
#include "db/migrate.h"
#include "db/pool.h"
#include "log.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cabinetctl COMMAND\n\n"
	             "Commands:\n"
	             "  migrate     apply pending migrations (safe while servers run)\n"
	             "  status      list migrations and whether each is applied\n"
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

int main(int argc, char **argv)
{
	struct config cfg;
	struct db_conn conn = {0};
	char err[512];
	size_t applied = 0;
	int rc;

	if (argc != 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? 0 : 2;
	}
	if (strcmp(argv[1], "migrate") != 0 && strcmp(argv[1], "status") != 0) {
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
	rc = db_connect(&conn.pg, cfg.database_url, 600000);
	if (rc != APP_OK) {
		fprintf(stderr, "cabinetctl: cannot connect to the database\n");
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
	return rc == APP_OK ? 0 : 1;
}
