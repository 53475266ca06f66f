/* Open addressing over a fixed table; a key's slot holds its current minute and count. */
#include "common/ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PROBES = 8, KEY_MAX = 40 };

struct slot {
	char key[KEY_MAX];
	time_t window; /* start of the minute counted, 0 when free */
	long count;
};

struct rate_limiter {
	pthread_mutex_t lock;
	size_t size;
	struct slot *slots;
};

struct rate_limiter *rate_limiter_new(size_t slots)
{
	struct rate_limiter *rl = calloc(1, sizeof(*rl));

	if (!rl || !(rl->slots = calloc(slots ? slots : 1, sizeof(*rl->slots)))) {
		free(rl);
		return NULL;
	}
	rl->size = slots ? slots : 1;
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void rate_limiter_free(struct rate_limiter *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The key's slot, else a free or stale one near it, else the first probed (evicted). */
static struct slot *slot_of(struct rate_limiter *rl, const char *key, time_t window)
{
	size_t start = (size_t)(fnv1a(key) % rl->size);
	struct slot *reuse = NULL;

	for (size_t i = 0; i < PROBES && i < rl->size; i++) {
		struct slot *s = &rl->slots[(start + i) % rl->size];

		if (s->window && strcmp(s->key, key) == 0)
			return s;
		if (!reuse && s->window != window)
			reuse = s;
	}
	if (!reuse)
		reuse = &rl->slots[start];
	snprintf(reuse->key, sizeof(reuse->key), "%s", key);
	reuse->window = 0;
	reuse->count = 0;
	return reuse;
}

bool rate_limiter_take(struct rate_limiter *rl, const char *key, long limit, time_t now,
                       long *retry_after_s)
{
	time_t window = now - now % 60;
	bool ok;

	*retry_after_s = 0;
	if (!rl || !key)
		return true;
	pthread_mutex_lock(&rl->lock);
	struct slot *s = slot_of(rl, key, window);
	if (s->window != window) {
		s->window = window;
		s->count = 0;
	}
	ok = s->count < limit;
	if (ok)
		s->count++;
	else
		*retry_after_s = (long)(window + 60 - now);
	pthread_mutex_unlock(&rl->lock);
	return ok;
}
