/* ipnet.c: IP lists (single, CIDR, address/netmask, v4 and v6) and client address resolution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/ipnet.h"
#include "common/err.h"

static void parse_forms(void **state)
{
	struct ipnet_list l;
	char why[160];

	(void)state;
	assert_int_equal(
	        ipnet_list_parse(&l,
	                         "192.0.2.7\n10.0.0.0/8; 172.16.0.0/255.240.0.0,2001:db8::/32\n"
	                         "  ::1  \n\n;",
	                         why, sizeof(why)),
	        APP_OK);
	assert_int_equal(l.count, 5);
	assert_true(ipnet_list_contains(&l, "192.0.2.7"));
	assert_false(ipnet_list_contains(&l, "192.0.2.8"));
	assert_true(ipnet_list_contains(&l, "10.255.3.4"));
	assert_false(ipnet_list_contains(&l, "11.0.0.1"));
	assert_true(ipnet_list_contains(&l, "172.31.255.255"));
	assert_false(ipnet_list_contains(&l, "172.32.0.0"));
	assert_true(ipnet_list_contains(&l, "2001:db8:1::42"));
	assert_false(ipnet_list_contains(&l, "2001:db9::1"));
	assert_true(ipnet_list_contains(&l, "::1"));
	/* an IPv4-mapped IPv6 peer matches IPv4 entries */
	assert_true(ipnet_list_contains(&l, "::ffff:10.1.2.3"));
	assert_false(ipnet_list_contains(&l, "not an address"));
	assert_false(ipnet_list_contains(&l, NULL));
	ipnet_list_free(&l);
}

static void host_bits_and_edges(void **state)
{
	struct ipnet_list l;
	char why[160];

	(void)state;
	assert_int_equal(ipnet_list_parse(&l, "10.1.2.3/24;0.0.0.0/0", why, sizeof(why)), APP_OK);
	assert_true(ipnet_list_contains(&l, "10.1.2.200"));
	assert_true(ipnet_list_contains(&l, "8.8.8.8")); /* /0 is everything of its family */
	assert_false(ipnet_list_contains(&l, "2001:db8::1"));
	ipnet_list_free(&l);
	assert_int_equal(ipnet_list_parse(&l, "", why, sizeof(why)), APP_OK);
	assert_int_equal(l.count, 0);
	assert_false(ipnet_list_contains(&l, "10.0.0.1"));
	ipnet_list_free(&l);
}

static void errors_name_the_entry(void **state)
{
	static const char *bad[] = {"10.0.0.300",     "10.0.0.0/33", "10.0.0.0/255.0.255.0",
	                            "2001:db8::/129", "10.0.0.0/",   "10.0.0.0/abc",
	                            "::1/255.0.0.0"};
	struct ipnet_list l;
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "10.0.0.1;%s", bad[i]);
		assert_int_equal(ipnet_list_parse(&l, text, why, sizeof(why)), APP_INVALID);
		assert_int_equal(l.count, 0);
		assert_null(l.items);
		assert_non_null(strstr(why, "entry 2"));
		assert_non_null(strstr(why, bad[i]));
	}
}

static void client_address(void **state)
{
	struct ipnet_list proxies;
	char why[160], out[46];

	(void)state;
	assert_int_equal(ipnet_list_parse(&proxies, "10.0.0.0/8", why, sizeof(why)), APP_OK);
	/* an untrusted peer cannot choose its address */
	ipnet_client_address(out, "203.0.113.9", "1.2.3.4", &proxies);
	assert_string_equal(out, "203.0.113.9");
	/* a trusted proxy: the right-most untrusted hop */
	ipnet_client_address(out, "10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3", &proxies);
	assert_string_equal(out, "198.51.100.7");
	/* no header: the peer */
	ipnet_client_address(out, "10.0.0.2", NULL, &proxies);
	assert_string_equal(out, "10.0.0.2");
	/* a malformed hop stops the walk at the last address vouched for */
	ipnet_client_address(out, "10.0.0.2", "198.51.100.7, garbage", &proxies);
	assert_string_equal(out, "10.0.0.2");
	/* all hops trusted: the left-most */
	ipnet_client_address(out, "10.0.0.2", "10.9.9.9, 10.0.0.3", &proxies);
	assert_string_equal(out, "10.9.9.9");
	ipnet_list_free(&proxies);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parse_forms),
	        cmocka_unit_test(host_bits_and_edges),
	        cmocka_unit_test(errors_name_the_entry),
	        cmocka_unit_test(client_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
