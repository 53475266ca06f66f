/* common/ratelimit.c: per-key minute windows, and no key forgotten however many there are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "common/ratelimit.h"

static void limit_and_retry_after(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(64);
	long retry = -1;
	time_t t = 1800000000 + 15; /* 15 s into a minute */

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_true(rate_limiter_take(rl, "a", 3, t, &retry));
	assert_int_equal(retry, 0);
	assert_false(rate_limiter_take(rl, "a", 3, t + 10, &retry));
	assert_int_equal(retry, 35);
	/* another key has its own count */
	assert_true(rate_limiter_take(rl, "b", 3, t + 10, &retry));
	/* the next minute starts again */
	assert_true(rate_limiter_take(rl, "a", 3, t + 45, &retry));
	rate_limiter_free(rl);
}

static void crowded_table(void **state)
{
	struct rate_limiter *rl = rate_limiter_new(4);
	char key[16];
	long retry;
	time_t t = 1800000000;

	(void)state;
	/* far more live keys than slots: the table grows, and no key is forgotten in its minute */
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(rate_limiter_take(rl, key, 1, t, &retry));
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (rate_limiter_take(rl, key, 1, t + 30, &retry))
			fail_msg("%s was let through twice in one minute", key);
	}
	/* a key that stays in its slot is still limited */
	assert_true(rate_limiter_take(rl, "solo", 1, t + 60, &retry));
	assert_false(rate_limiter_take(rl, "solo", 1, t + 61, &retry));
	assert_true(rate_limiter_take(NULL, "x", 0, t, &retry)); /* no limiter: no limit */
	rate_limiter_free(rl);
	rate_limiter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(limit_and_retry_after),
	        cmocka_unit_test(crowded_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
