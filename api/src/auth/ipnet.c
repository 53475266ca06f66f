/* IP lists for trusted proxies and trusted-IP restrictions. Pure code, unit-tested. */
#include "auth/ipnet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/* Parses a numeric address; IPv4-mapped IPv6 addresses become IPv4 so both spellings match. */
static bool parse_addr(const char *s, int *family, unsigned char addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, addr) != 1)
		return false;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(addr, mapped, 12) == 0) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		*family = AF_INET;
		return true;
	}
	*family = AF_INET6;
	return true;
}

bool ipnet_is_address(const char *s)
{
	int family;
	unsigned char addr[16];

	return parse_addr(s, &family, addr);
}

/* A netmask is contiguous ones then zeros; returns its prefix length or -1. */
static int mask_prefix(const unsigned char *mask, size_t len)
{
	int prefix = 0;
	bool zero_seen = false;

	for (size_t i = 0; i < len * 8; i++) {
		bool bit = mask[i / 8] & (0x80 >> (i % 8));

		if (bit && zero_seen)
			return -1;
		if (bit)
			prefix++;
		else
			zero_seen = true;
	}
	return prefix;
}

static void apply_prefix(unsigned char addr[16], unsigned prefix, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned bits = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;

		if (bits < 8)
			addr[i] &= (unsigned char)(0xff << (8 - bits));
	}
}

static int parse_entry(struct ipnet *out, const char *entry)
{
	char buf[128];
	char *slash;
	size_t len;

	if (strlen(entry) >= sizeof(buf))
		return APP_INVALID;
	strcpy(buf, entry);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (!parse_addr(buf, &out->family, out->addr))
		return APP_INVALID;
	len = out->family == AF_INET ? 4 : 16;
	out->prefix = (unsigned)len * 8;
	if (slash) {
		const char *p = slash + 1;
		int mfamily;
		unsigned char mask[16];

		if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 3) {
			unsigned n = (unsigned)strtoul(p, NULL, 10); /* at most 3 digits */

			if (n > len * 8)
				return APP_INVALID;
			out->prefix = n;
		} else if (parse_addr(p, &mfamily, mask) && mfamily == out->family) {
			int n = mask_prefix(mask, len);

			if (n < 0)
				return APP_INVALID;
			out->prefix = (unsigned)n;
		} else {
			return APP_INVALID;
		}
	}
	apply_prefix(out->addr, out->prefix, len);
	return APP_OK;
}

int ipnet_list_parse(struct ipnet_list *list_out, const char *text, char *why, size_t whylen)
{
	const char *p = text ? text : "";
	size_t n = 0;

	list_out->items = NULL;
	list_out->count = 0;
	while (*p) {
		size_t span = strcspn(p, ";,\n");
		const char *start = p, *end = p + span;
		char entry[128];
		struct ipnet *grown;

		p = *end ? end + 1 : end;
		while (start < end && isspace((unsigned char)*start))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (start == end)
			continue;
		n++;
		if ((size_t)(end - start) >= sizeof(entry)) {
			snprintf(why, whylen, "entry %zu is too long", n);
			goto invalid;
		}
		memcpy(entry, start, (size_t)(end - start));
		entry[end - start] = '\0';
		grown = realloc(list_out->items, (list_out->count + 1) * sizeof(*grown));
		if (!grown) {
			ipnet_list_free(list_out);
			return APP_INTERNAL;
		}
		list_out->items = grown;
		if (parse_entry(&list_out->items[list_out->count], entry) != APP_OK) {
			snprintf(why, whylen,
			         "entry %zu \"%s\" is not an IP address, CIDR prefix or "
			         "address/netmask",
			         n, entry);
			goto invalid;
		}
		list_out->count++;
	}
	return APP_OK;
invalid:
	ipnet_list_free(list_out);
	return APP_INVALID;
}

void ipnet_list_free(struct ipnet_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

bool ipnet_list_contains(const struct ipnet_list *list, const char *address)
{
	int family;
	unsigned char addr[16];

	if (!address || !parse_addr(address, &family, addr))
		return false;
	for (size_t i = 0; i < list->count; i++) {
		const struct ipnet *net = &list->items[i];
		unsigned char masked[16];
		size_t len = family == AF_INET ? 4 : 16;

		if (net->family != family)
			continue;
		memcpy(masked, addr, 16);
		apply_prefix(masked, net->prefix, len);
		if (memcmp(masked, net->addr, len) == 0)
			return true;
	}
	return false;
}

void ipnet_sockaddr_string(const struct sockaddr *sa, char *buf, size_t buflen)
{
	buf[0] = '\0';
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
		          (socklen_t)buflen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		          (socklen_t)buflen);
}

void ipnet_client_address(char out[46], const char *peer, const char *forwarded_for,
                          const struct ipnet_list *trusted)
{
	char hops[16][64];
	size_t nhops = 0;

	snprintf(out, 46, "%s", peer ? peer : "");
	if (!forwarded_for || !ipnet_list_contains(trusted, peer))
		return;
	for (const char *p = forwarded_for; *p && nhops < 16;) {
		size_t n = strcspn(p, ",");
		const char *a = p, *b = p + n;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if ((size_t)(b - a) >= sizeof(hops[0]))
			return;
		memcpy(hops[nhops], a, (size_t)(b - a));
		hops[nhops++][b - a] = '\0';
		p += n + (p[n] == ',');
	}
	/* right to left: each proxy appended the address it saw; stop at the first one not trusted */
	while (nhops > 0) {
		const char *hop = hops[--nhops];

		if (!ipnet_is_address(hop))
			return; /* a malformed hop: keep the last address we could vouch for */
		snprintf(out, 46, "%s", hop);
		if (!ipnet_list_contains(trusted, hop))
			return;
	}
}

bool ipnet_text_allows(const char *list, const char *address)
{
	struct ipnet_list nets;
	char why[160];
	bool ok;

	if (!list || !*list)
		return true;
	if (ipnet_list_parse(&nets, list, why, sizeof(why)) != APP_OK)
		return false;
	ok = nets.count == 0 || ipnet_list_contains(&nets, address);
	ipnet_list_free(&nets);
	return ok;
}
