/* messages and templates SQL. JSON for the API is built by PostgreSQL (json_build_object). */
#include "db/message_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

#define RFC3339 DB_RFC3339

void template_row_free(struct template_row *t)
{
	free(t->subject);
	free(t->body_text);
	free(t->body_html);
	memset(t, 0, sizeof(*t));
}

enum { T_SUBJECT, T_TEXT, T_HTML };

static const char SQL_TEMPLATE_GET[] = "SELECT subject, body_text, body_html FROM templates"
                                       " WHERE event = $1::text AND language = $2::text";

int template_repo_get(struct template_row *out, struct db_conn *conn, const char *event,
                      const char *language)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_TEMPLATE_GET, 2, (const char *const[]){event, language});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		out->subject = strdup(PQgetvalue(res, 0, T_SUBJECT));
		out->body_text = strdup(PQgetvalue(res, 0, T_TEXT));
		out->body_html = strdup(PQgetvalue(res, 0, T_HTML));
		if (!out->subject || !out->body_text || !out->body_html) {
			template_row_free(out);
			rc = APP_INTERNAL;
		}
	}
	PQclear(res);
	return rc;
}

static const char SQL_TEMPLATE_LIST[] =
        "SELECT coalesce(json_agg(json_build_object('event', event, 'language', language,"
        " 'subject', subject, 'updated_at', " RFC3339("updated_at") ") ORDER BY event, language),"
                                                                    " '[]'::json) FROM templates";

int template_repo_list(json_t **out, struct db_conn *conn)
{
	return db_exec_json(out, conn, SQL_TEMPLATE_LIST, 0, NULL);
}

static const char SQL_TEMPLATE_GET_JSON[] =
        "SELECT json_build_object('event', event, 'language', language, 'subject', subject,"
        " 'body_text', body_text, 'body_html', body_html, 'updated_at', " RFC3339(
                "updated_at") ")"
                              " FROM templates WHERE event = $1::text AND language = $2::text";

int template_repo_get_json(json_t **out, struct db_conn *conn, const char *event,
                           const char *language)
{
	return db_exec_json(out, conn, SQL_TEMPLATE_GET_JSON, 2,
	                    (const char *const[]){event, language});
}

static const char SQL_TEMPLATE_PUT[] =
        "UPDATE templates SET subject = $3::text, body_text = $4::text, body_html = $5::text,"
        " updated_by = $6::uuid, updated_at = to_timestamp($7::bigint)"
        " WHERE event = $1::text AND language = $2::text";

int template_repo_put(struct db_conn *conn, const char *event, const char *language,
                      const char *subject, const char *body_text, const char *body_html,
                      const char *staff_id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_TEMPLATE_PUT, 7,
	             (const char *const[]){event, language, subject, body_text, body_html, staff_id,
	                                   ts});
	if (rc == APP_OK && strcmp(PQcmdTuples(res), "1") != 0)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

static const char SQL_MESSAGE_INSERT[] =
        "INSERT INTO messages (id, customer_id, individual_id, staff_id, channel, address, subject,"
        " body_text, body_html, event, language, sensitive, status, next_attempt_at, created_at,"
        " sealed)"
        " VALUES ($14::uuid, $1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, $7::text,"
        " $8::text, $9::text, $10::text, $11::boolean, $12::text, to_timestamp($13::bigint),"
        " to_timestamp($13::bigint), decode($15::text, 'hex'))";

int message_repo_insert(struct db_conn *conn, const struct message_new *m)
{
	char ts[24];

	db_time_param(ts, (long long)(m->now));
	const char *params[] = {m->customer_id,
	                        m->individual_id,
	                        m->staff_id,
	                        m->channel,
	                        m->address,
	                        m->subject,
	                        m->body_text,
	                        m->body_html,
	                        m->event,
	                        m->language,
	                        m->sensitive ? "true" : "false",
	                        m->held ? "held" : "queued",
	                        ts,
	                        m->id,
	                        m->sealed};
	return db_exec(NULL, conn, SQL_MESSAGE_INSERT, 15, params);
}

/* Claimed texts may be the opened, secret-bearing ones: wiped before they are freed. */
static void wipe_free(char *s)
{
	if (s)
		memset(s, 0, strlen(s));
	free(s);
}

void message_claim_free(struct message_claim *c)
{
	free(c->address);
	wipe_free(c->subject);
	wipe_free(c->body_text);
	wipe_free(c->body_html);
	free(c->sealed);
	memset(c, 0, sizeof(*c));
}

enum { C_ID, C_CHANNEL, C_ADDRESS, C_SUBJECT, C_TEXT, C_HTML, C_ATTEMPTS, C_SEALED };

static const char SQL_MESSAGE_CLAIM[] =
        "UPDATE messages m SET status = 'sending', attempts = m.attempts + 1,"
        " claimed_at = to_timestamp($2::bigint)"
        " FROM (SELECT id FROM messages"
        "        WHERE status = 'queued' AND next_attempt_at <= to_timestamp($2::bigint)"
        "          AND channel = ANY($1::text[])"
        "        ORDER BY next_attempt_at LIMIT $3::integer FOR UPDATE SKIP LOCKED) due"
        " WHERE m.id = due.id"
        " RETURNING m.id, m.channel, m.address, m.subject, m.body_text, m.body_html, m.attempts,"
        "  encode(m.sealed, 'hex')";

int message_repo_claim(struct message_claim **claims_out, int *count_out, struct db_conn *conn,
                       const char *channels, time_t now, int max)
{
	PGresult *res = NULL;
	char ts[24], limit[16];
	struct message_claim *claims = NULL;
	int rc, n;

	*claims_out = NULL;
	*count_out = 0;
	db_time_param(ts, (long long)(now));
	snprintf(limit, sizeof(limit), "%d", max);
	rc = db_exec(&res, conn, SQL_MESSAGE_CLAIM, 3, (const char *const[]){channels, ts, limit});
	if (rc != APP_OK || (n = PQntuples(res)) == 0)
		goto done;
	if (!(claims = calloc((size_t)n, sizeof(*claims)))) {
		rc = APP_INTERNAL;
		goto done;
	}
	for (int i = 0; i < n; i++) {
		snprintf(claims[i].id, sizeof(claims[i].id), "%s", PQgetvalue(res, i, C_ID));
		snprintf(claims[i].channel, sizeof(claims[i].channel), "%s",
		         PQgetvalue(res, i, C_CHANNEL));
		claims[i].address = strdup(PQgetvalue(res, i, C_ADDRESS));
		claims[i].subject = strdup(PQgetvalue(res, i, C_SUBJECT));
		claims[i].body_text = strdup(PQgetvalue(res, i, C_TEXT));
		claims[i].body_html =
		        PQgetisnull(res, i, C_HTML) ? NULL : strdup(PQgetvalue(res, i, C_HTML));
		claims[i].attempts = (int)strtol(PQgetvalue(res, i, C_ATTEMPTS), NULL, 10);
		claims[i].sealed =
		        PQgetisnull(res, i, C_SEALED) ? NULL : strdup(PQgetvalue(res, i, C_SEALED));
	}
	*claims_out = claims;
	*count_out = n;
done:
	PQclear(res);
	return rc;
}

/* The stored texts are already masked; the seal goes once sent or failed for good. */
static const char SQL_MESSAGE_FINISH[] =
        "UPDATE messages SET"
        " status = CASE WHEN $2::boolean THEN 'sent' WHEN $4::bigint > 0 THEN 'queued' ELSE "
        "'failed' END,"
        " sent_at = CASE WHEN $2::boolean THEN to_timestamp($5::bigint) END,"
        " last_error = CASE WHEN $2::boolean THEN last_error ELSE left($3::text, 1000) END,"
        " next_attempt_at = CASE WHEN $4::bigint > 0 THEN to_timestamp($4::bigint)"
        "                   ELSE next_attempt_at END,"
        " sealed = CASE WHEN $2::boolean OR $4::bigint <= 0 THEN NULL ELSE sealed END"
        " WHERE id = $1::uuid AND status = 'sending'";

int message_repo_finish(struct db_conn *conn, const char *id, bool sent, const char *error,
                        time_t retry_at, time_t now)
{
	char retry[24], ts[24];

	db_time_param(retry, (long long)(retry_at));
	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_MESSAGE_FINISH, 5,
	               (const char *const[]){id, sent ? "true" : "false", error, retry, ts});
}

static const char SQL_MESSAGE_RELEASE_HELD[] =
        "UPDATE messages SET status = 'queued', next_attempt_at = to_timestamp($2::bigint)"
        " WHERE status = 'held' AND channel = ANY($1::text[])";

int message_repo_release_held(struct db_conn *conn, const char *channels, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn, SQL_MESSAGE_RELEASE_HELD, 2,
	               (const char *const[]){channels, ts});
}

static const char SQL_MESSAGE_REQUEUE_STALE[] =
        "UPDATE messages SET status = 'queued', next_attempt_at = to_timestamp($1::bigint),"
        " last_error = 'delivery interrupted (instance stopped); retried'"
        " WHERE status = 'sending' AND claimed_at < to_timestamp($1::bigint - $2::bigint)";

int message_repo_requeue_stale(struct db_conn *conn, time_t now, long stale_s)
{
	char ts[24], stale[24];

	db_time_param(ts, (long long)(now));
	db_time_param(stale, (long long)(stale_s));
	return db_exec(NULL, conn, SQL_MESSAGE_REQUEUE_STALE, 2, (const char *const[]){ts, stale});
}

#define MESSAGE_SUMMARY                                                                            \
	"'id', id, 'channel', channel, 'address', address, 'subject', subject, 'event', event,"    \
	" 'language', language, 'status', status, 'attempts', attempts, 'sensitive', sensitive,"   \
	" 'last_error', last_error, 'customer_id', customer_id, 'staff_id', staff_id,"             \
	" 'created_at', " RFC3339("created_at") ", 'sent_at', " RFC3339(                           \
	        "sent_at") ", 'next_attempt_at', " RFC3339("next_attempt_at")

/* Filters are optional ($n IS NULL); the cursor is "<created_at microseconds>:<id>". */
#define MESSAGE_FILTERS                                                                            \
	" WHERE ($1::text IS NULL OR status = $1::text) AND ($2::text IS NULL OR channel = "       \
	"$2::text)"                                                                                \
	" AND ($3::uuid IS NULL OR customer_id = $3::uuid)"                                        \
	" AND ($4::timestamptz IS NULL OR created_at >= $4::timestamptz)"                          \
	" AND ($5::timestamptz IS NULL OR created_at < $5::timestamptz)"

static const char SQL_MESSAGE_LIST[] =
        "WITH page AS ("
        "  SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint AS us FROM "
        "messages" MESSAGE_FILTERS "   AND ($6::text IS NULL OR (created_at, id) <"
        "        (to_timestamp(split_part($6::text, ':', 1)::bigint / 1000000.0),"
        "         split_part($6::text, ':', 2)::uuid))"
        "  ORDER BY created_at DESC, id DESC LIMIT $7::integer + 1)"
        " SELECT json_build_object("
        "  'items', coalesce((SELECT json_agg(json_build_object(" MESSAGE_SUMMARY ")"
        "           ORDER BY created_at DESC, id DESC)"
        "           FROM (SELECT * FROM page ORDER BY created_at DESC, id DESC LIMIT $7::integer) "
        "p),"
        "           '[]'::json),"
        "  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $7::integer THEN"
        "                 (SELECT us || ':' || id FROM page ORDER BY created_at DESC, id DESC"
        "                  OFFSET $7::integer - 1 LIMIT 1) END,"
        "  'total', (SELECT count(*) FROM messages" MESSAGE_FILTERS "))";

int message_repo_list(json_t **out, struct db_conn *conn, const struct message_filter *f)
{
	char limit[16];

	snprintf(limit, sizeof(limit), "%d", f->limit);
	const char *params[] = {f->status, f->channel, f->customer_id, f->from,
	                        f->to,     f->cursor,  limit};
	return db_exec_json(out, conn, SQL_MESSAGE_LIST, 7, params);
}

static const char SQL_MESSAGE_GET[] = "SELECT json_build_object(" MESSAGE_SUMMARY
                                      ", 'body_text', body_text, 'body_html', body_html)"
                                      " FROM messages WHERE id = $1::uuid";

int message_repo_get(json_t **out, struct db_conn *conn, const char *id)
{
	return db_exec_json(out, conn, SQL_MESSAGE_GET, 1, (const char *const[]){id});
}

/* A message whose secret was wiped has nothing left to send: it stays failed. */
static const char SQL_MESSAGE_RETRY[] =
        "UPDATE messages SET status = 'queued', attempts = 0, "
        "next_attempt_at = to_timestamp($2::bigint)"
        " WHERE id = $1::uuid AND status IN ('failed', 'held') AND (sealed IS NOT NULL OR NOT "
        "sensitive)"
        " RETURNING id";

static const char SQL_MESSAGE_STATE[] =
        "SELECT sensitive AND sealed IS NULL FROM messages WHERE id = $1::uuid";

int message_repo_retry(bool *gone_out, struct db_conn *conn, const char *id, time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	*gone_out = false;
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_MESSAGE_RETRY, 2, (const char *const[]){id, ts});
	if (rc == APP_OK && PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		rc = db_exec(&res, conn, SQL_MESSAGE_STATE, 1, (const char *const[]){id});
		if (rc == APP_OK && PQntuples(res) == 1)
			*gone_out = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		if (rc == APP_OK)
			rc = PQntuples(res) == 1 ? APP_CONFLICT : APP_NOT_FOUND;
	}
	PQclear(res);
	return rc;
}
