/*
 * Operator settings: a catalogue compiled into the server (name, type, bounds, default) and the
 * values staff changed, kept in the settings table so every instance reads the same ones.
 */
#ifndef CABINET_SERVICE_SETTINGS_H
#define CABINET_SERVICE_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "config.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "common/client.h"
#include "common/err.h"
#include "db/pool.h"

/* The value of one setting (the stored one, else its default), as JSON; caller owns it. */
int settings_value(json_t **out, struct db_conn *conn, const char *key);

/* A string setting's value copied into out (an enum setting, say). */
int settings_string(char *out, size_t len, struct db_conn *conn, const char *key);

/* An integer setting's value. */
int settings_long(long *out, struct db_conn *conn, const char *key);

/* A boolean setting's value. */
int settings_bool(bool *out, struct db_conn *conn, const char *key);

/*
 * The parameters new password hashes are made with: the driver and bcrypt cost of the settings, the
 * argon2id costs of the configuration. Takes a connection for a moment (never while hashing).
 */
int settings_password_params(struct password_params *out, struct app *app);

/* The shortest password the operator accepts (password.min_length; at least 8). */
size_t settings_password_min_length(struct app *app);

/* What new customers get when nothing else is said (defaults.*). */
struct customer_defaults {
	char language[3];
	char time_zone[65];
	char date_input_format[16];
	char date_output_format[16];
};

int settings_customer_defaults(struct customer_defaults *out, struct db_conn *conn);

/* The same as JSON ({language, time_zone, date_input_format, date_output_format}), for SQL. */
json_t *customer_defaults_json(const struct customer_defaults *d);

/* Every setting with its value: {key: value, ...}. */
int settings_get(json_t **out, struct app *app);

/* Whether value suits the setting key: APP_OK, else APP_INVALID with fe naming the rule. */
int settings_check(const char *key, json_t *value, struct field_error *fe);

/*
 * Changes some settings at once (each already passed settings_check), audited as settings.updated
 * with the old and new values. Answers every setting, as settings_get. APP_INVALID with fe for what
 * only the database can tell (an unknown time zone); nothing changes then.
 */
int settings_patch(json_t **out, struct field_error *fe, struct app *app,
                   const struct principal *who, const struct client_info *ci, json_t *patch);

/* Takes the defaults some settings have from the configuration (before any thread starts). */
void settings_init(const struct config *cfg);

/*
 * The stored values are kept in memory only while every change of them is heard (the principal
 * listener is up): on is given by the listener's state. settings_cache_forget drops them (a change
 * was announced).
 */
void settings_cache_enable(bool on);
void settings_cache_forget(void);

#endif
