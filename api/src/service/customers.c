/*
 * Customer management. Inputs are checked into one normalized JSON object whose keys are columns; the
 * SQL reads that object (one jsonb parameter) with a fixed column list, so no caller key ever reaches
 * SQL text. State changes lock the customer row first, so two staff acting at once apply one after
 * the other, each on what the other left.
 */
#include "service/customers.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ipnet.h"
#include "auth/password.h"
#include "auth/phone.h"
#include "auth/policy.h"
#include "auth/secrets.h"
#include "auth/token.h"
#include "common/clock.h"
#include "common/csv.h"
#include "common/email.h"
#include "common/prefs.h"
#include "common/text.h"
#include "db/audit_repo.h"
#include "db/customer_repo.h"
#include "db/db.h"
#include "db/session_repo.h"
#include "db/twofactor_repo.h"
#include "log.h"
#include "notify/outbox.h"
#include "service/recovery.h"
#include "service/settings.h"

#define CONFIRMATION_TTL_S (24 * 3600)
#define CUSTOM_FIELDS_MAX  50

/* ---- the customer as staff see it ---- */

static int read_customer(json_t **out, struct db_conn *conn, const char *id)
{
	return customer_repo_get(out, conn, id, clock_now());
}

int customers_get_text(char **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = customer_repo_get_text(out, conn, id, clock_now());
	db_pool_checkin(app->pool, conn);
	return rc;
}

int customers_get(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = read_customer(out, conn, id);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* ---- list and search ---- */

int customers_parse_sort(struct customer_query *q, const char *sort)
{
	static const struct {
		const char *name;
		enum customer_sort sort;
	} SORTS[] = {
	        {"name", SORT_NAME}, {"created", SORT_CREATED}, {"last_login", SORT_LAST_LOGIN}};

	q->sort = SORT_NAME;
	q->descending = false;
	if (!sort)
		return APP_OK;
	if (*sort == '-') {
		q->descending = true;
		sort++;
	}
	for (size_t i = 0; i < sizeof(SORTS) / sizeof(SORTS[0]); i++)
		if (strcmp(sort, SORTS[i].name) == 0) {
			q->sort = SORTS[i].sort;
			return APP_OK;
		}
	return APP_INVALID;
}

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

static int list_page(json_t **out, struct db_conn *conn, const struct customer_query *q)
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

int customers_list(json_t **out, struct app *app, const struct customer_query *q)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK)
		rc = list_page(out, conn, q);
	db_pool_checkin(app->pool, conn);
	return rc;
}

/* Appends a CSV cell (csv_cell: quoted, formulas defused) to buf. */
static void csv_append(json_t *buf, const char *v, bool last)
{
	char *s = csv_cell(v, last);

	if (s)
		json_array_append_new(buf, json_string(s));
	free(s);
}

int customers_export(char **csv, size_t *len, struct app *app, const struct customer_query *query)
{
	static const char *const COLUMNS[] = {"id",         "email",      "phone",
	                                      "first_name", "last_name",  "company",
	                                      "status",     "created_at", "last_login_at"};
	const size_t ncol = sizeof(COLUMNS) / sizeof(COLUMNS[0]);
	struct customer_query q = *query;
	struct db_conn *conn = NULL;
	json_t *cells = json_array(), *page = NULL, *item;
	char *cursor = NULL;
	size_t total = 0, i;
	int rc;

	*csv = NULL;
	*len = 0;
	q.limit = 200;
	for (i = 0; i < ncol; i++)
		csv_append(cells, COLUMNS[i], i == ncol - 1);
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	do {
		q.cursor = cursor;
		if ((rc = list_page(&page, conn, &q)) != APP_OK)
			break;
		json_array_foreach(json_object_get(page, "items"), i, item)
		{
			for (size_t k = 0; k < ncol; k++) {
				json_t *v = json_object_get(item, COLUMNS[k]);
				csv_append(cells, json_is_string(v) ? json_string_value(v) : "",
				           k == ncol - 1);
			}
		}
		free(cursor);
		cursor = json_is_string(json_object_get(page, "next_cursor"))
		                 ? strdup(json_string_value(json_object_get(page, "next_cursor")))
		                 : NULL;
		json_decref(page);
		page = NULL;
	} while (cursor);
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (rc != APP_OK)
		goto done;
	json_array_foreach(cells, i, item) total += json_string_length(item);
	if (!(*csv = malloc(total + 1))) {
		rc = APP_INTERNAL;
		goto done;
	}
	json_array_foreach(cells, i, item)
	{
		memcpy(*csv + *len, json_string_value(item), json_string_length(item));
		*len += json_string_length(item);
	}
	(*csv)[*len] = '\0';
done:
	db_pool_checkin(app->pool, conn);
	free(cursor);
	json_decref(cells);
	return rc;
}

/* ---- create and update ---- */

/*
 * A number PostgreSQL's jsonb and jansson both carry back unchanged: an integer of at most 15
 * digits, or a finite real of at most 1e15 (1e300 would come back as 301 digits no reader takes).
 */
static bool custom_number_ok(const json_t *v)
{
	if (json_is_integer(v))
		return llabs((long long)json_integer_value(v)) < 1000000000000000LL;
	return json_is_real(v) && isfinite(json_real_value(v)) && fabs(json_real_value(v)) < 1e15;
}

/* Checks a string field of at most max bytes; sets it in fields (NULL allowed when nullable). */
static void text_field(json_t *fields, json_t *errors, json_t *body, const char *key, size_t max)
{
	json_t *v = json_object_get(body, key);

	if (!v)
		return;
	if (!text_line_ok(v, max)) {
		char message[80];

		snprintf(message, sizeof(message), "One line of at most %zu characters.", max);
		field_errors_add(errors, key, "invalid", message);
		return;
	}
	json_object_set(fields, key, v);
}

static void check_login(json_t *fields, json_t *errors, json_t *login, bool create)
{
	static const char *const KEYS[] = {"enabled",  "email_confirmed",  "generate_and_send",
	                                   "password", "password_confirm", NULL};
	const char *key;
	json_t *v;

	if (!json_is_object(login)) {
		field_errors_add(
		        errors, "login", "invalid",
		        "An object: {enabled, email_confirmed, generate_and_send, password, "
		        "password_confirm}.");
		return;
	}
	json_object_foreach(login, key, v)
	{
		bool known = false;
		char field[64];

		for (const char *const *k = KEYS; *k; k++)
			known |= strcmp(*k, key) == 0;
		snprintf(field, sizeof(field), "login.%s", key);
		if (!known)
			field_errors_add(errors, field, "unknown_field",
			                 "This field is not accepted.");
		else if (strncmp(key, "password", 8) == 0 ? !json_is_string(v)
		                                          : !json_is_boolean(v))
			field_errors_add(errors, field, "invalid",
			                 strncmp(key, "password", 8) == 0 ? "A string."
			                                                  : "true or false.");
	}
	if ((v = json_object_get(login, "enabled")) && json_is_boolean(v))
		json_object_set(fields, "login_enabled", v);
	if ((v = json_object_get(login, "email_confirmed")) && json_is_boolean(v))
		json_object_set(fields, "email_confirmed", v);
	if (json_is_true(json_object_get(login, "generate_and_send")))
		json_object_set_new(fields, "generate", json_true());
	const char *pw = json_string_value(json_object_get(login, "password"));
	const char *again = json_string_value(json_object_get(login, "password_confirm"));
	if (pw && *pw) { /* empty or absent: unchanged */
		if (json_is_true(json_object_get(fields, "generate")))
			field_errors_add(errors, "login.password", "invalid",
			                 "Either a password or generate_and_send, not both.");
		else if (!again || strcmp(pw, again) != 0)
			field_errors_add(errors, "login.password_confirm", "mismatch",
			                 "The confirmation does not match the password.");
		else
			json_object_set_new(fields, "password", json_string(pw));
	}
	(void)create;
}

/*
 * Checks a POST or PATCH body into fields (keys = columns, values normalized). Errors name the field
 * and the rule; the database checks (time zone, uniqueness) come later.
 */
static void check_fields(json_t *fields, json_t *errors, json_t *body, bool create,
                         const struct app *app)
{
	static const char *const KEYS[] = {"email",
	                                   "phone",
	                                   "first_name",
	                                   "last_name",
	                                   "company",
	                                   "language",
	                                   "time_zone",
	                                   "date_input_format",
	                                   "date_output_format",
	                                   "two_factor_policy",
	                                   "trusted_ips",
	                                   "custom_fields",
	                                   "login",
	                                   "role_id",
	                                   "allowed_role_ids",
	                                   NULL};
	const char *key;
	json_t *v;
	char phone[32], why[160];

	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *k = KEYS; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This field is not accepted.");
	}
	v = json_object_get(body, "email");
	if (create && !v)
		field_errors_add(errors, "email", "required", "The customer's e-mail address.");
	else if (v && !email_plausible(json_string_value(v)))
		field_errors_add(errors, "email", "invalid", "Not an e-mail address.");
	else if (v)
		json_object_set(fields, "email", v);
	if ((v = json_object_get(body, "phone"))) {
		if (json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
			json_object_set_new(fields, "phone", json_null());
		else if (!json_is_string(v) ||
		         phone_normalize(phone, sizeof(phone), json_string_value(v),
		                         app->cfg.default_country) != APP_OK)
			field_errors_add(errors, "phone", "invalid",
			                 "Not a phone number; give it with its country code.");
		else
			json_object_set_new(fields, "phone", json_string(phone));
	}
	text_field(fields, errors, body, "first_name", 100);
	text_field(fields, errors, body, "last_name", 100);
	text_field(fields, errors, body, "company", 200);
	text_field(fields, errors, body, "time_zone", 64);
	if ((v = json_object_get(body, "language")) && !prefs_language_known(json_string_value(v)))
		field_errors_add(errors, "language", "invalid", "en or fr.");
	else if (v)
		json_object_set(fields, "language", v);
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "date_output_format" : "date_input_format";

		if ((v = json_object_get(body, name)) &&
		    !prefs_date_format_known(json_string_value(v)))
			field_errors_add(errors, name, "invalid",
			                 "YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY.");
		else if (v)
			json_object_set(fields, name, v);
	}
	if ((v = json_object_get(body, "two_factor_policy"))) {
		const char *p = json_string_value(v);

		if (!p || (strcmp(p, "inherit") && strcmp(p, "required") && strcmp(p, "off")))
			field_errors_add(errors, "two_factor_policy", "invalid",
			                 "inherit, required or off.");
		else
			json_object_set(fields, "two_factor_policy", v);
	}
	if ((v = json_object_get(body, "trusted_ips"))) {
		struct ipnet_list nets;

		if (!json_is_string(v) || json_string_length(v) > 10000)
			field_errors_add(errors, "trusted_ips", "invalid",
			                 "Text of at most 10000 characters.");
		else if (ipnet_list_parse(&nets, json_string_value(v), why, sizeof(why)) != APP_OK)
			field_errors_add(errors, "trusted_ips", "invalid", why);
		else {
			ipnet_list_free(&nets);
			json_object_set(fields, "trusted_ips", v);
		}
	}
	if ((v = json_object_get(body, "custom_fields"))) {
		const char *k;
		json_t *x;
		bool ok = json_is_object(v) && json_object_size(v) <= CUSTOM_FIELDS_MAX;

		json_object_foreach(ok ? v : NULL, k, x) ok &=
		        strlen(k) <= 64 && text_is_single_line(k, strlen(k)) &&
		        (json_is_string(x)
		                 ? json_string_length(x) <= 1000
		                 : custom_number_ok(x) || json_is_boolean(x) || json_is_null(x));
		if (!ok)
			field_errors_add(
			        errors, "custom_fields", "invalid",
			        "An object of at most 50 fields (names up to 64 characters; text "
			        "up to 1000 characters, numbers up to 15 digits, true/false).");
		else
			json_object_set(fields, "custom_fields", v);
	}
	if ((v = json_object_get(body, "login")))
		check_login(fields, errors, v, create);
	/* portal roles: the assigned one (null: the default) and those it may give its individuals */
	if ((v = json_object_get(body, "role_id"))) {
		if (!json_is_null(v) && !token_is_uuid(json_string_value(v)))
			field_errors_add(errors, "role_id", "invalid",
			                 "A role id, or null for the default role.");
		else
			json_object_set(fields, "role_id", v);
	}
	if ((v = json_object_get(body, "allowed_role_ids"))) {
		size_t i;
		json_t *r;
		bool ok = json_is_array(v) && json_array_size(v) <= 50;

		json_array_foreach(ok ? v : NULL, i, r) ok &=
		        token_is_uuid(json_string_value(r)) != 0;
		if (!ok)
			field_errors_add(errors, "allowed_role_ids", "invalid",
			                 "A list of role ids.");
		else
			json_object_set(fields, "allowed_role_ids", v);
	}
}

/* Time zone (a database check) and the password policy (needs the e-mail and name). */
static int check_more(json_t *errors, struct db_conn *conn, json_t *fields, const char *email,
                      const char *name)
{
	const char *tz = json_string_value(json_object_get(fields, "time_zone"));
	const char *pw = json_string_value(json_object_get(fields, "password"));
	const char *code = NULL;
	char message[256];
	bool known = true;
	long min_len = 0;
	int rc = tz ? db_time_zone_known(&known, conn, tz) : APP_OK;

	if (rc == APP_OK && !known)
		field_errors_add(
		        errors, "time_zone", "invalid",
		        "Not a time zone PostgreSQL knows; use an IANA name such as Europe/Paris.");
	/* the roles named must exist */
	for (int k = 0; rc == APP_OK && k < 2; k++) {
		json_t *ids = json_array(),
		       *v = json_object_get(fields, k ? "allowed_role_ids" : "role_id");
		PGresult *res = NULL;
		char *text;

		if (json_is_string(v))
			json_array_append(ids, v);
		else if (json_is_array(v))
			json_array_extend(ids, v);
		text = json_dumps(ids, JSON_COMPACT);
		if (json_array_size(ids) &&
		    (rc = db_exec(&res, conn,
		                  "SELECT count(*) = (SELECT count(DISTINCT x) FROM"
		                  " jsonb_array_elements_text($1::jsonb) x) FROM portal_roles "
		                  "WHERE id IN"
		                  " (SELECT x::uuid FROM jsonb_array_elements_text($1::jsonb) x)",
		                  1, (const char *const[]){text})) == APP_OK &&
		    strcmp(PQgetvalue(res, 0, 0), "t") != 0)
			field_errors_add(errors, k ? "allowed_role_ids" : "role_id", "unknown_role",
			                 "There is no such role.");
		PQclear(res);
		free(text);
		json_decref(ids);
	}
	if (rc == APP_OK && pw &&
	    (rc = settings_long(&min_len, conn, "password.min_length")) == APP_OK &&
	    password_policy_check(&code, message, sizeof(message), pw, email, name,
	                          (size_t)min_len) != APP_OK) {
		if (!code)
			return APP_INTERNAL;
		field_errors_add(errors, "login.password", code, message);
	}
	return rc;
}

/* Hashes the password of fields (given, or generated into generated[]) without a connection held. */
static int hash_password(char hash[PASSWORD_HASH_MAX], char generated[21], struct app *app,
                         json_t *fields)
{
	struct password_params params;
	const char *pw = json_string_value(json_object_get(fields, "password"));
	int rc;

	hash[0] = generated[0] = '\0';
	if (json_is_true(json_object_get(fields, "generate"))) {
		if ((rc = secrets_random_password(generated, 20)) != APP_OK)
			return rc;
		pw = generated;
	}
	if (!pw)
		return APP_OK;
	if ((rc = settings_password_params(&params, app)) != APP_OK ||
	    (rc = password_gate_enter(app->cfg.hash_wait_ms)) != APP_OK)
		return rc;
	rc = password_hash(hash, &params, pw);
	password_gate_leave();
	return rc;
}

/* The e-mail or phone conflict of a failed write, as a field error. */
static int taken(json_t *errors, struct db_conn *conn)
{
	/* customers_*: another customer; portal_logins_*: another customer or an individual */
	if (strcmp(conn->constraint, "customers_email_key") == 0 ||
	    strcmp(conn->constraint, "portal_logins_email_key") == 0)
		field_errors_add(errors, "email", "taken",
		                 "Another account signs in with this e-mail.");
	else if (strcmp(conn->constraint, "customers_phone_key") == 0 ||
	         strcmp(conn->constraint, "portal_logins_phone_key") == 0)
		field_errors_add(errors, "phone", "taken",
		                 "Another account signs in with this phone number.");
	else
		return APP_CONFLICT;
	return APP_INVALID;
}

int customers_send_credentials(struct db_conn *conn, struct app *app, const char *customer_id,
                               const char *individual_id, const char *email, const char *first_name,
                               const char *language, const char *password)
{
	char login_url[2100], message_id[37];
	json_t *vars;
	int rc;

	snprintf(login_url, sizeof(login_url), "%s/?auth=1", app->cfg.public_url);
	vars = json_pack("{s:s, s:s, s:s, s:s}", "first_name", first_name, "login", email,
	                 "password", password, "login_url", login_url);
	struct outbox_message m = {.event = "generated_credentials",
	                           .language = language,
	                           .channel = "email",
	                           .address = email,
	                           .vars = vars,
	                           .customer_id = customer_id,
	                           .individual_id = individual_id};
	rc = outbox_enqueue(message_id, conn, app, &m);
	json_decref(vars);
	return rc;
}

/* A confirmation link for the customer's address (registration purpose). */
static int send_confirmation(struct db_conn *conn, struct app *app, const char *id,
                             const char *email, const char *first_name, const char *language)
{
	char token[65], link[2200], message_id[37];
	json_t *vars = NULL;
	int rc;

	if ((rc = secrets_random_hex(token, 32)) != APP_OK ||
	    (rc = confirmation_repo_insert(
	             conn, &(struct confirmation_new){.token = token,
	                                              .customer_id = id,
	                                              .email = email,
	                                              .purpose = "registration",
	                                              .now = clock_now(),
	                                              .ttl_s = CONFIRMATION_TTL_S})) != APP_OK)
		return rc;
	snprintf(link, sizeof(link), "%s/confirm?token=%s", app->cfg.public_url, token);
	vars = json_pack("{s:s, s:s, s:i}", "first_name", first_name, "link", link,
	                 "expires_minutes", CONFIRMATION_TTL_S / 60);
	struct outbox_message m = {.event = "email_confirmation",
	                           .language = language,
	                           .channel = "email",
	                           .address = email,
	                           .vars = vars,
	                           .customer_id = id};
	rc = outbox_enqueue(message_id, conn, app, &m);
	memset(token, 0, sizeof(token));
	json_decref(vars);
	return rc;
}

static struct audit_entry staff_entry(const struct principal *who, const struct client_info *ci,
                                      const char *action, const char *customer_id, json_t *details)
{
	return (struct audit_entry){.actor_kind = "staff",
	                            .actor_id = who->id,
	                            .action = action,
	                            .target_kind = "customer",
	                            .target_id = customer_id,
	                            .customer_id = customer_id,
	                            .ip = ci->ip,
	                            .request_id = ci->request_id,
	                            .api_token_id = ci->api_token_id,
	                            .details = details};
}

/* The names of the fields changed, for the audit entry (never the values of secrets). */
static json_t *field_names(json_t *fields)
{
	json_t *names = json_array(), *v;
	const char *key;

	json_object_foreach(fields, key, v) json_array_append_new(
	        names, json_string(strcmp(key, "generate") == 0 ? "generated_password" : key));
	return names;
}

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

int customers_create(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                     const struct client_info *ci, json_t *body)
{
	struct db_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *fields = json_object(), *details = NULL;
	char hash[PASSWORD_HASH_MAX], generated[21], ts[24], id[37] = "", *text = NULL,
	                                                     *defaults = NULL;
	const char *email, *first, *language;
	struct customer_defaults d;
	int rc;

	*out = NULL;
	check_fields(fields, errors, body, true, app);
	email = json_string_value(json_object_get(fields, "email"));
	first = json_string_value(json_object_get(fields, "first_name"));
	first = first ? first : "";
	language = json_string_value(json_object_get(fields, "language"));
	language = language ? language : "en";
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	if ((rc = check_more(errors, conn, fields, email, first)) == APP_OK)
		rc = settings_customer_defaults(&d, conn);
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (rc != APP_OK || json_array_size(errors)) {
		rc = rc == APP_OK ? APP_INVALID : rc;
		goto done;
	}
	if (!json_object_get(fields, "language"))
		language = d.language; /* for its messages too */
	json_t *dj = customer_defaults_json(&d);
	defaults = json_dumps(dj, JSON_COMPACT);
	json_decref(dj);
	if ((rc = hash_password(hash, generated, app, fields)) != APP_OK)
		goto done;
	json_object_del(fields, "password"); /* from here on, only its hash */
	text = json_dumps(fields, JSON_COMPACT);
	db_time_param(ts, (long long)clock_now());
	details = json_pack("{s:o}", "fields", field_names(fields));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK || (rc = db_begin(conn)) != APP_OK)
		goto done;
	rc = db_exec(&res, conn, SQL_CUSTOMER_CREATE, 4,
	             (const char *const[]){text, hash[0] ? hash : NULL, ts, defaults});
	if (rc == APP_CONFLICT) {
		rc = taken(errors, conn);
		goto done;
	}
	if (rc != APP_OK)
		goto done;
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	struct audit_entry e = staff_entry(who, ci, "customer.created", id, details);
	if ((rc = audit_repo_append(conn, &e)) == APP_OK && generated[0])
		rc = customers_send_credentials(conn, app, id, NULL, email, first, language,
		                                generated);
	if (rc == APP_OK && !json_is_true(json_object_get(fields, "email_confirmed")))
		rc = send_confirmation(conn, app, id, email, first, language);
	if (rc == APP_OK && (rc = read_customer(out, conn, id)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	PQclear(res);
	free(text);
	free(defaults);
	memset(hash, 0, sizeof(hash));
	memset(generated, 0, sizeof(generated));
	json_decref(fields);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* Locks the customer row for a change; APP_NOT_FOUND for an unknown one, APP_CONFLICT when deleted. */
static int lock_customer(char status_out[16], char email_out[255], char first_out[101],
                         char language_out[3], struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT status, email, first_name, language FROM customers"
	                 " WHERE id = $1::uuid FOR UPDATE",
	                 1, (const char *const[]){id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(status_out, 16, "%s", PQgetvalue(res, 0, 0));
		snprintf(email_out, 255, "%s", PQgetvalue(res, 0, 1));
		snprintf(first_out, 101, "%s", PQgetvalue(res, 0, 2));
		snprintf(language_out, 3, "%s", PQgetvalue(res, 0, 3));
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

int customers_update(json_t **out, json_t *errors, struct app *app, const struct principal *who,
                     const struct client_info *ci, const char *id, json_t *body)
{
	struct db_conn *conn = NULL;
	json_t *fields = json_object(), *details = NULL, *current = NULL;
	char hash[PASSWORD_HASH_MAX], generated[21], ts[24], status[16], email[255], first[101],
	        language[3], *text = NULL;
	time_t now = clock_now();
	int rc;

	*out = NULL;
	hash[0] = generated[0] = '\0';
	check_fields(fields, errors, body, false, app);
	if ((rc = customers_get(&current, app, id)) != APP_OK)
		goto done;
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK)
		goto done;
	rc = check_more(errors, conn, fields,
	                json_string_value(json_object_get(fields, "email"))
	                        ?: json_string_value(json_object_get(current, "email")),
	                json_string_value(json_object_get(current, "first_name")));
	db_pool_checkin(app->pool, conn);
	conn = NULL;
	if (rc != APP_OK || json_array_size(errors)) {
		rc = rc == APP_OK ? APP_INVALID : rc;
		goto done;
	}
	if ((rc = hash_password(hash, generated, app, fields)) != APP_OK)
		goto done;
	json_object_del(fields, "password");
	text = json_dumps(fields, JSON_COMPACT);
	db_time_param(ts, (long long)now);
	details = json_pack("{s:o}", "fields", field_names(fields));
	if ((rc = db_pool_checkout(&conn, app->pool)) != APP_OK ||
	    (rc = db_begin(conn)) != APP_OK ||
	    (rc = lock_customer(status, email, first, language, conn, id)) != APP_OK)
		goto done;
	if (strcmp(status, "deleted") == 0) {
		rc = APP_CONFLICT;
		goto done;
	}
	rc = db_exec(NULL, conn, SQL_CUSTOMER_UPDATE, 4,
	             (const char *const[]){text, hash[0] ? hash : NULL, ts, id});
	if (rc == APP_CONFLICT) {
		rc = taken(errors, conn);
		goto done;
	}
	struct audit_entry e = staff_entry(who, ci, "customer.updated", id, details);
	/* a new password: the old one and every session die at once */
	if (rc == APP_OK && hash[0])
		rc = session_repo_revoke_others(conn, id, NULL, "password_changed", now);
	/* the address staff set wins over any change the customer's links would still make */
	if (rc == APP_OK && (hash[0] || json_object_get(fields, "email")))
		rc = confirmation_repo_cancel_changes(conn, id, NULL, now);
	if (rc == APP_OK && generated[0])
		rc = customers_send_credentials(conn, app, id, NULL,
		                                json_string_value(json_object_get(fields, "email"))
		                                        ?: email,
		                                first, language, generated);
	if (rc == APP_OK && (rc = audit_repo_append(conn, &e)) == APP_OK &&
	    (rc = read_customer(out, conn, id)) == APP_OK)
		rc = db_commit(conn);
done:
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	free(text);
	memset(hash, 0, sizeof(hash));
	memset(generated, 0, sizeof(generated));
	json_decref(fields);
	json_decref(details);
	json_decref(current);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- actions ---- */

struct action_ctx {
	struct db_conn *conn;
	struct app *app;
	const struct principal *who;
	const struct client_info *ci;
	const char *id;
	json_t *body;    /* the request body (checked against the action's fields) */
	json_t *errors;  /* field errors */
	json_t *result;  /* what the answer says besides the customer (impact, counts) */
	json_t *details; /* the audit entry's details */
	const char *conflict;
	char status[16], email[255], first[101], language[3];
	const char *hash, *password; /* send-credentials: made before the transaction */
	bool dry_run;
	time_t now;
};

/* What stops with the customer: its live sessions and API tokens, its individuals' included. */
static const char SQL_LIVE_SERVICES[] =
        "SELECT (SELECT count(*) FROM sessions WHERE customer_id = $1::uuid AND revoked_at IS NULL"
        "   AND expires_at > to_timestamp($2::bigint)),"
        " (SELECT count(*) FROM api_tokens WHERE customer_id = $1::uuid AND revoked_at IS NULL"
        "   AND (expires_at IS NULL OR expires_at > to_timestamp($2::bigint)))";

static int live_services(long *sessions, long *tokens, struct action_ctx *x)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)x->now);
	rc = db_exec(&res, x->conn, SQL_LIVE_SERVICES, 2, (const char *const[]){x->id, ts});
	*sessions = rc == APP_OK ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
	*tokens = rc == APP_OK ? strtol(PQgetvalue(res, 0, 1), NULL, 10) : 0;
	PQclear(res);
	return rc;
}

static const char *str_of(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

/* A notice to the customer about its account (suspended, banned, reactivated). */
static int notify(struct action_ctx *x, const char *event, const char *reason)
{
	char login_url[2100], id[37];
	json_t *vars;
	int rc;

	snprintf(login_url, sizeof(login_url), "%s/?auth=1", x->app->cfg.public_url);
	vars = json_pack("{s:s, s:s, s:s}", "first_name", x->first, "reason", reason ? reason : "",
	                 "login_url", login_url);
	struct outbox_message m = {.event = event,
	                           .language = x->language,
	                           .channel = "email",
	                           .address = x->email,
	                           .vars = vars,
	                           .customer_id = x->id};
	rc = outbox_enqueue(id, x->conn, x->app, &m);
	json_decref(vars);
	return rc;
}

static const char SQL_SET_STATUS[] =
        "WITH changed AS (UPDATE customers SET status = $2::text, updated_at = "
        "to_timestamp($4::bigint)"
        "   WHERE id = $1::uuid RETURNING id)"
        " INSERT INTO customer_status_changes (customer_id, from_status, to_status, reason,"
        "   staff_id, occurred_at)"
        " SELECT id, $5::text, $2::text, $3::text, $6::uuid, to_timestamp($4::bigint) FROM changed";

/* suspend, ban, reactivate: one status change with its reason, its cascade and its notice. */
static int change_status(struct action_ctx *x, const char *to, const char *const *from,
                         const char *event)
{
	const char *reason = str_of(x->body, "reason");
	bool allowed = false, cascade = !json_is_false(json_object_get(x->body, "cascade")),
	     reactivate = strcmp(to, "active") == 0;
	long sessions = 0, tokens = 0;
	char ts[24];
	int rc;

	for (const char *const *f = from; *f; f++)
		allowed |= strcmp(*f, x->status) == 0;
	if (!allowed) {
		x->conflict = strcmp(x->status, to) == 0 ? "unchanged" : "not_allowed_from_status";
		return APP_CONFLICT;
	}
	if (!reactivate && (!reason || !*reason || strlen(reason) > 1000)) {
		field_errors_add(x->errors, "reason", reason ? "invalid" : "required",
		                 "Why (1 to 1000 characters): the customer's history keeps it.");
		return APP_INVALID;
	}
	if ((rc = live_services(&sessions, &tokens, x)) != APP_OK)
		return rc;
	/*
	 * The services a cascade reaches: sessions (the customer's and its individuals', ended), and
	 * API tokens, which stop while the account is not active and work again once it is
	 * (licenses and bookings later).
	 */
	json_object_set_new(x->result, "impact",
	                    json_pack("{s:I, s:I}", "sessions",
	                              (json_int_t)(cascade && !reactivate ? sessions : 0),
	                              "api_tokens", (json_int_t)(reactivate ? 0 : tokens)));
	json_object_set_new(x->details, "from", json_string(x->status));
	json_object_set_new(x->details, "reason", json_string(reason ? reason : ""));
	json_object_set_new(
	        x->details, reactivate ? "restore_services" : "cascade",
	        json_boolean(reactivate ? json_is_true(json_object_get(x->body, "restore_services"))
	                                : cascade));
	if (x->dry_run)
		return APP_OK;
	db_time_param(ts, (long long)x->now);
	rc = db_exec(
	        NULL, x->conn, SQL_SET_STATUS, 6,
	        (const char *const[]){x->id, to, reason ? reason : "", ts, x->status, x->who->id});
	if (rc == APP_OK && cascade && !reactivate)
		rc = session_repo_revoke_customer(x->conn, x->id, "account_disabled", x->now);
	/* a link asked for before the suspension must not move the account afterwards */
	if (rc == APP_OK && !reactivate)
		rc = confirmation_repo_cancel_changes(x->conn, x->id, NULL, x->now);
	if (rc == APP_OK && json_is_true(json_object_get(x->body, "notify")))
		rc = notify(x, event, reason);
	return rc;
}

static int act_suspend(struct action_ctx *x)
{
	return change_status(x, "suspended", (const char *const[]){"active", "pending", NULL},
	                     "account_suspended");
}

static int act_ban(struct action_ctx *x)
{
	return change_status(x, "banned",
	                     (const char *const[]){"active", "pending", "suspended", NULL},
	                     "account_banned");
}

static int act_reactivate(struct action_ctx *x)
{
	return change_status(x, "active", (const char *const[]){"suspended", "banned", NULL},
	                     "account_reactivated");
}

static int act_confirm(struct action_ctx *x)
{
	char ts[24];
	PGresult *res = NULL;
	int rc;

	db_time_param(ts, (long long)x->now);
	rc = db_exec(&res, x->conn,
	             "UPDATE customers SET email_confirmed_at = to_timestamp($2::bigint),"
	             " status = CASE WHEN status = 'pending' THEN 'active' ELSE status END,"
	             " updated_at = to_timestamp($2::bigint)"
	             " WHERE id = $1::uuid AND email_confirmed_at IS NULL RETURNING id",
	             2, (const char *const[]){x->id, ts});
	if (rc == APP_OK && PQntuples(res) == 0) {
		x->conflict = "already_confirmed";
		rc = APP_CONFLICT;
	}
	PQclear(res);
	return rc;
}

static int act_resend_confirmation(struct action_ctx *x)
{
	PGresult *res = NULL;
	int rc = db_exec(
	        &res, x->conn,
	        "SELECT 1 FROM customers WHERE id = $1::uuid AND email_confirmed_at IS NULL", 1,
	        (const char *const[]){x->id});

	if (rc == APP_OK && PQntuples(res) == 0) {
		x->conflict = "already_confirmed";
		rc = APP_CONFLICT;
	}
	PQclear(res);
	return rc == APP_OK
	               ? send_confirmation(x->conn, x->app, x->id, x->email, x->first, x->language)
	               : rc;
}

static int act_send_password_reset(struct action_ctx *x)
{
	struct account a;
	int rc = account_repo_get(&a, x->conn, PRINCIPAL_CUSTOMER, x->id);

	return rc == APP_OK ? recovery_send_link(x->conn, x->app, x->ci, &a) : rc;
}

static int act_send_credentials(struct action_ctx *x)
{
	char ts[24];
	int rc;

	db_time_param(ts, (long long)x->now);
	rc = db_exec(NULL, x->conn,
	             "UPDATE customers SET password_hash = $2::text, must_change_password = true,"
	             " password_changed_at = to_timestamp($3::bigint),"
	             " updated_at = to_timestamp($3::bigint) WHERE id = $1::uuid",
	             3, (const char *const[]){x->id, x->hash, ts});
	/* the old password and every session die at once */
	if (rc == APP_OK)
		rc = session_repo_revoke_others(x->conn, x->id, NULL, "credentials_reset", x->now);
	return rc == APP_OK ? customers_send_credentials(x->conn, x->app, x->id, NULL, x->email,
	                                                 x->first, x->language, x->password)
	                    : rc;
}

static int act_send_email(struct action_ctx *x)
{
	const char *subject = str_of(x->body, "subject"), *text = str_of(x->body, "body");
	char id[37];
	json_t *vars;
	int rc;

	if (!subject || !*subject || strlen(subject) > 200)
		field_errors_add(x->errors, "subject", subject ? "invalid" : "required",
		                 "A subject of 1 to 200 characters.");
	if (!text || !*text || strlen(text) > 20000)
		field_errors_add(x->errors, "body", text ? "invalid" : "required",
		                 "A message of 1 to 20000 characters.");
	if (json_array_size(x->errors))
		return APP_INVALID;
	vars = json_pack("{s:s, s:s, s:s}", "first_name", x->first, "subject", subject, "message",
	                 text);
	struct outbox_message m = {.event = "staff_message",
	                           .language = x->language,
	                           .channel = "email",
	                           .address = x->email,
	                           .vars = vars,
	                           .customer_id = x->id};
	rc = outbox_enqueue(id, x->conn, x->app, &m);
	json_object_set_new(x->details, "subject", json_string(subject));
	json_object_set_new(x->result, "message_id", json_string(id));
	json_decref(vars);
	return rc;
}

/*
 * After staff took away a second factor or a security question: the customer hears of it, in its
 * language, and every session of its own ends (whoever might hold one now faces one factor less).
 */
static int security_changed(struct action_ctx *x, const char *change_en, const char *change_fr)
{
	char id[37];
	json_t *vars = json_pack("{s:s, s:s}", "first_name", x->first, "change",
	                         strcmp(x->language, "fr") == 0 ? change_fr : change_en);
	struct outbox_message m = {.event = "account_security_changed",
	                           .language = x->language,
	                           .channel = "email",
	                           .address = x->email,
	                           .vars = vars,
	                           .customer_id = x->id};
	int rc = session_repo_revoke_others(x->conn, x->id, NULL, "security_reset", x->now);

	if (rc == APP_OK)
		rc = outbox_enqueue(id, x->conn, x->app, &m);
	json_decref(vars);
	return rc;
}

static int act_remove_2fa(struct action_ctx *x, bool reset)
{
	struct totp_row row;
	int rc = totp_repo_get(&row, x->conn, x->id);

	if (rc == APP_NOT_FOUND && !reset) {
		x->conflict = "two_factor_off";
		return APP_CONFLICT;
	}
	if (rc == APP_NOT_FOUND)
		rc = APP_OK; /* reset: enrolment at the next sign-in all the same */
	if (rc == APP_OK)
		rc = totp_repo_delete(x->conn, x->id);
	if (rc == APP_OK && reset)
		rc = db_exec(
		        NULL, x->conn,
		        "UPDATE customers SET must_enrol_two_factor = true WHERE id = $1::uuid", 1,
		        (const char *const[]){x->id});
	if (rc == APP_OK)
		rc = reset ? security_changed(
		                     x,
		                     "two-step verification was reset; you set it up again "
		                     "at your next sign-in",
		                     "la vérification en deux étapes a été réinitialisée ; "
		                     "vous la configurerez à votre prochaine connexion")
		           : security_changed(x, "two-step verification was turned off",
		                              "la vérification en deux étapes a été désactivée");
	return rc;
}

static int act_remove_2fa_only(struct action_ctx *x)
{
	return act_remove_2fa(x, false);
}

static int act_reset_2fa(struct action_ctx *x)
{
	return act_remove_2fa(x, true);
}

static int act_disable_question(struct action_ctx *x)
{
	PGresult *res = NULL;
	int rc =
	        db_exec(&res, x->conn,
	                "UPDATE customers SET security_question = NULL, security_answer_hash = NULL"
	                " WHERE id = $1::uuid AND security_question IS NOT NULL RETURNING id",
	                1, (const char *const[]){x->id});

	if (rc == APP_OK && PQntuples(res) == 0) {
		x->conflict = "no_security_question";
		rc = APP_CONFLICT;
	}
	PQclear(res);
	if (rc == APP_OK)
		rc = security_changed(x, "your security question was removed",
		                      "votre question de sécurité a été supprimée");
	return rc;
}

static int act_unlock(struct action_ctx *x)
{
	PGresult *res = NULL;
	char ts[24];
	int rc;

	db_time_param(ts, (long long)x->now);
	rc = db_exec(&res, x->conn,
	             "DELETE FROM login_throttle WHERE subject = 'customer:' || $1::text"
	             " RETURNING coalesce(locked_until > to_timestamp($2::bigint), false)",
	             2, (const char *const[]){x->id, ts});
	if (rc == APP_OK)
		json_object_set_new(x->result, "was_locked",
		                    json_boolean(PQntuples(res) == 1 &&
		                                 strcmp(PQgetvalue(res, 0, 0), "t") == 0));
	PQclear(res);
	return rc;
}

static int act_revoke_sessions(struct action_ctx *x)
{
	long n = 0, tokens = 0;
	int rc = live_services(&n, &tokens, x);

	/* the customer's sessions and its individuals': a whole organization signed out */
	json_object_set_new(x->result, "sessions_revoked", json_integer(n));
	return rc == APP_OK ? session_repo_revoke_customer(x->conn, x->id, "staff_revoked", x->now)
	                    : rc;
}

/* The permission each needs is in the route table (one route per action). */
static const struct {
	const char *name;
	const char *const *fields; /* accepted body fields */
	int (*run)(struct action_ctx *x);
} ACTIONS[] = {
        {"resend-confirmation", (const char *const[]){NULL}, act_resend_confirmation},
        {"confirm", (const char *const[]){NULL}, act_confirm},
        {"send-password-reset", (const char *const[]){NULL}, act_send_password_reset},
        {"send-credentials", (const char *const[]){NULL}, act_send_credentials},
        {"send-email", (const char *const[]){"subject", "body", NULL}, act_send_email},
        {"suspend", (const char *const[]){"reason", "cascade", "notify", "dry_run", NULL},
         act_suspend},
        {"ban", (const char *const[]){"reason", "cascade", "notify", "dry_run", NULL}, act_ban},
        {"reactivate", (const char *const[]){"reason", "restore_services", "notify", NULL},
         act_reactivate},
        {"remove-2fa", (const char *const[]){NULL}, act_remove_2fa_only},
        {"reset-2fa", (const char *const[]){NULL}, act_reset_2fa},
        {"disable-security-question", (const char *const[]){NULL}, act_disable_question},
        {"unlock", (const char *const[]){NULL}, act_unlock},
        {"revoke-sessions", (const char *const[]){NULL}, act_revoke_sessions},
};

#define ACTION_COUNT (sizeof(ACTIONS) / sizeof(ACTIONS[0]))

static int action_index(const char *action)
{
	for (size_t i = 0; action && i < ACTION_COUNT; i++)
		if (strcmp(ACTIONS[i].name, action) == 0)
			return (int)i;
	return -1;
}

int customers_action(json_t **out, json_t *errors, const char **conflict, struct app *app,
                     const struct principal *who, const struct client_info *ci, const char *id,
                     const char *action, json_t *body)
{
	char audit_action[64], hash[PASSWORD_HASH_MAX] = "", generated[21] = "";
	struct action_ctx x = {.app = app,
	                       .who = who,
	                       .ci = ci,
	                       .id = id,
	                       .body = body,
	                       .errors = errors,
	                       .result = json_object(),
	                       .details = json_object(),
	                       .now = clock_now()};
	const char *key;
	json_t *v, *customer = NULL;
	int i = action_index(action), rc;

	*out = NULL;
	*conflict = NULL;
	if (i < 0) {
		rc = APP_NOT_FOUND;
		goto done;
	}
	json_object_foreach(body, key, v)
	{
		bool known = false;

		for (const char *const *f = ACTIONS[i].fields; *f; f++)
			known |= strcmp(*f, key) == 0;
		if (!known)
			field_errors_add(errors, key, "unknown_field",
			                 "This action does not take this field.");
		else if (strcmp(key, "reason") && strcmp(key, "subject") && strcmp(key, "body")
		                 ? !json_is_boolean(v)
		                 : !json_is_string(v))
			field_errors_add(errors, key, "invalid", "Not of the expected type.");
	}
	if (json_array_size(errors)) {
		rc = APP_INVALID;
		goto done;
	}
	x.dry_run = json_is_true(json_object_get(body, "dry_run"));
	if (ACTIONS[i].run == act_send_credentials) {
		json_t *f = json_pack("{s:b}", "generate", 1);

		rc = hash_password(hash, generated, app, f);
		json_decref(f);
		if (rc != APP_OK)
			goto done;
		x.hash = hash;
		x.password = generated;
	}
	if ((rc = db_pool_checkout(&x.conn, app->pool)) != APP_OK ||
	    (rc = db_begin(x.conn)) != APP_OK ||
	    (rc = lock_customer(x.status, x.email, x.first, x.language, x.conn, id)) != APP_OK)
		goto done;
	if (strcmp(x.status, "deleted") == 0) {
		x.conflict = "deleted";
		rc = APP_CONFLICT;
		goto done;
	}
	if ((rc = ACTIONS[i].run(&x)) != APP_OK)
		goto done;
	snprintf(audit_action, sizeof(audit_action), "customer.%s", action);
	for (char *p = audit_action; *p; p++)
		*p = *p == '-' ? '_' : *p;
	struct audit_entry e = staff_entry(who, ci, audit_action, id, x.details);
	if (!x.dry_run && (rc = audit_repo_append(x.conn, &e)) != APP_OK)
		goto done;
	if ((rc = read_customer(&customer, x.conn, id)) != APP_OK)
		goto done;
	if (!x.dry_run && (rc = db_commit(x.conn)) != APP_OK)
		goto done;
	*out = json_pack("{s:s, s:b, s:O, s:O}", "action", action, "dry_run", x.dry_run, "result",
	                 x.result, "customer", customer);
	if (!x.dry_run)
		log_info("Customers - staff %s: %s on customer %s", who->id, action, id);
done:
	db_rollback(x.conn); /* a dry run stops here, changing nothing */
	db_pool_checkin(app->pool, x.conn);
	*conflict = x.conflict;
	memset(hash, 0, sizeof(hash));
	memset(generated, 0, sizeof(generated));
	json_decref(x.result);
	json_decref(x.details);
	json_decref(customer);
	return rc;
}

/* ---- delete ---- */

int customers_delete(json_t **out, struct app *app, const struct principal *who,
                     const struct client_info *ci, const char *id, bool dry_run)
{
	struct action_ctx x = {.app = app, .who = who, .ci = ci, .id = id, .now = clock_now()};
	json_t *details = NULL;
	long sessions = 0, tokens = 0;
	char ts[24];
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&x.conn, app->pool)) != APP_OK ||
	    (rc = db_begin(x.conn)) != APP_OK ||
	    (rc = lock_customer(x.status, x.email, x.first, x.language, x.conn, id)) != APP_OK)
		goto done;
	if (strcmp(x.status, "deleted") == 0) {
		rc = APP_NOT_FOUND; /* gone already, as far as the API is concerned */
		goto done;
	}
	if ((rc = live_services(&sessions, &tokens, &x)) != APP_OK)
		goto done;
	*out = json_pack("{s:b, s:{s:I, s:I}}", "dry_run", dry_run, "impact", "sessions",
	                 (json_int_t)sessions, "api_tokens", (json_int_t)tokens);
	if (dry_run)
		goto done;
	details = json_pack("{s:s, s:s}", "from", x.status, "email", x.email);
	db_time_param(ts, (long long)x.now);
	struct audit_entry e = staff_entry(who, ci, "customer.deleted", id, details);
	if ((rc = db_exec(NULL, x.conn, SQL_SET_STATUS, 6,
	                  (const char *const[]){id, "deleted", "", ts, x.status, who->id})) ==
	            APP_OK &&
	    (rc = session_repo_revoke_customer(x.conn, id, "account_deleted", x.now)) == APP_OK &&
	    (rc = db_exec(NULL, x.conn,
	                  "UPDATE api_tokens SET revoked_at = to_timestamp($2::bigint)"
	                  " WHERE customer_id = $1::uuid AND revoked_at IS NULL",
	                  2, (const char *const[]){id, ts})) == APP_OK &&
	    (rc = audit_repo_append(x.conn, &e)) == APP_OK)
		rc = db_commit(x.conn);
done:
	db_rollback(x.conn);
	db_pool_checkin(app->pool, x.conn);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- history, notes, sessions ---- */

static int exists(struct db_conn *conn, const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT 1 FROM customers WHERE id = $1::uuid", 1,
	                 (const char *const[]){id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

int customers_history(json_t **out, struct app *app, const char *id, const char *kind,
                      const char *cursor, int limit)
{
	struct audit_filter f = {
	        .customer_id = id, .action = kind, .cursor = cursor, .limit = limit};
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = exists(conn, id)) == APP_OK)
		rc = audit_repo_search(out, conn, &f);
	db_pool_checkin(app->pool, conn);
	return rc;
}

static const char SQL_NOTES[] =
        "SELECT json_build_object('items', coalesce(json_agg(json_build_object('id', n.id,"
        " 'body', n.body, 'author_id', n.author_id, 'author_name',"
        " coalesce(nullif(s.display_name, ''), s.email), 'created_at', " DB_RFC3339(
                "n.created_at") ") ORDER BY n.created_at DESC, n.id), '[]'::json))"
                                " FROM customer_notes n LEFT JOIN staff s ON s.id = n.author_id"
                                " WHERE n.customer_id = $1::uuid";

int customers_notes(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = exists(conn, id)) == APP_OK)
		rc = db_exec_json(out, conn, SQL_NOTES, 1, (const char *const[]){id});
	db_pool_checkin(app->pool, conn);
	return rc;
}

static const char SQL_NOTE_ADD[] =
        "WITH n AS (INSERT INTO customer_notes (customer_id, author_id, body, created_at)"
        "  VALUES ($1::uuid, $2::uuid, $3::text, to_timestamp($4::bigint)) RETURNING *)"
        " SELECT json_build_object('id', n.id, 'body', n.body, 'author_id', n.author_id,"
        " 'author_name', (SELECT coalesce(nullif(display_name, ''), email) FROM staff"
        "   WHERE id = n.author_id), 'created_at', " DB_RFC3339("n.created_at") ") FROM n";

int customers_add_note(json_t **out, struct app *app, const struct principal *who,
                       const struct client_info *ci, const char *id, const char *body)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:I}", "length", (json_int_t)strlen(body));
	struct audit_entry e = staff_entry(who, ci, "customer.note_added", id, details);
	char ts[24];
	int rc;

	*out = NULL;
	db_time_param(ts, (long long)clock_now());
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = db_begin(conn)) == APP_OK && (rc = exists(conn, id)) == APP_OK &&
	    (rc = db_exec_json(out, conn, SQL_NOTE_ADD, 4,
	                       (const char *const[]){id, who->id, body, ts})) == APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	if (rc != APP_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int customers_sessions(json_t **out, struct app *app, const char *id)
{
	struct db_conn *conn = NULL;
	json_t *items = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = exists(conn, id)) == APP_OK &&
	    (rc = session_repo_list(&items, conn, id, NULL, clock_now())) == APP_OK)
		*out = json_pack("{s:o}", "items", items);
	db_pool_checkin(app->pool, conn);
	return rc;
}

int customers_revoke_session(struct app *app, const struct principal *who,
                             const struct client_info *ci, const char *id, const char *session_id)
{
	struct db_conn *conn = NULL;
	json_t *details = json_pack("{s:s}", "session_id", session_id);
	struct audit_entry e = staff_entry(who, ci, "customer.session_revoked", id, details);
	int rc;

	if ((rc = db_pool_checkout(&conn, app->pool)) == APP_OK &&
	    (rc = db_begin(conn)) == APP_OK &&
	    (rc = session_repo_revoke_own(conn, session_id, id, "staff_revoked", clock_now())) ==
	            APP_OK &&
	    (rc = audit_repo_append(conn, &e)) == APP_OK)
		rc = db_commit(conn);
	db_rollback(conn);
	db_pool_checkin(app->pool, conn);
	json_decref(details);
	return rc;
}
