/* customers and email_confirmations SQL (registration and confirmation). */
#ifndef CABINET_CUSTOMER_REPO_H
#define CABINET_CUSTOMER_REPO_H

#include <jansson.h>
#include <time.h>

#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

/*
 * The customer as staff see it (CustomerDetail in openapi.yaml): APP_NOT_FOUND when there is none.
 * _text hands over PostgreSQL's JSON text as is (caller frees).
 */
int customer_repo_get(json_t **out, struct db_conn *conn, const char *id, time_t now);
int customer_repo_get_text(char **out, struct db_conn *conn, const char *id, time_t now);

struct customer_holder {
	char id[37];            /* the customer */
	char individual_id[37]; /* the individual whose address it is, "" for the customer's own */
	char email[255];
	char first_name[101];
	char language[3];
};

/*
 * The customer (not deleted) holding an e-mail address or a phone number (E.164, or NULL), if any:
 * APP_NOT_FOUND when both are free.
 */
int customer_repo_find_holder(struct customer_holder *out, struct db_conn *conn, const char *email,
                              const char *phone);

struct customer_new {
	const char *email, *phone, *first_name, *last_name, *language, *password_hash;
	const char *time_zone, *date_input_format, *date_output_format;
	bool confirmed; /* active at once (automatic confirmation) */
	time_t now;
};

/* Inserts a customer; APP_CONFLICT when the e-mail or phone was just taken. */
int customer_repo_insert(char id_out[37], struct db_conn *conn, const struct customer_new *c);

/* A confirmation link to store: the token's SHA-256 is kept. */
struct confirmation_new {
	const char *token;
	const char *customer_id,
	        *individual_id; /* the account (individual_id NULL: the customer) */
	const char *email;      /* the address the link confirms or moves the account to */
	const char *purpose;    /* "registration", "change" or "undo" */
	const char
	        *from_email; /* change, undo: the address the account must still have, else NULL */
	time_t now;
	long ttl_s;
};

/*
 * Stores a confirmation link: a registration's, a change of address (which replaces the account's
 * pending ones), or the undo of a change (sent to the old address).
 */
int confirmation_repo_insert(struct db_conn *conn, const struct confirmation_new *c);

/*
 * Cancels the pending changes of address of a customer and all its individuals (individual_id
 * NULL), or of one individual: a password change, a suspension, a staff edit of the address.
 */
int confirmation_repo_cancel_changes(struct db_conn *conn, const char *customer_id,
                                     const char *individual_id, time_t now);

/*
 * Uses a confirmation token once. A registration link confirms the e-mail and activates a pending
 * customer; a change link moves an active account from the address it was made against to the new
 * one, an undo link back (APP_CONFLICT when another account took the address meanwhile), and
 * writes the previous one into old_email. *purpose_out: "registration", "email_change" or
 * "email_change_undone". holder_out: the account afterwards (its individual_id set when the link was
 * an individual's). APP_NOT_FOUND for an unknown, used or expired token, or an account whose
 * address or status changed since.
 */
int confirmation_repo_use(struct customer_holder *holder_out, const char **purpose_out,
                          char old_email[255], struct db_conn *conn, const char *token, time_t now);

/*
 * An import's look-up, once for all its rows (emails, phones and zones: JSON arrays of text):
 * {emails: {lower email: {id, status}}, people: [emails individuals hold], phones: {phone: lower
 * email of its customer, "" for an individual}, zones: [the time zones PostgreSQL knows]}.
 */
int customer_repo_import_lookup(json_t **out, struct db_conn *conn, const char *emails,
                                const char *phones, const char *zones);

/*
 * An import's checked rows (rows: a JSON array of {row, existing?, email, phone, first_name,
 * last_name, company, language, time_zone, status, email_confirmed, password_hash,
 * date_input_format, date_output_format}): the existing customers locked, the new ones created
 * (defaults: {language, time_zone, date_input_format, date_output_format}), the existing ones
 * changed; *ids_out: the ids touched, a JSON array (caller frees).
 */
int customer_repo_import_lock(struct db_conn *conn, const char *rows);
int customer_repo_import_create(char **ids_out, struct db_conn *conn, const char *rows,
                                const char *defaults);
int customer_repo_import_update(char **ids_out, struct db_conn *conn, const char *rows);

#endif
