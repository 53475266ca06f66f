/* Delivery workers: threads of cabinetd that send due messages of the configured channels. */
#ifndef CABINET_WORKER_H
#define CABINET_WORKER_H

#include "app.h"

struct notify_workers;

/*
 * A kind of deferred work the workers run besides deliveries: runs one due job and answers APP_OK,
 * or APP_NOT_FOUND when none is waiting.
 */
typedef int (*notify_job_fn)(struct app *app);

/*
 * Starts CABINET_NOTIFY_WORKERS threads (none when 0), which also run jobs (NULL-terminated, or
 * NULL). Sets app->workers. The caller stops them with notify_workers_stop.
 */
int notify_workers_start(struct notify_workers **out, struct app *app, const notify_job_fn *jobs);

/* Wakes the workers at once (work was just queued). NULL is a no-op. */
void notify_workers_wake(struct notify_workers *w);

/* Asks the workers to stop, lets a delivery in progress finish, joins them and frees. NULL is a no-op. */
void notify_workers_stop(struct notify_workers *w);

/* The retry time after a failed attempt n (1-based): base * 2^(n-1), at most one hour; 0 = give up. */
long notify_backoff(long base_s, int attempt, int max_attempts);

#endif
