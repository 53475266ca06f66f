/* Accounts SQL: one statement per kind, chosen here so services stay kind-agnostic. */
#include "db/account_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/phone.h"
#include "common/err.h"
#include "db/db.h"

const char *account_kind_name(enum principal_kind kind)
{
	return kind == PRINCIPAL_CUSTOMER     ? "customer"
	       : kind == PRINCIPAL_INDIVIDUAL ? "individual"
	                                      : "staff";
}

enum principal_kind account_kind_parse(const char *name)
{
	if (!name)
		return PRINCIPAL_NONE;
	if (strcmp(name, "staff") == 0)
		return PRINCIPAL_STAFF;
	if (strcmp(name, "customer") == 0)
		return PRINCIPAL_CUSTOMER;
	return strcmp(name, "individual") == 0 ? PRINCIPAL_INDIVIDUAL : PRINCIPAL_NONE;
}

enum {
	A_KIND,
	A_ID,
	A_STATUS,
	A_LOGIN,
	A_CONFIRMED,
	A_HASH,
	A_EMAIL,
	A_NAME,
	A_PHONE,
	A_LANGUAGE,
	A_IPS,
	A_2FA_POLICY,
	A_QUESTION,
	A_ANSWER,
	A_MUST_ENROL,
	A_CUSTOMER,
	A_ACTIVE_FROM,
	A_EXPIRES_AT,
	A_COLUMNS
};

/* staff follow the staff setting alone: "inherit" is read as two_factor.staff_required */
#define STAFF_COLUMNS                                                                              \
	"'staff', id, status, true, true, password_hash, email, display_name, '', 'en', "          \
	"trusted_ips,"                                                                             \
	" 'inherit', coalesce(security_question, ''), coalesce(security_answer_hash, ''), false,"  \
	" '', 0, 0"
#define CUSTOMER_COLUMNS                                                                           \
	"'customer', id, status, login_enabled, email_confirmed_at IS NOT NULL,"                   \
	" coalesce(password_hash, ''), email, trim(first_name || ' ' || last_name),"               \
	" coalesce(phone, ''), language, trusted_ips, two_factor_policy,"                          \
	" coalesce(security_question, ''), coalesce(security_answer_hash, ''),"                    \
	" must_enrol_two_factor, id::text, 0, 0"
/*
 * An individual of a suspended, banned or deleted customer is refused as its customer is; one
 * still invited has no password yet. Its address was confirmed by accepting the invitation.
 */
#define INDIVIDUAL_COLUMNS                                                                         \
	"'individual', i.id, CASE WHEN c.status IN ('suspended', 'banned', 'deleted') THEN "       \
	"c.status"                                                                                 \
	" WHEN i.status = 'invited' THEN 'pending' ELSE i.status END, c.login_enabled, true,"      \
	" coalesce(i.password_hash, ''), i.email, trim(i.first_name || ' ' || i.last_name),"       \
	" coalesce(i.phone, ''), i.language, i.trusted_ips, i.two_factor_policy,"                  \
	" coalesce(i.security_question, ''), coalesce(i.security_answer_hash, ''),"                \
	" i.must_enrol_two_factor, i.customer_id::text,"                                           \
	" coalesce(extract(epoch FROM i.active_from)::bigint, 0),"                                 \
	" coalesce(extract(epoch FROM i.expires_at)::bigint, 0)"

static const char SQL_STAFF_FIND[] =
        "SELECT " STAFF_COLUMNS " FROM staff WHERE lower(email) = lower($1::text)";

/* portal logins are unique across both tables (portal_logins), so at most one row answers */
static const char SQL_PORTAL_FIND[] =
        "SELECT " CUSTOMER_COLUMNS " FROM customers"
        " WHERE status <> 'deleted'"
        "   AND (($2::text IS NULL AND lower(email) = lower($1::text)) OR phone = $2::text)"
        " UNION ALL"
        " SELECT " INDIVIDUAL_COLUMNS " FROM individuals i JOIN customers c ON c.id = i.customer_id"
        " WHERE i.status <> 'deleted'"
        "   AND (($2::text IS NULL AND lower(i.email) = lower($1::text)) OR i.phone = $2::text)";

static const char SQL_STAFF_GET[] = "SELECT " STAFF_COLUMNS " FROM staff WHERE id = $1::uuid";

static const char SQL_CUSTOMER_GET[] =
        "SELECT " CUSTOMER_COLUMNS " FROM customers WHERE id = $1::uuid";

static const char SQL_INDIVIDUAL_GET[] =
        "SELECT " INDIVIDUAL_COLUMNS
        " FROM individuals i JOIN customers c ON c.id = i.customer_id WHERE i.id = $1::uuid";

/* The statement of the account's kind: each kind has its table. */
static const char *by_kind(enum principal_kind kind, const char *staff, const char *customer,
                           const char *individual)
{
	return kind == PRINCIPAL_CUSTOMER     ? customer
	       : kind == PRINCIPAL_INDIVIDUAL ? individual
	                                      : staff;
}

static int read_one(struct account *out, PGresult *res)
{
	memset(out, 0, sizeof(*out));
	if (PQnfields(res) != A_COLUMNS) /* every kind's column list must match the enum */
		return APP_INTERNAL;
	if (PQntuples(res) != 1)
		return APP_NOT_FOUND;
	out->kind = account_kind_parse(PQgetvalue(res, 0, A_KIND));
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, A_ID));
	snprintf(out->status, sizeof(out->status), "%s", PQgetvalue(res, 0, A_STATUS));
	out->login_enabled = strcmp(PQgetvalue(res, 0, A_LOGIN), "t") == 0;
	out->email_confirmed = strcmp(PQgetvalue(res, 0, A_CONFIRMED), "t") == 0;
	snprintf(out->password_hash, sizeof(out->password_hash), "%s", PQgetvalue(res, 0, A_HASH));
	snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, A_EMAIL));
	snprintf(out->display_name, sizeof(out->display_name), "%s", PQgetvalue(res, 0, A_NAME));
	snprintf(out->phone, sizeof(out->phone), "%s", PQgetvalue(res, 0, A_PHONE));
	snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, A_LANGUAGE));
	snprintf(out->trusted_ips, sizeof(out->trusted_ips), "%s", PQgetvalue(res, 0, A_IPS));
	snprintf(out->two_factor_policy, sizeof(out->two_factor_policy), "%s",
	         PQgetvalue(res, 0, A_2FA_POLICY));
	snprintf(out->security_question, sizeof(out->security_question), "%s",
	         PQgetvalue(res, 0, A_QUESTION));
	snprintf(out->security_answer_hash, sizeof(out->security_answer_hash), "%s",
	         PQgetvalue(res, 0, A_ANSWER));
	out->must_enrol_two_factor = strcmp(PQgetvalue(res, 0, A_MUST_ENROL), "t") == 0;
	snprintf(out->customer_id, sizeof(out->customer_id), "%s", PQgetvalue(res, 0, A_CUSTOMER));
	out->active_from = strtoll(PQgetvalue(res, 0, A_ACTIVE_FROM), NULL, 10);
	out->expires_at = strtoll(PQgetvalue(res, 0, A_EXPIRES_AT), NULL, 10);
	return out->kind == PRINCIPAL_NONE ? APP_INTERNAL : APP_OK;
}

int account_repo_find(struct account *out, struct db_conn *conn, const char *realm,
                      const char *email, const char *phone)
{
	bool staff = strcmp(realm, "staff") == 0;
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (staff && !email)
		return APP_NOT_FOUND; /* staff sign in by e-mail only */
	rc = staff ? db_exec(&res, conn, SQL_STAFF_FIND, 1, (const char *const[]){email})
	           : db_exec(&res, conn, SQL_PORTAL_FIND, 2, (const char *const[]){email, phone});
	if (rc == APP_OK)
		rc = read_one(out, res);
	PQclear(res);
	return rc;
}

int account_repo_find_login(struct account *out, struct db_conn *conn, const char *realm,
                            const char *login, const char *default_country)
{
	char phone[32];

	memset(out, 0, sizeof(*out));
	if (strchr(login, '@'))
		return account_repo_find(out, conn, realm, login, NULL);
	if (strcmp(realm, "portal") != 0 ||
	    phone_normalize(phone, sizeof(phone), login, default_country) != APP_OK)
		return APP_NOT_FOUND;
	return account_repo_find(out, conn, realm, NULL, phone);
}

int account_repo_get(struct account *out, struct db_conn *conn, enum principal_kind kind,
                     const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 by_kind(kind, SQL_STAFF_GET, SQL_CUSTOMER_GET, SQL_INDIVIDUAL_GET), 1,
	                 (const char *const[]){id});

	if (rc == APP_OK)
		rc = read_one(out, res);
	PQclear(res);
	return rc;
}

/*
 * The last sign-in, written at most once a minute unless from another address: a sign-in again from
 * the same place leaves the row alone (each write of a customer row updates every index of the
 * table, the trigram one included). Every sign-in is in the audit log all the same.
 */
#define RECORD_LOGIN(table)                                                                        \
	"UPDATE " table " SET last_login_at = to_timestamp($2::bigint), last_login_ip = $3::inet"  \
	" WHERE id = $1::uuid AND (last_login_at IS NULL"                                          \
	"   OR last_login_at <= to_timestamp($2::bigint) - interval '1 minute'"                    \
	"   OR last_login_ip IS DISTINCT FROM $3::inet)"

static const char SQL_STAFF_RECORD_LOGIN[] = RECORD_LOGIN("staff");
static const char SQL_CUSTOMER_RECORD_LOGIN[] = RECORD_LOGIN("customers");
static const char SQL_INDIVIDUAL_RECORD_LOGIN[] = RECORD_LOGIN("individuals");

int account_repo_record_login(struct db_conn *conn, const struct account *a, time_t now,
                              const char *ip)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn,
	               by_kind(a->kind, SQL_STAFF_RECORD_LOGIN, SQL_CUSTOMER_RECORD_LOGIN,
	                       SQL_INDIVIDUAL_RECORD_LOGIN),
	               3, (const char *const[]){a->id, ts, ip && *ip ? ip : NULL});
}

static const char SQL_STAFF_SET_HASH[] =
        "UPDATE staff SET password_hash = $2::text WHERE id = $1::uuid";
static const char SQL_CUSTOMER_SET_HASH[] =
        "UPDATE customers SET password_hash = $2::text WHERE id = $1::uuid";
static const char SQL_INDIVIDUAL_SET_HASH[] =
        "UPDATE individuals SET password_hash = $2::text WHERE id = $1::uuid";

int account_repo_set_hash(struct db_conn *conn, const struct account *a, const char *hash)
{
	return db_exec(NULL, conn,
	               by_kind(a->kind, SQL_STAFF_SET_HASH, SQL_CUSTOMER_SET_HASH,
	                       SQL_INDIVIDUAL_SET_HASH),
	               2, (const char *const[]){a->id, hash});
}

static const char SQL_STAFF_SET_PASSWORD[] =
        "UPDATE staff SET password_hash = $2::text, must_change_password = false,"
        " password_changed_at = to_timestamp($3::bigint), updated_at = to_timestamp($3::bigint)"
        " WHERE id = $1::uuid";
static const char SQL_CUSTOMER_SET_PASSWORD[] =
        "UPDATE customers SET password_hash = $2::text, must_change_password = false,"
        " password_changed_at = to_timestamp($3::bigint), updated_at = to_timestamp($3::bigint)"
        " WHERE id = $1::uuid";
static const char SQL_INDIVIDUAL_SET_PASSWORD[] =
        "UPDATE individuals SET password_hash = $2::text, must_change_password = false,"
        " password_changed_at = to_timestamp($3::bigint), updated_at = to_timestamp($3::bigint)"
        " WHERE id = $1::uuid";

int account_repo_set_password(struct db_conn *conn, const struct account *a, const char *hash,
                              time_t now)
{
	char ts[24];

	db_time_param(ts, (long long)(now));
	return db_exec(NULL, conn,
	               by_kind(a->kind, SQL_STAFF_SET_PASSWORD, SQL_CUSTOMER_SET_PASSWORD,
	                       SQL_INDIVIDUAL_SET_PASSWORD),
	               3, (const char *const[]){a->id, hash, ts});
}

int account_repo_set_trusted_ips(struct db_conn *conn, const struct account *a, const char *text)
{
	return db_exec(NULL, conn,
	               by_kind(a->kind,
	                       "UPDATE staff SET trusted_ips = $2::text WHERE id = $1::uuid",
	                       "UPDATE customers SET trusted_ips = $2::text WHERE id = $1::uuid",
	                       "UPDATE individuals SET trusted_ips = $2::text WHERE id = $1::uuid"),
	               2, (const char *const[]){a->id, text});
}

int account_repo_set_question(struct db_conn *conn, const struct account *a, const char *question,
                              const char *answer_hash)
{
	return db_exec(NULL, conn,
	               by_kind(a->kind,
	                       "UPDATE staff SET security_question = $2::text,"
	                       " security_answer_hash = $3::text WHERE id = $1::uuid",
	                       "UPDATE customers SET security_question = $2::text,"
	                       " security_answer_hash = $3::text WHERE id = $1::uuid",
	                       "UPDATE individuals SET security_question = $2::text,"
	                       " security_answer_hash = $3::text WHERE id = $1::uuid"),
	               3, (const char *const[]){a->id, question, answer_hash});
}

int account_repo_lock(struct db_conn *conn, const struct account *a)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 by_kind(a->kind, "SELECT 1 FROM staff WHERE id = $1::uuid FOR UPDATE",
	                         "SELECT 1 FROM customers WHERE id = $1::uuid FOR UPDATE",
	                         "SELECT 1 FROM individuals WHERE id = $1::uuid FOR UPDATE"),
	                 1, (const char *const[]){a->id});

	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	PQclear(res);
	return rc;
}

/* A change of phone waiting for its code: the number and when the code expires, or null. */
#define PHONE_PENDING                                                                              \
	"(SELECT json_build_object('phone', p.phone, 'expires_at', " DB_RFC3339(                   \
	        "p.expires_at") ")"                                                                \
	                        "  FROM phone_changes p WHERE p.account_id = $1::uuid"             \
	                        "    AND p.expires_at > to_timestamp($2::bigint)"                  \
	                        "    AND p.failed_attempts < 5)"

static const char SQL_CUSTOMER_PROFILE[] =
        "SELECT json_build_object('first_name', first_name, 'last_name', last_name, 'company', "
        "company,"
        " 'phone', phone, 'language', language, 'time_zone', time_zone,"
        " 'date_input_format', date_input_format, 'date_output_format', date_output_format,"
        " 'security_question', security_question, 'two_factor_policy', two_factor_policy,"
        " 'phone_pending', " PHONE_PENDING ")"
        " FROM customers WHERE id = $1::uuid";

static const char SQL_INDIVIDUAL_PROFILE[] =
        "SELECT json_build_object('first_name', first_name, 'last_name', last_name,"
        " 'phone', phone, 'language', language, 'time_zone', time_zone,"
        " 'date_input_format', date_input_format, 'date_output_format', date_output_format,"
        " 'security_question', security_question, 'two_factor_policy', two_factor_policy,"
        " 'phone_pending', " PHONE_PENDING ")"
        " FROM individuals WHERE id = $1::uuid";

static const char SQL_STAFF_PROFILE[] =
        "SELECT json_build_object('display_name', display_name, 'security_question',"
        " security_question) FROM staff WHERE id = $1::uuid";

static const char *profile_sql(enum principal_kind kind)
{
	return kind == PRINCIPAL_CUSTOMER     ? SQL_CUSTOMER_PROFILE
	       : kind == PRINCIPAL_INDIVIDUAL ? SQL_INDIVIDUAL_PROFILE
	                                      : SQL_STAFF_PROFILE;
}

int account_repo_profile(json_t **out, struct db_conn *conn, enum principal_kind kind,
                         const char *id, time_t now)
{
	char ts[24];

	return db_exec_json(out, conn, profile_sql(kind), PRINCIPAL_IN_PORTAL(kind) ? 2 : 1,
	                    (const char *const[]){id, db_time_param(ts, (long long)now)});
}

int account_repo_profile_text(char **out, struct db_conn *conn, enum principal_kind kind,
                              const char *id, time_t now)
{
	char ts[24];

	return db_exec_text(out, conn, profile_sql(kind), PRINCIPAL_IN_PORTAL(kind) ? 2 : 1,
	                    (const char *const[]){id, db_time_param(ts, (long long)now)});
}

int account_repo_portal_holder(struct portal_holder *out, struct db_conn *conn, const char *address)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT coalesce(i.email, c.email), coalesce(i.first_name, c.first_name),"
	                 " coalesce(i.language, c.language), c.id, coalesce(i.id::text, '')"
	                 " FROM portal_logins l LEFT JOIN individuals i ON i.id = l.owner_id"
	                 " JOIN customers c ON c.id = coalesce(i.customer_id, l.owner_id)"
	                 " WHERE l.email = lower($1::text) OR l.phone = $1::text LIMIT 1",
	                 1, (const char *const[]){address});

	memset(out, 0, sizeof(*out));
	if (rc == APP_OK && PQntuples(res) != 1)
		rc = APP_NOT_FOUND;
	if (rc == APP_OK) {
		snprintf(out->email, sizeof(out->email), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->first_name, sizeof(out->first_name), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->language, sizeof(out->language), "%s", PQgetvalue(res, 0, 2));
		snprintf(out->customer_id, sizeof(out->customer_id), "%s", PQgetvalue(res, 0, 3));
		snprintf(out->individual_id, sizeof(out->individual_id), "%s",
		         PQgetvalue(res, 0, 4));
	}
	PQclear(res);
	return rc;
}

int account_repo_portal_email_taken(bool *taken_out, struct db_conn *conn, const char *email)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn, "SELECT 1 FROM portal_logins WHERE email = lower($1::text)", 1,
	                 (const char *const[]){email});

	*taken_out = rc == APP_OK && PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

/* Each field a patch may set, with its column; NULL in the patch keeps the value (coalesce). */
static const char SQL_CUSTOMER_PATCH[] =
        "UPDATE customers SET first_name = coalesce($2::text, first_name),"
        " last_name = coalesce($3::text, last_name), company = coalesce($4::text, company),"
        " phone = CASE WHEN $5::boolean THEN NULL ELSE phone END,"
        " language = coalesce($6::text, language), time_zone = coalesce($7::text, time_zone),"
        " date_input_format = coalesce($8::text, date_input_format),"
        " date_output_format = coalesce($9::text, date_output_format), updated_at = now()"
        " WHERE id = $1::uuid";

/* the customer's parameters but the company, which an individual does not have */
static const char SQL_INDIVIDUAL_PATCH[] =
        "UPDATE individuals SET first_name = coalesce($2::text, first_name),"
        " last_name = coalesce($3::text, last_name),"
        " phone = CASE WHEN $4::boolean THEN NULL ELSE phone END,"
        " language = coalesce($5::text, language), time_zone = coalesce($6::text, time_zone),"
        " date_input_format = coalesce($7::text, date_input_format),"
        " date_output_format = coalesce($8::text, date_output_format), updated_at = now()"
        " WHERE id = $1::uuid";

int account_repo_patch_profile(struct db_conn *conn, enum principal_kind kind, const char *id,
                               const struct profile_patch *p)
{
	const char *removal = p->remove_phone ? "true" : "false";

	if (kind == PRINCIPAL_CUSTOMER)
		return db_exec(NULL, conn, SQL_CUSTOMER_PATCH, 9,
		               (const char *const[]){id, p->first_name, p->last_name, p->company,
		                                     removal, p->language, p->time_zone,
		                                     p->date_input_format, p->date_output_format});
	if (kind == PRINCIPAL_INDIVIDUAL)
		return db_exec(NULL, conn, SQL_INDIVIDUAL_PATCH, 8,
		               (const char *const[]){id, p->first_name, p->last_name, removal,
		                                     p->language, p->time_zone,
		                                     p->date_input_format, p->date_output_format});
	return db_exec(NULL, conn,
	               "UPDATE staff SET display_name = coalesce($2::text, display_name),"
	               " updated_at = now() WHERE id = $1::uuid",
	               2, (const char *const[]){id, p->display_name});
}

int account_repo_phone_taken(bool *taken_out, struct db_conn *conn, const char *phone,
                             const char *owner_id)
{
	PGresult *res = NULL;
	int rc = db_exec(
	        &res, conn,
	        "SELECT 1 FROM portal_logins WHERE phone = $1::text AND owner_id <> $2::uuid", 2,
	        (const char *const[]){phone, owner_id});

	*taken_out = rc == APP_OK && PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

int account_repo_phone_is(bool *same_out, struct db_conn *conn, enum principal_kind kind,
                          const char *id, const char *phone)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 kind == PRINCIPAL_CUSTOMER
	                         ? "SELECT phone IS NOT DISTINCT FROM $2::text FROM customers"
	                           " WHERE id = $1::uuid"
	                         : "SELECT phone IS NOT DISTINCT FROM $2::text FROM individuals"
	                           " WHERE id = $1::uuid",
	                 2, (const char *const[]){id, phone});

	*same_out = rc == APP_OK && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int account_repo_set_phone(struct db_conn *conn, enum principal_kind kind, const char *id,
                           const char *phone)
{
	return db_exec(NULL, conn,
	               kind == PRINCIPAL_CUSTOMER
	                       ? "UPDATE customers SET phone = $2::text, updated_at = now()"
	                         " WHERE id = $1::uuid"
	                       : "UPDATE individuals SET phone = $2::text, updated_at = now()"
	                         " WHERE id = $1::uuid",
	               2, (const char *const[]){id, phone});
}

int account_repo_language(char language[3], struct db_conn *conn, enum principal_kind kind,
                          const char *id)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 kind == PRINCIPAL_CUSTOMER
	                         ? "SELECT language FROM customers WHERE id = $1::uuid"
	                         : "SELECT language FROM individuals WHERE id = $1::uuid",
	                 1, (const char *const[]){id});

	if (rc == APP_OK && PQntuples(res) == 1)
		snprintf(language, 3, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return rc;
}

int account_repo_portal_taken(bool *email_taken, bool *phone_taken, struct db_conn *conn,
                              const char *email, const char *phone)
{
	PGresult *res = NULL;
	int rc = db_exec(&res, conn,
	                 "SELECT bool_or(email = lower($1::text)), bool_or(phone = $2::text)"
	                 " FROM portal_logins WHERE email = lower($1::text) OR phone = $2::text",
	                 2, (const char *const[]){email, phone});

	*email_taken = rc == APP_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	*phone_taken = rc == APP_OK && strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	return rc;
}
