/*
 * Each worker claims a few due messages in one statement (FOR UPDATE SKIP LOCKED, committed at once),
 * gives its connection back, delivers without holding it, and records each result. Any number of
 * workers on any number of instances therefore deliver each message once; only a crash between the
 * server's acceptance and the status update can repeat one (it is re-queued after STALE_S).
 */
#include "notify/worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "db/message_repo.h"
#include "db/throttle_repo.h"
#include "log.h"
#include "notify/outbox.h"
#include "notify/sms.h"
#include "notify/smtp.h"

#define BATCH                10
#define STALE_S              600
#define HOUSEKEEPING_EVERY_S 30

struct notify_workers {
	struct app *app;
	const notify_job_fn *jobs;
	pthread_t *threads;
	long count;
	atomic_bool stop;
	bool woken; /* work was queued since the last wait (under lock) */
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

long notify_backoff(long base_s, int attempt, int max_attempts)
{
	long wait = base_s;

	if (attempt >= max_attempts)
		return 0;
	for (int i = 1; i < attempt && wait < 3600; i++)
		wait *= 2;
	return wait < 3600 ? wait : 3600;
}

static int deliver(char *error, size_t errlen, const struct app *app, const struct message_claim *c)
{
	const struct config *cfg = &app->cfg;

	if (strcmp(c->channel, "email") == 0) {
		struct smtp_server server = {cfg->smtp_url, cfg->smtp_user, cfg->smtp_password};
		struct mail m = {cfg->smtp_from, c->address, c->subject, c->body_text,
		                 c->body_html};

		return smtp_send(error, errlen, &server, &m, clock_now());
	}
	struct sms_webhook hook = {cfg->sms_webhook_url, cfg->sms_webhook_secret};

	return sms_send(error, errlen, &hook, c->id, c->address, c->body_text, clock_now());
}

static void record(struct app *app, const struct message_claim *c, int delivered, const char *error)
{
	struct db_conn *conn = NULL;
	time_t now = clock_now();
	long wait = delivered == APP_OK ? 0
	                                : notify_backoff(app->cfg.notify_backoff_s, c->attempts,
	                                                 (int)app->cfg.notify_max_attempts);

	if (db_pool_checkout(&conn, app->pool) != APP_OK ||
	    message_repo_finish(conn, c->id, delivered == APP_OK, error, wait ? now + wait : 0,
	                        now) != APP_OK)
		log_error("message %s: delivery result not recorded; it is retried after %d s",
		          c->id, STALE_S);
	db_pool_checkin(app->pool, conn);
	if (delivered == APP_OK)
		log_info("Event - message %s sent (%s, attempt %d)", c->id, c->channel,
		         c->attempts);
	else if (wait)
		log_warn("message %s: attempt %d failed (%s); next in %ld s", c->id, c->attempts,
		         error, wait);
	else
		log_error("message %s failed after %d attempts: %s", c->id, c->attempts, error);
}

/* Re-queues held messages of configured channels and deliveries interrupted by a crash; prunes
 * old per-address sign-in counts. */
static void housekeeping(struct app *app, const char *channels)
{
	struct db_conn *conn = NULL;

	if (db_pool_checkout(&conn, app->pool) != APP_OK)
		return;
	if (strcmp(channels, "{}") != 0)
		message_repo_release_held(conn, channels, clock_now());
	message_repo_requeue_stale(conn, clock_now(), STALE_S);
	throttle_repo_prune(conn, clock_now()); /* sign-in failure counts older than an hour */
	db_pool_checkin(app->pool, conn);
}

static void wait_a_while(struct notify_workers *w)
{
	struct timespec ts;
	long ms = w->app->cfg.notify_poll_ms;

	clock_deadline(&ts, CLOCK_MONOTONIC, ms);
	pthread_mutex_lock(&w->lock);
	if (!atomic_load(&w->stop) && !w->woken)
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	w->woken = false;
	pthread_mutex_unlock(&w->lock);
}

/* Runs up to BATCH jobs of each kind; answers how many ran. */
static int run_jobs(struct notify_workers *w)
{
	int ran = 0;

	for (const notify_job_fn *job = w->jobs; job && *job; job++)
		for (int k = 0; k < BATCH && !atomic_load(&w->stop) && (*job)(w->app) == APP_OK;
		     k++)
			ran++;
	return ran;
}

void notify_workers_wake(struct notify_workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->woken = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

static void *work(void *arg)
{
	struct notify_workers *w = arg;
	struct app *app = w->app;
	const char *channels = outbox_channels(&app->cfg);
	int64_t next_housekeeping = 0;
	bool first;

	/* wait until the creator has stored every thread id (it holds the lock meanwhile) */
	pthread_mutex_lock(&w->lock);
	first = pthread_equal(pthread_self(), w->threads[0]);
	pthread_mutex_unlock(&w->lock);

	while (!atomic_load(&w->stop)) {
		struct db_conn *conn = NULL;
		struct message_claim *claims = NULL;
		int n = 0;

		/* deferred jobs first: what they send is what a person waits for (a recovery code) */
		int jobs = run_jobs(w);

		if (first && clock_mono_ms() >= next_housekeeping) {
			housekeeping(app, channels);
			next_housekeeping = clock_mono_ms() + HOUSEKEEPING_EVERY_S * 1000;
		}
		if (strcmp(channels, "{}") != 0 && db_pool_checkout(&conn, app->pool) == APP_OK)
			message_repo_claim(&claims, &n, conn, channels, clock_now(), BATCH);
		db_pool_checkin(app->pool, conn); /* never held during network delivery */
		for (int i = 0; i < n; i++) {
			char error[512] = "";
			int rc = outbox_open(&claims[i], app);

			if (rc != APP_OK)
				snprintf(error, sizeof(error),
				         "its sealed texts do not open (was the server secret "
				         "changed?)");
			else
				rc = deliver(error, sizeof(error), app, &claims[i]);
			record(app, &claims[i], rc, error);
			message_claim_free(&claims[i]);
		}
		free(claims);
		if (n < BATCH && jobs < BATCH)
			wait_a_while(w);
	}
	return NULL;
}

int notify_workers_start(struct notify_workers **out, struct app *app, const notify_job_fn *jobs)
{
	struct notify_workers *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;

	*out = NULL;
	if (!w)
		return APP_INTERNAL;
	w->app = app;
	w->jobs = jobs;
	w->count = app->cfg.notify_workers;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (w->count > 0 && !(w->threads = calloc((size_t)w->count, sizeof(pthread_t)))) {
		free(w);
		return APP_INTERNAL;
	}
	/* threads[0] is read by every worker to elect the housekeeper: hold them until it is set */
	pthread_mutex_lock(&w->lock);
	for (long i = 0; i < w->count; i++) {
		if (pthread_create(&w->threads[i], NULL, work, w) != 0) {
			w->count = i;
			break;
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (w->count > 0)
		log_info("%ld delivery worker(s) started for %s", w->count,
		         outbox_channels(&app->cfg));
	if (!outbox_channel_configured(&app->cfg, "email"))
		log_warn("CABINET_SMTP_URL is not set: e-mail is held until it is");
	*out = w;
	app->workers = w;
	return APP_OK;
}

void notify_workers_stop(struct notify_workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	atomic_store(&w->stop, true);
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (long i = 0; i < w->count; i++)
		pthread_join(w->threads[i], NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->threads);
	free(w);
}
