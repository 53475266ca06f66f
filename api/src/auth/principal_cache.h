/*
 * Principals by credential, in memory, so that an authenticated request does not ask PostgreSQL who
 * is calling. An entry is dropped the moment anything it was built from changes: the database
 * announces every such change (NOTIFY with the ids concerned) and principal_cache_forget drops
 * each entry naming one. While those announcements might be missed (the listening connection is
 * down) the cache answers nothing and keeps nothing. Entries also end at their own validity (the
 * first expiry among session, idle timeout, account window and token) and after a short TTL.
 *
 * A lookup that missed reads principal_cache_generation before asking the database, and passes it
 * to principal_cache_put: a change announced meanwhile makes the put a no-op, so an answer read
 * before a change can never be cached after it.
 */
#ifndef CABINET_PRINCIPAL_CACHE_H
#define CABINET_PRINCIPAL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"

struct principal_cache;

/* What a credential resolves to, besides its principal. */
struct principal_grant {
	long long valid_until; /* application clock, seconds: unusable from then on */
	long rate_limit;       /* an API token's requests per minute; 0 otherwise */
	long long used_at;     /* an API token's last recorded use (application clock, seconds) */
	char used_ip[46];      /* and the address it came from */
	char token_ips[10001]; /* an API token's own address list; "" = any */
};

/* Figures for /metrics. */
struct principal_cache_stats {
	long entries, hits_total, misses_total, invalidations_total, flushes_total;
	bool enabled;
};

/* capacity entries at most (the oldest go first); ttl_ms bounds any entry's life. NULL: no memory. */
struct principal_cache *principal_cache_new(size_t capacity, long ttl_ms);
void principal_cache_free(struct principal_cache *c);

/* Starts answering (the announcements are heard) or stops and forgets everything (they may not be). */
void principal_cache_enable(struct principal_cache *c, bool on);

/* The count of changes announced so far: read it before asking the database. */
uint64_t principal_cache_generation(struct principal_cache *c);

/*
 * Copies the entry of key into *who and *grant (grant may be NULL) when there is a usable one at
 * now (application clock, seconds).
 */
bool principal_cache_get(struct principal_cache *c, const char *key, long long now,
                         struct principal *who, struct principal_grant *grant);

/* Keeps who and grant under key, unless a change was announced since generation was read. */
void principal_cache_put(struct principal_cache *c, const char *key, uint64_t generation,
                         const struct principal *who, const struct principal_grant *grant);

/*
 * Drops every entry whose session, account, customer, impersonator or API token is id ("*": all of
 * them). This is what an announcement does.
 */
void principal_cache_forget(struct principal_cache *c, const char *id);

/*
 * Whether the use of key's credential from ip at now is worth recording: one from another address
 * than the last recorded, or a minute after it. Answers true to one caller only (and takes it as
 * recorded); false for a key not cached (the lookup that missed decided).
 */
bool principal_cache_use_worth_recording(struct principal_cache *c, const char *key, const char *ip,
                                         long long now);

void principal_cache_stats(struct principal_cache *c, struct principal_cache_stats *out);

#endif
