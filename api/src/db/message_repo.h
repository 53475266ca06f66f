/* messages (the outbox) and templates SQL. Times are passed in from the application clock. */
#ifndef CABINET_MESSAGE_REPO_H
#define CABINET_MESSAGE_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

struct template_row {
	char *subject, *body_text, *body_html; /* owned; free with template_row_free */
};

void template_row_free(struct template_row *t);

/* The template of (event, language). APP_NOT_FOUND when none. */
int template_repo_get(struct template_row *out, struct db_conn *conn, const char *event,
                      const char *language);

/* Every template as a JSON array of {event, language, subject, updated_at}. Caller owns it. */
int template_repo_list(json_t **out, struct db_conn *conn);

/* The full JSON of one template, or APP_NOT_FOUND. Caller owns it. */
int template_repo_get_json(json_t **out, struct db_conn *conn, const char *event,
                           const char *language);

/* Replaces a template's texts. */
int template_repo_put(struct db_conn *conn, const char *event, const char *language,
                      const char *subject, const char *body_text, const char *body_html,
                      const char *staff_id, time_t now);

struct message_new {
	const char *id; /* made by the caller (the seal binds it) */
	const char *customer_id, *individual_id, *staff_id; /* or NULL */
	const char *channel, *address, *subject, *body_text, *body_html, *event, *language;
	const char *sealed; /* hex of the sealed deliverable texts, or NULL */
	bool sensitive;
	bool held; /* no delivery configured for the channel yet */
	time_t now;
};

/* Inserts a message in the caller's transaction. */
int message_repo_insert(struct db_conn *conn, const struct message_new *m);

/* A message claimed for delivery. */
struct message_claim {
	char id[37];
	char channel[8];
	char *address, *subject, *body_text, *body_html; /* owned; body_html may be NULL */
	char *sealed; /* owned hex of the sealed deliverable texts, or NULL */
	int attempts; /* including this one */
};

void message_claim_free(struct message_claim *c);

/*
 * Claims up to max due messages of the given channels ("{email,sms}") for delivery: status becomes
 * 'sending' and attempts grows, in one statement with FOR UPDATE SKIP LOCKED, so concurrent workers
 * of any instance never claim the same message. *claims_out (caller frees each and the array).
 */
int message_repo_claim(struct message_claim **claims_out, int *count_out, struct db_conn *conn,
                       const char *channels, time_t now, int max);

/*
 * Records a delivery: sent, or failed with error (queued again at retry_at, or final when 0). The
 * sealed texts are wiped once sent or failed for good: a secret outlives neither.
 */
int message_repo_finish(struct db_conn *conn, const char *id, bool sent, const char *error,
                        time_t retry_at, time_t now);

/* Moves held messages of the given channels back to the queue (delivery is configured now). */
int message_repo_release_held(struct db_conn *conn, const char *channels, time_t now);

/* Puts back messages left 'sending' longer than stale_s (their instance died mid-delivery). */
int message_repo_requeue_stale(struct db_conn *conn, time_t now, long stale_s);

struct message_filter {
	const char *status, *channel, *customer_id, *from, *to; /* NULL: any */
	const char *cursor;                                     /* NULL: first page */
	int limit;
};

/* A page of messages, newest first: {items, next_cursor, total}. Caller owns *out. */
int message_repo_list(json_t **out, struct db_conn *conn, const struct message_filter *f);

/* One message with its bodies, or APP_NOT_FOUND. Caller owns *out. */
int message_repo_get(json_t **out, struct db_conn *conn, const char *id);

/*
 * Queues a failed or held message again with a fresh attempt count. APP_CONFLICT with *gone_out set
 * when it carried a secret that was wiped (it failed for good: the person asks again); APP_CONFLICT
 * for a message that is neither failed nor held.
 */
int message_repo_retry(bool *gone_out, struct db_conn *conn, const char *id, time_t now);

#endif
