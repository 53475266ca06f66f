/* Messages and templates as staff see them: listing, retrying, editing. */
#ifndef CABINET_SERVICE_MESSAGES_H
#define CABINET_SERVICE_MESSAGES_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "auth/principal.h"
#include "db/message_repo.h"
#include "notify/outbox.h"
#include "service/sessions.h"

/* A page of messages ({items, next_cursor, total}). Caller owns *out. */
int messages_list(json_t **out, struct app *app, const struct message_filter *f);

/* One message with its bodies. APP_NOT_FOUND. Caller owns *out. */
int messages_get(json_t **out, struct app *app, const char *id);

/*
 * Queues a failed or held message again; audited as message.retry. APP_CONFLICT otherwise, with
 * *gone_out set when the message's secret was wiped after it failed for good.
 */
int messages_retry(bool *gone_out, struct app *app, const struct principal *who,
                   const struct client_info *ci, const char *id);

/* Every template ({event, language, subject, updated_at}). Caller owns *out. */
int templates_list_all(json_t **out, struct app *app);

/* A template with its placeholders and a preview rendered with sample values. Caller owns *out. */
int templates_get_one(json_t **out, struct app *app, const char *event, const char *language);

struct template_texts {
	const char *subject, *body_text, *body_html; /* already checked with templates_check */
};

/*
 * Saves a template (audited as template.update) and answers it like templates_get_one; with
 * preview_only, nothing is saved and the answer shows the texts given.
 */
int templates_save(json_t **out, struct app *app, const struct principal *who,
                   const struct client_info *ci, const char *event, const char *language,
                   const struct template_texts *t, bool preview_only);

/* Test builds: enqueues one message in a transaction, then commits it or rolls it back. */
int messages_enqueue_test(char id_out[37], struct app *app, const struct outbox_message *m,
                          bool rollback);

#endif
