/* The application: what every route receives as user_data. */
#ifndef CABINET_APP_H
#define CABINET_APP_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "auth/ipnet.h"
#include "auth/password.h"
#include "common/metrics.h"
#include "common/ratelimit.h"
#include "config.h"
#include "db/pool.h"

struct notify_workers;
struct principal_cache;
struct db_listener;
struct audit_sealer;

struct app {
	struct config cfg;
	struct db_pool *pool;
	struct metrics *metrics;
	struct rate_limiter *token_limits;  /* per API token, requests per minute (this instance) */
	struct principal_cache *principals; /* by credential; NULL when disabled */
	struct db_listener *listener;       /* hears the changes that drop cached principals */
	struct audit_sealer *sealer;        /* links committed audit entries into the chain */
	struct ipnet_list trusted_proxies;
	struct notify_workers *workers; /* delivery and deferred-job threads (may be NULL) */
	char web_root[PATH_MAX];        /* canonical absolute path, "" when the folder is missing */
	atomic_long in_flight;          /* requests being handled, for draining on SIGTERM */
	atomic_bool
	        draining; /* SIGTERM received: readyz answers 503, responses close connections */
};

#endif
