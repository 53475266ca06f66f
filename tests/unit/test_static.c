/* static.c: the web root's boundary (traversal, dot files, symlinks out) and the SPA fallback. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/err.h"
#include "http/static.h"

static char root[PATH_MAX];

static void put_file(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (system("rm -rf " FIXTURE_DIR " && mkdir -p " FIXTURE_DIR "/web/admin " FIXTURE_DIR
	           "/web/js " FIXTURE_DIR "/outside") != 0)
		return -1;
	put_file("web/index.html", "portal");
	put_file("web/admin/index.html", "admin");
	put_file("web/js/app.js", "js");
	put_file("web/.secret", "hidden");
	put_file("outside/passwd", "nope");
	if (symlink(FIXTURE_DIR "/outside/passwd", FIXTURE_DIR "/web/link.txt") != 0 ||
	    symlink(FIXTURE_DIR "/outside", FIXTURE_DIR "/web/out") != 0)
		return -1;
	return realpath(FIXTURE_DIR "/web", root) ? 0 : -1;
}

/* Returns the resolved file relative to the root, or NULL when refused. */
static const char *resolve(const char *url)
{
	static char out[PATH_MAX];

	if (static_resolve(out, sizeof(out), root, url) != APP_OK)
		return NULL;
	return out + strlen(root) + 1;
}

static void serves_files_and_indexes(void **state)
{
	(void)state;
	assert_string_equal(resolve("/"), "index.html");
	assert_string_equal(resolve("/js/app.js"), "js/app.js");
	assert_string_equal(resolve("/admin"), "admin/index.html");
	assert_string_equal(resolve("/admin/"), "admin/index.html");
}

static void app_routes_fall_back(void **state)
{
	(void)state;
	assert_string_equal(resolve("/profile"), "index.html");
	assert_string_equal(resolve("/admin/customers/42"), "admin/index.html");
	assert_string_equal(resolve("/administrator"), "index.html");
	assert_null(resolve("/js/missing.js")); /* a missing asset is a 404, not the app */
}

static void refuses_escapes(void **state)
{
	(void)state;
	assert_null(resolve("/../outside/passwd"));
	assert_null(resolve("/js/../../outside/passwd"));
	assert_null(resolve("/./index.html"));
	assert_null(resolve("/.secret"));
	assert_null(resolve("/link.txt")); /* symlink to a file outside */
	/* a symlinked folder outside: never its file; an extension-less path gets the app */
	assert_string_equal(resolve("/out/passwd"), "index.html");
	assert_null(resolve("//etc/passwd"));
	assert_null(resolve("/js\\..\\..\\x"));
	assert_null(resolve("relative"));
	assert_int_equal(static_resolve((char[8]){0}, 8, "", "/"), APP_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(serves_files_and_indexes),
	        cmocka_unit_test(app_routes_fall_back),
	        cmocka_unit_test(refuses_escapes),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
