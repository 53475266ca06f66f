/*
 * Open addressing over a table that grows: a key's slot holds its current minute and count, and a
 * key is never dropped while its minute lasts (an evicted key would get a fresh count: a way past
 * the limit). Slots of past minutes are reused, and dropped when the table grows.
 */
#include "common/ratelimit.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KEY_MAX = 40 };
#define MAX_SLOTS ((size_t)1 << 22) /* 4M keys in one minute: beyond, new keys are refused */

struct slot {
	char key[KEY_MAX];
	time_t window; /* start of the minute counted, 0 when never used */
	long count;
};

struct rate_limiter {
	pthread_mutex_t lock;
	size_t size; /* a power of two */
	size_t live; /* slots of live_window */
	time_t live_window;
	struct slot *slots;
};

static size_t round_up(size_t n)
{
	size_t p = 16;

	while (p < n && p < MAX_SLOTS)
		p <<= 1;
	return p;
}

struct rate_limiter *rate_limiter_new(size_t slots)
{
	struct rate_limiter *rl = calloc(1, sizeof(*rl));
	size_t size = round_up(slots);

	if (!rl || !(rl->slots = calloc(size, sizeof(*rl->slots)))) {
		free(rl);
		return NULL;
	}
	rl->size = size;
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

/*
 * The key's slot of this window: found, or a slot of a past window (or never used) given to it.
 * Probing goes on to the first never-used slot, so a key is found wherever it was put. NULL when
 * every slot holds a key of this window.
 */
static struct slot *find(struct slot *slots, size_t size, const char *key, time_t window)
{
	size_t mask = size - 1, i = (size_t)fnv1a(key) & mask;
	struct slot *reuse = NULL;

	for (size_t n = 0; n < size; n++, i = (i + 1) & mask) {
		struct slot *s = &slots[i];

		if (!s->window)
			return reuse ? reuse : s;
		if (s->window == window && strcmp(s->key, key) == 0)
			return s;
		if (!reuse && s->window != window)
			reuse = s;
	}
	return reuse;
}

/* Doubles the table, keeping the keys of this window only. False when it cannot grow. */
static bool grow(struct rate_limiter *rl, time_t window)
{
	size_t size = rl->size * 2;
	struct slot *slots;

	if (size > MAX_SLOTS || !(slots = calloc(size, sizeof(*slots))))
		return false;
	for (size_t i = 0; i < rl->size; i++) {
		const struct slot *old = &rl->slots[i];

		if (old->window == window)
			*find(slots, size, old->key, window) = *old;
	}
	free(rl->slots);
	rl->slots = slots;
	rl->size = size;
	return true;
}

bool rate_limiter_take(struct rate_limiter *rl, const char *key, long limit, time_t now,
                       long *retry_after_s)
{
	time_t window = now - now % 60;
	struct slot *s;
	bool ok;

	*retry_after_s = 0;
	if (!rl || !key)
		return true;
	pthread_mutex_lock(&rl->lock);
	if (rl->live_window != window) { /* a new minute: every slot is a past one now */
		rl->live_window = window;
		rl->live = 0;
	}
	s = find(rl->slots, rl->size, key, window);
	if (s && s->window != window && rl->live + 1 > rl->size / 2) {
		/* a new key in a table half full of this minute's: grow before it gets crowded */
		if (grow(rl, window))
			s = find(rl->slots, rl->size, key, window);
	}
	if (!s) { /* full of this minute's keys and cannot grow: refuse rather than forget */
		pthread_mutex_unlock(&rl->lock);
		*retry_after_s = (long)(window + 60 - now);
		return false;
	}
	if (s->window != window) {
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->window = window;
		s->count = 0;
		rl->live++;
	}
	ok = s->count < limit;
	if (ok)
		s->count++;
	else
		*retry_after_s = (long)(window + 60 - now);
	pthread_mutex_unlock(&rl->lock);
	return ok;
}
