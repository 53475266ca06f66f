/*
 * A chained hash table under one mutex, with the entries also on a list by age so that the oldest
 * goes when the table is full. Lookups copy the entry out: nothing points into the table once the
 * lock is released.
 */
#include "auth/principal_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

struct entry {
	struct entry *next;            /* in its bucket */
	struct entry *older, *younger; /* by age */
	uint64_t hash;
	char key[160];
	int64_t fresh_until_ms;         /* monotonic: the TTL */
	long long valid_until, used_at; /* as in struct principal_grant */
	long rate_limit;
	char used_ip[46];
	char *token_ips;      /* NULL for "" */
	struct principal who; /* last: allocated only up to the end of who.trusted_ips's text */
};

struct principal_cache {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets, count, capacity;
	struct entry *oldest, *youngest;
	long ttl_ms;
	bool enabled;
	uint64_t generation;
	long hits, misses, invalidations, flushes;
};

static uint64_t key_hash(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

struct principal_cache *principal_cache_new(size_t capacity, long ttl_ms)
{
	struct principal_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->capacity = capacity ? capacity : 1;
	for (c->nbuckets = 64; c->nbuckets < c->capacity * 2; c->nbuckets *= 2)
		;
	if (!(c->buckets = calloc(c->nbuckets, sizeof(*c->buckets)))) {
		free(c);
		return NULL;
	}
	c->ttl_ms = ttl_ms;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* Unlinks e from its bucket and the age list, and frees it. Lock held. */
static void drop(struct principal_cache *c, struct entry *e)
{
	struct entry **p = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	if (e->older)
		e->older->younger = e->younger;
	else
		c->oldest = e->younger;
	if (e->younger)
		e->younger->older = e->older;
	else
		c->youngest = e->older;
	c->count--;
	free(e->token_ips);
	free(e);
}

static void drop_all(struct principal_cache *c)
{
	while (c->oldest)
		drop(c, c->oldest);
}

void principal_cache_free(struct principal_cache *c)
{
	if (!c)
		return;
	drop_all(c);
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

void principal_cache_enable(struct principal_cache *c, bool on)
{
	pthread_mutex_lock(&c->lock);
	c->generation++;
	c->enabled = on;
	drop_all(c);
	c->flushes++;
	pthread_mutex_unlock(&c->lock);
}

uint64_t principal_cache_generation(struct principal_cache *c)
{
	uint64_t g;

	pthread_mutex_lock(&c->lock);
	g = c->generation;
	pthread_mutex_unlock(&c->lock);
	return g;
}

static struct entry *find(struct principal_cache *c, const char *key, uint64_t hash)
{
	for (struct entry *e = c->buckets[hash & (c->nbuckets - 1)]; e; e = e->next)
		if (e->hash == hash && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Copies who without the unused tail of its address list. */
static void copy_principal(struct principal *to, const struct principal *from)
{
	size_t head = offsetof(struct principal, trusted_ips);

	memcpy(to, from, head);
	memcpy(to->trusted_ips, from->trusted_ips, strlen(from->trusted_ips) + 1);
}

bool principal_cache_get(struct principal_cache *c, const char *key, long long now,
                         struct principal *who, struct principal_grant *grant)
{
	uint64_t hash = key_hash(key);
	struct entry *e;
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	if (c->enabled && (e = find(c, key, hash))) {
		if (e->valid_until > now && e->fresh_until_ms > clock_mono_ms()) {
			copy_principal(who, &e->who);
			if (grant) {
				grant->valid_until = e->valid_until;
				grant->rate_limit = e->rate_limit;
				grant->used_at = e->used_at;
				memcpy(grant->used_ip, e->used_ip, sizeof(grant->used_ip));
				snprintf(grant->token_ips, sizeof(grant->token_ips), "%s",
				         e->token_ips ? e->token_ips : "");
			}
			hit = true;
		} else
			drop(c, e);
	}
	if (hit)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void principal_cache_put(struct principal_cache *c, const char *key, uint64_t generation,
                         const struct principal *who, const struct principal_grant *grant)
{
	size_t size = offsetof(struct entry, who) + offsetof(struct principal, trusted_ips) +
	              strlen(who->trusted_ips) + 1;
	uint64_t hash = key_hash(key);
	struct entry *e, *old;

	if (strlen(key) >= sizeof(e->key) || !(e = malloc(size)))
		return;
	memset(e, 0, offsetof(struct entry, who));
	e->hash = hash;
	memcpy(e->key, key, strlen(key) + 1);
	e->valid_until = grant->valid_until;
	e->rate_limit = grant->rate_limit;
	e->used_at = grant->used_at;
	snprintf(e->used_ip, sizeof(e->used_ip), "%s", grant->used_ip);
	if (grant->token_ips[0] && !(e->token_ips = strdup(grant->token_ips))) {
		free(e);
		return;
	}
	copy_principal(&e->who, who);
	pthread_mutex_lock(&c->lock);
	if (!c->enabled || generation != c->generation) {
		/* a change was announced since the database answered: that answer may predate it */
		pthread_mutex_unlock(&c->lock);
		free(e->token_ips);
		free(e);
		return;
	}
	e->fresh_until_ms = clock_mono_ms() + c->ttl_ms;
	if ((old = find(c, key, hash)))
		drop(c, old);
	while (c->count >= c->capacity && c->oldest)
		drop(c, c->oldest);
	e->next = c->buckets[hash & (c->nbuckets - 1)];
	c->buckets[hash & (c->nbuckets - 1)] = e;
	e->older = c->youngest;
	if (c->youngest)
		c->youngest->younger = e;
	else
		c->oldest = e;
	c->youngest = e;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}

static bool names(const struct entry *e, const char *id)
{
	const struct principal *w = &e->who;

	return strcmp(w->session_id, id) == 0 || strcmp(w->id, id) == 0 ||
	       strcmp(w->customer_id, id) == 0 || strcmp(w->impersonator_id, id) == 0 ||
	       strcmp(w->token_id, id) == 0;
}

void principal_cache_forget(struct principal_cache *c, const char *id)
{
	bool all = strcmp(id, "*") == 0;

	pthread_mutex_lock(&c->lock);
	c->generation++;
	c->invalidations++;
	if (all) {
		drop_all(c);
		c->flushes++;
	} else if (*id) {
		for (struct entry *e = c->oldest, *next; e; e = next) {
			next = e->younger;
			if (names(e, id))
				drop(c, e);
		}
	}
	pthread_mutex_unlock(&c->lock);
}

bool principal_cache_use_worth_recording(struct principal_cache *c, const char *key, const char *ip,
                                         long long now)
{
	uint64_t hash = key_hash(key);
	struct entry *e;
	bool worth = false;

	pthread_mutex_lock(&c->lock);
	if ((e = find(c, key, hash)) &&
	    (now - e->used_at >= 60 || strcmp(e->used_ip, ip ? ip : "") != 0)) {
		worth = true;
		e->used_at = now;
		snprintf(e->used_ip, sizeof(e->used_ip), "%s", ip ? ip : "");
	}
	pthread_mutex_unlock(&c->lock);
	return worth;
}

void principal_cache_stats(struct principal_cache *c, struct principal_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = (struct principal_cache_stats){.entries = (long)c->count,
	                                      .hits_total = c->hits,
	                                      .misses_total = c->misses,
	                                      .invalidations_total = c->invalidations,
	                                      .flushes_total = c->flushes,
	                                      .enabled = c->enabled};
	pthread_mutex_unlock(&c->lock);
}
