/* customer_notes SQL. */
#ifndef CABINET_CUSTOMER_NOTE_REPO_H
#define CABINET_CUSTOMER_NOTE_REPO_H

#include <jansson.h>
#include <time.h>

#include "db/pool.h"

/* A customer's notes, newest first: {items: [{id, body, author_id, author_name, created_at}]}. */
int customer_note_repo_list(json_t **out, struct db_conn *conn, const char *customer_id);

/* Adds a note by a staff member; *out: the note as in the list. */
int customer_note_repo_add(json_t **out, struct db_conn *conn, const char *customer_id,
                           const char *author_id, const char *body, time_t now);

#endif
