/* Prometheus metrics: requests by route and status, latency histograms, pool gauges, build info. */
#ifndef CABINET_METRICS_H
#define CABINET_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;

/* A label pair for one series of request metrics: the HTTP method and the route pattern. */
struct metrics_route {
	const char *method;
	const char *route;
};

/* Database pool figures sampled at render time. */
struct metrics_pool {
	long size, in_use, waits_total, timeouts_total;
};

/*
 * Creates the registry for count routes (labels borrowed, must outlive it). The caller owns *out and
 * frees it with metrics_free. APP_OK or APP_INTERNAL.
 */
int metrics_create(struct metrics **out, const struct metrics_route *routes, size_t count);
void metrics_free(struct metrics *m);

/* Records one finished request of route index (count and above: unmatched). Thread-safe. */
void metrics_observe(struct metrics *m, size_t route, int status, int64_t duration_us);

/* Renders the text exposition format; the caller frees *text_out. */
int metrics_render(char **text_out, struct metrics *m, const struct metrics_pool *pool,
                   long in_flight);

#endif
