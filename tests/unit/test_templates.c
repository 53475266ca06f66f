/* notify/templates.c: the placeholder language, catalogue checks, HTML escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/err.h"
#include "notify/templates.h"

static char *render(const char *text, json_t *vars, bool html)
{
	char *out = NULL;

	assert_int_equal(templates_render(&out, text, vars, html), APP_OK);
	return out;
}

static void renders_and_escapes(void **state)
{
	json_t *vars = json_pack("{s:s, s:i, s:s}", "first_name", "<Zoé & \"co\">",
	                         "expires_minutes", 30, "code", "123456");
	char *s;

	(void)state;
	s = render("Hi {{first_name}}, {{ code }} ({{expires_minutes}} min)", vars, false);
	assert_string_equal(s, "Hi <Zoé & \"co\">, 123456 (30 min)");
	free(s);
	s = render("<p>Hi {{first_name}}</p>", vars, true);
	assert_string_equal(s, "<p>Hi &lt;Zoé &amp; &quot;co&quot;&gt;</p>");
	free(s);
	s = render("{{missing}}|{{ }}|{{Upper}}|{{", vars, false);
	assert_string_equal(
	        s, "|{{ }}|{{Upper}}|{{"); /* absent value: empty; not placeholders: kept */
	free(s);
	s = render("", NULL, true);
	assert_string_equal(s, "");
	free(s);
	json_decref(vars);
}

static void checks_against_the_catalogue(void **state)
{
	const struct template_event *code = templates_event("recovery_code");
	char why[160];

	(void)state;
	assert_non_null(code);
	assert_true(code->sensitive);
	assert_null(templates_event("nope"));
	assert_int_equal(
	        templates_check(code, "{{code}} {{ first_name }} {{portal_url}}", why, sizeof(why)),
	        APP_OK);
	assert_int_equal(templates_check(code, "no placeholders at all", why, sizeof(why)), APP_OK);
	assert_int_equal(templates_check(code, "Hi {{password}}", why, sizeof(why)), APP_INVALID);
	assert_non_null(strstr(why, "{{password}}"));
	assert_int_equal(templates_check(code, "Hi {{ code", why, sizeof(why)), APP_INVALID);
	assert_non_null(strstr(why, "character 4"));
	assert_int_equal(templates_check(code, "{{Code}}", why, sizeof(why)), APP_INVALID);
	assert_int_equal(templates_check(code, "{{}}", why, sizeof(why)), APP_INVALID);
	/* a subject holds no text a customer types */
	assert_int_equal(
	        templates_check_subject(code, "Your {{portal_name}} code", why, sizeof(why)),
	        APP_OK);
	assert_int_equal(templates_check_subject(code, "Hi {{ first_name }}", why, sizeof(why)),
	                 APP_INVALID);
	assert_non_null(strstr(why, "first_name"));
	assert_int_equal(templates_check_subject(templates_event("individual_invitation"),
	                                         "{{organization}} invites you", why, sizeof(why)),
	                 APP_INVALID);
	assert_true(templates_placeholder_ok(code, "first_name"));
	assert_false(templates_placeholder_ok(code, "login"));
	assert_true(templates_language_ok("fr"));
	assert_false(templates_language_ok("de"));
}

static void samples_cover_every_placeholder(void **state)
{
	(void)state;
	for (const struct template_event *e = TEMPLATE_EVENTS; e->name; e++) {
		json_t *vars = templates_sample_vars(e), *names = templates_placeholders_json(e);
		size_t i;
		json_t *name;

		json_array_foreach(names, i,
		                   name) if (!json_object_get(vars, json_string_value(name)))
		        fail_msg("%s: no sample for %s", e->name, json_string_value(name));
		json_decref(vars);
		json_decref(names);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(renders_and_escapes),
	        cmocka_unit_test(checks_against_the_catalogue),
	        cmocka_unit_test(samples_cover_every_placeholder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
