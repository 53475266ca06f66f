/* The transactional outbox: messages are queued in the caller's transaction, delivered by workers. */
#ifndef CABINET_OUTBOX_H
#define CABINET_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "db/message_repo.h"
#include "db/pool.h"

struct outbox_message {
	const char *event;    /* a template event, e.g. "recovery_code" */
	const char *language; /* "en", "fr"; falls back to "en" */
	const char *channel;  /* "email" or "sms" */
	const char *address;  /* e-mail address or E.164 phone number */
	json_t *vars; /* placeholder values (borrowed); portal_name and portal_url are added */
	const char *customer_id, *individual_id, *staff_id; /* the recipient, when known */
};

/*
 * Renders the template and inserts the message on conn, which must be inside the caller's transaction:
 * a rollback leaves no message, a commit never loses it. The stored texts show the event's secret
 * placeholders as TEMPLATES_HIDDEN; the texts to deliver are sealed beside them. Held (not queued) when this instance has no
 * delivery configured for the channel. APP_INVALID for an unknown event, language or channel.
 */
int outbox_enqueue(char id_out[37], struct db_conn *conn, const struct app *app,
                   const struct outbox_message *m);

/*
 * Replaces the claimed message's shown texts (their secrets masked) by the deliverable ones opened
 * from its seal; a message without a seal is left as it is. APP_INTERNAL when the seal does not
 * open (the server secret changed): the message cannot be delivered.
 */
int outbox_open(struct message_claim *c, const struct app *app);

/* Whether delivery is configured for a channel on this instance. */
bool outbox_channel_configured(const struct config *cfg, const char *channel);

/* The channels this instance delivers, as a PostgreSQL array literal ("{email,sms}", "{}"). */
const char *outbox_channels(const struct config *cfg);

#endif
