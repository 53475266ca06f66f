/* Accounts that sign in: staff (staff realm), customers and individuals (portal realm), one shape. */
#ifndef CABINET_ACCOUNT_REPO_H
#define CABINET_ACCOUNT_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "auth/principal.h"
#include "db/pool.h"

struct account {
	enum principal_kind kind; /* PRINCIPAL_STAFF, PRINCIPAL_CUSTOMER or PRINCIPAL_INDIVIDUAL */
	char id[37];
	char customer_id[37];  /* the customer it belongs to (its own id for one), "" for staff */
	long long active_from; /* an individual's sign-in window (epoch seconds), 0 when open */
	long long expires_at;
	char status[16]; /* an individual's suspended, banned or deleted customer shows here */
	bool login_enabled;
	bool email_confirmed;
	char password_hash[256]; /* "" when none is set */
	char email[255];
	char display_name[201];
	char phone[17];                 /* E.164, "" when none (staff never have one) */
	char language[3];               /* for the messages it receives */
	char trusted_ips[10001];        /* as typed; "" = any address */
	char two_factor_policy[9];      /* inherit, required or off (staff: always inherit) */
	char security_question[201];    /* "" when none is set */
	char security_answer_hash[256]; /* a password hash of the normalized answer */
	bool must_enrol_two_factor;     /* staff reset its 2FA: set it up at the next sign-in */
};

/*
 * An account's profile and preferences (Profile in openapi.yaml), with a pending phone change:
 * APP_NOT_FOUND when the account is gone. _text hands over PostgreSQL's JSON text (caller frees).
 */
int account_repo_profile(json_t **out, struct db_conn *conn, enum principal_kind kind,
                         const char *id, time_t now);
int account_repo_profile_text(char **out, struct db_conn *conn, enum principal_kind kind,
                              const char *id, time_t now);

/* "staff", "customer" or "individual": throttle subjects, audit actor kinds, account_kind columns. */
const char *account_kind_name(enum principal_kind kind);

/* The kind an account_kind_name names (PRINCIPAL_NONE for anything else). */
enum principal_kind account_kind_parse(const char *name);

/*
 * Finds the account that signs in with login in realm: staff by e-mail; customers and individuals
 * (not deleted) by e-mail, or by phone when phone (E.164) is given. APP_NOT_FOUND when none.
 */
int account_repo_find(struct account *out, struct db_conn *conn, const char *realm,
                      const char *email, const char *phone);

/*
 * Finds the account of a login as typed: an e-mail, or (portal realm) a phone number in any common
 * spelling, national ones read in default_country.
 */
int account_repo_find_login(struct account *out, struct db_conn *conn, const char *realm,
                            const char *login, const char *default_country);

/* The account behind a principal. APP_NOT_FOUND. */
int account_repo_get(struct account *out, struct db_conn *conn, enum principal_kind kind,
                     const char *id);

/* Records a successful sign-in (time and address). */
int account_repo_record_login(struct db_conn *conn, const struct account *a, time_t now,
                              const char *ip);

/* Replaces the hash alone (a re-hash with the current parameters after a sign-in). */
int account_repo_set_hash(struct db_conn *conn, const struct account *a, const char *hash);

/* A new password: replaces the hash, clears must_change_password, records the time. */
int account_repo_set_password(struct db_conn *conn, const struct account *a, const char *hash,
                              time_t now);

/* Replaces the trusted IP list (already validated). */
int account_repo_set_trusted_ips(struct db_conn *conn, const struct account *a, const char *text);

/* Sets the security question and its answer's hash, or removes both (NULL, NULL). */
int account_repo_set_question(struct db_conn *conn, const struct account *a, const char *question,
                              const char *answer_hash);

/*
 * Locks the account's row until the caller's transaction ends: what is counted or checked about the
 * account meanwhile (sends this hour, pending changes) stays true. APP_NOT_FOUND when it is gone.
 */
int account_repo_lock(struct db_conn *conn, const struct account *a);

/* The portal account signing in with an address (an e-mail or an E.164 phone). */
struct portal_holder {
	char email[255];
	char first_name[401]; /* 100 characters of UTF-8 */
	char language[3];
	char customer_id[37];
	char individual_id[37]; /* "" for the customer itself */
};

/* Who signs in to the portal with address; APP_NOT_FOUND for nobody. */
int account_repo_portal_holder(struct portal_holder *out, struct db_conn *conn,
                               const char *address);

/* Whether a portal account (customer or individual) signs in with the e-mail address. */
int account_repo_portal_email_taken(bool *taken_out, struct db_conn *conn, const char *email);

/* What an account may change of its own profile; NULL keeps a field. */
struct profile_patch {
	const char *first_name, *last_name, *company; /* portal accounts (company: customers) */
	bool remove_phone;                            /* portal accounts: no phone any more */
	const char *language, *time_zone, *date_input_format, *date_output_format;
	const char *display_name; /* staff */
};

/* Applies a patch to the account's own row (the fields its kind has). */
int account_repo_patch_profile(struct db_conn *conn, enum principal_kind kind, const char *id,
                               const struct profile_patch *p);

/* Whether another portal account than owner_id signs in with phone. */
int account_repo_phone_taken(bool *taken_out, struct db_conn *conn, const char *phone,
                             const char *owner_id);

/* Whether phone is the portal account's number already. */
int account_repo_phone_is(bool *same_out, struct db_conn *conn, enum principal_kind kind,
                          const char *id, const char *phone);

/* Sets a portal account's phone (a verified one). APP_CONFLICT when another account took it. */
int account_repo_set_phone(struct db_conn *conn, enum principal_kind kind, const char *id,
                           const char *phone);

/* The language a portal account reads its messages in (left as is when the account is gone). */
int account_repo_language(char language[3], struct db_conn *conn, enum principal_kind kind,
                          const char *id);

/* Whether a portal account signs in with the e-mail, and with the phone (NULL: not asked). */
int account_repo_portal_taken(bool *email_taken, bool *phone_taken, struct db_conn *conn,
                              const char *email, const char *phone);

#endif
