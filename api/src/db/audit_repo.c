/* audit_log SQL. */
#include "db/audit_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

static const char SQL_AUDIT_APPEND[] =
        "INSERT INTO audit_log (actor_kind, actor_id, action, target_kind, target_id, customer_id,"
        " ip, request_id, details, impersonator_id)"
        " VALUES ($1::text, $2::uuid, $3::text, $4::text, $5::uuid,"
        /* an individual's entries join its customer's history */
        " coalesce($6::uuid, (SELECT customer_id FROM individuals"
        "   WHERE $1::text = 'individual' AND id = $2::uuid)), $7::inet, $8::text,"
        " coalesce($9::jsonb, '{}'::jsonb), $10::uuid)";

struct audit_entry audit_entry_self(enum principal_kind kind, const char *id,
                                    const struct client_info *ci, const char *action,
                                    json_t *details)
{
	const char *name = kind == PRINCIPAL_CUSTOMER     ? "customer"
	                   : kind == PRINCIPAL_INDIVIDUAL ? "individual"
	                                                  : "staff";

	return (struct audit_entry){.actor_kind = id ? name : "system",
	                            .actor_id = id,
	                            .action = action,
	                            .target_kind = id ? name : NULL,
	                            .target_id = id,
	                            .customer_id = id && kind == PRINCIPAL_CUSTOMER ? id : NULL,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .impersonator_id = ci->impersonator_id,
	                            .details = details};
}

int audit_repo_append(struct db_conn *conn, const struct audit_entry *e)
{
	char *details = NULL;

	if (e->details || e->api_token_id) {
		json_t *merged = e->details ? json_deep_copy(e->details) : json_object();

		/* which API token made the change, so an integration's actions can be told apart */
		if (merged && e->api_token_id)
			json_object_set_new(merged, "api_token_id", json_string(e->api_token_id));
		details = merged ? json_dumps(merged, JSON_COMPACT) : NULL;
		json_decref(merged);
		if (!details)
			return APP_INTERNAL;
	}
	const char *params[] = {e->actor_kind,
	                        e->actor_id,
	                        e->action,
	                        e->target_kind,
	                        e->target_id,
	                        e->customer_id,
	                        e->ip && *e->ip ? e->ip : NULL,
	                        e->request_id,
	                        details,
	                        e->impersonator_id};
	int rc = db_exec(NULL, conn, SQL_AUDIT_APPEND, 10, params);

	free(details);
	return rc;
}

#define MINE " (actor_id = $1::uuid OR target_id = $1::uuid)"

/*
 * What an account reads of its own entries: the details its contract lists (HistoryDetails in
 * openapi.yaml), never internal ones (token ids, request data).
 */
#define OWN_DETAILS                                                                                \
	"(SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb) FROM jsonb_each(details)"     \
	"  WHERE key IN ('realm', 'reason', 'channel', 'method', 'seconds', 'session_id',"         \
	"    'new_email', 'from', 'to', 'entries', 'mode', 'staff_name', 'fields', 'rehashed'))"

static const char SQL_AUDIT_HISTORY[] =
        "WITH page AS (SELECT id, occurred_at, action, ip, details, impersonator_id FROM audit_log"
        "  WHERE" MINE " AND ($2::bigint IS NULL OR id < $2::bigint)"
        "  ORDER BY id DESC LIMIT $3::integer + 1)"
        " SELECT json_build_object("
        "  'items', coalesce((SELECT json_agg(json_build_object('id', id::text,"
        "     'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "     'action', action, 'ip', host(ip), 'details', " OWN_DETAILS ", 'impersonator_name',"
        "     (SELECT coalesce(nullif(display_name, ''), email) FROM staff"
        "       WHERE id = impersonator_id)) ORDER BY id DESC)"
        "     FROM (SELECT * FROM page ORDER BY id DESC LIMIT $3::integer) p), '[]'::json),"
        "  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $3::integer THEN"
        "     (SELECT id::text FROM page ORDER BY id DESC OFFSET $3::integer - 1 LIMIT 1) END,"
        "  'total', (SELECT count(*) FROM audit_log WHERE" MINE "))";

int audit_repo_history(json_t **out, struct db_conn *conn, const char *account_id,
                       const char *cursor, int limit)
{
	PGresult *res = NULL;
	char n[16];
	int rc;

	*out = NULL;
	snprintf(n, sizeof(n), "%d", limit);
	rc = db_exec(&res, conn, SQL_AUDIT_HISTORY, 3,
	             (const char *const[]){account_id, cursor, n});
	if (rc == APP_OK && !(*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL)))
		rc = APP_INTERNAL;
	PQclear(res);
	return rc;
}

#define AUDIT_FILTER                                                                               \
	" WHERE ($1::uuid IS NULL OR a.actor_id = $1::uuid)"                                       \
	"   AND ($2::uuid IS NULL OR a.customer_id = $2::uuid)"                                    \
	"   AND ($3::text IS NULL OR a.action = $3::text"                                          \
	"        OR (right($3::text, 1) = '.' AND starts_with(a.action, $3::text)))"               \
	"   AND ($4::inet IS NULL OR a.ip = $4::inet)"                                             \
	"   AND ($5::timestamptz IS NULL OR a.occurred_at >= $5::timestamptz)"                     \
	"   AND ($6::timestamptz IS NULL OR a.occurred_at < $6::timestamptz)"

static const char SQL_AUDIT_SEARCH[] =
        "WITH page AS (SELECT a.* FROM audit_log a" AUDIT_FILTER
        "   AND ($7::bigint IS NULL OR a.id < $7::bigint)"
        "  ORDER BY a.id DESC LIMIT $8::integer + 1)"
        " SELECT json_build_object("
        "  'items', coalesce((SELECT json_agg(json_build_object('id', p.id::text,"
        "     'occurred_at', " DB_RFC3339(
                "p.occurred_at") ", 'actor_kind', p.actor_kind,"
                                 "     'actor_id', p.actor_id, 'actor_name', "
                                 "coalesce(s.display_name, s.email,"
                                 "       nullif(trim(c.first_name || ' ' || c.last_name), ''), "
                                 "c.email, nullif(trim(ind.first_name || ' ' || ind.last_name), "
                                 "''), ind.email),"
                                 "     'impersonator_id', p.impersonator_id, 'impersonator_name',"
                                 "       coalesce(nullif(i.display_name, ''), i.email),"
                                 "     'action', p.action, 'target_kind', p.target_kind, "
                                 "'target_id', p.target_id,"
                                 "     'customer_id', p.customer_id, 'ip', host(p.ip), "
                                 "'request_id', p.request_id,"
                                 "     'details', p.details) ORDER BY p.id DESC)"
                                 "     FROM (SELECT * FROM page ORDER BY id DESC LIMIT "
                                 "$8::integer) p"
                                 "     LEFT JOIN staff s ON p.actor_kind = 'staff' AND s.id = "
                                 "p.actor_id"
                                 "     LEFT JOIN customers c ON p.actor_kind = 'customer' AND c.id "
                                 "= p.actor_id"
                                 "     LEFT JOIN individuals ind ON p.actor_kind = 'individual'"
                                 "       AND ind.id = p.actor_id"
                                 "     LEFT JOIN staff i ON i.id = p.impersonator_id), '[]'::json),"
                                 "  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > "
                                 "$8::integer THEN"
                                 "     (SELECT id::text FROM page ORDER BY id DESC OFFSET "
                                 "$8::integer - 1 LIMIT 1) END,"
                                 "  'total', (SELECT count(*) FROM audit_log a" AUDIT_FILTER "))";

int audit_repo_search(json_t **out, struct db_conn *conn, const struct audit_filter *f)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", f->limit);
	return db_exec_json(out, conn, SQL_AUDIT_SEARCH, 8,
	                    (const char *const[]){f->actor_id, f->customer_id, f->action, f->ip,
	                                          f->from, f->to, f->cursor, n});
}

int audit_repo_seal(long *sealed_out, struct db_conn *conn, int max)
{
	PGresult *res = NULL;
	char n[16];
	int rc;

	*sealed_out = 0;
	snprintf(n, sizeof(n), "%d", max);
	rc = db_exec(&res, conn, "SELECT audit_seal($1::integer)", 1, (const char *const[]){n});
	if (rc == APP_OK)
		*sealed_out = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}

static const char SQL_AUDIT_VERIFY[] =
        "SELECT (SELECT count(*) FROM audit_log WHERE chain_seq IS NOT NULL),"
        " (SELECT count(*) FROM audit_log WHERE chain_seq IS NULL),"
        " (SELECT coalesce(extract(epoch FROM now() - min(occurred_at))::bigint, 0)"
        "   FROM audit_log WHERE chain_seq IS NULL),"
        " (SELECT chain_seq::text || ' (entry id ' || id || ', ' || action || ')' FROM ("
        "   SELECT a.chain_seq, a.id, a.action, a.prev_hash, a.row_hash,"
        "     lag(a.row_hash) OVER w AS expected_prev, lag(a.chain_seq) OVER w AS prev_seq,"
        "     audit_entry_hash(a.prev_hash, a) AS recomputed"
        "   FROM audit_log a WHERE a.chain_seq IS NOT NULL WINDOW w AS (ORDER BY a.chain_seq)) x"
        "  WHERE recomputed IS DISTINCT FROM row_hash"
        "     OR prev_hash IS DISTINCT FROM coalesce(expected_prev, audit_chain_origin())"
        "     OR chain_seq <> coalesce(prev_seq, 0) + 1"
        "  ORDER BY chain_seq LIMIT 1)";

int audit_repo_verify(struct audit_verdict *out, struct db_conn *conn)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_AUDIT_VERIFY, 0, NULL);

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK) {
		out->sealed = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		out->unsealed = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		out->oldest_unsealed_s = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		snprintf(out->broken_at, sizeof(out->broken_at), "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return rc;
}

/* One audit entry per customer of ids ($1), action $7. */
static const char SQL_IMPORT_AUDIT[] =
        "INSERT INTO audit_log (actor_kind, actor_id, action, target_kind, target_id, customer_id,"
        "   ip, request_id, details)"
        " SELECT $2::text, $3::uuid, $7::text, 'customer', id::uuid, id::uuid, $4::inet, $5::text,"
        "   jsonb_build_object('source', $6::text) FROM json_array_elements_text($1::json) id";

int audit_repo_append_each(struct db_conn *conn, const char *customer_ids, const char *action,
                           const struct audit_each *e)
{
	return db_exec(NULL, conn, SQL_IMPORT_AUDIT, 7,
	               (const char *const[]){customer_ids, e->actor_kind, e->actor_id, e->ip,
	                                     e->request_id, e->source, action});
}
