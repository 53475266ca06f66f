/* libFuzzer: trusted IP lists as typed (addresses, CIDR, address/netmask, ';' or lines). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ipnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipnet_list nets;
	char why[160], *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ipnet_list_parse(&nets, text, why, sizeof(why)) == 0) {
		ipnet_list_contains(&nets, "192.0.2.1");
		ipnet_list_contains(&nets, "2001:db8::1");
		ipnet_list_contains(&nets, text);
		ipnet_list_free(&nets);
	}
	ipnet_text_allows(text, "198.51.100.7");
	free(text);
	return 0;
}
