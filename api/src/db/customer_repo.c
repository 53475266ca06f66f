/* customers and email_confirmations SQL. */
#include "db/customer_repo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "db/db.h"

/* clang-format off */
/* The customer as staff see it ($2: now, for the lock). */
static const char SQL_CUSTOMER_GET[] =
	"SELECT json_build_object('id', c.id, 'email', c.email, 'phone', c.phone,"
	" 'first_name', c.first_name, 'last_name', c.last_name, 'company', c.company,"
	" 'status', c.status, 'login_enabled', c.login_enabled,"
	" 'email_confirmed_at', " DB_RFC3339("c.email_confirmed_at") ","
	" 'language', c.language, 'time_zone', c.time_zone,"
	" 'date_input_format', c.date_input_format, 'date_output_format', c.date_output_format,"
	" 'custom_fields', c.custom_fields, 'two_factor_policy', c.two_factor_policy,"
	" 'two_factor', EXISTS (SELECT 1 FROM totp_credentials t"
	"   WHERE t.account_id = c.id AND t.confirmed_at IS NOT NULL),"
	" 'must_enrol_two_factor', c.must_enrol_two_factor,"
	" 'security_question_set', c.security_question IS NOT NULL,"
	" 'trusted_ips', c.trusted_ips, 'password_set', c.password_hash IS NOT NULL,"
	" 'must_change_password', c.must_change_password,"
	" 'created_at', " DB_RFC3339("c.created_at") ","
	" 'updated_at', " DB_RFC3339("c.updated_at") ","
	" 'last_login_at', " DB_RFC3339("c.last_login_at") ","
	" 'last_login_ip', host(c.last_login_ip), 'role_id', c.role_id,"
	" 'allowed_role_ids', to_json(c.allowed_role_ids),"
	" 'locked_until', (SELECT " DB_RFC3339("l.locked_until") " FROM login_throttle l"
	"   WHERE l.subject = 'customer:' || c.id AND l.locked_until > to_timestamp($2::bigint)),"
	" 'status_history', coalesce((SELECT json_agg(json_build_object('from', h.from_status,"
	"   'to', h.to_status, 'reason', h.reason, 'staff_id', h.staff_id,"
	"   'occurred_at', " DB_RFC3339("h.occurred_at") ") ORDER BY h.id DESC)"
	"   FROM customer_status_changes h WHERE h.customer_id = c.id), '[]'::json))"
	" FROM customers c WHERE c.id = $1::uuid";
/* clang-format on */

int customer_repo_get(json_t **out, struct db_conn *conn, const char *id, time_t now)
{
	char ts[24];

	return db_exec_json(out, conn, SQL_CUSTOMER_GET, 2,
	                    (const char *const[]){id, db_time_param(ts, (long long)now)});
}

int customer_repo_get_text(char **out, struct db_conn *conn, const char *id, time_t now)
{
	char ts[24];

	return db_exec_text(out, conn, SQL_CUSTOMER_GET, 2,
	                    (const char *const[]){id, db_time_param(ts, (long long)now)});
}

enum { H_ID, H_EMAIL, H_FIRST, H_LANGUAGE };

static int read_holder(struct customer_holder *out, PGresult *res)
{
	memset(out, 0, sizeof(*out));
	if (PQntuples(res) < 1)
		return APP_NOT_FOUND;
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, H_ID));
	snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, H_EMAIL));
	snprintf(out->first_name, sizeof(out->first_name), "%s", PQgetvalue(res, 0, H_FIRST));
	snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, H_LANGUAGE));
	return APP_OK;
}

static const char SQL_CUSTOMER_HOLDER[] =
        "SELECT id, email, first_name, language FROM customers"
        " WHERE status <> 'deleted' AND (lower(email) = lower($1::text) OR phone = $2::text)"
        " ORDER BY lower(email) = lower($1::text) DESC LIMIT 1";

int customer_repo_find_holder(struct customer_holder *out, struct db_conn *conn, const char *email,
                              const char *phone)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, SQL_CUSTOMER_HOLDER, 2, (const char *const[]){email, phone});

	if (rc == APP_OK)
		rc = read_holder(out, res);
	PQclear(res);
	return rc;
}

static const char SQL_CUSTOMER_INSERT[] =
        "INSERT INTO customers (email, phone, first_name, last_name, language, password_hash, "
        "status,"
        " email_confirmed_at, created_at, updated_at, password_changed_at, time_zone,"
        " date_input_format, date_output_format)"
        " VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text,"
        " CASE WHEN $7::boolean THEN 'active' ELSE 'pending' END,"
        " CASE WHEN $7::boolean THEN to_timestamp($8::bigint) END,"
        " to_timestamp($8::bigint), to_timestamp($8::bigint), to_timestamp($8::bigint),"
        " coalesce($9::text, 'UTC'), coalesce($10::text, 'YYYY-MM-DD'),"
        " coalesce($11::text, 'YYYY-MM-DD'))"
        " RETURNING id";

int customer_repo_insert(char id_out[37], struct db_conn *conn, const struct customer_new *c)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)(c->now));
	const char *params[] = {c->email,
	                        c->phone,
	                        c->first_name,
	                        c->last_name,
	                        c->language,
	                        c->password_hash,
	                        c->confirmed ? "true" : "false",
	                        ts,
	                        c->time_zone,
	                        c->date_input_format,
	                        c->date_output_format};
	rc = db_exec(&res, conn, SQL_CUSTOMER_INSERT, 11, params);
	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

static const char SQL_CONFIRMATION_INSERT[] =
        "INSERT INTO email_confirmations (token_hash, customer_id, email, created_at, expires_at,"
        " purpose, individual_id, from_email)"
        " VALUES (sha256(convert_to($1::text, 'UTF8')), $2::uuid, $3::text,"
        " to_timestamp($4::bigint),"
        " to_timestamp($4::bigint) + make_interval(secs => $5::bigint), $6::text, $7::uuid,"
        " $8::text)";

static const char SQL_CONFIRMATION_CANCEL[] =
        "UPDATE email_confirmations SET used_at = to_timestamp($3::bigint)"
        " WHERE customer_id = $1::uuid AND purpose = 'change' AND used_at IS NULL"
        "   AND ($2::uuid IS NULL OR individual_id = $2::uuid)";

int confirmation_repo_cancel_changes(struct db_conn *conn, const char *customer_id,
                                     const char *individual_id, time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)now);
	return db_exec(NULL, conn, SQL_CONFIRMATION_CANCEL, 3,
	               (const char *const[]){customer_id, individual_id, ts});
}

/* A newer change request replaces the older ones still waiting (one live link at a time). */
static const char SQL_CONFIRMATION_KILL_CHANGES[] =
        "UPDATE email_confirmations SET used_at = to_timestamp($2::bigint)"
        " WHERE customer_id = $1::uuid AND individual_id IS NOT DISTINCT FROM $3::uuid"
        "   AND purpose = 'change' AND used_at IS NULL";

int confirmation_repo_insert(struct db_conn *conn, const struct confirmation_new *c)
{
	char ts[24], ttl[24];
	int rc;

	db_time_param(ts, (long long)(c->now));
	db_time_param(ttl, (long long)(c->ttl_s));
	if (strcmp(c->purpose, "change") == 0 &&
	    (rc = db_exec(NULL, conn, SQL_CONFIRMATION_KILL_CHANGES, 3,
	                  (const char *const[]){c->customer_id, ts, c->individual_id})) != APP_OK)
		return rc;
	return db_exec(NULL, conn, SQL_CONFIRMATION_INSERT, 8,
	               (const char *const[]){c->token, c->customer_id, c->email, ts, ttl,
	                                     c->purpose, c->individual_id, c->from_email});
}

enum { K_CUSTOMER, K_EMAIL, K_PURPOSE, K_INDIVIDUAL, K_FROM };

static const char SQL_CONFIRMATION_SPEND[] =
        "UPDATE email_confirmations SET used_at = to_timestamp($2::bigint)"
        " WHERE token_hash = sha256(convert_to($1::text, 'UTF8')) AND used_at IS NULL"
        "   AND expires_at > to_timestamp($2::bigint)"
        " RETURNING customer_id, email, purpose, coalesce(individual_id::text, ''),"
        "   coalesce(from_email, '')";

/* Registration: the address the account still has is now confirmed. */
static const char SQL_CONFIRM_ADDRESS[] =
        "UPDATE customers c SET email_confirmed_at = to_timestamp($3::bigint),"
        "   status = CASE WHEN c.status = 'pending' THEN 'active' ELSE c.status END,"
        "   updated_at = to_timestamp($3::bigint)"
        " WHERE c.id = $1::uuid AND lower(c.email) = lower($2::text) AND c.status <> 'deleted'"
        " RETURNING c.id, c.email, c.first_name, c.language, c.email";

/*
 * A change moves an active account from the address the link was made against ($4) to the new one;
 * an undo moves it back ($4: the address it moved to). Anything else since (another change, a staff
 * edit, a suspension) leaves the link without effect.
 */
static const char SQL_CHANGE_ADDRESS[] =
        "UPDATE customers c SET email = $2::text, email_confirmed_at = to_timestamp($3::bigint),"
        "   updated_at = to_timestamp($3::bigint)"
        "  FROM (SELECT id, email FROM customers WHERE id = $1::uuid FOR UPDATE) old"
        " WHERE c.id = old.id AND lower(old.email) = lower($4::text)"
        "   AND c.status = CASE WHEN $5::boolean THEN c.status ELSE 'active' END"
        "   AND c.status NOT IN ('deleted', 'banned')"
        " RETURNING c.id, c.email, c.first_name, c.language, old.email";

/* An individual's change or undo: the same for its row (its customer's id first). */
static const char SQL_CHANGE_INDIVIDUAL_ADDRESS[] =
        "UPDATE individuals i SET email = $2::text, updated_at = to_timestamp($3::bigint)"
        "  FROM (SELECT id, email FROM individuals WHERE id = $6::uuid FOR UPDATE) old"
        " WHERE i.id = old.id AND i.customer_id = $1::uuid AND lower(old.email) = lower($4::text)"
        "   AND i.status = CASE WHEN $5::boolean THEN i.status ELSE 'active' END"
        "   AND i.status NOT IN ('deleted', 'invited')"
        " RETURNING i.customer_id, i.email, i.first_name, i.language, old.email";

int confirmation_repo_use(struct customer_holder *holder_out, const char **purpose_out,
                          char old_email[255], struct db_conn *conn, const char *token, time_t now)
{
	PGresult *res = NULL;
	char ts[24], id[37], email[255], individual[37] = "", purpose[16] = "", from[255] = "";
	int rc;

	*purpose_out = "registration";
	old_email[0] = '\0';
	db_time_param(ts, (long long)(now));
	rc = db_exec(&res, conn, SQL_CONFIRMATION_SPEND, 2, (const char *const[]){token, ts});
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, K_CUSTOMER));
		snprintf(email, sizeof(email), "%s", PQgetvalue(res, 0, K_EMAIL));
		snprintf(purpose, sizeof(purpose), "%s", PQgetvalue(res, 0, K_PURPOSE));
		snprintf(individual, sizeof(individual), "%s", PQgetvalue(res, 0, K_INDIVIDUAL));
		snprintf(from, sizeof(from), "%s", PQgetvalue(res, 0, K_FROM));
	}
	PQclear(res);
	res = NULL;
	if (rc != APP_OK)
		return rc;
	bool undo = strcmp(purpose, "undo") == 0, change = undo || strcmp(purpose, "change") == 0;
	*purpose_out = undo ? "email_change_undone" : change ? "email_change" : "registration";
	const char *params[] = {id, email, ts, from, undo ? "true" : "false", individual};
	if (change && individual[0])
		rc = db_exec(&res, conn, SQL_CHANGE_INDIVIDUAL_ADDRESS, 6, params);
	else
		rc = db_exec(&res, conn, change ? SQL_CHANGE_ADDRESS : SQL_CONFIRM_ADDRESS,
		             change ? 5 : 3, params);
	if (rc == APP_OK && (rc = read_holder(holder_out, res)) == APP_OK) {
		snprintf(old_email, 255, "%s", PQgetvalue(res, 0, 4));
		snprintf(holder_out->individual_id, sizeof(holder_out->individual_id), "%s",
		         individual);
	}
	PQclear(res);
	return rc;
}

/* What the database holds for the rows' addresses and phones, and which time zones it knows. */
static const char SQL_LOOKUP[] =
        "SELECT json_build_object("
        " 'emails', coalesce((SELECT json_object_agg(lower(email), json_build_object('id', id,"
        "   'status', status)) FROM customers WHERE status <> 'deleted'"
        "   AND lower(email) = ANY (SELECT lower(e) FROM jsonb_array_elements_text($1::jsonb) e)),"
        "   '{}'::json),"
        /* individuals sign in with theirs: an import cannot take them */
        " 'people', coalesce((SELECT json_agg(lower(email)) FROM individuals WHERE status <> "
        "'deleted'"
        "   AND lower(email) = ANY (SELECT lower(e) FROM jsonb_array_elements_text($1::jsonb) e)),"
        "   '[]'::json),"
        " 'phones', coalesce((SELECT json_object_agg(phone, owner) FROM ("
        "   SELECT phone, lower(email) AS owner FROM customers WHERE status <> 'deleted'"
        "   UNION ALL SELECT phone, '' FROM individuals WHERE status <> 'deleted') p"
        "   WHERE phone IN (SELECT jsonb_array_elements_text($2::jsonb))), '{}'::json),"
        " 'zones', coalesce((SELECT json_agg(name) FROM pg_timezone_names"
        "   WHERE name IN (SELECT jsonb_array_elements_text($3::jsonb))), '[]'::json))";

#define INPUT_COLUMNS                                                                              \
	"x(row integer, existing uuid, email text, phone text, first_name text, last_name text,"   \
	" company text, language text, time_zone text, status text, email_confirmed boolean,"      \
	" password_hash text, date_input_format text, date_output_format text)"

/* The existing customers an import changes, locked in id order (two imports cannot deadlock). */
static const char SQL_IMPORT_LOCK[] =
        "SELECT 1 FROM customers WHERE id IN (SELECT (e->>'existing')::uuid"
        "  FROM jsonb_array_elements($1::jsonb) e WHERE e ? 'existing') ORDER BY id FOR UPDATE";

/* New customers; answers their ids as a JSON array. */
static const char SQL_IMPORT_CREATE[] =
        "WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS " INPUT_COLUMNS
        "  WHERE existing IS NULL),"
        " made AS (INSERT INTO customers (email, phone, first_name, last_name, company, language,"
        "   time_zone, status, email_confirmed_at, password_hash, date_input_format,"
        "   date_output_format, password_changed_at)"
        "  SELECT email, phone, coalesce(first_name, ''), coalesce(last_name, ''),"
        "   coalesce(company, ''), coalesce(language, $2::jsonb->>'language'),"
        "   coalesce(time_zone, $2::jsonb->>'time_zone'),"
        "   coalesce(status, CASE WHEN coalesce(email_confirmed, false) THEN 'active'"
        "     ELSE 'pending' END),"
        "   CASE WHEN coalesce(email_confirmed, false) THEN now() END, password_hash,"
        "   coalesce(date_input_format, $2::jsonb->>'date_input_format'),"
        "   coalesce(date_output_format, $2::jsonb->>'date_output_format'),"
        "   CASE WHEN password_hash IS NOT NULL THEN now() END"
        "  FROM input ORDER BY row RETURNING id)"
        " SELECT coalesce(json_agg(id), '[]'::json)::text FROM made";

/* The existing customers, changed; answers their ids. */
static const char SQL_IMPORT_UPDATE[] =
        "WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS " INPUT_COLUMNS
        "  WHERE existing IS NOT NULL),"
        " changed AS (UPDATE customers c SET phone = coalesce(i.phone, c.phone),"
        "   first_name = coalesce(i.first_name, c.first_name),"
        "   last_name = coalesce(i.last_name, c.last_name),"
        "   company = coalesce(i.company, c.company), language = coalesce(i.language, c.language),"
        "   time_zone = coalesce(i.time_zone, c.time_zone), status = coalesce(i.status, c.status),"
        "   email_confirmed_at = CASE WHEN i.email_confirmed THEN coalesce(c.email_confirmed_at,"
        "     now()) ELSE c.email_confirmed_at END,"
        "   password_hash = coalesce(i.password_hash, c.password_hash),"
        "   date_input_format = coalesce(i.date_input_format, c.date_input_format),"
        "   date_output_format = coalesce(i.date_output_format, c.date_output_format),"
        "   updated_at = now()"
        "  FROM input i WHERE c.id = i.existing RETURNING c.id)"
        " SELECT coalesce(json_agg(id), '[]'::json)::text FROM changed";

int customer_repo_import_lookup(json_t **out, struct db_conn *conn, const char *emails,
                                const char *phones, const char *zones)
{
	return db_exec_json(out, conn, SQL_LOOKUP, 3, (const char *const[]){emails, phones, zones});
}

int customer_repo_import_lock(struct db_conn *conn, const char *rows)
{
	return db_exec(NULL, conn, SQL_IMPORT_LOCK, 1, (const char *const[]){rows});
}

int customer_repo_import_create(char **ids_out, struct db_conn *conn, const char *rows,
                                const char *defaults)
{
	return db_exec_text(ids_out, conn, SQL_IMPORT_CREATE, 2,
	                    (const char *const[]){rows, defaults});
}

int customer_repo_import_update(char **ids_out, struct db_conn *conn, const char *rows)
{
	return db_exec_text(ids_out, conn, SQL_IMPORT_UPDATE, 1, (const char *const[]){rows});
}

/* ---- search: keyset pages over (sort key, id), totals from the per-status counters ---- */

/* The key column of a sort, and how a cursor's key text is read back. */
static const struct {
	const char *column, *cast;
} SORT_KEYS[] = {
        [SORT_NAME] = {"c.sort_name", "$4::text"},
        [SORT_CREATED] = {"c.created_at", "$4::timestamptz"},
        [SORT_LAST_LOGIN] = {"c.last_login_sort", "$4::timestamptz"},
};

/*
 * $1 folded search text (LIKE-escaped) or NULL, $2 digits of a phone fragment or NULL, $3 statuses
 * (text array) or NULL: every one but deleted.
 */
#define LIST_FILTER                                                                                \
	" WHERE ($1::text IS NULL OR c.search_text LIKE '%' || $1::text || '%'"                    \
	"        OR ($2::text IS NOT NULL AND c.search_text LIKE '%' || $2::text || '%'))"         \
	"   AND (CASE WHEN $3::text[] IS NULL THEN c.status <> 'deleted'"                          \
	"        ELSE c.status = ANY ($3::text[]) END)"

#define LIST_ITEM                                                                                  \
	"json_build_object('id', c.id, 'email', c.email, 'phone', c.phone, 'first_name',"          \
	" c.first_name, 'last_name', c.last_name, 'company', c.company, 'status', c.status,"       \
	" 'created_at', " DB_RFC3339("c.created_at") ", 'last_login_at', " DB_RFC3339(             \
	        "c.last_login_at") ")"

/* A cursor is the hex of "<key text>" and the id: "<hex>.<uuid>", opaque to callers. */
static int cursor_split(char key[600], char id[37], const char *cursor)
{
	const char *dot = strchr(cursor, '.');
	size_t hexlen = dot ? (size_t)(dot - cursor) : 0;

	if (!dot || hexlen % 2 || hexlen / 2 >= 600 || strlen(dot + 1) != 36)
		return APP_INVALID;
	for (size_t i = 0; i < hexlen; i += 2) {
		unsigned v;

		if (!isxdigit((unsigned char)cursor[i]) ||
		    !isxdigit((unsigned char)cursor[i + 1]) || sscanf(cursor + i, "%2x", &v) != 1 ||
		    v == 0)
			return APP_INVALID;
		key[i / 2] = (char)v;
	}
	key[hexlen / 2] = '\0';
	snprintf(id, 37, "%s", dot + 1);
	for (const char *p = id; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != '-')
			return APP_INVALID;
	return APP_OK;
}

static char *cursor_make(const char *key, const char *id)
{
	size_t n = strlen(key);
	char *out = malloc(2 * n + 40);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)key[i]);
	snprintf(out + 2 * n, 40, ".%s", id);
	return out;
}

/* The search text folded like the column (the database folds accents; here: LIKE escapes). */
static void like_escape(char *out, size_t len, const char *q)
{
	size_t n = 0;

	for (; *q && n + 3 < len; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			out[n++] = '\\';
		out[n++] = *q;
	}
	out[n] = '\0';
}

/* The digits of a phone-like fragment ("06 12 34" -> "61234" without the national 0), or "". */
static void phone_digits(char *out, size_t len, const char *q)
{
	size_t n = 0, digits = 0;

	out[0] = '\0';
	for (const char *p = q; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr(" +-.()/", *p))
			return; /* a letter: not a phone fragment */
	}
	if (digits < 3)
		return;
	for (const char *p = q; *p && n + 1 < len; p++)
		if (isdigit((unsigned char)*p) && !(n == 0 && *p == '0'))
			out[n++] = *p;
	out[n] = '\0';
}

int customer_repo_page(json_t **out, struct db_conn *conn, const struct customer_query *q)
{
	char sql[2048], like[1024] = "", digits[64] = "", key[600] = "", id[37] = "", limit[16];
	char statuses[128] = "";
	PGresult *res = NULL;
	json_t *items = json_array();
	bool searching;
	int rc, rows;

	*out = NULL;
	if (q->q && *q->q)
		like_escape(like, sizeof(like), q->q);
	if (q->q)
		phone_digits(digits, sizeof(digits), q->q);
	if (q->statuses[0]) {
		snprintf(statuses, sizeof(statuses), "{");
		for (int i = 0; q->statuses[i]; i++)
			snprintf(statuses + strlen(statuses), sizeof(statuses) - strlen(statuses),
			         "%s%s", i ? "," : "", q->statuses[i]);
		snprintf(statuses + strlen(statuses), sizeof(statuses) - strlen(statuses), "}");
	}
	if (q->cursor && cursor_split(key, id, q->cursor) != APP_OK) {
		json_decref(items);
		return APP_INVALID;
	}
	snprintf(limit, sizeof(limit), "%d", q->limit + 1);
	/*
	 * Only fixed fragments are pasted: the sort's column, its cast and the direction. With search
	 * text the matches are collected first through the trigram index (and counted in the same
	 * scan), then sorted: walking the sort index and filtering would read most of a large table for
	 * a rare fragment. Without it, the sort index gives the page directly.
	 */
	searching = (q->q && *q->q) || digits[0];
	if (searching)
		snprintf(sql, sizeof(sql),
		         "WITH m AS MATERIALIZED (SELECT %s AS k, c.id FROM customers c %s),"
		         " page AS (SELECT k, id FROM m"
		         "  WHERE ($5::uuid IS NULL OR (k, id) %s (%s, $5::uuid))"
		         "  ORDER BY k %s, id %s LIMIT $6::integer)"
		         " SELECT %s, page.k::text, page.id, (SELECT count(*) FROM m)"
		         " FROM page JOIN customers c ON c.id = page.id ORDER BY page.k %s, "
		         "page.id %s",
		         SORT_KEYS[q->sort].column, LIST_FILTER, q->descending ? "<" : ">",
		         SORT_KEYS[q->sort].cast, q->descending ? "DESC" : "ASC",
		         q->descending ? "DESC" : "ASC", LIST_ITEM, q->descending ? "DESC" : "ASC",
		         q->descending ? "DESC" : "ASC");
	else
		snprintf(sql, sizeof(sql),
		         "SELECT %s, %s::text, c.id FROM customers c %s"
		         " AND ($5::uuid IS NULL OR (%s, c.id) %s (%s, $5::uuid))"
		         " ORDER BY %s %s, c.id %s LIMIT $6::integer",
		         LIST_ITEM, SORT_KEYS[q->sort].column, LIST_FILTER,
		         SORT_KEYS[q->sort].column, q->descending ? "<" : ">",
		         SORT_KEYS[q->sort].cast, SORT_KEYS[q->sort].column,
		         q->descending ? "DESC" : "ASC", q->descending ? "DESC" : "ASC");
	const char *params[] = {like[0] ? like : NULL,         digits[0] ? digits : NULL,
	                        statuses[0] ? statuses : NULL, q->cursor ? key : NULL,
	                        q->cursor ? id : NULL,         limit};
	/* the folded search text: unaccent needs the database, so $1 is folded there */
	rc = db_exec(&res, conn, "SELECT cabinet_fold($1::text)", 1, (const char *const[]){like});
	if (rc == APP_OK && like[0])
		snprintf(like, sizeof(like), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (rc == APP_OK)
		rc = db_exec(&res, conn, sql, 6, params);
	if (rc != APP_OK) {
		json_decref(items);
		PQclear(res);
		return rc;
	}
	rows = PQntuples(res);
	for (int i = 0; i < rows && i < q->limit; i++)
		json_array_append_new(items, json_loads(PQgetvalue(res, i, 0), 0, NULL));
	*out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
	if (rows > q->limit) {
		char *next = cursor_make(PQgetvalue(res, q->limit - 1, 1),
		                         PQgetvalue(res, q->limit - 1, 2));

		json_object_set_new(*out, "next_cursor", next ? json_string(next) : json_null());
		free(next);
	}
	/* a search counted its matches along; without search text the per-status counters tell */
	if (searching && rows > 0) {
		json_object_set_new(*out, "total",
		                    json_integer(strtoll(PQgetvalue(res, 0, 3), NULL, 10)));
		PQclear(res);
		return APP_OK;
	}
	PQclear(res);
	res = NULL;
	rc = searching ? db_exec(&res, conn, "SELECT count(*) FROM customers c" LIST_FILTER, 3,
	                         params)
	               : db_exec(&res, conn,
	                         "SELECT coalesce(sum(n), 0) FROM customer_counts WHERE CASE WHEN"
	                         " $1::text[] IS NULL THEN status <> 'deleted'"
	                         " ELSE status = ANY ($1::text[]) END",
	                         1, (const char *const[]){params[2]});
	if (rc == APP_OK)
		json_object_set_new(*out, "total",
		                    json_integer(strtoll(PQgetvalue(res, 0, 0), NULL, 10)));
	PQclear(res);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- create, change, status ---- */

static const char SQL_CUSTOMER_CREATE[] =
        "INSERT INTO customers (email, phone, first_name, last_name, company, language, time_zone,"
        " date_input_format, date_output_format, two_factor_policy, trusted_ips, custom_fields,"
        " login_enabled, password_hash, must_change_password, status, email_confirmed_at,"
        " created_at, updated_at, password_changed_at, role_id, allowed_role_ids)"
        " SELECT f->>'email', f->>'phone', coalesce(f->>'first_name', ''),"
        "  coalesce(f->>'last_name', ''), coalesce(f->>'company', ''),"
        "  coalesce(f->>'language', d->>'language'), coalesce(f->>'time_zone', d->>'time_zone'),"
        "  coalesce(f->>'date_input_format', d->>'date_input_format'),"
        "  coalesce(f->>'date_output_format', d->>'date_output_format'),"
        "  coalesce(f->>'two_factor_policy', 'inherit'), coalesce(f->>'trusted_ips', ''),"
        "  coalesce(f->'custom_fields', '{}'::jsonb), coalesce((f->>'login_enabled')::boolean, "
        "true),"
        "  $2::text, coalesce((f->>'generate')::boolean, false),"
        "  CASE WHEN coalesce((f->>'email_confirmed')::boolean, false) THEN 'active' ELSE 'pending'"
        "  END,"
        "  CASE WHEN coalesce((f->>'email_confirmed')::boolean, false) THEN "
        "to_timestamp($3::bigint)"
        "  END, to_timestamp($3::bigint), to_timestamp($3::bigint),"
        "  CASE WHEN $2::text IS NOT NULL THEN to_timestamp($3::bigint) END,"
        "  (f->>'role_id')::uuid,"
        "  coalesce(ARRAY(SELECT jsonb_array_elements_text(f->'allowed_role_ids'))::uuid[], '{}')"
        " FROM (SELECT $1::jsonb AS f, $4::jsonb AS d) input RETURNING id";

int customer_repo_create(char id_out[37], struct db_conn *conn, const char *fields,
                         const char *password_hash, time_t now, const char *defaults)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, SQL_CUSTOMER_CREATE, 4,
	                 (const char *const[]){fields, password_hash,
	                                       db_time_param(ts, (long long)now), defaults});

	if (rc == APP_OK)
		snprintf(id_out, 37, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int customer_repo_lock(struct customer_contact *out, struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT status, email, first_name, language FROM customers"
	                 " WHERE id = $1::uuid FOR UPDATE",
	                 1, (const char *const[]){id});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->first_name, sizeof(out->first_name), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return rc;
}

static const char SQL_CUSTOMER_UPDATE[] =
        "UPDATE customers c SET"
        " email = coalesce(f->>'email', c.email),"
        " phone = CASE WHEN f ? 'phone' THEN f->>'phone' ELSE c.phone END,"
        " first_name = coalesce(f->>'first_name', c.first_name),"
        " last_name = coalesce(f->>'last_name', c.last_name),"
        " company = coalesce(f->>'company', c.company),"
        " language = coalesce(f->>'language', c.language),"
        " time_zone = coalesce(f->>'time_zone', c.time_zone),"
        " date_input_format = coalesce(f->>'date_input_format', c.date_input_format),"
        " date_output_format = coalesce(f->>'date_output_format', c.date_output_format),"
        " two_factor_policy = coalesce(f->>'two_factor_policy', c.two_factor_policy),"
        " trusted_ips = coalesce(f->>'trusted_ips', c.trusted_ips),"
        " custom_fields = coalesce(f->'custom_fields', c.custom_fields),"
        " login_enabled = coalesce((f->>'login_enabled')::boolean, c.login_enabled),"
        " email_confirmed_at = CASE WHEN NOT f ? 'email_confirmed' THEN c.email_confirmed_at"
        "   WHEN (f->>'email_confirmed')::boolean"
        "   THEN coalesce(c.email_confirmed_at, to_timestamp($3::bigint)) END,"
        " status = CASE WHEN c.status = 'pending' AND (f->>'email_confirmed')::boolean"
        "   THEN 'active' ELSE c.status END,"
        " password_hash = coalesce($2::text, c.password_hash),"
        " must_change_password = CASE WHEN $2::text IS NOT NULL"
        "   THEN coalesce((f->>'generate')::boolean, false) ELSE c.must_change_password END,"
        " password_changed_at = CASE WHEN $2::text IS NOT NULL THEN to_timestamp($3::bigint)"
        "   ELSE c.password_changed_at END,"
        " role_id = CASE WHEN f ? 'role_id' THEN (f->>'role_id')::uuid ELSE c.role_id END,"
        " allowed_role_ids = CASE WHEN f ? 'allowed_role_ids'"
        "   THEN ARRAY(SELECT jsonb_array_elements_text(f->'allowed_role_ids'))::uuid[]"
        "   ELSE c.allowed_role_ids END,"
        " updated_at = to_timestamp($3::bigint)"
        " FROM (SELECT $1::jsonb AS f) input WHERE c.id = $4::uuid";

int customer_repo_update(struct db_conn *conn, const char *id, const char *fields,
                         const char *password_hash, time_t now)
{
	char ts[24];

	return db_exec(NULL, conn, SQL_CUSTOMER_UPDATE, 4,
	               (const char *const[]){fields, password_hash,
	                                     db_time_param(ts, (long long)now), id});
}

int customer_repo_exists(struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT 1 FROM customers WHERE id = $1::uuid", 1,
	                 (const char *const[]){id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

/* What stops with the customer: its live sessions and API tokens, its individuals' included. */
static const char SQL_LIVE_SERVICES[] =
        "SELECT (SELECT count(*) FROM sessions WHERE customer_id = $1::uuid AND revoked_at IS NULL"
        "   AND expires_at > to_timestamp($2::bigint)),"
        " (SELECT count(*) FROM api_tokens WHERE customer_id = $1::uuid AND revoked_at IS NULL"
        "   AND (expires_at IS NULL OR expires_at > to_timestamp($2::bigint)))";

int customer_repo_live_services(long *sessions, long *tokens, struct db_conn *conn, const char *id,
                                time_t now)
{
	PGresult *res = NULL;
	char ts[24];
	int rc = db_exec(&res, conn, SQL_LIVE_SERVICES, 2,
	                 (const char *const[]){id, db_time_param(ts, (long long)now)});

	*sessions = rc == APP_OK ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	*tokens = rc == APP_OK ? strtol(PQgetvalue(res, 0, 1), NULL, 10) : 0;
	PQclear(res);
	return rc;
}

static const char SQL_SET_STATUS[] =
        "WITH changed AS (UPDATE customers SET status = $2::text, updated_at = "
        "to_timestamp($4::bigint)"
        "   WHERE id = $1::uuid RETURNING id)"
        " INSERT INTO customer_status_changes (customer_id, from_status, to_status, reason,"
        "   staff_id, occurred_at)"
        " SELECT id, $5::text, $2::text, $3::text, $6::uuid, to_timestamp($4::bigint) FROM changed";

int customer_repo_set_status(struct db_conn *conn, const char *id, const char *from, const char *to,
                             const char *reason, const char *staff_id, time_t now)
{
	char ts[24];

	return db_exec(NULL, conn, SQL_SET_STATUS, 6,
	               (const char *const[]){id, to, reason ? reason : "",
	                                     db_time_param(ts, (long long)now), from, staff_id});
}

/* Runs a statement answering the one row it touched: APP_NOT_FOUND for none. */
static int one_row(struct db_conn *conn, const char *sql, int n, const char *const *params)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, sql, n, params);

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

int customer_repo_confirm(struct db_conn *conn, const char *id, time_t now)
{
	char ts[24];

	return one_row(conn,
	               "UPDATE customers SET email_confirmed_at = to_timestamp($2::bigint),"
	               " status = CASE WHEN status = 'pending' THEN 'active' ELSE status END,"
	               " updated_at = to_timestamp($2::bigint)"
	               " WHERE id = $1::uuid AND email_confirmed_at IS NULL RETURNING id",
	               2, (const char *const[]){id, db_time_param(ts, (long long)now)});
}

int customer_repo_unconfirmed(struct db_conn *conn, const char *id)
{
	return one_row(conn,
	               "SELECT 1 FROM customers WHERE id = $1::uuid AND email_confirmed_at IS NULL",
	               1, (const char *const[]){id});
}

int customer_repo_set_generated_password(struct db_conn *conn, const char *id,
                                         const char *password_hash, time_t now)
{
	char ts[24];

	return db_exec(NULL, conn,
	               "UPDATE customers SET password_hash = $2::text, must_change_password = true,"
	               " password_changed_at = to_timestamp($3::bigint),"
	               " updated_at = to_timestamp($3::bigint) WHERE id = $1::uuid",
	               3,
	               (const char *const[]){id, password_hash, db_time_param(ts, (long long)now)});
}

int customer_repo_clear_security_question(struct db_conn *conn, const char *id)
{
	return one_row(conn,
	               "UPDATE customers SET security_question = NULL, security_answer_hash = NULL"
	               " WHERE id = $1::uuid AND security_question IS NOT NULL RETURNING id",
	               1, (const char *const[]){id});
}
