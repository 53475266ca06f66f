/* customer_notes SQL: what staff write down about a customer. */
#include "db/customer_note_repo.h"

#include "common/err.h"
#include "db/db.h"

static const char SQL_NOTES[] =
        "SELECT json_build_object('items', coalesce(json_agg(json_build_object('id', n.id,"
        " 'body', n.body, 'author_id', n.author_id, 'author_name',"
        " coalesce(nullif(s.display_name, ''), s.email), 'created_at', " DB_RFC3339(
                "n.created_at") ") ORDER BY n.created_at DESC, n.id), '[]'::json))"
                                " FROM customer_notes n LEFT JOIN staff s ON s.id = n.author_id"
                                " WHERE n.customer_id = $1::uuid";

int customer_note_repo_list(json_t **out, struct db_conn *conn, const char *customer_id)
{
	return db_exec_json(out, conn, SQL_NOTES, 1, (const char *const[]){customer_id});
}

static const char SQL_NOTE_ADD[] =
        "WITH n AS (INSERT INTO customer_notes (customer_id, author_id, body, created_at)"
        "  VALUES ($1::uuid, $2::uuid, $3::text, to_timestamp($4::bigint)) RETURNING *)"
        " SELECT json_build_object('id', n.id, 'body', n.body, 'author_id', n.author_id,"
        " 'author_name', (SELECT coalesce(nullif(display_name, ''), email) FROM staff"
        "   WHERE id = n.author_id), 'created_at', " DB_RFC3339("n.created_at") ") FROM n";

int customer_note_repo_add(json_t **out, struct db_conn *conn, const char *customer_id,
                           const char *author_id, const char *body, time_t now)
{
	char ts[24];

	return db_exec_json(out, conn, SQL_NOTE_ADD, 4,
	                    (const char *const[]){customer_id, author_id, body,
	                                          db_time_param(ts, (long long)now)});
}
