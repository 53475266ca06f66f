/*
 * Customer management by staff: list and search, create, read, update, the actions of the customer
 * profile, soft delete, notes, and the customer's history, messages and sessions. Every change runs in
 * one transaction with its audit entry (the staff member as actor, the customer as subject).
 */
#ifndef CABINET_SERVICE_CUSTOMERS_H
#define CABINET_SERVICE_CUSTOMERS_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"
#include "db/customer_repo.h" /* struct customer_query */
#include "db/pool.h"

/*
 * Parses "name", "-created", "last_login"... into q. APP_INVALID for an unknown sort.
 */
int customers_parse_sort(struct customer_query *q, const char *sort);

/* {items, next_cursor, total}. APP_INVALID for a cursor that did not come from this sort. */
int customers_list(json_t **out, struct app *app, const struct customer_query *q);

/* The same customers as CSV text (every page), safe to open in a spreadsheet. Caller frees *csv. */
int customers_export(char **csv, size_t *len, struct app *app, const struct customer_query *q);

/* One customer as staff see it. APP_NOT_FOUND. */
int customers_get(json_t **out, struct app *app, const char *id);

/* customers_get as the JSON text PostgreSQL wrote (caller frees): for the read passed through. */
int customers_get_text(char **out, struct app *app, const char *id);

/*
 * Creates a customer from a POST /customers body. Every field error is appended to errors (an array of
 * {field, code, message}; APP_INVALID and nothing created). Answers the customer.
 */
int customers_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                     const struct client_info *ci, json_t *body);

/* Changes the fields given (PATCH /customers/{id}); a new password ends the customer's sessions. */
int customers_update(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                     const struct client_info *ci, const char *id, json_t *body);

/*
 * Runs one action of the profile (resend-confirmation, confirm, send-password-reset,
 * send-credentials, send-email, suspend, ban, reactivate, remove-2fa, reset-2fa,
 * disable-security-question, unlock, revoke-sessions) with its body. APP_NOT_FOUND for an unknown
 * action or customer; APP_CONFLICT when the customer's state does not allow it (*conflict says why).
 * suspend and ban accept dry_run: *out then says what they would touch and nothing changes.
 */
int customers_action(json_t **out, json_t *errors, const char **conflict, struct app *app,
                     const struct principal *who, const struct client_info *ci, const char *id,
                     const char *action, json_t *body);

/* Soft delete: status deleted, sessions revoked, e-mail and phone free again; dry_run answers the impact. */
int customers_delete(json_t **out, struct app *app, const struct principal *who,
                     const struct client_info *ci, const char *id, bool dry_run);

/* The customer's history (its audit entries), newest first; kind filters by action prefix. */
int customers_history(json_t **out, struct app *app, const char *id, const char *kind,
                      const char *cursor, int limit);

/* Notes: list, and add one (audited). */
int customers_notes(json_t **out, struct app *app, const char *id);
int customers_add_note(json_t **out, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *id, const char *body);

/* The customer's live sessions; revoke one (audited). */
int customers_sessions(json_t **out, struct app *app, const char *id);
int customers_revoke_session(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *id, const char *session_id);

/*
 * Sends a generated password to email (the message body is wiped once delivered), on conn inside
 * the caller's transaction; the recipient is the customer, or one of its individuals.
 */
int customers_send_credentials(struct db_conn *conn, struct app *app, const char *customer_id,
                               const char *individual_id, const char *email, const char *first_name,
                               const char *language, const char *password);

#endif
