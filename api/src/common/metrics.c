/* A small Prometheus registry: fixed series per route, known at start-up, so no allocation per request. */
#include "common/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

#ifndef CABINET_VERSION
#define CABINET_VERSION "dev"
#endif

static const double BUCKETS[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS     (sizeof(BUCKETS) / sizeof(BUCKETS[0]))
#define MAX_STATUSES 16

struct series {
	pthread_mutex_t lock;
	uint64_t bucket[NBUCKETS]; /* cumulative at render time, per-bucket here */
	uint64_t count;
	double sum_s;
	struct {
		int status;
		uint64_t count;
	} statuses[MAX_STATUSES];
};

struct metrics {
	struct metrics_route *routes; /* owned copy */
	size_t count;                 /* known routes; series[count] is "unmatched" */
	struct series *series;
};

int metrics_create(struct metrics **out, const struct metrics_route *routes, size_t count)
{
	struct metrics *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return APP_INTERNAL;
	m->series = calloc(count + 1, sizeof(*m->series));
	m->routes = calloc(count + 1,
	                   sizeof(*m->routes)); /* a copy: callers build labels on the stack */
	if (!m->series || !m->routes) {
		free(m->series);
		free(m->routes);
		free(m);
		return APP_INTERNAL;
	}
	memcpy(m->routes, routes, count * sizeof(*routes));
	m->count = count;
	for (size_t i = 0; i <= count; i++)
		pthread_mutex_init(&m->series[i].lock, NULL);
	*out = m;
	return APP_OK;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i <= m->count; i++)
		pthread_mutex_destroy(&m->series[i].lock);
	free(m->series);
	free(m->routes);
	free(m);
}

void metrics_observe(struct metrics *m, size_t route, int status, int64_t duration_us)
{
	struct series *s = &m->series[route < m->count ? route : m->count];
	double seconds = (double)duration_us / 1e6;
	size_t b = 0;

	while (b < NBUCKETS && seconds > BUCKETS[b])
		b++;
	pthread_mutex_lock(&s->lock);
	if (b < NBUCKETS)
		s->bucket[b]++;
	s->count++;
	s->sum_s += seconds;
	for (size_t i = 0; i < MAX_STATUSES; i++) {
		if (s->statuses[i].status == status || s->statuses[i].status == 0) {
			s->statuses[i].status = status;
			s->statuses[i].count++;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

struct buf {
	char *data;
	size_t len, cap;
	int err;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		char *grown = realloc(b->data, b->cap * 2 + (size_t)n);
		if (!grown) {
			b->err = 1;
			return;
		}
		b->data = grown;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void render_series(struct buf *b, struct metrics *m, size_t i, int part)
{
	struct series *s = &m->series[i];
	const char *method = i < m->count ? m->routes[i].method : "";
	const char *route = i < m->count ? m->routes[i].route : "unmatched";
	uint64_t cumulative = 0;

	pthread_mutex_lock(&s->lock);
	if (s->count == 0)
		goto done;
	if (part == 0) {
		for (size_t k = 0; k < MAX_STATUSES && s->statuses[k].status; k++)
			put(b,
			    "cabinet_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
			    "%llu\n",
			    method, route, s->statuses[k].status,
			    (unsigned long long)s->statuses[k].count);
		goto done;
	}
	for (size_t k = 0; k < NBUCKETS; k++) {
		cumulative += s->bucket[k];
		put(b,
		    "cabinet_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%"
		    "g\"} %llu\n",
		    method, route, BUCKETS[k], (unsigned long long)cumulative);
	}
	put(b,
	    "cabinet_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} "
	    "%llu\n",
	    method, route, (unsigned long long)s->count);
	put(b, "cabinet_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
	    method, route, s->sum_s);
	put(b, "cabinet_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
	    method, route, (unsigned long long)s->count);
done:
	pthread_mutex_unlock(&s->lock);
}

int metrics_render(char **text_out, struct metrics *m, const struct metrics_pool *pool,
                   long in_flight)
{
	struct buf b = {.data = malloc(8192), .cap = 8192};

	*text_out = NULL;
	if (!b.data)
		return APP_INTERNAL;
	b.data[0] = '\0';
	put(&b, "# HELP cabinet_build_info Build information.\n# TYPE cabinet_build_info gauge\n");
	put(&b, "cabinet_build_info{version=\"%s\"} 1\n", CABINET_VERSION);
	put(&b, "# HELP cabinet_http_requests_total HTTP requests by route and status.\n");
	put(&b, "# TYPE cabinet_http_requests_total counter\n");
	for (size_t i = 0; i <= m->count; i++)
		render_series(&b, m, i, 0);
	put(&b, "# HELP cabinet_http_request_duration_seconds Request latency.\n");
	put(&b, "# TYPE cabinet_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i <= m->count; i++)
		render_series(&b, m, i, 1);
	put(&b, "# HELP cabinet_http_requests_in_flight Requests being handled.\n");
	put(&b,
	    "# TYPE cabinet_http_requests_in_flight gauge\ncabinet_http_requests_in_flight %ld\n",
	    in_flight);
	put(&b, "# HELP cabinet_db_pool_size Configured database connections.\n");
	put(&b, "# TYPE cabinet_db_pool_size gauge\ncabinet_db_pool_size %ld\n", pool->size);
	put(&b, "# HELP cabinet_db_pool_in_use Database connections checked out.\n");
	put(&b, "# TYPE cabinet_db_pool_in_use gauge\ncabinet_db_pool_in_use %ld\n", pool->in_use);
	put(&b,
	    "# HELP cabinet_db_pool_waits_total Checkouts that had to wait for a connection.\n");
	put(&b, "# TYPE cabinet_db_pool_waits_total counter\ncabinet_db_pool_waits_total %ld\n",
	    pool->waits_total);
	put(&b, "# HELP cabinet_db_pool_timeouts_total Checkouts that gave up (answered 503).\n");
	put(&b,
	    "# TYPE cabinet_db_pool_timeouts_total counter\ncabinet_db_pool_timeouts_total %ld\n",
	    pool->timeouts_total);
	if (b.err) {
		free(b.data);
		return APP_INTERNAL;
	}
	*text_out = b.data;
	return APP_OK;
}
