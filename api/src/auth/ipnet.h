/* IP address lists: single addresses, CIDR prefixes and address/netmask, IPv4 and IPv6. */
#ifndef CABINET_IPNET_H
#define CABINET_IPNET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct ipnet {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network address, host bits cleared */
	unsigned prefix;        /* 0..32 or 0..128 */
};

struct ipnet_list {
	struct ipnet *items;
	size_t count;
};

/*
 * Parses a list: entries separated by newlines, ';' or ','; blank entries are ignored. On error returns
 * APP_INVALID, leaves *list_out empty and writes which entry is wrong and why into why (size whylen).
 * The caller frees *list_out with ipnet_list_free.
 */
int ipnet_list_parse(struct ipnet_list *list_out, const char *text, char *why, size_t whylen);

/* Frees the entries; the list may be reused. */
void ipnet_list_free(struct ipnet_list *list);

/* Whether a textual address (IPv4, IPv6, IPv4-mapped IPv6) falls in one of the entries. */
bool ipnet_list_contains(const struct ipnet_list *list, const char *address);

/*
 * Whether an account's trusted list as typed lets address in: an empty list lets anyone in, a list
 * that does not parse nobody (it was checked when saved; a broken one must not open the door).
 */
bool ipnet_text_allows(const char *list, const char *address);

/* Whether s is a numeric IPv4 or IPv6 address. */
bool ipnet_is_address(const char *s);

/* Writes the numeric form of a socket address into buf (at least 46 bytes); "" when unknown. */
void ipnet_sockaddr_string(const struct sockaddr *sa, char *buf, size_t buflen);

/*
 * The client's address: the peer itself, unless the peer is a trusted proxy; then the right-most
 * X-Forwarded-For entry that is not a trusted proxy (all trusted: the left-most). out: 46 bytes.
 */
void ipnet_client_address(char out[46], const char *peer, const char *forwarded_for,
                          const struct ipnet_list *trusted);

#endif
