/* individuals and individual_invitations SQL, always scoped by the customer they belong to. */
#ifndef CABINET_INDIVIDUAL_REPO_H
#define CABINET_INDIVIDUAL_REPO_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "db/pool.h"

/*
 * A customer's individuals (Individual in openapi.yaml) and the roles it may give them:
 * {items, allowed_roles}. APP_NOT_FOUND for no such customer (or a deleted one).
 */
int individual_repo_list(json_t **out, struct db_conn *conn, const char *customer_id, time_t now);

/* One individual of the customer, not deleted; APP_NOT_FOUND otherwise. */
int individual_repo_get(json_t **out, struct db_conn *conn, const char *customer_id, const char *id,
                        time_t now);

/* What a change of a customer's people needs of the customer. */
struct people_owner {
	char organization[256]; /* its company, else its name, else its e-mail: for invitations */
	char language[3];
	bool role_ok; /* the role asked for is one it may give (or none was asked) */
};

/*
 * The customer, locked against a change of its allowed roles; role_id: the role to give (NULL:
 * none). APP_NOT_FOUND for no such customer (or a deleted one).
 */
int individual_repo_owner(struct people_owner *out, struct db_conn *conn, const char *customer_id,
                          const char *role_id);

/*
 * Inserts an individual of fields (a JSON object of checked values: email, phone, first_name,
 * last_name, role_id, active_from, expires_at, language, trusted_ips, two_factor_policy), invited
 * (password_hash NULL) or active with a password to change. Constraint errors name
 * portal_logins_email_key, portal_logins_phone_key or individuals_check in conn->constraint.
 */
int individual_repo_insert(char id_out[37], struct db_conn *conn, const char *customer_id,
                           const char *fields, const char *password_hash, time_t now);

/* Applies fields (as for insert, plus status; a key with null clears the value). */
int individual_repo_update(struct db_conn *conn, const char *customer_id, const char *id,
                           const char *fields, time_t now);

/* The individual's status, the row locked; APP_NOT_FOUND when it is not the customer's or deleted. */
int individual_repo_lock(char status[16], struct db_conn *conn, const char *customer_id,
                         const char *id);

/* Marks the individual deleted and kills its pending invitations. */
int individual_repo_delete(struct db_conn *conn, const char *id, time_t now);

/* Where an invitation goes. */
struct invitee {
	char id[37];
	char email[255];
	char name[402]; /* first and last, 100 characters each */
	char language[3];
};

/* The individual's address, first name (in name) and language. */
int individual_repo_invitee(struct invitee *out, struct db_conn *conn, const char *id);

/* Kills the individual's live invitation links. */
int individual_repo_kill_invitations(struct db_conn *conn, const char *id, time_t now);

/* Keeps a new invitation link (its token stored hashed), usable for ttl_s seconds. */
int individual_repo_invitation_create(struct db_conn *conn, const char *token, const char *id,
                                      time_t now, long ttl_s);

/*
 * The individual a live invitation token is for ({id, email, name: first and last}); APP_NOT_FOUND
 * when unknown, used, killed, expired, or the individual is no longer invited.
 */
int individual_repo_invitation_peek(struct invitee *out, struct db_conn *conn, const char *token,
                                    time_t now);

/* Uses the token once (of two concurrent acceptances one only): the individual's id. */
int individual_repo_invitation_use(char id_out[37], struct db_conn *conn, const char *token,
                                   time_t now);

/* An invited individual becomes active (its invitation accepted). */
int individual_repo_activate(struct db_conn *conn, const char *id);

#endif
