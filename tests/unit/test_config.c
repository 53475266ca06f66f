/* config.c: defaults, bounds, enums, secrets and their files, precise messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/err.h"
#include "config.h"

#define SECRET "0123456789abcdef0123456789abcdef"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *lookup(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static int load(struct config *cfg, const char *const *env, char *err)
{
	return config_load(cfg, lookup, (void *)env, CONFIG_FOR_SERVER, err, 512);
}

static void defaults_apply(void **state)
{
	const char *env[] = {"CABINET_JWT_SECRET", SECRET, NULL};
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, env, err), APP_OK);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8080);
	assert_int_equal(cfg.max_body_bytes, 1048576);
	assert_string_equal(cfg.log_format, "json");
	assert_true(cfg.migrate_on_start);
	assert_int_equal(cfg.argon2_memory_kib, 19456);
	assert_null(cfg.bootstrap_admin_password);
	config_free(&cfg);
}

static void database_url_alias(void **state)
{
	const char *env[] = {"CABINET_JWT_SECRET", SECRET, "DATABASE_URL", "postgresql://h/db",
	                     NULL};
	const char *both[] = {"CABINET_JWT_SECRET",
	                      SECRET,
	                      "DATABASE_URL",
	                      "postgresql://h/db",
	                      "CABINET_DATABASE_URL",
	                      "postgresql://main/db",
	                      NULL};
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, env, err), APP_OK);
	assert_string_equal(cfg.database_url, "postgresql://h/db");
	config_free(&cfg);
	assert_int_equal(load(&cfg, both, err), APP_OK);
	assert_string_equal(cfg.database_url, "postgresql://main/db");
	config_free(&cfg);
}

static void short_secret_refused(void **state)
{
	const char *env[] = {"CABINET_JWT_SECRET", "too-short", NULL};
	const char *none[] = {NULL};
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, env, err), APP_INVALID);
	assert_non_null(strstr(err, "CABINET_JWT_SECRET must be at least 32 bytes"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, none, err), APP_INVALID);
	assert_non_null(strstr(err, "CABINET_JWT_SECRET"));
	config_free(&cfg);
	/* cabinetctl needs no secret */
	assert_int_equal(config_load(&cfg, lookup, (void *)none, CONFIG_FOR_TOOL, err, 512),
	                 APP_OK);
	config_free(&cfg);
}

static void secret_from_file(void **state)
{
	char path[] = "/tmp/cabinet-secret-XXXXXX";
	int fd = mkstemp(path);
	const char *env[] = {"CABINET_JWT_SECRET_FILE", path, NULL};
	const char *both[] = {"CABINET_JWT_SECRET_FILE", path, "CABINET_JWT_SECRET", SECRET, NULL};
	const char *missing[] = {"CABINET_JWT_SECRET_FILE", "/nonexistent/secret", NULL};
	struct config cfg;
	char err[512];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, SECRET "\n", strlen(SECRET) + 1), (ssize_t)strlen(SECRET) + 1);
	close(fd);
	assert_int_equal(load(&cfg, env, err), APP_OK);
	assert_string_equal(cfg.jwt_secret, SECRET); /* trailing newline dropped */
	config_free(&cfg);
	assert_int_equal(load(&cfg, both, err), APP_INVALID);
	assert_non_null(strstr(err, "both set"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, missing, err), APP_INVALID);
	assert_non_null(strstr(err, "cannot read /nonexistent/secret"));
	config_free(&cfg);
	unlink(path);
}

static void bounds_and_types(void **state)
{
	static const struct {
		const char *name, *value, *message;
	} cases[] = {
	        {"CABINET_DB_POOL_SIZE", "0",
	         "CABINET_DB_POOL_SIZE must be between 1 and 256, got 0"},
	        {"CABINET_DB_POOL_SIZE", "12abc", "CABINET_DB_POOL_SIZE must be a whole number"},
	        {"CABINET_MAX_BODY_BYTES", "99999999999", "CABINET_MAX_BODY_BYTES must be between"},
	        {"CABINET_LOG_FORMAT", "xml", "CABINET_LOG_FORMAT must be one of json|text"},
	        {"CABINET_MIGRATE_ON_START", "maybe",
	         "CABINET_MIGRATE_ON_START must be true or false"},
	        {"CABINET_LISTEN", "localhost:8080", "must be a numeric IP address"},
	        {"CABINET_LISTEN", "127.0.0.1:99999", "port must be 1 to 65535"},
	        {"CABINET_LISTEN", "127.0.0.1", "must be address:port"},
	        {"CABINET_PUBLIC_URL", "ftp://x", "must start with http:// or https://"},
	        {"CABINET_TRUSTED_PROXIES", "10.0.0.1; nonsense", "entry 2 \"nonsense\""},
	        {"CABINET_ARGON2_MEMORY_KIB", "4096", "between 19456 and"},
	        {"CABINET_BOOTSTRAP_ADMIN_PASSWORD", "short", "at least 8 bytes"},
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *env[] = {"CABINET_JWT_SECRET", SECRET, cases[i].name, cases[i].value,
		                     NULL};
		struct config cfg;

		assert_int_equal(load(&cfg, env, err), APP_INVALID);
		if (!strstr(err, cases[i].message))
			fail_msg("%s=%s: got \"%s\"", cases[i].name, cases[i].value, err);
		config_free(&cfg);
	}
}

static void valid_overrides(void **state)
{
	const char *env[] = {"CABINET_JWT_SECRET",
	                     SECRET,
	                     "CABINET_LISTEN",
	                     "[::1]:9000",
	                     "CABINET_LOG_FORMAT",
	                     "text",
	                     "CABINET_MIGRATE_ON_START",
	                     "off",
	                     "CABINET_TRUSTED_PROXIES",
	                     "10.0.0.0/8\n192.168.1.1;fd00::/8",
	                     NULL};
	struct config cfg;
	char err[512];

	(void)state;
	assert_int_equal(load(&cfg, env, err), APP_OK);
	assert_string_equal(cfg.listen_host, "::1");
	assert_int_equal(cfg.listen_port, 9000);
	assert_string_equal(cfg.log_format, "text");
	assert_false(cfg.migrate_on_start);
	config_free(&cfg);
}

static void help_lists_every_variable(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	config_print_help(f);
	fclose(f);
	assert_non_null(strstr(buf, "CABINET_DATABASE_URL (or DATABASE_URL)"));
	assert_non_null(strstr(buf, "CABINET_JWT_SECRET (or CABINET_JWT_SECRET_FILE)"));
	assert_non_null(strstr(buf, "CABINET_BOOTSTRAP_ADMIN_PASSWORD"));
	assert_non_null(strstr(buf, "range: 1 to 256"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(defaults_apply),
	        cmocka_unit_test(database_url_alias),
	        cmocka_unit_test(short_secret_refused),
	        cmocka_unit_test(secret_from_file),
	        cmocka_unit_test(bounds_and_types),
	        cmocka_unit_test(valid_overrides),
	        cmocka_unit_test(help_lists_every_variable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
