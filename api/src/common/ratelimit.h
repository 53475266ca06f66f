/*
 * Fixed one-minute windows of request counts per key (an API token id), in this process's memory:
 * the limit holds per instance, so N instances let a token through at most N times its limit.
 */
#ifndef CABINET_RATELIMIT_H
#define CABINET_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct rate_limiter;

/*
 * A limiter starting with room for slots keys; it grows as more keys are counted in one minute, and
 * never forgets a key within its minute. NULL on ENOMEM.
 */
struct rate_limiter *rate_limiter_new(size_t slots);

void rate_limiter_free(struct rate_limiter *rl);

/*
 * Counts one request of key at now against limit per minute. False when the key is over its limit
 * in this minute, with *retry_after_s the seconds to the next window. Thread-safe.
 */
bool rate_limiter_take(struct rate_limiter *rl, const char *key, long limit, time_t now,
                       long *retry_after_s);

#endif
