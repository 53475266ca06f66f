/* principal_cache.c: entries by credential, dropped by the ids they name, never put back with an
 * answer older than an announced change, nothing answered or kept while changes may go unheard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/principal_cache.h"

static const long long NOW = 1800000000;

static struct principal who(const char *id, const char *session, const char *customer)
{
	struct principal p = {.kind = PRINCIPAL_CUSTOMER};

	snprintf(p.id, sizeof(p.id), "%s", id);
	snprintf(p.session_id, sizeof(p.session_id), "%s", session);
	snprintf(p.customer_id, sizeof(p.customer_id), "%s", customer);
	snprintf(p.email, sizeof(p.email), "%s@example.org", id);
	snprintf(p.permissions, sizeof(p.permissions), "profile.read");
	snprintf(p.trusted_ips, sizeof(p.trusted_ips), "203.0.113.0/24");
	return p;
}

static const struct principal_grant *until(long long t)
{
	static struct principal_grant g;

	memset(&g, 0, sizeof(g));
	g.valid_until = t;
	return &g;
}

static struct principal_cache *ready(size_t capacity, long ttl_ms)
{
	struct principal_cache *c = principal_cache_new(capacity, ttl_ms);

	assert_non_null(c);
	principal_cache_enable(c, true);
	return c;
}

static void answers_what_it_was_given(void **state)
{
	struct principal_cache *c = ready(16, 60000);
	struct principal a = who("acc-1", "ses-1", "cus-1"), out;
	struct principal_grant g = {.valid_until = NOW + 60, .rate_limit = 600};

	(void)state;
	snprintf(g.token_ips, sizeof(g.token_ips), "198.51.100.0/24");
	assert_false(principal_cache_get(c, "s:1", NOW, &out, NULL));
	principal_cache_put(c, "s:1", principal_cache_generation(c), &a, &g);
	memset(&out, 0x55, sizeof(out));
	struct principal_grant got;
	assert_true(principal_cache_get(c, "s:1", NOW, &out, &got));
	assert_string_equal(out.id, "acc-1");
	assert_string_equal(out.email, "acc-1@example.org");
	assert_string_equal(out.trusted_ips, "203.0.113.0/24");
	assert_string_equal(got.token_ips, "198.51.100.0/24");
	assert_int_equal(got.rate_limit, 600);
	assert_false(principal_cache_get(c, "s:2", NOW, &out, NULL));
	principal_cache_free(c);
}

static void forgets_by_every_id_it_names(void **state)
{
	const char *ids[] = {"acc-1", "ses-1", "cus-1", "imp-1", "tok-1"};

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct principal_cache *c = ready(16, 60000);
		struct principal a = who("acc-1", "ses-1", "cus-1"),
		                 b = who("acc-2", "ses-2", "cus-2"), out;

		snprintf(a.impersonator_id, sizeof(a.impersonator_id), "imp-1");
		snprintf(a.token_id, sizeof(a.token_id), "tok-1");
		principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 60));
		principal_cache_put(c, "b", principal_cache_generation(c), &b, until(NOW + 60));
		principal_cache_forget(c, ids[i]);
		assert_false(principal_cache_get(c, "a", NOW, &out, NULL));
		assert_true(principal_cache_get(c, "b", NOW, &out, NULL));
		principal_cache_forget(c, "*");
		assert_false(principal_cache_get(c, "b", NOW, &out, NULL));
		principal_cache_free(c);
	}
}

static void never_keeps_an_answer_older_than_a_change(void **state)
{
	struct principal_cache *c = ready(16, 60000);
	struct principal a = who("acc-1", "ses-1", "cus-1"), out;
	uint64_t before = principal_cache_generation(c);

	(void)state;
	/* the database answered, then a change of someone else was announced: still not kept */
	principal_cache_forget(c, "someone-else");
	principal_cache_put(c, "a", before, &a, until(NOW + 60));
	assert_false(principal_cache_get(c, "a", NOW, &out, NULL));
	principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 60));
	assert_true(principal_cache_get(c, "a", NOW, &out, NULL));
	principal_cache_free(c);
}

static void nothing_while_changes_may_go_unheard(void **state)
{
	struct principal_cache *c = principal_cache_new(16, 60000);
	struct principal a = who("acc-1", "ses-1", "cus-1"), out;
	struct principal_cache_stats st;

	(void)state;
	/* a new cache waits for its listener */
	principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 60));
	assert_false(principal_cache_get(c, "a", NOW, &out, NULL));
	principal_cache_enable(c, true);
	principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 60));
	assert_true(principal_cache_get(c, "a", NOW, &out, NULL));
	/* the listener lost its connection: flushed, and nothing kept until it is back */
	principal_cache_enable(c, false);
	principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 60));
	assert_false(principal_cache_get(c, "a", NOW, &out, NULL));
	principal_cache_stats(c, &st);
	assert_false(st.enabled);
	assert_int_equal(st.entries, 0);
	principal_cache_enable(c, true);
	assert_false(principal_cache_get(c, "a", NOW, &out, NULL));
	principal_cache_free(c);
}

static void ends_at_its_validity_and_its_ttl(void **state)
{
	struct principal_cache *c = ready(16, 50);
	struct principal a = who("acc-1", "ses-1", "cus-1"), out;

	(void)state;
	principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 10));
	assert_true(principal_cache_get(c, "a", NOW + 9, &out, NULL));
	assert_false(principal_cache_get(c, "a", NOW + 10, &out, NULL)); /* past its end */
	principal_cache_put(c, "a", principal_cache_generation(c), &a, until(NOW + 10));
	usleep(80 * 1000);
	assert_false(principal_cache_get(c, "a", NOW, &out, NULL));
	principal_cache_free(c);
}

static void the_oldest_go_first_when_full(void **state)
{
	struct principal_cache *c = ready(3, 60000);
	struct principal p, out;
	char key[8];
	struct principal_cache_stats st;

	(void)state;
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		p = who(key, key, key);
		principal_cache_put(c, key, principal_cache_generation(c), &p, until(NOW + 60));
	}
	principal_cache_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_false(principal_cache_get(c, "k0", NOW, &out, NULL));
	assert_false(principal_cache_get(c, "k1", NOW, &out, NULL));
	assert_true(principal_cache_get(c, "k4", NOW, &out, NULL));
	principal_cache_free(c);
}

static void records_a_use_once_a_minute_per_address(void **state)
{
	struct principal_cache *c = ready(16, 600000);
	struct principal a = who("acc-1", "ses-1", "cus-1");
	struct principal_grant g = {.valid_until = NOW + 600, .used_at = NOW};

	(void)state;
	snprintf(g.used_ip, sizeof(g.used_ip), "192.0.2.1");
	assert_false(
	        principal_cache_use_worth_recording(c, "t", "192.0.2.1", NOW)); /* not cached */
	principal_cache_put(c, "t", principal_cache_generation(c), &a, &g);
	assert_false(principal_cache_use_worth_recording(c, "t", "192.0.2.1", NOW + 30));
	assert_true(principal_cache_use_worth_recording(c, "t", "192.0.2.9", NOW + 31));
	assert_false(principal_cache_use_worth_recording(c, "t", "192.0.2.9", NOW + 32)); /* once */
	assert_true(principal_cache_use_worth_recording(c, "t", "192.0.2.9", NOW + 91));
	principal_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(answers_what_it_was_given),
	        cmocka_unit_test(forgets_by_every_id_it_names),
	        cmocka_unit_test(never_keeps_an_answer_older_than_a_change),
	        cmocka_unit_test(nothing_while_changes_may_go_unheard),
	        cmocka_unit_test(ends_at_its_validity_and_its_ttl),
	        cmocka_unit_test(the_oldest_go_first_when_full),
	        cmocka_unit_test(records_a_use_once_a_minute_per_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
