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

/* ---- search ---- */

enum customer_sort { SORT_NAME, SORT_CREATED, SORT_LAST_LOGIN };

/* A page of the customer list. */
struct customer_query {
	const char *q; /* search text, or NULL */
	const char
	        *statuses[6]; /* status filter, NULL-terminated; none: every status but deleted */
	enum customer_sort sort;
	bool descending;
	const char *cursor; /* next_cursor of the previous page, or NULL */
	int limit;
};

/*
 * One page: {items: [{id, email, phone, first_name, last_name, company, status, created_at,
 * last_login_at}], next_cursor, total}. Keyset paging over (sort key, id); APP_INVALID for a cursor
 * that did not come from this sort.
 */
int customer_repo_page(json_t **out, struct db_conn *conn, const struct customer_query *q);

/* ---- create, change, status ---- */

/*
 * Creates a customer from checked fields (a JSON object; see customers_create) with its password's
 * hash (or NULL) and the customer defaults ({language, time_zone, date_input_format,
 * date_output_format}). APP_CONFLICT naming the e-mail or phone constraint in conn->constraint.
 */
int customer_repo_create(char id_out[37], struct db_conn *conn, const char *fields,
                         const char *password_hash, time_t now, const char *defaults);

/* What a change needs to know of the customer, and to write to it. */
struct customer_contact {
	char status[16];
	char email[255];
	char first_name[401]; /* 100 characters of UTF-8 */
	char language[3];
};

/* Locks the customer row for a change; APP_NOT_FOUND for none (a deleted one is answered). */
int customer_repo_lock(struct customer_contact *out, struct db_conn *conn, const char *id);

/* Applies checked fields (see customers_update); password_hash: a new one, or NULL. */
int customer_repo_update(struct db_conn *conn, const char *id, const char *fields,
                         const char *password_hash, time_t now);

/* APP_NOT_FOUND for no such customer. */
int customer_repo_exists(struct db_conn *conn, const char *id);

/* What stops with the customer: its live sessions and API tokens, its individuals' included. */
int customer_repo_live_services(long *sessions, long *tokens, struct db_conn *conn, const char *id,
                                time_t now);

/* A status change, kept in the customer's status history with its reason and staff member. */
int customer_repo_set_status(struct db_conn *conn, const char *id, const char *from, const char *to,
                             const char *reason, const char *staff_id, time_t now);

/* Confirms the customer's address (pending becomes active); APP_NOT_FOUND when it already was. */
int customer_repo_confirm(struct db_conn *conn, const char *id, time_t now);

/* APP_OK when the customer's address is not confirmed yet, APP_NOT_FOUND when it is. */
int customer_repo_unconfirmed(struct db_conn *conn, const char *id);

/* A generated password, to change at the next sign-in. */
int customer_repo_set_generated_password(struct db_conn *conn, const char *id,
                                         const char *password_hash, time_t now);

/* Removes the security question; APP_NOT_FOUND when there was none. */
int customer_repo_clear_security_question(struct db_conn *conn, const char *id);

#endif
